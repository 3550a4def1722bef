#include "batch/xlsx_reader.h"

#include <expat.h>
#include <zip.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <charconv>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <new>
#include <system_error>
#include <thread>

#include "calendar/date.h"
#include "model/cell_text.h"

namespace rules::batch {

namespace {

constexpr std::uint32_t kMaxRows = 1048576;  // Excel's sheet: rows 1..1048576, columns A..XFD
constexpr std::uint32_t kMaxColumns = 16384;
constexpr std::size_t kChunk = std::size_t{1} << 16;
/// Elements open at once in a part, at most. A sheet needs 7 (worksheet, sheetData, row, c, is,
/// r, t); extensions (extLst) a dozen or so.
constexpr std::uint32_t kMaxDepth = 256;
// Read ahead: blocks of up to kBlockRows records, at most kBlocks of them filled or being
// delivered, so that the parsing thread runs at most about kBlocks * kBlockRows rows ahead.
constexpr std::size_t kBlocks = 4;
constexpr std::size_t kBlockRows = 512;
// Number formats of number cells kept to write them back (Record::number_formats): at most this
// many distinct codes of at most this many bytes (Excel allows 255 characters); others: General.
constexpr std::size_t kMaxNumberFormats = 1024;
constexpr std::size_t kMaxFormatCode = 1024;

/// Why libzip failed, in Chinese for the Chinese message (libzip's own text is English only); the
/// codes a damaged, truncated or encrypted workbook gives, else libzip's words after its name.
std::string zip_reason_zh(zip_error_t* e) {
  switch (zip_error_code_zip(e)) {
    case ZIP_ER_NOZIP: return "不是 zip 文件";
    case ZIP_ER_EOF: return "文件不完整（可能下载或复制时被截断）";
    case ZIP_ER_INCONS: return "压缩包内部的目录前后不一致（文件已损坏）";
    case ZIP_ER_CRC: return "校验和不符（文件已损坏）";
    case ZIP_ER_ZLIB:
    case ZIP_ER_COMPRESSED_DATA: return "压缩数据已损坏";
    case ZIP_ER_COMPNOTSUPP: return "使用了不支持的压缩方法";
    case ZIP_ER_ENCRNOTSUPP:
    case ZIP_ER_NOPASSWD:
    case ZIP_ER_WRONGPASSWD: return "内容已加密（请在 Excel 或 WPS 中取消密码后另存）";
    case ZIP_ER_MULTIDISK: return "是分卷压缩包";
    case ZIP_ER_MEMORY: return "内存不足";
    case ZIP_ER_READ:
    case ZIP_ER_SEEK:
    case ZIP_ER_OPEN: return "读取文件失败";
    default: return std::string("libzip：") + zip_error_strerror(e);
  }
}

/// The local name of an XML name: after its namespace prefix (x:c → c). Parts are matched by local
/// names, as Excel reads them: writers use the default namespace or a prefix of their own, and
/// Strict OOXML (ISO/IEC 29500 Strict) other namespace URIs for the same names.
std::string_view local(const char* name) {
  const char* colon = std::strrchr(name, ':');
  return colon ? std::string_view(colon + 1) : std::string_view(name);
}

/// The value of attribute `name` (local name) among expat's attribute pairs, if present.
const char* attribute(const char** attrs, std::string_view name) {
  for (std::size_t i = 0; attrs[i]; i += 2) {
    if (local(attrs[i]) == name) return attrs[i + 1];
  }
  return nullptr;
}

/// The elements of a worksheet the reader acts on, by local name; everything else is `other`.
enum class SheetName : std::uint8_t { other, c, row, v, f, is, t, rPh, sheetData, mergeCell };

/// `name` (a local name, or a qualified one that then reads as `other`) as a SheetName, by its
/// length and bytes: no strlen, no strrchr, no string built.
SheetName sheet_name_of(const char* n) {
  switch (n[0]) {
    case 'c': return n[1] == '\0' ? SheetName::c : SheetName::other;
    case 'v': return n[1] == '\0' ? SheetName::v : SheetName::other;
    case 'f': return n[1] == '\0' ? SheetName::f : SheetName::other;
    case 't': return n[1] == '\0' ? SheetName::t : SheetName::other;
    case 'i': return n[1] == 's' && n[2] == '\0' ? SheetName::is : SheetName::other;
    case 'r':
      if (n[1] == 'o' && n[2] == 'w' && n[3] == '\0') return SheetName::row;
      return n[1] == 'P' && n[2] == 'h' && n[3] == '\0' ? SheetName::rPh : SheetName::other;
    case 's': return std::strcmp(n, "sheetData") == 0 ? SheetName::sheetData : SheetName::other;
    case 'm': return std::strcmp(n, "mergeCell") == 0 ? SheetName::mergeCell : SheetName::other;
    default: return SheetName::other;
  }
}

/// The SheetName of element `name` by its local name, as local() takes it: unprefixed names (all
/// that Excel, WPS and openpyxl write) are told on their first bytes; only a name that is none of
/// them is searched for a prefix.
SheetName sheet_element(const char* name) {
  const SheetName k = sheet_name_of(name);
  if (k != SheetName::other) return k;
  const char* local_name = name;
  for (const char* p = name; *p; ++p) {
    if (*p == ':') local_name = p + 1;
  }
  return local_name == name ? SheetName::other : sheet_name_of(local_name);
}

/// The one-letter local name of attribute `name` (r, s, t of a cell; r of a row), or 0 when its
/// local name is longer.
char one_letter_attribute(const char* name) {
  if (name[0] != '\0' && name[1] == '\0') return name[0];
  const char* local_name = name;
  for (const char* p = name; *p; ++p) {
    if (*p == ':') local_name = p + 1;
  }
  return local_name != name && local_name[0] != '\0' && local_name[1] == '\0' ? local_name[0] : '\0';
}

/// The attributes r, s and t of a cell (or r of a row) in one pass over expat's pairs: the first
/// of each local name, as attribute() finds it.
struct CellAttributes {
  const char* r = nullptr;
  const char* s = nullptr;
  const char* t = nullptr;
  explicit CellAttributes(const char** attrs) {
    for (std::size_t i = 0; attrs[i]; i += 2) {
      switch (one_letter_attribute(attrs[i])) {
        case 'r': if (!r) r = attrs[i + 1]; break;
        case 's': if (!s) s = attrs[i + 1]; break;
        case 't': if (!t) t = attrs[i + 1]; break;
        default: break;
      }
    }
  }
};

/// Column letters of 0-based column `c` (0 → A, 16383 → XFD).
std::string column_letters(std::uint32_t c) {
  std::string s;
  for (std::uint32_t n = c + 1; n > 0; n = (n - 1) / 26) s.insert(s.begin(), static_cast<char>('A' + (n - 1) % 26));
  return s;
}

bool parse_u32(std::string_view s, std::uint32_t& out) {
  if (s.empty()) return false;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

/// Whether `s` is a whole number of 1 to 15 digits without a leading zero ("0" itself is one):
/// exact as a double, so the shortest text of its value is `s` itself.
bool plain_integer(std::string_view s) {
  if (s.empty() || s.size() > 30 || (s[0] == '0' && s.size() > 1)) return false;
  for (const char ch : s) {
    if (ch < '0' || ch > '9') return false;
  }
  return true;
}

/// A cell reference such as C5 (ECMA-376 Part 1, 18.18.62 ST_CellRef): 0-based column, 1-based
/// row. False when it is no reference or lies beyond XFD1048576.
bool parse_ref(std::string_view ref, std::uint32_t& column, std::uint32_t& row) {
  std::size_t i = 0;
  std::uint32_t c = 0;
  while (i < ref.size() && i < 4 && ((ref[i] >= 'A' && ref[i] <= 'Z') || (ref[i] >= 'a' && ref[i] <= 'z'))) {
    c = c * 26 + static_cast<std::uint32_t>((ref[i] | 0x20) - 'a' + 1);
    ++i;
  }
  if (i == 0 || c > kMaxColumns) return false;
  if (!parse_u32(ref.substr(i), row) || row < 1 || row > kMaxRows) return false;
  column = c - 1;
  return true;
}

/// The part `target` names relative to the part `source` (ECMA-376 Part 2, 9.3.3: a relationship's
/// target is relative to its source part's folder, or absolute from the package root).
std::string resolve_target(std::string_view source, std::string_view target) {
  std::vector<std::string> parts;
  if (!target.starts_with('/')) {
    const std::size_t slash = source.rfind('/');
    std::string_view dir = slash == std::string_view::npos ? std::string_view() : source.substr(0, slash);
    while (!dir.empty()) {
      const std::size_t s = dir.find('/');
      parts.emplace_back(dir.substr(0, s));
      dir = s == std::string_view::npos ? std::string_view() : dir.substr(s + 1);
    }
  }
  std::string_view rest = target;
  while (!rest.empty()) {
    const std::size_t s = rest.find('/');
    const std::string_view piece = rest.substr(0, s);
    if (piece == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!piece.empty() && piece != ".") {
      parts.emplace_back(piece);
    }
    rest = s == std::string_view::npos ? std::string_view() : rest.substr(s + 1);
  }
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += '/';
    out += p;
  }
  return out;
}

/// The relationships part of part `name` (xl/workbook.xml → xl/_rels/workbook.xml.rels).
std::string rels_of(std::string_view name) {
  const std::size_t slash = name.rfind('/');
  if (slash == std::string_view::npos) return "_rels/" + std::string(name) + ".rels";
  return std::string(name.substr(0, slash)) + "/_rels/" + std::string(name.substr(slash + 1)) + ".rels";
}

bool ends_with_type(std::string_view type, std::string_view last) {
  return type.size() > last.size() && type.ends_with(last) && type[type.size() - last.size() - 1] == '/';
}

}  // namespace

bool xlsx_builtin_date_format(std::uint32_t id) {
  return (id >= 14 && id <= 22) || (id >= 27 && id <= 36) || (id >= 45 && id <= 47) || (id >= 50 && id <= 58);
}

std::string_view xlsx_builtin_number_format(std::uint32_t id) {
  switch (id) {
    case 1: return "0";
    case 2: return "0.00";
    case 3: return "#,##0";
    case 4: return "#,##0.00";
    case 9: return "0%";
    case 10: return "0.00%";
    case 11: return "0.00E+00";
    case 12: return "# ?/?";
    case 13: return "# ?\?/??";  // written so that no trigraph reads
    case 37: return "#,##0 ;(#,##0)";
    case 38: return "#,##0 ;[Red](#,##0)";
    case 39: return "#,##0.00;(#,##0.00)";
    case 40: return "#,##0.00;[Red](#,##0.00)";
    case 48: return "##0.0E+0";
    case 49: return "@";
    default: return {};
  }
}

bool xlsx_date_format(std::string_view code) {
  // The first section only (positive numbers; ECMA-376 Part 1, 18.8.31: sections separated by ;).
  for (std::size_t i = 0; i < code.size(); ++i) {
    const char c = code[i];
    if (c == ';') return false;
    if (c == '"') {  // quoted literal text
      const std::size_t close = code.find('"', i + 1);
      if (close == std::string_view::npos) return false;
      i = close;
      continue;
    }
    if (c == '\\' || c == '_' || c == '*') {  // an escaped character, a space the width of one, a fill
      ++i;
      if (i < code.size() && (static_cast<unsigned char>(code[i]) & 0x80)) {
        while (i + 1 < code.size() && (static_cast<unsigned char>(code[i + 1]) & 0xC0) == 0x80) ++i;
      }
      continue;
    }
    if (c == '[') {  // [Red], [$-804], [DBNum1], [>100]; [h], [mm], [ss] are elapsed times
      const std::size_t close = code.find(']', i + 1);
      if (close == std::string_view::npos) return false;
      const std::string_view inside = code.substr(i + 1, close - i - 1);
      if (!inside.empty() && inside.find_first_not_of("hHmMsS") == std::string_view::npos) return true;
      i = close;
      continue;
    }
    if ((c == 'G' || c == 'g') && code.substr(i).size() >= 7) {
      std::string word(code.substr(i, 7));
      for (auto& ch : word) ch = static_cast<char>(ch | 0x20);
      if (word == "general") {
        i += 6;
        continue;
      }
    }
    switch (c | 0x20) {
      case 'y': case 'm': case 'd': case 'h': case 's': case 'e': case 'g': return true;
      default: break;
    }
  }
  return false;
}

/// One part being read: inflated in chunks, with its caps checked on the bytes actually inflated.
struct PartStream {
  zip_file_t* file = nullptr;
  std::uint64_t inflated = 0;
  std::uint64_t compressed = 0;  // as the zip's central directory states it (bounds what is read)
  std::uint64_t stated = 0;      // the uncompressed size it states (progress only)
  ~PartStream() {
    if (file) zip_fclose(file);
  }
};

struct XlsxReader::Impl {
  XlsxOptions options;
  zip_t* archive = nullptr;
  std::optional<SourceFailure> failed;

