#include "calendar/period.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

namespace rules::calendar {
namespace {

Date D(std::string_view text) {
  auto d = parse_date(text);
  EXPECT_TRUE(d.ok()) << text;
  return d ? *d : Date{};
}

Period P(std::string_view text) {
  auto p = parse_period(text);
  EXPECT_TRUE(p.ok()) << text << ": " << (p ? "" : p.error().message);
  return p ? *p : Period{};
}

std::string add(std::string_view anchor, std::string_view period) {
  const auto r = add_period(D(anchor), P(period));
  return r ? format_date(r->date) : std::string("error:") + code_name(r.error().code);
}

std::string sub(std::string_view anchor, std::string_view period) {
  const auto r = subtract_period(D(anchor), P(period));
  return r ? format_date(r->date) : std::string("error:") + code_name(r.error().code);
}

TEST(ParsePeriod, Components) {
  const auto p = P("P1Y6M");
  EXPECT_EQ(p.years, 1);
  EXPECT_EQ(p.months, 6);
  EXPECT_EQ(p.days, 0);
  EXPECT_EQ(p.total_months(), 18);
  EXPECT_EQ(P("P2Y").years, 2);
  EXPECT_EQ(P("P1M").months, 1);
  EXPECT_EQ(P("P15D").days, 15);
  EXPECT_EQ(P("P2W").days, 14);
  const auto all = P("P1Y2M3W4D");
  EXPECT_EQ(all.years, 1);
  EXPECT_EQ(all.months, 2);
  EXPECT_EQ(all.days, 25);
  EXPECT_EQ(P("P0D"), Period{});
  EXPECT_EQ(P("P01M").months, 1);
  EXPECT_EQ(P("P1000000Y").years, 1000000);
  EXPECT_EQ(P("P142857W").days, 999999);
  EXPECT_EQ(P("P142857W1D").days, 1000000);
}

TEST(ParsePeriod, LowercaseAccepted) {
  EXPECT_EQ(P("p1y6m"), P("P1Y6M"));
  EXPECT_EQ(P("P2w"), P("P14D"));
  EXPECT_EQ(P("p15d").days, 15);
}

TEST(ParsePeriod, SyntaxErrors) {
  for (const char* s : {"", "P", "p", "PT1H", "PT0S", "P1DT1H", "P1.5Y", "P1,5Y", "P0.5D", "P-1D", "P+1D", "-P1D",
                        "P1D1M", "P1M1Y", "P1Y1Y", "P1D1W", "1Y", "P1", "PY", "P1H", "P1S", " P1D", "P1D ",
                        "P1Y-2M", "P1 D", "Q1D", "P1X"}) {
    const auto r = parse_period(s);
    ASSERT_FALSE(r.ok()) << "'" << s << "'";
    EXPECT_EQ(r.error().code, CalendarErrorCode::syntax) << s;
    EXPECT_NE(r.error().message.find(std::string("'") + s + "'"), std::string::npos) << r.error().message;
  }
}

TEST(ParsePeriod, ComponentLimit) {
  for (const char* s : {"P1000001Y", "P1000001M", "P1000001W", "P1000001D", "P99999999999999999999999D",
                        "P1Y99999999999M"}) {
    const auto r = parse_period(s);
    ASSERT_FALSE(r.ok()) << s;
    EXPECT_EQ(r.error().code, CalendarErrorCode::out_of_range) << s;
  }
  // A syntax error anywhere wins over a large number.
  EXPECT_EQ(parse_period("P9999999Y1.5M").error().code, CalendarErrorCode::syntax);
}

// Issue 14, failure 7: P1000000W printed as P7000000D, which the parser refused. Weeks and days
// together are held to the bound of one component, so whatever parses prints back.
TEST(ParsePeriod, WeeksAndDaysTogetherAreBounded) {
  for (const char* s : {"P1000000W", "P142858W", "P142857W2D", "P1W999994D", "P1Y1000000W"}) {
    const auto r = parse_period(s);
    ASSERT_FALSE(r.ok()) << s;
    EXPECT_EQ(r.error().code, CalendarErrorCode::out_of_range) << s;
    EXPECT_EQ(r.error().message, std::string("'") + s + "' is out of range: weeks and days together are at most 1000000 days");
  }
  EXPECT_EQ(format_period(P("P1W999993D")), "P1000000D");
}

// A printed period reads back as the same components (property over a grid of every
// component's edges and a pseudo-random sample up to the bounds).
TEST(FormatPeriod, EveryPrintedPeriodParsesBack) {
  std::vector<std::string> texts;
  const std::int64_t edges[] = {0, 1, 7, 12, 99, 142857, 999999, 1000000};
  for (auto y : edges) {
    for (auto m : edges) {
      for (auto w : {0, 1, 142857}) {
        for (auto d : edges) {
          std::string t = "P";
          if (y) t += std::to_string(y) + "Y";
          if (m) t += std::to_string(m) + "M";
          if (w) t += std::to_string(w) + "W";
          if (d || t == "P") t += std::to_string(d) + "D";
          texts.push_back(t);
        }
      }
    }
  }
  std::uint64_t x = 0x9E3779B97F4A7C15u;  // xorshift64: reproducible
  for (int i = 0; i < 20000; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    texts.push_back("P" + std::to_string(x % 1000001) + "Y" + std::to_string((x >> 20) % 1000001) + "M" +
                    std::to_string((x >> 40) % 150000) + "W" + std::to_string((x >> 8) % 1000001) + "D");
  }
  int parsed = 0;
  for (const auto& t : texts) {
    const auto p = parse_period(t);
    if (!p) {
      EXPECT_EQ(p.error().code, CalendarErrorCode::out_of_range) << t;
      continue;
    }
    ++parsed;
    const std::string printed = format_period(*p);
    const auto back = parse_period(printed);
    ASSERT_TRUE(back.ok()) << t << " printed as " << printed << ": " << back.error().message;
    EXPECT_EQ(back->years, p->years) << t;
    EXPECT_EQ(back->months, p->months) << t;
    EXPECT_EQ(back->days, p->days) << t;
    EXPECT_EQ(format_period(*back), printed) << t;
  }
  EXPECT_GT(parsed, 5000);  // the sample is not all out of range
}

TEST(FormatPeriod, Canonical) {
  EXPECT_EQ(format_period(P("P2Y")), "P2Y");
  EXPECT_EQ(format_period(P("P1Y6M")), "P1Y6M");
  EXPECT_EQ(format_period(P("P15D")), "P15D");
  EXPECT_EQ(format_period(Period{}), "P0D");
  EXPECT_EQ(format_period(P("P0Y0M0D")), "P0D");
  EXPECT_EQ(format_period(P("P2W")), "P14D");
  EXPECT_EQ(format_period(P("P12M")), "P12M");  // kept as written
  EXPECT_EQ(format_period(P("p1y0m2d")), "P1Y2D");
  EXPECT_EQ(format_period(P("P1Y2M3W4D")), "P1Y2M25D");
  for (const char* s : {"P1Y", "P6M", "P1D", "P1Y6M", "P1M15D", "P3Y2M1D", "P1000000Y"}) {
    EXPECT_EQ(format_period(P(s)), s);
  }
}

TEST(Period, EqualityUsesTotalMonths) {
  EXPECT_EQ(P("P12M"), P("P1Y"));
  EXPECT_EQ(P("P18M"), P("P1Y6M"));
  EXPECT_EQ(P("P2W"), P("P14D"));
  EXPECT_NE(P("P1Y"), P("P365D"));
  EXPECT_NE(P("P1M"), P("P30D"));
}

TEST(AddPeriod, HeaderExamples) {
  EXPECT_EQ(add("2024-02-29", "P2Y"), "2026-02-28");
  EXPECT_EQ(add("2024-01-31", "P1M"), "2024-02-29");
  EXPECT_EQ(add("2022-02-28", "P2Y"), "2024-02-28");
  EXPECT_EQ(add("2024-04-30", "P1M"), "2024-05-30");
  EXPECT_EQ(sub("2024-03-31", "P1M"), "2024-02-29");
}

TEST(AddPeriod, Rules) {
  auto r = add_period(D("2024-02-29"), P("P2Y"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->rule, MonthEndRule::last_day_of_month);
  r = add_period(D("2024-02-29"), P("P4Y"));
  EXPECT_EQ(r->rule, MonthEndRule::corresponding_day);
  r = add_period(D("2024-01-15"), P("P1M"));
  EXPECT_EQ(r->rule, MonthEndRule::corresponding_day);
  r = add_period(D("2024-01-31"), P("P15D"));
  EXPECT_EQ(r->rule, MonthEndRule::corresponding_day);  // no month step at all
  r = subtract_period(D("2024-03-31"), P("P1M"));
  EXPECT_EQ(r->rule, MonthEndRule::last_day_of_month);
}

TEST(AddPeriod, OneStepNeverChained) {
  EXPECT_EQ(add("2024-01-31", "P2M"), "2024-03-31");   // not 2024-02-29 then 2024-03-29
  EXPECT_EQ(add("2023-08-31", "P1Y6M"), "2025-02-28");
  EXPECT_EQ(add("2023-08-31", "P18M"), "2025-02-28");
  EXPECT_EQ(add("2024-01-31", "P1M1D"), "2024-03-01");  // months first, then days
  EXPECT_EQ(sub("2024-03-31", "P1M1D"), "2024-02-28");
  EXPECT_EQ(add("2024-02-29", "P1M"), "2024-03-29");
}

TEST(AddPeriod, OutOfRange) {
  EXPECT_EQ(add("9999-12-31", "P1D"), "error:date_out_of_range");
  EXPECT_EQ(add("9999-12-01", "P1M"), "error:date_out_of_range");
  EXPECT_EQ(add("9999-06-30", "P1Y"), "error:date_out_of_range");
  EXPECT_EQ(sub("0001-01-01", "P1D"), "error:date_out_of_range");
  EXPECT_EQ(sub("0001-01-31", "P1M"), "error:date_out_of_range");
  EXPECT_EQ(add("2024-01-01", "P1000000Y"), "error:date_out_of_range");
  EXPECT_EQ(sub("2024-01-01", "P1000000Y"), "error:date_out_of_range");
  EXPECT_EQ(add("9999-11-30", "P1M"), "9999-12-30");
  EXPECT_EQ(add("0001-01-01", "P9998Y11M30D"), "9999-12-31");
  EXPECT_EQ(sub("9999-12-31", "P9998Y11M30D"), "0001-01-01");
  const auto r = add_period(D("9999-12-31"), P("P1D"));
  EXPECT_NE(r.error().message.find("9999-12-31 + P1D"), std::string::npos) << r.error().message;
}

TEST(AddPeriod, HugeComponentsDoNotOverflow) {
  constexpr auto kMax = std::numeric_limits<std::int32_t>::max();
  for (const Period& p : {Period{kMax, kMax, kMax}, Period{kMax, 0, 0}, Period{0, kMax, 0}, Period{0, 0, kMax}}) {
    for (Date d : {min_date(), D("2024-06-15"), max_date()}) {
      const auto a = add_period(d, p);
      ASSERT_FALSE(a.ok());
      EXPECT_EQ(a.error().code, CalendarErrorCode::out_of_range);
      const auto s = subtract_period(d, p);
      ASSERT_FALSE(s.ok());
      EXPECT_EQ(s.error().code, CalendarErrorCode::out_of_range);
    }
  }
}

TEST(ExplainPeriodStep, Notes) {
  const auto explain = [](std::string_view anchor, std::string_view period, bool forward) {
    const Date a = D(anchor);
    const Period p = P(period);
    const auto r = forward ? add_period(a, p) : subtract_period(a, p);
    EXPECT_TRUE(r.ok());
    return r ? explain_period_step(a, p, *r, source::Lang::en) : std::string();
  };
  const auto explain_zh = [](std::string_view anchor, std::string_view period, bool forward) {
    const Date a = D(anchor);
    const Period p = P(period);
    const auto r = forward ? add_period(a, p) : subtract_period(a, p);
    EXPECT_TRUE(r.ok());
    return r ? explain_period_step(a, p, *r, source::Lang::zh) : std::string();
  };
  EXPECT_EQ(explain("2024-02-29", "P2Y", true), "Civil Code Art. 202: no 29 February in 2026, last day of the month");
  EXPECT_EQ(explain("2024-01-15", "P1M", true), "Civil Code Art. 202: corresponding day 15");
  EXPECT_EQ(explain("2024-08-31", "P1M", true), "Civil Code Art. 202: no 31 September in 2024, last day of the month");
  EXPECT_EQ(explain("2024-03-31", "P1M", false), "Civil Code Art. 202: no 31 February in 2024, last day of the month");
  EXPECT_EQ(explain("2024-01-31", "P1M1D", true),
            "Civil Code Art. 202: no 31 February in 2024, last day of the month, then 1 day");
  EXPECT_EQ(explain("2024-03-31", "P1M1D", false),
            "Civil Code Art. 202: no 31 February in 2024, last day of the month, then 1 day");
  EXPECT_EQ(explain("2025-09-01", "P4Y15D", true), "Civil Code Art. 202: corresponding day 1, then 15 days");
  // Days counted forward follow Art. 201 (the first day not counted); backward, no article.
  EXPECT_EQ(explain("2024-12-20", "P15D", true), "15 days, Civil Code Art. 201");
  EXPECT_EQ(explain("2024-12-20", "P1D", true), "1 day, Civil Code Art. 201");
  EXPECT_EQ(explain("2024-12-20", "P2W", false), "14 days");
  // The same facts in Chinese, by article number.
  EXPECT_EQ(explain_zh("2024-02-29", "P2Y", true), "民法典第二百零二条：2026年2月没有29日，以月末日为期间的最后一日");
  EXPECT_EQ(explain_zh("2024-01-15", "P1M", true), "民法典第二百零二条：到期月的对应日15日");
  EXPECT_EQ(explain_zh("2024-03-31", "P1M1D", false), "民法典第二百零二条：2024年2月没有31日，以月末日为期间的最后一日，再计1日");
  EXPECT_EQ(explain_zh("2025-09-01", "P4Y15D", true), "民法典第二百零二条：到期月的对应日1日，再计15日");
  EXPECT_EQ(explain_zh("2024-12-20", "P15D", true), "15日，民法典第二百零一条：开始的当日不计入");
  EXPECT_EQ(explain_zh("2024-12-20", "P2W", false), "14日");
}

}  // namespace
}  // namespace rules::calendar
