// POST /v1/batch with workbooks: the result as a workbook (format=xlsx, raw and inside the page's
// JSON answer), a roster's sheet chosen by name (sheet=), and the options' checks. Called on the
// Api directly (serve/api has no HTTP in it); tests/serve/http_test.cpp covers the HTTP around it.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include <boost/archive/iterators/binary_from_base64.hpp>
#include <boost/archive/iterators/transform_width.hpp>
#include <nlohmann/json.hpp>

#include "api.h"
#include "batch/xlsx_reader.h"
#include "serve_fixture.h"

namespace {

using serve_test::engine;
using Query = std::multimap<std::string, std::string>;

const std::string kRoster =
    "学号,姓名,退役日期,入伍时身份\n"
    "0021001,张三,2026-06-15,在校生\n"
    "0021002,李四,2025/13/01,在校生\n";

/// The rows of `sheet` in a workbook, each as its fields' text.
std::vector<std::vector<std::string>> sheet_rows(const std::string& workbook, const std::string& sheet) {
  rules::batch::XlsxOptions o;
  o.sheet = sheet;
  auto reader = rules::batch::XlsxReader::open_memory(workbook, o);
  std::vector<std::vector<std::string>> rows;
  rules::batch::Record r;
  while (reader->next(r)) {
    auto& row = rows.emplace_back();
    for (std::size_t i = 0; i < r.size(); ++i) row.emplace_back(r.field(i));
  }
  EXPECT_FALSE(reader->failure()) << sheet;
  return rows;
}

std::string from_base64(const std::string& text) {
  namespace it = boost::archive::iterators;
  std::string trimmed = text;
  while (!trimmed.empty() && trimmed.back() == '=') trimmed.pop_back();
  using Decoder = it::transform_width<it::binary_from_base64<std::string::const_iterator>, 8, 6>;
  std::string out(Decoder(trimmed.cbegin()), Decoder(trimmed.cend()));
  return out;
}

/// TMPDIR pointed at a fresh directory for the test (each test runs in its own process).
struct ScratchDir {
  ScratchDir() : path(std::filesystem::temp_directory_path() / ("batch-api-test-" + std::to_string(::getpid()))) {
    std::filesystem::create_directories(path);
    ::setenv("TMPDIR", path.c_str(), 1);
  }
  ~ScratchDir() {
    ::unsetenv("TMPDIR");
    std::filesystem::remove_all(path);
  }
  bool empty() const { return std::filesystem::is_empty(path); }
  std::filesystem::path path;
};

TEST(ServeBatchWorkbook, FormatXlsxAnswersTheResultWorkbookAndKeepsNothing) {
  ScratchDir tmp;
  const policy_serve::Api api(engine(), {7, "test", ""});
  const auto r = api.batch(kRoster, Query{{"as_of", "2026-12-07"}, {"format", "xlsx"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  ASSERT_GT(r.body.size(), 4u);
  EXPECT_EQ(r.body.substr(0, 4), std::string("PK\x03\x04", 4));
  EXPECT_TRUE(tmp.empty()) << "the temporary workbook is removed before the answer";
  const auto rows = sheet_rows(r.body, "结果");
  ASSERT_EQ(rows.size(), 3u);
  const auto& head = rows[0];
  const auto col = [&](const std::string& h) { return std::find(head.begin(), head.end(), h) - head.begin(); };
  ASSERT_LT(static_cast<std::size_t>(col("学校规定的最后办理日")), head.size());
  EXPECT_EQ(rows[1][0], "0021001") << "学号 stays text, leading zeros and all";
  EXPECT_EQ(rows[1][static_cast<std::size_t>(col("学校规定的最后办理日"))], "2027-09-30") << "a date cell";
  EXPECT_EQ(rows[2][static_cast<std::size_t>(col("状态"))], "错误");
  // The worklist: the error row only (the deadline is 297 days away).
  const auto worklist = sheet_rows(r.body, "需处理");
  ASSERT_EQ(worklist.size(), 2u);
  EXPECT_EQ(worklist[1][1], "0021002");
  bool has_disposition = false;
  for (const auto& [k, v] : r.headers) has_disposition |= k == "Content-Disposition" && v.find("result.xlsx") != std::string::npos;
  EXPECT_TRUE(has_disposition);
}

TEST(ServeBatchWorkbook, NoTemporaryFileIsTheServersFailureNotTheRequests) {
  // TMPDIR unusable: 503 serve_storage (not serve_busy, the connection limit's: the IT trial read
  // it as a busy server), no server path in the message.
  ::setenv("TMPDIR", "/nonexistent-policy-test-dir", 1);
  const policy_serve::Api api(engine(), {7, "test", ""});
  const auto r = api.batch(kRoster, Query{{"as_of", "2026-12-07"}, {"format", "xlsx"}});
  ::unsetenv("TMPDIR");
  ASSERT_EQ(r.status, 503) << r.body.substr(0, 200);
  const auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["error"]["code"], "serve_storage");
  EXPECT_EQ(j["error"]["message_zh"], "服务器无法为结果工作簿创建临时文件（服务器的临时目录已满或不可写：请告知学校信息中心；CSV 结果不受影响）");
  EXPECT_EQ(r.body.find("nonexistent"), std::string::npos) << r.body;
}

TEST(ServeBatchWorkbook, ThePagesJsonAnswerCarriesTheWorkbookInBase64) {
  ScratchDir tmp;
  const policy_serve::Api api(engine(), {7, "test", ""});
  const auto r = api.batch(kRoster, Query{{"as_of", "2026-12-07"}, {"format", "xlsx"}}, true);
  ASSERT_EQ(r.status, 200) << r.body;
  const auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["file"]["name"], "result.xlsx");
  EXPECT_EQ(j["file"]["encoding"], "base64");
  EXPECT_EQ(j["summary"]["rows"], 2);
  EXPECT_EQ(j["summary"]["error"], 1);
  const std::string book = from_base64(j["file"]["content"].get<std::string>());
  const auto rows = sheet_rows(book, "结果");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1][1], "张三");
  // A CSV answer has no encoding: its content is the text.
  const auto csv = nlohmann::json::parse(api.batch(kRoster, Query{{"as_of", "2026-12-07"}}, true).body);
  EXPECT_FALSE(csv["file"].contains("encoding"));
  EXPECT_NE(csv["file"]["content"].get<std::string>().find("2027-09-30"), std::string::npos);
}

