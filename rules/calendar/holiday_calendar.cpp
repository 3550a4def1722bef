#include "calendar/holiday_calendar.h"

namespace rules::calendar {

namespace {

CalendarError no_data(int year) {
  return {CalendarErrorCode::no_holiday_data,
          "no holiday data for " + std::to_string(year) + ": the statutory holiday calendar covers only the years "
          "whose State Council notice it has (add the year to the pack's [[calendar.years]])"};
}

}  // namespace

std::optional<std::string> HolidayCalendar::add_year(HolidayYear y) {
  if (covers(y.year)) return "the holiday notice for " + std::to_string(y.year) + " is given twice";
  for (const Date d : y.rest_days) {
    for (const Date w : y.makeup_workdays) {
      if (d == w) return format_date(d) + " is listed both as a rest day and as a makeup working day";
    }
  }
  for (const Date d : y.rest_days) marks_[d.days_since_epoch()] = Mark::rest;
  for (const Date d : y.makeup_workdays) marks_[d.days_since_epoch()] = Mark::work;
  for (const auto& h : y.holidays) {
    for (const Date d : h.rest_days) names_.emplace(d.days_since_epoch(), h.name);
  }
  years_.emplace(y.year, std::move(y));
  return std::nullopt;
}

std::vector<int> HolidayCalendar::years() const {
  std::vector<int> out;
  for (const auto& [y, _] : years_) out.push_back(y);
  return out;
}

const HolidayYear* HolidayCalendar::notice_for(int year) const {
  const auto it = years_.find(year);
  return it == years_.end() ? nullptr : &it->second;
}

HolidayCalendar::Mark HolidayCalendar::mark(Date d) const {
  const auto it = marks_.find(d.days_since_epoch());
  return it == marks_.end() ? Mark::none : it->second;
}

Expected<bool> HolidayCalendar::is_rest_day(Date d) const {
  if (!covers(d.year())) return no_data(d.year());
  switch (mark(d)) {
    case Mark::rest: return true;
    case Mark::work: return false;
    case Mark::none: return d.iso_weekday() >= 6;
  }
  return false;
}

Expected<bool> HolidayCalendar::is_workday(Date d) const {
  const auto r = is_rest_day(d);
  if (!r) return r.error();
  return !*r;
}

Expected<Date> HolidayCalendar::next_workday(Date d) const {
  // Art. 203: the day after the rest ends. Rest spans are at most a couple of weeks, so the
  // search is short; it stops with an error where the data ends.
  for (Date x = d;;) {
    const auto rest = is_rest_day(x);
    if (!rest) return rest.error();
    if (!*rest) return x;
    const auto next = add_days(x, 1);
    if (!next) return next.error();
    x = *next;
  }
}

Expected<Date> HolidayCalendar::add_workdays(Date d, std::int64_t n) const {
  if (!covers(d.year())) return no_data(d.year());
  const int step = n < 0 ? -1 : 1;
  Date x = d;
  // The count's magnitude as unsigned: -n overflows for the most negative n.
  for (std::uint64_t left = n < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(n) : static_cast<std::uint64_t>(n);
       left > 0;) {
    const auto next = add_days(x, step);
    if (!next) return next.error();
    x = *next;
    const auto work = is_workday(x);
    if (!work) return work.error();
    if (*work) --left;
  }
  return x;
}

std::string_view HolidayCalendar::holiday_name(Date d) const {
  const auto it = names_.find(d.days_since_epoch());
  return it == names_.end() ? std::string_view() : std::string_view(it->second);
}

}  // namespace rules::calendar
