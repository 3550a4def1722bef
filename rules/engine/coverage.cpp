#include "engine/coverage.h"

#include <algorithm>
#include <tuple>

namespace rules::engine {

CoverageCount PackCoverage::count(CoverageKind kind) const {
  CoverageCount c;
  for (const auto& item : items) {
    if (item.kind != kind) continue;
    ++c.total;
    if (item.reached) ++c.reached;
  }
  return c;
}

CoverageRecorder::CoverageRecorder(const Engine& engine) {
  const auto& pack = engine.pack();
  const auto& policy = pack.policy;
  rules_.resize(policy.rules.size());
  output_item_.resize(policy.rules.size());
  for (std::uint32_t r = 0; r < policy.rules.size(); ++r) {
    const auto& rule = policy.rules[r];
    const auto& cr = pack.rules[r];
    auto& items = rules_[r];
    rule_item_.push_back(add(CoverageKind::rule, rule.span, "rule " + rule.id + ": no case makes it apply",
                             "规则 " + rule.id + "：没有用例使它适用"));
    for (const auto& o : rule.outputs) {
      output_item_[r].push_back(add(CoverageKind::output, o.span,
                                    "output " + o.name + " of rule " + rule.id + ": no case checks a value it computes",
                                    "规则 " + rule.id + " 的结果项 " + o.name + "：没有用例检查它算出的值"));
    }
    if (rule.when) {
      items.when_true = add(CoverageKind::branch, rule.when->span, "when of rule " + rule.id + " true: no case takes it",
                            "规则 " + rule.id + " 的 when 为真：没有用例走到");
      add(CoverageKind::branch, rule.when->span, "when of rule " + rule.id + " false: no case takes it",
          "规则 " + rule.id + " 的 when 为假：没有用例走到");
      items.when_false = items.when_true + 1;
      add_ifs(*cr.when, *rule.when);
    }
    if (rule.in_force) {
      // A version's boundaries, tested from both sides: the first day in force and the day before
      // it, the last day in force and the day after it (where the next version, or none, takes over).
      const auto& f = *rule.in_force;
      const auto boundary = [&](calendar::Date day, const source::Span& at, const char* en, const char* zh) {
        const std::string d = calendar::format_date(day);
        return add(CoverageKind::version, at,
                   "rule " + rule.id + ", " + en + " " + d + ": no case has this version date",
                   "规则 " + rule.id + " " + zh + " " + d + "：没有用例的版本日期是这一天");
      };
      if (f.from) {
        items.first = *f.from;
        items.first_item = boundary(*f.from, f.from_span, "first day in force", "施行首日");
        if (const auto before = calendar::add_days(*f.from, -1)) {
          items.before = *before;
          items.before_item = boundary(*before, f.from_span, "the day before it is in force", "施行前一日");
        }
      }
      if (f.until) {
        items.last = *f.until;
        items.last_item = boundary(*f.until, f.until_span, "last day in force", "施行末日");
        if (const auto after = calendar::add_days(*f.until, 1)) {
          items.after = *after;
          items.after_item = boundary(*after, f.until_span, "the day after it ends", "失效后首日");
        }
      }
    }
    if (cr.version_date) add_ifs(*cr.version_date, *rule.version_date);
  }
  for (const auto& co : pack.outputs) {
    for (const auto& c : co.candidates) {
      const auto& decl = policy.rules[c.rule].outputs[c.rule_output];
      add_ifs(c.expr, decl.expr);
      if (c.rollover && decl.rollover) add_ifs(*c.rollover, *decl.rollover);
    }
  }
}

std::size_t CoverageRecorder::add(CoverageKind kind, source::Span where, std::string description,
                                  std::string description_zh) {
  coverage_.items.push_back({kind, std::move(where), std::move(description), std::move(description_zh), false});
  return coverage_.items.size() - 1;
}

void CoverageRecorder::add_ifs(const expr::Expr& e, const model::ExprSource& source) {
  auto& nodes = if_items_[&e];
  nodes.assign(e.nodes.size(), kNone);
  for (std::uint32_t i = 0; i < e.nodes.size(); ++i) {
    const auto& n = e.nodes[i];
    if (n.op != expr::Op::if_) continue;
    // The `if` keyword's position in the file (escapes and multi-line strings mapped by the
    // loader); a parenthesized `if` node begins at its parenthesis.
    std::uint32_t begin = n.begin;
    while (begin < n.end && begin < e.text.size() && (e.text[begin] == '(' || e.text[begin] == ' ' ||
                                                       e.text[begin] == '\t' || e.text[begin] == '\n' || e.text[begin] == '\r')) {
      ++begin;
    }
    source::Span at{source.span.file, source.span.begin, source.span.begin};
    if (begin < source.positions.size()) at.begin = at.end = source.positions[begin];
    nodes[i] = add(CoverageKind::branch, at, "`if` true, its `then` branch: no case takes it",
                   "if 的条件为真（then 分支）：没有用例走到");
    add(CoverageKind::branch, at, "`if` false, its `else` branch: no case takes it",
        "if 的条件为假（else 分支）：没有用例走到");
  }
}

void CoverageRecorder::if_taken(const expr::Expr& e, std::uint32_t node, bool then_branch) {
  const auto it = if_items_.find(&e);
  if (it == if_items_.end() || node >= it->second.size() || it->second[node] == kNone) return;
  coverage_.items[it->second[node] + (then_branch ? 0 : 1)].reached = true;
}

void CoverageRecorder::version_date(std::uint32_t rule, calendar::Date date) {
  if (rule >= rules_.size()) return;
  auto& r = rules_[rule];
  const auto mark = [&](std::size_t item, calendar::Date day) {
    if (item != kNone && day == date) coverage_.items[item].reached = true;
  };
  mark(r.first_item, r.first);
  mark(r.before_item, r.before);
  mark(r.last_item, r.last);
  mark(r.after_item, r.after);
}

void CoverageRecorder::when_decided(std::uint32_t rule, bool holds) {
  if (rule >= rules_.size() || rules_[rule].when_true == kNone) return;
  coverage_.items[holds ? rules_[rule].when_true : rules_[rule].when_false].reached = true;
}

void CoverageRecorder::record_case(const model::Outcome& out, std::span<const std::uint32_t> checked) {
  const auto applied = [&](std::uint32_t r) {
    if (r >= out.rules.size()) return false;
    const auto& ro = out.rules[r];
    return ro.evaluated && ro.applies.known() && ro.applies.boolean;
  };
  for (std::uint32_t r = 0; r < rule_item_.size(); ++r) {
    if (applied(r)) coverage_.items[rule_item_[r]].reached = true;
  }
  for (const auto oi : checked) {
    if (oi >= out.output_sources.size()) continue;
    const auto& src = out.output_sources[oi];
    if (applied(src.rule) && src.rule_output < output_item_[src.rule].size()) {
      coverage_.items[output_item_[src.rule][src.rule_output]].reached = true;
    }
  }
}

PackCoverage CoverageRecorder::report() const {
  PackCoverage r = coverage_;
  std::stable_sort(r.items.begin(), r.items.end(), [](const CoverageItem& a, const CoverageItem& b) {
    return std::tie(a.where.file, a.where.begin, a.kind) < std::tie(b.where.file, b.where.begin, b.kind);
  });
  return r;
}

}  // namespace rules::engine
