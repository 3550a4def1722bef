#include "loader/situation_reader.h"

#include <algorithm>
#include <iterator>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "loader/toml_source.h"
#include "model/cell_text.h"
#include "model/resident_id.h"
#include "model/value_parse.h"
#include "source/utf8.h"

namespace rules::loader {
namespace {

/// A forward iterator over JSON text that records how far nlohmann's lexer has read: when the
/// parser reports a key, the lexer has just read its closing quote, so the key's place is known
/// without searching the text for it (a search per key made many keys quadratic).
class ReadingIterator {
 public:
  using iterator_category = std::forward_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;
  ReadingIterator() = default;
  ReadingIterator(const char* p, const char* base, std::size_t* read) : p_(p), base_(base), read_(read) {}
  reference operator*() const { return *p_; }
  ReadingIterator& operator++() {
    ++p_;
    *read_ = static_cast<std::size_t>(p_ - base_);
    return *this;
  }
  ReadingIterator operator++(int) {
    ReadingIterator before = *this;
    ++*this;
    return before;
  }
  bool operator==(const ReadingIterator& o) const { return p_ == o.p_; }

 private:
  const char* p_ = nullptr;
  const char* base_ = nullptr;
  std::size_t* read_ = nullptr;
};

/// Line and column of byte offsets met in increasing order, in one pass over the text overall
/// (columns count characters, as source::column_of does).
class PositionCursor {
 public:
  explicit PositionCursor(std::string_view text) : text_(text) {}
  /// The position of byte `at`; `at` is never before the previous call's.
  source::Position position(std::size_t offset) {
    for (; offset_ < offset && offset_ < text_.size(); ++offset_) {
      const char c = text_[offset_];
      if (c == '\n') {
        ++line_;
        column_ = 1;
      } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
        ++column_;
      }
    }
    return {line_, column_};
  }

 private:
  std::string_view text_;
  std::size_t offset_ = 0;
  std::uint32_t line_ = 1;
  std::uint32_t column_ = 1;
};

/// The opening quote of the JSON string whose closing quote is at `close`: the nearest quote before
/// it with an even number of backslashes before it (an escaped quote has an odd number).
std::size_t opening_quote(std::string_view text, std::size_t close) {
  std::size_t q = close;
  while (q > 0) {
    q = text.rfind('"', q - 1);
    if (q == std::string_view::npos) return 0;
    std::size_t backslashes = 0;
    while (backslashes < q && text[q - 1 - backslashes] == '\\') ++backslashes;
    if (backslashes % 2 == 0) return q;
  }
  return 0;
}

/// `text` with each ill-formed UTF-8 sequence (its maximal subpart) replaced by U+FFFD.
std::string well_formed(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    bool ok = false;
    const std::size_t n = std::max<std::size_t>(1, source::utf8_sequence(text.substr(i), ok));
    if (ok) out += text.substr(i, n);
    else out += "\xEF\xBF\xBD";
    i += n;
  }
  return out;
}

/// The fact `name` means: its name (in any ASCII case), label or a CSV header (model::names_fact).
std::optional<std::uint32_t> find_named(const CompiledPack& pack, std::string_view name) {
  return model::find_fact_named(pack.policy.facts, name);
}

/// A diagnostic with both messages.
source::Diagnostic diag(const char* code, source::Span span, std::string message, std::string message_zh) {
  source::Diagnostic d{code, std::move(span), std::move(message), {}};
  d.message_zh = std::move(message_zh);
  return d;
}

