#include "model/resident_id.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

// All numbers here are made up: region 110101 (东城区, Beijing) with invented birth dates and
// sequence codes; none is a real person's.

namespace rules::model {
namespace {

// An independent implementation of the check character for the test: the weights are 2^(17-i)
// mod 11 (GB 11643-1999, 7.2), and the check value is (12 - sum mod 11) mod 11, 10 written X.
char reference_check_char(std::string_view first17) {
  int sum = 0;
  int weight = 1;  // 2^0, for the rightmost of the 17 digits (position 2 counted from the right)
  for (std::size_t i = 17; i-- > 0;) {
    weight = weight * 2 % 11;  // 2^(position - 1), position 2..18 from the right
    sum += (first17[i] - '0') * weight;
  }
  const int check = (12 - sum % 11) % 11;
  return check == 10 ? 'X' : static_cast<char>('0' + check);
}

// A valid number from region 110101, the birth date YYYYMMDD and a 3-digit sequence code.
std::string make_id(std::string_view birth, std::string_view seq) {
  std::string s = "110101" + std::string(birth) + std::string(seq);
  s += reference_check_char(s);
  return s;
}

// Hand-computed (prefix 110101 contributes 1*7 + 1*9 + 0*10 + 1*5 + 0*8 + 1*4 = 25):
// 110101 19900307 001: + 1*2 9*1 9*6 0*3 0*7 3*9 0*10 7*5 0*8 0*4 1*2 = 2+9+54+27+35+2 = 129;
//   25 + 129 = 154 = 14*11 + 0 -> "10X98765432"[0] = '1'.
constexpr std::string_view kId1 = "110101199003070011";
// 110101 20000229 123: + 2*2 0 0 0 0 2*9 2*10 9*5 1*8 2*4 3*2 = 4+18+20+45+8+8+6 = 109;
//   25 + 109 = 134 = 12*11 + 2 -> 'X'. (Born on a leap day.)
constexpr std::string_view kId2 = "11010120000229123X";
// 110101 19851231 456: + 1*2 9*1 8*6 5*3 1*7 2*9 3*10 1*5 4*8 5*4 6*2
//   = 2+9+48+15+7+18+30+5+32+20+12 = 198; 25 + 198 = 223 = 20*11 + 3 -> '9'.
constexpr std::string_view kId3 = "110101198512314569";
// 110101 19900230 001 (no such day): + 2+9+54+0+0+2*9+3*10+0+0+0+2 = 115; 25 + 115 = 140
//   = 12*11 + 8 -> '4'. The check character is right; only the date is wrong.
constexpr std::string_view kIdFeb30 = "110101199002300014";

TEST(ResidentId, CheckCharHandComputed) {
  EXPECT_EQ(resident_id_check_char(kId1.substr(0, 17)), '1');
  EXPECT_EQ(resident_id_check_char(kId2.substr(0, 17)), 'X');
  EXPECT_EQ(resident_id_check_char(kId3.substr(0, 17)), '9');
  EXPECT_EQ(resident_id_check_char(kIdFeb30.substr(0, 17)), '4');
}

TEST(ResidentId, CheckCharAgreesWithReference) {
  // Every check character occurs: vary the sequence code over 000..999 and the birth date.
  std::string seen;
  for (int seq = 0; seq < 1000; ++seq) {
    char buf[4];
    std::snprintf(buf, sizeof buf, "%03d", seq);
    const std::string first17 = "110101" + std::string(seq % 2 ? "19900307" : "20241231") + buf;
    const char c = resident_id_check_char(first17);
    ASSERT_EQ(c, reference_check_char(first17)) << first17;
    if (seen.find(c) == std::string::npos) seen += c;
  }
  EXPECT_EQ(seen.size(), 11u) << seen;
}

TEST(ResidentId, CheckCharRejectsNonDigits) {
  EXPECT_EQ(resident_id_check_char("1101011990030700"), '\0');    // 16
  EXPECT_EQ(resident_id_check_char("110101199003070011"), '\0');  // 18
  EXPECT_EQ(resident_id_check_char("11010119900307A01"), '\0');
  EXPECT_EQ(resident_id_check_char(""), '\0');
}

TEST(ResidentId, ValidNumbers) {
  const std::vector<std::string> valid = {std::string(kId1), std::string(kId2), std::string(kId3),
                                          make_id("18000101", "000"), make_id("20240229", "999"),
                                          make_id("19991231", "500"), make_id("20250630", "010")};
  for (const auto& id : valid) {
    const auto r = check_resident_id(id);
    EXPECT_TRUE(r.ok) << id << ": " << r.error;
    EXPECT_EQ(r.normalized, id);
    EXPECT_EQ(r.error, "");
  }
}

TEST(ResidentId, LowercaseXIsNormalized) {
  const auto r = check_resident_id("11010120000229123x");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.normalized, "11010120000229123X");
}

TEST(ResidentId, OutParamOverloadReusesBuffer) {
  std::string normalized;
  std::string error;
  ASSERT_TRUE(check_resident_id("11010120000229123x", normalized, error));
  EXPECT_EQ(normalized, "11010120000229123X");
  const auto* data = normalized.data();
  ASSERT_TRUE(check_resident_id(kId1, normalized, error));
  EXPECT_EQ(normalized, kId1);
  EXPECT_EQ(normalized.data(), data);  // same storage: no new allocation
  EXPECT_EQ(error, "");
}

TEST(ResidentId, WrongCheckCharacterNamesTheExpectedOne) {
  const auto r = check_resident_id("110101199003070012");  // kId1 with 2 for 1
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.normalized, "");
  EXPECT_EQ(r.error,
            "'110101********0012' is not a valid resident ID number: the check character is '2', but the "
            "first 17 digits give '1'; a digit was probably mistyped");
  const auto x = check_resident_id("110101198512314561");  // kId3 with 1 for 9
  ASSERT_FALSE(x.ok);
  EXPECT_NE(x.error.find("the check character is '1', but the first 17 digits give '9'"), std::string::npos)
      << x.error;
  const auto lower = check_resident_id("11010119900307001x");  // x where 1 belongs
  ASSERT_FALSE(lower.ok);
  EXPECT_NE(lower.error.find("the check character is 'X', but the first 17 digits give '1'"), std::string::npos)
      << lower.error;
  const auto want_x = check_resident_id("110101200002291230");  // 0 where X belongs
  ASSERT_FALSE(want_x.ok);
  EXPECT_NE(want_x.error.find("give 'X'"), std::string::npos) << want_x.error;
}