  std::vector<std::string> sheet_names;
  std::vector<std::string> sheet_ids;  // their relationship ids
  std::string sheet_name, sheet_part, workbook_part, shared_part, styles_part;
  bool date1904 = false;

  std::string shared;                   // the shared strings, one after another
  std::vector<std::uint32_t> shared_ends;
  std::vector<bool> xf_date;            // per cell format (cellXfs index): a date format
  std::vector<std::uint16_t> xf_number; // per cell format: its number format (number_formats index)
  std::vector<std::string> number_formats{std::string()};  // 0: General

  // Reading the sheet.
  PartStream sheet;
  XML_Parser parser = nullptr;
  bool sheet_done = false;
  std::vector<Record> ready;
  std::size_t ready_head = 0, ready_count = 0;
  Record building;
  bool row_too_large = false;  // the row being read is past a bound: drop_row
  std::uint32_t last_row = 0;     // the row before (0: none yet)
  std::uint32_t row = 0;          // the row being read
  bool in_row = false, in_sheet_data = false;
  // The merged areas spanning rows (RecordSource::merged_rows), listed after sheetData.
  std::vector<MergedArea> merged;
  std::size_t merged_total = 0;
  std::uint32_t next_column = 0;  // of a cell without r
  // The cell being read.
  bool in_cell = false;
  std::uint32_t column = 0;
  char cell_type = 'n';           // n, s, str (t), inlineStr (i), b, e, d
  std::uint32_t style = 0;
  enum class Capture { none, v, t, f } capture = Capture::none;
  std::string formula;            // the cell's <f>, kept for a formula without a cached value
  bool in_is = false;
  std::uint32_t phonetic = 0;     // depth inside <rPh>
  std::string text;               // the cell's <v> or inline text
  std::string value;              // what the cell gives
  std::atomic<std::uint64_t> sheet_inflated{0};  // sheet.inflated, for bytes_read() on the caller's thread

