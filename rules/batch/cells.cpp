#include "batch/cells.h"

#include <charconv>
#include <cstdint>
#include <system_error>

#include "model/resident_id.h"
#include "calendar/date.h"
#include "model/value_parse.h"

namespace rules::batch {

using model::check_resident_id;
using model::mask_resident_id;
namespace {

using model::Kind;
using model::Value;

constexpr std::string_view kNbsp = "\xC2\xA0";             // U+00A0
constexpr std::string_view kIdeographicSpace = "\xE3\x80\x80";  // U+3000

constexpr std::string_view kYear = "年";
constexpr std::string_view kMonth = "月";
constexpr std::string_view kDay = "日";
constexpr std::string_view kDayColloquial = "号";  // 2025年6月30号

// Excel's 1900 date system: serial 1 is 1900-01-01 and serial 60 the nonexistent 1900-02-29, so
// from serial 61 on the serial counts one day too many. 1899-12-31 is 25568 days before
// 1970-01-01.
constexpr std::int64_t kSerialEpochBefore60 = -25568;  // days since 1970 of serial 0 (1899-12-31)
constexpr std::int64_t kSerialEpochFrom61 = -25569;    // 1899-12-30: serial 61 is 1900-03-01
constexpr std::int64_t kExcelLeapBugSerial = 60;
constexpr std::int64_t kMaxSerial = 2958465;            // 9999-12-31

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_ascii_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }

// Whether `s` holds 15 or more digits in all, ASCII or full-width (０-９), whatever separates
// them ("110101-19900307-8515", "1.10101199003077E+17"): possibly an ID or bank card number, not
// to be printed whole.
bool has_long_digit_run(std::string_view s) {
  int digits = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (is_digit(s[i])) {
      ++digits;
    } else if (i + 2 < s.size() && s[i] == '\xEF' && s[i + 1] == '\xBC' && s[i + 2] >= '\x90' && s[i + 2] <= '\x99') {
      ++digits;  // U+FF10..U+FF19
      i += 2;
    }
  }
  return digits >= 15;
}

}  // namespace

namespace {

// quote_cell without the quotes.
std::string show_cell(std::string_view s) {
  std::string shown = has_long_digit_run(s) ? mask_resident_id(s) : std::string(s);
  if (shown.size() > kQuotedCellMax) {
    // Cut between characters: a cut inside a UTF-8 sequence would make the output invalid UTF-8.
    std::size_t cut = kQuotedCellMax;
    while (cut > 0 && (static_cast<unsigned char>(shown[cut]) & 0xC0) == 0x80) --cut;
    shown.resize(cut);
    shown += "…";
  }
  return escape_controls(shown);
}

}  // namespace

std::string quote_cell(std::string_view s) { return "'" + show_cell(s) + "'"; }

namespace {

// A cursor over the trimmed cell text.
struct Cursor {
  std::string_view s;
  std::size_t i = 0;

