#include "model/value_parse.h"

#include "model/cell_text.h"
#include "model/resident_id.h"

namespace rules::model {
namespace {

using source::Lang;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

template <class T, class Make>
bool take(const calendar::Expected<T>& r, Make make, Value& out, std::string& error, Lang lang) {
  if (!r) {
    error = lang == Lang::zh && !r.error().message_zh.empty() ? r.error().message_zh : r.error().message;
    return false;
  }
  out = make(*r);
  return true;
}

}  // namespace

std::string expected_form(Type t, std::span<const EnumDef> enums, Lang lang) {
  const bool zh = lang == Lang::zh;
  switch (t.kind) {
    case Kind::boolean: return zh ? "是或否（" + std::string(bool_forms(lang)) + "）" : "true or false (是/否)";
    case Kind::integer: return zh ? "整数，如 12" : "an integer";
    case Kind::string: return zh ? "文字" : "a string";
    case Kind::resident_id: return zh ? "18位居民身份证号码" : "an 18-character resident ID number (居民身份证号码)";
    case Kind::text: return zh ? "文本" : "text";
    case Kind::date: return zh ? "日期，如 2025-06-30、2025/6/30 或 2025年6月30日" : "a date YYYY-MM-DD";
    case Kind::instant: return zh ? "时刻，如 2025-06-30T08:00:00+08:00" : "an instant YYYY-MM-DDTHH:MM:SS+08:00";
    case Kind::period: return zh ? "期间，如 P2Y（2年）、P6M（6个月）、P15D（15天）" : "an ISO 8601 period such as P2Y or P15D";
    case Kind::time_of_day: return zh ? "时间，如 08:30" : "a time HH:MM";
    case Kind::month_day: return zh ? "月日，如 09-01" : "a month and day MM-DD";
    case Kind::window: return zh ? "时间窗，如 [2025-09-01 .. 2025-09-30]" : "a window [YYYY-MM-DD .. YYYY-MM-DD]";
    case Kind::list: return zh ? "列表" : "a list";
    case Kind::enumeration: {
      std::string s = zh ? "以下之一：" : "one of ";
      if (t.enum_id < enums.size()) {
        bool first = true;
        for (const auto& v : enums[t.enum_id].values) {
          s += first ? "" : (zh ? "、" : ", ");
          // A Chinese reader is shown the labels (the names are accepted too, but mean nothing to them).
          if (zh) s += v.label.empty() ? v.name : v.label;
          else s += v.name + (v.label.empty() ? "" : " (" + v.label + ")");
          first = false;
        }
      }
      return s;
    }
  }
  return zh ? "一个值" : "a value";
}

bool parse_value(std::string_view raw, Type t, std::span<const EnumDef> enums, Value& out, std::string& error,
                 Lang lang, std::string* storage) {
  const bool zh = lang == Lang::zh;
  const std::string_view text = t.kind == Kind::string || t.kind == Kind::text ? raw : trim_text(raw);
  // `why` by value: callers pass `error` itself (bad(error)), which the first line overwrites; by
  // reference the reason was lost and the message said the same thing twice.
  auto bad = [&](std::string why = {}) {
    error = quote_value(raw) + (zh ? " 不是" : " is not ") + expected_form(t, enums, lang);
    // `why` may quote a part of the text (a window's date) that quote_value did not mask.
    if (!why.empty()) error += (zh ? "：" : ": ") + mask_resident_ids_in(why);
    return false;
  };
  switch (t.kind) {
    case Kind::boolean: {
      bool b = false;
      if (!parse_bool_text(text, b)) return bad();
      out = Value::make_bool(b);
      return true;
    }
    case Kind::integer: {
      std::int64_t v = 0;
      if (!parse_integer_text(text, lang, v, error)) return false;
      out = Value::make_int(v);
      return true;
    }
    case Kind::resident_id: {
      // GB 11643-1999: the value views `raw` when it is in normal form; a 15-digit number, an
      // apostrophe prefix or a lowercase x is normalized into `*storage`.
      std::string normalized, why;
      if (!check_resident_id(text, normalized, why, lang)) {
        error = why;
        return false;
      }
      if (normalized == text) {
        out = Value::make_string(text, Kind::resident_id);
        return true;
      }
      if (storage == nullptr) {
        error = quote_value(text) + (zh ? "：请写成18位号码，校验码用大写 X"
                                        : ": write the 18-character number, with an upper-case X as check character");
        return false;
      }
      *storage = std::move(normalized);
      out = Value::make_string(*storage, Kind::resident_id);
      return true;
    }
    case Kind::string:
    case Kind::text:
      out = Value::make_string(text, t.kind);
      return true;
    case Kind::date: {
      calendar::Date d;
      if (!parse_date_text(text, DateTextOptions{}, lang, d, error)) return false;
      out = Value::make_date(d);
      return true;
    }
    case Kind::instant:
      if (!take(calendar::parse_instant(text), [](auto i) { return Value::make_instant(i); }, out, error, lang)) return bad(error);
      return true;
    case Kind::period:
      if (!take(calendar::parse_period(text), [](auto p) { return Value::make_period(p); }, out, error, lang)) return bad(error);
      return true;
    case Kind::time_of_day:
      if (!take(calendar::parse_time_of_day(text), [](auto x) { return Value::make_time(x); }, out, error, lang)) return bad(error);
      return true;
    case Kind::month_day:
      if (!take(calendar::parse_month_day(text), [](auto m) { return Value::make_month_day(m); }, out, error, lang)) return bad(error);
      return true;
    case Kind::window: {
      if (text.size() < 2 || text.front() != '[' || text.back() != ']') return bad();
      const auto inner = text.substr(1, text.size() - 2);
      const auto dots = inner.find("..");
      if (dots == std::string_view::npos) return bad();
      const auto a = calendar::parse_date(trim(inner.substr(0, dots)));
      const auto b = calendar::parse_date(trim(inner.substr(dots + 2)));
      const auto reason = [&](const calendar::CalendarError& e) {
        return zh && !e.message_zh.empty() ? e.message_zh : e.message;
      };
      if (!a) return bad(reason(a.error()));
      if (!b) return bad(reason(b.error()));
      if (*b < *a) return bad(zh ? "区间的结束日早于开始日" : "the window ends before it starts");
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
      return bad(zh ? "列表不能以文字给出" : "lists cannot be given as text");
  }
  return bad();
}

}  // namespace rules::model
