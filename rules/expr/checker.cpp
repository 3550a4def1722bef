#include "expr/checker.h"

#include <algorithm>

namespace rules::expr {
namespace {

using model::Kind;
using model::Type;

struct FnSig {
  std::string_view name;
  Fn fn;
};

constexpr FnSig kFunctions[] = {
    {"year", Fn::year},           {"month", Fn::month},
    {"day", Fn::day},             {"weekday", Fn::weekday},
    {"date", Fn::date_ymd},       {"days_between", Fn::days_between},
    {"start_of_day", Fn::start_of_day}, {"end_of_day", Fn::end_of_day},
    {"instant", Fn::instant_at},  {"date_of", Fn::date_of},
    {"min", Fn::min},             {"max", Fn::max},
    {"has", Fn::has},             {"start", Fn::start},
    {"end", Fn::end},             {"count", Fn::count},
    {"first", Fn::first},         {"last", Fn::last},
    {"if_unknown", Fn::if_unknown}, {"is_rest_day", Fn::is_rest_day},
    {"is_workday", Fn::is_workday}, {"next_workday", Fn::next_workday},
    {"add_workdays", Fn::add_workdays},
};

class Checker {
 public:
  Checker(Expr& e, const CheckContext& ctx, std::vector<CheckIssue>& issues, std::vector<std::uint32_t>* outs)
      : e_(e), ctx_(ctx), issues_(issues), outs_(outs) {}

  bool run() {
    const bool ok = check(e_.root, ctx_.expected);
    if (ok && ctx_.expected && !(e_.nodes[e_.root].type == *ctx_.expected)) {
      const Node& n = e_.nodes[e_.root];
      issue("type_mismatch", n, ctx_.what + " must be " + show(*ctx_.expected) + ", but this expression is " +
                                    show(n.type),
            ctx_.what_zh + "应为 " + show(*ctx_.expected) + " 类型，而这个表达式是 " + show(n.type) + " 类型");
      return false;
    }
    e_.checked = ok;
    return ok;
  }

 private:
  std::string show(Type t) const { return type_display(t, ctx_.enums); }

  void issue(const char* code, const Node& n, std::string msg, std::string msg_zh) {
    issues_.push_back({code, n.begin, n.end, std::move(msg), std::move(msg_zh)});
  }

  Node& node(std::uint32_t i) { return e_.nodes[i]; }
  std::uint32_t kid(std::uint32_t i, std::uint32_t k) { return e_.children[e_.nodes[i].first_child + k]; }
  std::string src(std::uint32_t i) { return std::string(e_.source_of(e_.nodes[i])); }

  bool is_string_literal(std::uint32_t i) {
    const Node& n = node(i);
    return n.op == Op::literal && n.literal.kind == Kind::string;
  }

  /// A string literal where an enum is expected names one of its values (or their labels).
  bool coerce_to_enum(std::uint32_t i, Type target) {
    Node& n = node(i);
    const auto& def = ctx_.enums[target.enum_id];
    const auto idx = def.find(n.literal.str());
    if (!idx) {
      std::string names;
      for (const auto& v : def.values) names += (names.empty() ? "" : ", ") + v.name;
      issue("enum_unknown_value", n, "'" + std::string(n.literal.str()) + "' is not a value of enum " + def.name +
                                        " (values: " + names + ")",
            "“" + std::string(n.literal.str()) + "”不是枚举 " + def.name + " 的值（可用的值：" + names + "）");
      return false;
    }
    n.literal = model::Value::make_enum(target.enum_id, *idx);
    n.type = target;
    return true;
  }

  /// Byte offset in the expression text of byte `decoded` of string literal node `n`: the
  /// literal's source starts with its quote and may contain escapes (\\ \' \" \n \t).
  std::uint32_t raw_offset(const Node& n, std::size_t decoded) const {
    const std::string_view raw = e_.source_of(n);
    std::size_t r = 1, d = 0;
    while (r < raw.size() && d < decoded) {
      r += raw[r] == '\\' ? 2 : 1;
      ++d;
    }
    return n.begin + static_cast<std::uint32_t>(std::min(r, raw.size()));
  }

