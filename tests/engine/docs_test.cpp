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
                                                : explain::value_text({engine.policy(), engine.pack().zone}, scratch, v);
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
