#include "server.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <ctime>
#include <limits>
#include <list>
#include <mutex>
#include <optional>
#include <thread>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include "model/policy.h"
#include "model/resident_id.h"

namespace policy_serve {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using rules::source::Lang;

/// The request line's target (path and query) may be this long; 414 beyond.
constexpr std::size_t kMaxTarget = 8 * 1024;
/// One header field's value may be this long; 431 beyond.
constexpr std::size_t kMaxField = 8 * 1024;
/// The request line and all its header fields together (Beast's header_limit); 431 beyond.
constexpr std::size_t kMaxHead = 16 * 1024;
/// After an answer that ends a connection, what the client still sends is read and dropped for at
/// most this long (so that its unread bytes do not turn our FIN into a reset that loses the answer).
constexpr std::chrono::seconds kLinger{2};
/// Connections beyond ServeOptions::max_connections that are still read and answered 503; beyond
/// these, a new connection is closed at once.
constexpr std::size_t kMaxRefusing = 64;
/// Roster uploads (POST /v1/batch) are evaluated by this many threads of their own, so that a large
/// roster never holds up the event loop.
constexpr std::size_t kBatchThreads = 2;

const char* const kCsp =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

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

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// `text` with its %XX escapes decoded (RFC 3986 §2.1), and with `plus` a '+' read as a space (a
/// form-encoded query). A '%' not followed by two hexadecimal digits stays as it is.
std::string percent_decode(std::string_view text, bool plus) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 && hex_value(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      out += plus && c == '+' ? ' ' : c;
    }
  }
  return out;
}

/// The query's name=value pairs, decoded, in order.
std::multimap<std::string, std::string> query_params(std::string_view query) {
  std::multimap<std::string, std::string> params;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    params.emplace(percent_decode(pair.substr(0, eq), true),
                   eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1), true));
  }
  return params;
}

/// The threads that run the event loop: ServeOptions::threads, or one per processor (at least 2).
unsigned thread_count(const ServeOptions& o) {
  return o.threads > 0 ? o.threads : std::max(2u, std::thread::hardware_concurrency());
}

/// What kind of request a route takes.
enum class Body { none, json, csv };

/// What a route answers with.
enum class Handler { asset, health, openapi, version, facts, outputs, questions, eval, ics, calc, batch };

struct Route {
  std::string path;
  http::verb method;
  Body body;
  bool needs_token;
  Handler handler;
  const WebAsset* asset = nullptr;
};

/// A refusal: the reply and whether the connection ends after it (its body, if any, unread).
struct Refusal {
  Reply reply;
  bool close;
};

}  // namespace

bool is_loopback(std::string_view host) {
  return host == "localhost" || host == "::1" || host == "[::1]" || host.starts_with("127.");
}

class Session;

struct Server::Impl {
  const rules::engine::Engine& engine;
  const Api& api;
  ServeOptions options;
  std::vector<Route> routes;
  std::vector<std::string> hosts;  ///< accepted Host names, lower case
  std::mutex log_mutex;
  std::atomic<std::size_t> open{0};      ///< connections being served
  std::atomic<std::size_t> refusing{0};  ///< connections being answered 503
  std::atomic<bool> stopping{false};
  bool bound = false;
  /// The sessions, so that stop() can end the idle ones at once. Declared before the io_context:
  /// a session's destructor, run when the io_context drops its handlers, takes them.
  std::mutex sessions_mutex;
  std::list<std::weak_ptr<Session>> sessions;
  /// One event loop per thread, each single-threaded (no strands, no locks between connections);
  /// the acceptor runs on the first and hands connections to each in turn.
  std::vector<std::unique_ptr<net::io_context>> loops;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> keep_running;  ///< until stop()
  std::size_t next_loop = 0;
  tcp::acceptor acceptor;
  net::steady_timer accept_pause;
  net::thread_pool batch_pool{kBatchThreads};

