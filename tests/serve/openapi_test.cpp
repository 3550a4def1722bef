// The OpenAPI document (serve/openapi.json, served at /v1/openapi.json) against the server it
// describes: its structure, that every route of the server has an operation and every operation
// a route, that each operation documents the refusals the server really gives it, that its
// examples are accepted by the real Api, and that real answers conform to its schemas (a small
// checker of the schema keywords the document uses; tests/serve/openapi_validate.py checks it
// again with the OpenAPI Initiative's JSON Schema and python3-jsonschema).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <future>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "builtin_pack.h"
#include "serve_fixture.h"
#include "server.h"

namespace {

using nlohmann::json;
using namespace std::chrono_literals;

using serve_test::engine;

const json& doc() {
  static const json d = json::parse(policy_serve::openapi_document());
  return d;
}

/// The value at a local reference ("#/components/schemas/Problem"); throws when it does not resolve.
const json& resolve(const std::string& ref) {
  if (!ref.starts_with("#/")) throw std::runtime_error("not a local reference: " + ref);
  return doc().at(json::json_pointer(ref.substr(1)));
}

/// `node` with a Reference Object followed (responses, headers, parameters, schemas).
const json& deref(const json& node) {
  const json* n = &node;
  for (int i = 0; i < 10 && n->is_object() && n->contains("$ref"); ++i) n = &resolve((*n)["$ref"].get<std::string>());
  return *n;
}

/// The checker of the schema keywords serve/openapi.json uses: $ref, type, nullable, enum, oneOf,
/// required, properties, additionalProperties, items, minItems, pattern, minimum, maximum,
/// minLength. Strict: an object's property that its schema does not list is a problem unless the
/// schema says additionalProperties (the document lists every field the server writes).
struct Conformance {
  std::vector<std::string> problems;

