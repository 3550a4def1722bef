// .xlsx rosters (rules/batch/xlsx_reader.h): workbooks written by openpyxl (an independent writer)
// and hand-made ones modelled on what Excel and WPS write, read back through XlsxReader and
// run_batch and compared with the CSV path's answers; each hostile workbook with its code.
#include <gtest/gtest.h>
#include <zip.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "batch/batch.h"
#include "batch/xlsx_reader.h"
#include "builtin_pack.h"
#include "loader/load.h"
#include "zip_parts.h"
#include "cn_engine.h"

namespace rules::batch {
namespace {

namespace fs = std::filesystem;

using testing::cn;

/// A directory of this test's own (never a shared name in /tmp).
fs::path work_dir() {
  static const fs::path dir = [] {
    fs::path d = fs::path(::testing::TempDir()) / ("xlsx_reader_test." + std::to_string(::getpid()));
    fs::create_directories(d);
    return d;
  }();
  return dir;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

using testing::Parts;

/// Zips `parts` into file `name` in the test's directory.
fs::path zip_parts(const std::string& name, const Parts& parts) { return testing::zip_parts_to(work_dir() / name, parts); }

const std::string kNs = R"(xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships")";

/// The parts of a minimal workbook as Excel writes them, around `sheet` (the sheetData's rows),
/// with `shared` (the sst's items), `styles` (a whole styles part, or none) and `workbook_pr`.
Parts workbook(const std::string& sheet_data, const std::string& shared = "", const std::string& styles = "",
               const std::string& workbook_pr = "<workbookPr/>", const std::string& sheet_name = "Sheet1") {
  Parts p;
  p.emplace_back("[Content_Types].xml",
                 R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>)");
  p.emplace_back("_rels/.rels",
                 R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>)");
  p.emplace_back("xl/workbook.xml", R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook )" + kNs + ">" + workbook_pr + R"(<sheets><sheet name=")" + sheet_name +
                                        R"(" sheetId="1" r:id="rId1"/></sheets></workbook>)");
  std::string rels = R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>)";
  if (!shared.empty()) {
    rels += R"(<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>)";
    p.emplace_back("xl/sharedStrings.xml", R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst )" + kNs + ">" + shared + "</sst>");
  }
  if (!styles.empty()) {
    rels += R"(<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>)";
    p.emplace_back("xl/styles.xml", styles);
  }
  p.emplace_back("xl/_rels/workbook.xml.rels", rels + "</Relationships>");
  p.emplace_back("xl/worksheets/sheet1.xml", R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet )" + kNs + "><sheetData>" + sheet_data + "</sheetData></worksheet>");
  return p;
}

/// Styles with cell formats: 0 General, 1 built-in 14 (a date), 2 custom 176
/// yyyy"年"m"月"d"日", 3 custom 177 [$-804]yyyy年m月d日, 4 custom 178 yyyy/m/d, 5 0.00, 6 @ (text).
const std::string kStyles = R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="3"><numFmt numFmtId="176" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/><numFmt numFmtId="177" formatCode="[$-804]yyyy年m月d日"/><numFmt numFmtId="178" formatCode="yyyy/m/d"/></numFmts><cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs><cellXfs count="7"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/><xf numFmtId="176" applyNumberFormat="1"/><xf numFmtId="177" applyNumberFormat="1"/><xf numFmtId="178" applyNumberFormat="1"/><xf numFmtId="2"/><xf numFmtId="49"/></cellXfs></styleSheet>)";

struct Read {
  std::vector<std::pair<std::size_t, std::vector<std::string>>> rows;  // (row, fields)
  std::vector<std::vector<std::uint32_t>> error_fields;
  std::vector<std::string> decode_errors;  // per row: Record::decode_error, empty when none
  std::optional<SourceFailure> failure;
};

Read read_all(XlsxReader& reader) {
  Read r;
  Record rec;
  while (reader.next(rec)) {
    std::vector<std::string> fields;
    for (std::size_t i = 0; i < rec.size(); ++i) fields.emplace_back(rec.field(i));
    r.rows.emplace_back(rec.row, std::move(fields));
    r.error_fields.push_back(rec.error_fields);
    r.decode_errors.push_back(rec.decode_error.value_or(""));
  }
  r.failure = reader.failure();
  return r;
}

Read read_parts(const std::string& name, const Parts& parts, const XlsxOptions& options = {}) {
  const fs::path path = zip_parts(name, parts);
  auto from_file = XlsxReader::open_file(path, options);
  Read a = read_all(*from_file);
  // The same bytes from memory (standard input, an HTTP body) read the same.
  const std::string bytes = read_file(path);
  auto from_memory = XlsxReader::open_memory(bytes, options);
  Read b = read_all(*from_memory);
  EXPECT_EQ(a.rows, b.rows);
  EXPECT_EQ(a.failure.has_value(), b.failure.has_value());
  if (a.failure && b.failure) {
    EXPECT_EQ(a.failure->code, b.failure->code);
  }
  return a;
}

std::string failure_code(const Read& r) { return r.failure ? r.failure->code : "(none)"; }

// --- Cells as Excel and WPS write them ---

