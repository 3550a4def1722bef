#include "ics.h"

#include <cstdint>
#include <string>
#include <unordered_set>

#include "source/utf8.h"

namespace policy_serve {
namespace {

namespace cal = rules::calendar;

constexpr std::int64_t kSecondsPerDay = 86'400;
// The reminder's time of day. 09:00 is when a registrar's office opens and when a student is
// awake: a reminder at 00:00 (what a bare -P7D gives an all-day event) fires while people sleep
// and is gone from the screen by morning.
constexpr std::int64_t kReminderSecondsIntoDay = 9 * 3'600;
// RFC 5545 §3.1: "Lines of text SHOULD NOT be longer than 75 octets, excluding the line break."
constexpr std::size_t kMaxLineOctets = 75;

void append_digits(std::string& out, std::int64_t value, int width) {
  std::string digits = std::to_string(value);
  if (static_cast<int>(digits.size()) < width) out.append(static_cast<std::size_t>(width) - digits.size(), '0');
  out += digits;
}

// §3.3.4 DATE: YYYYMMDD (years 0001..9999, always four digits).
void append_ics_date(std::string& out, cal::Date d) {
  append_digits(out, d.year(), 4);
  append_digits(out, d.month(), 2);
  append_digits(out, d.day(), 2);
}

// Appends a property whose value is TEXT, escaped and folded.
void append_text_property(std::string& out, std::string_view name, std::string_view value) {
  std::string line(name);
  line += ':';
  append_ics_text(line, value);
  append_folded_line(out, line);
}

void append_plain_property(std::string& out, std::string_view name_and_value) {
  append_folded_line(out, name_and_value);
}

std::string escaped(std::string_view text) {
  std::string out;
  append_ics_text(out, text);
  return out;
}

IcsError calendar_error(IcsErrorCode code, std::string message, std::string message_zh) {
  return IcsError{code, std::nullopt, std::move(message), std::move(message_zh)};
}

IcsError event_error(IcsErrorCode code, std::size_t index, const CalendarEvent& e,
                     const std::string& en, const std::string& zh) {
  const std::string n = std::to_string(index + 1);
  return IcsError{code, index, "event " + n + " (UID \"" + e.uid + "\"): " + en,
                  "第 " + n + " 个事件（UID“" + e.uid + "”）：" + zh};
}

// The first problem of event `index`, if any. `seen` holds the escaped UIDs of earlier events.
std::optional<IcsError> check_event(const CalendarEvent& e, std::size_t index,
                                    std::unordered_set<std::string>& seen) {
  const std::string uid = escaped(e.uid);
  if (uid.empty()) {
    return event_error(IcsErrorCode::empty_uid, index, e, "the UID is empty",
                       "UID 为空");
  }
  if (!seen.insert(uid).second) {
    return event_error(IcsErrorCode::duplicate_uid, index, e,
                       "an earlier event has the same UID", "与前面的事件 UID 相同");
  }
  if (escaped(e.summary).empty()) {
    return event_error(IcsErrorCode::empty_summary, index, e, "the summary is empty",
                       "标题为空");
  }
  if (e.last_day < e.first_day) {
    const std::string first = cal::format_date(e.first_day), last = cal::format_date(e.last_day);
    return event_error(IcsErrorCode::last_before_first, index, e,
                       "the last day " + last + " is before the first day " + first,
                       "最后一天 " + last + " 早于第一天 " + first);
  }
  if (e.remind_days_before < 0) {
    const std::string days = std::to_string(e.remind_days_before);
    return event_error(IcsErrorCode::negative_reminder, index, e,
                       "remind_days_before is " + days + "; it must be 0 or more",
                       "提前提醒天数为 " + days + "，不能为负数");
  }
  return std::nullopt;
}

}  // namespace

const char* code_name(IcsErrorCode code) {
  switch (code) {
    case IcsErrorCode::no_events: return "ics_no_events";
    case IcsErrorCode::empty_prodid: return "ics_empty_prodid";
    case IcsErrorCode::dtstamp_out_of_range: return "ics_dtstamp_out_of_range";
    case IcsErrorCode::empty_uid: return "ics_empty_uid";
    case IcsErrorCode::duplicate_uid: return "ics_duplicate_uid";
    case IcsErrorCode::empty_summary: return "ics_empty_summary";
    case IcsErrorCode::last_before_first: return "ics_last_before_first";
    case IcsErrorCode::negative_reminder: return "ics_negative_reminder";
  }
  return "ics_unknown_error";  // unreachable for valid enumerators; keeps -Wreturn-type quiet
}

std::string reminder_trigger(cal::Date first_day, cal::Date last_day, int remind_days_before) {
  // The alarm is relative to DTSTART (00:00 of first_day), the default RELATED=START, which every
  // client supports (RELATED=END is less widely honoured). 09:00 of the day N days before the
  // last day is (last - first - N) days + 9 hours after the start: negative, "-P6DT15H", for a
  // deadline; positive for a window longer than N days. 64-bit: no overflow for any int N.
  const std::int64_t span_days = cal::days_between(first_day, last_day);
  const std::int64_t offset =
      (span_days - remind_days_before) * kSecondsPerDay + kReminderSecondsIntoDay;
  std::string out;
  std::int64_t magnitude = offset;
  if (offset < 0) {
    out += '-';
    magnitude = -offset;
  }
  out += 'P';
  const std::int64_t days = magnitude / kSecondsPerDay;
  const std::int64_t rest = magnitude % kSecondsPerDay;
  if (days > 0) out += std::to_string(days) + 'D';
  if (rest > 0 || days == 0) {
    // §3.3.6: dur-time is "T" then hours [minutes [seconds]], or minutes, or seconds.
    out += 'T';
    const std::int64_t h = rest / 3'600, m = rest % 3'600 / 60, s = rest % 60;
    if (h > 0) out += std::to_string(h) + 'H';
    if (m > 0 || (h > 0 && s > 0)) out += std::to_string(m) + 'M';
    if (s > 0 || rest == 0) out += std::to_string(s) + 'S';
  }
  return out;
}

void append_ics_text(std::string& out, std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    switch (c) {
      case '\\': out += "\\\\"; ++i; continue;
      case ';': out += "\\;"; ++i; continue;
      case ',': out += "\\,"; ++i; continue;
      case '\n': out += "\\n"; ++i; continue;
      case '\r':
        // CRLF is one newline; a lone CR (old Mac text) is a newline too, not nothing, so that
        // the two lines it separates do not run together.
        out += "\\n";
        i += (i + 1 < text.size() && text[i + 1] == '\n') ? 2 : 1;
        continue;
      case '\t': out += c; ++i; continue;
      default: break;
    }
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b == 0x7F) {  // §3.1 CONTROL: not allowed in a content line
      ++i;
      continue;
    }
    bool well_formed = false;
    const std::size_t len = rules::source::utf8_sequence(text.substr(i), well_formed);
    if (!well_formed) {
      out += "\xEF\xBF\xBD";  // U+FFFD for each byte that is not part of a UTF-8 sequence
      ++i;
      continue;
    }
    out.append(text.substr(i, len));
    i += len;
  }
}

