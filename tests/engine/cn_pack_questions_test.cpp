// The built-in pack's [[questions]] (questions.toml): the handbook's eleven questions, each once,
// each answered by outputs the pack has; and a Chinese help beside every fact (pack.toml).
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "builtin_pack.h"
#include "loader/load.h"

#include "../support/cjk.h"

namespace rules::loader {
namespace {

class BuiltinPack : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = load_pack(policy_packs::builtin_cn_higher_ed_files());
    for (const auto& d : r.diagnostics) ADD_FAILURE() << source::format_diagnostic(d);
    ASSERT_TRUE(r.ok());
    pack = std::move(r.pack);
  }
  std::unique_ptr<CompiledPack> pack;
};

TEST_F(BuiltinPack, HasTheHandbooksElevenQuestionsEachOnce) {
  const auto& qs = pack->policy.questions;
  ASSERT_EQ(qs.size(), 11u);
  std::vector<std::string> sources;
  for (const auto& q : qs) sources.push_back(q.source);
  std::vector<std::string> want;
  for (int i = 1; i <= 11; ++i) want.push_back("问题" + std::to_string(i));
  EXPECT_EQ(sources, want) << "in the handbook's order, each once";
  std::set<std::string> ids;
  for (const auto& q : qs) {
    EXPECT_TRUE(ids.insert(q.id).second) << q.id;
    EXPECT_TRUE(has_cjk(q.label)) << q.id << ": the label is the question in Chinese";
    EXPECT_TRUE(q.label.ends_with("？")) << q.id << ": " << q.label;
  }
}

TEST_F(BuiltinPack, EveryQuestionsOutputsExist) {
  ASSERT_EQ(pack->questions.size(), pack->policy.questions.size());
  for (std::size_t q = 0; q < pack->policy.questions.size(); ++q) {
    const auto& question = pack->policy.questions[q];
    ASSERT_FALSE(question.outputs.empty()) << question.id;
    ASSERT_EQ(pack->questions[q].outputs.size(), question.outputs.size()) << question.id;
    for (std::size_t i = 0; i < question.outputs.size(); ++i) {
      const auto oi = pack->find_output(question.outputs[i]);
      ASSERT_TRUE(oi.has_value()) << question.id << ": " << question.outputs[i];
      EXPECT_EQ(pack->questions[q].outputs[i], *oi) << question.id;
    }
  }
}

TEST_F(BuiltinPack, EveryOutputAnswersSomeQuestion) {
  // A new output that no question lists would never be shown on the page: list it where it belongs.
  std::set<std::uint32_t> listed;
  for (const auto& q : pack->questions) listed.insert(q.outputs.begin(), q.outputs.end());
  for (std::uint32_t i = 0; i < pack->outputs.size(); ++i) {
    EXPECT_TRUE(listed.count(i)) << pack->outputs[i].name << " answers no question of questions.toml";
  }
}

TEST_F(BuiltinPack, EveryFactHasAChineseHelp) {
  for (const auto& f : pack->policy.facts) {
    EXPECT_TRUE(has_cjk(f.help)) << f.name << ": help '" << f.help << "'";
    EXPECT_EQ(f.help.find('\n'), std::string::npos) << f.name << ": one line";
  }
}

}  // namespace
}  // namespace rules::loader
