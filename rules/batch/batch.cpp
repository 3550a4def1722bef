#include "batch/batch.h"

#include <iconv.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <memory>
#include <thread>

#include "batch/cells.h"
#include "batch/xlsx_writer.h"
#include "explain/render.h"
#include "model/format.h"
#include "model/resident_id.h"

namespace rules::batch {
namespace {

using model::State;
using model::Value;

/// Where each input column goes: the fact it carries, if any.
struct Layout {
  std::vector<std::string> headers;                     // as written (BOM stripped)
  std::vector<std::optional<std::uint32_t>> column_fact;
  std::vector<std::uint32_t> outputs;                   // output indices to write
  std::vector<std::string> output_headers;              // per output written: its CSV header
  std::array<std::string, 3> added_headers;             // the CSV's as_of, status and error columns
  std::vector<std::uint32_t> order;                     // those and what they read, in evaluation order
  std::vector<std::vector<std::uint32_t>> output_facts; // per output written: the facts it reads
  std::vector<bool> fact_has_column;                    // per fact: a column gives it
  model::FactSet no_column;                             // the facts no column gives
  bool reads_any = false;                               // some column gives a fact an output written reads
  std::vector<bool> fact_needed;                        // per fact: an output written reads it (a bad cell of
                                                        // another fact is a warning, not a row error)
  std::vector<bool> id_column;                          // per column: it gives a resident_id fact (Excel damage is counted)
};

/// Blocks in a round per job: small blocks let the reading thread, once it has read and written,
/// take blocks the workers have not reached, and keep the threads evenly loaded.
constexpr std::size_t kBlocksPerJob = 4;

/// Bytes of a row's error message past which further bad cells are named by column only.
constexpr std::size_t kRowMessageBudget = 1000;

/// `zh` or `en` as a string (source::pick gives a view, which does not concatenate).
std::string say(source::Lang lang, std::string_view zh, std::string_view en) { return std::string(lang == source::Lang::zh ? zh : en); }

/// The day a workbook's date cell reads as (XlsxReader gives it as YYYY-MM-DD), into `d`.
bool date_cell(std::string_view text, calendar::Date& d) {
  const auto parsed = calendar::parse_date(text);
  if (parsed) d = *parsed;
  return parsed.ok();
}

/// The number a workbook's number cell reads as (XlsxReader's text of it), into `x`; false when the
/// text is not all one finite number.
bool number_cell(std::string_view text, double& x) {
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), x);
  return ec == std::errc() && p == text.data() + text.size() && std::isfinite(x);
}

/// A column's letters as a spreadsheet names it: 0 -> A, 25 -> Z, 26 -> AA.
std::string column_letters(std::size_t index) {
  std::string letters;
  for (std::size_t n = index + 1; n > 0; n = (n - 1) / 26) {
    letters.insert(letters.begin(), static_cast<char>('A' + (n - 1) % 26));
  }
  return letters;
}

/// A column as a spreadsheet user finds it: "I列（退役日期）" / "column I (退役日期)"; without the
/// parenthesis when the header is empty. The header is roster text: control characters escaped.
std::string column_name(std::size_t index, std::string_view header, source::Lang lang) {
  const std::string letters = column_letters(index);
  if (lang == source::Lang::zh) return letters + "列" + (header.empty() ? "" : "（" + escape_controls(header) + "）");
  return "column " + letters + (header.empty() ? "" : " (" + escape_controls(header) + ")");
}

/// The start of a row's message: "第10行 " / "row 10, ".
std::string row_prefix(std::size_t row, source::Lang lang) {
  return lang == source::Lang::zh ? "第" + std::to_string(row) + "行 " : "row " + std::to_string(row) + ", ";
}

/// The code points of `text` (UTF-8); a byte that does not start a valid sequence counts as one
/// code point of its own (0xDC00 + byte, a lone surrogate, so it never equals a character).
std::u32string code_points(std::string_view text) {
  std::u32string out;
  for (std::size_t i = 0; i < text.size();) {
    const auto b = static_cast<unsigned char>(text[i]);
    const std::size_t n = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
    std::size_t good = 0;
    if (n == 0 || i + n > text.size() || !valid_utf8(text.substr(i, n), &good)) {
      out.push_back(0xDC00 + b);
      ++i;
      continue;
    }
    char32_t cp = n == 1 ? b : n == 2 ? (b & 0x1F) : n == 3 ? (b & 0x0F) : (b & 0x07);
    for (std::size_t k = 1; k < n; ++k) cp = cp << 6 | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    out.push_back(cp);
    i += n;
  }
  return out;
}

