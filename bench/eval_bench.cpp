// Evaluation speed of the built-in CN pack, one situation at a time, on one core.
// Run: make bench && build/bench/bench/eval_bench
#include <benchmark/benchmark.h>

#include "builtin_pack.h"
#include "engine/engine.h"
#include "loader/situation_reader.h"

namespace {

rules::engine::Engine load_builtin() {
  auto files = policy_packs::builtin_cn_higher_ed_files();
  auto r = rules::loader::load_pack(files);
  if (!r.ok()) std::abort();
  return rules::engine::Engine(std::move(r.pack));
}

rules::model::Situation situation(const rules::engine::Engine& e, std::initializer_list<const char*> sets) {
  auto s = e.new_situation();
  std::vector<rules::source::Diagnostic> diags;
  for (const char* set : sets) rules::loader::set_fact(e.pack(), set, s, diags);
  if (!diags.empty()) std::abort();
  return s;
}

/// Evaluates `s` as of 2025-12-01 once per benchmark iteration, reusing one Outcome.
void evaluate_repeatedly(benchmark::State& state, const rules::engine::Engine& engine, const rules::model::Situation& s,
                         const rules::engine::EvalOptions& options = {}) {
  const auto as_of = *rules::calendar::parse_date("2025-12-01");
  rules::model::Outcome out;
  for (auto _ : state) {
    engine.evaluate(s, as_of, out, options);
    benchmark::DoNotOptimize(out.env.data());
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_EvaluateAllFacts(benchmark::State& state) {
  const auto engine = load_builtin();
  evaluate_repeatedly(state, engine,
                      situation(engine, {"discharge_date=2025-06-15", "enlisted_as=enrolled_student",
                                         "certificate_issue_date=2025-06-30", "admission_date=2025-07-20"}));
}
BENCHMARK(BM_EvaluateAllFacts);

void BM_EvaluateMissingFacts(benchmark::State& state) {
  const auto engine = load_builtin();
  evaluate_repeatedly(state, engine, situation(engine, {"enlisted_as=new_student"}));
}
BENCHMARK(BM_EvaluateMissingFacts);

// What policy batch does by default: only the outputs that are not guidance prose (and what
// they read), for a roster-like situation.
/// The outputs policy batch writes by default (all but guidance prose), in evaluation order.
std::vector<std::uint32_t> batch_order(const rules::engine::Engine& engine) {
  std::vector<std::uint32_t> wanted;
  for (std::uint32_t i = 0; i < engine.pack().outputs.size(); ++i) {
    if (engine.pack().outputs[i].decl(engine.policy()).type.kind != rules::model::Kind::text) wanted.push_back(i);
  }
  return engine.evaluation_order(wanted);
}

// `remembered`: with a memo whose groups have all seen these inputs (engine/memo.h), the cost of
// a roster row whose dates repeat an earlier row's, which is most rows of a cohort.
// `tracking`: computed, recording the facts each output read (EvalOptions::track_reads), as
// batch's CSV does for the columns whose text it has not seen yet: without complete lists of
// missing facts (EvalOptions::complete_missing), which it does not write.
// `short_lists`: computed without complete lists, not tracking: against `computed`, the cost of
// complete lists (undecided ifs evaluate both branches, undecided rules their outputs).
enum class Mode { computed, short_lists, remembered, tracking };
void BM_EvaluateBatchOutputs(benchmark::State& state, Mode mode) {
  const auto engine = load_builtin();
  const auto order = batch_order(engine);
  rules::engine::Memo memo(engine.memo_plan());
  rules::engine::EvalOptions options;
  options.only = &order;
  if (mode == Mode::remembered) options.memo = &memo;
  options.track_reads = mode == Mode::tracking;
  options.complete_missing = mode != Mode::tracking && mode != Mode::short_lists;
  evaluate_repeatedly(state, engine,
                      situation(engine, {"enlisted_as=new_student", "certificate_issue_date=2018-06-22",
                                         "admission_date=2013-08-25"}),
                      options);
}
BENCHMARK_CAPTURE(BM_EvaluateBatchOutputs, computed, Mode::computed);
BENCHMARK_CAPTURE(BM_EvaluateBatchOutputs, short_lists, Mode::short_lists);
BENCHMARK_CAPTURE(BM_EvaluateBatchOutputs, remembered, Mode::remembered);
BENCHMARK_CAPTURE(BM_EvaluateBatchOutputs, tracking, Mode::tracking);

void BM_EvaluateWithExplanation(benchmark::State& state) {
  const auto engine = load_builtin();
  evaluate_repeatedly(state, engine, situation(engine, {"discharge_date=2025-06-15", "certificate_issue_date=2025-06-30"}),
                      rules::engine::EvalOptions::explaining(true));
}
BENCHMARK(BM_EvaluateWithExplanation);

void BM_LoadPack(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(load_builtin());
}
BENCHMARK(BM_LoadPack);

}  // namespace

BENCHMARK_MAIN();
