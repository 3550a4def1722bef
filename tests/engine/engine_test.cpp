// The engine on the built-in CN pack: pack tests, unknown facts, versions, order independence,
// explanations, and allocation-free evaluation.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <new>
#include <random>

#include "builtin_pack.h"
#include "engine/engine.h"
#include "engine/pack_tests.h"
#include "explain/render.h"
#include "loader/load.h"
#include "loader/situation_reader.h"
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
  const auto enlisted = *engine->pack().find_fact("enlisted_as");
  // The discharge date chooses the version (asked first); the order-21 version also asks the
  // identity at enlistment, so that can still change the answer too.
  EXPECT_TRUE(r.missing.test(discharge));
  EXPECT_TRUE(r.missing.test(enlisted));
  EXPECT_EQ(r.missing.count(), 2u);
  EXPECT_EQ(model::first_to_ask(r), discharge);
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
  set(s, "discharge_date", "2017-09-01");  // order 41, before the Veterans Protection Law
  engine->evaluate(s, date("2018-01-01"), out);
  EXPECT_EQ(text("retention_until"), "2019-09-01");
  EXPECT_EQ(rule_of("retention_until"), "veteran_retention_order_41_early");
  set(s, "discharge_date", "2021-05-01");  // order 41, the Protection Law and the Conscription Regulations
  engine->evaluate(s, date("2022-01-01"), out);
  EXPECT_EQ(text("retention_until"), "2023-05-01");
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
  // The 学历 query time is not said where a confirmed fact means no record can exist.
  EXPECT_EQ(names("degree_visible_from"),
            (std::vector<std::string>{"programme_accredited", "admitted_under_national_plan", "certificate_issue_date"}));
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
  EXPECT_NE(json.find("\"retention_until\":[\"discharge_date\",\"enlisted_as\"]"), std::string::npos) << json;
  EXPECT_NE(json.find("\"policy\":{\"id\":\"cn-higher-ed\""), std::string::npos);
}

/// tests/packs/good/unknowns.toml: outputs behind undecided ifs, rules and versions, with facts
/// declared in an order other than the order to ask for them.
class UnknownsPack : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<source::Diagnostic> diags;
    auto files = loader::read_pack_files(std::string(POLICY_TEST_PACKS_DIR) + "/good/unknowns.toml", diags);
    ASSERT_TRUE(diags.empty());
    engine = load(files);
    ASSERT_NE(engine, nullptr);
  }

  /// Evaluates with `facts` ("name=value") given.
  void eval(std::initializer_list<const char*> facts, EvalOptions options = {}) {
    auto s = engine->new_situation();
    for (const char* f : facts) {
      std::vector<source::Diagnostic> diags;
      ASSERT_TRUE(loader::set_fact(engine->pack(), f, s, diags)) << f;
    }
    engine->evaluate(s, date("2025-06-20"), out, options);
  }

  /// The facts output `name` waits for, in the order to ask for them; "known", or
  /// "error:<code>", when it waits for none.
  std::vector<std::string> waits(const std::string& name) const {
    const auto& v = out.output(*engine->pack().find_output(name));
    if (v.state == model::State::error) return {"error:" + out.errors[v.error_index].code};
    if (v.known()) return {"known"};
    std::vector<std::string> facts;
    for (const auto f : model::ordered_missing(v)) facts.push_back(engine->policy().facts[f].name);
    return facts;
  }

  std::string json() const { return explain::render_json({engine->policy(), engine->pack().zone}, out, false); }
  std::string text(bool explain) const {
    return explain::render_text({engine->policy(), engine->pack().zone}, out, explain);
  }

  std::unique_ptr<Engine> engine;
  model::Outcome out;
};

using Facts = std::vector<std::string>;

TEST_F(UnknownsPack, OwnTestsPass) {
  const auto results = run_pack_tests(*engine, date("2026-01-01"));
  EXPECT_EQ(results.size(), 3u);
  for (const auto& r : results) {
    for (const auto& f : r.failures) ADD_FAILURE() << r.name << ": " << f;
  }
}

