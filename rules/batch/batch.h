#pragma once
/// `policy batch`: evaluate a pack for every row of a roster. Every input row gives exactly one
/// output row, in input order; a bad row never stops the run. Streaming: memory is bounded by
/// two rounds of 4 x `jobs` blocks (a block: at most block_rows rows and about block_bytes
/// bytes), whatever the roster's length or width. Output is identical whatever the number of jobs.

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
  /// CSV in the machine form, for programs: output names as headers, then `as_of`, `status`
  /// (ok, unknown, error) and `error`; enum value names, true/false, ISO 8601 periods, windows
  /// `[a .. b]`, lists `[a, b]`. Otherwise (the default) for people: the outputs' labels as
  /// headers and 评估日期, 状态 (正常, 待补充, 错误) and 说明 (`lang` en: as_of, status with ok,
  /// unknown, error, and error), enum labels and model::append_value_for_people's forms.
  bool names = false;
  /// The language of the words CSV for people adds (its column names, statuses, 是/否, period
  /// units); the pack's labels are written as the pack gives them.
  source::Lang lang = source::Lang::zh;
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
  std::vector<std::pair<std::string, std::string>> mapped;         ///< (column header, fact name)
  std::vector<std::string> passed_through;                         ///< headers that name no fact
  calendar::Date as_of;                                            ///< the evaluation date of every row
  /// Outputs not written by default (no --outputs) because some fact they read has no column,
  /// with those facts: the columns that would bring each in. Empty with `outputs` given.
  std::vector<OutputGap> left_out;
  /// Outputs asked for (`outputs`) that read a fact no column gives: rows that need it stay
  /// undecided (written as asked).
  std::vector<OutputGap> undecidable;
  std::size_t outputs_written = 0;                                 ///< output columns written (0: none could be decided)
};

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
/// pipe, which is written in place).
std::variant<BatchSummary, std::vector<source::Diagnostic>> run_batch(const engine::Engine& engine, std::istream& in,
                                                                      const std::string& input_name, std::ostream& out,
                                                                      const BatchOptions& options,
                                                                      const Progress& progress = {});

}  // namespace rules::batch
