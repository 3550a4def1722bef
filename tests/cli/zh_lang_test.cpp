// The language of a run: the pack's (中文 for cn-higher-ed) unless --lang or POLICY_LANG says otherwise.
#include "harness.h"

namespace {

TEST(Lang, DiagnosticsFollowThePackLanguageUnlessAsked) {
  const auto zh = run({"eval", "--set", "no_such_fact=1"});
  EXPECT_EQ(zh.code, 1) << zh.describe();
  EXPECT_TRUE(contains(zh.err, "错误[situation_unknown_fact]")) << zh.describe();
  const auto en = run({"eval", "--set", "no_such_fact=1", "--lang", "en"});
  EXPECT_EQ(en.code, 1) << en.describe();
  EXPECT_TRUE(contains(en.err, "error[situation_unknown_fact]")) << en.describe();
  const auto env = run({"eval", "--set", "no_such_fact=1"}, {"", {{"POLICY_LANG", "en"}}});
  EXPECT_TRUE(contains(env.err, "error[situation_unknown_fact]")) << env.describe();
  // --lang wins over the environment.
  const auto both = run({"eval", "--set", "no_such_fact=1", "--lang", "zh"}, {"", {{"POLICY_LANG", "en"}}});
  EXPECT_TRUE(contains(both.err, "错误[situation_unknown_fact]")) << both.describe();
}

TEST(Lang, ABadPolicyLangIsAUsageError) {
  const auto r = run({"facts"}, {"", {{"POLICY_LANG", "fr"}}});
  EXPECT_EQ(r.code, 2) << r.describe();
  EXPECT_TRUE(contains(r.err, "POLICY_LANG")) << r.describe();
}

}  // namespace
