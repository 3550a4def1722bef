#pragma once
/// The result of `policy batch` as an Excel workbook (`-o result.xlsx`, `--format xlsx`), written
/// with Debian's libxlsxwriter in its constant-memory mode (each sheet's rows go to a temporary
/// file as they come; memory does not grow with the roster).
///
/// The seam with the batch core (batch.cpp): the evaluating threads encode each row's cells as
/// typed cells (XlsxRowCoder: text, date, number, enum value) into their block's buffer, formatting
/// values for people with the same functions as the CSV (model::append_value_for_people,
/// explain::fill_template); the reading thread hands each block, in row order, to XlsxResultWriter,
/// the only code that calls libxlsxwriter (which is not thread-safe). Sheets: 结果 (the rows),
/// 需处理 (the worklist: rows needing attention, most urgent first), 汇总 (the run's summary), 依据
/// (the rules used and their citations); Results, Worklist, Summary, Sources in English.

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "batch/batch.h"
#include "batch/roster_reader.h"
#include "calendar/date.h"
#include "engine/engine.h"
#include "source/diagnostic.h"
#include "source/lang.h"

namespace rules::batch {

/// The encoding of a result row's typed cells, shared by the evaluating threads (writers) and
/// XlsxResultWriter (the reader). A row: its spreadsheet row (u64), its status (u8: 0 ok, 1
/// unknown, 2 error), then one cell per input column, one per output written, the status text and
/// the message. A cell: a tag byte, then its payload; text ends with a NUL byte (libxlsxwriter
/// takes C strings), so a cell's text never holds one (dropped when encoding).
class XlsxRowCoder {
 public:
  /// The kinds of cell.
  enum Tag : std::uint8_t {
    kEmpty = 0,   ///< nothing
    kText = 1,    ///< u32 length, the bytes, NUL
    kDate = 2,    ///< i32 days since 1970-01-01 (calendar::Date)
    kNumber = 3,  ///< i64
    kEnum = 4,    ///< u32 the value's index in its enum, then its label as kText's payload
    kReal = 5,    ///< f64, u16 its number format (XlsxColumns::number_formats), then the cell's text as kText's payload: a number cell of the roster's workbook
  };
  /// Starts a row: spreadsheet row `row` (1-based, as the roster numbers it), status 0 ok, 1
  /// unknown, 2 error.
  static void begin_row(std::string& out, std::size_t row, std::uint8_t status);
  /// An empty cell (an unknown or not applicable value, an empty roster cell).
  static void empty(std::string& out) { out += static_cast<char>(kEmpty); }
  /// Text as it is (NUL bytes dropped): written as a text cell, never read as a number.
  static void text(std::string& out, std::string_view text);
  /// A date: written as Excel's serial day with the 年月日 format (as text before 1900-03-01,
  /// which the 1900 system cannot hold).
  static void date(std::string& out, calendar::Date d);
  /// A whole number (an integer output).
  static void number(std::string& out, std::int64_t n);
  /// A number as the roster's workbook held it (序号, 成绩, a 学号 typed as a number): written as a
  /// number in its number format (`format`: an index into XlsxColumns::number_formats, 0 General),
  /// so that it sorts, sums and shows as it did (85%, 1,234.50); `text` is the cell as the roster
  /// reads it (the worklist's 学号 and 姓名 copy it).
  static void real(std::string& out, double x, std::uint16_t format, std::string_view text);
  /// An enum value: its index (for the summary's counts) and its label as written.
  static void enumeration(std::string& out, std::uint32_t index, std::string_view label);

