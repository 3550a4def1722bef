#include "builtin_pack.h"

namespace policy_packs {

std::vector<rules::loader::SourceFile> builtin_cn_higher_ed_files() {
  std::vector<rules::loader::SourceFile> files;
  for (const auto& f : builtin_cn_higher_ed()) files.push_back({std::string(f.path), std::string(f.text)});
  return files;
}

}  // namespace policy_packs
