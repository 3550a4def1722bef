#include "batch/cells.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "model/resident_id.h"
#include "calendar/date.h"
#include "calendar/period.h"
#include "source/utf8.h"

namespace rules::batch {
namespace {

using model::check_resident_id;
using model::mask_resident_id;
using model::resident_id_check_char;

using model::Kind;
using model::Type;
using model::Value;

const Type kDate = Type::of(Kind::date);
const Type kBool = Type::of(Kind::boolean);
const Type kInt = Type::of(Kind::integer);
const Type kString = Type::of(Kind::string);
const Type kId = Type::of(Kind::resident_id);

// The English messages (the Chinese ones are tested below with kZh).
constexpr CellOptions kNoSerials{false, source::Lang::en};
constexpr CellOptions kSerials{true, source::Lang::en};

// The parse of one cell, with what came out.
struct Parsed {
  CellStatus status;
  Value value;
  std::string error;
  std::string normalized;  // the resident-ID buffer
};

Parsed parse(std::string_view text, Type t, const CellOptions& opt = kNoSerials,
             std::span<const model::EnumDef> enums = {}) {
  Parsed p{CellStatus::error, Value{}, "", ""};
  p.status = parse_cell(text, t, enums, opt, p.value, p.error, p.normalized);
  return p;
}

std::string date_text(const Parsed& p) {
  if (p.status != CellStatus::value) return "<" + p.error + ">";
  EXPECT_EQ(p.value.kind, Kind::date);
  EXPECT_TRUE(p.value.known());
  return calendar::format_date(p.value.date);
}

std::vector<model::EnumDef> status_enums() {
  model::EnumDef e;
  e.name = "student_status";
  e.values = {{"new_student", "新生"}, {"enrolled_student", "在校生"}, {"graduate", ""}};
  model::EnumDef other;
  other.name = "other";
  other.values = {{"a", "甲"}};
  return {other, e};
}

// --- whitespace and empty cells ---

TEST(TrimCell, AsciiNbspAndIdeographicSpace) {
  EXPECT_EQ(trim_cell("  2025-06-30\t"), "2025-06-30");
  EXPECT_EQ(trim_cell("\r\n\v\f x \r\n"), "x");
  EXPECT_EQ(trim_cell("\xE3\x80\x80" "是" "\xE3\x80\x80"), "是");
  EXPECT_EQ(trim_cell("\xC2\xA0" "12" "\xC2\xA0"), "12");
  EXPECT_EQ(trim_cell(" \xE3\x80\x80\xC2\xA0 a b \xC2\xA0\xE3\x80\x80 "), "a b");  // inner space kept
  EXPECT_EQ(trim_cell(""), "");
  EXPECT_EQ(trim_cell(" \xE3\x80\x80 "), "");
  // Half a U+3000 is not whitespace.
  EXPECT_EQ(trim_cell("\xE3\x80"), "\xE3\x80");
}

TEST(ParseCell, EmptyAndWhitespaceOnlyCellsAreEmpty) {
  const auto enums = status_enums();
  for (std::string_view text : {"", " ", "\t", "\xE3\x80\x80", "\xC2\xA0", " \xE3\x80\x80\xE3\x80\x80 \r\n"}) {
    for (Type t : {kDate, kBool, kInt, kString, kId, Type::enumeration(1), Type::of(Kind::period),
                   Type::of(Kind::window)}) {
      Value out = Value::make_int(7);
      std::string error = "untouched";
      std::string normalized;
      EXPECT_EQ(parse_cell(text, t, enums, kSerials, out, error, normalized), CellStatus::empty)
          << "'" << text << "' as " << model::kind_name(t.kind);
      EXPECT_EQ(out.state, model::State::unknown);
      EXPECT_TRUE(out.missing.none());
      EXPECT_EQ(error, "untouched");
    }
  }
}

// --- dates ---

TEST(DateCell, EveryForm) {
  struct Case {
    std::string_view text;
    std::string_view date;
  };
  const Case cases[] = {
      {"2025-06-30", "2025-06-30"},
      {"2025-6-30", "2025-06-30"},
      {"2025-6-3", "2025-06-03"},
      {"2025-06-03", "2025-06-03"},
      {"2025/6/30", "2025-06-30"},
      {"2025/06/30", "2025-06-30"},
      {"2025/1/1", "2025-01-01"},
      {"2025/12/31", "2025-12-31"},
      {"2025.6.30", "2025-06-30"},
      {"2025.06.30", "2025-06-30"},
      {"2025.1.5", "2025-01-05"},
      {"2025年6月30日", "2025-06-30"},
      {"2025年06月30日", "2025-06-30"},
      {"2025年1月5日", "2025-01-05"},
      {"2025 年 6 月 30 日", "2025-06-30"},
      {"2025年\xE3\x80\x80" "6月 30日", "2025-06-30"},
      {"20250630", "2025-06-30"},
      {"20240229", "2024-02-29"},
      {"  2025/6/30  ", "2025-06-30"},
      {"\xE3\x80\x80" "2025年6月30日" "\xE3\x80\x80", "2025-06-30"},
      {"0001-01-01", "0001-01-01"},
      {"9999/12/31", "9999-12-31"},
      // Excel date-time cells at midnight (a trial's roster), and the colloquial 号.
      {"2025/6/30 0:00", "2025-06-30"},
      {"2025/6/30 00:00", "2025-06-30"},
      {"2025-06-30 00:00:00", "2025-06-30"},
      {"2025年6月30日 0:00", "2025-06-30"},
      {"20250630  0:00:00", "2025-06-30"},
      {"2025年6月30号", "2025-06-30"},
  };
  for (const auto& c : cases) {
    for (const auto& opt : {kNoSerials, kSerials}) {
      EXPECT_EQ(date_text(parse(c.text, kDate, opt)), c.date) << c.text;
    }
  }
}

TEST(DateCell, LeapDays) {
  EXPECT_EQ(date_text(parse("2024-02-29", kDate)), "2024-02-29");
  EXPECT_EQ(date_text(parse("2000/2/29", kDate)), "2000-02-29");
  EXPECT_EQ(date_text(parse("2024年2月29日", kDate)), "2024-02-29");
  EXPECT_EQ(parse("2023-02-29", kDate).error, "'2023-02-29' is not a valid date: February 2023 has 28 days");
  EXPECT_EQ(parse("2023/2/29", kDate).error, "'2023/2/29' is not a valid date: February 2023 has 28 days");
  EXPECT_EQ(parse("1900.2.29", kDate).error, "'1900.2.29' is not a valid date: February 1900 has 28 days");
  EXPECT_EQ(parse("2023年2月29日", kDate).error, "'2023年2月29日' is not a valid date: February 2023 has 28 days");
  EXPECT_EQ(parse("20230229", kDate).error, "'20230229' is not a valid date: February 2023 has 28 days");
}

TEST(DateCell, InvalidDays) {
  struct Case {
    std::string_view text;
    std::string_view error;
  };
  const Case cases[] = {
      {"2025/13/01", "'2025/13/01' is not a valid date: there is no month 13"},
      {"2025-0-10", "'2025-0-10' is not a valid date: there is no month 0"},
      {"2025.4.31", "'2025.4.31' is not a valid date: April 2025 has 30 days"},
      {"2025-01-00", "'2025-01-00' is not a valid date: there is no day 0"},
      {"20251301", "'20251301' is not a valid date: there is no month 13"},
      {"0000-01-01", "'0000-01-01' is out of range: supported dates are 0001-01-01 to 9999-12-31"},
      {"10000-01-01", "'10000-01-01' is out of range: supported dates are 0001-01-01 to 9999-12-31"},
      {"10000/1/1", "'10000/1/1' is out of range: supported dates are 0001-01-01 to 9999-12-31"},
      {"0000年1月1日", "'0000年1月1日' is out of range: supported dates are 0001-01-01 to 9999-12-31"},
      {"00000101", "'00000101' is out of range: supported dates are 0001-01-01 to 9999-12-31"},
  };
  for (const auto& c : cases) {
    const auto p = parse(c.text, kDate);
    EXPECT_EQ(p.status, CellStatus::error) << c.text;
    EXPECT_EQ(p.error, c.error);
  }
}

TEST(DateCell, Garbage) {
  const std::string forms = " is not a date (2025-06-30, 2025/6/30, 2025.6.30, 2025年6月30日 or 20250630)";
  for (std::string_view text :
       {"yesterday", "2025", "2025-06", "2025-06-30-", "2025-06/30", "2025/6.30", "2025//6/30", "25/6/30",
        "6/30/2025", "30.06.2025", "2025-006-30", "2025-06-030", "2025年6月30", "2025年6月", "6月30日",
        "2025-06-30T00:00", "202506300", "2025063", "-2025-06-30", "+20250630",
        "2025 06 30", "2025.6.30.", "1.2E+3", "45838.", "45838.5", "123456", "100000-01-01"}) {
    const auto p = parse(text, kDate);
    EXPECT_EQ(p.status, CellStatus::error) << text;
    // Trailing whitespace is trimmed before the value is shown.
    EXPECT_EQ(p.error, "'" + std::string(trim_cell(text)) + "'" + forms) << text;
  }
}

TEST(DateCell, ATimeOfDayOtherThanMidnightIsAnError) {
  for (std::string_view text : {"2025/6/30 8:30", "2025-06-30 00:00:01", "2025年6月30日 12:00"}) {
    const auto p = parse(text, kDate);
    EXPECT_EQ(p.status, CellStatus::error) << text;
    EXPECT_EQ(p.error, "'" + std::string(text) + "' is a date with a time of day; this column takes a date only (such as "
                       "2025-06-30)");
  }
  // The day part's own problem is named.
  EXPECT_EQ(parse("2025/13/1 0:00", kDate).error, "'2025/13/1' is not a valid date: there is no month 13");
  EXPECT_EQ(parse("someday 0:00", kDate).error,
            "'someday' is not a date (2025-06-30, 2025/6/30, 2025.6.30, 2025年6月30日 or 20250630)");
  // Not a time: the whole text is not a date.
  EXPECT_EQ(parse("2025/6/30 0:0", kDate).status, CellStatus::error);
  EXPECT_EQ(parse("2025/6/30 123:00", kDate).status, CellStatus::error);
}

TEST(DateCell, ExcelSerials) {
  struct Case {
    std::string_view text;
    std::string_view date;
  };
  const Case cases[] = {
      {"1", "1900-01-01"},
      {"2", "1900-01-02"},
      {"59", "1900-02-28"},
      {"61", "1900-03-01"},
      {"62", "1900-03-02"},
      {"367", "1901-01-01"},
      {"25569", "1970-01-01"},
      {"45292", "2024-01-01"},
      {"45658", "2025-01-01"},
      {"45838", "2025-06-30"},
      {"45839", "2025-07-01"},
      {"45838.0", "2025-06-30"},
      {"45838.000", "2025-06-30"},
      {"0045838", "2025-06-30"},
      {" 45838 ", "2025-06-30"},
      {"2958465", "9999-12-31"},
      {"20250630", "2025-06-30"},  // eight digits are always YYYYMMDD
  };
  for (const auto& c : cases) EXPECT_EQ(date_text(parse(c.text, kDate, kSerials)), c.date) << c.text;
}

TEST(DateCell, ExcelSerialErrors) {
  EXPECT_EQ(parse("60", kDate, kSerials).error,
            "'60' is Excel's serial number of 1900-02-29, a day that never existed (Excel counts 1900 as a leap "
            "year); enter the intended date");
  EXPECT_EQ(parse("60.0", kDate, kSerials).status, CellStatus::error);
  const std::string range = " is not an Excel serial date: they run from 1 (1900-01-01) to 2958465 (9999-12-31)";
  for (std::string_view text : {"0", "0.0", "2958466", "9999999", "123456789", "99999999999999"}) {
    EXPECT_EQ(parse(text, kDate, kSerials).error, "'" + std::string(text) + "'" + range) << text;
  }
  // 15 digits or more may be an ID number: shown masked.
  EXPECT_EQ(parse("99999999999999999999999", kDate, kSerials).error, "'999999*************9999'" + range);
  EXPECT_EQ(parse("45838.5", kDate, kSerials).error,
            "'45838.5' is not a date: an Excel serial number with a time of day; expected a whole day number");
  // Not numbers at all: the list of forms, now with serials.
  EXPECT_EQ(parse("-1", kDate, kSerials).error,
            "'-1' is not a date (2025-06-30, 2025/6/30, 2025.6.30, 2025年6月30日, 20250630 or an Excel serial "
            "number such as 45838)");
  EXPECT_EQ(parse("45838.", kDate, kSerials).status, CellStatus::error);
  EXPECT_EQ(parse("20250630.0", kDate, kSerials).status, CellStatus::error);
  EXPECT_EQ(parse("20230229", kDate, kSerials).error, "'20230229' is not a valid date: February 2023 has 28 days");
}

TEST(DateCell, SerialsNeedTheFlag) {
  const std::string hint =
      "' is not a date (2025-06-30, 2025/6/30, 2025.6.30, 2025年6月30日 or 20250630); it looks like an Excel serial "
      "date number: run with --excel-serial-dates to read it as one";
  for (std::string_view text : {"45838", "45838.0", "10000", "99999"}) {
    const auto p = parse(text, kDate);
    EXPECT_EQ(p.status, CellStatus::error) << text;
    EXPECT_EQ(p.error, "'" + std::string(text) + hint);
  }
  // Other numbers do not look like serials of a plausible date: no hint.
  for (std::string_view text : {"1", "60", "2025", "123456", "45838.5"}) {
    const auto p = parse(text, kDate);
    EXPECT_EQ(p.status, CellStatus::error) << text;
    EXPECT_EQ(p.error.find("--excel-serial-dates"), std::string::npos) << p.error;
  }
}

TEST(DateCell, DoesNotPrintIdNumbers) {
  const auto p = parse("110101199003070011", kDate);
  EXPECT_EQ(p.status, CellStatus::error);
  EXPECT_EQ(p.error,
            "'110101********0011' is not a date (2025-06-30, 2025/6/30, 2025.6.30, 2025年6月30日 or 20250630)");
  const auto s = parse("1.10101199003077E+17", kDate, kSerials);
  EXPECT_EQ(s.error.find("1.10101199003077E+17"), std::string::npos) << s.error;
}

// --- booleans ---

TEST(BoolCell, Spellings) {
  struct Case {
    std::string_view text;
    bool value;
  };
  const Case cases[] = {
      {"是", true},    {"否", false},   {"true", true},   {"false", false}, {"TRUE", true},  {"FALSE", false},
      {"True", true},  {"False", false}, {"tRuE", true},  {"1", true},      {"0", false},    {"Y", true},
      {"y", true},     {"N", false},    {"n", false},     {"yes", true},    {"no", false},   {"YES", true},
      {"No", false},   {" 是 ", true},   {"\xE3\x80\x80否\xE3\x80\x80", false},
  };
  for (const auto& c : cases) {
    const auto p = parse(c.text, kBool);
    ASSERT_EQ(p.status, CellStatus::value) << c.text << ": " << p.error;
    EXPECT_EQ(p.value.kind, Kind::boolean);
    EXPECT_EQ(p.value.boolean, c.value) << c.text;
  }
}

TEST(BoolCell, Rejected) {
  for (std::string_view text : {"对", "错", "t", "f", "on", "off", "2", "1.0", "-1", "yes!", "是的", "truee", "Y N"}) {
    const auto p = parse(text, kBool);
    EXPECT_EQ(p.status, CellStatus::error) << text;
    EXPECT_EQ(p.error,
              "'" + std::string(text) + "' is not a yes/no value (是/否, √/×, 有/无, true/false, yes/no, Y/N or 1/0)");
  }
}

// --- enums ---

TEST(EnumCell, ByNameAndLabel) {
  const auto enums = status_enums();
  const Type t = Type::enumeration(1);
  struct Case {
    std::string_view text;
    std::uint32_t index;
  };
  const Case cases[] = {{"new_student", 0}, {"新生", 0},  {"enrolled_student", 1}, {"在校生", 1},
                        {"graduate", 2},    {" 新生 ", 0}, {"\xE3\x80\x80在校生", 1}};
  for (const auto& c : cases) {
    const auto p = parse(c.text, t, kNoSerials, enums);
    ASSERT_EQ(p.status, CellStatus::value) << c.text << ": " << p.error;
    EXPECT_EQ(p.value.kind, Kind::enumeration);
    EXPECT_EQ(p.value.enum_id, 1u);
    EXPECT_EQ(p.value.enum_index, c.index) << c.text;
  }
  // The other set's values are not values of this one.
  const auto other = parse("甲", t, kNoSerials, enums);
  EXPECT_EQ(other.status, CellStatus::error);
  EXPECT_EQ(other.error, "'甲' is not one of new_student (新生), enrolled_student (在校生), graduate");
  // Value names in any ASCII letter case (as typed in Excel); labels exactly.
  EXPECT_EQ(parse("New_Student", t, kNoSerials, enums).value.enum_index, 0u);
  EXPECT_EQ(parse("ENROLLED_STUDENT", t, kNoSerials, enums).value.enum_index, 1u);
  EXPECT_EQ(parse("New_Students", t, kNoSerials, enums).status, CellStatus::error);
  EXPECT_EQ(parse("新 生", t, kNoSerials, enums).status, CellStatus::error);
  EXPECT_EQ(parse("新生", Type::enumeration(9), kNoSerials, enums).error,
            "'新生' cannot be read: the pack declares no enum set 9");
}

// --- integers ---

TEST(IntegerCell, Accepted) {
  struct Case {
    std::string_view text;
    std::int64_t value;
  };
  const Case cases[] = {
      {"12", 12},   {"-3", -3},    {"+7", 7},     {"0", 0},     {"-0", 0},   {"12.0", 12},
      {"12.00", 12}, {"-3.0", -3}, {"007", 7},    {" 42 ", 42}, {"\xC2\xA0" "5\xE3\x80\x80", 5},
      {"9223372036854775807", INT64_MAX},         {"-9223372036854775808", INT64_MIN},
  };
  for (const auto& c : cases) {
    const auto p = parse(c.text, kInt);
    ASSERT_EQ(p.status, CellStatus::value) << c.text << ": " << p.error;
    EXPECT_EQ(p.value.kind, Kind::integer);
    EXPECT_EQ(p.value.integer, c.value) << c.text;
  }
}

TEST(IntegerCell, Rejected) {
  for (std::string_view text : {"1.2E+3", "1e3", "12.5", "12.", ".0", "1,234", "+-3", "-+3", "--3", "++3", "-", "+",
                                "0x10", "12 3", "twelve", "１２", "12.0.0", "-.0"}) {
    const auto p = parse(text, kInt);
    EXPECT_EQ(p.status, CellStatus::error) << text;
    EXPECT_EQ(p.error, "'" + std::string(text) + "' is not an integer (digits with an optional sign, such as 12 or -3)");
  }
  EXPECT_EQ(parse("92233720368547758080", kInt).error,  // 15 digits or more are shown masked
            "'922337**********8080' is not an integer: it is too large (the limit is 9223372036854775807)");
  EXPECT_EQ(parse("9223372036854775808", kInt).status, CellStatus::error);
  EXPECT_EQ(parse("99999999999999", kInt).value.integer, 99999999999999);
  EXPECT_EQ(parse("-9223372036854775809.0", kInt).status, CellStatus::error);
  // An ID number in an integer column is not printed whole.
  const auto id = parse("110101199003070011111", kInt);
  EXPECT_EQ(id.status, CellStatus::error);
  EXPECT_EQ(id.error.find("110101199003070011111"), std::string::npos) << id.error;
}

// --- strings and the types delegated to model::parse_value ---

TEST(StringCell, TrimmedAndViewsTheText) {
  const std::string cell = " \xE3\x80\x80张 三\xC2\xA0 ";
  const auto p = parse(cell, kString);
  ASSERT_EQ(p.status, CellStatus::value);
  EXPECT_EQ(p.value.kind, Kind::string);
  EXPECT_EQ(p.value.str(), "张 三");
  EXPECT_EQ(p.value.str().data(), cell.data() + 4);  // a view into the cell
  const auto t = parse(" {a} ", Type::of(Kind::text));
  ASSERT_EQ(t.status, CellStatus::value);
  EXPECT_EQ(t.value.kind, Kind::text);
  EXPECT_EQ(t.value.str(), "{a}");
}

TEST(OtherCells, DelegatedToParseValue) {
  const auto period = parse("\xE3\x80\x80P2Y ", Type::of(Kind::period));
  ASSERT_EQ(period.status, CellStatus::value) << period.error;
  EXPECT_EQ(period.value.kind, Kind::period);
  EXPECT_EQ(calendar::format_period(period.value.period), "P2Y");

  const auto time = parse(" 08:30 ", Type::of(Kind::time_of_day));
  ASSERT_EQ(time.status, CellStatus::value) << time.error;
  EXPECT_EQ(time.value.kind, Kind::time_of_day);

  const auto md = parse("09-01", Type::of(Kind::month_day));
  ASSERT_EQ(md.status, CellStatus::value) << md.error;
  EXPECT_EQ(md.value.month_day.month, 9u);
  EXPECT_EQ(md.value.month_day.day, 1u);

  const auto w = parse("[2025-09-01 .. 2025-09-30]\xC2\xA0", Type::of(Kind::window));
  ASSERT_EQ(w.status, CellStatus::value) << w.error;
  EXPECT_EQ(calendar::format_date(w.value.window.start), "2025-09-01");
  EXPECT_EQ(calendar::format_date(w.value.window.end), "2025-09-30");

  const auto inst = parse("2025-06-30T08:00:00+08:00", Type::of(Kind::instant));
  ASSERT_EQ(inst.status, CellStatus::value) << inst.error;
  EXPECT_EQ(inst.value.kind, Kind::instant);

  const auto bad = parse(" P2X ", Type::of(Kind::period));
  EXPECT_EQ(bad.status, CellStatus::error);
  EXPECT_EQ(bad.error.rfind("'P2X' is not an ISO 8601 period", 0), 0u) << bad.error;

  const auto list = parse("[1, 2]", Type::list_of(kInt));
  EXPECT_EQ(list.status, CellStatus::error);

  // A number that may be an ID is masked even in messages made by parse_value.
  const auto id = parse("110101199003070011", Type::of(Kind::period));
  EXPECT_EQ(id.status, CellStatus::error);
  EXPECT_EQ(id.error.find("110101199003070011"), std::string::npos) << id.error;
  EXPECT_NE(id.error.find("110101********0011"), std::string::npos) << id.error;
}

// --- issue 14: failures found by fuzzing -------------------------------------------------------

// Failure 2: each trailing " 0:00" after a date cost one recursive call; 35,000 of them (175 KB,
// beyond the fuzzer's length limit) overflowed the stack. Excel writes one time of day: a second
// is not a date, and the cell is an error, not a crash.
TEST(DateCell, ThirtyFiveThousandTrailingMidnightsAreAnErrorNotARecursion) {
  std::string text = "2025-06-30";
  for (int i = 0; i < 35'000; ++i) text += " 0:00";
  const auto p = parse(text, kDate);
  EXPECT_EQ(p.status, CellStatus::error);
  // Quoted cut short (kQuotedValueMax), and masked: the cell holds long runs of digits.
  EXPECT_EQ(p.error.rfind("'2025-0", 0), 0u) << p.error.substr(0, 80);
  EXPECT_LT(p.error.size(), 1000u);
  // One midnight is still the day itself; two are not a date.
  EXPECT_EQ(date_text(parse("2025-06-30 0:00", kDate)), "2025-06-30");
  EXPECT_EQ(parse("2025-06-30 0:00 0:00", kDate).error,
            "'2025-06-30 0:00' is not a date (2025-06-30, 2025/6/30, 2025.6.30, 2025年6月30日 or 20250630)");
}

// Failure 5: a window cell's message quoted its inner date's own error, with an 18-digit ID number
// whole.
TEST(OtherCells, AWindowCellNeverPrintsAWholeIdNumber) {
  for (const char* text : {"[110101199003070011 .. 2025-09-30]", "[2025-09-01 .. 110101199003070011]",
                           "[2025-09-01 .. 11010119900307001X]"}) {
    for (const auto& opt : {kNoSerials, CellOptions{false, source::Lang::zh}}) {
      const auto p = parse(text, Type::of(Kind::window), opt);
      EXPECT_EQ(p.status, CellStatus::error) << text;
      EXPECT_EQ(p.error.find("110101199003070011"), std::string::npos) << p.error;
      EXPECT_EQ(p.error.find("11010119900307001X"), std::string::npos) << p.error;
      EXPECT_NE(p.error.find("110101********001"), std::string::npos) << p.error;
    }
  }
}

// Failure 6: a period cell's message quoted the one byte of a Chinese character it stopped at, so
// the message (and the CSV result and standard error) was not UTF-8.
TEST(OtherCells, APeriodCellMessageQuotesWholeCharacters) {
  for (const char* text : {"P2年", "P2Y三个月", "På¹´", "P1ð"}) {
    for (const auto& opt : {kNoSerials, CellOptions{false, source::Lang::zh}}) {
      const auto p = parse(text, Type::of(Kind::period), opt);
      EXPECT_EQ(p.status, CellStatus::error) << text;
      EXPECT_TRUE(source::valid_utf8(p.error)) << p.error;
    }
  }
  const auto p2 = parse("P2年", Type::of(Kind::period));
  EXPECT_NE(p2.error.find("unexpected '年'"), std::string::npos) << p2.error;
}

// --- control characters in messages ---

TEST(EscapeControls, EachControlCharacterBecomesAVisibleEscape) {
  struct Case {
    std::string_view text, shown;
  };
  const Case cases[] = {
      {"2025-06-30", "2025-06-30"},                      // nothing to escape
      {"退役日期 王一", "退役日期 王一"},                // nor in Chinese text
      {"a\nb", "a\\nb"},
      {"a\r\nb", "a\\r\\nb"},
      {"a\tb", "a\\tb"},
      {"\x1b[2J\x1b[31mred", "\\x1b[2J\\x1b[31mred"},  // ANSI: clear the screen, red
      {std::string_view("\0x", 2), "\\x00x"},
      {"\x07\x08\x0b\x0c\x1f\x7f", "\\x07\\x08\\x0b\\x0c\\x1f\\x7f"},
      {"\xC2\x9B" "31m", "\\u009b31m"},             // C1 CSI, the one-character ESC [
      {"\xC2\x85", "\\u0085"},                       // C1 next line
      {"\xC2\xA0", "\xC2\xA0"},                      // U+00A0 no-break space is text
      {"a\xE2\x80\xA8" "b\xE2\x80\xA9", "a\\u2028b\\u2029"},  // line and paragraph separators
      {"\xE2\x80\x94", "\xE2\x80\x94"},            // U+2014 em dash is text
      {"C:\\data\\n", "C:\\data\\n"},            // a backslash stays as it is
      {"\xC2", "\xC2"},                                // a cut sequence is left alone
  };
  for (const auto& c : cases) {
    const std::string once = escape_controls(c.text);
    EXPECT_EQ(once, c.shown) << c.text;
    EXPECT_EQ(escape_controls(once), once) << "escaping twice changes " << c.text;
  }
}

TEST(EscapeControls, EveryMessageQuotingACellIsOneLineWithoutEscapeBytes) {
  const auto clean = [](const std::string& m) {
    for (const char c : m) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) return false;
    }
    return m.find("\xC2\x9B") == std::string::npos;
  };
  EXPECT_EQ(quote_cell("王\n一\x1b[0m"), "'王\\n一\\x1b[0m'");
  // The cut comes before the escapes: at most kQuotedCellMax bytes of the value are quoted.
  EXPECT_EQ(quote_cell(std::string(99, 'a') + "\n\n"), "'" + std::string(99, 'a') + "\\n…'");
  const auto enums = status_enums();
  const struct {
    std::string_view text;
    Type type;
  } cells[] = {
      {"2025-06-30\nx", kDate},
      {"\x1b[31m2025/13/01", kDate},
      {"yes\tno", kBool},
      {"1\r2", kInt},
      {"新生\x1b]0;title\x07", Type::enumeration(1)},
      {"P2Y\x1b[2J", Type::of(Kind::period)},
      {"[2025-09-01\x1b .. 2025-09-30]", Type::of(Kind::window)},
      {"11010119900307851\x1b", kId},
      {"\x1b[31m110101199003078515", kId},
  };
  for (const auto& c : cells) {
    const auto p = parse(c.text, c.type, kNoSerials, enums);
    ASSERT_EQ(p.status, CellStatus::error) << c.text;
    EXPECT_TRUE(clean(p.error)) << p.error;
    EXPECT_NE(p.error.find("\\"), std::string::npos) << "no escape in: " << p.error;
  }
  EXPECT_EQ(parse("2025-06-30\nx", kDate).error,
            "'2025-06-30\\nx' is not a date (2025-06-30, 2025/6/30, 2025.6.30, 2025年6月30日 or 20250630)");
  EXPECT_EQ(parse("P2Y\x1b[2J", Type::of(Kind::period)).error.rfind("'P2Y\\x1b[2J' is not an ISO 8601 period", 0), 0u);
}

TEST(ParseCell, ErrorLeavesOutUnchanged) {
  Value out = Value::make_int(99);
  std::string error;
  std::string normalized;
  EXPECT_EQ(parse_cell("2023-02-29", kDate, {}, kNoSerials, out, error, normalized), CellStatus::error);
  EXPECT_EQ(out.kind, Kind::integer);
  EXPECT_EQ(out.integer, 99);
  EXPECT_EQ(parse_cell("x", kInt, {}, kNoSerials, out, error, normalized), CellStatus::error);
  EXPECT_EQ(out.integer, 99);
  EXPECT_EQ(parse_cell("110101199003070012", kId, {}, kNoSerials, out, error, normalized), CellStatus::error);
  EXPECT_EQ(out.integer, 99);
}

// --- resident ID cells ---

TEST(ResidentIdCell, ValidNumbersViewTheText) {
  std::string normalized;
  std::string error;
  Value out;
  const std::string cell = " 110101199003070011\xE3\x80\x80";
  ASSERT_EQ(parse_resident_id_cell(cell, normalized, out, error, source::Lang::en), CellStatus::value) << error;
  EXPECT_EQ(out.kind, Kind::resident_id);
  EXPECT_EQ(out.str(), "110101199003070011");
  EXPECT_EQ(out.str().data(), cell.data() + 1);
  EXPECT_EQ(error, "");

  const std::string upper = "11010120000229123X";
  ASSERT_EQ(parse_resident_id_cell(upper, normalized, out, error, source::Lang::en), CellStatus::value) << error;
  EXPECT_EQ(out.str().data(), upper.data());
}

TEST(ResidentIdCell, LowercaseXViewsTheNormalizedCopy) {
  std::string normalized;
  std::string error;
  Value out;
  const std::string cell = "11010120000229123x ";
  ASSERT_EQ(parse_resident_id_cell(cell, normalized, out, error, source::Lang::en), CellStatus::value) << error;
  EXPECT_EQ(out.str(), "11010120000229123X");
  EXPECT_EQ(out.str().data(), normalized.data());
}

TEST(ResidentIdCell, EmptyAndErrors) {
  std::string normalized;
  std::string error;
  Value out = Value::make_int(1);
  EXPECT_EQ(parse_resident_id_cell(" \xE3\x80\x80 ", normalized, out, error, source::Lang::en), CellStatus::empty);
  EXPECT_EQ(out.state, model::State::unknown);
  EXPECT_TRUE(out.missing.none());

  EXPECT_EQ(parse_resident_id_cell(" 1.10101E+17 ", normalized, out, error, source::Lang::en), CellStatus::error);
  EXPECT_NE(error.find("scientific notation"), std::string::npos) << error;
  EXPECT_EQ(parse_resident_id_cell("110101199003070012", normalized, out, error, source::Lang::en), CellStatus::error);
  EXPECT_EQ(error,
            "'110101********0012' is not a valid resident ID number: the check character is '2', but the first 17 "
            "digits give '1'; a digit was probably mistyped");
  EXPECT_EQ(parse_resident_id_cell("110101199003072000", normalized, out, error, source::Lang::en), CellStatus::error);
  EXPECT_NE(error.find("15-digit precision"), std::string::npos) << error;
}

TEST(ResidentIdCell, ThroughParseCell) {
  const std::string cell = "\xE3\x80\x80" "11010120000229123x";
  const auto p = parse(cell, kId);
  ASSERT_EQ(p.status, CellStatus::value) << p.error;
  EXPECT_EQ(p.value.kind, Kind::resident_id);
  EXPECT_EQ(p.value.str(), "11010120000229123X");
  EXPECT_EQ(p.value.str().data(), p.normalized.data());

  const std::string plain = "110101198512314569";
  const auto q = parse(plain, kId);
  ASSERT_EQ(q.status, CellStatus::value) << q.error;
  EXPECT_EQ(q.value.kind, Kind::resident_id);
  EXPECT_EQ(q.value.str().data(), plain.data());

  const auto bad = parse("110101199002300014", kId);
  EXPECT_EQ(bad.status, CellStatus::error);
  EXPECT_EQ(bad.error,
            "'110101********0014' is not a valid resident ID number: its birth date (digits 7-14) does not exist "
            "(February 1990 has 28 days)");
  EXPECT_EQ(parse("1.10101E+17", kId).status, CellStatus::error);
}

TEST(ResidentIdCell, FifteenDigitsAndApostropheViewTheNormalizedCopy) {
  // 110101 900307 001 -> 110101 19900307 001 + '1' (hand-computed in resident_id_test.cpp:
  // 25 + 129 = 154 = 14*11 + 0 -> '1').
  const auto p = parse(" 110101900307001 ", kId);
  ASSERT_EQ(p.status, CellStatus::value) << p.error;
  EXPECT_EQ(p.value.str(), "110101199003070011");
  EXPECT_EQ(p.value.str().data(), p.normalized.data());
  const auto q = parse("'110101198512314569", kId);
  ASSERT_EQ(q.status, CellStatus::value) << q.error;
  EXPECT_EQ(q.value.str(), "110101198512314569");
  EXPECT_EQ(q.value.str().data(), q.normalized.data());
}

// --- more spellings (issue 11) ---

constexpr CellOptions kZh{};  // the default: messages in Chinese

TEST(DateCell, FullWidthDigitsAndSeparators) {
  for (std::string_view text : {"２０２４年２月２９日", "２０２４／２／２９", "２０２４－０２－２９", "２０２４．２．２９",
                                "２０２４０２２９", "2024年２月29日", "２０２４-02-29", "２０２４年 ２月 ２９号",
                                "２０２４／２／２９ ０：００", "\xE3\x80\x80２０２４年２月２９日\xE3\x80\x80"}) {
    EXPECT_EQ(date_text(parse(text, kDate)), "2024-02-29") << text;
  }
  // Impossible full-width days are refused, quoting the cell as written.
  const auto p = parse("２０２３年２月２９日", kDate, kZh);
  EXPECT_EQ(p.status, CellStatus::error);
  EXPECT_EQ(p.error, "'２０２３年２月２９日' 不是有效的日期：2023年2月只有28天");
  EXPECT_EQ(parse("２０２３年２月２９日", kDate).error, "'２０２３年２月２９日' is not a valid date: February 2023 has 28 days");
  // Full-width letters are no date either.
  EXPECT_EQ(parse("ｙｅｓｔｅｒｄａｙ", kDate).status, CellStatus::error);
}

TEST(DateCell, ChineseMessages) {
  EXPECT_EQ(parse("2025/13/01", kDate, kZh).error, "'2025/13/01' 不是有效的日期：没有13月");
  EXPECT_EQ(parse("2025-01-00", kDate, kZh).error, "'2025-01-00' 不是有效的日期：没有0日");
  EXPECT_EQ(parse("10000/1/1", kDate, kZh).error, "'10000/1/1' 不是有效的日期：年份须在 0001 至 9999 之间");
  EXPECT_EQ(parse("yesterday", kDate, kZh).error,
            "'yesterday' 不是日期（可写 2025-06-30、2025/6/30、2025.6.30、2025年6月30日 或 20250630）");
  EXPECT_EQ(parse("45838", kDate, kZh).error,
            "'45838' 不是日期（可写 2025-06-30、2025/6/30、2025.6.30、2025年6月30日 或 20250630）；它像是 Excel 的序列日期："
            "要按序列日期读取，请加 --excel-serial-dates 运行");
  EXPECT_EQ(parse("2025/6/30 8:30", kDate, kZh).error, "'2025/6/30 8:30' 是带时刻的日期；这里只填日期（如 2025-06-30）");
  const CellOptions serials_zh{true, source::Lang::zh};
  EXPECT_EQ(parse("60", kDate, serials_zh).error,
            "'60' 是 Excel 中 1900-02-29 的序列号，这一天并不存在（Excel 把 1900 年当作闰年）：请填写实际的日期");
  // An .xlsx date cell holding 0 (a formula referring to an empty cell) reads as Excel shows it;
  // the trial's registrar saw only "没有0日".
  EXPECT_EQ(parse("1900-01-00", kDate, kZh).error,
            "'1900-01-00' 是 Excel 把数值 0 显示成的日期（常见于引用了空单元格的公式），不是实际的日期：请填写实际的日期");
  EXPECT_EQ(parse("1900-01-00", kDate).error,
            "'1900-01-00' is how Excel shows the number 0 as a date (often a formula referring to an empty cell), not a "
            "real date; enter the intended date");
  // An ID-like run of digits is masked in Chinese messages too.
  EXPECT_EQ(parse("110101199003078515", kDate, kZh).error,
            "'110101********8515' 不是日期（可写 2025-06-30、2025/6/30、2025.6.30、2025年6月30日 或 20250630）");
}

TEST(BoolCell, TicksCrossesAndYouWu) {
  struct Case {
    std::string_view text;
    bool value;
  };
  const Case cases[] = {{"√", true},  {"×", false}, {"✓", true}, {"✗", false}, {"✔", true},
                        {"✘", false}, {"有", true}, {"无", false}, {" √ ", true}};
  for (const auto& c : cases) {
    const auto p = parse(c.text, kBool);
    ASSERT_EQ(p.status, CellStatus::value) << c.text << ": " << p.error;
    EXPECT_EQ(p.value.boolean, c.value) << c.text;
  }
  // 对/错 are ambiguous (in a column 信息有误, 错 may mean "yes, wrong"): refused, in Chinese by default.
  EXPECT_EQ(parse("错", kBool, kZh).error, "'错' 不是“是/否”值（可写 是/否、√/×、有/无、true/false、yes/no、Y/N 或 1/0）");
  EXPECT_EQ(parse("x", kBool, kZh).status, CellStatus::error);  // a Latin x is not a cross
}

TEST(IntegerCell, ChineseMessages) {
  EXPECT_EQ(parse("1,000", kInt, kZh).error, "'1,000' 不是整数（数字，可带正负号，如 12 或 -3）");
  EXPECT_EQ(parse("92233720368547758080", kInt, kZh).error,
            "'922337**********8080' 不是整数：数值太大（上限为 9223372036854775807）");
}

TEST(EnumCell, AliasesAndChineseMessages) {
  auto enums = status_enums();
  enums[1].values[1].aliases = {"在读", "在校学生", "Enrolled"};
  const Type t = Type::enumeration(1);
  for (std::string_view text : {"在读", "在校学生", "在校生", "enrolled_student", "ENROLLED", "enrolled"}) {
    const auto p = parse(text, t, kZh, enums);
    ASSERT_EQ(p.status, CellStatus::value) << text << ": " << p.error;
    EXPECT_EQ(p.value.enum_index, 1u) << text;
  }
  const auto bad = parse("老生", t, kZh, enums);
  EXPECT_EQ(bad.error, "'老生' 不是以下之一：新生、在校生、graduate");
}

}  // namespace
}  // namespace rules::batch
