// Every calendar error carries a Chinese message with the same facts as its English one.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "calendar/date.h"
#include "calendar/holiday_calendar.h"
#include "calendar/instant.h"
#include "calendar/period.h"

namespace rules::calendar {
namespace {

Date D(const char* iso) { return *parse_date(iso); }

/// Whether `s` holds a CJK ideograph (U+4E00..U+9FFF, three bytes in UTF-8 starting E4..E9).
bool has_chinese(const std::string& s) {
  for (const char c : s) {
    const auto b = static_cast<unsigned char>(c);
    if (b >= 0xE4 && b <= 0xE9) return true;
  }
  return false;
}

template <class T>
CalendarError error_of(const Expected<T>& r) {
  EXPECT_FALSE(r.ok());
  return r.ok() ? CalendarError{CalendarErrorCode::syntax, "", ""} : r.error();
}

TEST(ChineseMessages, EveryFailureOfEveryOperationHasOne) {
  const auto shanghai = *TimeZone::locate("Asia/Shanghai");
  const HolidayCalendar none;
  const std::vector<std::pair<const char*, CalendarError>> cases = {
      {"make_date month", error_of(make_date(2024, 13, 1))},
      {"make_date day", error_of(make_date(2023, 2, 29))},
      {"make_date day 0", error_of(make_date(2023, 2, 0))},
      {"make_date year", error_of(make_date(10000, 1, 1))},
      {"parse_date", error_of(parse_date("2024/02/29"))},
      {"add_days", error_of(add_days(max_date(), 1))},
      {"parse_month_day syntax", error_of(parse_month_day("9-1"))},
      {"parse_month_day month", error_of(parse_month_day("13-01"))},
      {"parse_month_day day", error_of(parse_month_day("04-31"))},
      {"in_year", error_of(in_year(MonthDay{2, 29}, 2023))},
      {"in_year range", error_of(in_year(MonthDay{2, 28}, 0))},
      {"in_year bad", error_of(in_year(MonthDay{14, 1}, 2023))},
      {"parse_period P", error_of(parse_period("2Y"))},
      {"parse_period bare", error_of(parse_period("P"))},
      {"parse_period T", error_of(parse_period("PT1H"))},
      {"parse_period sign", error_of(parse_period("P-1Y"))},
      {"parse_period char", error_of(parse_period("P1X"))},
      {"parse_period designator", error_of(parse_period("P1"))},
      {"parse_period fraction", error_of(parse_period("P1.5Y"))},
      {"parse_period order", error_of(parse_period("P1D1Y"))},
      {"parse_period large", error_of(parse_period("P2000000Y"))},
      {"add_period", error_of(add_period(max_date(), Period{1, 0, 0}))},
      {"parse_instant shape", error_of(parse_instant("yesterday"))},
      {"parse_instant date", error_of(parse_instant("2025-06-30"))},
      {"parse_instant local", error_of(parse_instant("2025-06-30T08:00"))},
      {"parse_instant offset", error_of(parse_instant("2025-06-30T08:00+8"))},
      {"parse_instant offset range", error_of(parse_instant("2025-06-30T08:00+25:00"))},
      {"parse_instant fraction", error_of(parse_instant("2025-06-30T08:00:00.5Z"))},
      {"parse_instant time", error_of(parse_instant("2025-06-30T24:00Z"))},
      {"parse_time_of_day", error_of(parse_time_of_day("8:30"))},
      {"parse_time_of_day range", error_of(parse_time_of_day("24:00"))},
      {"locate", error_of(TimeZone::locate("Beijing"))},
      {"at time", error_of(shanghai.at(D("2025-06-30"), TimeOfDay{86400}))},
      {"end_of_day", error_of(shanghai.end_of_day(max_date()))},
      {"date_of", error_of(shanghai.date_of(Instant{std::int64_t{1} << 62, 0}))},
      {"is_rest_day", error_of(none.is_rest_day(D("2027-10-01")))},
  };
  for (const auto& [what, e] : cases) {
    EXPECT_FALSE(e.message.empty()) << what;
    EXPECT_TRUE(has_chinese(e.message_zh)) << what << ": " << e.message_zh;
  }
}

TEST(ChineseMessages, TheSameFactsAsTheEnglish) {
  EXPECT_EQ(make_date(2023, 2, 29).error().message_zh, "2023-02-29 不是有效日期：2023年2月只有28天");
  EXPECT_EQ(make_date(2024, 13, 1).error().message_zh, "2024-13-01 不是有效日期：没有13月");
  EXPECT_EQ(parse_date("2024/02/29").error().message_zh, "'2024/02/29' 不是日期：应为 YYYY-MM-DD 格式，如 2024-02-29");
  EXPECT_EQ(add_days(max_date(), 1).error().message_zh, "9999-12-31 加 1 日 超出支持的日期范围（0001-01-01 至 9999-12-31）");
  EXPECT_EQ(parse_month_day("02-30").error().message_zh, "02-30 不是有效的月日：2月最多有29天");
  EXPECT_EQ(parse_month_day("04-31").error().message_zh, "04-31 不是有效的月日：4月只有30天");
  EXPECT_EQ(parse_period("P1D1Y").error().message_zh, "'P1D1Y' 不是期间：各部分只能出现一次，且按 Y、M、W、D 的顺序");
  EXPECT_EQ(add_period(max_date(), Period{1, 0, 0}).error().message_zh,
            "9999-12-31 + P1Y 超出支持的日期范围（0001-01-01 至 9999-12-31）");
  EXPECT_EQ(parse_instant("2025-06-30T08:00").error().message_zh,
            "'2025-06-30T08:00' 不是时刻：缺少 UTC 偏移：不带偏移的本地时间不是时刻（请加 Z 或 +HH:MM）");
  EXPECT_EQ(TimeZone::locate("Beijing").error().message_zh, "'Beijing' 不是系统 tzdata 中的 IANA 时区名（如 Asia/Shanghai）");
}

TEST(ChineseMessages, NoHolidayDataNamesTheNoticeAndWhereToAddIt) {
  HolidayCalendar cal;
  HolidayYear y2025;
  y2025.year = 2025;
  HolidayYear y2026;
  y2026.year = 2026;
  ASSERT_FALSE(cal.add_year(y2025));
  ASSERT_FALSE(cal.add_year(y2026));
  const auto e = cal.next_workday(D("2027-10-01")).error();
  EXPECT_EQ(e.code, CalendarErrorCode::no_holiday_data);
  for (const char* needle : {"没有2027年的法定节假日数据", "目前只有2025年至2026年的数据", "《国务院办公厅关于2027年部分节假日安排的通知》",
                             "--params", "holidays.toml", "[[calendar.years]]", "year = 2027"}) {
    EXPECT_NE(e.message_zh.find(needle), std::string::npos) << needle << "\n" << e.message_zh;
  }
  for (const char* needle : {"no holiday data for 2027", "it has 2025-2026", "国务院办公厅关于2027年部分节假日安排的通知",
                             "--params", "holidays.toml", "[[calendar.years]]"}) {
    EXPECT_NE(e.message.find(needle), std::string::npos) << needle << "\n" << e.message;
  }
  // Years with a gap are listed one by one; an empty calendar says it has none.
  HolidayCalendar gap;
  HolidayYear y2020;
  y2020.year = 2020;
  ASSERT_FALSE(gap.add_year(y2020));
  ASSERT_FALSE(gap.add_year(y2026));
  EXPECT_NE(gap.is_rest_day(D("2023-01-01")).error().message_zh.find("目前只有2020年、2026年的数据"), std::string::npos);
  EXPECT_NE(HolidayCalendar().is_rest_day(D("2023-01-01")).error().message_zh.find("目前没有任何一年的数据"),
            std::string::npos);
}

TEST(ChineseMessages, AddYearSaysWhyInBothLanguages) {
  HolidayCalendar cal;
  HolidayYear y;
  y.year = 2025;
  y.rest_days = {D("2025-10-01")};
  ASSERT_FALSE(cal.add_year(y));
  const auto twice = cal.add_year(y);
  ASSERT_TRUE(twice);
  EXPECT_TRUE(twice->duplicate);
  EXPECT_EQ(twice->message_zh, "2025年的节假日通知重复给出");
  HolidayYear both;
  both.year = 2026;
  both.rest_days = {D("2026-10-10")};
  both.makeup_workdays = {D("2026-10-10")};
  const auto conflict = cal.add_year(both);
  ASSERT_TRUE(conflict);
  EXPECT_FALSE(conflict->duplicate);
  EXPECT_EQ(conflict->message, "2026-10-10 is listed both as a rest day and as a makeup working day");
  EXPECT_EQ(conflict->message_zh, "2026-10-10 既列为放假日，又列为调休上班日");
}

}  // namespace
}  // namespace rules::calendar
