#pragma once
/// Lexer and parser of the policy expression language (docs/policy-language.md).

#include <string>
#include <string_view>
#include <vector>

#include "calendar/calendar_error.h"
#include "expr/ast.h"

namespace rules::expr {

/// A syntax problem at a byte range of the expression text. `code` is `expr_syntax`, a calendar
/// code for a date-like literal of the right shape with an impossible value (`date_invalid` for
/// 2023-02-29 or 24:00, `date_out_of_range`), or `expr_bad_literal` (an integer too large).
struct ParseIssue {
  std::string code;
  std::uint32_t begin = 0;
  std::uint32_t end = 0;
  std::string message;     ///< English
  std::string message_zh;  ///< 中文 (the same facts)
};

/// The Chinese message of a calendar error met in `text`: the calendar's own `message_zh` (every
/// calendar error writes one; the calendar is the one place that words them).
std::string calendar_message_zh(const calendar::CalendarError& e, std::string_view text);

/// Parses `text` into a flat tree. On success `issues` is empty. On failure the returned Expr is
/// unusable and `issues` holds every problem found (the parser stops at the first syntax error
/// but reports every bad literal before it).
Expr parse_expr(std::string_view text, std::vector<ParseIssue>& issues);

}  // namespace rules::expr
