#pragma once
/// Source positions and diagnostics shared by every stage of the pipeline (loader, checker,
/// situation reader). A diagnostic is a value: stages collect them instead of throwing.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "source/lang.h"

namespace rules::source {

/// A 1-based position in a named file. `column` counts Unicode code points, so a column
/// matches what an editor shows for UTF-8 text. `line == 0` means "no position known".
struct Position {
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  friend auto operator<=>(const Position&, const Position&) = default;
};

/// A half-open region [begin, end) of one file. `file` is the path as the user gave it (or
/// `<builtin>/...` for the embedded pack, `<command line>` for options).
struct Span {
  std::string file;
  Position begin;
  Position end;
};

/// A problem found in user input. `code` is stable snake_case with a phase prefix
/// (see docs/diagnostics.md, which lists each code's Chinese and English message); tests assert
/// code and position, and the wording only where it matters. Every diagnostic carries its
/// message in both languages: `message` in English, `message_zh` in Chinese (the same facts:
/// the value quoted, where, what was expected).
struct Diagnostic {
  std::string code;
  Span span;
  std::string message;             ///< English
  std::vector<std::string> notes;  ///< further lines, e.g. the members of a cycle (names, not prose)
  std::string message_zh = {};     ///< 中文
  /// The message in `lang` (the English one when no Chinese was written).
  const std::string& message_in(Lang lang) const { return lang == Lang::zh && !message_zh.empty() ? message_zh : message; }
};

/// A diagnostic at position `at` of `file` (a zero position means the file as a whole), with its
/// English and Chinese messages.
Diagnostic diagnostic_at(std::string code, std::string file, Position at, std::string message,
                         std::string message_zh);

/// Renders `file:line:col: 错误[code]: 消息` (Chinese) or `file:line:col: error[code]: message`
/// (English); notes follow on indented lines (注：/note:). Without a line the position part is
/// just `file:`. The file name, message and notes are shown through escape_controls: the only
/// line breaks are those between notes, and a value quoted in a message (a --set value, a file
/// name) cannot move the cursor or recolour the terminal.
std::string format_diagnostic(const Diagnostic& d, Lang lang = Lang::zh);

/// `text` with its control characters written as escapes, so that a message quoting user text
/// (a roster cell, a --set value, a file name) stays on one line and cannot drive a terminal:
/// line feed, carriage return and tab as `\n`, `\r`, `\t`; the other C0 controls and DEL as
/// `\xHH` (ESC is `\x1b`); the C1 controls U+0080..U+009F and the line and paragraph separators
/// U+2028, U+2029 as `\uHHHH`. Everything else, a backslash too, is kept as it is: messages are
/// for reading, not for decoding. The result holds no control character, so escaping it again
/// changes nothing.
std::string escape_controls(std::string_view text);

/// Sorts by file, then position, then code, so a run reports in reading order.
void sort_diagnostics(std::vector<Diagnostic>& ds);

/// Column (1-based, in code points) of byte offset `byte_offset` within `line_text`.
std::uint32_t column_of(std::string_view line_text, std::size_t byte_offset);

/// Byte offset of 1-based code-point column `column` within `line_text` (clamped to its size).
std::size_t byte_offset_of(std::string_view line_text, std::uint32_t column);

}  // namespace rules::source