 private:
  /// kText's payload: u32 length, the bytes (NUL bytes dropped), NUL.
  static void payload(std::string& out, std::string_view text);
};

/// Everything the result workbook says about the run besides its rows.
struct XlsxRunInfo {
  std::string path;                ///< the file to write (libxlsxwriter needs a path, not a stream)
  std::string roster_name;         ///< as the diagnostics name it
  std::string params_file;         ///< the school's --params file; empty: the pack's defaults
  int remind_days = 30;            ///< a deadline within this many days of as_of is 即将到期
  calendar::Date as_of;
  source::Lang lang = source::Lang::zh;
};

/// The result workbook's columns: the input columns (headers as written, which fact each gives),
/// then the evaluation date, the outputs written (a deadline followed by its 剩余天数), the status
/// and the message.
struct XlsxColumns {
  std::vector<std::string> inputs;                       ///< input headers, as written
  std::vector<std::optional<std::uint32_t>> input_fact;  ///< per input column: the fact it gives
  std::vector<std::uint32_t> outputs;                    ///< output indices (pack().outputs)
  std::vector<std::string> output_headers;               ///< per output: its header (as in the CSV for people)
  std::string as_of_header, status_header, message_header;
  /// The roster workbook's number formats (RecordSource::number_formats; entry 0 General), which
  /// kReal cells name by index.
  std::vector<std::string> number_formats{std::string()};
};

/// Writes the result workbook, one block of encoded rows at a time, in row order. Every
/// libxlsxwriter failure becomes a `batch_xlsx_write` diagnostic (never an exception); after one,
/// further calls do nothing and return false. Memory: the worklist keeps 16 bytes per row needing
/// attention and spills the rows' identifying cells to a temporary file; everything else is
/// bounded (libxlsxwriter's constant-memory mode spills each sheet's rows to a temporary file).
class XlsxResultWriter {
 public:
  XlsxResultWriter(const engine::Engine& engine, XlsxRunInfo info);
  ~XlsxResultWriter();
  XlsxResultWriter(const XlsxResultWriter&) = delete;
  XlsxResultWriter& operator=(const XlsxResultWriter&) = delete;

  /// Creates the workbook and writes the result sheet's title rows (as the roster had them, in
  /// their rows) and header row (at `header_row`, 1-based: the rows keep the roster's numbers).
  bool begin(XlsxColumns columns, const std::vector<Record>& titles, std::size_t header_row);
  /// Writes the rows encoded in `block` (XlsxRowCoder), in order.
  bool write_rows(std::string_view block);
  /// Writes the worklist, summary and sources sheets and closes the workbook (the file is
  /// complete only then).
  bool finish(const BatchSummary& summary);
  /// Rows on the worklist (需处理) so far.
  std::size_t worklist_rows() const;
  /// What failed (`batch_xlsx_write`, at the output's path), when a call returned false.
  const std::vector<source::Diagnostic>& diagnostics() const { return diags_; }

 private:
  struct State;
  std::unique_ptr<State> state_;
  std::vector<source::Diagnostic> diags_;
};

/// Writes an empty roster workbook (`policy template`) to `path` for the facts `outputs` need
/// (Engine::facts_needed; indices into pack().outputs, empty: every output but guidance text), in
/// fact order after a 学号 and a 姓名 column (passed through by batch; its worklist shows them):
/// per fact a column headed by its label (which batch reads as that fact), a comment with its
/// help and the spellings accepted (model::expected_form), data validation where its type allows
/// (a list of an enum's labels or 是/否; dates 1900-01-01..9999-12-31; whole numbers; an ID
/// number's 18 characters), ID-number and 学号 columns formatted as text (`@`); then a sheet
/// 填写说明 (Instructions) saying how to fill it in, in `lang`. Returns `batch_xlsx_write`
/// diagnostics when writing fails (the file is then incomplete or absent).
///
/// With `question` (an index into policy().questions: `policy template --question ID`), the
/// outputs are that question's, its facts to ask first (`ask`) come first in its order, the facts
/// it decides (`given`) have columns too (a roster gives them per row), and 填写说明 names the
/// question.
std::vector<source::Diagnostic> write_template(const engine::Engine& engine, const std::vector<std::uint32_t>& outputs,
                                               const std::string& path, source::Lang lang,
                                               std::optional<std::uint32_t> question = std::nullopt);

}  // namespace rules::batch
