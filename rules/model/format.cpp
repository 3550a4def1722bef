#include "model/format.h"

namespace rules::model {

std::string format_value(const Value& v, const FormatContext& ctx) {
  if (v.state == State::unknown) return "unknown";
  if (v.state == State::error) return "error";
  switch (v.kind) {
    case Kind::boolean: return v.boolean ? "true" : "false";
    case Kind::integer: return std::to_string(v.integer);
    case Kind::string:
    case Kind::resident_id:
    case Kind::text: return std::string(v.str());
    case Kind::date: return calendar::format_date(v.date);
    case Kind::instant: return calendar::format_instant(v.instant);
    case Kind::period: return calendar::format_period(v.period);
    case Kind::time_of_day: return calendar::format_time_of_day(v.time_of_day);
    case Kind::month_day: return calendar::format_month_day(v.month_day);
    case Kind::window:
      return "[" + calendar::format_date(v.window.start) + " .. " + calendar::format_date(v.window.end) + "]";
    case Kind::enumeration: {
      if (v.enum_id >= ctx.enums.size() || v.enum_index >= ctx.enums[v.enum_id].values.size()) return "?";
      const auto& ev = ctx.enums[v.enum_id].values[v.enum_index];
      return ctx.enum_labels && !ev.label.empty() ? ev.label : ev.name;
    }
    case Kind::list: {
      std::string out = "[";
      for (std::uint32_t k = 0; k < v.list.count; ++k) {
        if (k) out += ", ";
        const std::size_t at = std::size_t{v.list.offset} + k;
        out += at < ctx.list_arena.size() ? format_value(ctx.list_arena[at], ctx) : "?";
      }
      return out + "]";
    }
  }
  return "?";
}

}  // namespace rules::model
