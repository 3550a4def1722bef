// `policy eval` in Chinese, the pack's language: answers first, dates as 2026年9月30日, deadlines
// with 24:00（北京时间）, one list of what is still needed, --outputs narrowing the answer.
#include <regex>

#include "harness.h"

namespace {

const std::vector<std::string> kVeteran{"eval", "--set", "discharge_date=2025-06-15", "--set", "enlisted_as=在校生",
                                        "--as-of", "2025-12-01"};

/// `text` without the words a Chinese screen may carry in ASCII: the pack id, option and command names.
std::string without_commands(std::string text) {
  for (const char* allowed : {"cn-higher-ed", "--outputs", "policy facts"}) {
    for (auto at = text.find(allowed); at != std::string::npos; at = text.find(allowed)) text.erase(at, std::strlen(allowed));
  }
  return text;
}

TEST(ZhEval, TheVeteranAnswerIsInChineseOnly) {
  const auto r = run(kVeteran);
  ASSERT_EQ(r.code, 0) << r.describe();
  EXPECT_EQ(r.err, "") << r.describe();
  // 2025-06-15 + 2 years (Civil Code Art. 202), ending at 24:00 Beijing time (Art. 203).
  for (const char* line : {"评估日期：2025年12月1日（北京时间）\n",
                           "  入学资格/学籍保留至：2027年6月15日 24:00（北京时间）\n",
                           "  保留期限：2年\n",
                           "  学校规定的办理期间：2025年9月1日至2025年9月30日；2026年9月1日至2026年9月30日\n",
                           "  学校规定的最后办理日：2026年9月30日 24:00（北京时间）\n", "\n依据\n  [1] "}) {
    EXPECT_TRUE(contains(r.out, line)) << "missing: " << line << "\n" << r.describe();
  }
  // No English words (no run of letters), no names of outputs, no English duplicates of labels.
  const std::string rest = without_commands(r.out);
  std::smatch m;
  EXPECT_FALSE(std::regex_search(rest, m, std::regex("[A-Za-z]{2,}"))) << "English: '" << m.str() << "'\n" << r.describe();
  EXPECT_FALSE(contains(r.out, "retention_until")) << r.describe();
  // Prose dates read the same way as the answers above them.
  EXPECT_TRUE(contains(r.out, "最后办理日为 2026年9月30日")) << r.describe();
  EXPECT_FALSE(contains(r.out, "2026-09-30")) << r.describe();
  // Questions not asked are named once, not fact by fact; rules that do not apply only with --explain.
  EXPECT_TRUE(contains(r.out, "\n其他问题（")) << r.describe();
  EXPECT_FALSE(contains(r.out, "不适用于本情形")) << r.describe();
}

TEST(ZhEval, LangEnPrintsTheEnglishFormAndJsonDoesNotChangeWithTheLanguage) {
  auto en_args = kVeteran;
  en_args.insert(en_args.end(), {"--lang", "en"});
  const auto en = run(en_args);
  ASSERT_EQ(en.code, 0) << en.describe();
  EXPECT_TRUE(contains(en.out, "as of 2025-12-01 (Asia/Shanghai)\n")) << en.describe();
  EXPECT_TRUE(contains(en.out, "  入学资格/学籍保留至 retention_until: 2027-06-15 24:00 (UTC+08:00)\n")) << en.describe();
  EXPECT_TRUE(contains(en.out, "  保留期限 retention_period: 2 years\n")) << en.describe();
  EXPECT_FALSE(contains(en.out, "评估日期")) << en.describe();
  auto zh_json = kVeteran, en_json = en_args;
  zh_json.insert(zh_json.end(), {"--format", "json"});
  en_json.insert(en_json.end(), {"--format", "json"});
  const auto a = run(zh_json), b = run(en_json);
  ASSERT_EQ(a.code, 0) << a.describe();
  EXPECT_EQ(a.out, b.out) << "the JSON contract is the same in every language";
  const auto doc = parse_out(a);
  EXPECT_EQ(doc["values"]["retention_until"], "2027-06-15");
  EXPECT_EQ(doc["values"]["retention_period"], "P2Y");
  // Prose in JSON keeps ISO dates, as it always did.
  EXPECT_TRUE(contains(doc["values"]["reenrolment_guidance"].get<std::string>(), "2026-09-30")) << a.out;
}

TEST(ZhEval, OutputsNarrowTheAnswerByNameOrLabel) {
  auto args = kVeteran;
  args.insert(args.end(), {"--outputs", "入学资格/学籍保留至, reenroll_deadline"});
  const auto r = run(args);
  ASSERT_EQ(r.code, 0) << r.describe();
  EXPECT_TRUE(contains(r.out, "  入学资格/学籍保留至：2027年6月15日 24:00（北京时间）\n")) << r.describe();
  EXPECT_TRUE(contains(r.out, "  学校规定的最后办理日：2026年9月30日 24:00（北京时间）\n")) << r.describe();
  EXPECT_FALSE(contains(r.out, "保留期限：")) << "not asked\n" << r.describe();
  EXPECT_FALSE(contains(r.out, "受理部门与联系方式：")) << "not asked\n" << r.describe();
  EXPECT_FALSE(contains(r.out, "其他问题")) << r.describe();
  // JSON narrows its values and rules the same way.
  args.insert(args.end(), {"--format", "json"});
  const auto doc = parse_out(run(args));
  EXPECT_EQ(doc["values"].size(), 2u) << doc.dump(2);
  EXPECT_EQ(doc["values"]["reenroll_deadline"], "2026-09-30");
  for (const auto& rule : doc["rules"]) {
    const auto& outs = rule["outputs"];
    const bool computes = std::find(outs.begin(), outs.end(), "retention_until") != outs.end() ||
                          std::find(outs.begin(), outs.end(), "reenroll_deadline") != outs.end();
    EXPECT_TRUE(computes) << rule.dump();
  }
  // An output the pack lacks is a usage error naming the choices, in Chinese.
  const auto bad = run({"eval", "--outputs", "保留日期", "--as-of", "2025-12-01"});
  EXPECT_EQ(bad.code, 2) << bad.describe();
  EXPECT_TRUE(contains(bad.err, "--outputs: 错误[eval_unknown_output]: “保留日期”不是政策包 cn-higher-ed 的结果项（可选：")) << bad.describe();
}

TEST(ZhEval, WhatIsStillNeededIsOneListOfLabelsAndWhatToEnter) {
  // A veteran without a discharge date: the veterans' questions wait for it, asked once.
  const auto r = run({"eval", "--set", "enlisted_as=新生", "--as-of", "2025-12-01"});
  ASSERT_EQ(r.code, 0) << r.describe();
  EXPECT_TRUE(contains(r.out, "\n还需要的信息（补充后可得到更多答案）：\n  · 退役日期：日期，如 2025-06-30、2025/6/30 或 2025年6月30日（用于："))
      << r.describe();
  EXPECT_EQ(r.out.find("  · 退役日期："), r.out.rfind("  · 退役日期：")) << "listed once\n" << r.describe();
  // The answer that is known for a new student is shown.
  EXPECT_TRUE(contains(r.out, "  新生入伍时的办理手续：录取新生入伍保留入学资格")) << r.describe();
}

TEST(ZhEval, InstantsReadInTheSchoolsZone) {
  // certificate_issue_date 2025-06-30: the record is queryable from 0:00 Beijing time that day.
  const auto r = run({"eval", "--set", "certificate_issue_date=2025-06-30", "--as-of", "2025-07-01", "--outputs",
                      "degree_visible_from"});
  ASSERT_EQ(r.code, 0) << r.describe();
  EXPECT_TRUE(contains(r.out, "：2025年6月30日 0:00（北京时间）\n")) << r.describe();
}

}  // namespace

