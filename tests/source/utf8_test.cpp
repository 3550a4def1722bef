// source::append_json_string against nlohmann::json's dump(), which it replaces where answers
// are written by hand (policy serve's answer, batch's JSON Lines): equal bytes for every input.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include <nlohmann/json.hpp>

#include "source/utf8.h"

namespace {

using rules::source::json_string;

std::string nlohmann_dump(const std::string& text) {
  return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

TEST(JsonString, EscapesWhatJsonRequiresAndKeepsChinese) {
  EXPECT_EQ(json_string(""), "\"\"");
  EXPECT_EQ(json_string("退役后 2 年内复学"), "\"退役后 2 年内复学\"");
  EXPECT_EQ(json_string("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(json_string("\b\f\n\r\t"), "\"\\b\\f\\n\\r\\t\"");
  EXPECT_EQ(json_string(std::string("\x01\x1f\x7f", 3)), "\"\\u0001\\u001f\x7f\"");
  EXPECT_EQ(json_string(std::string("a\0b", 3)), "\"a\\u0000b\"");
}

TEST(JsonString, ReplacesEachMaximalSubpartOfBadUtf8) {
  // A lone continuation byte, a truncated 3-byte sequence at the end, an overlong E0 80 (two
  // subparts: E0 cannot be followed by 80), a surrogate ED A0 80, and F5 (never a lead byte).
  EXPECT_EQ(json_string("a\x80z"), "\"a\xEF\xBF\xBDz\"");
  EXPECT_EQ(json_string("\xE5\xAD"), "\"\xEF\xBF\xBD\"");
  EXPECT_EQ(json_string("\xE0\x80x"), "\"\xEF\xBF\xBD\xEF\xBF\xBDx\"");
  EXPECT_EQ(json_string("\xED\xA0\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
  EXPECT_EQ(json_string("\xF5学"), "\"\xEF\xBF\xBD学\"");
  for (const std::string s : {"a\x80z", "\xE5\xAD", "\xE0\x80x", "\xED\xA0\x80", "\xF5学", "\xF0\x9F\x98", "\xF0\x9F\x98\x80\xC2"}) {
    EXPECT_EQ(json_string(s), nlohmann_dump(s)) << s;
  }
}

TEST(JsonString, EqualsNlohmannOnRandomText) {
  // Random mixes of ASCII, controls, quotes, Chinese, 4-byte characters and stray bytes.
  std::mt19937 random(20261207);
  const std::string pieces[] = {"a", "Z", " ", "\"", "\\", "\n", std::string(1, '\0'), "\x1b", "\x7f", "学", "籍",
                                "（", "😀", "\x80", "\xBF", "\xC0", "\xC2", "\xE0", "\xE0\xA0", "\xED", "\xED\x9F",
                                "\xF0", "\xF0\x90", "\xF4\x8F", "\xF4\x90", "\xFF"};
  std::uniform_int_distribution<std::size_t> pick(0, std::size(pieces) - 1), length(0, 24);
  for (int n = 0; n < 20000; ++n) {
    std::string s;
    for (std::size_t k = length(random); k > 0; --k) s += pieces[pick(random)];
    ASSERT_EQ(json_string(s), nlohmann_dump(s)) << "case " << n;
  }
}

TEST(Utf8, TheFirstCharacterOrItsMaximalSubpart) {
  struct Case {
    std::string text;
    std::size_t length;
    bool well_formed;
  };
  const Case cases[] = {
      {"a", 1, true},         {"学籍", 3, true},        {"\xF0\x9F\x98\x80", 4, true},  {"\xC2\xA0x", 2, true},
      {"\x80", 1, false},    {"\xC0\xAF", 1, false}, {"\xE0\x80", 1, false},          {"\xE0\xA0", 2, false},
      {"\xED\xA0\x80", 1, false}, {"\xF4\x90", 1, false}, {"\xF0\x9F\x98", 3, false}, {"\xE5\xADx", 2, false},
      {"", 0, false},
  };
  for (const auto& c : cases) {
    bool well_formed = !c.well_formed;
    EXPECT_EQ(rules::source::utf8_sequence(c.text, well_formed), c.length) << c.text;
    EXPECT_EQ(well_formed, c.well_formed) << c.text;
  }
}

TEST(Utf8, ValidOrNotWithItsPrefix) {
  std::size_t good = 99;
  EXPECT_TRUE(rules::source::valid_utf8("学籍 ok", &good));
  EXPECT_EQ(good, std::string("学籍 ok").size());
  EXPECT_FALSE(rules::source::valid_utf8("ab\xE5\xAD", &good));
  EXPECT_EQ(good, 2u);
  EXPECT_FALSE(rules::source::valid_utf8("\xC0\xAF", &good));  // overlong '/'
  EXPECT_EQ(good, 0u);
}

}  // namespace
