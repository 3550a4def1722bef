// policy serve: the page and the JSON API over HTTP (serve/). This file only reads options.
#include <filesystem>
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <csignal>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "common.h"
#include "server.h"
#include "version.h"

namespace policy_cli {

namespace {

/// Whether `h` is a host name as a Host header names this server, without its port: a DNS name
/// (letters, digits, '-', '_', '.'; not starting or ending with '.' or '-'), an IPv4 address, or an
/// IPv6 address with or without its brackets.
bool host_name_only(std::string_view h) {
  if (h.empty() || h.size() > 253) return false;
  std::string inner(h);
  if (inner.front() == '[' && inner.back() == ']') inner = inner.substr(1, inner.size() - 2);
  if (inner.find(':') != std::string::npos) {
    in6_addr a6{};
    return ::inet_pton(AF_INET6, inner.c_str(), &a6) == 1;
  }
  if (h.front() == '.' || h.front() == '-' || h.back() == '.' || h.back() == '-') return false;
  return std::all_of(h.begin(), h.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

/// Splits ADDR:PORT ([::1]:8080, 0.0.0.0:8080, localhost:8080) into `host` and `port`.
bool parse_listen(const std::string& text, std::string& host, int& port) {
  std::string h, p;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') return false;
    h = text.substr(1, close - 1);
    p = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || text.find(':') != colon) return false;
    h = text.substr(0, colon);
    p = text.substr(colon + 1);
  }
  if (h.empty() || p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos) return false;
  const int n = std::stoi(p);
  if (n > 65535) return false;
  host = h;
  port = n;
  return true;
}

}  // namespace

void add_serve(CLI::App& app, Action& action) {
  struct Opts {
    PackOptions pack;
    std::string listen = "127.0.0.1:8080";
    std::string token_file;
    std::vector<std::string> allow_hosts;
    std::size_t max_body = 64 * 1024;
    std::size_t max_roster_body = 32 * 1024 * 1024;
    unsigned threads = 0;
    std::size_t max_connections = 512;
    int remind_days = 7;
    bool quiet = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("serve", say("通过 HTTP 提供学生和老师使用的网页，以及 JSON 接口",
                                              "Serve the page for students and staff, and the JSON API, over HTTP"));
  cmd->footer(say(
      "示例：\n"
      "  policy serve                                  # http://127.0.0.1:8080/，只供本机访问\n"
      "  policy serve --params school.toml             # 用学校的日期、办公室和电话\n"
      "  policy serve --listen 0.0.0.0:8080 --token-file /etc/policy/token --allow-host policy.example.edu.cn\n"
      "放在 nginx 之后（见 README）：保持默认的本机地址，由 nginx 转发过来。\n"
      "接口说明见 /v1/openapi.json；请求发来的内容一律不保存、不记录。",
      "Examples:\n"
      "  policy serve                                  # http://127.0.0.1:8080/ on this machine only\n"
      "  policy serve --params school.toml             # the school's dates, office and phone\n"
      "  policy serve --listen 0.0.0.0:8080 --token-file /etc/policy/token --allow-host policy.example.edu.cn\n"
      "Behind nginx (README): keep the default loopback address and proxy to it.\n"
      "The API is described at /v1/openapi.json; nothing a request sends is stored or logged."));
  cmd->add_option("--listen", o->listen,
                  say("监听的 地址:端口（默认 127.0.0.1:8080；端口为 0：任一空闲端口）",
                      "ADDR:PORT to listen on (default 127.0.0.1:8080; port 0: any free port)"));
  cmd->add_option("--token-file", o->token_file,
                  say("存放 API 访问令牌（bearer token）的文件（监听本机以外的地址时必须给出）",
                      "File holding the bearer token the API requires (needed for a non-loopback address)"));
  cmd->add_option("--allow-host", o->allow_hosts,
                  say("访问服务器所用的主机名（Host，可以给多次），如 policy.example.edu.cn",
                      "A Host name the server is reached by (repeatable), e.g. policy.example.edu.cn"));
  cmd->add_option("--max-body", o->max_body, say("JSON 请求体最多多少字节（默认 65536）", "Largest JSON request body in bytes (default 65536)"))
      ->check(in_range(1024, 16 * 1024 * 1024));
  cmd->add_option("--max-roster-body", o->max_roster_body,
                  say("上传的名单最多多少字节（默认 33554432）", "Largest roster upload in bytes (default 33554432)"))
      ->check(in_range(1024, 1024 * 1024 * 1024));
  cmd->add_option("--threads", o->threads,
                  say("运行事件循环的线程数（默认：每个处理器一个，至少 2 个）", "Threads running the event loop (default: one per processor, at least 2)"))
      ->check(in_range(1, 256));
  cmd->add_option("--max-connections", o->max_connections,
                  say("同时服务的连接数；超出的连接得到 503 和 Retry-After（默认 512）",
                      "Connections served at once; one more is answered 503 with Retry-After (default 512)"))
      ->check(in_range(1, 100000));
  cmd->add_option("--remind-days", o->remind_days,
                  say("日历文件中的提醒在截止日期前几天响起（默认 7）", "Days before a deadline that a calendar file's reminder fires (default 7)"))
      ->check(in_range(0, 365));
  cmd->add_flag("--quiet", o->quiet, say("不在标准错误输出上写访问日志", "No access log on standard error"));
  o->pack.add_to(*cmd);
  cmd->callback([o, &action] {
    action = [o] {
      const bool zh = lang() == rules::source::Lang::zh;
      policy_serve::ServeOptions options;
      if (!parse_listen(o->listen, options.host, options.port)) {
        print_file_error(std::cerr, "--listen", "serve_bad_listen",
                         "'" + rules::source::escape_controls(o->listen) + "' is not ADDR:PORT (127.0.0.1:8080, [::1]:8080, 0.0.0.0:8080)",
                         "“" + rules::source::escape_controls(o->listen) + "”不是“地址:端口”（如 127.0.0.1:8080、[::1]:8080、0.0.0.0:8080）");
        return kExitUsage;
      }
      if (!o->token_file.empty()) {
        std::ifstream in(o->token_file);
        if (!in) {  // unreadable (the service user may not read it): say why, not "bad token"
          const std::string why = std::strerror(errno);
          print_file_error(std::cerr, o->token_file, "serve_bad_token", "cannot read the token file: " + why,
                           "无法读取令牌文件：" + reason_zh(why) + "（以运行服务的用户身份能否读取？）");
          return kExitUsage;
        }
        std::stringstream ss;
        ss << in.rdbuf();
        std::string token = ss.str();
        while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) token.pop_back();
        if (!in || token.size() < 16 || token.find_first_of(" \t\r\n") != std::string::npos) {
          print_file_error(std::cerr, o->token_file, "serve_bad_token",
                           "the token file must hold one token of at least 16 characters, without spaces",
                           "令牌文件须只含一个至少 16 个字符、不含空格的令牌");
          return kExitUsage;
        }
        options.token = token;
      } else if (!policy_serve::is_loopback(options.host)) {
        print_file_error(std::cerr, "--listen", "serve_token_required",
                         options.host + " is reachable from other machines: give --token-file (the API's bearer token), "
                                        "or keep 127.0.0.1 and put the server behind nginx",
                         options.host + " 可从其他机器访问：请用 --token-file 指定 API 的访问令牌，或保持 127.0.0.1 并放在 nginx 之后");
        return kExitUsage;
      }
      // A name as the Host header carries it, without the port: the trial's http://name/, name:443
      // and name,other started normally and then refused every request (403 serve_bad_host).
      for (const auto& h : o->allow_hosts) {
        if (!host_name_only(h)) {
          const std::string shown = rules::source::escape_controls(h);
          print_file_error(std::cerr, "--allow-host", "serve_bad_allow_host",
                           "'" + shown + "' is not a host name: give the name alone (policy.example.edu.cn, or an address), "
                           "without http://, a port or a path; repeat --allow-host for each name",
                           "“" + shown + "”不是主机名：只写名称（如 policy.example.edu.cn，或 IP 地址），不写 http://、端口或路径；"
                           "多个名称请各用一个 --allow-host");
          return kExitUsage;
        }
      }
      options.allowed_hosts = o->allow_hosts;
      options.max_json_body = o->max_body;
      options.max_roster_body = o->max_roster_body;
      options.threads = o->threads;
      options.max_connections = o->max_connections;
      options.access_log = o->quiet ? nullptr : &std::cerr;

      auto engine = load_engine(o->pack, std::cerr);
      if (!engine) return kExitInputError;
      // SIGINT and SIGTERM go to one thread, which stops the server; every other thread (the
      // server's workers are started later and inherit the mask) never sees them.
      // A shell starts a background job with SIGINT ignored, and an ignored signal is dropped before
      // sigwait could take it: both are reset, so that `kill -INT` stops the server as Ctrl+C does.
      std::signal(SIGINT, SIG_DFL);
      std::signal(SIGTERM, SIG_DFL);
      sigset_t stop_signals;
      sigemptyset(&stop_signals);
      sigaddset(&stop_signals, SIGINT);
      sigaddset(&stop_signals, SIGTERM);
      pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

      const std::string params_name =
          o->pack.params_path.empty() ? std::string() : std::filesystem::path(o->pack.params_path).filename().string();
      const policy_serve::Api api(*engine, {o->remind_days, program_version(), source_revision(), lang(), params_name});
      policy_serve::Server server(*engine, api, options);
      if (!server.bind()) {
        print_file_error(std::cerr, "--listen", "serve_cannot_listen",
                         "cannot listen on " + o->listen + ": " + server.why(), "无法在 " + o->listen + " 上监听：" + server.why());
        return kExitInputError;
      }
      std::thread([&server, stop_signals] {
        int sig = 0;
        sigwait(&stop_signals, &sig);
        server.stop();
      }).detach();
      const std::string host = options.host.find(':') != std::string::npos ? "[" + options.host + "]" : options.host;
      const std::string url = "http://" + (host == "0.0.0.0" || host == "[::]" ? std::string("127.0.0.1") : host) + ":" +
                              std::to_string(server.port()) + "/";
      if (zh) {
        std::cout << "policy serve：页面和 API 在 " << url << "（" << engine->policy().header.title << " " << engine->policy().header.version
                  << "；按 Ctrl+C 停止）\n"
                  << "  供其他电脑访问：放在学校的 nginx 之后（见 docs/serve.md）；--listen 0.0.0.0:" << server.port()
                  << " 须加 --token-file，API 才对外开放（网页会向使用者索要令牌，适合教务人员，不适合学生）\n";
      } else {
        std::cout << "policy serve: the page and the API at " << url << " (" << engine->policy().header.id << " "
                  << engine->policy().header.version << "; Ctrl+C stops)\n"
                  << "  For other machines: put it behind the school's nginx (docs/serve.md); --listen 0.0.0.0:" << server.port()
                  << " needs --token-file (the page then asks its users for the token: for staff, not students)\n";
      }
      std::cout << std::flush;
      const bool ran = server.run();
      std::cerr << (zh ? "policy serve：已停止\n" : "policy serve: stopped\n");
      if (!ran) {
        print_file_error(std::cerr, "--listen", "serve_cannot_listen", "the server stopped: " + server.why(),
                         "服务器已停止：" + server.why());
        return kExitInputError;
      }
      return kExitOk;
    };
  });
}

}  // namespace policy_cli
