// `eval` accepts every spelling `batch` accepts (issue 11): fact labels and CSV headers as names,
// the date forms of roster cells (2024年2月29日, 2024/2/29, full-width digits), enum labels and
// aliases (在读), the yes/no words; its messages in Chinese by default (the CN pack's language).
//
// The retention of a veteran discharged on 2024-02-29 who enlisted as an enrolled student: two
// years after the discharge (兵役法, 教育部令第41号第二十七条); 2026 has no 29 February, so the
// period ends on the last day of February 2026, 2026-02-28 (民法典第二百零二条: a period of years
// ends on the corresponding day, or the month's last day when there is none).
#include "harness.h"

namespace {

const std::vector<std::string> kAsOf = {"--as-of", "2025-12-01"};

std::vector<std::string> with_as_of(std::vector<std::string> args) {
  args.insert(args.end(), kAsOf.begin(), kAsOf.end());
  return args;
}

TEST(ZhCells, SetTakesTheLabelAChineseDateAndAnAlias) {
  auto doc = eval_json(with_as_of({"--set", "退役日期=2024年2月29日", "--set", "入伍时身份=在读"}));
  EXPECT_EQ(doc["values"]["retention_until"], "2026-02-28") << doc["values"].dump(2);
  // The same answer from the machine names, the other date forms and the other words for 在校生.
  const auto reference = doc["values"]["retention_until"];
  for (const auto& [date, identity] : std::vector<std::pair<std::string, std::string>>{
           {"discharge_date=2024-02-29", "enlisted_as=enrolled_student"},
           {"Discharge_Date=2024/2/29", "enlisted_as=在校学生"},
           {"退伍日期=20240229", "入伍时身份=在校生"},
           {"退役日期=２０２４年２月２９日", "入伍时身份=在读学生"},
           {"退役日期=２０２４／２／２９", "enlisted_as=Enrolled_Student"},
           {"退役日期=2024/2/29 0:00", "入伍时身份=在读"},
           {"退役日期=2024-02-29", "入伍时身份=在校"}}) {  // as the trial's roster wrote it
    auto d = eval_json(with_as_of({"--set", date, "--set", identity}));
    EXPECT_EQ(d["values"]["retention_until"], reference) << date << " " << identity;
    EXPECT_EQ(d["values"]["retention_period"], "P2Y") << date;
  }
}

TEST(ZhCells, TheIssuesExampleWithALabelForTheIdentity) {
  // policy eval --set discharge_date=2025-06-15 --set enlisted_as=在校生: 2025-06-15 + 2 years.
  auto doc = eval_json(with_as_of({"--set", "discharge_date=2025-06-15", "--set", "enlisted_as=在校生"}));
  EXPECT_EQ(doc["values"]["retention_until"], "2027-06-15");
}

TEST(ZhCells, SituationFilesTakeLabelsAndRosterSpellings) {
  TempDir tmp;
  const auto json_file = tmp.write("s.json", R"({"退役日期": "2024/2/29", "入伍时身份": "在校学生"})");
  auto from_json = eval_json(with_as_of({json_file}));
  EXPECT_EQ(from_json["values"]["retention_until"], "2026-02-28") << from_json["values"].dump(2);
  const auto toml_file = tmp.write("s.toml", "\"退役日期\" = \"2024年2月29日\"\n\"入伍时身份\" = \"在读\"\n");
  auto from_toml = eval_json(with_as_of({toml_file}));
  EXPECT_EQ(from_toml["values"]["retention_until"], "2026-02-28");
  // One fact twice, under its name and its label, is refused in Chinese.
  const auto twice = tmp.write("twice.toml", "discharge_date = 2024-02-29\n\"退役日期\" = \"2024-03-01\"\n");
  const auto r = run(with_as_of({"eval", twice}));
  EXPECT_EQ(r.code, 1) << r.describe();
  EXPECT_TRUE(contains(r.err, "twice.toml:2:1: 错误[situation_syntax]: 事实 discharge_date（退役日期）给了两次："
                              "'discharge_date' 和 '退役日期'"))
      << r.describe();
}

TEST(ZhCells, BadValuesAreExplainedInChineseAndInEnglishOnRequest) {
  const auto zh = run(with_as_of({"eval", "--set", "退役日期=2023年2月29日"}));
  EXPECT_EQ(zh.code, 1) << zh.describe();
  EXPECT_TRUE(contains(zh.err, "错误[situation_bad_value]: 事实 discharge_date（退役日期）：'2023年2月29日' 不是有效的日期："
                               "2023年2月只有28天"))
      << zh.describe();
  const auto en = run(with_as_of({"eval", "--set", "退役日期=2023年2月29日", "--lang", "en"}));
  EXPECT_TRUE(contains(en.err, "error[situation_bad_value]: fact discharge_date (退役日期): '2023年2月29日' is not a "
                               "valid date: February 2023 has 28 days"))
      << en.describe();
  const auto identity = run(with_as_of({"eval", "--set", "入伍时身份=老生"}));
  EXPECT_TRUE(contains(identity.err, "'老生' 不是以下之一：新生、在校生")) << identity.describe();
  const auto name = run(with_as_of({"eval", "--set", "退役日其=2024-02-29"}));
  EXPECT_TRUE(contains(name.err, "错误[situation_unknown_fact]: '退役日其' 不是政策包 cn-higher-ed 的事实")) << name.describe();
}

TEST(ZhCells, FifteenDigitIdNumbersAreReadByEvalAndBatchAlike) {
  // 110101 900307 001 is read as 110101 19900307 001 + check '1' (154 = 14*11 + 0 -> '1'; the
  // arithmetic is in tests/batch/resident_id_test.cpp): accepted, and the retention computed.
  auto doc = eval_json(with_as_of({"--set", "身份证号=110101900307001", "--set", "退役日期=2024-02-29", "--set",
                                   "入伍时身份=在读"}));
  EXPECT_EQ(doc["values"]["retention_until"], "2026-02-28");
  RunOptions roster;
  roster.stdin_data = "身份证号,退役日期,入伍时身份\r\n'110101900307001,２０２４年２月２９日,在读\r\n";
  const auto b = run(with_as_of({"batch", "-", "--outputs", "retention_until", "--format", "jsonl"}), roster);
  EXPECT_EQ(b.code, 0) << b.describe();
  const auto line = json::parse(lines_of(b.out).at(0));
  EXPECT_EQ(line["status"], "ok") << b.describe();
  EXPECT_EQ(line["values"]["retention_until"], "2026-02-28") << b.describe();
}

TEST(ZhCells, YesNoWordsOfRostersInSet) {
  // 春季入学 (spring_intake) is a yes/no fact: √ and 有 read as yes, × and 无 as no, as in a roster.
  // Admitted on 2025-02-20, the usual registration (from 09-01) is more than three months later,
  // so a spring intake registers within three months of the admission (to 2025-05-20) and
  // otherwise in the usual period.
  for (const auto& [word, kind] : std::vector<std::pair<std::string, std::string>>{
           {"√", "spring_intake"}, {"有", "spring_intake"}, {"✓", "spring_intake"}, {"是", "spring_intake"},
           {"×", "usual"}, {"无", "usual"}, {"✗", "usual"}, {"否", "usual"}}) {
    auto doc = eval_json(with_as_of({"--set", "春季入学=" + word, "--set", "录取日期=2025年2月20日"}));
    EXPECT_EQ(doc["values"]["registration_window_kind"], kind) << word;
    if (kind == "spring_intake") {
      EXPECT_EQ(doc["values"]["registration_window_end"], "2025-05-20") << word;
    }
  }
  // 对 is refused (ambiguous), naming the words that are read.
  const auto r = run(with_as_of({"eval", "--set", "春季入学=对"}));
  EXPECT_EQ(r.code, 1) << r.describe();
  EXPECT_TRUE(contains(r.err, "'对' 不是是或否（是/否、√/×、有/无、true/false、yes/no、Y/N 或 1/0）")) << r.describe();
}

}  // namespace
