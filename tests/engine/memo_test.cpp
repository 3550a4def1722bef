// Remembered output values (engine/memo.h): the same values as computing, for any mix of rows,
// parameters, as_of dates and failures; bounded; never used when explaining.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <random>

#include "builtin_pack.h"
#include "engine/engine.h"
#include "model/format.h"
#include "loader/situation_reader.h"

namespace rules::engine {
namespace {

calendar::Date date(const char* iso) { return *calendar::parse_date(iso); }

class Memoised : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = loader::load_pack(policy_packs::builtin_cn_higher_ed_files());
    ASSERT_TRUE(r.pack);
    engine = std::make_unique<Engine>(std::move(r.pack));
  }

  void set(model::Situation& s, const std::string& fact, const std::string& text) const {
    std::vector<source::Diagnostic> diags;
    ASSERT_TRUE(loader::set_fact(engine->pack(), fact + "=" + text, s, diags)) << fact << "=" << text;
  }

  /// Every output of `o` as text: value (or error code, or the facts it waits for, the one to ask
  /// first first) and the
  /// rule version that produced it.
  std::vector<std::string> describe(const model::Outcome& o) const {
    std::vector<std::string> lines;
    for (std::uint32_t i = 0; i < o.output_count; ++i) {
      const auto& v = o.output(i);
      std::string line = engine->pack().outputs[i].name + " = ";
      if (v.state == model::State::error) {
        line += "error " + o.errors[v.error_index].code + ": " + o.errors[v.error_index].message;
      } else if (v.state == model::State::unknown) {
        line += "unknown, waiting for";  // in the order to ask: what is asked first must not vary either
        for (const auto f : model::ordered_missing(v)) line += " " + engine->policy().facts[f].name;
      } else {
        line += model::format_value(v, {engine->policy().enums, o.list_arena, false});
      }
      line += " by rule " + std::to_string(o.output_sources[i].rule) + "." + std::to_string(o.output_sources[i].rule_output);
      lines.push_back(std::move(line));
    }
    return lines;
  }

  std::uint32_t output(const char* name) const { return *engine->pack().find_output(name); }

  void compare_roster(Memo& memo, int rows, const std::function<const char*(int)>& as_of);

  std::unique_ptr<Engine> engine;
};

TEST_F(Memoised, GroupsOutputsByTheFactsTheyRead) {
  const auto& plan = engine->memo_plan();
  // The veteran dates all read the discharge date and the identity at enlistment (the order-21
  // version asks it), and parameters: one lookup for all.
  const auto g = plan.group_of[output("retention_until")];
  ASSERT_NE(g, MemoPlan::kNone);
  EXPECT_EQ(plan.group_of[output("reenroll_deadline")], g);
  EXPECT_EQ(plan.group_of[output("reenrolment_state")], g);
  // The key is those two facts; parameters and as_of are the context of every group.
  const auto& pack = engine->pack();
  EXPECT_EQ(plan.groups[g].key_slots,
            (std::vector<std::uint32_t>{*pack.find_fact("discharge_date"), *pack.find_fact("enlisted_as")}));
  const auto& context = plan.context_slots;
  EXPECT_NE(std::find(context.begin(), context.end(), pack.as_of_slot), context.end());
  for (const char* parameter : {"intake_start", "intake_end", "deadline_rest_day_rollover"}) {
    EXPECT_NE(std::find_if(context.begin(), context.end(), [&](auto s) { return pack.slot_names[s] == parameter; }), context.end())
        << parameter;
  }
  // The certificate outputs read another fact: another group.
  EXPECT_NE(plan.group_of[output("degree_visible_from")], g);
  // Lists and text are in groups too (remembered while unknown: known values point into an
  // evaluation's storage).
  EXPECT_EQ(plan.group_of[output("reenroll_windows")], g);
  EXPECT_NE(plan.group_of[output("retention_basis")], MemoPlan::kNone);
  // Text that quotes the office (a string parameter, not plain) is not.
  EXPECT_EQ(plan.group_of[output("reenrolment_guidance")], MemoPlan::kNone);
}

