#include "batch/batch.h"

#include <iconv.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <thread>

#include <nlohmann/json.hpp>

#include "batch/cells.h"
#include "explain/render.h"
#include "model/format.h"

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
};

/// Blocks in a round per job: small blocks let the reading thread, once it has read and written,
/// take blocks the workers have not reached, and keep the threads evenly loaded.
constexpr std::size_t kBlocksPerJob = 4;

/// Bytes of a row's error message past which further bad cells are named by column only.
constexpr std::size_t kRowMessageBudget = 1000;

std::string column_name(std::size_t index, std::string_view header) {
  return "column " + std::to_string(index + 1) + (header.empty() ? "" : " (" + escape_controls(header) + ")");
}

/// A column's letters as a spreadsheet names it: 0 -> A, 25 -> Z, 26 -> AA.
std::string column_letters(std::size_t index) {
  std::string letters;
  for (std::size_t n = index + 1; n > 0; n = (n - 1) / 26) {
    letters.insert(letters.begin(), static_cast<char>('A' + (n - 1) % 26));
  }
  return letters;
}

/// Maps the header row to facts by fact name or by any CSV header the pack declares for it.
/// `layout.outputs` must be set: with `csv`, a header equal to a column batch adds (an output
/// written, `status`, `error`) is an error.
std::vector<source::Diagnostic> map_header(const engine::Engine& engine, const Record& header, const std::string& name,
                                           Encoding encoding, bool csv, Layout& layout) {
  std::vector<source::Diagnostic> diags;
  const auto& facts = engine.policy().facts;
  auto at = [&](std::size_t column) {
    return source::diagnostic_at("", name, {static_cast<std::uint32_t>(header.row), static_cast<std::uint32_t>(column + 1)}, "");
  };
  std::vector<std::optional<std::size_t>> fact_column(facts.size());
  bool any = false;
  // Columns named like one batch adds: one diagnostic for all of them (a file batch wrote has a
  // dozen or more), at the first of them and in column order among the other diagnostics.
  std::vector<std::string> clashes;  // column_name of each
  std::size_t first_clash = 0, clash_at = 0;
  bool output_clash = false;
  for (std::size_t c = 0; c < header.size(); ++c) {
    // Headers match after trimming (also full-width spaces) and dropping a stray BOM; fact names
    // match in any ASCII case (Discharge_Date), Chinese headers exactly.
    std::string_view h = trim_cell(header.field(c));
    while (h.starts_with("\xEF\xBB\xBF")) h = trim_cell(h.substr(3));
    layout.headers.emplace_back(header.field(c));
    std::optional<std::uint32_t> fact;
    for (std::uint32_t f = 0; f < facts.size() && !fact; ++f) {
      // The label too: `policy facts` shows it first, and a registrar may well copy it.
      if (equals_ascii_ci(facts[f].name, h) || (!facts[f].label.empty() && facts[f].label == h) ||
          std::find(facts[f].csv_headers.begin(), facts[f].csv_headers.end(), h) != facts[f].csv_headers.end()) {
        fact = f;
      }
    }
    if (h.empty()) {
      // Trailing empty headers were dropped by the reader: an empty one here has named columns after it.
      auto d = at(c);
      d.code = "batch_empty_header";
      d.message = column_name(c, h) + " has no header, so its values could not be read";
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
        clashes.push_back(column_name(c, h));
        output_clash = output_clash || output;
      }
    }
    if (fact) {
      any = true;
      if (fact_column[*fact]) {
        auto d = at(c);
        d.code = "batch_duplicate_column";
        d.message = column_name(*fact_column[*fact], layout.headers[*fact_column[*fact]]) + " and " + column_name(c, h) +
                    " both give fact " + facts[*fact].name + " (" + facts[*fact].label + ")";
        diags.push_back(std::move(d));
      }
      fact_column[*fact] = c;
    }
    layout.column_fact.push_back(fact);
  }
  if (!clashes.empty()) {
    constexpr std::size_t kNamed = 3;  // then "and N more"
    const bool one = clashes.size() == 1;
    std::string named;
    for (std::size_t k = 0; k < clashes.size() && k < kNamed; ++k) {
      const bool last = k + 1 == clashes.size();
      named += (k == 0 ? "" : last ? " and " : ", ") + clashes[k];
    }
    if (clashes.size() > kNamed) named += " and " + std::to_string(clashes.size() - kNamed) + " more";
    auto d = at(first_clash);
    d.code = "batch_column_clash";
    d.message = named + (one ? ": batch adds a column of this name to its output, which would then have two"
                             : ": batch adds columns of these names to its output, which would then have two of each") +
                "; remove the old result columns (a file batch wrote ends with its outputs, status and error)" +
                (output_clash ? " or choose other outputs with --outputs"
                              : one ? " or rename this column" : " or rename these columns");
    diags.insert(diags.begin() + static_cast<std::ptrdiff_t>(clash_at), std::move(d));
  }
  if (!any) {
    auto d = at(0);
    d.code = "batch_bad_header";
    const std::string_view first = header.size() > 0 ? header.field(0) : std::string_view();
    const bool tabs = first.find('\t') != std::string_view::npos, semicolons = first.find(';') != std::string_view::npos;
    d.message = "no column of the header row names a fact of pack " + engine.policy().header.id + " (read as " +
                encoding_name(encoding) + "); " +
                (tabs || semicolons ? std::string("the columns seem separated by ") + (tabs ? "tabs" : "semicolons") +
                                          ": save the file as CSV (comma-separated) and run again"
                                    : "if the headers look garbled, the file is in another encoding: try --encoding "
                                      "gb18030 or --encoding utf-8") +
                " (policy facts lists the accepted headers)";
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
  std::string cell;                     // one output value's text, reused
  std::size_t ok = 0, unknown = 0, error = 0;
  std::vector<std::pair<std::size_t, std::string>> errors;
};

