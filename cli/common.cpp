#include "common.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>
#include <system_error>

#include "builtin_pack.h"
#include "calendar/date.h"
#include "model/cell_text.h"

namespace policy_cli {

namespace {
std::optional<rules::source::Lang> g_lang_override;  // --lang
rules::source::Lang g_pack_lang = rules::source::Lang::zh;
rules::source::Lang g_cli_lang = rules::source::Lang::zh;  // set_cli_lang, by main
}  // namespace

void set_cli_lang(rules::source::Lang l) { g_cli_lang = l; }

rules::source::Lang cli_lang() { return g_cli_lang; }

CLI::Validator one_of(std::vector<std::string> values) {
  std::string braced = "{", listed;
  for (const auto& v : values) {
    braced += (braced.size() > 1 ? "," : "") + v;
    listed += (listed.empty() ? "" : "、") + v;
  }
  braced += "}";
  const bool zh = cli_lang() == rules::source::Lang::zh;
  return CLI::Validator(
      [values = std::move(values), braced, listed, zh](std::string& input) -> std::string {
        if (std::find(values.begin(), values.end(), input) != values.end()) return {};
        const std::string shown = rules::source::escape_controls(input);
        return zh ? "“" + shown + "”不是可用的值，可用的值：" + listed : shown + " not in " + braced;
      },
      braced);
}

CLI::Validator range_validator(std::function<bool(const std::string&)> fits, const std::string& type,
                               const std::string& min, const std::string& max, bool whole) {
  const bool zh = cli_lang() == rules::source::Lang::zh;
  return CLI::Validator(
      [fits = std::move(fits), min, max, whole, zh](std::string& input) -> std::string {
        if (fits(input)) return {};
        const std::string shown = rules::source::escape_controls(input);
        return zh ? "“" + shown + "”不是 " + min + " 到 " + max + " 之间的" + (whole ? "整数" : "数")
                  : "Value " + shown + " not in range " + min + " to " + max;
      },
      zh ? min + " 到 " + max : type + " in [" + min + " - " + max + "]");
}

CLI::Validator positive_number() {
  const bool zh = cli_lang() == rules::source::Lang::zh;
  return CLI::Validator(
      [zh](std::string& input) -> std::string {
        double value = 0;
        if (CLI::detail::lexical_cast(input, value) && value > 0) return {};
        const std::string shown = rules::source::escape_controls(input);
        return zh ? "“" + shown + "”不是正数" : "Value " + shown + " is not a positive number";
      },
      zh ? "正数" : "POSITIVE");
}

rules::source::Lang lang() {
  if (g_lang_override) return *g_lang_override;
  // POLICY_LANG (zh or en), for a server or a script that always wants one language; checked in main.
  if (const char* env = std::getenv("POLICY_LANG"); env && *env) {
    if (const auto l = rules::source::parse_lang(env)) return *l;
  }
  return g_pack_lang;
}

void PackOptions::add_to(CLI::App& app, bool with_params) {
  app.add_option("--lang", lang,
                 say("答案和消息的语言：zh（中文）或 en（英文）（默认：政策包的语言，cn-higher-ed 为中文）",
                     "Language of answers and messages: zh (中文) or en (default: the pack's, 中文 for cn-higher-ed)"))
      ->check(one_of({"zh", "en"}))
      ->each([](const std::string& v) { g_lang_override = rules::source::parse_lang(v); });
  app.add_option("--policy", policy_path,
                 say("政策包：一个放 .toml 文件的目录，或一个 .toml 文件（默认：内置的 cn-higher-ed）",
                     "Policy pack: a directory of .toml files or one file (default: built-in cn-higher-ed)"));
  if (with_params) {
    // Not CLI::ExistingFile: an unreadable parameters file is an input error (exit 1, load_io),
    // like an unreadable pack or situation, not a usage error.
    app.add_option("--params", params_path,
                   say("学校的参数文件（TOML），其中的值取代政策包参数的默认值", "A school's TOML file overriding the pack's parameters"));
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
    const auto n = loaded.diagnostics.size();
    err << (lang() == rules::source::Lang::zh ? "共 " + std::to_string(n) + " 个错误"
                                              : std::to_string(n) + " error" + (n == 1 ? "" : "s"))
        << "\n";
  } else {
    g_pack_lang = loaded.engine->policy().header.lang;
  }
  return std::move(loaded.engine);
}

std::optional<rules::calendar::Date> as_of_date(const std::string& text, const rules::engine::Engine& engine,
                                                std::ostream& err) {
  auto d = engine.as_of_from_text(text, "<command line>");
  if (auto* date = std::get_if<rules::calendar::Date>(&d)) return *date;
  const auto& why = std::get<rules::source::Diagnostic>(d);
  print_file_error(err, "<command line>", why.code, "--as-of: " + why.message, "--as-of：" + why.message_zh);
  return std::nullopt;
}

bool resolve_outputs(const rules::engine::Engine& engine, const std::string& list, const std::string& code,
                     std::vector<std::uint32_t>& out) {
  bool ok = true;
  std::stringstream ss(list);
  for (std::string item; std::getline(ss, item, ',');) {
    const auto b = item.find_first_not_of(" \t"), e = item.find_last_not_of(" \t");
    if (b == std::string::npos) continue;
    auto named = engine.name_output(item.substr(b, e - b + 1), code, "--outputs");
    if (const auto* why = std::get_if<rules::source::Diagnostic>(&named)) {
      print_file_error(std::cerr, "--outputs", code, why->message, why->message_zh);
      ok = false;
    } else if (const auto oi = std::get<std::uint32_t>(named); std::find(out.begin(), out.end(), oi) == out.end()) {
      out.push_back(oi);
    }
  }
  return ok;
}

std::string reason_zh(const std::string& why) {
  static const std::pair<const char*, const char*> kKnown[] = {
      {"No such file or directory", "文件或目录不存在"},
      {"Permission denied", "没有权限"},
      {"Is a directory", "这是一个目录，不是文件"},
      {"Not a directory", "路径中有一部分不是目录"},
      {"No space left on device", "磁盘空间已满"},
      {"Read-only file system", "文件系统是只读的"},
      {"Disk quota exceeded", "超出磁盘配额"},
      {"File too large", "文件太大"},
      {"Too many open files", "打开的文件太多"},
      {"Input/output error", "读写设备出错"},
      {"Broken pipe", "管道的另一端已关闭"},
      {"Bad file descriptor", "文件描述符无效（标准输入或输出已关闭）"},
  };
  for (const auto& [en, zh] : kKnown) {
    if (why == en) return std::string(zh) + "（" + en + "）";
  }
  return why;
}

void usage_error(const std::string& option, const std::string& en, const std::string& zh) {
  throw CLI::ValidationError(option, lang() == rules::source::Lang::zh ? zh : en);
}

std::optional<std::uint32_t> resolve_question(const rules::engine::Engine& engine, const std::string& text,
                                              const std::string& code) {
  const auto& questions = engine.policy().questions;
  for (std::uint32_t q = 0; q < questions.size(); ++q) {
    if (questions[q].id == text || questions[q].label == text) return q;
  }
  // Where it comes from (问题5, as the template's 填写说明 and the handbook name it), when that names
  // one question only: 问题6 has two.
  std::vector<std::uint32_t> from;
  for (std::uint32_t q = 0; q < questions.size(); ++q) {
    if (!text.empty() && questions[q].source == text) from.push_back(q);
  }
  if (from.size() == 1) return from.front();
  std::string list;  // one line: a diagnostic's message shows a line break as \n
  for (std::uint32_t q = 0; q < questions.size(); ++q) {
    if (!from.empty() && std::find(from.begin(), from.end(), q) == from.end()) continue;  // 问题6: its two
    list += (list.empty() ? "" : "; ") + questions[q].id + " (" + questions[q].label +
            (questions[q].source.empty() ? "" : ", " + questions[q].source) + ")";
  }
  if (!from.empty()) {
    print_file_error(std::cerr, "--question", code,
                     "'" + rules::source::escape_controls(text) + "' is where several questions come from; name one by its id:" + list,
                     "“" + rules::source::escape_controls(text) + "”下有几个问题，请用 id 指明其中一个：" + list);
    return std::nullopt;
  }
  print_file_error(std::cerr, "--question", code,
                   "'" + rules::source::escape_controls(text) + "' is not a question of the pack; the questions:" + list,
                   "“" + rules::source::escape_controls(text) + "”不是政策包中的问题；可选的问题：" + list);
  return std::nullopt;
}

bool retry_io(int fd, short events) {
  if (errno == EINTR) return true;
  if (errno != EAGAIN && errno != EWOULDBLOCK) return false;
  pollfd ready{fd, events, 0};
  ::poll(&ready, 1, -1);
  return true;
}

InputFile::InputFile() : buffer_(1 << 16) {}

InputFile::~InputFile() {
  if (owned_) ::close(fd_);
}

bool InputFile::open(const std::string& path) {
  const bool standard_input = path == "-";
  const int fd = standard_input ? STDIN_FILENO : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  int error = 0;
  if (fd < 0) {
    error = errno;
  } else if (::fstat(fd, &status_) != 0) {  // standard input closed: EBADF
    error = errno;
  } else if (S_ISDIR(status_.st_mode)) {
    error = EISDIR;  // open() takes a directory; read() would fail
  }
  if (error != 0) {
    if (fd >= 0 && !standard_input) ::close(fd);
    why_ = std::strerror(error);
    return false;
  }
  fd_ = fd;
  owned_ = !standard_input;
  return true;
}

std::string_view InputFile::peek() {
  try {
    sgetc();
  } catch (const std::system_error&) {
    return {};
  }
  return std::string_view(gptr(), static_cast<std::size_t>(egptr() - gptr()));
}

InputFile::int_type InputFile::underflow() {
  if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
  while (true) {
    const ssize_t got = ::read(fd_, buffer_.data(), buffer_.size());
    if (got > 0) {
      setg(buffer_.data(), buffer_.data(), buffer_.data() + got);
      return traits_type::to_int_type(*gptr());
    }
    if (got == 0) return traits_type::eof();
    if (retry_io(fd_, POLLIN)) continue;
    const int error = errno;
    why_ = std::strerror(error);
    throw std::system_error(error, std::generic_category());
  }
}

void print_diagnostics(const std::vector<rules::source::Diagnostic>& ds, std::ostream& err) {
  for (const auto& d : ds) err << rules::source::format_diagnostic(d, lang()) << "\n";
}

void print_file_error(std::ostream& err, const std::string& file, const std::string& code, const std::string& message,
                      const std::string& message_zh) {
  err << rules::source::format_diagnostic(rules::source::diagnostic_at(code, file, {}, message, message_zh), lang()) << "\n";
}

}  // namespace policy_cli
