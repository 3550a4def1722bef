#include "source/utf8.h"

#include <cstdint>
#include <cstring>

namespace rules::source {

std::size_t utf8_sequence(std::string_view text, bool& well_formed) {
  well_formed = false;
  if (text.empty()) return 0;
  const auto lead = static_cast<unsigned char>(text[0]);
  if (lead < 0x80) {
    well_formed = true;
    return 1;
  }
  unsigned char lo = 0x80, hi = 0xBF;  // the range of the second byte
  std::size_t length = 0;             // of the well-formed sequence
  if (lead >= 0xC2 && lead <= 0xDF) length = 2;
  else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) lo = 0xA0;
    if (lead == 0xED) hi = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) lo = 0x90;
    if (lead == 0xF4) hi = 0x8F;
  } else {
    return 1;
  }
  std::size_t n = 1;
  for (; n < length && n < text.size(); ++n) {
    const auto b = static_cast<unsigned char>(text[n]);
    if (n == 1 ? (b < lo || b > hi) : (b & 0xC0) != 0x80) break;
  }
  well_formed = n == length;
  return n;
}


bool valid_utf8(std::string_view s, std::size_t* complete_prefix) {
  std::size_t i = 0;
  auto stop = [&](bool ok) {
    if (complete_prefix) *complete_prefix = i;
    return ok;
  };
  while (i < s.size()) {
    // Eight ASCII bytes at a time (most of a roster's bytes: digits, dates, commas).
    while (i + 8 <= s.size()) {
      std::uint64_t word;
      std::memcpy(&word, s.data() + i, 8);
      if (word & 0x8080808080808080ull) break;
      i += 8;
    }
    if (i >= s.size()) break;
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    std::uint32_t min = 0;
    if (c < 0x80) {
      ++i;
      continue;
    }
    // Three-byte sequences (all of CJK) at once: two continuation bytes, not overlong (E0 needs
    // A0..BF next), not a surrogate (ED needs 80..9F next). Anything else takes the general way.
    if ((c & 0xF0) == 0xE0 && i + 2 < s.size()) {
      const auto b1 = static_cast<unsigned char>(s[i + 1]), b2 = static_cast<unsigned char>(s[i + 2]);
      if ((b1 & 0xC0) == 0x80 && (b2 & 0xC0) == 0x80 && (c != 0xE0 || b1 >= 0xA0) && (c != 0xED || b1 < 0xA0)) {
        i += 3;
        continue;
      }
    }
    if ((c & 0xE0) == 0xC0) { n = 1; min = 0x80; }
    else if ((c & 0xF0) == 0xE0) { n = 2; min = 0x800; }
    else if ((c & 0xF8) == 0xF0 && c <= 0xF4) { n = 3; min = 0x10000; }
    else return stop(false);
    if (i + n >= s.size()) return stop(false);  // runs past the end (maybe only truncated)
    std::uint32_t cp = c & (0x3Fu >> n);
    for (std::size_t k = 1; k <= n; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) return stop(false);
      cp = (cp << 6) | (b & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return stop(false);
    i += n + 1;
  }
  return stop(true);
}

namespace {

/// Appends valid UTF-8 `text`, escaping what JSON requires.
void append_escaped(std::string& out, std::string_view text) {
  static const char* const hex = "0123456789abcdef";
  std::size_t run = 0;  // start of the bytes not yet copied
  for (std::size_t i = 0; i < text.size(); ++i) {
    // Eight bytes at a time while none is a control character, a quote or a backslash.
    constexpr std::uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    const auto has_zero = [](std::uint64_t w) { return (w - ones) & ~w & highs; };
    while (i + 8 <= text.size()) {
      std::uint64_t w;
      std::memcpy(&w, text.data() + i, 8);
      // A byte below 0x20: (b & 0xE0) == 0, i.e. the masked word has a zero byte.
      if (has_zero(w & (0xE0 * ones)) || has_zero(w ^ ('"' * ones)) || has_zero(w ^ ('\\' * ones))) break;
      i += 8;
    }
    if (i >= text.size()) break;
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: {
        const char u[] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
        out.append(u, sizeof u);
      }
    }
  }
  out.append(text.data() + run, text.size() - run);
}


}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  // Invalid sequences are rare (text a person sent): each maximal bad part of a sequence becomes
  // one U+FFFD, as nlohmann's replace handler does, the valid text between escaped as usual.
  while (!text.empty()) {
    std::size_t good = 0;
    if (valid_utf8(text, &good)) {
      append_escaped(out, text);
      break;
    }
    append_escaped(out, text.substr(0, good));
    out += "\xEF\xBF\xBD";
    bool well_formed = false;
    text.remove_prefix(good + utf8_sequence(text.substr(good), well_formed));
  }
  out += '"';
}

std::string json_string(std::string_view text) {
  std::string s;
  s.reserve(text.size() + 2);
  append_json_string(s, text);
  return s;
}

std::size_t display_width(std::string_view text) {
  std::size_t width = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (b < 0x80) ++width;
    else if (b >= 0xE0) width += 2;  // the lead byte of a 3- or 4-byte sequence: CJK and the like
    else if (b >= 0xC0) ++width;     // a 2-byte sequence: Latin, Greek, Cyrillic
  }
  return width;
}

}  // namespace rules::source
