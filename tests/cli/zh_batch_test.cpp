// policy batch's result for people (issue 11): the example roster gives a CSV that Chinese Excel
// opens right (a BOM), with the pack's labels, Chinese values, the evaluation date and statuses
// that reflect the columns present; --names gives the machine form; the summary starts with the
// evaluation date.
#include <filesystem>

#include "harness.h"

namespace {

/// The rows of a CSV result as fields (RFC 4180 quoting, a BOM dropped).
std::vector<std::vector<std::string>> csv_rows(std::string text) {
  if (text.starts_with("\xEF\xBB\xBF")) text.erase(0, 3);
  std::vector<std::vector<std::string>> rows(1);
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rows.back().push_back(std::move(field));
      field.clear();
    } else if (c == '\r') {
      // CRLF ends the row at the \n
    } else if (c == '\n') {
      rows.back().push_back(std::move(field));
      field.clear();
      rows.emplace_back();
    } else {
      field += c;
    }
  }
  if (rows.back().empty()) rows.pop_back();
  return rows;
}

/// The cell of `row` under header `column` (fails the test when there is no such column).
std::string cell(const std::vector<std::vector<std::string>>& rows, std::size_t row, const std::string& column) {
  const auto& header = rows.at(0);
  const auto at = std::find(header.begin(), header.end(), column);
  if (at == header.end()) {
    ADD_FAILURE() << "no column " << column;
    return "<none>";
  }
  return rows.at(row).at(static_cast<std::size_t>(at - header.begin()));
}

/// The row whose 学号 is `number`.
std::size_t row_of(const std::vector<std::vector<std::string>>& rows, const std::string& number) {
  for (std::size_t r = 1; r < rows.size(); ++r) {
    if (!rows[r].empty() && rows[r][0] == number) return r;
  }
  ADD_FAILURE() << "no row " << number;
  return 0;
}

const std::string kVeterans = (source_dir() / "examples" / "rosters" / "veterans.csv").string();