  Impl(const rules::engine::Engine& e, const Api& a, ServeOptions o)
      : engine(e), api(a), options(std::move(o)), loops(make_loops(thread_count(options))), acceptor(*loops.front()),
        accept_pause(*loops.front()) {
    for (auto& loop : loops) keep_running.push_back(net::make_work_guard(*loop));
  }

  static std::vector<std::unique_ptr<net::io_context>> make_loops(unsigned n) {
    std::vector<std::unique_ptr<net::io_context>> v;
    for (unsigned i = 0; i < n; ++i) v.push_back(std::make_unique<net::io_context>(1));
    return v;
  }

  void accept();
  void stop_sessions();

  /// The route of `path` and `method` (GET also takes HEAD), or null; `allow` gets the methods
  /// the path takes ("" for an unknown path).
  const Route* route_of(std::string_view path, http::verb method, std::string& allow) const {
    const Route* found = nullptr;
    for (const auto& r : routes) {
      if (r.path != path) continue;
      allow += (allow.empty() ? "" : ", ") + std::string(http::to_string(r.method));
      if (r.method == method || (r.method == http::verb::get && method == http::verb::head)) found = &r;
    }
    return found;
  }

  /// The checks every request passes before its body is read: Host, framing, route and method,
  /// token, media type and length. A refusal when it fails one.
  std::optional<Refusal> check(const http::request_header<>& req, std::string_view path, const Route* route,
                               const std::string& allow, Lang lang) const {
    const auto refuse = [&](int status, Problem p, bool close) { return Refusal{error_reply(status, {std::move(p)}, lang), close}; };
    const bool has_length = req.find(http::field::content_length) != req.end();
    const std::string host = host_name(req[http::field::host]);
    if (std::find(hosts.begin(), hosts.end(), host) == hosts.end()) {
      return refuse(403,
                    {"serve_bad_host", "Host '" + rules::source::escape_controls(host) + "' is not a name of this server",
                     "Host“" + rules::source::escape_controls(host) + "”不是本服务器的名称", "Host"},
                    true);
    }
    // Bodies are framed by Content-Length only: a chunked body (or any other coding) is refused
    // unread, as it was with httplib 0.11.4 whose chunked bodies escaped its limit (CVE-2025-46728).
    if (req.find(http::field::transfer_encoding) != req.end()) {
      return refuse(411,
                    {"serve_length_required", "send the body with Content-Length, not Transfer-Encoding",
                     "请求体须带 Content-Length，不接受 Transfer-Encoding", "Transfer-Encoding"},
                    true);
    }
    if (req.find(http::field::content_encoding) != req.end()) {
      return refuse(415,
                    {"serve_bad_media_type", "compressed bodies (Content-Encoding) are not accepted",
                     "不接受压缩的请求体（Content-Encoding）", "Content-Encoding"},
                    true);
    }
    const std::string method(req.method_string());
    if (!route) {
      const bool known = !allow.empty();
      Refusal r = refuse(known ? 405 : 404,
                         known ? Problem{"serve_method", method + " is not allowed on " + std::string(path) + " (allowed: " + allow + ")",
                                         method + " 不能用于 " + std::string(path) + "（可用：" + allow + "）"}
                               : Problem{"serve_not_found", "no such page or endpoint: " + rules::source::escape_controls(path),
                                         "没有这个页面或接口：" + rules::source::escape_controls(path)},
                         has_length);
      if (known) r.reply.headers.emplace_back("Allow", allow);
      return r;
    }
    if (route->needs_token && !options.token.empty()) {
      const std::string_view auth = req[http::field::authorization];
      // The scheme is case-insensitive (RFC 7235 §2.1): Bearer, bearer.
      const bool bearer = auth.size() > 7 && rules::model::equals_ascii_ci(auth.substr(0, 7), "bearer ");
      if (!bearer || !same_secret(auth.substr(7), options.token)) {
        Refusal r = refuse(401,
                           {"serve_unauthorized", "this API needs the server's token: Authorization: Bearer TOKEN",
                            "此接口需要服务器的访问令牌：Authorization: Bearer 令牌", "Authorization"},
                           has_length);
        r.reply.headers.emplace_back("WWW-Authenticate", "Bearer");
        return r;
      }
    }
    // Beast's parser has read Content-Length as a number (a bad one is a parse error, 400).
    const std::string_view length = req[http::field::content_length];
    if (route->body == Body::none) {
      if (!length.empty() && length != "0") {
        return refuse(400, {"serve_bad_request", "this request takes no body", "此请求不带请求体", "Content-Length"}, true);
      }
      return std::nullopt;
    }
    if (length.empty()) {
      return refuse(411, {"serve_length_required", "send the body with Content-Length", "请求体须带 Content-Length", "Content-Length"}, true);
    }
    const std::size_t limit = route->body == Body::csv ? options.max_roster_body : options.max_json_body;
    if (length.size() > 12 || length.find_first_not_of("0123456789") != std::string_view::npos || std::stoull(std::string(length)) > limit) {
      const bool number = length.size() <= 12 && length.find_first_not_of("0123456789") == std::string_view::npos;
      return refuse(number ? 413 : 400,
                    number ? Problem{"serve_too_large", "the body is larger than the " + std::to_string(limit) + " bytes this request takes",
                                     "请求体超过此请求允许的 " + std::to_string(limit) + " 字节", "Content-Length"}
                           : Problem{"serve_bad_request", "Content-Length is not a number", "Content-Length 不是数字", "Content-Length"},
                    true);
    }
    const std::string want = route->body == Body::csv ? "text/csv" : "application/json";
    // A roster may also come as the workbook itself (.xlsx), read from memory (XlsxReader).
    constexpr std::string_view kXlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    const std::string given = media_type(req[http::field::content_type]);
    if (given != want && !(route->body == Body::csv && given == kXlsx)) {
      return refuse(415,
                    {"serve_bad_media_type",
                     "send the body as " + want + (route->body == Body::csv ? " or " + std::string(kXlsx) : "") + " (Content-Type)",
                     "请求体须以 " + want + (route->body == Body::csv ? " 或 " + std::string(kXlsx) : "") + " 发送（Content-Type）",
                     "Content-Type"},
                    true);
    }
    return std::nullopt;
  }

