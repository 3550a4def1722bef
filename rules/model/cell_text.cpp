#include "model/cell_text.h"

#include <array>
#include <charconv>
#include <system_error>
#include <cstdint>

#include "model/policy.h"
#include "model/resident_id.h"
#include "source/diagnostic.h"

namespace rules::model {
namespace {

using source::Lang;

constexpr std::string_view kNbsp = "\xC2\xA0";                  // U+00A0
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
constexpr std::int64_t kMaxSerial = 2958465;  // 9999-12-31

// Longest date text that full-width normalisation copies (a longer one is no date anyway).
constexpr std::size_t kMaxDateText = 64;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_ascii_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }

// Whether s[i..] is a full-width form U+FF01..U+FF5E (EF BC 81..EF BD 9E), which maps to ASCII
// 0x21..0x7E; the ASCII character in `ascii`.
bool fullwidth_at(std::string_view s, std::size_t i, char& ascii) {
  if (i + 2 >= s.size() || s[i] != '\xEF') return false;
  const auto b1 = static_cast<unsigned char>(s[i + 1]);
  const auto b2 = static_cast<unsigned char>(s[i + 2]);
  unsigned cp = 0;
  if (b1 == 0xBC && b2 >= 0x81 && b2 <= 0xBF) cp = 0xFF00 + (b2 - 0x80);
  else if (b1 == 0xBD && b2 >= 0x80 && b2 <= 0x9E) cp = 0xFF40 + (b2 - 0x80);
  else return false;
  ascii = static_cast<char>(cp - 0xFF00 + 0x20);
  return true;
}

// Whether `s` holds 15 or more digits in all, ASCII or full-width (０-９), whatever separates
// them ("110101-19900307-8515", "1.10101199003077E+17"): possibly an ID or bank card number, not
// to be printed whole.
bool has_long_digit_run(std::string_view s) {
  int digits = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char a = 0;
    if (is_digit(s[i])) {
      ++digits;
    } else if (fullwidth_at(s, i, a)) {
      if (is_digit(a)) ++digits;
      i += 2;
    }
  }
  return digits >= 15;
}

// A cursor over the trimmed text.
struct Cursor {
  std::string_view s;
  std::size_t i = 0;

