// The statutory holiday calendar of the built-in pack: every day of 2015-2026 against an
// independent oracle, the cases the notices make hard, and the limits of the data.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "builtin_pack.h"
#include "engine/engine.h"
#include "loader/load.h"
#include "model/value_parse.h"

namespace rules::engine {
namespace {

using calendar::Date;

Date D(const char* iso) { return *calendar::parse_date(iso); }

const calendar::HolidayCalendar& builtin_holidays() {
  static const auto engine = [] {
    auto files = policy_packs::builtin_cn_higher_ed_files();
    auto r = loader::load_pack(files);
    if (!r.ok()) throw std::runtime_error("the built-in pack does not load");
    return std::make_unique<Engine>(std::move(r.pack));
  }();
  return engine->pack().holidays;
}

/// date -> true for rest, false for makeup working day, from tests/data/cn-holidays-oracle.tsv.
std::map<std::int32_t, bool> oracle() {
  std::ifstream in(std::string(POLICY_TEST_DATA_DIR) + "/cn-holidays-oracle.tsv");
  std::map<std::int32_t, bool> marks;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#' || line.starts_with("date")) continue;
    std::istringstream row(line);
    std::string date, kind;
    row >> date >> kind;
    marks[D(date.c_str()).days_since_epoch()] = kind == "rest";
  }
  return marks;
}

TEST(Holidays, EveryDayOf2015To2026AgreesWithTheOracle) {
  const auto& cal = builtin_holidays();
  const auto marks = oracle();
  ASSERT_GT(marks.size(), 350u);
  int days = 0, rest = 0;
  for (Date d = D("2015-01-01"); d <= D("2026-12-31"); d = *calendar::add_days(d, 1)) {
    const auto it = marks.find(d.days_since_epoch());
    const bool expected = it != marks.end() ? it->second : d.iso_weekday() >= 6;
    const auto actual = cal.is_rest_day(d);
    ASSERT_TRUE(actual.ok()) << calendar::format_date(d);
    EXPECT_EQ(*actual, expected) << calendar::format_date(d);
    EXPECT_EQ(*cal.is_workday(d), !expected) << calendar::format_date(d);
    ++days;
    rest += expected;
  }
  EXPECT_EQ(days, 4383);  // 12 years, 3 of them leap
  EXPECT_GT(rest, 1300);
}

// The oracle itself is checked against the shared reference when that is beside the checkout
// (as in CI), so neither copy can drift alone.
TEST(Holidays, OracleMatchesTheSharedReference) {
  const std::filesystem::path ref = std::filesystem::path(POLICY_SOURCE_DIR) / ".." / "shared" / "reference" /
                                    "cn-statutory-holidays.toml";
  if (!std::filesystem::exists(ref)) GTEST_SKIP() << "no shared reference beside the checkout";
  std::ifstream in(ref);
  std::map<std::int32_t, bool> from_ref;
  std::string line, section;
  const std::regex date_re(R"(\d{4}-\d{2}-\d{2})");
  while (std::getline(in, line)) {
    if (line.starts_with("[[")) section = line;
    // Year-level lists only: the festival blocks repeat (and may predate amendments).
    if (section != "[[years]]") continue;
    const bool rest = line.starts_with("days_off");
    const bool work = line.starts_with("makeup_workdays");
    if (!rest && !work) continue;
    for (std::sregex_iterator it(line.begin(), line.end(), date_re), end; it != end; ++it) {
      from_ref[D(it->str().c_str()).days_since_epoch()] = rest;
    }
  }
  EXPECT_EQ(from_ref, oracle());
}

TEST(Holidays, SpringFestivalSpansAndMakeupWeekends) {
  const auto& cal = builtin_holidays();
  // 2024: 春节 2024-02-10..02-17 off; Sunday 02-04 and Sunday 02-18 are working days.
  for (const char* d : {"2024-02-10", "2024-02-12", "2024-02-17"}) EXPECT_TRUE(*cal.is_rest_day(D(d))) << d;
  EXPECT_FALSE(*cal.is_rest_day(D("2024-02-04")));  // makeup Sunday
  EXPECT_FALSE(*cal.is_rest_day(D("2024-02-18")));  // makeup Sunday
  EXPECT_FALSE(*cal.is_rest_day(D("2024-02-09")));  // Friday before the span (除夕 was not off in 2024)
  EXPECT_EQ(*cal.next_workday(D("2024-02-12")), D("2024-02-18"));
  EXPECT_EQ(cal.holiday_name(D("2024-02-12")), "春节");
  // A makeup Saturday: 2023-04-23 (Sunday) and 2023-05-06 (Saturday) were working days.
  EXPECT_FALSE(*cal.is_rest_day(D("2023-05-06")));
  EXPECT_EQ(*cal.next_workday(D("2023-04-29")), D("2023-05-04"));
}

TEST(Holidays, The2020ExtensionAndThe2015OneOff) {
  const auto& cal = builtin_holidays();
  // 2020: Spring Festival extended to 02-02; the 02-01 makeup Saturday was cancelled.
  EXPECT_TRUE(*cal.is_rest_day(D("2020-01-31")));
  EXPECT_TRUE(*cal.is_rest_day(D("2020-02-01")));
  EXPECT_TRUE(*cal.is_rest_day(D("2020-02-02")));
  EXPECT_EQ(*cal.next_workday(D("2020-01-24")), D("2020-02-03"));
  // 2015: 3 September, the 70th anniversary of victory, a one-off holiday 09-03..09-05, with
  // Sunday 09-06 a working day.
  EXPECT_TRUE(*cal.is_rest_day(D("2015-09-03")));
  EXPECT_TRUE(*cal.is_rest_day(D("2015-09-04")));
  EXPECT_FALSE(*cal.is_rest_day(D("2015-09-06")));
  EXPECT_EQ(*cal.next_workday(D("2015-09-03")), D("2015-09-06"));
  EXPECT_EQ(cal.holiday_name(D("2015-09-03")), "抗战胜利70周年纪念日");
}

TEST(Holidays, NewYearsEveBeforeAndAfter2025) {
  const auto& cal = builtin_holidays();
  // From 2025 除夕 is itself a statutory holiday; before, the span began on New Year's Day.
  EXPECT_TRUE(*cal.is_rest_day(D("2025-01-28")));   // 除夕 2025, a Tuesday
  EXPECT_TRUE(*cal.is_rest_day(D("2026-02-16")));   // 除夕 2026, a Monday
  EXPECT_FALSE(*cal.is_rest_day(D("2024-02-09")));  // 除夕 2024, a Friday: a working day
  EXPECT_FALSE(*cal.is_rest_day(D("2023-01-20")));  // 除夕 2023, a Friday: a working day
}

TEST(Holidays, NoticesReachIntoThePreviousDecember) {
  const auto& cal = builtin_holidays();
  // The 2019 notice: 2018-12-29 (Saturday) worked, 2018-12-30..2019-01-01 off.
  EXPECT_FALSE(*cal.is_rest_day(D("2018-12-29")));
  EXPECT_TRUE(*cal.is_rest_day(D("2018-12-31")));
  EXPECT_EQ(*cal.next_workday(D("2018-12-30")), D("2019-01-02"));
}

TEST(Holidays, OutsideTheDataIsAnErrorNamingTheYear) {
  const auto& cal = builtin_holidays();
  const auto before = cal.is_rest_day(D("2014-12-31"));
  ASSERT_FALSE(before.ok());
  EXPECT_EQ(before.error().code, calendar::CalendarErrorCode::no_holiday_data);
  EXPECT_NE(before.error().message.find("2014"), std::string::npos);
  const auto after = cal.next_workday(D("2027-10-01"));
  ASSERT_FALSE(after.ok());
  EXPECT_NE(after.error().message.find("no holiday data for 2027"), std::string::npos);
  // The last covered days still answer; a search that runs past them fails.
  EXPECT_EQ(*cal.next_workday(D("2026-12-31")), D("2026-12-31"));
  EXPECT_FALSE(cal.add_workdays(D("2026-12-30"), 3).ok());
  EXPECT_EQ(*cal.add_workdays(D("2026-12-24"), 3), D("2026-12-29"));
  EXPECT_EQ(*cal.add_workdays(D("2024-02-08"), 1), D("2024-02-09"));
  EXPECT_EQ(*cal.add_workdays(D("2024-02-09"), 1), D("2024-02-18"));
  EXPECT_EQ(*cal.add_workdays(D("2024-02-18"), -1), D("2024-02-09"));
  EXPECT_EQ(*cal.add_workdays(D("2024-02-12"), 0), D("2024-02-12"));
  // The most extreme counts run off the data (their magnitude once overflowed: UBSan).
  const auto back = cal.add_workdays(D("2024-02-12"), INT64_MIN);
  ASSERT_FALSE(back.ok());
  EXPECT_EQ(back.error().code, calendar::CalendarErrorCode::no_holiday_data);
  EXPECT_FALSE(cal.add_workdays(D("2024-02-12"), INT64_MAX).ok());
}

TEST(Holidays, A2027DateNamesTheMissingNoticeAndTheParamsFile) {
  // With the roll-over on, a retention ending in 2027 needs the 2027 notice, which the built-in
  // pack (2015-2026) does not have: the output fails naming it, in Chinese and English.
  auto files = policy_packs::builtin_cn_higher_ed_files();
  auto r = loader::load_pack(files, loader::SourceFile{"school.toml", "deadline_rest_day_rollover = true\n"});
  ASSERT_TRUE(r.ok());
  const Engine engine(std::move(r.pack));
  auto s = engine.new_situation();
  s.set(*engine.pack().find_fact("discharge_date"), model::Value::make_date(D("2025-10-01")));
  const auto ei = *engine.pack().find_fact("enlisted_as");
  model::Value v;
  std::string why;
  ASSERT_TRUE(model::parse_value("在校生", engine.policy().facts[ei].type, engine.policy().enums, v, why)) << why;
  s.set(ei, v);
  model::Outcome out;
  engine.evaluate(s, D("2026-01-01"), out, EvalOptions::explaining(true));
  const auto& value = out.output(*engine.pack().find_output("retention_until"));
  ASSERT_EQ(value.state, model::State::error);
  const auto& e = out.errors[value.error_index];
  EXPECT_EQ(e.code, "calendar_no_data");
  EXPECT_EQ(e.message_zh,
            "没有2027年的法定节假日数据：节假日安排以当年国务院办公厅的通知为准，目前只有2015年至2026年的数据。"
            "请学校按《国务院办公厅关于2027年部分节假日安排的通知》，在 --params 参数文件中按 holidays.toml 的格式加入一节 "
            "[[calendar.years]]（year = 2027，notice = \"国务院办公厅关于2027年部分节假日安排的通知\"，rest_days 为放假日，"
            "makeup_workdays 为调休上班日）");
  EXPECT_EQ(e.message,
            "no holiday data for 2027: the statutory holiday calendar covers only the years whose State Council notice it "
            "has (it has 2015-2026). Add the notice for 2027 (国务院办公厅关于2027年部分节假日安排的通知) as a "
            "[[calendar.years]] entry in the school's --params file, in the form of the pack's holidays.toml (year = 2027, "
            "notice, rest_days, makeup_workdays)");
  // The explanation says it in Chinese beside the output.
  std::string steps;
  for (const auto& step : out.rules[out.output_sources[*engine.pack().find_output("retention_until")].rule].explanation) {
    steps += step.text + "\n";
  }
  EXPECT_NE(steps.find("retention_until：没有2027年的法定节假日数据"), std::string::npos) << steps;
}

TEST(Holidays, ANoticeListingADayBothWaysIsRefusedInChinese) {
  auto files = policy_packs::builtin_cn_higher_ed_files();
  const loader::SourceFile school{"school.toml",
                                  "[[calendar.years]]\nyear = 2027\nnotice = \"x\"\n"
                                  "rest_days = [2027-10-09]\nmakeup_workdays = [2027-10-09]\n"};
  auto r = loader::load_pack(files, school);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.diagnostics.front().code, "load_bad_value");
  EXPECT_EQ(r.diagnostics.front().message_zh, "2027-10-09 既列为放假日，又列为调休上班日");
}

