#include "model/value_parse.h"

#include <charconv>

#include "model/resident_id.h"

namespace rules::model {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

template <class T, class Make>
bool take(const calendar::Expected<T>& r, Make make, Value& out, std::string& error) {
  if (!r) {
    error = r.error().message;
    return false;
  }
  out = make(*r);
  return true;
}

}  // namespace

std::string expected_form(Type t, std::span<const EnumDef> enums) {
  switch (t.kind) {
    case Kind::boolean: return "true or false (是/否)";
    case Kind::integer: return "an integer";
    case Kind::string: return "a string";
    case Kind::resident_id: return "an 18-character resident ID number (居民身份证号码)";
    case Kind::text: return "text";
    case Kind::date: return "a date YYYY-MM-DD";
    case Kind::instant: return "an instant YYYY-MM-DDTHH:MM:SS+08:00";
    case Kind::period: return "an ISO 8601 period such as P2Y or P15D";
    case Kind::time_of_day: return "a time HH:MM";
    case Kind::month_day: return "a month and day MM-DD";
    case Kind::window: return "a window [YYYY-MM-DD .. YYYY-MM-DD]";
    case Kind::list: return "a list";
    case Kind::enumeration: {
      std::string s = "one of ";
      if (t.enum_id < enums.size()) {
        bool first = true;
        for (const auto& v : enums[t.enum_id].values) {
          s += (first ? "" : ", ") + v.name + (v.label.empty() ? "" : " (" + v.label + ")");
          first = false;
        }
      }
      return s;
    }
  }
  return "a value";
}

bool parse_value(std::string_view raw, Type t, std::span<const EnumDef> enums, Value& out, std::string& error) {
  const std::string_view text = t.kind == Kind::string || t.kind == Kind::text ? raw : trim(raw);
  auto bad = [&](std::string why = {}) {
    error = "'" + std::string(raw) + "' is not " + expected_form(t, enums) + (why.empty() ? "" : ": " + why);
    return false;
  };
  switch (t.kind) {
    case Kind::boolean: {
      static constexpr std::string_view yes[] = {"true", "是", "yes", "1", "Y", "y", "TRUE", "True"};
      static constexpr std::string_view no[] = {"false", "否", "no", "0", "N", "n", "FALSE", "False"};
      for (auto y : yes) if (text == y) { out = Value::make_bool(true); return true; }
      for (auto n : no) if (text == n) { out = Value::make_bool(false); return true; }
      return bad();
    }
    case Kind::integer: {
      std::int64_t v = 0;
      const auto* b = text.data();
      const auto* e = text.data() + text.size();
      const auto r = std::from_chars(b, e, v);
      if (text.empty() || r.ec != std::errc() || r.ptr != e) return bad();
      out = Value::make_int(v);
      return true;
    }
    case Kind::resident_id: {
      // GB 11643-1999: the value views `raw` unless the check character had to be upper-cased,
      // which --set and situation files never need to keep: reject a lowercase x here.
      std::string normalized, why;
      if (!check_resident_id(text, normalized, why)) {
        error = why;
        return false;
      }
      if (normalized != text) {
        error = mask_resident_id(text) + ": write the check character as an upper-case X";
        return false;
      }
      out = Value::make_string(text, Kind::resident_id);
      return true;
    }
    case Kind::string:
    case Kind::text:
      out = Value::make_string(text, t.kind);
      return true;
    case Kind::date:
      if (!take(calendar::parse_date(text), [](auto d) { return Value::make_date(d); }, out, error)) return bad(error);
      return true;
    case Kind::instant:
      if (!take(calendar::parse_instant(text), [](auto i) { return Value::make_instant(i); }, out, error)) return bad(error);
      return true;
    case Kind::period:
      if (!take(calendar::parse_period(text), [](auto p) { return Value::make_period(p); }, out, error)) return bad(error);
      return true;
    case Kind::time_of_day:
      if (!take(calendar::parse_time_of_day(text), [](auto x) { return Value::make_time(x); }, out, error)) return bad(error);
      return true;
    case Kind::month_day:
      if (!take(calendar::parse_month_day(text), [](auto m) { return Value::make_month_day(m); }, out, error)) return bad(error);
      return true;
    case Kind::window: {
      if (text.size() < 2 || text.front() != '[' || text.back() != ']') return bad();
      const auto inner = text.substr(1, text.size() - 2);
      const auto dots = inner.find("..");
      if (dots == std::string_view::npos) return bad();
      const auto a = calendar::parse_date(trim(inner.substr(0, dots)));
      const auto b = calendar::parse_date(trim(inner.substr(dots + 2)));
      if (!a) return bad(a.error().message);
      if (!b) return bad(b.error().message);
      if (*b < *a) return bad("the window ends before it starts");
      out = Value::make_window({*a, *b});
      return true;
    }
    case Kind::enumeration: {
      if (t.enum_id >= enums.size()) return bad();
      const auto idx = enums[t.enum_id].find_any_case(text);  // as roster cells read it
      if (!idx) return bad();
      out = Value::make_enum(t.enum_id, *idx);
      return true;
    }
    case Kind::list:
      return bad("lists cannot be given as text");
  }
  return bad();
}

}  // namespace rules::model
