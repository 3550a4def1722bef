#include "source/diagnostic.h"

#include <algorithm>
#include <tuple>

namespace rules::source {

Diagnostic diagnostic_at(std::string code, std::string file, Position at, std::string message, std::string message_zh) {
  Diagnostic d;
  d.code = std::move(code);
  d.span.file = std::move(file);
  d.span.begin = at;
  d.span.end = at;
  d.message = std::move(message);
  d.message_zh = std::move(message_zh);
  return d;
}

std::string format_diagnostic(const Diagnostic& d, Lang lang) {
  std::string out = escape_controls(d.span.file);
  if (d.span.begin.line != 0) {
    out += ':' + std::to_string(d.span.begin.line) + ':' + std::to_string(d.span.begin.column);
  }
  out += std::string(pick(lang, ": 错误[", ": error[")) + d.code + "]: " + escape_controls(d.message_in(lang));
  for (const auto& n : d.notes) out += std::string(pick(lang, "\n    注：", "\n    note: ")) + escape_controls(n);
  return out;
}

std::string escape_controls(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  const auto hex = [](std::string& out, std::string_view prefix, unsigned value, int digits) {
    out += prefix;
    for (int d = digits - 1; d >= 0; --d) out += kHex[(value >> (4 * d)) & 0xF];
  };
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    const auto next = [&](std::size_t k) { return i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0u; };
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7F) {
      hex(out, "\\x", c, 2);
    } else if (c == 0xC2 && next(1) >= 0x80 && next(1) <= 0x9F) {  // U+0080..U+009F: C1, 0x9B is CSI
      hex(out, "\\u", next(1), 4);
      ++i;
    } else if (c == 0xE2 && next(1) == 0x80 && (next(2) == 0xA8 || next(2) == 0xA9)) {  // U+2028, U+2029
      hex(out, "\\u", 0x2000u | (next(2) - 0x80u), 4);
      i += 2;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}


void sort_diagnostics(std::vector<Diagnostic>& ds) {
  std::stable_sort(ds.begin(), ds.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.span.file, a.span.begin, a.code) < std::tie(b.span.file, b.span.begin, b.code);
  });
}

namespace {
bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }
}  // namespace

std::uint32_t column_of(std::string_view line_text, std::size_t byte_offset) {
  std::uint32_t col = 1;
  const std::size_t end = std::min(byte_offset, line_text.size());
  for (std::size_t i = 0; i < end; ++i) {
    if (!is_continuation(line_text[i])) ++col;
  }
  // A byte offset inside a multi-byte character points at that character.
  if (end > 0 && end < line_text.size() && is_continuation(line_text[end])) --col;
  return col;
}

std::size_t byte_offset_of(std::string_view line_text, std::uint32_t column) {
  std::size_t i = 0;
  for (std::uint32_t c = 1; c < column && i < line_text.size(); ++c) {
    ++i;
    while (i < line_text.size() && is_continuation(line_text[i])) ++i;
  }
  return i;
}

}  // namespace rules::source
