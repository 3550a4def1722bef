#pragma once
/// Reading a roster from an Excel workbook (.xlsx, .xlsm; also as WPS writes them): the zip
/// package is read with libzip, its XML parts with expat (streamed: no part is held whole but the
/// shared strings), following the parts ECMA-376 defines:
///   [Content_Types].xml and _rels/.rels (Part 2, 10.1 and 9.3: the main part, a workbook)
///   → xl/workbook.xml (Part 1, 18.2: the sheets, `workbookPr date1904`)
///   → the workbook's relationships (the chosen sheet's part name, the shared strings, the styles)
///   → the shared string table (18.4), the styles' cellXfs and numFmts (18.8.10, 18.8.30, 18.8.31)
///   → the worksheet part (18.3.1.99 sheetData, 18.3.1.73 row, 18.3.1.4 c).
/// It delivers the same Records as the CSV reader (record_source.h), row numbers as Excel shows
/// them, so that run_batch does everything else unchanged.
///
/// Cells (18.18.11 ST_CellType): shared strings (`s`), inline strings (`inlineStr`: the text of
/// its runs `<r><t>` joined, phonetic runs `<rPh>` dropped), formula strings (`str`), booleans
/// (`b`: TRUE/FALSE, as Excel's CSV writes them), errors (`e`: Record::error_fields), ISO 8601
/// dates (`d`, Strict), numbers (`n`). A formula cell is read by its cached value `<v>`. A number
/// whose cell format is a date format (xlsx_date_format) is a date, in the workbook's date system,
/// given as ISO text `YYYY-MM-DD` (`YYYY-MM-DD HH:MM:SS` when it has a time of day); any other
/// number as the shortest text that reads back as the same double (std::to_chars), in plain
/// digits from 1e-6 to 1e21 (2021001, 2020000000, 0.1, 0.000123; 1e-07, 1.5e+21 outside).
///
/// A hostile or broken workbook stops the reader with a stable code (SourceFailure; all in
/// docs/diagnostics.md) and a message naming the part and, inside a sheet, the cell:
/// `xlsx_bad_zip` (not a readable zip), `xlsx_missing_part` (a part the package names, or must
/// have, is absent), `xlsx_not_workbook` (a zip package of another kind: a Word document, an .ods),
/// `xlsx_no_sheet` (no sheet, or none of the name asked), `xlsx_too_large` (a part inflates past
/// its cap or its compression ratio, checked while inflating, never trusting the sizes the zip
/// states; a cell or row past its cap), `xlsx_dtd` (a DTD: refused, so no entity expansion),
/// `xlsx_bad_xml` (malformed XML, a number that is none, a bad index of a shared string or
/// style), `xlsx_bad_ref` (a cell reference beyond XFD1048576, rows or cells out of order).
/// Memory stays flat in the sheet's length: only the shared strings are held (capped).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "batch/record_source.h"