  // Read ahead (options.read_ahead): the parsing thread fills blocks[p % kBlocks] for p = 0, 1, ...
  // and hands each over by raising `queued`; the caller delivers their records in order and gives
  // each block back by lowering it. The thread touches only the parser's state and the block it
  // fills; the caller only the blocks handed over and `delivered_failure`.
  struct Block {
    std::vector<Record> records;
    std::size_t count = 0;
    bool last = false;                     // the sheet ends (or the reading stopped) after it
    std::optional<SourceFailure> failure;  // why it stopped, shown once the records are delivered
    std::exception_ptr error;              // an exception of the thread (bad_alloc), rethrown likewise
  };
  std::array<Block, kBlocks> blocks;
  std::mutex mutex;
  std::condition_variable handed_over, given_back;
  std::size_t queued = 0;  // blocks handed over and not given back (under `mutex`)
  bool stopping = false;   // the destructor asks the thread to end (under `mutex`)
  std::atomic<bool> stop_now{false};  // the same, read while parsing
  std::thread thread;
  bool started = false;    // the caller's: the thread was started
  bool finished = false;   // the caller's: the last block was delivered
  Block* current = nullptr;  // the caller's block being delivered
  std::size_t delivered = 0;  // of current's records
  std::size_t consumed = 0;   // blocks given back
  std::optional<SourceFailure> delivered_failure;  // the caller's copy of the failure, once delivered

  // The generic part handlers (workbook, rels, styles, shared strings).
  std::function<void(std::string_view, const char**)> on_start;
  std::function<void(std::string_view)> on_end;
  std::string* capture_into = nullptr;
  std::size_t capture_cap = 0;
  std::string current_part;
  std::uint32_t depth = 0;  // elements open in the part being read

  /// Counts an element opened; false (and the part fails) past kMaxDepth: expat keeps every open
  /// element, so a few kilobytes of zipped <x><x><x>... would otherwise take gigabytes.
  bool open_element() {
    if (++depth <= kMaxDepth) return true;
    fail_here("xlsx_bad_xml", "elements nested more than " + std::to_string(kMaxDepth) + " deep, which no workbook needs",
              "元素嵌套超过 " + std::to_string(kMaxDepth) + " 层，工作簿中不应如此");
    return false;
  }

  ~Impl() {
    if (thread.joinable()) {
      {
        const std::lock_guard lock(mutex);
        stopping = true;
      }
      stop_now.store(true, std::memory_order_relaxed);
      given_back.notify_all();
      thread.join();  // before the parser and the archive it reads go
    }
    if (parser) XML_ParserFree(parser);
    if (sheet.file) zip_fclose(sheet.file);  // before its archive
    sheet.file = nullptr;
    if (archive) zip_discard(archive);
  }
  Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  void fail(std::string code, std::string en, std::string zh) {
    if (failed) return;
    failed = SourceFailure{std::move(code), std::move(en), std::move(zh)};
    if (parser) XML_StopParser(parser, XML_FALSE);
  }
  /// A failure inside the part being read, at the cell being read if any.
  void fail_here(std::string code, const std::string& en, const std::string& zh) {
    std::string where_en = current_part + ": ", where_zh = current_part + ": ";
    if (in_cell) {
      const std::string ref = column_letters(column) + std::to_string(row);
      where_en += "cell " + ref + ": ";
      where_zh += "单元格 " + ref + "：";
    } else if (in_row) {
      where_en += "row " + std::to_string(row) + ": ";
      where_zh += "第" + std::to_string(row) + "行：";
    }
    fail(std::move(code), where_en + en, where_zh + zh);
  }

  bool open_part(const std::string& name, PartStream& part, bool required) {
    zip_stat_t st;
    zip_stat_init(&st);
    const zip_int64_t index = zip_name_locate(archive, name.c_str(), ZIP_FL_NOCASE);
    if (index < 0 || zip_stat_index(archive, static_cast<zip_uint64_t>(index), 0, &st) != 0) {
      if (required) {
        fail("xlsx_missing_part", "the workbook has no part " + name + ", which it needs: the file is damaged or was not written by a spreadsheet program",
             "工作簿缺少必需的部件 " + name + "：文件已损坏，或不是电子表格程序写出的");
      }
      return false;
    }
    part.file = zip_fopen_index(archive, static_cast<zip_uint64_t>(index), 0);
    if (!part.file) {
      const std::string why = zip_error_strerror(zip_get_error(archive));
      fail("xlsx_bad_zip", name + ": cannot be read from the zip archive: " + why,
           name + "：无法从 zip 压缩包中读出：" + zip_reason_zh(zip_get_error(archive)));
      return false;
    }
    part.compressed = (st.valid & ZIP_STAT_COMP_SIZE) ? st.comp_size : 0;
    part.stated = (st.valid & ZIP_STAT_SIZE) ? st.size : 0;
    return true;
  }

  /// Up to `size` inflated bytes of `part` into `buffer`; -1 on failure (failed is set).
  std::int64_t read_part(PartStream& part, const std::string& name, char* buffer, std::size_t size, std::uint64_t cap) {
    const zip_int64_t n = zip_fread(part.file, buffer, size);
    if (n < 0) {
      const std::string why = zip_file_strerror(part.file);
      fail("xlsx_bad_zip", name + ": the zip archive is damaged: " + why,
           name + "：zip 压缩包已损坏：" + zip_reason_zh(zip_file_get_error(part.file)));
      return -1;
    }
    part.inflated += static_cast<std::uint64_t>(n);
    if (part.inflated > cap) {
      const std::string mib = std::to_string(cap >> 20);
      fail("xlsx_too_large", name + ": inflates to more than " + mib + " MiB, the most read for this part (a zip bomb, or a workbook too large to be a roster)",
           name + "：解压后超过 " + mib + " MiB，超出此部件的上限（可能是“zip 炸弹”，或工作簿太大，不像名单）");
      return -1;
    }
    if (part.inflated > options.ratio_floor &&
        static_cast<double>(part.inflated) > options.max_ratio * static_cast<double>(std::max<std::uint64_t>(part.compressed, 1))) {
      fail("xlsx_too_large", name + ": inflates more than " + std::to_string(static_cast<long>(options.max_ratio)) + " times its compressed size (a zip bomb)",
           name + "：解压后超过压缩大小的 " + std::to_string(static_cast<long>(options.max_ratio)) + " 倍（可能是“zip 炸弹”）");
      return -1;
    }
    return n;
  }