/// A header as near misses compare it: full-width forms folded to ASCII (ＡＢ１（ → AB1(), ASCII
/// letters lowercased, whitespace (also U+3000 and U+00A0) dropped.
std::u32string fold_header(std::string_view header) {
  std::u32string out;
  for (char32_t c : code_points(header)) {
    if (c >= 0xFF01 && c <= 0xFF5E) c -= 0xFEE0;
    if (c == 0x3000 || c == 0xA0 || c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    if (c >= 'A' && c <= 'Z') c += 'a' - 'A';
    out.push_back(c);
  }
  return out;
}

/// Levenshtein distance in code points, stopping early once every cell exceeds `limit`
/// (then some value above `limit`).
std::size_t edit_distance(const std::u32string& a, const std::u32string& b, std::size_t limit) {
  if ((a.size() > b.size() ? a.size() - b.size() : b.size() - a.size()) > limit) return limit + 1;
  std::vector<std::size_t> previous(b.size() + 1), current(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    std::size_t best = current[0];
    for (std::size_t j = 1; j <= b.size(); ++j) {
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      best = std::min(best, current[j]);
    }
    if (best > limit) return limit + 1;
    std::swap(previous, current);
  }
  return previous[b.size()];
}

/// Whether `part` (folded) is only marks around a header: digits, ASCII punctuation, CJK
/// punctuation and symbols (*退役日期, 1.退役日期, 退役日期：) — not letters or ideographs.
bool only_marks(std::u32string_view part) {
  return std::all_of(part.begin(), part.end(), [](char32_t c) {
    return (c < 0x80 && !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) || (c >= 0x3000 && c <= 0x303F) ||
           (c >= 0x2000 && c <= 0x2BFF) || c == 0xFF65;
  });
}

/// Whether `suffix` (folded) is an annotation after a header: marks only, or an opening bracket
/// and anything after it (退役日期(年月日), 退役日期【必填】).
bool annotation_after(std::u32string_view suffix) {
  static constexpr std::u32string_view kOpening = U"([{<\u3010\u3014\u3008\u300A\u3016";
  return only_marks(suffix) || kOpening.find(suffix.front()) != std::u32string_view::npos;
}

/// A header cell as it is matched: trimmed (also full-width spaces), a stray BOM dropped.
std::string_view clean_header(std::string_view field) {
  std::string_view h = trim_cell(field);
  while (h.starts_with("\xEF\xBB\xBF")) h = trim_cell(h.substr(3));
  return h;
}

/// The fact a (clean) header names: a fact's name in any ASCII case (Discharge_Date), its label
/// (`policy facts` shows it first, and a registrar may well copy it) or one of its CSV headers.
std::optional<std::uint32_t> header_fact(const std::vector<model::Fact>& facts, std::string_view h) {
  for (std::uint32_t f = 0; f < facts.size(); ++f) {
    if (equals_ascii_ci(facts[f].name, h) || (!facts[f].label.empty() && facts[f].label == h) ||
        std::find(facts[f].csv_headers.begin(), facts[f].csv_headers.end(), h) != facts[f].csv_headers.end()) {
      return f;
    }
  }
  return std::nullopt;
}

/// Whether some cell of `record` names a fact (a header row, not a title row above it).
bool names_a_fact(const std::vector<model::Fact>& facts, const Record& record) {
  if (record.decode_error) return false;
  for (std::size_t c = 0; c < record.size(); ++c) {
    if (header_fact(facts, clean_header(record.field(c)))) return true;
  }
  return false;
}

/// Maps the header row to facts by fact name or by any CSV header the pack declares for it.
/// `layout.outputs` must be set: with `csv`, a header equal to a column batch adds (an output
/// written, `status`, `error`) is an error.
std::vector<source::Diagnostic> map_header(const engine::Engine& engine, const Record& header, const std::string& name,
                                           const Encoding* encoding, bool csv, Layout& layout) {
  using source::Lang;
  std::vector<source::Diagnostic> diags;
  const auto& facts = engine.policy().facts;
  auto at = [&](std::size_t column) {
    return source::diagnostic_at("", name, {static_cast<std::uint32_t>(header.row), static_cast<std::uint32_t>(column + 1)}, "", "");
  };
  std::vector<std::optional<std::size_t>> fact_column(facts.size());
  bool any = false;
  // Columns named like one batch adds: one diagnostic for all of them (a file batch wrote has a
  // dozen or more), at the first of them and in column order among the other diagnostics.
  std::vector<std::size_t> clashes;  // their indices
  std::size_t first_clash = 0, clash_at = 0;
  bool output_clash = false;
  for (std::size_t c = 0; c < header.size(); ++c) {
    // Headers match after trimming (also full-width spaces) and dropping a stray BOM; fact names
    // match in any ASCII case (Discharge_Date), Chinese headers exactly.
    const std::string_view h = clean_header(header.field(c));
    layout.headers.emplace_back(header.field(c));
    const std::optional<std::uint32_t> fact = header_fact(facts, h);
    if (h.empty()) {
      // Trailing empty headers were dropped by the reader: an empty one here has named columns after it.
      auto d = at(c);
      d.code = "batch_empty_header";
      d.message = column_name(c, h, Lang::en) + " has no header, so its values could not be read";
      d.message_zh = column_name(c, h, Lang::zh) + "没有表头，其中的值无法读取";
      diags.push_back(std::move(d));
    }
    // The CSV output is the input columns followed by the columns batch adds: an input column of
    // the same name (typically a result column of an earlier run) would make two of one name.
    if (csv && !h.empty()) {
      const bool result = std::find(layout.added_headers.begin(), layout.added_headers.end(), h) != layout.added_headers.end();
      const bool output = std::find(layout.output_headers.begin(), layout.output_headers.end(), h) != layout.output_headers.end();
      if (result || output) {
        if (clashes.empty()) {
          first_clash = c;
          clash_at = diags.size();
        }
        clashes.push_back(c);
        output_clash = output_clash || output;
      }
    }
    if (fact) {
      any = true;
      if (fact_column[*fact]) {
        const std::size_t other = *fact_column[*fact];
        const std::string_view other_header = layout.headers[other];  // as written: a control character shows
        auto d = at(c);
        d.code = "batch_duplicate_column";
        d.message = column_name(other, other_header, Lang::en) + " and " + column_name(c, h, Lang::en) +
                    " both give fact " + facts[*fact].name + " (" + facts[*fact].label + ")";
        d.message_zh = column_name(other, other_header, Lang::zh) + "和" + column_name(c, h, Lang::zh) + "都是“" +
                       facts[*fact].label + "”（" + facts[*fact].name + "）：请删去或改名其中一列";
        diags.push_back(std::move(d));
      }
      fact_column[*fact] = c;
    }
    layout.column_fact.push_back(fact);
  }
  if (!clashes.empty()) {
    constexpr std::size_t kNamed = 3;  // then "and N more"
    const bool one = clashes.size() == 1;
    std::string named, named_zh;
    for (std::size_t k = 0; k < clashes.size() && k < kNamed; ++k) {
      const bool last = k + 1 == clashes.size();
      const std::string_view h = clean_header(layout.headers[clashes[k]]);
      named += (k == 0 ? "" : last ? " and " : ", ") + column_name(clashes[k], h, Lang::en);
      named_zh += (k == 0 ? "" : last ? "和" : "、") + column_name(clashes[k], h, Lang::zh);
    }
    if (clashes.size() > kNamed) {
      named += " and " + std::to_string(clashes.size() - kNamed) + " more";
      named_zh += "等" + std::to_string(clashes.size()) + "列";
    }
    auto d = at(first_clash);
    d.code = "batch_column_clash";
    d.message = named + (one ? ": batch adds a column of this name to its output, which would then have two"
                             : ": batch adds columns of these names to its output, which would then have two of each") +
                "; remove the old result columns (a file batch wrote ends with as_of, its outputs, status and error)" +
                (output_clash ? " or choose other outputs with --outputs"
                              : one ? " or rename this column" : " or rename these columns");
    d.message_zh = named_zh + "与 batch 在结果中添加的列同名，结果里会出现两列同名；请删去上次运行留下的结果列（batch 写出的文件末尾是评估日期、各项结果、状态和说明）" +
                   (output_clash ? "，或用 --outputs 选择其他结果" : "，或给这些列改名");
    diags.insert(diags.begin() + static_cast<std::ptrdiff_t>(clash_at), std::move(d));
  }
  if (!any) {
    auto d = at(0);
    d.code = "batch_bad_header";
    const std::string_view first = header.size() > 0 ? header.field(0) : std::string_view();
    const bool tabs = first.find('\t') != std::string_view::npos, semicolons = first.find(';') != std::string_view::npos;
    std::size_t filled = 0;
    for (std::size_t c = 0; c < header.size(); ++c) filled += trim_cell(header.field(c)).empty() ? 0 : 1;
    // One cell alone, valid text and no separator in it: a title, and no row of column names
    // below it (those are looked for first): the roster lacks its header row.
    const bool title_only = filled == 1 && !tabs && !semicolons;
    // A workbook's text is XML's UTF-8 (encoding nullptr): no encoding to name or try.
    const std::string read_as = encoding ? std::string(" (read as ") + encoding_name(*encoding) + ")" : "";
    const std::string read_as_zh = encoding ? std::string("（按 ") + encoding_name(*encoding) + " 读取）" : "";
    d.message = "no column of the header row names a fact of pack " + engine.policy().header.id + read_as + "; " +
                (title_only ? std::string("the row holds one cell only, like a title, and no row below it names "
                                          "columns: the roster needs a row of column names (退役日期, 入伍时身份, ...)")
                 : tabs || semicolons ? std::string("the columns seem separated by ") + (tabs ? "tabs" : "semicolons") +
                                            ": save the file as CSV (comma-separated) and run again"
                 : !encoding ? std::string("the sheet read may not be the roster's: choose one with --sheet")
                                      : "if the headers look garbled, the file is in another encoding: try --encoding "
                                        "gb18030 or --encoding utf-8") +
                " (policy facts lists the accepted headers)";
    d.message_zh = "表头行没有一列是政策包 " + engine.policy().header.id + " 的事实" + read_as_zh + "；" +
                   (title_only ? std::string("这一行只有一个单元格，像是标题，其下也没有列名行：名单需要一行列名（如 "
                                             "退役日期、入伍时身份）")
                    : tabs || semicolons ? std::string("各列似乎以") + (tabs ? "制表符" : "分号") +
                                               "分隔：请另存为 CSV（逗号分隔）后重新运行"
                    : !encoding ? std::string("读取的工作表可能不是名单所在的表：可用 --sheet 指定")
                                         : "如果表头显示为乱码，文件是另一种编码：请试 --encoding gb18030 或 --encoding utf-8") +
                   "（policy facts 列出可用的表头；表头不在第1行时用 --header-row 指定）";
    // Headers that look like accepted ones: most often the whole trouble (退役日其, 退役日期(年月日)).
    std::vector<std::string> known;
    for (const auto& f : facts) {
      if (!f.label.empty()) known.push_back(f.label);
      known.insert(known.end(), f.csv_headers.begin(), f.csv_headers.end());
      known.push_back(f.name);
    }
    for (std::size_t c = 0; c < header.size(); ++c) {
      const std::string_view h = clean_header(header.field(c));
      if (auto like = header_suggestion(h, known)) {
        d.message += "; " + column_name(c, h, Lang::en) + " may be “" + *like + "”";
        d.message_zh += "；" + column_name(c, h, Lang::zh) + "是否应为“" + *like + "”？";
      }
    }
    diags.push_back(std::move(d));
  }
  return diags;
}

/// `text` with every byte that is not part of valid UTF-8 replaced by U+FFFD.
std::string sanitize_utf8(std::string_view text) {
  std::string out;
  while (!text.empty()) {
    std::size_t good = 0;
    if (valid_utf8(text, &good)) {
      out += text;
      break;
    }
    out += text.substr(0, good);
    out += "\xEF\xBF\xBD";
    text.remove_prefix(good + 1);
  }
  return out;
}

/// A row block's output bytes. Appending is one capacity check and a copy: std::string's append
/// checks lengths and capacity several times over, and a row makes some fifty appends.
class OutputText {
 public:
  void clear() { size_ = 0; }
  std::size_t size() const { return size_; }
  std::string_view view() const { return {data_.get(), size_}; }
  [[gnu::always_inline]] OutputText& operator+=(std::string_view t) {
    const std::size_t n = t.size();
    if (n > capacity_ - size_) grow(n);
    char* to = data_.get() + size_;
    const char* from = t.data();
    // Most cells are short (a date, an enum name): two overlapping 8-byte copies instead of a
    // call to memcpy.
    if (n >= 8 && n <= 16) {
      std::memcpy(to, from, 8);
      std::memcpy(to + n - 8, from + n - 8, 8);
    } else if (n >= 4 && n < 8) {
      std::memcpy(to, from, 4);
      std::memcpy(to + n - 4, from + n - 4, 4);
    } else if (n < 4) {
      for (std::size_t i = 0; i < n; ++i) to[i] = from[i];
    } else {
      std::memcpy(to, from, n);
    }
    size_ += n;
    return *this;
  }
  OutputText& operator+=(char c) {
    if (size_ == capacity_) grow(1);
    data_[size_++] = c;
    return *this;
  }

 private:
  void grow(std::size_t more) {
    capacity_ = std::max(2 * capacity_, std::max<std::size_t>(size_ + more, 1 << 12));
    auto bigger = std::make_unique_for_overwrite<char[]>(capacity_);
    if (size_ > 0) std::memcpy(bigger.get(), data_.get(), size_);
    data_ = std::move(bigger);
  }
  std::unique_ptr<char[]> data_;
  std::size_t size_ = 0, capacity_ = 0;
};

/// Whether `text` holds a comma, a quote or a line break (a CSV field holding one is quoted).
/// Eight bytes at a time: a row is mostly digits and dates.
bool has_csv_special(std::string_view text) {
  constexpr std::uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
  const auto has_byte = [&](std::uint64_t w, unsigned char b) {
    const std::uint64_t x = w ^ (ones * b);
    return ((x - ones) & ~x & highs) != 0;  // some byte of x is zero
  };
  std::size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, text.data() + i, 8);
    if (has_byte(w, ',') || has_byte(w, '"') || has_byte(w, '\r') || has_byte(w, '\n')) return true;
  }
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c == ',' || c == '"' || c == '\r' || c == '\n') return true;
  }
  return false;
}

