#include "calendar/period.h"

#include <algorithm>
#include <array>
#include <optional>

#include "calendar/quoted.h"
#include "source/utf8.h"

namespace rules::calendar {

namespace {

using detail::quoted;

constexpr std::int64_t kMaxComponent = 1'000'000;

constexpr std::array<const char*, 12> kMonthNames = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};

char upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The character starting at byte `i`, whole: a message quoting one byte of 年 would not be UTF-8.
std::string character_at(std::string_view text, std::size_t i) {
  bool well_formed = false;
  return std::string(text.substr(i, source::utf8_sequence(text.substr(i), well_formed)));
}


std::string days_text(std::int64_t n) { return std::to_string(n) + (n == 1 || n == -1 ? " day" : " days"); }

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// Civil Code Art. 202 (按照年、月计算期间的，到期月的对应日为期间的最后一日；没有对应日的，月末日为期间的
// 最后一日): the whole number of months is added to the anchor's month in one step, keeping the day
// number; a missing day becomes the month's last day. Only then are the days counted (Art. 200:
// days are calendar days). `sign` is +1 for addition, -1 for subtraction.
Expected<PeriodResult> shift(Date anchor, const Period& p, int sign) {
  const auto overflow = [&] {
    const std::string what = format_date(anchor) + (sign > 0 ? " + " : " - ") + format_period(p);
    return CalendarError{CalendarErrorCode::out_of_range,
                         what + " is out of range: supported dates are 0001-01-01 to 9999-12-31",
                         what + " 超出支持的日期范围（0001-01-01 至 9999-12-31）"};
  };
  // 64-bit month index: |total_months| < 2^36 for any int32 components, so nothing overflows.
  const std::int64_t index = std::int64_t{anchor.year()} * 12 + (anchor.month() - 1) + sign * p.total_months();
  const std::int64_t year = floor_div(index, 12);
  if (year < kMinYear || year > kMaxYear) return overflow();
  const auto y = static_cast<int>(year);
  const auto m = static_cast<unsigned>(index - year * 12 + 1);
  const unsigned last = days_in_month(y, m);
  PeriodResult r;
  r.rule = anchor.day() <= last ? MonthEndRule::corresponding_day : MonthEndRule::last_day_of_month;
  const auto mid = make_date(y, static_cast<int>(m), static_cast<int>(std::min(anchor.day(), last)));
  if (!mid) return overflow();  // cannot happen: year, month and day were checked above
  auto end = add_days(*mid, sign * std::int64_t{p.days});
  if (!end) return overflow();
  r.date = *end;
  return r;
}

}  // namespace