  XML_Parser make_parser() {
    XML_Parser p = XML_ParserCreate(nullptr);
    if (!p) throw std::bad_alloc();
    XML_SetUserData(p, this);
    depth = 0;
    // No DTD: a DTD is all that entity expansion (billion laughs) and external entities need, and
    // SpreadsheetML never has one (ECMA-376 Part 2, 8.1.4: a DTD makes the package invalid).
    XML_SetStartDoctypeDeclHandler(p, [](void* self, const XML_Char*, const XML_Char*, const XML_Char*, int) {
      auto* impl = static_cast<Impl*>(self);
      impl->fail("xlsx_dtd", impl->current_part + ": has a document type declaration (DTD), which a workbook never has and which can hide entity expansion: refused",
                 impl->current_part + "：含有文档类型声明（DTD），工作簿中不应有，它可能藏有实体展开攻击：拒绝读取");
    });
#ifdef XML_DTD
    XML_SetBillionLaughsAttackProtectionMaximumAmplification(p, 20.0f);
#endif
    return p;
  }

  bool xml_failed(XML_Parser p) {
    if (failed) return true;
    const std::string line = std::to_string(XML_GetCurrentLineNumber(p));
    const std::string why = XML_ErrorString(XML_GetErrorCode(p));
    fail("xlsx_bad_xml", current_part + ":" + line + ": the XML is malformed: " + why,
         current_part + ":" + line + "：XML 格式有误：" + why);
    return true;
  }

  /// Reads all of part `name` with the generic handlers; false on failure. An absent part that is
  /// not `required` reads as nothing (true).
  bool parse_whole(const std::string& name, bool required, std::uint64_t cap,
                   std::function<void(std::string_view, const char**)> start, std::function<void(std::string_view)> end) {
    PartStream part;
    if (!open_part(name, part, required)) return !failed;
    current_part = name;
    on_start = std::move(start);
    on_end = std::move(end);
    XML_Parser p = make_parser();
    XML_SetElementHandler(
        p,
        [](void* self, const XML_Char* n, const XML_Char** a) {
          auto* impl = static_cast<Impl*>(self);
          if (impl->open_element()) impl->on_start(local(n), a);
        },
        [](void* self, const XML_Char* n) {
          auto* impl = static_cast<Impl*>(self);
          --impl->depth;
          impl->on_end(local(n));
        });
    XML_SetCharacterDataHandler(p, [](void* self, const XML_Char* s, int len) {
      auto* impl = static_cast<Impl*>(self);
      if (!impl->capture_into) return;
      if (impl->capture_into->size() + static_cast<std::size_t>(len) > impl->capture_cap) {
        impl->fail_here("xlsx_too_large", "a text longer than " + std::to_string(impl->capture_cap) + " bytes",
                        "文本超过 " + std::to_string(impl->capture_cap) + " 字节");
        return;
      }
      impl->capture_into->append(s, static_cast<std::size_t>(len));
    });
    std::vector<char> buffer(kChunk);
    parser = p;  // so that fail() stops it
    bool ok = true;
    for (;;) {
      const std::int64_t n = read_part(part, name, buffer.data(), buffer.size(), cap);
      if (n < 0) {
        ok = false;
        break;
      }
      if (XML_Parse(p, buffer.data(), static_cast<int>(n), n == 0) != XML_STATUS_OK || failed) {
        ok = !xml_failed(p);
        break;
      }
      if (n == 0) break;
    }
    parser = nullptr;
    XML_ParserFree(p);
    capture_into = nullptr;
    return ok && !failed;
  }