  void check(const json& schema, const json& v, const std::string& where) {
    const json& s = deref(schema);
    if (v.is_null()) {
      if (s.value("nullable", false) || (!s.contains("type") && !s.contains("oneOf"))) return;
      if (!s.contains("oneOf")) {
        problems.push_back(where + ": null where the schema does not allow it");
        return;
      }
    }
    if (s.contains("oneOf")) {
      int matching = 0;
      for (const auto& branch : s["oneOf"]) {
        Conformance sub;
        sub.check(branch, v, where);
        matching += sub.problems.empty();
      }
      if (matching != 1) problems.push_back(where + ": matches " + std::to_string(matching) + " branches of oneOf, not 1");
      return;
    }
    if (s.contains("enum") && std::find(s["enum"].begin(), s["enum"].end(), v) == s["enum"].end()) {
      problems.push_back(where + ": " + v.dump() + " is not one of " + s["enum"].dump());
    }
    const std::string type = s.value("type", "");
    const bool ok = type.empty() || (type == "object" && v.is_object()) || (type == "array" && v.is_array()) ||
                    (type == "string" && v.is_string()) || (type == "integer" && v.is_number_integer()) ||
                    (type == "number" && v.is_number()) || (type == "boolean" && v.is_boolean());
    if (!ok) {
      problems.push_back(where + ": " + v.dump().substr(0, 80) + " is not " + type);
      return;
    }
    if (v.is_string()) {
      const auto text = v.get<std::string>();
      if (s.contains("pattern") && !std::regex_search(text, std::regex(s["pattern"].get<std::string>()))) {
        problems.push_back(where + ": '" + text + "' does not match " + s["pattern"].get<std::string>());
      }
      if (s.contains("minLength") && text.size() < s["minLength"].get<std::size_t>()) problems.push_back(where + ": too short");
    }
    if (v.is_number_integer()) {
      if (s.contains("minimum") && v.get<std::int64_t>() < s["minimum"].get<std::int64_t>()) problems.push_back(where + ": below minimum");
      if (s.contains("maximum") && v.get<std::int64_t>() > s["maximum"].get<std::int64_t>()) problems.push_back(where + ": above maximum");
    }
    if (v.is_array()) {
      if (s.contains("minItems") && v.size() < s["minItems"].get<std::size_t>()) problems.push_back(where + ": too few items");
      if (s.contains("items")) {
        for (std::size_t i = 0; i < v.size(); ++i) check(s["items"], v[i], where + "[" + std::to_string(i) + "]");
      }
    }
    if (v.is_object() && (type == "object" || s.contains("properties"))) {  // a schema without type takes any value
      for (const auto& r : s.value("required", json::array())) {
        if (!v.contains(r.get<std::string>())) problems.push_back(where + ": lacks required '" + r.get<std::string>() + "'");
      }
      const json props = s.value("properties", json::object());
      for (const auto& [key, value] : v.items()) {
        if (props.contains(key)) {
          check(props[key], value, where + "." + key);
        } else if (s.contains("additionalProperties") && s["additionalProperties"].is_object()) {
          check(s["additionalProperties"], value, where + "." + key);
        } else if (!(s.contains("additionalProperties") && s["additionalProperties"] == true)) {
          problems.push_back(where + ": '" + key + "' is not documented");
        }
      }
    }
  }
};

std::string problems_of(const Conformance& c) {
  std::string s;
  for (const auto& p : c.problems) s += "  " + p + "\n";
  return s;
}

/// The schema of `op`'s response `status` for media type `media`, or null.
const json* response_schema(const json& op, const std::string& status, const std::string& media) {
  if (!op["responses"].contains(status)) return nullptr;
  const json& r = deref(op["responses"][status]);
  if (!r.contains("content") || !r["content"].contains(media)) return nullptr;
  return &r["content"][media]["schema"];
}

/// The documented operations: (path, method in upper case).
std::vector<std::pair<std::string, std::string>> operations() {
  std::vector<std::pair<std::string, std::string>> ops;
  for (const auto& [path, item] : doc()["paths"].items()) {
    for (const auto& [method, op] : item.items()) {
      if (method == "parameters" || method == "summary" || method == "description" || method == "servers") continue;
      std::string m = method;
      for (auto& c : m) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      ops.emplace_back(path, m);
    }
  }
  return ops;
}

const json& operation(const std::string& path, const std::string& method) {
  std::string m = method;
  for (auto& c : m) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return doc()["paths"][path][m];
}

/// The shared running server (serve_fixture.h) with one raw request.
struct Running : serve_test::Running {
  explicit Running(policy_serve::ServeOptions o = {}) : serve_test::Running(std::move(o)) {}

  /// One raw request (the server ends the connection: `Connection: close` is sent), its answer.
  struct Answer {
    int status = 0;
    std::string media;  ///< Content-Type without parameters
    std::map<std::string, std::string> headers;  ///< names in lower case
    std::string body;
  };
  Answer raw(const std::string& request) const {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    Answer out;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(fd);
      return out;
    }
    (void)!::write(fd, request.data(), request.size());
    std::string got;
    for (;;) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 3000) <= 0) break;
      char buf[8192];
      const auto n = ::read(fd, buf, sizeof buf);
      if (n <= 0) break;
      got.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    const auto head_end = got.find("\r\n\r\n");
    if (got.size() < 12 || head_end == std::string::npos) return out;
    out.status = std::stoi(got.substr(9, 3));
    std::istringstream head(got.substr(0, head_end));
    std::string line;
    std::getline(head, line);
    while (std::getline(head, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      const auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers[name] = line.substr(line.find_first_not_of(' ', colon + 1));
    }
    out.body = got.substr(head_end + 4);
    const std::string type = out.headers["content-type"];
    out.media = type.substr(0, type.find(';'));
    return out;
  }
  Answer request(const std::string& method, const std::string& path, const std::string& extra_headers = "",
                 const std::optional<std::string>& body = std::nullopt, const std::string& host = "127.0.0.1") const {
    std::string r = method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n" + extra_headers;
    if (body) r += "Content-Length: " + std::to_string(body->size()) + "\r\n";
    return raw(r + "\r\n" + body.value_or(""));
  }
};