TEST_F(UnknownsPack, AnUndecidedIfListsEveryFactThatCanStillChangeTheOutput) {
  // The rule applies (curriculum completed), but which certificate depends on three facts:
  // withdrawn decides first, the others are asked after it, in declaration order.
  eval({"curriculum_completed=true"});
  EXPECT_EQ(waits("certificate"), (Facts{"withdrawn", "graduation_requirements_met", "within_study_period"}));
  // An output reading it waits for the same facts, asked in the same order.
  EXPECT_EQ(waits("certificate_note"), (Facts{"withdrawn", "graduation_requirements_met", "within_study_period"}));
  // Once withdrawn is known to be false, the next condition decides first.
  eval({"curriculum_completed=true", "withdrawn=false"});
  EXPECT_EQ(waits("certificate"), (Facts{"within_study_period", "graduation_requirements_met"}));
  eval({"curriculum_completed=true", "withdrawn=false", "within_study_period=true"});
  EXPECT_EQ(waits("certificate"), (Facts{"graduation_requirements_met"}));
  eval({"curriculum_completed=true", "withdrawn=true"});
  EXPECT_EQ(waits("certificate"), (Facts{"known"}));
}

TEST_F(UnknownsPack, AnUndecidedRuleListsWhatItsOutputsNeedToo) {
  // Nothing known: whether the rule applies waits for withdrawn (asked first: its `when` reads it
  // first), curriculum_completed and within_study_period; once it applies, the certificate waits
  // for graduation_requirements_met as well.
  eval({});
  EXPECT_EQ(waits("certificate"),
            (Facts{"withdrawn", "graduation_requirements_met", "within_study_period", "curriculum_completed"}));
  EXPECT_EQ(waits("certificate_note"),
            (Facts{"withdrawn", "graduation_requirements_met", "within_study_period", "curriculum_completed"}));
  // A rule whose `when` is one fact: its output's failing branch adds nothing, its other branch
  // the discharge date.
  EXPECT_EQ(waits("faulty_year"), (Facts{"withdrawn", "graduation_requirements_met", "discharge_date"}));
  eval({"graduation_requirements_met=true"});
  EXPECT_EQ(waits("faulty_year"), (Facts{"withdrawn"}));  // the expression fails: ignored while undecided
  eval({"graduation_requirements_met=false", "discharge_date=2020-01-01"});
  EXPECT_EQ(waits("faulty_year"), (Facts{"withdrawn"}));  // the expression is known: nothing to add
  eval({"graduation_requirements_met=true", "withdrawn=true"});
  EXPECT_EQ(waits("faulty_year"), (Facts{"error:date_invalid"}));
  eval({"withdrawn=false"});
  EXPECT_EQ(waits("faulty_year"), (Facts{}));  // does not apply: waits for nothing
  // A rule whose `when` reads it is then never decided: what its output reads adds nothing.
  EXPECT_EQ(waits("follow_up"), (Facts{}));
  eval({"withdrawn=true", "graduation_requirements_met=false"});
  EXPECT_EQ(waits("follow_up"), (Facts{"discharge_date", "within_study_period"}));
  eval({});
  EXPECT_EQ(waits("follow_up"),
            (Facts{"withdrawn", "graduation_requirements_met", "within_study_period", "discharge_date"}));
}

TEST_F(UnknownsPack, AnUnknownVersionDateListsWhatTheVersionsNeedToo) {
  // Which version applies waits for the discharge date (asked first); each version's own
  // expression waits for `extended`, and its roll-over condition for moves_to_workday.
  eval({});
  EXPECT_EQ(waits("kept_until"), (Facts{"discharge_date", "extended", "moves_to_workday"}));
  eval({"extended=true", "moves_to_workday=false"});
  EXPECT_EQ(waits("kept_until"), (Facts{"discharge_date"}));
  // Version decided: the undecided if asks for `extended` first, then the roll-over condition.
  eval({"discharge_date=2018-03-01"});
  EXPECT_EQ(waits("kept_until"), (Facts{"extended", "moves_to_workday"}));
  eval({"discharge_date=2018-03-01", "extended=false"});
  EXPECT_EQ(waits("kept_until"), (Facts{"moves_to_workday"}));
  eval({"discharge_date=2018-03-01", "extended=false", "moves_to_workday=false"});
  EXPECT_EQ(waits("kept_until"), (Facts{"known"}));
}

TEST_F(UnknownsPack, AnUnknownVersionDateListsWhatAVersionsWhenNeedsToo) {
  // The old version applies only when `not withdrawn`: without the discharge date, that fact can
  // still change the output (a date, or nothing), so it is listed after the date.
  eval({});
  EXPECT_EQ(waits("kept_while_studying"), (Facts{"discharge_date", "withdrawn"}));
  eval({"withdrawn=false"});
  EXPECT_EQ(waits("kept_while_studying"), (Facts{"discharge_date"}));
  // The date decides the version: the new one has no `when`, the old one asks it.
  eval({"discharge_date=2018-03-01"});
  EXPECT_EQ(waits("kept_while_studying"), (Facts{"known"}));
  eval({"discharge_date=2016-03-01"});
  EXPECT_EQ(waits("kept_while_studying"), (Facts{"withdrawn"}));
}

