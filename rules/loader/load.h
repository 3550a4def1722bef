#pragma once
/// Loading a pack: TOML files -> model -> checked expressions -> CompiledPack. Loading never
/// throws for a user's mistake: every problem becomes a Diagnostic with a stable code and a
/// file:line:col, and one run reports all it can (docs/diagnostics.md lists the codes).

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "loader/pack.h"
#include "source/diagnostic.h"

namespace rules::loader {

/// A file's display path and its text.
struct SourceFile {
  std::string path;
  std::string text;
};

/// The outcome of loading: a pack when there were no errors, and the diagnostics sorted by
/// position.
struct LoadResult {
  std::unique_ptr<CompiledPack> pack;
  std::vector<source::Diagnostic> diagnostics;
  bool ok() const { return pack != nullptr; }
};

/// Reads a pack from disk: a directory (every *.toml file in it, sorted by name) or one file.
/// Problems (missing path, unreadable file, empty directory) are `load_io` diagnostics.
std::vector<SourceFile> read_pack_files(const std::string& path, std::vector<source::Diagnostic>& diags);

/// Loads, checks and compiles the pack made of `files`. `params`, when given, is a school's
/// TOML file of parameter overrides (top-level `name = value` pairs, or a `[parameters]` table).
LoadResult load_pack(std::span<const SourceFile> files, const std::optional<SourceFile>& params = std::nullopt);

/// Compiles a free-standing expression (policy calc) against a pack: it may use the pack's
/// parameters and `as_of`, not facts or outputs. `origin` names it in diagnostics.
std::optional<expr::Expr> compile_standalone(const CompiledPack& pack, const std::string& text,
                                             const std::string& origin, std::vector<source::Diagnostic>& diags);

}  // namespace rules::loader
