#include "explain/render.h"

#include <algorithm>
#include <charconv>

#include <nlohmann/json.hpp>

#include "model/format.h"
#include "model/value_parse.h"
#include "source/utf8.h"

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

/// Appends the JSON encoding of `v` (value_json) to `s`.
void append_value_json(std::string& s, const RenderContext& ctx, const model::Outcome& out, const Value& v) {
  if (!v.known()) {
    s += "null";
    return;
  }
  switch (v.kind) {
    case Kind::boolean: s += v.boolean ? "true" : "false"; return;
    case Kind::integer: s += std::to_string(v.integer); return;
    case Kind::window:
      s += "{\"start\":\"" + calendar::format_date(v.window.start) + "\",\"end\":\"" + calendar::format_date(v.window.end) + "\"}";
      return;
    case Kind::list:
      s += '[';
      for (std::uint32_t k = 0; k < v.list.count; ++k) {
        if (k) s += ',';
        append_value_json(s, ctx, out, out.list_arena[v.list.offset + k]);
      }
      s += ']';
      return;
    case Kind::text: source::append_json_string(s, fill_template(ctx, out, v.str(), true)); return;  // guidance is prose for people
    default: source::append_json_string(s, model::format_value(v, fmt(ctx, out, false))); return;
  }
}

Json citation_json(const model::Citation& c) {
  Json j{{"document", c.document}, {"article", c.article}, {"summary", c.summary}};
  if (!c.quote.empty()) j["quote"] = c.quote;
  if (c.verification != model::Verification::unspecified) j["verification"] = std::string(model::verification_name(c.verification));
  j["unverified"] = c.unverified();
  if (const auto note = c.printable_note(); !note.empty()) j["note"] = std::string(note);
  return j;
}

using source::Lang;
using source::pick;

/// One fact as the page asks for it: {"fact", "label", "type", "expected", "values"?}.
Json fact_json(const model::Policy& p, const model::Fact& f, Lang lang) {
  Json j{{"fact", f.name}, {"label", f.label}, {"type", std::string(model::kind_name(f.type.kind))}};
  j["help"] = f.help;
  j["expected"] = model::expected_form(f.type, p.enums, lang);
  if (f.type.kind == Kind::enumeration && f.type.enum_id < p.enums.size()) {
    Json values = Json::array();
    for (const auto& ev : p.enums[f.type.enum_id].values) values.push_back({{"name", ev.name}, {"label", ev.label}});
    j["values"] = std::move(values);
  }
  return j;
}

/// 2026年9月30日 (zh) or 2026-09-30 (en).
std::string date_text(const RenderContext& ctx, calendar::Date d) {
  if (ctx.lang == Lang::en) return calendar::format_date(d);
  std::string s;
  s.reserve(20);
  const auto number = [&s](int n) {
    char digits[12];
    s.append(digits, std::to_chars(digits, digits + sizeof digits, n).ptr);
  };
  number(d.year());
  s += "年";
  number(static_cast<int>(d.month()));
  s += "月";
  number(static_cast<int>(d.day()));
  s += "日";
  return s;
}

/// The zone's name for people: the pack's timezone_label (北京时间), else the IANA name.
std::string zone_text(const RenderContext& ctx) {
  return ctx.policy.header.timezone_label.empty() ? std::string(ctx.zone.name()) : ctx.policy.header.timezone_label;
}

/// H:MM (seconds when not zero) of `seconds` since midnight.
std::string clock_text(std::int64_t seconds) {
  const auto h = seconds / 3600, m = seconds / 60 % 60, sec = seconds % 60;
  std::string s = std::to_string(h) + ":" + (m < 10 ? "0" : "") + std::to_string(m);
  if (sec) s += std::string(":") + (sec < 10 ? "0" : "") + std::to_string(sec);
  return s;
}