TEST(XlsxReader, SharedInlineRichAndPhoneticStrings) {
  // Shared strings: plain, rich runs (joined), a phonetic run (dropped: the reading of 王, not data).
  const std::string sst =
      R"(<si><t>学号</t></si><si><r><rPr><b/></rPr><t>姓</t></r><r><t xml:space="preserve">名 </t></r></si>)"
      R"(<si><t>王小明</t><rPh sb="0" eb="3"><t>ワンシャオミン</t></rPh><phoneticPr fontId="1"/></si>)";
  const std::string rows =
      R"(<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>)"
      R"(<row r="2"><c r="A2" t="inlineStr"><is><r><t>20</t></r><r><rPr><i/></rPr><t>21001</t></r><rPh><t>x</t></rPh></is></c>)"
      R"(<c r="B2" t="s"><v>2</v></c></row>)";
  const Read r = read_parts("strings.xlsx", workbook(rows, sst));
  ASSERT_FALSE(r.failure) << r.failure->message;
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[0].second, (std::vector<std::string>{"学号", "姓名 "}));
  EXPECT_EQ(r.rows[1].second, (std::vector<std::string>{"2021001", "王小明"}));
}

TEST(XlsxReader, NumbersComeOutAsTheirShortestText) {
  const std::string rows =
      R"(<row r="1"><c r="A1"><v>2021001</v></c><c r="B1"><v>0.1</v></c><c r="C1"><v>1.5E+20</v></c>)"
      R"(<c r="D1" s="5"><v>12</v></c><c r="E1"><v>-3.25</v></c><c r="F1"><v>110101199003070000</v></c>)"
      R"(<c r="G1" t="b"><v>1</v></c><c r="H1" t="b"><v>0</v></c><c r="I1"><v>2020000000</v></c><c r="J1"><v>1E-7</v></c>)"
      R"(<c r="K1"><v>0.000123</v></c><c r="L1"><v>1.5E+21</v></c><c r="M1"><v>1.10101200303031e+17</v></c>)"
      R"(<c r="N1"><v>21000123456789008384</v></c><c r="O1"><v>999999999999999</v></c></row>)";
  const Read r = read_parts("numbers.xlsx", workbook(rows, "", kStyles));
  ASSERT_FALSE(r.failure) << r.failure->message;
  ASSERT_EQ(r.rows.size(), 1u);
  // From 1e15 a number holds no more than the 15 significant digits a spreadsheet keeps: an ID
  // number in a number cell (M1, as openpyxl and Excel store 110101200303031028) shows as Excel
  // shows it, never with digits made up past the 15th (it read 110101200303031008). Plain digits
  // in the file are kept as written (F1, N1).
  EXPECT_EQ(r.rows[0].second,
            (std::vector<std::string>{"2021001", "0.1", "1.5E+20", "12", "-3.25", "110101199003070000", "TRUE", "FALSE",
                                      "2020000000", "1e-07", "0.000123", "1.5E+21", "1.10101200303031E+17",
                                      "21000123456789008384", "999999999999999"}));
}

TEST(XlsxReader, DateFormatsInThe1900And1904Systems) {
  // 45838 is 2025-06-30 in the 1900 system; 44376 the same day in the 1904 system (1462 days less).
  const std::string rows1900 =
      R"(<row r="1"><c r="A1" s="1"><v>45838</v></c><c r="B1" s="2"><v>45838</v></c><c r="C1" s="3"><v>45838</v></c>)"
      R"(<c r="D1" s="4"><v>45838.5</v></c><c r="E1" s="1"><v>59</v></c><c r="F1" s="1"><v>61</v></c>)"
      R"(<c r="G1" s="1"><v>60</v></c><c r="H1" s="6"><v>45838</v></c><c r="I1" s="0"><v>45838</v></c></row>)";
  const Read a = read_parts("d1900.xlsx", workbook(rows1900, "", kStyles));
  ASSERT_FALSE(a.failure) << a.failure->message;
  EXPECT_EQ(a.rows[0].second, (std::vector<std::string>{"2025-06-30", "2025-06-30", "2025-06-30", "2025-06-30 12:00:00",
                                                        "1900-02-28", "1900-03-01", "1900-02-29", "45838", "45838"}));
  const std::string rows1904 = R"(<row r="1"><c r="A1" s="2"><v>44376</v></c><c r="B1" s="1"><v>0</v></c></row>)";
  const Read b = read_parts("d1904.xlsx", workbook(rows1904, "", kStyles, R"(<workbookPr date1904="1"/>)"));
  ASSERT_FALSE(b.failure) << b.failure->message;
  EXPECT_EQ(b.rows[0].second, (std::vector<std::string>{"2025-06-30", "1904-01-01"}));
}

