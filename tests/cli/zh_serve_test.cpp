// policy serve as a school's IT starts it: the options it refuses, the line it prints, and
// SIGTERM ending it cleanly with the request in flight answered.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "harness.h"

namespace {

/// A `policy serve` child process, its standard output read until the URL line.
struct ServeProcess {
  explicit ServeProcess(std::vector<std::string> extra) {
    int out[2];
    EXPECT_EQ(::pipe(out), 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    std::vector<std::string> args = {policy_bin(), "serve", "--listen", "127.0.0.1:0", "--quiet"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    EXPECT_EQ(posix_spawn(&pid, args[0].c_str(), &actions, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    // The first line names the URL: 页面和 API 在 http://127.0.0.1:PORT/
    char c;
    while (::read(out[0], &c, 1) == 1 && c != '\n') first_line += c;
    ::close(out[0]);
    const auto at = first_line.find("http://127.0.0.1:");
    if (at != std::string::npos) port = std::stoi(first_line.substr(at + 17));
  }
  ~ServeProcess() {
    if (pid > 0 && !reaped) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }
  /// Sends `sig` and waits for the exit code (-1 when it did not exit normally within 10 s).
  int stop(int sig) {
    ::kill(pid, sig);
    for (int i = 0; i < 1000; ++i) {
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        reaped = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      ::usleep(10000);
    }
    return -1;
  }
  pid_t pid = -1;
  bool reaped = false;
  int port = 0;
  std::string first_line;
};

int connect_to(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

std::string read_until_closed(int fd) {
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  return out;
}

TEST(ServeCli, PrintsWhereThePageIsAndHowToExposeIt) {
  ServeProcess s({});
  ASSERT_GT(s.port, 0) << s.first_line;
  EXPECT_TRUE(contains(s.first_line, "页面和 API")) << s.first_line;
  EXPECT_EQ(s.stop(SIGINT), 0);
}

TEST(ServeCli, SigtermFinishesTheRequestInFlightAndExitsZero) {
  ServeProcess s({});
  ASSERT_GT(s.port, 0) << s.first_line;
  const int fd = connect_to(s.port);
  ASSERT_GE(fd, 0);
  const std::string body = R"({"facts": {"退役日期": "2026-06-15", "入伍时身份": "在校生"}, "outputs": ["reenroll_deadline"]})";
  const std::string head = "POST /v1/eval HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\n"
                           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  // Headers and half the body; SIGTERM; the rest: the request already accepted is answered.
  ASSERT_EQ(::write(fd, (head + body.substr(0, 20)).data(), head.size() + 20), static_cast<ssize_t>(head.size() + 20));
  ::usleep(200000);
  ::kill(s.pid, SIGTERM);
  ::usleep(100000);
  ASSERT_EQ(::write(fd, body.data() + 20, body.size() - 20), static_cast<ssize_t>(body.size() - 20));
  const std::string reply = read_until_closed(fd);
  ::close(fd);
  EXPECT_EQ(reply.rfind("HTTP/1.1 200", 0), 0u) << reply;
  EXPECT_TRUE(contains(reply, "2027年9月30日 24:00（北京时间）"));
  EXPECT_EQ(s.stop(SIGTERM), 0);
  EXPECT_LT(connect_to(s.port), 0);  // no longer listening
}

TEST(ServeCli, LangEnMakesEnglishTheDefaultOfTheApi) {
  ServeProcess s({"--lang", "en"});
  ASSERT_GT(s.port, 0) << s.first_line;
  EXPECT_TRUE(contains(s.first_line, "the page and the API")) << s.first_line;
  const int fd = connect_to(s.port);
  ASSERT_GE(fd, 0);
  const std::string body = R"({"facts": {"discharge_date": "2026-06-15"}, "outputs": ["retention_until"], "as_of": "2026-12-07"})";
  const std::string req = "POST /v1/eval HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\n"
                          "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  ASSERT_EQ(::write(fd, req.data(), req.size()), static_cast<ssize_t>(req.size()));
  const std::string reply = read_until_closed(fd);
  ::close(fd);
  EXPECT_TRUE(contains(reply, "2028-06-15 24:00 (UTC+08:00)") || contains(reply, "2028-06-15 24:00 (")) << reply;
  EXPECT_FALSE(contains(reply, "2028年6月15日")) << reply;
  EXPECT_EQ(s.stop(SIGTERM), 0);
}

TEST(ServeCli, ANonLoopbackAddressNeedsAToken) {
  auto r = run({"serve", "--listen", "0.0.0.0:0"});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "serve_token_required")) << r.err;
  EXPECT_TRUE(contains(r.err, "nginx"));
  const auto dir = fs::temp_directory_path() / ("serve-token-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "short") << "abc\n";
  r = run({"serve", "--listen", "0.0.0.0:0", "--token-file", (dir / "short").string()});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "serve_bad_token")) << r.err;
  EXPECT_TRUE(contains(r.err, "令牌文件须只含一个至少 16 个字符、不含空格的令牌")) << r.err;
  // A file that cannot be read says why (the trial: a root-owned file the service user could not
  // read was called a bad token).
  r = run({"serve", "--listen", "0.0.0.0:0", "--token-file", (dir / "missing").string()});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "serve_bad_token")) << r.err;
  EXPECT_TRUE(contains(r.err, "无法读取令牌文件：文件或目录不存在")) << r.err;
  EXPECT_FALSE(contains(r.err, "至少 16 个字符")) << r.err;
  fs::remove_all(dir);
}

// The IT trial: these started normally, then every request got 403 serve_bad_host.
TEST(ServeCli, AnAllowHostThatIsNoHostNameIsAUsageError) {
  for (const char* bad : {"http://policy.example.edu.cn/", "policy.example.edu.cn:443", "policy.example.edu.cn,www.x.cn",
                          "policy.example.edu.cn/policy", "", "-x.cn", "[::1", "a b"}) {
    auto r = run({"serve", "--listen", "127.0.0.1:0", "--allow-host", bad});
    EXPECT_EQ(r.code, 2) << bad;
    EXPECT_TRUE(contains(r.err, "--allow-host: 错误[serve_bad_allow_host]: ")) << r.err;
    EXPECT_TRUE(contains(r.err, "不是主机名：只写名称（如 policy.example.edu.cn，或 IP 地址），不写 http://、端口或路径")) << r.err;
  }
}

TEST(ServeCli, ABadListenAddressIsAUsageError) {
  for (const char* bad : {"8080", "127.0.0.1", "127.0.0.1:99999", "[::1]8080", ":8080", "127.0.0.1:http"}) {
    auto r = run({"serve", "--listen", bad});
    EXPECT_EQ(r.code, 2) << bad;
    EXPECT_TRUE(contains(r.err, "serve_bad_listen")) << bad << ": " << r.err;
  }
  auto r = run({"serve", "--listen", "192.0.2.1:8080", "--token-file", "/dev/null"});
  EXPECT_EQ(r.code, 2);  // the token file is empty
}

}  // namespace
