#include "expr/evaluator.h"

#include <array>

#include "calendar/period.h"
#include "model/format.h"

namespace rules::expr {
namespace {

using calendar::Date;
using model::Kind;
using model::State;
using model::Value;

// Results are returned by reference: a name's value is its environment slot, a literal's is the
// node's own, and a computed value is written to the node's scratch slot (each node runs at most
// once per evaluation, so a child's result stays put while its parent reads it). Returning
// 48-byte values by copy cost more than the arithmetic: every copy re-read a value just written
// field by field, which the processor cannot forward from its store buffer.
class Eval {
 public:
  Eval(const Expr& e, EvalContext& ctx, Value* scratch) : e_(e), ctx_(ctx), scratch_(scratch) {}

  const Value& run(std::uint32_t i) {
    const Node& n = e_.nodes[i];
    Value& out = scratch_[i];
    switch (n.op) {
      case Op::literal:
        if (n.literal.kind != Kind::text) return n.literal;
        return text(n, out);
      case Op::name: {
        const Value& v = ctx_.env[n.slot];
        if (ctx_.reads) note_read(n.slot);
        if (ctx_.trace) record(TraceStep::Kind::input, std::string(ctx_.slot_names[n.slot]) + " = " + show(v));
        return v;
      }
      case Op::neg: {
        const Value& x = arg(kid(n, 0));
        if (!x.known()) return x;
        if (x.integer == INT64_MIN) {
          const std::string x_text = std::to_string(x.integer);
          return fail(out, "integer_overflow", "-" + x_text + " overflows", "对 " + x_text + " 取负超出整数范围");
        }
        return out = Value::make_int(-x.integer);
      }
      case Op::add:
      case Op::sub:
        return arith(n, out);
      case Op::eq: case Op::ne: case Op::lt: case Op::le: case Op::gt: case Op::ge:
        return compare(n, out);
      case Op::and_:
      case Op::or_:
        return logic(n, out);
      case Op::not_: {
        const Value& x = arg(kid(n, 0));
        if (!x.known()) return x;
        return out = Value::make_bool(!x.boolean);
      }
      case Op::if_: {
        const Value& c = arg(kid(n, 0));
        if (c.state == State::error) return c;
        if (c.state == State::unknown) return ctx_.complete_missing ? undecided_if(n, c, out) : c;
        if (ctx_.branches) ctx_.branches->if_taken(e_, i, c.boolean);
        const Value& r = arg(kid(n, c.boolean ? 1 : 2));
        if (ctx_.trace) {
          if (zh()) {
            record(TraceStep::Kind::step, "如果 " + brief(e_.nodes[kid(n, 0)]) + "：" +
                                              (c.boolean ? "是，则 " : "否，否则 ") + show(r));
          } else {
            record(TraceStep::Kind::step, "if " + brief(e_.nodes[kid(n, 0)]) + ": " +
                                              (c.boolean ? "true, then " : "false, else ") + show(r));
          }
        }
        return r;
      }
      case Op::in:
        return in(n, out);
      case Op::window: {
        const Value& a = arg(kid(n, 0));
        const Value& b = arg(kid(n, 1));
        if (const Value* bad = combine(a, b, out)) return *bad;
        if (b.date < a.date) {
          // Almost always a parameter mix-up (an intake period 09-20 .. 09-01): never an empty window.
          const std::string window = "[" + model::format_value(a, {}) + " .. " + model::format_value(b, {}) + "]";
          return fail(out, "window_reversed", "the window " + window + " (" + brief(n) + ") ends before it starts",
                      "时间窗 " + window + "（" + brief(n) + "）的结束日早于开始日");
        }
        return out = Value::make_window({a.date, b.date});
      }
      case Op::list:
        return list(n, out);
      case Op::call:
        return call(n, out);
    }
    return out = Value::make_unknown({});
  }

