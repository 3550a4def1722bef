#pragma once
/// Runtime values. A Value is a small trivially-copyable record so that evaluation never
/// allocates: strings point into storage owned by the pack or the situation, lists into the
/// evaluation's arena.

#include <bitset>
#include <cstdint>
#include <string_view>
#include <type_traits>

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
  State state = State::unknown;
  Kind kind = Kind::boolean;
  std::uint16_t enum_id = 0;
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
    struct {
      const char* data;
      std::uint32_t size;
    } string;                  ///< string and text (text: the rendered template source)
    struct {
      std::uint32_t offset;    ///< into the evaluation's list arena
      std::uint32_t count;
    } list;
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
  /// Unknown because the facts in `missing` are absent (empty set: not applicable).
  static Value make_unknown(const FactSet& missing) { Value v; v.state = State::unknown; v.missing = missing; return v; }
  // In-place setters for hot paths. `v = Value::make_bool(b)` builds a temporary field by field
  // and copies it whole, and the copy stalls: the processor cannot forward those narrow stores to
  // the wide loads of the copy. Measured at a fifth of the engine's time per output.

  /// Makes this value unknown, in place.
  void set_unknown(const FactSet& facts) {
    state = State::unknown;
    missing = facts;
  }
  /// Makes this value unknown because fact `index` is absent, in place.
  void set_absent_fact(std::size_t index) {
    state = State::unknown;
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

}  // namespace rules::model
