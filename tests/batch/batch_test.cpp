// policy batch on the built-in pack: every fixture kind of the issue, rows out == rows in, status
// and values per row, encodings giving identical results, jobs giving identical bytes.
#include <gtest/gtest.h>

#include "encode.h"

#include <cerrno>
#include <sstream>
#include <system_error>

#include "batch/batch.h"
#include "builtin_pack.h"
#include "loader/load.h"
#include "cn_engine.h"

namespace rules::batch {
namespace {

using testing::cn;

using testing::encode;

struct Result {
  std::string output;
  std::optional<BatchSummary> summary;
  std::vector<source::Diagnostic> diags;
};

/// Runs the batch on the CN pack in `o.lang` (Chinese by default, as BatchOptions says), as of
/// 2025-12-01 unless `o` says otherwise. In the machine form (BatchOptions::names) unless `people`:
/// most tests read values and statuses by name.
Result run_lang(const std::string& roster, BatchOptions o = {}, bool people = false) {
  if (o.as_of == calendar::Date()) o.as_of = *calendar::parse_date("2025-12-01");
  o.names = !people;
  if (o.outputs.empty()) o.outputs = {"retention_until", "reenroll_deadline", "degree_visible_from"};
  std::istringstream in(roster);
  std::ostringstream out;
  Result r;
  auto v = run_batch(cn(), in, "roster.csv", out, o);
  if (auto* s = std::get_if<BatchSummary>(&v)) r.summary = *s;
  else r.diags = std::get<std::vector<source::Diagnostic>>(v);
  r.output = out.str();
  return r;
}

/// Runs in English: most tests here check the English texts.
Result run(const std::string& roster, BatchOptions o = {}, bool people = false) {
  o.lang = source::Lang::en;
  return run_lang(roster, o, people);
}

/// The output's rows as fields (a small CSV splitter for test output without quoted newlines).
std::vector<std::vector<std::string>> rows_of(std::string text) {
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::vector<std::string> fields;
    std::string f;
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
      const char c = line[i];
      if (quoted) {
        if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') { f += '"'; ++i; }
        else if (c == '"') quoted = false;
        else f += c;
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        fields.push_back(f);
        f.clear();
      } else {
        f += c;
      }
    }
    fields.push_back(f);
    rows.push_back(fields);
  }
  return rows;
}

const std::string kRoster =
    "学号,姓名,身份证号,退役日期,入伍时身份,发证日期\r\n"
    "1,王一,110101199003078515,2025-06-15,在校生,2025-06-30\r\n"
    "2,李二,110101199003078515,2025/6/15,enrolled_student,\r\n"
    "3,张三,,2025.6.15,新生,2025年6月30日\r\n"
    "4,赵四,,2025年6月15日,,20250630\r\n"
    "5,钱五,,20250615,,\r\n";

TEST(Batch, EveryDateFormatGivesTheSameAnswer) {
  const auto r = run(kRoster);
  ASSERT_TRUE(r.summary) << (r.diags.empty() ? "" : r.diags[0].message);
  const auto rows = rows_of(r.output);
  ASSERT_EQ(rows.size(), 6u);  // header + every input row
  EXPECT_EQ(rows[0].back(), "error");
  EXPECT_EQ(rows[0][rows[0].size() - 2], "status");
  EXPECT_EQ(rows[0][6], "as_of");  // after the input columns
  for (std::size_t i = 1; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i][6], "2025-12-01") << i;  // the evaluation date
    EXPECT_EQ(rows[i][7], "2027-06-15") << i;  // retention_until
    EXPECT_EQ(rows[i][8], "2026-09-30") << i;  // reenroll_deadline
  }
  EXPECT_EQ(rows[1][9], "2025-06-30T00:00:00+08:00");
  EXPECT_EQ(rows[1][10], "ok");
  EXPECT_EQ(rows[2][9], "");  // no certificate date: unknown, not a default
  EXPECT_EQ(rows[2][10], "unknown");
  EXPECT_EQ(r.summary->rows, 5u);
  EXPECT_EQ(r.summary->ok, 3u);
  EXPECT_EQ(r.summary->unknown, 2u);
}

TEST(Batch, TheSameRosterInUtf8BomAndGbkGivesIdenticalResults) {
  const auto plain = run(kRoster);
  const auto bom = run("\xEF\xBB\xBF" + kRoster);
  const auto gbk = run(encode(kRoster, "GBK"));
  ASSERT_TRUE(plain.summary && bom.summary && gbk.summary);
  EXPECT_EQ(rows_of(plain.output), rows_of(bom.output));
  EXPECT_EQ(rows_of(plain.output), rows_of(gbk.output));
  EXPECT_EQ(gbk.summary->encoding, Encoding::gb18030);
  // A BOM goes out whatever the input, so that Excel reads the CSV as UTF-8.
  EXPECT_TRUE(plain.output.starts_with("\xEF\xBB\xBF"));
  EXPECT_TRUE(bom.output.starts_with("\xEF\xBB\xBF"));
  EXPECT_TRUE(gbk.output.starts_with("\xEF\xBB\xBF"));
}

TEST(Batch, Gb18030FourByteNamesSurvive) {
  const auto r = run(encode("姓名,退役日期\r\n王䶮,2025-06-15\r\n李𠌯,2025-06-15\r\n", "GB18030"));
  ASSERT_TRUE(r.summary);
  const auto rows = rows_of(r.output);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1][0], "王䶮");
  EXPECT_EQ(rows[2][0], "李𠌯");
}

