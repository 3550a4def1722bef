#include "expr/parser.h"

#include <algorithm>
#include <cctype>
#include <optional>

#include "calendar/date.h"
#include "calendar/instant.h"
#include "calendar/period.h"
#include "source/utf8.h"

namespace rules::expr {
namespace {

using model::Value;

enum class Tok : std::uint8_t {
  end, integer, string, date, instant, time, period, month_day, ident,
  kw_and, kw_or, kw_not, kw_if, kw_then, kw_else, kw_in, kw_true, kw_false,
  lparen, rparen, lbracket, rbracket, comma, dotdot,
  plus, minus, eq, ne, lt, le, gt, ge,
  bad,
};

struct Token {
  Tok kind = Tok::end;
  std::uint32_t begin = 0;
  std::uint32_t end = 0;
  Value value;        // literals
  std::string text;   // identifiers, decoded strings
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

class Lexer {
 public:
  Lexer(std::string_view text, std::vector<ParseIssue>& issues) : s_(text), issues_(issues) {}

  Token next() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
    Token t;
    t.begin = static_cast<std::uint32_t>(pos_);
    if (pos_ >= s_.size()) {
      t.kind = Tok::end;
      t.end = t.begin;
      return t;
    }
    const char c = s_[pos_];
    if (is_digit(c)) {
      lex_number(t);
    } else if (c == 'P' && (is_digit(peek(1)) || (peek(1) == 'T' && is_digit(peek(2))))) {
      // Names are lower-case, so an upper-case P followed by a digit (or T and a digit, a time
      // period that dates do not support) is a period literal.
      lex_period(t);
    } else if (is_ident_start(c)) {
      lex_ident(t);
    } else if (c == '\'' || c == '"') {
      lex_string(t, c);
    } else if (c == '-' && peek(1) == '-' && is_digit(peek(2))) {
      std::size_t e = pos_ + 2;
      while (e < s_.size() && (is_digit(s_[e]) || s_[e] == '-')) ++e;
      literal(t, e, calendar::parse_month_day(s_.substr(pos_, e - pos_)), Tok::month_day,
              [](auto md) { return Value::make_month_day(md); });
    } else {
      lex_punct(t);
    }
    t.end = static_cast<std::uint32_t>(pos_);
    return t;
  }

 private:
  char peek(std::size_t k) const { return pos_ + k < s_.size() ? s_[pos_ + k] : '\0'; }

  void issue(const char* code, std::size_t b, std::size_t e, std::string msg, std::string msg_zh) {
    issues_.push_back({code, static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(e), std::move(msg), std::move(msg_zh)});
  }

  template <class T, class Make>
  void literal(Token& t, std::size_t e, const calendar::Expected<T>& r, Tok kind, Make make) {
    if (r.ok()) {
      t.kind = kind;
      t.value = make(*r);
    } else {
      // A literal of the right shape but impossible value (2023-02-29) carries the calendar's
      // own code, the same one evaluation would give; a malformed one is a syntax error.
      const auto code = r.error().code;
      issue(code == calendar::CalendarErrorCode::syntax ? "expr_syntax" : calendar::code_name(code), pos_, e,
            r.error().message, calendar_message_zh(r.error(), s_.substr(pos_, e - pos_)));
      t.kind = Tok::bad;
    }
    pos_ = e;
  }

  std::size_t digits_from(std::size_t i) const {
    while (i < s_.size() && is_digit(s_[i])) ++i;
    return i;
  }