/// Evaluates `rows` situations drawn from few values (so that they repeat, as cohorts do) with
/// every kind of outcome: both versions of the veteran rules, no version in force, a date out
/// of range, unknown facts. Each row with and without `memo`, as of as_of(row); every output
/// must be the same.
void Memoised::compare_roster(Memo& memo, int rows, const std::function<const char*(int)>& as_of) {
  const char* discharges[] = {"", "2025-06-15", "2017-08-31", "2017-09-01", "2004-05-01", "9999-12-31", "2024-02-29"};
  const char* certificates[] = {"", "2025-06-30", "2000-12-31", "2026-01-01"};
  const char* admissions[] = {"", "2025-08-20", "2026-07-20"};
  const char* enlisted[] = {"", "new_student", "enrolled_student"};
  std::mt19937 rng(7);
  model::Outcome computed, remembered;
  EvalOptions with_memo;
  with_memo.memo = &memo;
  for (int i = 0; i < rows; ++i) {
    auto s = engine->new_situation();
    const auto pick = [&](const auto& options) { return options[rng() % std::size(options)]; };
    const auto maybe = [&](const char* fact, const char* value) {
      if (*value) set(s, fact, value);
    };
    maybe("discharge_date", pick(discharges));
    maybe("certificate_issue_date", pick(certificates));
    maybe("admission_date", pick(admissions));
    maybe("enlisted_as", pick(enlisted));
    if (rng() % 2) set(s, "previously_queryable", rng() % 2 ? "true" : "false");
    const auto day = date(as_of(i));
    engine->evaluate(s, day, computed);
    engine->evaluate(s, day, remembered, with_memo);
    ASSERT_EQ(describe(remembered), describe(computed)) << "row " << i;
  }
}

TEST_F(Memoised, GivesTheSameValuesAsComputingForAMixedRoster) {
  Memo memo(engine->memo_plan());
  compare_roster(memo, 600, [](int) { return "2025-12-01"; });
  // Most outputs of most rows came from the memo.
  EXPECT_GT(memo.hits(), 4 * memo.misses());
  // A second roster as of another day: the memo starts over.
  compare_roster(memo, 300, [](int) { return "2026-09-15"; });
}

TEST_F(Memoised, StartsOverWhenAsOfChanges) {
  Memo memo(engine->memo_plan());
  compare_roster(memo, 300, [](int row) { return row % 3 ? "2025-12-01" : "2026-09-15"; });
}

TEST_F(Memoised, ParametersGivenPerEvaluationAreTakenIntoAccount) {
  auto s = engine->new_situation();
  set(s, "discharge_date", "2025-06-15");
  const auto& params = engine->policy().parameters;
  const auto intake_end = static_cast<std::uint32_t>(
      std::find_if(params.begin(), params.end(), [](const auto& p) { return p.name == "intake_end"; }) - params.begin());
  ASSERT_LT(intake_end, params.size());
  const std::pair<std::uint32_t, model::Value> early[] = {{intake_end, model::Value::make_month_day({9, 20})}};
  Memo memo(engine->memo_plan());
  EvalOptions plain, school;
  plain.memo = school.memo = &memo;
  school.parameters = early;
  model::Outcome out;
  // Alternating parameters: each evaluation gives its own parameters' value, and repeating
  // one takes the value just remembered.
  const auto deadline = [&](const EvalOptions& o) {
    engine->evaluate(s, date("2025-12-01"), out, o);
    return model::format_value(out.output(output("reenroll_deadline")), {});
  };
  for (int round = 0; round < 2; ++round) {
    EXPECT_EQ(deadline(plain), "2026-09-30");
    EXPECT_EQ(deadline(school), "2026-09-20");
    const auto hits = memo.hits();
    EXPECT_EQ(deadline(school), "2026-09-20");
    EXPECT_GT(memo.hits(), hits);
    EXPECT_EQ(deadline(plain), "2026-09-30");
  }
}

TEST_F(Memoised, KnownListsAreComputedEachTimeAndUnknownOnesRemembered) {
  Memo memo(engine->memo_plan());
  EvalOptions options;
  options.memo = &memo;
  model::Outcome out;
  const std::vector<std::uint32_t> windows_only = engine->evaluation_order(std::vector<std::uint32_t>{output("reenroll_windows")});
  options.only = &windows_only;
  auto veteran = engine->new_situation();
  set(veteran, "discharge_date", "2025-06-15");
  for (int i = 0; i < 3; ++i) {
    // A list points into the outcome's arena: computed again for every evaluation.
    const auto misses = memo.misses();
    engine->evaluate(veteran, date("2025-12-01"), out, options);
    EXPECT_EQ(model::format_value(out.output(output("reenroll_windows")), {engine->policy().enums, out.list_arena, false}),
              "[[2025-09-01 .. 2025-09-30], [2026-09-01 .. 2026-09-30]]");
    // The first time every output is computed; then only the list.
    EXPECT_EQ(memo.misses(), misses + (i == 0 ? windows_only.size() : 1)) << i;
  }
  const auto hits = memo.hits();
  for (int i = 0; i < 2; ++i) {
    engine->evaluate(engine->new_situation(), date("2025-12-01"), out, options);
    EXPECT_EQ(out.output(output("reenroll_windows")).state, model::State::unknown);
  }
  EXPECT_EQ(memo.hits(), hits + windows_only.size());  // the second time, every output remembered
}

