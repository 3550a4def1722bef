#include "calendar/instant.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <limits>
#include <string>

namespace rules::calendar {
namespace {

Date D(std::string_view text) {
  auto d = parse_date(text);
  EXPECT_TRUE(d.ok()) << text;
  return d ? *d : Date{};
}

Instant I(std::string_view text) {
  auto i = parse_instant(text);
  EXPECT_TRUE(i.ok()) << text << ": " << (i ? "" : i.error().message);
  return i ? *i : Instant{};
}

TimeZone Z(std::string_view name) {
  auto z = TimeZone::locate(name);
  EXPECT_TRUE(z.ok()) << name;
  return z ? *z : TimeZone{};
}

TimeOfDay T(std::string_view text) {
  auto t = parse_time_of_day(text);
  EXPECT_TRUE(t.ok()) << text;
  return t ? *t : TimeOfDay{};
}

std::string start(const TimeZone& z, std::string_view day) {
  const auto i = z.start_of_day(D(day));
  return i ? format_instant(*i) : std::string("error:") + code_name(i.error().code);
}

std::string end(const TimeZone& z, std::string_view day) {
  const auto i = z.end_of_day(D(day));
  return i ? format_instant(*i) : std::string("error:") + code_name(i.error().code);
}

std::string at(const TimeZone& z, std::string_view day, std::string_view time) {
  const auto i = z.at(D(day), T(time));
  return i ? format_instant(*i) : std::string("error:") + code_name(i.error().code);
}

TEST(TimeZone, Locate) {
  const auto z = TimeZone::locate("Asia/Shanghai");
  ASSERT_TRUE(z.ok());
  EXPECT_EQ(z->name(), "Asia/Shanghai");
  EXPECT_EQ(Z("America/New_York").name(), "America/New_York");
  EXPECT_EQ(Z("UTC").offset_at(I("2025-01-01T00:00:00Z")), 0);
}

TEST(TimeZone, LocateUnknown) {
  for (const char* name : {"Mars/Olympus_Mons", "", "Asia", "Asia/Shanghai ", "../../etc/passwd", "CST+8"}) {
    const auto z = TimeZone::locate(name);
    ASSERT_FALSE(z.ok()) << name;
    EXPECT_EQ(z.error().code, CalendarErrorCode::unknown_zone) << name;
    EXPECT_NE(z.error().message.find(std::string("'") + name + "'"), std::string::npos) << z.error().message;
  }
}

TEST(TimeZone, HostTzNeverMatters) {
  const char* old = std::getenv("TZ");
  const std::string saved = old ? old : "";
  ::setenv("TZ", "America/New_York", 1);
  ::tzset();
  const TimeZone sh = Z("Asia/Shanghai");
  EXPECT_EQ(start(sh, "2025-06-30"), "2025-06-30T00:00:00+08:00");
  EXPECT_EQ(*sh.date_of(I("2025-06-29T16:00:00Z")), D("2025-06-30"));
  ::setenv("TZ", "Pacific/Kiritimati", 1);
  ::tzset();
  EXPECT_EQ(start(sh, "2025-06-30"), "2025-06-30T00:00:00+08:00");
  EXPECT_EQ(*sh.date_of(I("2025-06-29T15:59:59Z")), D("2025-06-29"));
  if (old) {
    ::setenv("TZ", saved.c_str(), 1);
  } else {
    ::unsetenv("TZ");
  }
  ::tzset();
}

TEST(TimeZone, ShanghaiDaylightSaving1988) {
  const TimeZone sh = Z("Asia/Shanghai");
  const auto i = sh.start_of_day(D("1988-07-01"));
  ASSERT_TRUE(i.ok());
  EXPECT_EQ(i->utc_seconds, 583686000);  // 1988-06-30T15:00:00Z
  EXPECT_EQ(*i, I("1988-06-30T15:00:00Z"));
  EXPECT_EQ(i->offset_seconds, 9 * 3600);
  EXPECT_EQ(format_instant(*i), "1988-07-01T00:00:00+09:00");
  EXPECT_EQ(sh.offset_at(*i), 32400);
}

TEST(TimeZone, ShanghaiTransitionDays) {
  const TimeZone sh = Z("Asia/Shanghai");
  // tzdata rule CN: 1986-05-04 and from 1987 the Sunday >= 11 April at 02:00 -> 03:00;
  // the Sunday >= 11 September at 02:00 (daylight) -> 01:00, 1986-1991.
  EXPECT_EQ(start(sh, "1986-05-04"), "1986-05-04T00:00:00+08:00");
  EXPECT_EQ(start(sh, "1986-05-05"), "1986-05-05T00:00:00+09:00");
  EXPECT_EQ(end(sh, "1986-05-04"), "1986-05-05T00:00:00+09:00");
  EXPECT_EQ(start(sh, "1986-09-14"), "1986-09-14T00:00:00+09:00");
  EXPECT_EQ(start(sh, "1986-09-15"), "1986-09-15T00:00:00+08:00");
  EXPECT_EQ(start(sh, "1988-04-17"), "1988-04-17T00:00:00+08:00");
  EXPECT_EQ(start(sh, "1988-04-18"), "1988-04-18T00:00:00+09:00");
  EXPECT_EQ(end(sh, "1988-09-10"), "1988-09-11T00:00:00+09:00");
  EXPECT_EQ(end(sh, "1988-09-11"), "1988-09-12T00:00:00+08:00");
  EXPECT_EQ(start(sh, "1991-04-14"), "1991-04-14T00:00:00+08:00");
  EXPECT_EQ(start(sh, "1991-04-15"), "1991-04-15T00:00:00+09:00");
  EXPECT_EQ(start(sh, "1991-09-15"), "1991-09-15T00:00:00+09:00");
  EXPECT_EQ(start(sh, "1991-09-16"), "1991-09-16T00:00:00+08:00");
  EXPECT_EQ(start(sh, "1992-07-01"), "1992-07-01T00:00:00+08:00");
  EXPECT_EQ(end(sh, "2026-09-30"), "2026-10-01T00:00:00+08:00");
  // The length of the days around a change.
  const auto len = [&](std::string_view day) {
    return sh.end_of_day(D(day))->utc_seconds - sh.start_of_day(D(day))->utc_seconds;
  };
  EXPECT_EQ(len("1986-05-04"), 23 * 3600);
  EXPECT_EQ(len("1988-09-11"), 25 * 3600);
  EXPECT_EQ(len("1988-09-10"), 24 * 3600);
}

TEST(TimeZone, AtSkippedAndRepeatedTimes) {
  const TimeZone sh = Z("Asia/Shanghai");
  EXPECT_EQ(at(sh, "2025-06-30", "17:00"), "2025-06-30T17:00:00+08:00");
  EXPECT_EQ(at(sh, "2025-06-30", "23:59:59"), "2025-06-30T23:59:59+08:00");
  // 02:30 on 1988-04-17 was skipped: the first instant after the gap is 03:00 (+09:00).
  EXPECT_EQ(at(sh, "1988-04-17", "02:30"), "1988-04-17T03:00:00+09:00");
  EXPECT_EQ(*sh.at(D("1988-04-17"), T("02:30")), I("1988-04-16T18:00:00Z"));
  EXPECT_EQ(at(sh, "1988-04-17", "01:59:59"), "1988-04-17T01:59:59+08:00");
  EXPECT_EQ(at(sh, "1988-04-17", "03:00"), "1988-04-17T03:00:00+09:00");
  // 01:30 on 1988-09-11 happened twice: the earlier one, still on daylight saving time.
  EXPECT_EQ(at(sh, "1988-09-11", "01:30"), "1988-09-11T01:30:00+09:00");
  EXPECT_EQ(*sh.at(D("1988-09-11"), T("01:30")), I("1988-09-10T16:30:00Z"));
  EXPECT_EQ(at(sh, "1988-09-11", "02:00"), "1988-09-11T02:00:00+08:00");
}

TEST(TimeZone, SkippedMidnight) {
  // Daylight saving that begins at midnight: the day starts at the transition, 01:00.
  EXPECT_EQ(start(Z("Asia/Shanghai"), "1948-05-01"), "1948-05-01T01:00:00+09:00");
  EXPECT_EQ(Z("Asia/Shanghai").start_of_day(D("1948-05-01"))->utc_seconds, -683884800);
  EXPECT_EQ(end(Z("Asia/Shanghai"), "1948-04-30"), "1948-05-01T01:00:00+09:00");
  EXPECT_EQ(start(Z("America/Sao_Paulo"), "2018-11-04"), "2018-11-04T01:00:00-02:00");
  EXPECT_EQ(start(Z("America/Havana"), "2012-04-01"), "2012-04-01T01:00:00-04:00");
}

TEST(TimeZone, RepeatedMidnight) {
  // Havana fell back from 01:00 to 00:00 on 2012-11-04: the day starts at the earlier midnight.
  const TimeZone havana = Z("America/Havana");
  EXPECT_EQ(start(havana, "2012-11-04"), "2012-11-04T00:00:00-04:00");
  EXPECT_EQ(*havana.start_of_day(D("2012-11-04")), I("2012-11-04T04:00:00Z"));
  EXPECT_EQ(end(havana, "2012-11-03"), "2012-11-04T00:00:00-04:00");
}

TEST(TimeZone, EndOfDayRange) {
  const TimeZone sh = Z("Asia/Shanghai");
  const auto e = sh.end_of_day(max_date());
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code, CalendarErrorCode::out_of_range);
  EXPECT_NE(e.error().message.find("9999-12-31"), std::string::npos);
  EXPECT_EQ(end(sh, "9999-12-30"), "9999-12-31T00:00:00+08:00");
  // Before 1901 Shanghai kept local mean time, +08:05:43. RFC 3339 offsets have no seconds, so
  // the offset prints rounded to +08:06 with the local time moved along: the same instant.
  EXPECT_EQ(start(sh, "0001-01-01"), "0001-01-01T00:00:17+08:06");
  EXPECT_EQ(start(sh, "1900-06-01"), "1900-06-01T00:00:17+08:06");
  EXPECT_EQ(*parse_instant("1900-06-01T00:00:17+08:06"), *sh.start_of_day(D("1900-06-01")));
  EXPECT_EQ(start(sh, "1901-06-01"), "1901-06-01T00:00:00+08:00");
}

TEST(TimeZone, DateOfOutsideTheSupportedDatesIsAnError) {
  const TimeZone sh = Z("Asia/Shanghai");
  // 16:00Z on 9999-12-31 is already 10000-01-01 in Shanghai: an error, never clamped.
  const auto late = sh.date_of(I("9999-12-31T16:00:00Z"));
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, CalendarErrorCode::out_of_range);
  EXPECT_EQ(*sh.date_of(I("9999-12-31T15:59:59Z")), D("9999-12-31"));
}

