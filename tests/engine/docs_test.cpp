// Runs the examples of docs/policy-language.md, so the documentation cannot drift from the engine:
// every `calc` line is evaluated against the built-in pack, every `# pack` TOML block is loaded
// and its [[tests]] run.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "builtin_pack.h"
#include "engine/engine.h"
#include "engine/pack_tests.h"
#include "explain/render.h"
#include "loader/load.h"

namespace rules::engine {
namespace {

struct Block {
  std::string lang;
  std::string text;
  int line = 0;
};

std::vector<Block> blocks_of(const std::string& path) {
  std::ifstream in(path);
  std::vector<Block> out;
  std::string line;
  int no = 0;
  Block* open = nullptr;
  while (std::getline(in, line)) {
    ++no;
    if (line.rfind("```", 0) == 0) {
      if (open) {
        open = nullptr;
      } else {
        out.push_back({line.substr(3), "", no + 1});
        open = &out.back();
      }
      continue;
    }
    if (open) open->text += line + "\n";
  }
  return out;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n')) s.pop_back();
  while (!s.empty() && s.front() == ' ') s.erase(0, 1);
  return s;
}

const std::string kDoc = std::string(POLICY_SOURCE_DIR) + "/docs/policy-language.md";

TEST(PolicyLanguageDoc, CalcExamplesHold) {
  auto files = policy_packs::builtin_cn_higher_ed_files();
  auto loaded = loader::load_pack(files);
  ASSERT_TRUE(loaded.ok());
  Engine engine(std::move(loaded.pack));
  const auto as_of = *calendar::parse_date("2026-01-01");
  int examples = 0;
  for (const auto& b : blocks_of(kDoc)) {
    if (b.lang != "calc") continue;
    std::istringstream lines(b.text);
    std::string line;
    int offset = 0;
    while (std::getline(lines, line)) {
      const int doc_line = b.line + offset++;
      const auto arrow = line.rfind("=>");
      if (arrow == std::string::npos) continue;
      const std::string expr = trim(line.substr(0, arrow));
      const std::string expected = trim(line.substr(arrow + 2));
      ++examples;
      std::vector<source::Diagnostic> diags;
      const auto e = loader::compile_standalone(engine.pack(), expr, "<doc>", diags);
      std::string actual;
      model::Outcome scratch;
      if (!e) {
        actual = "error:" + (diags.empty() ? std::string("?") : diags.front().code);
      } else {
        const auto v = engine.calculate(*e, as_of, scratch);
        actual = v.state == model::State::error ? "error:" + scratch.errors[v.error_index].code
                                                : explain::value_text({engine.policy(), engine.pack().zone, source::Lang::en, true}, scratch, v);
      }
      EXPECT_EQ(actual, expected) << "docs/policy-language.md:" << doc_line << ": " << expr;
    }
  }
  EXPECT_GE(examples, 30);
}

TEST(PolicyLanguageDoc, PackExamplesLoadAndPassTheirTests) {
  int packs = 0;
  for (const auto& b : blocks_of(kDoc)) {
    if (b.lang != "toml" || b.text.rfind("# pack", 0) != 0) continue;
    ++packs;
    const std::vector<loader::SourceFile> files{{"docs/policy-language.md:" + std::to_string(b.line), b.text}};
    auto loaded = loader::load_pack(files);
    for (const auto& d : loaded.diagnostics) ADD_FAILURE() << source::format_diagnostic(d);
    if (!loaded.ok()) continue;
    Engine engine(std::move(loaded.pack));
    const auto results = run_pack_tests(engine, *calendar::parse_date("2026-01-01"));
    EXPECT_FALSE(results.empty());
    for (const auto& r : results) {
      for (const auto& f : r.failures) ADD_FAILURE() << "pack at docs line " << b.line << ", test " << r.name << ": " << f;
    }
  }
  EXPECT_GE(packs, 2);
}

}  // namespace
}  // namespace rules::engine

namespace rules::engine {
namespace {

/// The cells of a Markdown table row ("| a | b |" -> {"a", "b"}).
std::vector<std::string> cells_of(const std::string& row) {
  std::vector<std::string> cells;
  std::size_t p = 1;
  while (p < row.size()) {
    const auto bar = row.find(" | ", p);
    const auto end = bar == std::string::npos ? row.rfind(" |") : bar;
    if (end == std::string::npos || end < p) break;
    cells.push_back(trim(row.substr(p, end - p)));
    if (bar == std::string::npos) break;
    p = bar + 2;
  }
  return cells;
}

// docs/cn-higher-ed.md maps every statement of the school's handbook to the rule that answers it
// and a test that checks it: the tests named there must exist, and every rule of the pack must be
// named in the document.
TEST(CnPackDoc, CoverageTableNamesTestsThatExistAndEveryRule) {
  auto loaded = loader::load_pack(policy_packs::builtin_cn_higher_ed_files());
  ASSERT_TRUE(loaded.ok());
  const auto& policy = loaded.pack->policy;
  std::ifstream in(std::string(POLICY_SOURCE_DIR) + "/docs/cn-higher-ed.md");
  std::stringstream whole;
  whole << in.rdbuf();
  const std::string doc = whole.str();
  for (const auto& rule : policy.rules) EXPECT_NE(doc.find("`" + rule.id + "`"), std::string::npos) << rule.id;
  std::istringstream lines(doc);
  std::string line;
  bool in_table = false;
  int rows = 0;
  while (std::getline(lines, line)) {
    if (line.rfind("| # | the handbook says", 0) == 0) in_table = true;
    if (!in_table) continue;
    if (line.empty()) break;
    const auto cells = cells_of(line);
    if (cells.size() != 4 || cells[0] == "#" || cells[0].rfind("---", 0) == 0) continue;
    ++rows;
    // A statement is answered by a rule of the pack, or one of its outputs.
    bool names_rule = false;
    for (const auto& rule : policy.rules) {
      names_rule = names_rule || cells[2].find("`" + rule.id + "`") != std::string::npos;
      for (const auto& o : rule.outputs) names_rule = names_rule || cells[2].find("`" + o.name + "`") != std::string::npos;
    }
    EXPECT_TRUE(names_rule) << "row " << cells[0] << " names no rule or output: " << cells[2];
    // Each test named (separated by "; ", possibly cut with "…") begins the name of a pack case.
    std::size_t p = 0;
    while (p <= cells[3].size()) {
      auto q = cells[3].find("; ", p);
      if (q == std::string::npos) q = cells[3].size();
      std::string name = trim(cells[3].substr(p, q - p));
      p = q + 2;
      if (name == "guard" || name.rfind("as ", 0) == 0) continue;
      for (const std::string cut : {" …", "…"}) {
        if (name.size() >= cut.size() && name.compare(name.size() - cut.size(), cut.size(), cut) == 0) name.resize(name.size() - cut.size());
      }
      name = trim(name);
      if (name.rfind("windows: … (", 0) == 0 || name.rfind("state 1 / state 2", 0) == 0) continue;
      bool found = false;
      for (const auto& tc : policy.tests) found = found || tc.name.rfind(name, 0) == 0;
      EXPECT_TRUE(found) << "row " << cells[0] << " names a test that does not exist: '" << name << "'";
    }
  }
  EXPECT_GE(rows, 61);
}

}  // namespace
}  // namespace rules::engine
