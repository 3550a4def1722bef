#include "server.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <mutex>
#include <thread>

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <httplib.h>

#include "model/policy.h"
#include "model/resident_id.h"

namespace policy_serve {
namespace {

using Clock = std::chrono::steady_clock;
using rules::source::Lang;

/// Whether this worker answers every request on its connection with 503 (the pool is saturated).
thread_local bool t_rejecting = false;
/// When the request being handled on this thread was first seen (pre-routing), for the log.
thread_local Clock::time_point t_started{};
thread_local bool t_timed = false;
/// The peer (address, port) of the connection this worker is ending (see end_connection): its
/// further "requests" (bytes of a body that was never read) are not served.
thread_local std::pair<std::string, int> t_closing{};

/// httplib's task queue with a bound: `threads` workers take connections from a queue of at most
/// `limit`; a connection arriving when the queue is full goes to two rejecting workers, which
/// answer its request with 503 (Retry-After) and close it, so that a burst is refused quickly
/// instead of waiting behind kept-alive connections. httplib 0.11's ThreadPool queues without
/// bound, and its jobs own their sockets, so a job cannot be dropped: it must run, refusing.
class BoundedPool : public httplib::TaskQueue {
 public:
  BoundedPool(unsigned threads, std::size_t limit) : limit_(limit) {
    for (unsigned i = 0; i < std::max(1u, threads); ++i) workers_.emplace_back([this] { work(jobs_, false); });
    for (int i = 0; i < 2; ++i) workers_.emplace_back([this] { work(overflow_, true); });
  }
  ~BoundedPool() override = default;

  void enqueue(std::function<void()> fn) override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (jobs_.size() < limit_) jobs_.push_back(std::move(fn));
      else overflow_.push_back(std::move(fn));
    }
    ready_.notify_all();
  }

  void shutdown() override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      shutdown_ = true;
    }
    ready_.notify_all();
    for (auto& t : workers_) t.join();
  }

 private:
  void work(std::deque<std::function<void()>>& queue, bool rejecting) {
    t_rejecting = rejecting;
    for (;;) {
      std::function<void()> fn;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        ready_.wait(lock, [&] { return !queue.empty() || shutdown_; });
        if (queue.empty()) return;  // shut down, and nothing left to answer
        fn = std::move(queue.front());
        queue.pop_front();
      }
      fn();
    }
  }

  std::size_t limit_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> jobs_, overflow_;
  std::vector<std::thread> workers_;
  bool shutdown_ = false;
};

/// The media type of a Content-Type value, lower case, without parameters.
std::string media_type(std::string_view value) {
  value = value.substr(0, value.find(';'));
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  std::string s(value);
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

/// The host part of a Host header value (example.edu:8080 -> example.edu, [::1]:80 -> [::1]),
/// lower case.
std::string host_name(std::string_view value) {
  std::string s(value);
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!s.empty() && s.front() == '[') {
    const auto close = s.find(']');
    return close == std::string::npos ? s : s.substr(0, close + 1);
  }
  const auto colon = s.find(':');
  if (colon != std::string::npos && s.find(':', colon + 1) == std::string::npos) s.resize(colon);
  return s;
}

/// Whether `a` equals `b`, taking the same time whatever their contents (for the token).
bool same_secret(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  return diff == 0;
}

std::string content_type_of(std::string_view path) {
  const auto ends = [&](std::string_view ext) { return path.size() >= ext.size() && path.substr(path.size() - ext.size()) == ext; };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".json")) return "application/json; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".png")) return "image/png";
  if (ends(".ico")) return "image/x-icon";
  return "application/octet-stream";
}

/// What kind of request a route takes.
enum class Body { none, json, csv };

struct Route {
  std::string path;
  std::string method;
  Body body;
  bool needs_token;
};