TEST(Batch, UndecodableGb18030BytesMakeTheRowAnError) {
  // A trial found a name with undecodable bytes written as U+FFFD in a row that was ok.
  const auto r = run(encode("学号,姓名,退役日期\r\n", "GBK") + std::string("1,\xFF\xFE,2025-06-15\r\n") +
                     encode("2,王,2025-06-15\r\n", "GBK"));
  ASSERT_TRUE(r.summary);
  EXPECT_EQ(r.summary->rows, 2u);
  EXPECT_EQ(r.summary->error, 1u);
  ASSERT_EQ(r.summary->first_errors.size(), 1u);
  EXPECT_EQ(r.summary->first_errors[0].first, 2u);
  EXPECT_NE(r.summary->first_errors[0].second.find("not valid GB18030"), std::string::npos) << r.summary->first_errors[0].second;
  // The bad bytes show as U+FFFD in the passed-through cell; the good row is evaluated.
  EXPECT_NE(r.output.find("1,\xEF\xBF\xBD\xEF\xBF\xBD,2025-06-15,2025-12-01,,,,error,"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("2,王,2025-06-15,2025-12-01,2027-06-15"), std::string::npos) << r.output;
}

TEST(Batch, JsonLinesOfARowWithABadCellHaveNullValues) {
  // A trial found undefined behaviour (a reference into an outcome never evaluated) when the
  // first row of a block had a bad cell; caught by UBSan in the sanitizer build.
  // The default outputs (those a roster with these columns decides).
  BatchOptions o;
  o.format = OutputFormat::jsonl;
  o.as_of = *calendar::parse_date("2025-12-01");
  std::istringstream in("学号,退役日期,入伍时身份\r\n1,2023-02-29,在校生\r\n2,2025-06-15,在校生\r\n");
  std::ostringstream out;
  const auto v = run_batch(cn(), in, "roster.csv", out, o);
  const auto* summary = std::get_if<BatchSummary>(&v);
  ASSERT_NE(summary, nullptr);
  EXPECT_EQ(summary->error, 1u);
  const std::string text = out.str();
  EXPECT_NE(text.find("{\"row\":2,\"as_of\":\"2025-12-01\",\"status\":\"error\""), std::string::npos) << text;
  EXPECT_NE(text.find("\"retention_until\":null"), std::string::npos) << text;
  EXPECT_NE(text.find("\"retention_until\":\"2027-06-15\""), std::string::npos) << text;
}

TEST(Batch, ABig5RosterIsRefusedAtTheHeader) {
  const auto r = run(encode("退役日期,姓名\r\n2025-06-15,王小明\r\n", "BIG5"));
  ASSERT_FALSE(r.summary);
  ASSERT_EQ(r.diags.size(), 1u);
  EXPECT_EQ(r.diags[0].code, "batch_bad_header");
  EXPECT_NE(r.diags[0].message.find("--encoding"), std::string::npos);
  EXPECT_TRUE(r.output.empty());  // nothing written
}

TEST(Batch, HeaderProblemsStopBeforeAnyRow) {
  auto dup = run("退役日期,discharge_date\r\n2025-06-15,2025-06-15\r\n");
  ASSERT_EQ(dup.diags.size(), 1u);
  EXPECT_EQ(dup.diags[0].code, "batch_duplicate_column");
  EXPECT_EQ(dup.diags[0].span.begin.column, 2u);
  auto empty = run("退役日期,,姓名\r\n2025-06-15,x,王\r\n");
  ASSERT_EQ(empty.diags.size(), 1u);
  EXPECT_EQ(empty.diags[0].code, "batch_empty_header");
  EXPECT_EQ(empty.diags[0].span.begin.column, 2u);
  auto none = run("甲,乙\r\n1,2\r\n");
  ASSERT_EQ(none.diags.size(), 1u);
  EXPECT_EQ(none.diags[0].code, "batch_bad_header");
  EXPECT_TRUE(run("").diags.size() == 1);
}

TEST(Batch, AColumnNamedLikeAnAddedColumnStopsTheCsvRun) {
  const std::string roster = "学号,退役日期, status ,retention_until,retention_period\r\n1,2025-06-15,ok,2027-06-15,P2Y\r\n";
  const auto r = run(roster);  // writes retention_until, reenroll_deadline, degree_visible_from
  ASSERT_FALSE(r.summary);
  // One diagnostic naming both columns, at the first.
  ASSERT_EQ(r.diags.size(), 1u);
  EXPECT_EQ(r.diags[0].code, "batch_column_clash");
  EXPECT_EQ(r.diags[0].span.begin.line, 1u);
  EXPECT_EQ(r.diags[0].span.begin.column, 3u);
  EXPECT_EQ(r.diags[0].message,
            "column C (status) and column D (retention_until): batch adds columns of these names to its output, which "
            "would then have two of each; remove the old result columns (a file batch wrote ends with as_of, its outputs, "
            "status and error) or choose other outputs with --outputs");
  EXPECT_TRUE(r.output.empty());  // nothing written
  // One column: said so, and a status column alone is not cured by --outputs.
  const auto status = run("学号,退役日期,status\r\n1,2025-06-15,ok\r\n");
  ASSERT_EQ(status.diags.size(), 1u);
  EXPECT_EQ(status.diags[0].span.begin.column, 3u);
  EXPECT_EQ(status.diags[0].message,
            "column C (status): batch adds a column of this name to its output, which would then have two; remove "
            "the old result columns (a file batch wrote ends with as_of, its outputs, status and error) or rename this column");
  // Among other header problems, in column order.
  const auto mixed = run("status,退役日期,,discharge_date,error\r\nok,2025-06-15,x,2025-06-15,\r\n");
  std::vector<std::pair<std::uint32_t, std::string>> found;
  for (const auto& d : mixed.diags) found.emplace_back(d.span.begin.column, d.code);
  EXPECT_EQ(found, (std::vector<std::pair<std::uint32_t, std::string>>{
                       {1, "batch_column_clash"}, {3, "batch_empty_header"}, {4, "batch_duplicate_column"}}));
  EXPECT_EQ(mixed.diags.at(0).message.substr(0, 58), "column A (status) and column E (error): batch adds columns");
  // An output that is not written is no clash (retention_period above); nor is any column in JSON
  // Lines, which do not repeat the input columns.
  BatchOptions o;
  o.format = OutputFormat::jsonl;
  const auto j = run(roster, o);
  ASSERT_TRUE(j.summary) << j.diags.at(0).message;
  EXPECT_EQ(j.summary->rows, 1u);
  EXPECT_TRUE(j.output.starts_with("{\"row\":2,\"as_of\":\"2025-12-01\",\"status\":\"unknown\",\"values\":{\"retention_until\":\"2027-06-15\"")) << j.output;
}

TEST(Batch, RunningAgainOnItsOwnOutputIsRefused) {
  const auto first = run("退役日期\r\n2025-06-15\r\n");
  ASSERT_TRUE(first.summary);
  const auto again = run(first.output);
  ASSERT_FALSE(again.summary);
  // One message for the six result columns, not one each: the first three, then how many more.
  ASSERT_EQ(again.diags.size(), 1u);
  EXPECT_EQ(again.diags[0].code, "batch_column_clash");
  EXPECT_EQ(again.diags[0].span.begin.column, 2u);
  EXPECT_EQ(again.diags[0].message,
            "column B (as_of), column C (retention_until), column D (reenroll_deadline) and 3 more: "
            "batch adds columns of these names to its output, which would then have two of each; remove the old "
            "result columns (a file batch wrote ends with as_of, its outputs, status and error) or choose other outputs "
            "with --outputs");
  EXPECT_TRUE(again.output.empty());
  // In Chinese the columns are named as the result for people heads them (the trial read
  // "status 和 error", which a Chinese result never has).
  const auto zh_first = run_lang("退役日期\r\n2025-06-15\r\n", {}, true);
  ASSERT_TRUE(zh_first.summary);
  const auto zh_again = run_lang(zh_first.output, {}, true);
  ASSERT_EQ(zh_again.diags.size(), 1u);
  EXPECT_NE(zh_again.diags[0].message_zh.find("（batch 写出的文件末尾是评估日期、各项结果、状态和说明）"), std::string::npos)
      << zh_again.diags[0].message_zh;
}

TEST(Batch, TrailingCommasQuotedLineBreaksAndBlankLines) {
  const auto r = run("姓名,退役日期,,\r\n\"王\n一\",2025-06-15,,\r\n\r\n李二,2025-06-15\r\n");
  ASSERT_TRUE(r.summary);
  EXPECT_EQ(r.summary->rows, 2u);
  EXPECT_NE(r.output.find("\"王\n一\",2025-06-15,2025-12-01,2027-06-15"), std::string::npos) << r.output;
}

TEST(Batch, ExcelSerialDatesOnlyWithTheFlag) {
  const std::string roster = "退役日期\r\n45838\r\n60\r\n";
  const auto without = run(roster);
  ASSERT_TRUE(without.summary);
  EXPECT_EQ(without.summary->error, 2u);
  EXPECT_NE(without.summary->first_errors[0].second.find("--excel-serial-dates"), std::string::npos);
  BatchOptions o;
  o.excel_serial_dates = true;
  const auto with = run(roster, o);
  ASSERT_TRUE(with.summary);
  const auto rows = rows_of(with.output);
  EXPECT_EQ(rows[1][2], "2027-06-30");  // serial 45838 = 2025-06-30
  EXPECT_EQ(rows[2].back().empty(), false);  // serial 60, Excel's 1900-02-29, is an error
  EXPECT_EQ(with.summary->error, 1u);
  EXPECT_EQ(with.summary->first_errors[0].first, 3u);  // spreadsheet row: header is 1
}

TEST(Batch, DamagedIdNumbersAreWarningsThatNeverShowTheWholeNumber) {
  // No output of the pack reads the ID: a bad one is a warning in the row's message, and the
  // row's answers are computed (retention_until from the date).
  const std::string roster =
      "身份证号,退役日期\r\n"
      "110101199003078515,2025-06-15\r\n"
      "1.10101E+17,2025-06-15\r\n"
      "110101199003078000,2025-06-15\r\n"
      "11010119900307851x,2025-06-15\r\n"
      "110101199003078516,2025-06-15\r\n";
  const auto r = run(roster);
  ASSERT_TRUE(r.summary);
  const auto rows = rows_of(r.output);
  ASSERT_EQ(rows.size(), 6u);
  EXPECT_EQ(rows[1][rows[1].size() - 2], "unknown");
  EXPECT_EQ(rows[1].back(), "");
  EXPECT_NE(rows[2].back().find("Excel"), std::string::npos);
  for (std::size_t i = 2; i <= 5; ++i) {  // the last: wrong check character (6, expected 5)
    EXPECT_EQ(rows[i][rows[i].size() - 2], "unknown") << i;
    EXPECT_EQ(rows[i][3], "2027-06-15") << i;  // after 评估日期
    EXPECT_TRUE(rows[i].back().starts_with("row " + std::to_string(i + 1) + ", column A (身份证号): '")) << rows[i].back();
    EXPECT_TRUE(rows[i].back().ends_with("(a warning only: no output written needs this column)"));
    EXPECT_EQ(rows[i].back().find("110101199003078"), std::string::npos) << rows[i].back();
  }
  EXPECT_EQ(r.summary->error, 0u);
  EXPECT_EQ(r.summary->warned, 4u);
  EXPECT_TRUE(r.summary->first_errors.empty());
}

TEST(Batch, ABadRowNeverStopsTheRunAndNeverGetsValues) {
  const auto r = run("退役日期,入伍时身份\r\n2023-02-29,在校生\r\n2025-06-15,老生\r\n2025-06-15,在校生\r\n,在校生\r\n");
  ASSERT_TRUE(r.summary);
  const auto rows = rows_of(r.output);
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[1][3], "");  // no retention date from a bad row
  EXPECT_NE(rows[1].back().find("退役日期"), std::string::npos);  // names the column
  EXPECT_NE(rows[2].back().find("入伍时身份"), std::string::npos);
  EXPECT_EQ(rows[3][3], "2027-06-15");
  EXPECT_EQ(rows[4][3], "");  // an empty cell is unknown, not an error
  EXPECT_EQ(rows[4][rows[4].size() - 2], "unknown");
  EXPECT_EQ(r.summary->error, 2u);
}

TEST(Batch, EveryBadCellOfARowIsReportedInColumnOrder) {
  const std::string roster = "退役日期,学号,入伍时身份,发证日期\r\n2023-02-29,7,老生,2025/13/01\r\n2025-06-15,8,在校生,\r\n";
  const std::string expected =
      "row 2, column A (退役日期): '2023-02-29' is not a valid date: February 2023 has 28 days; "
      "column C (入伍时身份): '老生' is not one of new_student (新生), enrolled_student (在校生); "
      "column D (发证日期): '2025/13/01' is not a valid date: there is no month 13";
  const auto r = run(roster);
  ASSERT_TRUE(r.summary);
  const auto rows = rows_of(r.output);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1], (std::vector<std::string>{"2023-02-29", "7", "老生", "2025/13/01", "2025-12-01", "", "", "", "error", expected}));
  EXPECT_EQ(rows[2][5], "2027-06-15");  // the next row is not affected
  ASSERT_EQ(r.summary->first_errors.size(), 1u);
  EXPECT_EQ(r.summary->first_errors[0], (std::pair<std::size_t, std::string>{2, expected}));
  EXPECT_EQ(r.summary->error, 1u);
  BatchOptions o;
  o.format = OutputFormat::jsonl;
  const auto j = run(roster, o);
  ASSERT_TRUE(j.summary);
  EXPECT_TRUE(j.output.starts_with("{\"row\":2,\"as_of\":\"2025-12-01\",\"status\":\"error\",\"error\":\"" + expected +
                                   "\",\"values\":{\"retention_until\":null,\"reenroll_deadline\":null,"
                                   "\"degree_visible_from\":null},\"unknown\":{},\"errors\":{}}\n"))
      << j.output;
}

TEST(Batch, ALongCellIsQuotedInPartAndEveryBadCellIsStillNamed) {
  // A long bad value is quoted up to 100 bytes, cut between characters (老 is 3 bytes: 33 of them
  // fit), and the bad cells after it are named too: a trial found a 300-byte cut of the whole
  // message hiding the bad ID number in column 5.
  std::string many;
  for (int i = 0; i < 100; ++i) many += "老";
  std::string shown;
  for (int i = 0; i < 33; ++i) shown += "老";
  const auto r = run("退役日期,入伍时身份,发证日期,录取日期,身份证号\r\n2025/6/31," + many +
                     ",2025/2/30,2025/13/1,110101199003078514\r\n");
  ASSERT_TRUE(r.summary);
  ASSERT_EQ(r.summary->first_errors.size(), 1u);
  const std::string& e = r.summary->first_errors[0].second;
  EXPECT_TRUE(e.starts_with("row 2, column A (退役日期): '2025/6/31' is not a valid date: June 2025 has 30 days; "
                            "column B (入伍时身份): '" + shown + "…' is not one of ")) << e;
  EXPECT_NE(e.find("; column C (发证日期): '2025/2/30' is not a valid date: February 2025 has 28 days; "
                   "column D (录取日期): '2025/13/1' is not a valid date: there is no month 13 (a warning only: no "
                   "output written needs this column); "
                   "column E (身份证号): '110101********8514' "), std::string::npos) << e;
  EXPECT_TRUE(valid_utf8(e));
  EXPECT_EQ(rows_of(r.output).at(1).back(), e);
  // Past 1000 bytes, further bad cells are named by their column only.
  const auto wide = run("退役日期,入伍时身份,发证日期,录取日期,身份证号,学号,姓名\r\n" + std::string(120, 'a') + "," +
                        std::string(120, 'b') + "," + std::string(120, 'c') + "," + std::string(120, 'd') + "," +
                        std::string(120, 'e') + ",1,王," + std::string(120, 'f') + "," + std::string(120, 'g') + "," +
                        std::string(120, 'h') + "\r\n");
  ASSERT_TRUE(wide.summary);
  const std::string& w = wide.summary->first_errors.at(0).second;
  EXPECT_LE(w.size(), 1100u) << w;
  for (const char* column : {"row 2, column A (退役日期): '", "column B (入伍时身份): '", "column C (发证日期): '",
                             "column D (录取日期): '"}) {
    EXPECT_NE(w.find(column), std::string::npos) << column << " in " << w;
  }
  EXPECT_TRUE(w.ends_with("; column E (身份证号): …; column H: …; column I: …; column J: …")) << w;
}

