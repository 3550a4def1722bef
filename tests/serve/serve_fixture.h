#pragma once
// Shared by the tests of policy serve: the built-in pack's engine, and a Server on a free
// loopback port running in a thread for a test's lifetime.
#include <chrono>
#include <future>
#include <ostream>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>

#include "builtin_pack.h"
#include "server.h"

namespace serve_test {

/// The built-in pack, loaded once.
inline const rules::engine::Engine& engine() {
  static const auto loaded = rules::engine::load_engine(policy_packs::builtin_cn_higher_ed_files(), std::nullopt);
  return *loaded.engine;
}

/// A server on 127.0.0.1, any free port, running until the object is destroyed; `log` receives
/// its access log (none when null).
struct Running {
  explicit Running(policy_serve::ServeOptions o = {}, std::ostream* log = nullptr)
      : api(engine(), {7, "test", ""}), options(prepare(std::move(o), log)), server(engine(), api, options) {
    EXPECT_TRUE(server.bind()) << server.why();
    port = server.port();
    done = std::async(std::launch::async, [this] { return server.run(); });
    // Wait until it answers.
    for (int i = 0; i < 200; ++i) {
      httplib::Client c("127.0.0.1", port);
      if (auto r = c.Get("/health"); r && r->status == 200) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  ~Running() {
    server.stop();
    if (done.valid()) done.wait();
  }
  static policy_serve::ServeOptions prepare(policy_serve::ServeOptions o, std::ostream* log) {
    o.host = "127.0.0.1";
    o.port = 0;
    o.access_log = log;
    return o;
  }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(10, 0);
    return c;
  }
  httplib::Result post_json(const std::string& path, const std::string& body) const {
    return client().Post(path.c_str(), body, "application/json");
  }

  policy_serve::Api api;
  policy_serve::ServeOptions options;
  policy_serve::Server server;
  int port = 0;
  std::future<bool> done;
};

}  // namespace serve_test