  /// One access-log line: time (UTC), method, path (never the query), status, duration, decision.
  void log(std::string_view method, std::string_view path, int status, std::optional<Clock::time_point> started,
           std::string_view decision) {
    if (!options.access_log) return;
    char stamp[32];
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    char took[32] = "-";
    if (started) std::snprintf(took, sizeof took, "%.2fms", std::chrono::duration<double, std::milli>(Clock::now() - *started).count());
    // The path only: a query may carry a date, never is a body or a fact value written here.
    // The path is what the client sent: an ID number in it (GET /v1/student/1101...) is masked.
    std::string line = std::string(stamp) + " " + rules::source::escape_controls(method) + " " +
                       rules::source::escape_controls(rules::model::mask_resident_ids_in(path)) + " " + std::to_string(status) + " " +
                       took + (decision.empty() ? "" : " decision=" + std::string(decision)) + "\n";
    std::lock_guard<std::mutex> lock(log_mutex);
    *options.access_log << line << std::flush;
  }
};

/// One connection: reads its requests one after another (pipelined ones too, from the same
/// buffer), checks each head before its body is read, answers, and writes each answer's head and
/// body together. Its handlers run on its event loop's one thread.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Server::Impl& server, net::io_context& loop, tcp::socket socket, bool refusing)
      : s_(server), loop_(loop), stream_(std::move(socket)), refusing_(refusing) {}

  ~Session() {
    if (refusing_) --s_.refusing;
    else --s_.open;
    if (registered_) {
      std::lock_guard<std::mutex> lock(s_.sessions_mutex);
      s_.sessions.erase(self_);
    }
  }

  void start() {
    {
      std::lock_guard<std::mutex> lock(s_.sessions_mutex);
      self_ = s_.sessions.insert(s_.sessions.end(), weak_from_this());
      registered_ = true;
    }
    beast::error_code ec;
    // Small answers on kept-alive connections: without TCP_NODELAY, Nagle and delayed ACKs hold
    // each one back ~40 ms.
    stream_.socket().set_option(tcp::no_delay(true), ec);
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->next_request(); });
  }

  /// From stop(): an idle connection ends now; one with a request in flight after its answer.
  void stop() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      if (self->idle_ || self->lingering_) {
        beast::error_code ec;
        self->stream_.socket().cancel(ec);
      }
    });
  }

 private:
  /// Waits for the next request: its first byte within the keep-alive time (the read timeout for
  /// a connection's first), then its whole head within the read timeout.
  void next_request() {
    if (s_.stopping) return end();
    parser_.emplace();
    parser_->header_limit(kMaxHead);
    // Our own limit per route, from Content-Length, is checked first (Session::on_head); the
    // parser's is set to it before the body is read.
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    if (buffer_.size() > 0) return read_head();  // pipelined: already here
    if (buffer_.capacity() > 64 * 1024) buffer_.shrink_to_fit();
    idle_ = true;
    stream_.expires_after(requests_ == 0 ? s_.options.read_timeout : s_.options.keep_alive_timeout);
    stream_.async_read_some(buffer_.prepare(4096), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
      self->idle_ = false;
      if (ec) return self->end();  // idle too long, closed by the client, or stopping
      self->buffer_.commit(n);
      self->read_head();
    });
  }

  void read_head() {
    // One deadline for the whole head, however it trickles in (a slow-loris client is cut off).
    stream_.expires_after(s_.options.read_timeout);
    http::async_read_header(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_head(ec);
    });
  }

  void on_head(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == net::error::operation_aborted ||
        ec == net::error::connection_reset || ec == net::error::eof) {
      return end();
    }
    started_ = Clock::now();
    ++requests_;
    const Lang lang = s_.api.default_lang();
    if (ec == http::error::header_limit) {
      method_ = "-";  // nothing of the request line is known
      path_ = "-";
      return respond({error_reply(431, {{"serve_too_large", "the request line and its headers are longer than 16 KiB",
                                          "请求行和请求头合计超过 16 KiB"}}, lang), true});
    }
    if (ec) {
      method_ = "-";  // nothing of the request line is known
      path_ = "-";
      return respond({error_reply(400, {{"serve_bad_request", "the request cannot be read as HTTP/1.1", "无法按 HTTP/1.1 读取请求"}}, lang),
                      true});
    }
    const auto& req = parser_->get();
    method_ = std::string(req.method_string());
    const std::string_view target = req.target();
    const auto mark = target.find('?');
    path_ = percent_decode(target.substr(0, mark), false);
    query_ = mark == std::string_view::npos ? std::multimap<std::string, std::string>() : query_params(target.substr(mark + 1));
    const auto lang_param = query_.find("lang");
    const Lang req_lang = s_.api.lang_of(lang_param == query_.end() ? std::string_view() : std::string_view(lang_param->second));
    head_ = req.method() == http::verb::head;
    if (target.size() > kMaxTarget) {
      return respond({error_reply(414, {{"serve_too_large", "the URI is longer than 8 KiB", "URI 超过 8 KiB"}}, req_lang), true});
    }
    for (const auto& field : req) {
      if (field.value().size() > kMaxField) {
        return respond({error_reply(431, {{"serve_too_large", "a header is longer than 8 KiB", "某个请求头超过 8 KiB"}}, req_lang), true});
      }
    }
    if (refusing_) {
      Refusal r{error_reply(503, {{"serve_busy", "the server is busy: try again in a moment", "服务器繁忙，请稍后再试"}}, req_lang), true};
      r.reply.headers.emplace_back("Retry-After", "1");
      return respond(std::move(r));
    }
    std::string allow;
    route_ = s_.route_of(path_, req.method(), allow);
    if (auto refusal = s_.check(req, path_, route_, allow, req_lang)) return respond(std::move(*refusal));
    if (route_->body == Body::none || parser_->is_done()) return handle();
    parser_->body_limit(route_->body == Body::csv ? s_.options.max_roster_body : s_.options.max_json_body);
    // A client that waits for 100 Continue gets it only now, after the checks above.
    if (beast::iequals(req[http::field::expect], "100-continue")) {
      continue_.emplace(http::status::continue_, 11);
      stream_.expires_after(s_.options.write_timeout);
      return http::async_write(stream_, *continue_, [self = shared_from_this()](beast::error_code e, std::size_t) {
        if (e) return self->end();
        self->read_body();
      });
    }
    read_body();
  }

  /// The body, read as it comes: no pause between reads may be longer than the read timeout.
  void read_body() {
    stream_.expires_after(s_.options.read_timeout);
    http::async_read_some(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec == http::error::body_limit) {
        return self->respond({error_reply(413, {{"serve_too_large", "the body is larger than its Content-Length allows", "请求体过大"}},
                                          self->s_.api.default_lang()),
                              true});
      }
      if (ec) return self->end();
      if (!self->parser_->is_done()) return self->read_body();
      self->handle();
    });
  }

  /// Answers the request whose head passed the checks and whose body has been read.
  void handle() {
    const Route& route = *route_;
    std::string body = route.body == Body::none ? std::string() : std::move(parser_->get().body());
    try {
      switch (route.handler) {
        case Handler::asset: {
          Reply r{200, content_type_of(route.asset->path), std::string(route.asset->text), {{"Cache-Control", "no-cache"}}, {}};
          return respond({std::move(r), false});
        }
        case Handler::health: return respond({Reply{200, "application/json; charset=utf-8", "{\"status\":\"ok\"}", {}, {}}, false});
        case Handler::openapi:
          return respond({Reply{200, "application/json; charset=utf-8", std::string(openapi_document()), {}, {}}, false});
        case Handler::version: return respond({s_.api.version(), false});
        case Handler::facts: return respond({s_.api.facts(), false});
        case Handler::outputs: return respond({s_.api.outputs(), false});
        case Handler::questions: return respond({s_.api.questions(), false});
        case Handler::eval: return respond({s_.api.eval(body), false});
        case Handler::ics: return respond({s_.api.ics(body), false});
        case Handler::calc: return respond({s_.api.calc(body), false});
        case Handler::batch: {
          // The page asks for JSON (the file and the summary's lines together); programs get the file.
          const bool as_json = media_type(parser_->get()[http::field::accept]) == "application/json";
          // On the batch threads: a large roster never holds up the event loop. The work guard keeps
          // run() from returning before its answer is written.
          net::post(s_.batch_pool, [self = shared_from_this(), body = std::move(body), as_json,
                                    work = net::make_work_guard(loop_)]() mutable {
            std::optional<Reply> reply;
            try {
              reply = self->s_.api.batch(body, self->query_, as_json);
            } catch (const std::exception&) {
              reply = internal_error(self->s_.api.default_lang());
            }
            body = {};
            const bool failed = reply->status >= 500;
            net::post(self->stream_.get_executor(), [self, reply = std::move(*reply), failed]() mutable {
              self->respond({std::move(reply), failed});
            });
          });
          return;
        }
      }
    } catch (const std::exception&) {
      // Never reached by a user's mistake (those are replies); the message stays out of the answer.
      return respond({internal_error(s_.api.default_lang()), true});
    }
  }

  static Reply internal_error(Lang lang) { return error_reply(500, {{"serve_internal", "internal error", "服务器内部错误"}}, lang); }

  /// Writes `r`'s reply with the headers every answer carries; its head and body go out in one
  /// write. With `close`, or when the client or the keep-alive cap says so, the connection ends
  /// after it.
  void respond(Refusal r) {
    Reply& reply = r.reply;
    const bool keep = !r.close && !s_.stopping && requests_ < s_.options.keep_alive_max && parser_ && parser_->is_header_done() &&
                      parser_->get().keep_alive();
    res_.emplace();
    auto& res = *res_;
    res.version(11);
    res.result(static_cast<unsigned>(reply.status));
    res.set(http::field::content_type, reply.content_type);
    bool cache = false;
    for (auto& [k, v] : reply.headers) {
      cache = cache || beast::iequals(k, "Cache-Control");
      res.insert(k, v);
    }
    if (!reply.decision_id.empty()) res.set("X-Decision-Id", reply.decision_id);
    if (!cache) res.set(http::field::cache_control, "no-store");
    res.set("Content-Security-Policy", kCsp);
    res.set("X-Content-Type-Options", "nosniff");
    res.set("Referrer-Policy", "no-referrer");
    res.set(http::field::x_frame_options, "DENY");
    res.keep_alive(keep);
    status_ = reply.status;
    decision_ = std::move(reply.decision_id);
    res.body() = std::move(reply.body);
    res.prepare_payload();
    if (head_) res.body().clear();  // HEAD: the length of what GET would send, without it
    keep_ = keep;
    serializer_.emplace(res);
    write();
  }

  /// Writes the answer: no write may wait longer than the write timeout.
  void write() {
    stream_.expires_after(s_.options.write_timeout);
    http::async_write_some(stream_, *serializer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (!ec && !self->serializer_->is_done()) return self->write();
      self->s_.log(self->method_, self->path_, self->status_, self->started_, self->decision_);
      self->serializer_.reset();
      self->res_.reset();
      if (ec) return self->end();
      if (!self->keep_) return self->linger();
      self->next_request();
    });
  }

  /// Ends the connection after an answer that closes it: our side is shut (a FIN after the
  /// answer), and what the client still sends (a refused body, pipelined requests) is read and
  /// dropped until it closes or kLinger passes, so that the answer is not lost to a reset.
  void linger() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return end();
    lingering_ = true;
    stream_.expires_after(kLinger);
    drain();
  }

  void drain() {
    stream_.async_read_some(net::buffer(drop_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->end();
      self->drain();
    });
  }

  void end() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

  Server::Impl& s_;
  net::io_context& loop_;  ///< the event loop this connection's socket and handlers belong to
  beast::tcp_stream stream_;
  bool refusing_;
  beast::flat_buffer buffer_{kMaxHead + 64 * 1024};
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::empty_body>> continue_;
  std::optional<http::response<http::string_body>> res_;
  std::optional<http::response_serializer<http::string_body>> serializer_;
  std::array<char, 4096> drop_{};
  // The request being answered, for the log.
  std::string method_, path_;
  std::multimap<std::string, std::string> query_;
  const Route* route_ = nullptr;
  std::optional<Clock::time_point> started_;
  std::string decision_;
  int status_ = 0;
  bool head_ = false, keep_ = false, idle_ = false, lingering_ = false, registered_ = false;
  std::size_t requests_ = 0;
  std::list<std::weak_ptr<Session>>::iterator self_;
};