  void issue_at(const char* code, const Node& n, std::size_t from, std::size_t to, std::string msg, std::string msg_zh) {
    issues_.push_back({code, raw_offset(n, from), raw_offset(n, to), std::move(msg), std::move(msg_zh)});
  }

  /// A string literal where text is expected is a template: each {name} must resolve.
  bool make_template(std::uint32_t i) {
    Node& n = node(i);
    const std::string_view t = n.literal.str();
    bool ok = true;
    std::vector<std::uint32_t> slots;
    for (std::size_t p = 0; p < t.size(); ++p) {
      if (t[p] == '{' && p + 1 < t.size() && t[p + 1] == '{') { ++p; continue; }
      if (t[p] == '}' && p + 1 < t.size() && t[p + 1] == '}') { ++p; continue; }
      if (t[p] == '}') {
        issue_at("expr_bad_placeholder", n, p, p + 1, "unmatched '}' in text; write '}}' for a literal brace",
                 "文本中的“}”没有对应的“{”；要写花括号本身，请写“}}”");
        ok = false;
        continue;
      }
      if (t[p] != '{') continue;
      const auto close = t.find('}', p);
      if (close == std::string_view::npos) {
        issue_at("expr_bad_placeholder", n, p, p + 1, "placeholder '{' is not closed; write '{{' for a literal brace",
                 "占位符的“{”没有结束的“}”；要写花括号本身，请写“{{”");
        return false;
      }
      const std::string_view name = t.substr(p + 1, close - p - 1);
      const auto info = ctx_.resolve(name);
      if (!info) {
        issue_at("unknown_name", n, p, close + 1,
                 "placeholder {" + std::string(name) + "} names no fact, parameter or output",
                 "占位符 {" + std::string(name) + "} 不是本包的事实、参数或输出");
        ok = false;
      } else if (info->rejected) {
        ok = false;
      } else {
        slots.push_back(info->slot);
        if (info->kind == NameKind::output && outs_) outs_->push_back(info->index);
      }
      p = close;
    }
    if (!ok) return false;
    n.first_child = static_cast<std::uint32_t>(e_.placeholder_slots.size());
    n.child_count = static_cast<std::uint32_t>(slots.size());
    e_.placeholder_slots.insert(e_.placeholder_slots.end(), slots.begin(), slots.end());
    n.literal.kind = Kind::text;
    n.type = Type::of(Kind::text);
    return true;
  }

  /// Adapts string literal i to `target` when that is an enum or text.
  bool adapt(std::uint32_t i, Type target) {
    if (!is_string_literal(i)) return true;
    if (target.kind == Kind::enumeration) return coerce_to_enum(i, target);
    if (target.kind == Kind::text) return make_template(i);
    return true;
  }

  /// Checks two operands that must share a type, letting a string literal take an enum's type.
  bool check_pair(std::uint32_t a, std::uint32_t b) {
    const bool oka = check(a, std::nullopt);
    const bool okb = check(b, std::nullopt);
    if (!oka || !okb) return false;
    if (node(a).type.kind == Kind::enumeration && is_string_literal(b)) return adapt(b, node(a).type);
    if (node(b).type.kind == Kind::enumeration && is_string_literal(a)) return adapt(a, node(b).type);
    return true;
  }

