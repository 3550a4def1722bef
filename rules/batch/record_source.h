#pragma once
/// Where `policy batch` reads a roster's rows from: the records every roster format delivers
/// (CSV: RosterReader, roster_reader.h; an .xlsx workbook: XlsxReader, xlsx_reader.h), and the one
/// small interface run_batch reads them through, so that header detection, title rows, cell
/// parsing and ID checks know no file format.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rules::batch {

/// The most text one roster cell may hold (1 MiB), and one row, all its cells (16 MiB; a CSV row's
/// field separators count a byte each): in every format (a CSV file, an .xlsx workbook), so that a
/// single huge cell or row cannot take the memory of a run. A row beyond either is read as a row
/// of no cells whose decode_error says so (mark_too_large); the rows after it are read as usual.
/// Excel itself holds at most 32,767 characters in a cell.
inline constexpr std::size_t kMaxCellBytes = std::size_t{1} << 20;
inline constexpr std::size_t kMaxRowBytes = std::size_t{1} << 24;

/// The character encoding of a roster.
enum class Encoding {
  automatic,  ///< a UTF-8 BOM means UTF-8; else valid UTF-8 means UTF-8; else GB18030
  utf8,
  gb18030,    ///< GB 18030-2005, a superset of GBK and GB2312 (Excel's CSV on Chinese Windows)
};

/// "utf-8" or "gb18030".
const char* encoding_name(Encoding e);

/// One roster record: its fields as UTF-8 text in one buffer, and the row a spreadsheet shows it on.
/// CSV: every line break outside quotes (CRLF, LF or a lone CR) starts a row, so blank lines
/// (nothing but commas and spaces) count although they give no record; a line break inside a
/// quoted field stays in its cell. Workbook: the row number of the sheet (`<row r>`), rows with no
/// value giving no record. Trailing blank fields are dropped by both. Records are reused: their
/// buffers keep their capacity, so reading does not allocate per row once warmed up.
struct Record {
  std::size_t row = 0;
  std::string text;                 ///< the fields, one after another
  std::vector<std::uint32_t> ends;  ///< end offset of each field in `text`
  /// Set when the record could not be read as text: its bytes were not valid UTF-8 (its cells are
  /// kept, with the bad bytes), or it was larger than kMaxCellBytes / kMaxRowBytes (its cells were
  /// dropped: mark_too_large). The row must be reported as an error.
  std::optional<std::string> decode_error;
  /// The same in Chinese (set together with `decode_error`).
  std::optional<std::string> decode_error_zh;
  /// Quotes read literally in cells that did not start with one (外号"小明",其他): Excel would
  /// have quoted such a cell ("外号""小明"""), so the file was written by hand or by another
  /// program. The cells are read as they stand; the row deserves a warning. 0 for most rows.
  std::uint32_t literal_quotes = 0;
  /// Fields (0-based, ascending) whose cell holds a spreadsheet error value (#N/A, #DIV/0!, #REF!;
  /// ECMA-376 Part 1, 18.18.11 ST_CellType `e`) rather than data: the field's text is the error as
  /// the spreadsheet shows it. A fact's cell of this kind is a bad cell of the row. CSV: none.
  std::vector<std::uint32_t> error_fields;
  /// Fields (0-based, ascending) whose cell is a number (not a date) in the workbook: a column no
  /// fact reads is written back as a number (序号 sorts 1, 2, 10). CSV: none.
  std::vector<std::uint32_t> number_fields;
  /// Per entry of number_fields: the cell's number format, an index into the source's
  /// RecordSource::number_formats() (0: General), so that 85%, 1,234.50 come back as they were.
  std::vector<std::uint16_t> number_formats;
  /// Fields (0-based, ascending) whose cell is a date (a number in a date format, a whole day) in
  /// the workbook, given as YYYY-MM-DD: a column no fact reads (出生日期) is written back as a date.
  std::vector<std::uint32_t> date_fields;

  std::size_t size() const { return ends.size(); }
  std::string_view field(std::size_t i) const {
    const std::uint32_t b = i == 0 ? 0 : ends[i - 1];
    return std::string_view(text).substr(b, ends[i] - b);
  }
  void clear() {
    row = 0;
    text.clear();
    ends.clear();
    decode_error.reset();
    decode_error_zh.reset();
    literal_quotes = 0;
    error_fields.clear();
    number_fields.clear();
    number_formats.clear();
    date_fields.clear();
  }
  /// Whether field `i` holds a spreadsheet error value (error_fields).
  bool is_error_field(std::size_t i) const { return holds(error_fields, i); }
  /// Whether field `i` is a number cell of a workbook (number_fields).
  bool is_number_field(std::size_t i) const { return holds(number_fields, i); }
  /// The number format (an index into RecordSource::number_formats(); 0: General) of field `i`, a
  /// number cell (number_fields).
  std::uint16_t number_format(std::size_t i) const {
    for (std::size_t k = 0; k < number_fields.size() && k < number_formats.size(); ++k) {
      if (number_fields[k] == i) return number_formats[k];
    }
    return 0;
  }
  /// Whether field `i` is a date cell of a workbook (date_fields).
  bool is_date_field(std::size_t i) const { return holds(date_fields, i); }