/// Whether the page (web/) is embedded in this build: then GET / serves it.
bool has_page() {
  for (const auto& a : policy_serve::web_assets()) {
    if (a.path == "/index.html") return true;
  }
  return false;
}

bool is_web_asset(const std::string& path) {
  for (const auto& a : policy_serve::web_assets()) {
    if (a.path == path) return true;
  }
  return false;
}

/// `answer` is documented for `op`: its status is listed and, when it has a body, its media type
/// is listed for that status, with a schema the body conforms to (JSON bodies).
void expect_documented(const json& op, const Running::Answer& answer, const std::string& what) {
  const std::string status = std::to_string(answer.status);
  ASSERT_TRUE(op["responses"].contains(status)) << what << ": status " << status << " is not documented\n" << answer.body;
  if (answer.body.empty()) return;
  const json* schema = response_schema(op, status, answer.media);
  ASSERT_NE(schema, nullptr) << what << ": " << answer.media << " is not documented for " << status;
  if (answer.media == "application/json") {
    Conformance c;
    c.check(*schema, json::parse(answer.body), what);
    EXPECT_TRUE(c.problems.empty()) << problems_of(c);
  }
  // The headers the document promises for this response.
  const json& r = deref(op["responses"][status]);
  const json headers = r.value("headers", json::object());
  for (const auto& [name, header] : headers.items()) {
    std::string lower = name;
    for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    EXPECT_TRUE(answer.headers.contains(lower)) << what << ": no " << name << " header";
  }
}

// ---- structure ---------------------------------------------------------------------------------

TEST(OpenApi, IsAnOpenApi303DocumentWithInfoPathsAndTheBearerScheme) {
  const auto& d = doc();
  ASSERT_TRUE(d.is_object());
  EXPECT_EQ(d["openapi"], "3.0.3");
  EXPECT_FALSE(d["info"]["title"].get<std::string>().empty());
  EXPECT_FALSE(d["info"]["version"].get<std::string>().empty());
  ASSERT_TRUE(d["paths"].is_object());
  const auto& bearer = d["components"]["securitySchemes"]["bearerAuth"];
  EXPECT_EQ(bearer["type"], "http");
  EXPECT_EQ(bearer["scheme"], "bearer");
  // The document served is the file in the source tree (the build embeds it).
  std::ifstream in(POLICY_SOURCE_DIR "/serve/openapi.json", std::ios::binary);
  std::stringstream file;
  file << in.rdbuf();
  EXPECT_EQ(file.str(), std::string(policy_serve::openapi_document()));
}

TEST(OpenApi, EveryReferenceResolvesInsideTheDocument) {
  std::vector<std::string> refs;
  std::function<void(const json&)> walk = [&](const json& n) {
    if (n.is_object()) {
      for (const auto& [k, v] : n.items()) {
        if (k == "$ref" && v.is_string()) refs.push_back(v.get<std::string>());
        else walk(v);
      }
    } else if (n.is_array()) {
      for (const auto& v : n) walk(v);
    }
  };
  walk(doc());
  EXPECT_GT(refs.size(), 50u);
  for (const auto& ref : refs) {
    EXPECT_TRUE(ref.starts_with("#/")) << ref;
    EXPECT_NO_THROW(resolve(ref)) << ref;
  }
}

TEST(OpenApi, EveryOperationHasAnIdASuccessAndOnlyErrorDocumentsForErrors) {
  std::set<std::string> ids;
  for (const auto& [path, method] : operations()) {
    const auto& op = operation(path, method);
    const std::string what = method + " " + path;
    ASSERT_TRUE(op.contains("operationId")) << what;
    EXPECT_TRUE(ids.insert(op["operationId"].get<std::string>()).second) << what;
    ASSERT_TRUE(op["responses"].is_object()) << what;
    EXPECT_TRUE(op["responses"].contains("200")) << what;
    for (const auto& [status, response] : op["responses"].items()) {
      const auto& r = deref(response);
      EXPECT_FALSE(r.value("description", "").empty()) << what << " " << status;
      if (status[0] == '2') continue;
      const json* schema = response_schema(op, status, "application/json");
      ASSERT_NE(schema, nullptr) << what << " " << status << " is not a JSON error";
      EXPECT_EQ((*schema)["$ref"], "#/components/schemas/ErrorDocument") << what << " " << status;
    }
    // Every operation can meet a busy server, an unknown Host and an internal error.
    for (const char* status : {"403", "500", "503"}) EXPECT_TRUE(op["responses"].contains(status)) << what << " " << status;
    if (method == "POST") {
      ASSERT_TRUE(op.contains("requestBody")) << what;
      EXPECT_TRUE(op["requestBody"].value("required", false)) << what;
    }
  }
  // The refusals that belong to no operation.
  for (const char* name : {"NotFound", "MethodNotAllowed"}) {
    EXPECT_TRUE(doc()["components"]["responses"].contains(name)) << name;
  }
  EXPECT_TRUE(deref(doc()["components"]["responses"]["Busy"])["headers"].contains("Retry-After"));
}