TEST(Batch, AValueRightOfTheLastHeaderIsARowErrorThatCarriesTheValue) {
  // Column 3 is empty, so the first value without a header is in column 4 (D); 27 is AA.
  const std::string roster = "学号,退役日期\r\n"
                             "1,2025-06-15,,额外 值\r\n"
                             "2,2023-02-29,x\r\n"
                             "3,2025-06-15" + std::string(25, ',') + "y,\"z,\"\"w\"\"\"\r\n"
                             "4,2025-06-15,110101199003078515\r\n"
                             "5,2025-06-15\r\n";
  const auto r = run(roster);
  ASSERT_TRUE(r.summary);
  EXPECT_EQ(r.summary->rows, 5u);  // rows out = rows in
  EXPECT_EQ(r.summary->error, 4u);
  const auto rows = rows_of(r.output);
  ASSERT_EQ(rows.size(), 6u);
  for (const auto& row : rows) EXPECT_EQ(row.size(), 8u);  // rectangular: 2 input columns, as_of, 3 outputs, status, error
  EXPECT_EQ(rows[1], (std::vector<std::string>{"1", "2025-06-15", "2025-12-01", "", "", "", "error",
                                               "row 2, column D has a value but the header row has no name for it: '额外 值'"}));
  EXPECT_EQ(rows[2][7],
            "row 3, column B (退役日期): '2023-02-29' is not a valid date: February 2023 has 28 days; "
            "column C has a value but the header row has no name for it: 'x'");
  EXPECT_EQ(rows[3][7],
            "row 4, column AA has a value but the header row has no name for it: 'y'; "
            "column AB has a value but the header row has no name for it: 'z,\"w\"'");
  // Like every value in a message, one that may be an ID number is masked.
  EXPECT_EQ(rows[4][7], "row 5, column C has a value but the header row has no name for it: '110101********8515'");
  EXPECT_EQ(rows[5][3], "2027-06-15");
  EXPECT_EQ(rows[5][6], "unknown");
  // A long value is quoted up to 100 bytes.
  const auto big = run("退役日期\r\n2025-06-15," + std::string(400, 'v') + "\r\n");
  ASSERT_TRUE(big.summary);
  EXPECT_EQ(big.summary->first_errors.at(0).second,
            "row 2, column B has a value but the header row has no name for it: '" + std::string(100, 'v') + "…'");
}

TEST(Batch, AColumnMayBeHeadedByTheFactsLabel) {
  // `policy facts` shows each fact's label first (就读高校具有颁发国家承认学历证书的资格); a trial copied it.
  const auto r = run("学号,就读高校具有颁发国家承认学历证书的资格,退役日期\r\n1,否,2025-06-15\r\n");
  ASSERT_TRUE(r.summary) << (r.diags.empty() ? "" : r.diags[0].message);
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(r.summary->mapped, (Pairs{{"学号", "student_number"},
                                      {"就读高校具有颁发国家承认学历证书的资格", "programme_accredited"},
                                      {"退役日期", "discharge_date"}}));
  // With a CSV header of the same fact, it is the same fact twice.
  const auto twice = run("国家承认学历,就读高校具有颁发国家承认学历证书的资格\r\n是,是\r\n");
  ASSERT_EQ(twice.diags.size(), 1u);
  EXPECT_EQ(twice.diags[0].code, "batch_duplicate_column");
}

TEST(Batch, WideRowsMakeSmallerBlocksAndTheSameOutput) {
  // 200 wide rows: with blocks capped at 2 KB a block holds a few rows; the output is the same.
  std::string roster = "学号,退役日期,备注\r\n";
  for (int i = 0; i < 200; ++i) {
    roster += std::to_string(i) + "," + (i % 3 ? "2025-06-15" : "2023-02-29") + "," + std::string(500 + i, 'x') + "\r\n";
  }
  BatchOptions small;
  small.block_bytes = 2048;
  small.jobs = 2;
  const auto a = run(roster, small);
  const auto b = run(roster);
  ASSERT_TRUE(a.summary);
  ASSERT_TRUE(b.summary);
  EXPECT_EQ(a.summary->rows, 200u);
  EXPECT_EQ(a.summary->error, 67u);
  EXPECT_EQ(a.output, b.output);
  EXPECT_EQ(rows_of(a.output).size(), 201u);
}

TEST(Batch, RowNumbersAreTheRowsExcelShows) {
  // Excel shows a blank line of a CSV as an empty row, and a quoted line break inside its cell.
  for (const std::string br : {"\r\n", "\n"}) {
    const auto blank = run("退役日期" + br + "2025-06-15" + br + br + br + "2023-02-29" + br);
    ASSERT_TRUE(blank.summary);
    EXPECT_EQ(blank.summary->rows, 2u);  // rows out = non-blank rows in
    ASSERT_EQ(blank.summary->first_errors.size(), 1u);
    EXPECT_EQ(blank.summary->first_errors[0].first, 5u);
    EXPECT_EQ(rows_of(blank.output).size(), 3u);
  }
  const auto quoted = run("姓名,退役日期\r\n\"王\r\n一\r\n\",2025-06-15\r\n李二,2023-02-29\r\n");
  ASSERT_TRUE(quoted.summary);
  ASSERT_EQ(quoted.summary->first_errors.size(), 1u);
  EXPECT_EQ(quoted.summary->first_errors[0].first, 3u);
  BatchOptions o;
  o.format = OutputFormat::jsonl;
  const auto j = run("\r\n退役日期\r\n,\r\n2023-02-29\r\n", o);
  ASSERT_TRUE(j.summary);
  EXPECT_TRUE(j.output.starts_with("{\"row\":4,\"as_of\":\"2025-12-01\",\"status\":\"error\"")) << j.output;
  // The header's diagnostics use the same numbering.
  const auto header = run("\n\n退役日期,discharge_date\n2025-06-15,2025-06-15\n");
  ASSERT_EQ(header.diags.size(), 1u);
  EXPECT_EQ(header.diags[0].span.begin.line, 3u);
  EXPECT_EQ(header.diags[0].span.begin.column, 2u);
}

TEST(Batch, JsonLines) {
  BatchOptions o;
  o.format = OutputFormat::jsonl;
  const auto r = run("退役日期\r\n2025-06-15\r\n\r\n2023-02-29\r\n", o);
  ASSERT_TRUE(r.summary);
  std::istringstream in(r.output);
  std::string a, b;
  std::getline(in, a);
  std::getline(in, b);
  EXPECT_NE(a.find("\"row\":2"), std::string::npos) << a;
  EXPECT_NE(a.find("\"retention_until\":\"2027-06-15\""), std::string::npos) << a;
  EXPECT_NE(a.find("\"degree_visible_from\":[\"certificate_issue_date\"]"), std::string::npos) << a;
  EXPECT_NE(b.find("\"row\":4"), std::string::npos) << b;  // the blank line is row 3
  EXPECT_NE(b.find("\"status\":\"error\""), std::string::npos) << b;
}

TEST(Batch, JsonLinesListTheFactToAskFirstFirst) {
  // tests/packs/good/unknowns.toml: an `if` on an absent fact waits for its condition's fact
  // (asked first) and for those of its branches; so does a rule whose `when` is undecided.
  std::vector<source::Diagnostic> diags;
  const auto files = loader::read_pack_files(std::string(POLICY_TEST_PACKS_DIR) + "/good/unknowns.toml", diags);
  auto loaded = loader::load_pack(files);
  ASSERT_TRUE(loaded.pack);
  const engine::Engine engine(std::move(loaded.pack));
  BatchOptions o;
  o.format = OutputFormat::jsonl;
  o.as_of = *calendar::parse_date("2025-06-20");
  o.outputs = {"certificate", "faulty_year"};
  std::istringstream in("学号,修完教学计划,已退学\r\n1,是,\r\n2,,\r\n3,是,否\r\n");
  std::ostringstream out;
  const auto v = run_batch(engine, in, "roster.csv", out, o);
  ASSERT_TRUE(std::holds_alternative<BatchSummary>(v));
  std::istringstream lines(out.str());
  std::string a, b, c;
  std::getline(lines, a);
  std::getline(lines, b);
  std::getline(lines, c);
  EXPECT_NE(a.find("\"unknown\":{\"certificate\":[\"withdrawn\",\"graduation_requirements_met\",\"within_study_period\"],"
                   "\"faulty_year\":[\"withdrawn\",\"graduation_requirements_met\",\"discharge_date\"]}"),
            std::string::npos)
      << a;
  EXPECT_NE(b.find("\"certificate\":[\"withdrawn\",\"graduation_requirements_met\",\"within_study_period\","
                   "\"curriculum_completed\"]"),
            std::string::npos)
      << b;
  EXPECT_NE(c.find("\"unknown\":{\"certificate\":[\"within_study_period\",\"graduation_requirements_met\"]}"),
            std::string::npos)
      << c;  // faulty_year does not apply: null, waiting for nothing
}

TEST(Batch, JobsDoNotChangeTheBytes) {
  // 100,000 rows of mixed formats and errors, in small blocks so every job gets many.
  std::string roster = "学号,退役日期,入伍时身份,发证日期\r\n";
  const char* formats[] = {"2025-06-%02d", "2025/6/%d", "2025.6.%d", "2025年6月%d日", "202506%02d", "2023-02-29", ""};
  for (int i = 0; i < 100000; ++i) {
    char date[32];
    std::snprintf(date, sizeof date, formats[i % 7], 1 + i % 28);
    roster += std::to_string(i) + "," + date + "," + (i % 3 ? "新生" : "在校生") + "," + (i % 5 ? "2024-07-01" : "") + "\r\n";
  }
  BatchOptions one, two, three;
  one.jobs = 1;  // the reading thread alone
  two.jobs = 2;
  three.jobs = 3;
  one.block_rows = two.block_rows = three.block_rows = 1000;
  const auto a = run(roster, one);
  const auto b = run(roster, two);
  const auto c = run(roster, three);
  ASSERT_TRUE(a.summary && b.summary && c.summary);
  EXPECT_EQ(a.summary->rows, 100000u);
  EXPECT_EQ(a.output, b.output);
  EXPECT_EQ(a.output, c.output);
  EXPECT_EQ(a.summary->error, b.summary->error);
  EXPECT_GT(a.summary->error, 14000u);  // the 2023-02-29 rows
}

