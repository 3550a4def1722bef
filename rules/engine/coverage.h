#pragma once
/// Which parts of a pack its own test cases reach (`policy test --coverage`): the rules that
/// apply, the outputs whose values are checked, the boundary days of each version's `in_force`
/// and the branches of each `when` and `if`. Recorded by an EvalObserver while run_pack_tests
/// evaluates the cases (docs/policy-language.md, "Coverage").

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/engine.h"

namespace rules::engine {

/// What a coverage item is part of. Rules, outputs and versions count toward
/// `policy test --threshold`; branches are reported only.
enum class CoverageKind : std::uint8_t {
  rule,     ///< a rule (or rule version): reached when it applies in a case
  output,   ///< an output of a rule version: reached when a case checks a value that version computed
  version,  ///< a boundary day of a version's `in_force`: reached when a case's version date is that day
  branch,   ///< one way of a `when` (true, false) or an `if` (then, else): reached when a case takes it
};

/// One thing the test cases may reach.
struct CoverageItem {
  CoverageKind kind = CoverageKind::rule;
  /// Where it is written: the rule's table, the output's table, the `from` or `until` value, the
  /// `when` string, or the `if` (its line and column in the file).
  source::Span where;
  /// What no case reaches when `reached` is false, as the report lists it, in English and in
  /// Chinese ("rule keep_place: no case makes it apply", "规则 keep_place：没有用例使它适用").
  std::string description;
  std::string description_zh;
  bool reached = false;
};

/// How many items of one kind there are, and how many the cases reach.
struct CoverageCount {
  std::size_t reached = 0;
  std::size_t total = 0;
  /// The percentage reached, in tenths of a percent rounded down (666 for 2 of 3), so that 100.0%
  /// means every item; 1000 when there is no item.
  std::size_t tenths() const { return total == 0 ? 1000 : reached * 1000 / total; }
  /// Whether at least `percent` (0..100) of the items are reached (exactly, not rounded).
  bool meets(double percent) const {
    return static_cast<double>(reached) * 100.0 >= percent * static_cast<double>(total);
  }
};

/// What a pack's test cases reach.
struct PackCoverage {
  /// Every item, reached or not, ordered by file name, then position, then kind.
  std::vector<CoverageItem> items;
  /// The count of items of `kind`.
  CoverageCount count(CoverageKind kind) const;
};

/// Records, as an EvalObserver given to each evaluation of a pack's test cases, what they reach;
/// run_pack_tests uses it when asked for coverage. Items and their positions come from the
/// engine's pack (the loader's source positions); nothing is evaluated here.
class CoverageRecorder final : public EvalObserver {
 public:
  /// Lists every item of `engine`'s pack, none reached yet.
  explicit CoverageRecorder(const Engine& engine);

  void if_taken(const expr::Expr& e, std::uint32_t node, bool then_branch) override;
  void version_date(std::uint32_t rule, calendar::Date date) override;
  void when_decided(std::uint32_t rule, bool holds) override;

  /// After an evaluation (with this recorder as its observer) of a case that checks the outputs
  /// `checked` (indices into the pack's outputs): the rules that applied in it are reached, and
  /// each checked output's value reaches the version that computed it (none when no version
  /// applied: a value `null` because a rule does not apply checks its `when`, not its output).
  void record_case(const model::Outcome& out, std::span<const std::uint32_t> checked);

  /// Everything recorded so far.
  PackCoverage report() const;

 private:
  PackCoverage coverage_;
  std::vector<std::size_t> rule_item_;    ///< per rule: its item
  std::vector<std::vector<std::size_t>> output_item_;  ///< per rule, per output of it: its item
  /// Per rule: its `when` items (true, false), or none; its version boundary items (first day,
  /// the day before, last day, the day after), or none for an open end or a day out of range.
  struct RuleItems {
    std::size_t when_true = kNone, when_false = kNone;
    calendar::Date first, before, last, after;
    std::size_t first_item = kNone, before_item = kNone, last_item = kNone, after_item = kNone;
  };
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  std::vector<RuleItems> rules_;
  /// Per compiled expression: per node, the item of its `then` branch (its `else` is the next
  /// item), or kNone for a node that is not an `if`.
  std::unordered_map<const expr::Expr*, std::vector<std::size_t>> if_items_;

  std::size_t add(CoverageKind kind, source::Span where, std::string description, std::string description_zh);
  void add_ifs(const expr::Expr& e, const model::ExprSource& source);
};

}  // namespace rules::engine
