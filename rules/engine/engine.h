#pragma once
/// The facade: a compiled pack, evaluated for one situation at a time. Load once, evaluate many
/// times; evaluation reuses the Outcome's storage and does not allocate in the common path.

#include <memory>
#include <optional>
#include <span>
#include <utility>
#include <variant>
#include <string>
#include <vector>

#include "calendar/date.h"
#include "engine/memo.h"
#include "expr/evaluator.h"
#include "loader/load.h"
#include "loader/pack.h"
#include "model/outcome.h"
#include "model/situation.h"
#include "source/lang.h"

namespace rules::engine {

/// Told, when an evaluation is given one (EvalOptions::observer), which way each decision of it
/// went: every `if` whose condition was known (expr::BranchObserver), each rule's version date
/// and `when`. How `policy test --coverage` (engine/coverage.h) sees what a pack's test cases
/// reach; not a second evaluator: the evaluation is the same with or without it. Evaluations made
/// only to list the facts an undecided value waits for are not told.
class EvalObserver : public expr::BranchObserver {
 public:
  /// Rule `rule`'s version date (`version_date`) was `date`, whether or not its version is in
  /// force then. A version date that is unknown or fails is not told.
  virtual void version_date(std::uint32_t rule, calendar::Date date) = 0;
  /// Rule `rule`'s `when` was evaluated and `holds` (its version being in force). A `when` that is
  /// unknown or fails is not told.
  virtual void when_decided(std::uint32_t rule, bool holds) = 0;
};

/// Options of one evaluation.
struct EvalOptions {
  bool explain = false;  ///< record each rule's computation steps (slower; allocates)
  /// Parameter values replacing the pack's for this evaluation: (parameter index, value).
  std::span<const std::pair<std::uint32_t, model::Value>> parameters;
  /// Outputs to compute, in order: a list from Engine::evaluation_order. Null: every output.
  /// Outputs left out stay unknown (not applicable) in the Outcome and must not be read.
  const std::vector<std::uint32_t>* only = nullptr;
  /// Output values remembered from earlier evaluations of this engine (one Memo per thread;
  /// see memo.h). Ignored when explaining, and when the memo was made for another engine.
  /// Outputs taken from it leave their rules' `Outcome::rules` entries unevaluated.
  Memo* memo = nullptr;
  /// Record in Outcome::output_reads the facts each output computed rests on (policy batch
  /// remembers written text by them).
  bool track_reads = false;
  /// List every fact an unknown output can still change with (docs/policy-language.md, "Unknown
  /// facts"). False, for callers that show no lists (batch's CSV): an undecided `if` or rule
  /// does not evaluate its branches or its outputs' expressions, so the lists may be shorter,
  /// but the same outputs are unknown, wait for some fact (Value::missing non-empty) and ask
  /// first for the same fact; and fewer facts are read, which keeps track_reads' sets small.
  /// The memo is not used then (it keeps complete lists).
  bool complete_missing = true;
  /// The language of the explanation's steps (Outcome::rules[].explanation): Chinese by default,
  /// each date step with the article it follows (docs/policy-language.md, "Explanations").
  /// Values and errors do not depend on it (errors carry both languages).
  source::Lang lang = source::Lang::zh;
  /// When set, told each decision of the evaluation (EvalObserver); null (the default): nothing
  /// is told and nothing is spent on it but a test of this pointer per decision.
  EvalObserver* observer = nullptr;

  /// Options that only say whether to explain, and in which language.
  static EvalOptions explaining(bool on, source::Lang lang = source::Lang::zh) {
    EvalOptions o;
    o.explain = on;
    o.lang = lang;
    return o;
  }
};

/// A loaded pack ready to evaluate. Thread-safe for concurrent `evaluate` calls with distinct
/// Outcomes.
class Engine {
 public:
  /// Takes a pack produced by loader::load_pack.
  explicit Engine(std::unique_ptr<loader::CompiledPack> pack);

  const loader::CompiledPack& pack() const { return *pack_; }
  const model::Policy& policy() const { return pack_->policy; }

  /// A situation with every fact of the pack absent.
  model::Situation new_situation() const { return model::Situation(pack_->policy.facts.size()); }