  bool check(std::uint32_t i, std::optional<Type> expected) {
    Node& n = node(i);
    switch (n.op) {
      case Op::literal:
        n.type = Type{n.literal.kind, Kind::boolean, n.literal.enum_id};
        if (expected) return adapt(i, *expected);
        return true;
      case Op::name:
        return check_name(i);
      case Op::neg: {
        if (!check(kid(i, 0), std::nullopt)) return false;
        if (node(kid(i, 0)).type.kind != Kind::integer) {
          issue("type_mismatch", node(i), "'-' negates integers, not " + show(node(kid(i, 0)).type),
                "“-”只能对 integer 取负，不能对 " + show(node(kid(i, 0)).type));
          return false;
        }
        node(i).type = Type::of(Kind::integer);
        return true;
      }
      case Op::add:
      case Op::sub:
        return check_arith(i, expected);
      case Op::eq:
      case Op::ne:
      case Op::lt:
      case Op::le:
      case Op::gt:
      case Op::ge:
        return check_compare(i);
      case Op::and_:
      case Op::or_:
      case Op::not_: {
        bool ok = true;
        for (std::uint32_t k = 0; k < node(i).child_count; ++k) {
          const auto c = kid(i, k);
          if (!check(c, Type::of(Kind::boolean))) { ok = false; continue; }
          if (node(c).type.kind != Kind::boolean) {
            issue("type_mismatch", node(c), "'" + std::string(op_symbol(node(i).op)) + "' needs bool operands, but '" +
                                                src(c) + "' is " + show(node(c).type),
                  "“" + std::string(op_symbol(node(i).op)) + "”的操作数应为 bool，而“" + src(c) + "”是 " + show(node(c).type));
            ok = false;
          }
        }
        node(i).type = Type::of(Kind::boolean);
        return ok;
      }
      case Op::if_:
        return check_if(i, expected);
      case Op::in:
        return check_in(i);
      case Op::window: {
        bool ok = true;
        for (std::uint32_t k = 0; k < 2; ++k) {
          const auto c = kid(i, k);
          if (!check(c, std::nullopt)) { ok = false; continue; }
          if (node(c).type.kind != Kind::date) {
            issue("type_mismatch", node(c), "a window [a .. b] is made of dates, but '" + src(c) + "' is " +
                                                show(node(c).type),
                  "时间窗 [a .. b] 的两端应为日期，而“" + src(c) + "”是 " + show(node(c).type));
            ok = false;
          }
        }
        node(i).type = Type::of(Kind::window);
        return ok;
      }
      case Op::list:
        return check_list(i, expected);
      case Op::call:
        return check_call(i);
    }
    return false;
  }

  bool check_name(std::uint32_t i) {
    const std::string& name = e_.names[node(i).name_index];
    const auto info = ctx_.resolve(name);
    if (!info) {
      issue("unknown_name", node(i), "'" + name + "' is not a fact, parameter or output of this pack" +
                                         (name == "today" ? " (the evaluation date is called as_of)" : ""),
            "“" + name + "”不是本包的事实、参数或输出" + (name == "today" ? "（评估日期写作 as_of）" : ""));
      return false;
    }
    if (info->rejected) return false;
    node(i).slot = info->slot;
    node(i).type = info->type;
    if (info->kind == NameKind::output && outs_) outs_->push_back(info->index);
    return true;
  }

  bool check_arith(std::uint32_t i, std::optional<Type> expected) {
    const auto a = kid(i, 0), b = kid(i, 1);
    // List concatenation: both sides take the expected list type (so [] and enum literals
    // adapt), or the right side takes the left side's.
    const std::optional<Type> list_hint = expected && expected->kind == Kind::list ? expected : std::nullopt;
    const bool a_empty = node(a).op == Op::list && node(a).child_count == 0;
    bool oka, okb;
    if (!list_hint && a_empty) {  // [] + x: the empty list takes x's type
      okb = check(b, std::nullopt);
      oka = check(a, okb && node(b).type.kind == Kind::list ? std::optional<Type>(node(b).type) : std::nullopt);
    } else {
      oka = check(a, list_hint);
      okb = check(b, list_hint ? list_hint
                               : (oka && node(a).type.kind == Kind::list ? std::optional<Type>(node(a).type) : std::nullopt));
    }
    if (!oka || !okb) return false;
    const Kind ka = node(a).type.kind, kb = node(b).type.kind;
    const Op op = node(i).op;
    Type result;
    if (ka == Kind::integer && kb == Kind::integer) {
      result = Type::of(Kind::integer);
    } else if (ka == Kind::date && kb == Kind::period) {
      result = Type::of(Kind::date);
    } else if (op == Op::sub && ka == Kind::date && kb == Kind::date) {
      result = Type::of(Kind::integer);  // days from b to a
    } else if (op == Op::add && ka == Kind::list && node(a).type == node(b).type) {
      result = node(a).type;  // concatenation
    } else {
      std::string hint, hint_zh;
      if (op == Op::add && ka == Kind::date && kb == Kind::integer) {
        hint = " (add days as a period: P" + src(b) + "D)";
        hint_zh = "（加天数请写成期间：P" + src(b) + "D）";
      }
      if (op == Op::add && ka == Kind::period && kb == Kind::date) {
        hint = " (write the date first: date + period)";
        hint_zh = "（日期写在前面：日期 + 期间）";
      }
      if (op == Op::add && ka == Kind::date && kb == Kind::date) {
        hint = " (dates cannot be added)";
        hint_zh = "（日期不能相加）";
      }
      issue("type_mismatch", node(i), "'" + std::string(op_symbol(op)) + "' is not defined for " + show(node(a).type) +
                                          " and " + show(node(b).type) + hint,
            "“" + std::string(op_symbol(op)) + "”不能用于 " + show(node(a).type) + " 和 " + show(node(b).type) + hint_zh);
      return false;
    }
    node(i).type = result;
    return true;
  }

