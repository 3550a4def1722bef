// A school's parameters (--params) are checked when loaded, and the messages are Chinese by
// default (the CN pack declares zh-CN): file:line:col, the code, the parameter and what to do.
// Also the Chinese summary lines of `policy check`, `policy test` and `policy facts`.
#include "harness.h"

namespace {

const std::vector<std::string> kEvalTail = {"--set", "discharge_date=2025-06-15", "--as-of", "2025-12-01"};

std::vector<std::string> eval_with(const std::string& params) {
  std::vector<std::string> args = {"eval", "--params", params};
  args.insert(args.end(), kEvalTail.begin(), kEvalTail.end());
  return args;
}

TEST(ZhParams, AReversedIntakePeriodIsRefusedInChinese) {
  TempDir tmp;
  const auto bad = tmp.write("bad.toml", "# 本校新生入学期\nintake_start = \"09-15\"\nintake_end = \"09-01\"\n");
  const auto r = run(eval_with(bad));
  EXPECT_EQ(r.code, 1) << r.describe();
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(contains(r.err, bad + ":3:14: 错误[load_bad_value]: 参数 intake_end（新生入学报到截止日）为 09-01，早于 "
                                    "intake_start（新生入学报到开始日）的 09-15：期间的结束不能早于开始"))
      << r.describe();
  EXPECT_TRUE(contains(r.err, "共 1 个错误")) << r.describe();
  // The same in English with --lang en.
  auto args = eval_with(bad);
  args.push_back("--lang");
  args.push_back("en");
  const auto en = run(args);
  EXPECT_EQ(en.code, 1) << en.describe();
  EXPECT_TRUE(contains(en.err, bad + ":3:14: error[load_bad_value]: parameter intake_end = 09-01 is before intake_start = "
                                     "09-15: the end of a period must not be before its start"))
      << en.describe();
}

TEST(ZhParams, AReversedRegistrationPeriodIsRefused) {
  TempDir tmp;
  const auto bad = tmp.write("bad.toml", "registration_start = \"11-01\"\n");
  const auto r = run(eval_with(bad));
  EXPECT_EQ(r.code, 1) << r.describe();
  // The file moved the start past the pack's end (10-31): reported at the start's value.
  EXPECT_TRUE(contains(r.err, bad + ":1:22: 错误[load_bad_value]: 参数 registration_end（新生学籍电子注册截止日）为 10-31，"
                                    "早于 registration_start（新生学籍电子注册开始日）的 11-01"))
      << r.describe();
}

TEST(ZhParams, February29IsNotADayOfEveryYear) {
  TempDir tmp;
  const auto bad = tmp.write("bad.toml", "intake_end = \"02-29\"\n");
  const auto r = run(eval_with(bad));
  EXPECT_EQ(r.code, 1) << r.describe();
  EXPECT_TRUE(contains(r.err, bad + ":1:14: 错误[load_bad_value]: 参数 intake_end（新生入学报到截止日）是每年都要用的月日，"
                                    "而2月29日在平年不存在：请改用 02-28 或 03-01"))
      << r.describe();
}

TEST(ZhParams, ARefusedValueIsNotComparedWithTheOtherEndsDefault) {
  // 02-29 is refused; 03-15 must not then be reported as before the pack's default start (09-01):
  // the school never wrote that reversal.
  TempDir tmp;
  const auto bad = tmp.write("bad.toml", "intake_start = \"02-29\"\nintake_end = \"03-15\"\n");
  const auto r = run(eval_with(bad));
  EXPECT_EQ(r.code, 1) << r.describe();
  EXPECT_TRUE(contains(r.err, bad + ":1:16: 错误[load_bad_value]: 参数 intake_start")) << r.describe();
  EXPECT_FALSE(contains(r.err, "早于")) << r.describe();
  EXPECT_EQ(lines_of(r.err).size(), 2u) << r.describe();  // the one error and the count
}

TEST(ZhParams, AnImpossibleDayAndAWrongTypeAreNamedInChinese) {
  TempDir tmp;
  const auto bad = tmp.write("bad.toml", "intake_end = \"04-31\"\nintake_start = 901\nderegistration = true\n");
  const auto r = run(eval_with(bad));
  EXPECT_EQ(r.code, 1) << r.describe();
  EXPECT_TRUE(contains(r.err, bad + ":1:14: 错误[load_bad_value]: 参数 intake_end（新生入学报到截止日）：04-31 不是有效的月日："
                                    "4月只有30天"))
      << r.describe();
  EXPECT_TRUE(contains(r.err, bad + ":2:16: 错误[load_wrong_type]: 参数 intake_start（新生入学报到开始日）应为月日 MM-DD，"
                                    "如 \"09-01\"，而这里是整数 901"))
      << r.describe();
  EXPECT_TRUE(contains(r.err, bad + ":3:1: 错误[params_unknown_name]: “deregistration”不是政策包 cn-higher-ed 的参数"))
      << r.describe();
  EXPECT_TRUE(contains(r.err, "共 3 个错误")) << r.describe();
}

TEST(ZhParams, TheHandbookSchoolStillLoads) {
  const auto params = (source_dir() / "examples" / "params" / "handbook-school.toml").string();
  const auto r = run(eval_with(params));
  EXPECT_EQ(r.code, 0) << r.describe();
  EXPECT_EQ(r.err, "") << r.describe();
  const auto c = run({"check", "--params", params});
  EXPECT_EQ(c.code, 0) << c.describe();
  EXPECT_TRUE(c.out.starts_with("检查通过：cn-higher-ed ")) << c.describe();
}

TEST(ZhSummaries, CheckTestAndFactsSpeakChinese) {
  const auto c = run({"check"});
  EXPECT_EQ(c.code, 0) << c.describe();
  EXPECT_TRUE(c.out.starts_with("检查通过：cn-higher-ed ")) << c.describe();
  EXPECT_TRUE(contains(c.out, " 个事实、")) << c.describe();
  EXPECT_TRUE(run({"check", "--lang", "en"}).out.starts_with("ok: cn-higher-ed "));

  const auto t = run({"test"});
  EXPECT_EQ(t.code, 0) << t.describe();
  const auto lines = lines_of(t.out);
  ASSERT_FALSE(lines.empty()) << t.describe();
  const auto en = lines_of(run({"test", "--lang", "en"}).out);
  ASSERT_FALSE(en.empty());
  // The same count in both languages: "N passed, 0 failed" and "通过 N 个，失败 0 个".
  const std::string n = en.back().substr(0, en.back().find(' '));
  EXPECT_EQ(en.back(), n + " passed, 0 failed");
  EXPECT_EQ(lines.back(), "通过 " + n + " 个，失败 0 个") << t.describe();
  EXPECT_TRUE(lines.front().starts_with("通过 ")) << t.describe();

  const auto f = run({"facts"});
  EXPECT_EQ(f.code, 0) << f.describe();
  EXPECT_TRUE(f.out.starts_with("政策包 cn-higher-ed 的事实")) << f.describe();
  // Label first, then the name and kind; the pack's help; what to enter; the roster columns.
  EXPECT_TRUE(contains(f.out, "\n退役日期  discharge_date（日期）\n"
                              "    说明：退役证上的退役（退出现役）日期。\n"
                              "    填写：日期，如 2025-06-30、2025/6/30 或 2025年6月30日\n"
                              "    名单列名：退役日期、退伍日期、退役时间、退伍时间、退出现役时间、退出现役日期、discharge_date\n"))
      << f.describe();
  EXPECT_TRUE(contains(f.out, "填写：以下之一：新生、在校生")) << f.describe();
  EXPECT_FALSE(contains(f.out, "CSV headers")) << f.describe();
}

TEST(ZhSummaries, AFailingPackTestAndAnUncheckedRuleInChinese) {
  TempDir tmp;
  const auto pack = tmp.write("tiny.toml", R"([policy]
id = "tiny"
title = "小包"
version = "1"
timezone = "Asia/Shanghai"
language = "zh-CN"
date_convention = "prc-civil-code"

[facts.start_date]
type = "date"
label = "开始日期"
description = "Start."

[[rules]]
id = "one_month"
title = "一个月"
  [rules.outputs.until]
  type = "date"
  label = "截止"
  expr = "start_date + P1M"
  [[rules.citations]]
  document = "Doc"
  article = "Art. 1"
  summary = "One month."

[[rules]]
id = "untested_rule"
title = "无用例的规则"
  [rules.outputs.twice]
  type = "period"
  label = "两个月"
  expr = "P2M"
  [[rules.citations]]
  document = "Doc"
  article = "Art. 2"
  summary = "Not checked."

[[tests]]
name = "一月三十一日加一个月"
as_of = 2024-03-01
facts = { start_date = 2024-01-31 }
expect = { until = "2024-03-02" }
)");
  const auto r = run({"test", "--policy", pack});
  EXPECT_EQ(r.code, 1) << r.describe();
  EXPECT_TRUE(contains(r.out, "未通过 一月三十一日加一个月（" + pack + ":38）\n")) << r.describe();
  // Civil Code Art. 202: one month from 31 January 2024 ends on 29 February 2024.
  EXPECT_TRUE(contains(r.out, "    until：期望 2024-03-02，实际为 2024-02-29\n")) << r.describe();
  EXPECT_TRUE(contains(r.out, "没有用例检查的规则：untested_rule\n")) << r.describe();
  EXPECT_EQ(lines_of(r.out).back(), "通过 0 个，失败 1 个") << r.describe();
}

}  // namespace
