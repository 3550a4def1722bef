#pragma once
/// Text forms of values, shared by explanations, text output and JSON encoding.

#include <span>
#include <string>

#include "model/policy.h"
#include "model/value.h"

namespace rules::model {

/// What formatting needs besides the value.
struct FormatContext {
  std::span<const EnumDef> enums;
  std::span<const Value> list_arena;  ///< where list values point
  bool enum_labels = false;           ///< enums by label (新生) instead of value name
};

/// Canonical text of a known value: dates `YYYY-MM-DD`, instants RFC 3339 with offset, periods
/// ISO 8601, times `HH:MM`, month-days `MM-DD`, windows `[start .. end]`, enums by name (or label),
/// lists `[a, b]`, text as written (placeholders not substituted). Unknown values print `unknown`,
/// errors `error`.
std::string format_value(const Value& v, const FormatContext& ctx);

/// Appends format_value(v, ctx) to `out`; allocation-free once `out` has room (for writers of
/// many rows).
void append_value(std::string& out, const Value& v, const FormatContext& ctx);

}  // namespace rules::model
