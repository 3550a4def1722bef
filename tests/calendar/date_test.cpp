#include "calendar/date.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "calendar/calendar_error.h"

namespace rules::calendar {
namespace {

Date D(std::string_view text) {
  auto d = parse_date(text);
  EXPECT_TRUE(d.ok()) << text << ": " << (d ? "" : d.error().message);
  return d ? *d : Date{};
}

TEST(CodeName, StableNames) {
  EXPECT_STREQ(code_name(CalendarErrorCode::invalid_date), "date_invalid");
  EXPECT_STREQ(code_name(CalendarErrorCode::out_of_range), "date_out_of_range");
  EXPECT_STREQ(code_name(CalendarErrorCode::syntax), "date_syntax");
  EXPECT_STREQ(code_name(CalendarErrorCode::unknown_zone), "zone_unknown");
}

TEST(Date, DefaultIsEpoch) {
  EXPECT_EQ(format_date(Date{}), "1970-01-01");
  EXPECT_EQ(Date{}.days_since_epoch(), 0);
  EXPECT_EQ(format_date(Date::from_days_unchecked(-1)), "1969-12-31");
  EXPECT_EQ(format_date(Date::from_days_unchecked(19723)), "2024-01-01");
}

TEST(Date, MakeDateAndFields) {
  const auto d = make_date(2024, 2, 29);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->year(), 2024);
  EXPECT_EQ(d->month(), 2u);
  EXPECT_EQ(d->day(), 29u);
  EXPECT_EQ(format_date(*d), "2024-02-29");
}

TEST(Date, Limits) {
  EXPECT_EQ(format_date(min_date()), "0001-01-01");
  EXPECT_EQ(format_date(max_date()), "9999-12-31");
  EXPECT_EQ(min_date().days_since_epoch(), -719162);
  EXPECT_EQ(max_date().days_since_epoch(), 2932896);
  EXPECT_EQ(make_date(1, 1, 1)->days_since_epoch(), min_date().days_since_epoch());
  EXPECT_EQ(make_date(9999, 12, 31)->days_since_epoch(), max_date().days_since_epoch());
}

TEST(Date, MakeDateInvalid) {
  for (auto [y, m, d] : {std::tuple{2023, 2, 29}, {2024, 13, 1}, {2024, 0, 10}, {2024, 4, 31}, {2024, 1, 0},
                         {2024, 1, 32}, {1900, 2, 29}, {2100, 2, 29}, {2024, -1, 1}, {2024, 1, -5}}) {
    const auto r = make_date(y, m, d);
    ASSERT_FALSE(r.ok()) << y << "-" << m << "-" << d;
    EXPECT_EQ(r.error().code, CalendarErrorCode::invalid_date) << r.error().message;
  }
}

TEST(Date, MakeDateMessagesNameTheValue) {
  EXPECT_EQ(make_date(2023, 2, 29).error().message, "2023-02-29 is not a valid date: February 2023 has 28 days");
  EXPECT_NE(make_date(2024, 13, 1).error().message.find("2024-13-01"), std::string::npos);
  EXPECT_NE(make_date(2024, 13, 1).error().message.find("month 13"), std::string::npos);
  EXPECT_NE(make_date(2024, 4, 31).error().message.find("April 2024 has 30 days"), std::string::npos);
  EXPECT_NE(make_date(0, 1, 1).error().message.find("0000-01-01"), std::string::npos);
}

TEST(Date, MakeDateOutOfRange) {
  for (int y : {0, -1, 10000, std::numeric_limits<int>::min(), std::numeric_limits<int>::max()}) {
    const auto r = make_date(y, 1, 1);
    ASSERT_FALSE(r.ok()) << y;
    EXPECT_EQ(r.error().code, CalendarErrorCode::out_of_range) << y;
  }
}

TEST(Date, ParseFormatRoundTrip) {
  for (const char* s : {"0001-01-01", "0999-12-31", "1900-02-28", "1969-12-31", "1970-01-01", "2000-02-29",
                        "2024-02-29", "2026-11-30", "9999-12-31"}) {
    const auto d = parse_date(s);
    ASSERT_TRUE(d.ok()) << s;
    EXPECT_EQ(format_date(*d), s);
  }
}

TEST(Date, ParseSyntaxErrors) {
  for (const char* s : {"2024-2-3", "20240203", "2024-02-3", "2024-2-03", "", " 2024-02-03", "2024-02-03 ",
                        "2024/02/03", "+2024-02-03", "12024-02-03", "-2024-02-03", "2024-02-03T00:00",
                        "2024-0a-03", "24-02-03", "2024--02-03", "2024-02-03Z", "abcd-ef-gh"}) {
    const auto d = parse_date(s);
    ASSERT_FALSE(d.ok()) << s;
    EXPECT_EQ(d.error().code, CalendarErrorCode::syntax) << s;
    EXPECT_NE(d.error().message.find(std::string("'") + s + "'"), std::string::npos) << d.error().message;
  }
}

TEST(Date, ParseSemanticErrors) {
  EXPECT_EQ(parse_date("2023-02-29").error().code, CalendarErrorCode::invalid_date);
  EXPECT_EQ(parse_date("2023-02-29").error().message, "2023-02-29 is not a valid date: February 2023 has 28 days");
  EXPECT_EQ(parse_date("2024-13-01").error().code, CalendarErrorCode::invalid_date);
  EXPECT_EQ(parse_date("2024-00-10").error().code, CalendarErrorCode::invalid_date);
  EXPECT_EQ(parse_date("2024-04-31").error().code, CalendarErrorCode::invalid_date);
  EXPECT_EQ(parse_date("2024-01-00").error().code, CalendarErrorCode::invalid_date);
  EXPECT_EQ(parse_date("2024-99-99").error().code, CalendarErrorCode::invalid_date);
  EXPECT_EQ(parse_date("0000-01-01").error().code, CalendarErrorCode::out_of_range);
  EXPECT_EQ(parse_date("0000-12-31").error().code, CalendarErrorCode::out_of_range);
}

TEST(Date, AddDays) {
  EXPECT_EQ(format_date(*add_days(D("2024-02-28"), 1)), "2024-02-29");
  EXPECT_EQ(format_date(*add_days(D("2024-03-01"), -1)), "2024-02-29");
  EXPECT_EQ(format_date(*add_days(D("2024-12-31"), 1)), "2025-01-01");
  EXPECT_EQ(format_date(*add_days(D("2024-05-05"), 0)), "2024-05-05");
  EXPECT_EQ(*add_days(min_date(), 2932896 + 719162), max_date());
  EXPECT_EQ(*add_days(max_date(), 0), max_date());
}

TEST(Date, AddDaysOutOfRange) {
  for (auto [d, n] : {std::pair{max_date(), std::int64_t{1}}, {min_date(), std::int64_t{-1}},
                      {D("2024-01-01"), std::numeric_limits<std::int64_t>::max()},
                      {D("2024-01-01"), std::numeric_limits<std::int64_t>::min()},
                      {D("2024-01-01"), std::int64_t{1} << 40}}) {
    const auto r = add_days(d, n);
    ASSERT_FALSE(r.ok()) << format_date(d) << " " << n;
    EXPECT_EQ(r.error().code, CalendarErrorCode::out_of_range);
  }
  EXPECT_NE(add_days(max_date(), 1).error().message.find("9999-12-31 + 1 day"), std::string::npos);
}

TEST(Date, DaysBetween) {
  EXPECT_EQ(days_between(D("2024-02-01"), D("2024-03-01")), 29);
  EXPECT_EQ(days_between(D("2023-02-01"), D("2023-03-01")), 28);
  EXPECT_EQ(days_between(D("2024-03-01"), D("2024-02-01")), -29);
  EXPECT_EQ(days_between(min_date(), max_date()), 3652058);
}

TEST(Date, Comparison) {
  EXPECT_LT(D("2024-02-28"), D("2024-02-29"));
  EXPECT_GT(D("2025-01-01"), D("2024-12-31"));
  EXPECT_EQ(D("2024-02-29"), *make_date(2024, 2, 29));
}

TEST(Date, IsLeapYear) {
  EXPECT_FALSE(is_leap_year(1900));
  EXPECT_TRUE(is_leap_year(2000));
  EXPECT_FALSE(is_leap_year(2100));
  EXPECT_TRUE(is_leap_year(2400));
  EXPECT_TRUE(is_leap_year(2024));
  EXPECT_FALSE(is_leap_year(2023));
  EXPECT_TRUE(is_leap_year(1600));
  EXPECT_TRUE(is_leap_year(4));
  EXPECT_FALSE(is_leap_year(1));
  EXPECT_FALSE(is_leap_year(9999));
}

TEST(Date, DaysInMonth) {
  const unsigned common[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  for (unsigned m = 1; m <= 12; ++m) {
    EXPECT_EQ(days_in_month(2023, m), common[m - 1]) << m;
    EXPECT_EQ(days_in_month(2024, m), m == 2 ? 29u : common[m - 1]) << m;
  }
  EXPECT_EQ(days_in_month(1900, 2), 28u);
  EXPECT_EQ(days_in_month(2000, 2), 29u);
  EXPECT_EQ(days_in_month(2100, 2), 28u);
  EXPECT_EQ(days_in_month(2024, 0), 0u);
  EXPECT_EQ(days_in_month(2024, 13), 0u);
}

TEST(Date, IsoWeekday) {
  EXPECT_EQ(D("2026-11-30").iso_weekday(), 1u);  // Monday
  EXPECT_EQ(D("1970-01-01").iso_weekday(), 4u);  // Thursday
  EXPECT_EQ(D("2024-02-29").iso_weekday(), 4u);  // Thursday
  EXPECT_EQ(D("2000-01-01").iso_weekday(), 6u);  // Saturday
  EXPECT_EQ(D("2023-01-01").iso_weekday(), 7u);  // Sunday
  EXPECT_EQ(D("2025-09-01").iso_weekday(), 1u);  // Monday
  EXPECT_EQ(D("0001-01-01").iso_weekday(), 1u);  // proleptic Gregorian: a Monday
  EXPECT_EQ(D("9999-12-31").iso_weekday(), 5u);  // Friday
}

TEST(MonthDay, ParseForms) {
  const auto a = parse_month_day("09-01");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->month, 9u);
  EXPECT_EQ(a->day, 1u);
  const auto b = parse_month_day("--09-01");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*a, *b);
  const auto leap = parse_month_day("02-29");
  ASSERT_TRUE(leap.ok());
  EXPECT_EQ(format_month_day(*leap), "02-29");
  EXPECT_EQ(format_month_day(*b), "09-01");
  EXPECT_EQ(format_month_day(*parse_month_day("--12-31")), "12-31");
}

