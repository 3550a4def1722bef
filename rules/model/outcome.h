#pragma once
/// The result of evaluating a pack for one situation: plain data that renderers (explain/,
/// batch writers) read. Reusable across evaluations: clearing keeps capacity.

#include <cstdint>
#include <string>
#include <vector>

#include "calendar/date.h"
#include "model/value.h"
#include "source/lang.h"

namespace rules::model {

/// A failed evaluation step; a Value in State::error holds its index. Codes: `date_invalid`,
/// `date_out_of_range`, `calendar_no_data`, `integer_overflow`,
/// `window_reversed`, `empty_list`, `no_version_in_force`.
struct EvalError {
  std::string code;
  std::string message;     ///< English
  /// 中文 (the same facts). No default: every error is written in both languages.
  std::string message_zh;
  /// The message in `lang` (the English one when no Chinese was written).
  const std::string& message_in(source::Lang lang) const {
    return lang == source::Lang::zh && !message_zh.empty() ? message_zh : message;
  }
};

/// One line of an explanation: an input that was read, or a computation step with its result,
/// in the evaluation's language (engine::EvalOptions::lang), a date step with the Civil Code
/// article it follows (docs/policy-language.md, "Explanations").
struct TraceStep {
  enum class Kind : std::uint8_t { input, step } kind = Kind::step;
  std::string text;
};

/// Whether a rule applied, and (when explaining) how each of its outputs was computed.
struct RuleOutcome {
  Value applies;                      ///< bool, or unknown (missing facts), or error
  std::vector<TraceStep> explanation; ///< filled only when explaining
  bool evaluated = false;             ///< within the current evaluation
  FactSet reads;                      ///< with EvalOptions::track_reads: the facts `applies` rests on
};

/// Which rule version produced an output's value (or, when none applied, its first version).
struct OutputSource {
  std::uint32_t rule = 0;
  std::uint32_t rule_output = 0;
};

/// Everything one evaluation produced.
struct Outcome {
  calendar::Date as_of;                     ///< evaluation date in the policy time zone
  std::vector<Value> env;                   ///< facts, parameters, outputs, as_of (by slot)
  std::uint32_t output_base = 0;            ///< slot of output 0
  std::uint32_t output_count = 0;
  std::vector<OutputSource> output_sources; ///< per output
  /// Per output, with EvalOptions::track_reads: the facts its value rests on, those its
  /// evaluation read (through the outputs it read too); for a value taken from a Memo, every
  /// fact the output can read. Equal values of these facts (with the same parameters and
  /// as_of) give the output the same value. Other outputs: not set.
  std::vector<FactSet> output_reads;
  std::vector<RuleOutcome> rules;           ///< per rule of the policy
  std::vector<Value> list_arena;            ///< where list values point
  std::vector<EvalError> errors;            ///< where error values point
  std::vector<Value> scratch;               ///< the evaluator's working space, kept for reuse (not a result)

  const Value& output(std::uint32_t i) const { return env[output_base + i]; }
};

}  // namespace rules::model
