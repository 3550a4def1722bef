#pragma once
/// What the result workbook (xlsx_writer.cpp) and the template (xlsx_template.cpp) share: the
/// cell formats, Excel's date serials, cell text as libxlsxwriter takes it, and column widths.
/// Internal to rules/batch (includes libxlsxwriter).

#include <xlsxwriter.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "source/diagnostic.h"
#include "source/lang.h"
#include "source/utf8.h"

namespace rules::batch::xlsx {

/// How a result row is coloured: by its most urgent deadline (past, within the school's reminder
/// days, later), or as an error; plain when it has no deadline.
enum RowState : std::uint8_t { kPlain, kOverdue, kSoon, kLater, kFailed, kStates };
/// The number format of a cell: General, text (`@`, for ID numbers and 学号), a date
/// (`yyyy"年"m"月"d"日"`; `yyyy-mm-dd` in English), a whole number.
enum Base : std::uint8_t { kGeneral, kTextCell, kDateCell, kInteger, kBases };
/// The formats by base and row state.
using Formats = std::array<std::array<lxw_format*, kStates>, kBases>;

/// The date format of `lang`: `yyyy"年"m"月"d"日"` (zh) or `yyyy-mm-dd` (en).
const char* date_format(source::Lang lang);

/// Adds the formats to `wb`: `fmt` by base and state (fills: overdue light red, soon yellow, later
/// green, error grey, as Excel's own Bad/Neutral/Good styles), the header's (bold, filled, bordered)
/// and a bold one. False when libxlsxwriter cannot allocate one.
bool make_formats(lxw_workbook* wb, source::Lang lang, Formats& fmt, lxw_format*& header, lxw_format*& bold);
/// Adds a format of row state `state` (its fill and font colour, as make_formats) with number
/// format `num_format` (a format code; null: General) to `wb`; null when libxlsxwriter cannot
/// allocate it.
lxw_format* add_state_format(lxw_workbook* wb, RowState state, const char* num_format);

/// Days since 1970-01-01 of 1900-03-01, the first day whose Excel serial (1900 system) is right:
/// Excel counts a 1900-02-29 that never was.
inline constexpr std::int64_t kFirstSerialDay = -25508;

/// The Excel serial (1900 system) of the day `days` days after 1970-01-01 (at or after
/// kFirstSerialDay).
inline double serial(std::int64_t days) { return static_cast<double>(days + 25569); }

/// `zh` or `en` by `lang`, as a string.
inline std::string say(source::Lang lang, std::string_view zh, std::string_view en) {
  return std::string(lang == source::Lang::zh ? zh : en);
}

/// `text` as a cell takes it: NUL bytes dropped (libxlsxwriter takes C strings).
std::string cell_string(std::string_view text);

/// The width of `text` in Excel's column units, roughly (source/utf8.h).
using source::display_width;

/// The `batch_xlsx_write` diagnostic at `path` for libxlsxwriter's failure `e` in the step `what`
/// ("cannot write row 12" / "无法写入第12行"): the reason in both languages (libxlsxwriter's
/// own words in English; the common ones translated, the others quoted).
source::Diagnostic write_error(const std::string& path, std::string_view what_en, std::string_view what_zh, lxw_error e);

}  // namespace rules::batch::xlsx
