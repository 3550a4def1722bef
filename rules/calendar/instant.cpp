#include "calendar/instant.h"

#include <date/date.h>
#include <date/tz.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <exception>
#include <limits>

#include "calendar/quoted.h"

namespace rules::calendar {

namespace {

using detail::quoted;

using std::chrono::seconds;

constexpr std::int64_t kDay = 86400;

const date::time_zone* as_zone(const void* p) { return static_cast<const date::time_zone*>(p); }

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// Instants far outside the supported dates still need an offset (a hand-built Instant may hold
// anything); the zone's rules are only consulted within the supported range plus a margin, so
// no arithmetic inside the tz library sees extreme values.
date::sys_seconds clamp_for_lookup(std::int64_t utc_seconds) {
  const std::int64_t lo = (std::int64_t{min_date().days_since_epoch()} - 2) * kDay;
  const std::int64_t hi = (std::int64_t{max_date().days_since_epoch()} + 2) * kDay;
  return date::sys_seconds{seconds{std::clamp(utc_seconds, lo, hi)}};
}

std::int32_t offset_of(const date::time_zone* z, std::int64_t utc_seconds) {
  if (z == nullptr) return 0;  // a default-constructed TimeZone behaves as UTC
  return static_cast<std::int32_t>(z->get_info(clamp_for_lookup(utc_seconds)).offset.count());
}

// `+08:00`; a whole-second offset such as Shanghai's LMT (+08:05:43, before 1901) cannot be
// written in RFC 3339, so its seconds are printed rather than silently rounded away.
std::string offset_text(std::int64_t offset) {
  const char sign = offset < 0 ? '-' : '+';
  const std::int64_t a = offset < 0 ? -offset : offset;
  char buf[32];
  if (a % 60 == 0) {
    std::snprintf(buf, sizeof buf, "%c%02lld:%02lld", sign, static_cast<long long>(a / 3600),
                  static_cast<long long>(a / 60 % 60));
  } else {
    std::snprintf(buf, sizeof buf, "%c%02lld:%02lld:%02lld", sign, static_cast<long long>(a / 3600),
                  static_cast<long long>(a / 60 % 60), static_cast<long long>(a % 60));
  }
  return buf;
}

// Days since 1970-01-01 -> y/m/d for any int64 day count (H. Hinnant's civil_from_days, the
// algorithm date::year_month_day uses, widened): only for hand-built instants outside the
// supported dates, whose day count does not fit date::days.
void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = floor_div(z, 146097);
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0);
}

bool digits_at(std::string_view s, std::size_t pos, std::size_t n) {
  if (pos + n > s.size()) return false;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

int num_at(std::string_view s, std::size_t pos, std::size_t n) {
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) v = v * 10 + (s[i] - '0');
  return v;
}


Instant make_instant(const date::time_zone* z, std::int64_t utc_seconds) {
  return Instant{utc_seconds, offset_of(z, utc_seconds)};
}

}  // namespace

