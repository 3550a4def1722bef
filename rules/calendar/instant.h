#pragma once
/// Instants (时刻) and IANA time zones. A date becomes an instant only through a TimeZone.

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "calendar/calendar_error.h"
#include "calendar/date.h"

namespace rules::calendar {

/// A point in time: seconds since 1970-01-01T00:00:00Z, plus the UTC offset it is displayed
/// with (the offset of the zone that produced it, or the one written in its literal).
/// Ordering and equality use the point in time only; the offset is presentation.
struct Instant {
  std::int64_t utc_seconds = 0;
  std::int32_t offset_seconds = 0;

  friend constexpr bool operator==(const Instant& a, const Instant& b) { return a.utc_seconds == b.utc_seconds; }
  friend constexpr auto operator<=>(const Instant& a, const Instant& b) { return a.utc_seconds <=> b.utc_seconds; }
};

/// Parses RFC 3339 / ISO 8601 `YYYY-MM-DDTHH:MM[:SS](Z|±HH:MM)`; the offset is kept for display.
/// Errors: `syntax` (missing offset: a local time is not an instant), `invalid_date`, `out_of_range`.
Expected<Instant> parse_instant(std::string_view text);

/// RFC 3339 with the instant's own offset: `2025-06-30T00:00:00+08:00` (`Z` is never used, so
/// +00:00 prints as `+00:00`). An offset with seconds (local mean time before 1901) is rounded to
/// the minute and the local time shown for it, so the text still denotes the same instant.
std::string format_instant(const Instant& i);

/// Appends format_instant(i) to `out` (no allocation once `out` has room: for writers of many rows).
void append_instant(std::string& out, const Instant& i);

/// `UTC+08:00` style label of an offset in seconds.
std::string format_utc_offset(std::int32_t offset_seconds);

/// A time of day (时刻), 00:00 to 23:59:59, in seconds since midnight.
struct TimeOfDay {
  std::int32_t seconds = 0;
  friend constexpr auto operator<=>(const TimeOfDay&, const TimeOfDay&) = default;
};

/// Parses `HH:MM` or `HH:MM:SS` (24-hour). Error: `syntax`, or `invalid_date` for 24:00 / 12:60.
Expected<TimeOfDay> parse_time_of_day(std::string_view text);

/// `HH:MM`, or `HH:MM:SS` when seconds are not zero.
std::string format_time_of_day(TimeOfDay t);

/// An IANA time zone from the system tzdata (never the host's TZ setting). Cheap to copy.
class TimeZone {
 public:
  /// Looks up `iana_name` (e.g. "Asia/Shanghai"). Error: `unknown_zone`.
  static Expected<TimeZone> locate(std::string_view iana_name);

  /// The IANA name.
  std::string_view name() const;

  /// The instant at local time `t` on day `d` in this zone. A local time skipped by a
  /// daylight-saving change maps to the first instant after the gap; an ambiguous one to the
  /// earlier instant. Error: `out_of_range` outside the supported dates.
  Expected<Instant> at(Date d, TimeOfDay t) const;

  /// 00:00 of day `d` in this zone (the first instant of the day). Asia/Shanghai, 1988-07-01:
  /// 1988-06-30T15:00:00Z, displayed as 1988-07-01T00:00:00+09:00 (daylight saving 1986-1991).
  Expected<Instant> start_of_day(Date d) const;

  /// 24:00 of day `d`, that is 00:00 of the next day: the exclusive end of the day and the cut-off
  /// instant of a deadline whose last day is `d` (Civil Code Art. 203). Displayed with the offset
  /// in force at that instant. Error: `out_of_range` for 9999-12-31.
  Expected<Instant> end_of_day(Date d) const;

  /// The calendar date in this zone at instant `i` (used for "today" and as_of). Error:
  /// `out_of_range` when that date is outside 0001-01-01..9999-12-31.
  Expected<Date> date_of(const Instant& i) const;

  /// The UTC offset in force in this zone at instant `i`, in seconds.
  std::int32_t offset_at(const Instant& i) const;

 private:
  const void* zone_ = nullptr;  // const date::time_zone*; kept opaque so date/tz stays inside calendar/
};

/// The current instant from the system clock.
Instant now();

}  // namespace rules::calendar