  bool done() const { return i == s.size(); }
  // Reads 1..max_digits digits (more than max_digits fails); their value in `v`.
  bool digits(std::size_t min_digits, std::size_t max_digits, int& v) {
    const std::size_t start = i;
    v = 0;
    while (i < s.size() && is_digit(s[i])) {
      if (i - start == max_digits) return false;
      v = v * 10 + (s[i] - '0');
      ++i;
    }
    return i - start >= min_digits;
  }
  bool literal(std::string_view lit) {
    if (s.substr(i).starts_with(lit)) {
      i += lit.size();
      return true;
    }
    return false;
  }
  void skip_spaces() {
    while (true) {
      if (i < s.size() && (s[i] == ' ' || s[i] == '\t')) {
        ++i;
      } else if (!literal(kIdeographicSpace)) {
        return;
      }
    }
  }
};

// A number as Excel writes it: digits, optionally '.' and more digits.
struct Numeral {
  std::string_view whole;     // the digits before any '.'
  bool has_fraction = false;
  bool fraction_zero = true;  // every digit after '.' is 0
};

bool read_numeral(std::string_view s, Numeral& n) {
  const std::size_t dot = s.find('.');
  n.whole = s.substr(0, dot);
  if (n.whole.empty()) return false;
  for (char c : n.whole) {
    if (!is_digit(c)) return false;
  }
  if (dot == std::string_view::npos) return true;
  const std::string_view frac = s.substr(dot + 1);
  if (frac.empty()) return false;
  n.has_fraction = true;
  for (char c : frac) {
    if (!is_digit(c)) return false;
    if (c != '0') n.fraction_zero = false;
  }
  return true;
}

std::string date_forms(const CellOptions& opt) {
  return opt.excel_serial_dates
             ? "(2025-06-30, 2025/6/30, 2025.6.30, 2025年6月30日, 20250630 or an Excel serial number such as 45838)"
             : "(2025-06-30, 2025/6/30, 2025.6.30, 2025年6月30日 or 20250630)";
}

// y-m-d through calendar::make_date, its message restated with the cell's own text:
// "'2023/2/29' is not a valid date: February 2023 has 28 days".
bool make_cell_date(std::string_view text, int y, int m, int d, calendar::Date& out, std::string& error) {
  const auto r = calendar::make_date(y, m, d);
  if (!r) {
    const std::string& msg = r.error().message;  // "2023-02-29 is not a valid date: ..."
    const std::size_t space = msg.find(' ');
    error = quote_cell(text) + (space == std::string::npos ? " is not a valid date" : msg.substr(space));
    return false;
  }
  out = *r;
  return true;
}

bool serial_date(std::string_view text, const Numeral& n, calendar::Date& out, std::string& error) {
  if (!n.fraction_zero) {
    error = quote_cell(text) + " is not a date: an Excel serial number with a time of day; expected a whole day number";
    return false;
  }
  std::int64_t serial = 0;
  for (char c : n.whole) {
    serial = serial * 10 + (c - '0');
    if (serial > kMaxSerial) break;
  }
  if (serial < 1 || serial > kMaxSerial) {
    error = quote_cell(text) + " is not an Excel serial date: they run from 1 (1900-01-01) to 2958465 (9999-12-31)";
    return false;
  }
  if (serial == kExcelLeapBugSerial) {
    error = quote_cell(text) +
            " is Excel's serial number of 1900-02-29, a day that never existed (Excel counts 1900 as a leap "
            "year); enter the intended date";
    return false;
  }
  const std::int64_t days = serial + (serial < kExcelLeapBugSerial ? kSerialEpochBefore60 : kSerialEpochFrom61);
  out = calendar::Date::from_days_unchecked(static_cast<std::int32_t>(days));
  return true;
}

// A time of day after a date, as Excel writes a date-time cell: "0:00", "00:00:00", "8:30".
bool is_time_of_day(std::string_view t, bool& midnight) {
  const std::size_t colon = t.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 2) return false;
  const std::string_view rest = t.substr(colon + 1);
  if (!(rest.size() == 2 || (rest.size() == 5 && rest[2] == ':'))) return false;
  midnight = true;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (i == colon || (rest.size() == 5 && i == colon + 3)) continue;
    if (!is_digit(t[i])) return false;
    if (t[i] != '0') midnight = false;
  }
  return true;
}

