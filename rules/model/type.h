#pragma once
/// The static types of the policy language. Every fact, parameter, output and expression has one;
/// the checker proves them before anything is evaluated.

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

namespace rules::model {

/// The kinds of value. `list` carries its element kind in Type::element.
enum class Kind : std::uint8_t {
  boolean,      ///< true / false
  integer,      ///< 64-bit signed
  string,       ///< UTF-8 text
  resident_id,  ///< 居民身份证号码: 18 characters, GB 11643-1999 check character; compared as text
  date,         ///< calendar date (日期), no time of day
  instant,      ///< point in time with a display offset (时刻)
  period,       ///< ISO 8601 years/months/days (期间)
  time_of_day,  ///< 00:00..23:59:59
  month_day,    ///< recurring day of the year, e.g. --09-01
  window,       ///< inclusive date window [start .. end] (期限/时间窗口)
  enumeration,  ///< one of a declared set of named values, Type::enum_id says which set
  text,         ///< guidance text with {placeholders}, rendered when the result is written
  list,         ///< ordered list of Type::element values
};

/// A static type. Plain value; compare with ==.
struct Type {
  Kind kind = Kind::boolean;
  Kind element = Kind::boolean;   ///< element kind when kind == list
  std::uint16_t enum_id = 0;      ///< enum set when kind (or element) is enumeration

  static constexpr Type of(Kind k) { return Type{k, Kind::boolean, 0}; }
  static constexpr Type enumeration(std::uint16_t id) { return Type{Kind::enumeration, Kind::boolean, id}; }
  static constexpr Type list_of(Type e) { return Type{Kind::list, e.kind, e.enum_id}; }
  /// The element type of a list type.
  constexpr Type element_type() const { return Type{element, Kind::boolean, enum_id}; }

  friend constexpr bool operator==(const Type& a, const Type& b) {
    if (a.kind != b.kind) return false;
    if (a.kind == Kind::list) return a.element == b.element && (a.element != Kind::enumeration || a.enum_id == b.enum_id);
    if (a.kind == Kind::enumeration) return a.enum_id == b.enum_id;
    return true;
  }
};

/// The language's name of a kind: "bool", "integer", "string", "resident_id", "date", "instant",
/// "period", "time", "month_day", "window", "enum", "text", "list".
std::string_view kind_name(Kind k);

/// Parses a scalar type name as written in a pack ("date", "bool", ... and "list<window>").
/// "enum" and "deadline" are handled by the loader. Returns false if unknown.
bool parse_type_name(std::string_view name, Type& out);

/// Whether values of this type are ordered (`<`, `min`, `max`).
bool is_ordered(Type t);

/// Whether known values of kind `k` are plain numbers, pointing into no row, situation or
/// evaluation arena (booleans, integers, dates, instants, periods, times, month-days, windows,
/// enum values), so that a copy can be kept beyond the row or evaluation that made it. Strings,
/// ID numbers, text and lists point elsewhere.
bool is_plain(Kind k);

}  // namespace rules::model
