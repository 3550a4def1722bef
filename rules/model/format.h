#pragma once
/// Text forms of values, shared by explanations, text output and JSON encoding.

#include <span>
#include <string>

#include "model/policy.h"
#include "model/value.h"
#include "source/lang.h"

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

/// Appends the text of a known value as people read it in a table cell (policy batch's CSV),
/// where `append_value` writes the machine form: booleans 是/否 (yes/no), periods in words
/// (2年6个月, 30日; 2 years 6 months, 30 days), windows 2025-09-01至2025-09-30 (2025-09-01 to
/// 2025-09-30), enums by label, lists joined with 、 (windows with ；; in English ", " and "; "),
/// an empty list （无） ((none)), instants as their local date and time 2025-06-30 00:00 (in the
/// offset they carry, the pack's zone's; seconds only when not zero). Dates stay ISO (YYYY-MM-DD)
/// so that a spreadsheet sorts them; other kinds, text included, as `append_value`. Allocation-free once `out` has room.
void append_value_for_people(std::string& out, const Value& v, const FormatContext& ctx, source::Lang lang);

/// Appends a period in words: 2年6个月, 30日, 0日 for the empty period (`lang` zh); 2 years 6
/// months, 1 day, 0 days (en). Components as written (P12M is 12个月).
void append_period_words(std::string& out, const calendar::Period& p, source::Lang lang);

}  // namespace rules::model