class Runner {
 public:
  Runner(const engine::Engine& e, const BatchOptions& o, const Layout& l) : engine_(e), options_(o), layout_(l) {
    cell_options_.excel_serial_dates = o.excel_serial_dates;
    eval_options_.only = &l.order;  // only what is written (guidance prose is not, by default)
    // CSV writes no lists of missing facts, only whether a row waits for one: evaluating the
    // branches of undecided ifs would widen the facts each column's text is remembered by.
    eval_options_.complete_missing = o.format != OutputFormat::csv;
    const std::string date = calendar::format_date(o.as_of);
    as_of_cell_ = "," + date;
    as_of_json_ = ",\"as_of\":\"" + date + "\"";
    if (!o.names && o.lang == source::Lang::zh) status_words_ = {"正常", "待补充", "错误"};
  }

  /// Evaluates the rows of `s` with the calling thread's own `worker`.
  void process(Slot& s, Worker& worker) const {
    s.out.clear();
    s.ok = s.unknown = s.error = 0;
    s.errors.clear();
    if (s.situation.facts().size() != engine_.policy().facts.size()) s.situation.reset(engine_.policy().facts.size());
    s.normalized.resize(layout_.column_fact.size());
    s.remembered.resize(layout_.outputs.size());
    engine::EvalOptions eval = eval_options_;
    for (std::size_t i = 0; i < s.count; ++i) row(s, s.records[i], worker, eval);
  }

 private:
  /// Adds a bad cell or a failed output to a row's message. Each message quotes at most 100 bytes
  /// of its cell; past kRowMessageBudget bytes the later ones are named by column only, so that
  /// a row with many bad cells still names them all.
  static void add_error(std::string& error, const std::string& column, std::string_view detail) {
    if (!error.empty()) error += "; ";
    error += column;
    if (error.size() + detail.size() <= kRowMessageBudget) error += detail;
    else error += ": …";
  }

