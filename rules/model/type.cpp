#include "model/type.h"

namespace rules::model {

std::string_view kind_name(Kind k) {
  switch (k) {
    case Kind::boolean: return "bool";
    case Kind::integer: return "integer";
    case Kind::string: return "string";
    case Kind::resident_id: return "resident_id";
    case Kind::date: return "date";
    case Kind::instant: return "instant";
    case Kind::period: return "period";
    case Kind::time_of_day: return "time";
    case Kind::month_day: return "month_day";
    case Kind::window: return "window";
    case Kind::enumeration: return "enum";
    case Kind::text: return "text";
    case Kind::list: return "list";
  }
  return "?";
}

bool parse_type_name(std::string_view name, Type& out) {
  static constexpr Kind scalars[] = {Kind::boolean, Kind::integer,    Kind::string,    Kind::resident_id, Kind::date,
                                     Kind::instant, Kind::period,     Kind::time_of_day, Kind::month_day,
                                     Kind::window,  Kind::text};
  if (name.starts_with("list<") && name.ends_with(">")) {
    Type e;
    if (!parse_type_name(name.substr(5, name.size() - 6), e) || e.kind == Kind::text) return false;
    out = Type::list_of(e);
    return true;
  }
  for (Kind k : scalars) {
    if (kind_name(k) == name) {
      out = Type::of(k);
      return true;
    }
  }
  return false;
}

bool is_plain(Kind k) {
  switch (k) {
    case Kind::boolean: case Kind::integer: case Kind::date: case Kind::instant: case Kind::period:
    case Kind::time_of_day: case Kind::month_day: case Kind::window: case Kind::enumeration:
      return true;
    case Kind::string: case Kind::resident_id: case Kind::text: case Kind::list:
      return false;
  }
  return false;
}

bool is_ordered(Type t) {
  switch (t.kind) {
    case Kind::integer:
    case Kind::date:
    case Kind::instant:
    case Kind::time_of_day:
    case Kind::month_day:
      return true;
    default:
      return false;
  }
}

}  // namespace rules::model
