#include "batch/roster_reader.h"

#include <csv.h>
#include <iconv.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>

namespace rules::batch {

const char* encoding_name(Encoding e) {
  switch (e) {
    case Encoding::utf8: return "utf-8";
    case Encoding::gb18030: return "gb18030";
    case Encoding::automatic: return "auto";
  }
  return "?";
}

namespace {

/// Whether s[from..] is the start of a UTF-8 sequence cut short by the end of a chunk.
bool truncated_tail(std::string_view s, std::size_t from) {
  if (from >= s.size() || s.size() - from > 3) return false;
  const auto c = static_cast<unsigned char>(s[from]);
  const std::size_t need = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : ((c & 0xF8) == 0xF0 && c <= 0xF4) ? 4 : 0;
  if (need == 0 || s.size() - from >= need) return false;
  for (std::size_t k = from + 1; k < s.size(); ++k) {
    if ((static_cast<unsigned char>(s[k]) & 0xC0) != 0x80) return false;
  }
  return true;
}

}  // namespace

struct RosterReader::Parser {
  csv_parser p{};
};

namespace {
constexpr unsigned char kParserOptions = CSV_APPEND_NULL | CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL;
// libcsv's parser states (libcsv.c): a quoted cell's state after a quote that may close it.
constexpr int kFieldNotBegun = 1, kFieldMightHaveEnded = 3;
}  // namespace

/// libcsv's callbacks: a field, then the end of a record.
struct RosterCallbacks {
  static void field(void* data, std::size_t len, void* self) {
    auto* r = static_cast<RosterReader*>(self);
    auto& b = r->building_;
    if (r->too_large_) return;  // the row is dropped already: keep nothing more of it
    // A separator counts a byte, so that a row of empty fields (,,,,) is bounded too.
    if (len > kMaxCellBytes || b.text.size() + b.ends.size() + len + 1 > kMaxRowBytes) {
      r->too_large_ = true;
      b.text.clear();
      b.ends.clear();
      return;
    }
    if (data) b.text.append(static_cast<const char*>(data), len);
    b.ends.push_back(static_cast<std::uint32_t>(b.text.size()));
  }
  static void record(int c, void* self) {
    auto* r = static_cast<RosterReader*>(self);
    auto& b = r->building_;
    // Row numbers are the rows a spreadsheet shows: every line break outside quotes (CRLF, LF or a
    // lone CR) starts a row, blank lines included; a quoted line break stays inside its cell. A
    // record always has a field, so a call without one is CSV_REPALL_NL reporting a line break
    // outside any record: a blank line, or the LF of a CRLF whose CR ended the line before.
    const bool lf_of_crlf = b.ends.empty() && !r->too_large_ && c == CSV_LF && r->last_break_ == CSV_CR;
    r->last_break_ = lf_of_crlf ? 0 : c;
    if (r->too_large_) {
      r->deliver_too_large();
      return;
    }
    if (b.ends.empty()) {
      if (!lf_of_crlf) ++r->row_;
      return;
    }
    const std::size_t row = r->row_++;  // the record's own line break, or the end of the input
    // Trailing empty columns (Excel writes a comma for each empty trailing cell) are ignored; a
    // line of nothing but spaces and commas is a blank line.
    while (!b.ends.empty() && b.field(b.ends.size() - 1).find_first_not_of(" \t") == std::string_view::npos) {
      b.ends.pop_back();
    }
    if (b.ends.empty()) {  // a blank line: it has a row number but is not a record
      b.clear();
      return;
    }
    b.row = row;
    if (!valid_utf8(b.text)) {
      const bool gb = r->encoding_ == Encoding::gb18030;
      // The advice names the command line's option and the API's query parameter (policy serve).
      b.decode_error = gb ? "the bytes of this row are not valid GB18030 (GBK): some could not be decoded (if the "
                            "file is UTF-8, give --encoding utf-8; in the API, encoding=utf-8)"
                          : "the bytes of this row are not valid UTF-8 (if the file is GBK, give --encoding gb18030; in the API, "
                            "encoding=gb18030)";
      b.decode_error_zh = gb ? "这一行的字节不是有效的 GB18030（GBK）编码，有些无法解码（如果文件是 UTF-8，请指定编码："
                               "命令行 --encoding utf-8，接口 encoding=utf-8）"
                             : "这一行的字节不是有效的 UTF-8 编码（如果文件是 GBK，请指定编码：命令行 --encoding gb18030，"
                               "接口 encoding=gb18030）";
    }
    r->deliver();
  }
};

void mark_too_large(Record& record, std::size_t row) {
  record.clear();
  record.row = row;
  record.ends.push_back(0);  // one empty cell: a row, not a blank line
  record.decode_error = "the row is larger than policy batch reads (batch_row_too_large: at most " +
                        std::to_string(kMaxCellBytes >> 20) + " MiB of text in a cell, " +
                        std::to_string(kMaxRowBytes >> 20) +
                        " MiB in a row); its cells were not read. The rows after it are read as usual";
  record.decode_error_zh = "这一行超过读取上限（batch_row_too_large：一个单元格最多 " + std::to_string(kMaxCellBytes >> 20) +
                           " MiB 文本，一行最多 " + std::to_string(kMaxRowBytes >> 20) +
                           " MiB），未读取其内容；其后各行照常读取";
}

void RosterReader::deliver() {
  // Hand the record to the ring by swapping, so buffers keep circulating instead of being freed.
  if (ready_count_ == ready_.size()) {
    // Grow the ring, keeping the order head..tail.
    std::vector<Record> grown(ready_.size() * 2 + 4);
    for (std::size_t k = 0; k < ready_count_; ++k) std::swap(grown[k], ready_[(ready_head_ + k) % ready_.size()]);
    ready_.swap(grown);
    ready_head_ = 0;
  }
  auto& slot = ready_[(ready_head_ + ready_count_) % ready_.size()];
  std::swap(slot, building_);
  ++ready_count_;
  building_.clear();
}

void RosterReader::deliver_too_large() {
  too_large_ = false;
  mark_too_large(building_, row_++);
  deliver();
}

namespace {

void init_parser(csv_parser& p) {
  // Strict quoting: Excel always closes its quotes, so an unclosed quote means a damaged file
  // whose later rows would otherwise be swallowed into one field. (A quote inside an unquoted
  // cell is read literally: see feed.)
  // CSV_REPALL_NL: blank lines are reported too, so that row numbers count them.
  if (csv_init(&p, kParserOptions) != 0) throw std::runtime_error("cannot initialise the CSV parser");
  // Spaces in unquoted fields are data: pass-through columns must come out unchanged (cells
  // trim where a value is parsed).
  csv_set_space_func(&p, [](unsigned char) { return 0; });
  // libcsv grows its cell buffer by this much at a time (by 128 bytes by default: thousands of
  // reallocations, each a copy, for a cell near kMaxCellBytes).
  csv_set_blk_size(&p, std::size_t{1} << 16);
}

}  // namespace

void RosterReader::restart_parser() {
  csv_free(&parser_->p);
  parser_->p = csv_parser{};
  init_parser(parser_->p);
}

std::size_t RosterReader::skip(const char* data, std::size_t size) {
  // The state of RFC 4180 quoting, as libcsv reads it (a quote opens a quoted cell only at the
  // start of a cell; a doubled quote inside one is a quote): only a line break outside quotes
  // ends the row.
  for (std::size_t k = 0; k < size; ++k) {
    const char c = data[k];
    switch (skip_) {
      case Skip::quoted:
        if (c == '"') skip_ = Skip::quote_seen;
        continue;
      case Skip::quote_seen:
        skip_ = c == '"' ? Skip::quoted : c == ',' ? Skip::field_start : Skip::unquoted;
        break;
      case Skip::field_start:
        skip_ = c == '"' ? Skip::quoted : c == ',' ? Skip::field_start : Skip::unquoted;
        break;
      case Skip::unquoted:
        if (c == ',') skip_ = Skip::field_start;
        break;
      case Skip::none: return k;
    }
    if (c == '\r' || c == '\n') {
      skip_ = Skip::none;
      last_break_ = c == '\r' ? CSV_CR : CSV_LF;  // the LF of a CRLF that follows is no blank line
      deliver_too_large();
      return k + 1;
    }
  }
  return size;
}

namespace {

}  // namespace

WorkbookKind workbook_kind(std::string_view head) {
  if (head.starts_with("PK\x03\x04")) {
    const std::string_view first = head.substr(0, 128);
    return first.find("application/vnd.oasis.opendocument.spreadsheet") != std::string_view::npos ? WorkbookKind::ods
                                                                                                  : WorkbookKind::xlsx;
  }
  if (head.starts_with(std::string_view("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8))) return WorkbookKind::xls;
  return WorkbookKind::none;
}

std::optional<SourceFailure> RosterReader::failure() const {
  if (read_error_) return SourceFailure{"batch_io", "cannot read the roster: " + *read_error_, "无法读取名单：" + *read_error_};
  if (!error_) return std::nullopt;
  return SourceFailure{stop_ == RosterStop::not_csv ? "batch_not_csv" : "batch_bad_csv", *error_,
                       error_zh_ ? *error_zh_ : *error_};
}

bool RosterReader::recognise_workbook(std::string_view head) {
  // .xls and .ods: no reader here; .xlsx is read by XlsxReader, which the CLI and the server
  // choose by these same first bytes, so this reader sees one only when given a stream directly.
  constexpr std::string_view save_en = ": in Excel, WPS or LibreOffice use \"Save As\" Excel workbook (.xlsx) or CSV UTF-8 "
                                       "(comma delimited), then run again";
  constexpr std::string_view save_zh = "：请在 Excel、WPS 或 LibreOffice 中“另存为”Excel 工作簿（.xlsx）或 CSV UTF-8"
                                       "（逗号分隔）后再运行";
  switch (workbook_kind(head)) {
    case WorkbookKind::none: return false;
    case WorkbookKind::xlsx:
      stop_with(RosterStop::not_csv,
                "it is an Excel workbook (.xlsx), not a CSV file: policy batch reads it when given as a file "
                "(policy batch roster.xlsx) or on standard input",
                "它是 Excel 工作簿（.xlsx），不是 CSV 文件：policy batch 直接读取作为文件（policy batch 名单.xlsx）或从标准输入"
                "给出的工作簿");
      return true;
    case WorkbookKind::xls:
      // An .xlsx with an opening password is stored the same way (an OLE2 file around the
      // encrypted package): said too, since its owner knows it as an .xlsx.
      stop_with(RosterStop::not_csv,
                "it is an Excel 97-2003 workbook (.xls), or an .xlsx protected by an opening password, which is not read" +
                    std::string(save_en) + " (remove the password first)",
                "它是 Excel 97-2003 工作簿（.xls），或设置了打开密码的 .xlsx，无法读取" + std::string(save_zh) + "（有密码的请先取消密码）");
      return true;
    case WorkbookKind::ods:
      stop_with(RosterStop::not_csv, "it is an OpenDocument spreadsheet (.ods), which is not read" + std::string(save_en),
                "它是 OpenDocument 电子表格（.ods），无法读取" + std::string(save_zh));
      return true;
  }
  return false;
}

RosterReader::RosterReader(std::istream& in, Encoding encoding, std::size_t chunk_size)
    : in_(in), encoding_(encoding), buffer_(chunk_size), parser_(std::make_unique<Parser>()) {
  init_parser(parser_->p);
}

RosterReader::~RosterReader() {
  csv_free(&parser_->p);
  if (iconv_) iconv_close(static_cast<iconv_t>(iconv_));
}

void RosterReader::stop_with(RosterStop why, std::string en, std::string zh) {
  stop_ = why;
  error_ = std::move(en);
  error_zh_ = std::move(zh);
  finished_ = true;
}

void RosterReader::feed(const char* data, std::size_t size, bool last) {
  if (error_) return;
  const auto broken = [&] {
    // The record being read when the structure broke starts on row_.
    const std::string row = std::to_string(row_);
    stop_with(RosterStop::broken_quotes,
              "row " + row + ": the CSV structure is broken (a quote that opens a cell is never closed, or text follows "
              "a closing quote); the rows after it cannot be told apart. In a CSV file a cell holding a quote is itself "
              "quoted and its quotes doubled (\"ab\"\"c\"), as Excel saves it: fix the quoting and run again",
              "第" + row + "行：CSV 文件的结构有误（某个单元格以引号开始，但引号没有闭合，或闭合的引号后面还有文字），"
              "其后各行无法分清。CSV 文件中含引号的单元格应整体加引号，并把其中的引号写两次（\"ab\"\"c\"），Excel "
              "保存时就是这样：请修正引号后再运行");
  };
  std::size_t done = 0;
  if (skip_ != Skip::none) {
    done = skip(data, size);
    if (skip_ == Skip::none) restart_parser();
  } else {
    // A cell or row past its bound (kMaxCellBytes, kMaxRowBytes) is not held: its rest is
    // skipped up to the row's end, found by the quoting alone. Checked once a chunk, so that
    // libcsv's cell buffer holds at most the bound and one chunk.
    const auto& p = parser_->p;
    if (p.entry_pos > kMaxCellBytes || building_.text.size() + building_.ends.size() + p.entry_pos > kMaxRowBytes) {
      skip_ = p.quoted ? (p.pstate == kFieldMightHaveEnded ? Skip::quote_seen : Skip::quoted)
                       : (p.pstate == kFieldNotBegun ? Skip::field_start : Skip::unquoted);
      building_.clear();
      too_large_ = true;
      done = skip(data, size);
      if (skip_ == Skip::none) restart_parser();
    }
  }
  if (skip_ != Skip::none) {
    if (last) {  // the input ends inside the row
      const bool open_quote = skip_ == Skip::quoted;
      skip_ = Skip::none;
      too_large_ = false;
      // A quote never closed swallowed the rest of the file, as a small one would: the rows after
      // it cannot be told apart, which is no row too large but a broken file.
      if (open_quote) return broken();
      deliver_too_large();
    }
    return;
  }
  auto& p = parser_->p;
  const int strict = csv_get_opts(&p);
  while (done < size) {
    done += csv_parse(&p, data + done, size - done, RosterCallbacks::field, RosterCallbacks::record, this);
    if (done == size) break;
    if (csv_error(&p) != CSV_EPARSE) throw std::runtime_error(std::string("CSV: ") + csv_strerror(csv_error(&p)));
    // Strict mode stops at every quote out of place. A quote inside a cell that did not start
    // with one (外号"小明") cannot swallow the rows after it: libcsv's lenient mode reads it as a
    // character, so that one byte is given to the parser without CSV_STRICT. Only quotes that
    // open or close a quoted cell (p.quoted) keep stopping the run: those can swallow rows.
    if (data[done] != '"' || p.quoted) return broken();
    csv_set_opts(&p, static_cast<unsigned char>(strict & ~CSV_STRICT));
    const std::size_t one = csv_parse(&p, data + done, 1, RosterCallbacks::field, RosterCallbacks::record, this);
    csv_set_opts(&p, static_cast<unsigned char>(strict));
    if (one != 1) return broken();
    ++building_.literal_quotes;
    ++done;
  }
  if (last && csv_fini(&p, RosterCallbacks::field, RosterCallbacks::record, this) != 0) broken();
}

void RosterReader::decode_and_parse(const char* data, std::size_t size, bool last) {
  if (encoding_ != Encoding::gb18030) {
    feed(data, size, last);
    return;
  }
  // GB18030 -> UTF-8 through iconv; an incomplete sequence at the end of a chunk waits for the
  // next chunk. An invalid byte becomes the byte 0xFF, which is never part of UTF-8 (nor of the
  // CSV syntax): the row it lands in cannot be known here, so the record callback finds it and
  // makes the row an error, and the output shows U+FFFD in its place.
  pending_.append(data, size);
  decoded_.resize(pending_.size() * 2 + 16);
  char* in = pending_.data();
  std::size_t in_left = pending_.size();
  char* out = decoded_.data();
  std::size_t out_left = decoded_.size();
  auto* cd = static_cast<iconv_t>(iconv_);
  while (in_left > 0) {
    const std::size_t r = iconv(cd, &in, &in_left, &out, &out_left);
    if (r != static_cast<std::size_t>(-1)) break;
    if (errno == E2BIG) {
      const std::size_t used = static_cast<std::size_t>(out - decoded_.data());
      decoded_.resize(decoded_.size() * 2);
      out = decoded_.data() + used;
      out_left = decoded_.size() - used;
    } else if (errno == EINVAL && !last) {
      break;  // incomplete sequence: keep it for the next chunk
    } else {
      // An invalid (or, at the very end, incomplete) byte: mark it, go on.
      if (out_left < 1) {
        const std::size_t used = static_cast<std::size_t>(out - decoded_.data());
        decoded_.resize(decoded_.size() * 2 + 1);
        out = decoded_.data() + used;
        out_left = decoded_.size() - used;
      }
      *out++ = '\xFF';
      --out_left;
      ++in;
      --in_left;
    }
  }
  const std::size_t produced = static_cast<std::size_t>(out - decoded_.data());
  pending_.erase(0, pending_.size() - in_left);
  feed(decoded_.data(), produced, last);
}

bool RosterReader::fill() {
  if (finished_) return false;
  const std::size_t got_total = read_chunk();
  std::size_t got = got_total;
  bytes_ += got;
  const char* data = buffer_.data();
  if (!started_) {
    started_ = true;
    if (got >= 3 && std::memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
      bom_ = true;
      data += 3;
      got -= 3;
      if (encoding_ == Encoding::automatic) encoding_ = Encoding::utf8;
    }
    if (got >= 2 && ((data[0] == '\xFF' && data[1] == '\xFE') || (data[0] == '\xFE' && data[1] == '\xFF'))) {
      stop_with(RosterStop::utf16,
                "the file is UTF-16 (Excel's \"Unicode text\"); save it as \"CSV UTF-8\" or as CSV and run again",
                "文件是 UTF-16 编码（Excel 的“Unicode 文本”）：请另存为“CSV UTF-8”或 CSV 后再运行");
      return false;
    }
    if (recognise_workbook(std::string_view(data, got))) return false;
    if (encoding_ == Encoding::automatic) {
      // The first chunk decides: valid UTF-8 (a truncated last character allowed) means UTF-8.
      std::size_t prefix = 0;
      const std::string_view first(data, got);
      const bool utf8 = valid_utf8(first, &prefix) || truncated_tail(first, prefix);
      encoding_ = utf8 ? Encoding::utf8 : Encoding::gb18030;
    }
    if (encoding_ == Encoding::gb18030) {
      const iconv_t cd = iconv_open("UTF-8", "GB18030");
      if (cd == reinterpret_cast<iconv_t>(-1)) throw std::runtime_error("this system's iconv has no GB18030");
      iconv_ = cd;
    }
  }
  // A chunk stops short only at the end of the input, or where a read failed: then the records
  // complete before the failure are still given, but the one it cut is not.
  const bool last = !read_error_ && got_total < buffer_.size();
  decode_and_parse(data, got, last);
  if (last || read_error_) finished_ = true;
  return true;
}

std::size_t RosterReader::read_chunk() {
  // From the stream buffer itself: std::istream::read takes a failed read for the end of the input
  // (badbit, the reason swallowed), and a roster cut short must not pass for a whole one. What the
  // buffer holds is copied before sgetc asks it for more, so that a read failing there (throwing,
  // as std::filebuf and the CLI's input do) loses none of the bytes before it.
  using traits = std::streambuf::traits_type;
  std::size_t got = 0;
  std::streambuf* source = in_.rdbuf();
  try {
    while (source != nullptr && got < buffer_.size()) {
      const std::size_t room = buffer_.size() - got;
      std::streamsize held = source->in_avail();
      if (held < 0) break;
      if (held == 0) {
        if (traits::eq_int_type(source->sgetc(), traits::eof())) break;
        held = source->in_avail();
        // A source without a buffer (std::cin's) holds none even now: read on until full or the end.
        if (held <= 0) held = static_cast<std::streamsize>(room);
      }
      const auto want = static_cast<std::streamsize>(std::min(static_cast<std::size_t>(held), room));
      const std::streamsize n = source->sgetn(buffer_.data() + got, want);
      if (n <= 0) break;
      got += static_cast<std::size_t>(n);
    }
  } catch (const std::system_error& e) {  // also std::ios_base::failure, which std::filebuf throws
    read_error_ = e.code().message();
  } catch (const std::exception& e) {
    read_error_ = e.what();
  }
  return got;
}

bool RosterReader::next(Record& out) {
  while (ready_count_ == 0) {
    if (error_ || read_error_) return false;
    if (!fill()) return false;
  }
  std::swap(out, ready_[ready_head_]);
  ready_[ready_head_].clear();
  ready_head_ = (ready_head_ + 1) % ready_.size();
  --ready_count_;
  return true;
}

}  // namespace rules::batch