// ---- the document against the server -------------------------------------------------------------

TEST(OpenApi, EveryRouteOfTheServerHasAnOperationAndEveryOperationARoute) {
  Running s;
  // Candidate paths: every path-like literal of serve/server.cpp (its routes are literals there)
  // and the page's files; a candidate is routed for a method when the server answers it with
  // anything but 404 or 405.
  std::ifstream in(POLICY_SOURCE_DIR "/serve/server.cpp");
  std::stringstream source;
  source << in.rdbuf();
  const std::string text = source.str();
  ASSERT_FALSE(text.empty());
  std::set<std::string> candidates;
  const std::regex literal("\"(/[A-Za-z0-9_./-]*)\"");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), literal); it != std::sregex_iterator(); ++it) {
    candidates.insert((*it)[1]);
  }
  for (const auto& a : policy_serve::web_assets()) candidates.insert(std::string(a.path));
  for (const auto& [path, method] : operations()) candidates.insert(path);
  int routed = 0;
  for (const auto& path : candidates) {
    for (const std::string method : {"GET", "POST"}) {
      const auto a = s.request(method, path);
      const bool is_routed = a.status != 404 && a.status != 405;
      const bool documented = doc()["paths"].contains(path) && doc()["paths"][path].contains(method == "GET" ? "get" : "post");
      if (is_routed && !documented) {
        EXPECT_TRUE(is_web_asset(path) && path != "/") << method << " " << path << " is served but not documented";
      }
      if (documented) {
        const bool page_absent = path == "/" && !has_page();
        EXPECT_TRUE(is_routed || page_absent) << method << " " << path << " is documented but answered " << a.status;
        routed += is_routed;
      }
    }
  }
  EXPECT_GE(routed, 10);
  // Methods not documented on a documented path are refused with 405 and an Allow header; HEAD is
  // answered wherever GET is (the document says so instead of listing it).
  for (const auto& [path, item] : doc()["paths"].items()) {
    for (const std::string method : {"PUT", "DELETE", "PATCH", "OPTIONS"}) {
      const auto a = s.request(method, path);
      if (path == "/" && !has_page()) continue;
      EXPECT_EQ(a.status, 405) << method << " " << path;
      EXPECT_TRUE(a.headers.contains("allow")) << method << " " << path;
      Conformance c;
      c.check(deref(doc()["components"]["responses"]["MethodNotAllowed"])["content"]["application/json"]["schema"],
              json::parse(a.body), method + " " + path);
      EXPECT_TRUE(c.problems.empty()) << problems_of(c);
    }
    if (item.contains("get") && (path != "/" || has_page())) {
      EXPECT_EQ(s.request("HEAD", path).status, 200) << "HEAD " << path;
    }
  }
  const auto missing = s.request("GET", "/v1/nothing");
  EXPECT_EQ(missing.status, 404);
  Conformance c;
  c.check(deref(doc()["components"]["responses"]["NotFound"])["content"]["application/json"]["schema"], json::parse(missing.body),
          "404");
  EXPECT_TRUE(c.problems.empty()) << problems_of(c);
}

