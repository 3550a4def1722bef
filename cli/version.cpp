// policy --version: the program, its built-in pack and the sources it was built from.
#include "version.h"

#include <iostream>
#include <sstream>

#include "common.h"

#ifndef POLICY_VERSION
#define POLICY_VERSION "0"
#endif

namespace policy_cli {

const char* program_version() { return POLICY_VERSION; }

std::string version_text(bool english) {
  std::ostringstream out;
  out << "policy " << program_version() << "\n";
  // The pack's header as loaded, not a copy taken at build time: what --version says is what
  // eval uses. The built-in pack always loads (tests/packs), but a failure is said (its
  // diagnostics on standard error), not hidden.
  if (const auto engine = load_engine(PackOptions{}, std::cerr)) {
    const auto& h = engine->policy().header;
    out << (english ? "built-in pack: " : "内置政策包：") << h.id << " " << h.version
        << (english ? " (" : "（") << h.title << (english ? ")" : "）") << "\n";
  } else {
    out << (english ? "built-in pack: cannot be loaded (run policy check)" : "内置政策包：无法载入（运行 policy check 查看原因）")
        << "\n";
  }
  const std::string revision = source_revision();
  out << (english ? "source revision: " : "源代码修订：")
      << (!revision.empty() ? revision
          : english         ? "unknown (not built from a git checkout)"
                            : "未知（不是从 git 检出的源代码构建的）");
  return out.str();
}

}  // namespace policy_cli
