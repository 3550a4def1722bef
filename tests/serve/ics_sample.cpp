// Prints a calendar made by serve/ics.h for tests/serve/ics_roundtrip.py, which parses it with
// an independent iCalendar reader (python3-icalendar) and checks what it reads against the
// values below. Change both together.

#include <cstdio>
#include <string_view>
#include <vector>

#include "ics.h"

namespace {

namespace cal = rules::calendar;

cal::Date D(std::string_view text) { return *cal::parse_date(text); }

}  // namespace

int main() {
  const std::vector<policy_serve::CalendarEvent> events = {
      // A deadline with a long description: Chinese, ASCII commas, semicolons, a backslash and
      // newlines, folded over several lines.
      {"sample-1-return_deadline@policy", D("2026-09-30"), D("2026-09-30"),
       "复学最后办理日：学校规定的最后办理日",
       "最后办理日为2026年9月30日，截止于当日24:00（北京时间）。\n"
       "请携带：退役证、身份证; 原学籍材料,缺一不可\n"
       "办理地点：学生处学籍科（行政楼201），电话：010-12345678\n"
       "依据：《普通高等学校学生管理规定》第三十条；材料目录 C:\\学籍\\复学",
       7},
      // A window of 15 days, a reminder 3 days before its last day.
      {"sample-1-intake_window@policy", D("2026-09-01"), D("2026-09-15"), "新生报到期",
       "报到时间：9月1日至9月15日,逾期未报到且无正当理由者，视为放弃入学资格。", 3},
      // A reminder on the day itself; a CRLF inside the text is one newline.
      {"sample-1-degree_queryable@policy", D("2026-07-31"), D("2026-07-31"), "学历可查询日",
       "第一行\r\n第二行", 0},
  };
  const auto stamp = cal::parse_instant("2025-06-30T08:00:00+08:00");
  const policy_serve::IcsResult r =
      policy_serve::write_ics(events, "-//policy-engine//policy serve 0.1.0//ZH", *stamp);
  if (!r.ok()) {
    std::fprintf(stderr, "ics_sample: %s\n", r.error().message.c_str());
    return 1;
  }
  std::fwrite(r.text().data(), 1, r.text().size(), stdout);
  return 0;
}