TEST(ZhBatch, TheExampleRosterGivesAFileForPeople) {
  TempDir tmp;
  const auto out = (tmp.path() / "r.csv").string();
  const auto r = run({"batch", kVeterans, "--as-of", "2025-12-01", "-o", out});
  EXPECT_EQ(r.code, 3) << r.describe();  // 2021006's discharge date 2023-02-29 does not exist
  const auto text = read_file(out);
  ASSERT_TRUE(text.starts_with("\xEF\xBB\xBF学号,姓名,身份证号,退役日期,入伍时身份,发证日期,录取日期,备注,评估日期,"))
      << text;  // a BOM, then the input columns and the evaluation date
  EXPECT_TRUE(text.substr(0, text.find("\r\n")).ends_with(",状态,说明")) << text;
  const auto rows = csv_rows(text);
  ASSERT_EQ(rows.size(), 8u);  // the header and the 7 rows
  for (std::size_t k = 1; k < rows.size(); ++k) {
    EXPECT_EQ(rows[k].size(), rows[0].size()) << k;
    EXPECT_EQ(cell(rows, k, "评估日期"), "2025-12-01") << k;
    const auto status = cell(rows, k, "状态");
    EXPECT_TRUE(status == "正常" || status == "待补充" || status == "错误") << status;
  }
  // By hand: discharged 2025-06-15 as an enrolled student: the 学籍 is kept 2 years after the
  // discharge, to 2027-06-15; the intake periods (09-01..09-30) of 2025 and 2026; on 2025-12-01
  // between the two, so within the school's period. Its 发证日期 is empty, so the 学历 answers wait:
  // 待补充, not 正常.
  const auto wang = row_of(rows, "2021001");
  EXPECT_EQ(cell(rows, wang, "入学资格/学籍保留至"), "2027-06-15");
  EXPECT_EQ(cell(rows, wang, "保留期限"), "2年");
  EXPECT_EQ(cell(rows, wang, "学校规定的办理期间"), "2025-09-01至2025-09-30；2026-09-01至2026-09-30");
  EXPECT_EQ(cell(rows, wang, "学校规定的最后办理日"), "2026-09-30");
  EXPECT_TRUE(cell(rows, wang, "目前所处阶段").starts_with("在学校规定的办理期间内")) << cell(rows, wang, "目前所处阶段");
  EXPECT_EQ(cell(rows, wang, "学历按规定可查询的时间"), "");
  EXPECT_EQ(cell(rows, wang, "状态"), "待补充");
  // The result file alone says what to do: fill in the empty cell the waiting answers read.
  EXPECT_EQ(cell(rows, wang, "说明"), "需补充：发证日期");
  // A graduate: certificate issued 2025-06-30, since 2001, so registered electronically and
  // queryable since that day; no discharge date, so the veteran answers wait.
  const auto qian = row_of(rows, "2017005");
  EXPECT_EQ(cell(rows, qian, "学历按规定可查询的时间"), "2025-06-30 00:00");  // 0:00 Beijing time that day
  EXPECT_EQ(cell(rows, qian, "属电子注册的学历（2001年起）"), "是");
  EXPECT_EQ(cell(rows, qian, "按规定应已可在学信网查询"), "是");
  EXPECT_EQ(cell(rows, qian, "入学资格/学籍保留至"), "");
  EXPECT_EQ(cell(rows, qian, "状态"), "待补充");
  EXPECT_TRUE(cell(rows, qian, "说明").starts_with("需补充：退役日期")) << cell(rows, qian, "说明");
  const auto sun = row_of(rows, "2021006");
  EXPECT_EQ(cell(rows, sun, "状态"), "错误");
  EXPECT_TRUE(contains(cell(rows, sun, "说明"), "2023-02-29")) << cell(rows, sun, "说明");
  // No machine form anywhere.
  for (const char* machine : {",ok,", ",unknown,", ",true,", ",false,", "P2Y", " .. ", "window_period", "retention_until"}) {
    EXPECT_FALSE(contains(text, machine)) << machine;
  }
  // The summary: the evaluation date first, then the outputs the roster cannot decide, each with
  // the column that would bring it in (the registration answers need 春季入学).
  const auto err = lines_of(r.err);
  ASSERT_FALSE(err.empty()) << r.describe();
  EXPECT_TRUE(err[0].starts_with("评估日期 2025-12-01（北京时间）：共 7 行，正常 0，待补充 ")) << err[0];
  EXPECT_TRUE(contains(err[0], "，错误 ")) << err[0];
  EXPECT_TRUE(contains(r.err, "\n  未写出的输出（名单缺少它们需要的列；加上这些列或用 --outputs 指定即可写出）：\n"))
      << r.describe();
  EXPECT_TRUE(contains(r.err, "\n    学籍注册状态：需要列 春季入学\n")) << r.describe();
}

TEST(ZhBatch, NamesGiveTheMachineForm) {
  const auto r = run({"batch", kVeterans, "--as-of", "2025-12-01", "--names", "--output-encoding", "utf-8"});
  EXPECT_EQ(r.code, 3) << r.describe();
  ASSERT_TRUE(r.out.starts_with("学号,姓名,身份证号,退役日期,入伍时身份,发证日期,录取日期,备注,as_of,")) << r.out;
  EXPECT_TRUE(r.out.substr(0, r.out.find("\r\n")).ends_with(",status,error")) << r.out;
  const auto rows = csv_rows(r.out);
  const auto wang = row_of(rows, "2021001");
  EXPECT_EQ(cell(rows, wang, "as_of"), "2025-12-01");
  EXPECT_EQ(cell(rows, wang, "retention_until"), "2027-06-15");
  EXPECT_EQ(cell(rows, wang, "retention_period"), "P2Y");
  EXPECT_EQ(cell(rows, wang, "reenroll_windows"), "[[2025-09-01 .. 2025-09-30], [2026-09-01 .. 2026-09-30]]");
  EXPECT_EQ(cell(rows, wang, "reenrolment_state"), "window_period");
  EXPECT_EQ(cell(rows, wang, "status"), "unknown");
  const auto qian = row_of(rows, "2017005");
  EXPECT_EQ(cell(rows, qian, "degree_online"), "true");
  EXPECT_EQ(cell(rows, qian, "degree_visible_from"), "2025-06-30T00:00:00+08:00");
  EXPECT_EQ(cell(rows, row_of(rows, "2021006"), "status"), "error");
}