/// Ends the connection `req` came on once its reply is written: the socket of this process whose
/// peer is the request's address and port and whose local port is `port` gets its writing side
/// shut (a FIN after the reply). httplib 0.11 keeps a connection open after a reply unless the
/// *request* asked to close it, so a refusal that leaves its body unread (a chunked body, 413)
/// would otherwise have the next "request" parsed out of that body. Called after the reply is
/// written (from the access logger); refusals are rare, so a scan of the open descriptors is cheap
/// enough.
void end_connection(const httplib::Request& req, int port) {
  DIR* dir = ::opendir("/proc/self/fd");
  if (!dir) return;
  while (const dirent* e = ::readdir(dir)) {
    char* end = nullptr;
    const long fd = std::strtol(e->d_name, &end, 10);
    if (end == e->d_name || *end != '\0' || fd == ::dirfd(dir)) continue;
    sockaddr_storage local{}, peer{};
    socklen_t ll = sizeof local, pl = sizeof peer;
    if (::getsockname(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&local), &ll) != 0) continue;
    if (::getpeername(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&peer), &pl) != 0) continue;
    char ip[INET6_ADDRSTRLEN] = {};
    int local_port = 0, peer_port = 0;
    if (peer.ss_family == AF_INET) {
      const auto* p4 = reinterpret_cast<const sockaddr_in*>(&peer);
      ::inet_ntop(AF_INET, &p4->sin_addr, ip, sizeof ip);
      peer_port = ntohs(p4->sin_port);
      local_port = ntohs(reinterpret_cast<const sockaddr_in*>(&local)->sin_port);
    } else if (peer.ss_family == AF_INET6) {
      const auto* p6 = reinterpret_cast<const sockaddr_in6*>(&peer);
      ::inet_ntop(AF_INET6, &p6->sin6_addr, ip, sizeof ip);
      peer_port = ntohs(p6->sin6_port);
      local_port = ntohs(reinterpret_cast<const sockaddr_in6*>(&local)->sin6_port);
    } else {
      continue;
    }
    if (local_port == port && peer_port == req.remote_port && req.remote_addr == ip) {
      ::shutdown(static_cast<int>(fd), SHUT_WR);
      break;
    }
  }
  ::closedir(dir);
}

/// httplib's server with what 0.11 does not let us set otherwise: the listen backlog. Its
/// compiled-in backlog is 5, so a burst of connections waited for TCP retries before they could
/// even be refused; listen() on the bound socket again raises it (Linux takes the new value).
class HttpServer : public httplib::Server {
 public:
  void raise_backlog(int backlog) { ::listen(svr_sock_, backlog); }
};

}  // namespace

bool is_loopback(std::string_view host) {
  return host == "localhost" || host == "::1" || host == "[::1]" || host.starts_with("127.");
}

struct Server::Impl {
  const rules::engine::Engine& engine;
  const Api& api;
  ServeOptions options;
  HttpServer http;
  std::vector<Route> routes;
  std::vector<std::string> hosts;  ///< accepted Host names, lower case
  std::mutex log_mutex;
  int port = 0;  ///< the bound port
  std::atomic<bool> entered{false}, finished{false}, stop_requested{false};  ///< run() and stop()

  Impl(const rules::engine::Engine& e, const Api& a, ServeOptions o) : engine(e), api(a), options(std::move(o)) {}

  Lang lang_of(const httplib::Request& req) const {
    return api.lang_of(req.has_param("lang") ? req.get_param_value("lang") : std::string());
  }

  /// Writes `reply` into `res`, with Cache-Control: no-store (answers are never cached).
  static void send(httplib::Response& res, const Reply& reply, bool close = false) {
    res.status = reply.status;
    for (const auto& [k, v] : reply.headers) res.set_header(k, v);
    if (!reply.decision_id.empty()) res.set_header("X-Decision-Id", reply.decision_id);
    if (!res.has_header("Cache-Control")) res.set_header("Cache-Control", "no-store");
    if (close) res.set_header("Connection", "close");
    res.set_content(reply.body, reply.content_type);
  }

  /// Answers with `status` and the problem; with `close`, the connection ends after the reply
  /// (its body, if any, is never read).
  void refuse(const httplib::Request& req, httplib::Response& res, int status, Problem p, Lang lang, bool close) {
    send(res, error_reply(status, {std::move(p)}, lang), close);
    if (close) t_closing = {req.remote_addr, req.remote_port};
  }

