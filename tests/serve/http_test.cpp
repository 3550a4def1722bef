// policy serve over real sockets: a Server on a free loopback port in this process, spoken to by
// httplib's client and, for framing the client library would not send, by raw sockets.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <future>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "builtin_pack.h"
#include "explain/render.h"
#include "loader/situation_reader.h"
#include "serve_fixture.h"
#include "server.h"

namespace {

using nlohmann::json;
using namespace std::chrono_literals;

using serve_test::engine;
using serve_test::Running;

/// A raw connection to the server: what a client library would never send.
struct Raw {
  explicit Raw(int port) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~Raw() { ::close(fd); }
  void send(const std::string& s) const { (void)!::write(fd, s.data(), s.size()); }
  /// Everything the server sends until it closes the connection or `wait` passes without a byte;
  /// `closed` says which.
  std::string read_all(std::chrono::milliseconds wait, bool& closed) const {
    std::string out;
    closed = false;
    for (;;) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(wait.count())) <= 0) return out;
      char buf[4096];
      const auto n = ::read(fd, buf, sizeof buf);
      if (n <= 0) {
        closed = true;
        return out;
      }
      out.append(buf, static_cast<std::size_t>(n));
    }
  }
  int fd = -1;
  bool connected = false;
};

json body_of(const httplib::Result& r) { return json::parse(r->body); }

const std::string kVeteran =
    R"({"facts": {"discharge_date": "2026年6月15日", "入伍时身份": "在校生"}, "as_of": "2026-12-07",
        "outputs": ["reenroll_deadline", "reenroll_windows", "reenrolment_guidance"]})";

// ---- the API ----------------------------------------------------------------------------------

TEST(ServeApi, HealthVersionAndTheListsOfThePack) {
  Running s;
  auto c = s.client();
  auto health = c.Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(body_of(health)["status"], "ok");
  auto version = c.Get("/v1/version");
  ASSERT_TRUE(version);
  EXPECT_EQ(body_of(version)["pack"]["id"], "cn-higher-ed");
  EXPECT_EQ(body_of(version)["pack"]["version"], engine().policy().header.version);
  auto facts = c.Get("/v1/facts");
  ASSERT_TRUE(facts);
  const auto f = body_of(facts)["facts"];
  ASSERT_EQ(f.size(), engine().policy().facts.size());
  EXPECT_EQ(f[0]["fact"], "discharge_date");
  EXPECT_EQ(f[0]["label"], "退役日期");
  EXPECT_EQ(f[0]["type"], "date");
  EXPECT_EQ(f[1]["values"][1]["label"], "在校生");
  auto outputs = c.Get("/v1/outputs");
  ASSERT_TRUE(outputs);
  bool deadline = false;
  const auto outs = body_of(outputs);
  for (const auto& o : outs["outputs"]) deadline = deadline || (o["name"] == "reenroll_deadline" && o["form"] == "deadline");
  EXPECT_TRUE(deadline);
  auto openapi = c.Get("/v1/openapi.json");
  ASSERT_TRUE(openapi);
  const auto doc = body_of(openapi);
  EXPECT_EQ(doc["openapi"].get<std::string>().substr(0, 2), "3.");
  for (const char* path : {"/v1/eval", "/v1/ics", "/v1/calc", "/v1/batch", "/v1/facts", "/v1/outputs", "/v1/questions",
                           "/v1/version", "/health"}) {
    EXPECT_TRUE(doc["paths"].contains(path)) << path;
  }
}

TEST(ServeApi, EvalAnswersTheVeteranWithDatesForPeopleDaysLeftAndTheCitation) {
  Running s;
  auto r = s.post_json("/v1/eval", kVeteran);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->get_header_value("Cache-Control"), "no-store");
  const auto d = body_of(r);
  EXPECT_EQ(d["values"]["reenroll_deadline"], "2027-09-30");
  EXPECT_EQ(d["policy"]["id"], "cn-higher-ed");
  EXPECT_EQ(d["decision_id"].get<std::string>().size(), 32u);
  EXPECT_EQ(r->get_header_value("X-Decision-Id"), d["decision_id"]);
  const auto& a = d["answers"][0];
  EXPECT_EQ(a["output"], "reenroll_deadline");
  EXPECT_EQ(a["state"], "decided");
  EXPECT_EQ(a["text"], "2027年9月30日 24:00（北京时间）");
  EXPECT_EQ(a["days_left"], 297);  // 2026-12-07 .. 2027-09-30
  EXPECT_EQ(a["calendar"], true);
  EXPECT_EQ(d["answers"][1]["days_left"], 297);  // the last window's end
  EXPECT_EQ(d["citations"][a["citations"][0].get<int>()]["article"], "问题5");
  EXPECT_TRUE(d["ask"].empty());
  EXPECT_NE(d["answers"][2]["text"].get<std::string>().find("复学"), std::string::npos);
}

TEST(ServeApi, EvalGivesTheSameValuesAsTheLibraryAndTheCliContract) {
  Running s;
  auto r = s.post_json("/v1/eval", kVeteran);
  ASSERT_TRUE(r);
  const auto d = body_of(r);
  // The same situation evaluated directly, rendered as `policy eval --format json` renders it.
  auto situation = engine().new_situation();
  std::vector<rules::source::Diagnostic> diags;
  rules::loader::set_fact(engine().pack(), "discharge_date=2026-06-15", situation, diags);
  rules::loader::set_fact(engine().pack(), "enlisted_as=enrolled_student", situation, diags);
  ASSERT_TRUE(diags.empty());
  rules::model::Outcome out;
  engine().evaluate(situation, *rules::calendar::parse_date("2026-12-07"), out);
  std::vector<std::uint32_t> outs;
  for (const char* n : {"reenroll_deadline", "reenroll_windows", "reenrolment_guidance"}) outs.push_back(*engine().pack().find_output(n));
  const auto cli = json::parse(rules::explain::render_json({engine().policy(), engine().pack().zone}, out, outs));
  EXPECT_EQ(d["values"], cli["values"]);
  EXPECT_EQ(d["unknown"], cli["unknown"]);
  EXPECT_EQ(d["as_of"], cli["as_of"]);
}

