// The result workbook's failures as coded diagnostics, and its typed-cell encoding. Its cells are
// read back by independent readers in tests/batch/xlsx_check.py (openpyxl, LibreOffice).
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "batch/batch.h"
#include "batch/xlsx_writer.h"
#include "builtin_pack.h"
#include "loader/load.h"
#include "cn_engine.h"

namespace rules::batch {
namespace {

using testing::cn;

const std::string kRoster =
    "学号,姓名,退役日期,入伍时身份\r\n"
    "000101,甲,2024-02-29,在校生\r\n"
    "000102,乙,2023-02-29,在校生\r\n";

std::variant<BatchSummary, std::vector<source::Diagnostic>> run_to(const std::string& path, std::size_t jobs = 1) {
  BatchOptions o;
  o.format = OutputFormat::xlsx;
  o.xlsx_path = path;
  o.jobs = static_cast<unsigned>(jobs);
  o.as_of = *calendar::parse_date("2025-12-01");
  std::istringstream in(kRoster);
  std::ostringstream out;
  return run_batch(cn(), in, "roster.csv", out, o);
}

TEST(XlsxWriter, WritesAWorkbookAndCountsItsWorklist) {
  const auto dir = std::filesystem::temp_directory_path() / ("xlsx-writer-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = (dir / "r.xlsx").string();
  auto v = run_to(path, 2);
  ASSERT_TRUE(std::holds_alternative<BatchSummary>(v));
  const auto& s = std::get<BatchSummary>(v);
  EXPECT_EQ(s.rows, 2u);
  EXPECT_EQ(s.error, 1u);
  // 000101's school day (2025-09-30) is past, but its retention runs to 2026-02-28, 89 days
  // away: not yet due; 000102 is an error, the one row needing attention.
  EXPECT_EQ(s.worklist, 1u);
  std::ifstream f(path, std::ios::binary);
  char magic[4] = {};
  f.read(magic, 4);
  EXPECT_EQ(std::string(magic, 4), std::string("PK\x03\x04", 4)) << "a zip package";
  std::filesystem::remove_all(dir);
}

/// A roster (CSV text) run to a result workbook with `outputs`, evaluated on `as_of`: how many rows
/// its worklist (需处理) lists and how many are decided, as "worklist W ok K", or the first
/// diagnostic as "code file:line".
std::string worklist_of(const engine::Engine& e, const std::string& roster, const char* as_of,
                                                   std::vector<std::string> outputs, std::optional<int> remind_days = std::nullopt) {
  const auto dir = std::filesystem::temp_directory_path() / ("xlsx-writer-worklist-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  BatchOptions o;
  o.format = OutputFormat::xlsx;
  o.xlsx_path = (dir / "r.xlsx").string();
  o.jobs = 1;
  o.as_of = *calendar::parse_date(as_of);
  o.remind_days = remind_days;
  o.outputs = std::move(outputs);
  std::istringstream in(roster);
  std::ostringstream out;
  auto v = run_batch(e, in, "roster.csv", out, o);
  std::filesystem::remove_all(dir);
  if (auto* s = std::get_if<BatchSummary>(&v)) return "worklist " + std::to_string(s->worklist) + " ok " + std::to_string(s->ok);
  const auto& d = std::get<std::vector<source::Diagnostic>>(v).front();
  return d.code + " " + d.span.file + ":" + std::to_string(d.span.begin.line);
}

TEST(XlsxWriter, ASchoolsDeadlineThatHasPassedPutsNoRowOnTheWorklist) {
  // 学籍注册通常完成于 is the school's deadline (party = "school"): years after it, the student has
  // nothing overdue. The veteran's own deadline, past in the same roster, still counts.
  EXPECT_EQ(worklist_of(cn(), "学号,录取日期,春季入学\r\n000201,2021-08-20,否\r\n000202,2019-07-25,否\r\n", "2025-12-01",
                        {"registration_window_end", "registration_status"}),
            "worklist 0 ok 2");
  EXPECT_EQ(worklist_of(cn(), "学号,退役日期,入伍时身份,录取日期,春季入学\r\n000203,2024-02-29,在校生,2021-08-20,否\r\n",
                        "2025-12-01", {"registration_window_end", "reenroll_deadline"}),
            "worklist 1 ok 1")
      << "2025-09-30, the veteran's own last day, is past";
}

TEST(XlsxWriter, TheSchoolSetsItsRemindDaysAsAParameter) {
  // 000101's last day is 2025-09-30; evaluated on 2025-09-01 it is 29 days away: due soon with
  // the pack's 30, later with a school's 10, due soon again with --remind-days 29 over the 10.
  const auto with_params = [](const std::string& params) {
    auto files = policy_packs::builtin_cn_higher_ed_files();
    auto r = loader::load_pack(files, loader::SourceFile{"school.toml", params});
    EXPECT_TRUE(r.ok());
    return std::make_unique<engine::Engine>(std::move(r.pack));
  };
  const std::string roster = "学号,退役日期,入伍时身份\r\n000101,2024-02-29,在校生\r\n";
  const auto worklist = [&](const engine::Engine& e, std::optional<int> days) {
    return worklist_of(e, roster, "2025-09-01", {"reenroll_deadline"}, days);
  };
  EXPECT_EQ(worklist(cn(), std::nullopt), "worklist 1 ok 1");
  const auto school = with_params("worklist_remind_days = 10\n");
  EXPECT_EQ(worklist(*school, std::nullopt), "worklist 0 ok 1");
  EXPECT_EQ(worklist(*school, 29), "worklist 1 ok 1");
  const auto wrong = with_params("# 学校参数\nworklist_remind_days = 5000\n");
  EXPECT_EQ(worklist(*wrong, std::nullopt), "load_bad_value school.toml:2");
}

TEST(XlsxWriter, ARightThatStillRunsOutranksTheSchoolsPassedDay) {
  // The trial: discharged 2024-12-31, evaluated 2026-12-08. The school's last day (2025-09-30)
  // is 434 days past, but the statutory retention runs to 2026-12-31, 23 days away: the row is
  // due soon by the retention (on the worklist within 30 days, not within 20), never "overdue".
  const std::string roster = "学号,退役日期,入伍时身份\r\n000301,2024-12-31,在校生\r\n";
  const std::vector<std::string> outputs{"reenroll_deadline", "retention_until"};
  EXPECT_EQ(worklist_of(cn(), roster, "2026-12-08", outputs, 30), "worklist 1 ok 1");
  EXPECT_EQ(worklist_of(cn(), roster, "2026-12-08", outputs, 20), "worklist 0 ok 1")
      << "23 days left: not yet within 20, and not overdue";
}

TEST(XlsxWriter, AFailedWriteIsACodedDiagnosticNamingTheFile) {
  const std::string path = "/nonexistent-directory-of-the-test/r.xlsx";
  auto v = run_to(path);
  ASSERT_TRUE(std::holds_alternative<std::vector<source::Diagnostic>>(v));
  const auto& d = std::get<std::vector<source::Diagnostic>>(v);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].code, "batch_xlsx_write");
  EXPECT_EQ(d[0].span.file, path);
  EXPECT_NE(d[0].message_zh.find("无法创建 xlsx 文件"), std::string::npos) << d[0].message_zh;
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(XlsxWriter, TemplateFailureIsACodedDiagnostic) {
  const auto d = write_template(cn(), {}, "/nonexistent-directory-of-the-test/t.xlsx", source::Lang::zh);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].code, "batch_xlsx_write");
}

TEST(XlsxRowCoder, TextDropsNulBytesAndEndsWithOne) {
  std::string out;
  XlsxRowCoder::text(out, std::string_view("a\0b", 3));
  ASSERT_EQ(out.size(), 1u + 4u + 2u + 1u);
  EXPECT_EQ(out[0], static_cast<char>(XlsxRowCoder::kText));
  std::uint32_t n = 0;
  std::memcpy(&n, out.data() + 1, 4);
  EXPECT_EQ(n, 2u);
  EXPECT_EQ(out.substr(5), std::string("ab\0", 3));
  out.clear();
  XlsxRowCoder::enumeration(out, 7, "新生");
  EXPECT_EQ(out[0], static_cast<char>(XlsxRowCoder::kEnum));
  std::uint32_t index = 0;
  std::memcpy(&index, out.data() + 1, 4);
  EXPECT_EQ(index, 7u);
  std::memcpy(&n, out.data() + 5, 4);
  EXPECT_EQ(n, 6u);
  EXPECT_EQ(out.substr(9), std::string("新生\0", 7));
}

}  // namespace
}  // namespace rules::batch