TEST(Batch, RememberedTextIsTheTextComputedForEachRow) {
  // Every output of the pack (prose included) over rows mixing every column kind the CN pack
  // reads, with bad cells, absent facts, outputs that fail (a discharge before any version is in
  // force), certificates after as_of, veterans of both kinds: the text remembered by the facts
  // each output read (TextMemo) and the cells remembered by their text (CellMemo) must give the
  // bytes of evaluating and writing every row in full, with any number of jobs and with memos
  // too small to hold a cohort (they fill up and switch off).
  std::string roster =
      "学号,退役日期,入伍时身份,发证日期,录取日期,查不到的记录,国家承认学历,账号身份信息一致,姓名身份证号变更日期,"
      "修完教学计划,已退学,证书遗失或损坏\r\n";
  std::uint64_t x = 42;
  const auto pick = [&x](std::uint64_t n) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    return (x >> 33) % n;
  };
  const char* date_forms[] = {"%04d-%02d-%02d", "%04d/%d/%d", "%04d年%d月%d日", "%04d%02d%02d", "%04d.%d.%d"};
  const auto date = [&](int first_year, int years) -> std::string {
    if (pick(6) == 0) return "";
    if (pick(40) == 0) return "2023-02-30";  // a bad cell
    char text[32];
    // A few days a year, so that rows repeat each other's dates as a cohort's do.
    std::snprintf(text, sizeof text, date_forms[pick(5)], first_year + static_cast<int>(pick(years)),
                  1 + 5 * static_cast<int>(pick(3)), 1 + 14 * static_cast<int>(pick(3)));
    return text;
  };
  const auto one_of = [&](std::initializer_list<const char*> values) {
    return std::string(*(values.begin() + pick(values.size())));
  };
  for (int i = 0; i < 2000; ++i) {
    roster += std::to_string(i) + "," + date(1995, 32) + "," + one_of({"新生", "在校生", "enrolled_student", "", "新生", "在校生", "士兵"}) +
              "," + date(2015, 14) + "," + date(2012, 14) + "," + one_of({"", "", "学籍", "xueli", "xueji"}) + "," +
              one_of({"", "是", "否"}) + "," + one_of({"", "", "Y", "N"}) + "," + date(2014, 13) + "," +
              one_of({"", "是", "否", "1"}) + "," + one_of({"", "否", "是"}) + "," + one_of({"", "", "否", "是", "", "否", "是", "也许"}) + "\r\n";
  }
  std::vector<std::string> every_output;
  for (const auto& o : cn().pack().outputs) every_output.push_back(o.name);
  BatchOptions full;
  full.memo_entries = 0;  // every row evaluated and written in full
  full.block_rows = 500;
  // Every output; then a few (run()'s default), so that a row's status rests on remembered text.
  for (const auto& outputs : {every_output, std::vector<std::string>{}}) {
   std::optional<BatchSummary> csv;
   for (const auto format : {OutputFormat::csv, OutputFormat::jsonl}) {
    full.outputs = outputs;
    full.format = format;
    const auto expected = run(roster, full);
    ASSERT_TRUE(expected.summary);
    // CSV evaluates without complete lists of missing facts (it writes none), JSON Lines with
    // them: the rows' statuses are the same.
    if (csv) {
      EXPECT_EQ(expected.summary->ok, csv->ok);
      EXPECT_EQ(expected.summary->unknown, csv->unknown);
      EXPECT_EQ(expected.summary->error, csv->error);
    }
    csv = expected.summary;
    EXPECT_EQ(expected.summary->rows, 2000u);
    EXPECT_GT(expected.summary->error, 100u);
    EXPECT_GT(expected.summary->ok + expected.summary->unknown, 800u);
    for (const std::size_t entries : {std::size_t{3}, BatchOptions{}.memo_entries}) {
      for (const unsigned jobs : {1u, 3u}) {
        BatchOptions o = full;
        o.memo_entries = entries;
        o.jobs = jobs;
        const auto got = run(roster, o);
        ASSERT_TRUE(got.summary);
        EXPECT_EQ(got.output, expected.output) << "entries " << entries << ", jobs " << jobs;
        EXPECT_EQ(got.summary->first_errors, expected.summary->first_errors);
        EXPECT_EQ(got.summary->ok, expected.summary->ok);
        EXPECT_EQ(got.summary->unknown, expected.summary->unknown);
      }
    }
   }
  }
}

TEST(Batch, UnknownOutputNamesAreRejected) {
  BatchOptions o;
  o.outputs = {"retention_untl"};
  const auto r = run("退役日期\r\n2025-06-15\r\n", o);
  ASSERT_EQ(r.diags.size(), 1u);
  EXPECT_EQ(r.diags[0].code, "batch_unknown_output");
}

}  // namespace
}  // namespace rules::batch

// ---- regressions from a registrar's trial -------------------------------------------------------