TEST(ServeApi, EvalAsksOnlyForTheFactsTheQuestionNeedsFirstOneFirst) {
  Running s;
  auto r = s.post_json("/v1/eval", R"({"facts": {}, "outputs": ["reenroll_deadline"], "as_of": "2026-12-07"})");
  ASSERT_TRUE(r);
  const auto d = body_of(r);
  EXPECT_EQ(d["answers"][0]["state"], "unknown");
  ASSERT_EQ(d["ask"].size(), 2u);
  EXPECT_EQ(d["ask"][0]["fact"], "discharge_date");
  EXPECT_EQ(d["ask"][0]["type"], "date");
  EXPECT_EQ(d["ask"][1]["fact"], "enlisted_as");
  EXPECT_EQ(d["ask"][1]["values"][0]["name"], "new_student");
  EXPECT_EQ(d["ask"][0]["for"][0], "reenroll_deadline");
  // One answer given: the last day is decided; the guidance still asks the other.
  r = s.post_json("/v1/eval", R"({"facts": {"discharge_date": "2026-06-15"}, "outputs": ["reenroll_deadline", "reenrolment_guidance"]})");
  ASSERT_TRUE(r);
  ASSERT_EQ(body_of(r)["ask"].size(), 1u);
  EXPECT_EQ(body_of(r)["ask"][0]["fact"], "enlisted_as");
}

TEST(ServeApi, QuestionsComeFromThePackAndLeadTheAsking) {
  Running s;
  auto r = s.client().Get("/v1/questions");
  ASSERT_TRUE(r);
  const auto q = body_of(r);
  ASSERT_EQ(q["questions"].size(), engine().policy().questions.size());
  ASSERT_EQ(q["questions"].size(), 11u);
  EXPECT_EQ(q["questions"][6]["source"], "问题7");
  EXPECT_NE(q["questions"][6]["label"].get<std::string>().find("学信网"), std::string::npos);
  // 问题5: the question's outputs; the first fact asked is the discharge date.
  r = s.post_json("/v1/eval", R"({"question": "enlistment", "facts": {}, "as_of": "2026-12-07"})");
  ASSERT_TRUE(r);
  auto d = body_of(r);
  EXPECT_EQ(d["answers"].size(), q["questions"][4]["outputs"].size());
  EXPECT_EQ(d["ask"][0]["fact"], "discharge_date");
  EXPECT_EQ(d["ask"][0]["help"], engine().policy().facts[0].help);
  // 问题4: its rules apply only once a change is named, so the question asks for it first.
  r = s.post_json("/v1/eval", R"({"question": "identity_change_in_school", "facts": {}})");
  d = body_of(r);
  ASSERT_FALSE(d["ask"].empty());
  EXPECT_EQ(d["ask"][0]["fact"], "identity_change_kind");
  // 问题6: whether a certificate was lost is asked first (its rule applies only once that is
  // known), and 没有遗失或损坏 is an answer: the lost-certificate half then does not apply.
  r = s.post_json("/v1/eval", R"({"question": "certificates", "facts": {}, "as_of": "2025-03-10"})");
  d = body_of(r);
  ASSERT_FALSE(d["ask"].empty());
  EXPECT_EQ(d["ask"][0]["fact"], "lost_certificate");
  EXPECT_EQ(d["ask"][0]["values"][0]["label"], "没有遗失或损坏");
  r = s.post_json("/v1/eval", R"({"question": "certificates", "facts": {"lost_certificate": "没有遗失或损坏"}, "as_of": "2025-03-10"})");
  d = body_of(r);
  for (const auto& a : d["answers"]) {
    if (a["output"] == "replacement_document") {
      EXPECT_EQ(a["state"], "not_applicable") << a.dump();
    }
  }
  for (const auto& a : d["ask"]) EXPECT_NE(a["fact"], "lost_certificate");
  // 问题2 is about the 学籍: that is never asked.
  r = s.post_json("/v1/eval", R"({"question": "xueji_not_found", "facts": {}})");
  d = body_of(r);
  for (const auto& a : d["ask"]) EXPECT_NE(a["fact"], "lookup_target");
  // "outputs": null or [] beside a question means the question's own.
  for (const char* outs : {"null", "[]"}) {
    r = s.post_json("/v1/eval", std::string(R"({"question": "xueli_query", "outputs": )") + outs + "}");
    EXPECT_EQ(body_of(r)["answers"].size(), q["questions"][6]["outputs"].size()) << outs;
  }
  // An answer that does not apply says so, not 待补充.
  r = s.post_json("/v1/eval", R"({"question": "identity_change_in_school", "facts": {}})");
  const auto identity = body_of(r);
  int not_applicable = 0;
  for (const auto& a : identity["answers"]) {
    if (a["state"] == "not_applicable") {
      EXPECT_EQ(a["text"], "不适用");
      ++not_applicable;
    }
  }
  EXPECT_GT(not_applicable, 0);
  r = s.post_json("/v1/eval", R"({"question": "no_such_question"})");
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(body_of(r)["error"]["code"], "serve_unknown_question");
  EXPECT_EQ(body_of(r)["error"]["field"], "question");
}

