// Properties of the request parsing policy serve owns (facts JSON, as_of, outputs, question,
// batch queries), over many mutated requests from a fixed seed: every request gets an answer
// (never an exception), the status is one the API documents, the body is JSON with a stable
// code when it is an error, and it is valid UTF-8 holding no whole ID number.
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "api.h"
#include "builtin_pack.h"
#include "serve_fixture.h"
#include "explain/render.h"
#include "loader/situation_reader.h"

namespace {

using nlohmann::json;

using serve_test::engine;

bool valid_utf8(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return false;
    }
    i += n;
  }
  return true;
}

const std::vector<std::string> kSeeds = {
    R"({"facts": {"discharge_date": "2026-06-15", "enlisted_as": "enrolled_student"}, "as_of": "2026-12-07"})",
    R"({"question": "enlistment", "facts": {"退役日期": "2026年6月15日", "入伍时身份": "在校生"}})",
    R"({"question": "xueli_query", "facts": {"certificate_issue_date": "2025/6/30"}, "outputs": ["degree_visible_from"], "explain": true})",
    R"({"facts": {"resident_id": "110101199003070011", "admission_date": "20250901", "spring_intake": false}, "lang": "en"})",
    R"({"facts": {"lookup_target": "学籍", "previously_queryable": true, "identity_change_kind": "姓名"}, "outputs": ["办理途径"]})",
};

/// Values a field may be replaced by: of every JSON type, odd numbers, odd text.
const std::vector<std::string> kValues = {
    "null", "true", "0", "-1", "1e308", "7e595", "-0.0", "\"\"", "\" \"", "\"2024-02-29\"", "\"2023-02-29\"",
    "\"0000-01-01\"", "\"9999-12-31\"", "\"2025年13月1日\"", "\"\\u0000\"", "\"\\ud800\"", "\"110101199003070011\"",
    "\"11010119900307001X\"", "[]", "{}", "[[[[[[[[]]]]]]]]", "{\"a\": {\"b\": {}}}", "\"√\"", "\"在读\"",
    "\"a=b\"", "\"P1000000W\"", "\"2025-06-30 0:00\"", "12345678901234567890"};

const std::vector<std::string> kKeys = {"facts", "as_of", "outputs", "explain", "lang", "question", "output",
                                        "remind_days_before", "discharge_date", "退役日期", "", "x"};

/// One mutation of `s`: a byte changed, cut, doubled, or a value spliced in after a colon.
std::string mutate(std::string s, std::mt19937& rng) {
  std::uniform_int_distribution<int> kind(0, 5);
  const auto pos = [&](std::size_t n) { return n ? std::uniform_int_distribution<std::size_t>(0, n - 1)(rng) : 0; };
  switch (kind(rng)) {
    case 0:
      if (!s.empty()) s[pos(s.size())] = static_cast<char>(std::uniform_int_distribution<int>(0, 255)(rng));
      break;
    case 1: s.resize(pos(s.size() + 1)); break;
    case 2: {
      const auto p = pos(s.size());
      s.insert(p, s.substr(p, pos(s.size() - p + 1)));
      break;
    }
    case 3: {
      const auto colon = s.find(':', pos(s.size()));
      if (colon == std::string::npos) break;
      const auto end = s.find_first_of(",}", colon);
      if (end == std::string::npos) break;
      s.replace(colon + 1, end - colon - 1, " " + kValues[pos(kValues.size())]);
      break;
    }
    case 4: {
      const auto brace = s.find('{', pos(s.size()));
      if (brace == std::string::npos) break;
      s.insert(brace + 1, "\"" + kKeys[pos(kKeys.size())] + "\": " + kValues[pos(kValues.size())] + ", ");
      break;
    }
    default: s = kValues[pos(kValues.size())]; break;
  }
  return s;
}