  /// The checks every request passes before its body is read: Host, framing, route and method,
  /// token, media type and length. Answers the request and returns true when it fails one.
  bool refused(const httplib::Request& req, httplib::Response& res) {
    const Lang lang = lang_of(req);
    if (t_closing.first == req.remote_addr && t_closing.second == req.remote_port) {
      // What follows a refused body on its connection: never served (the connection is ending).
      res.status = 400;
      res.set_header("Connection", "close");
      return true;
    }
    if (t_rejecting) {
      res.set_header("Retry-After", "1");
      refuse(req, res, 503, {"serve_busy", "the server is busy: try again in a moment", "服务器繁忙，请稍后再试"}, lang, true);
      return true;
    }
    const std::string host = host_name(req.get_header_value("Host"));
    if (std::find(hosts.begin(), hosts.end(), host) == hosts.end()) {
      refuse(req, res, 403,
             {"serve_bad_host", "Host '" + rules::source::escape_controls(host) + "' is not a name of this server",
              "Host“" + rules::source::escape_controls(host) + "”不是本服务器的名称", "Host"},
             lang, true);
      return true;
    }
    // httplib 0.11.4 does not bound chunked bodies (CVE-2025-46728): refuse them unread.
    if (req.has_header("Transfer-Encoding")) {
      refuse(req, res, 411,
             {"serve_length_required", "send the body with Content-Length, not Transfer-Encoding",
              "请求体须带 Content-Length，不接受 Transfer-Encoding", "Transfer-Encoding"},
             lang, true);
      return true;
    }
    if (req.has_header("Content-Encoding")) {
      refuse(req, res, 415,
             {"serve_bad_media_type", "compressed bodies (Content-Encoding) are not accepted",
              "不接受压缩的请求体（Content-Encoding）", "Content-Encoding"},
             lang, true);
      return true;
    }
    const Route* route = nullptr;
    std::string allow;
    for (const auto& r : routes) {
      if (r.path != req.path) continue;
      allow += (allow.empty() ? "" : ", ") + r.method;
      if (r.method == req.method || (r.method == "GET" && req.method == "HEAD")) route = &r;
    }
    if (!route) {
      const bool known = !allow.empty();
      if (known) res.set_header("Allow", allow);
      refuse(req, res, known ? 405 : 404,
             known ? Problem{"serve_method", req.method + " is not allowed on " + req.path + " (allowed: " + allow + ")",
                             req.method + " 不能用于 " + req.path + "（可用：" + allow + "）"}
                   : Problem{"serve_not_found", "no such page or endpoint: " + rules::source::escape_controls(req.path),
                             "没有这个页面或接口：" + rules::source::escape_controls(req.path)},
             lang, req.has_header("Content-Length"));
      return true;
    }
    if (route->needs_token && !options.token.empty()) {
      const std::string auth = req.get_header_value("Authorization");
      // The scheme is case-insensitive (RFC 7235 §2.1): Bearer, bearer.
      const bool bearer = auth.size() > 7 && rules::model::equals_ascii_ci(auth.substr(0, 7), "bearer ");
      if (!bearer || !same_secret(auth.substr(7), options.token)) {
        res.set_header("WWW-Authenticate", "Bearer");
        refuse(req, res, 401,
               {"serve_unauthorized", "this API needs the server's token: Authorization: Bearer TOKEN",
                "此接口需要服务器的访问令牌：Authorization: Bearer 令牌", "Authorization"},
               lang, req.has_header("Content-Length"));
        return true;
      }
    }
    const std::string length = req.get_header_value("Content-Length");
    if (route->body == Body::none) {
      if (!length.empty() && length != "0") {
        refuse(req, res, 400, {"serve_bad_request", "this request takes no body", "此请求不带请求体", "Content-Length"}, lang, true);
        return true;
      }
      return false;
    }
    if (length.empty()) {
      refuse(req, res, 411, {"serve_length_required", "send the body with Content-Length", "请求体须带 Content-Length", "Content-Length"},
             lang, true);
      return true;
    }
    const std::size_t limit = route->body == Body::csv ? options.max_roster_body : options.max_json_body;
    if (length.size() > 12 || length.find_first_not_of("0123456789") != std::string::npos || std::stoull(length) > limit) {
      const bool number = length.size() <= 12 && length.find_first_not_of("0123456789") == std::string::npos;
      refuse(req, res, number ? 413 : 400,
             number ? Problem{"serve_too_large", "the body is larger than the " + std::to_string(limit) + " bytes this request takes",
                              "请求体超过此请求允许的 " + std::to_string(limit) + " 字节", "Content-Length"}
                    : Problem{"serve_bad_request", "Content-Length is not a number", "Content-Length 不是数字", "Content-Length"},
             lang, true);
      return true;
    }
    const std::string want = route->body == Body::csv ? "text/csv" : "application/json";
    // A roster may also come as the workbook itself (.xlsx), read from memory (XlsxReader).
    constexpr std::string_view kXlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    const std::string given = media_type(req.get_header_value("Content-Type"));
    if (given != want && !(route->body == Body::csv && given == kXlsx)) {
      refuse(req, res, 415,
             {"serve_bad_media_type",
              "send the body as " + want + (route->body == Body::csv ? " or " + std::string(kXlsx) : "") + " (Content-Type)",
              "请求体须以 " + want + (route->body == Body::csv ? " 或 " + std::string(kXlsx) : "") + " 发送（Content-Type）",
              "Content-Type"},
             lang, true);
      return true;
    }
    return false;
  }