namespace rules::batch {
namespace {

TEST(BatchTrial, ABrokenQuoteStopsTheRunInsteadOfSwallowingRows) {
  const auto stray = run("学号,姓名,退役日期\r\n1,a,2024-02-29\r\n2,\"c\"d,2024-02-29\r\n3,e,2024-02-29\r\n");
  ASSERT_FALSE(stray.summary);
  ASSERT_EQ(stray.diags.size(), 1u);
  EXPECT_EQ(stray.diags[0].code, "batch_bad_csv");
  EXPECT_NE(stray.diags[0].message.find("row 3"), std::string::npos) << stray.diags[0].message;
  // A quote inside an unquoted cell (a trial's ab"c) cannot swallow rows: it is read literally
  // (issue 11; RosterReader counts it in Record::literal_quotes) and written back quoted.
  const auto inside = run("学号,姓名\r\n1,ab\"c\r\n");
  ASSERT_TRUE(inside.summary);
  EXPECT_TRUE(inside.diags.empty());
  EXPECT_NE(inside.output.find("\"ab\"\"c\""), std::string::npos) << inside.output;
  // Blank lines before it count, as in the spreadsheet.
  const auto after_blank = run("学号,姓名,退役日期\r\n\r\n1,a,2024-02-29\r\n\n2,\"c\"d,2024-02-29\r\n");
  ASSERT_EQ(after_blank.diags.size(), 1u);
  EXPECT_TRUE(after_blank.diags[0].message.starts_with("row 5: the CSV structure is broken")) << after_blank.diags[0].message;
  const auto unclosed = run("学号,备注,退役日期\r\n1,a,2024-02-29\r\n2,\"unterminated\r\n3,e,2024-02-29\r\n");
  ASSERT_FALSE(unclosed.summary);
  EXPECT_EQ(unclosed.diags.at(0).code, "batch_bad_csv");
}

TEST(BatchTrial, PassThroughColumnsKeepTheirSpaces) {
  const auto r = run("学号,退役日期\r\n 1 ,2025-06-15\r\n");
  ASSERT_TRUE(r.summary);
  EXPECT_NE(r.output.find("\" 1 \",2025-06-15,2025-12-01,2027-06-15"), std::string::npos) << r.output;
}

TEST(Batch, PassThroughCellsAreQuotedExactlyWhenTheyMustBe) {
  // A comma, quote or line break at every position of a 20-byte row (the row's text is scanned
  // eight bytes at a time), with a plain cell beside it that must stay unquoted.
  for (const std::string special : {",", "\"", "\n", "\r"}) {
    for (std::size_t at = 0; at <= 9; ++at) {
      std::string note = std::string(at, 'a') + special + std::string(9 - at, 'b');
      std::string written = "\"";
      for (char c : note) written += c == '"' ? std::string("\"\"") : std::string(1, c);
      written += "\"";
      const auto r = run("备注,学号,退役日期\r\n" + written + ",2020001,2025-06-15\r\n");
      ASSERT_TRUE(r.summary) << written;
      EXPECT_NE(r.output.find("\r\n" + written + ",2020001,2025-06-15,2025-12-01,2027-06-15"), std::string::npos)
          << written << " in " << r.output;
    }
  }
  // Without any, no cell is quoted.
  const auto plain = run("备注,学号,退役日期\r\naaaaaaaaabbbbbbbbb,2020001,2025-06-15\r\n");
  EXPECT_NE(plain.output.find("\r\naaaaaaaaabbbbbbbbb,2020001,2025-06-15,2025-12-01,2027-06-15"), std::string::npos) << plain.output;
}

TEST(BatchTrial, Utf16IsNamed) {
  const auto r = run(std::string("\xFF\xFE", 2) + encode("退役日期\r\n", "UTF-16LE"));
  ASSERT_EQ(r.diags.size(), 1u);
  EXPECT_EQ(r.diags[0].code, "batch_bad_header");
  EXPECT_NE(r.diags[0].message.find("UTF-16"), std::string::npos);
}

TEST(BatchTrial, HeadersMatchAfterFullWidthSpacesBomsAndAsciiCase) {
  for (const std::string header : {"退役日期　", "\xEF\xBB\xBF\xEF\xBB\xBF退役日期", "Discharge_Date", " discharge_date "}) {
    const auto r = run(header + "\r\n2025-06-15\r\n");
    ASSERT_TRUE(r.summary) << header;
    EXPECT_NE(r.output.find("2027-06-15"), std::string::npos) << header;
  }
}

TEST(BatchTrial, JsonLinesHaveNoBomAndCarryErrorCodes) {
  BatchOptions o;
  o.format = OutputFormat::jsonl;
  o.outputs = {"retention_until"};
  const auto r = run("\xEF\xBB\xBF退役日期\r\n9998-12-31\r\n", o);
  ASSERT_TRUE(r.summary);
  EXPECT_FALSE(r.output.starts_with("\xEF\xBB\xBF"));
  EXPECT_NE(r.output.find("\"errors\":{\"retention_until\":{\"code\":\"date_out_of_range\""), std::string::npos) << r.output;
}

TEST(BatchTrial, EveryFailedOutputIsNamedWithTheCellsOfTheFactsItReads) {
  // Trials: "no version ... in force on the date given by discharge_date" did not say where, and
  // only the first failed output was named.
  const auto r = run("学号,退役日期,发证日期\r\n1,9998/12/31,2025-06-30\r\n2,9999-12-31,2025-06-30\r\n");
  ASSERT_TRUE(r.summary);
  ASSERT_EQ(r.summary->first_errors.size(), 2u);
  const std::string cell = " (column B (退役日期): '9998/12/31')";
  const std::string failure = "9998-12-31 + P2Y is out of range: supported dates are 0001-01-01 to 9999-12-31" + cell;
  EXPECT_EQ(r.summary->first_errors[0].second, "row 2, retention_until: " + failure + "; reenroll_deadline: " + failure);
  // An error whose message names no fact still cites its cells; 发证日期 is not read by it.
  EXPECT_TRUE(r.summary->first_errors[1].second.starts_with("row 3, retention_until: 9999-12-31 + P2Y is out of range"))
      << r.summary->first_errors[1].second;
  EXPECT_NE(r.summary->first_errors[1].second.find("(column B (退役日期): '9999-12-31')"), std::string::npos);
  EXPECT_EQ(r.summary->first_errors[1].second.find("发证日期"), std::string::npos);
  const auto rows = rows_of(r.output);
  EXPECT_EQ(rows.at(1).at(6), "2025-06-30T00:00:00+08:00");  // the outputs that could be computed are written
}

TEST(BatchTrial, InvalidBytesAreReplacedInTheOutput) {
  BatchOptions o;
  o.encoding = Encoding::utf8;
  const auto r = run("姓名,退役日期\r\n\xFF\xFE,2025-06-15\r\n", o);
  ASSERT_TRUE(r.summary);
  EXPECT_EQ(r.summary->error, 1u);
  EXPECT_EQ(r.output.find("\xFF"), std::string::npos);
  EXPECT_NE(r.output.find("\xEF\xBF\xBD\xEF\xBF\xBD,2025-06-15"), std::string::npos);
}

TEST(BatchTrial, OutputsAreTrimmedAndWrittenOnce) {
  BatchOptions o;
  o.outputs = {"retention_until", " retention_until ", "reenroll_deadline"};
  const auto r = run("退役日期\r\n2025-06-15\r\n", o);
  ASSERT_TRUE(r.summary);
  EXPECT_TRUE(r.output.starts_with("\xEF\xBB\xBF退役日期,as_of,retention_until,reenroll_deadline,status,error\r\n")) << r.output;
}

TEST(BatchTrial, IdNumbersWithSeparatorsAreMaskedInMessages) {
  const auto r = run("退役日期,入伍时身份\r\n110101-19900307-8515,在校生\r\n2025-06-15,110101 19900307 8515\r\n");
  ASSERT_TRUE(r.summary);
  ASSERT_EQ(r.summary->first_errors.size(), 2u);
  for (const auto& [row, message] : r.summary->first_errors) {
    EXPECT_EQ(message.find("19900307"), std::string::npos) << message;
  }
}

TEST(BatchTrial, HugeBadCellsGiveShortMessages) {
  const auto r = run("退役日期\r\n" + std::string(1 << 20, '9') + "x\r\n");
  ASSERT_TRUE(r.summary);
  ASSERT_EQ(r.summary->first_errors.size(), 1u);
  EXPECT_LE(r.summary->first_errors[0].second.size(), 310u);
}

/// A stream whose every write fails, like a full disk.
struct FullDisk : std::streambuf {
  int overflow(int) override { return traits_type::eof(); }
  std::streamsize xsputn(const char*, std::streamsize) override { return 0; }
};

TEST(BatchTrial, TheSummarySaysWhichColumnsWereReadAsFacts) {
  const auto r = run("学号,入学时间,退役日期,备注\r\n1,2025-06-15,2025-06-15,x\r\n");
  ASSERT_TRUE(r.summary);
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(r.summary->mapped, (Pairs{{"学号", "student_number"}, {"退役日期", "discharge_date"}}));
  EXPECT_EQ(r.summary->passed_through, (std::vector<std::string>{"入学时间", "备注"}));
}

TEST(BatchTrial, ATabOrSemicolonSeparatedFileIsNamedAsSuch) {
  const auto tabs = run("退役日期\t姓名\r\n2025-06-15\t王\r\n");
  ASSERT_EQ(tabs.diags.size(), 1u);
  EXPECT_NE(tabs.diags[0].message.find("tabs"), std::string::npos) << tabs.diags[0].message;
  const auto semis = run("退役日期;姓名\r\n2025-06-15;王\r\n");
  ASSERT_EQ(semis.diags.size(), 1u);
  EXPECT_NE(semis.diags[0].message.find("semicolons"), std::string::npos);
}

TEST(BatchTrial, AWriteFailureIsAnError) {
  FullDisk full;
  std::ostream out(&full);
  std::istringstream in("退役日期\r\n2025-06-15\r\n");
  BatchOptions o;
  o.as_of = *calendar::parse_date("2025-12-01");
  const auto v = run_batch(cn(), in, "r.csv", out, o);
  const auto* diags = std::get_if<std::vector<source::Diagnostic>>(&v);
  ASSERT_NE(diags, nullptr);
  EXPECT_EQ(diags->at(0).code, "batch_io");
}

/// Gives `text`, then throws like a failed read(2) (as std::filebuf and the CLI's InputFile do).
struct ReadFailsAfter : std::streambuf {
  explicit ReadFailsAfter(std::string t) : text(std::move(t)) {}
  int_type underflow() override {
    if (gptr() != nullptr && gptr() < egptr()) return traits_type::to_int_type(*gptr());
    if (given || text.empty()) throw std::system_error(EIO, std::generic_category());
    given = true;
    setg(text.data(), text.data(), text.data() + text.size());
    return traits_type::to_int_type(*gptr());
  }
  std::string text;
  bool given = false;
};

TEST(BatchTrial, ControlCharactersInCellsAndHeadersAreEscapedInMessages) {
  // A quoted cell may hold a line break, and any cell an ESC sequence: the error names them
  // escaped, in the CSV and JSON Lines alike, and the columns pass through as they are.
  const std::string roster = "退役日期,\"备\x1b[0m注\"\r\n\"2025-06-30\n\x1b[2J\",\"a\tb\"\r\n";
  BatchOptions o;
  o.outputs = {"retention_until"};
  const auto csv = run(roster, o);
  ASSERT_TRUE(csv.summary) << csv.diags.at(0).message;
  const std::string message = "row 2, column A (退役日期): '2025-06-30\\n\\x1b[2J' is not a date (2025-06-30, 2025/6/30, "
                              "2025.6.30, 2025年6月30日 or 20250630)";
  EXPECT_EQ(csv.output, "\xEF\xBB\xBF退役日期,备\x1b[0m注,as_of,retention_until,status,error\r\n"
                        "\"2025-06-30\n\x1b[2J\",a\tb,2025-12-01,,error,\"" + message + "\"\r\n");  // quoted for its commas
  ASSERT_EQ(csv.summary->first_errors.size(), 1u);
  EXPECT_EQ(csv.summary->first_errors[0].second, message);
  // The summary keeps the headers themselves (the CLI escapes them as it prints them).
  EXPECT_EQ(csv.summary->passed_through, (std::vector<std::string>{"备\x1b[0m注"}));
  o.format = OutputFormat::jsonl;
  const auto jsonl = run(roster, o);
  ASSERT_TRUE(jsonl.summary);
  EXPECT_TRUE(jsonl.output.starts_with("{\"row\":2,\"as_of\":\"2025-12-01\",\"status\":\"error\",\"error\":\"row 2, column A (退役日期): "
                                       "'2025-06-30\\\\n\\\\x1b[2J' is not a date")) << jsonl.output;
  // Header diagnostics name columns escaped too.
  const auto twice = run("退役日期\t,discharge_date\r\n2025-06-30,2025-06-30\r\n", o);
  ASSERT_EQ(twice.diags.size(), 1u);
  EXPECT_EQ(twice.diags[0].message,
            "column A (退役日期\\t) and column B (discharge_date) both give fact discharge_date (退役日期)");
}

TEST(BatchTrial, AFailedReadIsBatchIoWithTheReasonNotAnEmptyOrShortRoster) {
  BatchOptions o;
  o.as_of = *calendar::parse_date("2025-12-01");
  o.outputs = {"retention_until"};
  o.names = true;
  // Before the header: not "the roster is empty".
  ReadFailsAfter nothing("");
  std::istream in(&nothing);
  std::ostringstream out;
  auto v = run_batch(cn(), in, "<stdin>", out, o);
  const auto* diags = std::get_if<std::vector<source::Diagnostic>>(&v);
  ASSERT_NE(diags, nullptr);
  ASSERT_EQ(diags->size(), 1u);
  EXPECT_EQ(diags->at(0).code, "batch_io");
  EXPECT_EQ(diags->at(0).span.file, "<stdin>");
  EXPECT_EQ(diags->at(0).message, "cannot read the roster: Input/output error");
  EXPECT_EQ(out.str(), "");
  // Midway: the rows read are written, and the run still fails rather than pass for complete.
  ReadFailsAfter some("退役日期\r\n2025-06-15\r\n");
  std::istream in2(&some);
  std::ostringstream out2;
  v = run_batch(cn(), in2, "r.csv", out2, o);
  diags = std::get_if<std::vector<source::Diagnostic>>(&v);
  ASSERT_NE(diags, nullptr);
  ASSERT_EQ(diags->size(), 1u);
  EXPECT_EQ(diags->at(0).code, "batch_io");
  EXPECT_EQ(diags->at(0).message, "cannot read the roster: Input/output error");
  EXPECT_EQ(out2.str(), "\xEF\xBB\xBF退役日期,as_of,retention_until,status,error\r\n2025-06-15,2025-12-01,2027-06-15,ok,\r\n");
}

/// Accepts `room` bytes, then fails like a full disk.
struct DiskFillingUp : std::streambuf {
  explicit DiskFillingUp(std::size_t bytes) : room(bytes) {}
  int overflow(int c) override {
    if (room == 0) return traits_type::eof();
    --room;
    kept += static_cast<char>(c);
    return c;
  }
  std::streamsize xsputn(const char* p, std::streamsize n) override {
    const auto take = std::min<std::size_t>(room, static_cast<std::size_t>(n));
    kept.append(p, take);
    room -= take;
    return static_cast<std::streamsize>(take);
  }
  std::size_t room;
  std::string kept;
};

TEST(BatchTrial, AWriteFailureMidwayStopsTheRunWhileRowsAreBeingEvaluated) {
  // Small blocks, so that the disk fills while later blocks are still being evaluated and read.
  std::string roster = "退役日期\r\n";
  for (int i = 0; i < 2000; ++i) roster += "2025-06-15\r\n";
  for (const unsigned jobs : {1u, 2u}) {
    DiskFillingUp disk(5000);
    std::ostream out(&disk);
    std::istringstream in(roster);
    BatchOptions o;
    o.as_of = *calendar::parse_date("2025-12-01");
    o.jobs = jobs;
    o.block_rows = 7;
    const auto v = run_batch(cn(), in, "r.csv", out, o);
    const auto* diags = std::get_if<std::vector<source::Diagnostic>>(&v);
    ASSERT_NE(diags, nullptr) << "jobs " << jobs;
    EXPECT_EQ(diags->at(0).code, "batch_io");
    EXPECT_EQ(disk.kept.size(), 5000u);
    EXPECT_TRUE(disk.kept.starts_with("\xEF\xBB\xBF") || disk.kept.starts_with("退役日期")) << disk.kept.substr(0, 20);
  }
}

// ---- The result for people (issue 11) -----------------------------------------------------------

/// A small pack whose labels and enum labels hold commas and quotes, with an output of each kind
/// the people's form rewrites (period, enum, bool, list of windows) and one reading a fact the
/// test rosters lack.
const engine::Engine& labels_pack() {
  static const auto engine = [] {
    const std::vector<loader::SourceFile> files{{"labels.toml", R"(
[policy]
id = "labels"
title = "Labels"
version = "1.0.0"
timezone = "Asia/Shanghai"
date_convention = "prc-civil-code"

[facts.start_date]
type = "date"
label = "开始日期"
description = "Start."

[facts.other_date]
type = "date"
label = "其他日期"
description = "Another date."

[[rules]]
id = "r"
title = "R"

  [rules.outputs.until]
  type = "deadline"
  label = 'Until, "inclusive"'
  expr = "start_date + P1Y6M"

  [rules.outputs.span]
  type = "period"
  label = "期限"
  expr = "P1Y6M"

  [rules.outputs.kind]
  type = "enum"
  label = "类别"
  values = [ { name = "early", label = '早, "前"' }, { name = "late", label = "晚" } ]
  expr = "if start_date < 2025-01-01 then 'early' else 'late'"

  [rules.outputs.started]
  type = "bool"
  label = "已开始"
  expr = "as_of >= start_date"

  [rules.outputs.windows]
  type = "list<window>"
  label = "办理期间"
  expr = "[[start_date .. start_date + P1M]] + [[start_date + P1Y .. start_date + P1Y1M]]"

  [rules.outputs.other]
  type = "date"
  label = "另一日期"
  expr = "other_date"

  [[rules.citations]]
  document = "Doc"
  article = "Art. 1"
  summary = "S."
)"}};
    auto r = loader::load_pack(files);
    if (!r.ok()) throw std::runtime_error("the labels pack does not load: " + r.diagnostics.at(0).message);
    return std::make_unique<engine::Engine>(std::move(r.pack));
  }();
  return *engine;
}

Result run_on(const engine::Engine& engine, const std::string& roster, BatchOptions o) {
  if (o.as_of == calendar::Date()) o.as_of = *calendar::parse_date("2025-12-01");
  std::istringstream in(roster);
  std::ostringstream out;
  Result r;
  auto v = run_batch(engine, in, "roster.csv", out, o);
  if (auto* s = std::get_if<BatchSummary>(&v)) r.summary = *s;
  else r.diags = std::get<std::vector<source::Diagnostic>>(v);
  r.output = out.str();
  return r;
}

const std::string kLabelsRoster = "学号,开始日期\r\n1,2024-03-31\r\n2,2026-01-10\r\n3,\r\n";

TEST(BatchForPeople, LabelsValuesStatusesAndTheEvaluationDateWithABom) {
  const auto r = run_on(labels_pack(), kLabelsRoster, {});
  ASSERT_TRUE(r.summary) << (r.diags.empty() ? "" : r.diags[0].message);
  // By hand: 2024-03-31 + P1Y6M = 2025-09-31, which does not exist: 2025-09-30 (Civil Code Art.
  // 202); + P1M = 2024-04-30; + P1Y = 2025-03-31, + P1Y1M = 2025-04-30. 2026-01-10 is after the
  // evaluation date (not started); + P1Y6M = 2027-07-10. Row 3 has no start date: its answers wait.
  // Labels and enum labels with a comma or a quote are quoted (RFC 4180); the other output
  // (另一日期) reads a fact no column gives, so it is not written by default.
  EXPECT_EQ(r.output,
            "\xEF\xBB\xBF"
            "学号,开始日期,评估日期,\"Until, \"\"inclusive\"\"\",期限,类别,已开始,办理期间,状态,说明\r\n"
            "1,2024-03-31,2025-12-01,2025-09-30,1年6个月,\"早, \"\"前\"\"\",是,2024-03-31至2024-04-30；2025-03-31至2025-04-30,正常,\r\n"
            "2,2026-01-10,2025-12-01,2027-07-10,1年6个月,晚,否,2026-01-10至2026-02-10；2027-01-10至2027-02-10,正常,\r\n"
            "3,,2025-12-01,,1年6个月,,,,待补充,需补充：开始日期\r\n");  // the empty cell its outputs wait for
  EXPECT_EQ(r.summary->ok, 2u);
  EXPECT_EQ(r.summary->unknown, 1u);
  EXPECT_EQ(r.summary->as_of, *calendar::parse_date("2025-12-01"));
  EXPECT_EQ(r.summary->outputs_written, 5u);
  ASSERT_EQ(r.summary->left_out.size(), 1u);
  EXPECT_EQ(r.summary->left_out[0].name, "other");
  EXPECT_EQ(r.summary->left_out[0].label, "另一日期");
  EXPECT_EQ(r.summary->left_out[0].missing_facts, std::vector<std::uint32_t>{1});  // other_date
  EXPECT_TRUE(r.summary->undecidable.empty());
}

TEST(BatchForPeople, NamesGiveTheMachineForm) {
  BatchOptions o;
  o.names = true;
  const auto r = run_on(labels_pack(), kLabelsRoster, o);
  ASSERT_TRUE(r.summary);
  EXPECT_EQ(r.output,
            "\xEF\xBB\xBF"
            "学号,开始日期,as_of,until,span,kind,started,windows,status,error\r\n"
            "1,2024-03-31,2025-12-01,2025-09-30,P1Y6M,early,true,\"[[2024-03-31 .. 2024-04-30], [2025-03-31 .. 2025-04-30]]\",ok,\r\n"
            "2,2026-01-10,2025-12-01,2027-07-10,P1Y6M,late,false,\"[[2026-01-10 .. 2026-02-10], [2027-01-10 .. 2027-02-10]]\",ok,\r\n"
            "3,,2025-12-01,,P1Y6M,,,,unknown,\r\n");
}

TEST(BatchForPeople, EnglishNamesTheAddedColumnsAndWords) {
  BatchOptions o;
  o.lang = source::Lang::en;
  o.output_encoding = OutputEncoding::utf8;
  const auto r = run_on(labels_pack(), kLabelsRoster, o);
  ASSERT_TRUE(r.summary);
  const auto rows = rows_of(r.output);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"学号", "开始日期", "as_of", "Until, \"inclusive\"", "期限", "类别", "已开始",
                                                "办理期间", "status", "error"}));
  EXPECT_EQ(rows[1], (std::vector<std::string>{"1", "2024-03-31", "2025-12-01", "2025-09-30", "1 year 6 months", "早, \"前\"",
                                                "yes", "2024-03-31 to 2024-04-30; 2025-03-31 to 2025-04-30", "ok", ""}));
  EXPECT_EQ(rows[2][6], "no");
  EXPECT_EQ(rows[3][8], "unknown");
}