  void open() {
    // [Content_Types].xml: the media types of the parts; _rels/.rels: the main part.
    std::map<std::string, std::string> overrides;  // part name (lower case, no leading /) → type
    if (!parse_whole("[Content_Types].xml", true, options.max_part_bytes,
                     [&](std::string_view n, const char** a) {
                       if (n != "Override") return;
                       const char* part = attribute(a, "PartName");
                       const char* type = attribute(a, "ContentType");
                       if (!part || !type) return;
                       std::string key = part[0] == '/' ? part + 1 : part;
                       for (auto& ch : key) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
                       overrides[key] = type;
                     },
                     [](std::string_view) {})) {
      return;
    }
    if (!parse_whole("_rels/.rels", true, options.max_part_bytes,
                     [&](std::string_view n, const char** a) {
                       if (n != "Relationship" || !workbook_part.empty()) return;
                       const char* type = attribute(a, "Type");
                       const char* target = attribute(a, "Target");
                       if (type && target && ends_with_type(type, "officeDocument")) workbook_part = resolve_target("", target);
                     },
                     [](std::string_view) {})) {
      return;
    }
    if (workbook_part.empty()) {
      return fail("xlsx_missing_part", "_rels/.rels names no main document (officeDocument): the package is no workbook",
                  "_rels/.rels 没有指明主文档（officeDocument）：这个压缩包不是工作簿");
    }
    {
      std::string key = workbook_part;
      for (auto& ch : key) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      const auto it = overrides.find(key);
      if (it != overrides.end() && it->second.find("spreadsheetml") == std::string::npos &&
          it->second.find("ms-excel") == std::string::npos) {
        const bool word = it->second.find("wordprocessingml") != std::string::npos;
        const bool slides = it->second.find("presentationml") != std::string::npos;
        return fail("xlsx_not_workbook",
                    std::string("the file is ") + (word ? "a Word document" : slides ? "a PowerPoint presentation" : "an Office package of type " + it->second) +
                        ", not an Excel workbook: give the roster as .xlsx or CSV",
                    std::string("文件是") + (word ? " Word 文档" : slides ? " PowerPoint 演示文稿" : "类型为 " + it->second + " 的 Office 文件") +
                        "，不是 Excel 工作簿：请提供 .xlsx 或 CSV 格式的名单");
      }
    }
    // The workbook: its sheets in tab order and its date system.
    if (!parse_whole(workbook_part, true, options.max_part_bytes,
                     [&](std::string_view n, const char** a) {
                       if (n == "workbookPr") {
                         const char* d = attribute(a, "date1904");
                         date1904 = d && (std::strcmp(d, "1") == 0 || std::strcmp(d, "true") == 0);
                       } else if (n == "sheet") {
                         const char* name = attribute(a, "name");
                         const char* id = attribute(a, "id");
                         sheet_names.emplace_back(name ? name : "");
                         sheet_ids.emplace_back(id ? id : "");
                       }
                     },
                     [](std::string_view) {})) {
      return;
    }
    if (sheet_names.empty()) {
      return fail("xlsx_no_sheet", workbook_part + ": the workbook has no sheet", workbook_part + "：工作簿中没有工作表");
    }
    std::size_t chosen = 0;
    if (!options.sheet.empty()) {
      chosen = static_cast<std::size_t>(std::find(sheet_names.begin(), sheet_names.end(), options.sheet) - sheet_names.begin());
      if (chosen == sheet_names.size()) {
        // Each name in quotes, so that a trailing space ('名单 ') shows (the trial's tab looked
        // like 名单 and the message seemed to list the very sheet asked for).
        std::string list, list_zh;
        for (const auto& s : sheet_names) {
          list += (list.empty() ? "'" : ", '") + s + "'";
          list_zh += (list_zh.empty() ? "“" : "、“") + s + "”";
        }
        return fail("xlsx_no_sheet", "the workbook has no sheet named '" + options.sheet + "'; its sheets: " + list,
                    "工作簿中没有名为“" + options.sheet + "”的工作表；它的工作表有：" + list_zh);
      }
    }
    sheet_name = sheet_names[chosen];
    // The workbook's relationships: the sheet's part, the shared strings, the styles.
    const std::string rels = rels_of(workbook_part);
    if (!parse_whole(rels, true, options.max_part_bytes,
                     [&](std::string_view n, const char** a) {
                       if (n != "Relationship") return;
                       const char* id = attribute(a, "Id");
                       const char* type = attribute(a, "Type");
                       const char* target = attribute(a, "Target");
                       if (!type || !target) return;
                       if (id && sheet_ids[chosen] == id) sheet_part = resolve_target(workbook_part, target);
                       if (ends_with_type(type, "sharedStrings")) shared_part = resolve_target(workbook_part, target);
                       if (ends_with_type(type, "styles")) styles_part = resolve_target(workbook_part, target);
                     },
                     [](std::string_view) {})) {
      return;
    }
    if (sheet_part.empty()) {
      return fail("xlsx_missing_part", rels + ": names no part for sheet " + sheet_name + " (relationship " + sheet_ids[chosen] + ")",
                  rels + "：没有工作表“" + sheet_name + "”（关系 " + sheet_ids[chosen] + "）对应的部件");
    }
    if (!shared_part.empty() && !read_shared_strings()) return;
    if (!styles_part.empty() && !read_styles()) return;
    // The sheet: streamed by next().
    if (!open_part(sheet_part, sheet, true)) return;
    current_part = sheet_part;
    parser = make_parser();
    XML_SetElementHandler(
        parser,
        [](void* self, const XML_Char* n, const XML_Char** a) {
          auto* impl = static_cast<Impl*>(self);
          if (impl->open_element()) impl->sheet_start(n, a);
        },
        [](void* self, const XML_Char* n) {
          auto* impl = static_cast<Impl*>(self);
          --impl->depth;
          impl->sheet_end(n);
        });
    XML_SetCharacterDataHandler(parser, [](void* self, const XML_Char* s, int len) {
      static_cast<Impl*>(self)->sheet_text(s, static_cast<std::size_t>(len));
    });
  }

  bool read_shared_strings() {
    bool in_si = false;
    std::uint32_t rph = 0;
    std::string item;
    return parse_whole(shared_part, true, options.max_shared_strings_bytes,
                       [&](std::string_view n, const char**) {
                         if (n == "si") {
                           in_si = true;
                           item.clear();
                         } else if (n == "rPh") {
                           ++rph;
                         } else if (n == "t" && in_si && rph == 0) {
                           capture_into = &item;
                           capture_cap = options.max_cell_bytes;
                         }
                       },
                       [&](std::string_view n) {
                         if (n == "t") {
                           capture_into = nullptr;
                         } else if (n == "rPh") {
                           if (rph > 0) --rph;
                         } else if (n == "si" && in_si) {
                           in_si = false;
                           shared += item;
                           shared_ends.push_back(static_cast<std::uint32_t>(shared.size()));
                         }
                       });
  }

  bool read_styles() {
    std::map<std::uint32_t, bool> custom;  // numFmtId → a date format
    std::map<std::uint32_t, std::string> codes;  // numFmtId → its format code
    std::map<std::string, std::uint16_t, std::less<>> index_of;  // a code → its number_formats index
    std::vector<std::uint32_t> formats;    // per cellXfs entry
    bool in_xfs = false;
    const bool ok = parse_whole(styles_part, true, options.max_part_bytes,
                                [&](std::string_view n, const char** a) {
                                  std::uint32_t id = 0;
                                  if (n == "numFmt") {
                                    const char* i = attribute(a, "numFmtId");
                                    const char* code = attribute(a, "formatCode");
                                    if (i && code && parse_u32(i, id)) {
                                      custom[id] = xlsx_date_format(code);
                                      codes[id] = code;
                                    }
                                  } else if (n == "cellXfs") {
                                    in_xfs = true;
                                  } else if (n == "xf" && in_xfs) {
                                    const char* i = attribute(a, "numFmtId");
                                    formats.push_back(i && parse_u32(i, id) ? id : 0);
                                  }
                                },
                                [&](std::string_view n) {
                                  if (n == "cellXfs") in_xfs = false;
                                });
    for (const auto f : formats) {
      const auto it = custom.find(f);
      xf_date.push_back(it != custom.end() ? it->second : xlsx_builtin_date_format(f));
      // A number cell's format, to write it back as it was: a custom code, or a built-in id's.
      const auto c = codes.find(f);
      const std::string_view code = c != codes.end() ? std::string_view(c->second) : xlsx_builtin_number_format(f);
      std::uint16_t index = 0;
      if (!code.empty() && code != "General" && code.size() <= kMaxFormatCode) {
        // By a map, not a scan of the table: a hostile styles part of millions of xf entries
        // against a full table would otherwise cost kMaxNumberFormats comparisons each.
        if (const auto known = index_of.find(code); known != index_of.end()) {
          index = known->second;
        } else if (number_formats.size() < kMaxNumberFormats) {
          index = static_cast<std::uint16_t>(number_formats.size());
          number_formats.emplace_back(code);
          index_of.emplace(code, index);
        }
      }
      xf_number.push_back(index);
    }
    return ok;
  }

  // --- the sheet ---

  void sheet_start(const char* name, const char** a) {
    if (failed) return;
    const SheetName n = sheet_element(name);
    if (in_cell) {
      if (n == SheetName::v && !in_is) {
        capture = Capture::v;
      } else if (n == SheetName::f && !in_is) {
        capture = Capture::f;
        formula = "=";
      } else if (n == SheetName::is) {
        in_is = true;
      } else if (n == SheetName::rPh) {
        ++phonetic;
      } else if (n == SheetName::t && in_is && phonetic == 0) {
        capture = Capture::t;
      }
      return;
    }
    if (n == SheetName::c && in_row) return cell_start(a);
    if (n == SheetName::row && in_sheet_data) return row_start(a);
    if (n == SheetName::sheetData) in_sheet_data = true;
    if (n == SheetName::mergeCell && !in_sheet_data) merge_cell(a);
  }

