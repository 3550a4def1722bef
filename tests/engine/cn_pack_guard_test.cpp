// The built-in CN pack never contradicts itself on one screen. Grids of situations (discharge dates
// across 2004-2027 with every evaluation month around them and each identity at enlistment;
// every lookup target and the facts that confirm or rule out a cause, around the registration and
// issue dates) are evaluated, and a screen fails when it:
//   - states a consequence (退学, 放弃入学资格) while the retention still runs, or misses it after;
//   - shows a re-enrolment window outside the retention, or before the discharge;
//   - gives dates where it says no national rule gives any;
//   - calls a lookup normal (属正常) while a confirmed cause says no record can exist.
// Also: every rule of the pack is checked by at least three of its own [[tests]] cases.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "builtin_pack.h"
#include "engine/engine.h"
#include "engine/pack_tests.h"
#include "explain/render.h"
#include "model/format.h"
#include "model/value_parse.h"

namespace rules::engine {
namespace {

using calendar::Date;
using model::Kind;
using model::State;
using model::Value;

Date date(const char* iso) { return *calendar::parse_date(iso); }

// Under the sanitizers (Debug, ASan + UBSan: some 25 times slower) the grids are walked with a
// stride, so that the memory checks still see every kind of screen; Release walks them whole.
#if defined(__SANITIZE_ADDRESS__)
constexpr int kStride = 5;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr int kStride = 5;
#else
constexpr int kStride = 1;
#endif
#else
constexpr int kStride = 1;
#endif
Date ymd(int y, int m, int d) { return *calendar::make_date(y, m, d); }

class Guard : public ::testing::Test {
 protected:
  void SetUp() override { engine = load(""); }

  static std::unique_ptr<Engine> load(const std::string& params) {
    std::optional<loader::SourceFile> p;
    if (!params.empty()) p = loader::SourceFile{"school.toml", params};
    auto r = loader::load_pack(policy_packs::builtin_cn_higher_ed_files(), p);
    for (const auto& d : r.diagnostics) ADD_FAILURE() << source::format_diagnostic(d);
    return r.pack ? std::make_unique<Engine>(std::move(r.pack)) : nullptr;
  }

  static void set(const Engine& e, model::Situation& s, const std::string& fact, const std::string& text) {
    const auto fi = e.pack().find_fact(fact);
    ASSERT_TRUE(fi) << fact;
    Value v;
    std::string why;
    ASSERT_TRUE(model::parse_value(text, e.policy().facts[*fi].type, e.policy().enums, v, why)) << why;
    s.set(*fi, v);
  }

  static const Value& output(const Engine& e, const model::Outcome& out, const char* name) {
    return out.output(*e.pack().find_output(name));
  }

  /// Every known text output of the screen, filled in as a person reads it.
  static std::string screen_text(const Engine& e, const model::Outcome& out) {
    const explain::RenderContext ctx{e.policy(), e.pack().zone};
    std::string all;
    for (std::uint32_t i = 0; i < out.output_count; ++i) {
      const Value& v = out.output(i);
      if (v.known() && v.kind == Kind::text) all += explain::fill_template(ctx, out, v.str(), true) + "\n";
    }
    return all;
  }

  static bool says(const std::string& text, const char* words) { return text.find(words) != std::string::npos; }

  /// An output with no value that waits for no fact and did not fail must belong to a rule that
  /// does not apply: otherwise a screen shows a rule as applying with an empty answer (it read
  /// an output that does not apply), and the JSON has a null that is neither unknown nor an error.
  static void expect_no_silent_nulls(const Engine& e, const model::Outcome& out, const std::string& where) {
    for (std::uint32_t i = 0; i < out.output_count; ++i) {
      const Value& v = out.output(i);
      if (v.state != State::unknown || v.missing.any()) continue;
      const Value& applies = out.rules[out.output_sources[i].rule].applies;
      EXPECT_FALSE(applies.known() && applies.boolean)
          << e.pack().outputs[i].name << " is empty while its rule applies: " << where;
    }
  }