TEST_F(UnknownsPack, JsonListsTheFactToAskFirstFirst) {
  eval({"curriculum_completed=true"});
  const auto doc = json();
  EXPECT_NE(doc.find("\"certificate\":[\"withdrawn\",\"graduation_requirements_met\",\"within_study_period\"]"),
            std::string::npos)
      << doc;
  EXPECT_NE(doc.find("\"first_answer\":[\"within_study_period\"]"), std::string::npos) << doc;
  EXPECT_NE(doc.find("\"kept_until\":[\"discharge_date\",\"extended\",\"moves_to_workday\"]"), std::string::npos)
      << doc;
}

TEST_F(UnknownsPack, TextListsTheFactToAskFirstFirst) {
  eval({"curriculum_completed=true"});
  const auto brief = text(false);
  // One list of what is needed, each fact once: each waiting rule's facts in the order to ask
  // them (its first output's first), rules in pack order; new facts only.
  std::size_t at = 0;
  for (const char* fact : {"已退学", "达到毕业要求", "在学习年限内", "退役日期", "延长保留", "顺延"}) {
    const auto found = brief.find(std::string("  · ") + fact + "：", at);
    EXPECT_NE(found, std::string::npos) << fact << " missing or out of order\n" << brief;
    if (found != std::string::npos) at = found;
  }
  EXPECT_NE(brief.find("还需要的信息"), std::string::npos) << brief;
  // Each fact is listed once although three rules wait for 在学习年限内.
  EXPECT_EQ(brief.find("  · 在学习年限内：", brief.find("  · 在学习年限内：") + 1), std::string::npos) << brief;
  eval({"curriculum_completed=true"}, EvalOptions::explaining(true));
  const auto full = text(true);
  // Per output.
  for (const char* line : {
           "  证书 certificate：待补充（需要：已退学、达到毕业要求、在学习年限内）\n",
           "  第一 first_answer：待补充（需要：在学习年限内）\n",
           "  第二 second_answer：待补充（需要：达到毕业要求）\n",
       }) {
    EXPECT_NE(full.find(line), std::string::npos) << line << "\n" << full;
  }
}

TEST_F(UnknownsPack, ReadsOfBothBranchesAreRecorded) {
  EvalOptions tracking;
  tracking.track_reads = true;
  const auto reads = [&](const char* output) {
    std::vector<std::string> facts;
    const auto& r = out.output_reads[*engine->pack().find_output(output)];
    for (std::size_t f = 0; f < engine->policy().facts.size(); ++f) {
      if (r.test(f)) facts.push_back(engine->policy().facts[f].name);
    }
    return facts;
  };
  eval({"curriculum_completed=true"}, tracking);
  // withdrawn is unknown: both branches, all the way down, were read (and the rule's `when`).
  EXPECT_EQ(reads("certificate"),
            (Facts{"graduation_requirements_met", "within_study_period", "curriculum_completed", "withdrawn"}));
  eval({"curriculum_completed=true", "withdrawn=true"}, tracking);
  EXPECT_EQ(reads("certificate"), (Facts{"withdrawn"}));  // `true or ...`, then its branch
  // An undecided version date: the versions' expressions and roll-over conditions were read.
  eval({}, tracking);
  EXPECT_EQ(reads("kept_until"), (Facts{"extended", "moves_to_workday", "discharge_date"}));
}

TEST_F(UnknownsPack, IncompleteListsStopAtTheFirstUndecidedCondition) {
  EvalOptions brief;
  brief.complete_missing = false;
  eval({"curriculum_completed=true"}, brief);
  EXPECT_EQ(waits("certificate"), (Facts{"withdrawn"}));
  eval({}, brief);
  // The rule's `when` alone: its output's expression is not evaluated.
  EXPECT_EQ(waits("certificate"), (Facts{"withdrawn", "within_study_period", "curriculum_completed"}));
  EXPECT_EQ(waits("kept_until"), (Facts{"discharge_date"}));
  EXPECT_EQ(waits("faulty_year"), (Facts{"withdrawn"}));
  EXPECT_EQ(waits("follow_up"), (Facts{"withdrawn"}));
}

