// The expression language: parsing, static checking and evaluation (three-valued over unknown).
#include <gtest/gtest.h>

#include <algorithm>

#include "expr/checker.h"
#include "expr/evaluator.h"
#include "expr/parser.h"
#include "model/format.h"

namespace rules::expr {
namespace {

using model::Kind;
using model::Type;
using model::Value;

/// A tiny environment: facts d (date), s (enum status: active/left), n (integer), flag (bool),
/// w (window); parameter md (month_day); as_of.
class ExprTest : public ::testing::Test {
 protected:
  ExprTest() {
    enums.push_back({"status", {{"active", "在读"}, {"left", "离校"}}});
    zone = *calendar::TimeZone::locate("Asia/Shanghai");
    env.assign(7, Value::make_unknown({}));
    for (std::size_t i = 0; i < 5; ++i) env[i].set_absent_fact(i);  // as model::Situation does
  }

  std::optional<NameInfo> resolve(std::string_view name) const {
    static const std::pair<std::string_view, Type> names[] = {
        {"d", Type::of(Kind::date)},      {"s", Type::enumeration(0)},      {"n", Type::of(Kind::integer)},
        {"flag", Type::of(Kind::boolean)}, {"w", Type::of(Kind::window)},  {"md", Type::of(Kind::month_day)},
        {"as_of", Type::of(Kind::date)}};
    for (std::uint32_t i = 0; i < std::size(names); ++i) {
      if (names[i].first == name) {
        const auto kind = i < 5 ? NameKind::fact : i == 5 ? NameKind::parameter : NameKind::as_of;
        return NameInfo{kind, i, i, names[i].second};
      }
    }
    return std::nullopt;
  }

  /// Parses and checks; returns the issues' codes (empty when fine).
  std::vector<std::string> check(const std::string& text, std::optional<Type> expected = std::nullopt) {
    std::vector<ParseIssue> pi;
    expr = parse_expr(text, pi);
    std::vector<std::string> codes;
    for (auto& i : pi) codes.push_back(i.code);
    if (!pi.empty()) return codes;
    CheckContext ctx{[this](std::string_view n) { return resolve(n); }, enums, expected, "the expression", "表达式"};
    std::vector<CheckIssue> ci;
    check_expr(expr, ctx, ci);
    for (auto& i : ci) {
      codes.push_back(i.code);
      last_issue = i;
    }
    return codes;
  }

  Value run(const std::string& text) {
    const auto codes = check(text);
    EXPECT_TRUE(codes.empty()) << text << ": " << (codes.empty() ? "" : codes.front() + " " + last_issue.message);
    if (!codes.empty()) return Value::make_unknown({});
    auto ctx = context();
    return evaluate(expr, ctx);
  }

  /// A fresh evaluation context over this fixture's environment (optionally tracing).
  EvalContext context(std::vector<TraceStep>* trace = nullptr, source::Lang lang = source::Lang::zh) {
    arena.clear();
    errors.clear();
    EvalContext ctx;
    ctx.env = env;
    ctx.list_arena = &arena;
    ctx.errors = &errors;
    ctx.zone = &zone;
    ctx.enums = enums;
    ctx.trace = trace;
    ctx.lang = lang;
    ctx.zone_label = "北京时间";
    static const std::string names[] = {"d", "s", "n", "flag", "w", "md", "as_of"};
    ctx.slot_names = names;
    return ctx;
  }

  std::string show(const std::string& text) {
    const Value v = run(text);
    if (v.state == model::State::error) return "error:" + errors[v.error_index].code;
    return model::format_value(v, {enums, arena, false});
  }

  /// The facts `text` waits for, in the order to ask for them (model::ordered_missing), by
  /// name; "known" or "error:<code>" when it does not wait.
  std::vector<std::string> waits(const std::string& text) {
    const Value v = run(text);
    if (v.state == model::State::error) return {"error:" + errors[v.error_index].code};
    if (v.known()) return {"known"};
    static const char* const names[] = {"d", "s", "n", "flag", "w"};
    std::vector<std::string> facts;
    for (const auto f : model::ordered_missing(v)) facts.push_back(f < std::size(names) ? names[f] : "?");
    return facts;
  }

  /// The steps of explaining `text` in `lang`, one line each.
  std::string explain(const std::string& text, source::Lang lang) {
    const auto codes = check(text);
    EXPECT_TRUE(codes.empty()) << text;
    std::vector<TraceStep> trace;
    auto ctx = context(&trace, lang);
    evaluate(expr, ctx);
    std::string all;
    for (const auto& t : trace) all += t.text + "\n";
    return all;
  }

  /// The error `text` fails with (its code, English and Chinese messages).
  EvalError error_of(const std::string& text) {
    const Value v = run(text);
    EXPECT_EQ(v.state, model::State::error) << text;
    return v.state == model::State::error ? errors[v.error_index] : EvalError{"", "", ""};
  }

  void set_date(std::size_t slot, const char* iso) { env[slot] = Value::make_date(*calendar::parse_date(iso)); }

