// policy test --coverage in Chinese, the pack's language (tests/packs/good/coverage.toml declares
// none, so Chinese): the counts, the items no case reaches by file:line:col, the threshold line.
#include "harness.h"

namespace {

TEST(ZhCoverage, ReportAndThresholdInChinese) {
  const auto pack = (source_dir() / "tests" / "packs" / "good" / "coverage.toml").string();
  const auto r = run({"test", "--policy", pack, "--coverage", "--threshold", "100"});
  EXPECT_EQ(r.code, 1) << r.describe();
  const std::string report =
      "通过 2 个，失败 0 个\n"
      "覆盖率（用例走到的部分）：\n"
      "  规则：2/3  66.6%\n"
      "  结果项：2/4  50.0%\n"
      "  版本边界日：4/6  66.6%\n"
      "  分支（when 与 if）：2/6  33.3%（只报告，不计入 --threshold）\n"
      "没有用例走到：\n"
      "  " + pack + ":25:21: 规则 old_order 施行首日 2005-09-01：没有用例的版本日期是这一天\n"
      "  " + pack + ":25:21: 规则 old_order 施行前一日 2005-08-31：没有用例的版本日期是这一天\n"
      "  " + pack + ":30:11: if 的条件为真（then 分支）：没有用例走到\n"
      "  " + pack + ":45:18: 规则 new_order 的结果项 note：没有用例检查它算出的值\n"
      "  " + pack + ":48:11: if 的条件为真（then 分支）：没有用例走到\n"
      "  " + pack + ":48:11: if 的条件为假（else 分支）：没有用例走到\n"
      "  " + pack + ":54:1: 规则 never_applies：没有用例使它适用\n"
      "  " + pack + ":57:8: 规则 never_applies 的 when 为真：没有用例走到\n"
      "  " + pack + ":58:18: 规则 never_applies 的结果项 ancient：没有用例检查它算出的值\n"
      "覆盖率低于阈值 100%：规则 66.6%，结果项 50.0%，版本边界日 66.6%\n";
  EXPECT_TRUE(r.out.ends_with(report)) << r.describe();
  // --lang en gives the English report.
  const auto en = run({"test", "--policy", pack, "--coverage", "--lang", "en"});
  EXPECT_EQ(en.code, 0) << en.describe();
  EXPECT_TRUE(contains(en.out, "\ncoverage (what the cases reach):\n  rules: 2/3  66.6%\n")) << en.describe();
}

// The built-in pack (zh-CN) reaches every rule, output and version boundary day.
TEST(ZhCoverage, BuiltinPackAtTheFullThreshold) {
  const auto r = run({"test", "--coverage", "--threshold", "100"});
  EXPECT_EQ(r.code, 0) << r.describe();
  EXPECT_TRUE(contains(r.out, "\n  规则：")) << r.describe();
  EXPECT_TRUE(contains(r.out, "\n  版本边界日：")) << r.describe();
  EXPECT_FALSE(contains(r.out, "覆盖率低于阈值")) << r.describe();
}

}  // namespace
