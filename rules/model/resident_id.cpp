#include "model/resident_id.h"

#include <array>
#include <cstddef>
#include <optional>

#include "calendar/date.h"
#include "model/cell_text.h"

namespace rules::model {
namespace {

constexpr std::size_t kIdLength = 18;
constexpr int kMinBirthYear = 1800;

constexpr std::array<int, 17> kWeights = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
constexpr std::string_view kCheckChars = "10X98765432";

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Length in bytes of the UTF-8 sequence starting at s[i]; 1 for a byte that does not start a
// well-formed sequence (a stray continuation byte, a truncated sequence), so that every byte is
// part of exactly one "character".
std::size_t utf8_length_at(std::string_view s, std::size_t i) {
  const auto b = static_cast<unsigned char>(s[i]);
  std::size_t n = 1;
  if (b >= 0xC2 && b <= 0xDF) {
    n = 2;
  } else if (b >= 0xE0 && b <= 0xEF) {
    n = 3;
  } else if (b >= 0xF0 && b <= 0xF4) {
    n = 4;
  }
  if (n == 1 || i + n > s.size()) return 1;
  for (std::size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 1;
  }
  return n;
}

std::size_t count_chars(std::string_view s) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); i += utf8_length_at(s, i)) ++n;
  return n;
}

std::string masked_quoted(std::string_view text) { return "'" + mask_resident_id(text) + "'"; }

// 1.10101E+17, 1.10101199003077E+17, 1E17, 1.1e+17: what Excel writes for a long number in a
// column of General format.
bool is_scientific(std::string_view s) {
  std::size_t i = 0;
  const auto digits = [&] {
    const std::size_t start = i;
    while (i < s.size() && is_digit(s[i])) ++i;
    return i > start;
  };
  if (!digits()) return false;
  if (i < s.size() && s[i] == '.') {
    ++i;
    digits();
  }
  if (i >= s.size() || (s[i] != 'E' && s[i] != 'e')) return false;
  ++i;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  return digits() && i == s.size();
}

bool all_digits(std::string_view s) {
  for (char c : s) {
    if (!is_digit(c)) return false;
  }
  return !s.empty();
}

int to_int(std::string_view digits) {
  int v = 0;
  for (char c : digits) v = v * 10 + (c - '0');
  return v;
}

// The first character (1-based place, and its bytes) that breaks the "17 digits + digit/X/x"
// shape of an 18-character text, or place 0 if there is none.
struct BadChar {
  std::size_t place = 0;
  std::string_view bytes;
};

BadChar first_bad_char(std::string_view s) {
  std::size_t place = 0;
  for (std::size_t i = 0; i < s.size(); i += utf8_length_at(s, i)) {
    ++place;
    const std::size_t n = utf8_length_at(s, i);
    const char c = s[i];
    const bool ok = n == 1 && (is_digit(c) || (place == kIdLength && (c == 'X' || c == 'x')));
    if (!ok) return {place, s.substr(i, n)};
  }
  return {};
}

std::string describe_bad_char(const BadChar& bad, source::Lang lang) {
  const bool zh = lang == source::Lang::zh;
  std::string what = zh ? "第" + std::to_string(bad.place) + "个字符" : "character " + std::to_string(bad.place);
  const auto b = static_cast<unsigned char>(bad.bytes.front());
  const bool printable = bad.bytes.size() > 1 || (b >= 0x21 && b <= 0x7E);
  if (printable) what += zh ? "（'" + std::string(bad.bytes) + "'）" : " ('" + std::string(bad.bytes) + "')";
  if (zh) {
    what += bad.place == kIdLength ? "须为数字或 X" : "不是数字";
  } else {
    what += bad.place == kIdLength ? " must be a digit or X" : " is not a digit";
  }
  // Full-width digits ０..９ (U+FF10..U+FF19) come from Chinese input methods.
  if (bad.bytes.size() == 3 && bad.bytes[0] == '\xEF' && bad.bytes[1] == '\xBC' &&
      static_cast<unsigned char>(bad.bytes[2]) >= 0x90 && static_cast<unsigned char>(bad.bytes[2]) <= 0x99) {
    what += zh ? "（这是全角数字：请用半角数字输入号码）" : " (a full-width digit: type the number with ASCII digits)";
  }
  return what;
}

