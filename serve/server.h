#pragma once
/// The HTTP server of `policy serve`: the page (web/, embedded at build time) and the JSON API
/// (api.h) behind the checks that make it safe to leave running: a Host allow-list, media types,
/// body limits with Content-Length, no Transfer-Encoding or Content-Encoding, a bound on the
/// connections served at once (503 beyond it), a deadline for each request's head, timeouts,
/// security headers, an access log that never holds a request body or a fact. Built on Boost.Beast
/// and Asio (Debian's libboost-dev; serve/README.md says why).

#include <chrono>
#include <cstddef>
#include <memory>
#include <ostream>
#include <span>
#include <string_view>
#include <string>
#include <vector>

#include "api.h"

namespace policy_serve {

/// The server's limits and addresses. The defaults suit a school server behind nginx.
struct ServeOptions {
  std::string host = "127.0.0.1";         ///< address to listen on (loopback by default)
  int port = 8080;                         ///< 0: any free port (see Server::port)
  /// The bearer token the JSON API requires (`Authorization: Bearer TOKEN`); empty: none (only
  /// allowed on loopback: the CLI refuses another address without --token-file). The page and
  /// its files, /health and /v1/openapi.json stay readable without it.
  std::string token;
  /// Host header names accepted besides the loopback forms (localhost, 127.0.0.1, [::1]) and the
  /// listen address: the names the server is reached by (a DNS-rebinding page's Host is refused
  /// with 403).
  std::vector<std::string> allowed_hosts;
  std::size_t max_json_body = 64 * 1024;            ///< bytes, for application/json bodies (413 beyond)
  std::size_t max_roster_body = 32 * 1024 * 1024;   ///< bytes, for POST /v1/batch (413 beyond)
  /// Threads running the event loop (they read, answer and write every request); 0: one per
  /// processor, at least 2.
  unsigned threads = 0;
  /// Connections served at once; one beyond them gets its request answered 503 with
  /// `Retry-After: 1` and is closed.
  std::size_t max_connections = 512;
  /// The head of a request (request line and headers) must arrive whole within this time from its
  /// first byte, however it trickles in (a slow client is cut off); a body may not pause longer
  /// than this between reads.
  std::chrono::seconds read_timeout{10};
  std::chrono::seconds write_timeout{10};  ///< the longest a write of an answer may wait
  /// Idle time a kept-alive connection may wait for its next request.
  std::chrono::seconds keep_alive_timeout{5};
  std::size_t keep_alive_max = 1000;       ///< requests per connection
  std::ostream* access_log = nullptr;      ///< one line per request; null: none
};

/// One embedded file of the page: its URL path (/app.js) and its bytes.
struct WebAsset {
  std::string_view path;
  std::string_view text;
};

/// The page's files (web/), embedded at build time, sorted by path.
std::span<const WebAsset> web_assets();

/// The OpenAPI 3 document of the API (serve/openapi.json), embedded at build time: one file,
/// /v1/openapi.json.
std::span<const WebAsset> openapi_files();

/// The text of openapi_files()'s document.
inline std::string_view openapi_document() { return openapi_files().front().text; }

/// A running server. bind() then run() (blocking) until stop() from another thread or a signal
/// handler thread; requests in flight finish, idle kept-alive connections close at once, others
/// after their current request, run() returns.
class Server {
 public:
  Server(const rules::engine::Engine& engine, const Api& api, ServeOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Binds the listening socket. False when it cannot (address in use, not an address of this
  /// machine); why() says why.
  bool bind();
  /// The port bound (the one chosen when ServeOptions::port was 0).
  int port() const { return port_; }
  /// Serves until stop(), on ServeOptions::threads threads (this one among them). Returns false
  /// if the server could not run (not bound).
  bool run();
  /// Stops accepting; run() returns once the requests in flight are answered. Safe from any thread,
  /// also before run() (which then returns at once).
  void stop();
  const std::string& why() const { return why_; }

 private:
  struct Impl;
  friend class Session;  // one connection (server.cpp)
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
  std::string why_;
};

/// Whether `host` (an address or a name, without port) is a loopback address or localhost.
bool is_loopback(std::string_view host);

}  // namespace policy_serve
