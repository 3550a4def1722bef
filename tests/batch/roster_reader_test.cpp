// The roster reader: encodings, CSV structure, row numbers, chunk boundaries.
#include <gtest/gtest.h>

#include "encode.h"

#include <cerrno>
#include <cstring>
#include <sstream>
#include <system_error>

#include "batch/roster_reader.h"

namespace rules::batch {
namespace {

using testing::encode;

struct Read {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::size_t> numbers;
  std::vector<bool> bad;
  Encoding encoding;
  bool bom;
};

Read read_all(const std::string& bytes, Encoding e = Encoding::automatic, std::size_t chunk = 1 << 16) {
  std::istringstream in(bytes);
  RosterReader reader(in, e, chunk);
  Read r;
  Record rec;
  while (reader.next(rec)) {
    std::vector<std::string> fields;
    for (std::size_t i = 0; i < rec.size(); ++i) fields.emplace_back(rec.field(i));
    r.rows.push_back(fields);
    r.numbers.push_back(rec.row);
    r.bad.push_back(rec.decode_error.has_value());
  }
  r.encoding = reader.encoding();
  r.bom = reader.had_bom();
  return r;
}

using Rows = std::vector<std::vector<std::string>>;

const std::string kText =
    "学号,姓名,退役日期\r\n"
    "2020001,王䶮,2025/6/30\r\n"
    "2020002,\"李,\"\"小\"\"明\",2025年6月30日\r\n"
    "\r\n"
    "2020003,\"张\n三\",20250630,,\r\n";
const Rows kRows = {{"学号", "姓名", "退役日期"},
                    {"2020001", "王䶮", "2025/6/30"},
                    {"2020002", "李,\"小\"明", "2025年6月30日"},
                    {"2020003", "张\n三", "20250630"}};

TEST(RosterReader, Utf8WithBomAndCrlf) {
  const auto r = read_all("\xEF\xBB\xBF" + kText);
  EXPECT_EQ(r.rows, kRows);
  EXPECT_TRUE(r.bom);
  EXPECT_EQ(r.encoding, Encoding::utf8);
  // Row numbers are the rows a spreadsheet shows: header 1; the blank line is row 4 (not a record).
  EXPECT_EQ(r.numbers, (std::vector<std::size_t>{1, 2, 3, 5}));
}

TEST(RosterReader, BlankLinesCountAsRowsAndQuotedLineBreaksDoNot) {
  // Every line break outside quotes starts a row, as Excel shows the file: CRLF, LF and a lone CR
  // each once; a line of commas or spaces is a row without a record; a quoted line break stays
  // in its cell.
  const std::string text =
      "\r\n"              // 1: blank
      "a,b\r\n"           // 2
      "\n"                // 3: blank
      "\r"                // 4: blank
      "\r\n"              // 5: blank
      ",,\n"              // 6: blank
      " \r"               // 7: blank
      "1,\"x\r\ny\nz\"\r\n"  // 8: one row, whatever the line breaks in its cell
      "2,w\r"             // 9
      "\r\n"              // 10: blank
      "3,v";               // 11, without a final line break
  const Rows rows = {{"a", "b"}, {"1", "x\r\ny\nz"}, {"2", "w"}, {"3", "v"}};
  const std::vector<std::size_t> numbers = {2, 8, 9, 11};
  for (std::size_t chunk : {1u, 2u, 3u, 1024u}) {  // a CRLF split between chunks is still one break
    const auto r = read_all(text, Encoding::automatic, chunk);
    EXPECT_EQ(r.rows, rows) << "chunk " << chunk;
    EXPECT_EQ(r.numbers, numbers) << "chunk " << chunk;
    const auto g = read_all(encode(text, "GB18030"), Encoding::gb18030, chunk);
    EXPECT_EQ(g.rows, rows) << "gb18030, chunk " << chunk;
    EXPECT_EQ(g.numbers, numbers) << "gb18030, chunk " << chunk;
  }
}

TEST(RosterReader, ABrokenQuoteNamesTheRowItsRecordStartsOn) {
  // The blank lines before it count; the quoted line break does not.
  std::istringstream in("a,b\r\n\r\n\n1,\"x\r\ny\"\r\n2,\"c\"d\r\n3,e\r\n");
  RosterReader reader(in, Encoding::utf8);
  Record rec;
  std::vector<std::size_t> numbers;
  while (reader.next(rec)) numbers.push_back(rec.row);
  EXPECT_EQ(numbers, (std::vector<std::size_t>{1, 4}));
  ASSERT_TRUE(reader.error());
  EXPECT_TRUE(reader.error()->starts_with("row 5: the CSV structure is broken")) << *reader.error();
}

TEST(RosterReader, PlainUtf8AndLf) {
  std::string lf = kText;
  for (std::size_t p; (p = lf.find("\r\n")) != std::string::npos;) lf.erase(p, 1);
  const auto r = read_all(lf);
  EXPECT_EQ(r.rows, kRows);
  EXPECT_FALSE(r.bom);
  EXPECT_EQ(r.encoding, Encoding::utf8);
}

TEST(RosterReader, GbkAndGb18030FourByteCharacters) {
  // 䶮 (U+4DAE) and 𠌯 (U+2032F) are four-byte sequences in GB18030 and must survive.
  const std::string text = "学号,姓名\r\n1,王䶮\r\n2,李𠌯\r\n";
  const auto r = read_all(encode(text, "GB18030"));
  EXPECT_EQ(r.encoding, Encoding::gb18030);
  EXPECT_EQ(r.rows, (Rows{{"学号", "姓名"}, {"1", "王䶮"}, {"2", "李𠌯"}}));
  const auto gbk = read_all(encode("学号,姓名\r\n1,王小明\r\n", "GBK"));
  EXPECT_EQ(gbk.encoding, Encoding::gb18030);
  EXPECT_EQ(gbk.rows, (Rows{{"学号", "姓名"}, {"1", "王小明"}}));
}

TEST(RosterReader, TheSameRosterInEveryEncodingReadsTheSame) {
  const auto a = read_all(kText);
  const auto b = read_all("\xEF\xBB\xBF" + kText);
  const auto c = read_all(encode(kText, "GB18030"));
  EXPECT_EQ(a.rows, b.rows);
  EXPECT_EQ(a.rows, c.rows);
  EXPECT_EQ(a.numbers, c.numbers);
}

TEST(RosterReader, SplitSequencesAcrossChunks) {
  for (std::size_t chunk : {1u, 2u, 3u, 5u, 7u}) {
    EXPECT_EQ(read_all(kText, Encoding::automatic, chunk).rows, kRows) << "utf-8, chunk " << chunk;
    EXPECT_EQ(read_all(encode(kText, "GB18030"), Encoding::gb18030, chunk).rows, kRows) << "gb18030, chunk " << chunk;
  }
}

TEST(RosterReader, Big5DecodesAsGb18030WithoutErrorButGarbled) {
  // Only the header check can catch this (tested with the batch runner): the bytes are valid
  // GB18030, the text is not what was written.
  const auto r = read_all(encode("退役日期,姓名\r\n2025-06-30,王小明\r\n", "BIG5"));
  EXPECT_EQ(r.encoding, Encoding::gb18030);
  ASSERT_FALSE(r.rows.empty());
  EXPECT_NE(r.rows[0][0], "退役日期");
}

TEST(RosterReader, InvalidUtf8LaterInAUtf8FileMarksTheRow) {
  const auto r = read_all(std::string("a,b\r\n1,2\r\n3,\xFF\xFE\r\n4,5\r\n"), Encoding::utf8);
  ASSERT_EQ(r.rows.size(), 4u);
  EXPECT_EQ(r.bad, (std::vector<bool>{false, false, true, false}));
}

// The advice names the command line's option and the API's parameter (the IT trial: over the API,
// "请加 --encoding utf-8 运行" named an option it does not have).
TEST(RosterReader, TheEncodingAdviceNamesTheOptionAndTheApiParameter) {
  std::istringstream in(std::string("a,b\r\n3,\xFF\xFE\r\n"));
  RosterReader reader(in, Encoding::utf8);
  Record rec;
  ASSERT_TRUE(reader.next(rec));
  ASSERT_TRUE(reader.next(rec));
  ASSERT_TRUE(rec.decode_error && rec.decode_error_zh);
  EXPECT_EQ(*rec.decode_error_zh, "这一行的字节不是有效的 UTF-8 编码（如果文件是 GBK，请指定编码：命令行 --encoding gb18030，接口 encoding=gb18030）");
  EXPECT_EQ(*rec.decode_error, "the bytes of this row are not valid UTF-8 (if the file is GBK, give --encoding gb18030; in the API, encoding=gb18030)");
}

TEST(RosterReader, UndecodableBytesInAGb18030FileMarkTheRow) {
  // 0xFF 0xFE is no GB18030 character: the row is marked, not quietly given U+FFFD.
  const auto r = read_all(encode("学号,姓名\r\n1,王\r\n", "GBK") + std::string("2,\xFF\xFE\r\n") + encode("3,李\r\n", "GBK"),
                          Encoding::gb18030);
  ASSERT_EQ(r.rows.size(), 4u);
  EXPECT_EQ(r.bad, (std::vector<bool>{false, false, true, false}));
  EXPECT_EQ(r.rows[3][1], "李");
}

TEST(RosterReader, EmptyInputHasNoRecords) {
  EXPECT_TRUE(read_all("").rows.empty());
  EXPECT_TRUE(read_all("\xEF\xBB\xBF").rows.empty());
  EXPECT_TRUE(read_all("\r\n\r\n").rows.empty());
}

/// Gives `text`, then fails like a read(2) with `error` (a disk error, a directory on standard
/// input), as the CLI's InputFile and std::filebuf do: by throwing std::system_error.
struct FailingSource : std::streambuf {
  FailingSource(std::string t, int e) : text(std::move(t)), error(e) {}
  int_type underflow() override {
    if (gptr() != nullptr && gptr() < egptr()) return traits_type::to_int_type(*gptr());
    if (given) throw std::system_error(error, std::generic_category());
    given = true;
    setg(text.data(), text.data(), text.data() + text.size());
    return text.empty() ? underflow() : traits_type::to_int_type(*gptr());
  }
  std::string text;
  int error;
  bool given = false;
};

TEST(RosterReader, AFailedReadIsNotTheEndOfTheInput) {
  for (const std::size_t chunk : {std::size_t{4}, std::size_t{1} << 16}) {
    FailingSource source("学号,姓名\r\n1,王\r\n2,李", EIO);
    std::istream in(&source);
    RosterReader reader(in, Encoding::automatic, chunk);
    Record rec;
    std::vector<std::string> firsts;
    while (reader.next(rec)) firsts.emplace_back(rec.field(0));
    // The complete records before the failure; not the cut one ("2,李" may have been cut short).
    EXPECT_EQ(firsts, (std::vector<std::string>{"学号", "1"})) << chunk;
    ASSERT_TRUE(reader.read_error()) << chunk;
    EXPECT_EQ(*reader.read_error(), std::strerror(EIO));
    EXPECT_FALSE(reader.error());
    EXPECT_FALSE(reader.next(rec));
  }
  FailingSource directory("", EISDIR);
  std::istream in(&directory);
  RosterReader reader(in, Encoding::automatic);
  Record rec;
  EXPECT_FALSE(reader.next(rec));
  ASSERT_TRUE(reader.read_error());
  EXPECT_EQ(*reader.read_error(), "Is a directory");
}

TEST(RosterReader, Utf8Validation) {
  EXPECT_TRUE(valid_utf8("学号 abc"));
  EXPECT_FALSE(valid_utf8("\xC0\xAF"));          // overlong
  EXPECT_FALSE(valid_utf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(valid_utf8("\xE5\xAD"));          // truncated
  std::size_t prefix = 0;
  EXPECT_FALSE(valid_utf8("ab\xE5\xAD", &prefix));
  EXPECT_EQ(prefix, 2u);
  // Three-byte sequences (most of a Chinese roster): the edges of the range, and each way to fail.
  EXPECT_TRUE(valid_utf8("\xE0\xA0\x80"));             // U+0800, the first
  EXPECT_TRUE(valid_utf8("\xEF\xBF\xBF"));             // U+FFFF
  EXPECT_TRUE(valid_utf8("\xED\x9F\xBF\xEE\x80\x80"));  // U+D7FF and U+E000, around the surrogates
  EXPECT_FALSE(valid_utf8("\xE0\x9F\xBF"));            // overlong (U+07FF in three bytes)
  EXPECT_FALSE(valid_utf8("\xED\xBF\xBF"));            // U+DFFF, the last surrogate
  EXPECT_FALSE(valid_utf8("\xE5\x41\x80"));            // a continuation byte missing
  EXPECT_FALSE(valid_utf8("\xE5\xAD\xC0"));            // the third not a continuation byte
  EXPECT_FALSE(valid_utf8("学号\xE5\xAD\xE5", &prefix));
  EXPECT_EQ(prefix, 6u);
}

// --- issue 11: literal quotes, workbooks ---

TEST(RosterReader, AQuoteInsideAnUnquotedCellIsReadLiterally) {
  // Row 2's remark holds 外号"小明": no quote opens the cell, so none can swallow a row; the
  // quotes are text and counted, the rows around it read as usual.
  const std::string text = "学号,备注,退役日期\r\n1,外号\"小明\",2024-02-29\r\n2,无,2024-03-01\r\n";
  for (const std::size_t chunk : {std::size_t{1}, std::size_t{7}, std::size_t{1} << 16}) {
    for (const auto e : {Encoding::utf8, Encoding::gb18030}) {
      std::istringstream in(e == Encoding::utf8 ? text : encode(text, "GB18030"));
      RosterReader reader(in, e, chunk);
      Record rec;
      std::vector<std::vector<std::string>> rows;
      std::vector<std::uint32_t> quotes;
      std::vector<std::size_t> numbers;
      while (reader.next(rec)) {
        std::vector<std::string> fields;
        for (std::size_t i = 0; i < rec.size(); ++i) fields.emplace_back(rec.field(i));
        rows.push_back(fields);
        quotes.push_back(rec.literal_quotes);
        numbers.push_back(rec.row);
      }
      EXPECT_FALSE(reader.error()) << *reader.error();
      EXPECT_EQ(reader.stop(), RosterStop::none);
      EXPECT_EQ(rows, (Rows{{"学号", "备注", "退役日期"}, {"1", "外号\"小明\"", "2024-02-29"}, {"2", "无", "2024-03-01"}}))
          << "chunk " << chunk;
      EXPECT_EQ(quotes, (std::vector<std::uint32_t>{0, 2, 0})) << "chunk " << chunk;
      EXPECT_EQ(numbers, (std::vector<std::size_t>{1, 2, 3}));
    }
  }
  // At the end of a cell, of a row and of the file, too; a record reused keeps no count.
  const auto r = read_all("a,b\r\nx\",y\"\r\nz,\"q\"\r\nw\"");
  EXPECT_EQ(r.rows, (Rows{{"a", "b"}, {"x\"", "y\""}, {"z", "q"}, {"w\""}}));
}

TEST(RosterReader, AnUnclosedQuoteStillStopsTheRun) {
  // A quote that opens a cell and never closes would swallow rows 3 and 4: the run stops, naming row 2.
  std::istringstream in("学号,备注\r\n1,\"外号小明,其他\r\n2,a\r\n3,b\r\n");
  RosterReader reader(in, Encoding::utf8);
  Record rec;
  std::size_t records = 0;
  while (reader.next(rec)) ++records;
  EXPECT_EQ(records, 1u);
  ASSERT_TRUE(reader.error());
  EXPECT_EQ(reader.stop(), RosterStop::broken_quotes);
  EXPECT_TRUE(reader.error()->starts_with("row 2: the CSV structure is broken")) << *reader.error();
  ASSERT_TRUE(reader.error_zh());
  EXPECT_TRUE(reader.error_zh()->starts_with("第2行：CSV 文件的结构有误")) << *reader.error_zh();
  // Text after a closing quote stops it too ("c"d): the quote opened a cell.
  std::istringstream after("a,b\r\n1,\"c\"d\r\n2,e\r\n");
  RosterReader r2(after, Encoding::utf8);
  while (r2.next(rec)) {
  }
  EXPECT_EQ(r2.stop(), RosterStop::broken_quotes);
}

TEST(RosterReader, WorkbooksAreRecognisedByTheirFirstBytes) {
  struct Case {
    std::string bytes;
    std::string_view en;
    std::string_view zh;
  };
  // The first bytes of each format, as a file would start (the rest is made up).
  const std::string zip = std::string("PK\x03\x04\x14\x00\x06\x00\x08\x00", 10) + std::string(16, '\0') +
                          "[Content_Types].xml";
  const std::string ods = std::string("PK\x03\x04\x14\x00\x00\x08\x00\x00", 10) + std::string(16, '\0') +
                          std::string("\x08\x00\x00\x00", 4) + "mimetypeapplication/vnd.oasis.opendocument.spreadsheetPK";
  const std::string ole2("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00\x00\x00", 12);
  const Case cases[] = {
      {zip, "it is an Excel workbook (.xlsx), not a CSV file: policy batch reads it when given as a file",
       "它是 Excel 工作簿（.xlsx），不是 CSV 文件：policy batch 直接读取作为文件（policy batch 名单.xlsx）或从标准输入给出的工作簿"},
      {ole2, "it is an Excel 97-2003 workbook (.xls), or an .xlsx protected by an opening password, which is not read: in Excel, WPS or LibreOffice use \"Save As\" Excel workbook (.xlsx)",
       "它是 Excel 97-2003 工作簿（.xls），或设置了打开密码的 .xlsx，无法读取：请在 Excel、WPS 或 LibreOffice 中“另存为”Excel 工作簿（.xlsx）或 CSV UTF-8（逗号分隔）后再运行（有密码的请先取消密码）"},
      {ods, "it is an OpenDocument spreadsheet (.ods), which is not read: in Excel, WPS or LibreOffice use \"Save As\"",
       "它是 OpenDocument 电子表格（.ods），无法读取：请在 Excel、WPS 或 LibreOffice 中“另存为”Excel 工作簿（.xlsx）或 CSV UTF-8（逗号分隔）后再运行"},
  };
  for (const auto& c : cases) {
    for (const auto e : {Encoding::automatic, Encoding::utf8, Encoding::gb18030}) {
      std::istringstream in(c.bytes);
      RosterReader reader(in, e);
      Record rec;
      EXPECT_FALSE(reader.next(rec));
      EXPECT_EQ(reader.stop(), RosterStop::not_csv);
      ASSERT_TRUE(reader.error());
      EXPECT_TRUE(reader.error()->starts_with(c.en)) << *reader.error();
      EXPECT_EQ(reader.error()->find("quote"), std::string::npos);
      ASSERT_TRUE(reader.error_zh());
      EXPECT_EQ(*reader.error_zh(), c.zh);
      EXPECT_FALSE(reader.read_error());
    }
  }
  // A CSV starting with PK (a header named so) is no workbook.
  const auto r = read_all("PK,x\r\n1,2\r\n");
  EXPECT_EQ(r.rows, (Rows{{"PK", "x"}, {"1", "2"}}));
}


// A row past kMaxCellBytes or kMaxRowBytes is delivered without its cells, as an error row, and the
// rows after it are read with their own row numbers: the rest of the big row is skipped by its
// quoting alone (a quoted line break, comma or doubled quote inside it ends nothing).
TEST(RosterReader, ARowPastItsBoundIsAnErrorRowAndTheNextRowsAreRead) {
  const std::string quoted = "\"" + std::string(kMaxCellBytes / 2, 'x') + "\r\n,\"\"" + std::string(kMaxCellBytes, 'y') + "\"";
  const std::string unquoted(kMaxCellBytes + 1, 'z');
  std::string many;  // small cells, past the row's bound together
  while (many.size() <= kMaxRowBytes) many += "abcdefg,";
  for (const std::string& big : {quoted, unquoted, many}) {
    const std::string text = "学号,退役日期\r\n1,2025-06-30\r\n2," + big + "\r\n3,2025-07-01\r\n\r\n4,\"a\nb\"\n5,x";
    for (const std::size_t chunk : {std::size_t{1} << 16, std::size_t{4093}, std::size_t{1} << 25}) {
      const auto r = read_all(text, Encoding::automatic, chunk);
      EXPECT_EQ(r.rows, (Rows{{"学号", "退役日期"}, {"1", "2025-06-30"}, {""}, {"3", "2025-07-01"}, {"4", "a\nb"}, {"5", "x"}}))
          << "chunk " << chunk << ", big cell of " << big.size() << " bytes";
      EXPECT_EQ(r.numbers, (std::vector<std::size_t>{1, 2, 3, 4, 6, 7}));
      EXPECT_EQ(r.bad, (std::vector<bool>{false, false, true, false, false, false}));
    }
  }
}

TEST(RosterReader, ARowPastItsBoundSaysTheLimitInBothLanguages) {
  std::istringstream in("a,b\n" + std::string(kMaxCellBytes + 10, 'x') + "\n");
  RosterReader reader(in, Encoding::automatic);
  Record rec;
  ASSERT_TRUE(reader.next(rec));
  ASSERT_TRUE(reader.next(rec));
  EXPECT_EQ(rec.row, 2u);
  ASSERT_TRUE(rec.decode_error && rec.decode_error_zh);
  EXPECT_NE(rec.decode_error->find("batch_row_too_large: at most 1 MiB of text in a cell, 16 MiB in a row"), std::string::npos)
      << *rec.decode_error;
  EXPECT_NE(rec.decode_error_zh->find("batch_row_too_large：一个单元格最多 1 MiB 文本，一行最多 16 MiB"), std::string::npos)
      << *rec.decode_error_zh;
  EXPECT_FALSE(reader.next(rec));
  EXPECT_FALSE(reader.failure());
}

TEST(RosterReader, AnUnclosedQuoteInAHugeCellIsABrokenFileNotARowTooLarge) {
  // The quote swallows every line after it, as it would in a small cell: batch_bad_csv at the row
  // where it opens, the rows before it delivered.
  std::istringstream in("a,b\r\n1,2\r\n2,\"" + std::string(kMaxCellBytes + 70000, 'q') + "\r\n3,4\r\n");
  RosterReader reader(in, Encoding::automatic);
  Record rec;
  ASSERT_TRUE(reader.next(rec));
  ASSERT_TRUE(reader.next(rec));
  EXPECT_EQ(rec.row, 2u);
  EXPECT_FALSE(reader.next(rec));
  ASSERT_TRUE(reader.failure());
  EXPECT_EQ(reader.failure()->code, "batch_bad_csv");
  EXPECT_TRUE(reader.failure()->message.starts_with("row 3: ")) << reader.failure()->message;
}

TEST(RosterReader, ARowPastItsBoundAtTheEndOrInGb18030) {
  // The input ends inside the big row (no line break after it).
  auto r = read_all("a,b\n1," + std::string(kMaxCellBytes + 70000, 'q'));
  EXPECT_EQ(r.rows, (Rows{{"a", "b"}, {""}}));
  EXPECT_EQ(r.bad, (std::vector<bool>{false, true}));
  // GB18030: the bound is on the decoded text; the rows after it decode as usual.
  std::string gb = encode("学号,姓名\r\n1,\"", "GB18030");
  const std::string wang = encode("王", "GB18030");  // 3 bytes decoded
  for (int k = 0; k < 400000; ++k) gb += wang;
  gb += "\"\r\n" + encode("2,李\r\n", "GB18030");
  r = read_all(gb, Encoding::gb18030);
  EXPECT_EQ(r.rows, (Rows{{"学号", "姓名"}, {""}, {"2", "李"}}));
  EXPECT_EQ(r.numbers, (std::vector<std::size_t>{1, 2, 3}));
  EXPECT_EQ(r.bad, (std::vector<bool>{false, true, false}));
}

}  // namespace
}  // namespace rules::batch