TEST(XlsxReader, DateFormatCodes) {
  for (const char* yes : {"yyyy\"年\"m\"月\"d\"日\"", "yyyy/m/d", "[$-804]yyyy年m月d日", "m/d/yy", "h:mm", "[h]:mm:ss",
                          "[DBNum1][$-804]yyyy\"年\"m\"月\"d\"日\"", "dd\\-mm\\-yyyy", "e\"年\"m\"月\"d\"日\""}) {
    EXPECT_TRUE(xlsx_date_format(yes)) << yes;
  }
  for (const char* no : {"0.00", "@", "General", "\"年\"0", "#,##0;[Red]-#,##0", "0\"天\"", "[Red]0.00", "_-* #,##0_-"}) {
    EXPECT_FALSE(xlsx_date_format(no)) << no;
  }
  for (std::uint32_t id : {14u, 22u, 27u, 36u, 45u, 47u, 50u, 58u}) EXPECT_TRUE(xlsx_builtin_date_format(id)) << id;
  for (std::uint32_t id : {0u, 1u, 2u, 13u, 23u, 26u, 37u, 44u, 48u, 49u, 59u}) EXPECT_FALSE(xlsx_builtin_date_format(id)) << id;
  // The codes of the built-in number formats that are no dates (kept for a number cell written back).
  EXPECT_EQ(xlsx_builtin_number_format(9), "0%");
  EXPECT_EQ(xlsx_builtin_number_format(10), "0.00%");
  EXPECT_EQ(xlsx_builtin_number_format(4), "#,##0.00");
  EXPECT_EQ(xlsx_builtin_number_format(13), std::string("# ?") + "?/??");
  for (std::uint32_t id : {0u, 14u, 22u, 31u, 57u, 164u}) EXPECT_EQ(xlsx_builtin_number_format(id), "") << id;
}

TEST(XlsxReader, FormulasByCachedValueAndErrorCells) {
  const std::string rows =
      R"(<row r="1"><c r="A1"><f>1+1</f><v>2</v></c><c r="B1" t="str"><f>"a"&amp;"b"</f><v>ab</v></c>)"
      R"(<c r="C1" s="2"><f>DATE(2025,6,30)</f><v>45838</v></c><c r="D1" t="e"><f>VLOOKUP(1,E:E,1,0)</f><v>#N/A</v></c></row>)";
  const Read r = read_parts("formulas.xlsx", workbook(rows, "", kStyles));
  ASSERT_FALSE(r.failure) << r.failure->message;
  EXPECT_EQ(r.rows[0].second, (std::vector<std::string>{"2", "ab", "2025-06-30", "#N/A"}));
  EXPECT_EQ(r.error_fields[0], (std::vector<std::uint32_t>{3}));
}

TEST(XlsxReader, RowNumbersGapsMissingRefsAndEmptyRows) {
  // A merged title in A1 (B1:C1 empty styled cells), the header in row 3, a skipped column, cells
  // and a row without r (counted on), empty styled trailing rows (no records).
  const std::string rows =
      R"(<row r="1"><c r="A1" t="inlineStr"><is><t>某某大学退役复学学生名单</t></is></c><c r="B1" s="1"/><c r="C1" s="1"/></row>)"
      R"(<row r="3"><c t="inlineStr"><is><t>a</t></is></c><c t="inlineStr"><is><t>b</t></is></c><c r="D3" t="inlineStr"><is><t>d</t></is></c></row>)"
      R"(<row><c r="B4"><v>7</v></c><c><v>8</v></c></row>)"
      R"(<row r="6"><c r="A6" s="1"/><c r="B6" t="inlineStr"><is><t> </t></is></c></row><row r="7" spans="1:3"/>)";
  const Read r = read_parts("rows.xlsx", workbook(rows, "", kStyles));
  ASSERT_FALSE(r.failure) << r.failure->message;
  ASSERT_EQ(r.rows.size(), 3u);
  EXPECT_EQ(r.rows[0].first, 1u);
  EXPECT_EQ(r.rows[0].second, (std::vector<std::string>{"某某大学退役复学学生名单"}));
  EXPECT_EQ(r.rows[1].first, 3u);
  EXPECT_EQ(r.rows[1].second, (std::vector<std::string>{"a", "b", "", "d"}));
  EXPECT_EQ(r.rows[2].first, 4u);
  EXPECT_EQ(r.rows[2].second, (std::vector<std::string>{"", "7", "8"}));
}

TEST(XlsxReader, ChoosesASheetByName) {
  const Read r = read_parts("named.xlsx", workbook(R"(<row r="1"><c r="A1"><v>1</v></c></row>)", "", "", "<workbookPr/>", "名单"),
                            XlsxOptions{.sheet = "名单"});
  ASSERT_FALSE(r.failure);
  EXPECT_EQ(r.rows.size(), 1u);
  const Read missing = read_parts("named2.xlsx", workbook("", "", "", "<workbookPr/>", "名单"), XlsxOptions{.sheet = "Sheet9"});
  EXPECT_EQ(failure_code(missing), "xlsx_no_sheet");
  EXPECT_NE(missing.failure->message_zh.find("名单"), std::string::npos) << missing.failure->message_zh;
}

// --- Hostile and broken workbooks: one code each, nothing else ---