/// An instant as people in the policy zone read it: 2025年6月30日 0:00（北京时间）; English keeps
/// RFC 3339 with the policy zone's offset.
std::string instant_text(const RenderContext& ctx, const calendar::Instant& i) {
  const auto day = ctx.zone.date_of(i);
  if (!day) return calendar::format_instant(i);
  if (ctx.lang == Lang::en) {
    calendar::Instant local = i;
    local.offset_seconds = ctx.zone.offset_at(i);
    return calendar::format_instant(local);
  }
  const std::int64_t local = i.utc_seconds + ctx.zone.offset_at(i);
  const std::int64_t since_midnight = ((local % 86400) + 86400) % 86400;
  return date_text(ctx, *day) + " " + clock_text(since_midnight) + "（" + zone_text(ctx) + "）";
}


/// The facts still needed, each once, in the order they were first asked for, each with what it
/// would answer (rules in the text report, outputs on the page), each of those once.
struct NeededFacts {
  std::vector<std::uint32_t> facts;
  std::vector<std::vector<std::size_t>> by;  ///< per fact: what it would answer
  /// Adds `fact` (when the pack has it) as needed by `what`.
  void add(std::uint32_t fact, std::size_t what, std::size_t fact_count) {
    if (fact >= fact_count) return;
    auto it = std::find(facts.begin(), facts.end(), fact);
    if (it == facts.end()) {
      facts.push_back(fact);
      by.emplace_back();
      it = facts.end() - 1;
    }
    auto& list = by[static_cast<std::size_t>(it - facts.begin())];
    if (std::find(list.begin(), list.end(), what) == list.end()) list.push_back(what);
  }
};

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

  /// The rule's line: "  依据：[1] [3]" ("  sources: [1] [3]").
  std::string refs(const std::vector<model::Citation>& cites, Lang lang) {
    std::vector<std::size_t> numbers;
    for (const auto& c : cites) {
      const auto n = number(c);
      if (std::find(numbers.begin(), numbers.end(), n) == numbers.end()) numbers.push_back(n);
    }
    std::string s(pick(lang, "  依据：", "  sources:"));
    for (std::size_t k = 0; k < numbers.size(); ++k) {
      s += (k == 0 && lang == Lang::zh ? "[" : " [") + std::to_string(numbers[k]) + "]";
    }
    return s + "\n";
  }

  /// The list closing the answers ("\n依据\n  [1] document article — summary（note）\n..."); empty
  /// when no citation was numbered.
  std::string text(Lang lang) const {
    if (entries_.empty()) return {};
    std::string s(pick(lang, "\n依据\n", "\nSources\n"));
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

  /// json() written out, each citation's text taken from `cache` when its notes are its own.
  template <class Cache>
  std::string text_json(const Cache& cache) const {
    std::string s = "[";
    for (std::size_t i = 0; i < entries_.size(); ++i) {
      const auto& e = entries_[i];
      const auto own = e.citation->printable_note();
      const bool plain = e.notes.empty() || (e.notes.size() == 1 && e.notes[0] == own);
      const std::string* cached = plain ? cache.citation_text(*e.citation) : nullptr;
      if (i) s += ",";
      if (cached) {
        s += *cached;
      } else {
        Json j = citation_json(*e.citation);
        std::string notes;
        for (std::size_t k = 0; k < e.notes.size(); ++k) notes += std::string(k ? "；" : "") + std::string(e.notes[k]);
        if (!notes.empty()) j["note"] = notes;
        s += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      }
    }
    return s + "]";
  }

  /// The citations numbered so far, in number order (entry i has number i + 1), each with the
  /// notes of all its copies joined by "；".
  Json json() const {
    Json a = Json::array();
    for (const auto& e : entries_) {
      Json j = citation_json(*e.citation);
      std::string notes;
      for (std::size_t k = 0; k < e.notes.size(); ++k) notes += std::string(k ? "；" : "") + std::string(e.notes[k]);
      if (!notes.empty()) j["note"] = notes;
      a.push_back(std::move(j));
    }
    return a;
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
  s.reserve(t.size() + 32);
  for (std::size_t p = 0; p < t.size(); ++p) {
    // The text up to the next brace, as it stands. (A loop, not find_first_of("{}"), which asks
    // memchr of the two braces once per byte: a tenth of a guidance answer's time.)
    std::size_t brace = p;
    while (brace < t.size() && t[brace] != '{' && t[brace] != '}') ++brace;
    s.append(t.data() + p, brace - p);
    p = brace;
    if (p == t.size()) break;
    if (p + 1 < t.size() && t[p + 1] == t[p]) {
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
  std::string s;
  append_value_json(s, ctx, out, v);
  return s;
}

namespace {

/// The stable prose form of a value (RenderContext::stable_prose): what value_text gave before
/// people's text followed a language, kept byte for byte for the JSON contract and pack tests.
std::string stable_value_text(const RenderContext& ctx, const model::Outcome& out, const Value& v, model::OutputForm form) {
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
      s += stable_value_text(ctx, out, item, model::OutputForm::value);
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

}  // namespace

std::string value_text(const RenderContext& ctx, const model::Outcome& out, const Value& v, model::OutputForm form) {
  if (ctx.stable_prose) return stable_value_text(ctx, out, v, form);
  const bool zh = ctx.lang == Lang::zh;
  if (v.state == State::error) return zh ? "无法计算" : "error";
  if (!v.known()) return zh ? "待补充" : "unknown";
  switch (v.kind) {
    case Kind::text: return fill_template(ctx, out, v.str(), true);
    case Kind::boolean: return v.boolean ? pick(ctx.lang, "是", "yes") : pick(ctx.lang, "否", "no");
    case Kind::window:
      // A one-day window reads as its day ("2025年9月30日", not "2025年9月30日至2025年9月30日").
      if (v.window.start == v.window.end) return date_text(ctx, v.window.start);
      return date_text(ctx, v.window.start) + (zh ? "至" : " to ") + date_text(ctx, v.window.end);
    case Kind::period: {
      std::string s;
      model::append_period_words(s, v.period, ctx.lang);
      return s;
    }
    case Kind::instant: return instant_text(ctx, v.instant);
    case Kind::list: {
      // Windows are separated by a semicolon, other items by the enumeration comma (、).
      std::string s;
      for (std::uint32_t k = 0; k < v.list.count; ++k) {
        const Value& item = out.list_arena[v.list.offset + k];
        if (k) s += item.kind == Kind::window ? pick(ctx.lang, "；", "; ") : pick(ctx.lang, "、", ", ");
        s += value_text(ctx, out, item);
      }
      return s.empty() ? std::string(pick(ctx.lang, "（无）", "(none)")) : s;
    }
    case Kind::date:
      if (form == model::OutputForm::deadline) {
        // Civil Code Art. 203: the last day ends at 24:00 in the policy zone.
        if (zh) return date_text(ctx, v.date) + " 24:00（" + zone_text(ctx) + "）";
        const auto cut = ctx.zone.end_of_day(v.date);
        return calendar::format_date(v.date) + " 24:00 (" +
               (cut ? calendar::format_utc_offset(cut->offset_seconds) : std::string(ctx.zone.name())) + ")";
      }
      return date_text(ctx, v.date);
    default: return model::format_value(v, fmt(ctx, out, true));
  }
}

std::string render_json(const RenderContext& ctx, const model::Outcome& out, bool pretty) {
  return render_json(ctx, out, {}, pretty);
}

namespace {

/// The JSON name of a type: date, bool, enum, list<window>, ...
std::string type_json_name(const model::Type& t) {
  if (t.kind == Kind::list) return "list<" + std::string(model::kind_name(t.element)) + ">";
  return std::string(model::kind_name(t.kind));
}

/// The days from `as_of` to the last day a deadline or window answer ends on: the deadline's own
/// day, a window's end, the end of a list's last window; nullopt for other values.
std::optional<std::int32_t> days_left(const model::Outcome& out, const Value& v, model::OutputForm form) {
  if (!v.known()) return std::nullopt;
  if (v.kind == Kind::date && form == model::OutputForm::deadline) return calendar::days_between(out.as_of, v.date);
  if (v.kind == Kind::window) return calendar::days_between(out.as_of, v.window.end);
  if (v.kind == Kind::list && v.list.count > 0) {
    const Value& last = out.list_arena[v.list.offset + v.list.count - 1];
    if (last.known() && last.kind == Kind::window) return calendar::days_between(out.as_of, last.window.end);
  }
  return std::nullopt;
}

}  // namespace

std::string render_json(const RenderContext& people, const model::Outcome& out, const std::vector<std::uint32_t>& outputs,
                        bool pretty) {
  std::string doc;
  AnswerRenderer(people.policy).append_contract(doc, people, out, outputs);
  doc += '}';
  if (!pretty) return doc;
  return Json::parse(doc).dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace {

std::string dumped(const Json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

}  // namespace

AnswerRenderer::AnswerRenderer(const model::Policy& p) : policy_(&p) {
  policy_json_ = dumped(Json{{"id", p.header.id}, {"version", p.header.version}});
  for (const auto& rule : p.rules) {
    rule_head_.push_back("{\"id\":" + dumped(rule.id) + ",\"title\":" + dumped(rule.title) + ",\"applies\":");
    Json outs = Json::array();
    for (const auto& o : rule.outputs) outs.push_back(o.name);
    std::string mid = ",\"outputs\":" + dumped(outs) + ",\"citations\":[";
    std::vector<std::string> cites;
    for (std::size_t k = 0; k < rule.citations.size(); ++k) {
      cites.push_back(dumped(citation_json(rule.citations[k])));
      mid += (k ? "," : "") + cites.back();
    }
    rule_mid_.push_back(mid + "],\"explanation\":");
    citations_.push_back(std::move(cites));
    std::vector<std::string> heads;
    for (const auto& o : rule.outputs) {
      heads.push_back("{\"output\":" + dumped(o.name) + ",\"label\":" + dumped(o.label) + ",\"rule\":" + dumped(rule.id) +
                      ",\"rule_title\":" + dumped(rule.title) + ",\"form\":" +
                      (o.form == model::OutputForm::deadline ? "\"deadline\"" : "\"value\"") + ",\"type\":" +
                      dumped(type_json_name(o.type)));
    }
    output_head_.push_back(std::move(heads));
  }
  // Each fact as "ask" lists it, without the closing brace: "for" follows.
  for (const auto& f : p.facts) {
    for (const auto lang : {Lang::zh, Lang::en}) {
      std::string head = dumped(fact_json(p, f, lang));
      head.pop_back();
      (lang == Lang::zh ? fact_head_zh_ : fact_head_en_).push_back(std::move(head));
    }
  }
}

void AnswerRenderer::append_contract(std::string& doc, const RenderContext& ctx, const model::Outcome& out,
                                     const std::vector<std::uint32_t>& outputs) const {
  const auto& p = ctx.policy;
  // The contract does not change with the language: prose is filled with ISO dates.
  const RenderContext stable{p, ctx.zone, Lang::zh, true};
  std::vector<bool> listed(out.output_count, outputs.empty());
  for (const auto i : outputs) {
    if (i < out.output_count) listed[i] = true;
  }
  doc += "{\"policy\":";
  doc += policy_json_;
  doc += ",\"as_of\":\"" + calendar::format_date(out.as_of) + "\"";
  std::string unknown, errors;
  std::vector<bool> rule_shown(p.rules.size(), outputs.empty());
  doc += ",\"values\":{";
  bool first_value = true;
  for (std::uint32_t i = 0; i < out.output_count; ++i) {
    if (!listed[i]) continue;
    rule_shown[out.output_sources[i].rule] = true;
    const auto& name = output_decl(stable, out, i).name;  // snake_case, checked when the pack loads
    const Value& v = out.output(i);
    doc += (first_value ? "\"" : ",\"") + name + "\":";
    first_value = false;
    append_value_json(doc, stable, out, v);
    if (v.state == State::unknown && v.missing.any()) {
      unknown += (unknown.empty() ? "\"" : ",\"") + name + "\":[";
      bool first_fact = true;
      for (const auto f : model::ordered_missing(v)) {
        if (f >= p.facts.size()) continue;
        unknown += (first_fact ? "\"" : ",\"") + p.facts[f].name + "\"";
        first_fact = false;
      }
      unknown += ']';
    }
    if (v.state == State::error && v.error_index < out.errors.size()) {
      errors += (errors.empty() ? "\"" : ",\"") + name + "\":{\"code\":";
      source::append_json_string(errors, out.errors[v.error_index].code);
      errors += ",\"message\":";
      source::append_json_string(errors, out.errors[v.error_index].message);
      errors += '}';
    }
  }
  doc += "},\"unknown\":{" + unknown + "},\"errors\":{" + errors + "},\"rules\":[";
  bool first_rule = true;
  for (std::size_t r = 0; r < p.rules.size(); ++r) {
    if (!rule_shown[r]) continue;
    const auto& ro = out.rules[r];
    if (!first_rule) doc += ',';
    first_rule = false;
    doc += rule_head_[r];
    doc += ro.applies.known() ? (ro.applies.boolean ? "true" : "false") : "null";
    doc += rule_mid_[r];
    doc += '[';
    for (std::size_t k = 0; k < ro.explanation.size(); ++k) {
      const auto& st = ro.explanation[k];
      if (k) doc += ',';
      source::append_json_string(doc, (st.kind == model::TraceStep::Kind::input ? "input: " : "") + st.text);
    }
    doc += "]}";
  }
  doc += ']';
}

std::string AnswerRenderer::render(const RenderContext& ctx, const model::Outcome& out, const std::vector<std::uint32_t>& outputs,
                                   const AnswerOptions& opt) const {
  const auto& p = ctx.policy;
  std::vector<std::uint32_t> shown = outputs;
  if (shown.empty()) {
    for (std::uint32_t i = 0; i < out.output_count; ++i) shown.push_back(i);
  }
  std::string doc;
  doc.reserve(8192);
  append_contract(doc, ctx, out, outputs);
  if (!opt.decision_id.empty()) {
    doc += ",\"decision_id\":";
    source::append_json_string(doc, opt.decision_id);
  }
  doc += ",\"as_of_text\":";
  source::append_json_string(doc, date_text(ctx, out.as_of) + (ctx.lang == Lang::zh ? "（" + zone_text(ctx) + "）" : " (" + std::string(ctx.zone.name()) + ")"));

  CitationList citations;
  // The facts still needed, each once, in the order to ask for them (as the text report's list),
  // after the question's own first facts while they are not given.
  NeededFacts needed;  // by: the outputs each would answer
  for (const auto f : opt.ask_first) {
    if (f >= p.facts.size() || out.env[f].known()) continue;
    for (const auto i : shown) {
      if (i < out.output_count && !out.output(i).known()) needed.add(f, i, p.facts.size());
    }
  }
  doc += ",\"answers\":[";
  bool first_answer = true;
  for (const auto i : shown) {
    if (i >= out.output_count) continue;
    const auto& src = out.output_sources[i];
    const auto& rule = p.rules[src.rule];
    const auto& ro = out.rules[src.rule];
    const auto& decl = rule.outputs[src.rule_output];
    const Value& v = out.output(i);
    const bool not_applicable = ro.applies.known() && !ro.applies.boolean;
    const char* state = v.known() ? "decided" : v.state == State::error ? "error" : v.missing.any() ? "unknown" : "not_applicable";
    if (!v.known() && v.state != State::error && !v.missing.any() && !not_applicable && ro.applies.state == State::unknown) state = "unknown";
    // A value that does not apply reads 不适用, not value_text's 待补充 (nothing is to be given).
    const bool applies_not = std::string_view(state) == "not_applicable";
    if (!first_answer) doc += ',';
    first_answer = false;
    doc += output_head_[src.rule][src.rule_output];
    doc += ",\"state\":\"";
    doc += state;
    doc += "\",\"text\":";
    source::append_json_string(doc, applies_not ? std::string(pick(ctx.lang, "不适用", "not applicable")) : value_text(ctx, out, v, decl.form));
    if (const auto d = days_left(out, v, decl.form)) doc += ",\"days_left\":" + std::to_string(*d);
    const bool calendar = v.known() && ((v.kind == Kind::date && decl.form == model::OutputForm::deadline) || v.kind == Kind::window ||
                                        (v.kind == Kind::list && decl.type.element == Kind::window && v.list.count > 0));
    doc += calendar ? ",\"calendar\":true" : ",\"calendar\":false";
    if (v.state == State::error && v.error_index < out.errors.size()) {
      const auto& e = out.errors[v.error_index];
      doc += ",\"error\":{\"code\":";
      source::append_json_string(doc, e.code);
      doc += ",\"message\":";
      source::append_json_string(doc, e.message_in(ctx.lang));
      doc += ",\"message_zh\":";
      source::append_json_string(doc, e.message_zh);
      doc += ",\"message_en\":";
      source::append_json_string(doc, e.message);
      doc += '}';
    }
    std::vector<std::size_t> refs;
    for (const auto& c : rule.citations) {
      const auto n = citations.number(c) - 1;
      if (std::find(refs.begin(), refs.end(), n) == refs.end()) refs.push_back(n);
    }
    doc += ",\"citations\":[";
    for (std::size_t k = 0; k < refs.size(); ++k) {
      if (k) doc += ',';
      doc += std::to_string(refs[k]);
    }
    doc += "]}";
    model::FactSet missing;
    std::uint8_t first = model::kNoFact;
    if (v.state == State::unknown) {
      missing |= v.missing;
      first = model::first_to_ask(v);
    }
    if (ro.applies.state == State::unknown && ro.applies.missing.any()) {
      missing |= ro.applies.missing;
      if (first == model::kNoFact) first = model::first_to_ask(ro.applies);
    }
    if (!missing.any()) continue;
    for (const auto f : model::ordered_missing(missing, first)) needed.add(f, i, p.facts.size());
  }
  doc += "],\"citations\":" + citations.text_json(*this) + ",\"ask\":[";
  const auto& facts = ctx.lang == Lang::zh ? fact_head_zh_ : fact_head_en_;
  for (std::size_t k = 0; k < needed.facts.size(); ++k) {
    if (k) doc += ',';
    doc += facts[needed.facts[k]];
    doc += ",\"for\":[";
    for (std::size_t j = 0; j < needed.by[k].size(); ++j) {
      const auto& src = out.output_sources[needed.by[k][j]];
      doc += (j ? ",\"" : "\"") + p.rules[src.rule].outputs[src.rule_output].name + "\"";
    }
    doc += "]}";
  }
  doc += ']';
  if (opt.steps) {
    doc += ",\"steps\":[";
    std::vector<bool> done(p.rules.size(), false);
    bool first_rule = true;
    for (const auto i : shown) {
      if (i >= out.output_count) continue;
      const auto r = out.output_sources[i].rule;
      if (done[r]) continue;
      done[r] = true;
      if (!first_rule) doc += ',';
      first_rule = false;
      doc += "{\"rule\":";
      source::append_json_string(doc, p.rules[r].id);
      doc += ",\"title\":";
      source::append_json_string(doc, p.rules[r].title);
      doc += ",\"lines\":[";
      for (std::size_t k = 0; k < out.rules[r].explanation.size(); ++k) {
        const auto& step = out.rules[r].explanation[k];
        if (k) doc += ',';
        source::append_json_string(doc, std::string(step.kind == model::TraceStep::Kind::input ? pick(ctx.lang, "输入：", "input: ") : "") + step.text);
      }
      doc += "]}";
    }
    doc += ']';
  }
  doc += '}';
  return doc;
}

const std::string* AnswerRenderer::citation_text(const model::Citation& c) const {
  const auto& rules = policy_->rules;
  for (std::size_t r = 0; r < rules.size(); ++r) {
    const auto& cites = rules[r].citations;
    if (!cites.empty() && &c >= cites.data() && &c < cites.data() + cites.size()) {
      return &citations_[r][static_cast<std::size_t>(&c - cites.data())];
    }
  }
  return nullptr;
}

std::string fact_json(const model::Policy& p, std::uint32_t fact, source::Lang lang) {
  return fact_json(p, p.facts[fact], lang).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string render_text(const RenderContext& ctx, const model::Outcome& out, bool explain) {
  return render_text(ctx, out, TextOptions{explain, {}, {}});
}

std::string render_text(const RenderContext& ctx, const model::Outcome& out, const TextOptions& opt) {
  const auto& p = ctx.policy;
  const bool zh = ctx.lang == Lang::zh;
  const bool explain = opt.explain;
  const auto shown = [&](std::uint32_t i) {
    return opt.outputs.empty() || std::find(opt.outputs.begin(), opt.outputs.end(), i) != opt.outputs.end();
  };
  std::string s;
  s += p.header.title + (zh ? "（" : " (") + p.header.id + " " + p.header.version + (zh ? "）\n" : ")\n");
  s += zh ? "评估日期：" + date_text(ctx, out.as_of) + "（" + zone_text(ctx) + "）\n"
          : "as of " + calendar::format_date(out.as_of) + " (" + std::string(ctx.zone.name()) + ")\n";
  // The facts still needed, each once, in the order to ask for them: each waiting output's fact
  // to ask first leads its own list (model::ordered_missing); with the rules each would answer.
  NeededFacts needed;  // by: the rules each would answer
  const auto need = [&](const std::vector<std::uint32_t>& facts, std::size_t rule) {
    for (const auto f : facts) needed.add(f, rule, p.facts.size());
  };
  std::string not_applying;
  std::vector<std::size_t> not_asked;  // rules waiting only for facts of questions not asked
  CitationList citations;  // each citation once, by number, listed after the answers
  for (std::size_t r = 0; r < p.rules.size(); ++r) {
    const auto& rule = p.rules[r];
    const auto& ro = out.rules[r];
    bool any_shown = false, any_answer = false, any_error = false;
    model::FactSet missing;
    std::uint8_t first = model::kNoFact;  // the first output's fact to ask first
    for (std::uint32_t i = 0; i < out.output_count; ++i) {
      if (out.output_sources[i].rule != r || !shown(i)) continue;
      any_shown = true;
      const Value& v = out.output(i);
      any_answer = any_answer || v.known();
      any_error = any_error || v.state == State::error;
      if (v.state == State::unknown) {
        missing |= v.missing;
        if (first == model::kNoFact) first = model::first_to_ask(v);
      }
    }
    if (!any_shown) continue;
    // A version whose outputs are attributed to another version (the first) still waits when its
    // own applicability does: it is undecided, not "not applicable".
    if (ro.applies.state == State::unknown && ro.applies.missing.any()) {
      missing |= ro.applies.missing;
      if (first == model::kNoFact) first = model::first_to_ask(ro.applies);
    }
    // A question not asked: nothing answered, and no fact it reads was given.
    bool asked = any_answer || any_error || r >= opt.rule_facts.size();
    if (!asked) {
      for (std::uint32_t f = 0; f < p.facts.size() && !asked; ++f) asked = opt.rule_facts[r].test(f) && out.env[f].known();
    }
    if (missing.any() && !asked && !explain && opt.outputs.empty()) {
      not_asked.push_back(r);
      continue;
    }
    if (missing.any()) need(model::ordered_missing(missing, first), r);
    const bool not_applicable = ro.applies.known() && !ro.applies.boolean;
    // Outputs asked for by name are always shown, waiting or not applying as they are.
    const bool every_line = explain || !opt.outputs.empty();
    if (!every_line && !any_answer && !any_error) {
      // Versions not in force say nothing to a reader; a rule waiting for facts is in the list of
      // what is needed.
      if (not_applicable && !rule.in_force) not_applying += "  · " + rule.title + "\n";
      else if (!missing.any()) not_applying += "  · " + rule.title + "\n";
      continue;
    }
    if (!every_line && rule.in_force && not_applicable && !any_error) continue;
    std::string state;
    if (explain || !ro.applies.known() || !ro.applies.boolean) {
      state = ro.applies.known() ? (ro.applies.boolean ? pick(ctx.lang, "适用", "applies") : pick(ctx.lang, "不适用", "does not apply"))
              : ro.applies.state == State::error ? pick(ctx.lang, "无法判断", "error")
                                                 : pick(ctx.lang, "待定", "undecided");
    }
    s += "\n■ " + rule.title;
    if (explain) s += " [" + rule.id + "]";
    if (!state.empty()) s += std::string(pick(ctx.lang, " — ", " — ")) + state;
    s += "\n";
    for (std::uint32_t i = 0; i < out.output_count; ++i) {
      const auto& src = out.output_sources[i];
      if (src.rule != r || !shown(i)) continue;
      const auto& decl = rule.outputs[src.rule_output];
      const Value& v = out.output(i);
      std::string line = "  " + decl.label;
      if (explain || !zh) line += " " + decl.name;
      line += zh ? "：" : ": ";
      if (v.known()) {
        line += value_text(ctx, out, v, decl.form);
      } else if (v.state == State::error) {
        const auto& e = out.errors[v.error_index];
        line += (zh ? "无法计算（错误[" : "error[") + e.code + (zh ? "]：" : "]: ") + e.message_in(ctx.lang) + (zh ? "）" : "");
      } else if (v.missing.any()) {
        std::string facts;
        for (const auto f : model::ordered_missing(v)) {
          if (f < p.facts.size()) facts += (facts.empty() ? "" : pick(ctx.lang, "、", ", ")) + p.facts[f].label;
        }
        line += (zh ? "待补充（需要：" : "unknown (needs: ") + facts + (zh ? "）" : ")");
      } else {
        line += pick(ctx.lang, "不适用", "not applicable");
      }
      s += line + "\n";
    }
    s += citations.refs(rule.citations, ctx.lang);
    if (explain) {
      for (const auto& step : ro.explanation) {
        s += std::string("    ") + std::string(step.kind == model::TraceStep::Kind::input ? pick(ctx.lang, "输入：", "input: ") : "· ") +
             step.text + "\n";
      }
    }
  }
  s += citations.text(ctx.lang);
  if (!needed.facts.empty()) {
    s += zh ? "\n还需要的信息（补充后可得到更多答案）：\n" : "\nStill needed (give these for more answers):\n";
    for (std::size_t k = 0; k < needed.facts.size(); ++k) {
      const auto& fact = p.facts[needed.facts[k]];
      s += "  · " + fact.label + (zh ? "：" : " (" + fact.name + "): ") + model::expected_form(fact.type, p.enums, ctx.lang);
      constexpr std::size_t kTitles = 3;
      const auto& rules = needed.by[k];
      s += zh ? "（用于：" : " (for: ";
      for (std::size_t j = 0; j < rules.size() && j < kTitles; ++j) s += (j ? pick(ctx.lang, "、", "; ") : "") + p.rules[rules[j]].title;
      if (rules.size() > kTitles) s += zh ? "等" + std::to_string(rules.size()) + "项" : " and " + std::to_string(rules.size() - kTitles) + " more";
      s += zh ? "）\n" : ")\n";
    }
  }
  if (!not_asked.empty()) {
    s += zh ? "\n其他问题（" : "\nOther questions (";
    constexpr std::size_t kTitles = 4;
    for (std::size_t j = 0; j < not_asked.size() && j < kTitles; ++j) s += (j ? pick(ctx.lang, "、", "; ") : "") + p.rules[not_asked[j]].title;
    if (not_asked.size() > kTitles) s += zh ? "等" + std::to_string(not_asked.size()) + "项" : " and " + std::to_string(not_asked.size() - kTitles) + " more";
    s += zh ? "）需要更多信息：用 --outputs 选择要问的结果，policy facts 列出可以填写的信息。\n"
            : ") need more facts: choose answers with --outputs; policy facts lists the facts.\n";
  }
  if (explain && !not_applying.empty()) {
    s += zh ? "\n不适用于本情形：\n" : "\nNot applicable to this situation:\n";
    s += not_applying;
  }
  return s;
}

}  // namespace rules::explain
