#include "calendar/date.h"

#include <date/date.h>

#include <array>
#include <cstdio>

#include "calendar/quoted.h"

namespace rules::calendar {

namespace {

using detail::quoted;

constexpr std::int32_t days_of(date::year_month_day ymd) {
  return date::sys_days{ymd}.time_since_epoch().count();
}

constexpr std::int32_t kMinDays = days_of(date::year{kMinYear} / 1 / 1);
constexpr std::int32_t kMaxDays = days_of(date::year{kMaxYear} / 12 / 31);
static_assert(kMinDays == -719162 && kMaxDays == 2932896);

date::year_month_day ymd_of(Date d) {
  return date::year_month_day{date::sys_days{date::days{d.days_since_epoch()}}};
}

constexpr std::array<const char*, 12> kMonthNames = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};

// The offending value as the user would have written it, even when it is not a date.
std::string raw_ymd(long long y, long long m, long long d) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lld", y, m, d);
  return buf;
}

std::string raw_md(long long m, long long d) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%02lld-%02lld", m, d);
  return buf;
}


std::string range_text() { return "supported dates are 0001-01-01 to 9999-12-31"; }

// `what` and `what_zh` name the offending value or computation in English and Chinese.
CalendarError out_of_range_error(std::string what, std::string what_zh) {
  return {CalendarErrorCode::out_of_range, std::move(what) + " is out of range: " + range_text(),
          std::move(what_zh) + " 超出支持的日期范围（0001-01-01 至 9999-12-31）"};
}

bool all_digits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return !s.empty();
}

int to_int(std::string_view digits) {
  int v = 0;
  for (char c : digits) v = v * 10 + (c - '0');
  return v;
}

}  // namespace

int Date::year() const { return static_cast<int>(ymd_of(*this).year()); }
unsigned Date::month() const { return static_cast<unsigned>(ymd_of(*this).month()); }
unsigned Date::day() const { return static_cast<unsigned>(ymd_of(*this).day()); }

unsigned Date::iso_weekday() const {
  return date::weekday{date::sys_days{date::days{days_}}}.iso_encoding();
}

Date min_date() { return Date::from_days_unchecked(kMinDays); }
Date max_date() { return Date::from_days_unchecked(kMaxDays); }

bool is_leap_year(int year) { return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0); }

unsigned days_in_month(int year, unsigned month) {
  static constexpr std::array<unsigned, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12) return 0;
  if (month == 2 && is_leap_year(year)) return 29;
  return kDays[month - 1];
}

Expected<Date> make_date(int year, int month, int day) {
  // The range is checked first: a year outside 0001..9999 is not a date of this calendar at all,
  // whatever its month and day.
  if (year < kMinYear || year > kMaxYear) return out_of_range_error(raw_ymd(year, month, day), raw_ymd(year, month, day));
  // The message text is built only on failure: make_date is on the evaluation hot path.
  if (month < 1 || month > 12) {
    return CalendarError{CalendarErrorCode::invalid_date,
                         raw_ymd(year, month, day) + " is not a valid date: there is no month " + std::to_string(month),
                         raw_ymd(year, month, day) + " 不是有效日期：没有" + std::to_string(month) + "月"};
  }
  const unsigned dim = days_in_month(year, static_cast<unsigned>(month));
  if (day < 1 || static_cast<unsigned>(day) > dim) {
    std::string why = day < 1 ? std::string("there is no day ") + std::to_string(day)
                              : std::string(kMonthNames[month - 1]) + " " + std::to_string(year) +
                                    " has " + std::to_string(dim) + " days";
    std::string why_zh = day < 1 ? "没有" + std::to_string(day) + "日"
                                 : std::to_string(year) + "年" + std::to_string(month) + "月只有" + std::to_string(dim) + "天";
    return CalendarError{CalendarErrorCode::invalid_date, raw_ymd(year, month, day) + " is not a valid date: " + why,
                         raw_ymd(year, month, day) + " 不是有效日期：" + why_zh};
  }
  const date::year_month_day ymd{date::year{year}, date::month{static_cast<unsigned>(month)},
                                 date::day{static_cast<unsigned>(day)}};
  return Date::from_days_unchecked(days_of(ymd));
}

Expected<Date> parse_date(std::string_view text) {
  const bool shape = text.size() == 10 && text[4] == '-' && text[7] == '-' &&
                     all_digits(text.substr(0, 4)) && all_digits(text.substr(5, 2)) &&
                     all_digits(text.substr(8, 2));
  if (!shape) {
    return CalendarError{CalendarErrorCode::syntax, quoted(text) + " is not a date: expected YYYY-MM-DD",
                         quoted(text) + " 不是日期：应为 YYYY-MM-DD 格式，如 2024-02-29"};
  }
  // make_date's message prints the value zero-padded, which is exactly the text here.
  return make_date(to_int(text.substr(0, 4)), to_int(text.substr(5, 2)), to_int(text.substr(8, 2)));
}

