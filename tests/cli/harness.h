#pragma once
// The harness of the `policy` executable's tests: runs the real binary as a child process with
// TZ=America/New_York (and POLICY_LANG=POLICY_TEST_LANG when that is not empty), capturing
// stdout, stderr and the exit code; temporary directories and files.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#ifndef POLICY_TEST_LANG
#define POLICY_TEST_LANG ""
#endif

extern char** environ;

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// ---- running the binary ---------------------------------------------------------------------

inline std::string policy_bin() {
  if (const char* e = std::getenv("POLICY_CLI_BIN"); e && *e) return e;
  return POLICY_CLI_BIN;
}

inline fs::path source_dir() { return fs::path(POLICY_SOURCE_DIR); }
inline fs::path builtin_pack_dir() { return source_dir() / "policy" / "cn-higher-ed"; }

struct RunOptions {
  std::string stdin_data;
  /// Environment overrides; TZ defaults to America/New_York.
  std::vector<std::pair<std::string, std::string>> env = {};
  /// When set, standard input is this file (opened read-only) instead of a pipe of stdin_data.
  std::string stdin_file = {};
  /// How stdin_file is opened: O_WRONLY makes a standard input that every read fails on (EBADF).
  int stdin_flags = O_RDONLY;
  /// Standard input closed, as by `<&-`.
  bool close_stdin = false;
  /// When set, standard output is this file (opened write-only) instead of a pipe read into out.
  std::string stdout_file = {};
  /// When set, a command (absolute path first) that runs the binary: `prefix... policy args...`.
  std::vector<std::string> prefix = {};
};

struct Result {
  std::vector<std::string> args;
  int code = -1;
  std::string out;
  std::string err;

  /// The command and what it printed, for failure messages.
  std::string describe() const {
    std::string s = "$ policy";
    for (const auto& a : args) s += " '" + a + "'";
    s += "\nexit code: " + std::to_string(code) + "\n--- stdout ---\n" + out + "\n--- stderr ---\n" + err + "\n";
    return s;
  }
};

inline void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

