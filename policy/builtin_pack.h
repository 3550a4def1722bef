#pragma once
/// The built-in Chinese higher-education pack (policy/cn-higher-ed/), embedded at build time.

#include <span>
#include <string_view>
#include <vector>

#include "loader/load.h"

namespace policy_packs {

/// One embedded pack file: its display path (`<builtin>/cn-higher-ed/pack.toml`) and text.
struct EmbeddedFile {
  std::string_view path;
  std::string_view text;
};

/// The files of the built-in pack, sorted by path.
std::span<const EmbeddedFile> builtin_cn_higher_ed();

/// The same files as loader input, ready for rules::loader::load_pack.
std::vector<rules::loader::SourceFile> builtin_cn_higher_ed_files();

}  // namespace policy_packs
