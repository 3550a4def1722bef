#include "calendar/holiday_calendar.h"

namespace rules::calendar {

std::string notice_title(int year) { return "国务院办公厅关于" + std::to_string(year) + "年部分节假日安排的通知"; }

CalendarError HolidayCalendar::no_data(int year) const {
  const std::string y = std::to_string(year);
  // The years the data has, as "2015-2026" when they run without a gap, else one by one.
  std::string en_have = "it has no year at all";
  std::string zh_have = "目前没有任何一年的数据";
  if (!years_.empty()) {
    const int first = years_.begin()->first;
    const int last = years_.rbegin()->first;
    std::string en_list, zh_list;
    if (last - first + 1 == static_cast<int>(years_.size())) {
      en_list = first == last ? std::to_string(first) : std::to_string(first) + "-" + std::to_string(last);
      zh_list = first == last ? std::to_string(first) + "年" : std::to_string(first) + "年至" + std::to_string(last) + "年";
    } else {
      for (const auto& [yy, _] : years_) {
        en_list += (en_list.empty() ? "" : ", ") + std::to_string(yy);
        zh_list += (zh_list.empty() ? "" : "、") + std::to_string(yy) + "年";
      }
    }
    en_have = "it has " + en_list;
    zh_have = "目前只有" + zh_list + "的数据";
  }
  const std::string title = notice_title(year);
  return {CalendarErrorCode::no_holiday_data,
          "no holiday data for " + y + ": the statutory holiday calendar covers only the years whose State Council "
          "notice it has (" + en_have + "). Add the notice for " + y + " (" + title + ") as a [[calendar.years]] "
          "entry in the school's --params file, in the form of the pack's holidays.toml (year = " + y +
              ", notice, rest_days, makeup_workdays)",
          "没有" + y + "年的法定节假日数据：节假日安排以当年国务院办公厅的通知为准，" + zh_have + "。请学校按《" + title +
              "》，在 --params 参数文件中按 holidays.toml 的格式加入一节 [[calendar.years]]（year = " + y +
              "，notice = \"" + title + "\"，rest_days 为放假日，makeup_workdays 为调休上班日）"};
}

std::optional<HolidayYearProblem> HolidayCalendar::add_year(HolidayYear y) {
  if (covers(y.year)) {
    return HolidayYearProblem{true, "the holiday notice for " + std::to_string(y.year) + " is given twice",
                              std::to_string(y.year) + "年的节假日通知重复给出"};
  }
  for (const Date d : y.rest_days) {
    for (const Date w : y.makeup_workdays) {
      if (d == w) {
        return HolidayYearProblem{false, format_date(d) + " is listed both as a rest day and as a makeup working day",
                                  format_date(d) + " 既列为放假日，又列为调休上班日"};
      }
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