/// Appends a CSV field, quoted when it must be (RFC 4180: comma, quote, line break, edge spaces).
template <class Out>
void put_csv(Out& out, std::string_view f) {
  const bool quote = (!f.empty() && (f.front() == ' ' || f.back() == ' ')) || has_csv_special(f);
  if (!quote) {
    out += f;
    return;
  }
  out += '"';
  for (char c : f) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

/// The CSV text of one output column of a row, with its leading comma, in a TextMemo arena.
struct Piece {
  const char* text = nullptr;  // into the arena, which never reallocates (its capacity is reserved)
  std::uint32_t size = 0;
  bool undecided = false;      // unknown, waiting for facts
  bool ready = false;          // the text is set
};

/// The CSV text of output columns, remembered by the facts their evaluation read
/// (EvalOptions::track_reads): a row agreeing with an earlier row on those facts gets the same
/// text, without evaluating or formatting. Such sets of facts are often smaller than what an
/// output can read: an `if` on an absent fact reads nothing else, so an output waiting for a
/// fact no row gives is remembered once for the whole roster. One per evaluating thread, for one
/// run: one as_of and one set of parameters, which keys leave out. Bounded: at most kMaxSpaces
/// sets of facts, kMaxVariants per column, `entries` keys per set, a text arena per column
/// reserved up front; what does not fit is not remembered.
class TextMemo {
 public:
  TextMemo(const engine::Engine& engine, const Layout& layout, std::size_t entries)
      : engine_(engine), layout_(layout), entries_(entries) {
    spaces_.reserve(kMaxSpaces);  // never reallocated: no allocation once warm
    columns_.resize(std::min<std::size_t>(layout.outputs.size(), kMaxColumns));
    for (auto& c : columns_) {
      c.variants.reserve(kMaxVariants);
      c.arena.reserve(entries * kBytesPerText);
    }
  }

  /// Columns the memo can hold: a row's columns to evaluate are a 64-bit set.
  static constexpr std::size_t kMaxColumns = 64;

  /// Starts a row with facts `facts` (kept until the row is done).
  void begin(std::span<const Value> facts) {
    facts_ = facts;
    ++generation_;
  }

  /// The remembered text of output column k (below kMaxColumns and the number of outputs
  /// written) for the row, or null.
  const Piece* find(std::size_t k) {
    for (auto& v : columns_[k].variants) {
      Space& space = spaces_[v.space];
      const std::uint32_t e = space.generation == generation_ ? space.row_entry : entry(space, false);
      if (e < v.pieces.size() && v.pieces[e].ready) return &v.pieces[e];
    }
    return nullptr;
  }

  /// Remembers `text` (with its leading comma) as column k's for rows agreeing with this one on `reads`.
  void keep(std::size_t k, const model::FactSet& reads, std::string_view text, bool undecided) {
    if (k >= columns_.size()) return;
    auto& column = columns_[k];
    if (column.arena.size() + text.size() > column.arena.capacity()) return;  // no allocation
    const std::uint32_t space = space_for(reads);
    if (space == kNone) return;
    Variant* variant = nullptr;
    for (auto& v : column.variants) {
      if (v.space == space) variant = &v;
    }
    if (!variant) {
      if (column.variants.size() == kMaxVariants) return;
      variant = &column.variants.emplace_back();
      variant->space = space;
      variant->pieces.reserve(entries_);
    }
    const std::uint32_t e = entry(spaces_[space], true);
    if (e == engine::MemoIndex::kNoEntry) return;
    if (variant->pieces.size() <= e) variant->pieces.resize(e + 1);  // within the reserve: entries_ at most
    Piece& p = variant->pieces[e];
    if (p.ready) return;
    p = {column.arena.data() + column.arena.size(), static_cast<std::uint32_t>(text.size()), undecided, true};
    column.arena += text;  // within the capacity: `p.text` stays valid
  }

 private:
  static constexpr std::uint32_t kNone = UINT32_MAX;
  static constexpr std::size_t kMaxSpaces = 64;
  static constexpr std::size_t kMaxVariants = 4;
  static constexpr std::size_t kBytesPerText = 64;  // per column and entry, reserved (touched as used): a date is 10, two windows 42

  /// A set of facts some evaluation read, and the values they took in rows.
  struct Space {
    Space(model::FactSet f, engine::MemoPlan::Group k, std::size_t entries, bool c)
        : facts(f), key(std::move(k)), index(key.key_words, entries), constant(c) {}
    model::FactSet facts;
    engine::MemoPlan::Group key;
    engine::MemoIndex index;
    bool constant;                     // no fact of it has a column: the same key in every row
    std::uint64_t generation = 0;      // the row `row_entry` is for
    std::uint32_t row_entry = engine::MemoIndex::kNoEntry;
    bool row_added = false;            // row_entry was looked up with adding allowed
  };
  /// Texts of one column for one Space, by its entries.
  struct Variant {
    std::uint32_t space = kNone;
    std::vector<Piece> pieces;
  };
  struct Column {
    std::vector<Variant> variants;
    std::string arena;
  };

  /// The entry of the row's values of `space`'s facts (kNoEntry: none, or they cannot be a
  /// key); with `add`, added when new and there is room. Looked up once per row.
  std::uint32_t entry(Space& space, bool add) {
    if (space.generation == generation_ && (space.row_added || !add || space.row_entry != engine::MemoIndex::kNoEntry)) {
      return space.row_entry;
    }
    if (space.constant && space.row_entry != engine::MemoIndex::kNoEntry) return space.row_entry;  // the same every row
    space.generation = generation_;
    space.row_added = add;
    space.row_entry = engine::MemoIndex::kNoEntry;
    std::array<std::uint64_t, 2 * engine::MemoPlan::kMaxKeySlots> key;
    if (space.index.off() || !engine::MemoPlan::key(space.key, facts_, key.data())) return space.row_entry;
    space.row_entry = add ? space.index.find_or_add(key.data()).entry : space.index.find(key.data());
    return space.row_entry;
  }

  /// The Space of `facts`, made when new and there is room; kNone otherwise.
  std::uint32_t space_for(const model::FactSet& facts) {
    for (std::uint32_t i = 0; i < spaces_.size(); ++i) {
      if (spaces_[i].facts == facts) return i;
    }
    if (spaces_.size() == kMaxSpaces) return kNone;
    auto key = engine::MemoPlan::key_for(engine_.pack(), facts);
    if (!key) return kNone;
    bool constant = true;
    for (const auto f : key->key_slots) constant = constant && !layout_.fact_has_column[f];
    spaces_.emplace_back(facts, std::move(*key), entries_, constant);
    return static_cast<std::uint32_t>(spaces_.size() - 1);
  }

  const engine::Engine& engine_;
  const Layout& layout_;
  std::size_t entries_;
  std::vector<Space> spaces_;
  std::vector<Column> columns_;  // per output written, up to kMaxColumns
  std::span<const Value> facts_;  // the row's
  std::uint64_t generation_ = 0;
};

/// Values of cells of plain kinds (dates, yes/no, enums, ...: model::is_plain) by their text, per
/// column: a roster repeats a cohort's dates and a handful of labels, and reading a date costs
/// several times a lookup.
/// Direct-mapped, fixed size: a cell's text replaces whatever shared its slot. Only cells that
/// gave a value are kept (a bad cell's message is built each time).
class CellMemo {
 public:
  /// Cells of at most this many bytes are remembered (2025年12月31日 is 17).
  static constexpr std::size_t kMaxText = 23;

  CellMemo(const engine::Engine& engine, const Layout& layout) {
    std::vector<std::size_t> scalar;  // the columns of facts whose values are plain (model::is_plain)
    for (std::size_t c = 0; c < layout.column_fact.size(); ++c) {
      const auto fact = layout.column_fact[c];
      if (fact && model::is_plain(engine.policy().facts[*fact].type.kind)) scalar.push_back(c);
    }
    // The slots are shared out among those columns, so that a wide roster takes no more memory.
    slots_ = kSlots;
    while (slots_ > kMinSlots && slots_ * scalar.size() > kSlots * 4) slots_ /= 2;
    columns_.resize(layout.column_fact.size());
    remembered_.assign(layout.column_fact.size(), false);
    for (const auto c : scalar) remembered_[c] = true;
  }

  /// The remembered value of `text` in column c, or null.
  const Value* find(std::size_t c, std::string_view text) const {
    if (columns_[c].empty() || text.size() > kMaxText) return nullptr;
    const Entry& e = columns_[c][slot(text)];
    return e.size == text.size() && std::memcmp(e.text, text.data(), text.size()) == 0 ? &e.value : nullptr;
  }
  /// Remembers `value`, read from `text` in column c.
  void keep(std::size_t c, std::string_view text, const Value& value) {
    if (!remembered_[c] || text.size() > kMaxText) return;
    if (columns_[c].empty()) columns_[c].resize(slots_);  // once, when the column's first value comes
    Entry& e = columns_[c][slot(text)];
    e.size = static_cast<std::uint8_t>(text.size());
    std::memcpy(e.text, text.data(), text.size());
    e.value = value;
  }

 private:
  static constexpr std::size_t kSlots = 4096;    // per column (a power of two), for up to 4 columns
  static constexpr std::size_t kMinSlots = 256;  // per column, however many
  struct Entry {
    std::uint8_t size = UINT8_MAX;  // none
    char text[kMaxText];
    Value value;
  };
  /// The slot of `text` (at most kMaxText bytes): a hash of up to three 8-byte words, the last
  /// overlapping the one before (the length is mixed in, so overlaps do not collide by it).
  std::size_t slot(std::string_view text) const {
    const auto load = [&](std::size_t at, std::size_t n) {
      std::uint64_t w = 0;
      std::memcpy(&w, text.data() + at, n);
      return w;
    };
    const std::size_t n = text.size();
    std::uint64_t h = 0x9E3779B97F4A7C15ull ^ n;
    const auto mix = [&h](std::uint64_t w) {
      h = (h ^ w) * 0xBF58476D1CE4E5B9ull;
      h ^= h >> 31;
    };
    if (n >= 8) {
      for (std::size_t at = 0; at + 8 < n; at += 8) mix(load(at, 8));
      mix(load(n - 8, 8));
    } else if (n >= 4) {
      mix(load(0, 4) | load(n - 4, 4) << 32);
    } else {
      std::uint64_t w = 0;
      for (std::size_t i = 0; i < n; ++i) w = w << 8 | static_cast<unsigned char>(text[i]);
      mix(w);
    }
    return (h ^ h >> 29) & (slots_ - 1);
  }
  std::size_t slots_ = kSlots;               // per column
  std::vector<bool> remembered_;             // per column: its values are remembered
  std::vector<std::vector<Entry>> columns_;  // per column: its slots, or none (yet)
};

/// An evaluating thread's own memory across blocks: what it remembered, and the evaluation
/// order of each set of columns its rows had to evaluate. (The engine's value memo is not used:
/// with the text remembered, rows that evaluate are those whose facts are new, and its values
/// would rest on every fact an output can read, widening the text's keys.)
struct Worker {
  Worker(const engine::Engine& engine, const Layout& layout, std::size_t entries)
      : texts(engine, layout, entries), cells(engine, layout) {}
  TextMemo texts;
  CellMemo cells;
  std::vector<std::pair<std::uint64_t, std::vector<std::uint32_t>>> orders;
  std::vector<std::pair<model::FactSet, std::string>> needs;  // Runner::needs_text, by the facts named
};

/// One block of rows: its records, the reusable state of the thread evaluating it, and its results.
struct Slot {
  std::vector<Record> records;
  std::size_t count = 0;
  model::Situation situation;
  model::Outcome outcome;
  std::vector<std::string> normalized;  // per column, for cells the parser rewrote
  std::vector<const Piece*> remembered; // per output written: its text for the row, if remembered
  OutputText out;
  std::string typed;                    // OutputFormat::xlsx: the rows' typed cells (XlsxRowCoder)
  std::string cell;                     // one output value's text, reused
  std::size_t ok = 0, unknown = 0, error = 0;
  std::vector<std::pair<std::size_t, std::string>> errors;
  std::size_t warned = 0;                   // rows that are no error but carry a warning
  std::vector<std::size_t> without_facts;   // rows whose cells of the facts read are all empty
  std::vector<std::size_t> filled, damaged; // per column (ID columns only): non-empty cells, cells Excel damaged
  std::vector<std::size_t> rule_rows;       // OutputFormat::xlsx: per rule, rows with a value it gave
  std::vector<std::size_t> rule_seen;       // per rule: the last row counted (no rule twice a row)
};

class Runner {
 public:
  Runner(const engine::Engine& e, const BatchOptions& o, const Layout& l) : engine_(e), options_(o), layout_(l) {
    cell_options_.excel_serial_dates = o.excel_serial_dates;
    cell_options_.lang = o.lang;
    eval_options_.only = &l.order;  // only what is written (guidance prose is not, by default)
    // CSV writes no lists of missing facts, only whether a row waits for one: evaluating the
    // branches of undecided ifs would widen the facts each column's text is remembered by.
    // The workbook does not either.
    eval_options_.complete_missing = o.format == OutputFormat::jsonl;
    const std::string date = calendar::format_date(o.as_of);
    as_of_cell_ = "," + date;
    as_of_json_ = ",\"as_of\":\"" + date + "\"";
    if (!o.names && o.lang == source::Lang::zh) status_words_ = {"正常", "待补充", "错误"};
  }

  /// Evaluates the rows of `s` with the calling thread's own `worker`.
  void process(Slot& s, Worker& worker) const {
    s.out.clear();
    s.typed.clear();
    s.ok = s.unknown = s.error = 0;
    s.errors.clear();
    s.warned = 0;
    s.without_facts.clear();
    s.filled.assign(layout_.column_fact.size(), 0);
    s.damaged.assign(layout_.column_fact.size(), 0);
    if (options_.format == OutputFormat::xlsx) {
      s.rule_rows.assign(engine_.policy().rules.size(), 0);
      s.rule_seen.assign(engine_.policy().rules.size(), 0);
    }
    if (s.situation.facts().size() != engine_.policy().facts.size()) s.situation.reset(engine_.policy().facts.size());
    s.normalized.resize(layout_.column_fact.size());
    s.remembered.resize(layout_.outputs.size());
    engine::EvalOptions eval = eval_options_;
    for (std::size_t i = 0; i < s.count; ++i) row(s, s.records[i], worker, eval);
  }

 private:
  /// Adds a bad cell or a failed output to a row's message ("I列（退役日期）" + "：…"; pieces
  /// separated by "；" / "; "). Each message quotes at most 100 bytes of its cell; past
  /// kRowMessageBudget bytes the later ones are named by column only, so that a row with many bad
  /// cells still names them all.
  static void add_error(std::string& error, const std::string& column, std::string_view detail, source::Lang lang) {
    if (!error.empty()) error += say(lang, "；", "; ");
    error += column;
    if (error.size() + detail.size() <= kRowMessageBudget) error += detail;
    else error += say(lang, "：…", ": …");
  }

  void row(Slot& s, const Record& r, Worker& worker, engine::EvalOptions& eval) const {
    const auto& policy = engine_.policy();
    const source::Lang lang = options_.lang;
    std::string error;  // the row's message: its errors and warnings, in column order
    // Whether the row is an error: a cell of a fact an output written reads is bad (or the row
    // cannot be read). A bad cell no output written reads is only a warning in the message.
    bool failed = false;
    // Only facts with a column are ever set: the others stay absent from row to row.
    for (const auto& fact : layout_.column_fact) {
      if (fact) s.situation.clear(*fact);
    }
    model::FactSet empty_facts;  // facts whose cell in this row is empty
    bool reads_nothing = true;   // no cell of a fact an output written reads has anything in it
    // Every bad cell is reported, in column order, so that one round of corrections fixes the row.
    if (r.decode_error) {
      // the cells' bytes are not text: reading them would say nothing more
      error = lang == source::Lang::zh && r.decode_error_zh ? *r.decode_error_zh : *r.decode_error;
      failed = true;
    } else {
      const std::size_t named = std::min(r.size(), layout_.column_fact.size());
      for (std::size_t c = named; c < layout_.column_fact.size(); ++c) {  // a short row: the cells are empty
        if (layout_.column_fact[c]) empty_facts.set(*layout_.column_fact[c]);
      }
      for (std::size_t c = 0; c < named; ++c) {
        const auto fact = layout_.column_fact[c];
        if (!fact) continue;
        const std::string_view text = r.field(c);
        if (reads_nothing && layout_.fact_needed[*fact] && !trim_cell(text).empty()) reads_nothing = false;
        if (!r.error_fields.empty() && r.is_error_field(c)) {
          // A spreadsheet error value (#N/A): the formula behind it found no answer, so there is
          // no value to read, whatever the fact's type.
          const bool needed = layout_.fact_needed[*fact];
          failed = failed || needed;
          add_error(error, column_name(c, trim_cell(layout_.headers[c]), lang),
                    say(lang, "：", ": ") + quote_cell(text) +
                        say(lang, " 是工作簿中的错误值（公式没有算出结果，或保存时没有计算），不是数据：请在工作簿中改正这个单元格，"
                                  "再用 Excel 或 WPS 打开并保存一次",
                            " is an error value in the workbook (a formula found no result, or was saved without "
                            "being calculated), not data: correct the cell, then open and save the workbook in Excel "
                            "or WPS") +
                        (needed ? ""
                                : say(lang, "（仅提醒：本次写出的结果都不需要这一列）",
                                      " (a warning only: no output written needs this column)")),
                    lang);
          continue;
        }
        if (const Value* known = options_.memo_entries > 0 ? worker.cells.find(c, text) : nullptr) {
          s.situation.set_view(*fact, *known);  // a scalar: points nowhere
          continue;
        }
        Value v;
        std::string why;
        const auto status = parse_cell(text, policy.facts[*fact].type, policy.enums, cell_options_, v, why, s.normalized[c]);
        if (layout_.id_column[c] && status != CellStatus::empty) {
          ++s.filled[c];
          if (status == CellStatus::error && excel_damaged_id(text)) ++s.damaged[c];
        }
        if (status == CellStatus::error) {
          const bool needed = layout_.fact_needed[*fact];
          failed = failed || needed;
          add_error(error, column_name(c, trim_cell(layout_.headers[c]), lang),
                    say(lang, "：", ": ") + why +
                        (needed ? ""
                                : say(lang, "（仅提醒：本次写出的结果都不需要这一列）",
                                               " (a warning only: no output written needs this column)")),
                    lang);
        } else if (status == CellStatus::empty) {
          empty_facts.set(*fact);
        } else if (status == CellStatus::value) {
          s.situation.set_view(*fact, v);  // points into the record or `normalized`, alive for the row
          if (options_.memo_entries > 0) worker.cells.keep(c, text, v);
        }
      }
      // A value right of the last header has no column in the output, which stays rectangular: the
      // row is an error and the message carries the value, so that it is seen and not lost.
      for (std::size_t c = named; c < r.size(); ++c) {
        if (trim_cell(r.field(c)).empty()) continue;
        failed = true;
        add_error(error, column_name(c, "", lang),
                  say(lang, "有值，但表头行没有这一列的名称：", " has a value but the header row has no name for it: ") +
                      quote_cell(r.field(c)),
                  lang);
      }
      // A quote inside a cell that does not start with one (外号"小明") was read as it stands
      // (RosterReader): said, so that a registrar checks the cell, but not an error.
      if (r.literal_quotes > 0) {
        if (!error.empty()) error += say(lang, "；", "; ");
        error += say(lang, "（仅提醒：本行有单元格中间含引号 \"，已按原样读取，请核对）",
                     "(a warning only: a quote \" inside a cell was read as it stands; check the cell)");
      }
    }
    const bool evaluated = !failed;  // a bad cell an output reads stops the row before evaluation
    const bool csv = options_.format == OutputFormat::csv;
    const bool xlsx = options_.format == OutputFormat::xlsx;
    // Output columns to evaluate (bit k for column k): all, unless their CSV text is remembered
    // for the row's facts. Columns past TextMemo::kMaxColumns are always evaluated.
    std::uint64_t need = ~std::uint64_t{0};
    const bool remembering = csv && options_.memo_entries > 0;
    std::fill(s.remembered.begin(), s.remembered.end(), nullptr);
    if (evaluated) {
      if (remembering) {
        worker.texts.begin(s.situation.facts());
        need = 0;
        const std::size_t columns = std::min(s.remembered.size(), TextMemo::kMaxColumns);
        const Piece** remembered = s.remembered.data();
        for (std::size_t k = 0; k < columns; ++k) {
          remembered[k] = worker.texts.find(k);
          if (!remembered[k]) need |= std::uint64_t{1} << k;
        }
      }
      if (need != 0 || layout_.outputs.size() > TextMemo::kMaxColumns) {
        eval.only = &order_for(worker, need);
        eval.track_reads = remembering;  // what each output rests on: the key of its text
        engine_.evaluate(s.situation, options_.as_of, s.outcome, eval);
      }
    }
    bool undecided = false;  // over the outputs written
    std::uint64_t undecided_columns = 0;  // bit k: output column k waits for a fact (column_bit)
    const std::size_t cells_message = error.size();  // what follows is failed outputs: errors
    if (csv) {
      write_inputs(s, r);
      write_outputs(s, r, evaluated, worker, undecided, error, undecided_columns);
    } else if (evaluated) {
      for (std::size_t k = 0; k < layout_.outputs.size(); ++k) {
        const Value& v = s.outcome.output(layout_.outputs[k]);
        if (v.state == State::error) add_output_error(s, r, k, error);
        if (v.state == State::unknown && v.missing.any()) {
          undecided = true;
          undecided_columns |= column_bit(k);
        }
      }
      // The rules this row's values came from, those of the outputs written and of the outputs
      // they read (the workbook's 依据 lists the rules some row used, with how many rows).
      if (xlsx) {
        for (const auto oi : layout_.order) {
          if (!s.outcome.output(oi).known()) continue;
          const auto rule = s.outcome.output_sources[oi].rule;
          if (s.rule_seen[rule] == r.row + 1) continue;
          s.rule_seen[rule] = r.row + 1;
          ++s.rule_rows[rule];
        }
      }
    }
    failed = failed || error.size() != cells_message;
    // The message names its row (第10行 / row 10,), so that it still says which row once the
    // result is sorted or filtered, and the summary shows it as it is.
    if (!error.empty()) error.insert(0, row_prefix(r.row, lang));
    const char* status = failed ? "error" : undecided ? "unknown" : "ok";
    if (failed) {
      ++s.error;
      if (s.errors.size() < 10) s.errors.emplace_back(r.row, error);
    } else {
      if (!error.empty()) ++s.warned;
      if (undecided) ++s.unknown;
      else ++s.ok;
      // A footer (合计：5人, 制表人) or a row not yet filled in: counted as 待补充 like any row, and
      // named in the summary so that it is not taken for a student.
      if (undecided && reads_nothing && layout_.reads_any) s.without_facts.push_back(r.row);
    }
    // For people, a row waiting for facts says which of its empty cells to fill (需补充：发证日期):
    // the result file alone then tells the registrar what to do with the row.
    if ((csv || xlsx) && !options_.names && !failed && undecided) {
      const std::string& needs = needs_text(worker, undecided_columns, empty_facts);
      if (!needs.empty()) error += (error.empty() ? "" : say(lang, "；", "; ")) + needs;
    }
    if (csv) {
      s.out += ',';
      s.out += status_cell(status);
      s.out += ',';
      put_csv(s.out, error);
      s.out += "\r\n";
    } else if (xlsx) {
      write_xlsx(s, r, evaluated, status, error);
    } else {
      write_jsonl(s, r, evaluated, status, error);
    }
  }

  /// One row of the workbook as typed cells (XlsxRowCoder) into `s.typed`: the input cells as the
  /// roster has them (text; a date column's cells that were read as dates as dates), then each
  /// output (dates as dates, integers as numbers, enums as their labels with their index, the
  /// other kinds as the CSV for people writes them), the status and the message.
  void write_xlsx(Slot& s, const Record& r, bool evaluated, const char* status, const std::string& error) const {
    const auto& policy = engine_.policy();
    XlsxRowCoder::begin_row(s.typed, r.row, status[0] == 'o' ? 0 : status[0] == 'u' ? 1 : 2);
    double x = 0;
    calendar::Date day;
    for (std::size_t c = 0; c < layout_.headers.size(); ++c) {
      if (c >= r.size() || r.field(c).empty()) {
        XlsxRowCoder::empty(s.typed);
        continue;
      }
      const auto fact = layout_.column_fact[c];
      if (r.decode_error) {
        XlsxRowCoder::text(s.typed, sanitize_utf8(r.field(c)));
      } else if (fact && policy.facts[*fact].type.kind == model::Kind::date && s.situation.facts()[*fact].known() &&
                 s.situation.facts()[*fact].kind == model::Kind::date) {
        XlsxRowCoder::date(s.typed, s.situation.facts()[*fact].date);
      } else if (!fact && !r.number_fields.empty() && r.is_number_field(c) && number_cell(r.field(c), x)) {
        XlsxRowCoder::real(s.typed, x, r.number_format(c), r.field(c));  // 序号, 成绩 85%: as the workbook held them
      } else if (!fact && !r.date_fields.empty() && r.is_date_field(c) && date_cell(r.field(c), day)) {
        XlsxRowCoder::date(s.typed, day);  // 出生日期 and the like, a date as the workbook held it
      } else {
        XlsxRowCoder::text(s.typed, r.field(c));
      }
    }
    for (std::size_t k = 0; k < layout_.outputs.size(); ++k) {
      const Value* v = evaluated ? &s.outcome.output(layout_.outputs[k]) : nullptr;
      if (!v || !v->known()) {
        XlsxRowCoder::empty(s.typed);
      } else if (v->kind == model::Kind::date) {
        XlsxRowCoder::date(s.typed, v->date);
      } else if (v->kind == model::Kind::integer) {
        XlsxRowCoder::number(s.typed, v->integer);
      } else {
        cell_text(s, *v);
        if (v->kind == model::Kind::enumeration) XlsxRowCoder::enumeration(s.typed, v->enum_index, s.cell);
        else XlsxRowCoder::text(s.typed, s.cell);
      }
    }
    XlsxRowCoder::text(s.typed, status_cell(status));
    if (error.empty()) XlsxRowCoder::empty(s.typed);
    else XlsxRowCoder::text(s.typed, error);
  }

  /// Bit of output column k in a row's mask of undecided columns; columns past 63 share bit 63.
  static std::uint64_t column_bit(std::size_t k) { return std::uint64_t{1} << std::min<std::size_t>(k, 63); }

  /// "需补充：发证日期、录取日期" ("to fill in: ..."): the headers of the row's empty cells whose facts
  /// the undecided output columns (`columns`, column_bit) read; empty when none. Remembered per
  /// combination in the worker, so that a roster's many alike rows build it once.
  const std::string& needs_text(Worker& worker, std::uint64_t columns, const model::FactSet& empty) const {
    model::FactSet read;
    for (std::size_t k = 0; k < layout_.outputs.size(); ++k) {
      if (!(columns & column_bit(k))) continue;
      for (const auto f : layout_.output_facts[k]) read.set(f);
    }
    // The row's empty cells those outputs read; when none, the facts they read that no column
    // gives (a header misspelt, 退伍日其): without them the row said nothing at all. The two sets
    // never share a fact, so either is the key of its text.
    const model::FactSet cells = read & empty;
    const model::FactSet key = cells.any() ? cells : read & layout_.no_column;
    for (const auto& [known, text] : worker.needs) {
      if (known == key) return text;
    }
    std::string text;
    const source::Lang lang = options_.lang;
    if (cells.any()) {
      for (std::size_t c = 0; c < layout_.column_fact.size(); ++c) {
        const auto fact = layout_.column_fact[c];
        if (!fact || !cells.test(*fact)) continue;
        text += (text.empty() ? say(lang, "需补充：", "to fill in: ") : say(lang, "、", ", ")) +
                escape_controls(trim_cell(layout_.headers[c]));
      }
    } else {
      const auto& facts = engine_.policy().facts;
      for (std::uint32_t f = 0; f < facts.size() && f < model::kMaxFacts; ++f) {
        if (!key.test(f)) continue;
        const std::string& name = lang == source::Lang::zh && !facts[f].label.empty() ? facts[f].label : facts[f].name;
        text += (text.empty() ? say(lang, "需补充：", "to fill in: ") : say(lang, "、", ", ")) + name;
      }
      if (key.count() == 1) {
        text += say(lang, "（名单中没有这一列：请在表头加上）", " (the roster has no such column: add it to the header)");
      } else if (key.count() > 1) {
        text += say(lang, "（名单中没有这些列：请在表头加上）", " (the roster has no such columns: add them to the header)");
      }
    }
    if (worker.needs.size() == kNeedsRemembered) worker.needs.clear();
    return worker.needs.emplace_back(key, std::move(text)).second;
  }
  static constexpr std::size_t kNeedsRemembered = 64;

  /// Output k (an index into Layout::outputs) failed: its message, with the cells of the facts
  /// it reads, goes into the row's.
  void add_output_error(const Slot& s, const Record& r, std::size_t k, std::string& error) const {
    const auto oi = layout_.outputs[k];
    const Value& v = s.outcome.output(oi);
    const auto& output = engine_.pack().outputs[oi];
    const std::string& label = output.decl(engine_.policy()).label;
    const source::Lang lang = options_.lang;
    // In Chinese the output's label, as the people's form of the result heads its column.
    add_error(error, lang == source::Lang::zh && !label.empty() ? label + "（" + output.name + "）" : output.name,
              say(lang, "：", ": ") + s.outcome.errors[v.error_index].message_in(lang) +
                  cited_cells(r, layout_.output_facts[k]),
              lang);
  }

  /// The evaluation order of the output columns in `need` (bit k: column k) and of those past
  /// TextMemo::kMaxColumns, with what they read. Kept per set; past 64 sets, every output
  /// written (no allocation).
  const std::vector<std::uint32_t>& order_for(Worker& worker, std::uint64_t need) const {
    if (need == ~std::uint64_t{0}) return layout_.order;
    for (const auto& [set, order] : worker.orders) {
      if (set == need) return order;
    }
    if (worker.orders.size() == 64) return layout_.order;
    std::vector<std::uint32_t> outputs;
    for (std::size_t k = 0; k < layout_.outputs.size(); ++k) {
      if (k >= TextMemo::kMaxColumns || (need >> k & 1)) outputs.push_back(layout_.outputs[k]);
    }
    return worker.orders.emplace_back(need, engine_.evaluation_order(outputs)).second;
  }

  /// " (column B (退役日期): '2005/8/31'; ...)" / "（B列（退役日期）：'2005/8/31'；…）": the non-empty
  /// cells of the row holding `facts`, so that a failed output points the registrar at the cells
  /// to check. Empty when none.
  std::string cited_cells(const Record& r, const std::vector<std::uint32_t>& facts) const {
    const source::Lang lang = options_.lang;
    std::string cited;
    for (std::size_t c = 0; c < layout_.column_fact.size() && c < r.size(); ++c) {
      const auto fact = layout_.column_fact[c];
      if (!fact || !std::binary_search(facts.begin(), facts.end(), *fact) || trim_cell(r.field(c)).empty()) continue;
      cited += std::string(cited.empty() ? say(lang, "（", " (") : say(lang, "；", "; ")) +
               column_name(c, trim_cell(layout_.headers[c]), lang) + say(lang, "：", ": ") + quote_cell(r.field(c));
    }
    return cited.empty() ? cited : cited + std::string(say(lang, "）", ")"));
  }

  /// The CSV text of one output value into `s.cell` (empty when not known), unquoted: guidance
  /// text with its placeholders filled for people; other kinds in the machine form
  /// (model::append_value) with BatchOptions::names, else in people's (append_value_for_people).
  void cell_text(Slot& s, const Value& v) const {
    s.cell.clear();
    if (!v.known()) return;
    if (v.kind == model::Kind::text) {
      s.cell = explain::fill_template({engine_.policy(), engine_.pack().zone}, s.outcome, v.str(), true);
      return;
    }
    const model::FormatContext ctx{engine_.policy().enums, s.outcome.list_arena, false};
    if (options_.names) model::append_value(s.cell, v, ctx);
    else model::append_value_for_people(s.cell, v, ctx, options_.lang);
  }

  /// Whether values of `kind` never contain a comma, quote, line break or edge space in the form
  /// written, so that they go into the CSV as they are: dates, instants, numbers, periods, times,
  /// windows (`[a .. b]`, or 2025-09-01至2025-09-30), booleans (true/false, 是/否) and, in the
  /// machine form, enum names (snake_case, checked at load). Enum labels are the pack's text and
  /// may hold anything: they are quoted as they need.
  static bool never_quoted(model::Kind kind, bool names) {
    using model::Kind;
    switch (kind) {
      case Kind::boolean: case Kind::integer: case Kind::date: case Kind::instant: case Kind::period:
      case Kind::time_of_day: case Kind::month_day: case Kind::window:
        return true;
      case Kind::enumeration:
        return names;
      default:
        return false;
    }
  }

  /// The status cell's text of a row whose status is `status` ("ok", "unknown" or "error", as
  /// JSON Lines writes it): 正常, 待补充, 错误 in Chinese CSV for people, else as given.
  std::string_view status_cell(const char* status) const {
    return status_words_[status[0] == 'o' ? 0 : status[0] == 'u' ? 1 : 2];
  }

  /// The row's own columns, as they came (quoted where they must be).
  void write_inputs(Slot& s, const Record& r) const {
    // Most rows have no comma, quote or line break in any cell: one scan of the row's text
    // finds that, and then only each cell's edges decide whether it is quoted.
    const bool plain = !r.decode_error && !has_csv_special(r.text);
    // Bounds and bases in locals: a store into the output buffer (a char*) may alias anything,
    // so the compiler would load them again after each.
    const std::size_t columns = layout_.headers.size(), cells = r.size();
    for (std::size_t c = 0; c < columns; ++c) {
      if (c) s.out += ',';
      if (c >= cells) continue;
      const std::string_view f = r.field(c);
      // A row that was not valid UTF-8 is passed through with its bad bytes replaced (U+FFFD),
      // so that the output file stays valid UTF-8.
      if (r.decode_error) put_csv(s.out, sanitize_utf8(f));
      else if (plain && (f.empty() || (f.front() != ' ' && f.back() != ' '))) s.out += f;
      else put_csv(s.out, f);
    }
    s.out += as_of_cell_;  // the evaluation date, the same for every row
  }

  /// The output columns, each with its leading comma: a column whose text is remembered for the
  /// row is copied; the others are written from the outcome (empty cells when not known) and
  /// then remembered by the facts their evaluation read, unless they failed. Sets `undecided`
  /// when an output waits for facts, and adds failed outputs to `error`.
  void write_outputs(Slot& s, const Record& r, bool evaluated, Worker& worker, bool& undecided, std::string& error,
                     std::uint64_t& undecided_columns) const {
    const bool remembering = options_.memo_entries > 0;
    // Bounds and bases in locals (see write_inputs).
    const std::size_t columns = layout_.outputs.size();
    const Piece* const* remembered = s.remembered.data();
    for (std::size_t k = 0; k < columns; ++k) {
      if (!evaluated) {  // the outcome holds nothing for this row
        s.out += ',';
        continue;
      }
      if (const Piece* piece = remembered[k]) {
        s.out += std::string_view(piece->text, piece->size);  // with its comma
        undecided = undecided || piece->undecided;
        if (piece->undecided) undecided_columns |= column_bit(k);
        continue;
      }
      const std::size_t begin = s.out.size();
      s.out += ',';
      const auto oi = layout_.outputs[k];
      const Value& v = s.outcome.output(oi);
      if (v.state == State::error) {
        add_output_error(s, r, k, error);
        continue;  // never remembered: the message cites the row's cells
      }
      const bool waits = v.state == State::unknown && v.missing.any();
      undecided = undecided || waits;
      if (waits) undecided_columns |= column_bit(k);
      if (!v.known()) {
        // an empty cell
      } else if (never_quoted(v.kind, options_.names)) {
        cell_text(s, v);
        s.out += s.cell;
      } else {
        cell_text(s, v);
        put_csv(s.out, s.cell);
      }
      if (remembering) worker.texts.keep(k, s.outcome.output_reads[oi], s.out.view().substr(begin), waits);
    }
  }

  /// One JSON object per row, written straight into the block's buffer: names are snake_case
  /// (checked when the pack loads), so only values and messages need encoding.
  void write_jsonl(Slot& s, const Record& r, bool evaluated, const char* status, const std::string& error) const {
    const explain::RenderContext ctx{engine_.policy(), engine_.pack().zone};
    const auto& policy = engine_.policy();
    s.out += "{\"row\":" + std::to_string(r.row);
    s.out += as_of_json_;
    s.out += ",\"status\":\"" + std::string(status) + "\"";
    if (!error.empty()) s.out += ",\"error\":" + source::json_string(error);
    std::string values, unknown, errors;
    for (const auto oi : layout_.outputs) {
      const std::string key = "\"" + engine_.pack().outputs[oi].name + "\":";
      if (!evaluated) {  // the outcome holds nothing for this row (maybe not even an environment)
        values += (values.empty() ? "" : ",") + key + "null";
        continue;
      }
      const Value& v = s.outcome.output(oi);
      values += (values.empty() ? "" : ",") + key + explain::value_json(ctx, s.outcome, v, {});
      if (v.state == State::unknown && v.missing.any()) {
        std::string facts;
        for (const auto f : model::ordered_missing(v)) {  // the one to ask first first
          if (f < policy.facts.size()) facts += (facts.empty() ? "\"" : ",\"") + policy.facts[f].name + "\"";
        }
        unknown += (unknown.empty() ? "" : ",") + key + "[" + facts + "]";
      } else if (v.state == State::error) {
        const auto& e = s.outcome.errors[v.error_index];
        errors += (errors.empty() ? "" : ",") + key + "{\"code\":" + source::json_string(e.code) +
                  ",\"message\":" + source::json_string(e.message) + "}";
      }
    }
    s.out += ",\"values\":{" + values + "},\"unknown\":{" + unknown + "},\"errors\":{" + errors + "}}\n";
  }

  const engine::Engine& engine_;
  const BatchOptions& options_;
  const Layout& layout_;
  CellOptions cell_options_;
  engine::EvalOptions eval_options_;
  std::string as_of_cell_;  // ",2025-12-01": the CSV's evaluation date column, after the inputs
  std::string as_of_json_;  // ,"as_of":"2025-12-01"
  std::array<std::string_view, 3> status_words_{"ok", "unknown", "error"};  // the status cell of ok, unknown, error
};

/// Converts UTF-8 output to GB18030 when asked; otherwise passes it through.
class Encoder {
 public:
  explicit Encoder(bool gb18030) {
    if (gb18030) {
      cd_ = iconv_open("GB18030", "UTF-8");
      if (cd_ == reinterpret_cast<iconv_t>(-1)) throw std::runtime_error("this system's iconv has no GB18030");
    }
  }
  ~Encoder() {
    if (cd_ != reinterpret_cast<iconv_t>(-1)) iconv_close(cd_);
  }
  Encoder(const Encoder&) = delete;
  Encoder& operator=(const Encoder&) = delete;

  void write(std::ostream& out, std::string_view text) {
    if (cd_ == reinterpret_cast<iconv_t>(-1)) {
      out.write(text.data(), static_cast<std::streamsize>(text.size()));
      return;
    }
    buffer_.resize(text.size() * 2 + 16);
    char* in = const_cast<char*>(text.data());
    std::size_t in_left = text.size();
    char* o = buffer_.data();
    std::size_t out_left = buffer_.size();
    while (in_left > 0) {
      if (iconv(cd_, &in, &in_left, &o, &out_left) != static_cast<std::size_t>(-1)) break;
      if (errno == E2BIG) {
        const std::size_t used = static_cast<std::size_t>(o - buffer_.data());
        buffer_.resize(buffer_.size() * 2);
        o = buffer_.data() + used;
        out_left = buffer_.size() - used;
      } else {
        // GB18030 encodes all of Unicode; only invalid input bytes get here. Write a '?'.
        if (out_left == 0) break;
        *o++ = '?';
        --out_left;
        ++in;
        --in_left;
      }
    }
    out.write(buffer_.data(), o - buffer_.data());
  }

 private:
  iconv_t cd_ = reinterpret_cast<iconv_t>(-1);
  std::string buffer_;
};

/// Title rows (CSV output): as they came, above the header line, with a blank line for each
/// blank row between them, so that the result's rows are the roster's (第N行 in a message is the
/// same row in both files) and the registrar's title stays where it was.
void write_title_rows(Encoder& encoder, std::ostream& out, const std::vector<Record>& titles, std::size_t header_row) {
  std::string text;
  std::size_t next_row = 1;
  for (const auto& title : titles) {
    for (; next_row < title.row; ++next_row) text += "\r\n";
    for (std::size_t c = 0; c < title.size(); ++c) {
      if (c) text += ',';
      put_csv(text, title.decode_error ? sanitize_utf8(title.field(c)) : std::string(title.field(c)));
    }
    text += "\r\n";
    next_row = title.row + 1;
  }
  for (; !titles.empty() && next_row < header_row; ++next_row) text += "\r\n";
  encoder.write(out, text);
}

/// The outputs `wanted` names (by name or label, trimmed), in its order, each once; a
/// `batch_unknown_output` diagnostic in `diags` for each that names none, or several.
std::vector<std::uint32_t> asked_outputs(const engine::Engine& engine, const std::vector<std::string>& wanted,
                                         std::vector<source::Diagnostic>& diags) {
  std::vector<std::uint32_t> outputs;
  const auto& pack = engine.pack();
  const std::string& id = engine.policy().header.id;
  for (const auto& raw : wanted) {
    const std::string name(trim_cell(raw));
    std::vector<std::uint32_t> found;
    if (const auto oi = pack.find_output(name)) {
      found.push_back(*oi);
    } else {
      for (std::uint32_t i = 0; i < pack.outputs.size(); ++i) {
        if (pack.outputs[i].decl(engine.policy()).label == name) found.push_back(i);
      }
    }
    if (found.size() == 1) {
      if (std::find(outputs.begin(), outputs.end(), found[0]) == outputs.end()) outputs.push_back(found[0]);
      continue;
    }
    if (found.empty()) {
      diags.push_back(source::diagnostic_at("batch_unknown_output", "--outputs", {},
                                            "'" + name + "' is neither the name nor the label of an output of pack " + id,
                                            "“" + name + "”不是政策包 " + id + " 中任何输出的名称或标签"));
      continue;
    }
    std::string names;
    for (const auto oi : found) names += (names.empty() ? "" : ", ") + pack.outputs[oi].name;
    diags.push_back(source::diagnostic_at("batch_unknown_output", "--outputs", {},
                                          "'" + name + "' is the label of several outputs (" + names + "): give the name of one",
                                          "“" + name + "”是多个输出的标签（" + names + "）：请写其中一个的名称"));
  }
  return outputs;
}

/// The facts whose absence may leave output `oi` waiting (statically, Engine::facts_needed) that
/// no column gives.
std::vector<std::uint32_t> facts_without_column(const engine::Engine& engine, std::uint32_t oi, const Layout& layout) {
  std::vector<std::uint32_t> missing;
  for (const auto f : engine.facts_needed(oi)) {
    if (!layout.fact_has_column[f]) missing.push_back(f);
  }
  return missing;
}

/// Sets `layout.outputs`: those `asked` for or, when none were, every output the roster can
/// decide (each fact it may read has a column) but guidance text, which is prose for one
/// student at a time (policy eval) and would multiply the output's size. Notes in `summary` the
/// outputs left out, and those asked for that read a fact no column gives.
void choose_outputs(const engine::Engine& engine, const BatchOptions& options, const std::vector<std::uint32_t>& asked,
                    Layout& layout, BatchSummary& summary) {
  const auto& pack = engine.pack();
  const auto gap = [&](std::uint32_t oi, std::vector<std::uint32_t> missing) {
    const auto& decl = pack.outputs[oi].decl(engine.policy());
    return OutputGap{pack.outputs[oi].name, decl.label.empty() ? pack.outputs[oi].name : decl.label, std::move(missing)};
  };
  if (!options.outputs.empty()) {
    layout.outputs = asked;
    for (const auto oi : asked) {
      auto missing = facts_without_column(engine, oi, layout);
      if (!missing.empty()) summary.undecidable.push_back(gap(oi, std::move(missing)));
    }
    return;
  }
  for (std::uint32_t oi = 0; oi < pack.outputs.size(); ++oi) {
    if (pack.outputs[oi].decl(engine.policy()).type.kind == model::Kind::text) continue;
    auto missing = facts_without_column(engine, oi, layout);
    if (missing.empty()) layout.outputs.push_back(oi);
    else summary.left_out.push_back(gap(oi, std::move(missing)));
  }
}

/// Sets the CSV's column names: `layout.output_headers` (each output's label, followed by its
/// name when another output written has the same label; its name with BatchOptions::names) and
/// `layout.added_headers` (评估日期, 状态, 说明 for people in Chinese; else as_of, status, error).
void name_columns(const engine::Engine& engine, const BatchOptions& options, Layout& layout) {
  const auto& pack = engine.pack();
  const bool zh = !options.names && options.lang == source::Lang::zh;
  layout.added_headers = zh ? std::array<std::string, 3>{"评估日期", "状态", "说明"}
                            : std::array<std::string, 3>{"as_of", "status", "error"};
  const auto label = [&](std::uint32_t oi) -> const std::string& {
    const auto& l = pack.outputs[oi].decl(engine.policy()).label;
    return l.empty() ? pack.outputs[oi].name : l;
  };
  layout.output_headers.clear();
  for (const auto oi : layout.outputs) {
    if (options.names) {
      layout.output_headers.push_back(pack.outputs[oi].name);
      continue;
    }
    const bool shared = std::any_of(layout.outputs.begin(), layout.outputs.end(),
                                    [&](std::uint32_t other) { return other != oi && label(other) == label(oi); });
    layout.output_headers.push_back(!shared ? label(oi)
                                    : zh    ? label(oi) + "（" + pack.outputs[oi].name + "）"
                                            : label(oi) + " (" + pack.outputs[oi].name + ")");
  }
}

}  // namespace

