// policy serve's API without the network: POST /v1/eval for the returning veteran (the body the
// load test sends, bench/serve-bench.sh), one request at a time on one core, and its parts.
// Run: make bench && build/bench/bench/serve_bench
#include <benchmark/benchmark.h>

#include "api.h"
#include "builtin_pack.h"

namespace {

const rules::engine::Engine& engine() {
  static const auto loaded = rules::engine::load_engine(policy_packs::builtin_cn_higher_ed_files(), std::nullopt);
  return *loaded.engine;
}

const char* const kVeteran =
    R"({"facts": {"discharge_date": "2026-06-15", "enlisted_as": "enrolled_student"}, "as_of": "2026-12-07", )"
    R"("outputs": ["retention_until", "reenroll_windows", "reenroll_deadline", "reenrolment_state", "reenrolment_guidance"]})";

void BM_ApiEvalVeteran(benchmark::State& state) {
  const policy_serve::Api api(engine(), {7, "bench", ""});
  for (auto _ : state) {
    auto r = api.eval(kVeteran);
    if (r.status != 200) state.SkipWithError("not 200");
    benchmark::DoNotOptimize(r.body.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ApiEvalVeteran);

void BM_ApiEvalQuestion(benchmark::State& state) {
  const policy_serve::Api api(engine(), {7, "bench", ""});
  for (auto _ : state) {
    auto r = api.eval(R"({"question": "enlistment", "facts": {"退役日期": "2026年6月15日", "入伍时身份": "在校生"}, "as_of": "2026-12-07"})");
    benchmark::DoNotOptimize(r.body.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ApiEvalQuestion);

}  // namespace

BENCHMARK_MAIN();
