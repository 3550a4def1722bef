#include "explain/render.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "model/format.h"

namespace rules::explain {
namespace {

using model::Kind;
using model::State;
using model::Value;
using Json = nlohmann::ordered_json;

const model::Output& output_decl(const RenderContext& ctx, const model::Outcome& out, std::uint32_t i) {
  const auto& src = out.output_sources[i];
  return ctx.policy.rules[src.rule].outputs[src.rule_output];
}

/// The environment slot of `name` (facts, parameters, outputs, as_of), if any.
std::optional<std::uint32_t> slot_of(const RenderContext& ctx, const model::Outcome& out, std::string_view name) {
  const auto& p = ctx.policy;
  const auto nf = static_cast<std::uint32_t>(p.facts.size());
  for (std::uint32_t i = 0; i < nf; ++i) if (p.facts[i].name == name) return i;
  for (std::uint32_t i = 0; i < p.parameters.size(); ++i) if (p.parameters[i].name == name) return nf + i;
  for (std::uint32_t i = 0; i < out.output_count; ++i) if (output_decl(ctx, out, i).name == name) return out.output_base + i;
  if (name == "as_of") return out.output_base + out.output_count;
  return std::nullopt;
}

model::FormatContext fmt(const RenderContext& ctx, const model::Outcome& out, bool labels) {
  return {ctx.policy.enums, out.list_arena, labels};
}

Json json_value(const RenderContext& ctx, const model::Outcome& out, const Value& v) {
  if (!v.known()) return nullptr;
  switch (v.kind) {
    case Kind::boolean: return v.boolean;
    case Kind::integer: return v.integer;
    case Kind::window:
      return Json{{"start", calendar::format_date(v.window.start)}, {"end", calendar::format_date(v.window.end)}};
    case Kind::list: {
      Json a = Json::array();
      for (std::uint32_t k = 0; k < v.list.count; ++k) a.push_back(json_value(ctx, out, out.list_arena[v.list.offset + k]));
      return a;
    }
    case Kind::text: return fill_template(ctx, out, v.str(), true);  // guidance is prose for people
    default: return model::format_value(v, fmt(ctx, out, false));
  }
}

/// The names of the facts `v` waits for, the one to ask first first (model::ordered_missing).
std::vector<std::string> missing_names(const RenderContext& ctx, const Value& v) {
  std::vector<std::string> names;
  for (const auto f : model::ordered_missing(v)) {
    if (f < ctx.policy.facts.size()) names.push_back(ctx.policy.facts[f].name);
  }
  return names;
}

Json citation_json(const model::Citation& c) {
  Json j{{"document", c.document}, {"article", c.article}, {"summary", c.summary}};
  if (!c.quote.empty()) j["quote"] = c.quote;
  if (c.verification != model::Verification::unspecified) j["verification"] = std::string(model::verification_name(c.verification));
  j["unverified"] = c.unverified();
  if (const auto note = c.printable_note(); !note.empty()) j["note"] = std::string(note);
  return j;
}

/// The citations of one text report, each once, numbered in the order they first appear: rules
/// refer to them by number and the report lists them at the end. Citations with equal document,
/// article and summary are one; when such copies carry different notes, all are kept, so that a
/// reservation is never dropped because a better-verified copy came first.
class CitationList {
 public:
  /// The number (1-based) of `c`, giving it the next number when it is new.
  std::size_t number(const model::Citation& c) {
    std::size_t i = 0;
    while (i < entries_.size() && !same(*entries_[i].citation, c)) ++i;
    if (i == entries_.size()) entries_.push_back({&c, {}});
    auto& notes = entries_[i].notes;
    if (const auto note = c.printable_note(); !note.empty() && std::find(notes.begin(), notes.end(), note) == notes.end()) {
      notes.push_back(note);
    }
    return i + 1;
  }

  /// The rule's line: "  依据: [1] [3]".
  std::string refs(const std::vector<model::Citation>& cites) {
    std::vector<std::size_t> numbers;
    for (const auto& c : cites) {
      const auto n = number(c);
      if (std::find(numbers.begin(), numbers.end(), n) == numbers.end()) numbers.push_back(n);
    }
    std::string s = "  依据:";
    for (const auto n : numbers) s += " [" + std::to_string(n) + "]";
    return s + "\n";
  }

  /// The list closing the answers ("\n依据\n  [1] document article — summary（note）\n..."); empty
  /// when no citation was numbered.
  std::string text() const {
    if (entries_.empty()) return {};
    std::string s = "\n依据\n";
    for (std::size_t i = 0; i < entries_.size(); ++i) {
      const auto& c = *entries_[i].citation;
      s += "  [" + std::to_string(i + 1) + "] " + c.document + " " + c.article + " — " + c.summary;
      for (std::size_t k = 0; k < entries_[i].notes.size(); ++k) {
        s += (k ? "；" : "（");
        s += entries_[i].notes[k];
      }
      if (!entries_[i].notes.empty()) s += "）";
      s += "\n";
    }
    return s;
  }

