#pragma once
/// `policy batch`: evaluate a pack for every row of a roster. Every input row gives exactly one
/// output row, in input order; a bad row never stops the run. Streaming: memory is bounded by
/// two rounds of 4 x `jobs` blocks (a block: at most block_rows rows and about block_bytes
/// bytes, or one row of at most kMaxRowBytes, record_source.h: a larger row is an error row whose
/// cells are not read), whatever the roster's length or width. Output is identical whatever the
/// number of jobs.

#include <cstddef>
#include <functional>
#include <istream>
#include <optional>
#include <ostream>
#include <string>
#include <variant>
#include <vector>

#include "batch/roster_reader.h"
#include "calendar/date.h"
#include "engine/engine.h"
#include "source/diagnostic.h"
#include "source/lang.h"

namespace rules::batch {

/// How results are written.
enum class OutputFormat {
  /// The input columns, the evaluation date (评估日期, `as_of`), one column per output, then the
  /// row's status (状态) and its message (说明): for people by default, in the machine form with
  /// BatchOptions::names (see there).
  csv,
  /// One JSON object per row, always the machine form: row, as_of, status (ok, unknown, error),
  /// error, values, unknown, errors.
  jsonl,
  /// An Excel workbook (BatchOptions::xlsx_path; `out` is not written), for people: sheet 结果 with
  /// the CSV's columns (for people) as typed cells (dates as dates, ID numbers and 学号 as text) and
  /// a 剩余天数 column beside each deadline, rows coloured by their nearest deadline; 需处理, the
  /// rows needing attention, most urgent first; 汇总, the run's summary; 依据, the rules used and
  /// their citations (xlsx_writer.h).
  xlsx,
};

/// The CSV output's character encoding. `automatic` and `utf8_bom`: UTF-8 starting with a BOM,
/// so that Chinese Excel opens it right; `utf8`: UTF-8 without a BOM (for programs); `gb18030`:
/// GB18030 without a BOM. JSON Lines is always UTF-8 without a BOM (RFC 8259).
enum class OutputEncoding { automatic, utf8, utf8_bom, gb18030 };

/// Options of a batch run.
struct BatchOptions {
  Encoding encoding = Encoding::automatic;
  bool excel_serial_dates = false;     ///< read bare numbers in date columns as Excel 1900 serials
  OutputFormat format = OutputFormat::csv;
  OutputEncoding output_encoding = OutputEncoding::automatic;
  /// Threads evaluating rows, the one reading and writing included: it evaluates once its
  /// reading and writing is done, so that N jobs keep N cores busy. Output is the same for any number.
  unsigned jobs = 1;
  calendar::Date as_of;                ///< evaluation date in the policy time zone
  /// Outputs to write, by name or label; status is over these. When empty: every output the
  /// roster can decide, i.e. each fact it needs (Engine::facts_needed) has a column, but guidance
  /// text (BatchSummary::left_out names the others and the columns that would bring them in).
  std::vector<std::string> outputs;
  std::size_t block_rows = 1024;       ///< rows handed to a thread at a time, at most
  /// A block also ends once its rows hold this many bytes, so that memory stays bounded for wide
  /// rosters too (hundreds of columns): about 2 rounds x 4 x jobs x (this + its output).
  std::size_t block_bytes = std::size_t{1} << 18;
  /// Input combinations each evaluating thread remembers: each output column's CSV text per set
  /// of facts its evaluation read (EvalOptions::track_reads). Date and enum cells are remembered
  /// by their text as well. 0: every row is read, evaluated and written in full (the output is
  /// the same either way).
  std::size_t memo_entries = 16384;
  /// The language of row errors and of the summary's notes (summary_notes): 中文 by default; the
  /// CLI sets it from the run's language (--lang, the pack's).
  source::Lang lang = source::Lang::zh;
  /// The spreadsheet row (1-based) holding the header; the rows above it are title rows. 0: the
  /// first row, or, when it names no fact, the first of the next 10 rows that names one (a title
  /// such as 某某大学2025年退役复学学生名单 above the header). CSV output passes title rows through
  /// as they are, above its header line, so that the result's rows are the roster's; JSON Lines
  /// leaves them out.
  std::size_t header_row = 0;
  /// CSV in the machine form, for programs: output names as headers, then `as_of`, `status`
  /// (ok, unknown, error) and `error`; enum value names, true/false, ISO 8601 periods, windows
  /// `[a .. b]`, lists `[a, b]`. Otherwise (the default) for people: the outputs' labels as
  /// headers and 评估日期, 状态 (正常, 待补充, 错误) and 说明 (`lang` en: as_of, status with ok,
  /// unknown, error, and error), enum labels and model::append_value_for_people's forms.
  bool names = false;
  /// A split of a roster, as a cluster runs it (docs/cluster.md): the header row to use when the
  /// input has none (`policy batch --header-file`, `--columns`): its cells, and `header_name`, the
  /// name its messages give (the header file's). The input's rows are all data then (no title
  /// rows; not with header_row), except a first row whose cells are this header's (after
  /// trimming): the first split of a roster starts with the header, and it is skipped. Give
  /// `encoding` too: a split cannot tell GB18030 from UTF-8 the way the whole file would.
  std::optional<Record> header;
  std::string header_name;
  /// The number the first row after the header gets in messages and JSON Lines' `row` (`policy
  /// batch --first-row`), the rows after it counting on from there (blank lines too, as always):
  /// a split that starts at row N of the roster numbers its rows as the whole run does. 0: as
  /// read (the header's row + 1; a split with a `header` given: its own line 1).
  std::size_t first_row = 0;
  /// CSV output: whether it starts with its BOM, title rows and header line. false (`policy batch
  /// --no-output-header`): only the rows, so that the outputs of a roster's splits, concatenated,
  /// are byte for byte the whole run's output without its header. JSON Lines has none anyway.
  bool output_header = true;
  /// OutputFormat::xlsx: the file to write (libxlsxwriter writes a file by its path, not a stream).
  std::string xlsx_path;
  /// OutputFormat::xlsx: the school's parameters file (--params) as the summary sheet names it;
  /// empty: the pack's defaults.
  std::string params_file;
  /// OutputFormat::xlsx: a deadline at most this many days after the evaluation date is 即将到期
  /// (coloured, and its row goes to the worklist): `policy batch --remind-days`. Unset: the
  /// pack's integer parameter `worklist_remind_days` when it declares one (a school sets it in its
  /// --params file; 0 to 3650, else `load_bad_value` at the value), else 30.
  std::optional<int> remind_days;
};

/// An output that the roster's columns cannot always decide: some fact it needs (Engine::facts_needed) has no column.
struct OutputGap {
  std::string name;                           ///< the output's name
  std::string label;                          ///< its label (the name when it has none)
  std::vector<std::uint32_t> missing_facts;   ///< facts it needs that no column gives (indices into policy().facts, ascending)
};

/// What happened to the rows.
struct BatchSummary {
  std::size_t rows = 0, ok = 0, unknown = 0, error = 0;
  std::vector<std::pair<std::size_t, std::string>> first_errors;  ///< (row, message), at most 10
  Encoding encoding = Encoding::utf8;                              ///< the input's, after detection
  std::string sheet;  ///< the workbook's sheet the rows were read from (RecordSource::sheet); empty for CSV
  std::vector<std::pair<std::string, std::string>> mapped;         ///< (column header, fact name)
  std::vector<std::string> passed_through;                         ///< headers that name no fact
  /// The spreadsheet row the header was read from (rows above it were title rows), and whether
  /// it was found by looking past a first row that named no fact (BatchOptions::header_row 0).
  std::size_t header_row = 1;
  bool header_found_below = false;
  std::size_t title_rows = 0;  ///< non-blank rows above the header (passed through to CSV output)
  /// A header that names no fact but looks like one that does (header_suggestion).
  struct HeaderSuggestion {
    std::size_t column = 0;  ///< 0-based
    std::string header;      ///< as written
    std::string known;       ///< the accepted header it resembles
  };
  std::vector<HeaderSuggestion> suggestions;
  /// Rows that are not errors but whose `error` text warns about a bad cell no output written
  /// reads (an ID number Excel damaged): their answers were computed.
  std::size_t warned = 0;
  /// Rows counted as unknown whose cells of every fact the outputs written read are empty (a
  /// footer: 合计：5人, 制表人; or a student not yet filled in), and the first three of them.
  std::size_t rows_without_facts = 0;
  std::vector<std::size_t> first_rows_without_facts;
  /// A column of which more than half the non-empty cells look damaged by Excel (an ID number
  /// in scientific notation, 1.10101E+17, or 15 digits or more ending in 000 that fail the check).
  struct DamagedColumn {
    std::size_t column = 0;  ///< 0-based
    std::string header;
    std::size_t damaged = 0, filled = 0;  ///< damaged and non-empty cells
    bool needed = false;                  ///< an output written reads its fact (its bad cells were row errors)
  };
  std::vector<DamagedColumn> damaged_columns;
  /// A workbook's merged areas that span rows below the header (RecordSource::merged_rows): the
  /// rows under the first read blank in those columns. The first few, each with the header of its
  /// first column, and how many there are in all.
  struct MergedRows {
    MergedArea area;
    std::string header;
  };
  std::vector<MergedRows> merged;
  std::size_t merged_total = 0;  ///< among the first RecordSource::kMaxMergedAreas the sheet lists
  bool merged_more = false;      ///< the sheet lists more areas than those
  calendar::Date as_of;                                            ///< the evaluation date of every row
  /// Outputs not written by default (no --outputs) because some fact they read has no column,
  /// with those facts: the columns that would bring each in. Empty with `outputs` given.
  std::vector<OutputGap> left_out;
  /// Outputs asked for (`outputs`) that read a fact no column gives: rows that need it stay
  /// undecided (written as asked).
  std::vector<OutputGap> undecidable;
  std::size_t outputs_written = 0;                                 ///< output columns written (0: none could be decided)
  std::size_t worklist = 0;  ///< OutputFormat::xlsx: rows on the 需处理 sheet (overdue, due within remind_days, errors)
  /// OutputFormat::xlsx: per rule (index into policy().rules), the rows some value of which that
  /// rule gave (an output written, or one they read): the workbook's 依据 lists these rules.
  std::vector<std::size_t> rule_rows;
};

/// The summary's notes about the header and the columns, one line each, in `lang`: title rows
/// skipped (第1行是标题行…), headers that look like accepted ones (第1行 C列（退役日其）未被读取：是否应为
/// “退役日期”？), rows with warnings only, columns Excel damaged, merged cells spanning rows, rows
/// with nothing the outputs read (a footer). Empty when there is nothing to say.
std::vector<std::string> summary_notes(const BatchSummary& summary, source::Lang lang);

/// Warnings about the outputs asked for that read a fact no column gives (BatchSummary::undecidable),
/// one line per set of missing columns naming the outputs that wait for it (警告：名单中没有 退役日期
/// 这一列，所选输出“入学资格/学籍保留至”、…等11项要读它…), in `lang`. What summary_text and the
/// workbook's 汇总 say.
std::vector<std::string> undecidable_notes(const BatchSummary& summary, const engine::Engine& engine, source::Lang lang);

/// For a CSV result meant for people: a note (one line, in `lang`, no "\n") naming the roster's
/// columns that hold identifying numbers (holds_identifiers: 身份证号, 学号), which Excel damages
/// when it opens the CSV, and saying to write a workbook instead (-o 结果.xlsx). Empty when the
/// roster has no such column.
std::string csv_identifier_note(const BatchSummary& summary, const engine::Engine& engine, source::Lang lang);

/// The run's summary for people, in `lang`, one line each ending in "\n": first the evaluation
/// date and the counts (with the rate, from `secs` seconds), then which columns were read as which
/// facts and which passed through, the notes of summary_notes, the outputs left out by default
/// with the columns that would bring each in (or that none could be decided), the outputs asked
/// for that read a fact no column gives, and the first rows with errors. Roster text (headers) is
/// escaped (source::escape_controls). What `policy batch` prints on standard error.
std::string summary_text(const BatchSummary& summary, const engine::Engine& engine, source::Lang lang, double secs);

/// The accepted header (a fact's name, label or CSV header, as given in `known`) that `header`
/// most resembles, if any: after trimming and folding full-width forms to ASCII (and ASCII case),
/// equal, or at most 1 code point apart (insertions, deletions, substitutions) when the shorter of
/// the two has 3-4 code points, 2 when 5 or more; or `header` is a known one with an annotation
/// around it (退役日期(年月日), *退役日期). The closest wins, then the first in `known`. nullopt for
/// an empty header.
std::optional<std::string> header_suggestion(std::string_view header, const std::vector<std::string>& known);

/// Whether an ID cell looks damaged by Excel: a number in scientific notation (1.10101E+17) or 15
/// digits or more ending in 000 (digits lost after the 15th) that fail the GB 11643 check.
bool excel_damaged_id(std::string_view cell);

/// Progress: rows done so far and bytes read (called from the reading thread after each round).
using Progress = std::function<void(std::size_t rows, std::uint64_t bytes)>;

/// Runs the batch. Returns the summary, or diagnostics when the pack's outputs named in
/// `options.outputs` do not exist or the header cannot be used (no column maps to a fact, two
/// columns map to one fact, a column without a header, a column named like one the CSV output
/// adds): codes `batch_bad_header`, `batch_duplicate_column`, `batch_empty_header`,
/// `batch_column_clash` (one for all such columns), `batch_unknown_output` (nothing is written
/// then); `batch_bad_csv` when the CSV structure breaks mid-file and `batch_io` when reading
/// `in` fails (RosterReader::read_error: the message gives the reason) or writing fails (the rows
/// before it may have been written: the CLI's -o keeps no such file, unless -o names a device or
/// pipe, which is written in place); `batch_xlsx_write` when libxlsxwriter fails to write the
/// workbook (OutputFormat::xlsx).
std::variant<BatchSummary, std::vector<source::Diagnostic>> run_batch(const engine::Engine& engine, std::istream& in,
                                                                      const std::string& input_name, std::ostream& out,
                                                                      const BatchOptions& options,
                                                                      const Progress& progress = {});

/// The same, reading the roster's records from `records` (a RosterReader, or an XlsxReader for a
/// workbook): everything after reading (header, title rows, cells, IDs, rows out = rows in) is
/// the same for every format. The failure of `records` is a diagnostic with the source's code
/// (SourceFailure: `batch_io`, `batch_bad_csv`, `batch_not_csv`, `xlsx_*`), at `input_name`.
/// A cell holding a spreadsheet error value (Record::error_fields) is a bad cell of its row.
std::variant<BatchSummary, std::vector<source::Diagnostic>> run_batch(const engine::Engine& engine, RecordSource& records,
                                                                      const std::string& input_name, std::ostream& out,
                                                                      const BatchOptions& options,
                                                                      const Progress& progress = {});

}  // namespace rules::batch