void Server::Impl::accept() {
  net::io_context& loop = *loops[next_loop++ % loops.size()];
  acceptor.async_accept(loop, [this, &loop](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || stopping || !acceptor.is_open()) return;
    if (ec) {
      // Out of descriptors or memory: pause rather than spin, then go on.
      accept_pause.expires_after(std::chrono::milliseconds(50));
      accept_pause.async_wait([this](beast::error_code e) {
        if (!e) accept();
      });
      return;
    }
    if (++open <= options.max_connections) {
      std::make_shared<Session>(*this, loop, std::move(socket), false)->start();
    } else {
      --open;
      // Saturated: the request is read and answered 503 with Retry-After, so that a burst is
      // refused at once instead of waiting; past kMaxRefusing of those, the connection is closed.
      if (++refusing <= kMaxRefusing) {
        std::make_shared<Session>(*this, loop, std::move(socket), true)->start();
      } else {
        --refusing;
        beast::error_code e;
        socket.close(e);
      }
    }
    accept();
  });
}

void Server::Impl::stop_sessions() {
  beast::error_code ec;
  acceptor.close(ec);
  accept_pause.cancel();
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard<std::mutex> lock(sessions_mutex);
    for (auto& w : sessions) {
      if (auto s = w.lock()) live.push_back(std::move(s));
    }
  }
  for (auto& s : live) s->stop();
  // Each loop's run() returns once its connections have ended.
  keep_running.clear();
}

