#pragma once
/// Runtime values. A Value is a small trivially-copyable record so that evaluation never
/// allocates: strings point into storage owned by the pack or the situation, lists into the
/// evaluation's arena.

#include <bitset>
#include <cstdint>
#include <string_view>
#include <type_traits>
#include <vector>

#include "calendar/date.h"
#include "calendar/instant.h"
#include "calendar/period.h"
#include "model/type.h"

namespace rules::model {

/// At most this many facts per pack (a load error beyond), so the set of missing facts of an
/// unknown value fits in a fixed bitset.
inline constexpr std::size_t kMaxFacts = 128;

/// The facts an unknown value is waiting for, by fact index.
using FactSet = std::bitset<kMaxFacts>;

/// No fact: the `Value::ask_first` of a value that names none (known, failed, not applicable,
/// or an unknown built without one: then its lowest missing fact is asked first).
inline constexpr std::uint8_t kNoFact = 0xFF;
static_assert(kMaxFacts <= kNoFact, "fact indices must fit Value::ask_first below kNoFact");

/// Inclusive window of dates [start .. end] (both days included).
struct Window {
  calendar::Date start;
  calendar::Date end;
  /// Whether `d` lies in [start .. end].
  constexpr bool contains(calendar::Date d) const { return start <= d && d <= end; }
  friend constexpr bool operator==(const Window&, const Window&) = default;
};

/// Whether a value is known.
enum class State : std::uint8_t {
  known,    ///< the payload holds the value
  unknown,  ///< not decidable: `missing` lists the absent facts it needs (empty: not applicable)
  error,    ///< evaluation failed (e.g. 2023-02-29 from date()); `error_index` into the result
};

/// A value of the policy language, or the reason it has none.
struct Value {
  // The union's record members have named types declared here: a type declared inside an
  // anonymous union is a GNU extension (clang -Wnested-anon-types), and the build is -Werror.
  /// Where a string or text value's bytes are.
  struct Bytes {
    const char* data;
    std::uint32_t size;
  };
  /// Where a list value's items are.
  struct Items {
    std::uint32_t offset;    ///< into the evaluation's list arena
    std::uint32_t count;
  };

  State state = State::unknown;
  Kind kind = Kind::boolean;
  std::uint16_t enum_id = 0;
  /// When unknown: the fact to ask for first (the one the decision waits on before the others),
  /// or kNoFact. Set by set_absent_fact; an operation over unknowns takes its first unknown
  /// operand's, an undecided `if` its condition's, an undecided rule's outputs its `when`'s or
  /// version date's. Read it through first_to_ask(), which also covers kNoFact. It lives in
  /// what was padding: Value does not grow (static_assert below).
  std::uint8_t ask_first = kNoFact;
  union {
    bool boolean;
    std::int64_t integer;
    calendar::Date date;
    calendar::Instant instant;
    calendar::Period period;
    calendar::TimeOfDay time_of_day;
    calendar::MonthDay month_day;
    Window window;
    std::uint32_t enum_index;  ///< index into the enum's values
    Bytes string;              ///< string and text (text: the rendered template source)
    Items list;
    std::uint32_t error_index; ///< when state == error
  };
  FactSet missing;  ///< when state == unknown

  Value() : integer(0) {}

