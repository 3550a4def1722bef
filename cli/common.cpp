#include "common.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "builtin_pack.h"
#include "calendar/date.h"

namespace policy_cli {

void PackOptions::add_to(CLI::App& app, bool with_params) {
  app.add_option("--policy", policy_path, "Policy pack: a directory of .toml files or one file (default: built-in cn-higher-ed)");
  if (with_params) {
    // Not CLI::ExistingFile: an unreadable parameters file is an input error (exit 1, load_io),
    // like an unreadable pack or situation, not a usage error.
    app.add_option("--params", params_path, "A school's TOML file overriding the pack's parameters");
  }
}

std::unique_ptr<rules::engine::Engine> load_engine(const PackOptions& o, std::ostream& err) {
  std::vector<rules::source::Diagnostic> diags;
  std::vector<rules::loader::SourceFile> files;
  if (o.policy_path.empty()) {
    files = policy_packs::builtin_cn_higher_ed_files();
  } else {
    files = rules::loader::read_pack_files(o.policy_path, diags);
  }
  if (!diags.empty()) {
    print_diagnostics(diags, err);
    return nullptr;
  }
  auto loaded = rules::engine::load_engine(std::move(files), o.params_path.empty() ? std::nullopt
                                                                                   : std::optional<std::string>(o.params_path));
  if (!loaded.engine) {
    print_diagnostics(loaded.diagnostics, err);
    err << loaded.diagnostics.size() << " error" << (loaded.diagnostics.size() == 1 ? "" : "s") << "\n";
  }
  return std::move(loaded.engine);
}

std::optional<rules::calendar::Date> as_of_date(const std::string& text, const rules::engine::Engine& engine,
                                                std::ostream& err) {
  if (text.empty()) return engine.today();
  const auto d = rules::calendar::parse_date(text);
  if (!d) {
    err << "<command line>: error[" << rules::calendar::code_name(d.error().code) << "]: --as-of: " << d.error().message
        << "\n";
    return std::nullopt;
  }
  return *d;
}

bool open_regular_file(const std::string& path, std::ifstream& in, std::string* why) {
  struct stat st{};
  int error = 0;
  if (::stat(path.c_str(), &st) != 0) {
    error = errno;
  } else if (S_ISDIR(st.st_mode)) {
    error = EISDIR;
  } else if (!S_ISREG(st.st_mode)) {
    if (why) *why = "not a regular file";
    return false;
  } else {
    errno = 0;
    in.open(path, std::ios::binary);
    if (in.is_open()) return true;
    error = errno != 0 ? errno : EIO;
  }
  if (why) *why = std::strerror(error);
  return false;
}

void print_diagnostics(const std::vector<rules::source::Diagnostic>& ds, std::ostream& err) {
  for (const auto& d : ds) err << rules::source::format_diagnostic(d) << "\n";
}

}  // namespace policy_cli