Server::Server(const rules::engine::Engine& engine, const Api& api, ServeOptions options)
    : impl_(std::make_unique<Impl>(engine, api, std::move(options))) {
  auto& s = *impl_;
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

  // The routes: the page's files, then the API.
  for (const auto& asset : web_assets()) {
    s.routes.push_back({std::string(asset.path), http::verb::get, Body::none, false, Handler::asset, &asset});
    if (asset.path == "/index.html") s.routes.push_back({"/", http::verb::get, Body::none, false, Handler::asset, &asset});
  }
  s.routes.push_back({"/health", http::verb::get, Body::none, false, Handler::health});
  s.routes.push_back({"/v1/openapi.json", http::verb::get, Body::none, false, Handler::openapi});
  s.routes.push_back({"/v1/version", http::verb::get, Body::none, true, Handler::version});
  s.routes.push_back({"/v1/facts", http::verb::get, Body::none, true, Handler::facts});
  s.routes.push_back({"/v1/outputs", http::verb::get, Body::none, true, Handler::outputs});
  s.routes.push_back({"/v1/questions", http::verb::get, Body::none, true, Handler::questions});
  s.routes.push_back({"/v1/eval", http::verb::post, Body::json, true, Handler::eval});
  s.routes.push_back({"/v1/ics", http::verb::post, Body::json, true, Handler::ics});
  s.routes.push_back({"/v1/calc", http::verb::post, Body::json, true, Handler::calc});
  s.routes.push_back({"/v1/batch", http::verb::post, Body::csv, true, Handler::batch});
}

