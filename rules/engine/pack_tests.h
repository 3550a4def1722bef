#pragma once
/// Running a pack's own test cases ([[tests]]): each gives facts and an evaluation date, and
/// the outputs it expects. Used by `policy test` and by the project's tests.

#include <string>
#include <vector>

#include "engine/coverage.h"
#include "engine/engine.h"

namespace rules::engine {

/// The result of one test case.
struct PackTestResult {
  std::string name;
  source::Span span;
  std::vector<std::string> failures;  ///< "output: expected X, got Y"; empty when it passed
  std::vector<std::string> failures_zh;  ///< the same failures in Chinese, one for each of `failures`
  /// The rules (indices into Policy::rules, ascending, once each) whose outputs the case checked:
  /// for each expected output, the rule version that produced it, or its first version when none
  /// applied. How a pack author sees which rules their cases reach.
  std::vector<std::uint32_t> rules;
};

/// Runs every test case of the engine's pack. A case without `as_of` uses `default_as_of`.
/// Each case evaluates the outputs it checks and those they read (Engine::evaluation_order),
/// nothing else. With `coverage`, also records there what the cases reach (engine/coverage.h):
/// the same evaluations, observed.
std::vector<PackTestResult> run_pack_tests(const Engine& engine, calendar::Date default_as_of,
                                           PackCoverage* coverage = nullptr);

}  // namespace rules::engine
