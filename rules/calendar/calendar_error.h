#pragma once
/// Errors of calendar computations, and a small either-type to carry them.

#include <string>
#include <utility>
#include <variant>

namespace rules::calendar {

/// Why a calendar operation failed. Stable names: they become diagnostic codes
/// (`date_invalid`, `date_out_of_range`, `date_syntax`, `zone_unknown`, `calendar_no_data`).
enum class CalendarErrorCode {
  invalid_date,   ///< no such day: 2023-02-29, month 13, day 0
  out_of_range,   ///< outside 0001-01-01..9999-12-31, or arithmetic that would leave it
  syntax,         ///< text is not in the expected ISO 8601 form
  unknown_zone,   ///< not an IANA time-zone name known to the system tzdata
  no_holiday_data,///< a date in a year the statutory holiday calendar has no notice for
};

/// The stable snake_case name of a code (`date_invalid`, ...).
const char* code_name(CalendarErrorCode code);

/// A failed calendar operation: its code and a message that names the offending value.
struct CalendarError {
  CalendarErrorCode code;
  std::string message;     ///< English
  /// 中文 (the same facts). No default: every error is written in both languages.
  std::string message_zh;
};

/// Either a value or a CalendarError. Minimal stand-in for C++23 std::expected.
template <class T>
class Expected {
 public:
  Expected(T value) : v_(std::move(value)) {}                  // NOLINT: implicit by design
  Expected(CalendarError error) : v_(std::move(error)) {}      // NOLINT: implicit by design
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  const T& value() const { return std::get<0>(v_); }
  T& value() { return std::get<0>(v_); }
  const T& operator*() const { return value(); }
  const T* operator->() const { return &value(); }
  const CalendarError& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, CalendarError> v_;
};

}  // namespace rules::calendar