namespace rules::batch {

/// How a workbook is read, and its caps (uncompressed bytes).
struct XlsxOptions {
  /// The sheet to read, by its name as its tab shows it; empty: the first sheet of the workbook.
  std::string sheet;
  std::uint64_t max_sheet_bytes = std::uint64_t{1} << 30;          ///< the worksheet part: 1 GiB
  std::uint64_t max_shared_strings_bytes = std::uint64_t{1} << 28;  ///< the shared string table: 256 MiB
  std::uint64_t max_part_bytes = std::uint64_t{1} << 26;           ///< any other part read: 64 MiB
  /// Inflated bytes per compressed byte a part may reach, checked once it has inflated
  /// `ratio_floor` bytes (small parts of repeated text compress well and are harmless). Real
  /// sheets stay far below it (5 to 15; a million empty styled rows: 9); a bomb sits near
  /// deflate's limit of about 1032. Apache POI's default is the same (ZipSecureFile, 0.01).
  double max_ratio = 100;
  std::uint64_t ratio_floor = std::uint64_t{1} << 24;  ///< 16 MiB
  /// The text of one cell (Excel's own limit is 32,767 characters, up to 3 bytes each in UTF-8)
  /// and of one row, all its cells: a sheet's row past either is delivered as a row too large to
  /// read (mark_too_large: no cells, an error row), the rows after it as usual. A shared string
  /// past max_cell_bytes stops the read (`xlsx_too_large`): the table is read before any row.
  std::size_t max_cell_bytes = kMaxCellBytes;
  std::size_t max_row_bytes = kMaxRowBytes;
  /// Whether the sheet is inflated and parsed on a thread of its own, a few blocks of records
  /// ahead of the caller's next() (bounded: memory stays flat). The records and the failure are
  /// the same either way; off, next() parses on the caller's thread.
  bool read_ahead = true;
};

/// Whether Excel number format `code` (the format code of ECMA-376 Part 1, 18.8.31) shows a date
/// or time: date or time tokens (y, m, d, h, s, e, g) outside quoted text ("年"), bracketed parts
/// ([$-804], [Red]; [h] [m] [s] elapsed times count), escaped characters (\年) and `_x` `*x`, in
/// its first section. yyyy"年"m"月"d"日", yyyy/m/d and [$-804]yyyy年m月d日 are dates; 0.00, @,
/// General, "年"0 are not.
bool xlsx_date_format(std::string_view code);

/// Whether built-in number format `id` (ECMA-376 Part 1, 18.8.30) is a date or time format: 14-22,
/// 27-36, 45-47, 50-58 (the last ones are the East Asian date formats of Chinese Excel).
bool xlsx_builtin_date_format(std::uint32_t id);

/// The format code of built-in number format `id` that is not a date (ECMA-376 Part 1, 18.8.30):
/// 1 `0`, 2 `0.00`, 3 `#,##0`, 4 `#,##0.00`, 9 `0%`, 10 `0.00%`, 11 `0.00E+00`, 12 `# ?/?`,
/// 13 `# ?\?/??` (that is, # ??/??), 37-40 the accounting forms, 48 `##0.0E+0`, 49 `@`; empty for General (0), a
/// date format, or an id the standard does not define.
std::string_view xlsx_builtin_number_format(std::uint32_t id);

/// The records of one sheet of an .xlsx workbook. Opening reads the package's structure, the shared
/// strings and the styles; `next` then streams the sheet (XlsxOptions::read_ahead: from a thread
/// of its own, started by the first next() and stopped by the destructor, whenever the caller
/// stops reading). A workbook that cannot be read gives a reader whose failure() says why and
/// whose next() returns false. Not thread-safe: one caller at a time.
class XlsxReader final : public RecordSource {
 public:
  /// Reads the workbook in file `path` (a regular file: libzip seeks in it).
  static std::unique_ptr<XlsxReader> open_file(const std::string& path, const XlsxOptions& options = {});
  /// Reads the workbook whose bytes are `bytes` (from standard input, a pipe, an HTTP body); the
  /// caller keeps them alive as long as the reader.
  static std::unique_ptr<XlsxReader> open_memory(std::string_view bytes, const XlsxOptions& options = {});
  ~XlsxReader() override;
  XlsxReader(const XlsxReader&) = delete;
  XlsxReader& operator=(const XlsxReader&) = delete;

  bool next(Record& out) override;
  std::optional<SourceFailure> failure() const override;
  Encoding encoding() const override { return Encoding::utf8; }
  bool workbook() const override { return true; }
  std::string sheet() const override { return sheet_name(); }
  std::uint64_t bytes_read() const override;
  std::pair<std::vector<MergedArea>, std::size_t> merged_rows() const override;
  const std::vector<std::string>& number_formats() const override;

  /// The sheets of the workbook in tab order, and the one read (empty when it failed before).
  const std::vector<std::string>& sheet_names() const;
  const std::string& sheet_name() const;
  /// The part name of the sheet read (xl/worksheets/sheet1.xml).
  const std::string& sheet_part() const;
  /// Whether the workbook uses the 1904 date system (`workbookPr date1904`).
  bool date1904() const;

 private:
  struct Impl;
  explicit XlsxReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace rules::batch