TEST(Holidays, ASchoolAddsAYearWithoutRebuilding) {
  auto files = policy_packs::builtin_cn_higher_ed_files();
  const loader::SourceFile school{"school.toml",
                                  "[[calendar.years]]\n"
                                  "year = 2027\n"
                                  "notice = \"假设的2027年通知（测试用）\"\n"
                                  "rest_days = [2027-10-01, 2027-10-04]\n"
                                  "makeup_workdays = [2027-10-09]\n"};
  auto r = loader::load_pack(files, school);
  for (const auto& d : r.diagnostics) ADD_FAILURE() << source::format_diagnostic(d);
  ASSERT_TRUE(r.ok());
  const auto& cal = r.pack->holidays;
  EXPECT_EQ(*cal.next_workday(D("2027-10-01")), D("2027-10-05"));
  EXPECT_FALSE(*cal.is_rest_day(D("2027-10-09")));
  // Giving a year the pack already has is a duplicate.
  const loader::SourceFile twice{"school.toml", "[[calendar.years]]\nyear = 2024\nnotice = \"x\"\nrest_days = []\nmakeup_workdays = []\n"};
  auto dup = loader::load_pack(files, twice);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.diagnostics.front().code, "load_duplicate_name");
  EXPECT_EQ(dup.diagnostics.front().span.begin.line, 2u);
}

}  // namespace
}  // namespace rules::engine
