// TomlFile::expr_source: each byte of a TOML string's decoded value maps to the file position
// (line, column in code points) it was written at, for every kind of TOML string. Expression
// diagnostics are placed with this map, so a wrong entry is a wrong line:col in a report.

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "loader/toml_source.h"

namespace rules::loader::detail {
namespace {

struct Mapped {
  model::ExprSource src;
  /// "line:col" of decoded byte `i` (i == text size: the closing quote).
  std::string at(std::size_t i) const {
    if (i >= src.positions.size()) return "out of range";
    return std::to_string(src.positions[i].line) + ":" + std::to_string(src.positions[i].column);
  }
  /// "line:col" of the first byte of the first occurrence of `needle` in the decoded text.
  std::string of(std::string_view needle) const {
    const auto i = src.text.find(needle);
    if (i == std::string::npos) return "not found";
    return at(i);
  }
};

/// Parses `text`, maps the string at `path` (a dotted TOML path).
Mapped map(const std::string& text, std::string_view path) {
  toml::table root;
  try {
    root = toml::parse(std::string_view(text), std::string_view("t.toml"));
  } catch (const toml::parse_error& e) {
    ADD_FAILURE() << "test input is not TOML: " << e.description();
    return {};
  }
  const toml::node* n = root.at_path(path).node();
  if (!n) {
    ADD_FAILURE() << "no node at " << path;
    return {};
  }
  TomlFile f("t.toml", text);
  Mapped m{f.expr_source(*n)};
  EXPECT_EQ(m.src.positions.size(), m.src.text.size() + 1) << "one position per byte, plus the end";
  EXPECT_EQ(m.src.span.file, "t.toml");
  return m;
}

TEST(ExprSource, BasicStringOnOneLine) {
  //                  1234567890123456
  const auto m = map("expr = \"ab + cd\"\n", "expr");
  EXPECT_EQ(m.src.text, "ab + cd");
  EXPECT_EQ(m.src.span.begin.line, 1u);
  EXPECT_EQ(m.src.span.begin.column, 8u);  // the opening quote
  EXPECT_EQ(m.at(0), "1:9");
  EXPECT_EQ(m.of("+"), "1:12");
  EXPECT_EQ(m.of("cd"), "1:14");
  EXPECT_EQ(m.at(7), "1:16");  // the end: the closing quote
}

TEST(ExprSource, LiteralStringKeepsBackslashes) {
  //                  123456789
  const auto m = map("x = 'a\\b'\n", "x");
  EXPECT_EQ(m.src.text, "a\\b");
  EXPECT_EQ(m.at(0), "1:6");
  EXPECT_EQ(m.at(1), "1:7");
  EXPECT_EQ(m.at(2), "1:8");
  EXPECT_EQ(m.at(3), "1:9");
}

TEST(ExprSource, MultiLineBasicStringTrimsTheFirstNewline) {
  const auto m = map("\n[t]\nx = \"\"\"\n  ab\n  cd\"\"\"\n", "t.x");
  EXPECT_EQ(m.src.text, "  ab\n  cd");
  EXPECT_EQ(m.at(0), "4:1");
  EXPECT_EQ(m.of("ab"), "4:3");
  EXPECT_EQ(m.of("cd"), "5:3");
  EXPECT_EQ(m.at(m.src.text.size()), "5:5");
}

TEST(ExprSource, MultiLineLiteralString) {
  const auto m = map("x = '''\n  a\\b\n\n    c'''\n", "x");
  EXPECT_EQ(m.src.text, "  a\\b\n\n    c");
  EXPECT_EQ(m.of("a"), "2:3");
  EXPECT_EQ(m.of("\\"), "2:4");
  EXPECT_EQ(m.of("c"), "4:5");
  EXPECT_EQ(m.at(m.src.text.size()), "4:6");
}

TEST(ExprSource, MultiLineStringsWithContentOnTheFirstLine) {
  //                  1234567890123
  const auto a = map("x = '''ab\n cd'''\n", "x");
  EXPECT_EQ(a.of("ab"), "1:8");
  EXPECT_EQ(a.of("cd"), "2:2");
  const auto b = map("x = \"\"\"ab\n cd\"\"\"\n", "x");
  EXPECT_EQ(b.of("ab"), "1:8");
  EXPECT_EQ(b.of("cd"), "2:2");
}

TEST(ExprSource, EscapedQuotesAndBackslashes) {
  // x = "a == \"b\" \\ c"
  // 1234567890123456789012
  const auto m = map("x = \"a == \\\"b\\\" \\\\ c\"\n", "x");
  EXPECT_EQ(m.src.text, "a == \"b\" \\ c");
  EXPECT_EQ(m.of("\""), "1:11");  // the escape's backslash
  EXPECT_EQ(m.of("b"), "1:13");
  EXPECT_EQ(m.of("\\"), "1:17");
  EXPECT_EQ(m.of("c"), "1:20");
  EXPECT_EQ(m.at(m.src.text.size()), "1:21");
}

TEST(ExprSource, UnicodeEscapesMapAllTheirBytesToTheEscape) {
  // x = "\u00e9z \U0001F600y\tw"
  // 12345678901234567890123456789
  const auto m = map("x = \"\\u00e9z \\U0001F600y\\tw\"\n", "x");
  EXPECT_EQ(m.src.text, "\xC3\xA9z \xF0\x9F\x98\x80y\tw");
  EXPECT_EQ(m.at(0), "1:6");
  EXPECT_EQ(m.at(1), "1:6");
  EXPECT_EQ(m.of("z"), "1:12");
  for (std::size_t i = 4; i < 8; ++i) EXPECT_EQ(m.at(i), "1:14") << "byte " << i;
  EXPECT_EQ(m.of("y"), "1:24");
  EXPECT_EQ(m.of("\t"), "1:25");
  EXPECT_EQ(m.of("w"), "1:27");
  EXPECT_EQ(m.at(m.src.text.size()), "1:28");
}

TEST(ExprSource, ChineseBeforeTheStringOnTheSameLine) {
  // t = { label = "中文", x = "a b" }
  // 12345678901234567890123456789
  const auto m = map("t = { label = \"中文\", x = \"a b\" }\n", "t.x");
  EXPECT_EQ(m.src.span.begin.column, 25u);
  EXPECT_EQ(m.at(0), "1:26");
  EXPECT_EQ(m.of("b"), "1:28");
  EXPECT_EQ(m.at(3), "1:29");
}

TEST(ExprSource, MultiByteCharactersInsideTheStringTakeOneColumn) {
  // x = "中 b🎖c"  (🎖 is outside the BMP: 4 bytes, one code point)
  // 123456789
  const auto m = map("x = \"中 b\xF0\x9F\x8E\x96" "c\"\n", "x");
  EXPECT_EQ(m.at(0), "1:6");
  EXPECT_EQ(m.at(1), "1:6");
  EXPECT_EQ(m.at(2), "1:6");
  EXPECT_EQ(m.of(" "), "1:7");
  EXPECT_EQ(m.of("b"), "1:8");
  EXPECT_EQ(m.at(5), "1:9");
  EXPECT_EQ(m.at(8), "1:9");
  EXPECT_EQ(m.of("c"), "1:10");
  EXPECT_EQ(m.at(m.src.text.size()), "1:11");
}

TEST(ExprSource, LineEndingBackslashSkipsTheNewlineAndIndentation) {
  // x = """a <backslash><newline>
  //     b"""
  const auto m = map("x = \"\"\"a \\\n    b\"\"\"\n", "x");
  EXPECT_EQ(m.src.text, "a b");
  EXPECT_EQ(m.at(0), "1:8");
  EXPECT_EQ(m.at(1), "1:9");
  EXPECT_EQ(m.at(2), "2:5");
  EXPECT_EQ(m.at(3), "2:6");
}

TEST(ExprSource, QuotesNextToTheClosingDelimiter) {
  // x = """a == "b""""
  // 123456789012345678
  const auto m = map("x = \"\"\"a == \"b\"\"\"\"\n", "x");
  EXPECT_EQ(m.src.text, "a == \"b\"");
  EXPECT_EQ(m.of("\""), "1:13");
  EXPECT_EQ(m.of("b"), "1:14");
  EXPECT_EQ(m.at(7), "1:15");
  EXPECT_EQ(m.at(8), "1:16");
  const auto l = map("x = '''a == 'b''''\n", "x");
  EXPECT_EQ(l.src.text, "a == 'b'");
  EXPECT_EQ(l.at(7), "1:15");
  EXPECT_EQ(l.at(8), "1:16");
}

TEST(ExprSource, CrLfLineEnds) {
  const auto m = map("a = 1\r\nx = \"\"\"\r\n  ab\r\n  cd\"\"\"\r\n", "x");
  EXPECT_EQ(m.src.text, "  ab\n  cd");
  EXPECT_EQ(m.of("ab"), "3:3");
  EXPECT_EQ(m.of("cd"), "4:3");
  EXPECT_EQ(m.at(m.src.text.size()), "4:5");
}

TEST(ExprSource, TabsCountAsOneColumn) {
  const auto m = map("x =\t\"ab\"\n", "x");
  EXPECT_EQ(m.src.span.begin.column, 5u);
  EXPECT_EQ(m.at(0), "1:6");
}

TEST(ExprSource, ANonStringNodeMapsEverythingToItsStart) {
  const auto m = map("x = 42\n", "x");
  EXPECT_EQ(m.src.text, "");
  ASSERT_EQ(m.src.positions.size(), 1u);
  EXPECT_EQ(m.at(0), "1:5");
}

TEST(TomlFileSpan, UsesTheNodesRegion) {
  const std::string text = "# 注释\n[t]\n\"名\" = 1\nk = \"值\"\n";
  toml::table root = toml::parse(std::string_view(text), std::string_view("t.toml"));
  TomlFile f("pack/t.toml", text);
  const auto s = f.span(*root.at_path("t.k").node());
  EXPECT_EQ(s.file, "pack/t.toml");
  EXPECT_EQ(s.begin.line, 4u);
  EXPECT_EQ(s.begin.column, 5u);
}

}  // namespace
}  // namespace rules::loader::detail