TEST(ServeBatchWorkbook, SheetPicksTheRosterSheetOfAWorkbook) {
  ScratchDir tmp;
  const policy_serve::Api api(engine(), {7, "test", ""});
  // A registrar's workbook with a notes sheet first and the roster second, written by openpyxl
  // (an independent writer).
  const std::string path = (tmp.path / "roster.xlsx").string();
  const std::string script = (tmp.path / "make.py").string();
  std::ofstream(script) << "import openpyxl\nwb = openpyxl.Workbook()\nwb.active.title = '说明'\n"
                        << "wb.active.append(['本名单由招生办导出'])\nws = wb.create_sheet('名单')\n"
                        << "for line in '''" << kRoster << "'''.splitlines():\n    ws.append(line.split(','))\n"
                        << "wb.save('" << path << "')\n";
  const std::string command = std::string(POLICY_OPENPYXL_PYTHON) + " " + script;
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  std::ifstream in(path, std::ios::binary);
  const std::string book((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::filesystem::remove(path);
  std::filesystem::remove(script);
  const auto csv = api.batch(kRoster, Query{{"as_of", "2026-12-07"}});
  const auto picked = api.batch(book, Query{{"as_of", "2026-12-07"}, {"sheet", "名单"}});
  ASSERT_EQ(picked.status, 200) << picked.body;
  EXPECT_EQ(picked.body, csv.body) << "the 名单 sheet reads as the CSV it was made of";
  const auto first = api.batch(book, Query{{"as_of", "2026-12-07"}});
  EXPECT_EQ(first.status, 400) << "the first sheet (说明) has no header";
  const auto missing = api.batch(book, Query{{"sheet", "名单2"}});
  EXPECT_EQ(missing.status, 400);
  const auto j = nlohmann::json::parse(missing.body);
  EXPECT_EQ(j["error"]["code"], "xlsx_no_sheet") << missing.body;
  EXPECT_NE(j["error"]["message_zh"].get<std::string>().find("它的工作表有：“说明”、“名单”"), std::string::npos)
      << "names the sheets there are, each quoted (a trailing space shows): " << missing.body;
}

TEST(ServeBatchWorkbook, WorkbookOptionsAreCheckedWithTheirField) {
  const policy_serve::Api api(engine(), {7, "test", ""});
  const auto field_of = [&](const Query& q) {
    const auto r = api.batch(kRoster, q);
    EXPECT_EQ(r.status, 400) << r.body;
    const auto j = nlohmann::json::parse(r.body);
    return j["error"]["code"].get<std::string>() + " " + j["error"]["field"].get<std::string>();
  };
  EXPECT_EQ(field_of({{"sheet", "名单"}}), "batch_bad_header sheet") << "a CSV roster has no sheets";
  EXPECT_EQ(field_of({{"format", "xls"}}), "serve_bad_request format");
  EXPECT_EQ(field_of({{"remind_days", "4000"}}), "serve_bad_request remind_days");
  EXPECT_EQ(field_of({{"remind_days", "-1"}}), "serve_bad_request remind_days");
  EXPECT_EQ(field_of({{"format", "xlsx"}, {"names", "1"}}), "serve_bad_request names");
}

TEST(ServeBatchWorkbook, RemindDaysWidensTheWorklist) {
  ScratchDir tmp;
  const policy_serve::Api api(engine(), {7, "test", ""});
  // 2027-09-30 is 297 days after 2026-12-07: on the worklist from remind_days=297.
  const auto wide = api.batch(kRoster, Query{{"as_of", "2026-12-07"}, {"format", "xlsx"}, {"remind_days", "297"}});
  ASSERT_EQ(wide.status, 200);
  EXPECT_EQ(sheet_rows(wide.body, "需处理").size(), 3u);
  const auto narrow = api.batch(kRoster, Query{{"as_of", "2026-12-07"}, {"format", "xlsx"}, {"remind_days", "296"}});
  EXPECT_EQ(sheet_rows(narrow.body, "需处理").size(), 2u);
}

}  // namespace