 private:
  static bool holds(const std::vector<std::uint32_t>& fields, std::size_t i) {
    for (const auto f : fields) {
      if (f == i) return true;
    }
    return false;
  }
};

/// Makes `record` the row of `row` that was too large to read (kMaxCellBytes, kMaxRowBytes): no
/// cells, decode_error saying the limit with the code batch_row_too_large, in English and Chinese.
void mark_too_large(Record& record, std::size_t row);

/// Why a record source stopped before the end of its rows: a stable diagnostic code and the
/// message in both languages. The message says where (the row; for a workbook the part and cell,
/// "xl/worksheets/sheet1.xml: 单元格 C5：…") and what was expected.
struct SourceFailure {
  /// `batch_io` (reading the input failed), `batch_not_csv` (a workbook the source cannot read),
  /// `batch_bad_csv` (the CSV structure broke: before any header run_batch reports it as
  /// `batch_bad_header`), or a workbook's `xlsx_*` code (docs/diagnostics.md).
  std::string code;
  std::string message;     ///< English
  std::string message_zh;  ///< 简体中文
};

/// A merged area of a workbook's sheet (ECMA-376 Part 1, 18.3.1.55 mergeCell): only its top-left
/// cell holds a value, every other cell of it reads as blank. Columns 0-based, rows 1-based, as
/// Excel numbers them; inclusive.
struct MergedArea {
  std::uint32_t first_column = 0, first_row = 0, last_column = 0, last_row = 0;
};

/// A roster's records, one at a time, in the order of its rows. Not thread-safe.
class RecordSource {
 public:
  virtual ~RecordSource() = default;
  /// The next record into `out` (its buffers are reused); false at the end, or when the source
  /// stopped early (failure()).
  virtual bool next(Record& out) = 0;
  /// Why the source stopped early, if it did; the records before it were delivered.
  virtual std::optional<SourceFailure> failure() const = 0;
  /// The encoding the text was decoded from (a workbook's XML: utf8), named in header messages.
  virtual Encoding encoding() const = 0;
  /// Whether the rows come from a spreadsheet workbook (then encoding advice does not apply).
  virtual bool workbook() const { return false; }
  /// The name of the workbook's sheet the rows come from; empty for CSV.
  virtual std::string sheet() const { return {}; }
  /// The sheet's merged areas that span more than one row, the first `kMaxMergedAreas` of them in
  /// the order the sheet lists them, and how many there are in all: known once next() returned
  /// false (a sheet lists them after its rows). CSV: none.
  virtual std::pair<std::vector<MergedArea>, std::size_t> merged_rows() const { return {}; }
  static constexpr std::size_t kMaxMergedAreas = 65536;  // 1 MiB
  /// The number formats of the workbook's number cells that are not General (Record::number_formats
  /// indexes this; entry 0 is General, ""), as format codes (`0%`, `#,##0.00`): known once the
  /// first record is read, and unchanged after. CSV: just General.
  virtual const std::vector<std::string>& number_formats() const {
    static const std::vector<std::string> general{std::string()};
    return general;
  }
  /// Bytes of the input consumed so far, for progress against the input's size (a workbook:
  /// estimated from the sheet part's compressed size).
  virtual std::uint64_t bytes_read() const = 0;
};

/// The spreadsheet workbook whose first bytes `head` are, if it is one: Office Open XML (.xlsx,
/// .xlsm) is a zip archive ("PK\x03\x04", ECMA-376 Part 2, Annex C); OpenDocument (.ods) too,
/// but with the member "mimetype" first holding its media type (OpenDocument 1.2 Part 3, 3.3),
/// which shows within the first 128 bytes; Excel 97-2003 (.xls) and WPS (.et) are OLE2 compound
/// files (D0 CF 11 E0 A1 B1 1A E1). A zip that is not .ods counts as xlsx: its reader tells what
/// else it may be.
enum class WorkbookKind { none, xlsx, xls, ods };
WorkbookKind workbook_kind(std::string_view head);

}  // namespace rules::batch
