#include "loader/situation_reader.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "loader/toml_source.h"
#include "model/value_parse.h"

namespace rules::loader {
namespace {

/// Position of `key` as an object key (`"key"` followed by `:`) in JSON text, or of `key =` in
/// TOML text, for messages about values. Zero when not found.
source::Position find_key(std::string_view text, std::string_view key) {
  auto position = [&](std::size_t at) {
    std::uint32_t line = 1;
    std::size_t line_start = 0;
    for (std::size_t i = 0; i < at; ++i) {
      if (text[i] == '\n') {
        ++line;
        line_start = i + 1;
      }
    }
    return source::Position{line, source::column_of(text.substr(line_start), at - line_start)};
  };
  const std::string quoted = "\"" + std::string(key) + "\"";
  for (std::size_t at = text.find(quoted); at != std::string_view::npos; at = text.find(quoted, at + 1)) {
    std::size_t after = at + quoted.size();
    while (after < text.size() && (text[after] == ' ' || text[after] == '\t' || text[after] == '\r' || text[after] == '\n')) ++after;
    if (after < text.size() && text[after] == ':') return position(at);
  }
  return {};
}

bool assign(const CompiledPack& pack, std::string_view name, std::string_view text, const source::Span& span,
            model::Situation& s, std::vector<source::Diagnostic>& diags) {
  const auto fi = pack.find_fact(name);
  if (!fi) {
    std::string known;
    for (const auto& f : pack.policy.facts) known += (known.empty() ? "" : ", ") + f.name;
    diags.push_back({"situation_unknown_fact", span,
                     "'" + std::string(name) + "' is not a fact of pack " + pack.policy.header.id + " (facts: " + known + ")",
                     {}});
    return false;
  }
  const auto& fact = pack.policy.facts[*fi];
  model::Value v;
  std::string why;
  if (!model::parse_value(text, fact.type, pack.policy.enums, v, why)) {
    diags.push_back({"situation_bad_value", span, "fact " + fact.name + " (" + fact.label + "): " + why, {}});
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

bool read_json(const CompiledPack& pack, const SourceFile& file, model::Situation& s,
               std::vector<source::Diagnostic>& diags) {
  if (json_depth(file.text) > 16) {
    diags.push_back(source::diagnostic_at("situation_syntax", file.path, {1, 1},
                                          "a situation is one object of fact: value pairs; this JSON is nested too deeply"));
    return false;
  }
  nlohmann::json doc;
  // JSON allows a key twice and keeps the last; for a situation that hides a typo, so refuse it.
  std::vector<std::vector<std::string>> keys_by_depth;
  std::string duplicate;
  const auto callback = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    const auto d = static_cast<std::size_t>(depth);
    if (event == nlohmann::json::parse_event_t::object_start) {
      if (keys_by_depth.size() <= d + 1) keys_by_depth.resize(d + 2);
      keys_by_depth[d + 1].clear();
    } else if (event == nlohmann::json::parse_event_t::key && parsed.is_string()) {
      if (keys_by_depth.size() <= d) keys_by_depth.resize(d + 1);
      auto& seen = keys_by_depth[d];
      const auto& k = parsed.get_ref<const std::string&>();
      if (std::find(seen.begin(), seen.end(), k) != seen.end() && duplicate.empty()) duplicate = k;
      seen.push_back(k);
    }
    return true;
  };
  try {
    doc = nlohmann::json::parse(file.text, callback);
  } catch (const nlohmann::json::parse_error& e) {
    // nlohmann reports a byte offset; turn it into line:col.
    const std::size_t at = std::min<std::size_t>(e.byte > 0 ? e.byte - 1 : 0, file.text.size());
    std::uint32_t line = 1;
    std::size_t ls = 0;
    for (std::size_t i = 0; i < at; ++i) if (file.text[i] == '\n') { ++line; ls = i + 1; }
    // nlohmann's message starts with "[json.exception.parse_error.101] parse error at line 1,
    // column 5: "; keep only what a reader needs.
    std::string what = e.what();
    if (const auto colon = what.find(": "); colon != std::string::npos) what = what.substr(colon + 2);
    diags.push_back(source::diagnostic_at("situation_syntax", file.path,
                                         {line, source::column_of(std::string_view(file.text).substr(ls), at - ls)},
                                         "JSON syntax: " + what));
    return false;
  }
  if (!duplicate.empty()) {
    diags.push_back(source::diagnostic_at("situation_syntax", file.path, find_key(file.text, duplicate),
                                          "fact '" + duplicate + "' is given twice"));
    return false;
  }
  if (doc.is_object() && doc.size() == 1 && doc.contains("facts") && doc["facts"].is_object()) doc = doc["facts"];
  if (!doc.is_object()) {
    diags.push_back(source::diagnostic_at("situation_syntax", file.path, {1, 1}, "a situation is an object of fact: value pairs"));
    return false;
  }
  bool ok = true;
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    const source::Span span{file.path, find_key(file.text, it.key()), {}};
    const auto& v = it.value();
    std::string text;
    if (v.is_null()) {
      if (const auto fi = pack.find_fact(it.key())) { s.clear(*fi); continue; }
      ok = assign(pack, it.key(), "", span, s, diags) && ok;
      continue;
    }
    if (v.is_string()) text = v.get<std::string>();
    else if (v.is_boolean()) text = v.get<bool>() ? "true" : "false";
    else if (v.is_number()) text = v.dump();  // the fact's type decides (1.5 or 2^64 is no integer)
    else {
      diags.push_back({"situation_bad_value", span,
                       "fact " + it.key() + ": a JSON " + std::string(v.type_name()) + " is not a single value", {}});
      ok = false;
      continue;
    }
    ok = assign(pack, it.key(), text, span, s, diags) && ok;
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
                                         "TOML syntax: " + std::string(e.description())));
    return false;
  }
  detail::TomlFile f(file.path, file.text);
  const toml::table* tbl = &root;
  if (const auto* inner = root.get("facts"); inner && inner->is_table() && root.size() == 1) tbl = inner->as_table();
  bool ok = true;
  for (auto&& [k, v] : *tbl) {
    const auto text = detail::scalar_text(v);
    const auto span = f.span(k.source());
    if (!text) {
      diags.push_back({"situation_bad_value", f.span(v), "fact " + std::string(k.str()) + ": " + detail::toml_type_name(v) +
                                                              " is not a plain value", {}});
      ok = false;
      continue;
    }
    ok = assign(pack, k.str(), *text, span, s, diags) && ok;
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
    diags.push_back({"situation_syntax", span, "--set takes fact=value, e.g. --set discharge_date=2025-06-15", {}});
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
    if (const auto fi = pack.find_fact(name)) {
      situation.clear(*fi);
      return true;
    }
  }
  return assign(pack, name, value, span, situation, diags);
}

}  // namespace rules::loader