 private:
  static bool same(const model::Citation& a, const model::Citation& b) {
    return a.document == b.document && a.article == b.article && a.summary == b.summary;
  }
  struct Entry {
    const model::Citation* citation;     ///< the first appearance
    std::vector<std::string_view> notes;  ///< distinct printable notes of all its copies
  };
  std::vector<Entry> entries_;
};

}  // namespace

std::string fill_template(const RenderContext& ctx, const model::Outcome& out, std::string_view t, bool for_people) {
  std::string s;
  for (std::size_t p = 0; p < t.size(); ++p) {
    if ((t[p] == '{' || t[p] == '}') && p + 1 < t.size() && t[p + 1] == t[p]) {
      s += t[p++];
      continue;
    }
    if (t[p] != '{') {
      s += t[p];
      continue;
    }
    const auto close = t.find('}', p);
    if (close == std::string_view::npos) {
      s += t.substr(p);
      break;
    }
    const auto name = t.substr(p + 1, close - p - 1);
    const auto slot = slot_of(ctx, out, name);
    if (slot && *slot < out.env.size()) {
      const Value& v = out.env[*slot];
      // In prose a deadline reads as its date: the template says "前（含当日）" itself.
      s += for_people ? value_text(ctx, out, v, model::OutputForm::value) : model::format_value(v, fmt(ctx, out, false));
    } else {
      s += t.substr(p, close - p + 1);
    }
    p = close;
  }
  return s;
}

std::string value_json(const RenderContext& ctx, const model::Outcome& out, const Value& v, model::Type) {
  return json_value(ctx, out, v).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string value_text(const RenderContext& ctx, const model::Outcome& out, const Value& v, model::OutputForm form) {
  if (v.state == State::error) return "错误 error";
  if (!v.known()) return "未知 unknown";
  if (v.kind == Kind::text) return fill_template(ctx, out, v.str(), true);
  if (v.kind == Kind::window) {
    // A one-day window reads as its day ("2025-09-30", not "2025-09-30 至 2025-09-30").
    if (v.window.start == v.window.end) return calendar::format_date(v.window.start);
    return calendar::format_date(v.window.start) + " 至 " + calendar::format_date(v.window.end);
  }
  if (v.kind == Kind::period) {
    std::string s;
    if (v.period.years) s += std::to_string(v.period.years) + "年";
    if (v.period.months) s += std::to_string(v.period.months) + "个月";
    if (v.period.days || s.empty()) s += std::to_string(v.period.days) + "日";
    return s;
  }
  if (v.kind == Kind::list) {
    // Windows are separated by a semicolon, other items by the enumeration comma (、).
    std::string s;
    for (std::uint32_t k = 0; k < v.list.count; ++k) {
      const Value& item = out.list_arena[v.list.offset + k];
      if (k) s += item.kind == Kind::window ? "；" : "、";
      s += value_text(ctx, out, item);
    }
    return s.empty() ? "（无）" : s;
  }
  if (v.kind == Kind::date && form == model::OutputForm::deadline) {
    // Civil Code Art. 203: the last day ends at 24:00 in the policy zone.
    const auto cut = ctx.zone.end_of_day(v.date);
    return calendar::format_date(v.date) + " 24:00 (" +
           (cut ? calendar::format_utc_offset(cut->offset_seconds) : std::string(ctx.zone.name())) + ")";
  }
  return model::format_value(v, fmt(ctx, out, true));
}

std::string render_json(const RenderContext& ctx, const model::Outcome& out, bool pretty) {
  Json doc;
  doc["policy"] = {{"id", ctx.policy.header.id}, {"version", ctx.policy.header.version}};
  doc["as_of"] = calendar::format_date(out.as_of);
  Json values = Json::object(), unknown = Json::object(), errors = Json::object();
  for (std::uint32_t i = 0; i < out.output_count; ++i) {
    const auto& decl = output_decl(ctx, out, i);
    const Value& v = out.output(i);
    values[decl.name] = json_value(ctx, out, v);
    if (v.state == State::unknown && v.missing.any()) unknown[decl.name] = missing_names(ctx, v);
    if (v.state == State::error && v.error_index < out.errors.size()) {
      errors[decl.name] = {{"code", out.errors[v.error_index].code}, {"message", out.errors[v.error_index].message}};
    }
  }
  doc["values"] = std::move(values);
  doc["unknown"] = std::move(unknown);
  doc["errors"] = std::move(errors);
  Json rules = Json::array();
  for (std::size_t r = 0; r < ctx.policy.rules.size(); ++r) {
    const auto& rule = ctx.policy.rules[r];
    const auto& ro = out.rules[r];
    Json j{{"id", rule.id}, {"title", rule.title}};
    j["applies"] = ro.applies.known() ? Json(ro.applies.boolean) : Json(nullptr);
    Json outs = Json::array();
    for (const auto& o : rule.outputs) outs.push_back(o.name);
    j["outputs"] = std::move(outs);
    Json cites = Json::array();
    for (const auto& c : rule.citations) cites.push_back(citation_json(c));
    j["citations"] = std::move(cites);
    Json steps = Json::array();
    for (const auto& s : ro.explanation) steps.push_back((s.kind == model::TraceStep::Kind::input ? "input: " : "") + s.text);
    j["explanation"] = std::move(steps);
    rules.push_back(std::move(j));
  }
  doc["rules"] = std::move(rules);
  return doc.dump(pretty ? 2 : -1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string render_text(const RenderContext& ctx, const model::Outcome& out, bool explain) {
  const auto& p = ctx.policy;
  std::string s;
  s += p.header.title + " (" + p.header.id + " " + p.header.version + ")\n";
  s += "评估日期 as of " + calendar::format_date(out.as_of) + " (" + std::string(ctx.zone.name()) + ")\n";
  // Facts in the order to ask for them (model::ordered_missing).
  auto needs_text = [&](const std::vector<std::uint32_t>& facts) {
    std::string t;
    for (const auto f : facts) {
      if (f < p.facts.size()) t += (t.empty() ? "" : "; ") + p.facts[f].label + " " + p.facts[f].name;
    }
    return t;
  };
  // Without --explain, a registrar reads the answers first: rules that answered in full, then
  // one line per rule still waiting for facts, then the rules that do not apply.
  std::string waiting, not_applying;
  CitationList citations;  // each citation once, by number, listed after the answers
  for (std::size_t r = 0; r < p.rules.size(); ++r) {
    const auto& rule = p.rules[r];
    const auto& ro = out.rules[r];
    bool any_answer = false, any_error = false;
    model::FactSet missing;
    std::uint8_t first = model::kNoFact;  // the first output's fact to ask first
    for (std::uint32_t i = 0; i < out.output_count; ++i) {
      if (out.output_sources[i].rule != r) continue;
      const Value& v = out.output(i);
      any_answer = any_answer || v.known();
      any_error = any_error || v.state == State::error;
      if (v.state == State::unknown) {
        missing |= v.missing;
        if (first == model::kNoFact) first = model::first_to_ask(v);
      }
    }
    // A version whose outputs are attributed to another version (the first) still waits when its
    // own applicability does: it is undecided, not "not applicable".
    if (ro.applies.state == State::unknown && ro.applies.missing.any()) {
      missing |= ro.applies.missing;
      if (first == model::kNoFact) first = model::first_to_ask(ro.applies);
    }
    if (!explain && !any_answer && !any_error) {
      if (ro.applies.known() && !ro.applies.boolean) {
        // Versions not in force say nothing to a reader; other rules are listed as not applying.
        if (!rule.in_force) not_applying += "  · " + rule.title + " [" + rule.id + "]\n";
      } else if (missing.any()) {
        waiting += "  · " + rule.title + " [" + rule.id + "] — 需要 needs: " + needs_text(model::ordered_missing(missing, first)) + "\n";
      } else {
        not_applying += "  · " + rule.title + " [" + rule.id + "]\n";
      }
      continue;
    }
    if (!explain && rule.in_force && ro.applies.known() && !ro.applies.boolean && !any_error) continue;
    const std::string state = ro.applies.known() ? (ro.applies.boolean ? "适用 applies" : "不适用 does not apply")
                              : ro.applies.state == State::error ? "错误 error" : "待定 undecided";
    s += "\n■ " + rule.title + " [" + rule.id + "] — " + state + "\n";
    for (std::uint32_t i = 0; i < out.output_count; ++i) {
      const auto& src = out.output_sources[i];
      if (src.rule != r) continue;
      const auto& decl = rule.outputs[src.rule_output];
      const Value& v = out.output(i);
      std::string line = "  " + decl.label + " " + decl.name + ": ";
      if (v.known()) {
        line += v.kind == Kind::boolean ? (v.boolean ? "是" : "否") : value_text(ctx, out, v, decl.form);
      } else if (v.state == State::error) {
        const auto& e = out.errors[v.error_index];
        line += "错误 error[" + e.code + "]: " + e.message;
      } else if (v.missing.any()) {
        line += "未知 unknown — 需要 needs: " + needs_text(model::ordered_missing(v));
      } else {
        line += "不适用 not applicable";
      }
      s += line + "\n";
    }
    s += citations.refs(rule.citations);
    if (explain) {
      for (const auto& step : ro.explanation) {
        s += std::string("    ") + (step.kind == model::TraceStep::Kind::input ? "输入 input: " : "· ") + step.text + "\n";
      }
    }
  }
  s += citations.text();
  if (!waiting.empty()) s += "\n待补充信息 waiting for facts (policy facts lists them):\n" + waiting;
  if (!not_applying.empty()) s += "\n不适用 not applicable to this situation:\n" + not_applying;
  return s;
}

}  // namespace rules::explain