  /// Today's date in the policy time zone (never the host's zone).
  calendar::Date today() const;

  /// Evaluates every output for `situation` as of `as_of` (a date in the policy zone) into `out`.
  /// Unknown facts make dependent outputs unknown with the facts they need; failures (e.g. a
  /// date leaving 0001..9999) become error values in `out`, never exceptions.
  void evaluate(const model::Situation& situation, calendar::Date as_of, model::Outcome& out,
                const EvalOptions& options = {}) const;

  /// The order in which to compute `outputs` (indices into pack().outputs) and, before them,
  /// every output they read, transitively: the pack's evaluation order restricted to those.
  /// For EvalOptions::only, when a caller (policy batch) needs a few outputs of a large pack.
  std::vector<std::uint32_t> evaluation_order(std::span<const std::uint32_t> outputs) const;

  /// The facts (indices into policy().facts, ascending) that output `output` may read: in any
  /// version's expression, `when`, `version_date` or rollover condition, in text placeholders and
  /// `has()`, and through the outputs it reads. For pointing a registrar at the cells behind a
  /// failed output.
  std::vector<std::uint32_t> facts_read(std::uint32_t output) const;

  /// The facts (indices into policy().facts, ascending) whose absence may leave output `output`
  /// waiting (unknown with facts to ask for), statically: those facts_read gives but the ones read
  /// only in the first argument of `if_unknown` (its second stands in) or in `has()`, which
  /// are decided whether the fact is given or not. What a roster must have a column for so that
  /// the output is decided in every row (policy batch's default outputs).
  std::vector<std::uint32_t> facts_needed(std::uint32_t output) const;

  /// The output a person means by `text` (`--outputs`, a request's "outputs" list): its name in
  /// any ASCII letter case, or its label (CompiledPack::find_output_by_name_or_label). A label
  /// several outputs share (办理途径) names none of them, and a text naming no output is refused:
  /// then a diagnostic with `code`, at `where` (the option or field), in both languages, listing
  /// the names to choose from.
  std::variant<std::uint32_t, source::Diagnostic> name_output(std::string_view text, const std::string& code,
                                                              const std::string& where) const;

  /// The evaluation date a person wrote (`--as-of`, a request's "as_of"): YYYY-MM-DD or any date
  /// spelling a roster cell accepts (2025年12月1日, 2025/12/1); empty: today in the pack's zone.
  /// A text that is no date is a diagnostic at `where` (calendar's code, date_syntax or
  /// date_out_of_range), in both languages.
  std::variant<calendar::Date, source::Diagnostic> as_of_from_text(std::string_view text, const std::string& where) const;

  /// Which outputs a Memo remembers, and by which inputs (for constructing a Memo).
  const MemoPlan& memo_plan() const { return memo_plan_; }

  /// Evaluates a compiled standalone expression (policy calc) as of `as_of`; with `trace`, its
  /// steps in `lang` (as EvalOptions::lang).
  model::Value calculate(const expr::Expr& e, calendar::Date as_of, model::Outcome& scratch,
                         std::vector<model::TraceStep>* trace = nullptr,
                         source::Lang lang = source::Lang::zh) const;

 private:
  std::unique_ptr<loader::CompiledPack> pack_;
  std::vector<model::Value> env_template_;  ///< parameters filled in, facts and outputs unknown
  MemoPlan memo_plan_;
  std::vector<model::FactSet> facts_read_;  ///< per output: every fact it can read (facts_read)

  /// The environment slots of the facts, parameters and `as_of` that `output` reads, directly
  /// or through the outputs it reads, ascending.
  std::vector<std::uint32_t> inputs_read(std::uint32_t output) const;
};

/// Loads a pack from `path` (or the built-in pack when `path` is empty and `builtin` is given)
/// with an optional parameters file. Returns the engine, or nullptr with diagnostics.
struct EngineLoad {
  std::unique_ptr<Engine> engine;
  std::vector<source::Diagnostic> diagnostics;
};
EngineLoad load_engine(std::vector<loader::SourceFile> files, const std::optional<std::string>& params_path);

}  // namespace rules::engine
