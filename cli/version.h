#pragma once
// What `policy --version` prints, and where the program's version and revision come from.

#include <string>

namespace policy_cli {

/// The program's version: CMake's project version (CMakeLists.txt `project(... VERSION x.y.z)`).
const char* program_version();

/// The source revision the program was built from (`git describe --always --dirty`, taken at
/// every build by cmake/source_revision.cmake, or -DPOLICY_SOURCE_REVISION=...); "" when unknown,
/// as in a build from a tarball without .git. Defined in a generated source.
const char* source_revision();

/// The text of `policy --version`, one item a line: `policy 0.1.0` (the form help2man reads),
/// the built-in pack's id, version and title as its pack.toml says (the embedded pack is loaded to
/// read them), and the source revision ("未知" / "unknown" when there is none). Chinese, or
/// English when `english`. No trailing newline.
std::string version_text(bool english);

}  // namespace policy_cli