 private:
  std::uint32_t kid(const Node& n, std::uint32_t k) const { return e_.children[n.first_child + k]; }

  /// The value of child node `i`: names and literals (half the nodes) without entering run(),
  /// whose frame is large; everything else, and names when tracing, through run().
  const Value& arg(std::uint32_t i) {
    const Node& n = e_.nodes[i];
    if (n.op == Op::name && !ctx_.trace) {
      if (ctx_.reads) note_read(n.slot);
      return ctx_.env[n.slot];
    }
    if (n.op == Op::literal && n.literal.kind != Kind::text) return n.literal;
    return run(i);
  }

  /// Records that slot `slot` was read (EvalContext::reads): a fact, or the facts an output rests on.
  void note_read(std::uint32_t slot) {
    if (slot < ctx_.fact_count) {
      ctx_.reads->set(slot);
    } else if (slot >= ctx_.output_base && slot - ctx_.output_base < ctx_.output_reads.size()) {
      *ctx_.reads |= ctx_.output_reads[slot - ctx_.output_base];
    }
  }

  bool zh() const { return ctx_.lang == source::Lang::zh; }

  /// A value in a step: in Chinese, 是/否, 未知, 错误 and enums by label; in English as
  /// format_value writes it (true/false, unknown, enums by name).
  std::string show(const Value& v) const {
    if (zh()) {
      if (v.state == State::unknown) return "未知";
      if (v.state == State::error) return "错误";
      if (v.kind == Kind::boolean) return v.boolean ? "是" : "否";
    }
    model::FormatContext f{ctx_.enums, *ctx_.list_arena, zh()};
    return model::format_value(v, f);
  }

  void record(TraceStep::Kind k, std::string text) { ctx_.trace->push_back({k, std::move(text)}); }

  /// The source of a node for an explanation: long sub-expressions are cut (at a character
  /// boundary) so that explaining a long chain does not repeat it at every step.
  std::string brief(const Node& n) const {
    constexpr std::size_t kMax = 80;
    std::string_view src = e_.source_of(n);
    if (src.size() <= kMax) return std::string(src);
    std::size_t cut = kMax - 3;
    while (cut > 0 && (static_cast<unsigned char>(src[cut]) & 0xC0) == 0x80) --cut;
    return std::string(src.substr(0, cut)) + "…";
  }

  /// "<source>: <operands> -> <result> (<note>)"; in Chinese "<source>：<operands> → <result>（<note>）".
  void step(const Node& n, const std::string& detail, const Value& r, const std::string& note = {}) {
    std::string line = brief(n);
    if (!detail.empty()) line += (zh() ? "：" : ": ") + detail;
    line += (zh() ? " → " : " -> ") + show(r);
    if (!note.empty()) line += zh() ? "（" + note + "）" : " (" + note + ")";
    record(TraceStep::Kind::step, std::move(line));
  }

  /// Records an error in both languages and makes `out` point at it.
  const Value& fail(Value& out, const char* code, std::string message, std::string message_zh) {
    ctx_.errors->push_back({code, std::move(message), std::move(message_zh)});
    return out = Value::make_error(static_cast<std::uint32_t>(ctx_.errors->size() - 1));
  }

  const Value& fail(Value& out, const calendar::CalendarError& err) {
    return fail(out, calendar::code_name(err.code), err.message, err.message_zh);
  }

  /// The value to return when an operand is not known: the first error, else the one unknown
  /// operand, else (both unknown) the union of their missing facts, written to `out`, asking
  /// first what `a` asks first. Null when both operands are known. `out` may be `a` (folds).
  static const Value* combine(const Value& a, const Value& b, Value& out) {
    if (a.state == State::error) return &a;
    if (b.state == State::error) return &b;
    if (a.known()) return b.known() ? nullptr : &b;
    if (b.known()) return &a;
    std::uint8_t first = model::first_to_ask(a);
    if (first == model::kNoFact) first = model::first_to_ask(b);
    out.set_unknown(a.missing | b.missing, first);
    return &out;
  }