  /// A mergeCell's ref (A5:A9): kept when it spans rows. A ref that is none is skipped: merged
  /// areas only explain blank cells, they never change what is read.
  void merge_cell(const char** a) {
    const char* ref = attribute(a, "ref");
    if (!ref) return;
    const std::string_view r(ref);
    const auto colon = r.find(':');
    if (colon == std::string_view::npos) return;
    MergedArea m;
    if (!parse_ref(r.substr(0, colon), m.first_column, m.first_row) || !parse_ref(r.substr(colon + 1), m.last_column, m.last_row)) return;
    if (m.last_row <= m.first_row || m.last_column < m.first_column) return;
    if (merged.size() < RecordSource::kMaxMergedAreas) merged.push_back(m);
    ++merged_total;
  }

  void row_start(const char** a) {
    std::uint32_t r = last_row + 1;
    if (const char* ref = CellAttributes(a).r) {
      if (!parse_u32(ref, r) || r < 1 || r > kMaxRows) {
        return fail(std::string("xlsx_bad_ref"), current_part + ": row number '" + std::string(ref).substr(0, 20) + "' is not one of 1..1048576",
                    current_part + "：行号“" + std::string(ref).substr(0, 20) + "”不在 1..1048576 之内");
      }
    }
    if (r <= last_row) {
      return fail("xlsx_bad_ref", current_part + ": row " + std::to_string(r) + " comes after row " + std::to_string(last_row) + ": rows must be in order",
                  current_part + "：第" + std::to_string(r) + "行出现在第" + std::to_string(last_row) + "行之后：行必须按顺序排列");
    }
    if (r > kMaxRows) {
      return fail("xlsx_bad_ref", current_part + ": a row after row 1048576, the last a sheet has", current_part + "：第1048576行（工作表的最后一行）之后还有行");
    }
    row = r;
    in_row = true;
    next_column = 0;
    building.clear();
    building.row = r;
    row_too_large = false;
  }

  /// The row being read is past kMaxCellBytes or kMaxRowBytes: nothing more of it is kept, and it
  /// is delivered as a row too large to read (mark_too_large); the rows after it are read as usual.
  void drop_row() {
    row_too_large = true;
    text.clear();
    building.clear();
  }

  void cell_start(const char** a) {
    const CellAttributes attrs(a);
    std::uint32_t c = next_column;
    if (const char* ref = attrs.r) {
      std::uint32_t r = 0;
      if (!parse_ref(ref, c, r)) {
        const std::string shown(std::string(ref).substr(0, 20));
        return fail_here("xlsx_bad_ref", "cell reference '" + shown + "' is not one of A1..XFD1048576",
                         "单元格引用“" + shown + "”不在 A1..XFD1048576 之内");
      }
      if (r != row) {
        const std::string shown(std::string(ref).substr(0, 20));
        return fail_here("xlsx_bad_ref", "cell " + shown + " is inside row " + std::to_string(row),
                         "单元格 " + shown + " 位于第" + std::to_string(row) + "行内");
      }
      if (c < next_column) {
        const std::string shown(std::string(ref).substr(0, 20));
        return fail_here("xlsx_bad_ref", "cell " + shown + " comes after column " + column_letters(next_column - 1) + ": cells must be in order",
                         "单元格 " + shown + " 出现在 " + column_letters(next_column - 1) + " 列之后：单元格必须按顺序排列");
      }
    } else if (c >= kMaxColumns) {
      return fail_here("xlsx_bad_ref", "more than 16384 cells (past column XFD)", "单元格超过 16384 个（超出 XFD 列）");
    }
    column = c;
    next_column = c + 1;
    in_cell = true;
    formula.clear();
    cell_type = 'n';
    if (const char* t = attrs.t) {
      const std::string_view tv(t);
      cell_type = tv == "s" ? 's' : tv == "str" ? 't' : tv == "inlineStr" ? 'i' : tv == "b" ? 'b' : tv == "e" ? 'e' : tv == "d" ? 'd' : tv == "n" ? 'n' : '?';
      if (cell_type == '?') {
        const std::string shown = std::string(tv).substr(0, 20);
        return fail_here("xlsx_bad_xml", "unknown cell type t=\"" + shown + "\"", "未知的单元格类型 t=\"" + shown + "\"");
      }
    }
    style = 0;
    if (const char* s = attrs.s) {
      if (!parse_u32(s, style) || (style > 0 && style >= xf_date.size())) {
        const std::string shown = std::string(s).substr(0, 20);
        return fail_here("xlsx_bad_xml", "cell format s=\"" + shown + "\" is not in the workbook's styles (" + std::to_string(xf_date.size()) + " formats)",
                         "单元格格式 s=\"" + shown + "\" 不在工作簿的样式中（共 " + std::to_string(xf_date.size()) + " 种）");
      }
    }
    text.clear();
    in_is = false;
    phonetic = 0;
    capture = Capture::none;
  }

  void sheet_text(const char* s, std::size_t len) {
    if (capture == Capture::none || failed) return;
    if (capture == Capture::f) {
      if (formula.size() < 200) formula.append(s, std::min<std::size_t>(len, 200));  // enough to show
      return;
    }
    if (row_too_large) return;
    if (text.size() + len > options.max_cell_bytes) return drop_row();
    text.append(s, len);
  }

  void sheet_end(const char* name) {
    if (failed) return;
    const SheetName n = sheet_element(name);
    if (in_cell) {
      if (n == SheetName::v || n == SheetName::t || n == SheetName::f) {
        capture = Capture::none;
      } else if (n == SheetName::rPh) {
        if (phonetic > 0) --phonetic;
      } else if (n == SheetName::is) {
        in_is = false;
      } else if (n == SheetName::c) {
        cell_end();
        in_cell = false;
      }
      return;
    }
    if (n == SheetName::row && in_row) {
      row_end();
    } else if (n == SheetName::sheetData) {
      in_sheet_data = false;
    }
  }