bool parse_date_cell(std::string_view text, const CellOptions& opt, calendar::Date& out, std::string& error) {
  // Excel exports a date-time cell as "2025/6/30 0:00": midnight is the day itself; another time
  // of day is an error (the fact is a calendar date, and which day was meant is not certain).
  if (const std::size_t space = text.rfind(' '); space != std::string_view::npos) {
    bool midnight = false;
    if (is_time_of_day(text.substr(space + 1), midnight)) {
      if (!midnight) {
        error = quote_cell(text) + " is a date with a time of day; this column takes a date only (such as 2025-06-30)";
        return false;
      }
      return parse_date_cell(trim_cell(text.substr(0, space)), opt, out, error);
    }
  }
  const auto not_a_date = [&](std::string_view hint = {}) {
    error = quote_cell(text) + " is not a date " + date_forms(opt);
    error += hint;
    return false;
  };
  // Numbers: 20250630, and Excel serials.
  if (Numeral n; read_numeral(text, n)) {
    if (n.whole.size() == 8 && !n.has_fraction) {
      const auto num = [&](std::size_t pos, std::size_t len) {
        int v = 0;
        for (char c : n.whole.substr(pos, len)) v = v * 10 + (c - '0');
        return v;
      };
      return make_cell_date(text, num(0, 4), num(4, 2), num(6, 2), out, error);
    }
    if (opt.excel_serial_dates && n.whole.size() != 8) return serial_date(text, n, out, error);
    if (!opt.excel_serial_dates && n.whole.size() == 5 && n.fraction_zero) {
      return not_a_date("; it looks like an Excel serial date number: run with --excel-serial-dates to read it as one");
    }
    return not_a_date();
  }
  // 2025-06-30, 2025/6/30, 2025.6.30: one separator, used twice.
  {
    Cursor c{text};
    int y = 0;
    int m = 0;
    int d = 0;
    if (c.digits(4, 5, y) && !c.done()) {
      const char sep = text[c.i];
      if (sep == '-' || sep == '/' || sep == '.') {
        ++c.i;
        if (c.digits(1, 2, m) && c.literal(std::string_view(&sep, 1)) && c.digits(1, 2, d) && c.done()) {
          return make_cell_date(text, y, m, d, out, error);
        }
        return not_a_date();
      }
    }
  }
  // 2025年6月30日 (or 号), spaces allowed around the parts.
  {
    Cursor c{text};
    int y = 0;
    int m = 0;
    int d = 0;
    const bool ok = c.digits(4, 5, y) && (c.skip_spaces(), c.literal(kYear)) && (c.skip_spaces(), c.digits(1, 2, m)) &&
                    (c.skip_spaces(), c.literal(kMonth)) && (c.skip_spaces(), c.digits(1, 2, d)) &&
                    (c.skip_spaces(), c.literal(kDay) || c.literal(kDayColloquial)) && c.done();
    if (ok) return make_cell_date(text, y, m, d, out, error);
  }
  return not_a_date();
}

bool parse_bool_cell(std::string_view text, bool& out) {
  static constexpr std::string_view yes[] = {"true", "yes", "y"};
  static constexpr std::string_view no[] = {"false", "no", "n"};
  if (text == "是" || text == "1") {
    out = true;
    return true;
  }
  if (text == "否" || text == "0") {
    out = false;
    return true;
  }
  for (auto y : yes) {
    if (equals_ascii_ci(text, y)) {
      out = true;
      return true;
    }
  }
  for (auto n : no) {
    if (equals_ascii_ci(text, n)) {
      out = false;
      return true;
    }
  }
  return false;
}

bool parse_integer_cell(std::string_view text, std::int64_t& out, std::string& error) {
  std::string_view body = text;
  const bool plus = !body.empty() && body.front() == '+';
  if (plus) body.remove_prefix(1);
  const bool negative = !plus && !body.empty() && body.front() == '-';
  Numeral n;
  if (!read_numeral(negative ? body.substr(1) : body, n) || !n.fraction_zero) {
    error = quote_cell(text) + " is not an integer (digits with an optional sign, such as 12 or -3)";
    return false;
  }
  // from_chars takes the '-' itself; the digits end where the fraction of zeros begins.
  const char* begin = body.data();
  const char* end = n.whole.data() + n.whole.size();
  const auto r = std::from_chars(begin, end, out);
  if (r.ec == std::errc::result_out_of_range) {
    error = quote_cell(text) + " is not an integer: it is too large (the limit is 9223372036854775807)";
    return false;
  }
  if (r.ec != std::errc() || r.ptr != end) {
    error = quote_cell(text) + " is not an integer (digits with an optional sign, such as 12 or -3)";
    return false;
  }
  return true;
}

// Replaces every occurrence of `from` in `s` by `to`.
void replace_all(std::string& s, std::string_view from, std::string_view to) {
  if (from.empty()) return;
  for (std::size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
    s.replace(pos, from.size(), to);
  }
}

}  // namespace