Expected<Instant> parse_instant(std::string_view text) {
  const auto syntax = [&](const std::string& why, const std::string& why_zh) {
    return CalendarError{CalendarErrorCode::syntax, quoted(text) + " is not an instant: " + why,
                         quoted(text) + " 不是时刻：" + why_zh};
  };
  // Plain pointers: texts are built only on failure (parse_instant reads roster cells).
  const char* const form = "expected YYYY-MM-DDTHH:MM[:SS] followed by Z or +HH:MM / -HH:MM";
  const char* const form_zh = "应为 YYYY-MM-DDTHH:MM[:SS] 后接 Z 或 +HH:MM / -HH:MM，如 2025-06-30T00:00+08:00";
  const bool date_shape = digits_at(text, 0, 4) && text.size() >= 10 && text[4] == '-' &&
                          digits_at(text, 5, 2) && text[7] == '-' && digits_at(text, 8, 2);
  if (!date_shape) return syntax(form, form_zh);
  if (text.size() == 10) return syntax("a date is not an instant; " + std::string(form), "只有日期，没有时间；" + std::string(form_zh));
  const bool time_shape = (text[10] == 'T' || text[10] == 't') && digits_at(text, 11, 2) &&
                          text.size() >= 16 && text[13] == ':' && digits_at(text, 14, 2);
  if (!time_shape) return syntax(form, form_zh);
  std::size_t pos = 16;
  int second = 0;
  if (pos < text.size() && text[pos] == ':') {
    if (!digits_at(text, pos + 1, 2)) return syntax(form, form_zh);
    second = num_at(text, pos + 1, 2);
    pos += 3;
  }
  if (pos == text.size()) {
    return syntax("no UTC offset: a local time is not an instant (add Z or +HH:MM)",
                  "缺少 UTC 偏移：不带偏移的本地时间不是时刻（请加 Z 或 +HH:MM）");
  }
  std::int64_t offset = 0;
  const char c = text[pos];
  if (c == 'Z' || c == 'z') {
    if (pos + 1 != text.size()) return syntax(form, form_zh);
  } else if (c == '+' || c == '-') {
    if (!(text.size() == pos + 6 && digits_at(text, pos + 1, 2) && text[pos + 3] == ':' &&
          digits_at(text, pos + 4, 2))) {
      return syntax("the UTC offset must be written +HH:MM or -HH:MM", "UTC 偏移应写作 +HH:MM 或 -HH:MM");
    }
    const int oh = num_at(text, pos + 1, 2);
    const int om = num_at(text, pos + 4, 2);
    if (oh > 23 || om > 59) {
      return CalendarError{CalendarErrorCode::invalid_date,
                           quoted(text) + " is not a valid instant: " + std::string(text.substr(pos)) +
                               " is not a UTC offset",
                           quoted(text) + " 不是有效时刻：" + std::string(text.substr(pos)) + " 不是 UTC 偏移"};
    }
    offset = (c == '-' ? -1 : 1) * (std::int64_t{oh} * 3600 + om * 60);
  } else if (c == '.' || c == ',') {
    return syntax("fractional seconds are not supported", "不支持小数秒");
  } else {
    return syntax(form, form_zh);
  }

  const auto day = make_date(num_at(text, 0, 4), num_at(text, 5, 2), num_at(text, 8, 2));
  if (!day) return day.error();
  const int hour = num_at(text, 11, 2);
  const int minute = num_at(text, 14, 2);
  if (hour > 23 || minute > 59 || second > 59) {
    return CalendarError{CalendarErrorCode::invalid_date,
                         quoted(text) + " is not a valid instant: " + std::string(text.substr(11, pos - 11)) +
                             " is not a time of day (00:00:00 to 23:59:59)",
                         quoted(text) + " 不是有效时刻：" + std::string(text.substr(11, pos - 11)) +
                             " 不是一天中的时间（00:00:00 至 23:59:59）"};
  }
  const std::int64_t local = std::int64_t{day->days_since_epoch()} * kDay + hour * 3600 + minute * 60 + second;
  return Instant{local - offset, static_cast<std::int32_t>(offset)};
}