TEST(XlsxReader, HostileWorkbooks) {
  // Entity expansion needs a DTD: any DTD is refused.
  Parts dtd = workbook("");
  dtd.back().second = R"(<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>)"
                      "<worksheet " + kNs + R"(><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row></sheetData></worksheet>)";
  EXPECT_EQ(failure_code(read_parts("dtd.xlsx", dtd)), "xlsx_dtd");

  Parts no_sheet = workbook("");
  no_sheet.pop_back();
  const Read missing = read_parts("missing.xlsx", no_sheet);
  EXPECT_EQ(failure_code(missing), "xlsx_missing_part");
  EXPECT_NE(missing.failure->message_zh.find("xl/worksheets/sheet1.xml"), std::string::npos);

  EXPECT_EQ(failure_code(read_parts("ref.xlsx", workbook(R"(<row r="1"><c r="XFE1"><v>1</v></c></row>)"))), "xlsx_bad_ref");
  EXPECT_EQ(failure_code(read_parts("row.xlsx", workbook(R"(<row r="1048577"><c><v>1</v></c></row>)"))), "xlsx_bad_ref");
  EXPECT_EQ(failure_code(read_parts("order.xlsx", workbook(R"(<row r="5"/><row r="3"/>)"))), "xlsx_bad_ref");

  const Read sst = read_parts("sst.xlsx", workbook(R"(<row r="1"><c r="A1" t="s"><v>0</v></c><c r="C5" t="s"><v>9</v></c></row>)",
                                                   "<si><t>a</t></si>"));
  EXPECT_EQ(failure_code(sst), "xlsx_bad_ref");  // C5 inside row 1
  const Read index = read_parts("index.xlsx", workbook(R"(<row r="5"><c r="A5" t="s"><v>0</v></c><c r="C5" t="s"><v>9</v></c></row>)",
                                                       "<si><t>a</t></si>"));
  EXPECT_EQ(failure_code(index), "xlsx_bad_xml");
  EXPECT_TRUE(index.failure->message_zh.starts_with("xl/worksheets/sheet1.xml: 单元格 C5：")) << index.failure->message_zh;
  EXPECT_TRUE(index.failure->message.starts_with("xl/worksheets/sheet1.xml: cell C5: ")) << index.failure->message;

  EXPECT_EQ(failure_code(read_parts("xml.xlsx", workbook(R"(<row r="1"><c r="A1"><v>1</v></row>)"))), "xlsx_bad_xml");
  EXPECT_EQ(failure_code(read_parts("num.xlsx", workbook(R"(<row r="1"><c r="A1"><v>1,5</v></c></row>)"))), "xlsx_bad_xml");

  // A sheet past its size cap (a small cap here, the default is 1 GiB).
  XlsxOptions capped;
  capped.max_sheet_bytes = 4096;
  std::string many;
  for (int i = 1; i <= 200; ++i) many += "<row r=\"" + std::to_string(i) + "\"><c><v>1</v></c></row>";
  EXPECT_EQ(failure_code(read_parts("big.xlsx", workbook(many), capped)), "xlsx_too_large");

  // Not a zip at all, though it starts like one; a zip that is a Word document.
  const fs::path truncated = work_dir() / "truncated.xlsx";
  {
    const std::string whole = read_file(zip_parts("whole.xlsx", workbook("")));
    std::ofstream(truncated, std::ios::binary) << whole.substr(0, whole.size() / 2);
  }
  auto bad = XlsxReader::open_file(truncated);
  Record rec;
  EXPECT_FALSE(bad->next(rec));
  ASSERT_TRUE(bad->failure());
  EXPECT_EQ(bad->failure()->code, "xlsx_bad_zip");
  // libzip's reason in Chinese in the Chinese message (its own text is English only).
  const std::string zh = bad->failure()->message_zh;
  EXPECT_NE(zh.find("工作簿不是可读的 zip 压缩包"), std::string::npos) << zh;
  EXPECT_TRUE(zh.find("不是 zip 文件") != std::string::npos || zh.find("文件不完整") != std::string::npos ||
              zh.find("已损坏") != std::string::npos)
      << zh;
  EXPECT_EQ(zh.find("Not a zip"), std::string::npos) << zh;
  Parts docx = workbook("");
  docx[0].second = R"(<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>)";
  EXPECT_EQ(failure_code(read_parts("docx.xlsx", docx)), "xlsx_not_workbook");
}

/// Rows 1..`rows` of three inline-string cells, as `sheetData` content.
std::string inline_rows(std::uint32_t first, std::uint32_t last) {
  std::string rows;
  for (std::uint32_t r = first; r <= last; ++r) {
    const std::string n = std::to_string(r);
    rows += "<row r=\"" + n + "\"><c r=\"A" + n + "\" t=\"inlineStr\"><is><t>20" + n + "</t></is></c><c r=\"B" + n +
            "\" t=\"inlineStr\"><is><t>2025-06-15</t></is></c></row>";
  }
  return rows;
}

