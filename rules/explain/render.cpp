#include "explain/render.h"

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
    case Kind::text: return fill_template(ctx, out, v.str(), false);
    default: return model::format_value(v, fmt(ctx, out, false));
  }
}

std::vector<std::string> missing_names(const RenderContext& ctx, const Value& v) {
  std::vector<std::string> names;
  for (std::size_t i = 0; i < ctx.policy.facts.size(); ++i) {
    if (v.missing.test(i)) names.push_back(ctx.policy.facts[i].name);
  }
  return names;
}

Json citation_json(const model::Citation& c) {
  Json j{{"document", c.document}, {"article", c.article}, {"summary", c.summary}};
  if (!c.quote.empty()) j["quote"] = c.quote;
  if (c.verification != model::Verification::unspecified) j["verification"] = std::string(model::verification_name(c.verification));
  j["unverified"] = c.unverified();
  return j;
}

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
      model::OutputForm form = model::OutputForm::value;
      if (*slot >= out.output_base && *slot < out.output_base + out.output_count)
        form = output_decl(ctx, out, *slot - out.output_base).form;
      s += for_people ? value_text(ctx, out, v, form) : model::format_value(v, fmt(ctx, out, false));
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
    return calendar::format_date(v.window.start) + " 至 " + calendar::format_date(v.window.end);
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
  for (std::size_t r = 0; r < p.rules.size(); ++r) {
    const auto& rule = p.rules[r];
    const auto& ro = out.rules[r];
    // Versions that are not in force are noise for a reader; show them only when explaining,
    // or when an output they stand for failed (e.g. no version in force on the date given).
    if (!explain && rule.in_force && ro.applies.known() && !ro.applies.boolean) {
      bool failed_output = false;
      for (std::uint32_t i = 0; i < out.output_count; ++i) {
        if (out.output_sources[i].rule == r && out.output(i).state == State::error) failed_output = true;
      }
      if (!failed_output) continue;
    }
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
        line += value_text(ctx, out, v, decl.form);
      } else if (v.state == State::error) {
        const auto& e = out.errors[v.error_index];
        line += "错误 error[" + e.code + "]: " + e.message;
      } else if (v.missing.any()) {
        line += "未知 unknown — 需要 needs:";
        for (std::size_t f = 0; f < p.facts.size(); ++f) {
          if (v.missing.test(f)) line += " " + p.facts[f].label + " " + p.facts[f].name + ";";
        }
        line.pop_back();
      } else {
        line += "不适用 not applicable";
      }
      s += line + "\n";
    }
    for (const auto& c : rule.citations) {
      s += "  依据 source: " + c.document + " " + c.article + " — " + c.summary;
      if (c.unverified()) s += "（依据未经核实 citation unverified, level " + std::string(model::verification_name(c.verification)) + "）";
      s += "\n";
    }
    if (explain) {
      for (const auto& step : ro.explanation) {
        s += std::string("    ") + (step.kind == model::TraceStep::Kind::input ? "输入 input: " : "· ") + step.text + "\n";
      }
    }
  }
  return s;
}

}  // namespace rules::explain