TEST(BatchForPeople, TheSameTextWithAndWithoutTheMemoAndForAnyNumberOfJobs) {
  // The remembered text (TextMemo) is the people's text: the same bytes computed for every row.
  std::string roster = "学号,开始日期\r\n";
  for (int i = 0; i < 3000; ++i) {
    roster += std::to_string(i) + "," + (i % 7 == 0 ? std::string() : "2024-0" + std::to_string(1 + i % 9) + "-1" + std::to_string(i % 10)) + "\r\n";
  }
  BatchOptions remembered, computed, two;
  computed.memo_entries = 0;
  two.jobs = 2;
  two.block_rows = 64;
  const auto a = run_on(labels_pack(), roster, remembered), b = run_on(labels_pack(), roster, computed),
             c = run_on(labels_pack(), roster, two);
  ASSERT_TRUE(a.summary && b.summary && c.summary);
  EXPECT_EQ(a.output, b.output);
  EXPECT_EQ(a.output, c.output);
  EXPECT_NE(a.output.find("\"早, \"\"前\"\"\""), std::string::npos);
}

TEST(BatchForPeople, EveryCsvStartsWithABomUnlessAskedOtherwiseAndJsonLinesNever) {
  const auto with = [&](OutputEncoding e, OutputFormat f = OutputFormat::csv) {
    BatchOptions o;
    o.output_encoding = e;
    o.format = f;
    return run_on(labels_pack(), kLabelsRoster, o).output;
  };
  const std::string bom = "\xEF\xBB\xBF";
  EXPECT_TRUE(with(OutputEncoding::automatic).starts_with(bom + "学号,"));  // a roster without a BOM
  EXPECT_TRUE(with(OutputEncoding::utf8_bom).starts_with(bom + "学号,"));
  EXPECT_TRUE(with(OutputEncoding::utf8).starts_with("学号,"));
  const auto gb = with(OutputEncoding::gb18030);
  EXPECT_FALSE(gb.starts_with(bom));
  EXPECT_TRUE(gb.starts_with(encode("学号,开始日期,评估日期,", "GB18030")));
  EXPECT_TRUE(with(OutputEncoding::automatic, OutputFormat::jsonl).starts_with("{\"row\":2,"));
  EXPECT_TRUE(with(OutputEncoding::utf8_bom, OutputFormat::jsonl).starts_with("{\"row\":2,"));
}

TEST(BatchForPeople, JsonLinesCarryTheEvaluationDateAndStayInTheMachineForm) {
  BatchOptions o;
  o.format = OutputFormat::jsonl;
  const auto r = run_on(labels_pack(), kLabelsRoster, o);
  ASSERT_TRUE(r.summary);
  std::istringstream lines(r.output);
  std::string first;
  std::getline(lines, first);
  EXPECT_EQ(first,
            "{\"row\":2,\"as_of\":\"2025-12-01\",\"status\":\"ok\",\"values\":{\"until\":\"2025-09-30\",\"span\":\"P1Y6M\","
            "\"kind\":\"early\",\"started\":true,\"windows\":[{\"start\":\"2024-03-31\",\"end\":\"2024-04-30\"},"
            "{\"start\":\"2025-03-31\",\"end\":\"2025-04-30\"}]},\"unknown\":{},\"errors\":{}}");
}

TEST(BatchForPeople, DefaultOutputsAreThoseTheRosterCanDecide) {
  // retention_until reads the discharge date and the identity at enlistment (and nothing else):
  // without a column 入伍时身份 it is left out, named with the column that brings it in.
  const auto fact = [](std::string_view name) { return *cn().pack().find_fact(name); };
  const auto output = [](std::string_view name) { return *cn().pack().find_output(name); };
  EXPECT_EQ(cn().facts_read(output("retention_until")),
            (std::vector<std::uint32_t>{std::min(fact("discharge_date"), fact("enlisted_as")),
                                        std::max(fact("discharge_date"), fact("enlisted_as"))}));
  BatchOptions all;
  const auto lacking = run_on(cn(), "学号,退役日期\r\n1,2025-06-15\r\n", all);
  ASSERT_TRUE(lacking.summary) << (lacking.diags.empty() ? "" : lacking.diags[0].message);
  const auto& left = lacking.summary->left_out;
  const auto until = std::find_if(left.begin(), left.end(), [](const OutputGap& g) { return g.name == "retention_until"; });
  ASSERT_NE(until, left.end());
  EXPECT_EQ(until->label, "入学资格/学籍保留至");
  EXPECT_EQ(until->missing_facts, std::vector<std::uint32_t>{fact("enlisted_as")});
  // Every output written reads only the discharge date, so every row is decided: 正常.
  const auto rows = rows_of(lacking.output);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].size(), 2u + 1 + lacking.summary->outputs_written + 2);
  EXPECT_EQ(rows[0][2], "评估日期");
  EXPECT_EQ(rows[1][rows[1].size() - 2], "正常");
  for (std::uint32_t oi = 0; oi < cn().pack().outputs.size(); ++oi) {
    const bool text = cn().pack().outputs[oi].decl(cn().policy()).type.kind == model::Kind::text;
    const auto facts = cn().facts_needed(oi);
    const bool decidable = std::all_of(facts.begin(), facts.end(), [&](std::uint32_t f) { return f == fact("discharge_date"); });
    const bool written = std::find(rows[0].begin(), rows[0].end(), cn().pack().outputs[oi].decl(cn().policy()).label) != rows[0].end();
    const bool listed = std::any_of(left.begin(), left.end(), [&](const OutputGap& g) { return g.name == cn().pack().outputs[oi].name; });
    EXPECT_EQ(written, !text && decidable) << cn().pack().outputs[oi].name;
    EXPECT_EQ(listed, !text && !decidable) << cn().pack().outputs[oi].name;
  }
  // With the column, it is written.
  const auto with = run_on(cn(), "学号,退役日期,入伍时身份\r\n1,2025-06-15,在校生\r\n", all);
  ASSERT_TRUE(with.summary);
  const auto header = rows_of(with.output)[0];
  EXPECT_NE(std::find(header.begin(), header.end(), "入学资格/学籍保留至"), header.end());
  EXPECT_EQ(rows_of(with.output)[1][std::find(header.begin(), header.end(), "入学资格/学籍保留至") - header.begin()], "2027-06-15");
}

TEST(BatchForPeople, AFactReadOnlyUnderIfUnknownIsNotNeeded) {
  // degree_online applies `when not if_unknown(no_record_can_exist, false)`: it reads the
  // accreditation facts, but their absence never leaves it waiting. A roster of graduates with
  // their certificate dates decides it.
  const auto oi = *cn().pack().find_output("degree_online");
  const auto fact = [](std::string_view name) { return *cn().pack().find_fact(name); };
  const auto read = cn().facts_read(oi);
  EXPECT_NE(std::find(read.begin(), read.end(), fact("programme_accredited")), read.end());
  EXPECT_EQ(cn().facts_needed(oi), std::vector<std::uint32_t>{fact("certificate_issue_date")});
  const auto r = run_on(cn(), "学号,发证日期\r\n1,2025-06-30\r\n2,1999-07-01\r\n", {});
  ASSERT_TRUE(r.summary);
  const auto rows = rows_of(r.output);
  ASSERT_EQ(rows.size(), 3u);
  const auto at = std::find(rows[0].begin(), rows[0].end(), "属电子注册的学历（2001年起）") - rows[0].begin();
  ASSERT_LT(static_cast<std::size_t>(at), rows[0].size());
  EXPECT_EQ(rows[1][at], "是");
  EXPECT_EQ(rows[2][at], "否");  // issued before electronic registration (2001)
  EXPECT_EQ(r.summary->ok, 2u);
}