std::optional<std::string> header_suggestion(std::string_view header, const std::vector<std::string>& known) {
  const std::u32string h = fold_header(header);
  if (h.empty()) return std::nullopt;
  std::optional<std::string> best;
  std::size_t best_distance = SIZE_MAX;  // an annotated header ranks after every near spelling
  std::size_t best_contained = 0;        // among annotated headers: the longest known header wins
  for (const auto& k : known) {
    const std::u32string f = fold_header(k);
    if (f.empty()) continue;
    const std::size_t shorter = std::min(h.size(), f.size());
    const std::size_t limit = shorter >= 5 ? 2 : shorter >= 3 ? 1 : 0;
    const std::size_t d = edit_distance(h, f, limit);
    if (d <= limit) {
      if (d < best_distance) {
        best = k;
        best_distance = d;
      }
      continue;
    }
    if (best_distance != SIZE_MAX || f.size() < 2 || f.size() <= best_contained) continue;
    const std::size_t at = h.find(f);
    if (at == std::u32string::npos) continue;
    const std::u32string_view view(h);
    if (only_marks(view.substr(0, at)) && annotation_after(view.substr(at + f.size()))) {
      best = k;
      best_contained = f.size();
    }
  }
  return best;
}

bool excel_damaged_id(std::string_view cell) {
  const std::string_view t = trim_cell(cell);
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  // Scientific notation: 1.10101E+17 (the mantissa's digits, E, an optional sign, the exponent).
  const std::size_t e = t.find_first_of("eE");
  if (e != std::string_view::npos && e > 0 && digit(t[0])) {
    const std::string_view mantissa = t.substr(0, e);
    std::string_view exponent = t.substr(e + 1);
    if (!exponent.empty() && exponent[0] == '+') exponent.remove_prefix(1);
    const std::size_t point = mantissa.find('.');
    const bool mantissa_ok = std::all_of(mantissa.begin(), mantissa.end(), [&](char c) { return digit(c) || c == '.'; }) &&
                             (point == std::string_view::npos || mantissa.find('.', point + 1) == std::string_view::npos);
    if (mantissa_ok && !exponent.empty() && std::all_of(exponent.begin(), exponent.end(), digit)) return true;
  }
  // Digits lost after the 15th: 15 digits or more ending in 000 that are not a valid number.
  if (t.size() >= 15 && t.ends_with("000") && std::all_of(t.begin(), t.end(), digit)) {
    return !model::check_resident_id(t).ok;
  }
  return false;
}

