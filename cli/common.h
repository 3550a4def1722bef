#pragma once
// Shared by the subcommands: loading the pack, reading --as-of, printing diagnostics.

#include <fstream>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "engine/engine.h"

namespace policy_cli {

/// Exit codes (README): 0 success; 1 the pack or the input has errors; 2 usage error.
inline constexpr int kExitOk = 0;
inline constexpr int kExitInputError = 1;
inline constexpr int kExitUsage = 2;

/// --policy and --params, shared by every subcommand.
struct PackOptions {
  std::string policy_path;  ///< empty: the built-in pack
  std::string params_path;  ///< empty: the pack's defaults
  void add_to(CLI::App& app, bool with_params = true);
};

/// Loads the pack; prints every diagnostic to `err` and returns nullptr when there are errors.
std::unique_ptr<rules::engine::Engine> load_engine(const PackOptions& o, std::ostream& err);

/// The evaluation date: `text` parsed as YYYY-MM-DD, or today in the policy zone when empty.
/// Prints an error and returns nullopt when the text is not a date.
std::optional<rules::calendar::Date> as_of_date(const std::string& text, const rules::engine::Engine& engine,
                                                std::ostream& err);

/// Opens `path` for binary reading when it is a regular file (a directory is not an input);
/// false otherwise, and then `why` (when given) says why: the system's message (No such file or
/// directory, Permission denied, Is a directory) or "not a regular file".
bool open_regular_file(const std::string& path, std::ifstream& in, std::string* why = nullptr);

/// Prints diagnostics as file:line:col: error[code]: message, one per line.
void print_diagnostics(const std::vector<rules::source::Diagnostic>& ds, std::ostream& err);

/// A subcommand: registers its options and sets the action to run when it is chosen.
using Action = std::function<int()>;
void add_eval(CLI::App& app, Action& action);
void add_calc(CLI::App& app, Action& action);
void add_check(CLI::App& app, Action& action);
void add_facts(CLI::App& app, Action& action);
void add_test(CLI::App& app, Action& action);
void add_batch(CLI::App& app, Action& action);

}  // namespace policy_cli