TEST(ResidentId, WrongLength) {
  struct Case {
    std::string_view text;
    std::string_view error;
  };
  const Case cases[] = {
      {"11010119900307001", "'110101*******7001' is not a valid resident ID number: it has 17 characters, expected 18"},
      {"1101011990030700111", "'110101*********0111' is not a valid resident ID number: it has 19 characters, expected 18"},
      {"1234", "'123*' is not a valid resident ID number: it has 4 characters, expected 18"},
      {"1", "'*' is not a valid resident ID number: it has 1 character, expected 18"},
      {"张三", "'**' is not a valid resident ID number: it has 2 characters, expected 18"},
      {"", "'' is not a valid resident ID number: the cell is empty"},
  };
  for (const auto& c : cases) {
    const auto r = check_resident_id(c.text);
    EXPECT_FALSE(r.ok) << c.text;
    EXPECT_EQ(r.error, c.error);
  }
}

TEST(ResidentId, NonDigits) {
  struct Case {
    std::string_view text;
    std::string_view why;
  };
  const Case cases[] = {
      {"1101O1199003070011", "character 5 ('O') is not a digit"},
      {"11010119900307001A", "character 18 ('A') must be a digit or X"},
      {"X10101199003070011", "character 1 ('X') is not a digit"},
      {"110101 99003070011", "character 7 is not a digit"},
      {"110101-1990030-001", "character 7 ('-') is not a digit"},
      // 18 characters, the first a full-width digit (U+FF11, three bytes).
      {"\xEF\xBC\x91" "10101199003070011", "character 1 ('\xEF\xBC\x91') is not a digit (a full-width digit: type "
                                           "the number with ASCII digits)"},
  };
  for (const auto& c : cases) {
    const auto r = check_resident_id(c.text);
    ASSERT_FALSE(r.ok) << c.text;
    EXPECT_NE(r.error.find(std::string(c.why)), std::string::npos) << r.error;
    EXPECT_EQ(r.error.find(c.text), std::string::npos) << r.error;
  }
}