  /// `if c then a else b` with `c` unknown: which branch is taken is undecided, so the result
  /// waits for c's facts and for those of each branch that is unknown itself (both branches are
  /// evaluated; a known or failed branch adds nothing, its error not being the result's). The
  /// condition's fact is asked first. A condition waiting for no fact (it reads an output that
  /// does not apply) is never decided: then, as when the branches add no fact, `c` itself.
  const Value& undecided_if(const Node& n, const Value& c, Value& out) {
    if (c.missing.none()) return c;
    // Neither branch is taken: what the `if`s inside them decide is not a branch a test reached.
    BranchObserver* const branches = ctx_.branches;
    ctx_.branches = nullptr;
    const Value& a = arg(kid(n, 1));
    const Value& b = arg(kid(n, 2));
    ctx_.branches = branches;
    model::FactSet missing = c.missing;
    for (const Value* branch : {&a, &b}) {
      if (branch->state == State::unknown) missing |= branch->missing;
    }
    const Value* r = &c;
    if (missing != c.missing) {
      out.set_unknown(missing, model::first_to_ask(c));
      r = &out;
    }
    if (ctx_.trace) {
      if (zh()) {
        record(TraceStep::Kind::step, "如果 " + brief(e_.nodes[kid(n, 0)]) + "：未知，则 " + show(a) + "，否则 " +
                                          show(b) + " → " + show(*r));
      } else {
        record(TraceStep::Kind::step, "if " + brief(e_.nodes[kid(n, 0)]) + ": unknown, then " + show(a) + ", else " +
                                          show(b) + " -> " + show(*r));
      }
    }
    return *r;
  }

  const Value& text(const Node& n, Value& out) {
    // A template is known when all its placeholders are.
    const Value* acc = &n.literal;
    for (std::uint32_t k = 0; k < n.child_count; ++k) {
      const std::uint32_t slot = e_.placeholder_slots[n.first_child + k];
      if (ctx_.reads) note_read(slot);
      const Value& p = ctx_.env[slot];
      if (p.known()) continue;
      if (const Value* bad = combine(*acc, p, out)) acc = bad;
    }
    return *acc;
  }

  const Value& arith(const Node& n, Value& out) {
    const Value& a = arg(kid(n, 0));
    const Value& b = arg(kid(n, 1));
    if (const Value* bad = combine(a, b, out)) return *bad;
    const bool plus = n.op == Op::add;
    if (a.kind == Kind::list) {
      // Concatenation: copy both lists to the end of the arena, a's items first.
      const auto offset = static_cast<std::uint32_t>(ctx_.list_arena->size());
      // Copied through a local: push_back may reallocate the arena the items live in.
      for (std::uint32_t k = 0; k < a.list.count; ++k) {
        const Value v = item(a, k);
        ctx_.list_arena->push_back(v);
      }
      for (std::uint32_t k = 0; k < b.list.count; ++k) {
        const Value v = item(b, k);
        ctx_.list_arena->push_back(v);
      }
      return out = Value::make_list(n.type.element_type(), offset, a.list.count + b.list.count);
    }
    if (a.kind == Kind::integer) {
      std::int64_t r;
      if (plus ? __builtin_add_overflow(a.integer, b.integer, &r) : __builtin_sub_overflow(a.integer, b.integer, &r)) {
        const std::string what = std::to_string(a.integer) + (plus ? " + " : " - ") + std::to_string(b.integer);
        return fail(out, "integer_overflow", what + " overflows", what + " 超出整数范围");
      }
      return out = Value::make_int(r);
    }
    if (b.kind == Kind::date) {  // date - date: days
      out = Value::make_int(calendar::days_between(b.date, a.date));
      if (ctx_.trace) step(n, show(a) + " - " + show(b), out, zh() ? "相差日数" : "days");
      return out;
    }
    // Civil Code Art. 202: periods apply from their anchor, month ends handled by the calendar.
    const auto r = plus ? calendar::add_period(a.date, b.period) : calendar::subtract_period(a.date, b.period);
    if (!r) return fail(out, r.error());
    out = Value::make_date(r->date);
    if (ctx_.trace) {
      step(n, show(a) + (plus ? " + " : " - ") + show(b), out,
           calendar::explain_period_step(a.date, b.period, *r, ctx_.lang));
    }
    return out;
  }

