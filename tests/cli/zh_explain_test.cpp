// Explanation steps and evaluation errors in the run's language: Chinese for the CN pack, with the
// Civil Code article beside each date step; English with --lang en.
#include "harness.h"

namespace {

TEST(Explain, CalcStepsAreChineseWithTheArticle) {
  const auto r = run({"calc", "2024-02-29 + P2Y", "--explain", "--as-of", "2026-01-01"});
  EXPECT_EQ(r.code, 0) << r.describe();
  // 2026 has no 29 February: the month's last day (Art. 202).
  EXPECT_TRUE(contains(r.out, "2024-02-29 + P2Y → 2026-02-28（民法典第二百零二条：2026年2月没有29日，以月末日为期间的最后一日）"))
      << r.describe();
  EXPECT_FALSE(contains(r.out, "Civil Code")) << r.describe();
  const auto en = run({"calc", "2024-02-29 + P2Y", "--explain", "--as-of", "2026-01-01", "--lang", "en"});
  EXPECT_EQ(en.code, 0) << en.describe();
  EXPECT_TRUE(contains(en.out, "2024-02-29 + P2Y -> 2026-02-28 (Civil Code Art. 202: no 29 February in 2026, last day of the month)"))
      << en.describe();
}

TEST(Explain, CalcRollOverStepCitesArticle203) {
  // 2024-10-01 is 国庆节; the rest ends on 10-07, so the first working day is 10-08.
  const auto r = run({"calc", "next_workday(2024-10-01)", "--explain", "--as-of", "2024-09-01"});
  EXPECT_EQ(r.code, 0) << r.describe();
  EXPECT_TRUE(contains(r.out, "next_workday(2024-10-01) → 2024-10-08（2024-10-01 是法定休息日（国庆节，"
                              "国务院办公厅关于2024年部分节假日安排的通知）；休息日结束后的第一个工作日（民法典第二百零三条））"))
      << r.describe();
}

TEST(Explain, EvalExplainIsChineseAndItsJsonStaysEnglish) {
  const auto r = run({"eval", "--set", "discharge_date=2024-02-29", "--as-of", "2024-03-01", "--explain"});
  EXPECT_EQ(r.code, 0) << r.describe();
  EXPECT_TRUE(contains(r.out, "（民法典第二百零二条：2026年2月没有29日，以月末日为期间的最后一日）")) << r.describe();
  EXPECT_TRUE(contains(r.out, "北京时间 2026-02-28 24:00（UTC+08:00）")) << r.describe();
  EXPECT_TRUE(contains(r.out, "（民法典第二百零三条）")) << r.describe();
  const auto as_json = run({"eval", "--set", "discharge_date=2024-02-29", "--as-of", "2024-03-01", "--format", "json"});
  EXPECT_EQ(as_json.code, 0) << as_json.describe();
  EXPECT_TRUE(contains(as_json.out, "(Civil Code Art. 202: no 29 February in 2026, last day of the month)")) << as_json.describe();
}

TEST(Explain, A2027DateNamesTheNoticeAndTheParamsFile) {
  const auto r = run({"calc", "next_workday(2027-10-01)", "--as-of", "2026-01-01"});
  EXPECT_EQ(r.code, 1) << r.describe();
  EXPECT_TRUE(contains(r.err, "错误[calendar_no_data]")) << r.describe();
  EXPECT_TRUE(contains(r.err, "《国务院办公厅关于2027年部分节假日安排的通知》")) << r.describe();
  EXPECT_TRUE(contains(r.err, "--params")) << r.describe();
  EXPECT_TRUE(contains(r.err, "[[calendar.years]]")) << r.describe();
  const auto en = run({"calc", "next_workday(2027-10-01)", "--as-of", "2026-01-01", "--lang", "en"});
  EXPECT_TRUE(contains(en.err, "error[calendar_no_data]")) << en.describe();
  EXPECT_TRUE(contains(en.err, "no holiday data for 2027")) << en.describe();
  EXPECT_TRUE(contains(en.err, "--params")) << en.describe();
}

}  // namespace