TEST(ResidentId, ImpossibleBirthDate) {
  ASSERT_EQ(resident_id_check_char(kIdFeb30.substr(0, 17)), kIdFeb30[17]);  // only the date is wrong
  const auto r = check_resident_id(kIdFeb30);
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error,
            "'110101********0014' is not a valid resident ID number: its birth date (digits 7-14) does not exist "
            "(February 1990 has 28 days)");
  for (std::string_view birth : {"19901301", "19900001", "19900100", "20230229", "19000229", "19900431"}) {
    const auto id = make_id(birth, "001");
    const auto bad = check_resident_id(id);
    ASSERT_FALSE(bad.ok) << id;
    EXPECT_NE(bad.error.find("its birth date (digits 7-14) does not exist"), std::string::npos) << bad.error;
    EXPECT_EQ(bad.error.find(birth), std::string::npos) << bad.error;  // the date itself is not shown
  }
  const auto early = check_resident_id(make_id("17991231", "001"));
  ASSERT_FALSE(early.ok);
  EXPECT_NE(early.error.find("its birth date (digits 7-14) is before the year 1800"), std::string::npos) << early.error;
  EXPECT_TRUE(check_resident_id(make_id("18000101", "001")).ok);
}

TEST(ResidentId, ExcelScientificNotation) {
  for (std::string_view text : {"1.10101E+17", "1.10101199003077E+17", "1.10101e+17", "1.1E17", "1E+17",
                                "1.10101199003077E+017"}) {
    const auto r = check_resident_id(text);
    ASSERT_FALSE(r.ok) << text;
    EXPECT_NE(r.error.find("the ID number was turned into a number by Excel (scientific notation)"), std::string::npos)
        << r.error;
    EXPECT_NE(r.error.find("format the column as text"), std::string::npos) << r.error;
    EXPECT_EQ(r.error.find(text), std::string::npos) << r.error;
  }
  EXPECT_EQ(check_resident_id("1.10101E+17").error,
            "'1.1********' is not a valid resident ID number: the ID number was turned into a number by Excel "
            "(scientific notation), which keeps only 15 digits; format the column as text, enter or import the "
            "numbers again and export again");
  // Not scientific notation: a plain wrong length.
  EXPECT_NE(check_resident_id("E+17").error.find("it has 4 characters"), std::string::npos);
  EXPECT_NE(check_resident_id("1.10101").error.find("it has 7 characters"), std::string::npos);
}

TEST(ResidentId, ExcelFifteenDigitPrecision) {
  // 110101 19900307 2|000: the first 15 digits of a number whose last three Excel made 000.
  // The right check character would be '9' (25 + 2+9+54+27+35+2*8 = 168 = 15*11 + 3).
  ASSERT_EQ(resident_id_check_char("11010119900307200"), '9');
  const auto r = check_resident_id("110101199003072000");
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error,
            "'110101********2000' is not a valid resident ID number: it ends in 000 and its check character is "
            "wrong: the last digits were lost to Excel's 15-digit precision; format the column as text, enter "
            "or import the numbers again and export again");
  // A number that really ends in 000 and checks is valid.
  for (int seq = 0; seq < 1000; ++seq) {
    char buf[4];
    std::snprintf(buf, sizeof buf, "%03d", seq);
    const std::string first17 = "11010119900307" + std::string(buf);
    if (first17.ends_with("00") && resident_id_check_char(first17) == '0') {
      EXPECT_TRUE(check_resident_id(first17 + "0").ok) << first17;
    }
  }
}