  static int order(const Value& a, const Value& b) {
    auto cmp = [](auto x, auto y) { return x < y ? -1 : (y < x ? 1 : 0); };
    switch (a.kind) {
      case Kind::integer: return cmp(a.integer, b.integer);
      case Kind::date: return cmp(a.date, b.date);
      case Kind::instant: return cmp(a.instant, b.instant);
      case Kind::time_of_day: return cmp(a.time_of_day, b.time_of_day);
      case Kind::month_day: return cmp(a.month_day, b.month_day);
      default: return 0;
    }
  }

  static bool equal(const Value& a, const Value& b) {
    switch (a.kind) {
      case Kind::boolean: return a.boolean == b.boolean;
      case Kind::string: return a.str() == b.str();
      case Kind::period: return a.period == b.period;
      case Kind::window: return a.window == b.window;
      case Kind::enumeration: return a.enum_index == b.enum_index;
      default: return order(a, b) == 0;
    }
  }

  const Value& compare(const Node& n, Value& out) {
    const Value& a = arg(kid(n, 0));
    const Value& b = arg(kid(n, 1));
    if (const Value* bad = combine(a, b, out)) return *bad;
    bool r = false;
    switch (n.op) {
      case Op::eq: r = equal(a, b); break;
      case Op::ne: r = !equal(a, b); break;
      case Op::lt: r = order(a, b) < 0; break;
      case Op::le: r = order(a, b) <= 0; break;
      case Op::gt: r = order(a, b) > 0; break;
      case Op::ge: r = order(a, b) >= 0; break;
      default: break;
    }
    out = Value::make_bool(r);
    if (ctx_.trace && (a.kind == Kind::date || a.kind == Kind::instant)) {
      step(n, show(a) + " " + std::string(op_symbol(n.op)) + " " + show(b), out);
    }
    return out;
  }

  const Value& logic(const Node& n, Value& out) {
    // Kleene three-valued logic: a decisive operand (false for and, true for or) wins even
    // when the other is unknown or failed.
    const bool is_and = n.op == Op::and_;
    const Value& a = arg(kid(n, 0));
    if (a.known() && a.boolean != is_and) return a;
    const Value& b = arg(kid(n, 1));
    if (b.known() && b.boolean != is_and) return b;
    if (const Value* bad = combine(a, b, out)) return *bad;
    return out = Value::make_bool(is_and);
  }

  const Value& item(const Value& list, std::uint32_t k) const { return (*ctx_.list_arena)[list.list.offset + k]; }

  const Value& in(const Node& n, Value& out) {
    const Value& a = arg(kid(n, 0));
    const Value& b = arg(kid(n, 1));
    if (const Value* bad = combine(a, b, out)) return *bad;
    bool r = false;
    if (b.kind == Kind::window) {
      r = b.window.contains(a.date);
    } else {
      for (std::uint32_t k = 0; k < b.list.count && !r; ++k) {
        const Value& x = item(b, k);
        r = x.kind == Kind::window && a.kind == Kind::date ? x.window.contains(a.date) : equal(a, x);
      }
    }
    out = Value::make_bool(r);
    if (ctx_.trace) {
      step(n, show(a) + " in " + show(b), out,
           b.kind != Kind::window ? "" : zh() ? "首尾两日都包括在内" : "both ends included");
    }
    return out;
  }

