// The calendar-file writer (serve/ics.h) against RFC 5545: exact output, folding (§3.1), TEXT
// escaping (§3.3.11), all-day DATE events with an exclusive DTEND (§3.6.1), reminders
// (§3.8.6.3), several events, refused input. tests/serve/ics_roundtrip.py checks the same writer
// through an independent parser.

#include "ics.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace policy_serve {
namespace {

namespace cal = rules::calendar;

cal::Date D(std::string_view text) {
  auto d = cal::parse_date(text);
  EXPECT_TRUE(d.ok()) << text;
  return d ? *d : cal::Date{};
}

cal::Instant I(std::string_view text) {
  auto i = cal::parse_instant(text);
  EXPECT_TRUE(i.ok()) << text;
  return i ? *i : cal::Instant{};
}

constexpr std::string_view kProdid = "-//policy-engine//policy serve 0.1.0//ZH";

CalendarEvent deadline(std::string uid, std::string_view day, std::string summary,
                       std::string description = "", int remind = 7) {
  return CalendarEvent{std::move(uid), D(day), D(day), std::move(summary), std::move(description),
                       remind};
}

std::string write(const std::vector<CalendarEvent>& events,
                  std::string_view stamp = "2025-06-30T08:00:00+08:00") {
  const IcsResult r = write_ics(events, kProdid, I(stamp));
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? r.text() : std::string();
}

// Physical lines without their CRLF. Fails the test on a bare LF or CR, or a missing final CRLF.
std::vector<std::string> physical_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t crlf = text.find("\r\n", start);
    if (crlf == std::string::npos) {
      ADD_FAILURE() << "text does not end with CRLF: " << text.substr(start);
      break;
    }
    std::string line = text.substr(start, crlf - start);
    EXPECT_EQ(line.find_first_of("\r\n"), std::string::npos) << "bare CR or LF in: " << line;
    lines.push_back(std::move(line));
    start = crlf + 2;
  }
  return lines;
}

// §3.1 unfolding: every CRLF followed by one space or tab is removed. Content lines, no CRLF.
std::vector<std::string> content_lines(const std::string& text) {
  std::vector<std::string> out;
  for (std::string& line : physical_lines(text)) {
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t') && !out.empty()) {
      out.back() += line.substr(1);
    } else {
      out.push_back(std::move(line));
    }
  }
  return out;
}

// §3.3.11 unescaping, written independently of the writer.
std::string unescape(std::string_view v) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\\' && i + 1 < v.size()) {
      const char n = v[++i];
      out += (n == 'n' || n == 'N') ? '\n' : n;
    } else {
      out += v[i];
    }
  }
  return out;
}

// Whether `s` is well-formed UTF-8 on its own (no sequence cut at either end).
bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    std::size_t len = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + len > s.size()) return false;
    for (std::size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += len;
  }
  return true;
}

// The value of the first content line starting with `prefix` (e.g. "DESCRIPTION:").
std::string value_of(const std::string& text, std::string_view prefix, int occurrence = 0) {
  for (const std::string& line : content_lines(text)) {
    if (line.starts_with(prefix) && occurrence-- == 0) return line.substr(prefix.size());
  }
  ADD_FAILURE() << "no line " << prefix;
  return "";
}

std::string folded(std::string_view line) {
  std::string out;
  append_folded_line(out, line);
  return out;
}

std::string text_escaped(std::string_view text) {
  std::string out;
  append_ics_text(out, text);
  return out;
}

// A Chinese string of n characters (3 octets each in UTF-8).
std::string chinese(std::size_t n) {
  static const std::vector<std::string> kChars = {"学", "籍", "复", "办", "理", "北", "京", "时", "间"};
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += kChars[i % kChars.size()];
  return out;
}

TEST(Ics, ExactDeadlineCalendar) {
  const std::string text = write({deadline("d-1-return_deadline@policy", "2026-09-30",
                                           "复学最后办理日",
                                           "截止于2026年9月30日 24:00（北京时间）")});
  EXPECT_EQ(text,
            "BEGIN:VCALENDAR\r\n"
            "VERSION:2.0\r\n"
            "PRODID:-//policy-engine//policy serve 0.1.0//ZH\r\n"
            "CALSCALE:GREGORIAN\r\n"
            "METHOD:PUBLISH\r\n"
            "X-WR-TIMEZONE:Asia/Shanghai\r\n"
            "BEGIN:VEVENT\r\n"
            "UID:d-1-return_deadline@policy\r\n"
            "DTSTAMP:20250630T000000Z\r\n"
            "DTSTART;VALUE=DATE:20260930\r\n"
            "DTEND;VALUE=DATE:20261001\r\n"
            "SUMMARY:复学最后办理日\r\n"
            "DESCRIPTION:截止于2026年9月30日 24:00（北京时间）\r\n"
            "TRANSP:TRANSPARENT\r\n"
            "BEGIN:VALARM\r\n"
            "ACTION:DISPLAY\r\n"
            "DESCRIPTION:复学最后办理日\r\n"
            "TRIGGER:-P6DT15H\r\n"
            "END:VALARM\r\n"
            "END:VEVENT\r\n"
            "END:VCALENDAR\r\n");
}