TEST(XlsxReader, TheRowsBeforeAFailureComeFirstThenTheFailureShows) {
  // A bad cell in the first chunk the parser reads (rows 1-2 before it) and one far into the
  // sheet (rows 1-4999 before it, many chunks in), each with good rows after it: every row before
  // the bad one is delivered, then failure() names it; nothing after it is taken for data, and
  // the end of the records is never the end of the sheet. (Found by a trial: the rows the failing
  // chunk had completed were dropped and the failure hidden, so a damaged workbook gave a shorter
  // result with exit 0.)
  const std::string bad = R"(<row r="ROW"><c r="AROW" t="s"><v>999</v></c></row>)";
  for (const std::uint32_t at : {3u, 5000u}) {
    SCOPED_TRACE(at);
    std::string cell = bad;
    for (std::size_t k; (k = cell.find("ROW")) != std::string::npos;) cell.replace(k, 3, std::to_string(at));
    const Read r = read_parts("late" + std::to_string(at) + ".xlsx",
                              workbook(inline_rows(1, at - 1) + cell + inline_rows(at + 1, at + 20), "<si><t>a</t></si>"));
    ASSERT_EQ(r.rows.size(), at - 1);
    EXPECT_EQ(r.rows.back().first, at - 1);
    EXPECT_EQ(r.rows.back().second.at(0), "20" + std::to_string(at - 1));
    EXPECT_EQ(failure_code(r), "xlsx_bad_xml");
    ASSERT_TRUE(r.failure);
    EXPECT_NE(r.failure->message_zh.find("单元格 A" + std::to_string(at)), std::string::npos) << r.failure->message_zh;
  }
}

TEST(XlsxReader, AFormulaSavedWithoutItsResultIsAnErrorCellShowingIt) {
  // openpyxl and other programs save formulas without the cached value Excel and WPS write: such
  // a cell was read as empty (an unknown fact, silently). Found by a trial.
  const Read r = read_parts("nocache.xlsx", workbook(R"(<row r="1"><c r="A1"><f>F1+365*G1</f></c><c r="B1"><f>1+1</f><v>2</v></c>)"
                                                     R"(<c r="C1" t="str"><f>TEXT(1,"0")</f></c></row>)"));
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0].second, (std::vector<std::string>{"=F1+365*G1", "2", "=TEXT(1,\"0\")"}));
  EXPECT_EQ(r.error_fields[0], (std::vector<std::uint32_t>{0, 2}));
  EXPECT_FALSE(r.failure);
}

TEST(XlsxReader, DeepNestingIsRefusedBeforeItTakesMemory) {
  // 16 KB zipped, 5 million open elements: expat keeps each one open, gigabytes. Refused at
  // kMaxDepth with the part and row named.
  std::string deep = R"(<row r="1"><c r="A1" t="inlineStr"><is><t>学号</t></is></c></row><row r="2">)";
  for (int i = 0; i < 200000; ++i) deep += "<x>";
  const Read r = read_parts("deep.xlsx", workbook(deep));
  EXPECT_EQ(failure_code(r), "xlsx_bad_xml");
  ASSERT_TRUE(r.failure);
  EXPECT_NE(r.failure->message_zh.find("嵌套超过 256 层"), std::string::npos) << r.failure->message_zh;
  EXPECT_EQ(r.rows.size(), 1u);  // the header row before it
}

TEST(XlsxReader, ZipBombStopsWhileInflating) {
  // 64 MiB of one repeated row deflates about 1000 times: past the ratio once 16 MiB are inflated,
  // long before the sheet's 1 GiB cap.
  std::string rows;
  const std::string row = R"(<row><c t="inlineStr"><is><t>aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa</t></is></c></row>)";
  rows.reserve(std::size_t{64} << 20);
  while (rows.size() < (std::size_t{64} << 20)) rows += row;
  const Read r = read_parts("bomb.xlsx", workbook(rows));
  EXPECT_EQ(failure_code(r), "xlsx_too_large");
  EXPECT_NE(r.failure->message.find("zip bomb"), std::string::npos) << r.failure->message;
  EXPECT_LT(r.rows.size(), std::size_t{1} << 20);  // stopped early: 64 MiB hold 1.1M rows
}

TEST(XlsxReader, AMillionEmptyStyledRowsGiveNoRecords) {
  std::string rows;
  rows.reserve(std::size_t{40} << 20);
  rows += R"(<row r="1"><c r="A1" t="inlineStr"><is><t>学号</t></is></c></row>)";
  for (std::uint32_t i = 2; i <= 1048576; ++i) {
    const std::string n = std::to_string(i);
    rows += "<row r=\"" + n + "\"><c r=\"A" + n + "\" s=\"1\"/></row>";
  }
  const Read r = read_parts("empty_rows.xlsx", workbook(rows, "", kStyles));
  ASSERT_FALSE(r.failure) << r.failure->message;
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0].second, (std::vector<std::string>{"学号"}));
}

// --- Through run_batch, against the CSV path ---

struct BatchRun {
  std::string output;
  std::optional<BatchSummary> summary;
  std::vector<source::Diagnostic> diags;
};

BatchOptions options_for(OutputFormat format) {
  BatchOptions o;
  o.as_of = *calendar::parse_date("2025-12-01");
  o.format = format;
  return o;
}

BatchRun run_source(RecordSource& source, const BatchOptions& o) {
  std::ostringstream out;
  BatchRun r;
  auto v = run_batch(cn(), source, "roster", out, o);
  if (auto* s = std::get_if<BatchSummary>(&v)) r.summary = *s;
  else r.diags = std::get<std::vector<source::Diagnostic>>(v);
  r.output = out.str();
  return r;
}

