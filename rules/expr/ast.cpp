#include "expr/ast.h"

namespace rules::expr {

std::string_view op_symbol(Op op) {
  switch (op) {
    case Op::neg: return "-";
    case Op::add: return "+";
    case Op::sub: return "-";
    case Op::eq: return "==";
    case Op::ne: return "!=";
    case Op::lt: return "<";
    case Op::le: return "<=";
    case Op::gt: return ">";
    case Op::ge: return ">=";
    case Op::and_: return "and";
    case Op::or_: return "or";
    case Op::not_: return "not";
    case Op::in: return "in";
    default: return "?";
  }
}

}  // namespace rules::expr
