#pragma once
/// The expression tree, stored flat: nodes refer to their children by index. The parser fills
/// `op`, `begin`/`end` and the children; the checker fills `type`, `fn` and `slot`, after which the
/// same array is the compiled form the evaluator runs (no strings are looked up at run time).

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "model/type.h"
#include "model/value.h"

namespace rules::expr {

/// Node operations.
enum class Op : std::uint8_t {
  literal,  ///< `literal` holds the value (text templates: kind text)
  name,     ///< a fact, parameter, output or `as_of`; `slot` after checking
  neg,      ///< unary minus (integers)
  add, sub,
  eq, ne, lt, le, gt, ge,
  and_, or_, not_,
  if_,      ///< children: condition, then, else
  in,       ///< children: needle, haystack (window, list of windows, or list)
  window,   ///< `[a .. b]`, children: start, end
  list,     ///< `[a, b, ...]`
  call,     ///< function call; `name_index` names it, `fn` after checking
};

/// The symbol or keyword of a binary or unary operator ("+", "==", "and", "in"), "?" otherwise.
std::string_view op_symbol(Op op);

/// Built-in functions (resolved by the checker).
enum class Fn : std::uint8_t {
  none,
  year, month, day, weekday,
  date_ymd,        ///< date(y, m, d)
  date_month_day,  ///< date(y, --MM-DD)
  days_between,
  start_of_day, end_of_day,
  instant_at,      ///< instant(date, time): that local time in the policy zone
  date_of,         ///< date_of(instant): the calendar date in the policy zone
  min, max,
  has,
  start, end,      ///< bounds of a window
  count, first, last,
  if_unknown,      ///< if_unknown(x, v): x unless x is unknown, then v
  is_rest_day, is_workday, next_workday, add_workdays,  ///< statutory holiday calendar
};

/// One node.
struct Node {
  Op op = Op::literal;
  Fn fn = Fn::none;
  model::Type type;                 ///< set by the checker
  std::uint32_t begin = 0;          ///< byte range of the node in the expression text
  std::uint32_t end = 0;
  std::uint32_t first_child = 0;    ///< index into Expr::children
  std::uint32_t child_count = 0;
  std::uint32_t slot = 0;           ///< environment slot of a name (or of has()'s fact)
  std::uint32_t name_index = 0;     ///< index into Expr::names (name, call)
  model::Value literal;             ///< for literals
};

/// A parsed (and, after check_expr, checked) expression.
struct Expr {
  std::string text;                      ///< the source text
  std::vector<Node> nodes;
  std::vector<std::uint32_t> children;
  std::vector<std::string> names;        ///< identifiers as written
  std::deque<std::string> strings;       ///< decoded string literals (stable addresses)
  /// For text templates: the slots of their placeholders, per literal node (first_child/
  /// child_count of the node index into this vector).
  std::vector<std::uint32_t> placeholder_slots;
  std::uint32_t root = 0;
  bool checked = false;

  Expr() = default;
  Expr(Expr&&) = default;
  Expr& operator=(Expr&&) = default;
  Expr(const Expr&) = delete;             // literals point into `strings`
  Expr& operator=(const Expr&) = delete;

  const Node& node(std::uint32_t i) const { return nodes[i]; }
  std::uint32_t child(const Node& n, std::uint32_t k) const { return children[n.first_child + k]; }
  std::string_view source_of(const Node& n) const { return std::string_view(text).substr(n.begin, n.end - n.begin); }
};

}  // namespace rules::expr