  void cell_end() {
    if (row_too_large) return;
    bool error_value = false, number_value = false, date_value = false;
    // What the cell gives: a view of its own text, of the shared string table or of `value`, so
    // that the common cells are copied once, into the record.
    std::string_view given;
    if (!formula.empty() && text.empty() && cell_type != 'i') {
      // A formula saved without its result (written by a program, not by Excel or WPS, which
      // save both): there is no value to read, and an empty cell would read as unknown. Its row
      // gets a bad cell showing the formula; opening and saving the workbook in Excel fixes it.
      value = formula.size() > 60 ? formula.substr(0, 57) + "..." : formula;
      given = value;
      error_value = true;
      cell_type = 'f';
    }
    switch (cell_type) {
      case 'f': break;
      case 's': {
        if (text.empty()) return;
        std::uint32_t k = 0;
        if (!parse_u32(text, k) || k >= shared_ends.size()) {
          const std::string shown = text.substr(0, 20);
          return fail_here("xlsx_bad_xml", "shared string " + shown + " does not exist (the table has " + std::to_string(shared_ends.size()) + ")",
                           "共享字符串序号 " + shown + " 不存在（共有 " + std::to_string(shared_ends.size()) + " 个）");
        }
        const std::uint32_t b = k == 0 ? 0 : shared_ends[k - 1];
        given = std::string_view(shared).substr(b, shared_ends[k] - b);
        break;
      }
      case 't':
      case 'i': given = text; break;
      case 'b':
        if (text.empty()) return;
        if (text != "0" && text != "1") {
          return fail_here("xlsx_bad_xml", "a boolean cell holds '" + text.substr(0, 20) + "', not 0 or 1",
                           "布尔单元格的值是“" + text.substr(0, 20) + "”，不是 0 或 1");
        }
        given = text == "1" ? "TRUE" : "FALSE";
        break;
      case 'e':
        given = text;
        error_value = true;
        break;
      case 'd': {
        // ISO 8601 (Strict): the date, and the time of day when it is not midnight.
        const std::string_view t(text);
        if (t.size() > 11 && t[10] == 'T') {
          const std::string_view time = t.substr(11, 8);
          value.assign(t.substr(0, 10));
          if (time.find_first_not_of("0:") != std::string_view::npos) value.append(" ").append(time);
          given = value;
        } else {
          given = t;
        }
        break;
      }
      default: {
        if (text.empty()) return;
        if (!number_text(given)) return;
        const bool date_format = style < xf_date.size() && xf_date[style];
        number_value = !date_format;
        // A whole day (no time of day), and one that exists (not Excel's 1900-02-29 or 1900-01-00).
        date_value = date_format && given.size() == 10 && given != "1900-02-29" && given != "1900-01-00";
        break;
      }
    }
    if (given.empty()) return;
    auto& b = building;
    if (b.text.size() + given.size() > options.max_row_bytes) return drop_row();
    while (b.ends.size() < column) b.ends.push_back(static_cast<std::uint32_t>(b.text.size()));
    b.text += given;
    b.ends.push_back(static_cast<std::uint32_t>(b.text.size()));
    if (error_value) b.error_fields.push_back(column);
    if (number_value) {
      b.number_fields.push_back(column);
      b.number_formats.push_back(style < xf_number.size() ? xf_number[style] : std::uint16_t{0});
    }
    if (date_value) b.date_fields.push_back(column);
  }

  /// The text of a number cell into `given` (a view of `text` or of `value`): a date when its
  /// format is one, else the shortest text that reads back as the same double (2021001, not
  /// 2021001.0 or 2.021001E6), in plain digits from 1e-6 to 1e15 (a number written as plain digits
  /// keeps them, however many); from 1e15 Excel's 15 significant digits (1.10101200303031E+17);
  /// empty for a date serial that is no date.
  bool number_text(std::string_view& given) {
    const bool date = style < xf_date.size() && xf_date[style];
    if (!date && plain_integer(text)) {
      given = text;  // what std::to_chars gives back for it: the same digits
      return true;
    }
    double x = 0;
    const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), x);
    if (ec != std::errc() || p != text.data() + text.size() || !std::isfinite(x)) {
      const std::string shown = text.substr(0, 20);
      fail_here("xlsx_bad_xml", "a number cell holds '" + shown + "', which is no number", "数值单元格的值“" + shown + "”不是数字");
      return false;
    }
    if (date && x >= 0 && x < 2958466) {
      // Whole seconds: Excel stores times as fractions of a day, rounded in the last bits.
      auto seconds = static_cast<std::int64_t>(std::llround(x * 86400.0));
      std::int64_t day = seconds / 86400;
      seconds %= 86400;
      if (const auto d = model::excel_serial_day(day, date1904)) {
        value = calendar::format_date(*d);
      } else if (!date1904 && day == 60) {
        value = "1900-02-29";  // the day Excel invents: the cell parser says it does not exist
      } else if (!date1904 && day == 0) {
        value = "1900-01-00";  // what Excel shows for serial 0: no date
      } else {
        value.clear();
      }
      if (!value.empty()) {
        if (seconds != 0) {
          char t[16];
          std::snprintf(t, sizeof t, " %02d:%02d:%02d", static_cast<int>(seconds / 3600), static_cast<int>(seconds / 60 % 60),
                        static_cast<int>(seconds % 60));
          value += t;
        }
        given = value;
        return true;
      }
    }
    char buffer[64];
    const double magnitude = std::fabs(x);
    if (magnitude >= 1e15) {
      // Beyond the 15 significant digits a spreadsheet keeps (an 18-digit ID number typed into a
      // number cell is stored as 1.10101200303031E+17): the digits after the 15th are not in
      // the file, so they are not made up (printing the double exactly gave ...031008). Excel's
      // own scientific form, which the ID-number check recognises as Excel's damage.
      const int n = std::snprintf(buffer, sizeof buffer, "%.15G", x);
      value.assign(buffer, static_cast<std::size_t>(std::max(n, 0)));
      given = value;
      return true;
    }
    // Plain digits from 1e-6 to 1e15 (学号 2020000000 stays 2020000000, where the shortest form
    // would be 2.02e+09), the shortest round-trip digits either way; an exponent only below.
    const bool plain = x == 0 || (magnitude >= 1e-6 && magnitude < 1e21);
    const auto r = plain ? std::to_chars(buffer, buffer + sizeof buffer, x, std::chars_format::fixed)
                         : std::to_chars(buffer, buffer + sizeof buffer, x);
    value.assign(buffer, r.ptr);
    given = value;
    return true;
  }

  void row_end() {
    in_row = false;
    last_row = row;
    auto& b = building;
    if (row_too_large) {
      mark_too_large(b, row);
    } else {
      // Trailing blank cells are dropped, and a row of nothing but blanks gives no record, as a CSV
      // line of commas and spaces does not (RosterReader).
      while (!b.ends.empty() && b.field(b.ends.size() - 1).find_first_not_of(" \t") == std::string_view::npos &&
             !b.is_error_field(b.ends.size() - 1)) {
        b.ends.pop_back();
      }
      if (b.ends.empty()) return;
      b.text.resize(b.ends.back());
    }
    if (ready_count == ready.size()) {
      std::vector<Record> grown(ready.size() * 2 + 4);
      for (std::size_t k = 0; k < ready_count; ++k) std::swap(grown[k], ready[(ready_head + k) % ready.size()]);
      ready.swap(grown);
      ready_head = 0;
    }
    std::swap(ready[(ready_head + ready_count) % ready.size()], b);
    ++ready_count;
    b.clear();
  }

  /// Parses the next chunk of the sheet; false at its end or on failure.
  bool fill() {
    if (sheet_done || failed || !parser) return false;
    // Inflated straight into expat's own buffer (XML_Parse would copy it there).
    void* buffer = XML_GetBuffer(parser, static_cast<int>(kChunk));
    if (!buffer) {
      xml_failed(parser);  // out of memory
      return false;
    }
    const std::int64_t n = read_part(sheet, sheet_part, static_cast<char*>(buffer), kChunk, options.max_sheet_bytes);
    if (n < 0) return false;
    if (XML_ParseBuffer(parser, static_cast<int>(n), n == 0) != XML_STATUS_OK || failed) {
      xml_failed(parser);
      return false;
    }
    if (n == 0) sheet_done = true;
    sheet_inflated.store(sheet.inflated, std::memory_order_relaxed);
    return true;
  }

  /// The next parsed record into `out`, parsing on this thread; false at the end or on failure.
  bool next_here(Record& out) {
    while (ready_count == 0) {
      if (stop_now.load(std::memory_order_relaxed)) return false;
      // A chunk that fails may have completed rows before the failure: they are delivered first.
      if (!fill() && ready_count == 0) return false;
    }
    std::swap(out, ready[ready_head]);
    ready[ready_head].clear();
    ready_head = (ready_head + 1) % ready.size();
    --ready_count;
    return true;
  }

  /// The parsing thread: fills the blocks in turn until the sheet ends, fails or the destructor
  /// stops it.
  void read_ahead() {
    for (std::size_t p = 0;; ++p) {
      Block& b = blocks[p % kBlocks];
      {
        std::unique_lock lock(mutex);
        given_back.wait(lock, [&] { return stopping || queued < kBlocks; });
        if (stopping) return;
      }
      b.count = 0;
      b.last = false;
      b.failure.reset();
      b.error = nullptr;
      try {
        while (b.count < kBlockRows) {
          if (stop_now.load(std::memory_order_relaxed)) return;
          if (b.records.size() == b.count) b.records.emplace_back();
          if (!next_here(b.records[b.count])) {
            b.last = true;
            b.failure = failed;
            break;
          }
          ++b.count;
        }
      } catch (...) {
        b.last = true;
        b.error = std::current_exception();
      }
      {
        const std::lock_guard lock(mutex);
        ++queued;
      }
      handed_over.notify_one();
      if (b.last) return;
    }
  }

  /// The next record from the parsing thread's blocks (read_ahead on).
  bool next_ahead(Record& out) {
    for (;;) {
      if (finished) return false;
      if (current && delivered < current->count) {
        std::swap(out, current->records[delivered]);
        ++delivered;
        if (delivered == current->count && current->last) deliver_end();  // seen at once, as next_here's is
        return true;
      }
      if (current) {
        if (current->last) {
          deliver_end();
          return false;
        }
        {
          const std::lock_guard lock(mutex);
          --queued;
        }
        given_back.notify_one();
        current = nullptr;
        ++consumed;
      }
      if (!started) {
        thread = std::thread([this] { read_ahead(); });
        started = true;
      }
      {
        std::unique_lock lock(mutex);
        handed_over.wait(lock, [&] { return queued > 0; });
      }
      current = &blocks[consumed % kBlocks];
      delivered = 0;
    }
  }

  /// The last block's records are delivered: its failure shows, its exception is thrown (once).
  void deliver_end() {
    finished = true;
    delivered_failure = current->failure;
    if (current->error) {
      const std::exception_ptr e = current->error;
      current->error = nullptr;
      std::rethrow_exception(e);
    }
  }
};