TEST(Ics, DtstampIsUtcWhateverTheInstantsOffset) {
  // 2026-01-01 07:59:59 in Beijing is the previous day in UTC; the host's TZ (New York in the
  // tests) plays no part.
  const auto ev = std::vector{deadline("a@policy", "2026-03-01", "x")};
  EXPECT_EQ(value_of(write(ev, "2026-01-01T07:59:59+08:00"), "DTSTAMP:"), "20251231T235959Z");
  EXPECT_EQ(value_of(write(ev, "2026-01-01T00:00:00Z"), "DTSTAMP:"), "20260101T000000Z");
  EXPECT_EQ(value_of(write(ev, "1969-12-31T23:59:59Z"), "DTSTAMP:"), "19691231T235959Z");
  EXPECT_EQ(value_of(write(ev, "0001-01-01T00:00:00Z"), "DTSTAMP:"), "00010101T000000Z");
}

TEST(Ics, FoldsAtExactly75OctetsWithChinese) {
  // "DESCRIPTION:" is 12 octets; 21 characters of 3 octets make the first line exactly 75.
  EXPECT_EQ(folded("DESCRIPTION:" + chinese(30)),
            "DESCRIPTION:" + chinese(21) + "\r\n " + chinese(30).substr(63) + "\r\n");
  // 13 + 20 * 3 = 73: the 21st character would end at octet 76, so the line breaks at 73
  // rather than inside the character.
  EXPECT_EQ(folded("DESCRIPTION:a" + chinese(21)),
            "DESCRIPTION:a" + chinese(20) + "\r\n " + chinese(21).substr(60) + "\r\n");
  // A continuation line holds the space and 74 octets: 24 characters (72) + 2 ASCII = 74.
  const std::string long_line = std::string(75, 'x') + chinese(24) + "ab" + "c";
  EXPECT_EQ(folded(long_line),
            std::string(75, 'x') + "\r\n " + chinese(24) + "ab" + "\r\n c\r\n");
  // 75 octets is not folded; 76 is.
  EXPECT_EQ(folded(std::string(75, 'x')), std::string(75, 'x') + "\r\n");
  EXPECT_EQ(folded(std::string(76, 'x')), std::string(75, 'x') + "\r\n x\r\n");
}

TEST(Ics, FoldingNeverSplitsAnEscapePair) {
  // 74 octets then "\," : the pair would straddle octet 75, so both go to the next line.
  const std::string line = std::string(74, 'x') + "\\,y";
  EXPECT_EQ(folded(line), std::string(74, 'x') + "\r\n \\,y\r\n");
}

TEST(Ics, FoldingPropertyOverManyTexts) {
  // Random mixes of ASCII, Chinese, 4-octet characters (𠀀), and characters that escape; every
  // physical line is at most 75 octets and valid UTF-8 by itself, and unfolding then unescaping
  // gives back the text.
  const std::vector<std::string> pieces = {"a", "Z", " ", ",", ";", "\\", "\n", "\r\n", "学", "（",
                                           "𠀀", "é", "\t", "0"};
  std::mt19937 rng(20260930);
  for (int round = 0; round < 2000; ++round) {
    std::string text;
    const std::size_t n = rng() % 200;
    for (std::size_t i = 0; i < n; ++i) text += pieces[rng() % pieces.size()];
    CalendarEvent e = deadline("u@policy", "2026-09-30", "s", text);
    const IcsResult r = write_ics(std::span(&e, 1), kProdid, I("2025-06-30T00:00:00Z"));
    ASSERT_TRUE(r.ok());
    for (const std::string& line : physical_lines(r.text())) {
      ASSERT_LE(line.size(), 75u) << line;
      ASSERT_TRUE(valid_utf8(line)) << line;
    }
    std::string expected = text;
    for (std::size_t p; (p = expected.find("\r\n")) != std::string::npos;) expected.erase(p, 1);
    const std::string got = text.empty() ? "" : unescape(value_of(r.text(), "DESCRIPTION:"));
    ASSERT_EQ(got, expected) << "round " << round;
  }
}