  void lex_number(Token& t) {
    const std::size_t d1 = digits_from(pos_);
    // A year of five or more digits followed by -MM-DD is a date outside the supported range,
    // never the subtraction 10000 - 01 - 01.
    if (d1 - pos_ > 4 && d1 + 1 < s_.size() && s_[d1] == '-' && is_digit(s_[d1 + 1])) {
      std::size_t e = digits_from(d1 + 1);
      if (e + 1 < s_.size() && s_[e] == '-' && is_digit(s_[e + 1])) {
        e = digits_from(e + 1);
        const bool zero_padded = s_[pos_] == '0';
        const std::string shown(s_.substr(pos_, e - pos_));
        issue(zero_padded ? "expr_syntax" : "date_out_of_range", pos_, e,
              zero_padded ? "'" + shown + "' is not a date: expected YYYY-MM-DD"
                          : shown + " is outside the supported dates 0001-01-01..9999-12-31",
              zero_padded ? "“" + shown + "”不是日期：应写作 YYYY-MM-DD"
                          : shown + " 超出支持的日期范围 0001-01-01..9999-12-31");
        t.kind = Tok::bad;
        pos_ = e;
        return;
      }
    }
    // YYYY-MM-DD, optionally followed by THH:MM[:SS](Z|±HH:MM) for an instant.
    if (d1 - pos_ == 4 && peek(4) == '-' && is_digit(peek(5))) {
      std::size_t e = d1 + 1;
      e = digits_from(e);
      if (e < s_.size() && s_[e] == '-' && e + 1 < s_.size() && is_digit(s_[e + 1])) {
        e = digits_from(e + 1);
        if (e < s_.size() && (s_[e] == 'T' || s_[e] == 't')) {
          std::size_t f = e + 1;
          while (f < s_.size() && (is_digit(s_[f]) || s_[f] == ':' || s_[f] == '+' || s_[f] == '-' ||
                                   s_[f] == 'Z' || s_[f] == 'z' || s_[f] == '.')) ++f;
          literal(t, f, calendar::parse_instant(s_.substr(pos_, f - pos_)), Tok::instant,
                  [](auto i) { return Value::make_instant(i); });
          return;
        }
        literal(t, e, calendar::parse_date(s_.substr(pos_, e - pos_)), Tok::date,
                [](auto d) { return Value::make_date(d); });
        return;
      }
    }
    if (d1 < s_.size() && s_[d1] == ':') {
      std::size_t e = d1;
      while (e < s_.size() && (is_digit(s_[e]) || s_[e] == ':')) ++e;
      literal(t, e, calendar::parse_time_of_day(s_.substr(pos_, e - pos_)), Tok::time,
              [](auto x) { return Value::make_time(x); });
      return;
    }
    if (d1 < s_.size() && is_ident_char(s_[d1])) {
      std::size_t e = d1;
      while (e < s_.size() && is_ident_char(s_[e])) ++e;
      const std::string shown(s_.substr(pos_, e - pos_));
      issue("expr_syntax", pos_, e, "'" + shown + "' is not a number or a name", "“" + shown + "”既不是数字也不是名称");
      t.kind = Tok::bad;
      pos_ = e;
      return;
    }
    std::int64_t v = 0;
    for (std::size_t i = pos_; i < d1; ++i) {
      if (v > (INT64_MAX - (s_[i] - '0')) / 10) {
        const std::string shown(s_.substr(pos_, d1 - pos_));
        issue("expr_bad_literal", pos_, d1, "integer " + shown + " is too large",
              "整数 " + shown + " 太大（超出 64 位整数的范围）");
        t.kind = Tok::bad;
        pos_ = d1;
        return;
      }
      v = v * 10 + (s_[i] - '0');
    }
    t.kind = Tok::integer;
    t.value = Value::make_int(v);
    pos_ = d1;
  }

  void lex_period(Token& t) {
    std::size_t e = pos_ + 1;
    // A '.' is taken only between digits (P1.5Y, to report that fractions are not supported);
    // so `P1Y, x` and `[a .. b + P1Y..c]` end the period where a reader would.
    while (e < s_.size() &&
           (is_ident_char(s_[e]) || (s_[e] == '.' && e + 1 < s_.size() && is_digit(s_[e + 1]) && is_digit(s_[e - 1])))) {
      ++e;
    }
    literal(t, e, calendar::parse_period(s_.substr(pos_, e - pos_)), Tok::period,
            [](auto p) { return Value::make_period(p); });
  }