/// Sets the fact `name` names to `text`; `set_index`, when given, receives its index (also on a
/// bad value).
bool assign(const CompiledPack& pack, std::string_view name, std::string_view text, const source::Span& span,
            model::Situation& s, std::vector<source::Diagnostic>& diags, std::optional<std::uint32_t>* set_index = nullptr) {
  const auto fi = find_named(pack, name);
  if (!fi) {
    std::string known, known_zh;
    for (const auto& f : pack.policy.facts) {
      known += (known.empty() ? "" : ", ") + f.name;
      known_zh += (known_zh.empty() ? "" : "；") + (f.label.empty() ? f.name : f.label);
    }
    diags.push_back(diag("situation_unknown_fact", span,
                         model::quote_value(name) + " is not a fact of pack " + pack.policy.header.id +
                             " (a fact's name, label or CSV header; facts: " + known + ")",
                         model::quote_value(name) + " 不是政策包 " + pack.policy.header.id +
                             " 的事实（可写事实的名称、标签或列名；事实有：" + known_zh + "）"));
    return false;
  }
  if (set_index) *set_index = fi;
  const auto& fact = pack.policy.facts[*fi];
  model::Value v;
  std::string why;
  std::string storage;  // a resident ID number normalized (15 digits, x); Situation::set copies it
  if (!model::parse_value(text, fact.type, pack.policy.enums, v, why, source::Lang::en, &storage)) {
    std::string why_zh;
    model::parse_value(text, fact.type, pack.policy.enums, v, why_zh, source::Lang::zh, &storage);
    const std::string label = fact.label.empty() ? "" : " (" + fact.label + ")";
    const std::string label_zh = fact.label.empty() ? "" : "（" + fact.label + "）";
    diags.push_back(diag("situation_bad_value", span, "fact " + fact.name + label + ": " + why,
                         "事实 " + fact.name + label_zh + "：" + why_zh));
    return false;
  }
  s.set(*fi, v);
  return true;
}