Server::~Server() {
  impl_->batch_pool.join();
}

bool Server::bind() {
  auto& s = *impl_;
  beast::error_code ec;
  auto address = net::ip::make_address(s.options.host, ec);
  if (ec) {
    // A name (localhost): its first address.
    tcp::resolver resolver(*s.loops.front());
    const auto found = resolver.resolve(s.options.host, "", ec);
    if (ec || found.empty()) {
      why_ = "not an address of this machine";
      return false;
    }
    address = found.begin()->endpoint().address();
  }
  const tcp::endpoint endpoint(address, static_cast<unsigned short>(s.options.port));
  // SO_REUSEADDR only, never SO_REUSEPORT: a second policy serve on the same port must fail.
  s.acceptor.open(endpoint.protocol(), ec);
  if (!ec) s.acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) s.acceptor.bind(endpoint, ec);
  if (!ec) s.acceptor.listen(1024, ec);
  if (ec) {
    why_ = ec.message();
    beast::error_code ignored;
    s.acceptor.close(ignored);
    return false;
  }
  port_ = s.acceptor.local_endpoint().port();
  s.bound = true;
  return true;
}

bool Server::run() {
  auto& s = *impl_;
  if (!s.bound) {
    why_ = "not bound";
    return false;
  }
  net::post(*s.loops.front(), [&s] {
    if (!s.stopping) s.accept();
  });
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < s.loops.size(); ++i) threads.emplace_back([&s, i] { s.loops[i]->run(); });
  s.loops.front()->run();
  for (auto& t : threads) t.join();
  s.batch_pool.join();
  return true;
}

void Server::stop() {
  auto& s = *impl_;
  s.stopping = true;
  net::post(*s.loops.front(), [&s] { s.stop_sessions(); });
}

}  // namespace policy_serve
