#pragma once
/// The spellings people write for dates and yes/no values, in a roster cell (batch), on a command
/// line (`eval --set`) or in a situation file: the one place that knows them, so that `eval`
/// accepts every spelling `batch` accepts (issue 11). Also how a message shows such a value
/// (`quote_value`: masked, cut, escaped). Pure functions; the successful paths do not allocate.

#include <cstddef>
#include <cstdint>
#include <string>
#include <optional>
#include <string_view>

#include "calendar/date.h"
#include "source/lang.h"

namespace rules::model {

/// How date text is read.
struct DateTextOptions {
  /// A date may be an Excel 1900-system serial day number (1 = 1900-01-01, 45838 = 2025-06-30):
  /// batch's `--excel-serial-dates`. Off by default: a number where a date belongs is more often
  /// a mistake than a serial.
  bool excel_serial_dates = false;
};

/// `text` without the leading and trailing whitespace a spreadsheet cell or a typed value may
/// carry: ASCII whitespace (space, tab, CR, LF, VT, FF), U+00A0 no-break space and U+3000
/// ideographic space (全角空格). Inner whitespace is kept. The result views `text`.
std::string_view trim_text(std::string_view text);

/// At most this many bytes of a value are quoted in a message (then `…`).
inline constexpr std::size_t kQuotedValueMax = 100;

/// `text` as a message shows a user's value: in single quotes, masked by `mask_resident_id` when
/// it holds 15 or more digits (ASCII or full-width; it may be an ID or bank card number), cut
/// after kQuotedValueMax bytes (between characters) with `…`, its control characters escaped by
/// source::escape_controls. The same in both languages.
std::string quote_value(std::string_view text);

/// `text` as `quote_value` shows it, without the quotes.
std::string show_value(std::string_view text);

/// Why year-month-day `y`-`m`-`d` is not a date, in `lang`, without the date itself: "February
/// 2023 has 28 days" / "2023年2月只有28天", "there is no month 13" / "没有13月", a year outside
/// 0001..9999. Empty when it is a date.
std::string invalid_date_reason(int y, int m, int d, source::Lang lang);

/// Reads trimmed date text. Forms: 2025-06-30, 2025/6/30, 2025.6.30 (month and day of these may
/// have 1 or 2 digits), 2025年6月30日 or 2025年6月30号 (spaces allowed around the parts), 20250630
/// (exactly 8 digits); full-width digits and separators (２０２４年２月２９日, ２０２４／２／２９,
/// ２０２４－０２－２９, ２０２４．２．２９) read as their ASCII forms; any of these followed by a
/// midnight time of day as Excel writes date-time cells ("2025/6/30 0:00", "2025-06-30 00:00:00";
/// another time of day is an error); with `opt.excel_serial_dates` also an Excel serial day
/// number 1..2958465 (1900-01-01 .. 9999-12-31), optionally followed by a fraction of zeros
/// ("45838.0"); serial 60 is Excel's 1900-02-29, a day that never existed, and an error.
/// Impossible days (2023-02-29) and years outside 0001..9999 are errors naming the reason.
/// On failure returns false, leaves `out` unchanged and sets `error` in `lang`, quoting the text by
/// `quote_value`: "'2025/13/01' is not a valid date: there is no month 13" /
/// "'2025/13/01' 不是有效的日期：没有13月". `error` is written only on failure.
bool parse_date_text(std::string_view text, const DateTextOptions& opt, source::Lang lang, calendar::Date& out,
                     std::string& error);

/// The day Excel's serial day number `serial` names (ECMA-376 Part 1, 18.17.4.1, the 1900 and
/// 1904 date bases): in the 1900 system 1 = 1900-01-01 and 61 = 1900-03-01, 60 being 1900-02-29,
/// a day that never existed (Excel counts 1900 as a leap year, for Lotus 1-2-3), so nullopt; in
/// the 1904 system (`date1904`, old Mac workbooks) 0 = 1904-01-01. nullopt also outside
/// 1..2958465 (1900) or 0..2957003 (1904), i.e. outside 9999-12-31.
std::optional<calendar::Date> excel_serial_day(std::int64_t serial, bool date1904);

/// Reads trimmed yes/no text: yes: 是, 有, √ (U+221A), ✓ (U+2713), ✔ (U+2714), true, yes, y, 1;
/// no: 否, 无, × (U+00D7), ✗ (U+2717), ✘ (U+2718), false, no, n, 0; the Latin words in any ASCII
/// letter case. 对/错 are not read: in a column such as 信息有误 a registrar may write 错 to mean
/// "yes, it is wrong", so they are ambiguous. False (and `out` unchanged) for anything else.
bool parse_bool_text(std::string_view text, bool& out);

/// Reads trimmed integer text: an optional sign and decimal digits, optionally followed by a
/// fraction of zeros as Excel writes "12.0"; no exponents, no thousands separators; must fit in
/// 64 bits. On failure returns false and sets `error` in `lang` ("'1,000' is not an integer
/// (digits with an optional sign, such as 12 or -3)"); `out` is then unspecified.
bool parse_integer_text(std::string_view text, source::Lang lang, std::int64_t& out, std::string& error);

/// What `parse_bool_text` accepts, for messages: "是/否, √/×, 有/无, true/false, yes/no, Y/N or
/// 1/0" / "是/否、√/×、有/无、true/false、yes/no、Y/N 或 1/0".
std::string_view bool_forms(source::Lang lang);

}  // namespace rules::model