TEST(ResidentId, FirstGenerationFifteenDigitsAreConverted) {
  // GB 11643-1999 converts a 15-digit number (region 110101, YYMMDD 900307, sequence 001) by
  // inserting 19 before the year and appending the check character of the 17 digits
  // 110101 19900307 001, computed by hand for kId1 above: 25 + 129 = 154 = 14*11 + 0 -> '1'.
  const auto r = check_resident_id("110101900307001");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.normalized, "110101199003070011");
  EXPECT_EQ(r.normalized, kId1);
  // 110101 851231 456 -> 110101 19851231 456 + check: kId3 above, 25 + 198 = 223 = 20*11 + 3 -> '9'.
  EXPECT_EQ(check_resident_id("110101851231456").normalized, "110101198512314569");
  // 110101 000229 123 -> 110101 19000229 123 + check: 25 + 1*2 + 9*1 + 0*6 + 0*3 + 0*7 + 2*9 + 2*10
  //   + 9*5 + 1*8 + 2*4 + 3*2 = 25 + 2+9+18+20+45+8+8+6 = 141 = 12*11 + 9 -> "10X98765432"[9] = '3'.
  // But 1900 is no leap year: 1900-02-29 does not exist, and the number is refused.
  EXPECT_EQ(resident_id_check_char("11010119000229123"), '3');
  const auto leap = check_resident_id("110101000229123");
  ASSERT_FALSE(leap.ok);
  EXPECT_EQ(leap.error,
            "'110101*****9123' is not a valid resident ID number: it has 15 digits, the form of a "
            "first-generation ID number, but its birth date (digits 7-12) does not exist (February 1900 has 28 days)");
  EXPECT_EQ(check_resident_id("110101000229123", source::Lang::zh).error,
            "'110101*****9123' 不是有效的居民身份证号码：它是15位的第一代身份证号码，但其中的出生日期（第7-12位）不存在"
            "（1900年2月只有28天）");
  // A 15-character text that is not 15 digits is no first-generation number.
  EXPECT_FALSE(check_resident_id("11010190030700X").ok);
}

TEST(ResidentId, ExcelApostropheIsDropped) {
  // '110101… is how Excel keeps a number as text; some exports keep the apostrophe.
  std::string normalized;
  std::string error;
  ASSERT_TRUE(check_resident_id("'110101199003070011", normalized, error)) << error;
  EXPECT_EQ(normalized, "110101199003070011");
  ASSERT_TRUE(check_resident_id("'110101900307001", normalized, error)) << error;
  EXPECT_EQ(normalized, "110101199003070011");
  ASSERT_TRUE(check_resident_id("'11010120000229123x", normalized, error)) << error;
  EXPECT_EQ(normalized, "11010120000229123X");
  // Only one, and only at the front; the message masks the number without it.
  EXPECT_FALSE(check_resident_id("''110101199003070011", normalized, error));
  EXPECT_FALSE(check_resident_id("110101199003070011'", normalized, error));
  EXPECT_FALSE(check_resident_id("'110101199003070012", normalized, error));
  EXPECT_EQ(error, "'110101********0012' is not a valid resident ID number: the check character is '2', but the "
                   "first 17 digits give '1'; a digit was probably mistyped");
}