void append_instant(std::string& out, const Instant& i) {
  // RFC 3339 offsets have no seconds. Local mean time (Shanghai +08:05:43 before 1901) is shown
  // with the offset rounded to the minute and the local time moved with it: the same instant.
  std::int32_t shown_offset = i.offset_seconds;
  if (shown_offset % 60 != 0) {
    const std::int32_t sign = shown_offset < 0 ? -1 : 1;
    shown_offset = sign * ((sign * shown_offset + 30) / 60 * 60);
  }
  // Saturate rather than overflow for hand-built extreme values.
  std::int64_t local = 0;
  if (__builtin_add_overflow(i.utc_seconds, std::int64_t{shown_offset}, &local)) {
    local = shown_offset > 0 ? std::numeric_limits<std::int64_t>::max() : std::numeric_limits<std::int64_t>::min();
  }
  // Split without multiplying back, which could overflow at the extremes.
  std::int64_t secs = local % kDay;
  std::int64_t days = local / kDay;
  if (secs < 0) {
    secs += kDay;
    --days;
  }
  if (days >= min_date().days_since_epoch() && days <= max_date().days_since_epoch()) {
    append_date(out, Date::from_days_unchecked(static_cast<std::int32_t>(days)));
  } else {
    std::int64_t y = 0;
    unsigned m = 0;
    unsigned d = 0;
    civil_from_days(days, y, m, d);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(y), m, d);
    out += buf;
  }
  // Digits written directly (every instant of every roster row goes through here).
  const auto two = [](std::int64_t v) { return std::array<char, 2>{static_cast<char>('0' + v / 10), static_cast<char>('0' + v % 10)}; };
  const auto h = two(secs / 3600), mi = two(secs / 60 % 60), se = two(secs % 60);
  const std::int64_t a = shown_offset < 0 ? -std::int64_t{shown_offset} : shown_offset;  // whole minutes
  if (a / 3600 > 99) {  // only hand-built offsets (real ones are within ±26 hours)
    char buf[48];
    std::snprintf(buf, sizeof buf, "T%c%c:%c%c:%c%c", h[0], h[1], mi[0], mi[1], se[0], se[1]);
    out += buf;
    out += offset_text(shown_offset);
    return;
  }
  const auto oh = two(a / 3600), om = two(a / 60 % 60);
  const char text[15] = {'T', h[0], h[1], ':', mi[0], mi[1], ':', se[0], se[1],
                         shown_offset < 0 ? '-' : '+', oh[0], oh[1], ':', om[0], om[1]};
  out.append(text, sizeof text);
}

std::string format_instant(const Instant& i) {
  std::string s;
  append_instant(s, i);
  return s;
}

std::string format_utc_offset(std::int32_t offset_seconds) { return "UTC" + offset_text(offset_seconds); }

Expected<TimeOfDay> parse_time_of_day(std::string_view text) {
  const bool shape = (text.size() == 5 || text.size() == 8) && digits_at(text, 0, 2) && text[2] == ':' &&
                     digits_at(text, 3, 2) && (text.size() == 5 || (text[5] == ':' && digits_at(text, 6, 2)));
  if (!shape) {
    return CalendarError{CalendarErrorCode::syntax, quoted(text) + " is not a time of day: expected HH:MM or HH:MM:SS",
                         quoted(text) + " 不是时间：应为 HH:MM 或 HH:MM:SS，如 08:30"};
  }
  const int h = num_at(text, 0, 2);
  const int m = num_at(text, 3, 2);
  const int s = text.size() == 8 ? num_at(text, 6, 2) : 0;
  if (h > 23 || m > 59 || s > 59) {
    // 24:00 is how Art. 203 names the end of a day, but as a time of day it is the next day's 00:00.
    return CalendarError{CalendarErrorCode::invalid_date,
                         std::string(text) + " is not a valid time of day: 00:00 to 23:59:59",
                         std::string(text) + " 不是有效的时间：应在 00:00 至 23:59:59 之间"};
  }
  return TimeOfDay{h * 3600 + m * 60 + s};
}

std::string format_time_of_day(TimeOfDay t) {
  const std::int64_t s = t.seconds;
  char buf[40];
  if (s % 60 == 0) {
    std::snprintf(buf, sizeof buf, "%02lld:%02lld", static_cast<long long>(s / 3600),
                  static_cast<long long>(s / 60 % 60));
  } else {
    std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld", static_cast<long long>(s / 3600),
                  static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
  }
  return buf;
}

Expected<TimeZone> TimeZone::locate(std::string_view iana_name) {
  try {
    // Only the tzdata's own zone list is searched: the host's TZ variable never enters.
    const date::time_zone* z = date::locate_zone(std::string(iana_name));
    TimeZone tz;
    tz.zone_ = z;
    return tz;
  } catch (const std::exception&) {
    return CalendarError{CalendarErrorCode::unknown_zone,
                         quoted(iana_name) + " is not an IANA time zone known to the system tzdata",
                         quoted(iana_name) + " 不是系统 tzdata 中的 IANA 时区名（如 Asia/Shanghai）"};
  }
}

