#pragma once
// Shared by the subcommands: loading the pack, reading --as-of and input files, printing diagnostics.

#include <sys/stat.h>

#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <sstream>
#include <streambuf>
#include <string>
#include <type_traits>
#include <vector>

#include <CLI/CLI.hpp>

#include "engine/engine.h"
#include "source/lang.h"

namespace policy_cli {

/// Exit codes (README): 0 success; 1 the pack or the input has errors; 2 usage error.
inline constexpr int kExitOk = 0;
inline constexpr int kExitInputError = 1;
inline constexpr int kExitUsage = 2;

/// --policy, --params and --lang, shared by every subcommand.
struct PackOptions {
  std::string policy_path;  ///< empty: the built-in pack
  std::string params_path;  ///< empty: the pack's defaults
  std::string lang;         ///< --lang: zh or en; empty: the pack's language
  void add_to(CLI::App& app, bool with_params = true);
};

/// The language of the CLI's own texts: --help, usage errors and the validators' messages. main
/// sets it before the subcommands are added (their help is chosen then), from `--lang zh|en`
/// anywhere in the arguments, else POLICY_LANG, else Chinese: no pack is loaded yet, so never the
/// pack's language. Chinese until set.
void set_cli_lang(rules::source::Lang l);
rules::source::Lang cli_lang();

/// One of the CLI's own texts in the run's language (cli_lang()): `zh` in Chinese, `en` in English.
inline const char* say(const char* zh, const char* en) { return rules::source::pick(cli_lang(), zh, en); }

/// Validators of option values in place of CLI11's IsMember, Range and PositiveNumber, whose
/// failures are English only: the failure is in cli_lang() (as set when the validator is made), and
/// main's failure message puts the option's name before it (`--format：“excel”不是可用的值……`).

/// A value out of `values`, compared exactly. Help: `{a,b,c}` after the value's type in both
/// languages (`TEXT:{csv,jsonl,xlsx}`, as CLI11 shows IsMember: packaging/bash_completion.cmake
/// completes the values from it). Failure: `“x”不是可用的值，可用的值：a、b、c`, in English
/// `x not in {a,b,c}` (CLI11's words).
CLI::Validator one_of(std::vector<std::string> values);

/// A number from `min` to `max` inclusive, read as CLI11 reads a T (integers in any base strtoll
/// takes). Help: `INT in [0 - 3650]` (CLI11's Range), in Chinese `0 到 3650`. Failure:
/// `“x”不是 0 到 3650 之间的整数` (之间的数 for a floating-point T), in English
/// `Value x not in range 0 to 3650` (CLI11's words).
template <typename T>
CLI::Validator in_range(T min, T max);

/// A number greater than 0 (read as a double, as CLI11's PositiveNumber). Help: `POSITIVE`, in
/// Chinese `正数`. Failure: `“x”不是正数`, in English `Value x is not a positive number`.
CLI::Validator positive_number();

/// in_range's work beyond reading the number: `fits` tells whether a value is a number in range;
/// `type` is CLI11's name of the type (INT, UINT, FLOAT), `whole` whether it is an integer type.
CLI::Validator range_validator(std::function<bool(const std::string&)> fits, const std::string& type,
                               const std::string& min, const std::string& max, bool whole);

template <typename T>
CLI::Validator in_range(T min, T max) {
  std::ostringstream lo, hi;
  lo << min;
  hi << max;
  return range_validator(
      [min, max](const std::string& text) {
        T value{};
        return CLI::detail::lexical_cast(text, value) && !(value < min) && !(max < value);
      },
      CLI::detail::type_name<T>(), lo.str(), hi.str(), std::is_integral_v<T>);
}

/// The language of this run's messages and answers: `--lang` when given, else the loaded pack's
/// (`[policy] language`), else Chinese (before a pack is loaded, or when it failed to load).
rules::source::Lang lang();

/// Loads the pack; prints every diagnostic to `err` and returns nullptr when there are errors.
std::unique_ptr<rules::engine::Engine> load_engine(const PackOptions& o, std::ostream& err);

/// The evaluation date: `text` parsed as YYYY-MM-DD, or today in the policy zone when empty.
/// Prints an error and returns nullopt when the text is not a date.
std::optional<rules::calendar::Date> as_of_date(const std::string& text, const rules::engine::Engine& engine,
                                                std::ostream& err);

/// The outputs named in `list` (comma-separated names or labels, blanks skipped) into `out`, each
/// once, in the order given; empty `list`: none (meaning all). Prints `--outputs: 错误[code]: ...`
/// for each name the pack lacks (with the outputs it has) and returns false then.
bool resolve_outputs(const rules::engine::Engine& engine, const std::string& list, const std::string& code,
                     std::vector<std::uint32_t>& out);

/// The system's reason `why` (strerror's English, as InputFile::why and OutputFile::why give it) for
/// a Chinese message: the common ones in Chinese with the English after them (文件或目录不存在（No
/// such file or directory）), any other as it is.
std::string reason_zh(const std::string& why);

/// A usage error (exit 2) from a subcommand's checks, in the run's language (lang(): --lang,
/// POLICY_LANG, else Chinese): throws CLI::ValidationError naming `option` with `zh` or `en`; main's
/// failure message says the kind of mistake and which --help to read.
[[noreturn]] void usage_error(const std::string& option, const std::string& en, const std::string& zh);

/// The question (`[[questions]]`, index into policy().questions) named by `text`: its id, as
/// policy serve's GET /v1/questions lists it, or its words (label). Prints `--question: 错误[code]`
/// listing the pack's questions and returns nullopt when none is named so.
std::optional<std::uint32_t> resolve_question(const rules::engine::Engine& engine, const std::string& text,
                                              const std::string& code);

/// After a read or write on `fd` failed (errno set): whether to try it again. True for EINTR, and
/// for EAGAIN/EWOULDBLOCK on a descriptor left non-blocking by whoever shares it, after waiting
/// until `events` (POLLIN or POLLOUT) is ready.
bool retry_io(int fd, short events);

/// An input read through its file descriptor: a regular file, a named pipe or a character device
/// (the /dev/fd/N of a shell's `<(cmd)`, a terminal), or standard input. A read that fails throws
/// std::system_error with the system's reason out of the stream buffer: std::istream turns that
/// into badbit, and a reader of the stream buffer itself (rules/batch's RosterReader) catches it
/// and says why; why() keeps it either way. Interrupted and would-block reads are
/// retried.
class InputFile : public std::streambuf {
 public:
  /// Not open yet: see open().
  InputFile();
  /// Closes the file (never standard input).
  ~InputFile() override;
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  /// Opens `path`, or standard input for "-" (which is not closed here), for reading anything
  /// but a directory. False when it cannot be: then why() holds the system's message (No such
  /// file or directory, Permission denied, Is a directory; Bad file descriptor for a closed
  /// standard input).
  bool open(const std::string& path);
  /// Why open or a read failed (the system's message); empty when neither did.
  const std::string& why() const { return why_; }
  /// The input's file status (fstat), after a successful open: its type, size and identity.
  const struct stat& status() const { return status_; }
  /// The bytes read ahead and not yet consumed, reading the first block when none is: before
  /// anything is consumed, the start of the input (to tell a workbook by its first bytes). Empty
  /// at the end of the input, or when the read failed (reading again reports why).
  std::string_view peek();

 protected:
  /// Reads the next block from the descriptor; throws std::system_error when the read fails.
  int_type underflow() override;

 private:
  std::vector<char> buffer_;
  int fd_ = -1;
  bool owned_ = false;
  std::string why_;
  struct stat status_{};
};

/// Prints diagnostics as file:line:col: error[code]: message, one per line.
void print_diagnostics(const std::vector<rules::source::Diagnostic>& ds, std::ostream& err);

/// Prints one problem with a file as a whole (`file: 错误[code]: 消息`, in lang()), formatted like
/// the diagnostics: control characters of the file name or message escaped.
void print_file_error(std::ostream& err, const std::string& file, const std::string& code, const std::string& message,
                      const std::string& message_zh);

/// A subcommand: registers its options and sets the action to run when it is chosen.
using Action = std::function<int()>;
void add_eval(CLI::App& app, Action& action);
void add_calc(CLI::App& app, Action& action);
void add_check(CLI::App& app, Action& action);
void add_facts(CLI::App& app, Action& action);
void add_test(CLI::App& app, Action& action);
void add_batch(CLI::App& app, Action& action);
void add_serve(CLI::App& app, Action& action);
void add_template(CLI::App& app, Action& action);

}  // namespace policy_cli
