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

TEST(Lang, UsageErrorsSayWhatIsWrongInChineseAndWhereTheHelpIs) {
  // The trial's registrar got CLI11's English only ("Value abc not in range 0 to 3650").
  const auto bad = run({"batch", "名单.xlsx", "--remind-days", "abc"});
  EXPECT_EQ(bad.code, 2) << bad.describe();
  EXPECT_EQ(lines_of(bad.err).at(0), "用法错误[usage]：--remind-days：“abc”不是 0 到 3650 之间的整数") << bad.describe();
  EXPECT_TRUE(contains(bad.err, "运行 policy batch --help 查看各选项")) << bad.describe();
  const auto twice = run({"batch", "名单.xlsx", "--sheet", "a", "--sheet", "b"});
  EXPECT_TRUE(contains(twice.err, "参数的个数不对（例如同一个选项给了两次）：--sheet")) << twice.describe();
  const auto unknown = run({"template", "-o", "t.xlsx", "--bogus"});
  EXPECT_EQ(unknown.code, 2) << unknown.describe();
  EXPECT_TRUE(contains(unknown.err, "有不认识的选项或多余的值")) << unknown.describe();
  EXPECT_TRUE(contains(unknown.err, "policy template --help")) << unknown.describe();
  // In English as asked.
  const auto en = run({"batch", "名单.xlsx", "--remind-days", "abc", "--lang", "en"});
  EXPECT_EQ(en.code, 2) << en.describe();
  EXPECT_FALSE(contains(en.err, "用法错误")) << en.describe();
  EXPECT_TRUE(contains(en.err, "--remind-days: Value abc not in range 0 to 3650")) << en.describe();
}

TEST(Lang, ABadPolicyLangIsAUsageError) {
  const auto r = run({"facts"}, {"", {{"POLICY_LANG", "fr"}}});
  EXPECT_EQ(r.code, 2) << r.describe();
  EXPECT_TRUE(contains(r.err, "POLICY_LANG")) << r.describe();
}

}  // namespace
