#pragma once
/// Reading a roster exported from Excel: bytes in UTF-8 (with or without BOM) or GB18030/GBK,
/// CRLF or LF, RFC 4180 quoting (libcsv), decoded to UTF-8 records one at a time. Memory does
/// not grow with the roster: input is read in fixed-size chunks, and a row holds at most
/// kMaxRowBytes (a cell kMaxCellBytes): a larger one is skipped to its end (found by its quoting)
/// and delivered as a row too large to read (mark_too_large), the rows after it as usual.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "batch/record_source.h"
#include "source/utf8.h"

namespace rules::batch {

/// Why a roster reader stopped before the end of its input (RosterReader::stop()).
enum class RosterStop {
  none,           ///< it did not stop early (or only reading failed: read_error())
  broken_quotes,  ///< a quote that is never closed, or text after a closing quote
  utf16,          ///< the file is UTF-16 (Excel's "Unicode text")
  not_csv,        ///< the file is a workbook (.xlsx/.xlsm, .xls, .ods), recognised by its first bytes
};

/// Streams records from `in`. Not thread-safe; one reader per roster.
class RosterReader final : public RecordSource {
 public:
  /// `chunk_size` bytes are read at a time.
  RosterReader(std::istream& in, Encoding encoding, std::size_t chunk_size = 1 << 16);
  ~RosterReader() override;
  RosterReader(const RosterReader&) = delete;
  RosterReader& operator=(const RosterReader&) = delete;

  /// The next record into `out` (its vectors are reused); false at the end of the input, or when
  /// it stopped early (error(), read_error()). Throws std::runtime_error only if the CSV library
  /// cannot allocate.
  bool next(Record& out) override;

  /// The encoding in use (after detection) and whether the input started with a UTF-8 BOM.
  Encoding encoding() const override { return encoding_; }
  bool had_bom() const { return bom_; }
  /// Bytes read so far (for progress).
  std::uint64_t bytes_read() const override { return bytes_; }
  /// read_error() as `batch_io` ("cannot read the roster: …"), else error() as `batch_not_csv`
  /// (stop() not_csv) or `batch_bad_csv`.
  std::optional<SourceFailure> failure() const override;

  /// Why reading stopped early, if it did, in English: the roster's CSV structure is broken (a
  /// quote that opens a cell and is never closed, or text after a closing quote), so the rows
  /// after it cannot be told apart (names the row where the broken record starts, numbered as
  /// Record::row); or the file is UTF-16; or it is a spreadsheet workbook, not a CSV file
  /// (workbook_kind of the first chunk: .ods needs its first 84 bytes), answered for .xls and
  /// .ods with how to save it as .xlsx or CSV, for .xlsx with how to have it read (the CLI and
  /// the server read an .xlsx with XlsxReader; this reader only sees one through a stream given
  /// to run_batch directly). A quote inside a cell that did not
  /// start with one is no reason: it is read literally (Record::literal_quotes). `next` returns
  /// false from then on.
  const std::optional<std::string>& error() const { return error_; }
  /// The same in Chinese (简体中文), e.g. "它是 Excel 工作簿（.xlsx），不是 CSV 文件：…".
  const std::optional<std::string>& error_zh() const { return error_zh_; }
  /// Which of the reasons above `error()` is: batch gives not_csv the code `batch_not_csv`.
  RosterStop stop() const { return stop_; }

  /// Why reading the input itself failed, if it did: the system's reason ("Is a directory",
  /// "Input/output error"), from the std::system_error its stream buffer threw (std::filebuf
  /// throws std::ios_base::failure, one of them), or the what() of another exception. The
  /// records before it were read; `next` returns false from then on.
  const std::optional<std::string>& read_error() const { return read_error_; }

 private:
  bool fill();
  std::size_t read_chunk();
  void deliver();            // building_ to the ring of completed records
  void deliver_too_large();  // building_, as the row too large to read (mark_too_large), to the ring
  void restart_parser();     // libcsv afresh, at the start of a row
  std::size_t skip(const char* data, std::size_t size);  // skips the rest of a row too large; bytes used
  void feed(const char* data, std::size_t size, bool last);
  void decode_and_parse(const char* data, std::size_t size, bool last);
  friend struct RosterCallbacks;

  std::istream& in_;
  Encoding encoding_;
  bool started_ = false;
  bool finished_ = false;
  bool bom_ = false;
  std::uint64_t bytes_ = 0;
  std::size_t row_ = 1;          // the spreadsheet row the next line starts
  int last_break_ = 0;           // the line break just read (CSV_CR, CSV_LF), for CRLF; 0 otherwise
  std::vector<char> buffer_;
  std::string pending_;          // undecoded bytes carried to the next chunk (split sequences)
  std::string decoded_;
  struct Parser;
  std::unique_ptr<Parser> parser_;
  std::vector<Record> ready_;   // completed records, reused in a ring
  std::size_t ready_head_ = 0;
  std::size_t ready_count_ = 0;
  Record building_;
  // A row past kMaxCellBytes or kMaxRowBytes: too_large_ once it is known, and skip_ the quoting
  // state while its remaining bytes are skipped (none: not skipping).
  bool too_large_ = false;
  enum class Skip { none, field_start, unquoted, quoted, quote_seen };
  Skip skip_ = Skip::none;
  void* iconv_ = nullptr;        // iconv_t when decoding GB18030
  void stop_with(RosterStop why, std::string en, std::string zh);
  bool recognise_workbook(std::string_view head);
  std::optional<std::string> error_;
  std::optional<std::string> error_zh_;
  RosterStop stop_ = RosterStop::none;
  std::optional<std::string> read_error_;
};

/// Whether text is valid UTF-8 (source::valid_utf8), as the roster reader checks it.
using source::valid_utf8;

}  // namespace rules::batch
