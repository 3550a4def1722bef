#include "model/format.h"

#include <charconv>

namespace rules::model {

void append_value(std::string& out, const Value& v, const FormatContext& ctx) {
  if (v.state == State::unknown) {
    out += "unknown";
    return;
  }
  if (v.state == State::error) {
    out += "error";
    return;
  }
  switch (v.kind) {
    case Kind::boolean: out += v.boolean ? "true" : "false"; return;
    case Kind::integer: {
      char digits[24];
      const auto r = std::to_chars(digits, digits + sizeof digits, v.integer);
      out.append(digits, r.ptr);
      return;
    }
    case Kind::string:
    case Kind::resident_id:
    case Kind::text: out += v.str(); return;
    case Kind::date: calendar::append_date(out, v.date); return;
    case Kind::instant: calendar::append_instant(out, v.instant); return;
    case Kind::period: out += calendar::format_period(v.period); return;
    case Kind::time_of_day: out += calendar::format_time_of_day(v.time_of_day); return;
    case Kind::month_day: out += calendar::format_month_day(v.month_day); return;
    case Kind::window:
      out += '[';
      calendar::append_date(out, v.window.start);
      out += " .. ";
      calendar::append_date(out, v.window.end);
      out += ']';
      return;
    case Kind::enumeration: {
      if (v.enum_id >= ctx.enums.size() || v.enum_index >= ctx.enums[v.enum_id].values.size()) {
        out += '?';
        return;
      }
      const auto& ev = ctx.enums[v.enum_id].values[v.enum_index];
      out += ctx.enum_labels && !ev.label.empty() ? ev.label : ev.name;
      return;
    }
    case Kind::list: {
      out += '[';
      for (std::uint32_t k = 0; k < v.list.count; ++k) {
        if (k) out += ", ";
        const std::size_t at = std::size_t{v.list.offset} + k;
        if (at < ctx.list_arena.size()) append_value(out, ctx.list_arena[at], ctx);
        else out += '?';
      }
      out += ']';
      return;
    }
  }
  out += '?';
}

void append_period_words(std::string& out, const calendar::Period& p, source::Lang lang) {
  const bool zh = lang == source::Lang::zh;
  bool any = false;
  const auto part = [&](std::int32_t n, const char* zh_unit, const char* one, const char* many) {
    char digits[16];
    const auto r = std::to_chars(digits, digits + sizeof digits, n);
    if (!zh && any) out += ' ';
    out.append(digits, r.ptr);
    out += zh ? zh_unit : n == 1 ? one : many;
    any = true;
  };
  if (p.years) part(p.years, "年", " year", " years");
  if (p.months) part(p.months, "个月", " month", " months");
  if (p.days || !any) part(p.days, "日", " day", " days");
}

void append_value_for_people(std::string& out, const Value& v, const FormatContext& ctx, source::Lang lang) {
  const bool zh = lang == source::Lang::zh;
  if (!v.known()) {
    append_value(out, v, ctx);
    return;
  }
  switch (v.kind) {
    case Kind::boolean: out += v.boolean ? (zh ? "是" : "yes") : (zh ? "否" : "no"); return;
    case Kind::period: append_period_words(out, v.period, lang); return;
    case Kind::instant: {
      // The RFC 3339 text, then its local date and time as a spreadsheet reads them: a space for
      // the T, no offset (the pack's zone gives it), seconds only when not zero.
      const std::size_t begin = out.size();
      calendar::append_instant(out, v.instant);
      const std::size_t t = out.find('T', begin);
      if (t == std::string::npos || out.size() < t + 9) return;
      out[t] = ' ';
      out.resize(out.compare(t + 6, 3, ":00") == 0 ? t + 6 : t + 9);
      return;
    }
    case Kind::window:
      calendar::append_date(out, v.window.start);
      out += zh ? "至" : " to ";
      calendar::append_date(out, v.window.end);
      return;
    case Kind::enumeration: {
      FormatContext labels = ctx;
      labels.enum_labels = true;
      append_value(out, v, labels);
      return;
    }
    case Kind::list: {
      if (v.list.count == 0) {
        out += zh ? "（无）" : "(none)";
        return;
      }
      for (std::uint32_t k = 0; k < v.list.count; ++k) {
        const std::size_t at = std::size_t{v.list.offset} + k;
        if (at >= ctx.list_arena.size()) {
          out += '?';
          continue;
        }
        const Value& item = ctx.list_arena[at];
        if (k) out += item.kind == Kind::window ? (zh ? "；" : "; ") : (zh ? "、" : ", ");
        append_value_for_people(out, item, ctx, lang);
      }
      return;
    }
    default: append_value(out, v, ctx); return;
  }
}

std::string format_value(const Value& v, const FormatContext& ctx) {
  std::string out;
  append_value(out, v, ctx);
  return out;
}

}  // namespace rules::model