  void log(const httplib::Request& req, const httplib::Response& res) {
    if (t_closing.first == req.remote_addr && t_closing.second == req.remote_port) end_connection(req, port);
    if (!options.access_log) return;
    char stamp[32];
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    char took[32] = "-";
    if (t_timed) {
      std::snprintf(took, sizeof took, "%.2fms", std::chrono::duration<double, std::milli>(Clock::now() - t_started).count());
      t_timed = false;
    }
    const std::string decision = res.get_header_value("X-Decision-Id");
    // The path only: a query may carry a date, never is a body or a fact value written here.
    // The path is what the client sent: an ID number in it (GET /v1/student/1101...) is masked.
    std::string line = std::string(stamp) + " " + rules::source::escape_controls(req.method) + " " +
                       rules::source::escape_controls(rules::model::mask_resident_ids_in(req.path)) + " " +
                       std::to_string(res.status) + " " + took +
                       (decision.empty() ? "" : " decision=" + decision) + "\n";
    std::lock_guard<std::mutex> lock(log_mutex);
    *options.access_log << line << std::flush;
  }
};

Server::Server(const rules::engine::Engine& engine, const Api& api, ServeOptions options)
    : impl_(std::make_unique<Impl>(engine, api, std::move(options))) {
  auto& s = *impl_;
  auto& http = s.http;
  const auto& o = s.options;
  s.hosts = {"localhost", "127.0.0.1", "[::1]"};
  const auto add_host = [&](std::string h) {
    for (auto& c : h) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (h.find(':') != std::string::npos && h.front() != '[') h = "[" + h + "]";
    if (!h.empty() && h != "0.0.0.0" && h != "[::]" && std::find(s.hosts.begin(), s.hosts.end(), h) == s.hosts.end()) {
      s.hosts.push_back(h);
    }
  };
  add_host(o.host);
  for (const auto& h : o.allowed_hosts) add_host(h);

  http.new_task_queue = [threads = o.threads, queue = o.queue] { return new BoundedPool(threads, queue); };
  // Small answers on kept-alive connections: without TCP_NODELAY, Nagle and delayed ACKs hold each
  // one back ~40 ms.
  http.set_tcp_nodelay(true);
  // SO_REUSEADDR only: httplib's default also sets SO_REUSEPORT, with which a second policy serve
  // on the same port started without error and took half the connections.
  http.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  http.set_read_timeout(o.read_timeout);
  http.set_write_timeout(o.write_timeout);
  http.set_keep_alive_timeout(o.keep_alive_timeout.count());
  http.set_keep_alive_max_count(o.keep_alive_max);
  http.set_payload_max_length(std::max(o.max_json_body, o.max_roster_body));  // a second guard: ours come first
  http.set_default_headers({
      {"Content-Security-Policy",
       "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      {"X-Frame-Options", "DENY"},
  });

  // The routes: the page's files, then the API.
  for (const auto& asset : web_assets()) {
    const std::string path(asset.path);
    s.routes.push_back({path, "GET", Body::none, false});
    if (path == "/index.html") s.routes.push_back({"/", "GET", Body::none, false});
  }
  s.routes.push_back({"/health", "GET", Body::none, false});
  s.routes.push_back({"/v1/openapi.json", "GET", Body::none, false});
  for (const char* p : {"/v1/version", "/v1/facts", "/v1/outputs", "/v1/questions"}) s.routes.push_back({p, "GET", Body::none, true});
  for (const char* p : {"/v1/eval", "/v1/ics", "/v1/calc"}) s.routes.push_back({p, "POST", Body::json, true});
  s.routes.push_back({"/v1/batch", "POST", Body::csv, true});

  http.set_pre_routing_handler([&s](const httplib::Request& req, httplib::Response& res) {
    t_started = Clock::now();
    t_timed = true;
    return s.refused(req, res) ? httplib::Server::HandlerResponse::Handled : httplib::Server::HandlerResponse::Unhandled;
  });
  // A client that waits for 100 Continue gets the same refusals before it sends its body.
  http.set_expect_100_continue_handler([&s](const httplib::Request& req, httplib::Response& res) {
    return s.refused(req, res) ? res.status : 100;
  });
  // httplib's own refusals (a URI or header beyond 8 KiB, a request line it cannot read) come
  // with an empty body: give them the API's error document.
  http.set_error_handler(httplib::Server::HandlerWithResponse([&s](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    const Lang lang = s.lang_of(req);
    const Problem p = res.status == 414 ? Problem{"serve_too_large", "the URI is longer than 8 KiB", "URI 超过 8 KiB"}
                                        : Problem{"serve_bad_request", "the request cannot be read as HTTP (a header line longer than 8 KiB?)",
                                                  "无法按 HTTP 读取请求（某个请求头超过 8 KiB？）"};
    const Reply reply = error_reply(res.status, {p}, lang);
    res.set_content(reply.body, reply.content_type);
    return httplib::Server::HandlerResponse::Handled;
  }));
  http.set_logger([&s](const httplib::Request& req, const httplib::Response& res) { s.log(req, res); });
  http.set_exception_handler([&s](const httplib::Request& req, httplib::Response& res, std::exception_ptr) {
    // Never reached by a user's mistake (those are replies); the message stays out of the answer.
    s.refuse(req, res, 500, {"serve_internal", "internal error", "服务器内部错误"}, s.lang_of(req), true);
  });

  for (const auto& asset : web_assets()) {
    const std::string type = content_type_of(asset.path);
    const auto handler = [asset, type](const httplib::Request&, httplib::Response& res) {
      res.set_header("Cache-Control", "no-cache");
      res.set_content(std::string(asset.text), type);
    };
    http.Get(std::string(asset.path), handler);
    if (asset.path == "/index.html") http.Get("/", handler);
  }
  http.Get("/health", [](const httplib::Request&, httplib::Response& res) {
    Impl::send(res, Reply{200, "application/json; charset=utf-8", "{\"status\":\"ok\"}", {}, {}});
  });
  http.Get("/v1/openapi.json", [](const httplib::Request&, httplib::Response& res) {
    Impl::send(res, Reply{200, "application/json; charset=utf-8", std::string(openapi_document()), {}, {}});
  });
  http.Get("/v1/version", [&s](const httplib::Request&, httplib::Response& res) { Impl::send(res, s.api.version()); });
  http.Get("/v1/facts", [&s](const httplib::Request&, httplib::Response& res) { Impl::send(res, s.api.facts()); });
  http.Get("/v1/outputs", [&s](const httplib::Request&, httplib::Response& res) { Impl::send(res, s.api.outputs()); });
  http.Get("/v1/questions", [&s](const httplib::Request&, httplib::Response& res) { Impl::send(res, s.api.questions()); });
  http.Post("/v1/eval", [&s](const httplib::Request& req, httplib::Response& res) { Impl::send(res, s.api.eval(req.body)); });
  http.Post("/v1/ics", [&s](const httplib::Request& req, httplib::Response& res) { Impl::send(res, s.api.ics(req.body)); });
  http.Post("/v1/calc", [&s](const httplib::Request& req, httplib::Response& res) { Impl::send(res, s.api.calc(req.body)); });
  http.Post("/v1/batch", [&s](const httplib::Request& req, httplib::Response& res) {
    const std::multimap<std::string, std::string> query(req.params.begin(), req.params.end());
    // The page asks for JSON (the file and the summary's lines together); programs get the file.
    const bool as_json = media_type(req.get_header_value("Accept")) == "application/json";
    Impl::send(res, s.api.batch(req.body, query, as_json));
  });
}

Server::~Server() = default;

bool Server::bind() {
  auto& s = *impl_;
  errno = 0;
  if (s.options.port == 0) {
    port_ = s.http.bind_to_any_port(s.options.host);
    s.port = port_;
  } else if (s.http.bind_to_port(s.options.host, s.options.port)) {
    port_ = s.options.port;
    s.port = port_;
  }
  if (port_ > 0) {
    s.http.raise_backlog(1024);
    return true;
  }
  why_ = errno ? std::strerror(errno) : "not an address of this machine";
  return false;
}

bool Server::run() {
  impl_->entered = true;
  if (impl_->stop_requested) return true;
  const bool ok = impl_->http.listen_after_bind();
  impl_->finished = true;
  return ok;
}

void Server::stop() {
  auto& s = *impl_;
  s.stop_requested = true;
  // httplib's stop() does nothing before the server listens: when run() has been entered but is
  // not listening yet (a signal right after start), wait until it listens, then stop it.
  while (s.entered && !s.finished && !s.http.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  s.http.stop();
}

}  // namespace policy_serve