  bool check_compare(std::uint32_t i) {
    const auto a = kid(i, 0), b = kid(i, 1);
    if (!check_pair(a, b)) return false;
    const Type ta = node(a).type, tb = node(b).type;
    const Op op = node(i).op;
    if (!(ta == tb)) {
      issue("type_mismatch", node(i), "cannot compare " + show(ta) + " with " + show(tb),
            show(ta) + " 与 " + show(tb) + " 不能比较");
      return false;
    }
    if ((op == Op::eq || op == Op::ne) ? (ta.kind == Kind::text || ta.kind == Kind::list) : !model::is_ordered(ta)) {
      issue("type_mismatch", node(i), "'" + std::string(op_symbol(op)) + "' is not defined for " + show(ta) +
                                          (ta.kind == Kind::period ? " (P1M and P30D are not comparable)" : ""),
            "“" + std::string(op_symbol(op)) + "”不能用于 " + show(ta) +
                (ta.kind == Kind::period ? "（P1M 与 P30D 无法比较大小）" : ""));
      return false;
    }
    node(i).type = Type::of(Kind::boolean);
    return true;
  }

  bool check_if(std::uint32_t i, std::optional<Type> expected) {
    const auto c = kid(i, 0), t = kid(i, 1), f = kid(i, 2);
    bool ok = check(c, Type::of(Kind::boolean));
    if (ok && node(c).type.kind != Kind::boolean) {
      issue("type_mismatch", node(c), "the condition after 'if' must be bool, but '" + src(c) + "' is " +
                                          show(node(c).type),
            "“if”后的条件应为 bool，而“" + src(c) + "”是 " + show(node(c).type));
      ok = false;
    }
    // Without an expected type, one branch types the other (so `else []` or `else 'left'` adapt);
    // an empty list literal takes its type from the other branch.
    auto empty_list = [&](std::uint32_t x) { return node(x).op == Op::list && node(x).child_count == 0; };
    bool okt, okf;
    if (!expected && empty_list(t)) {
      okf = check(f, std::nullopt);
      okt = check(t, okf ? std::optional<Type>(node(f).type) : std::nullopt);
    } else {
      okt = check(t, expected);
      const bool hint = !expected && okt && (node(t).type.kind == Kind::list || node(t).type.kind == Kind::enumeration);
      okf = check(f, hint ? std::optional<Type>(node(t).type) : expected);
    }
    if (!okt || !okf) return false;
    if (!expected) {
      if (node(t).type.kind == Kind::enumeration && !adapt(f, node(t).type)) return false;
      if (node(f).type.kind == Kind::enumeration && !adapt(t, node(f).type)) return false;
    }
    if (!(node(t).type == node(f).type)) {
      issue("type_mismatch", node(i), "both branches must have one type, but 'then' is " + show(node(t).type) +
                                          " and 'else' is " + show(node(f).type),
            "两个分支的类型应相同，而“then”是 " + show(node(t).type) + "，“else”是 " + show(node(f).type));
      return false;
    }
    node(i).type = node(t).type;
    return ok;
  }