TEST(OpenApi, EveryOperationDocumentsTheRefusalsTheServerGivesIt) {
  Running s;
  for (const auto& [path, method] : operations()) {
    const auto& op = operation(path, method);
    const std::string what = method + " " + path;
    SCOPED_TRACE(what);
    if (path == "/" && !has_page()) {
      expect_documented(op, s.request(method, path), what + " (no page in this build)");
    }
    expect_documented(op, s.request(method, path, "", std::nullopt, "rebinding.example"), what + " bad Host");
    if (method == "GET") {
      expect_documented(op, s.request(method, path, "", std::string("x")), what + " with a body");
      continue;
    }
    const std::string type = path == "/v1/batch" ? "text/csv" : "application/json";
    expect_documented(op, s.request(method, path, "Content-Type: text/plain\r\n", std::string("{}")), what + " text/plain");
    expect_documented(op, s.request(method, path, "Content-Type: " + type + "\r\n"), what + " without Content-Length");
    expect_documented(op, s.request(method, path, "Content-Type: " + type + "\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n"),
                      what + " chunked");
    expect_documented(op, s.request(method, path, "Content-Type: " + type + "\r\nContent-Length: 2000000000\r\n"), what + " too large");
    expect_documented(op, s.request(method, path, "Content-Type: " + type + "\r\nContent-Encoding: gzip\r\n", std::string("{}")),
                      what + " gzip");
    expect_documented(op, s.request(method, path, "Content-Type: " + type + "\r\nContent-Length: ten\r\n"), what + " bad length");
    const auto bad = path == "/v1/batch" ? s.request(method, path + "?colour=red", "Content-Type: text/csv\r\n", std::string("a\n"))
                                         : s.request(method, path, "Content-Type: application/json\r\n", std::string("{\"nope\": 1}"));
    EXPECT_EQ(bad.status, 400);
    expect_documented(op, bad, what + " bad input");
  }
  // The answers that cannot be given (422) are documented where they happen.
  const auto no_calendar = s.request("POST", "/v1/ics", "Content-Type: application/json\r\n",
                                     std::string(R"({"facts": {}, "output": "reenroll_deadline"})"));
  EXPECT_EQ(no_calendar.status, 422);
  expect_documented(operation("/v1/ics", "POST"), no_calendar, "ics undecided");
  const auto no_date = s.request("POST", "/v1/calc", "Content-Type: application/json\r\n", std::string(R"J({"expr": "date(2025, 2, 30)"})J"));
  EXPECT_EQ(no_date.status, 422);
  expect_documented(operation("/v1/calc", "POST"), no_date, "calc invalid date");
}

TEST(OpenApi, TheTokenIsDocumentedExactlyWhereTheServerAsksForIt) {
  policy_serve::ServeOptions o;
  o.token = "0123456789abcdef-token";
  Running s(o);
  for (const auto& [path, method] : operations()) {
    const auto& op = operation(path, method);
    const std::string what = method + " " + path;
    const auto a = method == "GET" ? s.request(method, path) : s.request(method, path, "Content-Type: application/json\r\n", std::string("{}"));
    ASSERT_TRUE(op.contains("security")) << what << ": says nothing of the token";
    bool bearer = false;
    for (const auto& requirement : op["security"]) bearer = bearer || requirement.contains("bearerAuth");
    if (a.status == 401) {
      EXPECT_TRUE(bearer) << what;
      expect_documented(op, a, what + " without the token");
      EXPECT_EQ(a.headers.at("www-authenticate"), "Bearer");
      // A server without a token does not ask for one: the empty requirement says so.
      EXPECT_TRUE(std::find(op["security"].begin(), op["security"].end(), json::object()) != op["security"].end()) << what;
    } else {
      EXPECT_FALSE(bearer) << what << " is documented as needing the token but answered " << a.status;
      EXPECT_TRUE(op["security"].empty()) << what;
      EXPECT_FALSE(op["responses"].contains("401")) << what;
    }
  }
}

// ---- the examples and the schemas against the Api ------------------------------------------------