/// The deepest nesting of [ and { in JSON text (outside strings), to refuse absurd documents
/// before parsing them.
std::size_t json_depth(std::string_view text) {
  std::size_t depth = 0, deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

/// The facts a situation file has set, to refuse one given twice under different names
/// (退役日期 and discharge_date): the later would silently win.
class Seen {
 public:
  explicit Seen(std::size_t facts) : key_(facts) {}
  /// Records that `key` set fact `fi`; false (with a diagnostic) when another key set it before.
  bool first(std::uint32_t fi, std::string_view key, const source::Span& span, const CompiledPack& pack,
             std::vector<source::Diagnostic>& diags) {
    if (!key_[fi]) {
      key_[fi] = std::string(key);
      return true;
    }
    const auto& fact = pack.policy.facts[fi];
    diags.push_back(diag("situation_syntax", span,
                         "fact " + fact.name + " is given twice, as " + model::quote_value(*key_[fi]) + " and as " +
                             model::quote_value(key),
                         "事实 " + fact.name + "（" + fact.label + "）给了两次：" + model::quote_value(*key_[fi]) + " 和 " +
                             model::quote_value(key)));
    return false;
  }

 private:
  std::vector<std::optional<std::string>> key_;
};

bool read_json(const CompiledPack& pack, const SourceFile& file, model::Situation& s,
               std::vector<source::Diagnostic>& diags) {
  if (json_depth(file.text) > 16) {
    diags.push_back(source::diagnostic_at("situation_syntax", file.path, {1, 1},
                                          "a situation is one object of fact: value pairs; this JSON is nested too deeply",
                                          "情形文件应是一个由“事实: 值”组成的对象；这个 JSON 嵌套过深"));
    return false;
  }
  nlohmann::json doc;
  // JSON allows a key twice and keeps the last; for a situation that hides a typo, so refuse it.
  // Each object's keys are kept with their positions, for the messages about their values.
  using Keys = std::unordered_map<std::string, source::Position>;
  std::vector<Keys> keys_by_depth;
  std::string duplicate;
  source::Position duplicate_at;
  std::size_t read = 0;  // bytes the lexer has read
  PositionCursor cursor(file.text);
  const auto callback = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    const auto d = static_cast<std::size_t>(depth);
    if (event == nlohmann::json::parse_event_t::object_start) {
      if (keys_by_depth.size() <= d + 1) keys_by_depth.resize(d + 2);
      keys_by_depth[d + 1].clear();
    } else if (event == nlohmann::json::parse_event_t::key && parsed.is_string()) {
      if (keys_by_depth.size() <= d) keys_by_depth.resize(d + 1);
      const auto position = cursor.position(opening_quote(file.text, read > 0 ? read - 1 : 0));
      const auto [it, inserted] = keys_by_depth[d].try_emplace(parsed.get_ref<const std::string&>(), position);
      if (!inserted && duplicate.empty()) {
        duplicate = it->first;
        duplicate_at = it->second;
      }
    }
    return true;
  };
  const auto report = [&](std::size_t at, std::string what) {
    at = std::min(at, file.text.size());
    std::uint32_t line = 1;
    std::size_t ls = 0;
    for (std::size_t i = 0; i < at; ++i) if (file.text[i] == '\n') { ++line; ls = i + 1; }
    // nlohmann's message starts with "[json.exception.parse_error.101] parse error at line 1,
    // column 5: " or "[json.exception.out_of_range.406] "; keep only what a reader needs.
    if (const auto colon = what.find(": "); colon != std::string::npos) what = what.substr(colon + 2);
    else if (const auto bracket = what.find("] "); bracket != std::string::npos) what = what.substr(bracket + 2);
    // nlohmann quotes what it last read byte by byte ("last read: '…'"): it can stop inside a
    // character, and it can be an ID number.
    what = model::mask_resident_ids_in(well_formed(what));
    diags.push_back(source::diagnostic_at("situation_syntax", file.path,
                                         {line, source::column_of(std::string_view(file.text).substr(ls), at - ls)},
                                         "JSON syntax: " + what, "JSON 语法错误：" + what));
    return false;
  };
  try {
    const char* base = file.text.data();
    doc = nlohmann::json::parse(ReadingIterator(base, base, &read), ReadingIterator(base + file.text.size(), base, &read),
                                callback);
  } catch (const nlohmann::json::parse_error& e) {
    // nlohmann reports a byte offset; turn it into line:col.
    return report(e.byte > 0 ? e.byte - 1 : 0, e.what());
  } catch (const nlohmann::json::exception& e) {
    // A number beyond a double's range (7e595) is out_of_range.406, with no offset: the lexer
    // has just read it.
    return report(read > 0 ? read - 1 : 0, e.what());
  }
  if (!duplicate.empty()) {
    diags.push_back(source::diagnostic_at("situation_syntax", file.path, duplicate_at,
                                          "fact " + model::quote_value(duplicate) + " is given twice",
                                          "事实 " + model::quote_value(duplicate) + " 给了两次"));
    return false;
  }
  // The object whose keys name facts: the document, or its only member "facts".
  const Keys* keys = keys_by_depth.size() > 1 ? &keys_by_depth[1] : nullptr;
  if (doc.is_object() && doc.size() == 1 && doc.contains("facts") && doc["facts"].is_object()) {
    doc = nlohmann::json(std::move(doc["facts"]));
    keys = keys_by_depth.size() > 2 ? &keys_by_depth[2] : nullptr;
  }
  if (!doc.is_object()) {
    diags.push_back(source::diagnostic_at("situation_syntax", file.path, {1, 1}, "a situation is an object of fact: value pairs",
                                          "情形应是由“事实: 值”组成的对象"));
    return false;
  }
  bool ok = true;
  Seen seen(pack.policy.facts.size());
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    const auto key_at = keys ? keys->find(it.key()) : Keys::const_iterator{};
    const source::Span span{file.path, keys && key_at != keys->end() ? key_at->second : source::Position{}, {}};
    const auto& v = it.value();
    std::string text;
    if (v.is_null()) {
      if (const auto fi = find_named(pack, it.key())) {
        if (!seen.first(*fi, it.key(), span, pack, diags)) ok = false;
        s.clear(*fi);
        continue;
      }
      ok = assign(pack, it.key(), "", span, s, diags) && ok;
      continue;
    }
    if (v.is_string()) text = v.get<std::string>();
    else if (v.is_boolean()) text = v.get<bool>() ? "true" : "false";
    else if (v.is_number()) text = v.dump();  // the fact's type decides (1.5 or 2^64 is no integer)
    else {
      diags.push_back(diag("situation_bad_value", span,
                           "fact " + it.key() + ": a JSON " + std::string(v.type_name()) + " is not a single value",
                           "事实 " + it.key() + "：这里要一个值，不能是 JSON 的 " + std::string(v.type_name())));
      ok = false;
      continue;
    }
    std::optional<std::uint32_t> fi;
    ok = assign(pack, it.key(), text, span, s, diags, &fi) && ok;
    if (fi && !seen.first(*fi, it.key(), span, pack, diags)) ok = false;
  }
  return ok;
}

