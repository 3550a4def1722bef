#pragma once
/// Reading one cell of a roster (a CSV exported from Excel, issue 4) as a value of a fact's type.
/// The cell's text is already decoded to UTF-8 and CSV-unquoted; these functions know the
/// spellings Excel and its users produce: five date forms, Excel serial dates, 是/否, numbers
/// written as "12.0", resident ID numbers. Pure functions.
///
/// Every error message names the value in single quotes and says what was expected; a value that
/// contains a run of 15 or more digits (which may be an ID or bank card number) is shown masked
/// by `mask_resident_id`, and control characters (line breaks, ESC) escaped by `escape_controls`.
/// Messages do not name the column: the caller adds it.

#include <span>
#include <string>
#include <string_view>

#include "model/cell_text.h"
#include "model/policy.h"
#include "model/type.h"
#include "model/value.h"
#include "source/diagnostic.h"
#include "source/lang.h"

namespace rules::batch {

/// How cells are read, from the command line of `policy batch`.
struct CellOptions {
  /// `--excel-serial-dates`: a date cell may be an Excel 1900-system serial day number
  /// (1 = 1900-01-01, 45838 = 2025-06-30). Off by default, because a number in a date column is
  /// more often a mistake than a serial.
  bool excel_serial_dates = false;
  /// The language of error messages: the run's (`--lang`, the pack's language). 简体中文 by default.
  source::Lang lang = source::Lang::zh;
};

/// What a cell held.
enum class CellStatus {
  value,  ///< a value of the requested type, in `out`
  empty,  ///< empty or only whitespace: the fact is unknown for this row
  error,  ///< not a value of the type: `error` says why
};

/// `text` without the leading and trailing whitespace a spreadsheet cell may carry: ASCII
/// whitespace, U+00A0 and U+3000 (model::trim_text). The result views `text`.
inline std::string_view trim_cell(std::string_view text) { return model::trim_text(text); }

/// Headers and yes/no cells match in any ASCII letter case (model/policy.h).
using model::equals_ascii_ci;

/// Parses one roster cell as a value of type `t`; `enums` are the pack's enum sets (for
/// Kind::enumeration). The text is trimmed by `trim_cell` first, for every type. Dates, yes/no and
/// integers are read by model/cell_text.h, the functions `eval --set` and situation files use too.
/// - empty after trimming: returns `empty` and sets `out` to an unknown value whose missing-fact
///   set is empty (the caller adds the fact's bit);
/// - date: 2025-06-30, 2025/6/30, 2025.6.30 (the month and day of these three may have 1 or 2
///   digits), 2025年6月30日 or 2025年6月30号 (spaces allowed around the parts), 20250630 (exactly
///   8 digits), in ASCII or full-width digits and separators (２０２４年２月２９日); any of these followed by a midnight time of day as Excel writes date-time cells
///   ("2025/6/30 0:00", "2025-06-30 00:00:00"; another time of day is an error); with
///   `opt.excel_serial_dates` also an Excel serial day number 1..2958465 (1900-01-01 ..
///   9999-12-31), optionally followed by a fraction of zeros ("45838.0"). Serial 60 is Excel's
///   1900-02-29, a day that never existed, and an error. Impossible days (2023-02-29) and years
///   outside 0001..9999 are errors with calendar::make_date's reason;
/// - bool: 是/否, √/×, ✓/✗, 有/无, true/false, yes/no, Y/N (any letter case), 1/0
///   (model::parse_bool_text; 对/错 are ambiguous and not read);
/// - enumeration: a value name (in any ASCII letter case: Enrolled_Student), label or alias of enum
///   set `t.enum_id` (model::EnumDef::find_any_case, as for --set);
/// - integer: optional sign and decimal digits, optionally followed by a fraction of zeros as Excel
///   writes "12.0"; no exponents, no thousands separators; must fit in 64 bits;
/// - string and text: the trimmed text; `out` views `text`, which the caller keeps alive;
/// - resident_id: as `parse_resident_id_cell`, with `normalized` as its buffer;
/// - instant, period, time, month_day, window, list: model::parse_value on the trimmed text.
/// `normalized` is used only by resident_id cells; pass one buffer per column and keep it alive
/// as long as `out`.
/// On `error`, `out` is unchanged and `error` holds the message in `opt.lang`, e.g.
/// "'2025/13/01' is not a valid date: there is no month 13" / "'2025/13/01' 不是有效的日期：没有13月",
/// or "'45838' is not a date (...); it looks like an Excel serial date number: run with
/// --excel-serial-dates to read it as one".
/// `error` is only written on failure. A successful parse of a date, bool, enum, integer, string,
/// text or resident ID does not allocate (the last once `normalized` has grown to 18 bytes).
CellStatus parse_cell(std::string_view text, model::Type t, std::span<const model::EnumDef> enums,
                      const CellOptions& opt, model::Value& out, std::string& error, std::string& normalized);

/// At most this many bytes of a cell's value are quoted in a message (then `…`).
inline constexpr std::size_t kQuotedCellMax = model::kQuotedValueMax;

/// Control characters of roster text in messages are escaped by source::escape_controls.
using source::escape_controls;

/// `text` as a message shows a cell's value (model::quote_value): in single quotes, masked by
/// `mask_resident_id` when it holds 15 or more digits (it may be an ID or bank card number), cut
/// after kQuotedCellMax bytes (between characters) with `…`, its control characters escaped.
inline std::string quote_cell(std::string_view text) { return model::quote_value(text); }

/// Parses one roster cell as a Chinese resident ID number (居民身份证号码, Kind::resident_id):
/// trims like `parse_cell`, then checks with `check_resident_id` (resident_id.h), which also reads
/// a 15-digit first-generation number (converted to its 18 characters) and drops an Excel
/// apostrophe prefix. On `value`, `out` is a Kind::resident_id value (a string) of the 18
/// normalized characters: it views `text` when the text is already normalized, otherwise (a
/// lowercase check 'x', 15 digits, an apostrophe) it views `normalized`, which always holds the
/// normalized copy; the caller keeps both alive as long as `out` and reuses `normalized` between
/// cells so that it stops allocating. `empty` as for `parse_cell`. On `error`, `out` is unchanged
/// and the message, in `lang`, names the number only in masked form.
CellStatus parse_resident_id_cell(std::string_view text, std::string& normalized, model::Value& out,
                                  std::string& error, source::Lang lang = source::Lang::zh);

/// Whether a roster column's header names the student's 学号 (学号, 学生学号, 学籍号, 学生编号,
/// student_id, student id, student no.; ASCII case folded) or name (姓名, 学生姓名, name, student
/// name): the result workbook's worklist identifies a row by them, and writes a 学号 as text.
bool names_student_number(std::string_view header);
bool names_student_name(std::string_view header);

/// Whether a roster column holds numbers that identify a person, which Excel damages when it reads
/// them as numbers (a CSV opened in Excel: an 18-digit ID number becomes 1.10101E+17 and loses its
/// last digits, a 学号 its leading zeros): a column read as a fact of kind resident_id (`fact_kind`),
/// or a 学号 column (names_student_number, whatever fact reads it). The result workbook writes
/// these cells as text; `policy batch` warns when they go to a CSV.
bool holds_identifiers(std::string_view header, const model::Kind* fact_kind);

}  // namespace rules::batch