TEST(TimeZone, AtRejectsBadTimeOfDay) {
  const TimeZone sh = Z("Asia/Shanghai");
  EXPECT_EQ(sh.at(D("2025-01-01"), TimeOfDay{86400}).error().code, CalendarErrorCode::invalid_date);
  EXPECT_EQ(sh.at(D("2025-01-01"), TimeOfDay{-1}).error().code, CalendarErrorCode::invalid_date);
  EXPECT_EQ(sh.at(Date::from_days_unchecked(3000000), TimeOfDay{0}).error().code, CalendarErrorCode::out_of_range);
}

TEST(TimeZone, DateOfAroundMidnight) {
  const TimeZone sh = Z("Asia/Shanghai");
  EXPECT_EQ(*sh.date_of(I("2025-06-29T16:00:00Z")), D("2025-06-30"));
  EXPECT_EQ(*sh.date_of(I("2025-06-29T15:59:59Z")), D("2025-06-29"));
  EXPECT_EQ(*sh.date_of(I("2025-06-30T00:00:00+08:00")), D("2025-06-30"));
  EXPECT_EQ(*sh.date_of(I("2025-06-29T23:59:59+08:00")), D("2025-06-29"));
  EXPECT_EQ(*sh.date_of(I("2025-06-29T12:30:00-04:00")), D("2025-06-30"));  // 16:30Z
  // During daylight saving the local day starts at 15:00Z.
  EXPECT_EQ(*sh.date_of(I("1988-06-30T15:00:00Z")), D("1988-07-01"));
  EXPECT_EQ(*sh.date_of(I("1988-06-30T14:59:59Z")), D("1988-06-30"));
  EXPECT_EQ(*Z("UTC").date_of(I("2025-06-29T16:00:00Z")), D("2025-06-29"));
}