  const Value& list(const Node& n, Value& out) {
    // Items are evaluated first (they may use the arena themselves; their results stay in their
    // own nodes' slots), then copied to the arena contiguously.
    constexpr std::uint32_t kInline = 16;
    std::array<const Value*, kInline> inline_items;
    std::vector<const Value*> spill;
    const Value* acc = nullptr;  // the first failure or the unknown so far
    for (std::uint32_t k = 0; k < n.child_count; ++k) {
      const Value& v = arg(kid(n, k));
      if (!v.known()) acc = acc ? combine(*acc, v, out) : &v;
      if (k < kInline) inline_items[k] = &v; else spill.push_back(&v);
    }
    if (acc) return *acc;
    const auto offset = static_cast<std::uint32_t>(ctx_.list_arena->size());
    for (std::uint32_t k = 0; k < n.child_count; ++k) {
      const Value v = *(k < kInline ? inline_items[k] : spill[k - kInline]);  // push_back may move the arena
      ctx_.list_arena->push_back(v);
    }
    return out = Value::make_list(n.type.element_type(), offset, n.child_count);
  }

  const Value& call(const Node& n, Value& out) {
    if (n.fn == Fn::if_unknown) {
      const Value& x = arg(kid(n, 0));
      if (x.state != State::unknown) return x;
      const Value& v = arg(kid(n, 1));
      // An unknown fallback waits for x's facts too: given them, x would be the value.
      const Value& r = v.state == State::unknown ? *combine(x, v, out) : v;
      if (ctx_.trace) {
        if (zh()) step(n, brief(e_.nodes[kid(n, 0)]) + " 未知", r, "取备用值");
        else step(n, brief(e_.nodes[kid(n, 0)]) + " is unknown", r, "taken as the fallback");
      }
      return r;
    }
    if (n.fn == Fn::has) {
      if (ctx_.reads) note_read(n.slot);
      const bool present = ctx_.env[n.slot].state != State::unknown;
      out = Value::make_bool(present);
      if (ctx_.trace) step(n, "", out, zh() ? (present ? "已给出" : "未给出") : (present ? "fact given" : "fact absent"));
      return out;
    }
    const std::uint32_t argc = n.child_count;
    const Value* acc = nullptr;  // the first failure or the unknown so far
    // min/max may take many arguments; fold them as they come.
    if (n.fn == Fn::min || n.fn == Fn::max) {
      const Value* best = nullptr;
      for (std::uint32_t k = 0; k < argc; ++k) {
        const Value& v = arg(kid(n, k));
        if (!v.known()) {
          acc = acc ? combine(*acc, v, out) : &v;
          continue;
        }
        if (!best || (n.fn == Fn::min ? order(v, *best) < 0 : order(v, *best) > 0)) best = &v;
      }
      if (acc) return *acc;
      if (ctx_.trace) step(n, "", *best);
      return *best;
    }
    std::array<const Value*, 3> args{};
    for (std::uint32_t k = 0; k < argc && k < args.size(); ++k) {
      const Value& v = arg(kid(n, k));
      args[k] = &v;
      if (!v.known()) acc = acc ? combine(*acc, v, out) : &v;
    }
    if (acc) return *acc;
    const Value& a = *args[0];
    switch (n.fn) {
      case Fn::year: out = Value::make_int(a.date.year()); break;
      case Fn::month: out = Value::make_int(a.date.month()); break;
      case Fn::day: out = Value::make_int(a.date.day()); break;
      case Fn::weekday: out = Value::make_int(a.date.iso_weekday()); break;
      case Fn::date_ymd: {
        const auto y = a.integer, m = args[1]->integer, d = args[2]->integer;
        if (y < calendar::kMinYear || y > calendar::kMaxYear || m < 1 || m > 12 || d < 1 || d > 31) {
          const bool range = y < calendar::kMinYear || y > calendar::kMaxYear;
          const std::string call = "date(" + std::to_string(y) + ", " + std::to_string(m) + ", " + std::to_string(d) + ")";
          return fail(out, range ? "date_out_of_range" : "date_invalid",
                      call + " is not a date" + (range ? " in the supported years 1..9999" : ""),
                      call + (range ? " 不在支持的年份（1 至 9999 年）内" : " 不是日期"));
        }
        const auto dt = calendar::make_date(static_cast<int>(y), static_cast<int>(m), static_cast<int>(d));
        if (!dt) return fail(out, dt.error());
        out = Value::make_date(*dt);
        break;
      }
      case Fn::date_month_day: {
        if (a.integer < calendar::kMinYear || a.integer > calendar::kMaxYear)
          return fail(out, "date_out_of_range", "year " + std::to_string(a.integer) + " is outside 1..9999",
                      "年份 " + std::to_string(a.integer) + " 不在 1 至 9999 内");
        const auto dt = calendar::in_year(args[1]->month_day, static_cast<int>(a.integer));
        if (!dt) return fail(out, dt.error());
        out = Value::make_date(*dt);
        break;
      }
      case Fn::days_between: out = Value::make_int(calendar::days_between(a.date, args[1]->date)); break;
      case Fn::start_of_day:
      case Fn::end_of_day:
      case Fn::instant_at: {
        const auto i = n.fn == Fn::start_of_day ? ctx_.zone->start_of_day(a.date)
                       : n.fn == Fn::end_of_day ? ctx_.zone->end_of_day(a.date)
                                                : ctx_.zone->at(a.date, args[1]->time_of_day);
        if (!i) return fail(out, i.error());
        out = Value::make_instant(*i);
        break;
      }
      case Fn::date_of: {
        const auto d = ctx_.zone->date_of(a.instant);
        if (!d) return fail(out, d.error());
        out = Value::make_date(*d);
        break;
      }
      case Fn::is_rest_day:
      case Fn::is_workday: {
        const auto rest = holidays().is_rest_day(a.date);
        if (!rest) return fail(out, rest.error());
        out = Value::make_bool(n.fn == Fn::is_rest_day ? *rest : !*rest);
        break;
      }
      case Fn::next_workday: {
        const auto d = holidays().next_workday(a.date);
        if (!d) return fail(out, d.error());
        out = Value::make_date(*d);
        break;
      }
      case Fn::add_workdays: {
        const auto d = holidays().add_workdays(a.date, args[1]->integer);
        if (!d) return fail(out, d.error());
        out = Value::make_date(*d);
        break;
      }
      case Fn::start: out = Value::make_date(a.window.start); break;
      case Fn::end: out = Value::make_date(a.window.end); break;
      case Fn::count: out = Value::make_int(a.list.count); break;
      case Fn::first:
      case Fn::last:
        if (a.list.count == 0) {
          return fail(out, "empty_list", std::string(e_.source_of(n)) + ": the list is empty",
                      std::string(e_.source_of(n)) + "：列表为空");
        }
        out = item(a, n.fn == Fn::first ? 0 : a.list.count - 1);  // copied: the arena may move later
        break;
      default:
        return out = Value::make_unknown({});
    }
    if (ctx_.trace) trace_call(n, args, out);
    return out;
  }