BatchRun run_csv(const std::string& csv, const BatchOptions& o) {
  std::istringstream in(csv);
  RosterReader reader(in, Encoding::automatic);
  return run_source(reader, o);
}

BatchRun run_xlsx(const fs::path& path, const BatchOptions& o) {
  auto reader = XlsxReader::open_file(path);
  return run_source(*reader, o);
}

/// Runs `script` with the Debian Python, which has openpyxl.
void python(const std::string& script) {
  const fs::path file = work_dir() / "script.py";
  std::ofstream(file) << script;
  const std::string command = std::string(POLICY_OPENPYXL_PYTHON) + " '" + file.string() + "'";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
}

TEST(XlsxBatch, ExampleRosterAsOpenpyxlWorkbookEqualsTheCsvRun) {
  const std::string csv_path = std::string(POLICY_SOURCE_DIR) + "/examples/rosters/veterans.csv";
  const fs::path xlsx = work_dir() / "veterans.xlsx";
  python("import csv, openpyxl\n"
         "wb = openpyxl.Workbook()\nws = wb.active\nws.title = '名单'\n"
         "with open('" + csv_path + "', encoding='utf-8-sig') as f:\n"
         "    for row in csv.reader(f):\n        ws.append([c if c != '' else None for c in row])\n"
         "wb.save('" + xlsx.string() + "')\n");
  const std::string csv = read_file(csv_path);
  for (const auto format : {OutputFormat::csv, OutputFormat::jsonl}) {
    const BatchRun a = run_csv(csv, options_for(format));
    const BatchRun b = run_xlsx(xlsx, options_for(format));
    ASSERT_TRUE(a.summary && b.summary);
    EXPECT_EQ(a.output, b.output);  // cell for cell, row numbers and messages included
    EXPECT_EQ(a.summary->rows, b.summary->rows);
    EXPECT_EQ(a.summary->error, b.summary->error);
    EXPECT_EQ(a.summary->first_errors, b.summary->first_errors);
    EXPECT_GT(a.summary->rows, 5u);
    EXPECT_EQ(a.summary->sheet, "");
    EXPECT_EQ(b.summary->sheet, "名单");  // the summary names the sheet, not an encoding
  }
}

TEST(XlsxBatch, TypedCellsGiveTheAnswersOfTheirCsvText) {
  // 学号 as a number, dates as real date cells (a Chinese custom format, the built-in one, the
  // 1904 system), a merged title row above the header, an empty trailing row: the results equal
  // those of the CSV holding the text the reader must produce.
  for (const bool d1904 : {false, true}) {
    const fs::path xlsx = work_dir() / (d1904 ? "typed1904.xlsx" : "typed.xlsx");
    python(std::string("import datetime, openpyxl\n"
                       "wb = openpyxl.Workbook()\nws = wb.active\n") +
           (d1904 ? "wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904\n" : "") +
           "ws.append(['某某大学2025年退役复学学生名单'])\nws.merge_cells('A1:E1')\n"
           "ws.append(['学号', '姓名', '退役日期', '入伍时身份', '录取日期'])\n"
           "rows = [(2021001, '王小明', datetime.date(2025, 6, 15), '在校生', datetime.date(2021, 8, 20)),\n"
           "        (2021002, '李四', datetime.date(2024, 2, 29), '新生', None),\n"
           "        (2021003, '赵五', datetime.date(2016, 5, 10), '在校生', datetime.date(2015, 9, 1))]\n"
           "for r in rows:\n    ws.append(list(r))\n"
           "for row in ws.iter_rows(min_row=3):\n"
           "    row[2].number_format = 'yyyy\"年\"m\"月\"d\"日\"'\n"
           "    row[4].number_format = 'yyyy/m/d'\n"
           "ws.cell(row=7, column=1).number_format = '@'\n"
           "wb.save('" + xlsx.string() + "')\n");
    const std::string csv =
        "某某大学2025年退役复学学生名单\r\n学号,姓名,退役日期,入伍时身份,录取日期\r\n"
        "2021001,王小明,2025-06-15,在校生,2021-08-20\r\n2021002,李四,2024-02-29,新生,\r\n2021003,赵五,2016-05-10,在校生,2015-09-01\r\n";
    const BatchRun a = run_csv(csv, options_for(OutputFormat::csv));
    const BatchRun b = run_xlsx(xlsx, options_for(OutputFormat::csv));
    ASSERT_TRUE(a.summary && b.summary) << (b.diags.empty() ? "" : b.diags[0].message);
    EXPECT_EQ(a.output, b.output);
    EXPECT_EQ(b.summary->rows, 3u);
    EXPECT_EQ(b.summary->header_row, 2u);
    EXPECT_EQ(b.summary->title_rows, 1u);
    EXPECT_NE(b.output.find("2021001,王小明,2025-06-15"), std::string::npos) << b.output;
    EXPECT_EQ(b.summary->merged_total, 0u);  // a title merged above the header is no news
  }
}