  bool done() const { return i == s.size(); }
  // Reads min_digits..max_digits digits (more than max_digits fails); their value in `v`.
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
  std::string_view whole;  // the digits before any '.'
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

std::string date_forms(const DateTextOptions& opt, Lang lang) {
  if (lang == Lang::zh) {
    return opt.excel_serial_dates ? "（可写 2025-06-30、2025/6/30、2025.6.30、2025年6月30日、20250630 或 Excel 序列号如 45838）"
                                  : "（可写 2025-06-30、2025/6/30、2025.6.30、2025年6月30日 或 20250630）";
  }
  return opt.excel_serial_dates
             ? "(2025-06-30, 2025/6/30, 2025.6.30, 2025年6月30日, 20250630 or an Excel serial number such as 45838)"
             : "(2025-06-30, 2025/6/30, 2025.6.30, 2025年6月30日 or 20250630)";
}

// y-m-d through calendar::make_date; on failure the reason, with the text's own spelling:
// "'2023/2/29' is not a valid date: February 2023 has 28 days".
bool make_text_date(std::string_view shown, int y, int m, int d, Lang lang, calendar::Date& out, std::string& error) {
  const auto r = calendar::make_date(y, m, d);
  if (!r) {
    if (lang == Lang::zh) {
      error = quote_value(shown) + " 不是有效的日期：" + invalid_date_reason(y, m, d, lang);
    } else {
      const std::string& msg = r.error().message;  // "2023-02-29 is not a valid date: ..."
      const std::size_t space = msg.find(' ');
      error = quote_value(shown) + (space == std::string::npos ? " is not a valid date" : msg.substr(space));
    }
    return false;
  }
  out = *r;
  return true;
}

bool serial_date(std::string_view shown, const Numeral& n, Lang lang, calendar::Date& out, std::string& error) {
  if (!n.fraction_zero) {
    error = quote_value(shown) + std::string(source::pick(
                                     lang, " 不是日期：它是带时刻的 Excel 序列号，这里只收整天的序列号",
                                     " is not a date: an Excel serial number with a time of day; expected a whole day number"));
    return false;
  }
  std::int64_t serial = 0;
  for (char c : n.whole) {
    serial = serial * 10 + (c - '0');
    if (serial > kMaxSerial) break;
  }
  if (serial < 1 || serial > kMaxSerial) {
    error = quote_value(shown) +
            std::string(source::pick(lang, " 不是 Excel 序列日期：序列号从 1（1900-01-01）到 2958465（9999-12-31）",
                                     " is not an Excel serial date: they run from 1 (1900-01-01) to 2958465 (9999-12-31)"));
    return false;
  }
  if (serial == kExcelLeapBugSerial) {
    error = quote_value(shown) +
            std::string(source::pick(lang,
                                     " 是 Excel 中 1900-02-29 的序列号，这一天并不存在（Excel 把 1900 年当作闰年）：请填写实际的日期",
                                     " is Excel's serial number of 1900-02-29, a day that never existed (Excel counts "
                                     "1900 as a leap year); enter the intended date"));
    return false;
  }
  out = *excel_serial_day(serial, false);
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

// `text` is ASCII-normalised (no full-width forms); `shown` is what messages quote.
// `time_allowed`: whether a time of day may follow the date (once: Excel writes one, and a cell
// of a date and 35,000 times " 0:00" once took one call per time and overflowed the stack).
bool parse_date_ascii(std::string_view text, std::string_view shown, const DateTextOptions& opt, Lang lang,
                      calendar::Date& out, std::string& error, bool time_allowed = true) {
  // Excel exports a date-time cell as "2025/6/30 0:00": midnight is the day itself; another time
  // of day is an error (the fact is a calendar date, and which day was meant is not certain).
  if (const std::size_t space = time_allowed ? text.rfind(' ') : std::string_view::npos; space != std::string_view::npos) {
    bool midnight = false;
    if (is_time_of_day(text.substr(space + 1), midnight)) {
      if (!midnight) {
        error = quote_value(shown) + std::string(source::pick(
                                         lang, " 是带时刻的日期；这里只填日期（如 2025-06-30）",
                                         " is a date with a time of day; this column takes a date only (such as 2025-06-30)"));
        return false;
      }
      const std::string_view day = trim_text(text.substr(0, space));
      // Messages about the day quote the day part, as the user wrote it when it was plain ASCII.
      return parse_date_ascii(day, text.size() == shown.size() ? day : shown, opt, lang, out, error, false);
    }
  }
  if (text == "1900-01-00") {  // an .xlsx date cell holding 0 reads so (XlsxReader), as Excel shows it
    error = quote_value(shown) + std::string(source::pick(
                                     lang, " 是 Excel 把数值 0 显示成的日期（常见于引用了空单元格的公式），不是实际的日期：请填写实际的日期",
                                     " is how Excel shows the number 0 as a date (often a formula referring to an empty "
                                     "cell), not a real date; enter the intended date"));
    return false;
  }
  const auto not_a_date = [&](const char* hint_zh = "", const char* hint_en = "") {
    error = quote_value(shown) + (lang == Lang::zh ? " 不是日期" : " is not a date ") + date_forms(opt, lang);
    error += source::pick(lang, hint_zh, hint_en);
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
      return make_text_date(shown, num(0, 4), num(4, 2), num(6, 2), lang, out, error);
    }
    if (opt.excel_serial_dates && n.whole.size() != 8) return serial_date(shown, n, lang, out, error);
    if (!opt.excel_serial_dates && n.whole.size() == 5 && n.fraction_zero) {
      return not_a_date("；它像是 Excel 的序列日期：要按序列日期读取，请加 --excel-serial-dates 运行",
                        "; it looks like an Excel serial date number: run with --excel-serial-dates to read it as one");
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
          return make_text_date(shown, y, m, d, lang, out, error);
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
    if (ok) return make_text_date(shown, y, m, d, lang, out, error);
  }
  return not_a_date();
}

}  // namespace

std::string_view trim_text(std::string_view text) {
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

std::string show_value(std::string_view s) {
  std::string shown = has_long_digit_run(s) ? mask_resident_id(s) : std::string(s);
  if (shown.size() > kQuotedValueMax) {
    // Cut between characters: a cut inside a UTF-8 sequence would make the output invalid UTF-8.
    std::size_t cut = kQuotedValueMax;
    while (cut > 0 && (static_cast<unsigned char>(shown[cut]) & 0xC0) == 0x80) --cut;
    shown.resize(cut);
    shown += "…";
  }
  return source::escape_controls(shown);
}

std::string quote_value(std::string_view s) { return "'" + show_value(s) + "'"; }

std::string invalid_date_reason(int y, int m, int d, Lang lang) {
  if (y < 1 || y > 9999) {
    return lang == Lang::zh ? std::string("年份须在 0001 至 9999 之间") : std::string("the year must be 0001 to 9999");
  }
  if (m < 1 || m > 12) {
    return lang == Lang::zh ? "没有" + std::to_string(m) + "月" : "there is no month " + std::to_string(m);
  }
  const unsigned dim = calendar::days_in_month(y, static_cast<unsigned>(m));
  if (d < 1) return lang == Lang::zh ? "没有" + std::to_string(d) + "日" : "there is no day " + std::to_string(d);
  if (static_cast<unsigned>(d) > dim) {
    static constexpr std::array<const char*, 12> kMonthNames = {"January", "February", "March",     "April",
                                                                "May",     "June",     "July",      "August",
                                                                "September", "October", "November", "December"};
    return lang == Lang::zh ? std::to_string(y) + "年" + std::to_string(m) + "月只有" + std::to_string(dim) + "天"
                            : std::string(kMonthNames[static_cast<std::size_t>(m - 1)]) + " " + std::to_string(y) +
                                  " has " + std::to_string(dim) + " days";
  }
  return {};
}

bool parse_date_text(std::string_view text, const DateTextOptions& opt, Lang lang, calendar::Date& out,
                     std::string& error) {
  // Full-width forms (２０２４年２月２９日, ２０２４／２／２９) are read as ASCII: copied into a
  // buffer on the stack, so that only text holding them pays for it.
  if (text.find('\xEF') == std::string_view::npos || text.size() > kMaxDateText * 3) {
    return parse_date_ascii(text, text, opt, lang, out, error);
  }
  std::array<char, kMaxDateText * 3> buffer{};
  std::size_t n = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char a = 0;
    if (fullwidth_at(text, i, a)) {
      buffer[n++] = a;
      i += 2;
    } else {
      buffer[n++] = text[i];
    }
  }
  return parse_date_ascii(std::string_view(buffer.data(), n), text, opt, lang, out, error);
}

bool parse_bool_text(std::string_view text, bool& out) {
  static constexpr std::string_view yes[] = {"是", "有", "√", "✓", "✔", "1"};
  static constexpr std::string_view no[] = {"否", "无", "×", "✗", "✘", "0"};
  static constexpr std::string_view yes_words[] = {"true", "yes", "y"};
  static constexpr std::string_view no_words[] = {"false", "no", "n"};
  for (auto y : yes) {
    if (text == y) {
      out = true;
      return true;
    }
  }
  for (auto n : no) {
    if (text == n) {
      out = false;
      return true;
    }
  }
  for (auto y : yes_words) {
    if (equals_ascii_ci(text, y)) {
      out = true;
      return true;
    }
  }
  for (auto n : no_words) {
    if (equals_ascii_ci(text, n)) {
      out = false;
      return true;
    }
  }
  return false;
}

bool parse_integer_text(std::string_view text, Lang lang, std::int64_t& out, std::string& error) {
  const auto not_integer = [&] {
    error = quote_value(text) + std::string(source::pick(lang, " 不是整数（数字，可带正负号，如 12 或 -3）",
                                                         " is not an integer (digits with an optional sign, such as 12 or -3)"));
    return false;
  };
  std::string_view body = text;
  const bool plus = !body.empty() && body.front() == '+';
  if (plus) body.remove_prefix(1);
  const bool negative = !plus && !body.empty() && body.front() == '-';
  Numeral n;
  if (!read_numeral(negative ? body.substr(1) : body, n) || !n.fraction_zero) return not_integer();
  // from_chars takes the '-' itself; the digits end where the fraction of zeros begins.
  const char* begin = body.data();
  const char* end = n.whole.data() + n.whole.size();
  const auto r = std::from_chars(begin, end, out);
  if (r.ec == std::errc::result_out_of_range) {
    error = quote_value(text) + std::string(source::pick(lang, " 不是整数：数值太大（上限为 9223372036854775807）",
                                                         " is not an integer: it is too large (the limit is 9223372036854775807)"));
    return false;
  }
  if (r.ec != std::errc() || r.ptr != end) return not_integer();
  return true;
}

std::string_view bool_forms(Lang lang) {
  return source::pick(lang, "是/否、√/×、有/无、true/false、yes/no、Y/N 或 1/0",
                      "是/否, √/×, 有/无, true/false, yes/no, Y/N or 1/0");
}

std::optional<calendar::Date> excel_serial_day(std::int64_t serial, bool date1904) {
  constexpr std::int64_t kEpoch1904 = -24107;  // days since 1970 of 1904-01-01
  constexpr std::int64_t kMaxSerial1904 = 2957003;  // 9999-12-31
  if (date1904) {
    if (serial < 0 || serial > kMaxSerial1904) return std::nullopt;
    return calendar::Date::from_days_unchecked(static_cast<std::int32_t>(serial + kEpoch1904));
  }
  if (serial < 1 || serial > kMaxSerial || serial == kExcelLeapBugSerial) return std::nullopt;
  const std::int64_t days = serial + (serial < kExcelLeapBugSerial ? kSerialEpochBefore60 : kSerialEpochFrom61);
  return calendar::Date::from_days_unchecked(static_cast<std::int32_t>(days));
}

}  // namespace rules::model