  void lex_ident(Token& t) {
    std::size_t e = pos_;
    while (e < s_.size() && is_ident_char(s_[e])) ++e;
    t.text = std::string(s_.substr(pos_, e - pos_));
    static const std::pair<std::string_view, Tok> keywords[] = {
        {"and", Tok::kw_and}, {"or", Tok::kw_or},     {"not", Tok::kw_not},   {"if", Tok::kw_if},
        {"then", Tok::kw_then}, {"else", Tok::kw_else}, {"in", Tok::kw_in}, {"true", Tok::kw_true},
        {"false", Tok::kw_false}};
    t.kind = Tok::ident;
    for (const auto& [word, kind] : keywords) {
      if (t.text == word) t.kind = kind;
    }
    pos_ = e;
  }

  void lex_string(Token& t, char quote) {
    std::size_t i = pos_ + 1;
    std::string out;
    while (i < s_.size() && s_[i] != quote) {
      if (s_[i] == '\\' && i + 1 < s_.size()) {
        const char e = s_[i + 1];
        switch (e) {
          case 'n': out += '\n'; break;
          case 't': out += '\t'; break;
          case '\\': case '\'': case '"': out += e; break;
          default: {
            // The whole character after the backslash: one byte of 年 would make the message
            // invalid UTF-8.
            bool well_formed = false;
            const std::size_t len = std::max<std::size_t>(1, source::utf8_sequence(s_.substr(i + 1), well_formed));
            const std::string escaped(s_.substr(i + 1, len));
            issue("expr_syntax", i, i + 1 + len, "unknown escape \\" + escaped + " in a string",
                  "字符串中有未知的转义 \\" + escaped + "（可用：\\n、\\t、\\\\、\\'、\\\"）");
            i += len - 1;
          }
        }
        i += 2;
      } else {
        out += s_[i++];
      }
    }
    if (i >= s_.size()) {
      issue("expr_syntax", pos_, s_.size(), "string is not closed", "字符串没有结束引号");
      t.kind = Tok::bad;
      pos_ = s_.size();
      return;
    }
    t.kind = Tok::string;
    t.text = std::move(out);
    pos_ = i + 1;
  }

  void lex_punct(Token& t) {
    const char c = s_[pos_];
    const char n = peek(1);
    auto two = [&](Tok k) { t.kind = k; pos_ += 2; };
    auto one = [&](Tok k) { t.kind = k; pos_ += 1; };
    switch (c) {
      case '(': return one(Tok::lparen);
      case ')': return one(Tok::rparen);
      case '[': return one(Tok::lbracket);
      case ']': return one(Tok::rbracket);
      case ',': return one(Tok::comma);
      case '+': return one(Tok::plus);
      case '-': return one(Tok::minus);
      case '.':
        if (n == '.') return two(Tok::dotdot);
        break;
      case '=':
        if (n == '=') return two(Tok::eq);
        issue("expr_syntax", pos_, pos_ + 1, "'=' is not an operator: compare with '=='",
              "“=”不是运算符：比较相等请写“==”");
        t.kind = Tok::bad;
        pos_ += 1;
        return;
      case '!':
        if (n == '=') return two(Tok::ne);
        break;
      case '<':
        if (n == '=') return two(Tok::le);
        return one(Tok::lt);
      case '>':
        if (n == '=') return two(Tok::ge);
        return one(Tok::gt);
      default:
        break;
    }
    // One whole UTF-8 character, so the message quotes it intact.
    std::size_t e = pos_ + 1;
    while (e < s_.size() && (static_cast<unsigned char>(s_[e]) & 0xC0) == 0x80) ++e;
    const std::string shown(s_.substr(pos_, e - pos_));
    issue("expr_syntax", pos_, e, "unexpected character '" + shown + "'", "此处不应出现字符“" + shown + "”");
    t.kind = Tok::bad;
    pos_ = e;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  std::vector<ParseIssue>& issues_;
};

class Parser {
 public:
  Parser(std::string_view text, std::vector<ParseIssue>& issues) : lex_(text, issues), issues_(issues) {
    e_.text = std::string(text);
    advance();
  }