/// Every example value of a media type object: its "example" and each of its "examples".
std::vector<std::pair<std::string, json>> examples_of(const json& media) {
  std::vector<std::pair<std::string, json>> out;
  if (media.contains("example")) out.emplace_back("example", media["example"]);
  const json named = media.value("examples", json::object());  // kept: items() of a temporary would dangle
  for (const auto& [name, e] : named.items()) out.emplace_back(name, deref(e)["value"]);
  return out;
}

TEST(OpenApi, TheExampleRequestsAreAcceptedByTheApi) {
  const policy_serve::Api api(engine(), {7, "test", ""});
  int tried = 0;
  for (const auto& [path, method] : operations()) {
    const auto& op = operation(path, method);
    if (!op.contains("requestBody")) continue;
    for (const auto& [media, content] : op["requestBody"]["content"].items()) {
      // A workbook (.xlsx) cannot be written as a JSON example: ServeApi.BatchReadsAnXlsxBody-
      // FromMemoryLikeItsCsv sends a real one.
      if (media == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet") continue;
      const auto examples = examples_of(content);
      EXPECT_FALSE(examples.empty()) << path << " " << media << " has no example";
      for (const auto& [name, value] : examples) {
        SCOPED_TRACE(path + " example " + name);
        policy_serve::Reply r;
        if (path == "/v1/eval") r = api.eval(value.dump());
        else if (path == "/v1/ics") r = api.ics(value.dump());
        else if (path == "/v1/calc") r = api.calc(value.dump());
        else if (path == "/v1/batch") r = api.batch(value.get<std::string>(), {{"as_of", "2026-12-07"}});
        else FAIL() << "an example for an unknown body";
        EXPECT_EQ(r.status, 200) << r.body;
        const std::string type = r.content_type.substr(0, r.content_type.find(';'));
        EXPECT_TRUE(op["responses"]["200"]["content"].contains(type)) << type;
        // The headers documented for the answer are the ones it carries (X-Decision-Id is added
        // by the server from Reply::decision_id).
        const json headers = op["responses"]["200"].value("headers", json::object());
        std::set<std::string> sent;
        for (const auto& h : r.headers) sent.insert(h.first);
        if (!r.decision_id.empty()) sent.insert("X-Decision-Id");
        std::set<std::string> documented;
        for (const auto& h : headers.items()) documented.insert(h.key());
        EXPECT_EQ(sent, documented);
        if (type == "application/json") {
          Conformance c;
          c.check(*response_schema(op, "200", type), json::parse(r.body), path + " answer to " + name);
          EXPECT_TRUE(c.problems.empty()) << problems_of(c);
        }
        if (media == "application/json") {
          Conformance c;
          c.check(content["schema"], value, path + " example " + name);
          EXPECT_TRUE(c.problems.empty()) << problems_of(c);
        }
        ++tried;
      }
    }
  }
  EXPECT_GE(tried, 10);
}

TEST(OpenApi, EveryExampleConformsToItsSchema) {
  int checked = 0;
  std::function<void(const json&, const std::string&)> walk = [&](const json& n, const std::string& where) {
    if (!n.is_object()) {
      if (n.is_array()) {
        for (std::size_t i = 0; i < n.size(); ++i) walk(n[i], where + "/" + std::to_string(i));
      }
      return;
    }
    // A media type, parameter or header object: a schema with an example (or examples).
    if (n.contains("schema") && (n.contains("example") || n.contains("examples"))) {
      for (const auto& [name, value] : examples_of(n)) {
        Conformance c;
        c.check(n["schema"], value, where + " " + name);
        EXPECT_TRUE(c.problems.empty()) << problems_of(c);
        ++checked;
      }
    }
    for (const auto& [k, v] : n.items()) {
      if (k != "example" && k != "examples") walk(v, where + "/" + k);
    }
  };
  walk(doc(), "#");
  EXPECT_GE(checked, 25);
}

TEST(OpenApi, TheApisAnswersConformToTheDocumentedSchemas) {
  const policy_serve::Api api(engine(), {7, "test", ""});
  const auto conforms = [](const std::string& path, const std::string& method, const policy_serve::Reply& r) {
    const auto& op = operation(path, method);
    const std::string type = r.content_type.substr(0, r.content_type.find(';'));
    const json* schema = response_schema(op, std::to_string(r.status), type);
    ASSERT_NE(schema, nullptr) << path << " " << r.status << " " << type;
    Conformance c;
    c.check(*schema, json::parse(r.body), path + " " + std::to_string(r.status));
    EXPECT_TRUE(c.problems.empty()) << problems_of(c);
  };
  conforms("/v1/facts", "GET", api.facts());
  conforms("/v1/outputs", "GET", api.outputs());
  conforms("/v1/questions", "GET", api.questions());
  conforms("/v1/version", "GET", api.version());
  // Every question, with nothing known and explained: every kind of answer, ask and steps.
  for (const auto& q : engine().policy().questions) {
    conforms("/v1/eval", "POST", api.eval(R"({"question": ")" + q.id + R"(", "explain": true, "as_of": "2026-12-07"})"));
  }
  conforms("/v1/eval", "POST", api.eval(R"({"explain": true, "lang": "en"})"));
  conforms("/v1/eval", "POST", api.eval(R"({"facts": {"discharge_date": "x", "入伍时身份": "y"}, "outputs": ["nope"], "as_of": ""})"));
  conforms("/v1/eval", "POST", api.eval("{bad"));
  conforms("/v1/ics", "POST", api.ics(R"({"facts": {}, "output": "reenroll_deadline"})"));
  conforms("/v1/ics", "POST", api.ics(R"({"facts": {}, "remind_days_before": -1})"));
  conforms("/v1/calc", "POST", api.calc(R"({"expr": "[2025-01-01 .. 2025-01-31]"})"));
  conforms("/v1/calc", "POST", api.calc(R"({"expr": "2025-06-30 + "})"));
  conforms("/v1/calc", "POST", api.calc(R"J({"expr": "date(2025, 2, 30)"})J"));
  conforms("/v1/batch", "POST", api.batch("a,b\n1,2\n", {}));
  // The roster: the result as JSON Lines (each line a BatchLine) and the summary header.
  const std::string roster = "学号,姓名,退役日期,入伍时身份\n2021001,张三,2026-06-15,在校生\n2021002,李四,2025/13/01,在校生\n";
  const auto r = api.batch(roster, {{"as_of", "2026-12-07"}, {"format", "jsonl"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(operation("/v1/batch", "POST")["responses"]["200"]["content"].contains("application/x-ndjson"));
  std::istringstream lines(r.body);
  int n = 0;
  for (std::string line; std::getline(lines, line); ++n) {
    Conformance c;
    c.check(json{{"$ref", "#/components/schemas/BatchLine"}}, json::parse(line), "line " + std::to_string(n + 1));
    EXPECT_TRUE(c.problems.empty()) << problems_of(c);
  }
  EXPECT_EQ(n, 2);
  std::string summary;
  for (const auto& [k, v] : r.headers) {
    if (k == "X-Policy-Summary") summary = v;
  }
  ASSERT_FALSE(summary.empty());
  Conformance c;
  c.check(json{{"$ref", "#/components/schemas/BatchSummary"}}, json::parse(httplib::detail::decode_url(summary, false)), "summary");
  EXPECT_TRUE(c.problems.empty()) << problems_of(c);
}

TEST(OpenApi, TheCheckerItselfFindsWhatIsWrong) {
  // The checker must not pass everything: an undocumented field, a missing one, a wrong type.
  Conformance c;
  c.check(json{{"$ref", "#/components/schemas/Problem"}}, json{{"code", 1}, {"message", "m"}, {"message_zh", "m"}, {"extra", true}}, "p");
  EXPECT_EQ(c.problems.size(), 3u) << problems_of(c);
  Conformance nullable;
  nullable.check(json{{"$ref", "#/components/schemas/FactValue"}}, nullptr, "null fact");
  nullable.check(json{{"$ref", "#/components/schemas/FactValue"}}, 1.5, "fraction");
  EXPECT_EQ(nullable.problems.size(), 1u) << problems_of(nullable);
}

}  // namespace