void check(const policy_serve::Reply& r, const std::string& request, std::initializer_list<int> statuses) {
  EXPECT_NE(std::find(statuses.begin(), statuses.end(), r.status), statuses.end()) << r.status << " for " << request;
  EXPECT_TRUE(valid_utf8(r.body)) << request;
  EXPECT_EQ(r.body.find("110101199003070011"), std::string::npos) << request << "\n" << r.body;
  if (r.status >= 400) {
    const auto j = json::parse(r.body, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << request;
    EXPECT_FALSE(j["error"]["code"].get<std::string>().empty()) << request;
    EXPECT_FALSE(j["error"]["message_zh"].get<std::string>().empty()) << request;
  } else if (r.content_type.starts_with("application/json")) {
    EXPECT_FALSE(json::parse(r.body, nullptr, false).is_discarded()) << request;
  }
}

TEST(ServeRequests, EveryMutatedEvalAndIcsRequestIsAnsweredWithADocumentedStatus) {
  const policy_serve::Api api(engine(), {7, "test", ""});
  std::mt19937 rng(20261207);
  int answered = 0, accepted = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string body = kSeeds[static_cast<std::size_t>(i) % kSeeds.size()];
    const int rounds = 1 + i % 4;
    for (int k = 0; k < rounds; ++k) body = mutate(body, rng);
    policy_serve::Reply r;
    ASSERT_NO_THROW(r = api.eval(body)) << body;
    check(r, body, {200, 400});
    accepted += r.status == 200;
    ASSERT_NO_THROW(r = api.ics(body)) << body;
    check(r, body, {200, 400, 422});
    ++answered;
  }
  EXPECT_EQ(answered, 3000);
  EXPECT_GT(accepted, 100);  // the mutations leave enough requests valid to reach the engine
}

TEST(ServeRequests, CalcAndBatchQueriesNeverThrow) {
  const policy_serve::Api api(engine(), {7, "test", ""});
  std::mt19937 rng(7);
  for (int i = 0; i < 500; ++i) {
    std::string body = mutate(R"({"expr": "2022-02-28 + P2Y", "as_of": "2026-12-07"})", rng);
    policy_serve::Reply r;
    ASSERT_NO_THROW(r = api.calc(body)) << body;
    check(r, body, {200, 400, 422});
  }
  const std::string roster = "学号,退役日期,入伍时身份\n1,2026-06-15,在校生\n";
  for (int i = 0; i < 200; ++i) {
    std::multimap<std::string, std::string> query;
    const std::string key = kKeys[static_cast<std::size_t>(i) % kKeys.size()];
    const std::string value = mutate("2026-12-07", rng);
    query.emplace(i % 3 ? key : "as_of", value);
    policy_serve::Reply r;
    ASSERT_NO_THROW(r = api.batch(mutate(roster, rng), query)) << key << "=" << value;
    check(r, key + "=" + value, {200, 400});
  }
}

}  // namespace

namespace {

// The answer document writes its fixed parts once (explain::AnswerRenderer): its contract part must
// stay the document `policy eval --format json` writes (render_json), whatever the situation.
TEST(ServeAnswers, TheContractPartIsTheCliDocumentForEverySituation) {
  const auto& e = engine();
  const rules::explain::AnswerRenderer renderer(e.policy());
  const rules::explain::RenderContext ctx{e.policy(), e.pack().zone};
  std::mt19937 rng(11);
  const std::vector<std::vector<std::string>> situations = {
      {},
      {"discharge_date=2026-06-15", "enlisted_as=enrolled_student"},
      {"discharge_date=2024-02-29", "enlisted_as=new_student"},
      {"certificate_issue_date=2025-06-30"},
      {"admission_date=2025-12-20", "spring_intake=true", "lookup_target=xueji"},
      {"lookup_target=xueli", "previously_queryable=true", "identity_change_kind=name"},
      {"lost_certificate=both", "withdrawn=true"},
  };
  int compared = 0;
  for (const auto& sets : situations) {
    auto s = e.new_situation();
    std::vector<rules::source::Diagnostic> diags;
    for (const auto& set : sets) rules::loader::set_fact(e.pack(), set, s, diags);
    ASSERT_TRUE(diags.empty()) << sets.size();
    for (const bool explain : {false, true}) {
      rules::model::Outcome out;
      e.evaluate(s, *rules::calendar::parse_date("2026-12-07"), out, rules::engine::EvalOptions::explaining(explain));
      std::vector<std::uint32_t> outputs;
      for (std::uint32_t i = 0; i < out.output_count; ++i) {
        if (rng() % 3 == 0) outputs.push_back(i);
      }
      const auto page = json::parse(renderer.render(ctx, out, outputs, {explain, "id", {}}));
      const auto cli = json::parse(rules::explain::render_json(ctx, out, outputs, false));
      for (const char* key : {"policy", "as_of", "values", "unknown", "errors", "rules"}) EXPECT_EQ(page[key], cli[key]) << key;
      EXPECT_EQ(page["answers"].size(), outputs.empty() ? out.output_count : outputs.size());
      EXPECT_EQ(page["decision_id"], "id");
      EXPECT_EQ(page.contains("steps"), explain);
      ++compared;
    }
  }
  EXPECT_EQ(compared, 14);
}

}  // namespace
