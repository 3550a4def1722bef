#pragma once
// What the harnesses of tests/fuzz share: the built-in pack's engine, and the properties every
// message must keep whatever the input (checked by aborting, which libFuzzer reports as a crash
// with the input that caused it).

#include <algorithm>
#include <cstddef>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "builtin_pack.h"
#include "engine/engine.h"
#include "loader/load.h"
#include "source/utf8.h"

namespace policy_fuzz {

/// The engine of the built-in CN pack (policy/cn-higher-ed), loaded once per process; aborts if
/// the pack does not load.
inline const rules::engine::Engine& cn_engine() {
  static const auto engine = [] {
    auto files = policy_packs::builtin_cn_higher_ed_files();
    auto r = rules::loader::load_pack(files);
    if (!r.ok()) {
      std::fputs("the built-in pack does not load\n", stderr);
      std::abort();
    }
    return std::make_unique<rules::engine::Engine>(std::move(r.pack));
  }();
  return *engine;
}

/// Stops the run with `what` and the offending text (libFuzzer then saves the input).
[[noreturn]] inline void fail(const char* what, std::string_view text) {
  std::fprintf(stderr, "fuzz property violated: %s\n  in: %.*s\n", what, static_cast<int>(std::min<std::size_t>(text.size(), 400)),
               text.data());
  std::abort();
}

/// A message shown to a person must never print a resident ID number whole: no run of exactly 15
/// or 18 digits, or of 17 digits and an X (model::mask_resident_id keeps the first six and the last
/// four). Longer runs are no ID number (9223372036854775807, the largest integer, is quoted), nor
/// are the digits of an escaped control character (source::escape_controls: \\x00, \\u0097).
inline void expect_no_whole_id(std::string_view message) {
  for (std::size_t i = 0; i < message.size();) {
    // A control character escaped (\x00, and \u0097 for C1 controls and line separators): its hex
    // digits are no part of a number. Only an escape is skipped: a backslash and an x the input
    // held as they are (escape_controls leaves them) followed by no hex digits are text, and
    // skipping four bytes there would join the digits of a \x04 after them to the run.
    const auto hex_digits = [&](std::size_t from, std::size_t n) {
      if (from + n > message.size()) return false;
      for (std::size_t k = from; k < from + n; ++k) {
        if (!std::isxdigit(static_cast<unsigned char>(message[k]))) return false;
      }
      return true;
    };
    if (message.substr(i, 2) == "\\x" && hex_digits(i + 2, 2)) {
      i += 4;
      continue;
    }
    if (message.substr(i, 2) == "\\u" && hex_digits(i + 2, 4)) {
      i += 6;
      continue;
    }
    if (message[i] < '0' || message[i] > '9') {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < message.size() && message[end] >= '0' && message[end] <= '9') ++end;
    const std::size_t run = end - i;
    const bool x = run == 17 && end < message.size() && (message[end] == 'X' || message[end] == 'x');
    if (run == 15 || run == 18 || x) fail("a message prints a whole ID number", message);
    i = end;
  }
}

/// A message about valid UTF-8 input must be valid UTF-8 (no character cut in two).
inline void expect_utf8(std::string_view input, std::string_view message) {
  if (rules::source::valid_utf8(input) && !rules::source::valid_utf8(message)) {
    fail("a message about valid UTF-8 input is not valid UTF-8", message);
  }
}

}  // namespace policy_fuzz