  /// The explanation step of a function call: `name(arguments) -> result (note)`, the note naming
  /// the article a step follows (Art. 203 for a deadline's 24:00 and the roll-over past rest days).
  void trace_call(const Node& n, const std::array<const Value*, 3>& args, const Value& r) {
    const Value& a = *args[0];
    std::string note;
    switch (n.fn) {
      case Fn::weekday: note = zh() ? "1 = 星期一 … 7 = 星期日" : "1 = Monday .. 7 = Sunday"; break;
      case Fn::start_of_day:
      case Fn::end_of_day:
      case Fn::instant_at: {
        const std::string offset = calendar::format_utc_offset(r.instant.offset_seconds);
        const std::string zone(ctx_.zone->name());
        if (zh()) {
          const std::string at = n.fn == Fn::start_of_day ? "00:00" : n.fn == Fn::end_of_day ? "24:00" : show(*args[1]);
          note = "时区 " + zone + (ctx_.zone_label.empty() ? "" : " " + std::string(ctx_.zone_label)) + " " + at;
          if (n.fn == Fn::end_of_day) note += "，即次日 00:00";
          note += "，" + offset;
          if (n.fn == Fn::end_of_day) note += "，民法典第二百零三条";
        } else {
          note = std::string(n.fn == Fn::start_of_day ? "00:00" : n.fn == Fn::end_of_day ? "24:00, the next day's 00:00"
                                                                                         : show(*args[1])) +
                 " in " + zone + ", " + offset;
          if (n.fn == Fn::end_of_day) note += ", Civil Code Art. 203";
        }
        break;
      }
      case Fn::is_rest_day: note = day_kind(a.date, r.boolean); break;
      case Fn::is_workday: note = day_kind(a.date, !r.boolean); break;
      case Fn::next_workday:
        if (zh()) {
          note = r.date == a.date ? show(a) + " 是工作日"
                                  : day_kind(a.date, true) + "；休息日结束后的第一个工作日（民法典第二百零三条）";
        } else {
          note = r.date == a.date ? show(a) + " is a working day"
                                  : day_kind(a.date, true) + "; the first working day after the rest (Civil Code Art. 203)";
        }
        break;
      case Fn::add_workdays: note = zh() ? "跳过法定休息日" : "statutory rest days skipped"; break;
      default: break;
    }
    std::string text;
    for (std::uint32_t k = 0; k < n.child_count && k < args.size(); ++k) text += (k ? ", " : "") + show(*args[k]);
    const std::string name(e_.names[n.name_index]);
    step(n, name + "(" + text + ")", r, note);
  }

