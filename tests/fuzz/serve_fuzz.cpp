// The HTTP request bodies of `policy serve`, without sockets: the first byte chooses the endpoint
// ('0' mod 5: POST /v1/eval, 1: /v1/ics, 2: /v1/calc, 3: /v1/batch, 4: /v1/batch as the page asks,
// in JSON); for /v1/batch a first line starting with '?' is its query (a=b&c=d, as the route's
// HTTP library would have split it), the rest is the body. Every reply is a status the API
// documents, with a JSON body for JSON replies.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "api.h"
#include "fuzz_common.h"

namespace {

std::multimap<std::string, std::string> query_of(std::string_view line) {
  std::multimap<std::string, std::string> q;
  while (!line.empty()) {
    const auto amp = line.find('&');
    const auto pair = line.substr(0, amp);
    const auto eq = pair.find('=');
    q.emplace(std::string(pair.substr(0, eq)), eq == std::string_view::npos ? std::string() : std::string(pair.substr(eq + 1)));
    line = amp == std::string_view::npos ? std::string_view{} : line.substr(amp + 1);
  }
  return q;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const policy_serve::Api api(policy_fuzz::cn_engine(), policy_serve::ApiOptions{});
  const int endpoint = data[0] % 5;
  std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  policy_serve::Reply reply;
  switch (endpoint) {
    case 0: reply = api.eval(body); break;
    case 1: reply = api.ics(body); break;
    case 2: reply = api.calc(body); break;
    default: {
      std::multimap<std::string, std::string> query;
      if (body.starts_with('?')) {
        const auto nl = body.find('\n');
        query = query_of(body.substr(1, nl == std::string_view::npos ? std::string_view::npos : nl - 1));
        body = nl == std::string_view::npos ? std::string_view{} : body.substr(nl + 1);
      }
      reply = api.batch(body, query, endpoint == 4);
    }
  }
  if (reply.status != 200 && reply.status != 400 && reply.status != 413 && reply.status != 422) {
    policy_fuzz::fail("a status the API does not document", reply.body);
  }
  if (reply.content_type.starts_with("application/json")) {
    if (!nlohmann::json::accept(reply.body)) policy_fuzz::fail("a JSON reply that is not JSON", reply.body);
    if (reply.status != 200) policy_fuzz::expect_no_whole_id(reply.body);
  }
  return 0;
}