  Expr parse() {
    const std::size_t before = issues_.size();
    const auto root = expression();
    if (root && cur_.kind != Tok::end && !failed_) {
      const std::string shown = e_.text.substr(cur_.begin, cur_.end - cur_.begin);
      fail("unexpected '" + shown + "' after a complete expression", "表达式已完整，其后不应再有“" + shown + "”");
    }
    if (root) e_.root = *root;
    if (issues_.size() != before) e_.nodes.clear();
    return std::move(e_);
  }

 private:
  using Idx = std::optional<std::uint32_t>;

  void advance() {
    cur_ = lex_.next();
    if (cur_.kind == Tok::bad) failed_ = true;
  }

  void fail(std::string msg, std::string msg_zh) {
    if (failed_) return;
    failed_ = true;
    issues_.push_back({"expr_syntax", cur_.begin, std::max(cur_.end, cur_.begin + 1), std::move(msg), std::move(msg_zh)});
  }

  /// `what` and `what_zh` name the expected token in English and Chinese ("')'", "右括号“)”").
  bool expect(Tok k, const char* what, const char* what_zh) {
    if (cur_.kind == k) {
      advance();
      return true;
    }
    const bool at_end = cur_.kind == Tok::end;
    const std::string found = e_.text.substr(cur_.begin, cur_.end - cur_.begin);
    fail(std::string("expected ") + what + " here, found " +
             (at_end ? std::string("the end of the expression") : "'" + found + "'"),
         std::string("此处应为") + what_zh + "，却" + (at_end ? std::string("已到表达式末尾") : "是“" + found + "”"));
    return false;
  }

  std::uint32_t add(Op op, std::uint32_t begin, std::uint32_t end, std::initializer_list<std::uint32_t> kids) {
    return add_v(op, begin, end, std::vector<std::uint32_t>(kids));
  }
  std::uint32_t add_v(Op op, std::uint32_t begin, std::uint32_t end, const std::vector<std::uint32_t>& kids) {
    // The checker and evaluator recurse over the tree: bound its depth (a left-leaning chain
    // a + b + c + ... is as deep as it is long) so no input can exhaust the stack.
    std::uint32_t depth = 1;
    for (auto k : kids) depth = std::max(depth, depth_[k] + 1);
    if (depth > kMaxDepth) {
      fail("the expression is nested too deeply (more than " + std::to_string(kMaxDepth) +
               " levels); split it into several outputs",
           "表达式嵌套太深（超过 " + std::to_string(kMaxDepth) + " 层）：请拆成几个输出");
    }
    depth_.push_back(depth);
    Node n;
    n.op = op;
    n.begin = begin;
    n.end = end;
    n.first_child = static_cast<std::uint32_t>(e_.children.size());
    n.child_count = static_cast<std::uint32_t>(kids.size());
    e_.children.insert(e_.children.end(), kids.begin(), kids.end());
    e_.nodes.push_back(n);
    return static_cast<std::uint32_t>(e_.nodes.size() - 1);
  }
  std::uint32_t begin_of(std::uint32_t i) const { return e_.nodes[i].begin; }
  std::uint32_t end_of(std::uint32_t i) const { return e_.nodes[i].end; }

  /// Counts the parser's own recursion (parentheses, brackets, not, unary minus).
  struct Nest {
    explicit Nest(Parser& p) : p_(p) {
      if (++p_.nesting_ > kMaxDepth) {
        p_.fail("the expression is nested too deeply (more than " + std::to_string(kMaxDepth) + " levels)",
                "表达式嵌套太深（超过 " + std::to_string(kMaxDepth) + " 层）");
      }
    }
    ~Nest() { --p_.nesting_; }
    Parser& p_;
  };

