#pragma once
/// Periods (期间) in years, months and days, and their addition to dates by the rule of the
/// PRC Civil Code (民法典) Arts. 200-204.

#include <cstdint>
#include <string>
#include <string_view>

#include "calendar/calendar_error.h"
#include "calendar/date.h"
#include "source/lang.h"

namespace rules::calendar {

/// An ISO 8601 period of whole years, months and days (`P2Y`, `P1M`, `P15D`, `P1Y6M`, `P2W`).
/// Components are kept as written so the period prints back as its author wrote it; for
/// arithmetic and equality only `total_months()` and `days` matter (P12M equals P1Y).
/// Weeks are stored as 7 days each. Components are non-negative; subtraction is a separate
/// operation.
struct Period {
  std::int32_t years = 0;
  std::int32_t months = 0;
  std::int32_t days = 0;

  /// years * 12 + months.
  constexpr std::int64_t total_months() const { return std::int64_t{years} * 12 + months; }
  friend constexpr bool operator==(const Period& a, const Period& b) {
    return a.total_months() == b.total_months() && a.days == b.days;
  }
};

/// Parses an ISO 8601 period of dates: `P` followed by one or more of `nY`, `nM`, `nW`, `nD`
/// in that order (lowercase accepted). Time parts (`PT1H`) and fractions are `syntax` errors,
/// as is a bare `P`. Components above 1,000,000 are `out_of_range`, as are weeks and days
/// together above 1,000,000 days (a period prints its weeks as days: what parses prints back).
Expected<Period> parse_period(std::string_view text);

/// Canonical ISO 8601 text: `P2Y`, `P1Y6M`, `P15D`, `P0D` for the empty period.
std::string format_period(const Period& p);

/// How the last day of a period was found, for the explanation of each step.
enum class MonthEndRule {
  corresponding_day,  ///< the anchor's day number exists in the target month (Art. 202)
  last_day_of_month,  ///< it does not: the target month's last day (Art. 202)
};

/// The result of applying a period to an anchor date.
struct PeriodResult {
  Date date;
  MonthEndRule rule = MonthEndRule::corresponding_day;
};

/// anchor + p by PRC Civil Code Art. 202: the total months are added to the anchor's month in one
/// step (never chained), keeping the anchor's day number; when the target month has no such day
/// the result is that month's last day. Then the days are added as days.
/// 2024-02-29 + P2Y = 2026-02-28; 2024-01-31 + P1M = 2024-02-29; 2022-02-28 + P2Y = 2024-02-28;
/// 2024-04-30 + P1M = 2024-05-30. Never uses Boost's months/years, which snap month ends.
/// Error: `out_of_range` if the result leaves 0001-01-01..9999-12-31.
Expected<PeriodResult> add_period(Date anchor, const Period& p);

/// anchor - p: the same rule backwards (months first, keeping the day number or taking the
/// month's last day, then days). 2024-03-31 - P1M = 2024-02-29. Error: `out_of_range`.
Expected<PeriodResult> subtract_period(Date anchor, const Period& p);

/// A note for a period step naming the article it follows, in `lang`: months and years by
/// Art. 202 ("Civil Code Art. 202: no 29 February in 2026, last day of the month" /
/// "民法典第二百零二条：2026年2月没有29日，以月末日为期间的最后一日", "...: corresponding day 15" /
/// "...：到期月的对应日15日", with ", then 15 days" / "，再计15日" for a day part); days alone
/// counted forward by Art. 201 ("15 days, Civil Code Art. 201" / "15日，民法典第二百零一条：开始
/// 的当日不计入"), counted backward without an article ("14 days" / "14日"). `anchor` is the start
/// date and `result` the outcome of add_period/subtract_period.
std::string explain_period_step(Date anchor, const Period& p, const PeriodResult& result, source::Lang lang);

}  // namespace rules::calendar
