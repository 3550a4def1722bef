#pragma once
/// Reading a value of a known type from text: `--set fact=value`, test expectations, parameter
/// overrides given as strings. The one place that knows the accepted spellings of each type.

#include <span>
#include <string>
#include <string_view>

#include "calendar/calendar_error.h"
#include "model/policy.h"
#include "model/value.h"
#include "source/lang.h"

namespace rules::model {

/// Parses `text` as a value of type `t`, accepting every spelling a roster cell accepts (batch
/// reads dates and yes/no cells through the same functions, model/cell_text.h). The text is
/// trimmed by `trim_text` first, except for strings and text. Accepted forms: booleans as
/// `parse_bool_text` (是/否, √/×, 有/无, true/false, yes/no, Y/N, 1/0); integers as `parse_integer_text` (12, -3, 12.0); dates
/// as `parse_date_text` without Excel serials (2025-06-30, 2025/6/30, 2025.6.30, 2025年6月30日,
/// 20250630, full-width digits, an Excel midnight suffix); instants RFC 3339 with offset; periods
/// ISO 8601; times `HH:MM[:SS]`; month-days `MM-DD` or `--MM-DD`; windows `[YYYY-MM-DD ..
/// YYYY-MM-DD]`; enums by value name (in any ASCII letter case), label or alias
/// (EnumDef::find_any_case); resident ID numbers as `check_resident_id` (a 15-digit
/// first-generation number, an apostrophe prefix, a lowercase x: normalized into `*storage`, and
/// an error when `storage` is null); strings as given. The returned value points into `text`
/// (or `*storage`).
/// On failure returns false and sets `error` to a message in `lang` quoting the value as
/// `quote_value` does and saying what was expected (e.g. "'2023-02-29' is not a valid date:
/// February 2023 has 28 days" / "'2023-02-29' 不是有效的日期：2023年2月只有28天").
bool parse_value(std::string_view text, Type t, std::span<const EnumDef> enums, Value& out, std::string& error,
                 source::Lang lang = source::Lang::en, std::string* storage = nullptr);

/// A description of what type `t` accepts, for messages, in `lang`: "a date YYYY-MM-DD" / "日期
/// （如 2025-06-30 或 2025年6月30日）", "one of new_student (新生), enrolled_student (在校生)" /
/// "以下之一：new_student（新生）、enrolled_student（在校生）". Aliases are not listed.
std::string expected_form(Type t, std::span<const EnumDef> enums, source::Lang lang = source::Lang::en);

}  // namespace rules::model