/// Runs `policy args...`; returns its exit code (128 + signal when killed), stdout and stderr.
inline Result run(const std::vector<std::string>& args, const RunOptions& opts = {}) {
  static const bool sigpipe_ignored = [] {
    std::signal(SIGPIPE, SIG_IGN);  // a child that exits before reading stdin must not kill us
    return true;
  }();
  (void)sigpipe_ignored;

  Result r;
  r.args = args;
  const std::string bin = policy_bin();

  std::vector<std::string> argv_s = opts.prefix;
  argv_s.push_back(bin);
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  const std::string program = argv_s.front();
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);

  std::map<std::string, std::string> overrides{{"TZ", "America/New_York"}};
  // The tests of one executable read messages in one language unless a test says otherwise.
  if (std::string(POLICY_TEST_LANG).empty()) overrides["POLICY_LANG"] = "";
  else overrides["POLICY_LANG"] = POLICY_TEST_LANG;
  for (const auto& [k, v] : opts.env) overrides[k] = v;
  std::vector<std::string> env_s;
  for (char** e = environ; *e; ++e) {
    const std::string entry(*e);
    const auto eq = entry.find('=');
    if (eq != std::string::npos && overrides.count(entry.substr(0, eq))) continue;
    env_s.push_back(entry);
  }
  for (const auto& [k, v] : overrides) env_s.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);

  int in[2], out[2], err[2];
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe2: " << std::strerror(errno);
    return r;
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (opts.close_stdin) posix_spawn_file_actions_addclose(&fa, 0);
  else if (opts.stdin_file.empty()) posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  else posix_spawn_file_actions_addopen(&fa, 0, opts.stdin_file.c_str(), opts.stdin_flags, 0);
  if (opts.stdout_file.empty()) posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  else posix_spawn_file_actions_addopen(&fa, 1, opts.stdout_file.c_str(), O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, err[1], 2);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, program.c_str(), &fa, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  close_fd(in[0]);
  close_fd(out[1]);
  close_fd(err[1]);
  if (rc != 0) {
    close_fd(in[1]);
    close_fd(out[0]);
    close_fd(err[0]);
    ADD_FAILURE() << "cannot run " << program << ": " << std::strerror(rc);
    return r;
  }

  std::size_t written = 0;
  if (opts.stdin_data.empty() || !opts.stdin_file.empty() || opts.close_stdin) close_fd(in[1]);
  else ::fcntl(in[1], F_SETFL, O_NONBLOCK);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  bool timed_out = false;
  char buf[65536];
  while (in[1] >= 0 || out[0] >= 0 || err[0] >= 0) {
    pollfd fds[3];
    int* owners[3];
    nfds_t n = 0;
    if (in[1] >= 0) { fds[n] = {in[1], POLLOUT, 0}; owners[n++] = &in[1]; }
    if (out[0] >= 0) { fds[n] = {out[0], POLLIN, 0}; owners[n++] = &out[0]; }
    if (err[0] >= 0) { fds[n] = {err[0], POLLIN, 0}; owners[n++] = &err[0]; }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) { timed_out = true; break; }
    const int pr = ::poll(fds, n, static_cast<int>(left.count()));
    if (pr < 0) {
      if (errno == EINTR) continue;
      ADD_FAILURE() << "poll: " << std::strerror(errno);
      break;
    }
    if (pr == 0) { timed_out = true; break; }
    for (nfds_t i = 0; i < n; ++i) {
      if (fds[i].revents == 0) continue;
      int& fd = *owners[i];
      if (&fd == &in[1]) {
        const ssize_t w = ::write(fd, opts.stdin_data.data() + written, opts.stdin_data.size() - written);
        if (w > 0) written += static_cast<std::size_t>(w);
        if ((w < 0 && errno != EAGAIN && errno != EINTR) || written == opts.stdin_data.size()) close_fd(fd);
      } else {
        const ssize_t got = ::read(fd, buf, sizeof buf);
        if (got > 0) (&fd == &out[0] ? r.out : r.err).append(buf, static_cast<std::size_t>(got));
        else if (got == 0 || (errno != EAGAIN && errno != EINTR)) close_fd(fd);
      }
    }
  }
  if (timed_out) ::kill(pid, SIGKILL);
  close_fd(in[1]);
  close_fd(out[0]);
  close_fd(err[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) r.code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status)) r.code = 128 + WTERMSIG(status);
  if (timed_out) ADD_FAILURE() << "timed out after 60 s\n" << r.describe();
  return r;
}

/// The JSON document on stdout (a null document, after a test failure, when it is not JSON).
inline json parse_out(const Result& r) {
  try {
    return json::parse(r.out);
  } catch (const json::exception& e) {
    ADD_FAILURE() << "stdout is not one JSON document: " << e.what() << "\n" << r.describe();
    return json();
  }
}

/// `policy eval ... --format json` that must succeed; returns its document.
inline json eval_json(std::vector<std::string> args, const RunOptions& opts = {}) {
  args.insert(args.begin(), "eval");
  args.push_back("--format");
  args.push_back("json");
  const auto r = run(args, opts);
  EXPECT_EQ(r.code, 0) << r.describe();
  EXPECT_EQ(r.err, "") << r.describe();
  return parse_out(r);
}

inline bool contains(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

// ---- temporary files ------------------------------------------------------------------------

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "policy-cli-test-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) ADD_FAILURE() << "mkdtemp: " << std::strerror(errno);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const fs::path& path() const { return path_; }

  /// Writes `text` to `rel` (creating directories); returns the absolute path as a string.
  std::string write(const std::string& rel, const std::string& text) const {
    const fs::path p = path_ / rel;
    fs::create_directories(p.parent_path());
    std::ofstream f(p, std::ios::binary);
    f << text;
    EXPECT_TRUE(f.good()) << "cannot write " << p;
    return p.string();
  }

 private:
  fs::path path_;
};

inline std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << p;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace
