// The engine on the built-in CN pack: pack tests, unknown facts, versions, order independence,
// explanations, and allocation-free evaluation.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <new>

#include "builtin_pack.h"
#include "engine/engine.h"
#include "engine/pack_tests.h"
#include "explain/render.h"
#include "model/format.h"
#include "model/value_parse.h"

// Counts heap allocations so a test can prove the evaluation hot path makes none.
namespace {
std::atomic<long> g_allocations{0};
}  // namespace
// Every replaceable allocation function takes its memory from malloc (so free is the matching
// release, including for the nothrow forms std::stable_sort's buffer uses). GCC cannot see that
// through the replacement and warns (-Wmismatched-new-delete) at -O2.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
namespace {
void* counted_malloc(std::size_t n) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n == 0 ? 1 : n);
}
}  // namespace
void* operator new(std::size_t n) {
  if (void* p = counted_malloc(n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  if (void* p = counted_malloc(n)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return counted_malloc(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return counted_malloc(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace rules::engine {
namespace {

std::vector<loader::SourceFile> builtin_files() { return policy_packs::builtin_cn_higher_ed_files(); }

std::unique_ptr<Engine> load(std::vector<loader::SourceFile> files, const std::optional<loader::SourceFile>& params = {}) {
  auto r = loader::load_pack(files, params);
  for (const auto& d : r.diagnostics) ADD_FAILURE() << source::format_diagnostic(d);
  return r.pack ? std::make_unique<Engine>(std::move(r.pack)) : nullptr;
}

calendar::Date date(const char* iso) { return *calendar::parse_date(iso); }

class CnPack : public ::testing::Test {
 protected:
  void SetUp() override {
    engine = load(builtin_files());
    ASSERT_NE(engine, nullptr);
  }

  void set(model::Situation& s, const std::string& fact, const std::string& text) {
    const auto fi = engine->pack().find_fact(fact);
    ASSERT_TRUE(fi) << fact;
    model::Value v;
    std::string why;
    ASSERT_TRUE(model::parse_value(text, engine->policy().facts[*fi].type, engine->policy().enums, v, why)) << why;
    s.set(*fi, v);
  }

  const model::Value& output(const std::string& name) { return out.output(*engine->pack().find_output(name)); }

  std::string text(const std::string& name) {
    const auto& v = output(name);
    if (v.state == model::State::error) return "error:" + out.errors[v.error_index].code;
    return model::format_value(v, {engine->policy().enums, out.list_arena, false});
  }

  std::unique_ptr<Engine> engine;
  model::Outcome out;
};

TEST_F(CnPack, PackOwnTestsPass) {
  const auto results = run_pack_tests(*engine, date("2026-01-01"));
  EXPECT_GE(results.size(), 9u);
  for (const auto& r : results) {
    for (const auto& f : r.failures) ADD_FAILURE() << r.name << ": " << f;
  }
}

TEST_F(CnPack, ReturningVeteran) {
  auto s = engine->new_situation();
  set(s, "discharge_date", "2025-06-15");
  set(s, "enlisted_as", "enrolled_student");
  engine->evaluate(s, date("2025-12-01"), out);
  EXPECT_EQ(text("retention_until"), "2027-06-15");
  EXPECT_EQ(text("reenroll_deadline"), "2026-09-30");
  EXPECT_EQ(text("reenroll_windows"), "[[2025-09-01 .. 2025-09-30], [2026-09-01 .. 2026-09-30]]");
}

TEST_F(CnPack, MissingFactGivesUnknownWithTheFactNeeded) {
  auto s = engine->new_situation();
  set(s, "certificate_issue_date", "2025-06-30");
  engine->evaluate(s, date("2025-07-01"), out);
  EXPECT_EQ(text("degree_visible_from"), "2025-06-30T00:00:00+08:00");
  const auto& r = output("retention_until");
  ASSERT_EQ(r.state, model::State::unknown);
  const auto discharge = *engine->pack().find_fact("discharge_date");
  EXPECT_TRUE(r.missing.test(discharge));
  EXPECT_EQ(r.missing.count(), 1u);
  // The guidance text waits for the deadline it quotes.
  EXPECT_EQ(output("reenrolment_guidance").state, model::State::unknown);
  EXPECT_TRUE(output("reenrolment_guidance").missing.test(discharge));
}

TEST_F(CnPack, VersionChosenByDischargeDate) {
  auto s = engine->new_situation();
  set(s, "enlisted_as", "enrolled_student");
  const auto rule_of = [&](const char* output) {
    return engine->policy().rules[out.output_sources[*engine->pack().find_output(output)].rule].id;
  };
  set(s, "discharge_date", "2011-10-28");  // order 21, the day before the statute
  engine->evaluate(s, date("2012-01-01"), out);
  EXPECT_EQ(text("retention_until"), "2012-10-28");
  EXPECT_EQ(rule_of("retention_until"), "veteran_retention_order_21");
  set(s, "discharge_date", "2011-10-29");  // the Military Service Law's two years
  engine->evaluate(s, date("2012-01-01"), out);
  EXPECT_EQ(text("retention_until"), "2013-10-29");
  EXPECT_EQ(rule_of("retention_until"), "veteran_retention_military_service_law");
  set(s, "discharge_date", "2017-09-01");  // order 41
  engine->evaluate(s, date("2018-01-01"), out);
  EXPECT_EQ(text("retention_until"), "2019-09-01");
  EXPECT_EQ(rule_of("retention_until"), "veteran_retention_order_41");
  // Before order 21 no national rule gives a period: no date and no error, a statement instead.
  set(s, "discharge_date", "2004-05-01");
  engine->evaluate(s, date("2018-01-01"), out);
  EXPECT_EQ(output("retention_until").state, model::State::unknown);
  EXPECT_TRUE(output("retention_until").missing.none());
  EXPECT_TRUE(output("retention_not_computed").known());
}

TEST_F(CnPack, RegistrationStatusAsOf) {
  auto s = engine->new_situation();
  set(s, "admission_date", "2026-07-20");
  const std::pair<const char*, const char*> cases[] = {
      {"2026-08-31", "upcoming"}, {"2026-09-01", "open"}, {"2026-10-31", "open"}, {"2026-11-01", "closed"}};
  for (const auto& [as_of, status] : cases) {
    engine->evaluate(s, date(as_of), out);
    EXPECT_EQ(text("registration_status"), status) << as_of;
  }
}

TEST_F(CnPack, ExplanationShowsTheCivilCodeStep) {
  auto s = engine->new_situation();
  set(s, "discharge_date", "2024-02-29");
  engine->evaluate(s, date("2025-01-01"), out, EvalOptions::explaining(true));
  const auto rule = out.output_sources[*engine->pack().find_output("retention_until")].rule;
  EXPECT_EQ(engine->policy().rules[rule].id, "veteran_retention_order_41");
  bool found = false;
  for (const auto& step : out.rules[rule].explanation) {
    if (step.text.find("2024-02-29 + P2Y -> 2026-02-28 (Civil Code Art. 202: no 29 February in 2026") != std::string::npos)
      found = true;
  }
  EXPECT_TRUE(found);
}

TEST_F(CnPack, ParametersCanBeOverridden) {
  auto e = load(builtin_files(), loader::SourceFile{"school.toml", "intake_end = \"09-20\"\n"});
  ASSERT_NE(e, nullptr);
  auto s = e->new_situation();
  const auto fi = *e->pack().find_fact("discharge_date");
  s.set(fi, model::Value::make_date(date("2025-06-15")));
  e->evaluate(s, date("2025-12-01"), out);
  EXPECT_EQ(model::format_value(out.output(*e->pack().find_output("reenroll_deadline")), {}), "2026-09-20");
}

TEST_F(CnPack, ResultsDoNotDependOnFileOrder) {
  auto files = builtin_files();
  std::reverse(files.begin(), files.end());
  auto reversed = load(files);
  ASSERT_NE(reversed, nullptr);
  const char* situations[][2] = {{"discharge_date", "2025-06-15"}, {"certificate_issue_date", "2000-12-31"},
                                 {"admission_date", "2026-07-01"}, {"discharge_date", "2016-02-29"}};
  model::Outcome other;
  for (const auto& [fact, value] : situations) {
    auto s1 = engine->new_situation();
    set(s1, fact, value);
    auto s2 = reversed->new_situation();
    const auto fi = *reversed->pack().find_fact(fact);
    model::Value v;
    std::string why;
    ASSERT_TRUE(model::parse_value(value, reversed->policy().facts[fi].type, reversed->policy().enums, v, why));
    s2.set(fi, v);
    engine->evaluate(s1, date("2026-09-15"), out);
    reversed->evaluate(s2, date("2026-09-15"), other);
    for (const auto& o : engine->pack().outputs) {
      const auto j = *reversed->pack().find_output(o.name);
      const auto a = model::format_value(out.output(*engine->pack().find_output(o.name)), {engine->policy().enums, out.list_arena, false});
      const auto b = model::format_value(other.output(j), {reversed->policy().enums, other.list_arena, false});
      EXPECT_EQ(a, b) << o.name << " for " << fact << "=" << value;
    }
  }
}

TEST_F(CnPack, OutcomeIsReusableWithoutStaleValues) {
  auto s = engine->new_situation();
  set(s, "discharge_date", "2025-06-15");
  engine->evaluate(s, date("2025-12-01"), out);
  ASSERT_TRUE(output("retention_until").known());
  engine->evaluate(engine->new_situation(), date("2025-12-01"), out);
  EXPECT_EQ(output("retention_until").state, model::State::unknown);
  EXPECT_EQ(output("reenroll_windows").state, model::State::unknown);
}

TEST_F(CnPack, EvaluationOrderOfASubsetHasItsDependenciesFirst) {
  const auto& pack = engine->pack();
  const auto state = *pack.find_output("reenrolment_state");
  const auto order = engine->evaluation_order(std::vector<std::uint32_t>{state});
  auto position = [&](const char* name) {
    const auto oi = *pack.find_output(name);
    return std::find(order.begin(), order.end(), oi) - order.begin();
  };
  const auto n = static_cast<std::ptrdiff_t>(order.size());
  // reenrolment_state reads reenroll_deadline, which reads the windows and the retention
  // period; guidance prose and the certificate outputs are not needed.
  EXPECT_EQ(order.back(), state);
  EXPECT_LT(position("reenroll_deadline"), position("reenrolment_state"));
  EXPECT_LT(position("reenroll_windows"), position("reenroll_deadline"));
  EXPECT_LT(position("retention_period"), position("reenroll_windows"));
  EXPECT_EQ(position("reenrolment_guidance"), n);
  EXPECT_EQ(position("degree_visible_from"), n);
  EXPECT_LT(order.size(), pack.order.size());
  // Everything is the whole order.
  std::vector<std::uint32_t> all(pack.outputs.size());
  for (std::uint32_t i = 0; i < all.size(); ++i) all[i] = i;
  EXPECT_EQ(engine->evaluation_order(all), pack.order);
}

TEST_F(CnPack, EvaluatingASubsetGivesTheSameValuesAsEvaluatingAll) {
  const auto& pack = engine->pack();
  std::vector<std::uint32_t> wanted;
  for (const char* name : {"reenrolment_state", "degree_queryable_now", "registration_status"}) {
    wanted.push_back(*pack.find_output(name));
  }
  const auto order = engine->evaluation_order(wanted);
  EvalOptions only;
  only.only = &order;
  for (const char* discharge : {"2025-06-15", "2017-08-31", "2004-05-01", ""}) {
    auto s = engine->new_situation();
    if (*discharge) set(s, "discharge_date", discharge);
    set(s, "certificate_issue_date", "2025-06-30");
    set(s, "admission_date", "2025-08-20");
    model::Outcome all;
    engine->evaluate(s, date("2026-10-01"), all);
    engine->evaluate(s, date("2026-10-01"), out, only);
    for (const auto oi : order) {
      const std::string name = pack.outputs[oi].name;
      const auto& a = all.output(oi);
      EXPECT_EQ(text(name), a.state == model::State::error
                                ? "error:" + all.errors[a.error_index].code
                                : model::format_value(a, {engine->policy().enums, all.list_arena, false}))
          << name << " with discharge " << discharge;
    }
    // Outputs outside the order are not computed.
    EXPECT_EQ(output("reenrolment_guidance").state, model::State::unknown);
    EXPECT_TRUE(output("reenrolment_guidance").missing.none());
  }
  EXPECT_EQ(text("registration_status"), "closed");
}

TEST_F(CnPack, FactsReadByAnOutputIncludeThoseOfTheOutputsItReads) {
  const auto& pack = engine->pack();
  auto names = [&](const char* output) {
    std::vector<std::string> facts;
    for (const auto f : engine->facts_read(*pack.find_output(output))) facts.push_back(engine->policy().facts[f].name);
    return facts;
  };
  EXPECT_EQ(names("retention_until"), (std::vector<std::string>{"discharge_date", "enlisted_as"}));
  EXPECT_EQ(names("degree_visible_from"), (std::vector<std::string>{"certificate_issue_date"}));
  // reenrolment_state reads reenroll_deadline, which reads the discharge date, and the
  // retention, whose order-21 version asks the identity at enlistment.
  EXPECT_EQ(names("reenrolment_state"), (std::vector<std::string>{"discharge_date", "enlisted_as"}));
}

TEST_F(CnPack, EvaluationDoesNotAllocateAfterWarmUp) {
  auto a = engine->new_situation();
  set(a, "discharge_date", "2025-06-15");
  set(a, "enlisted_as", "new_student");
  set(a, "certificate_issue_date", "2025-06-30");
  set(a, "admission_date", "2025-07-20");
  auto b = engine->new_situation();
  set(b, "discharge_date", "2024-02-29");
  set(b, "admission_date", "2024-08-01");
  engine->evaluate(a, date("2025-12-01"), out);  // warm-up: the outcome takes its capacity
  const long before = g_allocations.load();
  for (int i = 0; i < 100; ++i) {
    engine->evaluate(i % 2 ? a : b, date("2025-12-01"), out);
  }
  EXPECT_EQ(g_allocations.load() - before, 0);
  EXPECT_EQ(text("retention_until"), "2027-06-15");
}

TEST_F(CnPack, EvaluationWithAMemoDoesNotAllocate) {
  // Situations with new discharge dates add entries to the memo: its storage is reserved.
  std::vector<model::Situation> rows;
  for (int day = 1; day <= 28; ++day) {
    rows.push_back(engine->new_situation());
    set(rows.back(), "discharge_date", "2025-02-" + std::string(day < 10 ? "0" : "") + std::to_string(day));
  }
  Memo memo(engine->memo_plan());
  EvalOptions options;
  options.memo = &memo;
  engine->evaluate(rows[0], date("2025-12-01"), out, options);  // warm-up: the outcome takes its capacity
  const long before = g_allocations.load();
  for (int round = 0; round < 2; ++round) {
    for (const auto& s : rows) engine->evaluate(s, date("2025-12-01"), out, options);
  }
  EXPECT_EQ(g_allocations.load() - before, 0);
  EXPECT_EQ(text("retention_until"), "2027-02-28");
  EXPECT_GT(memo.hits(), 0u);
}

TEST_F(CnPack, JsonFollowsTheContract) {
  auto s = engine->new_situation();
  set(s, "certificate_issue_date", "2025-06-30");
  engine->evaluate(s, date("2025-07-01"), out, EvalOptions::explaining(true));
  const auto json = explain::render_json({engine->policy(), engine->pack().zone}, out, false);
  EXPECT_NE(json.find("\"as_of\":\"2025-07-01\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"degree_visible_from\":\"2025-06-30T00:00:00+08:00\""), std::string::npos);
  EXPECT_NE(json.find("\"retention_until\":null"), std::string::npos);
  EXPECT_NE(json.find("\"retention_until\":[\"discharge_date\"]"), std::string::npos);
  EXPECT_NE(json.find("\"policy\":{\"id\":\"cn-higher-ed\""), std::string::npos);
}

}  // namespace
}  // namespace rules::engine