  void row(Slot& s, const Record& r, Worker& worker, engine::EvalOptions& eval) const {
    const auto& policy = engine_.policy();
    std::string error;
    // Only facts with a column are ever set: the others stay absent from row to row.
    for (const auto& fact : layout_.column_fact) {
      if (fact) s.situation.clear(*fact);
    }
    // Every bad cell is reported, in column order, so that one round of corrections fixes the row.
    if (r.decode_error) {
      error = *r.decode_error;  // the cells' bytes are not text: reading them would say nothing more
    } else {
      const std::size_t named = std::min(r.size(), layout_.column_fact.size());
      for (std::size_t c = 0; c < named; ++c) {
        const auto fact = layout_.column_fact[c];
        if (!fact) continue;
        const std::string_view text = r.field(c);
        if (const Value* known = options_.memo_entries > 0 ? worker.cells.find(c, text) : nullptr) {
          s.situation.set_view(*fact, *known);  // a scalar: points nowhere
          continue;
        }
        Value v;
        std::string why;
        const auto status = parse_cell(text, policy.facts[*fact].type, policy.enums, cell_options_, v, why, s.normalized[c]);
        if (status == CellStatus::error) {
          add_error(error, column_name(c, trim_cell(layout_.headers[c])), ": " + why);
        } else if (status == CellStatus::value) {
          s.situation.set_view(*fact, v);  // points into the record or `normalized`, alive for the row
          if (options_.memo_entries > 0) worker.cells.keep(c, text, v);
        }
      }
      // A value right of the last header has no column in the output, which stays rectangular: the
      // row is an error and the message carries the value, so that it is seen and not lost.
      for (std::size_t c = named; c < r.size(); ++c) {
        if (trim_cell(r.field(c)).empty()) continue;
        add_error(error, column_name(c, column_letters(c)),
                  " has a value but the header row has no name for it: " + quote_cell(r.field(c)));
      }
    }
    const bool evaluated = error.empty();  // a bad cell stops the row before evaluation
    const bool csv = options_.format == OutputFormat::csv;
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
    if (csv) {
      write_inputs(s, r);
      write_outputs(s, r, evaluated, worker, undecided, error);
    } else if (evaluated) {
      for (std::size_t k = 0; k < layout_.outputs.size(); ++k) {
        const Value& v = s.outcome.output(layout_.outputs[k]);
        if (v.state == State::error) add_output_error(s, r, k, error);
        if (v.state == State::unknown && v.missing.any()) undecided = true;
      }
    }
    const char* status = !error.empty() ? "error" : undecided ? "unknown" : "ok";
    if (!error.empty()) {
      ++s.error;
      if (s.errors.size() < 10) s.errors.emplace_back(r.row, error);
    } else if (undecided) {
      ++s.unknown;
    } else {
      ++s.ok;
    }
    if (csv) {
      s.out += ',';
      s.out += status_cell(status);
      s.out += ',';
      put_csv(s.out, error);
      s.out += "\r\n";
    } else {
      write_jsonl(s, r, evaluated, status, error);
    }
  }