TEST_F(Memoised, FailuresAreComputedEachTime) {
  auto s = engine->new_situation();
  set(s, "discharge_date", "9999-12-31");
  Memo memo(engine->memo_plan());
  EvalOptions options;
  options.memo = &memo;
  model::Outcome out;
  for (int i = 0; i < 3; ++i) {
    engine->evaluate(s, date("2025-12-01"), out, options);
    const auto& v = out.output(output("retention_until"));
    ASSERT_EQ(v.state, model::State::error);
    EXPECT_EQ(out.errors[v.error_index].code, "date_out_of_range");
  }
}

TEST_F(Memoised, IsNotUsedWhenExplainingOrForAnotherEngine) {
  auto s = engine->new_situation();
  set(s, "discharge_date", "2024-02-29");
  Memo memo(engine->memo_plan());
  EvalOptions options;
  options.memo = &memo;
  model::Outcome out;
  engine->evaluate(s, date("2025-01-01"), out, options);
  const auto hits = memo.hits();
  options.explain = true;
  engine->evaluate(s, date("2025-01-01"), out, options);
  EXPECT_EQ(memo.hits(), hits);
  const auto rule = out.output_sources[output("retention_until")].rule;
  EXPECT_FALSE(out.rules[rule].explanation.empty());

  auto other = loader::load_pack(policy_packs::builtin_cn_higher_ed_files());
  ASSERT_TRUE(other.pack);
  const Engine second(std::move(other.pack));
  options.explain = false;
  second.evaluate(s, date("2025-01-01"), out, options);  // s has the same facts: same layout
  EXPECT_EQ(memo.hits(), hits);
  EXPECT_EQ(model::format_value(out.output(output("retention_until")), {}), "2026-02-28");
}

TEST_F(Memoised, StaysCorrectWhenFull) {
  Memo memo(engine->memo_plan(), 2);  // two combinations per group, then none added
  EvalOptions options;
  options.memo = &memo;
  model::Outcome computed, remembered;
  const char* discharges[] = {"2025-06-15", "2017-08-31", "2019-03-01", "2025-06-15", "2021-01-31", "2017-08-31"};
  for (int round = 0; round < 2; ++round) {
    for (const char* d : discharges) {
      auto s = engine->new_situation();
      set(s, "discharge_date", d);
      engine->evaluate(s, date("2025-12-01"), computed);
      engine->evaluate(s, date("2025-12-01"), remembered, options);
      ASSERT_EQ(describe(remembered), describe(computed)) << d;
    }
  }
  EXPECT_GT(memo.hits(), 0u);
}

