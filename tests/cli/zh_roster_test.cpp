// policy batch on rosters as registrars export them, in the pack's language (中文): a title row
// above the header, header variants and near misses, an ID column Excel damaged, row errors
// naming the row and the column letter.
#include "harness.h"

namespace {

const std::string kRoster =
    "某某大学2025年退役复学学生名单\r\n"
    "学号,姓名,身份证号,录取日其,退役时间,入伍前身份\r\n"
    "1,王一,1.10101E+17,x,2025-06-15,在校生\r\n"
    "2,李二,1.10101E+17,x,2025/13/01,在校生\r\n"
    "3,张三,1.10101E+17,x,2025年6月15日,新生\r\n";

TEST(ZhRoster, ATitleRowANearMissAndADamagedIdColumnAreSaidInChinese) {
  TempDir tmp;
  const auto roster = tmp.write("名单.csv", kRoster);
  const auto r = run({"batch", roster, "--as-of", "2025-12-01", "--outputs", "retention_until,reenroll_deadline"});
  EXPECT_EQ(r.code, 3) << r.describe();  // row 4 has a bad discharge date
  EXPECT_TRUE(contains(r.err, "\n  第1行没有可识别的列名，视为标题行；表头从第2行读取。")) << r.describe();
  EXPECT_TRUE(contains(r.err, "\n  第2行 D列（录取日其）未被读取：是否应为“录取日期”？\n")) << r.describe();
  EXPECT_TRUE(contains(r.err, "\n  C列（身份证号）大部分被 Excel 改为科学计数法或丢了末尾数字（3/3个非空单元格")) << r.describe();
  EXPECT_TRUE(contains(r.err, "本次写出的结果都不需要这一列，各行照常计算。\n")) << r.describe();
  EXPECT_TRUE(contains(r.err, "\n  2行的“说明”列有提醒")) << r.describe();
  // Row 4's message: the ID's warning, then the date that makes it an error, as in its error cell.
  EXPECT_TRUE(contains(r.err, "\n  第4行 C列（身份证号）：'1.1********' ")) << r.describe();
  EXPECT_TRUE(contains(r.err, "；E列（退役时间）：'2025/13/01' ")) << r.describe();
  EXPECT_FALSE(contains(r.err, "110101")) << r.describe();  // never a whole (or masked) number from the cells here
  const auto out = lines_of(r.out);
  ASSERT_EQ(out.size(), 5u) << r.describe();
  // The title row stays on row 1, so that 第4行 in a message is row 4 of the result too.
  EXPECT_TRUE(contains(out[0], "某某大学2025年退役复学学生名单")) << r.describe();
  EXPECT_FALSE(contains(out[0], ",")) << r.describe();  // one cell, as it came
  EXPECT_TRUE(out[1].starts_with("学号,姓名,身份证号,录取日其,退役时间,入伍前身份,")) << r.describe();
  // The ID is only warned about: the dates are computed (2025-06-15 + 2 years; a 在校生 re-enrols
  // by the end of the next year's intake, 2026-09-30; a 新生 likewise).
  // (The error cell is quoted when its text has a comma.)
  EXPECT_TRUE(out[2].starts_with("1,王一,1.10101E+17,x,2025-06-15,在校生,2025-12-01,2027-06-15,2026-09-30,正常,")) << out[2];
  EXPECT_TRUE(contains(out[2], ",正常,\"第3行 C列（身份证号）：'1.1********'") ||
              contains(out[2], ",正常,第3行 C列（身份证号）：'1.1********'")) << out[2];
  EXPECT_TRUE(contains(out[2], "（仅提醒：本次写出的结果都不需要这一列）")) << out[2];
  EXPECT_TRUE(out[3].starts_with("2,李二,1.10101E+17,x,2025/13/01,在校生,2025-12-01,,,错误,")) << out[3];
  EXPECT_TRUE(contains(out[3], "第4行 C列（身份证号）：'1.1********'")) << out[3];
  EXPECT_TRUE(contains(out[3], "；E列（退役时间）：'2025/13/01' ")) << out[3];
  EXPECT_TRUE(out[4].starts_with("3,张三,1.10101E+17,x,2025年6月15日,新生,2025-12-01,2027-06-15,2026-09-30,正常,")) << out[4];
  EXPECT_TRUE(contains(out[4], "第5行 C列（身份证号）")) << out[4];
}

TEST(ZhRoster, TheSameNotesInEnglish) {
  TempDir tmp;
  const auto roster = tmp.write("roster.csv", kRoster);
  const auto r = run({"batch", roster, "--as-of", "2025-12-01", "--outputs", "retention_until", "--lang", "en"});
  EXPECT_EQ(r.code, 3) << r.describe();
  EXPECT_TRUE(contains(r.err, "\n  row 1 names no fact and was taken as a title row; the header was read from row 2.")) << r.describe();
  EXPECT_TRUE(contains(r.err, "\n  row 2, column D (录取日其) was not read: did you mean “录取日期”?\n")) << r.describe();
  EXPECT_TRUE(contains(r.err, "\n  column C (身份证号): most of it was damaged by Excel (3 of 3 non-empty cells")) << r.describe();
  EXPECT_TRUE(contains(r.err, "\n  row 4, column C (身份证号): '1.1********' ")) << r.describe();
  EXPECT_TRUE(contains(r.err, "; column E (退役时间): '2025/13/01' is not a valid date: there is no month 13\n")) << r.describe();
}

TEST(ZhRoster, HeaderRowReadsTheHeaderFromTheRowGiven) {
  TempDir tmp;
  // Row 2 names a fact (a note that happens to say 姓名): without --header-row it would be the header.
  const auto roster = tmp.write("r.csv", "2025年名单\r\n姓名\r\n学号,退役日期\r\n1,2025-06-15\r\n");
  const auto r = run({"batch", roster, "--as-of", "2025-12-01", "--outputs", "retention_until", "--header-row", "3"});
  EXPECT_EQ(r.code, 0) << r.describe();
  EXPECT_TRUE(contains(r.err, "\n  按 --header-row，表头从第3行读取，第1-2行为标题行（结果原样保留）。\n")) << r.describe();
  const auto out = lines_of(r.out);
  ASSERT_EQ(out.size(), 4u) << r.describe();
  EXPECT_TRUE(out[3].starts_with("1,2025-06-15,2025-12-01,2027-06-15,正常,")) << r.describe();
  EXPECT_TRUE(out[2].starts_with("学号,退役日期,")) << r.describe();
  const auto blank = run({"batch", roster, "--header-row", "7"});
  EXPECT_EQ(blank.code, 1) << blank.describe();
  EXPECT_TRUE(contains(blank.err, "错误[batch_bad_header]: 名单在第7行之前就结束了")) << blank.describe();
  const auto zero = run({"batch", roster, "--header-row", "0"});
  EXPECT_EQ(zero.code, 2) << zero.describe();  // rows are numbered from 1
}

}  // namespace

namespace {

TEST(ZhRoster, ATitleWithoutAHeaderRowSaysSoNotEncoding) {
  // A file holding only a title (a trial found it answered with encoding advice).
  TempDir tmp;
  const auto roster = tmp.write("title.csv", "某某大学名单\r\n");
  const auto r = run({"batch", roster, "--as-of", "2025-12-01"});
  EXPECT_EQ(r.code, 1) << r.describe();
  EXPECT_TRUE(contains(r.err, "错误[batch_bad_header]: ")) << r.describe();
  EXPECT_TRUE(contains(r.err, "这一行只有一个单元格，像是标题，其下也没有列名行：名单需要一行列名")) << r.describe();
  EXPECT_FALSE(contains(r.err, "--encoding")) << r.describe();
  // A garbled header of several columns still gets the encoding advice.
  const auto garbled = tmp.write("garbled.csv", "a?b,c?d\r\n1,2\r\n");
  const auto g = run({"batch", garbled, "--as-of", "2025-12-01"});
  EXPECT_EQ(g.code, 1) << g.describe();
  EXPECT_TRUE(contains(g.err, "--encoding gb18030")) << g.describe();
}

}  // namespace
