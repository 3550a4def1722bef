#pragma once
/// Runs a checked expression against an environment of values. No parsing, no name lookup and,
/// unless tracing or failing, no heap allocation: lists go to a reusable arena.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "calendar/holiday_calendar.h"
#include "calendar/instant.h"
#include "expr/ast.h"
#include "model/outcome.h"
#include "model/policy.h"
#include "model/value.h"

namespace rules::expr {

using model::EvalError;
using model::TraceStep;

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
  std::span<const model::EnumDef> enums;       ///< for trace text
  std::span<const std::string> slot_names;     ///< for trace text
};

/// Evaluates checked expression `e`. Unknown inputs propagate by Kleene logic (`false and x` is
/// false whatever x is); the first error wins over unknown.
model::Value evaluate(const Expr& e, EvalContext& ctx);

}  // namespace rules::expr