  bool check_in(std::uint32_t i) {
    const auto a = kid(i, 0), b = kid(i, 1);
    const bool oka = check(a, std::nullopt);
    // `status in ['active', 'left']`: the strings are values of the left side's enum.
    const bool enum_needle = oka && node(a).type.kind == Kind::enumeration;
    const bool okb = check(b, enum_needle ? std::optional<Type>(Type::list_of(node(a).type)) : std::nullopt);
    if (!oka || !okb) return false;
    const Type ta = node(a).type, tb = node(b).type;
    bool fine = false;
    if (ta.kind == Kind::date && tb.kind == Kind::window) fine = true;
    if (ta.kind == Kind::date && tb.kind == Kind::list && tb.element == Kind::window) fine = true;
    if (tb.kind == Kind::list && tb.element_type() == ta) fine = true;
    if (!fine && tb.kind == Kind::list && tb.element == Kind::enumeration && is_string_literal(a)) {
      if (!adapt(a, tb.element_type())) return false;
      fine = true;
    }
    if (!fine) {
      issue("type_mismatch", node(i), "'in' needs a date and a window (or list of windows), or a value and a list of "
                                      "its type; found " + show(ta) + " in " + show(tb),
            "“in”的两边应为日期与时间窗（或时间窗列表），或一个值与同类型的列表；这里是 " + show(ta) + " in " + show(tb));
      return false;
    }
    node(i).type = Type::of(Kind::boolean);
    return true;
  }

  bool check_list(std::uint32_t i, std::optional<Type> expected) {
    const std::uint32_t count = node(i).child_count;
    std::optional<Type> elem;
    if (expected && expected->kind == Kind::list) elem = expected->element_type();
    if (count == 0) {
      if (!elem) {
        issue("type_mismatch", node(i), "an empty list [] needs a declared type (use it where a list<...> is expected)",
              "空列表 [] 需要已声明的类型（请用在应为 list<...> 的地方）");
        return false;
      }
      node(i).type = Type::list_of(*elem);
      return true;
    }
    bool ok = true;
    for (std::uint32_t k = 0; k < count; ++k) {
      const auto c = kid(i, k);
      if (!check(c, elem)) { ok = false; continue; }
      if (!elem) {
        elem = node(c).type;
        if (elem->kind == Kind::list || elem->kind == Kind::text) {
          issue("type_mismatch", node(c), "lists hold dates, windows, enums and other plain values, not " + show(*elem),
                "列表只能存放日期、时间窗、枚举等简单值，不能存放 " + show(*elem));
          return false;
        }
      } else if (!(node(c).type == *elem)) {
        issue("type_mismatch", node(c), "list items must share one type: '" + src(c) + "' is " + show(node(c).type) +
                                            ", the list holds " + show(*elem),
              "列表各项的类型应相同：“" + src(c) + "”是 " + show(node(c).type) + "，而列表存放的是 " + show(*elem));
        ok = false;
      }
    }
    if (ok) node(i).type = Type::list_of(*elem);
    return ok;
  }

  bool arity(std::uint32_t i, const std::string& name, std::uint32_t lo, std::uint32_t hi) {
    const auto n = node(i).child_count;
    if (n >= lo && n <= hi) return true;
    const std::string want = lo == hi ? std::to_string(lo) : hi == UINT32_MAX ? std::to_string(lo) + " or more"
                                                                           : std::to_string(lo) + " to " + std::to_string(hi);
    const std::string want_zh = lo == hi ? "需要 " + std::to_string(lo)
                                : hi == UINT32_MAX ? "至少需要 " + std::to_string(lo)
                                                   : "需要 " + std::to_string(lo) + " 到 " + std::to_string(hi);
    issue("arity_mismatch", node(i), name + "() takes " + want + " argument" + (hi == 1 && lo == 1 ? "" : "s") +
                                         ", given " + std::to_string(n),
          name + "() " + want_zh + " 个参数，这里给了 " + std::to_string(n) + " 个");
    return false;
  }