TEST(TimeZone, DateOfExtremeInstants) {
  const TimeZone sh = Z("Asia/Shanghai");
  // Extreme instants have no supported date: an error, not a clamp to the ends of the range.
  EXPECT_EQ(sh.date_of(Instant{std::numeric_limits<std::int64_t>::max(), 0}).error().code, CalendarErrorCode::out_of_range);
  EXPECT_EQ(sh.date_of(Instant{std::numeric_limits<std::int64_t>::min(), 0}).error().code, CalendarErrorCode::out_of_range);
  EXPECT_EQ(sh.offset_at(Instant{std::numeric_limits<std::int64_t>::max(), 0}), 28800);
  EXPECT_FALSE(format_instant(Instant{std::numeric_limits<std::int64_t>::max(), 50400}).empty());
  EXPECT_FALSE(format_instant(Instant{std::numeric_limits<std::int64_t>::min(), -50400}).empty());
  EXPECT_EQ(format_instant(Instant{-62135596801, 0}), "0000-12-31T23:59:59+00:00");
}

TEST(TimeZone, OffsetAt) {
  const TimeZone sh = Z("Asia/Shanghai");
  EXPECT_EQ(sh.offset_at(I("2025-06-30T00:00:00Z")), 28800);
  EXPECT_EQ(sh.offset_at(I("1988-07-01T00:00:00Z")), 32400);
  EXPECT_EQ(sh.offset_at(I("1988-09-10T16:59:59Z")), 32400);
  EXPECT_EQ(sh.offset_at(I("1988-09-10T17:00:00Z")), 28800);
  const TimeZone ny = Z("America/New_York");
  EXPECT_EQ(ny.offset_at(I("2025-01-15T12:00:00Z")), -5 * 3600);
  EXPECT_EQ(ny.offset_at(I("2025-07-15T12:00:00Z")), -4 * 3600);
}

