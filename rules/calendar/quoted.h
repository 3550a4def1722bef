#pragma once
// Internal to calendar/: quoting offending text in error messages.

#include <string>
#include <string_view>

namespace rules::calendar::detail {

/// `text` between single quotes, for messages such as "'2024-2-3' is not a date".
inline std::string quoted(std::string_view text) {
  std::string s;
  s.reserve(text.size() + 2);
  s += '\'';
  s += text;
  s += '\'';
  return s;
}

}  // namespace rules::calendar::detail