TEST(XlsxBatch, CellsMergedDownRowsAreNamedInTheSummary) {
  // The trial: 退役日期 merged over three students (C3:C5) read only for the first; the other two
  // came out 待补充 with nothing saying why (a sheet lists its merged cells after its rows).
  const fs::path xlsx = work_dir() / "merged.xlsx";
  python("import datetime, openpyxl\n"
         "wb = openpyxl.Workbook()\nws = wb.active\n"
         "ws.append(['某某大学退役复学学生名单'])\nws.merge_cells('A1:D1')\n"
         "ws.append(['学号', '姓名', '退役日期', '入伍时身份'])\n"
         "for r in [('2021001', '王小明', '2025-06-15', '在校生'), ('2021002', '李四', None, '在校生'),\n"
         "          ('2021003', '赵五', None, '在校生'), ('2021004', '钱六', '2025-06-15', '新生')]:\n"
         "    ws.append(list(r))\n"
         "ws.merge_cells('C3:C5')\n"
         "wb.save('" + xlsx.string() + "')\n");
  BatchOptions o = options_for(OutputFormat::csv);
  o.outputs = {"reenroll_deadline"};
  const BatchRun r = run_xlsx(xlsx, o);
  ASSERT_TRUE(r.summary) << (r.diags.empty() ? "" : r.diags[0].message);
  EXPECT_EQ(r.summary->rows, 4u);
  EXPECT_EQ(r.summary->unknown, 2u);  // read as Excel stores them: rows 4 and 5 blank
  EXPECT_EQ(r.summary->merged_total, 1u);
  EXPECT_FALSE(r.summary->merged_more);
  ASSERT_EQ(r.summary->merged.size(), 1u);
  const auto& m = r.summary->merged[0];
  EXPECT_EQ(std::tie(m.area.first_column, m.area.first_row, m.area.last_column, m.area.last_row),
            std::make_tuple(2u, 3u, 2u, 5u));
  EXPECT_EQ(m.header, "退役日期");
  const auto notes = summary_notes(*r.summary, source::Lang::zh);
  ASSERT_FALSE(notes.empty());
  EXPECT_NE(notes.back().find("名单中有1处跨行的合并单元格（C3:C5（退役日期））：合并区域只有第一行有值"), std::string::npos) << notes.back();
  const auto en = summary_notes(*r.summary, source::Lang::en);
  EXPECT_NE(en.back().find("1 merged cell spans several rows (C3:C5 (退役日期))"), std::string::npos) << en.back();
}

TEST(XlsxBatch, AnErrorCellIsABadCellOfItsRow) {
  const std::string rows =
      R"(<row r="1"><c r="A1" t="inlineStr"><is><t>学号</t></is></c><c r="B1" t="inlineStr"><is><t>退役日期</t></is></c>)"
      R"(<c r="C1" t="inlineStr"><is><t>入伍时身份</t></is></c></row>)"
      R"(<row r="2"><c r="A2"><v>2021001</v></c><c r="B2" t="e"><f>VLOOKUP(A2,X:Y,2,0)</f><v>#N/A</v></c>)"
      R"(<c r="C2" t="inlineStr"><is><t>在校生</t></is></c></row>)"
      R"(<row r="3"><c r="A3"><v>2021002</v></c><c r="B3" s="2"><v>45838</v></c><c r="C3" t="inlineStr"><is><t>在校生</t></is></c></row>)";
  const fs::path path = zip_parts("na.xlsx", workbook(rows, "", kStyles));
  BatchOptions o = options_for(OutputFormat::csv);
  o.names = true;
  o.outputs = {"reenroll_deadline"};
  const BatchRun r = run_xlsx(path, o);
  ASSERT_TRUE(r.summary);
  EXPECT_EQ(r.summary->rows, 2u);
  EXPECT_EQ(r.summary->error, 1u);
  ASSERT_EQ(r.summary->first_errors.size(), 1u);
  EXPECT_EQ(r.summary->first_errors[0].first, 2u);
  EXPECT_NE(r.summary->first_errors[0].second.find("'#N/A' 是工作簿中的错误值"), std::string::npos) << r.summary->first_errors[0].second;
  EXPECT_NE(r.output.find("2021002,2025-06-30,在校生,2025-12-01,"), std::string::npos) << r.output;
}