void append_date(std::string& out, Date d) {
  // Digits written directly: this runs for every date of every roster row.
  const auto ymd = ymd_of(d);
  const auto y = static_cast<unsigned>(static_cast<int>(ymd.year()));
  const auto m = static_cast<unsigned>(ymd.month());
  const auto day = static_cast<unsigned>(ymd.day());
  const char text[10] = {static_cast<char>('0' + y / 1000), static_cast<char>('0' + y / 100 % 10),
                         static_cast<char>('0' + y / 10 % 10), static_cast<char>('0' + y % 10), '-',
                         static_cast<char>('0' + m / 10), static_cast<char>('0' + m % 10), '-',
                         static_cast<char>('0' + day / 10), static_cast<char>('0' + day % 10)};
  out.append(text, sizeof text);
}

std::string format_date(Date d) {
  std::string s;
  append_date(s, d);
  return s;
}

Expected<Date> add_days(Date d, std::int64_t n) {
  const std::int64_t base = d.days_since_epoch();
  // Compare against the limits before adding, so no n (even INT64_MIN/MAX) can overflow.
  if (n > std::int64_t{kMaxDays} - base || n < std::int64_t{kMinDays} - base) {
    const std::uint64_t magnitude = n < 0 ? 0 - static_cast<std::uint64_t>(n) : static_cast<std::uint64_t>(n);
    return out_of_range_error(format_date(d) + (n < 0 ? " - " : " + ") + std::to_string(magnitude) +
                                  (magnitude == 1 ? " day" : " days"),
                              format_date(d) + (n < 0 ? " 减 " : " 加 ") + std::to_string(magnitude) + " 日");
  }
  return Date::from_days_unchecked(static_cast<std::int32_t>(base + n));
}

Expected<MonthDay> parse_month_day(std::string_view text) {
  std::string_view body = text;
  if (body.size() == 7 && body.substr(0, 2) == "--") body.remove_prefix(2);
  const bool shape = body.size() == 5 && body[2] == '-' && all_digits(body.substr(0, 2)) &&
                     all_digits(body.substr(3, 2));
  if (!shape) {
    return CalendarError{CalendarErrorCode::syntax, quoted(text) + " is not a month-day: expected MM-DD or --MM-DD",
                         quoted(text) + " 不是月日：应为 MM-DD 或 --MM-DD 格式，如 09-01"};
  }
  const int month = to_int(body.substr(0, 2));
  const int day = to_int(body.substr(3, 2));
  const std::string shown = raw_md(month, day);
  if (month < 1 || month > 12) {
    return CalendarError{CalendarErrorCode::invalid_date,
                         shown + " is not a valid month-day: there is no month " + std::to_string(month),
                         shown + " 不是有效的月日：没有" + std::to_string(month) + "月"};
  }
  // 02-29 is a valid recurring day; whether it occurs is a question for in_year.
  const unsigned dim = days_in_month(2000, static_cast<unsigned>(month));
  if (day < 1 || static_cast<unsigned>(day) > dim) {
    std::string why = day < 1 ? "there is no day 0"
                              : std::string(kMonthNames[month - 1]) + (month == 2 ? " has at most " : " has ") +
                                    std::to_string(dim) + " days";
    std::string why_zh = day < 1 ? std::string("没有0日")
                                 : std::to_string(month) + (month == 2 ? "月最多有" : "月只有") + std::to_string(dim) + "天";
    return CalendarError{CalendarErrorCode::invalid_date, shown + " is not a valid month-day: " + why,
                         shown + " 不是有效的月日：" + why_zh};
  }
  return MonthDay{static_cast<unsigned>(month), static_cast<unsigned>(day)};
}

std::string format_month_day(MonthDay md) { return raw_md(md.month, md.day); }

Expected<Date> in_year(MonthDay md, int year) {
  if (year < kMinYear || year > kMaxYear) {
    return out_of_range_error(raw_ymd(year, md.month, md.day), raw_ymd(year, md.month, md.day));
  }
  // A MonthDay not made by parse_month_day may hold anything; reject it before narrowing to int.
  if (md.month < 1 || md.month > 12 || md.day < 1 || md.day > 31) {
    return CalendarError{CalendarErrorCode::invalid_date, raw_md(md.month, md.day) + " is not a valid month-day",
                         raw_md(md.month, md.day) + " 不是有效的月日"};
  }
  // 02-29 in a common year is reported by make_date ("February 2023 has 28 days").
  return make_date(year, static_cast<int>(md.month), static_cast<int>(md.day));
}

}  // namespace rules::calendar