TEST(TimeZone, DefaultConstructedIsUtc) {
  const TimeZone utc;
  EXPECT_EQ(utc.name(), "UTC");
  EXPECT_EQ(start(utc, "2025-06-30"), "2025-06-30T00:00:00+00:00");
  EXPECT_EQ(utc.offset_at(I("2025-06-30T00:00:00Z")), 0);
  EXPECT_EQ(*utc.date_of(I("2025-06-30T23:59:59Z")), D("2025-06-30"));
}

TEST(ParseInstant, Forms) {
  const auto a = I("2025-06-30T00:00:00+08:00");
  EXPECT_EQ(a.utc_seconds, 1751212800);
  EXPECT_EQ(a.offset_seconds, 28800);
  const auto b = I("2025-06-29T16:00Z");
  EXPECT_EQ(b.offset_seconds, 0);
  EXPECT_EQ(a, b);  // same point in time; the offset is presentation only
  EXPECT_EQ(I("2025-06-29t16:00:00z"), b);
  EXPECT_EQ(I("2025-06-29T12:30:00-03:30").utc_seconds, b.utc_seconds);
  EXPECT_EQ(I("2025-06-29T12:30:00-03:30").offset_seconds, -12600);
  EXPECT_EQ(I("2025-06-29T16:00:00-00:00").offset_seconds, 0);
  EXPECT_LT(I("2025-06-29T15:59:59Z"), a);
  EXPECT_EQ(I("1970-01-01T00:00:00Z").utc_seconds, 0);
  EXPECT_EQ(I("0001-01-01T00:00:00Z").utc_seconds, -62135596800);
}

TEST(ParseInstant, RoundTrip) {
  for (const char* s : {"2025-06-30T00:00:00+08:00", "1988-07-01T00:00:00+09:00", "2025-06-30T00:00:00+00:00",
                        "2024-02-29T23:59:59-03:30", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"}) {
    EXPECT_EQ(format_instant(I(s)), s);
  }
  EXPECT_EQ(format_instant(I("2025-06-30T00:00Z")), "2025-06-30T00:00:00+00:00");
}

TEST(ParseInstant, LocalTimeIsNotAnInstant) {
  const auto r = parse_instant("2025-06-30T00:00:00");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, CalendarErrorCode::syntax);
  EXPECT_NE(r.error().message.find("local time is not an instant"), std::string::npos) << r.error().message;
  EXPECT_NE(parse_instant("2025-06-30T00:00").error().message.find("local time is not an instant"),
            std::string::npos);
}