std::vector<std::string> summary_notes(const BatchSummary& summary, source::Lang lang) {
  const bool zh = lang == source::Lang::zh;
  std::vector<std::string> notes;
  const std::string header_row = std::to_string(summary.header_row);
  if (summary.title_rows > 0) {
    const std::string above = summary.header_row == 2 ? "1" : "1-" + std::to_string(summary.header_row - 1);
    if (summary.header_found_below) {
      notes.push_back(zh ? "第" + above + "行没有可识别的列名，视为标题行；表头从第" + header_row +
                               "行读取。结果原样保留标题行，行号与名单一致。如不对，请指定表头所在行（命令行 --header-row，接口 header_row）。"
                         : (summary.header_row == 2 ? "row 1 names no fact and was taken as a title row"
                                                    : "rows " + above + " name no fact and were taken as title rows") +
                               "; the header was read from row " + header_row +
                               ". The result keeps the title rows as they were, so its rows are the roster's. If "
                               "this is wrong, name the header row (--header-row; header_row in the API).");
    } else {
      notes.push_back(zh ? "按 --header-row，表头从第" + header_row + "行读取，第" + above +
                               "行为标题行（结果原样保留）。"
                         : "the header was read from row " + header_row + " (--header-row); row" +
                               std::string(summary.header_row == 2 ? " " : "s ") + above +
                               " above it are title rows (kept as they were in the result).");
    }
  }
  for (const auto& s : summary.suggestions) {
    const std::string letters = column_letters(s.column);
    const std::string header = escape_controls(trim_cell(s.header));
    notes.push_back(zh ? "第" + header_row + "行 " + letters + "列（" + header + "）未被读取：是否应为“" + s.known + "”？"
                       : "row " + header_row + ", column " + letters + " (" + header + ") was not read: did you mean “" +
                             s.known + "”?");
  }
  for (const auto& d : summary.damaged_columns) {
    const std::string column = column_name(d.column, trim_cell(d.header), lang);
    const std::string counts = std::to_string(d.damaged) + (zh ? "/" : " of ") + std::to_string(d.filled);
    notes.push_back(
        zh ? column + "大部分被 Excel 改为科学计数法或丢了末尾数字（" + counts +
                 "个非空单元格，如 1.10101E+17、末三位为000）：号码已无法从这份表中恢复。请把该列设为文本后从原系统重新导出（或重新填入号码）。" +
                 (d.needed ? "" : "本次写出的结果都不需要这一列，各行照常计算。")
           : column + ": most of it was damaged by Excel (" + counts +
                 " non-empty cells in scientific notation such as 1.10101E+17, or with the digits after the 15th turned "
                 "to 000); the numbers cannot be recovered from this file. Format the column as text and export it "
                 "again from the source system (or enter the numbers again)." +
                 (d.needed ? "" : " No output written needs this column: the rows were evaluated."));
  }
  if (!summary.merged.empty()) {
    // Only a merged area's first cell holds its value (ECMA-376 18.3.1.55): the rows under it read
    // blank there, and a fact's blank cell leaves the row waiting, unseen in the workbook.
    std::string list;
    constexpr std::size_t kShown = 3;
    for (std::size_t k = 0; k < summary.merged.size() && k < kShown; ++k) {
      const auto& m = summary.merged[k];
      list += (k ? (zh ? "、" : ", ") : "") + column_letters(m.area.first_column) + std::to_string(m.area.first_row) + ":" +
              column_letters(m.area.last_column) + std::to_string(m.area.last_row);
      const std::string header = escape_controls(trim_cell(m.header));
      if (!header.empty()) list += (zh ? "（" : " (") + header + (zh ? "）" : ")");
    }
    const std::size_t total = summary.merged_total;
    if (total > kShown) list += zh ? "等" : ", ...";
    const std::string n = (summary.merged_more ? (zh ? "至少" : "at least ") : "") + std::to_string(total);
    notes.push_back(zh ? "名单中有" + n + "处跨行的合并单元格（" + list +
                             "）：合并区域只有第一行有值，其余各行在这些列读作空白（这些行可能因此待补充）。请取消合并、在每一行填上值后再运行。"
                       : n + (total == 1 ? " merged cell spans" : " merged cells span") + " several rows (" + list +
                             "): only the first row of a merged area holds its value, the other rows read as blank in "
                             "those columns (and may be unknown for it). Unmerge them, fill in every row, then run again.");
  }
  if (summary.rows_without_facts > 0) {
    std::string rows;
    for (std::size_t k = 0; k < summary.first_rows_without_facts.size(); ++k) {
      rows += (k ? (zh ? "、" : ", ") : "") + std::to_string(summary.first_rows_without_facts[k]);
    }
    if (summary.rows_without_facts > summary.first_rows_without_facts.size()) rows += zh ? "等" : ", ...";
    const std::string n = std::to_string(summary.rows_without_facts);
    notes.push_back(zh ? n + "行（第" + rows + "行）在本次结果所需的各列都是空的，计为待补充：表尾的合计、制表人等行不是学生，可以不管；是学生的请填上这些列。"
                       : n + (summary.rows_without_facts == 1 ? " row (row " : " rows (rows ") + rows +
                             ") have nothing in any column the outputs written read, and count as unknown: a footer "
                             "such as a total or a signature is no student and can be ignored; for a student, fill "
                             "those columns in.");
  }
  if (summary.warned > 0) {
    const std::string n = std::to_string(summary.warned);
    notes.push_back(zh ? n + "行的“说明”列有提醒：单元格有误，但本次写出的结果不需要它，这些行照常计算。"
                       : n + (summary.warned == 1 ? " row carries" : " rows carry") +
                             " a warning in the error column: a cell is bad but no output written needs it, so the "
                             "row was evaluated.");
  }
  return notes;
}

