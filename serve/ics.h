#pragma once
/// Calendar files (iCalendar, RFC 5545) for a deadline or a window: what `policy serve` hands out
/// when a person saves an answer to their calendar. A pure function of its arguments: no HTTP,
/// no clock, no time zone lookup (the host's TZ never matters).

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "calendar/date.h"
#include "calendar/instant.h"

namespace policy_serve {

/// One all-day event: the last day of a deadline, or every day of a window, in the Asia/Shanghai
/// calendar (days as 北京时间 counts them).
struct CalendarEvent {
  /// UID (RFC 5545 §3.8.4.7): stable across downloads and unique in the calendar, so that
  /// importing the file again updates the event instead of adding a second one. Example:
  /// `<decision-id>-<output>@policy`. Must not be empty.
  std::string uid;
  /// First and last day, both inclusive. A deadline: first_day == last_day (its last day). The
  /// file's DTEND is the day after last_day (exclusive, §3.6.1). last_day < first_day is refused.
  rules::calendar::Date first_day, last_day;
  /// SUMMARY (§3.8.1.12), also the reminder's text. Example: `复学最后办理日：学校规定的最后办理日`.
  /// Must not be empty.
  std::string summary;
  /// DESCRIPTION (§3.8.1.5): guidance, citations, office and phone. Any text: newlines, commas,
  /// semicolons, backslashes and Chinese are escaped and folded here. For a deadline the caller
  /// says in it that the deadline ends at 24:00 北京时间 of the last day; this writer carries the
  /// text as given. May be empty (then no DESCRIPTION line is written).
  std::string description;
  /// Days before the last day at which a reminder (VALARM) is shown, at 09:00 of that day: 7 is
  /// 09:00 seven days before the last day, 0 is 09:00 on the last day itself. Negative is refused.
  int remind_days_before = 7;
};

/// Why a calendar could not be written. Stable snake_case names (code_name) for API errors.
enum class IcsErrorCode {
  no_events,           ///< ics_no_events: an iCalendar object holds at least one component (§3.4)
  empty_prodid,        ///< ics_empty_prodid: PRODID is required (§3.7.3)
  dtstamp_out_of_range,///< ics_dtstamp_out_of_range: DTSTAMP's UTC date outside 0001..9999
  empty_uid,           ///< ics_empty_uid: UID is required (§3.8.4.7)
  duplicate_uid,       ///< ics_duplicate_uid: two events with the same UID in one calendar
  empty_summary,       ///< ics_empty_summary: nothing for the event's title and reminder to say
  last_before_first,   ///< ics_last_before_first: last_day < first_day
  negative_reminder,   ///< ics_negative_reminder: remind_days_before < 0
};

/// The stable name of a code: `ics_no_events`, `ics_last_before_first`, ...
const char* code_name(IcsErrorCode code);

/// A refused calendar: the code, the event concerned, and the reason in both languages.
struct IcsError {
  IcsErrorCode code;
  /// Index in `events` of the event refused; empty for a problem of the whole calendar.
  std::optional<std::size_t> event_index;
  std::string message;     ///< English; names the event's UID and the values refused
  std::string message_zh;  ///< 中文 (the same facts)
};

/// Either the calendar's text or why it was refused.
class IcsResult {
 public:
  IcsResult(std::string text) : text_(std::move(text)) {}   // NOLINT: implicit by design
  IcsResult(IcsError error) : error_(std::move(error)) {}   // NOLINT: implicit by design
  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  /// The calendar. Precondition: ok().
  const std::string& text() const { return text_; }
  /// Why it was refused. Precondition: !ok().
  const IcsError& error() const { return *error_; }

 private:
  std::string text_;
  std::optional<IcsError> error_;
};

/// The VALARM TRIGGER value (RFC 5545 §3.8.6.3, a §3.3.6 duration relative to the event's start,
/// the default RELATED=START) for a reminder at 09:00 `remind_days_before` days before
/// `last_day`, in an event starting at 00:00 of `first_day`. Examples: a deadline, 7 days before:
/// `-P6DT15H`; 1 day before: `-PT15H`; on the day: `PT9H`; a window of 30 days (first_day +29 =
/// last_day), 7 days before its last day: `P22DT9H`. Preconditions: first_day <= last_day,
/// remind_days_before >= 0 (write_ics checks them). An all-day event starts at 00:00 of the day
/// where the calendar shows it (a DATE is floating time, §3.3.4): in China, 09:00 北京时间.
std::string reminder_trigger(rules::calendar::Date first_day, rules::calendar::Date last_day,
                             int remind_days_before);

/// TEXT escaping (§3.3.11) of `text`: `\` `;` `,` become `\\` `\;` `\,`; a newline (LF, CRLF or a
/// lone CR) becomes `\n`; the other control characters (U+0000..U+001F but HTAB, and U+007F) are
/// removed (§3.1: not allowed in a content line); bytes that are not UTF-8 become U+FFFD.
/// Appends to `out`.
void append_ics_text(std::string& out, std::string_view text);

/// Folds one content line (without its CRLF) as §3.1 requires: lines of at most 75 octets, each
/// continuation line starting with one space that counts toward its 75; a break never falls
/// inside a UTF-8 sequence nor inside a `\x` escape pair. Appends the folded line with CRLF after
/// every physical line to `out`. Precondition: `line` is valid UTF-8 (as append_ics_text makes it).
void append_folded_line(std::string& out, std::string_view line);

/// The iCalendar object (RFC 5545 §3.4, §3.6.1) of `events`, in this order: BEGIN:VCALENDAR,
/// VERSION:2.0, PRODID:`prodid`, CALSCALE:GREGORIAN, METHOD:PUBLISH, X-WR-TIMEZONE:Asia/Shanghai,
/// then one VEVENT per event in the given order: UID, DTSTAMP (`dtstamp` in UTC,
/// `YYYYMMDDTHHMMSSZ`, §3.3.5 form 2), DTSTART;VALUE=DATE, DTEND;VALUE=DATE (last_day + 1 day,
/// exclusive; for a last day of 9999-12-31, which has no next DATE, DURATION:P<days>D instead),
/// SUMMARY, DESCRIPTION (when not empty), TRANSP:TRANSPARENT (a deadline does not make
/// the person busy), and a VALARM with ACTION:DISPLAY, DESCRIPTION (the summary) and
/// TRIGGER:reminder_trigger(...). All-day DATE values need no VTIMEZONE (none is written);
/// X-WR-TIMEZONE tells clients that read it which zone floating times belong to.
///
/// `prodid` is the PRODID value, a formal public identifier such as
/// `-//policy-engine//policy serve 0.1.0//ZH` (§3.7.3). `dtstamp` is when the file is made (the
/// caller's clock; only its UTC seconds are used). Text values are escaped by append_ics_text;
/// every line is folded by append_folded_line and ends with CRLF; the result is UTF-8.
///
/// Errors (the first found, calendar before events, events in order): no_events, empty_prodid,
/// dtstamp_out_of_range, then per event empty_uid, duplicate_uid, empty_summary,
/// last_before_first, negative_reminder. Never throws for its input (std::bad_alloc aside).
IcsResult write_ics(std::span<const CalendarEvent> events, std::string_view prodid,
                    const rules::calendar::Instant& dtstamp);

}  // namespace policy_serve
