#pragma once
/// UTF-8 text at the edges: checking it, and writing it as a JSON string literal.

#include <cstddef>
#include <string>
#include <string_view>

namespace rules::source {

/// Whether `text` is valid UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above
/// U+10FFFF). `complete_prefix`, when given, receives the length of the longest valid prefix
/// (where a bad or truncated sequence starts).
bool valid_utf8(std::string_view text, std::size_t* complete_prefix = nullptr);

/// The first character of `text` (RFC 3629: no overlong forms, no surrogates, nothing above
/// U+10FFFF): returns its length (1-4) with `well_formed` true; when `text` starts with an
/// ill-formed sequence, the length of its maximal subpart (Unicode §3.9, D93b: the lead byte and
/// the bytes after it a well-formed sequence could have there; at least 1) with `well_formed`
/// false. 0 for empty text.
std::size_t utf8_sequence(std::string_view text, bool& well_formed);

/// Appends `text` to `out` as a JSON string literal (RFC 8259 §7), quotes included: `"` and `\`
/// escaped, the control characters U+0000-U+001F as \b \f \n \r \t or \u00XX, everything else
/// (Chinese included) as it stands in UTF-8. Each maximal subpart of an ill-formed sequence
/// (Unicode §3.9, D93b) is replaced by one U+FFFD. Byte for byte what nlohmann::json's dump()
/// writes with error_handler_t::replace and ensure_ascii off (a test holds them equal), so that
/// documents written by hand and by nlohmann read the same; about ten times faster on Chinese
/// text, which nlohmann decodes code point by code point.
void append_json_string(std::string& out, std::string_view text);

/// The width of `text` on a terminal or in Excel's column units, roughly: 2 per CJK (wide)
/// character, 1 per other character (UTF-8 sequences of 3 or 4 bytes count as wide). The result
/// workbook's column widths and policy --help's columns use it.
std::size_t display_width(std::string_view text);

/// append_json_string into a new string.
std::string json_string(std::string_view text);

}  // namespace rules::source
