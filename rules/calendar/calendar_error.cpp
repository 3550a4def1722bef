#include "calendar/calendar_error.h"

namespace rules::calendar {

const char* code_name(CalendarErrorCode code) {
  switch (code) {
    case CalendarErrorCode::invalid_date: return "date_invalid";
    case CalendarErrorCode::out_of_range: return "date_out_of_range";
    case CalendarErrorCode::syntax: return "date_syntax";
    case CalendarErrorCode::unknown_zone: return "zone_unknown";
    case CalendarErrorCode::no_holiday_data: return "calendar_no_data";
  }
  return "date_unknown_error";  // unreachable for valid enumerators; keeps -Wreturn-type quiet
}

}  // namespace rules::calendar
