#include "engine/engine.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "calendar/instant.h"
#include "expr/evaluator.h"
#include "model/cell_text.h"
#include "model/format.h"
#include "model/resident_id.h"

namespace rules::engine {

using model::Kind;
using model::State;
using model::Value;

Engine::Engine(std::unique_ptr<loader::CompiledPack> pack) : pack_(std::move(pack)) {
  const auto& p = *pack_;
  env_template_.assign(p.slot_count, Value::make_unknown({}));
  for (std::uint32_t i = 0; i < p.policy.parameters.size(); ++i) {
    env_template_[p.param_base + i] = p.policy.parameters[i].value;
  }
  std::vector<std::vector<std::uint32_t>> inputs;
  for (std::uint32_t oi = 0; oi < p.outputs.size(); ++oi) inputs.push_back(inputs_read(oi));
  memo_plan_ = MemoPlan::build(p, inputs);
  for (const auto& slots : inputs) {
    auto& facts = facts_read_.emplace_back();
    for (const auto s : slots) {
      if (s < p.param_base) facts.set(s);
    }
  }
}

calendar::Date Engine::today() const {
  const auto d = pack_->zone.date_of(calendar::now());
  return d ? *d : calendar::max_date();  // the clock is within 0001..9999 on any real machine
}

namespace {

/// An expression as one line: runs of white space (TOML multi-line strings) become one space.
std::string one_line(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    const bool ws = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (ws) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

class Run {
 public:
  /// `facts_read`: per output, every fact it can read; non-empty to track reads (EvalOptions::track_reads).
  /// `complete_missing`: EvalOptions::complete_missing.
  /// `lang`: EvalOptions::lang, the language of the steps.
  /// `observer`: EvalOptions::observer.
  Run(const loader::CompiledPack& p, model::Outcome& out, bool explain, Memo* memo,
      std::span<const model::FactSet> facts_read, bool complete_missing, source::Lang lang, EvalObserver* observer)
      : p_(p), out_(out), explain_(explain), zh_(lang == source::Lang::zh), memo_(memo), facts_read_(facts_read),
        observer_(observer) {
    ctx_.complete_missing = complete_missing;
    ctx_.branches = observer;
    ctx_.lang = lang;
    ctx_.zone_label = p.policy.header.timezone_label;
    ctx_.env = out.env;
    ctx_.list_arena = &out.list_arena;
    ctx_.scratch = &out.scratch;
    ctx_.errors = &out.errors;
    ctx_.zone = &p.zone;
    ctx_.holidays = &p.holidays;
    ctx_.enums = p.policy.enums;
    ctx_.slot_names = p.slot_names;
    if (!facts_read_.empty()) {
      out.output_reads.resize(p.outputs.size());
      ctx_.output_reads = out.output_reads;
      ctx_.fact_count = p.param_base;
      ctx_.output_base = p.output_base;
    }
  }

  void all(const std::vector<std::uint32_t>& order) {
    for (const auto oi : order) output(oi);
  }

 private:
  std::vector<model::TraceStep>* trace_for(std::uint32_t rule) {
    return explain_ ? &out_.rules[rule].explanation : nullptr;
  }

  void note(std::uint32_t rule, std::string text) {
    if (explain_) out_.rules[rule].explanation.push_back({model::TraceStep::Kind::step, std::move(text)});
  }

  /// A value in a step, as the evaluator shows it (in Chinese: 是/否, 未知, 错误, enum labels).
  std::string show(const Value& v) const {
    if (zh_) {
      if (v.state == State::unknown) return "未知";
      if (v.state == State::error) return "错误";
      if (v.kind == Kind::boolean) return v.boolean ? "是" : "否";
    }
    return model::format_value(v, {p_.policy.enums, out_.list_arena, zh_});
  }

  Value eval(const expr::Expr& e, std::uint32_t rule) {
    ctx_.trace = trace_for(rule);
    return expr::evaluate(e, ctx_);
  }

  /// `evaluate()`'s value with the observer not told: for evaluations made only to list the facts
  /// an undecided value waits for (no test reaches a branch that way).
  template <class F>
  Value unobserved(F evaluate) {
    ctx_.branches = nullptr;
    Value v = evaluate();
    ctx_.branches = observer_;
    return v;
  }

  /// Whether rule r applies: its version is in force on its version date, and its `when` holds.
  /// When tracking reads, what that rests on is kept with the rule and added to the output's
  /// each time (the rule's value is computed once per evaluation, for its first output).
  const Value& applies(std::uint32_t r) {
    auto& ro = out_.rules[r];
    if (!ctx_.reads) return ro.evaluated ? ro.applies : decide(r);
    if (!ro.evaluated) {
      model::FactSet* output = ctx_.reads;
      ro.reads.reset();
      ctx_.reads = &ro.reads;
      decide(r);
      ctx_.reads = output;
    }
    *ctx_.reads |= ro.reads;
    return ro.applies;
  }

  /// Computes rule r's applicability (applies()).
  const Value& decide(std::uint32_t r) {
    out_.rules[r].evaluated = true;
    const auto& rule = p_.policy.rules[r];
    const auto& cr = p_.rules[r];
    Value& result = out_.rules[r].applies;
    if (cr.version_date) {
      const std::size_t mark = explain_ ? out_.rules[r].explanation.size() : 0;
      const Value d = eval(*cr.version_date, r);
      if (explain_) out_.rules[r].explanation.resize(mark);  // the note below says it all
      if (!d.known()) {
        result = d;
        // Undecided version: once the date is known, the rule's `when` decides too, so the facts
        // it waits for can still change the outputs (the date's own facts are asked first).
        if (d.state == State::unknown && cr.when && ctx_.complete_missing) {
          const Value w = unobserved([&] { return eval(*cr.when, r); });
          if (explain_) out_.rules[r].explanation.resize(mark);
          if (w.state == State::unknown) result.missing |= w.missing;
        }
        return result;
      }
      const bool in = rule.in_force->contains(d.date);
      if (observer_) observer_->version_date(r, d.date);
      if (explain_) {
        const auto& f = *rule.in_force;
        const std::string period = std::string("[") + (f.from ? calendar::format_date(*f.from) : "..") + " .. " +
                                   (f.until ? calendar::format_date(*f.until) : "") + "]";
        if (zh_) {
          note(r, "版本：" + one_line(rule.version_date->text) + " = " + show(d) + (in ? " 在施行期间 " : " 不在施行期间 ") +
                      period + " 之内");
        } else {
          note(r, "version: " + one_line(rule.version_date->text) + " = " + show(d) + (in ? " is within" : " is outside") +
                      " the period in force " + period);
        }
      }
      if (!in) {
        result.set_bool(false);
        return result;
      }
    }
    if (cr.when) {
      const std::size_t mark = explain_ ? out_.rules[r].explanation.size() : 0;
      result = eval(*cr.when, r);
      if (observer_ && result.known()) observer_->when_decided(r, result.boolean);
      if (explain_) {
        summarize(r, mark, (zh_ ? "适用条件 " : "when ") + one_line(rule.when->text) + (zh_ ? " → " : " -> ") + show(result));
      }
      return result;
    }
    result.set_bool(true);
    return result;
  }

  void output(std::uint32_t oi) {
    if (!facts_read_.empty()) {
      auto& reads = out_.output_reads[oi];
      reads.reset();
      ctx_.reads = &reads;
      if (!remembered(oi)) compute_and_keep(oi);
      else reads = facts_read_[oi];  // what the remembered value rests on is not known: all it can read
      ctx_.reads = nullptr;
      return;
    }
    if (!remembered(oi)) compute_and_keep(oi);
  }

  /// Sets output oi from the memo, if it holds it.
  bool remembered(std::uint32_t oi) {
    if (!memo_) return false;
    const Value* v = memo_->find(oi, out_.env, out_.output_sources[oi]);
    if (v) out_.env[p_.outputs[oi].slot] = *v;
    return v != nullptr;
  }

  void compute_and_keep(std::uint32_t oi) {
    compute(oi);
    if (memo_) memo_->keep(oi, out_.env[p_.outputs[oi].slot], out_.output_sources[oi]);
  }

  /// Computes output `oi` into its slot, and which version produced it.
  void compute(std::uint32_t oi) {
    const auto& co = p_.outputs[oi];
    Value& slot = out_.env[co.slot];
    model::FactSet missing;
    std::uint8_t ask_first = model::kNoFact;  // of the first undecided version's applicability
    bool undecided = false;
    const Value* failure = nullptr;  // the first version whose applicability failed
    using loader::OutputCandidate;
    out_.output_sources[oi] = {co.candidates.front().rule, co.candidates.front().rule_output};
    // Decide every version's applicability (in-force periods are disjoint, so at most one holds);
    // the others are then reported as not applying rather than left undecided.
    const OutputCandidate* chosen = nullptr;
    for (const auto& c : co.candidates) {
      const Value& a = applies(c.rule);
      if (a.known() && a.boolean) {
        if (!chosen) chosen = &c;
      } else if (a.state == State::unknown) {
        undecided = true;
        missing |= a.missing;
        if (ask_first == model::kNoFact) ask_first = model::first_to_ask(a);
      } else if (a.state == State::error && !failure) {
        failure = &a;
      }
    }
    if (chosen) {
      const auto& c = *chosen;
      out_.output_sources[oi] = {c.rule, c.rule_output};
      const auto& decl = p_.policy.rules[c.rule].outputs[c.rule_output];
      const std::size_t mark = explain_ ? out_.rules[c.rule].explanation.size() : 0;
      slot = eval(c.expr, c.rule);
      if (explain_) summarize(c.rule, mark, co.name + " = " + one_line(decl.expr.text));
      if (slot.state != State::error && c.rollover) roll_over(c, co.name, slot);
      if (slot.known() && decl.form == model::OutputForm::deadline) deadline_note(c.rule, co.name, slot.date);
      if (slot.state == State::error) {
        const auto& err = out_.errors[slot.error_index];
        note(c.rule, co.name + (zh_ ? "：" : ": ") + err.message_in(zh_ ? source::Lang::zh : source::Lang::en));
      }
      return;
    }
    // Unknown values are set in place: building one and copying it costs more than the rest.
    if (failure) {
      slot = *failure;
    } else if (undecided) {
      // Which version applies waits for facts; once it is decided, so may the value: the facts
      // each undecided version's own expressions wait for are listed too. (An applicability
      // waiting for no fact, which reads an output that does not apply, is never decided.)
      for (const auto& c : co.candidates) {
        const Value& a = out_.rules[c.rule].applies;
        if (ctx_.complete_missing && a.state == State::unknown && a.missing.any()) add_pending(c, missing, ask_first);
      }
      slot.set_unknown(missing, ask_first);
    } else if (co.candidates.size() > 1 || p_.policy.rules[co.candidates.front().rule].in_force) {
      // Every version is known not to apply: if that is because none is in force, say so.
      bool in_force_somewhere = false;
      for (const auto& c : co.candidates) {
        const auto& cr = p_.rules[c.rule];
        if (!cr.version_date) continue;
        const Value d = eval(*cr.version_date, c.rule);
        if (d.known() && p_.policy.rules[c.rule].in_force->contains(d.date)) in_force_somewhere = true;
      }
      if (!in_force_somewhere) {
        const auto& first = p_.policy.rules[co.candidates.front().rule];
        const std::string by = one_line(first.version_date->text);
        out_.errors.push_back({"no_version_in_force", "no version of " + co.name + " is in force on the date given by " + by,
                               co.name + " 没有在 " + by + " 所给日期施行的版本"});
        slot = Value::make_error(static_cast<std::uint32_t>(out_.errors.size() - 1));
      } else {
        slot.set_unknown({});
      }
    } else {
      slot.set_unknown({});  // not applicable
    }
  }

  /// Adds to `missing` the facts version `c`'s expression (and roll-over condition) still wait
  /// for while its rule's applicability is undecided; `first` is set when still kNoFact. Known
  /// and failed values add nothing (the version may not be the one taken), nor does the roll-over
  /// condition of a day that fails or waits for no fact; nothing is explained.
  void add_pending(const loader::OutputCandidate& c, model::FactSet& missing, std::uint8_t& first) {
    const std::size_t mark = explain_ ? out_.rules[c.rule].explanation.size() : 0;
    const auto add = [&](const Value& v) {
      if (v.state != State::unknown) return;
      missing |= v.missing;
      if (first == model::kNoFact) first = model::first_to_ask(v);
    };
    const Value v = unobserved([&] { return eval(c.expr, c.rule); });
    add(v);
    if (c.rollover && (v.known() || (v.state == State::unknown && v.missing.any()))) {
      add(unobserved([&] { return eval(*c.rollover, c.rule); }));
    }
    if (explain_) out_.rules[c.rule].explanation.resize(mark);
  }

  /// Civil Code Art. 203: when the candidate's rollover condition holds, a last day that is a
  /// statutory rest day moves to the first working day after the rest. `slot` is known or
  /// unknown: an unknown last day waiting for facts also waits for those an unknown condition
  /// waits for (its own asked first); a failed condition matters only once the day is known.
  void roll_over(const loader::OutputCandidate& c, const std::string& name, Value& slot) {
    // Never known, or only its waiting matters (EvalOptions::complete_missing): nothing to add.
    if (slot.state == State::unknown && (slot.missing.none() || !ctx_.complete_missing)) return;
    const std::size_t mark = explain_ ? out_.rules[c.rule].explanation.size() : 0;
    const Value on = eval(*c.rollover, c.rule);
    if (explain_) out_.rules[c.rule].explanation.resize(mark);
    if (slot.state == State::unknown) {
      if (on.state == State::unknown) {
        const std::uint8_t first = model::first_to_ask(slot);
        slot.set_unknown(slot.missing | on.missing, first != model::kNoFact ? first : model::first_to_ask(on));
      }
      return;
    }
    if (!on.known()) {
      slot = on;
      return;
    }
    if (!on.boolean) return;
    const auto moved = p_.holidays.next_workday(slot.date);
    if (!moved) {
      out_.errors.push_back({calendar::code_name(moved.error().code), moved.error().message, moved.error().message_zh});
      slot = Value::make_error(static_cast<std::uint32_t>(out_.errors.size() - 1));
      return;
    }
    if (explain_ && *moved != slot.date) {
      const auto holiday = p_.holidays.holiday_name(slot.date);
      if (zh_) {
        note(c.rule, name + "：最后一日 " + calendar::format_date(slot.date) + " 是法定休息日（" +
                         (holiday.empty() ? std::string("周末") : std::string(holiday)) + "），顺延至休息日结束后的第一个工作日 " +
                         calendar::format_date(*moved) + "（民法典第二百零三条）");
      } else {
        note(c.rule, name + ": last day " + calendar::format_date(slot.date) + " is a statutory rest day" +
                         (holiday.empty() ? std::string(" (weekend)") : " (" + std::string(holiday) + ")") +
                         ", moved to the next working day " + calendar::format_date(*moved) + " (Civil Code Art. 203)");
      }
    }
    slot.date = *moved;
  }

  /// Rewrites the steps recorded since `mark` as: a heading, one line with each input read (once,
  /// in order of first use), then the computation steps.
  void summarize(std::uint32_t rule, std::size_t mark, std::string heading) {
    auto& steps = out_.rules[rule].explanation;
    std::vector<std::string> inputs;
    std::vector<model::TraceStep> rest;
    for (std::size_t i = mark; i < steps.size(); ++i) {
      if (steps[i].kind == model::TraceStep::Kind::input) {
        if (std::find(inputs.begin(), inputs.end(), steps[i].text) == inputs.end()) inputs.push_back(steps[i].text);
      } else {
        rest.push_back(std::move(steps[i]));
      }
    }
    steps.resize(mark);
    steps.push_back({model::TraceStep::Kind::step, std::move(heading)});
    if (!inputs.empty()) {
      std::string line;
      for (const auto& in : inputs) line += (line.empty() ? "" : zh_ ? "；" : "; ") + in;
      steps.push_back({model::TraceStep::Kind::input, std::move(line)});
    }
    for (auto& r : rest) steps.push_back(std::move(r));
  }

  void deadline_note(std::uint32_t rule, const std::string& name, calendar::Date last_day) {
    if (!explain_) return;
    const auto cut = p_.zone.end_of_day(last_day);
    if (!cut) return;
    const std::string day = calendar::format_date(last_day);
    const std::string offset = calendar::format_utc_offset(cut->offset_seconds);
    if (zh_) {
      const auto& label = p_.policy.header.timezone_label;
      note(rule, name + " 是截止日期：最后一日 " + day + " 计入，截止时间为时区 " + std::string(p_.zone.name()) +
                     (label.empty() ? "" : " " + label) + " " + day + " 24:00（" + offset + "），即 " +
                     calendar::format_instant(*cut) + "（民法典第二百零三条）");
      return;
    }
    note(rule, name + " is a deadline: last day " + day + " included, cut-off " + day + " 24:00 (" + offset + ") = " +
                   calendar::format_instant(*cut) + " (Civil Code Art. 203)");
  }

  const loader::CompiledPack& p_;
  model::Outcome& out_;
  bool explain_;
  bool zh_;  // steps in Chinese (EvalOptions::lang)
  Memo* memo_;  // null: compute every output
  std::span<const model::FactSet> facts_read_;  // empty: reads not tracked
  EvalObserver* observer_;  // null: no one is told the decisions (EvalOptions::observer)
  expr::EvalContext ctx_;
};

/// Readies `out` for an evaluation: the environment from the template (facts included, unless
/// `facts` is given: then they are copied from it instead), no rule evaluated, nothing recorded.
void prepare(const loader::CompiledPack& p, const std::vector<Value>& env_template, calendar::Date as_of,
             model::Outcome& out, const std::vector<Value>* facts = nullptr) {
  out.as_of = as_of;
  out.env.resize(env_template.size());
  const auto given = static_cast<std::ptrdiff_t>(facts ? std::min<std::size_t>(facts->size(), p.param_base) : 0);
  if (facts) std::copy(facts->begin(), facts->begin() + given, out.env.begin());
  std::copy(env_template.begin() + given, env_template.end(), out.env.begin() + given);
  out.env[p.as_of_slot] = Value::make_date(as_of);
  out.output_base = p.output_base;
  out.output_count = static_cast<std::uint32_t>(p.outputs.size());
  out.output_sources.resize(p.outputs.size());
  out.rules.resize(p.rules.size());
  for (auto& r : out.rules) {
    r.applies.set_unknown({});
    r.evaluated = false;
    r.explanation.clear();
  }
  out.list_arena.clear();
  out.errors.clear();
}

}  // namespace

void Engine::evaluate(const model::Situation& situation, calendar::Date as_of, model::Outcome& out,
                      const EvalOptions& options) const {
  prepare(*pack_, env_template_, as_of, out, &situation.facts());
  for (const auto& [index, value] : options.parameters) out.env[pack_->param_base + index] = value;
  Memo* memo = options.memo && !options.explain && options.complete_missing && &options.memo->plan() == &memo_plan_
                   ? options.memo
                   : nullptr;
  if (memo) memo->begin(out.env, options.parameters.empty());
  Run run(*pack_, out, options.explain, memo, options.track_reads ? std::span<const model::FactSet>(facts_read_) : std::span<const model::FactSet>(),
          options.complete_missing, options.lang, options.observer);
  run.all(options.only ? *options.only : pack_->order);
}

std::vector<std::uint32_t> Engine::facts_read(std::uint32_t output) const {
  std::vector<std::uint32_t> facts = inputs_read(output);
  std::erase_if(facts, [&](std::uint32_t slot) { return slot >= pack_->param_base; });
  return facts;
}

std::vector<std::uint32_t> Engine::facts_needed(std::uint32_t output) const {
  const auto& p = *pack_;
  std::vector<bool> needed_fact(p.policy.facts.size(), false), seen(p.outputs.size(), false);
  std::vector<std::uint32_t> outputs{output};
  // A name or placeholder: a fact is needed; an output, everything it needs.
  const auto use = [&](std::uint32_t slot) {
    if (slot < p.param_base) needed_fact[slot] = true;
    else if (slot >= p.output_base && slot < p.as_of_slot) outputs.push_back(slot - p.output_base);
  };
  const auto scan = [&](const expr::Expr& e) {
    std::vector<std::uint32_t> nodes{e.root};
    while (!nodes.empty()) {
      const auto& n = e.node(nodes.back());
      nodes.pop_back();
      if (n.op == expr::Op::call && n.fn == expr::Fn::has) continue;  // true or false, given or not
      if (n.op == expr::Op::call && n.fn == expr::Fn::if_unknown) {
        nodes.push_back(e.child(n, 1));  // the stand-in: an unknown first argument is never seen
        continue;
      }
      if (n.op == expr::Op::literal) {  // a text template: its children are placeholder slots
        if (n.literal.kind == Kind::text) {
          for (std::uint32_t k = 0; k < n.child_count; ++k) use(e.placeholder_slots[n.first_child + k]);
        }
        continue;
      }
      if (n.op == expr::Op::name) use(n.slot);
      for (std::uint32_t k = 0; k < n.child_count; ++k) nodes.push_back(e.child(n, k));
    }
  };
  while (!outputs.empty()) {
    const auto oi = outputs.back();
    outputs.pop_back();
    if (seen[oi]) continue;
    seen[oi] = true;
    for (const auto& c : p.outputs[oi].candidates) {
      scan(c.expr);
      if (c.rollover) scan(*c.rollover);
      if (p.rules[c.rule].when) scan(*p.rules[c.rule].when);
      if (p.rules[c.rule].version_date) scan(*p.rules[c.rule].version_date);
    }
  }
  std::vector<std::uint32_t> facts;
  for (std::uint32_t f = 0; f < needed_fact.size(); ++f) {
    if (needed_fact[f]) facts.push_back(f);
  }
  return facts;
}

std::vector<std::uint32_t> Engine::inputs_read(std::uint32_t output) const {
  const auto& p = *pack_;
  std::vector<bool> read(p.slot_count, false);
  const auto input = [&](std::uint32_t slot) { return slot < p.output_base || slot == p.as_of_slot; };
  const auto scan = [&](const expr::Expr& e) {
    for (const auto& n : e.nodes) {
      if ((n.op == expr::Op::name || (n.op == expr::Op::call && n.fn == expr::Fn::has)) && input(n.slot)) {
        read[n.slot] = true;
      }
      if (n.op == expr::Op::literal && n.literal.kind == Kind::text) {
        for (std::uint32_t k = 0; k < n.child_count; ++k) {
          const auto slot = e.placeholder_slots[n.first_child + k];
          if (input(slot)) read[slot] = true;
        }
      }
    }
  };
  for (const auto oi : evaluation_order(std::span<const std::uint32_t>(&output, 1))) {
    for (const auto& c : p.outputs[oi].candidates) {
      scan(c.expr);
      if (c.rollover) scan(*c.rollover);
      if (p.rules[c.rule].when) scan(*p.rules[c.rule].when);
      if (p.rules[c.rule].version_date) scan(*p.rules[c.rule].version_date);
    }
  }
  std::vector<std::uint32_t> slots;
  for (std::uint32_t s = 0; s < p.slot_count; ++s) {
    if (read[s]) slots.push_back(s);
  }
  return slots;
}

std::vector<std::uint32_t> Engine::evaluation_order(std::span<const std::uint32_t> outputs) const {
  std::vector<bool> needed(pack_->outputs.size(), false);
  std::vector<std::uint32_t> stack(outputs.begin(), outputs.end());
  while (!stack.empty()) {
    const auto oi = stack.back();
    stack.pop_back();
    if (oi >= needed.size() || needed[oi]) continue;
    needed[oi] = true;
    for (const auto d : pack_->output_deps[oi]) stack.push_back(d);
  }
  std::vector<std::uint32_t> order;
  for (const auto oi : pack_->order) {
    if (needed[oi]) order.push_back(oi);
  }
  return order;
}

Value Engine::calculate(const expr::Expr& e, calendar::Date as_of, model::Outcome& scratch,
                        std::vector<model::TraceStep>* trace, source::Lang lang) const {
  prepare(*pack_, env_template_, as_of, scratch);
  expr::EvalContext ctx;
  ctx.env = scratch.env;
  ctx.list_arena = &scratch.list_arena;
  ctx.scratch = &scratch.scratch;
  ctx.errors = &scratch.errors;
  ctx.zone = &pack_->zone;
  ctx.holidays = &pack_->holidays;
  ctx.enums = pack_->policy.enums;
  ctx.slot_names = pack_->slot_names;
  ctx.trace = trace;
  ctx.lang = lang;
  ctx.zone_label = pack_->policy.header.timezone_label;
  return expr::evaluate(e, ctx);
}

EngineLoad load_engine(std::vector<loader::SourceFile> files, const std::optional<std::string>& params_path) {
  EngineLoad result;
  std::optional<loader::SourceFile> params;
  if (params_path) {
    std::error_code ec;
    std::ifstream in;
    if (std::filesystem::is_regular_file(*params_path, ec)) in.open(*params_path, std::ios::binary);
    if (!in.is_open()) {
      result.diagnostics.push_back(
          source::diagnostic_at("load_io", *params_path, {}, "cannot read parameters file " + *params_path,
                                "无法读取学校参数文件 " + *params_path));
      return result;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    params = loader::SourceFile{*params_path, ss.str()};
  }
  auto loaded = loader::load_pack(files, params);
  result.diagnostics = std::move(loaded.diagnostics);
  if (loaded.pack) result.engine = std::make_unique<Engine>(std::move(loaded.pack));
  return result;
}

}  // namespace rules::engine

namespace rules::engine {

std::variant<std::uint32_t, source::Diagnostic> Engine::name_output(std::string_view text, const std::string& code,
                                                                    const std::string& where) const {
  const auto& pack = *pack_;
  const std::string name(text);
  const auto oi = pack.find_output_by_name_or_label(text);
  // A label several outputs share (办理途径) names none of them: ask for the name.
  std::string sharing;
  if (oi && !model::equals_ascii_ci(pack.outputs[*oi].name, text)) {
    for (const auto& o : pack.outputs) {
      if (o.decl(pack.policy).label == text) sharing += (sharing.empty() ? "" : ", ") + o.name;
    }
  }
  if (sharing.find(',') != std::string::npos) {
    return source::diagnostic_at(code, where, {},
                                 "'" + name + "' is the label of several outputs (" + sharing + "): give the name of one",
                                 "“" + name + "”是多个结果项的名称（" + sharing + "）：请写其中一个的英文名");
  }
  if (!oi) {
    std::string known;
    for (const auto& o : pack.outputs) known += (known.empty() ? "" : ", ") + o.decl(pack.policy).label + " (" + o.name + ")";
    return source::diagnostic_at(code, where, {},
                                 "'" + name + "' is not an output of pack " + pack.policy.header.id + " (outputs: " + known + ")",
                                 "“" + name + "”不是政策包 " + pack.policy.header.id + " 的结果项（可选：" + known + "）");
  }
  return *oi;
}

std::variant<calendar::Date, source::Diagnostic> Engine::as_of_from_text(std::string_view text, const std::string& where) const {
  if (text.empty()) return today();
  // The spellings a roster and --set accept (2025年12月1日, 2025/12/1) as well as YYYY-MM-DD.
  calendar::Date read;
  std::string why;
  if (model::parse_date_text(text, {}, source::Lang::en, read, why)) return read;
  const auto d = calendar::parse_date(text);
  if (d) return *d;
  // The text may be anything a person typed, an ID number too: never quoted whole.
  return source::diagnostic_at(calendar::code_name(d.error().code), where, {}, model::mask_resident_ids_in(d.error().message),
                               model::mask_resident_ids_in(d.error().message_zh));
}

}  // namespace rules::engine