TEST(BatchForPeople, NoDecidableOutputStillWritesTheRowsWithTheirStatus) {
  // 学号 and 姓名 are facts, but every output needs some other one: nothing to write, which is
  // no failure; the summary says what each output would need.
  const auto r = run_on(cn(), "学号,姓名\r\n1,王\r\n", {});
  ASSERT_TRUE(r.summary) << (r.diags.empty() ? "" : r.diags[0].message);
  EXPECT_EQ(r.output, "\xEF\xBB\xBF学号,姓名,评估日期,状态,说明\r\n1,王,2025-12-01,正常,\r\n");
  EXPECT_EQ(r.summary->outputs_written, 0u);
  EXPECT_FALSE(r.summary->left_out.empty());
  for (const auto& gap : r.summary->left_out) EXPECT_FALSE(gap.missing_facts.empty()) << gap.name;
}

TEST(BatchForPeople, OutputsAreChosenByNameOrLabelAndThoseNoColumnDecidesAreNoted) {
  BatchOptions o;
  o.outputs = {"期限", "other", "kind"};
  const auto r = run_on(labels_pack(), kLabelsRoster, o);
  ASSERT_TRUE(r.summary) << (r.diags.empty() ? "" : r.diags[0].message);
  EXPECT_EQ(rows_of(r.output)[0], (std::vector<std::string>{"学号", "开始日期", "评估日期", "期限", "另一日期", "类别", "状态", "说明"}));
  ASSERT_EQ(r.summary->undecidable.size(), 1u);  // written as asked, and noted
  EXPECT_EQ(r.summary->undecidable[0].name, "other");
  EXPECT_EQ(r.summary->undecidable[0].missing_facts, std::vector<std::uint32_t>{1});
  EXPECT_TRUE(r.summary->left_out.empty());
  EXPECT_EQ(r.summary->unknown, 3u);  // every row waits for the other date
  // A label two outputs share names neither.
  BatchOptions shared;
  shared.outputs = {"办理途径"};
  const auto s = run("学号,退役日期\r\n1,2025-06-15\r\n", shared, true);
  ASSERT_EQ(s.diags.size(), 1u);
  EXPECT_EQ(s.diags[0].code, "batch_unknown_output");
  EXPECT_EQ(s.diags[0].message_zh, "“办理途径”是多个输出的标签（correction_route, identity_change_route）：请写其中一个的名称");
}

TEST(BatchForPeople, AColumnNamedLikeAPeoplesColumnIsAClash) {
  // A file batch wrote for people, given again: its 评估日期, labels, 状态 and 说明 clash.
  const auto first = run_on(labels_pack(), kLabelsRoster, {});
  ASSERT_TRUE(first.summary);
  const auto again = run_on(labels_pack(), first.output, {});
  ASSERT_FALSE(again.diags.empty());
  EXPECT_EQ(again.diags[0].code, "batch_column_clash");
}

}  // namespace
}  // namespace rules::batch

// ---- Headers registrars' exports carry; cells no answer needs; columns named as Excel does ----

namespace rules::batch {
namespace {

TEST(BatchHeaders, EveryCommonVariantMapsToTheFactItMeans) {
  // Each variant read from a description of the fact (pack.toml): 毕业日期 is the registered
  // graduation date, which is the certificate's issue date; 录取时间 the admission date.
  const std::vector<std::pair<std::string, std::string>> variants = {
      {"退役时间", "discharge_date"},      {"退伍时间", "discharge_date"},
      {"退出现役时间", "discharge_date"},  {"退出现役日期", "discharge_date"},
      {"入伍前身份", "enlisted_as"},       {"入伍身份", "enlisted_as"},
      {"证件号码", "id_number"},           {"身份证件号", "id_number"},
      {"身份证号码", "id_number"},         {"身份证件号码", "id_number"},
      {"毕业时间", "certificate_issue_date"}, {"毕业日期", "certificate_issue_date"},
      {"发证时间", "certificate_issue_date"}, {"证书发证日期", "certificate_issue_date"},
      {"录取时间", "admission_date"},      {"学生学号", "student_number"},
      {"学生姓名", "name"},
  };
  for (const auto& [header, fact] : variants) {
    const auto r = run(header + "\r\n\r\n");
    ASSERT_TRUE(r.summary) << header;
    ASSERT_EQ(r.summary->mapped.size(), 1u) << header;
    EXPECT_EQ(r.summary->mapped[0].second, fact) << header;
  }
  // 入学日期 is the day the student reported, not the admission: read as 录取日期 it would make a
  // September admission "late" (after registration_start). It stays unread, and no near miss.
  const auto entry = run("入学日期,退役时间\r\n2023-09-05,2025-06-15\r\n");
  ASSERT_TRUE(entry.summary);
  EXPECT_EQ(entry.summary->passed_through, std::vector<std::string>{"入学日期"});
  EXPECT_TRUE(entry.summary->suggestions.empty());
  EXPECT_EQ(rows_of(entry.output).at(1).at(3), "2027-06-15");  // retention_until from 退役时间
}

TEST(BatchHeaders, TheNearMissMatcher) {
  const std::vector<std::string> known = {"退役日期", "退伍日期", "入伍时身份", "身份证号", "姓名", "discharge_date", "name"};
  EXPECT_EQ(header_suggestion("退役日其", known), "退役日期");         // 4 code points, 1 apart
  EXPECT_EQ(header_suggestion("退役 日期", known), "退役日期");        // inner space dropped
  EXPECT_EQ(header_suggestion("退役日期(年月日)", known), "退役日期");  // annotated
  EXPECT_EQ(header_suggestion("退役日期（必填）", known), "退役日期");  // full-width brackets fold
  EXPECT_EQ(header_suggestion("*退役日期", known), "退役日期");
  EXPECT_EQ(header_suggestion("入伍时的身份", known), "入伍时身份");   // 5+: 2 apart allowed
  EXPECT_EQ(header_suggestion("身份证", known), "身份证号");           // 3: 1 apart
  EXPECT_EQ(header_suggestion("姓 名", known), "姓名");                // 2: equal once folded
  EXPECT_EQ(header_suggestion("ｄｉｓｃｈａｒｇｅ＿ｄａｔｅ", known), "discharge_date");
  EXPECT_EQ(header_suggestion("DischargeDate", known), "discharge_date");
  EXPECT_EQ(header_suggestion("退役日子", known), "退役日期");         // the first of equals
  EXPECT_EQ(header_suggestion("入伍时间", known), std::nullopt);       // 4 vs 5: 2 apart is too far
  EXPECT_EQ(header_suggestion("出生日期", known), std::nullopt);       // 2 apart from 退役日期
  EXPECT_EQ(header_suggestion("家长姓名", known), std::nullopt);       // not an annotation of 姓名
  EXPECT_EQ(header_suggestion("nickname", known), std::nullopt);
  EXPECT_EQ(header_suggestion("性别", known), std::nullopt);
  EXPECT_EQ(header_suggestion("", known), std::nullopt);
}

TEST(BatchHeaders, ANearMissIsNamedInTheSummaryInEitherLanguage) {
  const std::string roster = "学号,姓名,退役日其,备注\r\n1,王一,2025-06-15,x\r\n";
  const auto zh = run_lang(roster);
  ASSERT_TRUE(zh.summary);
  ASSERT_EQ(zh.summary->suggestions.size(), 1u);
  EXPECT_EQ(zh.summary->suggestions[0].column, 2u);
  EXPECT_EQ(zh.summary->suggestions[0].known, "退役日期");
  EXPECT_EQ(summary_notes(*zh.summary, source::Lang::zh),
            std::vector<std::string>{"第1行 C列（退役日其）未被读取：是否应为“退役日期”？"});
  EXPECT_EQ(summary_notes(*zh.summary, source::Lang::en),
            std::vector<std::string>{"row 1, column C (退役日其) was not read: did you mean “退役日期”?"});
  // A fact another column already gives is not suggested again.
  const auto both = run_lang("退役日期,退役日期(备注)\r\n2025-06-15,x\r\n");
  ASSERT_TRUE(both.summary);
  EXPECT_TRUE(both.summary->suggestions.empty());
}

TEST(BatchHeaders, AHeaderOfNearMissesOnlyIsRefusedWithTheSuggestions) {
  const auto r = run_lang("学号码,退役日其,入伍时身分\r\n1,2025-06-15,在校生\r\n");
  ASSERT_EQ(r.diags.size(), 1u);
  EXPECT_EQ(r.diags[0].code, "batch_bad_header");
  // 学号码 is not 学号 with an annotation, and a 2-character header is only suggested when equal once folded.
  EXPECT_TRUE(r.diags[0].message_zh.ends_with("（policy facts 列出可用的表头；表头不在第1行时用 --header-row 指定）"
                                              "；B列（退役日其）是否应为“退役日期”？；C列（入伍时身分）是否应为“入伍时身份”？"))
      << r.diags[0].message_zh;
  EXPECT_TRUE(r.diags[0].message.ends_with("; column B (退役日其) may be “退役日期”; column C (入伍时身分) may be “入伍时身份”"))
      << r.diags[0].message;
}

TEST(BatchHeaders, ATitleRowAboveTheHeaderIsFoundKeptAndSaid) {
  const std::string roster =
      "某某大学2025年退役复学学生名单,,\r\n"
      "\r\n"
      "学号,退役日期,入伍时身份\r\n"
      "1,2025-06-15,在校生\r\n"
      "2,2025/13/01,在校生\r\n";
  BatchOptions o;
  o.outputs = {"retention_until"};
  const auto r = run_lang(roster, o);
  ASSERT_TRUE(r.summary) << (r.diags.empty() ? "" : r.diags[0].message);
  EXPECT_EQ(r.summary->header_row, 3u);
  EXPECT_TRUE(r.summary->header_found_below);
  EXPECT_EQ(r.summary->title_rows, 1u);
  EXPECT_EQ(r.summary->rows, 2u);
  // The title and the blank row stay, so that row 5 of the result is row 5 of the roster.
  const auto rows = rows_of(r.output);
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0], std::vector<std::string>{"某某大学2025年退役复学学生名单"});  // trailing empty cells are not kept
  EXPECT_EQ(rows[1], std::vector<std::string>{""});
  EXPECT_EQ(rows[2][0], "学号");
  EXPECT_EQ(rows[3][4], "2027-06-15");  // 学号, 退役日期, 姓名, 评估日期, then the output
  EXPECT_TRUE(rows[4].back().starts_with("第5行 B列（退役日期）：'2025/13/01'")) << rows[4].back();
  const auto notes = summary_notes(*r.summary, source::Lang::zh);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_TRUE(notes[0].starts_with("第1-2行没有可识别的列名，视为标题行；表头从第3行读取。")) << notes[0];
  // JSON Lines leaves the title out; rows keep their numbers.
  o.format = OutputFormat::jsonl;
  const auto j = run_lang(roster, o);
  ASSERT_TRUE(j.summary);
  EXPECT_TRUE(j.output.starts_with("{\"row\":4,\"as_of\":\"2025-12-01\",\"status\":\"ok\"")) << j.output;
}

