#pragma once
/// A loaded, checked and compiled policy pack: the model plus the checked expressions, the
/// environment layout and the evaluation order. Produced by load_pack(); immutable afterwards.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "calendar/holiday_calendar.h"
#include "calendar/instant.h"
#include "expr/ast.h"
#include "model/policy.h"

namespace rules::loader {

/// One version of an output: the rule that defines it and its compiled expression.
struct OutputCandidate {
  std::uint32_t rule = 0;         ///< index into Policy::rules / CompiledPack::rules
  std::uint32_t rule_output = 0;  ///< index into that rule's outputs
  expr::Expr expr;
  std::optional<expr::Expr> rollover;  ///< deadlines: when true, a last day on a rest day moves on (Art. 203)
};

/// An output name and everything that may define it. Several candidates only when each comes
/// from a versioned rule with disjoint in-force periods.
struct CompiledOutput {
  std::string name;
  std::uint32_t slot = 0;
  std::vector<OutputCandidate> candidates;
  /// The declaration of the first candidate (type, form, label are the same for all versions).
  const model::Output& decl(const model::Policy& p) const {
    return p.rules[candidates.front().rule].outputs[candidates.front().rule_output];
  }
};

/// The compiled parts of a rule.
struct CompiledRule {
  std::optional<expr::Expr> when;          ///< absent: always applies
  std::optional<expr::Expr> version_date;  ///< with in_force
  std::vector<std::uint32_t> outputs;      ///< indices into CompiledPack::outputs
};

/// The compiled parts of a question.
struct CompiledQuestion {
  std::vector<std::uint32_t> outputs;  ///< indices into CompiledPack::outputs, in the order written
  std::vector<std::uint32_t> ask;      ///< Question::ask as indices into policy.facts
  std::vector<std::uint32_t> given;    ///< the facts of Question::given, as indices into policy.facts
};

/// A pack ready to evaluate. Environment slots: [0, facts) facts, then parameters, then outputs,
/// then `as_of` (the evaluation date).
struct CompiledPack {
  model::Policy policy;
  calendar::TimeZone zone;
  calendar::HolidayCalendar holidays;      ///< statutory rest days: the pack's years plus the school's
  std::vector<CompiledRule> rules;         ///< parallel to policy.rules
  std::vector<CompiledQuestion> questions; ///< parallel to policy.questions
  std::vector<CompiledOutput> outputs;     ///< in declaration order (file, then position)
  std::vector<std::uint32_t> order;        ///< evaluation order: indices into outputs, dependencies first
  /// Per output: the other outputs it reads (in any version's expression, `when`, `version_date`
  /// or rollover condition), ascending. What evaluating a subset of the outputs must include.
  std::vector<std::vector<std::uint32_t>> output_deps;
  std::vector<std::string> slot_names;     ///< name of each environment slot
  std::uint32_t param_base = 0;
  std::uint32_t output_base = 0;
  std::uint32_t as_of_slot = 0;
  std::uint32_t slot_count = 0;

  /// Index of the fact called `name`.
  std::optional<std::uint32_t> find_fact(std::string_view name) const;
  /// Index of the output called `name`.
  std::optional<std::uint32_t> find_output(std::string_view name) const;
  /// Index of the output a person means by `text` (eval and batch --outputs): its name in any
  /// ASCII letter case, or the label of any of its versions (保留截止日期), exactly.
  std::optional<std::uint32_t> find_output_by_name_or_label(std::string_view text) const;
};

}  // namespace rules::loader