TEST(XlsxBatch, AnIdNumberInANumberCellIsExcelsDamageNotAWrongCheckDigit) {
  // The trial: 110101200303031028 typed into a number cell (stored 1.10101200303031e+17) came out
  // as 110101200303031008, a row 正常 and a note blaming a mistyped digit.
  const std::string rows =
      R"(<row r="1"><c r="A1" t="inlineStr"><is><t>学号</t></is></c><c r="B1" t="inlineStr"><is><t>身份证号</t></is></c>)"
      R"(<c r="C1" t="inlineStr"><is><t>退役日期</t></is></c><c r="D1" t="inlineStr"><is><t>入伍时身份</t></is></c></row>)"
      R"(<row r="2"><c r="A2"><v>2021001</v></c><c r="B2"><v>1.10101200303031e+17</v></c>)"
      R"(<c r="C2" t="inlineStr"><is><t>2025-06-30</t></is></c><c r="D2" t="inlineStr"><is><t>在校生</t></is></c></row>)";
  const fs::path path = zip_parts("idnumber.xlsx", workbook(rows, "", kStyles));
  BatchOptions o = options_for(OutputFormat::csv);
  o.outputs = {"reenroll_deadline"};
  const BatchRun r = run_xlsx(path, o);
  ASSERT_TRUE(r.summary);
  // No output here needs the ID number: the row is decided, with the note on its cell.
  EXPECT_EQ(r.summary->ok, 1u) << r.output;
  EXPECT_NE(r.output.find("第2行 B列（身份证号）：'1.1010**********E+17' 不是有效的居民身份证号码：身份证号被 Excel 改成了数字"),
            std::string::npos)
      << r.output;
  EXPECT_EQ(r.output.find("110101200303031008"), std::string::npos) << "no made-up digits: " << r.output;
  EXPECT_EQ(r.output.find("可能有一位数字录错"), std::string::npos) << r.output;
}

TEST(XlsxBatch, AFailureFarIntoTheSheetFailsTheRunAfterTheRowsBeforeIt) {
  // The batch run stops with the workbook's code, as for a CSV that cannot be read further: the
  // rows before the bad cell are written, and the run does not end as if the roster ended there.
  std::string sheet = R"(<row r="1"><c r="A1" t="inlineStr"><is><t>学号</t></is></c><c r="B1" t="inlineStr"><is><t>退役日期</t></is></c></row>)";
  sheet += inline_rows(2, 4999) + R"(<row r="5000"><c r="A5000" t="s"><v>999</v></c></row>)" + inline_rows(5001, 5010);
  const BatchRun r = run_xlsx(zip_parts("late-batch.xlsx", workbook(sheet, "<si><t>a</t></si>")), options_for(OutputFormat::csv));
  ASSERT_EQ(r.diags.size(), 1u);
  EXPECT_EQ(r.diags[0].code, "xlsx_bad_xml");
  EXPECT_NE(r.diags[0].message_zh.find("单元格 A5000"), std::string::npos) << r.diags[0].message_zh;
  EXPECT_NE(r.output.find("\n204999,"), std::string::npos);  // the last good row before it was written
  EXPECT_EQ(r.output.find("\n205001,"), std::string::npos);
}

TEST(XlsxBatch, AWorkbookFailureIsADiagnosticWithItsCode) {
  Parts p = workbook(R"(<row r="1"><c r="A1" t="s"><v>3</v></c></row>)", "<si><t>a</t></si>");
  const BatchRun r = run_xlsx(zip_parts("fail.xlsx", p), options_for(OutputFormat::csv));
  ASSERT_EQ(r.diags.size(), 1u);
  EXPECT_EQ(r.diags[0].code, "xlsx_bad_xml");
  EXPECT_EQ(r.diags[0].span.file, "roster");
  EXPECT_TRUE(r.diags[0].message_zh.starts_with("xl/worksheets/sheet1.xml: 单元格 A1：")) << r.diags[0].message_zh;
}

TEST(XlsxReader, ARowPastItsBoundIsAnErrorRowAndTheNextRowsAreRead) {
  // A huge cell (a small cap here, the default is kMaxCellBytes, 1 MiB) and a row of cells that
  // are each small but together past the row's cap (default kMaxRowBytes, 16 MiB): each row is
  // delivered without its cells, marked too large; the rows around them are read as usual.
  XlsxOptions small;
  small.max_cell_bytes = 1000;
  small.max_row_bytes = 1500;
  const std::string big(2000, 'x'), half(800, 'y');
  const Read r = read_parts("cell.xlsx", workbook(R"(<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row>)"
                                                  R"(<row r="2"><c r="A2" t="inlineStr"><is><t>)" + big + R"(</t></is></c>)"
                                                  R"(<c r="B2"><v>7</v></c></row>)"
                                                  R"(<row r="3"><c r="A3" t="inlineStr"><is><t>)" + half + R"(</t></is></c>)"
                                                  R"(<c r="B3" t="inlineStr"><is><t>)" + half + R"(</t></is></c></row>)"
                                                  R"(<row r="4"><c r="A4"><v>4</v></c><c r="B4" t="inlineStr"><is><t>b</t></is></c></row>)"),
                            small);
  EXPECT_FALSE(r.failure) << r.failure->message;
  ASSERT_EQ(r.rows.size(), 4u);
  EXPECT_EQ(r.rows[0], (std::pair<std::size_t, std::vector<std::string>>{1, {"a"}}));
  for (const std::size_t k : {1u, 2u}) {
    EXPECT_EQ(r.rows[k].first, k + 1);
    EXPECT_EQ(r.rows[k].second, std::vector<std::string>{""});
    EXPECT_NE(r.decode_errors[k].find("batch_row_too_large"), std::string::npos) << r.decode_errors[k];
  }
  EXPECT_EQ(r.rows[3], (std::pair<std::size_t, std::vector<std::string>>{4, {"4", "b"}}));
  EXPECT_EQ(r.decode_errors[3], "");
}

}  // namespace
}  // namespace rules::batch