TEST(ZhBatch, TheSummaryInEnglishWithLangEn) {
  const auto r = run({"batch", kVeterans, "--as-of", "2025-12-01", "--lang", "en", "-o", "/dev/null"});
  const auto err = lines_of(r.err);
  ASSERT_FALSE(err.empty()) << r.describe();
  EXPECT_TRUE(err[0].starts_with("as of 2025-12-01 (Asia/Shanghai): 7 rows read (utf-8): 0 ok, ")) << err[0];
  EXPECT_TRUE(contains(r.err, "\n    registration_status: needs a column for spring_intake\n")) << r.describe();
}

TEST(ZhBatch, UsageMistakesAreSaidInChinese) {
  // The trial: 参数的值不可用：--format xlsx: a workbook is not text for a terminal… The Chinese
  // message says itself what is wrong, after the option's name.
  TempDir tmp;
  const auto roster = tmp.write("r.csv", "学号,退役日期,入伍时身份\r\n1,2026-06-15,在校生\r\n");
  RunOptions terminal;
  terminal.stdout_file = "/dev/ptmx";
  const auto xlsx = run({"batch", roster, "--as-of", "2026-12-07", "--format", "xlsx"}, terminal);
  EXPECT_EQ(xlsx.code, 2) << xlsx.describe();
  EXPECT_TRUE(contains(xlsx.err, "用法错误[usage]：--format xlsx：工作簿不是可以显示在终端上的文字：请写到文件（-o 结果.xlsx）"))
      << xlsx.describe();
  // A spreadsheet name batch does not write (the trial's 结果.xls held CSV text): refused, nothing written.
  for (const char* name : {"结果.xls", "结果.ODS", "结果.et"}) {
    const auto out = (tmp.path() / name).string();
    const auto r = run({"batch", roster, "--as-of", "2026-12-07", "-o", out});
    EXPECT_EQ(r.code, 2) << r.describe();
    EXPECT_TRUE(contains(r.err, "batch 不写这种表格格式：请用 .xlsx（工作簿）或 .csv")) << r.describe();
    EXPECT_FALSE(std::filesystem::exists(out)) << name;
  }
  // The system's reasons in Chinese too (the trial: 无法读取名单：No such file or directory).
  const auto missing = run({"batch", (tmp.path() / "没有.csv").string(), "--as-of", "2026-12-07"});
  EXPECT_EQ(missing.code, 1) << missing.describe();
  EXPECT_TRUE(contains(missing.err, "无法读取名单：文件或目录不存在（No such file or directory）")) << missing.describe();
  const auto nowhere = run({"batch", roster, "--as-of", "2026-12-07", "-o", (tmp.path() / "没有的目录" / "结果.csv").string()});
  EXPECT_TRUE(contains(nowhere.err, "：文件或目录不存在（No such file or directory）")) << nowhere.describe();
  // Random bytes named .xlsx: not a workbook (it was "不是有效的 GB18030 编码").
  const auto junk = tmp.write("junk.xlsx", std::string("\x93\x00\xff\xfe garbage \x81\x30", 15));
  const auto not_zip = run({"batch", junk, "--as-of", "2026-12-07"});
  EXPECT_EQ(not_zip.code, 1) << not_zip.describe();
  EXPECT_TRUE(contains(not_zip.err, "错误[xlsx_bad_zip]") && contains(not_zip.err, "文件名是 .xlsx，但内容不是工作簿"))
      << not_zip.describe();
  const auto en = run({"batch", roster, "--lang", "en", "-o", (tmp.path() / "r.xls").string()});
  EXPECT_TRUE(contains(en.err, "names a .xls file, a spreadsheet format batch does not write")) << en.describe();
}

