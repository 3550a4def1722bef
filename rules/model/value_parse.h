#pragma once
/// Reading a value of a known type from text: `--set fact=value`, test expectations, parameter
/// overrides given as strings. The one place that knows the accepted spellings of each type.

#include <span>
#include <string>
#include <string_view>

#include "calendar/calendar_error.h"
#include "model/policy.h"
#include "model/value.h"

namespace rules::model {

/// Parses `text` as a value of type `t`. Accepted forms: bool `true/false` (also 是/否, yes/no,
/// 1/0); integers in decimal; dates `YYYY-MM-DD`; instants RFC 3339 with offset; periods ISO
/// 8601; times `HH:MM[:SS]`; month-days `MM-DD` or `--MM-DD`; windows `[YYYY-MM-DD .. YYYY-MM-DD]`;
/// enums by value name (in any ASCII letter case, EnumDef::find_any_case) or label; strings as given (the returned value points into `text`).
/// On failure returns false and sets `error` to a message naming the value and what was
/// expected (e.g. "'2023-02-29' is not a valid date: ...").
bool parse_value(std::string_view text, Type t, std::span<const EnumDef> enums, Value& out, std::string& error);

/// A description of what type `t` accepts, for messages: "a date YYYY-MM-DD", "one of new_student
/// (新生), enrolled_student (在校生)".
std::string expected_form(Type t, std::span<const EnumDef> enums);

}  // namespace rules::model