namespace {

/// Whether two rows hold the same header (cells equal after clean_header): a split's first row
/// that repeats the header given for it.
bool same_header(const Record& a, const Record& b) {
  if (a.decode_error || b.decode_error || a.size() != b.size()) return false;
  for (std::size_t c = 0; c < a.size(); ++c) {
    if (clean_header(a.field(c)) != clean_header(b.field(c))) return false;
  }
  return true;
}

/// The data rows after the header, numbered for messages (BatchOptions::first_row): with a header
/// given (BatchOptions::header), a first row repeating it is skipped.
class DataRows final : public RecordSource {
 public:
  /// `header_row`: the row of the header read from `in` (0 when it was given); `copy`: the header
  /// given, whose repetition as the first row is skipped (nullptr: none).
  DataRows(RecordSource& in, std::size_t header_row, const Record* copy, std::size_t first_row)
      : in_(in), copy_(copy), base_(header_row + 1), first_row_(first_row) {}
  bool next(Record& out) override {
    if (!in_.next(out)) return false;
    if (first_) {
      first_ = false;
      if (copy_ && same_header(out, *copy_)) {
        base_ = out.row + 1;
        if (!in_.next(out)) return false;
      }
    }
    if (first_row_ > 0) out.row = out.row - base_ + first_row_;  // out.row >= base_
    return true;
  }
  std::optional<SourceFailure> failure() const override { return in_.failure(); }
  Encoding encoding() const override { return in_.encoding(); }
  bool workbook() const override { return in_.workbook(); }
  std::string sheet() const override { return in_.sheet(); }
  std::uint64_t bytes_read() const override { return in_.bytes_read(); }