constexpr std::string_view kExcelNumberZh =
    "身份证号被 Excel 改成了数字（科学计数法），只保留了 15 位有效数字：请把该列设为文本格式，重新录入或导入号码后再导出";
constexpr std::string_view kExcelNumberEn =
    "the ID number was turned into a number by Excel (scientific notation), which keeps only 15 digits; format the "
    "column as text, enter or import the numbers again and export again";

/// Why `text` does not have the shape of an ID number (18 characters, 17 digits then a digit or
/// X), naming Excel's damage where it shows; nothing when it has that shape.
std::optional<std::string> shape_problem(std::string_view text, source::Lang lang) {
  const bool zh = lang == source::Lang::zh;
  if (text.empty()) return zh ? "单元格为空" : "the cell is empty";
  if (is_scientific(text)) return std::string(zh ? kExcelNumberZh : kExcelNumberEn);
  const std::size_t chars = count_chars(text);
  if (chars != kIdLength) {
    if (zh) return "它有" + std::to_string(chars) + "个字符，应为18个";
    return "it has " + std::to_string(chars) + (chars == 1 ? " character" : " characters") + ", expected 18";
  }
  if (const BadChar bad = first_bad_char(text); bad.place != 0) return describe_bad_char(bad, lang);
  return std::nullopt;
}

/// The reason, in `lang`, why the birth date digits `y`, `m`, `d` make no date, naming at most
/// the year and month ("February 1990 has 28 days"): never the whole date.
std::string birth_date_reason(int y, int m, int d, source::Lang lang) {
  if (lang == source::Lang::zh) return invalid_date_reason(y, m, d, lang);
  const auto birth = calendar::make_date(y, m, d);
  if (birth) return {};
  const std::string& msg = birth.error().message;
  const std::size_t colon = msg.find(": ");
  return colon == std::string::npos ? std::string() : msg.substr(colon + 2);
}

}  // namespace

char resident_id_check_char(std::string_view first17) {
  if (first17.size() != kWeights.size() || !all_digits(first17)) return '\0';
  int sum = 0;
  for (std::size_t i = 0; i < kWeights.size(); ++i) sum += (first17[i] - '0') * kWeights[i];
  return kCheckChars[static_cast<std::size_t>(sum % 11)];
}

std::string mask_resident_id(std::string_view text) {
  const std::size_t n = count_chars(text);
  std::size_t front = 0;
  std::size_t back = 0;
  if (n >= 15) {
    front = 6;
    back = 4;
  } else if (n >= 4) {
    front = 3;
  }
  std::string out;
  out.reserve(text.size());
  std::size_t place = 0;
  for (std::size_t i = 0; i < text.size(); i += utf8_length_at(text, i), ++place) {
    if (place < front || place >= n - back) {
      out += text.substr(i, utf8_length_at(text, i));
    } else {
      out += '*';
    }
  }
  return out;
}

std::string mask_resident_ids_in(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] < '0' || text[i] > '9') {
      out += text[i++];
      continue;
    }
    std::size_t end = i;
    while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
    if (end - i >= 15 && end < text.size() && (text[end] == 'X' || text[end] == 'x')) ++end;
    const auto run = text.substr(i, end - i);
    out += run.size() >= 15 ? mask_resident_id(run) : std::string(run);
    i = end;
  }
  return out;
}

bool resident_id_from_15(std::string_view first15, std::string& out) {
  if (first15.size() != 15 || !all_digits(first15)) return false;
  // GB 11643-1999: the 6-digit region, "19" and the two-digit year, month, day and the 3-digit
  // sequence make the 17 digits; the check character follows.
  out.assign(first15.substr(0, 6));
  out += "19";
  out += first15.substr(6);
  out += resident_id_check_char(out);
  return true;
}

