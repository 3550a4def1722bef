#pragma once
/// Runs a checked expression against an environment of values. No parsing, no name lookup and,
/// unless tracing or failing, no heap allocation: lists go to a reusable arena.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "calendar/holiday_calendar.h"
#include "calendar/instant.h"
#include "expr/ast.h"
#include "model/outcome.h"
#include "model/policy.h"
#include "model/value.h"
#include "source/lang.h"

namespace rules::expr {

using model::EvalError;
using model::TraceStep;

/// Told which way each `if` went, when an evaluation is given one (EvalContext::branches):
/// how `policy test --coverage` sees the branches a pack's test cases take. Null by default,
/// so that an evaluation without it pays one test of a null pointer per `if` decided.
class BranchObserver {
 public:
  virtual ~BranchObserver() = default;
  /// The `if` at node `node` of `e` took its `then` branch (`then_branch`) or its `else` branch:
  /// its condition was known. An `if` on an unknown or failed condition takes neither, and the
  /// `if`s inside the branches of an undecided `if` (evaluated only to list missing facts) are
  /// not told.
  virtual void if_taken(const Expr& e, std::uint32_t node, bool then_branch) = 0;
};

/// Everything an evaluation reads and writes besides the expression. Reused across evaluations.
struct EvalContext {
  std::span<model::Value> env;                 ///< slots: facts, parameters, outputs, as_of
  std::vector<model::Value>* list_arena = nullptr;
  /// Working space: one value per node of the expression (grown on demand, then reused; null:
  /// a temporary one per evaluation).
  std::vector<model::Value>* scratch = nullptr;
  std::vector<EvalError>* errors = nullptr;
  const calendar::TimeZone* zone = nullptr;    ///< the policy time zone
  const calendar::HolidayCalendar* holidays = nullptr;  ///< statutory rest days (may be empty)
  std::vector<TraceStep>* trace = nullptr;     ///< null: no explanation (the fast path)
  /// The language of the trace's steps (docs/policy-language.md, "Explanations"): Chinese by
  /// default. Errors carry both languages whatever this says.
  source::Lang lang = source::Lang::zh;
  /// The time zone's name for people (北京时间; PolicyHeader::timezone_label), in Chinese steps
  /// beside the IANA name; empty: the IANA name alone.
  std::string_view zone_label;
  std::span<const model::EnumDef> enums;       ///< for trace text
  std::span<const std::string> slot_names;     ///< for trace text
  /// When set, receives the facts this evaluation read: each fact slot read (its value, or
  /// whether it is present), and for each output slot read, the facts that output rests on
  /// (`output_reads`). Parameters and as_of are not facts and are not recorded. Operators that
  /// stop early (`false and x`, the branch an `if` on a known condition does not take) leave out
  /// what they did not read; an `if` on an unknown condition reads both branches.
  model::FactSet* reads = nullptr;
  std::span<const model::FactSet> output_reads;  ///< per output
  std::uint32_t fact_count = 0;                  ///< slots below this are facts
  std::uint32_t output_base = 0;                 ///< the slot of output 0
  /// Whether an unknown result lists every fact that can still change it (evaluate()). False:
  /// an `if` on an unknown condition returns the condition without evaluating its branches, so
  /// the list may stop at the condition's facts; whether a result waits for any fact is the same
  /// either way, and less is read (engine::EvalOptions::complete_missing says who wants that).
  bool complete_missing = true;
  /// When set, told which way each `if` went (BranchObserver); null: nothing is told.
  BranchObserver* branches = nullptr;
};

/// Evaluates checked expression `e`. Unknown inputs propagate by Kleene logic (`false and x` is
/// false whatever x is); the first error wins over unknown. An unknown result waits for every
/// fact that can still change it: the union over its unknown operands, and for an `if` on an
/// unknown condition the condition's facts and those of each unknown branch (both branches are
/// evaluated; a known or failed branch adds nothing). Its Value::ask_first is the first unknown
/// operand's, the condition's for an undecided `if`.
model::Value evaluate(const Expr& e, EvalContext& ctx);

}  // namespace rules::expr
