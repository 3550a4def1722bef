// XlsxReader's read-ahead (XlsxOptions::read_ahead): the sheet parsed on a thread of its own,
// blocks of records ahead of next(). Whatever the thread does, the caller must see what it sees
// with read-ahead off: the same records in the same order, the same failure after the records
// before it, nothing on an empty sheet, and no hang or leak when it stops reading early.
#include <gtest/gtest.h>
#include <zip.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "batch/xlsx_reader.h"
#include "zip_parts.h"

namespace rules::batch {
namespace {

namespace fs = std::filesystem;

fs::path work_dir() {
  static const fs::path dir = [] {
    fs::path d = fs::path(::testing::TempDir()) / ("xlsx_read_ahead_test." + std::to_string(::getpid()));
    fs::create_directories(d);
    return d;
  }();
  return dir;
}

/// A workbook of one sheet whose sheetData holds `rows`, with a shared string table `shared`,
/// zipped with libzip into file `name`.
fs::path workbook(const std::string& name, const std::string& rows, const std::string& shared = "<si><t>共享</t></si>") {
  const std::string ns = R"(xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships")";
  const std::vector<std::pair<std::string, std::string>> parts = {
      {"[Content_Types].xml",
       R"(<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>)"},
      {"_rels/.rels",
       R"(<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>)"},
      {"xl/workbook.xml", "<workbook " + ns + R"(><sheets><sheet name="名单" sheetId="1" r:id="rId1"/></sheets></workbook>)"},
      {"xl/_rels/workbook.xml.rels",
       R"(<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>)"},
      {"xl/sharedStrings.xml", "<sst " + ns + ">" + shared + "</sst>"},
      {"xl/worksheets/sheet1.xml", "<worksheet " + ns + "><sheetData>" + rows + "</sheetData></worksheet>"},
  };
  return testing::zip_parts_to(work_dir() / name, parts);
}

/// `n` rows from row 2 on: a number, a shared string, an inline string with a character reference
/// split across runs, an error cell, a boolean; every 7th row empty (no record).
std::string rows(std::size_t n, std::size_t first = 2) {
  std::string s;
  for (std::size_t i = first; i < first + n; ++i) {
    const std::string r = std::to_string(i);
    if (i % 7 == 0) {
      s += "<row r=\"" + r + "\"><c r=\"A" + r + "\" s=\"0\"/></row>";
      continue;
    }
    s += "<row r=\"" + r + "\"><c r=\"A" + r + "\"><v>" + std::to_string(2020000000 + i) + "</v></c><c r=\"B" + r +
         "\" t=\"s\"><v>0</v></c><c r=\"C" + r + "\" t=\"inlineStr\"><is><r><t>&#23398;" + r + "</t></r><r><t xml:space=\"preserve\"> x</t></r></is></c>" +
         "<c r=\"E" + r + "\" t=\"e\"><v>#N/A</v></c><c r=\"F" + r + "\" t=\"b\"><v>" + (i % 2 ? "1" : "0") + "</v></c></row>";
  }
  return s;
}

struct Read {
  std::vector<std::pair<std::size_t, std::vector<std::string>>> rows;
  std::vector<std::vector<std::uint32_t>> error_fields;
  std::optional<SourceFailure> failure;
};

Read read_all(const fs::path& path, bool read_ahead) {
  XlsxOptions options;
  options.read_ahead = read_ahead;
  auto reader = XlsxReader::open_file(path, options);
  Read r;
  Record rec;
  bool failure_shown = false;
  while (reader->next(rec)) {
    // A failure shows once the records before it are delivered (with the last of them, or when
    // next() says there are no more), never while some remain.
    EXPECT_FALSE(failure_shown) << "row " << rec.row << " after the failure showed";
    failure_shown = reader->failure().has_value();
    std::vector<std::string> fields;
    for (std::size_t i = 0; i < rec.size(); ++i) fields.emplace_back(rec.field(i));
    r.rows.emplace_back(rec.row, std::move(fields));
    r.error_fields.push_back(rec.error_fields);
  }
  r.failure = reader->failure();
  EXPECT_FALSE(reader->next(rec));  // and it stays at its end
  EXPECT_EQ(reader->failure().has_value(), r.failure.has_value());
  return r;
}

void expect_same(const Read& a, const Read& b) {
  EXPECT_EQ(a.rows, b.rows);
  EXPECT_EQ(a.error_fields, b.error_fields);
  ASSERT_EQ(a.failure.has_value(), b.failure.has_value());
  if (a.failure) {
    EXPECT_EQ(a.failure->code, b.failure->code);
    EXPECT_EQ(a.failure->message, b.failure->message);
    EXPECT_EQ(a.failure->message_zh, b.failure->message_zh);
  }
}

TEST(XlsxReadAhead, ManyBlocksGiveTheSameRecordsAsReadingOnTheCallersThread) {
  const fs::path path = workbook("many.xlsx", rows(20000));
  const Read ahead = read_all(path, true);
  const Read here = read_all(path, false);
  expect_same(ahead, here);
  ASSERT_FALSE(ahead.failure);
  ASSERT_EQ(ahead.rows.size(), 20000u - 20000u / 7);
  EXPECT_EQ(ahead.rows.front().first, 2u);
  EXPECT_EQ(ahead.rows.front().second,
            (std::vector<std::string>{"2020000002", "共享", "学2 x", "", "#N/A", "FALSE"}));
  EXPECT_EQ(ahead.error_fields.front(), (std::vector<std::uint32_t>{4}));
  EXPECT_EQ(ahead.rows.back().first, 20001u);
}

TEST(XlsxReadAhead, AnErrorMidSheetComesAfterTheRecordsBeforeIt) {
  // A bad shared string index at row 3001, deep in a later block; a malformed tag at row 5001.
  const std::string bad_index = "<row r=\"3001\"><c r=\"A3001\" t=\"s\"><v>7</v></c></row>";
  const fs::path index = workbook("mid_index.xlsx", rows(2999) + bad_index + rows(1000, 3002));
  const Read a = read_all(index, true);
  expect_same(a, read_all(index, false));
  ASSERT_TRUE(a.failure);
  EXPECT_EQ(a.failure->code, "xlsx_bad_xml");
  EXPECT_TRUE(a.failure->message.starts_with("xl/worksheets/sheet1.xml: cell A3001: ")) << a.failure->message;
  ASSERT_FALSE(a.rows.empty());
  EXPECT_EQ(a.rows.back().first, 3000u);  // every row before it, none after

  const fs::path xml = workbook("mid_xml.xlsx", rows(4999) + "<row r=\"5001\"><c r=\"A5001\"><v>1</v></row>" + rows(10, 5002));
  const Read b = read_all(xml, true);
  expect_same(b, read_all(xml, false));
  ASSERT_TRUE(b.failure);
  EXPECT_EQ(b.failure->code, "xlsx_bad_xml");

  // On the very first row: no record at all, the failure at once.
  const fs::path first = workbook("first.xlsx", "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>9</v></c></row>" + rows(100));
  const Read c = read_all(first, true);
  expect_same(c, read_all(first, false));
  EXPECT_TRUE(c.rows.empty());
  ASSERT_TRUE(c.failure);
  EXPECT_EQ(c.failure->code, "xlsx_bad_xml");
}

TEST(XlsxReadAhead, EmptySheetsGiveNoRecordAndNoFailure) {
  for (const std::string& data : {std::string(), std::string("<row r=\"1\"/><row r=\"2\"><c r=\"A2\" s=\"0\"/></row>")}) {
    const fs::path path = workbook("empty.xlsx", data);
    const Read a = read_all(path, true);
    expect_same(a, read_all(path, false));
    EXPECT_TRUE(a.rows.empty());
    EXPECT_FALSE(a.failure);
  }
}

TEST(XlsxReadAhead, StoppingEarlyNeitherHangsNorLeaks) {
  const fs::path path = workbook("early.xlsx", rows(50000));
  // Opened and dropped before any next(): no thread was started.
  { auto reader = XlsxReader::open_file(path); }
  // Stopped after a few records, with the thread blocked on full blocks or still parsing.
  for (const std::size_t stop_after : {1u, 511u, 512u, 513u, 3000u}) {
    auto reader = XlsxReader::open_file(path);
    Record rec;
    for (std::size_t i = 0; i < stop_after; ++i) ASSERT_TRUE(reader->next(rec));
    EXPECT_FALSE(reader->failure());
    EXPECT_GT(reader->bytes_read(), 0u);
  }
  // Read to the end, then dropped.
  auto reader = XlsxReader::open_file(path);
  Record rec;
  std::size_t n = 0;
  while (reader->next(rec)) ++n;
  EXPECT_EQ(n, 50000u - 50000u / 7 - 1);  // rows 2..50001; one more multiple of 7 among them
  EXPECT_FALSE(reader->failure());
}

TEST(XlsxReadAhead, AWorkbookThatFailsToOpenStartsNoThread) {
  const fs::path path = workbook("bad_sst.xlsx", rows(10), "<si><t>a</t>");  // unclosed <si>
  auto reader = XlsxReader::open_file(path);
  ASSERT_TRUE(reader->failure());
  EXPECT_EQ(reader->failure()->code, "xlsx_bad_xml");
  Record rec;
  EXPECT_FALSE(reader->next(rec));
  EXPECT_EQ(reader->failure()->code, "xlsx_bad_xml");
}

}  // namespace
}  // namespace rules::batch