std::string_view TimeZone::name() const {
  const auto* z = as_zone(zone_);
  return z == nullptr ? std::string_view("UTC") : std::string_view(z->name());
}

Expected<Instant> TimeZone::at(Date d, TimeOfDay t) const {
  if (d < min_date() || d > max_date()) {
    return CalendarError{CalendarErrorCode::out_of_range,
                         std::string("day ") + std::to_string(d.days_since_epoch()) +
                             " after 1970-01-01 is out of range: supported dates are 0001-01-01 to 9999-12-31",
                         "1970-01-01 之后第 " + std::to_string(d.days_since_epoch()) +
                             " 日超出支持的日期范围（0001-01-01 至 9999-12-31）"};
  }
  if (t.seconds < 0 || t.seconds >= kDay) {
    return CalendarError{CalendarErrorCode::invalid_date,
                         std::to_string(t.seconds) + " seconds after midnight is not a time of day",
                         "零时后 " + std::to_string(t.seconds) + " 秒不是一天中的时间"};
  }
  const auto* z = as_zone(zone_);
  const std::int64_t local = std::int64_t{d.days_since_epoch()} * kDay + t.seconds;
  if (z == nullptr) return Instant{local, 0};
  const date::local_seconds lt{seconds{local}};
  const date::local_info info = z->get_info(lt);
  std::int64_t utc = 0;
  switch (info.result) {
    case date::local_info::unique:
    case date::local_info::ambiguous:
      // `first` is the period in force before the change; with the larger (pre-fall-back) offset
      // it gives the earlier of the two instants, as choose::earliest does.
      utc = local - info.first.offset.count();
      break;
    case date::local_info::nonexistent:
      // Skipped by a spring-forward: the first instant after the gap is the transition itself.
      utc = info.first.end.time_since_epoch().count();
      break;
  }
  return make_instant(z, utc);
}

Expected<Instant> TimeZone::start_of_day(Date d) const { return at(d, TimeOfDay{0}); }

Expected<Instant> TimeZone::end_of_day(Date d) const {
  // Civil Code Art. 203: a period's last day ends at 24:00, which is the next day's first instant.
  const auto next = add_days(d, 1);
  if (!next) {
    return CalendarError{CalendarErrorCode::out_of_range,
                         std::string("the end of ") + format_date(d) +
                             " is out of range: supported dates are 0001-01-01 to 9999-12-31",
                         format_date(d) + " 的 24:00 超出支持的日期范围（0001-01-01 至 9999-12-31）"};
  }
  return start_of_day(*next);
}

Expected<Date> TimeZone::date_of(const Instant& i) const {
  const std::int64_t offset = offset_of(as_zone(zone_), i.utc_seconds);
  std::int64_t local = 0;
  if (__builtin_add_overflow(i.utc_seconds, offset, &local)) {
    return CalendarError{CalendarErrorCode::out_of_range, format_instant(i) + " is outside the supported dates",
                         format_instant(i) + " 超出支持的日期范围"};
  }
  const std::int64_t day = floor_div(local, kDay);
  if (day < min_date().days_since_epoch() || day > max_date().days_since_epoch()) {
    return CalendarError{CalendarErrorCode::out_of_range,
                         "the date of " + format_instant(i) + " in " + std::string(name()) +
                             " is outside the supported dates 0001-01-01..9999-12-31",
                         format_instant(i) + " 在时区 " + std::string(name()) +
                             " 的日期超出支持的日期范围（0001-01-01 至 9999-12-31）"};
  }
  return Date::from_days_unchecked(static_cast<std::int32_t>(day));
}

std::int32_t TimeZone::offset_at(const Instant& i) const { return offset_of(as_zone(zone_), i.utc_seconds); }

Instant now() {
  const auto t = std::chrono::floor<seconds>(std::chrono::system_clock::now());
  return Instant{t.time_since_epoch().count(), 0};
}

}  // namespace rules::calendar
