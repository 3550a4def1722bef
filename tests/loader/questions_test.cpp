// [[questions]] (what people ask and the outputs that answer it) and a fact's `help`, as loaded.
// Their diagnostics are bad packs under tests/packs/bad (load_unknown_output, *_question*,
// *_fact_help*).

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "loader/load.h"
#include "model/policy.h"

namespace rules::loader {
namespace {

LoadResult load_good(const std::string& name) {
  std::vector<source::Diagnostic> io;
  const auto files = read_pack_files(std::string(POLICY_TEST_PACKS_DIR) + "/good/" + name, io);
  EXPECT_TRUE(io.empty());
  return load_pack(files);
}

TEST(Questions, LoadInTheOrderWrittenWithTheirOutputsResolved) {
  const auto r = load_good("questions.toml");
  ASSERT_TRUE(r.ok()) << (r.diagnostics.empty() ? "" : source::format_diagnostic(r.diagnostics[0]));
  const auto& pack = *r.pack;
  const auto& qs = pack.policy.questions;
  ASSERT_EQ(qs.size(), 2u);
  ASSERT_EQ(pack.questions.size(), qs.size());

  EXPECT_EQ(qs[0].id, "retention");
  EXPECT_EQ(qs[0].label, "退役后学籍保留到什么时候？");
  EXPECT_EQ(qs[0].source, "问题5");
  EXPECT_EQ(qs[0].outputs, (std::vector<std::string>{"retention_note", "retention_until", "office_contact"}));
  EXPECT_EQ(qs[0].span.file, std::string(POLICY_TEST_PACKS_DIR) + "/good/questions.toml");
  EXPECT_EQ(qs[0].span.begin.line, 56u);  // its [[questions]] header
  EXPECT_EQ(qs[1].id, "contact");
  EXPECT_EQ(qs[1].outputs, std::vector<std::string>{"office_contact"});
  EXPECT_EQ(qs[1].span.begin.line, 62u);
  // ask and given: names as written, facts resolved to their indices; absent: empty.
  EXPECT_TRUE(qs[0].ask.empty());
  EXPECT_TRUE(qs[0].given.empty());
  EXPECT_EQ(qs[1].ask, (std::vector<std::string>{"enlisted_as", "discharge_date"}));
  EXPECT_EQ(pack.questions[1].ask, (std::vector<std::uint32_t>{*pack.find_fact("enlisted_as"), *pack.find_fact("discharge_date")}));
  ASSERT_EQ(qs[1].given.size(), 1u);
  EXPECT_EQ(qs[1].given[0], (std::pair<std::string, std::string>{"enlisted_as", "在校生"}));
  EXPECT_EQ(pack.questions[1].given, std::vector<std::uint32_t>{*pack.find_fact("enlisted_as")});

  // The compiled indices name the same outputs, in the same order.
  for (std::size_t q = 0; q < qs.size(); ++q) {
    ASSERT_EQ(pack.questions[q].outputs.size(), qs[q].outputs.size()) << qs[q].id;
    for (std::size_t i = 0; i < qs[q].outputs.size(); ++i) {
      const auto oi = pack.questions[q].outputs[i];
      ASSERT_LT(oi, pack.outputs.size());
      EXPECT_EQ(pack.outputs[oi].name, qs[q].outputs[i]) << qs[q].id;
      EXPECT_EQ(pack.find_output(qs[q].outputs[i]), oi);
    }
  }
}

TEST(Questions, APackWithoutQuestionsHasNone) {
  const auto r = load_good("versions.toml");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.pack->policy.questions.empty());
  EXPECT_TRUE(r.pack->questions.empty());
}

TEST(FactHelp, IsReadAsWrittenAndEmptyWhenAbsent) {
  const auto r = load_good("questions.toml");
  ASSERT_TRUE(r.ok());
  const auto& facts = r.pack->policy.facts;
  ASSERT_EQ(facts.size(), 2u);
  EXPECT_EQ(facts[0].name, "discharge_date");
  EXPECT_EQ(facts[0].help, "退役证上的退役日期");
  EXPECT_EQ(facts[0].description, "Date of discharge.");  // the authors' note stays apart
  EXPECT_EQ(facts[1].name, "enlisted_as");
  EXPECT_EQ(facts[1].help, "");
}

}  // namespace
}  // namespace rules::loader