TEST(ParseInstant, Errors) {
  for (const char* s : {"2025-06-30", "2025-06-30 00:00Z", "2025-06-30T00:00:00.5Z", "2025-06-30T00Z",
                        "2025-06-30T00:00+08", "2025-06-30T00:00+0800", "2025-06-30T00:00:00ZZ", "",
                        "2025-6-30T00:00Z", "2025-06-30T0:00Z", "2025-06-30T00:00:0Z", "2025-06-30T00:00:00 +08:00",
                        "2025-06-30T00:00:00+08:00:00", "x"}) {
    const auto r = parse_instant(s);
    ASSERT_FALSE(r.ok()) << s;
    EXPECT_EQ(r.error().code, CalendarErrorCode::syntax) << s;
  }
  for (const char* s : {"2025-06-30T24:00:00Z", "2025-06-30T12:60Z", "2025-06-30T12:00:60Z", "2025-02-30T00:00Z",
                        "2025-13-01T00:00Z", "2025-06-30T00:00+24:00", "2025-06-30T00:00+08:60"}) {
    const auto r = parse_instant(s);
    ASSERT_FALSE(r.ok()) << s;
    EXPECT_EQ(r.error().code, CalendarErrorCode::invalid_date) << s;
  }
  EXPECT_EQ(parse_instant("0000-12-31T23:00Z").error().code, CalendarErrorCode::out_of_range);
}

TEST(FormatInstant, OwnOffset) {
  EXPECT_EQ(format_instant(Instant{1751212800, 28800}), "2025-06-30T00:00:00+08:00");
  EXPECT_EQ(format_instant(Instant{1751212800, 0}), "2025-06-29T16:00:00+00:00");
  EXPECT_EQ(format_instant(Instant{1751212800, -12600}), "2025-06-29T12:30:00-03:30");
  EXPECT_EQ(format_instant(Instant{-1, 0}), "1969-12-31T23:59:59+00:00");
}

TEST(FormatUtcOffset, Labels) {
  EXPECT_EQ(format_utc_offset(28800), "UTC+08:00");
  EXPECT_EQ(format_utc_offset(-12600), "UTC-03:30");
  EXPECT_EQ(format_utc_offset(0), "UTC+00:00");
  EXPECT_EQ(format_utc_offset(32400), "UTC+09:00");
  EXPECT_EQ(format_utc_offset(29143), "UTC+08:05:43");
  EXPECT_EQ(format_utc_offset(50400), "UTC+14:00");
}

TEST(TimeOfDay, ParseAndFormat) {
  EXPECT_EQ(T("08:30").seconds, 30600);
  EXPECT_EQ(T("00:00").seconds, 0);
  EXPECT_EQ(T("23:59:59").seconds, 86399);
  EXPECT_EQ(T("12:00:00").seconds, 43200);
  EXPECT_EQ(format_time_of_day(T("08:30")), "08:30");
  EXPECT_EQ(format_time_of_day(T("08:30:00")), "08:30");
  EXPECT_EQ(format_time_of_day(T("23:59:59")), "23:59:59");
  EXPECT_EQ(format_time_of_day(TimeOfDay{0}), "00:00");
  EXPECT_LT(T("08:30"), T("17:00"));
}

TEST(TimeOfDay, Errors) {
  for (const char* s : {"24:00", "12:60", "12:00:60", "99:99", "24:00:00"}) {
    const auto r = parse_time_of_day(s);
    ASSERT_FALSE(r.ok()) << s;
    EXPECT_EQ(r.error().code, CalendarErrorCode::invalid_date) << s;
  }
  for (const char* s : {"8:30", "08:30:0", "0830", "", "08:30 ", "08-30", "08:30:00:00", "T08:30", "08:3a"}) {
    const auto r = parse_time_of_day(s);
    ASSERT_FALSE(r.ok()) << s;
    EXPECT_EQ(r.error().code, CalendarErrorCode::syntax) << s;
  }
}

TEST(Now, SystemClockInUtc) {
  const Instant n = now();
  EXPECT_EQ(n.offset_seconds, 0);
  EXPECT_GT(n, I("2024-01-01T00:00:00Z"));
  const auto before = static_cast<std::int64_t>(std::time(nullptr));
  EXPECT_LE(n.utc_seconds - before, 2);
  EXPECT_GE(n.utc_seconds - before, -2);
}

}  // namespace
}  // namespace rules::calendar