Expected<Period> parse_period(std::string_view text) {
  const auto syntax = [&](const std::string& why, const std::string& why_zh) {
    return CalendarError{CalendarErrorCode::syntax, quoted(text) + " is not a period: " + why,
                         quoted(text) + " 不是期间：" + why_zh};
  };
  if (text.empty() || upper(text[0]) != 'P') {
    return syntax("expected P followed by nY, nM, nW, nD in that order, e.g. P1Y6M",
                  "应为 P 后接 nY、nM、nW、nD（按此顺序），如 P2Y（2年）、P1Y6M（1年6个月）");
  }
  if (text.size() == 1) return syntax("a bare P has no components", "只有 P，没有年、月、周、日");

  static constexpr std::string_view kDesignators = "YMWD";
  std::array<std::int64_t, 4> value{};
  std::size_t next = 0;  // index in kDesignators of the first designator still allowed
  std::optional<CalendarError> too_large;  // reported only if the text is otherwise well formed
  std::size_t i = 1;
  while (i < text.size()) {
    const char c = upper(text[i]);
    if (c == 'T') {
      return syntax("time components (PT...) are not supported, only years, months, weeks, days",
                    "不支持时间部分（PT…），只能写年、月、周、日");
    }
    if (c == '-' || c == '+') return syntax("signs are not allowed, periods are never negative", "不能带正负号，期间不为负");
    if (!is_digit(c)) {
      return syntax("unexpected '" + character_at(text, i) + "'", "不应出现 '" + character_at(text, i) + "'");
    }
    std::size_t j = i;
    std::int64_t v = 0;
    while (j < text.size() && is_digit(text[j])) {
      v = std::min(v * 10 + (text[j] - '0'), kMaxComponent + 1);  // saturate: no overflow on long runs
      ++j;
    }
    if (j == text.size()) return syntax("number without a designator (Y, M, W or D)", "数字后缺少单位（Y、M、W 或 D）");
    const char d = upper(text[j]);
    if (d == '.' || d == ',') return syntax("fractions are not supported", "不支持小数");
    if (d == 'H' || d == 'S') {
      return syntax("time components are not supported, only years, months, weeks, days",
                    "不支持时间部分，只能写年、月、周、日");
    }
    const std::size_t k = kDesignators.find(d);
    if (k == std::string_view::npos) {
      return syntax("unexpected '" + character_at(text, j) + "'", "不应出现 '" + character_at(text, j) + "'");
    }
    if (k < next) {
      return syntax("components must appear once each, in the order Y, M, W, D", "各部分只能出现一次，且按 Y、M、W、D 的顺序");
    }
    if (v > kMaxComponent && !too_large) {
      too_large = CalendarError{CalendarErrorCode::out_of_range,
                                quoted(text) + " is out of range: a period component is at most 1000000",
                                quoted(text) + " 超出范围：期间的每一部分至多为 1000000"};
    }
    value[k] = v;
    next = k + 1;
    i = j + 1;
  }
  // Weeks are kept as days, and a period prints its days alone (P1000000W is P7000000D): the days
  // together are held to the same bound, so that every period printed reads back.
  if (!too_large && value[2] * 7 + value[3] > kMaxComponent) {
    too_large = CalendarError{CalendarErrorCode::out_of_range,
                              quoted(text) + " is out of range: weeks and days together are at most 1000000 days",
                              quoted(text) + " 超出范围：周和日合计至多为 1000000 日"};
  }
  if (too_large) return *too_large;
  Period p;
  p.years = static_cast<std::int32_t>(value[0]);
  p.months = static_cast<std::int32_t>(value[1]);
  p.days = static_cast<std::int32_t>(value[2] * 7 + value[3]);  // <= 8,000,000: fits
  return p;
}

std::string format_period(const Period& p) {
  if (p.years == 0 && p.months == 0 && p.days == 0) return "P0D";
  std::string out = "P";
  if (p.years != 0) out += std::to_string(p.years) + "Y";
  if (p.months != 0) out += std::to_string(p.months) + "M";
  if (p.days != 0) out += std::to_string(p.days) + "D";
  return out;
}

Expected<PeriodResult> add_period(Date anchor, const Period& p) { return shift(anchor, p, +1); }

Expected<PeriodResult> subtract_period(Date anchor, const Period& p) { return shift(anchor, p, -1); }

std::string explain_period_step(Date anchor, const Period& p, const PeriodResult& result, source::Lang lang) {
  const bool zh = lang == source::Lang::zh;
  const auto forward = add_period(anchor, p);
  const bool is_forward = forward && forward->date == result.date;
  if (p.total_months() == 0) {
    // Art. 201 counts a period forward from the day after its start; a count backwards cites none.
    if (zh) return std::to_string(p.days) + "日" + (is_forward ? "，民法典第二百零一条：开始的当日不计入" : "");
    return days_text(p.days) + (is_forward ? ", Civil Code Art. 201" : "");
  }
  // Recover the month step's date (before the days were counted): the result moved back by the
  // days, in the direction the period was applied.
  const std::int64_t back = is_forward ? -std::int64_t{p.days} : std::int64_t{p.days};
  const auto stepped = add_days(result.date, back);
  const Date month_step = stepped ? *stepped : result.date;

  if (zh) {
    std::string note = "民法典第二百零二条：";
    if (result.rule == MonthEndRule::last_day_of_month) {
      note += std::to_string(month_step.year()) + "年" + std::to_string(month_step.month()) + "月没有" +
              std::to_string(anchor.day()) + "日，以月末日为期间的最后一日";
    } else {
      note += "到期月的对应日" + std::to_string(anchor.day()) + "日";
    }
    if (p.days != 0) note += "，再计" + std::to_string(p.days) + "日";
    return note;
  }
  std::string note = "Civil Code Art. 202: ";
  if (result.rule == MonthEndRule::last_day_of_month) {
    note += std::string("no ") + std::to_string(anchor.day()) + " " + kMonthNames[month_step.month() - 1] + " in " +
            std::to_string(month_step.year()) + ", last day of the month";
  } else {
    note += std::string("corresponding day ") + std::to_string(anchor.day());
  }
  if (p.days != 0) note += ", then " + days_text(p.days);
  return note;
}

}  // namespace rules::calendar