bool read_toml(const CompiledPack& pack, const SourceFile& file, model::Situation& s,
               std::vector<source::Diagnostic>& diags) {
  toml::table root;
  try {
    root = toml::parse(std::string_view(file.text), std::string_view(file.path));
  } catch (const toml::parse_error& e) {
    const auto b = e.source().begin;
    diags.push_back(source::diagnostic_at("situation_syntax", file.path, {b.line, b.column},
                                         "TOML syntax: " + std::string(e.description()),
                                         "TOML 语法错误：" + std::string(e.description())));
    return false;
  }
  detail::TomlFile f(file.path, file.text);
  const toml::table* tbl = &root;
  if (const auto* inner = root.get("facts"); inner && inner->is_table() && root.size() == 1) tbl = inner->as_table();
  bool ok = true;
  Seen seen(pack.policy.facts.size());
  for (auto&& [k, v] : *tbl) {
    const auto text = detail::scalar_text(v);
    const auto span = f.span(k.source());
    if (!text) {
      diags.push_back(diag("situation_bad_value", f.span(v),
                           "fact " + std::string(k.str()) + ": " + detail::toml_type_name(v) + " is not a plain value",
                           "事实 " + std::string(k.str()) + "：这里要一个值，不能是表或数组"));
      ok = false;
      continue;
    }
    std::optional<std::uint32_t> fi;
    ok = assign(pack, k.str(), *text, span, s, diags, &fi) && ok;
    if (fi && !seen.first(*fi, k.str(), span, pack, diags)) ok = false;
  }
  return ok;
}

}  // namespace

/// A situation must have a slot for every fact of the pack it is read for.
void fit(const CompiledPack& pack, model::Situation& situation) {
  if (situation.facts().size() != pack.policy.facts.size()) situation.reset(pack.policy.facts.size());
}

bool read_situation(const CompiledPack& pack, const SourceFile& file, model::Situation& situation,
                    std::vector<source::Diagnostic>& diags) {
  fit(pack, situation);
  const auto first = file.text.find_first_not_of(" \t\r\n\xEF\xBB\xBF");
  const bool json = file.path.ends_with(".json") || (first != std::string::npos && file.text[first] == '{');
  return json ? read_json(pack, file, situation, diags) : read_toml(pack, file, situation, diags);
}

bool set_fact(const CompiledPack& pack, std::string_view assignment, model::Situation& situation,
              std::vector<source::Diagnostic>& diags) {
  fit(pack, situation);
  const source::Span span{"--set " + std::string(assignment), {}, {}};
  const auto eq = assignment.find('=');
  if (eq == std::string_view::npos) {
    diags.push_back(diag("situation_syntax", span, "--set takes fact=value, e.g. --set discharge_date=2025-06-15",
                         "--set 的写法是 事实=值，如 --set 退役日期=2025-06-15（事实可写名称、标签或列名）"));
    return false;
  }
  auto trim = [](std::string_view x) {
    while (!x.empty() && (x.front() == ' ' || x.front() == '\t')) x.remove_prefix(1);
    while (!x.empty() && (x.back() == ' ' || x.back() == '\t')) x.remove_suffix(1);
    return x;
  };
  const auto name = trim(assignment.substr(0, eq));
  const auto value = assignment.substr(eq + 1);
  if (trim(value).empty()) {  // `--set fact=` says explicitly that the fact is unknown
    if (const auto fi = find_named(pack, name)) {
      situation.clear(*fi);
      return true;
    }
  }
  return assign(pack, name, value, span, situation, diags);
}

}  // namespace rules::loader