std::string_view trim_cell(std::string_view text) {
  while (true) {
    if (!text.empty() && is_ascii_space(text.front())) {
      text.remove_prefix(1);
    } else if (text.starts_with(kNbsp)) {
      text.remove_prefix(kNbsp.size());
    } else if (text.starts_with(kIdeographicSpace)) {
      text.remove_prefix(kIdeographicSpace.size());
    } else {
      break;
    }
  }
  while (true) {
    if (!text.empty() && is_ascii_space(text.back())) {
      text.remove_suffix(1);
    } else if (text.ends_with(kNbsp)) {
      text.remove_suffix(kNbsp.size());
    } else if (text.ends_with(kIdeographicSpace)) {
      text.remove_suffix(kIdeographicSpace.size());
    } else {
      break;
    }
  }
  return text;
}

CellStatus parse_cell(std::string_view raw, model::Type t, std::span<const model::EnumDef> enums,
                      const CellOptions& opt, model::Value& out, std::string& error, std::string& normalized) {
  const std::string_view text = trim_cell(raw);
  if (text.empty()) {
    out = Value::make_unknown(model::FactSet{});
    return CellStatus::empty;
  }
  switch (t.kind) {
    case Kind::date: {
      calendar::Date d;
      if (!parse_date_cell(text, opt, d, error)) return CellStatus::error;
      out = Value::make_date(d);
      return CellStatus::value;
    }
    case Kind::boolean: {
      bool b = false;
      if (!parse_bool_cell(text, b)) {
        error = quote_cell(text) + " is not a yes/no value (是/否, true/false, yes/no, Y/N or 1/0)";
        return CellStatus::error;
      }
      out = Value::make_bool(b);
      return CellStatus::value;
    }
    case Kind::integer: {
      std::int64_t i = 0;
      if (!parse_integer_cell(text, i, error)) return CellStatus::error;
      out = Value::make_int(i);
      return CellStatus::value;
    }
    case Kind::enumeration: {
      if (t.enum_id >= enums.size()) {
        error = quote_cell(text) + " cannot be read: the pack declares no enum set " + std::to_string(t.enum_id);
        return CellStatus::error;
      }
      const auto& set = enums[t.enum_id];
      const auto idx = set.find_any_case(text);  // Enrolled_Student, as typed in Excel
      if (!idx) {
        error = quote_cell(text) + " is not " + model::expected_form(t, enums);
        return CellStatus::error;
      }
      out = Value::make_enum(t.enum_id, *idx);
      return CellStatus::value;
    }
    case Kind::string:
    case Kind::text:
      out = Value::make_string(text, t.kind);
      return CellStatus::value;
    case Kind::resident_id:
      return parse_resident_id_cell(text, normalized, out, error);
    case Kind::instant:
    case Kind::period:
    case Kind::time_of_day:
    case Kind::month_day:
    case Kind::window:
    case Kind::list: {
      Value v;
      if (!model::parse_value(text, t, enums, v, error)) {
        // parse_value shows the text as it is: show it as quote_cell does (masked, cut, escaped),
        // and escape what else of it the message holds (a part of a window, say).
        if (const std::string shown = show_cell(text); shown != text) replace_all(error, text, shown);
        error = escape_controls(error);
        return CellStatus::error;
      }
      out = v;
      return CellStatus::value;
    }
  }
  error = quote_cell(text) + " cannot be read as a " + std::string(model::kind_name(t.kind));
  return CellStatus::error;
}

CellStatus parse_resident_id_cell(std::string_view raw, std::string& normalized, model::Value& out,
                                  std::string& error) {
  const std::string_view text = trim_cell(raw);
  if (text.empty()) {
    out = Value::make_unknown(model::FactSet{});
    return CellStatus::empty;
  }
  if (!check_resident_id(text, normalized, error)) {
    error = escape_controls(error);  // the masked number keeps its first and last characters
    return CellStatus::error;
  }
  // A valid number is 18 ASCII characters; only a lowercase check 'x' differs from its normal form.
  out = Value::make_string(text.back() == 'x' ? std::string_view(normalized) : text, Kind::resident_id);
  return CellStatus::value;
}

}  // namespace rules::batch