  Idx expression() {
    if (failed_) return std::nullopt;
    Nest nest(*this);
    if (failed_) return std::nullopt;
    if (cur_.kind == Tok::kw_if) {
      const auto b = cur_.begin;
      advance();
      auto c = expression();
      if (!c || !expect(Tok::kw_then, "'then'", "“then”")) return std::nullopt;
      auto t = expression();
      if (!t || !expect(Tok::kw_else, "'else'", "“else”")) return std::nullopt;
      auto f = expression();
      if (!f) return std::nullopt;
      return add(Op::if_, b, end_of(*f), {*c, *t, *f});
    }
    return disjunction();
  }

  Idx disjunction() {
    auto l = conjunction();
    while (l && cur_.kind == Tok::kw_or) {
      advance();
      auto r = conjunction();
      if (!r) return std::nullopt;
      l = add(Op::or_, begin_of(*l), end_of(*r), {*l, *r});
    }
    return l;
  }

  Idx conjunction() {
    auto l = negation();
    while (l && cur_.kind == Tok::kw_and) {
      advance();
      auto r = negation();
      if (!r) return std::nullopt;
      l = add(Op::and_, begin_of(*l), end_of(*r), {*l, *r});
    }
    return l;
  }

  Idx negation() {
    if (cur_.kind == Tok::kw_not) {
      Nest nest(*this);
      if (failed_) return std::nullopt;
      const auto b = cur_.begin;
      advance();
      auto x = negation();
      if (!x) return std::nullopt;
      return add(Op::not_, b, end_of(*x), {*x});
    }
    return comparison();
  }

  Idx comparison() {
    auto l = additive();
    if (!l) return std::nullopt;
    Op op;
    switch (cur_.kind) {
      case Tok::eq: op = Op::eq; break;
      case Tok::ne: op = Op::ne; break;
      case Tok::lt: op = Op::lt; break;
      case Tok::le: op = Op::le; break;
      case Tok::gt: op = Op::gt; break;
      case Tok::ge: op = Op::ge; break;
      case Tok::kw_in: op = Op::in; break;
      default: return l;
    }
    advance();
    auto r = additive();
    if (!r) return std::nullopt;
    const auto n = add(op, begin_of(*l), end_of(*r), {*l, *r});
    switch (cur_.kind) {
      case Tok::eq: case Tok::ne: case Tok::lt: case Tok::le: case Tok::gt: case Tok::ge: case Tok::kw_in:
        fail("comparisons do not chain: write 'a < b and b < c'", "比较不能连写：请写成“a < b and b < c”");
        return std::nullopt;
      default:
        return n;
    }
  }

  Idx additive() {
    auto l = unary();
    while (l && (cur_.kind == Tok::plus || cur_.kind == Tok::minus)) {
      const Op op = cur_.kind == Tok::plus ? Op::add : Op::sub;
      advance();
      auto r = unary();
      if (!r) return std::nullopt;
      l = add(op, begin_of(*l), end_of(*r), {*l, *r});
    }
    return l;
  }

  Idx unary() {
    if (cur_.kind == Tok::minus) {
      Nest nest(*this);
      if (failed_) return std::nullopt;
      const auto b = cur_.begin;
      advance();
      auto x = unary();
      if (!x) return std::nullopt;
      return add(Op::neg, b, end_of(*x), {*x});
    }
    return primary();
  }

  Idx literal_node() {
    const auto n = add(Op::literal, cur_.begin, cur_.end, {});
    e_.nodes[n].literal = cur_.value;
    advance();
    return n;
  }

