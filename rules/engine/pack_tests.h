#pragma once
/// Running a pack's own test cases ([[tests]]): each gives facts and an evaluation date, and
/// the outputs it expects. Used by `policy test` and by the project's tests.

#include <string>
#include <vector>

#include "engine/engine.h"

namespace rules::engine {

/// The result of one test case.
struct PackTestResult {
  std::string name;
  source::Span span;
  std::vector<std::string> failures;  ///< "output: expected X, got Y"; empty when it passed
};

/// Runs every test case of the engine's pack. A case without `as_of` uses `default_as_of`.
std::vector<PackTestResult> run_pack_tests(const Engine& engine, calendar::Date default_as_of);

}  // namespace rules::engine