TEST(MonthDay, Errors) {
  for (const char* s : {"9-1", "---09-01", "09/01", "", "0901", "-09-01", "09-01 ", "2024-09-01", "--0901", "ab-cd"}) {
    const auto r = parse_month_day(s);
    ASSERT_FALSE(r.ok()) << s;
    EXPECT_EQ(r.error().code, CalendarErrorCode::syntax) << s;
  }
  for (const char* s : {"13-01", "04-31", "00-10", "02-30", "01-00", "--06-31"}) {
    const auto r = parse_month_day(s);
    ASSERT_FALSE(r.ok()) << s;
    EXPECT_EQ(r.error().code, CalendarErrorCode::invalid_date) << s;
  }
}

TEST(MonthDay, InYear) {
  const MonthDay leap{2, 29};
  EXPECT_EQ(format_date(*in_year(leap, 2024)), "2024-02-29");
  EXPECT_EQ(in_year(leap, 2023).error().code, CalendarErrorCode::invalid_date);
  EXPECT_NE(in_year(leap, 2023).error().message.find("2023"), std::string::npos);
  EXPECT_EQ(in_year(leap, 1900).error().code, CalendarErrorCode::invalid_date);
  EXPECT_EQ(format_date(*in_year(MonthDay{9, 1}, 2025)), "2025-09-01");
  EXPECT_EQ(in_year(MonthDay{9, 1}, 10000).error().code, CalendarErrorCode::out_of_range);
  EXPECT_EQ(in_year(MonthDay{9, 1}, 0).error().code, CalendarErrorCode::out_of_range);
  EXPECT_EQ(in_year(MonthDay{13, 1}, 2024).error().code, CalendarErrorCode::invalid_date);
  EXPECT_EQ(in_year(MonthDay{4000000000u, 1}, 2024).error().code, CalendarErrorCode::invalid_date);
  EXPECT_EQ(in_year(MonthDay{1, 4000000000u}, 2024).error().code, CalendarErrorCode::invalid_date);
}

TEST(MonthDay, Ordering) {
  EXPECT_LT((MonthDay{2, 28}), (MonthDay{2, 29}));
  EXPECT_LT((MonthDay{2, 29}), (MonthDay{3, 1}));
  EXPECT_EQ((MonthDay{9, 1}), (MonthDay{9, 1}));
}

}  // namespace
}  // namespace rules::calendar
