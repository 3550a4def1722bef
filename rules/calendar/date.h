#pragma once
/// Calendar dates (no time of day, no zone) of the proleptic Gregorian calendar.

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "calendar/calendar_error.h"

namespace rules::calendar {

/// Supported years, inclusive. ISO 8601 four-digit years; anything outside is `out_of_range`.
inline constexpr int kMinYear = 1;
inline constexpr int kMaxYear = 9999;

/// A calendar date (日期): a day, not an instant. Always valid and within
/// 0001-01-01..9999-12-31; stored as days since 1970-01-01 so comparisons and day arithmetic
/// are integer operations. Construct with `make_date` or `parse_date`.
class Date {
 public:
  /// 1970-01-01.
  constexpr Date() = default;
  /// The date `days` days after 1970-01-01. Precondition: the result is within range (use
  /// `add_days` for checked arithmetic).
  static constexpr Date from_days_unchecked(std::int32_t days) { Date d; d.days_ = days; return d; }
  /// Days since 1970-01-01 (negative before).
  constexpr std::int32_t days_since_epoch() const { return days_; }

  int year() const;
  unsigned month() const;  ///< 1..12
  unsigned day() const;    ///< 1..31
  /// ISO 8601 weekday: 1 = Monday ... 7 = Sunday.
  unsigned iso_weekday() const;

  friend constexpr auto operator<=>(Date, Date) = default;
  friend constexpr bool operator==(Date, Date) = default;

 private:
  std::int32_t days_ = 0;
};

/// The earliest and latest supported dates.
Date min_date();
Date max_date();

/// The date y-m-d. Errors: `invalid_date` (2023-02-29, month 13, day 0),
/// `out_of_range` (year outside kMinYear..kMaxYear).
Expected<Date> make_date(int year, int month, int day);

/// Parses exactly `YYYY-MM-DD` (ISO 8601 extended calendar date). Errors: `syntax`,
/// `invalid_date`, `out_of_range`; the message quotes the text.
Expected<Date> parse_date(std::string_view text);

/// `YYYY-MM-DD`.
std::string format_date(Date d);

/// Appends `YYYY-MM-DD` to `out` (no allocation once `out` has room: for writers of many rows).
void append_date(std::string& out, Date d);

/// d + n days (n may be negative). Error: `out_of_range` if the result leaves the range.
Expected<Date> add_days(Date d, std::int64_t n);

/// Number of days from a to b (b - a; negative when b is before a).
inline std::int32_t days_between(Date a, Date b) { return b.days_since_epoch() - a.days_since_epoch(); }

/// Whether `year` is a Gregorian leap year (1900 no, 2000 yes, 2100 no).
bool is_leap_year(int year);

/// Number of days in month `month` (1..12) of `year`.
unsigned days_in_month(int year, unsigned month);

/// A recurring day of the year (月日), such as the start of an intake period: `--09-01`.
/// 02-29 is a valid MonthDay; placing it in a common year is an `invalid_date` error.
struct MonthDay {
  unsigned month = 1;  ///< 1..12
  unsigned day = 1;    ///< 1..days in that month of a leap year
  friend constexpr auto operator<=>(const MonthDay&, const MonthDay&) = default;
};

/// Parses `MM-DD` or ISO 8601 `--MM-DD`. Errors: `syntax`, `invalid_date` (04-31, 13-01).
Expected<MonthDay> parse_month_day(std::string_view text);

/// `MM-DD`.
std::string format_month_day(MonthDay md);

/// The date of `md` in `year`. Errors: `invalid_date` (02-29 in a common year), `out_of_range`.
Expected<Date> in_year(MonthDay md, int year);

}  // namespace rules::calendar
