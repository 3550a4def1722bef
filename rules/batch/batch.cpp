#include "batch/batch.h"

#include <iconv.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
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
  std::vector<std::uint32_t> order;                     // those and what they read, in evaluation order
  std::vector<std::vector<std::uint32_t>> output_facts; // per output written: the facts it reads
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
      const bool result = h == "status" || h == "error";
      const bool output = std::any_of(layout.outputs.begin(), layout.outputs.end(),
                                      [&](std::uint32_t oi) { return engine.pack().outputs[oi].name == h; });
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
void put_csv(std::string& out, std::string_view f) {
  bool quote = !f.empty() && (f.front() == ' ' || f.back() == ' ');
  for (const char c : f) {  // one pass; UTF-8 continuation bytes never match
    if (c == ',' || c == '"' || c == '\r' || c == '\n') {
      quote = true;
      break;
    }
  }
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

/// One worker's reusable state and the results of the block it processed.
struct Slot {
  std::vector<Record> records;
  std::size_t count = 0;
  model::Situation situation;
  model::Outcome outcome;
  std::vector<std::string> normalized;  // per column, for cells the parser rewrote
  std::string out;
  std::string cell;                     // one output value's text, reused
  std::size_t ok = 0, unknown = 0, error = 0;
  std::vector<std::pair<std::size_t, std::string>> errors;
};

class Runner {
 public:
  Runner(const engine::Engine& e, const BatchOptions& o, const Layout& l) : engine_(e), options_(o), layout_(l) {
    cell_options_.excel_serial_dates = o.excel_serial_dates;
    eval_options_.only = &l.order;  // only what is written (guidance prose is not, by default)
  }

  /// Evaluates the rows of `s`; `memo` is the calling worker's own (memo.h).
  void process(Slot& s, engine::Memo& memo) const {
    s.out.clear();
    s.ok = s.unknown = s.error = 0;
    s.errors.clear();
    if (s.situation.facts().size() != engine_.policy().facts.size()) s.situation.reset(engine_.policy().facts.size());
    s.normalized.resize(layout_.column_fact.size());
    engine::EvalOptions eval = eval_options_;
    eval.memo = &memo;
    for (std::size_t i = 0; i < s.count; ++i) row(s, s.records[i], eval);
  }

 private:
  void row(Slot& s, const Record& r, const engine::EvalOptions& eval) const {
    const auto& policy = engine_.policy();
    std::string error;
    // Only facts with a column are ever set: the others stay absent from row to row.
    for (const auto& fact : layout_.column_fact) {
      if (fact) s.situation.clear(*fact);
    }
    // Every bad cell is reported, in column order, so that one round of corrections fixes the row.
    // Each message quotes at most 100 bytes of its cell; past kRowMessageBudget bytes the later
    // cells are named by column only, so that a row with many bad cells still names them all.
    const auto add_error = [&error](const std::string& column, std::string_view detail) {
      if (!error.empty()) error += "; ";
      error += column;
      if (error.size() + detail.size() <= kRowMessageBudget) error += detail;
      else error += ": …";
    };
    if (r.decode_error) {
      error = *r.decode_error;  // the cells' bytes are not text: reading them would say nothing more
    } else {
      const std::size_t named = std::min(r.size(), layout_.column_fact.size());
      for (std::size_t c = 0; c < named; ++c) {
        const auto fact = layout_.column_fact[c];
        if (!fact) continue;
        Value v;
        std::string why;
        const auto status = parse_cell(r.field(c), policy.facts[*fact].type, policy.enums, cell_options_, v, why, s.normalized[c]);
        if (status == CellStatus::error) {
          add_error(column_name(c, trim_cell(layout_.headers[c])), ": " + why);
        } else if (status == CellStatus::value) {
          s.situation.set_view(*fact, v);  // points into the record or `normalized`, alive for the row
        }
      }
      // A value right of the last header has no column in the output, which stays rectangular: the
      // row is an error and the message carries the value, so that it is seen and not lost.
      for (std::size_t c = named; c < r.size(); ++c) {
        if (trim_cell(r.field(c)).empty()) continue;
        add_error(column_name(c, column_letters(c)),
                  " has a value but the header row has no name for it: " + quote_cell(r.field(c)));
      }
    }
    const bool evaluated = error.empty();  // a bad cell stops the row before evaluation
    if (evaluated) engine_.evaluate(s.situation, options_.as_of, s.outcome, eval);
    // Status over the outputs written: an evaluation error is the row's error.
    bool undecided = false;
    if (evaluated) {
      // Every output that failed, each with the cells of the facts it reads.
      for (std::size_t k = 0; k < layout_.outputs.size(); ++k) {
        const Value& v = s.outcome.output(layout_.outputs[k]);
        if (v.state == State::error) {
          add_error(engine_.pack().outputs[layout_.outputs[k]].name,
                    ": " + s.outcome.errors[v.error_index].message + cited_cells(r, layout_.output_facts[k]));
        }
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
    if (options_.format == OutputFormat::csv) {
      write_csv(s, r, evaluated, status, error);
    } else {
      write_jsonl(s, r, evaluated, status, error);
    }
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

  /// The CSV text of one output value into `s.cell` (empty when not known).
  void cell_text(Slot& s, const Value& v) const {
    s.cell.clear();
    if (!v.known()) return;
    if (v.kind == model::Kind::text) {
      s.cell = explain::fill_template({engine_.policy(), engine_.pack().zone}, s.outcome, v.str(), true);
      return;
    }
    model::append_value(s.cell, v, {engine_.policy().enums, s.outcome.list_arena, false});
  }

  /// Whether values of `kind` never contain a comma, quote, line break or edge space, so that
  /// they go into the CSV as they are: dates, instants, numbers, periods, times, windows
  /// (`[a .. b]`) and enum names (snake_case, checked at load).
  static bool never_quoted(model::Kind kind) {
    using model::Kind;
    switch (kind) {
      case Kind::boolean: case Kind::integer: case Kind::date: case Kind::instant: case Kind::period:
      case Kind::time_of_day: case Kind::month_day: case Kind::window: case Kind::enumeration:
        return true;
      default:
        return false;
    }
  }

  void write_csv(Slot& s, const Record& r, bool evaluated, const char* status, const std::string& error) const {
    // Most rows have no comma, quote or line break in any cell: one scan of the row's text
    // finds that, and then only each cell's edges decide whether it is quoted.
    const bool plain = !r.decode_error && !has_csv_special(r.text);
    for (std::size_t c = 0; c < layout_.headers.size(); ++c) {
      if (c) s.out += ',';
      if (c >= r.size()) continue;
      const std::string_view f = r.field(c);
      // A row that was not valid UTF-8 is passed through with its bad bytes replaced (U+FFFD),
      // so that the output file stays valid UTF-8.
      if (r.decode_error) put_csv(s.out, sanitize_utf8(f));
      else if (plain && (f.empty() || (f.front() != ' ' && f.back() != ' '))) s.out += f;
      else put_csv(s.out, f);
    }
    for (const auto oi : layout_.outputs) {
      s.out += ',';
      if (!evaluated) continue;
      const Value& v = s.outcome.output(oi);
      if (!v.known()) continue;  // unknown or failed: an empty cell
      if (never_quoted(v.kind)) {
        model::append_value(s.out, v, {engine_.policy().enums, s.outcome.list_arena, false});
        continue;
      }
      cell_text(s, v);
      put_csv(s.out, s.cell);
    }
    s.out += ',';
    s.out += status;
    s.out += ',';
    put_csv(s.out, error);
    s.out += "\r\n";
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
    s.out += "{\"row\":" + std::to_string(r.row) + ",\"status\":\"" + status + "\"";
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
        for (std::size_t f = 0; f < policy.facts.size(); ++f) {
          if (v.missing.test(f)) facts += (facts.empty() ? "\"" : ",\"") + policy.facts[f].name + "\"";
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

  void write(std::ostream& out, const std::string& text) {
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

}  // namespace

std::variant<BatchSummary, std::vector<source::Diagnostic>> run_batch(const engine::Engine& engine, std::istream& in,
                                                                      const std::string& input_name, std::ostream& out,
                                                                      const BatchOptions& options,
                                                                      const Progress& progress) {
  RosterReader reader(in, options.encoding);
  Layout layout;
  std::vector<source::Diagnostic> diags;
  // Outputs to write.
  if (options.outputs.empty()) {
    // Every output but guidance prose: a roster column carries data; prose is for one student
    // at a time (policy eval), and would multiply the output's size. --outputs names any output.
    for (std::uint32_t i = 0; i < engine.pack().outputs.size(); ++i) {
      if (engine.pack().outputs[i].decl(engine.policy()).type.kind != model::Kind::text) layout.outputs.push_back(i);
    }
  } else {
    for (const auto& raw : options.outputs) {
      const std::string name(trim_cell(raw));
      const auto oi = engine.pack().find_output(name);
      if (oi && std::find(layout.outputs.begin(), layout.outputs.end(), *oi) != layout.outputs.end()) continue;
      if (!oi) {
        diags.push_back(source::diagnostic_at("batch_unknown_output", "--outputs", {}, "'" + name + "' is not an output of pack " +
                                                                                          engine.policy().header.id));
      } else {
        layout.outputs.push_back(*oi);
      }
    }
  }
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
  auto header_diags = map_header(engine, header, input_name, reader.encoding(), options.format == OutputFormat::csv, layout);
  diags.insert(diags.end(), header_diags.begin(), header_diags.end());
  if (!diags.empty()) return diags;

  layout.order = engine.evaluation_order(layout.outputs);
  for (const auto oi : layout.outputs) layout.output_facts.push_back(engine.facts_read(oi));
  BatchSummary summary;
  summary.encoding = reader.encoding();
  for (std::size_t c = 0; c < layout.headers.size(); ++c) {
    if (layout.column_fact[c]) {
      summary.mapped.emplace_back(layout.headers[c], engine.policy().facts[*layout.column_fact[c]].name);
    } else {
      summary.passed_through.push_back(layout.headers[c]);
    }
  }
  const bool gb = options.output_encoding == OutputEncoding::gb18030;
  // JSON text must not start with a BOM (RFC 8259), whatever the input had.
  const bool bom = options.format == OutputFormat::csv &&
                   (options.output_encoding == OutputEncoding::utf8_bom ||
                    (options.output_encoding == OutputEncoding::automatic && (reader.had_bom() || reader.encoding() == Encoding::gb18030)));
  Encoder encoder(gb);
  if (bom) out << "\xEF\xBB\xBF";
  if (options.format == OutputFormat::csv) {
    std::string line;
    for (std::size_t c = 0; c < layout.headers.size(); ++c) {
      if (c) line += ',';
      put_csv(line, layout.headers[c]);
    }
    for (const auto oi : layout.outputs) {
      line += ',';
      put_csv(line, engine.pack().outputs[oi].name);
    }
    line += ",status,error\r\n";
    encoder.write(out, line);
  }

  const unsigned jobs = std::max(1u, options.jobs);
  const std::size_t block_rows = std::max<std::size_t>(1, options.block_rows);
  const std::size_t round_blocks = std::size_t{jobs} * kBlocksPerJob;
  Runner runner(engine, options, layout);
  // One memo per evaluating thread (the workers and this one): a thread keeps its memo from
  // round to round, and no memo is used by two threads.
  std::vector<engine::Memo> memos;
  for (unsigned k = 0; k <= jobs; ++k) memos.emplace_back(engine.memo_plan());
  // A round is up to `round_blocks` blocks of rows. Two rounds take turns: while worker threads
  // evaluate one, this thread writes the one before it and reads the one after it, then joins
  // the workers on the blocks left, so that no core idles while the slower side finishes.
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
  const auto evaluate_blocks = [&runner](Round& r, engine::Memo& memo) {
    for (std::size_t k; (k = r.next.fetch_add(1)) < r.filled;) runner.process(r.slots[k], memo);
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
      encoder.write(out, s.out);
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
      for (unsigned k = 0; k < jobs && k < current->filled; ++k) {
        workers.emplace_back([&evaluate_blocks, &memos, current, k] { evaluate_blocks(*current, memos[k]); });
      }
      Round& other = current == &rounds[0] ? rounds[1] : rounds[0];
      if (previous) written = write_round(*previous);
      if (written) read_round(other);
      else other.filled = 0;
      evaluate_blocks(*current, memos[jobs]);  // help with the blocks no worker has taken yet
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
