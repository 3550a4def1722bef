#pragma once
// Shared by the tests that check a text is Chinese (labels, messages, documentation rows).

#include <cstddef>
#include <string>

/// Whether `text` holds a CJK unified ideograph (U+4E00-U+9FFF: UTF-8 lead bytes E4 with B8 or
/// above, through E9).
inline bool has_cjk(const std::string& text) {
  for (std::size_t i = 0; i + 2 < text.size(); ++i) {
    const auto b0 = static_cast<unsigned char>(text[i]);
    const auto b1 = static_cast<unsigned char>(text[i + 1]);
    if ((b0 == 0xE4 && b1 >= 0xB8) || (b0 >= 0xE5 && b0 <= 0xE9)) return true;
  }
  return false;
}