  bool arg_is(std::uint32_t i, std::uint32_t k, const std::string& fname, Kind want) {
    const auto c = kid(i, k);
    if (node(c).type.kind == want) return true;
    issue("type_mismatch", node(c), fname + "() argument " + std::to_string(k + 1) + " must be " +
                                        std::string(model::kind_name(want)) + ", but '" + src(c) + "' is " +
                                        show(node(c).type),
          fname + "() 的第 " + std::to_string(k + 1) + " 个参数应为 " + std::string(model::kind_name(want)) + "，而“" +
              src(c) + "”是 " + show(node(c).type));
    return false;
  }

  bool check_call(std::uint32_t i) {
    const std::string name = e_.names[node(i).name_index];
    const auto* sig = std::find_if(std::begin(kFunctions), std::end(kFunctions),
                                   [&](const FnSig& s) { return s.name == name; });
    if (sig == std::end(kFunctions)) {
      std::string all;
      for (const auto& s : kFunctions) all += (all.empty() ? "" : ", ") + std::string(s.name);
      issue("unknown_function", node(i), "'" + name + "' is not a function (functions: " + all + ")",
            "“" + name + "”不是函数（可用的函数：" + all + "）");
      return false;
    }
    Fn fn = sig->fn;
    // has(fact) asks whether a fact is present; its argument is a name, not a value.
    if (fn == Fn::has) {
      if (!arity(i, name, 1, 1)) return false;
      const auto c = kid(i, 0);
      const auto info = node(c).op == Op::name ? ctx_.resolve(e_.names[node(c).name_index]) : std::nullopt;
      if (node(c).op == Op::name && !info) return check_name(c);  // reports unknown_name
      if (info && info->rejected) return false;
      if (!info || info->kind != NameKind::fact) {
        issue("type_mismatch", node(c), "has() takes the name of a fact", "has() 的参数应为一个事实的名称");
        return false;
      }
      node(c).slot = info->slot;
      node(c).type = info->type;
      node(i).slot = info->slot;
      node(i).fn = fn;
      node(i).type = Type::of(Kind::boolean);
      return true;
    }
    // if_unknown(x, v): v takes the type of x (so [] and enum literals adapt).
    if (fn == Fn::if_unknown && node(i).child_count == 2) {
      if (!check(kid(i, 0), std::nullopt)) return false;
      if (!check(kid(i, 1), node(kid(i, 0)).type)) return false;
    } else {
      bool ok = true;
      for (std::uint32_t k = 0; k < node(i).child_count; ++k) ok = check(kid(i, k), std::nullopt) && ok;
      if (!ok) return false;
    }
    Type result;
    switch (fn) {
      case Fn::year: case Fn::month: case Fn::day: case Fn::weekday:
        if (!arity(i, name, 1, 1) || !arg_is(i, 0, name, Kind::date)) return false;
        result = Type::of(Kind::integer);
        break;
      case Fn::date_ymd:
        if (!arity(i, name, 2, 3) || !arg_is(i, 0, name, Kind::integer)) return false;
        if (node(i).child_count == 2) {
          if (!arg_is(i, 1, name, Kind::month_day)) return false;
          fn = Fn::date_month_day;
        } else if (!arg_is(i, 1, name, Kind::integer) || !arg_is(i, 2, name, Kind::integer)) {
          return false;
        }
        result = Type::of(Kind::date);
        break;
      case Fn::days_between:
        if (!arity(i, name, 2, 2) || !arg_is(i, 0, name, Kind::date) || !arg_is(i, 1, name, Kind::date)) return false;
        result = Type::of(Kind::integer);
        break;
      case Fn::start_of_day: case Fn::end_of_day:
        if (!arity(i, name, 1, 1) || !arg_is(i, 0, name, Kind::date)) return false;
        result = Type::of(Kind::instant);
        break;
      case Fn::instant_at:
        if (!arity(i, name, 2, 2) || !arg_is(i, 0, name, Kind::date) || !arg_is(i, 1, name, Kind::time_of_day))
          return false;
        result = Type::of(Kind::instant);
        break;
      case Fn::date_of:
        if (!arity(i, name, 1, 1) || !arg_is(i, 0, name, Kind::instant)) return false;
        result = Type::of(Kind::date);
        break;
      case Fn::min: case Fn::max: {
        if (!arity(i, name, 2, UINT32_MAX)) return false;
        const Type t = node(kid(i, 0)).type;
        if (!model::is_ordered(t)) {
          issue("type_mismatch", node(kid(i, 0)), name + "() compares ordered values (integers, dates, instants), not " +
                                                      show(t),
                name + "() 比较的是有大小顺序的值（整数、日期、时刻），不能是 " + show(t));
          return false;
        }
        for (std::uint32_t k = 1; k < node(i).child_count; ++k) {
          if (!(node(kid(i, k)).type == t)) {
            issue("type_mismatch", node(kid(i, k)), name + "() arguments must share one type: " + show(t) + " and " +
                                                        show(node(kid(i, k)).type),
                  name + "() 的各参数类型应相同：这里有 " + show(t) + " 和 " + show(node(kid(i, k)).type));
            return false;
          }
        }
        result = t;
        break;
      }
      case Fn::start: case Fn::end:
        if (!arity(i, name, 1, 1) || !arg_is(i, 0, name, Kind::window)) return false;
        result = Type::of(Kind::date);
        break;
      case Fn::if_unknown: {
        if (!arity(i, name, 2, 2)) return false;
        const auto x = kid(i, 0), v = kid(i, 1);
        if (!adapt(v, node(x).type)) return false;
        if (!(node(x).type == node(v).type)) {
          issue("type_mismatch", node(v), "if_unknown(x, v): v must have the type of x, " + show(node(x).type) +
                                              ", but '" + src(v) + "' is " + show(node(v).type),
                "if_unknown(x, v)：v 的类型应与 x 相同（" + show(node(x).type) + "），而“" + src(v) + "”是 " +
                    show(node(v).type));
          return false;
        }
        result = node(x).type;
        break;
      }
      case Fn::is_rest_day: case Fn::is_workday: case Fn::next_workday:
        if (!arity(i, name, 1, 1) || !arg_is(i, 0, name, Kind::date)) return false;
        result = Type::of(fn == Fn::next_workday ? Kind::date : Kind::boolean);
        break;
      case Fn::add_workdays:
        if (!arity(i, name, 2, 2) || !arg_is(i, 0, name, Kind::date) || !arg_is(i, 1, name, Kind::integer)) return false;
        result = Type::of(Kind::date);
        break;
      case Fn::count: case Fn::first: case Fn::last:
        if (!arity(i, name, 1, 1) || !arg_is(i, 0, name, Kind::list)) return false;
        result = fn == Fn::count ? Type::of(Kind::integer) : node(kid(i, 0)).type.element_type();
        break;
      default:
        return false;
    }
    node(i).fn = fn;
    node(i).type = result;
    return true;
  }

  Expr& e_;
  const CheckContext& ctx_;
  std::vector<CheckIssue>& issues_;
  std::vector<std::uint32_t>* outs_;
};

}  // namespace

bool check_expr(Expr& e, const CheckContext& ctx, std::vector<CheckIssue>& issues,
                std::vector<std::uint32_t>* referenced_outputs) {
  if (e.nodes.empty()) return false;
  Checker c(e, ctx, issues, referenced_outputs);
  return c.run();
}

std::string type_display(model::Type t, std::span<const model::EnumDef> enums) {
  if (t.kind == Kind::enumeration) {
    return "enum " + (t.enum_id < enums.size() ? enums[t.enum_id].name : std::string("?"));
  }
  if (t.kind == Kind::list) return "list<" + type_display(t.element_type(), enums) + ">";
  return std::string(model::kind_name(t.kind));
}

}  // namespace rules::expr