TEST(BatchSummaryNotes, FooterRowsWithNothingTheOutputsReadAreNamed) {
  // The trial: 合计：2人 and 制表人 under the students were counted as two more students waiting
  // for facts, with nothing telling them apart.
  const std::string roster =
      "学号,退役日期,入伍时身份,备注\r\n2021001,2025-06-15,在校,\r\n2021002,,在校生,\r\n"
      "合计：2人,,,\r\n,,,制表人：张三\r\n";
  BatchOptions o;
  o.outputs = {"reenroll_deadline"};
  const auto r = run_lang(roster, o);
  ASSERT_TRUE(r.summary) << (r.diags.empty() ? "" : r.diags[0].message);
  EXPECT_EQ(r.summary->rows, 4u);
  EXPECT_EQ(r.summary->ok, 1u);  // 在校 reads as 在校生 (the trial's roster wrote it so)
  EXPECT_EQ(r.summary->unknown, 3u);  // rows out = rows in: the footer rows are still rows
  EXPECT_EQ(r.summary->rows_without_facts, 2u);  // not row 3, which gives its 入伍时身份
  EXPECT_EQ(r.summary->first_rows_without_facts, (std::vector<std::size_t>{4, 5}));
  const auto notes = summary_notes(*r.summary, source::Lang::zh);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0], "2行（第4、5行）在本次结果所需的各列都是空的，计为待补充：表尾的合计、制表人等行不是学生，可以不管；是学生的请填上这些列。");
  EXPECT_TRUE(summary_notes(*r.summary, source::Lang::en)[0].starts_with("2 rows (rows 4, 5) have nothing in any column"))
      << summary_notes(*r.summary, source::Lang::en)[0];
  // An output that reads no column the roster has: no row can be told from a footer.
  o.outputs = {"degree_visible_from"};
  const auto none = run_lang(roster, o);
  ASSERT_TRUE(none.summary);
  EXPECT_EQ(none.summary->rows_without_facts, 0u);
}

TEST(BatchHeaders, HeaderRowNamesTheRowAndNoTitleFoundIsTheOldError) {
  const std::string roster = "名单,\r\n说明：2025年\r\n退役日期,学号\r\n2025-06-15,1\r\n";
  BatchOptions o;
  o.outputs = {"retention_until"};
  o.header_row = 3;
  const auto r = run_lang(roster, o);
  ASSERT_TRUE(r.summary);
  EXPECT_EQ(r.summary->header_row, 3u);
  EXPECT_FALSE(r.summary->header_found_below);
  EXPECT_EQ(r.summary->title_rows, 2u);
  EXPECT_EQ(rows_of(r.output).at(3).at(3), "2027-06-15");
  EXPECT_EQ(summary_notes(*r.summary, source::Lang::en).at(0),
            "the header was read from row 3 (--header-row); rows 1-2 above it are title rows (kept as they were in the "
            "result).");
  // --header-row 1 reads row 1 as it is: here it names no fact.
  o.header_row = 1;
  const auto first = run(roster, o);
  ASSERT_EQ(first.diags.size(), 1u);
  EXPECT_EQ(first.diags[0].code, "batch_bad_header");
  EXPECT_EQ(first.diags[0].span.begin.line, 1u);
  // A blank or missing header row is said as such.
  o.header_row = 9;
  const auto missing = run_lang(roster, o);
  ASSERT_EQ(missing.diags.size(), 1u);
  EXPECT_EQ(missing.diags[0].message_zh, "名单在第9行之前就结束了，而 --header-row 指定第9行为表头行");
  // Eleven rows naming no fact: the header is not looked for further, and row 1 is the error.
  std::string deep;
  for (int i = 0; i < 11; ++i) deep += "说明" + std::to_string(i) + "\r\n";
  const auto none = run_lang(deep + "退役日期\r\n2025-06-15\r\n", {});
  ASSERT_EQ(none.diags.size(), 1u);
  EXPECT_EQ(none.diags[0].code, "batch_bad_header");
  EXPECT_EQ(none.diags[0].span.begin.line, 1u);
}

TEST(BatchCells, ABadIdNoOutputReadsIsAWarningAndTheAnswersAreComputed) {
  // Every ID number as Excel leaves a column stored as numbers; the outputs read only the dates.
  std::string roster = "学号,身份证号,退役日期,入伍时身份\r\n";
  for (int i = 1; i <= 4; ++i) roster += std::to_string(i) + ",1.10101E+17,2025-06-15,在校生\r\n";
  BatchOptions o;
  o.outputs = {"retention_until", "reenroll_deadline"};
  const auto r = run_lang(roster, o);
  ASSERT_TRUE(r.summary);
  EXPECT_EQ(r.summary->error, 0u);
  EXPECT_EQ(r.summary->ok, 4u);
  EXPECT_EQ(r.summary->warned, 4u);
  const auto rows = rows_of(r.output);
  ASSERT_EQ(rows.size(), 5u);
  for (std::size_t i = 1; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i][4], "2025-12-01") << i;  // 评估日期
    EXPECT_EQ(rows[i][5], "2027-06-15") << i;  // retention_until (2025-06-15 + 2 years)
    EXPECT_EQ(rows[i][6], "2026-09-30") << i;  // reenroll_deadline: the next year's intake ends 09-30
    EXPECT_EQ(rows[i][7], "ok") << i;
    EXPECT_TRUE(rows[i][8].starts_with("第" + std::to_string(i + 1) + "行 B列（身份证号）：'1.1********'")) << rows[i][8];
    EXPECT_TRUE(rows[i][8].ends_with("（仅提醒：本次写出的结果都不需要这一列）")) << rows[i][8];
  }
  ASSERT_EQ(r.summary->damaged_columns.size(), 1u);
  EXPECT_EQ(r.summary->damaged_columns[0].column, 1u);
  EXPECT_EQ(r.summary->damaged_columns[0].damaged, 4u);
  EXPECT_EQ(r.summary->damaged_columns[0].filled, 4u);
  EXPECT_FALSE(r.summary->damaged_columns[0].needed);
  const auto notes = summary_notes(*r.summary, source::Lang::zh);
  ASSERT_EQ(notes.size(), 2u);  // the column once, the rows with warnings once
  EXPECT_TRUE(notes[0].starts_with("B列（身份证号）大部分被 Excel 改为科学计数法")) << notes[0];
  EXPECT_NE(notes[0].find("请把该列设为文本后从原系统重新导出"), std::string::npos);
  EXPECT_EQ(notes[1], "4行的“说明”列有提醒：单元格有误，但本次写出的结果不需要它，这些行照常计算。");
}

TEST(BatchCells, ABadCellIsARowErrorOnlyWhenAnOutputWrittenReadsIt) {
  // 发证日期 is read by degree_visible_from only.
  const std::string roster = "退役日期,发证日期\r\n2025-06-15,2025/2/30\r\n";
  BatchOptions o;
  o.outputs = {"retention_until"};
  const auto unread = run(roster, o);
  ASSERT_TRUE(unread.summary);
  EXPECT_EQ(unread.summary->error, 0u);
  EXPECT_EQ(unread.summary->warned, 1u);
  EXPECT_EQ(rows_of(unread.output).at(1),
            (std::vector<std::string>{"2025-06-15", "2025/2/30", "2025-12-01", "2027-06-15", "ok",
                                      "row 2, column B (发证日期): '2025/2/30' is not a valid date: February 2025 has 28 "
                                      "days (a warning only: no output written needs this column)"}));
  o.outputs = {"retention_until", "degree_visible_from"};
  const auto read = run(roster, o);
  ASSERT_TRUE(read.summary);
  EXPECT_EQ(read.summary->error, 1u);
  EXPECT_EQ(read.summary->warned, 0u);
  EXPECT_EQ(rows_of(read.output).at(1),
            (std::vector<std::string>{"2025-06-15", "2025/2/30", "2025-12-01", "", "", "error",
                                      "row 2, column B (发证日期): '2025/2/30' is not a valid date: February 2025 has 28 "
                                      "days"}));
}

TEST(BatchCells, OnlyMostOfAColumnDamagedIsSaid) {
  // 2 of 4 non-empty cells damaged (an empty cell does not count): not more than half.
  const std::string roster = "身份证号,退役日期\r\n1.10101E+17,2025-06-15\r\n110101199003078000,2025-06-15\r\n"
                             "110101199003078515,2025-06-15\r\n,2025-06-15\r\n11010119900307851X,2025-06-15\r\n";
  const auto r = run(roster);
  ASSERT_TRUE(r.summary);
  EXPECT_TRUE(r.summary->damaged_columns.empty());
  EXPECT_EQ(r.summary->warned, 3u);  // the two damaged and the wrong check character
  EXPECT_TRUE(excel_damaged_id("1.10101E+17"));
  EXPECT_TRUE(excel_damaged_id(" 1.10101199003077E+17 "));
  EXPECT_TRUE(excel_damaged_id("1E17"));
  EXPECT_TRUE(excel_damaged_id("110101199003078000"));   // check character would be 5
  EXPECT_FALSE(excel_damaged_id("11010119900307851X"));  // wrong, but not Excel's doing
  EXPECT_FALSE(excel_damaged_id("110101199003078515"));  // right
  EXPECT_FALSE(excel_damaged_id("2025-06-15"));
  EXPECT_FALSE(excel_damaged_id("E+17"));
}

TEST(BatchCells, RowErrorsNameTheRowAndTheColumnLetterInTheRunsLanguage) {
  const std::string roster = "学号,退役日期,入伍时身份\r\n1,2025/13/01,老生\r\n";
  const auto zh = run_lang(roster);
  ASSERT_TRUE(zh.summary);
  ASSERT_EQ(zh.summary->first_errors.size(), 1u);
  const std::string& m = zh.summary->first_errors[0].second;
  EXPECT_TRUE(m.starts_with("第2行 B列（退役日期）：'2025/13/01' ")) << m;
  EXPECT_NE(m.find("；C列（入伍时身份）：'老生' "), std::string::npos) << m;
  EXPECT_EQ(rows_of(zh.output).at(1).back(), m);  // the same text in the result and the summary
  const auto en = run(roster);
  ASSERT_TRUE(en.summary);
  EXPECT_EQ(en.summary->first_errors.at(0).second,
            "row 2, column B (退役日期): '2025/13/01' is not a valid date: there is no month 13; "
            "column C (入伍时身份): '老生' is not one of new_student (新生), enrolled_student (在校生)");
}

TEST(BatchCells, AFailedOutputIsNamedByItsLabelInChineseWithTheCellsItReads) {
  BatchOptions o;
  o.outputs = {"retention_until"};
  const auto r = run_lang("学号,退役日期\r\n1,9998/12/31\r\n", o);
  ASSERT_TRUE(r.summary);
  ASSERT_EQ(r.summary->first_errors.size(), 1u);
  const std::string& m = r.summary->first_errors[0].second;
  // The label of pack.toml's retention_until (rules-5-veterans.toml), then the name.
  EXPECT_TRUE(m.starts_with("第2行 入学资格/学籍保留至（retention_until）：")) << m;
  EXPECT_TRUE(m.ends_with("（B列（退役日期）：'9998/12/31'）")) << m;
}

}  // namespace
}  // namespace rules::batch
