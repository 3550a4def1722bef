// Properties of the calendar checked over many anchors, against independent reasoning rather
// than fixed examples.

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "calendar/date.h"
#include "calendar/instant.h"
#include "calendar/period.h"

namespace rules::calendar {
namespace {

Date D(std::string_view text) { return *parse_date(text); }
Period P(std::string_view text) { return *parse_period(text); }

std::vector<Date> anchors_2019_2029() {
  std::vector<Date> out;
  for (Date d = D("2019-01-01"); d <= D("2029-12-31"); d = *add_days(d, 1)) out.push_back(d);
  return out;
}

const std::vector<std::string> kMonthPeriods = {"P1M", "P2M", "P3M", "P6M", "P11M", "P1Y", "P2Y",
                                                "P4Y", "P1Y6M", "P18M", "P3Y11M", "P100Y"};

TEST(Property, EveryDayOfTheCalendarMatchesADayCount) {
  // Walks 0001-01-01..9999-12-31 with a plain day-of-month counter: conversion, validity,
  // and the weekday cycle agree everywhere. Plain comparisons in the loop (gtest
  // assertions are slow over 3.6 million days under the sanitizers); the first mismatch fails.
  std::int32_t n = min_date().days_since_epoch();
  unsigned weekday = 1;  // 0001-01-01 was a Monday (proleptic Gregorian)
  for (int y = kMinYear; y <= kMaxYear; ++y) {
    for (unsigned m = 1; m <= 12; ++m) {
      const unsigned last = days_in_month(y, m);
      if (make_date(y, static_cast<int>(m), static_cast<int>(last) + 1).ok()) {
        FAIL() << "day " << last + 1 << " accepted in " << y << "-" << m;
      }
      for (unsigned d = 1; d <= last; ++d, ++n) {
        const auto date = make_date(y, static_cast<int>(m), static_cast<int>(d));
        const bool ok = date.ok() && date->days_since_epoch() == n && date->year() == y && date->month() == m &&
                        date->day() == d && date->iso_weekday() == weekday;
        if (!ok) FAIL() << "mismatch at " << y << "-" << m << "-" << d << " (day " << n << ")";
        weekday = weekday % 7 + 1;
      }
    }
  }
  EXPECT_EQ(n - 1, max_date().days_since_epoch());
}

TEST(Property, ParseFormatRoundTrip) {
  // Every 11th day over the whole range (11 is coprime to 7 and to the month lengths' pattern,
  // so all weekdays and days of the month are visited).
  char expected[16];
  for (std::int32_t n = min_date().days_since_epoch(); n <= max_date().days_since_epoch(); n += 11) {
    const Date d = Date::from_days_unchecked(n);
    std::snprintf(expected, sizeof expected, "%04d-%02u-%02u", d.year(), d.month(), d.day());
    const std::string text = format_date(d);
    const auto back = parse_date(text);
    if (text != expected || !back.ok() || *back != d) FAIL() << "round trip of day " << n << ": " << text;
  }
  EXPECT_EQ(*parse_date(format_date(max_date())), max_date());
}

TEST(Property, TwelveMonthsEqualOneYear) {
  const std::vector<std::pair<std::string, std::string>> same = {
      {"P12M", "P1Y"}, {"P24M", "P2Y"}, {"P18M", "P1Y6M"}, {"P48M", "P4Y"}, {"P13M15D", "P1Y1M15D"}};
  for (Date a : anchors_2019_2029()) {
    for (const auto& [x, y] : same) {
      const auto rx = add_period(a, P(x));
      const auto ry = add_period(a, P(y));
      ASSERT_TRUE(rx.ok() && ry.ok());
      ASSERT_EQ(rx->date, ry->date) << format_date(a) << " + " << x << " vs " << y;
      ASSERT_EQ(rx->rule, ry->rule);
      const auto sx = subtract_period(a, P(x));
      const auto sy = subtract_period(a, P(y));
      ASSERT_EQ(sx->date, sy->date) << format_date(a) << " - " << x << " vs " << y;
    }
  }
}

TEST(Property, ResultDayIsMinOfAnchorDayAndMonthLength) {
  for (Date a : anchors_2019_2029()) {
    for (const auto& text : kMonthPeriods) {
      const Period p = P(text);
      for (int sign : {+1, -1}) {
        // Independent target month: count months on a 0-based index.
        const long index = long{a.year()} * 12 + (a.month() - 1) + sign * p.total_months();
        const int ty = static_cast<int>(index / 12);
        const unsigned tm = static_cast<unsigned>(index % 12) + 1;
        const unsigned want_day = std::min(a.day(), days_in_month(ty, tm));
        const auto r = sign > 0 ? add_period(a, p) : subtract_period(a, p);
        ASSERT_TRUE(r.ok());
        ASSERT_EQ(r->date.year(), ty) << format_date(a) << (sign > 0 ? " + " : " - ") << text;
        ASSERT_EQ(r->date.month(), tm) << format_date(a) << (sign > 0 ? " + " : " - ") << text;
        ASSERT_EQ(r->date.day(), want_day) << format_date(a) << (sign > 0 ? " + " : " - ") << text;
        ASSERT_EQ(r->rule, a.day() > days_in_month(ty, tm) ? MonthEndRule::last_day_of_month
                                                            : MonthEndRule::corresponding_day);
      }
    }
  }
}

TEST(Property, Monotonic) {
  const auto anchors = anchors_2019_2029();
  std::vector<std::string> periods = kMonthPeriods;
  periods.insert(periods.end(), {"P1D", "P15D", "P2W", "P1M1D", "P1Y15D"});
  for (const auto& text : periods) {
    const Period p = P(text);
    for (std::size_t i = 1; i < anchors.size(); ++i) {
      const Date a = anchors[i - 1];
      const Date b = anchors[i];  // a < b; consecutive pairs imply all pairs by transitivity
      ASSERT_LE(add_period(a, p)->date, add_period(b, p)->date) << format_date(a) << " + " << text;
      ASSERT_LE(subtract_period(a, p)->date, subtract_period(b, p)->date) << format_date(a) << " - " << text;
    }
    // And some far-apart pairs directly.
    for (std::size_t i = 0; i + 400 < anchors.size(); i += 97) {
      ASSERT_LE(add_period(anchors[i], p)->date, add_period(anchors[i + 400], p)->date);
    }
  }
}

TEST(Property, SubtractUndoesAddWhenNotClamped) {
  std::vector<std::string> periods = kMonthPeriods;
  periods.insert(periods.end(), {"P1D", "P15D", "P2W", "P365D"});
  for (Date a : anchors_2019_2029()) {
    for (const auto& text : periods) {
      const Period p = P(text);
      const auto fwd = add_period(a, p);
      ASSERT_TRUE(fwd.ok());
      if (fwd->rule == MonthEndRule::corresponding_day) {
        ASSERT_EQ(subtract_period(fwd->date, p)->date, a) << format_date(a) << " + " << text;
      }
      const auto back = subtract_period(a, p);
      if (back->rule == MonthEndRule::corresponding_day) {
        ASSERT_EQ(add_period(back->date, p)->date, a) << format_date(a) << " - " << text;
      }
    }
  }
}

TEST(Property, DayPeriodsAreDayCounts) {
  for (Date a : anchors_2019_2029()) {
    for (int n : {1, 15, 14, 30, 365}) {
      const Period p{0, 0, n};
      ASSERT_EQ(days_between(a, add_period(a, p)->date), n);
      ASSERT_EQ(days_between(subtract_period(a, p)->date, a), n);
    }
  }
}

TEST(Property, ShanghaiDaysAreContiguous) {
  const TimeZone sh = *TimeZone::locate("Asia/Shanghai");
  for (Date d = D("1940-01-01"); d <= D("1995-12-31"); d = *add_days(d, 1)) {
    const auto s = sh.start_of_day(d);
    const auto e = sh.end_of_day(d);
    ASSERT_TRUE(s.ok() && e.ok());
    const std::int64_t length = e->utc_seconds - s->utc_seconds;
    ASSERT_TRUE(length == 82800 || length == 86400 || length == 90000) << format_date(d) << " " << length;
    ASSERT_EQ(*sh.date_of(*s), d) << format_date(d);
    ASSERT_EQ(*sh.date_of(Instant{e->utc_seconds - 1, 0}), d) << format_date(d);
    ASSERT_EQ(*sh.date_of(*e), *add_days(d, 1));
    ASSERT_EQ(s->offset_seconds, sh.offset_at(*s));
    ASSERT_EQ(*e, *sh.start_of_day(*add_days(d, 1)));
    const std::string text = format_instant(*s);
    ASSERT_EQ(text.substr(0, 10), format_date(d));
    ASSERT_TRUE(text.substr(10, 9) == "T00:00:00" || text.substr(10, 9) == "T01:00:00") << text;
  }
}

}  // namespace
}  // namespace rules::calendar