TEST(ServeApi, EvalExplainsInTheRequestsLanguageWithTheArticle) {
  Running s;
  auto r = s.post_json("/v1/eval", R"({"facts": {"discharge_date": "2026-06-15", "enlisted_as": "enrolled_student"},
                                       "outputs": ["retention_until"], "explain": true, "as_of": "2026-12-07"})");
  ASSERT_TRUE(r);
  const auto d = body_of(r);
  ASSERT_FALSE(d["steps"].empty());
  std::string all;
  for (const auto& line : d["steps"][0]["lines"]) all += line.get<std::string>() + "\n";
  EXPECT_NE(all.find("第二百零二条"), std::string::npos) << all;
  r = s.post_json("/v1/eval", R"({"facts": {"discharge_date": "2026-06-15", "enlisted_as": "enrolled_student"},
                                  "outputs": ["retention_until"], "explain": true, "lang": "en"})");
  all.clear();
  const auto en = body_of(r);  // kept: a range-for over a temporary's member would dangle
  for (const auto& line : en["steps"][0]["lines"]) all += line.get<std::string>() + "\n";
  EXPECT_NE(all.find("Civil Code Art. 202"), std::string::npos) << all;
}

TEST(ServeApi, EvalRefusesBadRequestsWithCodesAndFields) {
  Running s;
  struct Case {
    std::string body, code, field;
  };
  const std::vector<Case> cases = {
      {"{bad", "serve_bad_json", ""},
      {"[1, 2]", "serve_bad_request", ""},
      {R"({"facts": {"discharge_date": "2025/13/01"}})", "situation_bad_value", "facts.discharge_date"},
      {R"({"facts": {"no_such_fact": "1"}})", "situation_unknown_fact", "facts.no_such_fact"},
      {R"({"facts": {"discharge_date": 1.5}})", "situation_bad_value", "facts.discharge_date"},
      {R"({"facts": {"discharge_date": 7e595}})", "serve_bad_json", ""},  // beyond a double: no exception escapes
      {R"({"facts": {"a=b": "1"}})", "situation_unknown_fact", "facts.a=b"},
      {R"({"facts": "x"})", "serve_bad_request", "facts"},
      {R"({"as_of": "2026-02-30"})", "date_invalid", "as_of"},
      {R"({"as_of": 20261207})", "serve_bad_request", "as_of"},
      {R"({"outputs": ["nope"]})", "eval_unknown_output", "outputs[0]"},
      {R"({"outputs": "reenroll_deadline"})", "serve_bad_request", "outputs"},
      {R"({"explain": "yes"})", "serve_bad_request", "explain"},
      {R"({"lang": "fr"})", "serve_bad_request", "lang"},
      {R"({"fact": {}})", "serve_unknown_field", "fact"},
  };
  for (const auto& c : cases) {
    auto r = s.post_json("/v1/eval", c.body);
    ASSERT_TRUE(r) << c.body;
    EXPECT_EQ(r->status, 400) << c.body;
    const auto d = body_of(r);
    EXPECT_EQ(d["error"]["code"], c.code) << c.body << "\n" << r->body;
    if (!c.field.empty()) {
      EXPECT_EQ(d["error"]["field"], c.field) << c.body;
    }
    EXPECT_FALSE(d["error"]["message_zh"].get<std::string>().empty());
    EXPECT_FALSE(d["error"]["message_en"].get<std::string>().empty());
  }
  // Every problem is reported, not only the first.
  auto r = s.post_json("/v1/eval", R"({"facts": {"discharge_date": "x", "enlisted_as": "y"}, "outputs": ["nope"]})");
  ASSERT_TRUE(r);
  EXPECT_EQ(body_of(r)["errors"].size(), 3u);
}