TEST_F(CnPack, IncompleteListsWaitExactlyWhenCompleteListsDo) {
  // complete_missing = false (batch's CSV) may shorten a list, never empty it or change anything
  // else: which outputs are known and their values, which wait, the fact asked first.
  const auto& facts = engine->policy().facts;
  std::mt19937 rng(5);
  EvalOptions brief;
  brief.complete_missing = false;
  model::Outcome full, shorter;
  int shortened = 0;
  for (int i = 0; i < 300; ++i) {
    auto s = engine->new_situation();
    for (std::size_t f = 0; f < facts.size(); ++f) {
      if (rng() % 2) continue;  // absent
      switch (facts[f].type.kind) {
        case model::Kind::boolean: set(s, facts[f].name, rng() % 2 ? "true" : "false"); break;
        case model::Kind::date: {
          const char* days[] = {"2000-12-31", "2017-08-31", "2017-09-01", "2024-09-30", "2025-06-15", "2026-07-20"};
          set(s, facts[f].name, days[rng() % std::size(days)]);
          break;
        }
        case model::Kind::enumeration: {
          const auto& values = engine->policy().enums[facts[f].type.enum_id].values;
          set(s, facts[f].name, values[rng() % values.size()].name);
          break;
        }
        default: break;
      }
    }
    engine->evaluate(s, date("2025-12-01"), full);
    engine->evaluate(s, date("2025-12-01"), shorter, brief);
    for (std::uint32_t oi = 0; oi < full.output_count; ++oi) {
      const auto& a = full.output(oi);
      const auto& b = shorter.output(oi);
      const auto& name = engine->pack().outputs[oi].name;
      ASSERT_EQ(a.state, b.state) << name << ", row " << i;
      if (a.state == model::State::known) {
        EXPECT_EQ(model::format_value(a, {engine->policy().enums, full.list_arena, false}),
                  model::format_value(b, {engine->policy().enums, shorter.list_arena, false}))
            << name;
      } else if (a.state == model::State::unknown) {
        EXPECT_EQ(a.missing.any(), b.missing.any()) << name << ", row " << i;
        EXPECT_EQ(model::first_to_ask(a), model::first_to_ask(b)) << name << ", row " << i;
        EXPECT_TRUE((b.missing & ~a.missing).none()) << name << ", row " << i;
        if (a.missing != b.missing) ++shortened;
      }
    }
  }
  EXPECT_GT(shortened, 100);  // the lists do differ
}

TEST_F(CnPack, CertificateWaitsForEveryFactThatCanStillDecideIt) {
  // The example of the task: only curriculum_completed is known, so the rule applies (`... or
  // curriculum_completed or ...`), and the certificate depends on withdrawn, then on
  // within_study_period and graduation_requirements_met.
  auto s = engine->new_situation();
  set(s, "curriculum_completed", "true");
  engine->evaluate(s, date("2025-06-20"), out);
  const auto& v = output("certificate_entitlement");
  ASSERT_EQ(v.state, model::State::unknown);
  std::vector<std::string> facts;
  for (const auto f : model::ordered_missing(v)) facts.push_back(engine->policy().facts[f].name);
  ASSERT_FALSE(facts.empty());
  EXPECT_EQ(facts.front(), "withdrawn");
  std::sort(facts.begin(), facts.end());
  EXPECT_EQ(facts, (std::vector<std::string>{"graduation_requirements_met", "withdrawn", "within_study_period"}));
}

}  // namespace
}  // namespace rules::engine

namespace rules::engine {
namespace {

// Versions of one enum output declaring the same values are one output with one enum: its value
// comes from whichever version is in force (tests/packs/good/versioned_enum.toml runs its cases).
TEST(VersionedEnum, VersionsWithTheSameValuesShareTheEnum) {
  std::vector<source::Diagnostic> diags;
  auto files = loader::read_pack_files(std::string(POLICY_TEST_PACKS_DIR) + "/good/versioned_enum.toml", diags);
  ASSERT_TRUE(diags.empty());
  auto loaded = loader::load_pack(files);
  for (const auto& d : loaded.diagnostics) ADD_FAILURE() << source::format_diagnostic(d);
  ASSERT_TRUE(loaded.pack);
  std::size_t outcome_enums = 0;
  for (const auto& e : loaded.pack->policy.enums) outcome_enums += e.name == "outcome";
  EXPECT_EQ(outcome_enums, 1u);
  Engine engine(std::move(loaded.pack));
  const auto results = run_pack_tests(engine, *calendar::parse_date("2026-01-01"));
  EXPECT_EQ(results.size(), 3u);
  for (const auto& r : results) {
    for (const auto& f : r.failures) ADD_FAILURE() << r.name << ": " << f;
  }
}

}  // namespace
}  // namespace rules::engine
