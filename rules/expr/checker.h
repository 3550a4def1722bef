#pragma once
/// The static checker: resolves names to environment slots, functions to built-ins, and proves
/// every node's type. A checked Expr is the compiled form the evaluator runs.

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "expr/ast.h"
#include "model/policy.h"

namespace rules::expr {

/// What a name in an expression refers to.
enum class NameKind : std::uint8_t { fact, parameter, output, as_of };

/// A resolved name: its environment slot and static type. `index` is the fact, parameter or
/// output index within its own list.
struct NameInfo {
  NameKind kind = NameKind::fact;
  std::uint32_t slot = 0;
  std::uint32_t index = 0;
  model::Type type;
  /// The name was declared but its declaration was rejected (already reported): uses of it are
  /// not reported again, so one mistake gives one diagnostic.
  bool rejected = false;
};

/// Resolves a name, or returns nullopt when it is not declared.
using NameResolver = std::function<std::optional<NameInfo>(std::string_view)>;

/// A problem found by the checker at a byte range of the expression text. Codes:
/// `unknown_name`, `unknown_function`, `arity_mismatch`, `type_mismatch`, `expr_bad_placeholder`,
/// `enum_unknown_value`.
struct CheckIssue {
  std::string code;
  std::uint32_t begin = 0;
  std::uint32_t end = 0;
  std::string message;     ///< English
  std::string message_zh;  ///< 中文 (the same facts)
};

/// What the checker needs to know about the surroundings of an expression.
struct CheckContext {
  NameResolver resolve;
  std::span<const model::EnumDef> enums;
  /// The type the expression must have (an output's declared type, `bool` for `when`), or none
  /// (policy calc). String literals adapt to it: to an enum value, or to a text template.
  std::optional<model::Type> expected;
  /// What the expression is, for messages ("output retention_until", "the when condition").
  std::string what;
  /// The same in Chinese ("输出 retention_until", "规则 r 的 when 条件").
  std::string what_zh;
};

/// Checks `e` in place. Returns true when it is well typed; otherwise appends every problem to
/// `issues` (a failing node does not cause further messages in its parents). When given,
/// `referenced_outputs` receives the output index of every output the expression reads
/// (including text placeholders), for the dependency graph.
bool check_expr(Expr& e, const CheckContext& ctx, std::vector<CheckIssue>& issues,
                std::vector<std::uint32_t>* referenced_outputs = nullptr);

/// The name of a type as the language writes it, with enum names: "date", "enum enlisted_as",
/// "list<window>".
std::string type_display(model::Type t, std::span<const model::EnumDef> enums);

}  // namespace rules::expr
