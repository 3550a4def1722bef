#pragma once
/// The PRC statutory holiday calendar (法定节假日与调休): which days are rest days and which
/// weekend days are made working days, year by year, as the State Council's notices announce them.
/// It decides the roll-over of PRC Civil Code Art. 203 (a last day on a statutory rest day moves
/// to the first working day after it).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "calendar/calendar_error.h"
#include "calendar/date.h"

namespace rules::calendar {

/// A named holiday of a notice (春节, 国庆节, ...) and its days off, for explanations.
struct Holiday {
  std::string name;
  std::vector<Date> rest_days;
};

/// One year's notice: the year it arranges, its title, every day it gives off (weekend days
/// inside a holiday span included; a notice may name days of the previous December), and the
/// weekend days it makes working days (调休上班).
struct HolidayYear {
  int year = 0;
  std::string notice;
  std::vector<Date> rest_days;
  std::vector<Date> makeup_workdays;
  std::vector<Holiday> holidays;
};

/// Why HolidayCalendar::add_year refused a notice, in English and Chinese.
struct HolidayYearProblem {
  bool duplicate = false;  ///< the year was already added (otherwise: a day both off and a working day)
  std::string message;     ///< English
  std::string message_zh;  ///< 中文 (the same facts)
};

/// The title of the State Council's holiday notice for `year`:
/// "国务院办公厅关于2027年部分节假日安排的通知" (the title of each notice in the CN pack's holidays.toml).
std::string notice_title(int year);

/// Rest days and working days for the years whose notices were added. Outside those years every
/// query fails with `no_holiday_data` naming the year: the calendar never guesses.
/// A day is a rest day when a notice gives it off, or when it is a Saturday or Sunday that no
/// notice makes a working day. Days of a year are final only once the next year's notice is in
/// too (a notice may move days of the previous December); with the last year loaded, late
/// December of that year is as its own notice left it.
class HolidayCalendar {
 public:
  /// Adds a year's notice. Returns the problem (and changes nothing) when the year is already
  /// present or a day is listed both as a rest day and as a makeup working day.
  std::optional<HolidayYearProblem> add_year(HolidayYear y);

  /// Whether the notice for `year` is loaded.
  bool covers(int year) const { return years_.count(year) != 0; }
  /// The loaded years, ascending.
  std::vector<int> years() const;
  /// The notice for `year`, if loaded.
  const HolidayYear* notice_for(int year) const;
  bool empty() const { return years_.empty(); }

  /// Whether `d` is a statutory rest day (a notice's day off, or an ordinary weekend day).
  /// Error: `no_holiday_data` when d's year is not covered.
  Expected<bool> is_rest_day(Date d) const;
  /// Whether `d` is a working day (the opposite of is_rest_day). Same error.
  Expected<bool> is_workday(Date d) const;
  /// `d` itself when it is a working day, else the first working day after the rest (Civil Code
  /// Art. 203). Error: `no_holiday_data` when the search reaches an uncovered year.
  Expected<Date> next_workday(Date d) const;
  /// The n-th working day after `d` (before it when n < 0; `d` itself when n == 0).
  Expected<Date> add_workdays(Date d, std::int64_t n) const;
  /// The holiday `d` belongs to ("国庆节"), or "" for an ordinary day or weekend.
  std::string_view holiday_name(Date d) const;

 private:
  enum class Mark : std::uint8_t { none, rest, work };
  /// `no_holiday_data` for `year`: the years the data has, and how a school adds the year (its
  /// notice by title, in a --params file as [[calendar.years]]), in English and Chinese.
  CalendarError no_data(int year) const;
  Mark mark(Date d) const;
  std::map<int, HolidayYear> years_;
  std::map<std::int32_t, Mark> marks_;           // by days since epoch
  std::map<std::int32_t, std::string> names_;    // holiday name by day
};

}  // namespace rules::calendar