TEST(ZhBatch, AMisspeltHeaderIsOneWarningAndEachRowSaysWhatIsMissing) {
  // The trial: 退伍日其 for 退役日期 left every row 待补充 with an empty 说明, and the summary said the
  // same warning once per output (eleven lines).
  RunOptions o;
  o.stdin_data = "学号,退伍日其,入伍时身份\r\n2021001,2025-06-15,在校生\r\n";
  const auto r = run({"batch", "-", "--as-of", "2026-12-08", "--question", "enlistment"}, o);
  EXPECT_EQ(r.code, 0) << r.describe();
  EXPECT_TRUE(contains(r.out, ",待补充,需补充：退役日期（名单中没有这一列：请在表头加上）\r\n")) << r.out;
  std::size_t warnings = 0;
  for (const auto& line : lines_of(r.err)) warnings += line.starts_with("  警告：") ? 1 : 0;
  EXPECT_EQ(warnings, 1u) << r.describe();
  EXPECT_TRUE(contains(r.err, "  警告：名单中没有 退役日期 这一列，所选输出“入学资格/学籍保留至”、“保留期限”、"))
      << r.describe();
  EXPECT_TRUE(contains(r.err, "项要读它：需要它的行这些项留空、状态为“待补充”；请在名单中加上这一列再运行。\n")) << r.describe();
}

TEST(ZhBatch, AnOutputAskedForThatNoColumnDecidesIsAWarningAndIsWritten) {
  RunOptions o;
  o.stdin_data = "学号,退役日期\r\n1,2025-06-15\r\n";
  const auto r = run({"batch", "-", "--as-of", "2025-12-01", "--outputs", "入学资格/学籍保留至,degree_online"}, o);
  EXPECT_EQ(r.code, 0) << r.describe();
  // The versions for discharges since 2021-05-01 do not ask how the student enlisted (2 years
  // either way): this row is decided without the column; the certificate answer waits.
  EXPECT_EQ(r.out, "\xEF\xBB\xBF学号,退役日期,评估日期,入学资格/学籍保留至,属电子注册的学历（2001年起）,状态,说明\r\n"
                   "1,2025-06-15,2025-12-01,2027-06-15,,待补充,"
                   "需补充：就读高校具有颁发国家承认学历证书的资格、按国家规定录取、发证日期（名单中没有这些列：请在表头加上）\r\n");
  EXPECT_TRUE(contains(r.err, "  警告：名单中没有 入伍时身份 这一列，所选输出“入学资格/学籍保留至”要读它：需要它的行"
                              "这一项留空、状态为“待补充”；请在名单中加上这一列再运行。\n"))
      << r.describe();
  EXPECT_TRUE(contains(r.err, "  警告：名单中没有 发证日期 这一列，所选输出“属电子注册的学历（2001年起）”要读它")) << r.describe();
  // None decidable without --outputs: said plainly, and the rows are still written.
  const auto none = run({"batch", "-", "--as-of", "2025-12-01"}, {"学号,姓名\r\n1,王\r\n"});
  EXPECT_EQ(none.code, 0) << none.describe();
  EXPECT_EQ(none.out, "\xEF\xBB\xBF学号,姓名,评估日期,状态,说明\r\n1,王,2025-12-01,正常,\r\n");
  EXPECT_TRUE(contains(none.err, "\n  名单的列不足以判定任何输出：")) << none.describe();
}

}  // namespace