  const calendar::HolidayCalendar& holidays() const {
    static const calendar::HolidayCalendar none;
    return ctx_.holidays ? *ctx_.holidays : none;
  }

  /// "2024-02-12 is a rest day (春节, <notice>)" / "2024-02-12 是法定休息日（春节，<notice>）" and
  /// similar, for explanations.
  std::string day_kind(calendar::Date d, bool rest) const {
    const auto name = holidays().holiday_name(d);
    const auto* notice = holidays().notice_for(d.year());
    if (zh()) {
      std::string s = calendar::format_date(d) + (rest ? " 是法定休息日" : " 是工作日");
      if (!name.empty()) {
        s += "（" + std::string(name) + (notice ? "，" + notice->notice : std::string()) + "）";
      } else if (rest) {
        s += "（周末）";
      } else if (d.iso_weekday() >= 6) {
        s += "（调休上班日" + (notice ? "，" + notice->notice : std::string()) + "）";
      }
      return s;
    }
    std::string s = calendar::format_date(d) + (rest ? " is a rest day" : " is a working day");
    if (!name.empty()) {
      s += " (" + std::string(name) + (notice ? ", " + notice->notice : std::string()) + ")";
    } else if (rest) {
      s += " (weekend)";
    } else if (d.iso_weekday() >= 6) {
      s += " (makeup working day" + (notice ? ", " + notice->notice : std::string()) + ")";
    }
    return s;
  }

  const Expr& e_;
  EvalContext& ctx_;
  Value* scratch_;  // one slot per node of e_
};

}  // namespace

model::Value evaluate(const Expr& e, EvalContext& ctx) {
  std::vector<Value> local;
  std::vector<Value>& scratch = ctx.scratch ? *ctx.scratch : local;
  if (scratch.size() < e.nodes.size()) scratch.resize(e.nodes.size());
  Eval ev(e, ctx, scratch.data());
  return ev.run(e.root);
}

}  // namespace rules::expr