TEST(Ics, EscapesText) {
  EXPECT_EQ(text_escaped("a\\b;c,d\ne"), "a\\\\b\\;c\\,d\\ne");
  EXPECT_EQ(text_escaped("一\r\n二\r三"), "一\\n二\\n三");  // CRLF and a lone CR: one newline each
  EXPECT_EQ(text_escaped("tab\tkept"), "tab\tkept");        // HTAB is allowed (§3.1 CONTROL)
  EXPECT_EQ(text_escaped(std::string("nul\0bel\a esc\x1b del\x7f.", 20)), "nulbel esc del.");
  EXPECT_EQ(text_escaped("colon: and \"quotes\""), "colon: and \"quotes\"");  // not escaped in TEXT
  // Bytes that are not UTF-8 (a lone continuation byte, a cut sequence, an overlong form, a
  // surrogate) become U+FFFD, so that folding always finds character boundaries.
  EXPECT_EQ(text_escaped("a\x80z"), "a\xEF\xBF\xBDz");
  EXPECT_EQ(text_escaped("\xE5\xAD"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(text_escaped("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(text_escaped("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(text_escaped("𠀀"), "𠀀");
}

TEST(Ics, EscapesEveryTextProperty) {
  const std::string text =
      write({deadline("id;1,2@policy", "2026-09-30", "复学，最后；办理日\\",
                      "联系：学籍科，电话 010-1234；\n依据：《普通高等学校学生管理规定》第三十条")});
  EXPECT_EQ(value_of(text, "UID:"), "id\\;1\\,2@policy");
  EXPECT_EQ(value_of(text, "SUMMARY:"), "复学，最后；办理日\\\\");  // full-width ， ； are not escaped
  EXPECT_EQ(value_of(text, "DESCRIPTION:"),
            "联系：学籍科，电话 010-1234；\\n依据：《普通高等学校学生管理规定》第三十条");
  const std::string ascii = write({deadline("u@policy", "2026-09-30", "a,b;c", "x\\y,z;w\nv")});
  EXPECT_EQ(value_of(ascii, "SUMMARY:"), "a\\,b\\;c");
  EXPECT_EQ(value_of(ascii, "DESCRIPTION:"), "x\\\\y\\,z\\;w\\nv");
  EXPECT_EQ(value_of(ascii, "DESCRIPTION:", 1), "a\\,b\\;c");  // the alarm's, from the summary
}

TEST(Ics, EmptyDescriptionWritesNoLine) {
  const std::string text = write({deadline("u@policy", "2026-09-30", "s", "")});
  std::size_t descriptions = 0;
  for (const std::string& line : content_lines(text)) descriptions += line.starts_with("DESCRIPTION:");
  EXPECT_EQ(descriptions, 1u);  // only the alarm's
}

TEST(Ics, DtendIsTheDayAfterTheLastDay) {
  struct Case { std::string_view first, last, dtstart, dtend; };
  const Case cases[] = {
      {"2026-09-30", "2026-09-30", "20260930", "20261001"},  // a deadline: one day
      {"2026-12-31", "2026-12-31", "20261231", "20270101"},  // across a year
      {"2028-02-28", "2028-02-28", "20280228", "20280229"},  // leap year
      {"2027-02-28", "2027-02-28", "20270228", "20270301"},  // common year
      {"2026-09-01", "2026-09-30", "20260901", "20261001"},  // a window of 30 days
      {"0001-01-01", "0001-01-01", "00010101", "00010102"},
  };
  for (const Case& c : cases) {
    CalendarEvent e{"u@policy", D(c.first), D(c.last), "s", "", 0};
    const std::string text = write({e});
    EXPECT_EQ(value_of(text, "DTSTART;VALUE=DATE:"), c.dtstart) << c.first;
    EXPECT_EQ(value_of(text, "DTEND;VALUE=DATE:"), c.dtend) << c.last;
  }
}

TEST(Ics, TheLastSupportedDayEndsWithADuration) {
  // 9999-12-31 + 1 day has no four-digit DATE; DURATION (§3.8.2.5) says the same thing.
  CalendarEvent e{"u@policy", D("9999-12-30"), D("9999-12-31"), "s", "", 0};
  const std::string text = write({e});
  EXPECT_EQ(value_of(text, "DTSTART;VALUE=DATE:"), "99991230");
  EXPECT_EQ(value_of(text, "DURATION:"), "P2D");
  EXPECT_EQ(text.find("DTEND"), std::string::npos);
}

TEST(Ics, ReminderAt0900NDaysBeforeTheLastDay) {
  // (first, last, days before, trigger relative to 00:00 of first): 09:00 of last - N.
  struct Case { std::string_view first, last; int days; std::string_view trigger; };
  const Case cases[] = {
      {"2026-09-30", "2026-09-30", 0, "PT9H"},       // 09:00 on the day
      {"2026-09-30", "2026-09-30", 1, "-PT15H"},     // 09:00 the day before
      {"2026-09-30", "2026-09-30", 7, "-P6DT15H"},   // 09:00 on 09-23
      {"2026-09-30", "2026-09-30", 30, "-P29DT15H"},
      {"2026-09-01", "2026-09-30", 7, "P22DT9H"},    // window: 09:00 on 09-23, after it opens
      {"2026-09-01", "2026-09-30", 29, "PT9H"},      // 09:00 on the first day
      {"2026-09-01", "2026-09-30", 30, "-PT15H"},    // the day before it opens
      {"2026-09-01", "2026-09-30", 40, "-P10DT15H"},
      {"2026-09-29", "2026-09-30", 0, "P1DT9H"},
      {"2026-09-30", "2026-09-30", 2147483647, "-P2147483646DT15H"},  // no overflow
  };
  for (const Case& c : cases) {
    EXPECT_EQ(reminder_trigger(D(c.first), D(c.last), c.days), c.trigger)
        << c.first << ".." << c.last << " " << c.days;
    CalendarEvent e{"u@policy", D(c.first), D(c.last), "s", "", c.days};
    EXPECT_EQ(value_of(write({e}), "TRIGGER:"), c.trigger);
  }
}

TEST(Ics, AlarmIsADisplayAlarmInsideItsEvent) {
  const std::vector<std::string> lines =
      content_lines(write({deadline("u@policy", "2026-09-30", "复学最后办理日")}));
  const auto at = [&](std::string_view l) {
    return std::find(lines.begin(), lines.end(), l) - lines.begin();
  };
  EXPECT_LT(at("BEGIN:VEVENT"), at("BEGIN:VALARM"));
  EXPECT_LT(at("BEGIN:VALARM"), at("ACTION:DISPLAY"));
  EXPECT_LT(at("ACTION:DISPLAY"), at("DESCRIPTION:复学最后办理日"));
  EXPECT_LT(at("DESCRIPTION:复学最后办理日"), at("TRIGGER:-P6DT15H"));
  EXPECT_LT(at("TRIGGER:-P6DT15H"), at("END:VALARM"));
  EXPECT_LT(at("END:VALARM"), at("END:VEVENT"));
}

TEST(Ics, SeveralEventsInOneCalendar) {
  const std::vector<CalendarEvent> events = {
      deadline("d-1-return_deadline@policy", "2026-09-30", "复学最后办理日", "", 7),
      CalendarEvent{"d-1-intake_window@policy", D("2026-09-01"), D("2026-09-15"), "新生报到期",
                    "", 3},
      deadline("d-1-degree_queryable@policy", "2026-07-31", "学历可查询日", "", 0),
  };
  const std::string text = write(events);
  const std::vector<std::string> lines = content_lines(text);
  EXPECT_EQ(std::count(lines.begin(), lines.end(), "BEGIN:VCALENDAR"), 1);
  EXPECT_EQ(std::count(lines.begin(), lines.end(), "END:VCALENDAR"), 1);
  EXPECT_EQ(std::count(lines.begin(), lines.end(), "BEGIN:VEVENT"), 3);
  EXPECT_EQ(std::count(lines.begin(), lines.end(), "END:VEVENT"), 3);
  EXPECT_EQ(std::count(lines.begin(), lines.end(), "DTSTAMP:20250630T000000Z"), 3);
  EXPECT_EQ(lines.front(), "BEGIN:VCALENDAR");
  EXPECT_EQ(lines.back(), "END:VCALENDAR");
  // In the given order, each with its own dates and trigger.
  EXPECT_EQ(value_of(text, "UID:", 0), "d-1-return_deadline@policy");
  EXPECT_EQ(value_of(text, "UID:", 1), "d-1-intake_window@policy");
  EXPECT_EQ(value_of(text, "UID:", 2), "d-1-degree_queryable@policy");
  EXPECT_EQ(value_of(text, "DTSTART;VALUE=DATE:", 1), "20260901");
  EXPECT_EQ(value_of(text, "DTEND;VALUE=DATE:", 1), "20260916");
  EXPECT_EQ(value_of(text, "TRIGGER:", 0), "-P6DT15H");
  EXPECT_EQ(value_of(text, "TRIGGER:", 1), "P11DT9H");  // 09:00 on 09-12
  EXPECT_EQ(value_of(text, "TRIGGER:", 2), "PT9H");
}

TEST(Ics, OneHeaderOfRequiredCalendarProperties) {
  const std::vector<std::string> lines = content_lines(write({deadline("u@policy", "2026-09-30", "s")}));
  const std::vector<std::string> head(lines.begin(), lines.begin() + 6);
  EXPECT_EQ(head, (std::vector<std::string>{"BEGIN:VCALENDAR", "VERSION:2.0",
                                            "PRODID:-//policy-engine//policy serve 0.1.0//ZH",
                                            "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
                                            "X-WR-TIMEZONE:Asia/Shanghai"}));
}

IcsError refused(const std::vector<CalendarEvent>& events, std::string_view prodid = kProdid,
                 cal::Instant stamp = cal::Instant{1'750'000'000, 0}) {
  const IcsResult r = write_ics(events, prodid, stamp);
  EXPECT_FALSE(r.ok());
  return r.ok() ? IcsError{IcsErrorCode::no_events, std::nullopt, "accepted", "accepted"} : r.error();
}

TEST(Ics, RefusesBadInput) {
  const CalendarEvent good = deadline("a@policy", "2026-09-30", "s");

  IcsError e = refused({});
  EXPECT_STREQ(code_name(e.code), "ics_no_events");
  EXPECT_FALSE(e.event_index.has_value());

  e = refused({good}, "");
  EXPECT_STREQ(code_name(e.code), "ics_empty_prodid");
  e = refused({good}, "\x01\x02");  // nothing left once control characters are removed
  EXPECT_STREQ(code_name(e.code), "ics_empty_prodid");

  e = refused({good}, kProdid, cal::Instant{400'000'000'000, 0});  // year 14645
  EXPECT_STREQ(code_name(e.code), "ics_dtstamp_out_of_range");
  e = refused({good}, kProdid, cal::Instant{-62'135'596'801, 0});  // 0000-12-31T23:59:59Z
  EXPECT_STREQ(code_name(e.code), "ics_dtstamp_out_of_range");

  e = refused({good, deadline("", "2026-09-30", "s")});
  EXPECT_STREQ(code_name(e.code), "ics_empty_uid");
  EXPECT_EQ(e.event_index, 1u);

  e = refused({good, deadline("b@policy", "2026-09-30", "s"), deadline("a@policy", "2026-10-30", "t")});
  EXPECT_STREQ(code_name(e.code), "ics_duplicate_uid");
  EXPECT_EQ(e.event_index, 2u);
  EXPECT_NE(e.message.find("a@policy"), std::string::npos) << e.message;
  EXPECT_NE(e.message_zh.find("第 3 个事件"), std::string::npos) << e.message_zh;

  e = refused({deadline("a@policy", "2026-09-30", "")});
  EXPECT_STREQ(code_name(e.code), "ics_empty_summary");
  EXPECT_EQ(e.event_index, 0u);

  e = refused({CalendarEvent{"a@policy", D("2026-09-30"), D("2026-09-29"), "s", "", 7}});
  EXPECT_STREQ(code_name(e.code), "ics_last_before_first");
  EXPECT_NE(e.message.find("2026-09-29"), std::string::npos) << e.message;
  EXPECT_NE(e.message_zh.find("早于"), std::string::npos) << e.message_zh;

  e = refused({deadline("a@policy", "2026-09-30", "s", "", -1)});
  EXPECT_STREQ(code_name(e.code), "ics_negative_reminder");
  EXPECT_NE(e.message.find("-1"), std::string::npos) << e.message;

  // The first problem found is the one reported: the calendar's, then the events' in order.
  e = refused({deadline("", "2026-09-30", "s", "", -1)}, "");
  EXPECT_STREQ(code_name(e.code), "ics_empty_prodid");
  e = refused({deadline("a@policy", "2026-09-30", "s", "", -1),
               CalendarEvent{"b@policy", D("2026-09-30"), D("2026-09-29"), "s", "", 7}});
  EXPECT_STREQ(code_name(e.code), "ics_negative_reminder");
  EXPECT_EQ(e.event_index, 0u);
}

TEST(Ics, EveryCodeHasAStableName) {
  for (auto code : {IcsErrorCode::no_events, IcsErrorCode::empty_prodid,
                    IcsErrorCode::dtstamp_out_of_range, IcsErrorCode::empty_uid,
                    IcsErrorCode::duplicate_uid, IcsErrorCode::empty_summary,
                    IcsErrorCode::last_before_first, IcsErrorCode::negative_reminder}) {
    EXPECT_TRUE(std::string_view(code_name(code)).starts_with("ics_")) << code_name(code);
  }
}

}  // namespace
}  // namespace policy_serve
