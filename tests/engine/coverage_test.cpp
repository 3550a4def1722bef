// policy test --coverage: what a pack's cases reach, on tests/packs/good/coverage.toml (a rule
// never applying, an output never asked, a version's first day and the day before it missed,
// branches not taken), by exact position; and the observer changing no result.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "builtin_pack.h"
#include "engine/coverage.h"
#include "engine/pack_tests.h"
#include "loader/load.h"

namespace rules::engine {
namespace {

std::unique_ptr<Engine> load_file(const std::string& path) {
  std::vector<source::Diagnostic> diags;
  auto files = loader::read_pack_files(path, diags);
  for (const auto& d : diags) ADD_FAILURE() << source::format_diagnostic(d);
  auto loaded = loader::load_pack(files);
  for (const auto& d : loaded.diagnostics) ADD_FAILURE() << source::format_diagnostic(d);
  if (!loaded.pack) return nullptr;
  return std::make_unique<Engine>(std::move(loaded.pack));
}

const char* kind_name(CoverageKind k) {
  switch (k) {
    case CoverageKind::rule: return "rule";
    case CoverageKind::output: return "output";
    case CoverageKind::version: return "version";
    case CoverageKind::branch: return "branch";
  }
  return "?";
}

/// The items no case reaches, as "line:col kind: description".
std::vector<std::string> unreached(const PackCoverage& c, const std::string& file) {
  std::vector<std::string> out;
  for (const auto& item : c.items) {
    if (item.reached) continue;
    EXPECT_EQ(item.where.file, file);
    out.push_back(std::to_string(item.where.begin.line) + ":" + std::to_string(item.where.begin.column) + " " +
                  kind_name(item.kind) + ": " + item.description);
  }
  return out;
}

TEST(Coverage, ListsWhatNoCaseReachesByPosition) {
  const std::string file = std::string(POLICY_TEST_PACKS_DIR) + "/good/coverage.toml";
  auto engine = load_file(file);
  ASSERT_TRUE(engine);
  PackCoverage c;
  const auto results = run_pack_tests(*engine, *calendar::parse_date("2026-01-01"), &c);
  ASSERT_EQ(results.size(), 2u);
  for (const auto& r : results) EXPECT_TRUE(r.failures.empty()) << r.name;
  const std::vector<std::string> expected = {
      "25:21 version: rule old_order, first day in force 2005-09-01: no case has this version date",
      "25:21 version: rule old_order, the day before it is in force 2005-08-31: no case has this version date",
      "30:11 branch: `if` true, its `then` branch: no case takes it",
      "45:18 output: output note of rule new_order: no case checks a value it computes",
      "48:11 branch: `if` true, its `then` branch: no case takes it",
      "48:11 branch: `if` false, its `else` branch: no case takes it",
      "54:1 rule: rule never_applies: no case makes it apply",
      "57:8 branch: when of rule never_applies true: no case takes it",
      "58:18 output: output ancient of rule never_applies: no case checks a value it computes",
  };
  EXPECT_EQ(unreached(c, file), expected);
  const auto rules = c.count(CoverageKind::rule);
  const auto outputs = c.count(CoverageKind::output);
  const auto versions = c.count(CoverageKind::version);
  const auto branches = c.count(CoverageKind::branch);
  EXPECT_EQ(rules.reached, 2u);
  EXPECT_EQ(rules.total, 3u);
  EXPECT_EQ(rules.tenths(), 666u);  // 66.6%: rounded down
  EXPECT_EQ(outputs.reached, 2u);
  EXPECT_EQ(outputs.total, 4u);
  EXPECT_EQ(outputs.tenths(), 500u);
  EXPECT_EQ(versions.reached, 4u);
  EXPECT_EQ(versions.total, 6u);
  EXPECT_EQ(versions.tenths(), 666u);
  EXPECT_EQ(branches.reached, 2u);
  EXPECT_EQ(branches.total, 6u);
  EXPECT_EQ(branches.tenths(), 333u);
  EXPECT_TRUE(outputs.meets(50.0));
  EXPECT_FALSE(outputs.meets(50.1));
  EXPECT_FALSE(rules.meets(66.7));  // 2/3 is 66.66…%: not rounded up to pass
  EXPECT_TRUE(rules.meets(66.6));
  // Every item has a Chinese description too.
  for (const auto& item : c.items) EXPECT_FALSE(item.description_zh.empty()) << item.description;
}

TEST(Coverage, NoItemCountsAsEverythingReached) {
  const CoverageCount none;
  EXPECT_EQ(none.tenths(), 1000u);
  EXPECT_TRUE(none.meets(100.0));
}

// Branches evaluated only to list the facts an unknown value waits for are not taken: the
// branches of an `if` on an unknown fact (evaluated for their missing facts), and an output's
// expression while its rule's `when` is unknown.
TEST(Coverage, BranchesOfUndecidedValuesAreNotTaken) {
  const std::string pack = R"([policy]
id = "undecided"
title = "Undecided"
version = "1"
timezone = "Asia/Shanghai"
date_convention = "prc-civil-code"
[facts.a]
type = "bool"
label = "甲"
description = "a"
[facts.b]
type = "bool"
label = "乙"
description = "b"
[facts.c]
type = "bool"
label = "丙"
description = "c"
[[rules]]
id = "r"
title = "规则"
when = "c"
  [rules.outputs.x]
  type = "integer"
  label = "x"
  expr = "if a then (if b then 1 else 2) else 3"
  [[rules.citations]]
  document = "D"
  article = "1"
  summary = "S"
[[tests]]
name = "a unknown: neither branch of the outer if, nor of the inner one"
as_of = 2026-01-01
facts = { b = true, c = true }
expect_unknown = ["x"]
[[tests]]
name = "c unknown: the expression is evaluated only for the facts it waits for"
as_of = 2026-01-01
facts = { a = true, b = true }
expect_unknown = ["x"]
)";
  const loader::SourceFile files[] = {{"undecided.toml", pack}};
  auto loaded = loader::load_pack(files);
  for (const auto& d : loaded.diagnostics) ADD_FAILURE() << source::format_diagnostic(d);
  ASSERT_TRUE(loaded.pack);
  Engine engine(std::move(loaded.pack));
  PackCoverage c;
  const auto results = run_pack_tests(engine, *calendar::parse_date("2026-01-01"), &c);
  for (const auto& r : results) EXPECT_TRUE(r.failures.empty()) << r.name;
  const std::vector<std::string> expected = {
      "22:8 branch: when of rule r false: no case takes it",
      "26:11 branch: `if` true, its `then` branch: no case takes it",
      "26:11 branch: `if` false, its `else` branch: no case takes it",
      "26:22 branch: `if` true, its `then` branch: no case takes it",
      "26:22 branch: `if` false, its `else` branch: no case takes it",
  };
  EXPECT_EQ(unreached(c, "undecided.toml"), expected);
  // The first case makes r apply (c true) and checks x, a value its version computed (unknown).
  EXPECT_EQ(c.count(CoverageKind::rule).reached, 1u);
  EXPECT_EQ(c.count(CoverageKind::output).reached, 1u);
}

// The observer only watches: the built-in pack's cases give the same results with and without it.
TEST(Coverage, ObservingChangesNoResult) {
  Engine engine(loader::load_pack(policy_packs::builtin_cn_higher_ed_files()).pack);
  const auto as_of = *calendar::parse_date("2026-01-01");
  const auto plain = run_pack_tests(engine, as_of);
  PackCoverage c;
  const auto observed = run_pack_tests(engine, as_of, &c);
  ASSERT_EQ(plain.size(), observed.size());
  for (std::size_t i = 0; i < plain.size(); ++i) {
    EXPECT_EQ(plain[i].failures, observed[i].failures) << plain[i].name;
    EXPECT_EQ(plain[i].rules, observed[i].rules) << plain[i].name;
  }
  EXPECT_FALSE(c.items.empty());
}

// The built-in pack's cases reach every rule, output and version boundary day (what `make test`
// requires of it with --threshold 100); each item missed is named.
TEST(Coverage, BuiltinPackReachesEveryRuleOutputAndVersion) {
  Engine engine(loader::load_pack(policy_packs::builtin_cn_higher_ed_files()).pack);
  PackCoverage c;
  run_pack_tests(engine, *calendar::parse_date("2026-01-01"), &c);
  for (const auto& item : c.items) {
    if (item.kind == CoverageKind::branch || item.reached) continue;
    ADD_FAILURE() << item.where.file << ":" << item.where.begin.line << ": " << item.description;
  }
}

}  // namespace
}  // namespace rules::engine