XlsxReader::XlsxReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
XlsxReader::~XlsxReader() = default;

std::unique_ptr<XlsxReader> XlsxReader::open_file(const std::string& path, const XlsxOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  int error = 0;
  impl->archive = zip_open(path.c_str(), ZIP_RDONLY, &error);
  if (!impl->archive) {
    zip_error_t e;
    zip_error_init_with_code(&e, error);
    const std::string why = zip_error_strerror(&e);
    const std::string why_zh = zip_reason_zh(&e);
    zip_error_fini(&e);
    impl->fail("xlsx_bad_zip", "the workbook is not a readable zip archive (an .xlsx is one): " + why,
               "工作簿不是可读的 zip 压缩包（.xlsx 文件应是）：" + why_zh);
  } else {
    impl->open();
  }
  return std::unique_ptr<XlsxReader>(new XlsxReader(std::move(impl)));
}

std::unique_ptr<XlsxReader> XlsxReader::open_memory(std::string_view bytes, const XlsxOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  zip_error_t e;
  zip_error_init(&e);
  zip_source_t* source = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &e);
  if (source) {
    impl->archive = zip_open_from_source(source, ZIP_RDONLY, &e);
    if (!impl->archive) zip_source_free(source);
  }
  if (!impl->archive) {
    const std::string why = zip_error_strerror(&e);
    impl->fail("xlsx_bad_zip", "the workbook is not a readable zip archive (an .xlsx is one): " + why,
               "工作簿不是可读的 zip 压缩包（.xlsx 文件应是）：" + zip_reason_zh(&e));
  } else {
    impl->open();
  }
  zip_error_fini(&e);
  return std::unique_ptr<XlsxReader>(new XlsxReader(std::move(impl)));
}

bool XlsxReader::next(Record& out) {
  Impl& m = *impl_;
  // Once the thread runs, `failed` and the parser are its own; a workbook that failed to open has
  // nothing to read ahead.
  if (m.started || (m.options.read_ahead && !m.failed && m.parser)) return m.next_ahead(out);
  return m.next_here(out);
}

std::optional<SourceFailure> XlsxReader::failure() const {
  const Impl& m = *impl_;
  // Records parsed before the failure are still delivered; the failure shows once they are.
  if (m.started) return m.delivered_failure;  // the thread's state is its own
  if (m.ready_count > 0) return std::nullopt;
  return m.failed;
}

std::uint64_t XlsxReader::bytes_read() const {
  const PartStream& s = impl_->sheet;
  if (s.stated == 0) return 0;
  const auto inflated = impl_->sheet_inflated.load(std::memory_order_relaxed);
  return static_cast<std::uint64_t>(static_cast<double>(s.compressed) * static_cast<double>(inflated) / static_cast<double>(s.stated));
}

std::pair<std::vector<MergedArea>, std::size_t> XlsxReader::merged_rows() const {
  const Impl& m = *impl_;
  if (!m.finished && m.started) return {};  // still the parsing thread's
  return {m.merged, m.merged_total};
}

const std::vector<std::string>& XlsxReader::sheet_names() const { return impl_->sheet_names; }

const std::vector<std::string>& XlsxReader::number_formats() const { return impl_->number_formats; }
const std::string& XlsxReader::sheet_name() const { return impl_->sheet_name; }
const std::string& XlsxReader::sheet_part() const { return impl_->sheet_part; }
bool XlsxReader::date1904() const { return impl_->date1904; }

}  // namespace rules::batch