  /// Output k (an index into Layout::outputs) failed: its message, with the cells of the facts
  /// it reads, goes into the row's.
  void add_output_error(const Slot& s, const Record& r, std::size_t k, std::string& error) const {
    const auto oi = layout_.outputs[k];
    const Value& v = s.outcome.output(oi);
    add_error(error, engine_.pack().outputs[oi].name,
              ": " + s.outcome.errors[v.error_index].message + cited_cells(r, layout_.output_facts[k]));
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

  /// " (column 2 (退役日期): '2005/8/31'; ...)": the non-empty cells of the row holding `facts`,
  /// so that a failed output points the registrar at the cells to check. Empty when none.
  std::string cited_cells(const Record& r, const std::vector<std::uint32_t>& facts) const {
    std::string cited;
    for (std::size_t c = 0; c < layout_.column_fact.size() && c < r.size(); ++c) {
      const auto fact = layout_.column_fact[c];
      if (!fact || !std::binary_search(facts.begin(), facts.end(), *fact) || trim_cell(r.field(c)).empty()) continue;
      cited += (cited.empty() ? " (" : "; ") + column_name(c, trim_cell(layout_.headers[c])) + ": " + quote_cell(r.field(c));
    }
    return cited.empty() ? cited : cited + ")";
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
  void write_outputs(Slot& s, const Record& r, bool evaluated, Worker& worker, bool& undecided, std::string& error) const {
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

  /// A JSON string literal (escaped; invalid UTF-8 replaced).
  static std::string json_string(std::string_view text) {
    return nlohmann::json(std::string(text)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }

  /// One JSON object per row, written straight into the block's buffer: names are snake_case
  /// (checked when the pack loads), so only values and messages need encoding.
  void write_jsonl(Slot& s, const Record& r, bool evaluated, const char* status, const std::string& error) const {
    const explain::RenderContext ctx{engine_.policy(), engine_.pack().zone};
    const auto& policy = engine_.policy();
    s.out += "{\"row\":" + std::to_string(r.row);
    s.out += as_of_json_;
    s.out += ",\"status\":\"" + std::string(status) + "\"";
    if (!error.empty()) s.out += ",\"error\":" + json_string(error);
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
        errors += (errors.empty() ? "" : ",") + key + "{\"code\":" + json_string(e.code) +
                  ",\"message\":" + json_string(e.message) + "}";
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

std::variant<BatchSummary, std::vector<source::Diagnostic>> run_batch(const engine::Engine& engine, std::istream& in,
                                                                      const std::string& input_name, std::ostream& out,
                                                                      const BatchOptions& options,
                                                                      const Progress& progress) {
  RosterReader reader(in, options.encoding);
  Layout layout;
  std::vector<source::Diagnostic> diags;
  const std::vector<std::uint32_t> asked = asked_outputs(engine, options.outputs, diags);
  const auto read_failed = [&] {
    diags.push_back(source::diagnostic_at("batch_io", input_name, {}, "cannot read the roster: " + *reader.read_error()));
    return diags;
  };
  Record header;
  if (!reader.next(header)) {
    if (reader.read_error()) return read_failed();
    diags.push_back(source::diagnostic_at("batch_bad_header", input_name, {},
                                          reader.error() ? *reader.error() : "the roster is empty: no header row"));
    return diags;
  }
  if (header.decode_error) {
    diags.push_back(source::diagnostic_at("batch_bad_header", input_name, {static_cast<std::uint32_t>(header.row), 1},
                                          "header row: " + *header.decode_error));
    return diags;
  }
  // The default outputs depend on the columns present, and the header's check for columns named
  // like those batch adds on the outputs: first the columns' facts (a trial mapping, whose
  // diagnostics the real one below repeats), then the outputs, then the header for real.
  BatchSummary summary;
  {
    Layout trial;
    map_header(engine, header, input_name, reader.encoding(), false, trial);
    layout.fact_has_column.assign(engine.policy().facts.size(), false);
    for (const auto& fact : trial.column_fact) {
      if (fact) layout.fact_has_column[*fact] = true;
    }
  }
  choose_outputs(engine, options, asked, layout, summary);
  name_columns(engine, options, layout);
  auto header_diags = map_header(engine, header, input_name, reader.encoding(), options.format == OutputFormat::csv, layout);
  diags.insert(diags.end(), header_diags.begin(), header_diags.end());
  if (!diags.empty()) return diags;

  layout.order = engine.evaluation_order(layout.outputs);
  for (const auto oi : layout.outputs) layout.output_facts.push_back(engine.facts_read(oi));
  summary.encoding = reader.encoding();
  summary.as_of = options.as_of;
  summary.outputs_written = layout.outputs.size();
  for (std::size_t c = 0; c < layout.headers.size(); ++c) {
    if (layout.column_fact[c]) {
      summary.mapped.emplace_back(layout.headers[c], engine.policy().facts[*layout.column_fact[c]].name);
    } else {
      summary.passed_through.push_back(layout.headers[c]);
    }
  }
  const bool gb = options.output_encoding == OutputEncoding::gb18030;
  // A CSV in UTF-8 starts with a BOM unless asked otherwise: without one, Chinese Excel reads it
  // as GBK and shows mojibake. JSON text must not start with one (RFC 8259).
  const bool bom = options.format == OutputFormat::csv && (options.output_encoding == OutputEncoding::utf8_bom ||
                                                           options.output_encoding == OutputEncoding::automatic);
  Encoder encoder(gb);
  if (bom) out << "\xEF\xBB\xBF";
  if (options.format == OutputFormat::csv) {
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
      while (s.count < block_rows && bytes < options.block_bytes && (more = reader.next(s.records[s.count]))) {
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
      encoder.write(out, s.out.view());
      if (!out.good()) return false;
      summary.rows += s.count;
      summary.ok += s.ok;
      summary.unknown += s.unknown;
      summary.error += s.error;
      for (auto& e : s.errors) {
        if (summary.first_errors.size() < 10) summary.first_errors.push_back(std::move(e));
      }
    }
    if (progress) progress(summary.rows, reader.bytes_read());
    return true;
  };
  const auto write_failed = [&] {
    // The stream does not say why; the caller, who knows where it goes, may (the CLI adds errno).
    diags.push_back(source::diagnostic_at("batch_io", "<output>", {}, "writing the results failed"));
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
  if (reader.read_error()) return read_failed();  // the rows before it were written
  if (reader.error()) {
    diags.push_back(source::diagnostic_at("batch_bad_csv", input_name, {}, *reader.error()));
    return diags;
  }
  return summary;
}

}  // namespace rules::batch