// The trial (a school's IT): one fact under two of its names, or one key twice, answered 200 with
// whichever value won, where the CLI refuses it. Now a 400 naming both, as the CLI does.
TEST(ServeApi, AFactGivenTwiceIsRefusedNotSilentlyChosen) {
  Running s;
  auto r = s.post_json("/v1/eval", R"({"facts": {"退役日期": "2026-06-15", "discharge_date": "2025-01-01", "入伍时身份": "在校生"},
                                       "outputs": ["reenroll_deadline"], "as_of": "2026-12-07"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400) << r->body;
  auto d = body_of(r);
  EXPECT_EQ(d["error"]["code"], "situation_syntax") << r->body;
  // (nlohmann's objects hold their keys sorted: the second is the later in byte order)
  EXPECT_EQ(d["error"]["field"], "facts.退役日期") << r->body;
  EXPECT_EQ(d["error"]["message_zh"], "事实 discharge_date（退役日期）给了两次：“discharge_date”和“退役日期”：只能给一次") << r->body;
  // The same key twice (nlohmann would keep the last): facts, and a field of the request.
  r = s.post_json("/v1/eval", R"({"facts": {"退役日期": "2026-06-15", "退役日期": "2025-01-01"}})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400) << r->body;
  d = body_of(r);
  EXPECT_EQ(d["error"]["code"], "situation_syntax") << r->body;
  EXPECT_EQ(d["error"]["field"], "facts.退役日期") << r->body;
  EXPECT_EQ(d["error"]["message_zh"], "“facts.退役日期”在请求体中给了两次：只能给一次") << r->body;
  r = s.post_json("/v1/eval", R"({"as_of": "2026-12-07", "facts": {}, "as_of": "2025-01-01"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400) << r->body;
  EXPECT_EQ(body_of(r)["error"]["code"], "serve_bad_request") << r->body;
  EXPECT_EQ(body_of(r)["error"]["field"], "as_of") << r->body;
  // Past 16 keys an object's keys are held in a set: a duplicate there is found too.
  std::string many = R"({"facts": {)";
  for (int k = 0; k < 40; ++k) many += "\"k" + std::to_string(k) + "\": \"1\", ";
  many += R"("k23": "2"}})";
  r = s.post_json("/v1/eval", many);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400) << r->body;
  EXPECT_EQ(body_of(r)["error"]["field"], "facts.k23") << r->body;
  EXPECT_EQ(body_of(r)["error"]["code"], "situation_syntax") << r->body;
  // The same key in two objects is no duplicate; a key of an ID number is masked.
  r = s.post_json("/v1/eval", R"({"facts": {"110101199003070011": "1", "110101199003070011": "2"}})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->body.find("110101199003070011"), std::string::npos) << r->body;
  r = s.post_json("/v1/eval", R"({"facts": {"退役日期": "2025-06-15", "入伍时身份": "在校生"}, "outputs": ["reenroll_deadline"]})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
}

TEST(ServeApi, AnIdNumberIsNeverQuotedWholeInAnError) {
  Running s;
  auto r = s.post_json("/v1/eval", R"({"facts": {"discharge_date": "110101199003070011"}})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->body.find("110101199003070011"), std::string::npos) << r->body;
}

TEST(ServeApi, IcsHoldsTheDeadlineAsAnAllDayEventAndRefusesAnUndecidedOne) {
  Running s;
  auto r = s.post_json("/v1/ics", R"({"facts": {"discharge_date": "2026-06-15", "enlisted_as": "在校生"}, "as_of": "2026-12-07",
                                      "output": "reenroll_deadline", "remind_days_before": 3})");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/calendar; charset=utf-8");
  EXPECT_NE(r->get_header_value("Content-Disposition").find("reenroll_deadline.ics"), std::string::npos);
  EXPECT_NE(r->body.find("DTSTART;VALUE=DATE:20270930\r\n"), std::string::npos) << r->body;
  EXPECT_NE(r->body.find("DTEND;VALUE=DATE:20271001\r\n"), std::string::npos);
  EXPECT_NE(r->body.find("SUMMARY:学校规定的最后办理日"), std::string::npos);
  EXPECT_NE(r->body.find("TRIGGER:-P2DT15H"), std::string::npos);  // 09:00, 3 days before
  // The windows: one event each.
  r = s.post_json("/v1/ics", R"({"facts": {"discharge_date": "2026-06-15", "enlisted_as": "在校生"}, "output": "reenroll_windows"})");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  EXPECT_NE(r->body.find("DTSTART;VALUE=DATE:20260901"), std::string::npos);
  EXPECT_NE(r->body.find("DTSTART;VALUE=DATE:20270901"), std::string::npos);
  r = s.post_json("/v1/ics", R"({"facts": {}, "output": "reenroll_deadline"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 422);
  EXPECT_EQ(body_of(r)["error"]["code"], "serve_no_calendar");
  r = s.post_json("/v1/ics", R"({"facts": {}})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(body_of(r)["error"]["field"], "output");
}

TEST(ServeApi, CalcFollowsTheCivilCodeAndPointsAtTheColumn) {
  Running s;
  auto r = s.post_json("/v1/calc", R"({"expr": "2022-02-28 + P2Y"})");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(body_of(r)["value"], "2024-02-28");
  EXPECT_EQ(body_of(r)["type"], "date");
  EXPECT_EQ(body_of(r)["text"], "2024年2月28日");
  r = s.post_json("/v1/calc", R"({"expr": "2024-01-31 + P1M"})");
  EXPECT_EQ(body_of(r)["value"], "2024-02-29");  // Art. 202: the month's last day
  r = s.post_json("/v1/calc", R"({"expr": "2022-02-28 + "})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(body_of(r)["error"]["field"], "expr");
  r = s.post_json("/v1/calc", R"({})");
  EXPECT_EQ(r->status, 400);
  r = s.post_json("/v1/calc", R"({"expr": "2022-02-28 + P2Y", "lang": "fr"})");
  EXPECT_EQ(body_of(r)["error"]["field"], "lang");
  EXPECT_NE(body_of(r)["error"]["message_en"].get<std::string>().find("\"zh\" or \"en\""), std::string::npos);
  r = s.post_json("/v1/calc", R"({"expr": "2022-02-28 + P2Y", "lang": null, "as_of": null})");
  EXPECT_EQ(r->status, 200);
}

TEST(ServeApi, BatchReturnsTheResultFileAndItsSummary) {
  Running s;
  const std::string roster = "学号,姓名,退役日期,入伍时身份\n2021001,张三,2026-06-15,在校生\n2021002,李四,2025/13/01,在校生\n";
  auto r = s.client().Post("/v1/batch?as_of=2026-12-07", roster, "text/csv");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/csv; charset=utf-8");
  EXPECT_EQ(r->body.substr(0, 3), "\xEF\xBB\xBF");  // Excel's BOM
  EXPECT_NE(r->body.find("2021001,张三,2026-06-15"), std::string::npos);
  EXPECT_NE(r->body.find("2027-09-30"), std::string::npos);
  const auto summary = json::parse(httplib::detail::decode_url(r->get_header_value("X-Policy-Summary"), false));
  EXPECT_EQ(summary["rows"], 2);
  EXPECT_EQ(summary["ok"], 1);
  EXPECT_EQ(summary["error"], 1);
  EXPECT_EQ(summary["as_of"], "2026-12-07");
  EXPECT_FALSE(summary.contains("lines"));  // a header any proxy holds
  EXPECT_LT(r->get_header_value("X-Policy-Summary").size(), 200u);
  // The page's form: the file and the summary's lines in one JSON answer.
  r = s.client().Post("/v1/batch?as_of=2026-12-07", {{"Accept", "application/json"}}, roster, "text/csv");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  const auto both = body_of(r);
  EXPECT_EQ(both["summary"]["rows"], 2);
  EXPECT_NE(both["summary"]["lines"][0].get<std::string>().find("共 2 行"), std::string::npos);
  EXPECT_EQ(both["file"]["name"], "result.csv");
  EXPECT_EQ(both["file"]["content"].get<std::string>().substr(0, 3), "\xEF\xBB\xBF");
  EXPECT_NE(both["file"]["content"].get<std::string>().find("2027-09-30"), std::string::npos);
  r = s.client().Post("/v1/batch?format=jsonl&as_of=2026-12-07", roster, "text/csv");
  ASSERT_TRUE(r);
  EXPECT_EQ(json::parse(r->body.substr(0, r->body.find('\n')))["values"]["reenroll_deadline"], "2027-09-30");
  // GBK, as Excel saves a CSV on a Chinese Windows: detected, or named with encoding=.
  const std::string gbk = "\xD1\xA7\xBA\xC5,\xCD\xCB\xD2\xDB\xC8\xD5\xC6\xDA\n1,2026-06-15\n";  // 学号,退役日期
  for (const char* q : {"/v1/batch?as_of=2026-12-07", "/v1/batch?as_of=2026-12-07&encoding=gb18030"}) {
    r = s.client().Post(q, gbk, "text/csv");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << q << r->body;
    EXPECT_NE(r->body.find("学号,退役日期"), std::string::npos) << q;
  }
  r = s.client().Post("/v1/batch?encoding=latin1", roster, "text/csv");
  EXPECT_EQ(body_of(r)["error"]["field"], "encoding");
  r = s.client().Post("/v1/batch?as_of=tomorrow", roster, "text/csv");
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(body_of(r)["error"]["field"], "as_of");
  r = s.client().Post("/v1/batch?colour=red", roster, "text/csv");
  EXPECT_EQ(body_of(r)["error"]["code"], "serve_unknown_field");
  r = s.client().Post("/v1/batch", "a,b\n1,2\n", "text/csv");
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(body_of(r)["error"]["code"], "batch_bad_header");
}

// ---- safety -------------------------------------------------------------------------------------

TEST(ServeApi, BatchReadsAnXlsxBodyFromMemoryLikeItsCsv) {
  Running s;
  const std::string roster = "学号,姓名,退役日期,入伍时身份\n2021001,张三,2026-06-15,在校生\n2021002,李四,2025/13/01,在校生\n";
  // The same roster as a workbook written by openpyxl (an independent writer).
  const std::string path = ::testing::TempDir() + "/http_test_roster." + std::to_string(::getpid()) + ".xlsx";
  const std::string script_path = path + ".py";
  std::ofstream(script_path) << "import openpyxl\nwb = openpyxl.Workbook()\nws = wb.active\n"
                             << "for line in '''" << roster << "'''.splitlines():\n    ws.append(line.split(','))\n"
                             << "wb.save('" << path << "')\n";
  const std::string command = std::string(POLICY_OPENPYXL_PYTHON) + " " + script_path;
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  std::remove(script_path.c_str());
  std::ifstream in(path, std::ios::binary);
  const std::string xlsx((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::remove(path.c_str());
  constexpr const char* kXlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
  auto csv = s.client().Post("/v1/batch?as_of=2026-12-07", roster, "text/csv");
  auto book = s.client().Post("/v1/batch?as_of=2026-12-07", xlsx, kXlsx);
  ASSERT_TRUE(csv && book);
  ASSERT_EQ(book->status, 200) << book->body;
  EXPECT_EQ(book->body, csv->body);
  EXPECT_NE(book->body.find("2027-09-30"), std::string::npos);
  // A body that starts like a zip but is none: its code, as a 400.
  auto bad = s.client().Post("/v1/batch?as_of=2026-12-07", std::string("PK\x03\x04" "broken"), kXlsx);
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(body_of(bad)["error"]["code"], "xlsx_bad_zip");
  auto other = s.client().Post("/v1/batch?as_of=2026-12-07", roster, "application/vnd.ms-excel");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 415);
}

TEST(ServeSafety, EveryAnswerCarriesTheSecurityHeadersAndNoCookieOrCors) {
  Running s;
  auto c = s.client();
  std::vector<httplib::Result> results;
  results.push_back(c.Get("/health"));
  results.push_back(c.Get("/v1/facts"));
  results.push_back(c.Get("/nowhere"));
  results.push_back(s.post_json("/v1/eval", "{}"));
  for (const auto& r : results) {
    ASSERT_TRUE(r);
    EXPECT_EQ(r->get_header_value("X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(r->get_header_value("Referrer-Policy"), "no-referrer");
    EXPECT_NE(r->get_header_value("Content-Security-Policy").find("default-src 'self'"), std::string::npos);
    EXPECT_EQ(r->get_header_value("Content-Security-Policy").find("unsafe-inline"), std::string::npos);
    EXPECT_FALSE(r->has_header("Set-Cookie"));
    EXPECT_FALSE(r->has_header("Access-Control-Allow-Origin"));
  }
}

TEST(ServeSafety, AHostThatIsNotThisServersIsRefused) {
  policy_serve::ServeOptions o;
  o.allowed_hosts = {"policy.example.edu.cn"};
  Running s(o);
  auto c = s.client();
  auto r = c.Get("/health", {{"Host", "attacker.example"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(body_of(r)["error"]["code"], "serve_bad_host");
  for (const char* ok : {"localhost", "127.0.0.1:8080", "[::1]:8080", "POLICY.example.edu.cn", "policy.example.edu.cn:443"}) {
    r = c.Get("/health", {{"Host", ok}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << ok;
  }
}

TEST(ServeSafety, MethodsPathsAndMediaTypes) {
  Running s;
  auto c = s.client();
  auto r = c.Get("/v1/eval");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->get_header_value("Allow"), "POST");
  r = c.Delete("/v1/facts");
  EXPECT_EQ(r->status, 405);
  r = c.Options("/v1/eval");
  EXPECT_EQ(r->status, 405);
  r = c.Get("/v1/nothing");
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(body_of(r)["error"]["code"], "serve_not_found");
  // A cross-site form post (text/plain, urlencoded, multipart) is refused before anything runs.
  for (const char* type : {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"}) {
    r = c.Post("/v1/eval", "{}", type);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 415) << type;
  }
  r = c.Post("/v1/batch", "a,b\n", "application/json");
  EXPECT_EQ(r->status, 415);
  r = c.Post("/v1/eval", "{}", "application/json; charset=UTF-8");
  EXPECT_EQ(r->status, 200);
}

TEST(ServeSafety, ChunkedAndCompressedBodiesAreRefusedUnreadAndTheConnectionClosed) {
  Running s;
  {
    Raw raw(s.port);
    ASSERT_TRUE(raw.connected);
    raw.send("POST /v1/eval HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
             "2\r\n{}\r\n0\r\n\r\n"
             "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    bool closed = false;
    const auto got = raw.read_all(3000ms, closed);
    EXPECT_EQ(got.rfind("HTTP/1.1 411", 0), 0u) << got;
    EXPECT_NE(got.find("serve_length_required"), std::string::npos);
    EXPECT_TRUE(closed);
    EXPECT_EQ(got.find("HTTP/1.1 200"), std::string::npos);  // the chunk was never read as a request
  }
  {
    Raw raw(s.port);
    raw.send("POST /v1/eval HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
             "Content-Length: 4\r\n\r\nabcd");
    bool closed = false;
    const auto got = raw.read_all(3000ms, closed);
    EXPECT_EQ(got.rfind("HTTP/1.1 415", 0), 0u) << got;
  }
  {
    Raw raw(s.port);
    raw.send("POST /v1/eval HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\r\n{}");
    bool closed = false;
    const auto got = raw.read_all(3000ms, closed);
    EXPECT_EQ(got.rfind("HTTP/1.1 411", 0), 0u) << got;
  }
}

TEST(ServeSafety, AnOversizedBodyIsRefusedFromItsLengthBeforeItIsSent) {
  policy_serve::ServeOptions o;
  o.max_json_body = 2048;
  o.max_roster_body = 4096;
  Running s(o);
  Raw raw(s.port);
  // Only the headers are sent: the answer must come without the 10 MB.
  raw.send("POST /v1/eval HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 10000000\r\n\r\n");
  bool closed = false;
  const auto got = raw.read_all(3000ms, closed);
  EXPECT_EQ(got.rfind("HTTP/1.1 413", 0), 0u) << got;
  EXPECT_NE(got.find("serve_too_large"), std::string::npos);
  EXPECT_TRUE(closed);
  // The roster limit is its own.
  auto r = s.client().Post("/v1/batch", std::string(3000, 'a'), "text/csv");
  ASSERT_TRUE(r);
  EXPECT_NE(r->status, 413);
  r = s.client().Post("/v1/batch", std::string(5000, 'a'), "text/csv");
  EXPECT_EQ(r->status, 413);
  r = s.client().Post("/v1/eval", "{\"facts\": {}, \"as_of\": \"" + std::string(3000, ' ') + "\"}", "application/json");
  EXPECT_EQ(r->status, 413);
}

TEST(ServeSafety, LongUrisAndHeadersAreRefusedAndKeepAliveIsCapped) {
  policy_serve::ServeOptions o;
  o.keep_alive_max = 2;
  Running s(o);
  {
    Raw raw(s.port);
    raw.send("GET /health?" + std::string(9000, 'a') + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    bool closed = false;
    const auto got = raw.read_all(1500ms, closed);
    EXPECT_EQ(got.rfind("HTTP/1.1 414", 0), 0u);
    EXPECT_NE(got.find("\"code\":\"serve_too_large\""), std::string::npos) << got;
  }
  {
    Raw raw(s.port);
    raw.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + std::string(9000, 'b') + "\r\n\r\n");
    bool closed = false;
    const auto got = raw.read_all(3000ms, closed);
    EXPECT_EQ(got.rfind("HTTP/1.1 431", 0), 0u) << got.substr(0, 200);
    EXPECT_NE(got.find("\"code\":\"serve_too_large\""), std::string::npos) << got;
    EXPECT_TRUE(closed);
  }
  {
    // The request line and headers together: 16 KiB.
    Raw raw(s.port);
    std::string fields;
    for (int i = 0; i < 4; ++i) fields += "X-Part-" + std::to_string(i) + ": " + std::string(5000, 'c') + "\r\n";
    raw.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n" + fields + "\r\n");
    bool closed = false;
    const auto got = raw.read_all(3000ms, closed);
    EXPECT_EQ(got.rfind("HTTP/1.1 431", 0), 0u) << got.substr(0, 200);
    EXPECT_TRUE(closed);
  }
  {
    // Requests one after another on one connection: the second is its last.
    Raw raw(s.port);
    const std::string get = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    bool closed = false;
    raw.send(get);
    EXPECT_EQ(raw.read_all(300ms, closed).rfind("HTTP/1.1 200", 0), 0u);
    EXPECT_FALSE(closed);
    raw.send(get);
    const auto second = raw.read_all(3000ms, closed);
    EXPECT_EQ(second.rfind("HTTP/1.1 200", 0), 0u);
    EXPECT_NE(second.find("Connection: close"), std::string::npos) << second;
    EXPECT_TRUE(closed);
  }
}

TEST(ServeHttp, PipelinedRequestsAreAllAnsweredInOrder) {
  Running s;
  Raw raw(s.port);
  const std::string body = R"({"facts": {"discharge_date": "2026-06-15", "enlisted_as": "在校生"}, "as_of": "2026-12-07", "outputs": ["reenroll_deadline"]})";
  // Three requests in one write, before any answer is read (httplib 0.11 answered only the first).
  raw.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
           "POST /v1/eval HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body +
           "GET /v1/nothing HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  bool closed = false;
  const auto got = raw.read_all(1500ms, closed);
  EXPECT_FALSE(closed);  // kept alive after all three
  const auto first = got.find("HTTP/1.1 ");
  const auto second = got.find("HTTP/1.1 ", first + 1);
  const auto third = got.find("HTTP/1.1 ", second + 1);
  ASSERT_NE(third, std::string::npos) << got;
  EXPECT_EQ(got.find("HTTP/1.1 ", third + 1), std::string::npos);
  EXPECT_EQ(got.substr(first, 12), "HTTP/1.1 200");
  EXPECT_NE(got.substr(0, second).find("{\"status\":\"ok\"}"), std::string::npos);
  EXPECT_EQ(got.substr(second, 12), "HTTP/1.1 200");
  EXPECT_NE(got.substr(second, third - second).find("\"reenroll_deadline\":\"2027-09-30\""), std::string::npos);
  EXPECT_EQ(got.substr(third, 12), "HTTP/1.1 404");
  EXPECT_NE(got.substr(third).find("serve_not_found"), std::string::npos);
}

TEST(ServeHttp, PipelinedRequestsBeyondTheKeepAliveCapAreNotServed) {
  policy_serve::ServeOptions o;
  o.keep_alive_max = 2;
  Running s(o);
  Raw raw(s.port);
  const std::string get = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  raw.send(get + get + get);
  bool closed = false;
  const auto got = raw.read_all(3000ms, closed);
  const auto second = got.find("HTTP/1.1 200", 1);
  ASSERT_NE(second, std::string::npos) << got;
  EXPECT_EQ(got.find("HTTP/1.1", second + 1), std::string::npos) << got;  // the third is never answered
  EXPECT_NE(got.find("Connection: close", second), std::string::npos) << got;
  EXPECT_TRUE(closed);
}

TEST(ServeHttp, HeadAnswersTheLengthWithoutTheBody) {
  Running s;
  Raw raw(s.port);
  raw.send("HEAD /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  bool closed = false;
  const auto got = raw.read_all(1000ms, closed);
  EXPECT_EQ(got.rfind("HTTP/1.1 200", 0), 0u) << got;
  EXPECT_NE(got.find("Content-Length: 15\r\n"), std::string::npos) << got;  // {"status":"ok"}
  EXPECT_EQ(got.substr(got.size() - 4), "\r\n\r\n");                    // and nothing after the head
}

TEST(ServeHttp, ExpectContinueIsAnsweredOnlyAfterTheChecks) {
  policy_serve::ServeOptions o;
  o.max_json_body = 2048;
  Running s(o);
  const std::string body = R"({"facts": {"discharge_date": "2026-06-15", "enlisted_as": "在校生"}, "outputs": ["reenroll_deadline"]})";
  {
    Raw raw(s.port);
    raw.send("POST /v1/eval HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nExpect: 100-continue\r\n"
             "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n");
    bool closed = false;
    EXPECT_EQ(raw.read_all(500ms, closed), "HTTP/1.1 100 Continue\r\n\r\n");
    raw.send(body);
    const auto got = raw.read_all(1500ms, closed);
    EXPECT_EQ(got.rfind("HTTP/1.1 200", 0), 0u) << got;
    EXPECT_NE(got.find("2027-09-30"), std::string::npos);
  }
  {
    // Too large for the route: the refusal instead of 100 Continue, and the body is never asked for.
    Raw raw(s.port);
    raw.send("POST /v1/eval HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nExpect: 100-continue\r\n"
             "Content-Length: 5000\r\n\r\n");
    bool closed = false;
    const auto got = raw.read_all(1500ms, closed);
    EXPECT_EQ(got.rfind("HTTP/1.1 413", 0), 0u) << got;
    EXPECT_EQ(got.find("100 Continue"), std::string::npos);
    EXPECT_TRUE(closed);
  }
}

TEST(ServeSafety, AHeadTricklingInIsCutOffAtItsDeadline) {
  // The slow-loris client httplib could not stop: one byte of its head every 200 ms, each read well
  // within any per-read timeout. The whole head must come within read_timeout of its first byte.
  policy_serve::ServeOptions o;
  o.read_timeout = 1s;
  Running s(o);
  Raw slow(s.port);
  const std::string head = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + std::string(100, 'x');
  const auto start = std::chrono::steady_clock::now();
  bool closed = false;
  for (char c : head) {
    slow.send(std::string(1, c));
    slow.read_all(200ms, closed);
    if (closed) break;
  }
  EXPECT_TRUE(closed);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GT(took, 900ms);
  EXPECT_LT(took, 2500ms);
  // Meanwhile and after, others are served.
  auto r = s.client().Get("/health");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST(ServeSafety, StopEndsIdleKeptAliveConnectionsAtOnce) {
  policy_serve::ServeOptions o;
  o.keep_alive_timeout = 30s;
  Running s(o);
  Raw idle(s.port);
  idle.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  bool closed = false;
  EXPECT_EQ(idle.read_all(500ms, closed).rfind("HTTP/1.1 200", 0), 0u);
  EXPECT_FALSE(closed);
  const auto start = std::chrono::steady_clock::now();
  s.server.stop();
  ASSERT_EQ(s.done.wait_for(3s), std::future_status::ready);  // not after the 30 s keep-alive
  EXPECT_TRUE(s.done.get());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  idle.read_all(1000ms, closed);
  EXPECT_TRUE(closed);
}

TEST(ServeSafety, ASecondServerCannotTakeAPortInUse) {
  Running first;
  policy_serve::ServeOptions o;
  o.port = first.port;
  const policy_serve::Api api(engine(), {7, "test", ""});
  policy_serve::Server second(engine(), api, o);
  EXPECT_FALSE(second.bind());  // httplib's SO_REUSEPORT let it share the port, unnoticed
  EXPECT_FALSE(second.why().empty());
}

TEST(ServeSafety, ASlowClientIsCutOffAndOthersAreServedMeanwhile) {
  policy_serve::ServeOptions o;
  o.read_timeout = 1s;
  o.keep_alive_timeout = 1s;
  Running s(o);
  Raw slow(s.port);
  slow.send("POST /v1/eval HTTP/1.1\r\nHost: 127.0.0.1\r\n");  // and then nothing
  auto r = s.client().Get("/health");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  bool closed = false;
  slow.read_all(5000ms, closed);
  EXPECT_TRUE(closed);
}

TEST(ServeSafety, ABurstBeyondTheQueueIsAnswered503NotQueued) {
  policy_serve::ServeOptions o;
  o.max_connections = 2;
  o.keep_alive_timeout = 5s;
  Running s(o);
  // Two kept-alive connections are all the server serves at once; the third is refused.
  Raw held(s.port);
  held.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  bool closed = false;
  EXPECT_EQ(held.read_all(500ms, closed).rfind("HTTP/1.1 200", 0), 0u);
  Raw waiting(s.port);
  waiting.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  std::this_thread::sleep_for(200ms);
  Raw refused(s.port);
  refused.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  const auto got = refused.read_all(3000ms, closed);
  EXPECT_EQ(got.rfind("HTTP/1.1 503", 0), 0u) << got;
  EXPECT_NE(got.find("Retry-After: 1"), std::string::npos);
  EXPECT_NE(got.find("serve_busy"), std::string::npos);
  EXPECT_TRUE(closed);
}

TEST(ServeSafety, TheApiNeedsTheTokenWhenOneIsSetButThePageDoesNot) {
  policy_serve::ServeOptions o;
  o.token = "0123456789abcdef-token";
  Running s(o);
  auto c = s.client();
  auto r = c.Post("/v1/eval", "{}", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(r->get_header_value("WWW-Authenticate"), "Bearer");
  EXPECT_EQ(body_of(r)["error"]["code"], "serve_unauthorized");
  r = c.Post("/v1/eval", {{"Authorization", "Bearer wrong-token-0123456"}}, "{}", "application/json");
  EXPECT_EQ(r->status, 401);
  r = c.Post("/v1/eval", {{"Authorization", "Bearer 0123456789abcdef-token"}}, "{}", "application/json");
  EXPECT_EQ(r->status, 200);
  r = c.Post("/v1/eval", {{"Authorization", "bearer 0123456789abcdef-token"}}, "{}", "application/json");
  EXPECT_EQ(r->status, 200);  // the scheme in any case (RFC 7235)
  EXPECT_EQ(c.Get("/health")->status, 200);
  EXPECT_EQ(c.Get("/v1/openapi.json")->status, 200);
}

TEST(ServeSafety, TheAccessLogHoldsNoBodyAndNoFact) {
  std::ostringstream log;
  {
    Running s({}, &log);
    auto r = s.post_json("/v1/eval", R"({"facts": {"discharge_date": "2026-06-15", "enlisted_as": "在校生"}, "outputs": ["reenroll_deadline"]})");
    ASSERT_TRUE(r);
    s.post_json("/v1/eval", R"({"facts": {"discharge_date": "110101199003070011"}})");
    s.client().Get("/v1/student/110101199003070011");  // found by the fresh user's trial
  }
  const std::string text = log.str();
  EXPECT_NE(text.find("POST /v1/eval 200 "), std::string::npos) << text;
  EXPECT_NE(text.find(" decision="), std::string::npos);
  EXPECT_NE(text.find("POST /v1/eval 400 "), std::string::npos);
  EXPECT_NE(text.find("GET /v1/student/110101********0011 404"), std::string::npos) << text;
  for (const char* secret : {"2026-06-15", "在校生", "discharge_date", "110101199003070011", "1101011990"}) {
    EXPECT_EQ(text.find(secret), std::string::npos) << secret << "\n" << text;
  }
}

TEST(ServeSafety, ConcurrentRequestsGiveTheSameAnswers) {
  Running s;
  const auto expected = body_of(s.post_json("/v1/eval", kVeteran));
  std::vector<std::future<int>> workers;
  for (int t = 0; t < 8; ++t) {
    workers.push_back(std::async(std::launch::async, [&] {
      int same = 0;
      auto c = s.client();
      for (int i = 0; i < 40; ++i) {
        auto r = c.Post("/v1/eval", kVeteran, "application/json");
        if (!r || r->status != 200) continue;
        auto d = json::parse(r->body);
        d.erase("decision_id");
        auto e = expected;
        e.erase("decision_id");
        same += d == e;
      }
      return same;
    }));
  }
  for (auto& w : workers) EXPECT_EQ(w.get(), 40);
}

TEST(ServeSafety, StopLetsTheRequestInFlightFinish) {
  Running s;
  const std::string body = R"({"facts": {"discharge_date": "2026-06-15", "enlisted_as": "在校生"}, "outputs": ["reenroll_deadline"]})";
  Raw raw(s.port);
  // Half the body, then stop, then the rest: the request already accepted is answered.
  raw.send("POST /v1/eval HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body.substr(0, 10));
  std::this_thread::sleep_for(200ms);
  s.server.stop();
  raw.send(body.substr(10));
  bool closed = false;
  const auto got = raw.read_all(5000ms, closed);
  EXPECT_EQ(got.rfind("HTTP/1.1 200", 0), 0u) << got;
  EXPECT_NE(got.find("2027年9月30日"), std::string::npos);
  EXPECT_TRUE(s.done.get());
  // Nothing new is accepted.
  Raw late(s.port);
  EXPECT_FALSE(late.connected);
}

}  // namespace
