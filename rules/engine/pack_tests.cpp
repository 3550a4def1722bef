#include "engine/pack_tests.h"

#include <algorithm>
#include <optional>

#include "explain/render.h"
#include "model/format.h"
#include "model/value_parse.h"

namespace rules::engine {

std::vector<PackTestResult> run_pack_tests(const Engine& engine, calendar::Date default_as_of,
                                           PackCoverage* coverage) {
  const auto& pack = engine.pack();
  const auto& policy = engine.policy();
  std::vector<PackTestResult> results;
  model::Outcome out;
  std::optional<CoverageRecorder> recorder;
  if (coverage) recorder.emplace(engine);
  // Expected texts are written in the stable prose form (ISO dates), as JSON gives them.
  const explain::RenderContext ctx{policy, pack.zone, source::Lang::zh, true};
  for (const auto& tc : policy.tests) {
    PackTestResult r{tc.name, tc.span, {}, {}, {}};
    auto situation = engine.new_situation();
    for (const auto& [name, text] : tc.facts) {
      const auto fi = pack.find_fact(name);
      model::Value v;
      std::string why;
      // The loader has validated the values; a failure here would be a loader bug, so say so.
      if (!fi || !model::parse_value(text, policy.facts[*fi].type, policy.enums, v, why)) {
        r.failures.push_back("fact " + name + ": " + why);
        r.failures_zh.push_back("事实 " + name + " 的值无法读取（加载时本应报告）：" + text);
        continue;
      }
      situation.set(*fi, v);
    }
    std::vector<std::pair<std::uint32_t, model::Value>> params;
    for (const auto& [name, text] : tc.params) {
      const auto& ps = policy.parameters;
      for (std::uint32_t i = 0; i < ps.size(); ++i) {
        model::Value v;
        std::string why;
        if (ps[i].name == name && model::parse_value(text, ps[i].type, policy.enums, v, why)) params.emplace_back(i, v);
      }
    }
    // The outputs the case checks (the loader has checked their names), and what they read: what
    // is evaluated, so that coverage counts only what a checked value rests on.
    std::vector<std::uint32_t> checked;
    for (const auto& [name, expected] : tc.expect) {
      if (const auto oi = pack.find_output(name)) checked.push_back(*oi);
    }
    const auto order = engine.evaluation_order(checked);
    EvalOptions options;
    options.parameters = params;
    options.only = &order;
    if (recorder) options.observer = &*recorder;
    engine.evaluate(situation, tc.as_of.value_or(default_as_of), out, options);
    if (recorder) recorder->record_case(out, checked);
    for (const auto& [name, expected] : tc.expect) {
      const auto oi = pack.find_output(name);
      if (!oi) continue;
      r.rules.push_back(out.output_sources[*oi].rule);
      const model::Value& v = out.output(*oi);
      std::string actual;
      if (v.known()) {
        actual = v.kind == model::Kind::text ? explain::fill_template(ctx, out, v.str(), true)
                                             : model::format_value(v, {policy.enums, out.list_arena, false});
      } else if (v.state == model::State::error) {
        actual = "error[" + out.errors[v.error_index].code + "]";
      } else {
        actual = "null";
      }
      if (actual != expected) {
        r.failures.push_back(name + ": expected " + expected + ", got " + actual);
        r.failures_zh.push_back(name + "：期望 " + expected + "，实际为 " + actual);
      }
    }
    std::sort(r.rules.begin(), r.rules.end());
    r.rules.erase(std::unique(r.rules.begin(), r.rules.end()), r.rules.end());
    results.push_back(std::move(r));
  }
  if (coverage) *coverage = recorder->report();
  return results;
}

}  // namespace rules::engine