/// Random situations over every fact of the pack (each absent, or one of a few values), each
/// evaluated with track_reads; then the facts an output did not read are changed at random: the
/// output's value, its source and the facts it waits for stay the same. Policy batch remembers
/// written text by exactly these facts.
TEST_F(Memoised, AnOutputDependsOnlyOnTheFactsItsEvaluationRead) {
  const auto& facts = engine->policy().facts;
  // Per fact: values to draw from ("" absent), in the form --set takes.
  std::vector<std::vector<std::string>> values(facts.size());
  for (std::size_t f = 0; f < facts.size(); ++f) {
    auto& v = values[f];
    v.push_back("");
    switch (facts[f].type.kind) {
      case model::Kind::date:
        v.insert(v.end(), {"2000-12-31", "2016-02-29", "2017-08-31", "2017-09-01", "2024-09-30", "2025-06-15",
                           "2025-12-01", "2026-01-01", "2026-07-20"});
        break;
      case model::Kind::boolean: v.insert(v.end(), {"true", "false"}); break;
      case model::Kind::enumeration:
        for (const auto& value : engine->policy().enums[facts[f].type.enum_id].values) v.push_back(value.name);
        break;
      default: break;  // strings and ID numbers: absent
    }
  }
  std::mt19937 rng(11);
  const auto draw = [&](model::Situation& s, std::size_t f) {
    const auto& v = values[f];
    const auto& text = v[rng() % v.size()];
    if (text.empty()) s.clear(f);
    else set(s, facts[f].name, text);
  };
  EvalOptions tracking;
  tracking.track_reads = true;
  model::Outcome first, second;
  const auto as_of = date("2025-12-01");
  int narrower = 0;  // outputs that read fewer facts than they can
  // With complete lists of missing facts, and without (batch's CSV: it reads less).
  for (int i = 0; i < 300; ++i) {
    tracking.complete_missing = i % 2 == 0;
    auto s = engine->new_situation();
    for (std::size_t f = 0; f < facts.size(); ++f) draw(s, f);
    engine->evaluate(s, as_of, first, tracking);
    const auto before = describe(first);
    ASSERT_EQ(first.output_reads.size(), engine->pack().outputs.size());
    for (std::uint32_t oi = 0; oi < engine->pack().outputs.size(); ++oi) {
      const auto reads = first.output_reads[oi];
      model::FactSet can;
      for (const auto f : engine->facts_read(oi)) can.set(f);
      EXPECT_EQ((reads & ~can).none(), true) << engine->pack().outputs[oi].name << ": read a fact it cannot read";
      if (reads != can) ++narrower;
      for (int k = 0; k < 2; ++k) {
        auto t = engine->new_situation();
        for (std::size_t f = 0; f < facts.size(); ++f) {
          if (reads.test(f)) t.set_view(f, s.facts()[f]);
          else draw(t, f);
        }
        engine->evaluate(t, as_of, second, tracking);
        ASSERT_EQ(describe(second)[oi], before[oi]) << "row " << i << ", facts read " << reads.to_string().substr(reads.size() - 32);
      }
    }
  }
  // Short-circuits are common: `false and x` does not read x, an if on a known condition not the
  // branch it does not take (an if on an absent fact reads both, unless complete_missing is off).
  EXPECT_GT(narrower, 300);
}

TEST(MemoIndex, KeysOfNoWordsHaveOneEntry) {
  // An output reading no fact (a constant period) has an empty key: one entry, found again
  // (this once bound a reference to the empty key store's null data: UBSan).
  MemoIndex index(0, 4);
  const auto first = index.find_or_add(nullptr);
  EXPECT_EQ(first.entry, 0u);
  EXPECT_TRUE(first.added);
  const auto again = index.find_or_add(nullptr);
  EXPECT_EQ(again.entry, 0u);
  EXPECT_FALSE(again.added);
  EXPECT_EQ(index.find(nullptr), 0u);
  EXPECT_EQ(index.count(), 1u);
}

TEST(MemoIndex, FindsWhatWasAddedAndStopsWhenFull) {
  const std::uint64_t a[2] = {1, 2}, b[2] = {1, 3}, c[2] = {7, 7}, d[2] = {9, 9};
  {
    MemoIndex index(2, 3);
    EXPECT_EQ(index.find(a), MemoIndex::kNoEntry);
    EXPECT_EQ(index.find_or_add(a).entry, 0u);
    EXPECT_EQ(index.find_or_add(b).entry, 1u);
    EXPECT_EQ(index.find_or_add(c).entry, 2u);
    for (int i = 0; i < 6; ++i) EXPECT_EQ(index.find(b), 1u);
    // Full: nothing more is added; its keys are found often enough for it to stay on.
    EXPECT_EQ(index.find_or_add(d).entry, MemoIndex::kNoEntry);
    EXPECT_FALSE(index.off());
    EXPECT_EQ(index.find(c), 2u);
    index.clear();
    EXPECT_EQ(index.find(a), MemoIndex::kNoEntry);
    EXPECT_EQ(index.count(), 0u);
  }
  {
    // Full while most lookups found nothing (inputs that rarely repeat): it switches off.
    MemoIndex index(2, 3);
    index.find_or_add(a);
    index.find_or_add(b);
    index.find_or_add(c);
    EXPECT_EQ(index.find_or_add(d).entry, MemoIndex::kNoEntry);
    EXPECT_TRUE(index.off());
    EXPECT_EQ(index.find(a), MemoIndex::kNoEntry);
  }
}

}  // namespace
}  // namespace rules::engine
