// Replays tests/data/date_cases.tsv through the calendar API. The expression forms are the subset
// of the `policy calc` language the table uses: DATE, DATE + PERIOD, DATE - PERIOD, DATE - DATE,
// start_of_day(DATE), end_of_day(DATE), the last two in the policy zone Asia/Shanghai.

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "calendar/date.h"
#include "calendar/instant.h"
#include "calendar/period.h"

namespace rules::calendar {
namespace {

struct Row {
  int line = 0;
  std::string expression;
  std::string expected;
  std::string why;
};

std::vector<std::string> split_tabs(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t tab = s.find('\t', start);
    out.push_back(s.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
    if (tab == std::string::npos) break;
    start = tab + 1;
  }
  return out;
}

std::vector<Row> load_rows() {
  const std::string path = std::string(POLICY_TEST_DATA_DIR) + "/date_cases.tsv";
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::vector<Row> rows;
  std::string line;
  bool header_seen = false;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    const auto cols = split_tabs(line);
    if (!header_seen) {
      EXPECT_EQ(line, "expression\texpected\twhy") << path << ":" << number << ": bad header";
      header_seen = true;
      continue;
    }
    EXPECT_EQ(cols.size(), 3u) << path << ":" << number << ": expected 3 tab-separated columns: " << line;
    if (cols.size() != 3) continue;
    EXPECT_FALSE(cols[2].empty()) << path << ":" << number << ": every row needs a why";
    rows.push_back(Row{number, cols[0], cols[1], cols[2]});
  }
  EXPECT_TRUE(header_seen) << path << ": no header line";
  return rows;
}

// The value as text, or "error:<code_name>".
template <class T, class F>
std::string then(const Expected<T>& e, F f) {
  if (!e) return std::string("error:") + code_name(e.error().code);
  return f(*e);
}

std::string evaluate(const std::string& expr) {
  static const TimeZone zone = *TimeZone::locate("Asia/Shanghai");
  for (const std::string fn : {"start_of_day", "end_of_day"}) {
    if (expr.rfind(fn + "(", 0) == 0 && expr.back() == ')') {
      const std::string arg = expr.substr(fn.size() + 1, expr.size() - fn.size() - 2);
      return then(parse_date(arg), [&](Date d) {
        const auto i = fn == "start_of_day" ? zone.start_of_day(d) : zone.end_of_day(d);
        return then(i, [](const Instant& x) { return format_instant(x); });
      });
    }
  }
  for (const std::string op : {" + ", " - "}) {
    const std::size_t at = expr.find(op);
    if (at == std::string::npos) continue;
    const std::string lhs = expr.substr(0, at);
    const std::string rhs = expr.substr(at + op.size());
    return then(parse_date(lhs), [&](Date a) {
      if (rhs.empty() || (rhs[0] != 'P' && rhs[0] != 'p')) {
        if (op == " + ") return std::string("unsupported: DATE + DATE");
        return then(parse_date(rhs), [&](Date b) { return std::to_string(days_between(b, a)); });
      }
      return then(parse_period(rhs), [&](const Period& p) {
        const auto r = op == " + " ? add_period(a, p) : subtract_period(a, p);
        return then(r, [](const PeriodResult& x) { return format_date(x.date); });
      });
    });
  }
  return then(parse_date(expr), [](Date d) { return format_date(d); });
}

TEST(DateCases, TableHasAtLeast45Rows) {
  const auto rows = load_rows();
  ASSERT_GE(rows.size(), 45u) << "tests/data/date_cases.tsv must keep at least 45 cases";
}

TEST(DateCases, EveryRowEvaluatesToItsExpectedValue) {
  const auto rows = load_rows();
  ASSERT_GE(rows.size(), 45u);
  for (const auto& row : rows) {
    EXPECT_EQ(evaluate(row.expression), row.expected)
        << "date_cases.tsv:" << row.line << ": " << row.expression << "  (" << row.why << ")";
  }
}

TEST(DateCases, ErrorCodesAreKnownNames) {
  for (const auto& row : load_rows()) {
    if (row.expected.rfind("error:", 0) != 0) continue;
    const std::string code = row.expected.substr(6);
    EXPECT_TRUE(code == "date_invalid" || code == "date_out_of_range" || code == "date_syntax")
        << "date_cases.tsv:" << row.line << ": unknown code " << code;
  }
}

}  // namespace
}  // namespace rules::calendar
