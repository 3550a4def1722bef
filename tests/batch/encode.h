#pragma once
// Test fixtures in other encodings, made with the system's iconv from UTF-8 text.

#include <iconv.h>

#include <string>

namespace rules::batch::testing {

inline std::string encode(const std::string& utf8, const char* to) {
  iconv_t cd = iconv_open(to, "UTF-8");
  if (cd == reinterpret_cast<iconv_t>(-1)) return {};
  std::string out(utf8.size() * 4 + 16, '\0');
  char* in = const_cast<char*>(utf8.data());
  std::size_t in_left = utf8.size(), out_left = out.size();
  char* o = out.data();
  const bool ok = iconv(cd, &in, &in_left, &o, &out_left) != static_cast<std::size_t>(-1);
  iconv_close(cd);
  if (!ok) return {};
  out.resize(out.size() - out_left);
  return out;
}

}  // namespace rules::batch::testing