  static Value make_bool(bool b) { Value v; v.state = State::known; v.kind = Kind::boolean; v.boolean = b; return v; }
  static Value make_int(std::int64_t i) { Value v; v.state = State::known; v.kind = Kind::integer; v.integer = i; return v; }
  static Value make_date(calendar::Date d) { Value v; v.state = State::known; v.kind = Kind::date; v.date = d; return v; }
  static Value make_instant(calendar::Instant i) { Value v; v.state = State::known; v.kind = Kind::instant; v.instant = i; return v; }
  static Value make_period(calendar::Period p) { Value v; v.state = State::known; v.kind = Kind::period; v.period = p; return v; }
  static Value make_time(calendar::TimeOfDay t) { Value v; v.state = State::known; v.kind = Kind::time_of_day; v.time_of_day = t; return v; }
  static Value make_month_day(calendar::MonthDay m) { Value v; v.state = State::known; v.kind = Kind::month_day; v.month_day = m; return v; }
  static Value make_window(Window w) { Value v; v.state = State::known; v.kind = Kind::window; v.window = w; return v; }
  static Value make_enum(std::uint16_t enum_id, std::uint32_t index) {
    Value v; v.state = State::known; v.kind = Kind::enumeration; v.enum_id = enum_id; v.enum_index = index; return v;
  }
  static Value make_string(std::string_view s, Kind k = Kind::string) {
    Value v; v.state = State::known; v.kind = k; v.string = {s.data(), static_cast<std::uint32_t>(s.size())}; return v;
  }
  static Value make_list(Type element, std::uint32_t offset, std::uint32_t count) {
    Value v; v.state = State::known; v.kind = Kind::list; v.enum_id = element.enum_id; v.list = {offset, count}; return v;
  }
  /// Unknown because the facts in `missing` are absent (empty set: not applicable); `first`: the
  /// fact to ask for first (kNoFact: the lowest in `missing`).
  static Value make_unknown(const FactSet& missing, std::uint8_t first = kNoFact) {
    Value v; v.state = State::unknown; v.ask_first = first; v.missing = missing; return v;
  }
  // In-place setters for hot paths. `v = Value::make_bool(b)` builds a temporary field by field
  // and copies it whole, and the copy stalls: the processor cannot forward those narrow stores to
  // the wide loads of the copy. Measured at a fifth of the engine's time per output.

  /// Makes this value unknown, waiting for `facts`, in place; `first`: the fact to ask for first
  /// (kNoFact: the lowest in `facts`).
  void set_unknown(const FactSet& facts, std::uint8_t first = kNoFact) {
    state = State::unknown;
    ask_first = first;
    missing = facts;
  }
  /// Makes this value unknown because fact `index` is absent, in place: it is the one to ask.
  void set_absent_fact(std::size_t index) {
    state = State::unknown;
    ask_first = static_cast<std::uint8_t>(index);
    missing.reset();
    missing.set(index);
  }
  /// Makes this value the known boolean `b`, in place.
  void set_bool(bool b) {
    state = State::known;
    kind = Kind::boolean;
    boolean = b;
  }
  static Value make_error(std::uint32_t index) { Value v; v.state = State::error; v.error_index = index; return v; }

  bool known() const { return state == State::known; }
  std::string_view str() const { return {string.data, string.size}; }
};

// ask_first took padding after enum_id: a Value is as large as before it (x86-64, 64-bit ARM).
static_assert(sizeof(Value) == 40, "Value grew: it is copied on every evaluation step");
static_assert(std::is_trivially_copyable_v<Value>);

/// The fact to ask for first while `v` is unknown: its `ask_first` when that is one of its
/// missing facts, else the lowest of them; kNoFact when it misses none (or is not unknown).
inline std::uint8_t first_to_ask(const Value& v) {
  if (v.state != State::unknown) return kNoFact;
  if (v.ask_first < kMaxFacts && v.missing.test(v.ask_first)) return v.ask_first;
  for (std::size_t f = 0; f < kMaxFacts; ++f) {
    if (v.missing.test(f)) return static_cast<std::uint8_t>(f);
  }
  return kNoFact;
}

/// The facts of `missing` in the order to ask for them: `first` (when it is one of them), then
/// the others in fact-index order. Every list of missing facts shown (JSON, text, JSON Lines)
/// comes from here.
std::vector<std::uint32_t> ordered_missing(const FactSet& missing, std::uint8_t first);

/// The facts unknown value `v` waits for, in the order to ask for them (first_to_ask(v) first).
std::vector<std::uint32_t> ordered_missing(const Value& v);

}  // namespace rules::model