 private:
  RecordSource& in_;
  const Record* copy_;
  std::size_t base_;  // the row of the first line after the header
  std::size_t first_row_;
  bool first_ = true;
};

}  // namespace

std::variant<BatchSummary, std::vector<source::Diagnostic>> run_batch(const engine::Engine& engine, std::istream& in,
                                                                      const std::string& input_name, std::ostream& out,
                                                                      const BatchOptions& options,
                                                                      const Progress& progress) {
  RosterReader reader(in, options.encoding);
  return run_batch(engine, reader, input_name, out, options, progress);
}

std::variant<BatchSummary, std::vector<source::Diagnostic>> run_batch(const engine::Engine& engine, RecordSource& reader,
                                                                      const std::string& input_name, std::ostream& out,
                                                                      const BatchOptions& options,
                                                                      const Progress& progress) {
  Layout layout;
  std::vector<source::Diagnostic> diags;
  const std::vector<std::uint32_t> asked = asked_outputs(engine, options.outputs, diags);
  // Why the source stopped early: before any header, a CSV whose structure breaks is a header
  // problem (batch_bad_header); every other reason keeps the source's own code.
  const auto source_failed = [&](bool before_header) {
    const auto f = reader.failure();
    const std::string code = before_header && f->code == "batch_bad_csv" ? "batch_bad_header" : f->code;
    diags.push_back(source::diagnostic_at(code, input_name, {}, f->message, f->message_zh));
    return diags;
  };
  // The header row: row options.header_row, or the first row, or, when that names no fact, the
  // first of the next kTitleRows rows that names one; the rows above it are title rows.
  constexpr std::size_t kTitleRows = 10;
  const auto& facts = engine.policy().facts;
  Record header;
  std::vector<Record> titles;
  bool found_below = false;
  const auto no_header = [&](std::size_t row, std::string message, std::string message_zh) {
    diags.push_back(source::diagnostic_at("batch_bad_header", input_name, {static_cast<std::uint32_t>(row), row ? 1u : 0u},
                                          std::move(message), std::move(message_zh)));
    return diags;
  };
  // A split's header is given (BatchOptions::header): its messages name where it came from.
  const std::string& header_source = options.header ? options.header_name : input_name;
  if (options.header) {
    header = *options.header;
  } else if (options.header_row > 1) {
    const std::string n = std::to_string(options.header_row);
    for (;;) {
      if (!reader.next(header)) {
        if (reader.failure()) return source_failed(true);
        return no_header(0, "the roster ends before row " + n + ", which --header-row names as the header row",
                         "名单在第" + n + "行之前就结束了，而 --header-row 指定第" + n + "行为表头行");
      }
      if (header.row >= options.header_row) break;
      titles.push_back(header);
    }
    if (header.row != options.header_row) {
      return no_header(options.header_row, "row " + n + ", which --header-row names as the header row, is blank",
                       "--header-row 指定的表头行（第" + n + "行）是空行");
    }
  } else {
    if (!reader.next(header)) {
      if (reader.failure()) return source_failed(true);
      return no_header(0, "the roster is empty: no header row", "名单是空的：没有表头行");
    }
    if (options.header_row == 0 && !header.decode_error && !names_a_fact(facts, header)) {
      std::vector<Record> above{header};
      Record next;
      while (above.size() <= kTitleRows && reader.next(next)) {
        if (names_a_fact(facts, next)) {
          titles = std::move(above);
          header = std::move(next);
          found_below = true;
          break;
        }
        above.push_back(next);
      }
      if (!found_below) {
        // A broken CSV structure below the first row: map_header says what is wrong with that
        // row. Any other failure (a read, a workbook's) is the reason itself.
        if (auto f = reader.failure(); f && f->code != "batch_bad_csv") return source_failed(true);
        header = std::move(above.front());  // map_header says what is wrong with it
      }
    }
  }
  if (header.decode_error) {
    diags.push_back(source::diagnostic_at("batch_bad_header", header_source,
                                          {static_cast<std::uint32_t>(header.row), header.row ? 1u : 0u},
                                          "header row: " + *header.decode_error,
                                          "表头行：" + (header.decode_error_zh ? *header.decode_error_zh : *header.decode_error)));
    return diags;
  }
  // The default outputs depend on the columns present, and the header's check for columns named
  // like those batch adds on the outputs: first the columns' facts (a trial mapping, whose
  // diagnostics the real one below repeats), then the outputs, then the header for real.
  BatchSummary summary;
  // A workbook's text is XML's UTF-8: map_header names no encoding for it (nullptr).
  const Encoding text_encoding = reader.encoding();
  const Encoding* encoding = reader.workbook() ? nullptr : &text_encoding;
  {
    Layout trial;
    map_header(engine, header, header_source, encoding, false, trial);
    layout.fact_has_column.assign(engine.policy().facts.size(), false);
    for (const auto& fact : trial.column_fact) {
      if (fact) layout.fact_has_column[*fact] = true;
    }
  }
  choose_outputs(engine, options, asked, layout, summary);
  name_columns(engine, options, layout);
  const bool xlsx = options.format == OutputFormat::xlsx;
  auto header_diags = map_header(engine, header, header_source, encoding, options.format == OutputFormat::csv || xlsx, layout);
  diags.insert(diags.end(), header_diags.begin(), header_diags.end());
  if (!diags.empty()) return diags;

  layout.order = engine.evaluation_order(layout.outputs);
  for (const auto oi : layout.outputs) layout.output_facts.push_back(engine.facts_read(oi));
  layout.fact_has_column.assign(facts.size(), false);
  layout.fact_needed.assign(facts.size(), false);
  for (const auto& read : layout.output_facts) {
    for (const auto f : read) {
      if (f < facts.size()) layout.fact_needed[f] = true;
    }
  }
  for (const auto& fact : layout.column_fact) {
    if (fact) layout.reads_any = layout.reads_any || layout.fact_needed[*fact];
    if (fact) layout.fact_has_column[*fact] = true;
    layout.id_column.push_back(fact && facts[*fact].type.kind == model::Kind::resident_id);
  }
  for (std::uint32_t f = 0; f < facts.size() && f < model::kMaxFacts; ++f) {
    if (!layout.fact_has_column[f]) layout.no_column.set(f);
  }
  summary.encoding = reader.encoding();
  summary.sheet = reader.sheet();
  summary.header_row = header.row;
  summary.header_found_below = found_below;
  summary.title_rows = titles.size();
  // Headers a near miss may mean: those of the facts no column gives yet.
  std::vector<std::string> known;
  for (std::uint32_t f = 0; f < facts.size(); ++f) {
    if (layout.fact_has_column[f]) continue;
    if (!facts[f].label.empty()) known.push_back(facts[f].label);
    known.insert(known.end(), facts[f].csv_headers.begin(), facts[f].csv_headers.end());
    known.push_back(facts[f].name);
  }
  summary.as_of = options.as_of;
  summary.outputs_written = layout.outputs.size();
  for (std::size_t c = 0; c < layout.headers.size(); ++c) {
    if (layout.column_fact[c]) {
      summary.mapped.emplace_back(layout.headers[c], facts[*layout.column_fact[c]].name);
    } else {
      summary.passed_through.push_back(layout.headers[c]);
      if (auto like = header_suggestion(clean_header(layout.headers[c]), known)) {
        summary.suggestions.push_back({c, layout.headers[c], std::move(*like)});
      }
    }
  }
  std::vector<std::size_t> filled(layout.headers.size()), damaged(layout.headers.size());
  const bool gb = options.output_encoding == OutputEncoding::gb18030;
  // A CSV in UTF-8 starts with a BOM unless asked otherwise: without one, Chinese Excel reads it
  // as GBK and shows mojibake. JSON text must not start with one (RFC 8259).
  const bool bom = options.format == OutputFormat::csv && (options.output_encoding == OutputEncoding::utf8_bom ||
                                                           options.output_encoding == OutputEncoding::automatic);
  Encoder encoder(gb);
  // Without its header (a split's output), nothing comes before the rows: a BOM amid the
  // concatenated splits would be a stray character in a cell.
  const bool csv_head = options.format == OutputFormat::csv && options.output_header;
  if (bom && csv_head) out << "\xEF\xBB\xBF";
  std::optional<XlsxResultWriter> workbook;
  if (xlsx) {
    int remind_days = 30;
    if (options.remind_days) {
      remind_days = *options.remind_days;
    } else {
      for (const auto& p : engine.policy().parameters) {
        if (p.name != "worklist_remind_days") continue;
        if (p.value.kind != model::Kind::integer || p.value.integer < 0 || p.value.integer > 3650) {
          return std::vector<source::Diagnostic>{source::Diagnostic{
              "load_bad_value", p.value_span,
              "worklist_remind_days (the days before a deadline that a result workbook marks it due soon) is a whole number from 0 to 3650, not " + p.text,
              {}, "worklist_remind_days（结果工作簿中“即将到期”的天数）应为 0 到 3650 的整数，而不是 " + p.text}};
        }
        remind_days = static_cast<int>(p.value.integer);
      }
    }
    workbook.emplace(engine, XlsxRunInfo{options.xlsx_path, input_name, options.params_file, remind_days,
                                         options.as_of, options.lang});
    XlsxColumns columns{layout.headers, layout.column_fact, layout.outputs, layout.output_headers,
                        layout.added_headers[0], layout.added_headers[1], layout.added_headers[2], reader.number_formats()};
    if (!workbook->begin(std::move(columns), titles, header.row)) return workbook->diagnostics();
  }
  if (csv_head) write_title_rows(encoder, out, titles, header.row);
  if (csv_head) {
    std::string line;
    for (std::size_t c = 0; c < layout.headers.size(); ++c) {
      if (c) line += ',';
      put_csv(line, layout.headers[c]);
    }
    line += ',';
    put_csv(line, layout.added_headers[0]);
    for (const auto& h : layout.output_headers) {
      line += ',';
      put_csv(line, h);
    }
    for (std::size_t k = 1; k < layout.added_headers.size(); ++k) {
      line += ',';
      put_csv(line, layout.added_headers[k]);
    }
    line += "\r\n";
    encoder.write(out, line);
  }

  DataRows rows(reader, options.header ? 0 : header.row, options.header ? &*options.header : nullptr, options.first_row);
  const unsigned jobs = std::max(1u, options.jobs);
  const std::size_t block_rows = std::max<std::size_t>(1, options.block_rows);
  const std::size_t round_blocks = std::size_t{jobs} * kBlocksPerJob;
  Runner runner(engine, options, layout);
  // One Worker per evaluating thread (jobs - 1 workers and this one): a thread keeps what it
  // remembered from round to round, and nothing remembered is used by two threads.
  std::vector<Worker> workers_state;
  workers_state.reserve(jobs);
  for (unsigned k = 0; k < jobs; ++k) workers_state.emplace_back(engine, layout, std::max<std::size_t>(1, options.memo_entries));
  // A round is up to `round_blocks` blocks of rows. Two rounds take turns: while jobs - 1 worker
  // threads evaluate one, this thread writes the one before it and reads the one after it, then
  // evaluates the blocks left, so that no core idles while the slower side finishes (one job:
  // this thread alone reads, evaluates and writes).
  // Rounds are written in order, so the output never depends on `jobs`.
  struct Round {
    std::vector<Slot> slots;
    std::size_t filled = 0;              // blocks holding rows
    std::atomic<std::size_t> next{0};    // the next block to evaluate
  };
  std::array<Round, 2> rounds;
  for (auto& r : rounds) {
    r.slots.resize(round_blocks);
    for (auto& s : r.slots) s.records.resize(block_rows);
  }
  const auto evaluate_blocks = [&runner](Round& r, Worker& worker) {
    for (std::size_t k; (k = r.next.fetch_add(1)) < r.filled;) runner.process(r.slots[k], worker);
  };
  bool more = true;
  const auto read_round = [&](Round& r) {
    r.filled = 0;
    while (r.filled < round_blocks && more) {
      auto& s = r.slots[r.filled];
      s.count = 0;
      std::size_t bytes = 0;
      while (s.count < block_rows && bytes < options.block_bytes && (more = rows.next(s.records[s.count]))) {
        bytes += s.records[s.count].text.size();
        ++s.count;
      }
      if (s.count == 0) break;
      ++r.filled;
    }
  };
  const auto write_round = [&](Round& r) {
    for (std::size_t k = 0; k < r.filled; ++k) {
      auto& s = r.slots[k];
      if (workbook) {
        if (!workbook->write_rows(s.typed)) return false;
      } else {
        encoder.write(out, s.out.view());
        if (!out.good()) return false;
      }
      summary.rows += s.count;
      summary.ok += s.ok;
      summary.unknown += s.unknown;
      summary.error += s.error;
      summary.warned += s.warned;
      if (!s.rule_rows.empty()) {
        summary.rule_rows.resize(s.rule_rows.size());
        for (std::size_t ri = 0; ri < s.rule_rows.size(); ++ri) summary.rule_rows[ri] += s.rule_rows[ri];
      }
      summary.rows_without_facts += s.without_facts.size();
      for (const auto row : s.without_facts) {
        if (summary.first_rows_without_facts.size() < 3) summary.first_rows_without_facts.push_back(row);
      }
      for (std::size_t c = 0; c < s.filled.size(); ++c) {
        filled[c] += s.filled[c];
        damaged[c] += s.damaged[c];
      }
      for (auto& e : s.errors) {
        if (summary.first_errors.size() < 10) summary.first_errors.push_back(std::move(e));
      }
    }
    if (progress) progress(summary.rows, reader.bytes_read());
    return true;
  };
  const auto write_failed = [&] {
    if (workbook) return workbook->diagnostics();  // libxlsxwriter's reason, at the workbook's path
    // The stream does not say why; the caller, who knows where it goes, may (the CLI adds errno).
    diags.push_back(source::diagnostic_at("batch_io", "<output>", {}, "writing the results failed", "结果写入失败"));
    return diags;
  };
  Round* current = &rounds[0];
  Round* previous = nullptr;  // evaluated, not yet written
  read_round(*current);
  while (current->filled > 0) {
    bool written = true;
    current->next = 0;
    {
      std::vector<std::jthread> workers;  // joined at the end of this scope, whatever happens
      for (unsigned k = 0; k + 1 < jobs && k < current->filled; ++k) {
        workers.emplace_back([&evaluate_blocks, &workers_state, current, k] { evaluate_blocks(*current, workers_state[k]); });
      }
      Round& other = current == &rounds[0] ? rounds[1] : rounds[0];
      if (previous) written = write_round(*previous);
      if (written) read_round(other);
      else other.filled = 0;
      evaluate_blocks(*current, workers_state[jobs - 1]);  // the blocks no worker has taken yet
    }
    if (!written) return write_failed();
    previous = current;
    current = current == &rounds[0] ? &rounds[1] : &rounds[0];
  }
  if (previous && !write_round(*previous)) return write_failed();
  out.flush();
  if (!out.good()) return write_failed();
  if (reader.failure()) return source_failed(false);  // the rows before it were written
  {
    const auto [areas, total] = reader.merged_rows();
    constexpr std::size_t kKept = 3;  // the ones the note names
    for (const auto& a : areas) {
      if (a.last_row <= summary.header_row) continue;  // title rows merged above the header are usual
      if (summary.merged.size() < kKept) {
        summary.merged.push_back({a, a.first_column < layout.headers.size() ? layout.headers[a.first_column] : std::string()});
      }
      ++summary.merged_total;
    }
    summary.merged_more = total > areas.size();
  }
  for (std::size_t c = 0; c < filled.size(); ++c) {
    if (damaged[c] > 0 && 2 * damaged[c] > filled[c]) {
      summary.damaged_columns.push_back({c, layout.headers[c], damaged[c], filled[c], layout.fact_needed[*layout.column_fact[c]]});
    }
  }
  if (workbook) {
    if (!workbook->finish(summary)) return workbook->diagnostics();
    summary.worklist = workbook->worklist_rows();
  }
  return summary;
}

}  // namespace rules::batch