  std::unique_ptr<Engine> engine;
};

/// Discharge dates: the 1st and 15th of every month of 2004-2027, the month ends around the intake
/// period, leap days, and the days around every version boundary.
std::vector<Date> discharge_dates() {
  std::vector<Date> ds;
  for (int y = 2004; y <= 2027; ++y) {
    for (int m = 1; m <= 12; ++m) {
      ds.push_back(ymd(y, m, 1));
      ds.push_back(ymd(y, m, 15));
    }
    ds.push_back(ymd(y, 8, 31));
    ds.push_back(ymd(y, 9, 30));
    if (calendar::is_leap_year(y)) ds.push_back(ymd(y, 2, 29));
  }
  for (const char* d : {"2005-08-31", "2005-09-02", "2011-10-28", "2011-10-29", "2011-10-30", "2017-08-31", "2017-09-02"})
    ds.push_back(date(d));
  return ds;
}

/// Evaluation dates: the 1st of every month from the year before the discharge to three years
/// after, and the days around the screen's own deadlines (filled in per case).
std::vector<Date> months_around(Date discharge) {
  std::vector<Date> as_of;
  const int y = discharge.year();
  for (int year = y - 1; year <= y + 3; ++year) {
    for (int m = 1; m <= 12; ++m) as_of.push_back(ymd(year, m, 1));
  }
  return as_of;
}

void add_days_around(std::vector<Date>& days, const Value& v) {
  if (!v.known() || v.kind != Kind::date) return;
  for (int k : {-1, 0, 1}) {
    if (const auto d = calendar::add_days(v.date, k)) days.push_back(*d);
  }
}

TEST_F(Guard, VeteransScreensNeverMixTheirStates) {
  ASSERT_NE(engine, nullptr);
  auto every_intake = load("every_intake_within_retention = true\n");
  auto rollover = load("deadline_rest_day_rollover = true\n");
  ASSERT_NE(every_intake, nullptr);
  ASSERT_NE(rollover, nullptr);
  const Engine* engines[] = {engine.get(), every_intake.get(), rollover.get()};
  long screens = 0, with_consequence = 0, mid_state = 0, no_rule = 0;
  model::Outcome out;
  const auto discharges = discharge_dates();
  for (const Engine* e : engines) {
    for (std::size_t d = 0; d < discharges.size(); d += kStride) {
      const Date discharge = discharges[d];
      for (const char* identity : {"", "new_student", "enrolled_student"}) {
        auto s = e->new_situation();
        set(*e, s, "discharge_date", calendar::format_date(discharge));
        if (*identity) set(*e, s, "enlisted_as", identity);
        // The boundaries of this case's own dates, found with a first evaluation.
        e->evaluate(s, discharge, out);
        auto days = months_around(discharge);
        add_days_around(days, output(*e, out, "reenroll_deadline"));
        add_days_around(days, output(*e, out, "retention_until"));
        for (const Date as_of : days) {
          e->evaluate(s, as_of, out);
          ++screens;
          const std::string where = calendar::format_date(discharge) + " " + identity + " as of " + calendar::format_date(as_of);
          const Value& until = output(*e, out, "retention_until");
          const Value& period = output(*e, out, "retention_period");
          const Value& windows = output(*e, out, "reenroll_windows");
          const Value& state = output(*e, out, "reenrolment_state");
          const Value& consequence = output(*e, out, "missed_deadline_consequence");
          const std::string text = screen_text(*e, out);
          expect_no_silent_nulls(*e, out, where);
          const bool states_consequence = says(text, "退学") || says(text, "放弃入学资格") || consequence.known();
          if (output(*e, out, "retention_not_computed").known()) {
            ++no_rule;
            EXPECT_FALSE(until.known() || windows.known() || state.known()) << "dates where no rule gives any: " << where;
            EXPECT_FALSE(states_consequence) << where;
            continue;
          }
          if (until.state == State::error) continue;  // a roll-over beyond the holiday data
          if (!until.known()) {
            EXPECT_FALSE(states_consequence) << "a consequence without a retention: " << where;
            continue;
          }
          // The retention runs to the (rolled) last day shown on the screen.
          if (as_of <= until.date) {
            EXPECT_FALSE(states_consequence) << "a consequence while the retention runs: " << where << "\n" << text;
            if (state.known() && state.enum_index == 2) ++mid_state;
          } else if (state.known()) {
            ++with_consequence;
            EXPECT_EQ(model::format_value(state, {e->policy().enums, out.list_arena, false}), "retention_ended") << where;
            EXPECT_EQ(consequence.known(), *identity != '\0') << where;
          }
          ASSERT_TRUE(period.known()) << where;
          const auto last = calendar::add_period(discharge, period.period);
          ASSERT_TRUE(last) << where;
          if (!windows.known()) continue;
          ASSERT_GT(windows.list.count, 0u) << where;
          Date previous_end = ymd(1, 1, 1);
          for (std::uint32_t k = 0; k < windows.list.count; ++k) {
            const auto& w = out.list_arena[windows.list.offset + k].window;
            EXPECT_GE(w.start, discharge) << "a window before the discharge: " << where;
            EXPECT_LE(w.end, last->date) << "a window past the retention: " << where;
            EXPECT_LE(w.start, w.end) << where;
            EXPECT_LT(previous_end, w.start) << "windows out of order: " << where;
            previous_end = w.end;
          }
          const Value& deadline = output(*e, out, "reenroll_deadline");
          if (deadline.known()) {
            EXPECT_LE(deadline.date, until.date) << where;
          }
        }
      }
    }
  }
  // The grid reaches every state (including the third, where the consequence must stay unsaid).
  EXPECT_GT(screens, 100000 / kStride);
  EXPECT_GT(with_consequence, 1000 / kStride);
  EXPECT_GT(mid_state, 1000 / kStride);
  EXPECT_GT(no_rule, 1000 / kStride);
}

TEST_F(Guard, NothingIsCalledNormalWhereNoRecordCanExist) {
  ASSERT_NE(engine, nullptr);
  auto vouching_for_none = load("all_programmes_state_recognised = false\n");
  ASSERT_NE(vouching_for_none, nullptr);
  const Engine* engines[] = {engine.get(), vouching_for_none.get()};
  const char* admissions[] = {"2006-07-20", "2007-07-20", "2026-07-20", "2026-09-15", "2026-05-31"};
  const char* issues[] = {"2000-12-31", "2001-01-01", "2025-06-30", "2027-06-30"};
  const char* three[] = {"", "true", "false"};
  long screens = 0, excluded = 0, combination = 0;
  model::Outcome out;
  for (const Engine* e : engines) {
    for (const char* target : {"", "xueji", "xueli"}) {
      for (const char* admission : admissions) {
        for (const char* issue : issues) {
          for (const char* accredited : three) {
            for (const char* national : three) {
              for (const char* account : three) {
                for (const char* before : three) {
                  if (++combination % kStride != 0) continue;
                  auto s = e->new_situation();
                  if (*target) set(*e, s, "lookup_target", target);
                  set(*e, s, "admission_date", admission);
                  set(*e, s, "certificate_issue_date", issue);
                  set(*e, s, "spring_intake", "false");
                  if (*accredited) set(*e, s, "programme_accredited", accredited);
                  if (*national) set(*e, s, "admitted_under_national_plan", national);
                  if (*account) set(*e, s, "account_details_correct", account);
                  if (*before) set(*e, s, "previously_queryable", before);
                  // Around the registration window and the issue date, and a month on each side.
                  std::vector<Date> days;
                  e->evaluate(s, date(admission), out);
                  add_days_around(days, output(*e, out, "registration_window_start"));
                  add_days_around(days, output(*e, out, "registration_window_end"));
                  for (const Date d : {date(admission), date(issue)}) {
                    for (int k : {-31, -1, 0, 1, 31}) {
                      if (const auto x = calendar::add_days(d, k)) days.push_back(*x);
                    }
                  }
                  for (const Date as_of : days) {
                    e->evaluate(s, as_of, out);
                    ++screens;
                    const std::string text = screen_text(*e, out);
                    const std::string where = std::string(target) + " admitted " + admission + " issued " + issue +
                                              " accredited=" + accredited + " national=" + national + " account=" +
                                              account + " before=" + before + " as of " + calendar::format_date(as_of);
                    expect_no_silent_nulls(*e, out, where);
                    const bool no_record_at_all = std::string(accredited) == "false" || std::string(national) == "false";
                    const bool no_xueji = std::string(admission) < "2007";
                    const bool no_xueli = std::string(issue) < "2001";
                    const Value& causes = output(*e, out, "record_lookup_causes");
                    const std::string list =
                        causes.known() ? model::format_value(causes, {e->policy().enums, out.list_arena, false}) : "";
                    if (no_record_at_all || (no_xueji && std::string(target) == "xueji") ||
                        (no_xueli && std::string(target) == "xueli")) {
                      ++excluded;
                      EXPECT_FALSE(says(list, "registration_pending")) << where << ": " << list;
                    }
                    if (no_record_at_all) {
                      EXPECT_FALSE(says(text, "属正常")) << where << "\n" << text;
                      const Value& queryable = output(*e, out, "degree_queryable_now");
                      EXPECT_FALSE(queryable.known() && queryable.boolean) << where;
                    }
                    if (std::string(before) == "true") {
                      EXPECT_FALSE(says(list, "registration_pending")) << where << ": " << list;
                      // "Found before" is about the record asked for: the 学籍 guidance takes it
                      // unless the 学历 is the one asked for.
                      const Value& q1 = output(*e, out, "xueji_query_guidance");
                      if (q1.known() && std::string(target) != "xueli") {
                        const explain::RenderContext ctx{e->policy(), e->pack().zone};
                        EXPECT_FALSE(says(explain::fill_template(ctx, out, q1.str(), true), "属正常")) << where;
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }
  EXPECT_GT(screens, 50000 / kStride);
  EXPECT_GT(excluded, 10000 / kStride);
}

TEST_F(Guard, EveryRuleIsCheckedByAtLeastThreeOfThePacksCases) {
  ASSERT_NE(engine, nullptr);
  const auto results = run_pack_tests(*engine, date("2026-01-01"));
  std::vector<int> cases(engine->policy().rules.size(), 0);
  for (const auto& r : results) {
    EXPECT_TRUE(r.failures.empty()) << r.name;
    for (const auto rule : r.rules) ++cases[rule];
  }
  for (std::size_t i = 0; i < cases.size(); ++i) {
    EXPECT_GE(cases[i], 3) << engine->policy().rules[i].id;
  }
}

}  // namespace
}  // namespace rules::engine