namespace {

TEST(ZhEval, AnOutputAskedForIsShownWhenItDoesNotApply) {
  // A new student discharged in 2010: no national rule gives a period (retention_not_computed);
  // the retention date asked for by label is shown as not applying, not left out.
  const auto r = run({"eval", "--set", "退役日期=2010-01-01", "--set", "入伍时身份=新生", "--as-of", "2021-06-01",
                      "--outputs", "入学资格/学籍保留至,保留期限说明"});
  ASSERT_EQ(r.code, 0) << r.describe();
  EXPECT_TRUE(contains(r.out, "  入学资格/学籍保留至：不适用\n")) << r.describe();
  EXPECT_TRUE(contains(r.out, "  保留期限说明：入伍时为录取新生、退役日期 2010年1月1日 早于2011年10月29日")) << r.describe();
}

TEST(ZhEval, ALabelSeveralOutputsShareAsksForTheName) {
  const auto r = run({"eval", "--set", "发证日期=2025-06-30", "--outputs", "办理途径"});
  EXPECT_EQ(r.code, 2) << r.describe();
  EXPECT_TRUE(contains(r.err, "--outputs: 错误[eval_unknown_output]: “办理途径”是多个结果项的名称（correction_route, "
                              "identity_change_route）"))
      << r.describe();
  const auto by_name = run({"eval", "--set", "发证日期=2025-06-30", "--outputs", "correction_route"});
  EXPECT_EQ(by_name.code, 0) << by_name.describe();
}

}  // namespace

namespace {

TEST(ZhEval, AsOfTakesTheSpellingsOfARoster) {
  const auto a = run({"eval", "--set", "退役日期=2025-06-15", "--set", "入伍时身份=在读", "--as-of", "2025年12月1日",
                      "--outputs", "入学资格/学籍保留至"});
  ASSERT_EQ(a.code, 0) << a.describe();
  EXPECT_TRUE(contains(a.out, "评估日期：2025年12月1日（北京时间）\n")) << a.describe();
  EXPECT_TRUE(contains(a.out, "  入学资格/学籍保留至：2027年6月15日 24:00（北京时间）\n")) << a.describe();
  const auto bad = run({"eval", "--as-of", "2025年13月1日"});
  EXPECT_EQ(bad.code, 1) << bad.describe();
  EXPECT_TRUE(contains(bad.err, "<command line>: 错误[")) << bad.describe();
}

}  // namespace