  std::vector<model::EnumDef> enums;
  calendar::TimeZone zone;
  std::vector<Value> env;
  std::vector<Value> arena;
  std::vector<EvalError> errors;
  Expr expr;
  CheckIssue last_issue;
};

TEST_F(ExprTest, LiteralsOfEveryKind) {
  EXPECT_EQ(show("42"), "42");
  EXPECT_EQ(show("2025-06-30"), "2025-06-30");
  EXPECT_EQ(show("P1Y6M"), "P1Y6M");
  EXPECT_EQ(show("00:00"), "00:00");
  EXPECT_EQ(show("--09-01"), "09-01");
  EXPECT_EQ(show("2025-06-30T00:00:00+08:00"), "2025-06-30T00:00:00+08:00");
  EXPECT_EQ(show("'text'"), "text");
  EXPECT_EQ(show("true"), "true");
  EXPECT_EQ(show("[2025-09-01 .. 2025-09-30]"), "[2025-09-01 .. 2025-09-30]");
  EXPECT_EQ(show("[1, 2, 3]"), "[1, 2, 3]");
}

TEST_F(ExprTest, CivilCodeArithmetic) {
  EXPECT_EQ(show("2024-02-29 + P2Y"), "2026-02-28");
  EXPECT_EQ(show("2024-01-31 + P1M"), "2024-02-29");
  EXPECT_EQ(show("2022-02-28 + P2Y"), "2024-02-28");
  EXPECT_EQ(show("2024-04-30 + P1M"), "2024-05-30");
  EXPECT_EQ(show("2024-03-31 - P1M"), "2024-02-29");
  EXPECT_EQ(show("2025-01-01 - 2024-01-01"), "366");
  EXPECT_EQ(show("days_between(2024-01-01, 2025-01-01)"), "366");
  EXPECT_EQ(show("(2023-01-31 + P1M) + P1M"), "2023-03-28");  // chained by the author: two steps
  EXPECT_EQ(show("2023-01-31 + P2M"), "2023-03-31");          // one period from its anchor
  EXPECT_EQ(show("9999-12-31 + P1D"), "error:date_out_of_range");
}

TEST_F(ExprTest, Functions) {
  EXPECT_EQ(show("year(2025-06-30)"), "2025");
  EXPECT_EQ(show("month(2025-06-30)"), "6");
  EXPECT_EQ(show("day(2025-06-30)"), "30");
  EXPECT_EQ(show("weekday(2026-11-30)"), "1");
  EXPECT_EQ(show("date(2024, 2, 29)"), "2024-02-29");
  EXPECT_EQ(show("date(2023, 2, 29)"), "error:date_invalid");
  EXPECT_EQ(show("date(2023, 13, 1)"), "error:date_invalid");
  EXPECT_EQ(show("date(10000, 1, 1)"), "error:date_out_of_range");
  EXPECT_EQ(show("date(2025, --09-30)"), "2025-09-30");
  EXPECT_EQ(show("date(2023, --02-29)"), "error:date_invalid");
  EXPECT_EQ(show("start_of_day(2025-06-30)"), "2025-06-30T00:00:00+08:00");
  EXPECT_EQ(show("end_of_day(2026-09-30)"), "2026-10-01T00:00:00+08:00");
  EXPECT_EQ(show("start_of_day(1988-07-01)"), "1988-07-01T00:00:00+09:00");
  EXPECT_EQ(show("instant(2025-06-30, 08:30)"), "2025-06-30T08:30:00+08:00");
  EXPECT_EQ(show("date_of(2025-06-29T16:00:00Z)"), "2025-06-30");
  EXPECT_EQ(show("min(2025-01-02, 2024-12-31, 2025-06-01)"), "2024-12-31");
  EXPECT_EQ(show("max(3, 9, 4)"), "9");
  EXPECT_EQ(show("start([2025-09-01 .. 2025-09-30])"), "2025-09-01");
  EXPECT_EQ(show("end([2025-09-01 .. 2025-09-30])"), "2025-09-30");
  EXPECT_EQ(show("count([1, 2])"), "2");
  EXPECT_EQ(show("last([2025-01-01, 2026-01-01])"), "2026-01-01");
  EXPECT_EQ(show("first([2025-01-01, 2026-01-01])"), "2025-01-01");
}

TEST_F(ExprTest, InstantsCompareByTheirPointInTime) {
  EXPECT_EQ(show("2025-06-30T00:00:00+08:00 == 2025-06-29T16:00:00Z"), "true");
  EXPECT_EQ(show("end_of_day(2025-06-30) == start_of_day(2025-07-01)"), "true");
}

TEST_F(ExprTest, WindowsIncludeBothEnds) {
  EXPECT_EQ(show("2025-09-01 in [2025-09-01 .. 2025-09-30]"), "true");
  EXPECT_EQ(show("2025-09-30 in [2025-09-01 .. 2025-09-30]"), "true");
  EXPECT_EQ(show("2025-10-01 in [2025-09-01 .. 2025-09-30]"), "false");
  EXPECT_EQ(show("2026-09-15 in [[2025-09-01 .. 2025-09-30], [2026-09-01 .. 2026-09-30]]"), "true");
  EXPECT_EQ(show("3 in [1, 2]"), "false");
}

TEST_F(ExprTest, EnumsByNameOrLabel) {
  env[1] = Value::make_enum(0, 1);
  EXPECT_EQ(show("s == 'left'"), "true");
  EXPECT_EQ(show("s == '离校'"), "true");
  EXPECT_EQ(show("s != 'active'"), "true");
  EXPECT_EQ(show("if true then s else 'active'"), "left");
  EXPECT_EQ(check("s == 'gone'"), std::vector<std::string>{"enum_unknown_value"});
}

TEST_F(ExprTest, UnknownPropagatesWithTheFactsItNeeds) {
  const Value v = run("d + P2Y");
  ASSERT_EQ(v.state, model::State::unknown);
  EXPECT_TRUE(v.missing.test(0));
  EXPECT_EQ(v.missing.count(), 1u);
  const Value both = run("year(d) + n");
  EXPECT_TRUE(both.missing.test(0));
  EXPECT_TRUE(both.missing.test(2));
  EXPECT_EQ(show("has(d)"), "false");
  set_date(0, "2025-06-15");
  EXPECT_EQ(show("has(d)"), "true");
  EXPECT_EQ(show("d + P2Y"), "2027-06-15");
}

TEST_F(ExprTest, KleeneLogic) {
  // flag is unknown: a decisive operand wins, otherwise the result is unknown.
  EXPECT_EQ(show("false and flag"), "false");
  EXPECT_EQ(show("flag and false"), "false");
  EXPECT_EQ(show("true or flag"), "true");
  EXPECT_EQ(show("flag or true"), "true");
  EXPECT_EQ(run("true and flag").state, model::State::unknown);
  EXPECT_EQ(run("false or flag").state, model::State::unknown);
  EXPECT_EQ(run("not flag").state, model::State::unknown);
  EXPECT_EQ(run("if flag then 1 else 2").state, model::State::unknown);
  env[3] = Value::make_bool(true);
  EXPECT_EQ(show("if flag then 1 else 2"), "1");
  // An unknown operand does not hide an error in the other.
  EXPECT_EQ(show("flag and date(2023, 2, 29) == 2023-03-01"), "error:date_invalid");
}

TEST_F(ExprTest, OnlyTheChosenBranchIsEvaluated) {
  EXPECT_EQ(show("if true then 1 else year(date(2023, 2, 29))"), "1");
}

using Facts = std::vector<std::string>;

TEST_F(ExprTest, AnUndecidedIfWaitsForItsConditionAndBothBranches) {
  // flag is unknown, so either branch may be the value: every fact that can still change it is
  // listed, the condition's first (it decides which branch counts), then by fact index.
  EXPECT_EQ(waits("if flag then year(d) else n"), (Facts{"flag", "d", "n"}));
  EXPECT_EQ(waits("if flag then n else year(d)"), (Facts{"flag", "d", "n"}));
  EXPECT_EQ(waits("if n > 0 then year(d) else 1"), (Facts{"n", "d"}));
  // A known branch adds nothing; two known branches leave the condition's own facts.
  EXPECT_EQ(waits("if flag then 1 else n"), (Facts{"flag", "n"}));
  EXPECT_EQ(waits("if flag then 1 else 2"), (Facts{"flag"}));
  // A failing branch adds nothing either: it may not be the one taken, so its error is not the
  // result's.
  EXPECT_EQ(waits("if flag then year(date(2023, 2, 29)) else n"), (Facts{"flag", "n"}));
  EXPECT_EQ(waits("if flag then year(date(2023, 2, 29)) else 1"), (Facts{"flag"}));
  // A condition waiting for no fact (md, like an output that does not apply, is unknown without
  // one) is never decided: the branches' facts cannot change the result.
  EXPECT_EQ(waits("if date(2025, md) < 2025-01-01 then n else year(d)"), (Facts{}));
  // A failing condition fails the if, whatever the branches.
  EXPECT_EQ(waits("if date(2023, 2, 29) < d then n else 1"), (Facts{"error:date_invalid"}));
  // Nested ifs: each undecided condition asks first for its own fact, the outermost wins.
  EXPECT_EQ(waits("if n > 0 then (if flag then year(d) else 1) else (if s == 'left' then 2 else 3)"),
            (Facts{"n", "d", "s", "flag"}));
  EXPECT_EQ(waits("if flag then 1 else if s == 'left' then 2 else if d < 2025-01-01 then 3 else n"),
            (Facts{"flag", "d", "s", "n"}));
  // A decided condition takes its branch only.
  env[3] = Value::make_bool(true);
  EXPECT_EQ(waits("if flag then year(d) else n"), (Facts{"d"}));
  EXPECT_EQ(waits("if flag then 1 else n"), (Facts{"known"}));
  EXPECT_EQ(waits("if not flag then 1 else if s == 'left' then 2 else year(d)"), (Facts{"s", "d"}));
}

TEST_F(ExprTest, SeveralUnknownOperandsWaitForAllTheirFactsTheFirstAskedFirst) {
  EXPECT_EQ(waits("year(d) + n"), (Facts{"d", "n"}));
  EXPECT_EQ(waits("n + year(d)"), (Facts{"n", "d"}));  // the left operand's fact first
  EXPECT_EQ(waits("n - year(d) > 3"), (Facts{"n", "d"}));
  EXPECT_EQ(waits("s == 'left' and n > 0"), (Facts{"s", "n"}));
  EXPECT_EQ(waits("n > 0 or s == 'left' or flag"), (Facts{"n", "s", "flag"}));
  EXPECT_EQ(waits("min(n, year(d), 3)"), (Facts{"n", "d"}));
  EXPECT_EQ(waits("max(3, year(d), n)"), (Facts{"d", "n"}));
  EXPECT_EQ(waits("date(n, month(d), 1)"), (Facts{"n", "d"}));
  EXPECT_EQ(waits("days_between(d, date(n, 1, 1))"), (Facts{"d", "n"}));
  EXPECT_EQ(waits("[n, year(d)]"), (Facts{"n", "d"}));
  EXPECT_EQ(waits("date(n, 1, 1) in w"), (Facts{"n", "w"}));
  EXPECT_EQ(waits("[date(n, 1, 1) .. d]"), (Facts{"n", "d"}));
  EXPECT_EQ(waits("not (n > 0)"), (Facts{"n"}));
  // An unknown fallback waits for the fact whose value would replace it as well.
  EXPECT_EQ(waits("if_unknown(flag, n > 0)"), (Facts{"flag", "n"}));
  EXPECT_EQ(waits("if_unknown(n > 0, flag)"), (Facts{"n", "flag"}));
  EXPECT_EQ(waits("if_unknown(flag, true)"), (Facts{"known"}));
  // Kleene logic still needs no more than the decisive operand.
  EXPECT_EQ(waits("n > 0 and false"), (Facts{"known"}));
  EXPECT_EQ(waits("true or n > 0"), (Facts{"known"}));
  // An error still wins over unknown operands.
  EXPECT_EQ(waits("n + year(date(2023, 2, 29))"), (Facts{"error:date_invalid"}));
  EXPECT_EQ(waits("[n, year(date(2023, 2, 29)), year(d)]"), (Facts{"error:date_invalid"}));
  // Text templates: placeholders in order.
  check("'{n} by {d}'", Type::of(Kind::text));
  auto ctx = context();
  EXPECT_EQ(model::ordered_missing(evaluate(expr, ctx)), (std::vector<std::uint32_t>{2, 0}));
}

TEST_F(ExprTest, TheFactToAskFirstDefaultsToTheLowest) {
  // A value built without one (make_unknown) asks for its lowest missing fact first; one whose
  // ask_first is not among its facts, too. Known values and errors wait for nothing.
  model::FactSet facts;
  facts.set(5).set(2).set(9);
  EXPECT_EQ(model::ordered_missing(Value::make_unknown(facts)), (std::vector<std::uint32_t>{2, 5, 9}));
  EXPECT_EQ(model::first_to_ask(Value::make_unknown(facts)), 2u);
  EXPECT_EQ(model::ordered_missing(Value::make_unknown(facts, 9)), (std::vector<std::uint32_t>{9, 2, 5}));
  EXPECT_EQ(model::ordered_missing(Value::make_unknown(facts, 7)), (std::vector<std::uint32_t>{2, 5, 9}));
  EXPECT_EQ(model::ordered_missing(facts, 5), (std::vector<std::uint32_t>{5, 2, 9}));
  EXPECT_EQ(model::first_to_ask(Value::make_unknown({})), model::kNoFact);
  EXPECT_TRUE(model::ordered_missing(Value::make_unknown({})).empty());
  EXPECT_TRUE(model::ordered_missing(Value::make_int(1)).empty());
  Value v;
  v.set_unknown(facts, 9);
  v.set_absent_fact(5);  // resets what was asked first
  EXPECT_EQ(model::ordered_missing(v), (std::vector<std::uint32_t>{5}));
  v.set_unknown(facts);
  EXPECT_EQ(v.ask_first, model::kNoFact);
  EXPECT_EQ(Value().ask_first, model::kNoFact);
  EXPECT_EQ(Value::make_bool(true).ask_first, model::kNoFact);
}

TEST_F(ExprTest, AnUndecidedIfRecordsTheReadsOfBothBranches) {
  model::FactSet reads;
  const auto read = [&](const std::string& text) {
    EXPECT_TRUE(check(text).empty()) << text;
    auto ctx = context();
    reads.reset();
    ctx.reads = &reads;
    ctx.fact_count = 5;
    ctx.output_base = 7;
    evaluate(expr, ctx);
    std::vector<std::uint32_t> facts;
    for (std::uint32_t f = 0; f < 5; ++f) {
      if (reads.test(f)) facts.push_back(f);
    }
    return facts;
  };
  EXPECT_EQ(read("if flag then year(d) else n"), (std::vector<std::uint32_t>{0, 2, 3}));
  EXPECT_EQ(read("false and flag"), (std::vector<std::uint32_t>{}));
  env[3] = Value::make_bool(true);
  EXPECT_EQ(read("if flag then year(d) else n"), (std::vector<std::uint32_t>{0, 3}));
}

TEST_F(ExprTest, AnUndecidedIfIsExplained) {
  const auto en = explain("if flag then year(d) else 1", source::Lang::en);
  EXPECT_NE(en.find("if flag: unknown, then unknown, else 1 -> unknown"), std::string::npos) << en;
  const auto zh = explain("if flag then year(d) else 1", source::Lang::zh);
  EXPECT_NE(zh.find("如果 flag：未知，则 未知，否则 1 → 未知"), std::string::npos) << zh;
}

TEST_F(ExprTest, StepsAreInTheEvaluationsLanguage) {
  env[3] = Value::make_bool(false);
  env[1] = Value::make_enum(0, 1);  // s = left (离校)
  const auto zh = explain("if flag then 1 else 2", source::Lang::zh);
  EXPECT_NE(zh.find("flag = 否"), std::string::npos) << zh;          // the input, 是/否
  EXPECT_NE(zh.find("如果 flag：否，否则 2"), std::string::npos) << zh;
  EXPECT_EQ(zh.find("false"), std::string::npos) << zh;
  const auto en = explain("if flag then 1 else 2", source::Lang::en);
  EXPECT_NE(en.find("flag = false"), std::string::npos) << en;
  EXPECT_NE(en.find("if flag: false, else 2"), std::string::npos) << en;
  // Enums by label in Chinese, by name in English; an absent fact is 未知 / unknown.
  EXPECT_NE(explain("s == 'left'", source::Lang::zh).find("s = 离校"), std::string::npos);
  EXPECT_NE(explain("s == 'left'", source::Lang::en).find("s = left"), std::string::npos);
  EXPECT_NE(explain("d", source::Lang::zh).find("d = 未知"), std::string::npos);
  EXPECT_NE(explain("d", source::Lang::en).find("d = unknown"), std::string::npos);
}

TEST_F(ExprTest, DateStepsNameTheArticleTheyFollow) {
  // Months and years: Art. 202 (2026 has no 29 February: the month's last day).
  EXPECT_NE(explain("2024-02-29 + P2Y", source::Lang::zh)
                .find("2024-02-29 + P2Y → 2026-02-28（民法典第二百零二条：2026年2月没有29日，以月末日为期间的最后一日）"),
            std::string::npos)
      << explain("2024-02-29 + P2Y", source::Lang::zh);
  EXPECT_NE(explain("2024-02-29 + P2Y", source::Lang::en)
                .find("2024-02-29 + P2Y -> 2026-02-28 (Civil Code Art. 202: no 29 February in 2026, last day of the month)"),
            std::string::npos);
  EXPECT_NE(explain("2024-01-15 + P1M", source::Lang::zh).find("→ 2024-02-15（民法典第二百零二条：到期月的对应日15日）"),
            std::string::npos);
  // A day count forward: Art. 201 (the first day is not counted: 12-25 + 15 days = 01-09).
  EXPECT_NE(explain("2024-12-25 + P15D", source::Lang::zh).find("→ 2025-01-09（15日，民法典第二百零一条"),
            std::string::npos)
      << explain("2024-12-25 + P15D", source::Lang::zh);
  EXPECT_NE(explain("2024-12-25 + P15D", source::Lang::en).find("-> 2025-01-09 (15 days, Civil Code Art. 201)"),
            std::string::npos);
  // Days between two dates: a difference, no article.
  const auto diff = explain("2025-01-01 - 2024-01-01", source::Lang::zh);
  EXPECT_NE(diff.find("→ 366（相差日数）"), std::string::npos) << diff;
  EXPECT_EQ(diff.find("民法典"), std::string::npos) << diff;
  // A deadline's 24:00 in the pack's zone: Art. 203; the start of a day cites none.
  const auto end = explain("end_of_day(2026-09-30)", source::Lang::zh);
  EXPECT_NE(end.find("end_of_day(2026-09-30) → 2026-10-01T00:00:00+08:00（时区 Asia/Shanghai 北京时间 24:00，即次日 "
                     "00:00，UTC+08:00，民法典第二百零三条）"),
            std::string::npos)
      << end;
  EXPECT_NE(explain("end_of_day(2026-09-30)", source::Lang::en)
                .find("(24:00, the next day's 00:00 in Asia/Shanghai, UTC+08:00, Civil Code Art. 203)"),
            std::string::npos);
  const auto start = explain("start_of_day(1988-07-01)", source::Lang::zh);
  EXPECT_NE(start.find("（时区 Asia/Shanghai 北京时间 00:00，UTC+09:00）"), std::string::npos) << start;
  EXPECT_EQ(start.find("民法典"), std::string::npos) << start;
}

TEST_F(ExprTest, EveryEvaluationErrorIsInBothLanguages) {
  const std::pair<const char*, const char*> cases[] = {
      {"9223372036854775807 + 1", "9223372036854775807 + 1 超出整数范围"},
      {"-(-9223372036854775807 - 1)", "对 -9223372036854775808 取负超出整数范围"},
      {"[2025-09-30 .. 2025-09-01]", "时间窗 [2025-09-30 .. 2025-09-01]（[2025-09-30 .. 2025-09-01]）的结束日早于开始日"},
      {"date(2023, 2, 29)", "2023-02-29 不是有效日期：2023年2月只有28天"},
      {"date(2023, 13, 1)", "date(2023, 13, 1) 不是日期"},
      {"date(10000, 1, 1)", "date(10000, 1, 1) 不在支持的年份（1 至 9999 年）内"},
      {"date(2023, --02-29)", "2023-02-29 不是有效日期：2023年2月只有28天"},
      {"9999-12-31 + P1D", "9999-12-31 + P1D 超出支持的日期范围（0001-01-01 至 9999-12-31）"},
      {"first(if false then [1] else [])", "first(if false then [1] else [])：列表为空"},
      {"end_of_day(9999-12-31)", "9999-12-31 的 24:00 超出支持的日期范围（0001-01-01 至 9999-12-31）"},
  };
  for (const auto& [text, zh] : cases) {
    const auto e = error_of(text);
    EXPECT_EQ(e.message_zh, zh) << text;
    EXPECT_FALSE(e.message.empty()) << text;
    EXPECT_EQ(e.message_in(source::Lang::en), e.message) << text;
  }
}

TEST_F(ExprTest, TypeErrors) {
  EXPECT_EQ(check("2025-01-01 + 2025-01-02"), std::vector<std::string>{"type_mismatch"});
  EXPECT_EQ(check("2025-01-01 + 5"), std::vector<std::string>{"type_mismatch"});
  EXPECT_NE(last_issue.message.find("P5D"), std::string::npos) << last_issue.message;
  EXPECT_EQ(check("P1M < P30D"), std::vector<std::string>{"type_mismatch"});
  EXPECT_EQ(check("1 and true"), std::vector<std::string>{"type_mismatch"});
  EXPECT_EQ(check("if 1 then 2 else 3"), std::vector<std::string>{"type_mismatch"});
  EXPECT_EQ(check("if true then 2 else 2025-01-01"), std::vector<std::string>{"type_mismatch"});
  EXPECT_EQ(check("[1, 2025-01-01]"), std::vector<std::string>{"type_mismatch"});
  EXPECT_EQ(check("[]"), std::vector<std::string>{"type_mismatch"});
  EXPECT_EQ(check("d", Type::of(Kind::integer)), std::vector<std::string>{"type_mismatch"});
  EXPECT_EQ(check("year(1)"), std::vector<std::string>{"type_mismatch"});
  EXPECT_EQ(check("has(1)"), std::vector<std::string>{"type_mismatch"});
  EXPECT_EQ(check("has(md)"), std::vector<std::string>{"type_mismatch"});
}

TEST_F(ExprTest, AFailedOperandDoesNotCascade) {
  // Only the unknown name is reported, not the '+' or the comparison built on it.
  EXPECT_EQ(check("nope + P1D > 2025-01-01"), std::vector<std::string>{"unknown_name"});
  EXPECT_EQ(last_issue.begin, 0u);
  EXPECT_EQ(last_issue.end, 4u);
}

TEST_F(ExprTest, NamesFunctionsArity) {
  EXPECT_EQ(check("today"), std::vector<std::string>{"unknown_name"});
  EXPECT_NE(last_issue.message.find("as_of"), std::string::npos);
  EXPECT_EQ(check("now()"), std::vector<std::string>{"unknown_function"});
  EXPECT_EQ(check("year(d, d)"), std::vector<std::string>{"arity_mismatch"});
  EXPECT_EQ(check("min(1)"), std::vector<std::string>{"arity_mismatch"});
  EXPECT_EQ(check("date(1)"), std::vector<std::string>{"arity_mismatch"});
}

TEST_F(ExprTest, TextTemplates) {
  EXPECT_TRUE(check("'by {d} at the latest'", Type::of(Kind::text)).empty());
  EXPECT_EQ(check("'by {nope}'", Type::of(Kind::text)), std::vector<std::string>{"unknown_name"});
  EXPECT_EQ(last_issue.begin, 4u);  // points at {nope} inside the literal
  EXPECT_EQ(check("'unclosed {d'", Type::of(Kind::text)), std::vector<std::string>{"expr_bad_placeholder"});
  EXPECT_TRUE(check("'literal {{braces}}'", Type::of(Kind::text)).empty());
  // A template is unknown until its placeholders are known.
  check("'by {d}'", Type::of(Kind::text));
  auto ctx = context();
  EXPECT_EQ(evaluate(expr, ctx).state, model::State::unknown);
  set_date(0, "2025-06-15");
  EXPECT_TRUE(evaluate(expr, ctx).known());
}

// Found by fuzzing (issue 14): an unknown escape quoted the one byte after the backslash, so a
// message about '\年' was not UTF-8.
TEST(ExprParse, AnUnknownEscapeQuotesTheWholeCharacter) {
  std::vector<ParseIssue> pi;
  parse_expr("'a\\年b'", pi);
  ASSERT_EQ(pi.size(), 1u);
  EXPECT_EQ(pi[0].code, "expr_syntax");
  EXPECT_EQ(pi[0].begin, 2u);
  EXPECT_EQ(pi[0].end, 6u);
  EXPECT_EQ(pi[0].message, "unknown escape \\年 in a string");
  EXPECT_EQ(pi[0].message_zh.rfind("字符串中有未知的转义 \\年（", 0), 0u) << pi[0].message_zh;
  pi.clear();
  parse_expr("'(\\\xdc\xa2\xdb\xa3\"]$('", pi);  // the fuzzer's input
  ASSERT_FALSE(pi.empty());
  EXPECT_EQ(pi[0].message, "unknown escape \\\xdc\xa2 in a string");
  pi.clear();
  parse_expr("'\\\xff'", pi);  // a byte that starts no character is quoted as it is
  ASSERT_EQ(pi.size(), 1u);
  EXPECT_EQ(pi[0].end, 3u);
}

TEST_F(ExprTest, SyntaxErrorsWithPositions) {
  std::vector<ParseIssue> pi;
  parse_expr("2025-06-30 +", pi);
  ASSERT_EQ(pi.size(), 1u);
  EXPECT_EQ(pi[0].code, "expr_syntax");
  EXPECT_EQ(pi[0].begin, 12u);
  pi.clear();
  parse_expr("a = b", pi);
  ASSERT_EQ(pi.size(), 1u);
  EXPECT_EQ(pi[0].begin, 2u);  // '=' is not an operator
  pi.clear();
  parse_expr("1 < 2 < 3", pi);
  ASSERT_EQ(pi.size(), 1u);
  EXPECT_EQ(pi[0].code, "expr_syntax");
  pi.clear();
  parse_expr("(1 + 2", pi);
  EXPECT_EQ(pi.size(), 1u);
  pi.clear();
  parse_expr("'open", pi);
  EXPECT_EQ(pi.size(), 1u);
  pi.clear();
  parse_expr("2025-6-30", pi);  // not silently 2025 - 6 - 30
  ASSERT_EQ(pi.size(), 1u);
  EXPECT_EQ(pi[0].code, "expr_syntax");
}

TEST_F(ExprTest, ImpossibleLiteralsAreBadLiterals) {
  for (const char* text : {"2023-02-29", "2024-13-01", "2024-04-31", "--02-30", "24:00"}) {
    std::vector<ParseIssue> pi;
    parse_expr(text, pi);
    ASSERT_EQ(pi.size(), 1u) << text;
    EXPECT_EQ(pi[0].code, "date_invalid") << text;
    EXPECT_EQ(pi[0].begin, 0u) << text;
  }
  std::vector<ParseIssue> pi;
  parse_expr("PT1H", pi);
  ASSERT_EQ(pi.size(), 1u);
  EXPECT_EQ(pi[0].code, "expr_syntax");
  pi.clear();
  parse_expr("99999999999999999999", pi);
  ASSERT_EQ(pi.size(), 1u);
  EXPECT_EQ(pi[0].code, "expr_bad_literal");
}

TEST_F(ExprTest, EveryParseIssueHasAChineseMessage) {
  for (const char* text : {"2025-06-30 +", "a = b", "1 < 2 < 3", "(1 + 2", "'open", "2025-6-30", "2023-02-29",
                           "--02-30", "24:00", "PT1H", "99999999999999999999", "0000-13-01x", "10000-01-01", "1 2",
                           "'\\q'", "if flag then 1", "12ab", "a # b"}) {
    std::vector<ParseIssue> pi;
    parse_expr(text, pi);
    ASSERT_FALSE(pi.empty()) << text;
    for (const auto& i : pi) {
      EXPECT_FALSE(i.message.empty()) << text;
      // Chinese: at least one character of the CJK block (3 UTF-8 bytes from E4 B8 80).
      EXPECT_TRUE(std::any_of(i.message_zh.begin(), i.message_zh.end(),
                              [](char c) { return static_cast<unsigned char>(c) >= 0xE4; }))
          << text << ": " << i.code << " has no Chinese message (" << i.message << ")";
    }
  }
  // Where the wording matters: an impossible day names the month's length.
  std::vector<ParseIssue> pi;
  parse_expr("2023-02-29", pi);
  ASSERT_EQ(pi.size(), 1u);
  EXPECT_EQ(pi[0].message_zh.find("2023-02-29 不是有效日期：2023年2月只有28天"), 0u) << pi[0].message_zh;
  pi.clear();
  parse_expr("a = b", pi);
  ASSERT_EQ(pi.size(), 1u);
  EXPECT_EQ(pi[0].message_zh, "“=”不是运算符：比较相等请写“==”");
}

TEST(CalendarMessageZh, IsTheCalendarsOwn) {
  // The calendar words each error in Chinese; the parser and loader quote it.
  const auto d = calendar::parse_date("2023-02-29");
  ASSERT_FALSE(d);
  EXPECT_FALSE(d.error().message_zh.empty());
  EXPECT_EQ(calendar_message_zh(d.error(), "2023-02-29"), d.error().message_zh);
  EXPECT_NE(d.error().message_zh.find("2023"), std::string::npos) << d.error().message_zh;
}

TEST_F(ExprTest, EveryCheckIssueHasAChineseMessage) {
  for (const char* text : {"d + d", "P1M < P30D", "nope", "nosuch(1)", "year(d, d)", "-d", "flag and 1", "[d .. 1]",
                           "if 1 then d else d", "if flag then d else 1", "d in 1", "[]", "[d, 1]", "has(1)",
                           "max(P1M, P2M)", "max(1, d)", "if_unknown(d, 1)", "year(1)", "d + 1"}) {
    const auto codes = check(text);
    ASSERT_FALSE(codes.empty()) << text;
    EXPECT_FALSE(last_issue.message_zh.empty()) << text << ": " << last_issue.message;
    EXPECT_TRUE(std::any_of(last_issue.message_zh.begin(), last_issue.message_zh.end(),
                            [](char c) { return static_cast<unsigned char>(c) >= 0xE4; }))
        << text << ": " << last_issue.message_zh;
  }
  check("d + 1");
  EXPECT_EQ(last_issue.message_zh, "“+”不能用于 date 和 integer（加天数请写成期间：P1D）");
  check("flag", Type::of(Kind::date));
  EXPECT_EQ(last_issue.message_zh, "表达式应为 date 类型，而这个表达式是 bool 类型");
}

TEST_F(ExprTest, IntegerOverflowIsAnError) {
  EXPECT_EQ(show("9223372036854775807 + 1"), "error:integer_overflow");
  EXPECT_EQ(show("-9223372036854775807 - 2"), "error:integer_overflow");
}

TEST_F(ExprTest, ListsInsideListsKeepTheirItems) {
  // Inner lists use the arena while the outer list is being built.
  EXPECT_EQ(show("[first([1, 2]), last([3, 4]), count([5])]"), "[1, 4, 1]");
}


// ---- regressions found by a new user's trial ----------------------------------------------------

TEST_F(ExprTest, DeepOrLongExpressionsAreRefusedNotACrash) {
  const std::string nested = std::string(6000, '(') + "1" + std::string(6000, ')');
  EXPECT_EQ(check(nested), std::vector<std::string>{"expr_syntax"});
  std::string chain = "1";
  for (int i = 0; i < 7000; ++i) chain += "+1";
  EXPECT_EQ(check(chain), std::vector<std::string>{"expr_syntax"});
  std::string nots;
  for (int i = 0; i < 100000; ++i) nots += "not ";
  EXPECT_EQ(check(nots + "true"), std::vector<std::string>{"expr_syntax"});
  // Realistic sizes are fine.
  std::string fifty = "1";
  for (int i = 0; i < 50; ++i) fifty += " + 1";
  EXPECT_EQ(show(fifty), "51");
}

TEST_F(ExprTest, FiveDigitYearsAreDatesOutOfRangeNotSubtraction) {
  EXPECT_EQ(check("10000-01-01"), std::vector<std::string>{"date_out_of_range"});
  EXPECT_EQ(check("99999-99-99"), std::vector<std::string>{"date_out_of_range"});
  EXPECT_EQ(check("02025-01-01"), std::vector<std::string>{"expr_syntax"});
  EXPECT_EQ(show("10000 - 1 - 1"), "9998");  // written as arithmetic, it is arithmetic
}

TEST_F(ExprTest, APeriodEndsBeforeACommaOrTwoDots) {
  EXPECT_EQ(show("min(2024-01-01 + P1Y, 2026-01-01)"), "2025-01-01");
  EXPECT_EQ(show("[P1Y, P2Y]"), "[P1Y, P2Y]");
  EXPECT_EQ(show("[2024-01-01 .. 2024-01-01 + P1Y]"), "[2024-01-01 .. 2025-01-01]");
  EXPECT_EQ(check("P1.5Y"), std::vector<std::string>{"expr_syntax"});
}

TEST_F(ExprTest, AReversedWindowIsAnError) {
  EXPECT_EQ(show("[2025-09-30 .. 2025-09-01]"), "error:window_reversed");
  EXPECT_EQ(show("[2025-09-01 .. 2025-09-01]"), "[2025-09-01 .. 2025-09-01]");
}

TEST_F(ExprTest, ListConcatenationAndEmptyLists) {
  EXPECT_EQ(show("[1] + [2, 3]"), "[1, 2, 3]");
  EXPECT_EQ(show("[] + [1]"), "[1]");
  EXPECT_EQ(show("count([1] + [])"), "1");
  EXPECT_EQ(show("(if true then [2025-01-01] else []) + [2026-01-01]"), "[2025-01-01, 2026-01-01]");
  EXPECT_EQ(check("[1] + [2025-01-01]"), std::vector<std::string>{"type_mismatch"});
  // Enum literals take the list's type from the expected output type.
  EXPECT_TRUE(check("(if true then ['active'] else []) + ['left']", Type::list_of(Type::enumeration(0))).empty());
}

TEST_F(ExprTest, EnumMembershipInAListOfLiterals) {
  env[1] = Value::make_enum(0, 1);
  EXPECT_EQ(show("s in ['active', 'left']"), "true");
  EXPECT_EQ(show("s in ['active']"), "false");
  EXPECT_EQ(show("s in ['在读', '离校']"), "true");  // labels too
  EXPECT_EQ(check("s in ['gone']"), std::vector<std::string>{"enum_unknown_value"});
}

TEST_F(ExprTest, IfUnknownMakesUnknownExplicit) {
  EXPECT_EQ(show("if_unknown(flag, true)"), "true");
  env[3] = Value::make_bool(false);
  EXPECT_EQ(show("if_unknown(flag, true)"), "false");
  EXPECT_EQ(show("if_unknown(date(2023, 2, 29), 2023-03-01)"), "error:date_invalid");  // errors stay errors
  EXPECT_EQ(check("if_unknown(flag, 1)"), std::vector<std::string>{"type_mismatch"});
  EXPECT_EQ(show("if_unknown(s, 'left')"), "left");
}

TEST_F(ExprTest, ExplanationStepsQuoteLongSubexpressionsBriefly) {
  std::string chain = "2024-01-01";
  for (int i = 0; i < 150; ++i) chain += " + P1D";
  const auto codes = check(chain);
  ASSERT_TRUE(codes.empty());
  std::vector<TraceStep> trace;
  auto ctx = context(&trace);
  const Value v = evaluate(expr, ctx);
  EXPECT_EQ(model::format_value(v, {}), "2024-05-30");
  ASSERT_EQ(trace.size(), 150u);
  std::size_t total = 0;
  for (const auto& t : trace) total += t.text.size();
  EXPECT_LT(total, 150u * 200u);  // linear in the steps, not quadratic in the text
}

}  // namespace
}  // namespace rules::expr