  Idx primary() {
    if (failed_) return std::nullopt;
    switch (cur_.kind) {
      case Tok::integer: case Tok::date: case Tok::instant: case Tok::time: case Tok::period: case Tok::month_day:
        return literal_node();
      case Tok::kw_true: case Tok::kw_false:
        cur_.value = Value::make_bool(cur_.kind == Tok::kw_true);
        return literal_node();
      case Tok::string: {
        e_.strings.push_back(std::move(cur_.text));
        cur_.value = Value::make_string(e_.strings.back());
        return literal_node();
      }
      case Tok::ident: {
        const auto b = cur_.begin;
        const auto e = cur_.end;
        e_.names.push_back(std::move(cur_.text));
        const auto name_index = static_cast<std::uint32_t>(e_.names.size() - 1);
        advance();
        if (cur_.kind != Tok::lparen) {
          const auto n = add(Op::name, b, e, {});
          e_.nodes[n].name_index = name_index;
          return n;
        }
        advance();
        std::vector<std::uint32_t> args;
        if (cur_.kind != Tok::rparen) {
          for (;;) {
            auto a = expression();
            if (!a) return std::nullopt;
            args.push_back(*a);
            if (cur_.kind != Tok::comma) break;
            advance();
          }
        }
        const auto close = cur_.end;
        if (!expect(Tok::rparen, "')' closing the call", "结束函数调用的“)”")) return std::nullopt;
        const auto n = add_v(Op::call, b, close, args);
        e_.nodes[n].name_index = name_index;
        return n;
      }
      case Tok::lparen: {
        const auto b = cur_.begin;
        advance();
        auto x = expression();
        if (!x) return std::nullopt;
        const auto close = cur_.end;
        if (!expect(Tok::rparen, "')'", "“)”")) return std::nullopt;
        // Keep the parentheses in the node's text so explanations quote what was written.
        e_.nodes[*x].begin = b;
        e_.nodes[*x].end = close;
        return x;
      }
      case Tok::lbracket: {
        const auto b = cur_.begin;
        advance();
        std::vector<std::uint32_t> items;
        if (cur_.kind != Tok::rbracket) {
          auto first = expression();
          if (!first) return std::nullopt;
          if (cur_.kind == Tok::dotdot) {
            advance();
            auto last = expression();
            if (!last) return std::nullopt;
            const auto close = cur_.end;
            if (!expect(Tok::rbracket, "']' closing the window", "结束时间窗的“]”")) return std::nullopt;
            return add(Op::window, b, close, {*first, *last});
          }
          items.push_back(*first);
          while (cur_.kind == Tok::comma) {
            advance();
            auto x = expression();
            if (!x) return std::nullopt;
            items.push_back(*x);
          }
        }
        const auto close = cur_.end;
        if (!expect(Tok::rbracket, "']' closing the list", "结束列表的“]”")) return std::nullopt;
        return add_v(Op::list, b, close, items);
      }
      case Tok::end:
        fail("expected a value here, found the end of the expression", "此处应有一个值，却已到表达式末尾");
        return std::nullopt;
      default:
        fail("expected a value here, found '" + e_.text.substr(cur_.begin, cur_.end - cur_.begin) + "'",
             "此处应有一个值，却是“" + e_.text.substr(cur_.begin, cur_.end - cur_.begin) + "”");
        return std::nullopt;
    }
  }

  static constexpr std::uint32_t kMaxDepth = 200;

  Lexer lex_;
  std::vector<ParseIssue>& issues_;
  Token cur_;
  Expr e_;
  std::vector<std::uint32_t> depth_;  // tree depth of each node
  std::uint32_t nesting_ = 0;
  bool failed_ = false;
};

}  // namespace

std::string calendar_message_zh(const calendar::CalendarError& e, std::string_view) { return e.message_zh; }

Expr parse_expr(std::string_view text, std::vector<ParseIssue>& issues) {
  Parser p(text, issues);
  return p.parse();
}

}  // namespace rules::expr