TEST(ResidentId, ChineseMessages) {
  using source::Lang;
  EXPECT_EQ(check_resident_id("110101199003070012", Lang::zh).error,
            "'110101********0012' 不是有效的居民身份证号码：校验码是 '2'，但按前17位算出的应为 '1'：可能有一位数字录错");
  EXPECT_EQ(check_resident_id("1.10101E+17", Lang::zh).error,
            "'1.1********' 不是有效的居民身份证号码：身份证号被 Excel 改成了数字（科学计数法），只保留了 15 位有效数字："
            "请把该列设为文本格式，重新录入或导入号码后再导出");
  EXPECT_EQ(check_resident_id("1101011990030700", Lang::zh).error,
            "'110101******0700' 不是有效的居民身份证号码：它有16个字符，应为18个");
  EXPECT_EQ(check_resident_id("1101O1199003070011", Lang::zh).error,
            "'1101O1********0011' 不是有效的居民身份证号码：第5个字符（'O'）不是数字");
  EXPECT_EQ(check_resident_id(kIdFeb30, Lang::zh).error,
            "'110101********0014' 不是有效的居民身份证号码：其中的出生日期（第7-14位）不存在（1990年2月只有28天）");
  EXPECT_EQ(check_resident_id("110101199003072000", Lang::zh).error.find("末几位数字因 Excel 只保留 15 位有效数字而丢失") !=
                std::string::npos,
            true);
}

TEST(ResidentId, Mask) {
  struct Case {
    std::string_view text;
    std::string_view masked;
  };
  const Case cases[] = {
      {"110101199003071234", "110101********1234"},
      {"11010120000229123X", "110101********123X"},
      {"110101900307001", "110101*****7001"},      // 15: first 6 and last 4
      {"11010119900307", "110***********"},        // 14: first 3
      {"1.10101E+17", "1.1********"},
      {"1234", "123*"},
      {"123", "***"},
      {"1", "*"},
      {"", ""},
      {"张三李四", "张三李*"},                      // characters, not bytes
      {"身份证号码一二三四五六七八九十", "身份证号码一*****七八九十"},
      {"\xFF\xFE" "3456", "\xFF\xFE" "3***"},      // invalid bytes count one each
  };
  for (const auto& c : cases) EXPECT_EQ(mask_resident_id(c.text), c.masked) << c.text;
}

TEST(ResidentId, NoMessageContainsTheWholeNumber) {
  std::vector<std::string> inputs = {
      "110101199003070012", "11010119900307001", "1101011990030700111", "1101O1199003070011",
      "11010119900307001A", std::string(kIdFeb30), "110101199003072000", "110101000229123",
      "1.10101199003077E+17", "11010119900307001x", "110101200002291230", make_id("17991231", "001"),
      make_id("20230229", "001"), "11010119900307001111111", "110101199003070011 张三"};
  for (const auto& text : inputs) {
    const auto r = check_resident_id(text);
    ASSERT_FALSE(r.ok) << text;
    EXPECT_EQ(r.error.find(text), std::string::npos) << r.error;
    // Nor the hidden middle (digits 7-14, the birth date) of an 18-character number.
    if (text.size() == 18) {
      EXPECT_EQ(r.error.find(text.substr(6, 8)), std::string::npos) << r.error;
    }
    EXPECT_EQ(r.normalized, "");
  }
}

}  // namespace
}  // namespace rules::model

// Found by tests/serve/request_property_test.cpp: an error quoting a request as a whole (a JSON
// parser's "last read", an --as-of that is no date) showed an ID number whole.
TEST(MaskResidentIdsIn, MasksEveryRunThatMayBeAnIdNumberAndNothingElse) {
  using rules::model::mask_resident_ids_in;
  EXPECT_EQ(mask_resident_ids_in("'110101199003070011' is not a date"), "'110101********0011' is not a date");
  EXPECT_EQ(mask_resident_ids_in("last read: '\"11010119900307001X"), "last read: '\"110101********001X");
  EXPECT_EQ(mask_resident_ids_in("a 110101900307001 b 2025-06-30 c 12345678901234"), "a 110101*****7001 b 2025-06-30 c 12345678901234");
  EXPECT_EQ(mask_resident_ids_in("110101199003070011,110101199003070012"), "110101********0011,110101********0012");
  EXPECT_EQ(mask_resident_ids_in("退役日期 2026年6月15日"), "退役日期 2026年6月15日");
  EXPECT_EQ(mask_resident_ids_in(""), "");
}