void append_folded_line(std::string& out, std::string_view line) {
  // Break only between units: a whole UTF-8 sequence (§3.1: "care must be taken not to split a
  // multi-octet character"), or a backslash and the character it escapes (unfolding would join
  // them again, but some readers unescape before they unfold).
  std::size_t used = 0;            // octets on the current physical line
  std::size_t limit = kMaxLineOctets;
  for (std::size_t i = 0; i < line.size();) {
    const auto b = static_cast<unsigned char>(line[i]);
    std::size_t len = 1;
    if (b == '\\') len = 2;
    else if (b >= 0xF0) len = 4;
    else if (b >= 0xE0) len = 3;
    else if (b >= 0xC0) len = 2;
    if (len > line.size() - i) len = line.size() - i;
    if (used + len > limit) {
      out += "\r\n ";
      used = 1;  // the leading space counts toward the 75 octets
    }
    out.append(line.substr(i, len));
    used += len;
    i += len;
  }
  out += "\r\n";
}

IcsResult write_ics(std::span<const CalendarEvent> events, std::string_view prodid,
                    const cal::Instant& dtstamp) {
  if (events.empty()) {
    return calendar_error(IcsErrorCode::no_events,
                          "a calendar needs at least one event (RFC 5545 §3.4)",
                          "日历文件至少要有一个事件（RFC 5545 §3.4）");
  }
  if (escaped(prodid).empty()) {
    return calendar_error(IcsErrorCode::empty_prodid, "the PRODID is empty",
                          "PRODID 为空");
  }
  // DTSTAMP in UTC (§3.8.7.2: "MUST be specified in the UTC time format"). Floor division, so
  // that an instant before 1970 still falls on the right day.
  std::int64_t day = dtstamp.utc_seconds / kSecondsPerDay;
  std::int64_t second = dtstamp.utc_seconds % kSecondsPerDay;
  if (second < 0) {
    second += kSecondsPerDay;
    --day;
  }
  if (day < cal::min_date().days_since_epoch() || day > cal::max_date().days_since_epoch()) {
    const std::string seconds = std::to_string(dtstamp.utc_seconds);
    return calendar_error(IcsErrorCode::dtstamp_out_of_range,
                          "DTSTAMP " + seconds + " s since 1970 is outside 0001..9999",
                          "DTSTAMP（1970 年起 " + seconds + " 秒）超出 0001 至 9999 年");
  }
  std::string stamp = "DTSTAMP:";
  append_ics_date(stamp, cal::Date::from_days_unchecked(static_cast<std::int32_t>(day)));
  stamp += 'T';
  append_digits(stamp, second / 3'600, 2);
  append_digits(stamp, second % 3'600 / 60, 2);
  append_digits(stamp, second % 60, 2);
  stamp += 'Z';

  std::unordered_set<std::string> seen;
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (auto problem = check_event(events[i], i, seen)) return std::move(*problem);
  }

  std::string out;
  out.reserve(512 * events.size() + 256);
  append_plain_property(out, "BEGIN:VCALENDAR");
  append_plain_property(out, "VERSION:2.0");
  append_text_property(out, "PRODID", prodid);
  append_plain_property(out, "CALSCALE:GREGORIAN");
  append_plain_property(out, "METHOD:PUBLISH");
  // Not in RFC 5545: a de-facto property (Apple, Google) naming the zone the calendar is meant
  // for. The events themselves are all-day DATEs, which belong to no zone.
  append_plain_property(out, "X-WR-TIMEZONE:Asia/Shanghai");
  for (const CalendarEvent& e : events) {
    append_plain_property(out, "BEGIN:VEVENT");
    append_text_property(out, "UID", e.uid);
    append_plain_property(out, stamp);
    std::string line = "DTSTART;VALUE=DATE:";
    append_ics_date(line, e.first_day);
    append_plain_property(out, line);
    // §3.6.1: for a DATE start, DTEND is the day after the last one. max_date() cannot end an
    // all-day event (9999-12-31 + 1 day has no DATE form); it is written as its own last day
    // with a DURATION instead.
    const auto end = cal::add_days(e.last_day, 1);
    if (end.ok()) {
      line = "DTEND;VALUE=DATE:";
      append_ics_date(line, *end);
    } else {
      line = "DURATION:P" + std::to_string(cal::days_between(e.first_day, e.last_day) + 1) + "D";
    }
    append_plain_property(out, line);
    append_text_property(out, "SUMMARY", e.summary);
    if (!escaped(e.description).empty()) append_text_property(out, "DESCRIPTION", e.description);
    append_plain_property(out, "TRANSP:TRANSPARENT");
    append_plain_property(out, "BEGIN:VALARM");
    append_plain_property(out, "ACTION:DISPLAY");
    append_text_property(out, "DESCRIPTION", e.summary);
    append_plain_property(out, "TRIGGER:" + reminder_trigger(e.first_day, e.last_day, e.remind_days_before));
    append_plain_property(out, "END:VALARM");
    append_plain_property(out, "END:VEVENT");
  }
  append_plain_property(out, "END:VCALENDAR");
  return out;
}

}  // namespace policy_serve