bool check_resident_id(std::string_view raw, std::string& normalized, std::string& error, source::Lang lang) {
  const bool zh = lang == source::Lang::zh;
  // Excel's text prefix: a cell typed as '110101… keeps its digits as text, and some exports keep
  // the apostrophe. It is no part of the number.
  const std::string_view text = raw.starts_with('\'') ? raw.substr(1) : raw;
  const auto fail = [&](const std::string& why) {
    error = masked_quoted(text) + (zh ? " 不是有效的居民身份证号码：" : " is not a valid resident ID number: ") + why;
    return false;
  };
  // A first-generation number: converted, its birth date (19YYMMDD) checked.
  if (text.size() == 15 && all_digits(text)) {
    const int year = 1900 + to_int(text.substr(6, 2));
    const int month = to_int(text.substr(8, 2));
    const int day = to_int(text.substr(10, 2));
    if (!calendar::make_date(year, month, day)) {
      const std::string reason = birth_date_reason(year, month, day, lang);
      return fail(zh ? "它是15位的第一代身份证号码，但其中的出生日期（第7-12位）不存在" + (reason.empty() ? "" : "（" + reason + "）")
                     : "it has 15 digits, the form of a first-generation ID number, but its birth date (digits 7-12) "
                       "does not exist" + (reason.empty() ? "" : " (" + reason + ")"));
    }
    resident_id_from_15(text, normalized);
    return true;
  }
  // The common case: 17 digits and a digit or X. Everything else is diagnosed below.
  const bool shaped = text.size() == kIdLength && all_digits(text.substr(0, 17)) &&
                      (is_digit(text[17]) || text[17] == 'X' || text[17] == 'x');
  if (!shaped) {
    if (const auto why = shape_problem(text, lang)) return fail(*why);
  }

  // 18 ASCII characters from here on.
  const char expected = resident_id_check_char(text.substr(0, 17));
  const char given = text[17] == 'x' ? 'X' : text[17];
  if (given != expected && text.substr(15) == "000") {
    return fail(zh ? "它以 000 结尾且校验码不对：末几位数字因 Excel 只保留 15 位有效数字而丢失；请把该列设为文本格式，"
                     "重新录入或导入号码后再导出"
                   : "it ends in 000 and its check character is wrong: the last digits were lost to Excel's "
                     "15-digit precision; format the column as text, enter or import the numbers again and "
                     "export again");
  }
  // The reason may name the year and month of the birth date, never the whole date: the masked
  // form hides exactly digits 7-14, and together they would show the whole number.
  const int year = to_int(text.substr(6, 4));
  if (year < kMinBirthYear) {
    return fail(zh ? "其中的出生日期（第7-14位）早于1800年" : "its birth date (digits 7-14) is before the year 1800");
  }
  const int month = to_int(text.substr(10, 2));
  const int day = to_int(text.substr(12, 2));
  if (!calendar::make_date(year, month, day)) {
    const std::string reason = birth_date_reason(year, month, day, lang);
    return fail(zh ? "其中的出生日期（第7-14位）不存在" + (reason.empty() ? "" : "（" + reason + "）")
                   : "its birth date (digits 7-14) does not exist" + (reason.empty() ? "" : " (" + reason + ")"));
  }
  if (given != expected) {
    return fail(zh ? std::string("校验码是 '") + given + "'，但按前17位算出的应为 '" + expected + "'：可能有一位数字录错"
                   : std::string("the check character is '") + given + "', but the first 17 digits give '" + expected +
                         "'; a digit was probably mistyped");
  }
  normalized.assign(text);
  normalized[17] = given;
  return true;
}

IdCheckResult check_resident_id(std::string_view text, source::Lang lang) {
  IdCheckResult r;
  r.ok = check_resident_id(text, r.normalized, r.error, lang);
  if (!r.ok) r.normalized.clear();
  return r;
}

}  // namespace rules::model
