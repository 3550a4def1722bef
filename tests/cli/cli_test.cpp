// Golden/integration tests of the `policy` executable.
//
// Every test runs the real binary (POLICY_CLI_BIN, or $POLICY_CLI_BIN when set) as a child
// process with TZ=America/New_York, capturing stdout, stderr and the exit code, and checks real
// values: JSON through nlohmann::json, text output literally. Nothing depends on today's date
// except DefaultAsOf.IsTodayInShanghai, which computes that date itself from the UTC clock.
// Packs, situations and parameter files the tests need are written to a fresh temporary
// directory per test.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "harness.h"

namespace {

// ---- the built-in pack: what the tests know about it ----------------------------------------

const std::vector<std::string> kFacts = {"discharge_date", "enlisted_as", "certificate_issue_date", "admission_date"};

/// Outputs of cn-higher-ed and, with no fact given, every fact each waits for, the one to ask
/// first first (an undecided `if` or version waits for the facts of every way it can go).
const std::map<std::string, std::vector<std::string>>& builtin_needs() {
  static const std::map<std::string, std::vector<std::string>> m = {
      {"degree_visible_from", {"certificate_issue_date"}},
      {"degree_online", {"certificate_issue_date"}},
      {"registration_window_start", {"admission_date", "spring_intake"}},
      {"registration_window_end", {"admission_date", "spring_intake"}},
      {"registration_status", {"admission_date", "spring_intake"}},
      {"retention_until", {"discharge_date", "enlisted_as"}},
      {"reenroll_windows", {"discharge_date", "enlisted_as"}},
      {"reenroll_deadline", {"discharge_date", "enlisted_as"}},
      {"reenrolment_state", {"discharge_date", "enlisted_as"}},
      {"reenrolment_guidance", {"discharge_date", "enlisted_as"}},
  };
  return m;
}

/// The JSON contract of `policy eval --format json` (rules/explain/render.h), and the invariant
/// that an output is in "unknown" or "errors" exactly when its value is null.
void expect_eval_contract(json doc) {  // a copy: operator[] on a missing key must not be UB
  ASSERT_TRUE(doc.is_object()) << doc.dump(2);
  for (const char* key : {"policy", "as_of", "values", "unknown", "errors", "rules"}) {
    EXPECT_TRUE(doc.contains(key)) << "missing \"" << key << "\"";
  }
  ASSERT_TRUE(doc["policy"].is_object());
  EXPECT_TRUE(doc["policy"]["id"].is_string());
  EXPECT_TRUE(doc["policy"]["version"].is_string());
  EXPECT_TRUE(doc["as_of"].is_string());
  ASSERT_TRUE(doc["values"].is_object());
  ASSERT_TRUE(doc["unknown"].is_object());
  ASSERT_TRUE(doc["errors"].is_object());
  ASSERT_TRUE(doc["rules"].is_array());
  const auto& values = doc["values"];
  for (const auto& [name, facts] : doc["unknown"].items()) {
    ASSERT_TRUE(values.contains(name)) << "unknown lists '" << name << "', which is not an output";
    EXPECT_TRUE(values[name].is_null()) << "unknown lists '" << name << "', which has the value " << values[name].dump();
    ASSERT_TRUE(facts.is_array()) << name;
    EXPECT_FALSE(facts.empty()) << "unknown." << name << " names no fact";
    for (const auto& f : facts) EXPECT_TRUE(f.is_string()) << name << ": " << f.dump();
    EXPECT_FALSE(doc["errors"].contains(name)) << name << " is both unknown and an error";
  }
  for (const auto& [name, e] : doc["errors"].items()) {
    ASSERT_TRUE(values.contains(name)) << "errors lists '" << name << "', which is not an output";
    EXPECT_TRUE(values[name].is_null()) << "errors lists '" << name << "', which has a value";
    EXPECT_TRUE(e.is_object() && e.contains("code") && e["code"].is_string() && e.contains("message")) << e.dump();
  }
  // A null value waits for facts, failed, or is not applicable: no rule giving it applies.
  const auto not_applicable = [&](const std::string& output) {
    bool defined = false;
    for (const auto& rule : doc["rules"]) {
      if (!rule.contains("outputs")) continue;
      for (const auto& o : rule["outputs"]) {
        if (o != output) continue;
        defined = true;
        if (rule["applies"] != false) return false;
      }
    }
    return defined;
  };
  for (const auto& [name, v] : values.items()) {
    if (v.is_null()) {
      EXPECT_TRUE(doc["unknown"].contains(name) || doc["errors"].contains(name) || not_applicable(name))
          << "values." << name << " is null but neither unknown, nor an error, nor not applicable";
    }
  }
  for (auto& rule : doc["rules"]) {
    ASSERT_TRUE(rule.is_object()) << rule.dump();
    EXPECT_TRUE(rule.contains("id") && rule["id"].is_string() && !rule["id"].get<std::string>().empty()) << rule.dump();
    EXPECT_TRUE(rule.contains("title") && rule["title"].is_string() && !rule["title"].get<std::string>().empty())
        << rule.dump();
    // applies: true, false, or null when undecided (the facts that select a version are missing).
    EXPECT_TRUE(rule.contains("applies") && (rule["applies"].is_boolean() || rule["applies"].is_null())) << rule.dump();
    if (rule["applies"].is_null() && rule.contains("outputs") && rule["outputs"].is_array()) {
      for (const auto& o : rule["outputs"]) {
        EXPECT_TRUE(o.is_string() && values.contains(o.get<std::string>()) && values[o.get<std::string>()].is_null())
            << "rule " << rule["id"] << " is undecided but its output " << o << " has a value";
      }
    }
    ASSERT_TRUE(rule.contains("citations") && rule["citations"].is_array()) << rule.dump();
    EXPECT_FALSE(rule["citations"].empty()) << "rule " << rule["id"] << " has no citation";
    for (auto& c : rule["citations"]) {
      for (const char* k : {"document", "article", "summary"}) {
        EXPECT_TRUE(c.is_object() && c.contains(k) && c[k].is_string() && !c[k].get<std::string>().empty())
            << "rule " << rule["id"] << ": citation without " << k << ": " << c.dump();
      }
    }
    EXPECT_TRUE(rule.contains("explanation") && rule["explanation"].is_array()) << rule.dump();
  }
}

const json* find_rule(const json& doc, const std::string& id) {
  if (!doc.is_object() || !doc.contains("rules") || !doc["rules"].is_array()) return nullptr;
  for (const auto& r : doc["rules"]) {
    if (r.is_object() && r.contains("id") && r["id"] == id) return &r;
  }
  return nullptr;
}

/// The parts of an evaluation that must not depend on how the pack is laid out.
json results_of(json doc) {
  return json{{"as_of", doc["as_of"]}, {"values", doc["values"]}, {"unknown", doc["unknown"]}, {"errors", doc["errors"]}};
}

// ---- a small pack of our own ----------------------------------------------------------------

const char* const kTinyHeader = R"(# A tiny pack used by the CLI tests.
[policy]
id = "tiny"
title = "Tiny pack"
version = "1.2.3"
timezone = "Asia/Shanghai"
date_convention = "prc-civil-code"

[parameters.grace]
type = "period"
value = "P1M"
label = "宽限期"
description = "Grace period after the start date."

[facts.start_date]
type = "date"
label = "开始日期"
description = "Start."

[facts.kind]
type = "enum"
label = "类别"
description = "Kind."
values = [ { name = "alpha", label = "甲" }, { name = "beta", label = "乙" } ]
)";

const char* const kTinyRules = R"(
[[rules]]
id = "grace_end"
title = "宽限期截止"

  [rules.outputs.grace_until]
  type = "deadline"
  label = "宽限至"
  expr = "start_date + grace"

  [rules.outputs.kind_out]
  type = "enum"
  label = "类别输出"
  values = [ { name = "a", label = "甲类" }, { name = "b", label = "乙类" } ]
  expr = "if kind == 'alpha' then 'a' else 'b'"

  [[rules.citations]]
  document = "Tiny doc"
  article = "Art. 1"
  summary = "Grace period."

[[tests]]
name = "one month from 31 January 2024"
as_of = 2025-01-01
facts = { start_date = 2024-01-31, kind = "beta" }
expect = { grace_until = "2024-02-29", kind_out = "b" }
)";

// ============================================================================================
// 1-3. eval --format json
// ============================================================================================

TEST(EvalJson, VeteranRetentionAndReenrolment) {
  auto doc = eval_json({"--set", "discharge_date=2025-06-15", "--set", "enlisted_as=enrolled_student", "--as-of",
                              "2025-12-01"});
  expect_eval_contract(doc);
  EXPECT_EQ(doc["policy"]["id"], "cn-higher-ed");
  EXPECT_TRUE(doc["policy"]["version"].is_string() && !doc["policy"]["version"].get<std::string>().empty());
  EXPECT_EQ(doc["as_of"], "2025-12-01");
  const auto& v = doc["values"];
  EXPECT_EQ(v["retention_until"], "2027-06-15");
  EXPECT_EQ(v["reenroll_deadline"], "2026-09-30");
  const json windows = json::parse(R"([{"start": "2025-09-01", "end": "2025-09-30"},
                                        {"start": "2026-09-01", "end": "2026-09-30"}])");
  ASSERT_TRUE(v["reenroll_windows"].is_array()) << v.dump(2);
  ASSERT_EQ(v["reenroll_windows"].size(), 2u);
  for (const auto& w : v["reenroll_windows"]) {
    EXPECT_TRUE(w.is_object() && w.size() == 2 && w.contains("start") && w.contains("end")) << w.dump();
  }
  EXPECT_EQ(v["reenroll_windows"], windows);
  EXPECT_EQ(v["reenrolment_state"], "window_period");  // between the 2025 and the 2026 window
  ASSERT_TRUE(v["reenrolment_guidance"].is_string());
  EXPECT_TRUE(contains(v["reenrolment_guidance"].get<std::string>(), "2026-09-30")) << v["reenrolment_guidance"];
  EXPECT_TRUE(v["missed_deadline_consequence"].is_null());
  EXPECT_TRUE(doc["errors"].empty()) << doc["errors"].dump();
  // The discharge date selects the version of the retention rule: order 41 (2017-), not 21.
  const auto* r41 = find_rule(doc, "veteran_retention_order_41");
  const auto* r21 = find_rule(doc, "veteran_retention_order_21");
  ASSERT_TRUE(r41 && r21);
  EXPECT_EQ((*r41)["applies"], true);
  EXPECT_EQ((*r21)["applies"], false);
  EXPECT_GE(doc["rules"].size(), 6u);
  // Every output of the pack is in "values".
  for (const auto& [name, facts] : builtin_needs()) EXPECT_TRUE(v.contains(name)) << name;
  EXPECT_GE(v.size(), builtin_needs().size());
}

TEST(EvalJson, CertificateOnly) {
  auto doc = eval_json({"--set", "certificate_issue_date=2025-06-30", "--as-of", "2025-07-01"});
  expect_eval_contract(doc);
  EXPECT_EQ(doc["as_of"], "2025-07-01");
  EXPECT_EQ(doc["values"]["degree_visible_from"], "2025-06-30T00:00:00+08:00");
  EXPECT_EQ(doc["values"]["degree_online"], true);
  EXPECT_TRUE(doc["values"]["retention_until"].is_null());
  EXPECT_EQ(doc["unknown"]["retention_until"], json::array({"discharge_date", "enlisted_as"}));
  EXPECT_FALSE(doc["unknown"].contains("degree_visible_from"));
  EXPECT_FALSE(doc["unknown"].contains("degree_online"));
}

TEST(EvalJson, NoFactsEverythingUnknown) {
  auto doc = eval_json({"--as-of", "2025-07-01"});
  expect_eval_contract(doc);
  ASSERT_GE(doc["values"].size(), builtin_needs().size()) << doc["values"].dump(2);
  // The pack grows; the outputs of the first part must wait for exactly their facts.
  for (const auto& [name, facts] : builtin_needs()) {
    EXPECT_TRUE(doc["values"][name].is_null()) << name << " = " << doc["values"][name].dump();
    EXPECT_EQ(doc["unknown"][name], json(facts)) << name;
  }
  EXPECT_TRUE(doc["errors"].empty());
  // Without a discharge date it is undecided which version of the retention rule applies.
  const auto* r41 = find_rule(doc, "veteran_retention_order_41");
  const auto* r21 = find_rule(doc, "veteran_retention_order_21");
  ASSERT_TRUE(r41 && r21);
  EXPECT_TRUE((*r41)["applies"].is_null());
  EXPECT_TRUE((*r21)["applies"].is_null());
}

TEST(EvalJson, MissingFactNeverYieldsAValue) {
  const std::map<std::string, std::string> all = {{"discharge_date", "2025-06-15"},
                                                  {"enlisted_as", "new_student"},
                                                  {"certificate_issue_date", "2025-06-30"},
                                                  {"admission_date", "2025-07-25"}};
  std::vector<std::string> full_args{"--as-of", "2025-12-01"};
  for (const auto& [f, val] : all) full_args.insert(full_args.end(), {"--set", f + "=" + val});
  auto full = eval_json(full_args);
  expect_eval_contract(full);
  for (const auto& [name, needs] : builtin_needs()) {
    EXPECT_FALSE(full["values"][name].is_null()) << "with every fact, " << name << " is null";
    EXPECT_FALSE(full["unknown"].contains(name)) << name;
  }

  for (const auto& missing : kFacts) {
    SCOPED_TRACE("without " + missing);
    std::vector<std::string> args{"--as-of", "2025-12-01"};
    for (const auto& [f, val] : all) {
      if (f != missing) args.insert(args.end(), {"--set", f + "=" + val});
    }
    auto doc = eval_json(args);
    expect_eval_contract(doc);
    int waiting = 0;
    for (const auto& [name, needs] : builtin_needs()) {
      const bool may_need = std::find(needs.begin(), needs.end(), missing) != needs.end();
      if (may_need && doc["values"][name].is_null()) {
        // Waiting, and the fact taken away is the one to ask first.
        ++waiting;
        ASSERT_TRUE(doc["unknown"].contains(name)) << name;
        EXPECT_EQ(doc["unknown"][name][0], missing) << name << ": " << doc["unknown"][name];
      } else {
        // Not needed here (the 2025 discharge decides the retention without the identity).
        EXPECT_EQ(doc["values"][name], full["values"][name]) << name;
      }
    }
    EXPECT_GT(waiting, 0);
  }
}

TEST(EvalJson, LeapDayDischargeAndOrder21) {
  auto leap = eval_json({"--set", "discharge_date=2024-02-29", "--as-of", "2024-03-01"});
  expect_eval_contract(leap);
  EXPECT_EQ(leap["values"]["retention_until"], "2026-02-28");  // no 29 February 2026 (Civil Code Art. 202)
  EXPECT_EQ(leap["values"]["reenroll_deadline"], "2025-09-30");

  auto old = eval_json({"--set", "discharge_date=2010-05-10", "--set", "enlisted_as=在校生", "--as-of", "2010-12-01"});
  expect_eval_contract(old);
  EXPECT_EQ(old["values"]["retention_until"], "2011-05-10");  // order 21: an enrolled student, one year
  const auto* r41 = find_rule(old, "veteran_retention_order_41");
  const auto* r21 = find_rule(old, "veteran_retention_order_21");
  const auto* law = find_rule(old, "veteran_retention_military_service_law");
  ASSERT_TRUE(r41 && r21 && law);
  EXPECT_EQ((*r41)["applies"], false);
  EXPECT_EQ((*law)["applies"], false);
  EXPECT_EQ((*r21)["applies"], true);
  // From 2011-10-29 the Military Service Law's two years, whatever 21号令 said.
  auto statute = eval_json({"--set", "discharge_date=2016-05-10", "--as-of", "2016-12-01"});
  expect_eval_contract(statute);
  EXPECT_EQ(statute["values"]["retention_until"], "2018-05-10");
  EXPECT_EQ((*find_rule(statute, "veteran_retention_military_service_law"))["applies"], true);

  // Discharged after the intake period: only next year's window.
  auto late = eval_json({"--set", "discharge_date=2025-10-20", "--as-of", "2025-12-01"});
  EXPECT_EQ(late["values"]["reenroll_windows"], json::parse(R"([{"start": "2026-09-01", "end": "2026-09-30"}])"));
  EXPECT_EQ(late["values"]["retention_until"], "2027-10-20");
}

TEST(EvalJson, RegistrationStatusFollowsAsOf) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"2026-08-20", "upcoming"}, {"2026-09-01", "open"}, {"2026-10-31", "open"}, {"2026-11-01", "closed"}};
  for (const auto& [as_of, status] : cases) {
    auto doc = eval_json({"--set", "admission_date=2026-07-25", "--as-of", as_of});
    EXPECT_EQ(doc["values"]["registration_status"], status) << "as of " << as_of;
    EXPECT_EQ(doc["values"]["registration_window_start"], "2026-09-01");
    EXPECT_EQ(doc["values"]["registration_window_end"], "2026-10-31");
  }
}

TEST(EvalDiagnostics, ControlCharactersOfSetValuesAndFileNamesAreEscaped) {
  // Diagnostics quote what the user typed; an escape sequence in it must reach the terminal
  // as visible text, not as a command (here: red text, clear screen).
  const auto bad = run({"eval", "--set", "enlisted_as=x\x1b[31my", "--as-of", "2025-12-01"});
  EXPECT_EQ(bad.code, 1) << bad.describe();
  EXPECT_EQ(bad.err.find('\x1b'), std::string::npos) << bad.describe();
  EXPECT_NE(bad.err.find("x\\x1b[31my"), std::string::npos) << bad.describe();
  const auto missing = run({"eval", "/nonexistent/a\x1b[2Jb.toml", "--as-of", "2025-12-01"});
  EXPECT_EQ(missing.code, 1) << missing.describe();
  EXPECT_EQ(missing.err.find('\x1b'), std::string::npos) << missing.describe();
  EXPECT_NE(missing.err.find("a\\x1b[2Jb.toml"), std::string::npos) << missing.describe();
}

TEST(EvalJson, EvaluationErrorIsReportedNotUnknown) {
  // 9998-06-15 + P2Y leaves the supported range: an error for that output, not a value or unknown.
  const auto r = run({"eval", "--set", "discharge_date=9998-06-15", "--as-of", "2025-12-01", "--format", "json"});
  auto doc = parse_out(r);
  expect_eval_contract(doc);
  EXPECT_TRUE(doc["values"]["retention_until"].is_null());
  EXPECT_FALSE(doc["unknown"].contains("retention_until"));
  ASSERT_TRUE(doc["errors"].contains("retention_until")) << r.describe();
  EXPECT_EQ(doc["errors"]["retention_until"]["code"], "date_out_of_range");
  // Outputs that do not need the failed one are still computed; those that do fail with it.
  EXPECT_EQ(doc["values"]["retention_period"], "P2Y");
  ASSERT_TRUE(doc["errors"].contains("reenroll_deadline")) << r.describe();
  EXPECT_EQ(doc["errors"]["reenroll_deadline"]["code"], "date_out_of_range");
}

// ============================================================================================
// 4. Situations: files, stdin, --set
// ============================================================================================

class Situation : public ::testing::Test {
 protected:
  TempDir tmp;
  const std::vector<std::string> as_of{"--as-of", "2025-12-01"};

  json eval_with(std::vector<std::string> args, const RunOptions& opts = {}) {
    args.insert(args.end(), as_of.begin(), as_of.end());
    return eval_json(args, opts);
  }
};

TEST_F(Situation, FilesAndStdinGiveTheSameValuesAsSet) {
  auto reference = eval_with({"--set", "discharge_date=2025-06-15", "--set", "enlisted_as=enrolled_student"});
  expect_eval_contract(reference);
  ASSERT_EQ(reference["values"]["retention_until"], "2027-06-15");
  const auto expected = results_of(reference);

  const std::string toml = "# a returning veteran\ndischarge_date = 2025-06-15\nenlisted_as = \"enrolled_student\"\n";
  const std::string toml_facts = "[facts]\ndischarge_date = 2025-06-15\nenlisted_as = \"在校生\"\n";
  const std::string json_text = "{\n  \"discharge_date\": \"2025-06-15\",\n  \"enlisted_as\": \"enrolled_student\"\n}\n";
  const std::string json_facts = R"({"facts": {"discharge_date": "2025-06-15", "enlisted_as": "在校生", "admission_date": null}})";

  EXPECT_EQ(results_of(eval_with({tmp.write("veteran.toml", toml)})), expected) << "TOML file";
  EXPECT_EQ(results_of(eval_with({tmp.write("facts-table.toml", toml_facts)})), expected) << "TOML [facts] table";
  EXPECT_EQ(results_of(eval_with({tmp.write("veteran.json", json_text)})), expected) << "JSON file";
  EXPECT_EQ(results_of(eval_with({tmp.write("facts-object.json", json_facts)})), expected) << "JSON {\"facts\": ...}";
  EXPECT_EQ(results_of(eval_with({"-"}, {toml, {}})), expected) << "TOML on stdin";
  EXPECT_EQ(results_of(eval_with({"-"}, {json_text, {}})), expected) << "JSON on stdin";
}

TEST_F(Situation, SetOverridesTheFile) {
  const auto file = tmp.write("veteran.toml", "discharge_date = 2025-06-15\nenlisted_as = \"enrolled_student\"\n");
  auto overridden = eval_with({file, "--set", "discharge_date=2024-02-29"});
  EXPECT_EQ(overridden["values"]["retention_until"], "2026-02-28");
  auto direct = eval_with({"--set", "discharge_date=2024-02-29", "--set", "enlisted_as=enrolled_student"});
  EXPECT_EQ(results_of(overridden), results_of(direct));
  // Also over stdin, and --set with an empty value makes the fact unknown again.
  auto cleared = eval_with({"-", "--set", "discharge_date="}, {"discharge_date = 2025-06-15\n", {}});
  EXPECT_TRUE(cleared["values"]["retention_until"].is_null());
  EXPECT_EQ(cleared["unknown"]["retention_until"], json::array({"discharge_date", "enlisted_as"}));
}

TEST_F(Situation, JsonNullLeavesAFactUnknown) {
  auto doc = eval_with({tmp.write("s.json", R"({"discharge_date": null, "certificate_issue_date": "2025-06-30"})")});
  expect_eval_contract(doc);
  EXPECT_TRUE(doc["values"]["retention_until"].is_null());
  EXPECT_EQ(doc["unknown"]["retention_until"], json::array({"discharge_date", "enlisted_as"}));
  EXPECT_EQ(doc["values"]["degree_visible_from"], "2025-06-30T00:00:00+08:00");
}

TEST_F(Situation, UnknownFactIsAnError) {
  const auto r = run({"eval", "--set", "graduation_date=2025-06-15", "--as-of", "2025-12-01", "--format", "json"});
  EXPECT_EQ(r.code, 1) << r.describe();
  EXPECT_TRUE(contains(r.err, "error[situation_unknown_fact]")) << r.describe();
  EXPECT_TRUE(contains(r.err, "graduation_date")) << r.describe();
  EXPECT_EQ(r.out, "") << r.describe();

  const auto toml = tmp.write("bad.toml", "discharge_date = 2025-06-15\nfoo = 1\n");
  const auto rt = run({"eval", toml, "--as-of", "2025-12-01"});
  EXPECT_EQ(rt.code, 1) << rt.describe();
  EXPECT_TRUE(contains(rt.err, toml + ":2:1: error[situation_unknown_fact]")) << rt.describe();
  EXPECT_EQ(rt.out, "") << rt.describe();

  const auto js = tmp.write("bad.json", "{\n  \"discharge_date\": \"2025-06-15\",\n  \"foo\": 1\n}\n");
  const auto rj = run({"eval", js, "--as-of", "2025-12-01"});
  EXPECT_EQ(rj.code, 1) << rj.describe();
  EXPECT_TRUE(contains(rj.err, js + ":3:")) << rj.describe();
  EXPECT_TRUE(contains(rj.err, "error[situation_unknown_fact]")) << rj.describe();
}

TEST_F(Situation, ImpossibleDateIsABadValue) {
  const auto r = run({"eval", "--set", "discharge_date=2023-02-29", "--as-of", "2025-12-01", "--format", "json"});
  EXPECT_EQ(r.code, 1) << r.describe();
  EXPECT_TRUE(contains(r.err, "error[situation_bad_value]")) << r.describe();
  EXPECT_TRUE(contains(r.err, "2023-02-29")) << r.describe();
  EXPECT_EQ(r.out, "") << r.describe();

  const auto file = tmp.write("s.toml", "discharge_date = \"2023-02-29\"\n");
  const auto rf = run({"eval", file, "--as-of", "2025-12-01"});
  EXPECT_EQ(rf.code, 1) << rf.describe();
  EXPECT_TRUE(contains(rf.err, file + ":1:")) << rf.describe();
  EXPECT_TRUE(contains(rf.err, "error[situation_bad_value]")) << rf.describe();
  EXPECT_TRUE(contains(rf.err, "2023-02-29")) << rf.describe();

  const auto rs = run({"eval", "--set", "discharge_date", "--as-of", "2025-12-01"});
  EXPECT_EQ(rs.code, 1) << rs.describe();
  EXPECT_TRUE(contains(rs.err, "error[situation_syntax]")) << rs.describe();
}

TEST_F(Situation, EnumByLabel) {
  auto by_label = eval_with({"--set", "discharge_date=2025-06-15", "--set", "enlisted_as=新生"});
  auto by_name = eval_with({"--set", "discharge_date=2025-06-15", "--set", "enlisted_as=new_student"});
  EXPECT_EQ(results_of(by_label), results_of(by_name));

  const auto bad = run({"eval", "--set", "enlisted_as=士兵", "--as-of", "2025-12-01"});
  EXPECT_EQ(bad.code, 1) << bad.describe();
  EXPECT_TRUE(contains(bad.err, "error[situation_bad_value]")) << bad.describe();
  EXPECT_TRUE(contains(bad.err, "士兵")) << bad.describe();

  // The built-in pack has no output showing enlisted_as; a tiny pack shows which value a label selects.
  const auto pack = tmp.write("tiny.toml", std::string(kTinyHeader) + kTinyRules);
  auto alpha = eval_with({"--policy", pack, "--set", "start_date=2024-01-31", "--set", "kind=甲"});
  EXPECT_EQ(alpha["values"]["kind_out"], "a");
  auto beta = eval_with({"--policy", pack, "--set", "start_date=2024-01-31", "--set", "kind=乙"});
  EXPECT_EQ(beta["values"]["kind_out"], "b");
  auto beta_name = eval_with({"--policy", pack, "--set", "start_date=2024-01-31", "--set", "kind=beta"});
  EXPECT_EQ(beta_name["values"]["kind_out"], "b");
}

TEST_F(Situation, SetTakesEnumValueNamesInAnyCaseLikeBatch) {
  // A registrar types Enrolled_Student into a roster cell and into --set alike: both read it.
  auto lower = eval_with({"--set", "discharge_date=2025-06-15", "--set", "enlisted_as=enrolled_student"});
  for (const char* typed : {"Enrolled_Student", "ENROLLED_STUDENT"}) {
    auto mixed = eval_with({"--set", "discharge_date=2025-06-15", "--set", std::string("enlisted_as=") + typed});
    EXPECT_EQ(results_of(mixed), results_of(lower)) << typed;
  }
  const auto pack = tmp.write("tiny.toml", std::string(kTinyHeader) + kTinyRules);
  EXPECT_EQ(eval_with({"--policy", pack, "--set", "start_date=2024-01-31", "--set", "kind=Beta"})["values"]["kind_out"], "b");
  EXPECT_EQ(eval_with({"--policy", pack, "--set", "start_date=2024-01-31", "--set", "kind=ALPHA"})["values"]["kind_out"], "a");
  // The same cell in a roster gives the same value.
  RunOptions roster;
  roster.stdin_data = "start_date,kind\r\n2024-01-31,Beta\r\n";
  const auto b = run({"batch", "-", "--policy", pack, "--as-of", "2025-12-01", "--outputs", "kind_out", "--names",
                      "--output-encoding", "utf-8"}, roster);
  EXPECT_EQ(b.code, 0) << b.describe();
  EXPECT_EQ(b.out, "start_date,kind,as_of,kind_out,status,error\r\n2024-01-31,Beta,2025-12-01,b,ok,\r\n") << b.describe();
  // Still not a near miss, and labels only exactly.
  const auto bad = run({"eval", "--policy", pack, "--set", "kind=Betas", "--as-of", "2025-12-01"});
  EXPECT_EQ(bad.code, 1) << bad.describe();
  EXPECT_TRUE(contains(bad.err, "error[situation_bad_value]: fact kind (类别): 'Betas' is not one of alpha (甲), beta (乙)"))
      << bad.describe();
}

TEST_F(Situation, MissingFileIsAnInputError) {
  const auto r = run({"eval", (tmp.path() / "no-such-situation.toml").string(), "--as-of", "2025-12-01"});
  EXPECT_EQ(r.code, 1) << r.describe();
  EXPECT_TRUE(contains(r.err, "error[situation_io]: cannot read the situation file: No such file or directory"))
      << r.describe();
}

// ============================================================================================
// 5. Exit codes and help
// ============================================================================================

TEST(ExitCodes, UsageErrorsExit2) {
  const std::vector<std::vector<std::string>> cases = {
      {"--no-such-option"},
      {},                                               // missing subcommand
      {"eval", "--no-such-option", "--as-of", "2025-12-01"},
      {"eval", "--format", "xml", "--as-of", "2025-12-01"},
      {"calc", "--format", "yaml", "1 + 1"},
      {"calc"},                                         // calc without EXPR
      {"calc", "--as-of", "2026-01-01"},
      {"check", "--no-such-option"},
  };
  for (const auto& args : cases) {
    const auto r = run(args);
    EXPECT_EQ(r.code, 2) << r.describe();
    EXPECT_NE(r.err, "") << "a usage error says what is wrong\n" << r.describe();
  }
}

TEST(ExitCodes, InputErrorsExit1) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"eval", "--as-of", "2025-13-01"}, "error[date_invalid]"},
      {{"eval", "--as-of", "tomorrow"}, "--as-of"},
      {{"calc", "1 +", "--as-of", "2026-01-01"}, "error[expr_syntax]"},
      {{"calc", "discharge_date + P1Y", "--as-of", "2026-01-01"}, "error[unknown_name]"},
      {{"calc", "9999-12-31 + P1D", "--as-of", "2026-01-01"}, "error[date_out_of_range]"},
      {{"check", "--policy", "/nonexistent"}, "error[load_io]"},
  };
  for (const auto& [args, needle] : cases) {
    const auto r = run(args);
    EXPECT_EQ(r.code, 1) << r.describe();
    EXPECT_TRUE(contains(r.err, needle)) << "expected " << needle << "\n" << r.describe();
  }
}

TEST(ExitCodes, SuccessExits0) {
  for (const auto& args : std::vector<std::vector<std::string>>{{"eval", "--as-of", "2025-12-01"},
                                                                 {"calc", "1 + 2", "--as-of", "2026-01-01"},
                                                                 {"check"},
                                                                 {"facts"},
                                                                 {"test"}}) {
    const auto r = run(args);
    EXPECT_EQ(r.code, 0) << r.describe();
    EXPECT_EQ(r.err, "") << r.describe();
    EXPECT_NE(r.out, "") << r.describe();
  }
}

TEST(Help, TopLevelHelpShowsAnExampleOfEachSubcommand) {
  const auto r = run({"--help"});
  EXPECT_EQ(r.code, 0) << r.describe();
  for (const char* sub : {"eval", "calc", "check", "facts", "test"}) {
    EXPECT_TRUE(contains(r.out, std::string("  ") + sub)) << "subcommand " << sub << " not listed\n" << r.describe();
    EXPECT_TRUE(contains(r.out, std::string("policy ") + sub + " ") || contains(r.out, std::string("policy ") + sub + "\n"))
        << "`policy --help` shows no example of `policy " << sub << "`\n"
        << r.describe();
  }
  EXPECT_TRUE(contains(r.out, "Exit codes: 0 success, 1 errors in the pack or the input, 2 usage error"));
}

TEST(Help, EachSubcommandHelpHasAnExample) {
  for (const char* sub : {"eval", "calc", "check", "facts", "test"}) {
    const auto r = run({sub, "--help"});
    EXPECT_EQ(r.code, 0) << r.describe();
    EXPECT_TRUE(contains(r.out, "Example")) << r.describe();
    EXPECT_TRUE(contains(r.out, std::string("  policy ") + sub)) << r.describe();
  }
}

// ============================================================================================
// 6. calc: the date table, and text output
// ============================================================================================

struct DateCase {
  int line = 0;
  std::string expression;
  std::string expected;
  std::string why;
};

std::vector<DateCase> load_date_cases() {
  const fs::path path = source_dir() / "tests" / "data" / "date_cases.tsv";
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::vector<DateCase> rows;
  std::string line;
  int number = 0;
  bool header_seen = false;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cols;
    std::size_t start = 0;
    for (;;) {
      const auto tab = line.find('\t', start);
      cols.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
      if (tab == std::string::npos) break;
      start = tab + 1;
    }
    if (!header_seen) {
      EXPECT_EQ(line, "expression\texpected\twhy") << path << ":" << number;
      header_seen = true;
      continue;
    }
    EXPECT_EQ(cols.size(), 3u) << path << ":" << number << ": " << line;
    if (cols.size() != 3) continue;
    rows.push_back({number, cols[0], cols[1], cols[2]});
  }
  return rows;
}

bool is_integer_text(const std::string& s) { return std::regex_match(s, std::regex("-?[0-9]+")); }

std::string expected_type(const std::string& value) {
  if (is_integer_text(value)) return "integer";
  if (std::regex_match(value, std::regex("[0-9]{4}-[0-9]{2}-[0-9]{2}"))) return "date";
  if (std::regex_match(value, std::regex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{2}:[0-9]{2}"))) {
    return "instant";
  }
  return "?";
}

TEST(Calc, ReplaysEveryDateCaseAsJson) {
  const auto rows = load_date_cases();
  EXPECT_GE(rows.size(), 100u);
  int failures = 0;
  for (const auto& row : rows) {
    const auto r = run({"calc", row.expression, "--as-of", "2026-01-01", "--format", "json"});
    const std::string where = "date_cases.tsv:" + std::to_string(row.line) + ": `" + row.expression + "` expected " +
                              row.expected + " (" + row.why + ")\n";
    if (contains(r.err, "error[expr_syntax]")) {
      ++failures;
      ADD_FAILURE() << where << "the expression does not parse in the expression language\n" << r.describe();
      continue;
    }
    if (row.expected.rfind("error:", 0) == 0) {
      const std::string code = row.expected.substr(6);
      bool ok = r.code == 1 && contains(r.err, "error[" + code + "]");
      json doc;
      try {
        doc = json::parse(r.out);
      } catch (const json::exception&) {
        ok = false;
      }
      // The type is null when the expression did not compile (an impossible literal).
      ok = ok && doc.is_object() && doc.contains("type") && (doc["type"].is_string() || doc["type"].is_null()) &&
           doc.contains("error") &&
           doc["error"].is_object() && doc["error"].value("code", "") == code && doc["error"].contains("message") &&
           doc["error"]["message"].is_string() && !doc.contains("value");
      if (!ok) {
        ++failures;
        ADD_FAILURE() << where << "want: exit 1, stderr with error[" << code << "], stdout {\"type\": ..., \"error\": {\"code\": \""
                      << code << "\", \"message\": ...}}\n"
                      << r.describe();
      }
      continue;
    }
    bool ok = r.code == 0 && r.err.empty();
    json doc;
    try {
      doc = json::parse(r.out);
    } catch (const json::exception&) {
      ok = false;
    }
    if (ok) {
      ok = doc.is_object() && doc.contains("value") && doc.value("type", "") == expected_type(row.expected);
      if (ok && is_integer_text(row.expected)) {
        ok = doc["value"].is_number_integer() && doc["value"].get<long long>() == std::stoll(row.expected);
      } else if (ok) {
        ok = doc["value"].is_string() && doc["value"].get<std::string>() == row.expected;
      }
    }
    if (!ok) {
      ++failures;
      ADD_FAILURE() << where << "want: exit 0, {\"type\": \"" << expected_type(row.expected) << "\", \"value\": "
                    << (is_integer_text(row.expected) ? row.expected : "\"" + row.expected + "\"") << "}\n"
                    << r.describe();
    }
  }
  EXPECT_EQ(failures, 0) << failures << " of " << rows.size() << " rows of tests/data/date_cases.tsv fail";
}

TEST(Calc, ReplaysEveryDateCaseAsText) {
  const auto rows = load_date_cases();
  int failures = 0;
  for (const auto& row : rows) {
    const auto r = run({"calc", row.expression, "--as-of", "2026-01-01"});
    const std::string where = "date_cases.tsv:" + std::to_string(row.line) + ": `" + row.expression + "` expected " +
                              row.expected + "\n";
    const bool error_row = row.expected.rfind("error:", 0) == 0;
    const bool ok = error_row ? (r.code == 1 && r.out.empty() && contains(r.err, "error["))
                              : (r.code == 0 && r.out == row.expected + "\n" && r.err.empty());
    if (!ok) {
      ++failures;
      ADD_FAILURE() << where << r.describe();
    }
  }
  EXPECT_EQ(failures, 0);
}

TEST(Calc, TextOutputIsExact) {
  const auto a = run({"calc", "2022-02-28 + P2Y"});
  EXPECT_EQ(a.code, 0) << a.describe();
  EXPECT_EQ(a.out, "2024-02-28\n");
  EXPECT_EQ(a.err, "");
  const auto b = run({"calc", "start_of_day(1988-07-01)"});
  EXPECT_EQ(b.code, 0) << b.describe();
  EXPECT_EQ(b.out, "1988-07-01T00:00:00+09:00\n");
  EXPECT_EQ(b.err, "");
}

TEST(Calc, ExplainShowsTheCivilCodeStep) {
  const auto r = run({"calc", "2024-02-29 + P2Y", "--explain", "--as-of", "2026-01-01"});
  EXPECT_EQ(r.code, 0) << r.describe();
  const auto lines = lines_of(r.out);
  ASSERT_FALSE(lines.empty()) << r.describe();
  EXPECT_EQ(lines[0], "2026-02-28");
  EXPECT_TRUE(contains(r.out, "Civil Code Art. 202")) << r.describe();
  EXPECT_TRUE(contains(r.out, "no 29 February in 2026")) << r.describe();
}

TEST(Calc, UsesThePackParametersAndAsOf) {
  TempDir tmp;
  const auto r = run({"calc", "date(year(as_of), intake_end)", "--as-of", "2026-03-01", "--format", "json"});
  EXPECT_EQ(r.code, 0) << r.describe();
  EXPECT_EQ(parse_out(r), json::parse(R"({"type": "date", "value": "2026-09-30"})"));
  const auto params = tmp.write("school.toml", "intake_end = \"09-20\"\n");
  const auto p = run({"calc", "date(year(as_of), intake_end)", "--as-of", "2026-03-01", "--params", params});
  EXPECT_EQ(p.code, 0) << p.describe();
  EXPECT_EQ(p.out, "2026-09-20\n");
  const auto a = run({"calc", "as_of", "--as-of", "2024-02-29", "--format", "json"});
  EXPECT_EQ(parse_out(a), json::parse(R"({"type": "date", "value": "2024-02-29"})"));
}

// ============================================================================================
// 7. check
// ============================================================================================

struct ParsedDiagnostic {
  std::string file;
  int line = 0;
  int col = 0;
  std::string code;
  std::string message;
};

/// Every stderr line of the form file:line:col: error[code]: message.
std::vector<ParsedDiagnostic> diagnostics_of(const std::string& err) {
  static const std::regex re(R"(^(.+):([0-9]+):([0-9]+): error\[([a-z_]+)\]: (.+)$)");
  std::vector<ParsedDiagnostic> out;
  for (const auto& line : lines_of(err)) {
    std::smatch m;
    if (std::regex_match(line, m, re)) out.push_back({m[1], std::stoi(m[2]), std::stoi(m[3]), m[4], m[5]});
  }
  return out;
}

TEST(Check, BuiltinPackIsClean) {
  const auto r = run({"check"});
  EXPECT_EQ(r.code, 0) << r.describe();
  EXPECT_EQ(r.err, "");
  EXPECT_TRUE(r.out.starts_with("ok: cn-higher-ed ")) << r.out;
  EXPECT_TRUE(contains(r.out, "(Asia/Shanghai):")) << r.out;
  const auto d = run({"check", "--policy", builtin_pack_dir().string()});
  EXPECT_EQ(d.code, 0) << d.describe();
  EXPECT_EQ(d.out, r.out) << "the built-in pack and its source directory differ";
}

TEST(Check, BrokenPackReportsEveryErrorInPositionOrder) {
  TempDir tmp;
  // Three errors of three kinds in two files. The loader finds them in the order type,
  // citation (reading rules), name (compiling expressions); the report is in position order.
  tmp.write("broken/pack.toml", R"([policy]
id = "broken"
title = "Broken pack"
version = "0.0.1"
timezone = "Asia/Shanghai"
date_convention = "prc-civil-code"

[facts.start_date]
type = "datee"
label = "开始日期"
description = "A fact with a misspelt type."
)");
  tmp.write("broken/rules.toml", R"([[rules]]
id = "uses_unknown"
title = "Uses an unknown name"

  [rules.outputs.until]
  type = "date"
  label = "截止"
  expr = "missing_fact + P1Y"

  [[rules.citations]]
  document = "Doc"
  article = "Art. 1"
  summary = "Summary."

[[rules]]
id = "no_citation"
title = "Has no citation"

  [rules.outputs.flag]
  type = "bool"
  label = "标志"
  expr = "true"
)");
  tmp.write("broken/README.md", "not a pack file: ignored\n");
  const std::string dir = (tmp.path() / "broken").string();
  const auto r = run({"check", "--policy", dir});
  EXPECT_EQ(r.code, 1) << r.describe();
  EXPECT_EQ(r.out, "") << r.describe();
  const auto ds = diagnostics_of(r.err);
  ASSERT_EQ(ds.size(), 3u) << r.describe();
  const std::vector<std::tuple<std::string, int, int, std::string>> want = {
      {dir + "/pack.toml", 9, 8, "load_bad_type"},
      {dir + "/rules.toml", 8, 11, "unknown_name"},
      {dir + "/rules.toml", 15, 1, "load_missing_citation"},
  };
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(std::tie(ds[i].file, ds[i].line, ds[i].col, ds[i].code), want[i]) << "diagnostic " << i << "\n" << r.describe();
    EXPECT_FALSE(ds[i].message.empty());
  }
  EXPECT_TRUE(contains(ds[0].message, "datee"));
  EXPECT_TRUE(contains(ds[1].message, "missing_fact"));
  EXPECT_TRUE(contains(ds[2].message, "no_citation"));
  for (std::size_t i = 1; i < ds.size(); ++i) {
    EXPECT_LE(std::tie(ds[i - 1].file, ds[i - 1].line, ds[i - 1].col), std::tie(ds[i].file, ds[i].line, ds[i].col))
        << "not sorted by position\n" << r.describe();
  }
  EXPECT_TRUE(contains(r.err, "\n3 errors\n")) << r.describe();

  // Every subcommand that loads the pack reports the same problems.
  for (const auto& sub : std::vector<std::vector<std::string>>{{"eval", "--as-of", "2025-12-01"},
                                                               {"calc", "1 + 1"},
                                                               {"test"},
                                                               {"facts"}}) {
    auto args = sub;
    args.insert(args.end(), {"--policy", dir});
    const auto s = run(args);
    EXPECT_EQ(s.code, 1) << s.describe();
    EXPECT_EQ(s.err, r.err) << s.describe();
  }
}

TEST(Check, TomlSyntaxErrorHasItsPosition) {
  TempDir tmp;
  const auto file = tmp.write("bad.toml", "[policy]\nid = \"x\"\ntitle = \n");
  const auto r = run({"check", "--policy", file});
  EXPECT_EQ(r.code, 1) << r.describe();
  const auto ds = diagnostics_of(r.err);
  ASSERT_EQ(ds.size(), 1u) << r.describe();
  EXPECT_EQ(ds[0].file, file);
  EXPECT_EQ(ds[0].line, 3);
  EXPECT_EQ(ds[0].code, "load_toml_syntax");
}

TEST(Check, PositionsCountCodePointsInsideExpressions) {
  // docs/diagnostics.md: columns count Unicode code points, also inside expression strings
  // (one-line and multi-line), and point at the offending text in the file.
  TempDir tmp;
  const auto file = tmp.write("cjk.toml", std::string(kTinyHeader) + R"(
[[rules]]
id = "r"
title = "规则"

  [rules.outputs.out1]
  type = "string"
  label = "输出"
  expr = "if kind == '甲' then missing_x else '乙乙'"

  [rules.outputs.out2]
  type = "date"
  label = "输出2"
  expr = """
    if kind == '甲甲甲'
    then start_date + P1Y
    else nope_y"""

  [rules.outputs.out3]
  type = "text"
  label = "输出3"
  expr = "'开始 {start_date} 和 {bogus_z}'"

  [[rules.citations]]
  document = "d"
  article = "a"
  summary = "s"
)");
  const auto header_lines = static_cast<int>(lines_of(kTinyHeader).size());
  const auto r = run({"check", "--policy", file});
  EXPECT_EQ(r.code, 1) << r.describe();
  const auto ds = diagnostics_of(r.err);
  ASSERT_EQ(ds.size(), 4u) << r.describe();
  const std::vector<std::tuple<int, int, std::string>> want = {
      {header_lines + 9, 31, "unknown_name"},         // missing_x, after a CJK literal
      {header_lines + 15, 16, "enum_unknown_value"},  // '甲甲甲' on the second line of a """ string
      {header_lines + 17, 10, "unknown_name"},        // nope_y on its fourth line
      {header_lines + 22, 30, "unknown_name"},        // the {bogus_z} placeholder
  };
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(ds[i].file, file);
    EXPECT_EQ(std::make_tuple(ds[i].line, ds[i].col, ds[i].code), want[i]) << "diagnostic " << i << "\n" << r.describe();
  }
  EXPECT_TRUE(contains(r.err, "\n4 errors\n")) << r.describe();
}

TEST(Check, NonexistentPathIsLoadIo) {
  const auto r = run({"check", "--policy", "/nonexistent"});
  EXPECT_EQ(r.code, 1) << r.describe();
  EXPECT_TRUE(contains(r.err, "error[load_io]")) << r.describe();
  EXPECT_TRUE(contains(r.err, "/nonexistent")) << r.describe();
  EXPECT_EQ(r.out, "");

  TempDir tmp;
  fs::create_directories(tmp.path() / "empty");
  const auto e = run({"check", "--policy", (tmp.path() / "empty").string()});
  EXPECT_EQ(e.code, 1) << e.describe();
  EXPECT_TRUE(contains(e.err, "error[load_io]")) << e.describe();
}

// ============================================================================================
// 8. facts and test
// ============================================================================================

TEST(Facts, ListsFactsWithLabelsAndCsvHeaders) {
  const auto r = run({"facts"});
  EXPECT_EQ(r.code, 0) << r.describe();
  const auto lines = lines_of(r.out);
  const auto it = std::find_if(lines.begin(), lines.end(), [](const std::string& l) { return l.rfind("discharge_date ", 0) == 0; });
  ASSERT_NE(it, lines.end()) << r.describe();
  EXPECT_TRUE(contains(*it, "退役日期")) << *it;
  EXPECT_TRUE(contains(*it, "date")) << *it;
  // Its block (up to the next fact) lists its CSV headers.
  std::string block;
  for (auto j = it + 1; j != lines.end() && j->rfind("    ", 0) == 0; ++j) block += *j + "\n";
  EXPECT_TRUE(contains(block, "CSV headers: 退役日期 退伍日期 退役时间 退伍时间 退出现役时间 退出现役日期 discharge_date"))
      << block;
  // The words people read beside the input, as the pack writes them (in its language).
  EXPECT_TRUE(contains(block, "    help: 退役证上的退役（退出现役）日期。\n")) << block;
  for (const auto& f : kFacts) {
    EXPECT_TRUE(std::any_of(lines.begin(), lines.end(), [&](const std::string& l) { return l.rfind(f + " ", 0) == 0; }))
        << f << " not listed\n" << r.describe();
  }
  EXPECT_TRUE(contains(r.out, "values: new_student (新生) enrolled_student (在校生)")) << r.describe();
}

TEST(PackTests, BuiltinPackPasses) {
  std::size_t cases = 0;
  for (const auto& entry : std::filesystem::directory_iterator(builtin_pack_dir())) {
    if (entry.path().extension() != ".toml") continue;
    const auto text = read_file(entry.path());
    for (std::size_t at = text.find("[[tests]]"); at != std::string::npos; at = text.find("[[tests]]", at + 1)) ++cases;
  }
  ASSERT_GT(cases, 0u);
  const auto r = run({"test"});
  EXPECT_EQ(r.code, 0) << r.describe();
  const auto lines = lines_of(r.out);
  ASSERT_FALSE(lines.empty()) << r.describe();
  EXPECT_EQ(lines.back(), std::to_string(cases) + " passed, 0 failed") << r.describe();
  EXPECT_FALSE(contains(r.out, "FAIL")) << r.describe();
  const auto d = run({"test", "--policy", builtin_pack_dir().string()});
  EXPECT_EQ(d.code, 0) << d.describe();
  EXPECT_EQ(d.out, r.out);
}

TEST(PackTests, FailingCaseExits1) {
  TempDir tmp;
  std::string rules = kTinyRules;
  const std::string good = "grace_until = \"2024-02-29\"";
  rules.replace(rules.find(good), good.size(), "grace_until = \"2024-03-02\"");
  const auto pack = tmp.write("tiny.toml", std::string(kTinyHeader) + rules);
  const auto r = run({"test", "--policy", pack});
  EXPECT_EQ(r.code, 1) << r.describe();
  EXPECT_TRUE(contains(r.out, "FAIL one month from 31 January 2024")) << r.describe();
  EXPECT_TRUE(contains(r.out, "2024-02-29")) << "the failure shows the actual value\n" << r.describe();
  EXPECT_EQ(lines_of(r.out).back(), "0 passed, 1 failed") << r.describe();
}

TEST(PackTests, RulesNoCaseChecksAreNamed) {
  // A pack author sees which rules their cases never reach (the built-in pack has none).
  TempDir tmp;
  const auto pack = tmp.write("tiny.toml", std::string(kTinyHeader) + kTinyRules + R"(
[[rules]]
id = "untested_rule"
title = "无用例的规则"
  [rules.outputs.doubled_grace]
  type = "period"
  label = "双倍宽限"
  expr = "P2M"
  [[rules.citations]]
  document = "Tiny doc"
  article = "Art. 3"
  summary = "Not checked by any case."
)");
  const auto r = run({"test", "--policy", pack});
  EXPECT_EQ(r.code, 0) << r.describe();
  EXPECT_TRUE(contains(r.out, "rules no case checks: untested_rule\n")) << r.describe();
  EXPECT_FALSE(contains(run({"test"}).out, "rules no case checks")) << "the built-in pack checks every rule";
}

// policy test --coverage on tests/packs/good/coverage.toml (tests/engine/coverage_test.cpp asserts
// every item; here the report's form and the exit code with --threshold).
TEST(PackTests, CoverageListsWhatNoCaseReaches) {
  const auto pack = (source_dir() / "tests" / "packs" / "good" / "coverage.toml").string();
  const auto r = run({"test", "--policy", pack, "--coverage"});
  EXPECT_EQ(r.code, 0) << "no threshold: the report only\n" << r.describe();
  const std::string report =
      "2 passed, 0 failed\n"
      "coverage (what the cases reach):\n"
      "  rules: 2/3  66.6%\n"
      "  outputs: 2/4  50.0%\n"
      "  version boundary days: 4/6  66.6%\n"
      "  branches (when and if): 2/6  33.3% (reported, not counted toward --threshold)\n"
      "not reached by any case:\n"
      "  " + pack + ":25:21: rule old_order, first day in force 2005-09-01: no case has this version date\n"
      "  " + pack + ":25:21: rule old_order, the day before it is in force 2005-08-31: no case has this version date\n"
      "  " + pack + ":30:11: `if` true, its `then` branch: no case takes it\n"
      "  " + pack + ":45:18: output note of rule new_order: no case checks a value it computes\n"
      "  " + pack + ":48:11: `if` true, its `then` branch: no case takes it\n"
      "  " + pack + ":48:11: `if` false, its `else` branch: no case takes it\n"
      "  " + pack + ":54:1: rule never_applies: no case makes it apply\n"
      "  " + pack + ":57:8: when of rule never_applies true: no case takes it\n"
      "  " + pack + ":58:18: output ancient of rule never_applies: no case checks a value it computes\n";
  EXPECT_TRUE(r.out.ends_with(report)) << r.describe();

  // The threshold counts rules, outputs and version days, never branches (33.3%).
  const auto at50 = run({"test", "--policy", pack, "--threshold", "50"});
  EXPECT_EQ(at50.code, 0) << at50.describe();
  EXPECT_TRUE(contains(at50.out, "not reached by any case:\n")) << "--threshold implies --coverage\n" << at50.describe();
  const auto at60 = run({"test", "--policy", pack, "--coverage", "--threshold", "60"});
  EXPECT_EQ(at60.code, 1) << at60.describe();
  EXPECT_EQ(lines_of(at60.out).back(), "coverage below the threshold of 60%: outputs 50.0%") << at60.describe();
  const auto at100 = run({"test", "--policy", pack, "--coverage", "--threshold", "100"});
  EXPECT_EQ(at100.code, 1) << at100.describe();
  EXPECT_EQ(lines_of(at100.out).back(),
            "coverage below the threshold of 100%: rules 66.6%, outputs 50.0%, version boundary days 66.6%")
      << at100.describe();
  // 2/3 is not rounded up to pass 66.7%.
  EXPECT_EQ(run({"test", "--policy", pack, "--threshold", "66.7"}).code, 1);
  for (const char* bad : {"101", "-1", "half"}) {
    const auto u = run({"test", "--policy", pack, "--threshold", bad});
    EXPECT_EQ(u.code, 2) << u.describe();
  }
  // Without --coverage, nothing of it is printed.
  EXPECT_FALSE(contains(run({"test", "--policy", pack}).out, "coverage")) << "coverage only when asked";
}

// What make test requires of the built-in pack (tests/CMakeLists.txt, pack.cn-higher-ed.coverage).
TEST(PackTests, BuiltinPackCoverageIsWhole) {
  const auto r = run({"test", "--coverage", "--threshold", "100"});
  EXPECT_EQ(r.code, 0) << r.describe();
  EXPECT_TRUE(contains(r.out, "  rules: ")) << r.describe();
  EXPECT_FALSE(contains(r.out, "coverage below")) << r.describe();
}

// ============================================================================================
// 9. --params
// ============================================================================================

TEST(Params, SchoolOverrideChangesTheDeadline) {
  TempDir tmp;
  auto base = eval_json({"--set", "discharge_date=2025-06-15", "--as-of", "2025-12-01"});
  EXPECT_EQ(base["values"]["reenroll_deadline"], "2026-09-30");
  const auto params = tmp.write("school.toml", "# our school's intake period ends earlier\nintake_end = \"09-20\"\n");
  auto doc = eval_json({"--params", params, "--set", "discharge_date=2025-06-15", "--as-of", "2025-12-01"});
  expect_eval_contract(doc);
  EXPECT_EQ(doc["values"]["reenroll_deadline"], "2026-09-20");
  EXPECT_EQ(doc["values"]["reenroll_windows"], json::parse(R"([{"start": "2025-09-01", "end": "2025-09-20"},
                                                                {"start": "2026-09-01", "end": "2026-09-20"}])"));
  EXPECT_EQ(doc["values"]["retention_until"], "2027-06-15");  // not a parameter of that rule
  // The [parameters] table form is accepted too.
  const auto table = tmp.write("school-table.toml", "[parameters]\nintake_end = \"09-20\"\n");
  auto doc2 = eval_json({"--params", table, "--set", "discharge_date=2025-06-15", "--as-of", "2025-12-01"});
  EXPECT_EQ(results_of(doc2), results_of(doc));
}

TEST(Params, TypoIsReportedAtItsPosition) {
  TempDir tmp;
  const auto params = tmp.write("school.toml", "# overrides\nintake_start = \"09-01\"\n\nintak_end = \"09-20\"\n");
  const auto r = run({"eval", "--params", params, "--set", "discharge_date=2025-06-15", "--as-of", "2025-12-01"});
  EXPECT_EQ(r.code, 1) << r.describe();
  EXPECT_TRUE(contains(r.err, params + ":4:1: error[params_unknown_name]")) << r.describe();
  EXPECT_TRUE(contains(r.err, "intak_end")) << r.describe();
  EXPECT_EQ(r.out, "");

  const auto bad = tmp.write("bad-value.toml", "intake_end = \"13-01\"\n");
  const auto b = run({"eval", "--params", bad, "--as-of", "2025-12-01"});
  EXPECT_EQ(b.code, 1) << b.describe();
  EXPECT_TRUE(contains(b.err, bad + ":1:14: error[load_bad_value]")) << b.describe();
}

TEST(Params, MissingFileIsAnInputError) {
  // README: exit 1 when "the pack, the parameters or the situation has errors"; 2 only for usage
  // errors (unknown option, missing argument). A missing situation file or pack is exit 1 too.
  TempDir tmp;
  const auto missing = (tmp.path() / "no-such-school.toml").string();
  const auto r = run({"eval", "--params", missing, "--set", "discharge_date=2025-06-15", "--as-of", "2025-12-01"});
  EXPECT_EQ(r.code, 1) << r.describe();
  EXPECT_TRUE(contains(r.err, missing)) << r.describe();
  EXPECT_EQ(r.out, "");
}

// ============================================================================================
// 10. --policy: a directory and a single file
// ============================================================================================

TEST(Policy, DirectoryAndSingleFilePacks) {
  TempDir tmp;
  tmp.write("dir/pack.toml", kTinyHeader);
  tmp.write("dir/rules.toml", kTinyRules);
  tmp.write("dir/notes.txt", "[[[ not TOML, and not read ]]]\n");
  const auto file = tmp.write("single/tiny.toml", std::string(kTinyHeader) + kTinyRules);
  const std::string dir = (tmp.path() / "dir").string();
  for (const auto& pack : {dir, file}) {
    SCOPED_TRACE(pack);
    auto doc = eval_json({"--policy", pack, "--set", "start_date=2024-01-31", "--set", "kind=alpha", "--as-of",
                                "2025-01-01"});
    expect_eval_contract(doc);
    EXPECT_EQ(doc["policy"], json::parse(R"({"id": "tiny", "version": "1.2.3"})"));
    EXPECT_EQ(doc["values"], json::parse(R"({"grace_until": "2024-02-29", "kind_out": "a"})"));
    EXPECT_TRUE(doc["unknown"].empty());
    auto none = eval_json({"--policy", pack, "--as-of", "2025-01-01"});
    EXPECT_EQ(none["unknown"], json::parse(R"({"grace_until": ["start_date"], "kind_out": ["kind"]})"));

    const auto c = run({"check", "--policy", pack});
    EXPECT_EQ(c.code, 0) << c.describe();
    EXPECT_EQ(c.out, "ok: tiny 1.2.3 (Asia/Shanghai): 2 facts, 1 parameters, 1 rules, 2 outputs, 1 tests\n");
    const auto t = run({"test", "--policy", pack});
    EXPECT_EQ(t.code, 0) << t.describe();
    EXPECT_EQ(t.out, "PASS one month from 31 January 2024\n1 passed, 0 failed\n");
    const auto f = run({"facts", "--policy", pack});
    EXPECT_EQ(f.code, 0) << f.describe();
    EXPECT_TRUE(contains(f.out, "start_date  date  开始日期")) << f.describe();
    const auto k = run({"calc", "2024-01-31 + grace", "--policy", pack});
    EXPECT_EQ(k.code, 0) << k.describe();
    EXPECT_EQ(k.out, "2024-02-29\n");
    const auto text = run({"eval", "--policy", pack, "--set", "start_date=2024-01-31", "--set", "kind=乙", "--as-of",
                           "2025-01-01"});
    EXPECT_EQ(text.code, 0) << text.describe();
    EXPECT_TRUE(contains(text.out, "宽限至 grace_until: 2024-02-29 24:00 (UTC+08:00)")) << text.describe();
    EXPECT_TRUE(contains(text.out, "类别输出 kind_out: 乙类")) << text.describe();
  }
}

// ============================================================================================
// 11. Text output
// ============================================================================================

TEST(Text, DefaultFormatShowsLabelsAndDeadlines) {
  const std::vector<std::string> args{"eval", "--set", "discharge_date=2025-06-15", "--set", "enlisted_as=enrolled_student",
                                      "--as-of", "2025-12-01"};
  const auto r = run(args);
  EXPECT_EQ(r.code, 0) << r.describe();
  EXPECT_EQ(r.err, "");
  auto with_format = args;
  with_format.insert(with_format.end(), {"--format", "text"});
  EXPECT_EQ(run(with_format).out, r.out) << "text is the default format";
  // The English form (this file runs with POLICY_LANG=en; tests/cli/zh_eval_test.cpp has the Chinese).
  for (const char* needle : {"as of 2025-12-01 (Asia/Shanghai)",
                             "入学资格/学籍保留至 retention_until: 2027-06-15 24:00 (UTC+08:00)",
                             "学校规定的最后办理日 reenroll_deadline: 2026-09-30 24:00 (UTC+08:00)",
                             "学校规定的办理期间 reenroll_windows: 2025-09-01 to 2025-09-30; 2026-09-01 to 2026-09-30",
                             "第二十七条", "\nOther questions (", " more) need more facts"}) {
    EXPECT_TRUE(contains(r.out, needle)) << "missing: " << needle << "\n" << r.describe();
  }
  EXPECT_FALSE(contains(r.out, "Civil Code Art. 202")) << "computation steps only with --explain\n" << r.describe();
  EXPECT_FALSE(contains(r.out, "{\"")) << r.describe();
}

TEST(Text, ExplainShowsTheArt202StepForALeapDayDischarge) {
  const auto r = run({"eval", "--set", "discharge_date=2024-02-29", "--as-of", "2024-03-01", "--explain"});
  EXPECT_EQ(r.code, 0) << r.describe();
  EXPECT_TRUE(contains(r.out, "入学资格/学籍保留至 retention_until: 2026-02-28 24:00 (UTC+08:00)")) << r.describe();
  const auto lines = lines_of(r.out);
  const auto step = std::find_if(lines.begin(), lines.end(), [](const std::string& l) {
    return contains(l, "2024-02-29 + P2Y -> 2026-02-28") && contains(l, "Civil Code Art. 202") &&
           contains(l, "no 29 February in 2026");
  });
  EXPECT_NE(step, lines.end()) << r.describe();
  EXPECT_TRUE(contains(r.out, "Civil Code Art. 203")) << r.describe();
  const auto plain = run({"eval", "--set", "discharge_date=2024-02-29", "--as-of", "2024-03-01"});
  EXPECT_FALSE(contains(plain.out, "no 29 February in 2026")) << plain.describe();
}

// ---- citations: each once, by number, with the words a registrar can print --------------------

std::string citation_notes_pack() { return (source_dir() / "tests" / "packs" / "good" / "citation_notes.toml").string(); }

std::size_t count_of(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto p = haystack.find(needle); p != std::string::npos; p = haystack.find(needle, p + needle.size())) ++n;
  return n;
}

TEST(CitationNotes, TextListsEachCitationOnceByNumberWithItsNote) {
  const auto r = run({"eval", "--policy", citation_notes_pack(), "--set", "start_date=2024-01-31", "--as-of", "2025-01-01"});
  EXPECT_EQ(r.code, 0) << r.describe();
  EXPECT_EQ(r.err, "") << r.describe();
  // Rule hidden waits for other_date and is not printed: its citation takes no number. Rule third
  // cites 文件甲 第一条 again at level C, so [1] carries that level's words.
  const std::string answers =
      "依据测试 (citation-notes 1)\n"
      "as of 2025-01-01 (Asia/Shanghai)\n"
      "\n"
      "■ 第一条规则\n"
      "  一个月后 one_month: 2024-02-29\n"
      "  sources: [1] [2]\n"
      "\n"
      "■ 第二条规则\n"
      "  两个月后 two_months: 2024-03-31\n"
      "  sources: [2] [3]\n"
      "\n"
      "■ 第三条规则\n"
      "  三个月后 three_months: 2024-04-30\n"
      "  sources: [4] [1]\n"
      "\n"
      "Sources\n"
      "  [1] 文件甲 第一条 — One month.（原文待核实）\n"
      "  [2] 文件乙 第二条 — Shared by two rules.（原文待核实）\n"
      "  [3] 文件丙 第三条 — Read in full, article number not re-confirmed.（条文序号待核实）\n"
      "  [4] 文件丁 第四条 — Not found.（出处待核实）\n";
  EXPECT_EQ(r.out.substr(0, answers.size()), answers) << r.describe();
  EXPECT_TRUE(contains(r.out, "\nOther questions (等待的规则) need more facts")) << "named as a question not asked\n" << r.describe();
  EXPECT_FALSE(contains(r.out, "文件戊")) << r.describe();
  EXPECT_FALSE(contains(r.out, "[5]")) << r.describe();
  for (const char* doc : {"文件甲", "文件乙", "文件丙", "文件丁"}) EXPECT_EQ(count_of(r.out, doc), 1u) << doc << "\n" << r.describe();
  EXPECT_FALSE(contains(r.out, "unverified")) << r.describe();
  EXPECT_FALSE(contains(r.out, "level C")) << r.describe();
}

TEST(CitationNotes, ExplainNumbersTheCitationsOfEveryRule) {
  const auto r = run({"eval", "--policy", citation_notes_pack(), "--set", "start_date=2024-01-31", "--as-of", "2025-01-01",
                      "--explain"});
  EXPECT_EQ(r.code, 0) << r.describe();
  // With --explain every rule is printed, the waiting one too, in the pack's order.
  std::vector<std::string> refs, list;
  for (const auto& l : lines_of(r.out)) {
    if (l.rfind("  sources:", 0) == 0) refs.push_back(l);
    if (l.rfind("  [", 0) == 0) list.push_back(l);
  }
  EXPECT_EQ(refs, (std::vector<std::string>{"  sources: [1] [2]", "  sources: [3]", "  sources: [2] [4]", "  sources: [5] [1]"}))
      << r.describe();
  EXPECT_EQ(list, (std::vector<std::string>{"  [1] 文件甲 第一条 — One month.（原文待核实）",
                                            "  [2] 文件乙 第二条 — Shared by two rules.（原文待核实）",
                                            "  [3] 文件戊 第五条 — Cited only by a rule that waits.（出处待核实）",
                                            "  [4] 文件丙 第三条 — Read in full, article number not re-confirmed.（条文序号待核实）",
                                            "  [5] 文件丁 第四条 — Not found.（出处待核实）"}))
      << r.describe();
}

TEST(CitationNotes, JsonKeepsVerificationAndUnverifiedAndAddsTheNote) {
  const auto doc = eval_json({"--policy", citation_notes_pack(), "--set", "start_date=2024-01-31", "--as-of", "2025-01-01"});
  expect_eval_contract(doc);
  const auto cites = [&](const std::string& id) {
    const auto* rule = find_rule(doc, id);
    return rule ? (*rule)["citations"] : json();
  };
  EXPECT_EQ(cites("first"), json::parse(R"([
    {"document": "文件甲", "article": "第一条", "summary": "One month.", "verification": "B", "unverified": false},
    {"document": "文件乙", "article": "第二条", "summary": "Shared by two rules.", "verification": "C", "unverified": true,
     "note": "原文待核实"}])"));
  EXPECT_EQ(cites("hidden"), json::parse(R"([
    {"document": "文件戊", "article": "第五条", "summary": "Cited only by a rule that waits.", "verification": "D",
     "unverified": true, "note": "出处待核实"}])"));
  // A note set by the pack, here on level A: the level and the unverified flag are unchanged.
  ASSERT_EQ(cites("second").size(), 2u);
  EXPECT_EQ(cites("second")[1], json::parse(R"(
    {"document": "文件丙", "article": "第三条", "summary": "Read in full, article number not re-confirmed.",
     "verification": "A", "unverified": false, "note": "条文序号待核实"})"));
  ASSERT_EQ(cites("third").size(), 2u);
  EXPECT_EQ(cites("third")[1]["note"], "原文待核实");
}

TEST(CitationNotes, TheBuiltinPackHasNoEnglishWarningPerLine) {
  const auto r = run({"eval", "--set", "discharge_date=2025-06-15", "--set", "enlisted_as=enrolled_student", "--as-of",
                      "2025-12-01"});
  EXPECT_EQ(r.code, 0) << r.describe();
  EXPECT_FALSE(contains(r.out, "citation unverified")) << r.describe();
  EXPECT_FALSE(contains(r.out, "依据 source:")) << r.describe();
  EXPECT_TRUE(contains(r.out, "\nSources\n  [1] ")) << r.describe();
  // Each line of the list is a different citation.
  std::set<std::string> seen;
  for (const auto& l : lines_of(r.out)) {
    if (l.rfind("  [", 0) != 0) continue;
    const auto body = l.substr(l.find(']') + 1);
    EXPECT_TRUE(seen.insert(body).second) << "listed twice: " << l << "\n" << r.describe();
  }
}

TEST(Examples, SituationFilesOfTheReadmeEvaluate) {
  const fs::path dir = source_dir() / "examples" / "situations";
  if (!fs::exists(dir / "returning-veteran.toml")) GTEST_SKIP() << "no examples/situations";
  auto vet = eval_json({(dir / "returning-veteran.toml").string(), "--as-of", "2025-12-01"});
  expect_eval_contract(vet);
  EXPECT_EQ(vet["values"]["retention_until"], "2027-06-15");
  EXPECT_EQ(vet["values"]["reenroll_deadline"], "2026-09-30");
  auto missing = eval_json({(dir / "missing-fact.toml").string(), "--as-of", "2025-12-01"});
  expect_eval_contract(missing);
  EXPECT_TRUE(missing["values"]["retention_until"].is_null());
  EXPECT_EQ(missing["unknown"]["retention_until"], json::array({"discharge_date"}));
  auto fresh = eval_json({(dir / "new-student-registration.toml").string(), "--as-of", "2026-08-20"});
  EXPECT_EQ(fresh["values"]["registration_status"], "upcoming");
  EXPECT_EQ(fresh["values"]["registration_window_start"], "2026-09-01");
  auto degree = eval_json({(dir / "degree-visibility.json").string(), "--as-of", "2025-07-01"});
  EXPECT_EQ(degree["values"]["degree_visible_from"], "2025-06-30T00:00:00+08:00");
}

// ============================================================================================
// 12. The order of rule files never matters
// ============================================================================================

TEST(Order, RuleFileOrderDoesNotChangeResults) {
  TempDir tmp;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(builtin_pack_dir())) {
    if (e.path().extension() == ".toml") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 3u);
  ASSERT_LE(files.size(), 26u);
  // z_first, y_second, ...: the loader now reads them in the reverse order.
  for (std::size_t i = 0; i < files.size(); ++i) {
    const std::string prefix(1, static_cast<char>('z' - static_cast<int>(i)));
    fs::copy_file(files[i], tmp.path() / (prefix + "_" + files[i].filename().string()));
  }
  const std::string reversed = tmp.path().string();

  const std::vector<std::vector<std::string>> situations = {
      {"--set", "discharge_date=2025-06-15", "--set", "enlisted_as=enrolled_student", "--as-of", "2025-12-01"},
      {"--set", "discharge_date=2016-05-10", "--set", "certificate_issue_date=1999-07-01", "--set",
       "admission_date=2026-07-25", "--as-of", "2026-10-31"},
      {"--set", "discharge_date=2024-02-29", "--set", "certificate_issue_date=2025-06-30", "--as-of", "2024-03-01"},
      {"--set", "discharge_date=9999-06-15", "--as-of", "2025-12-01"},
      {"--as-of", "2025-01-01"},
  };
  for (const auto& s : situations) {
    auto builtin = eval_json(s);
    auto args = s;
    args.insert(args.end(), {"--policy", reversed});
    auto rev = eval_json(args);
    EXPECT_EQ(rev["values"], builtin["values"]) << s[1];
    EXPECT_EQ(rev["unknown"], builtin["unknown"]) << s[1];
    EXPECT_EQ(rev["errors"], builtin["errors"]) << s[1];
  }
  const auto t = run({"test", "--policy", reversed});
  EXPECT_EQ(t.code, 0) << t.describe();
}

// ============================================================================================
// The default as_of, and the host time zone
// ============================================================================================

std::string shanghai_today() {
  using namespace std::chrono;
  // China Standard Time is UTC+8 with no daylight saving since 1991.
  const year_month_day ymd{floor<days>(system_clock::now() + hours(8))};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return buf;
}

TEST(DefaultAsOf, IsTodayInShanghai) {
  // Pacific/Kiritimati (UTC+14) and Pacific/Pago_Pago (UTC-11): at any moment at least one of
  // them is on another date than Shanghai, so a default taken from the host zone would show.
  for (const char* tz : {"America/New_York", "Pacific/Kiritimati", "Pacific/Pago_Pago"}) {
    SCOPED_TRACE(tz);
    const auto before = shanghai_today();
    const auto r = run({"eval", "--format", "json"}, {"", {{"TZ", tz}}});
    const auto c = run({"calc", "as_of", "--format", "json"}, {"", {{"TZ", tz}}});
    const auto after = shanghai_today();
    EXPECT_EQ(r.code, 0) << r.describe();
    auto doc = parse_out(r);
    ASSERT_TRUE(doc.is_object() && doc.contains("as_of") && doc["as_of"].is_string()) << r.describe();
    const auto as_of = doc["as_of"].get<std::string>();
    EXPECT_TRUE(as_of == before || as_of == after) << "as_of " << as_of << ", today in Shanghai " << before;
    auto cdoc = parse_out(c);
    ASSERT_TRUE(cdoc.is_object() && cdoc.contains("value") && cdoc["value"].is_string()) << c.describe();
    const auto v = cdoc["value"].get<std::string>();
    EXPECT_TRUE(v == before || v == after) << "calc as_of " << v << ", today in Shanghai " << before;
  }
}

TEST(HostTimeZone, DoesNotChangeAnyOutput) {
  const std::vector<std::vector<std::string>> commands = {
      {"calc", "start_of_day(1988-07-01)"},
      {"calc", "end_of_day(1986-05-04)", "--format", "json"},
      {"eval", "--set", "discharge_date=2024-02-29", "--set", "certificate_issue_date=2025-06-30", "--as-of", "2024-03-01",
       "--format", "json"},
      {"eval", "--set", "discharge_date=2025-06-15", "--as-of", "2025-12-01", "--explain"},
  };
  for (const auto& cmd : commands) {
    const auto ny = run(cmd);
    EXPECT_EQ(ny.code, 0) << ny.describe();
    for (const char* tz : {"UTC", "Asia/Shanghai", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Europe/London"}) {
      const auto other = run(cmd, {"", {{"TZ", tz}}});
      EXPECT_EQ(other.code, ny.code) << tz << "\n" << other.describe();
      EXPECT_EQ(other.out, ny.out) << "TZ=" << tz << " changes the output of " << cmd[0] << " " << cmd[1];
    }
  }
}

}  // namespace


// ============================================================================================
// Regressions found by a new user's trial
// ============================================================================================

TEST(Regressions, CalcJsonWithInvalidUtf8StillPrintsJson) {
  const auto r = run({"calc", "--format", "json", "'\xff'", "--as-of", "2026-01-01"});
  EXPECT_EQ(r.code, 0) << r.describe();
  const auto doc = parse_out(r);
  EXPECT_EQ(doc["type"], "string");
  EXPECT_TRUE(doc["value"].is_string());
}

TEST(Regressions, ADirectoryIsNotASituationOrParametersFile) {
  const auto dir = std::filesystem::temp_directory_path().string();
  const auto a = run({"eval", dir, "--as-of", "2025-12-01"});
  EXPECT_EQ(a.code, 1) << a.describe();
  EXPECT_TRUE(contains(a.err, "error[situation_io]: cannot read the situation file: Is a directory")) << a.describe();
  const auto b = run({"eval", "--params", dir, "--set", "discharge_date=2025-06-15", "--as-of", "2025-12-01"});
  EXPECT_EQ(b.code, 1) << b.describe();
  EXPECT_TRUE(contains(b.err, "error[load_io]")) << b.describe();
}

TEST(Regressions, TextOutputShowsAnOutputThatNoVersionCovers) {
  // A date before the first version in force: the output is an error, and the text says so.
  TempDir tmp;
  const auto pack = tmp.write("versioned.toml", std::string(kTinyHeader) + R"(
[[rules]]
id = "kept_new"
title = "保留2年"
in_force = { from = 2017-09-01 }
version_date = "start_date"
  [rules.outputs.kept_until]
  type = "deadline"
  label = "保留至"
  expr = "start_date + P2Y"
  [[rules.citations]]
  document = "Tiny doc"
  article = "Art. 2"
  summary = "Kept two years."
)");
  const auto r = run({"eval", "--policy", pack, "--set", "start_date=2004-06-01", "--as-of", "2025-12-01"});
  EXPECT_EQ(r.code, 0) << r.describe();
  EXPECT_TRUE(contains(r.out, "保留至 kept_until: error[no_version_in_force]: ")) << r.describe();
}

TEST(Regressions, DeepExpressionsFailCleanly) {
  const auto r = run({"calc", std::string(6000, '(') + "1" + std::string(6000, ')')});
  EXPECT_EQ(r.code, 1) << r.describe();
  EXPECT_TRUE(contains(r.err, "error[expr_syntax]")) << r.describe();
}

// Found by tests/serve/request_property_test.cpp: --as-of quoted an ID number pasted into it whole.
TEST(Regressions, AnAsOfThatIsAnIdNumberIsNeverPrintedWhole) {
  const auto r = run({"eval", "--as-of", "110101199003070011"});
  EXPECT_EQ(r.code, 1) << r.describe();
  EXPECT_TRUE(contains(r.err, "110101********0011")) << r.describe();
  EXPECT_FALSE(contains(r.err, "110101199003070011")) << r.describe();
}

// ============================================================================================
// policy batch
// ============================================================================================

/// What `policy batch` writes for a roster of one discharge date, 2025-06-15, with --outputs
/// retention_until, as of 2025-12-01 (the people's form in English: a BOM, the evaluation date
/// after the input column, the output's label; 2 years after the discharge by hand).
const std::string kOneRetention =
    "\xEF\xBB\xBF退役日期,as_of,入学资格/学籍保留至,status,error\r\n2025-06-15,2025-12-01,2027-06-15,ok,\r\n";
/// The same in Chinese, the pack's language.
const std::string kOneRetentionZh =
    "\xEF\xBB\xBF退役日期,评估日期,入学资格/学籍保留至,状态,说明\r\n2025-06-15,2025-12-01,2027-06-15,正常,\r\n";

TEST(BatchCli, ExitCodesAndTheSummary) {
  TempDir tmp;
  const auto good = tmp.write("good.csv", "退役日期,入伍时身份\r\n2025-06-15,在校生\r\n");
  const auto bad = tmp.write("bad.csv", "退役日期\r\n2025-06-15\r\n2023-02-29\r\n");
  const auto header = tmp.write("header.csv", "甲,乙\r\n1,2\r\n");
  auto ok = run({"batch", good, "--as-of", "2025-12-01", "--outputs", "retention_until,reenroll_deadline"});
  EXPECT_EQ(ok.code, 0) << ok.describe();
  EXPECT_TRUE(contains(ok.out, "2025-06-15,在校生,2025-12-01,2027-06-15,2026-09-30,ok,")) << ok.describe();
  EXPECT_TRUE(contains(ok.err, "1 rows read (utf-8): 1 ok, 0 unknown, 0 error")) << ok.describe();
  auto rows = run({"batch", bad, "--as-of", "2025-12-01", "--outputs", "retention_until"});
  EXPECT_EQ(rows.code, 3) << rows.describe();
  EXPECT_TRUE(contains(rows.err, "\n  row 3, column A (退役日期): ")) << rows.describe();
  auto unusable = run({"batch", header, "--as-of", "2025-12-01"});
  EXPECT_EQ(unusable.code, 1) << unusable.describe();
  EXPECT_TRUE(contains(unusable.err, "error[batch_bad_header]")) << unusable.describe();
  EXPECT_TRUE(unusable.out.empty());
  auto usage = run({"batch", good, "--jobs", "0"});
  EXPECT_EQ(usage.code, 2) << usage.describe();
  auto missing = run({"batch", (tmp.path() / "nope.csv").string()});
  EXPECT_EQ(missing.code, 1) << missing.describe();
}

// A registrar opens a CSV result in Excel, which turns 身份证号 into 1.10101E+17 and drops the
// leading zeros of 学号: the summary says so, naming the columns, when the CSV is for people.
TEST(BatchCli, ACsvResultWithIdColumnsSaysExcelDamagesThem) {
  TempDir tmp;
  const auto ids = tmp.write("ids.csv", "学籍号,姓名,身份证号,退役日期\r\n0021001,张三,11010119951219870X,2025-06-15\r\n");
  const auto plain = tmp.write("plain.csv", "姓名,退役日期\r\n张三,2025-06-15\r\n");
  auto zh = run({"batch", ids, "--as-of", "2025-12-01", "--lang", "zh", "-o", (tmp.path() / "out.csv").string()});
  EXPECT_EQ(zh.code, 0) << zh.describe();
  EXPECT_TRUE(contains(zh.err, "\n  提示：结果是 CSV。在 Excel 中直接打开它，身份证号、学籍号 列的长数字会被改坏（")) << zh.describe();
  EXPECT_TRUE(contains(zh.err, "请写成工作簿：-o 结果.xlsx\n")) << zh.describe();
  auto en = run({"batch", ids, "--as-of", "2025-12-01", "--lang", "en"});
  EXPECT_TRUE(contains(en.err, "\n  note: the result is CSV. Opened in Excel as it is, the long numbers of 身份证号, 学籍号 are damaged"))
      << en.describe();
  // Not for a workbook, the machine form, a cluster's chunk, or a roster without such columns.
  for (const std::vector<std::string>& extra : {std::vector<std::string>{"-o", (tmp.path() / "out.xlsx").string()},
                                                std::vector<std::string>{"--names"}, std::vector<std::string>{"--format", "jsonl"},
                                                std::vector<std::string>{"--no-output-header"}}) {
    std::vector<std::string> args{"batch", ids, "--as-of", "2025-12-01"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = run(args);
    EXPECT_EQ(r.code, 0) << r.describe();
    EXPECT_FALSE(contains(r.err, "Excel")) << r.describe();
  }
  auto none = run({"batch", plain, "--as-of", "2025-12-01"});
  EXPECT_EQ(none.code, 0) << none.describe();
  EXPECT_FALSE(contains(none.err, "Excel")) << none.describe();
}

// ---- a roster split across a cluster (docs/cluster.md) -----------------------------------------

TEST(BatchCli, ASplitWithItsHeaderGivenReportsTheRowsOfTheWholeRoster) {
  TempDir tmp;
  const auto header = tmp.write("header.csv", "\xEF\xBB\xBF" "学号,退役日期\r\n");
  // Rows 5-7 of a roster: the second of them bad, the first after a blank line.
  const auto split = tmp.write("split.csv", "\r\n2,2025-06-15\r\n3,2023-02-29\r\n");
  const std::vector<std::string> common = {"--as-of", "2025-12-01", "--outputs", "retention_until", "--header-file", header};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {"batch", split};
    args.insert(args.end(), common.begin(), common.end());
    args.insert(args.end(), extra.begin(), extra.end());
    return run(args);
  };
  auto r = with({"--first-row", "5", "--no-output-header"});
  EXPECT_EQ(r.code, 3) << r.describe();
  EXPECT_EQ(r.out, "2,2025-06-15,2025-12-01,2027-06-15,ok,\r\n"
                   "3,2023-02-29,2025-12-01,,error,\"row 7, column B (退役日期): '2023-02-29' is not a valid date: February 2023 "
                   "has 28 days\"\r\n");
  EXPECT_TRUE(contains(r.err, "  row 7, column B (退役日期): '2023-02-29'")) << r.describe();
  // --row-errors-ok: row errors alone exit 0, the output is the same.
  auto ok = with({"--first-row", "5", "--no-output-header", "--row-errors-ok"});
  EXPECT_EQ(ok.code, 0) << ok.describe();
  EXPECT_EQ(ok.out, r.out);
  // Without --first-row the split's own lines are the rows; with its header the output has one.
  auto own = with({});
  EXPECT_EQ(own.code, 3) << own.describe();
  EXPECT_EQ(own.out.substr(0, 3), "\xEF\xBB\xBF");
  EXPECT_TRUE(contains(own.out, "学号,退役日期,as_of,入学资格/学籍保留至,status,error\r\n2,")) << own.describe();
  EXPECT_TRUE(contains(own.out, "\"row 3, column B")) << own.describe();
  // JSON Lines: the row numbers too.
  auto jsonl = with({"--first-row", "5", "--format", "jsonl"});
  EXPECT_TRUE(contains(jsonl.out, "{\"row\":6,")) << jsonl.describe();
  EXPECT_TRUE(contains(jsonl.out, "{\"row\":7,")) << jsonl.describe();
  // The first split starts with the header: it is skipped, and rows count from the roster's top.
  const auto first = tmp.write("first.csv", "\xEF\xBB\xBF" "学号,退役日期\r\n1,2023-02-29\r\n");
  auto head = run({"batch", first, "--as-of", "2025-12-01", "--outputs", "retention_until", "--header-file", header,
                   "--no-output-header"});
  EXPECT_EQ(head.code, 3) << head.describe();
  EXPECT_TRUE(head.out.starts_with("1,2023-02-29,2025-12-01,,error,\"row 2, column B")) << head.describe();
  // --columns: the same header on the command line (an encoding must be given then).
  auto cols = run({"batch", split, "--as-of", "2025-12-01", "--outputs", "retention_until", "--columns", "学号,退役日期",
                   "--encoding", "utf-8", "--first-row", "5", "--no-output-header"});
  EXPECT_EQ(cols.out, r.out) << cols.describe();
}

TEST(BatchCli, ASplitsOptionsThatCannotWorkAreCodedErrors) {
  TempDir tmp;
  const auto split = tmp.write("split.csv", "2,2025-06-15\r\n");
  const auto ascii = tmp.write("ascii.csv", "id,discharge_date\r\n");
  const auto two = tmp.write("two.csv", "学号,退役日期\r\n1,2\r\n");
  const auto header = tmp.write("header.csv", "学号,退役日期\r\n");
  // A header of ASCII only does not tell the split's encoding: --encoding must.
  auto r = run({"batch", split, "--as-of", "2025-12-01", "--header-file", ascii});
  EXPECT_EQ(r.code, 2) << r.describe();
  EXPECT_TRUE(contains(r.err, "error[batch_chunk_encoding]")) << r.describe();
  r = run({"batch", split, "--as-of", "2025-12-01", "--header-file", ascii, "--encoding", "utf-8", "--outputs", "retention_until"});
  EXPECT_EQ(r.code, 0) << r.describe();
  r = run({"batch", split, "--as-of", "2025-12-01", "--columns", "id,discharge_date"});
  EXPECT_EQ(r.code, 2) << r.describe();
  EXPECT_TRUE(contains(r.err, "error[batch_chunk_encoding]")) << r.describe();
  // A header file of two rows, or none.
  r = run({"batch", split, "--as-of", "2025-12-01", "--header-file", two});
  EXPECT_EQ(r.code, 1) << r.describe();
  EXPECT_TRUE(contains(r.err, "two.csv: error[batch_bad_header]")) << r.describe();
  r = run({"batch", split, "--as-of", "2025-12-01", "--header-file", (tmp.path() / "none.csv").string()});
  EXPECT_EQ(r.code, 1) << r.describe();
  EXPECT_TRUE(contains(r.err, "error[batch_io]")) << r.describe();
  // A workbook cannot be a split's output.
  for (const auto& option : std::vector<std::vector<std::string>>{
           {"--header-file", header}, {"--no-output-header"}, {"--first-row", "2"}}) {
    std::vector<std::string> args = {"batch", split, "--as-of", "2025-12-01", "-o", (tmp.path() / "r.xlsx").string()};
    args.insert(args.end(), option.begin(), option.end());
    r = run(args);
    EXPECT_EQ(r.code, 2) << r.describe();
    EXPECT_TRUE(contains(r.err, "error[batch_chunk_option]")) << r.describe();
    EXPECT_FALSE(fs::exists(tmp.path() / "r.xlsx"));
  }
  // --row-errors-ok does not hide a bad header.
  r = run({"batch", split, "--as-of", "2025-12-01", "--columns", "甲,乙", "--encoding", "utf-8", "--row-errors-ok"});
  EXPECT_EQ(r.code, 1) << r.describe();
  EXPECT_TRUE(contains(r.err, "--columns:1:1: error[batch_bad_header]")) << r.describe();
  // --header-row reads the header from the roster: not with a header given.
  r = run({"batch", split, "--as-of", "2025-12-01", "--header-file", header, "--header-row", "2"});
  EXPECT_EQ(r.code, 2) << r.describe();
}

TEST(BatchCli, JobsAboveFourTimesTheCoresAreRefused) {
  TempDir tmp;
  const auto good = tmp.write("good.csv", "退役日期\r\n2025-06-15\r\n");
  const unsigned cores = std::thread::hardware_concurrency();
  const unsigned most = 4 * (cores > 0 ? cores : 16);
  auto r = run({"batch", good, "--as-of", "2025-12-01", "--jobs", std::to_string(most)});
  EXPECT_EQ(r.code, 0) << r.describe();
  r = run({"batch", good, "--as-of", "2025-12-01", "--jobs", std::to_string(most + 1)});
  EXPECT_EQ(r.code, 2) << r.describe();
  EXPECT_TRUE(contains(r.err, "--jobs: error[batch_too_many_jobs]")) << r.describe();
  EXPECT_TRUE(contains(r.err, "is more than " + std::to_string(most))) << r.describe();
  EXPECT_TRUE(r.out.empty());
  r = run({"batch", good, "--as-of", "2025-12-01", "--jobs", "100000000"});
  EXPECT_EQ(r.code, 2) << r.describe();
}

TEST(BatchCli, ARowPastTheBoundIsAnErrorRowAndTheRunGoesOn) {
  TempDir tmp;
  const auto roster = tmp.write("big.csv", "学号,退役日期\r\n1,2025-06-15\r\n2,\"" + std::string((1 << 20) + 1, 'x') +
                                               "\"\r\n3,2025-06-15\r\n");
  auto r = run({"batch", roster, "--as-of", "2025-12-01", "--outputs", "retention_until", "--output-encoding", "utf-8"});
  EXPECT_EQ(r.code, 3) << r.err;
  EXPECT_EQ(r.out, "学号,退役日期,as_of,入学资格/学籍保留至,status,error\r\n1,2025-06-15,2025-12-01,2027-06-15,ok,\r\n"
                   ",,2025-12-01,,error,\"row 3, the row is larger than policy batch reads (batch_row_too_large: at most 1 "
                   "MiB of text in a cell, 16 MiB in a row); its cells were not read. The rows after it are read as usual\"\r\n"
                   "3,2025-06-15,2025-12-01,2027-06-15,ok,\r\n");
}

TEST(BatchCli, AHugeCellDoesNotTakeTheRunsMemory) {
  // A 160 MiB cell: read by a bounded buffer and skipped, the run's peak memory stays far below the
  // cell's size (about 20 MiB in Release; ASan's shadow memory adds some), and the row after it counts.
  TempDir tmp;
  const auto roster = (tmp.path() / "huge.csv").string();
  {
    std::ofstream f(roster, std::ios::binary);
    f << "学号,退役日期\r\n1,\"";
    const std::string block(std::size_t{1} << 20, 'x');
    for (int k = 0; k < 160; ++k) f << block;
    f << "\"\r\n2,2025-06-15\r\n";
  }
  RunOptions o;
  o.stdin_file = roster;  // through standard input, as a cluster gives it
  auto r = run({"batch", "-", "--as-of", "2025-12-01", "--outputs", "retention_until", "--format", "jsonl", "--jobs", "1"}, o);
  EXPECT_EQ(r.code, 3) << r.err;
  EXPECT_TRUE(contains(r.out, "{\"row\":2,\"as_of\":\"2025-12-01\",\"status\":\"error\"")) << r.out.substr(0, 300);
  EXPECT_TRUE(contains(r.out, "{\"row\":3,\"as_of\":\"2025-12-01\",\"status\":\"ok\"")) << r.out.substr(0, 300);
  // Under AddressSanitizer freed blocks wait in its quarantine (256 MiB), which says nothing of
  // the program's own bound: the peak is checked in the other builds.
#if !defined(__SANITIZE_ADDRESS__)
  rusage usage{};
  ASSERT_EQ(getrusage(RUSAGE_CHILDREN, &usage), 0);
  EXPECT_LT(usage.ru_maxrss, 96 * 1024) << "peak resident memory of a child, KiB";
#endif
}

TEST(BatchCli, RowNumbersCountBlankLinesLikeASpreadsheet) {
  RunOptions o;
  o.stdin_data = "退役日期\r\n\r\n2025-06-15\n\n2023-02-29\r\n";
  auto r = run({"batch", "-", "--as-of", "2025-12-01", "--outputs", "retention_until"}, o);
  EXPECT_EQ(r.code, 3) << r.describe();
  EXPECT_EQ(r.out, "\xEF\xBB\xBF退役日期,as_of,入学资格/学籍保留至,status,error\r\n2025-06-15,2025-12-01,2027-06-15,ok,\r\n"
                   "2023-02-29,2025-12-01,,error,\"row 5, column A (退役日期): '2023-02-29' is not a valid date: February 2023 has "
                   "28 days\"\r\n");
  EXPECT_TRUE(contains(r.err, "2 rows read")) << r.describe();
  EXPECT_TRUE(contains(r.err, "  row 5, column A (退役日期): '2023-02-29'")) << r.describe();
}

TEST(BatchCli, ARosterWithResultColumnsIsRefusedForCsvOnly) {
  TempDir tmp;
  const auto roster = tmp.write("r.csv", "退役日期,retention_until,status,error" "\r\n2025-06-15,2027-06-15,ok,\r\n");
  const auto out = (tmp.path() / "out.csv").string();
  // A result in the machine form, run again with --names (the people's form names its columns
  // otherwise: 入学资格/学籍保留至, status, error in English).
  auto csv = run({"batch", roster, "--as-of", "2025-12-01", "--outputs", "retention_until", "--names", "-o", out});
  EXPECT_EQ(csv.code, 1) << csv.describe();
  EXPECT_EQ(csv.err, roster + ":1:2: error[batch_column_clash]: column B (retention_until), column C (status) and "
                               "column D (error): batch adds columns of these names to its output, which would then "
                               "have two of each; remove the old result columns (a file batch wrote ends with as_of, its "
                               "outputs, status and error) or choose other outputs with --outputs\n")
      << csv.describe();
  EXPECT_FALSE(fs::exists(out));
  auto other = run({"batch", roster, "--as-of", "2025-12-01", "--outputs", "reenroll_deadline", "--names"});
  EXPECT_EQ(other.code, 1) << other.describe();
  EXPECT_FALSE(contains(other.err, "column B (retention_until)")) << other.describe();  // not written: no clash
  EXPECT_TRUE(contains(other.err, ":1:3: error[batch_column_clash]: column C (status) and column D (error): "))
      << other.describe();
  auto jsonl = run({"batch", roster, "--as-of", "2025-12-01", "--outputs", "retention_until", "--format", "jsonl"});
  EXPECT_EQ(jsonl.code, 0) << jsonl.describe();
  EXPECT_EQ(json::parse(lines_of(jsonl.out).at(0))["values"]["retention_until"], "2027-06-15");
}

TEST(BatchCli, RunningOnItsOwnOutputSaysSoInOneLine) {
  // With every output written, a result file has a column for the evaluation date, each output,
  // status and error, all of them named like the columns batch adds: one message for them, not one each.
  TempDir tmp;
  const auto roster = tmp.write("r.csv", "学号,退役日期,入伍时身份\r\n1,2025-06-15,在校生\r\n");
  const auto results = (tmp.path() / "results.csv").string();
  auto first = run({"batch", roster, "--as-of", "2025-12-01", "-o", results});
  ASSERT_EQ(first.code, 0) << first.describe();
  std::vector<std::string> added;  // the header of the results after 学号, 退役日期 and 入伍时身份
  std::istringstream header(lines_of(read_file(results)).at(0));
  for (std::string column; std::getline(header, column, ',');) added.push_back(column);
  added.back().erase(added.back().find_last_not_of('\r') + 1);
  added.erase(added.begin(), added.begin() + 3);
  ASSERT_GT(added.size(), 5u);  // the veteran answers this roster decides
  ASSERT_EQ(added.front(), "as_of");
  ASSERT_EQ(added.back(), "error");
  auto again = run({"batch", results, "--as-of", "2025-12-01"});
  EXPECT_EQ(again.code, 1) << again.describe();
  EXPECT_TRUE(again.out.empty()) << again.describe();
  EXPECT_EQ(again.err, results + ":1:4: error[batch_column_clash]: column D (" + added[0] + "), column E (" + added[1] +
                           "), column F (" + added[2] + ") and " + std::to_string(added.size() - 3) +
                           " more: batch adds columns of these names to its output, which would then have two of "
                           "each; remove the old result columns (a file batch wrote ends with as_of, its outputs, status "
                           "and error) or choose other outputs with --outputs\n")
      << again.describe();
}

TEST(BatchCli, RosterTextInTheSummaryIsEscapedOneLineEach) {
  // Cells and headers echoed on standard error can hold line breaks and ESC sequences (clear the
  // screen, retitle the terminal): they are shown escaped, one line per message.
  RunOptions o;
  o.stdin_data = "退役日期,\"备\x1b]0;pwned\x07注\",\"姓\n名\"\r\n"
                 "\"2023-02-29\x1b[2J\xC2\x9B" "31m\",x,\"王\n一\"\r\n"
                 "\"2025-06-15\r\n\",y,李\r\n";  // trimmed, a date
  auto r = run({"batch", "-", "--as-of", "2025-12-01", "--outputs", "retention_until"}, o);
  EXPECT_EQ(r.code, 3) << r.describe();
  const auto summary = lines_of(r.err);
  ASSERT_EQ(summary.size(), 6u) << r.describe();
  EXPECT_TRUE(summary[0].starts_with("as of 2025-12-01 (Asia/Shanghai): 2 rows read (utf-8): 1 ok, 0 unknown, 1 error in "))
      << r.describe();
  EXPECT_EQ(summary[1], "  columns read as facts: 退役日期→discharge_date");
  EXPECT_EQ(summary[2], "  columns passed through unread: 备\\x1b]0;pwned\\x07注 姓\\n名");
  // 姓\n名 is 姓名 once the line break is dropped: a near miss, its header escaped too.
  EXPECT_EQ(summary[3], "  row 1, column C (姓\\n名) was not read: did you mean “姓名”?");
  EXPECT_EQ(summary[4], "  warning: no column of the roster gives enlisted_as, which output retention_until reads: rows "
                        "that need it leave it empty and are unknown; add the column and run again.");
  EXPECT_EQ(summary[5], "  row 2, column A (退役日期): '2023-02-29\\x1b[2J\\u009b31m' is not a date (2025-06-30, "
                        "2025/6/30, 2025.6.30, 2025年6月30日 or 20250630)");
  for (const char c : r.err) EXPECT_FALSE(c == '\x1b' || c == '\x07' || c == '\r') << r.describe();
  EXPECT_FALSE(contains(r.err, "\xC2\x9B")) << r.describe();
  // The error column holds the same escaped text; the cells themselves pass through unchanged.
  EXPECT_TRUE(contains(r.out, "2023-02-29\x1b[2J\xC2\x9B" "31m,x,\"王\n一\",2025-12-01,,error,\"row 2, column A (退役日期): "
                              "'2023-02-29\\x1b[2J\\u009b31m' is not a date")) << r.describe();
}

TEST(BatchCli, OutputFileIsWrittenAtomically) {
  TempDir tmp;
  const auto roster = tmp.write("r.csv", "退役日期\r\n2025-06-15\r\n");
  const auto out = (tmp.path() / "out.csv").string();
  auto r = run({"batch", roster, "--as-of", "2025-12-01", "-o", out, "--outputs", "retention_until"});
  EXPECT_EQ(r.code, 0) << r.describe();
  EXPECT_TRUE(r.out.empty());
  EXPECT_EQ(read_file(out), kOneRetention);
  // A header that cannot be used leaves no file under the final name, and no temporary either.
  const auto header = tmp.write("h.csv", "甲\r\n1\r\n");
  const auto out2 = (tmp.path() / "out2.csv").string();
  auto h = run({"batch", header, "--as-of", "2025-12-01", "-o", out2});
  EXPECT_EQ(h.code, 1) << h.describe();
  EXPECT_FALSE(fs::exists(out2));
  std::size_t files = 0;
  for (const auto& e : fs::directory_iterator(tmp.path())) files += e.path().filename().string().starts_with("out2") ? 1 : 0;
  EXPECT_EQ(files, 0u);
}

TEST(BatchCli, StandardInputAndJsonLines) {
  RunOptions o;
  o.stdin_data = "退役日期\r\n2025-06-15\r\n";
  auto r = run({"batch", "-", "--as-of", "2025-12-01", "--format", "jsonl", "--outputs", "retention_until"}, o);
  EXPECT_EQ(r.code, 0) << r.describe();
  const auto doc = json::parse(lines_of(r.out).at(0));
  EXPECT_EQ(doc["row"], 2);
  EXPECT_EQ(doc["status"], "ok");
  EXPECT_EQ(doc["values"]["retention_until"], "2027-06-15");
}

TEST(BatchCli, GbkInputGivesUtf8WithBomAndGb18030OnRequest) {
  TempDir tmp;
  // 退役日期 / 王 in GBK bytes.
  const std::string gbk = "\xCD\xCB\xD2\xDB\xC8\xD5\xC6\xDA,\xD0\xD5\xC3\xFB\r\n2025-06-15,\xCD\xF5\r\n";
  const auto roster = tmp.write("gbk.csv", gbk);
  auto r = run({"batch", roster, "--as-of", "2025-12-01", "--outputs", "retention_until"});
  EXPECT_EQ(r.code, 0) << r.describe();
  EXPECT_TRUE(r.out.starts_with("\xEF\xBB\xBF退役日期,姓名,as_of,入学资格/学籍保留至,status,error\r\n")) << r.describe();
  EXPECT_TRUE(contains(r.out, "2025-06-15,王,2025-12-01,2027-06-15,ok,")) << r.describe();
  auto back = run({"batch", roster, "--as-of", "2025-12-01", "--outputs", "retention_until", "--output-encoding", "gb18030"});
  // GB18030 without a BOM.
  EXPECT_TRUE(back.out.starts_with("\xCD\xCB\xD2\xDB\xC8\xD5\xC6\xDA,\xD0\xD5\xC3\xFB,as_of,")) << back.describe();
}

TEST(BatchCli, OutputNeverReplacesTheRosterAndKeepsPermissionsAndLinks) {
  TempDir tmp;
  const auto roster = tmp.write("r.csv", "退役日期\r\n2025-06-15\r\n");
  auto same = run({"batch", roster, "--as-of", "2025-12-01", "-o", roster});
  EXPECT_EQ(same.code, 1) << same.describe();
  EXPECT_EQ(read_file(roster), "退役日期\r\n2025-06-15\r\n");
  const auto priv = tmp.write("private.csv", "old");
  fs::permissions(priv, fs::perms::owner_read | fs::perms::owner_write);
  auto p = run({"batch", roster, "--as-of", "2025-12-01", "-o", priv, "--outputs", "retention_until"});
  EXPECT_EQ(p.code, 0) << p.describe();
  EXPECT_EQ(fs::status(priv).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
  const auto target = tmp.write("target.csv", "old");
  const auto link = (tmp.path() / "link.csv").string();
  fs::create_symlink(target, link);
  auto l = run({"batch", roster, "--as-of", "2025-12-01", "-o", link, "--outputs", "retention_until"});
  EXPECT_EQ(l.code, 0) << l.describe();
  EXPECT_TRUE(fs::is_symlink(link));
  EXPECT_TRUE(contains(read_file(target), "2027-06-15"));
  auto dir = run({"batch", roster, "--as-of", "2025-12-01", "-o", tmp.path().string()});
  EXPECT_EQ(dir.code, 1) << dir.describe();
  auto missing = run({"batch", roster, "--as-of", "2025-12-01", "-o", (tmp.path() / "no" / "such" / "out.csv").string()});
  EXPECT_EQ(missing.code, 1) << missing.describe();
  EXPECT_TRUE(contains(missing.err, "No such file or directory")) << missing.describe();
}

/// The file type bits of `path` after following symbolic links (0 when it does not exist).
mode_t file_type(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0 ? (st.st_mode & S_IFMT) : 0;
}

/// How to run the binary as a user without root's powers over file permissions: directly when
/// the tests are not root, else through setpriv as nobody; nullopt when neither is possible.
std::optional<RunOptions> as_unprivileged_user() {
  if (::geteuid() != 0) return RunOptions{};
  if (::access("/usr/bin/setpriv", X_OK) != 0) return std::nullopt;
  RunOptions o;
  o.prefix = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"};
  return o;
}

TEST(BatchCli, DevicesAreWrittenInPlaceNeverReplaced) {
  // Renaming a temporary onto a device destroyed /dev/full when run as root. The test writes to
  // copies of the devices in a temporary directory, so that a regression breaks only those.
  TempDir tmp;
  const auto roster = tmp.write("r.csv", "退役日期\r\n2025-06-15\r\n");
  std::vector<std::pair<std::string, std::string>> devices;  // (null, full)
  const auto null_copy = (tmp.path() / "null").string(), full_copy = (tmp.path() / "full").string();
  if (::mknod(null_copy.c_str(), S_IFCHR | 0666, makedev(1, 3)) == 0 &&
      ::mknod(full_copy.c_str(), S_IFCHR | 0666, makedev(1, 7)) == 0) {
    devices.emplace_back(null_copy, full_copy);
  }
  // The real devices only where copies cannot be made (no CAP_MKNOD: then not root either, and a
  // regression cannot replace them).
  if (devices.empty()) devices.emplace_back("/dev/null", "/dev/full");
  for (const auto& [null_dev, full_dev] : devices) {
    ASSERT_EQ(file_type(null_dev), S_IFCHR) << null_dev;
    ASSERT_EQ(file_type(full_dev), S_IFCHR) << full_dev;
    auto n = run({"batch", roster, "--as-of", "2025-12-01", "-o", null_dev, "--outputs", "retention_until"});
    ASSERT_EQ(file_type(null_dev), S_IFCHR) << null_dev << " was replaced\n" << n.describe();
    EXPECT_EQ(n.code, 0) << n.describe();
    EXPECT_TRUE(n.out.empty()) << n.describe();
    EXPECT_TRUE(contains(n.err, "1 rows read (utf-8): 1 ok")) << n.describe();
    auto f = run({"batch", roster, "--as-of", "2025-12-01", "-o", full_dev, "--outputs", "retention_until"});
    ASSERT_EQ(file_type(full_dev), S_IFCHR) << full_dev << " was replaced\n" << f.describe();
    EXPECT_EQ(f.code, 1) << f.describe();
    EXPECT_TRUE(contains(f.err, "error[batch_io]")) << f.describe();
    EXPECT_FALSE(contains(f.err, "rows read")) << f.describe();
  }
  // Through a symbolic link: the link stays, the device is written.
  const auto link = (tmp.path() / "link").string();
  fs::create_symlink(devices.front().first, link);
  auto l = run({"batch", roster, "--as-of", "2025-12-01", "-o", link, "--outputs", "retention_until"});
  EXPECT_EQ(l.code, 0) << l.describe();
  EXPECT_TRUE(fs::is_symlink(link));
  EXPECT_EQ(file_type(link), S_IFCHR);
  // No temporary was left beside any of them.
  for (const auto& e : fs::directory_iterator(tmp.path())) {
    EXPECT_FALSE(contains(e.path().filename().string(), ".tmp-")) << e.path();
  }
}

TEST(BatchCli, ANamedPipeReceivesTheOutputAndStaysAPipe) {
  TempDir tmp;
  const auto roster = tmp.write("r.csv", "退役日期\r\n2025-06-15\r\n");
  const auto fifo = (tmp.path() / "results.fifo").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0) << std::strerror(errno);
  // A second name for the pipe, to open it from here if the run does not (or replaces the name).
  TempDir keep;
  const auto fifo_again = (keep.path() / "same.fifo").string();
  ASSERT_EQ(::link(fifo.c_str(), fifo_again.c_str()), 0) << std::strerror(errno);
  std::string received;
  std::atomic<bool> done{false};
  std::thread reader([&] {
    const int fd = ::open(fifo.c_str(), O_RDONLY | O_CLOEXEC);  // blocks until a writer opens it
    if (fd >= 0) {
      char buf[4096];
      for (ssize_t got; (got = ::read(fd, buf, sizeof buf)) != 0;) {
        if (got > 0) received.append(buf, static_cast<std::size_t>(got));
        else if (errno != EINTR) break;
      }
      ::close(fd);
    }
    done = true;
  });
  auto r = run({"batch", roster, "--as-of", "2025-12-01", "-o", fifo, "--outputs", "retention_until"});
  // Should the run not have opened the pipe, open it here so that the reader's open returns.
  while (!done) {
    const int fd = ::open(fifo_again.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0) ::close(fd);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  reader.join();
  EXPECT_EQ(r.code, 0) << r.describe();
  EXPECT_EQ(received, kOneRetention);
  EXPECT_EQ(file_type(fifo), S_IFIFO);
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(tmp.path())) ++entries;
  EXPECT_EQ(entries, 2u);  // r.csv and the pipe: no temporary
}

TEST(BatchCli, ASocketIsNotReplaced) {
  TempDir tmp;
  const auto roster = tmp.write("r.csv", "退役日期\r\n2025-06-15\r\n");
  const auto path = (tmp.path() / "s.sock").string();
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  ASSERT_LT(path.size(), sizeof addr.sun_path);
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr), 0) << std::strerror(errno);
  auto r = run({"batch", roster, "--as-of", "2025-12-01", "-o", path});
  ::close(fd);
  EXPECT_EQ(r.code, 1) << r.describe();
  EXPECT_TRUE(contains(r.err, path + ": error[batch_io]: cannot write the output file: No such device or address"))
      << r.describe();
  EXPECT_EQ(file_type(path), S_IFSOCK);
}

TEST(BatchCli, OutputNeverReplacesARosterReadFromStandardInput) {
  TempDir tmp;
  const std::string text = "退役日期\r\n2025-06-15\r\n";
  const auto roster = tmp.write("r.csv", text);
  const auto link = (tmp.path() / "link.csv").string();
  fs::create_symlink(roster, link);
  const auto hard = (tmp.path() / "hard.csv").string();
  fs::create_hard_link(roster, hard);
  RunOptions from_roster;
  from_roster.stdin_file = roster;
  for (const auto& out : {roster, link, hard}) {
    auto r = run({"batch", "-", "--as-of", "2025-12-01", "-o", out}, from_roster);
    EXPECT_EQ(r.code, 1) << r.describe();
    EXPECT_TRUE(contains(r.err, out + ": error[batch_io]: the output would replace the roster it is read from; "
                                      "choose another -o")) << r.describe();
    EXPECT_EQ(read_file(roster), text);
    EXPECT_TRUE(fs::is_symlink(link));
  }
  // Another file on standard input, or a copy of the roster: written as usual.
  const auto copy = tmp.write("copy.csv", text);
  const auto out = (tmp.path() / "out.csv").string();
  RunOptions from_copy;
  from_copy.stdin_file = copy;
  auto other = run({"batch", "-", "--as-of", "2025-12-01", "-o", roster, "--outputs", "retention_until"}, from_copy);
  EXPECT_EQ(other.code, 0) << other.describe();
  EXPECT_EQ(read_file(roster), kOneRetention);
}

TEST(BatchCli, OutputDashIsStandardOutput) {
  TempDir tmp;
  const auto roster = tmp.write("r.csv", "退役日期\r\n2025-06-15\r\n");
  const fs::path dash = fs::current_path() / "-";
  ASSERT_FALSE(fs::exists(dash)) << dash << " exists before the run";
  auto r = run({"batch", roster, "--as-of", "2025-12-01", "-o", "-", "--outputs", "retention_until"});
  const bool created = fs::exists(dash);
  if (created) fs::remove(dash);
  EXPECT_FALSE(created) << "-o - created a file named -";
  EXPECT_EQ(r.code, 0) << r.describe();
  EXPECT_EQ(r.out, kOneRetention);
}

TEST(BatchCli, JsonLinesAreAlwaysUtf8) {
  TempDir tmp;
  // 退役日期 / 王 in GBK bytes: a GB18030 roster.
  const auto roster = tmp.write("gbk.csv", "\xCD\xCB\xD2\xDB\xC8\xD5\xC6\xDA,\xD0\xD5\xC3\xFB\r\n2025-06-15,\xCD\xF5\r\n");
  const auto out = (tmp.path() / "out.jsonl").string();
  auto gb = run({"batch", roster, "--as-of", "2025-12-01", "--format", "jsonl", "--output-encoding", "gb18030", "-o", out});
  EXPECT_EQ(gb.code, 2) << gb.describe();
  EXPECT_TRUE(contains(gb.err, "--output-encoding gb18030: JSON Lines output is always UTF-8")) << gb.describe();
  EXPECT_TRUE(gb.out.empty()) << gb.describe();
  EXPECT_FALSE(fs::exists(out));
  // A BOM is never written before JSON (RFC 8259), even when asked for (the help says so).
  for (const char* encoding : {"utf-8-bom", "auto", "utf-8"}) {
    auto r = run({"batch", roster, "--as-of", "2025-12-01", "--format", "jsonl", "--output-encoding", encoding,
                  "--outputs", "retention_until"});
    EXPECT_EQ(r.code, 0) << r.describe();
    ASSERT_TRUE(r.out.starts_with("{\"row\":2,")) << r.describe();
    EXPECT_EQ(json::parse(lines_of(r.out).at(0))["values"]["retention_until"], "2027-06-15") << r.describe();
  }
  auto help = run({"batch", "--help"});
  EXPECT_TRUE(contains(help.out, "JSON Lines output is always UTF-8 without a BOM; utf-8-bom is ignored there"))
      << help.describe();
  // CSV in GB18030 is still there.
  auto csv = run({"batch", roster, "--as-of", "2025-12-01", "--output-encoding", "gb18030", "--outputs", "retention_until"});
  EXPECT_EQ(csv.code, 0) << csv.describe();
  EXPECT_TRUE(csv.out.starts_with("\xCD\xCB\xD2\xDB\xC8\xD5\xC6\xDA,\xD0\xD5\xC3\xFB,as_of,")) << csv.describe();
}

TEST(BatchCli, StandardOutputOntoTheRosterIsRefused) {
  // A second trial: `policy batch b.csv >> b.csv` read its own results and grew until the disk was full.
  TempDir tmp;
  const std::string text = "学号,退役日期\r\n1,2025-06-15\r\n";
  const auto roster = tmp.write("b.csv", text);
  RunOptions onto;
  onto.stdout_file = roster;
  const auto named = run({"batch", roster, "--as-of", "2025-12-01"}, onto);
  EXPECT_EQ(named.code, 1) << named.describe();
  EXPECT_TRUE(contains(named.err, "standard output: error[batch_io]: standard output is the roster being read"))
      << named.describe();
  onto.stdin_file = roster;
  const auto piped = run({"batch", "-", "--as-of", "2025-12-01"}, onto);
  EXPECT_EQ(piped.code, 1) << piped.describe();
  std::ifstream in(roster, std::ios::binary);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), text);  // untouched
  // Another file on standard output is written as usual.
  const auto other = tmp.write("out.csv", "");
  RunOptions elsewhere;
  elsewhere.stdout_file = other;
  EXPECT_EQ(run({"batch", roster, "--as-of", "2025-12-01"}, elsewhere).code, 0);
}

TEST(BatchCli, AWorkbookIsNotWrittenOntoATerminal) {
  // The trial's registrar typed `policy batch 名单.xlsx --format xlsx` and got a screenful of zip.
  // A pseudo-terminal's master side is a terminal (isatty) that nobody reads here.
  TempDir tmp;
  const auto roster = tmp.write("r.csv", "学号,退役日期,入伍时身份\r\n1,2026-06-15,在校生\r\n");
  RunOptions terminal;
  terminal.stdout_file = "/dev/ptmx";
  const auto batch = run({"batch", roster, "--as-of", "2026-12-07", "--format", "xlsx"}, terminal);
  EXPECT_EQ(batch.code, 2) << batch.describe();
  EXPECT_TRUE(contains(batch.err, "a workbook is not text for a terminal")) << batch.describe();
  const auto dash = run({"template", "-o", "-"}, terminal);
  EXPECT_EQ(dash.code, 2) << dash.describe();
  // Redirected to a file it is written, a zip.
  const auto file = tmp.write("out.xlsx", "");
  RunOptions redirected;
  redirected.stdout_file = file;
  EXPECT_EQ(run({"batch", roster, "--as-of", "2026-12-07", "--format", "xlsx"}, redirected).code, 0);
  std::ifstream in(file, std::ios::binary);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}).substr(0, 2), "PK");
}

TEST(BatchCli, EmptyOptionValuesAreUsageErrors) {
  // -o "$OUT" with OUT unset must not quietly write to standard output; --outputs '' not mean all.
  TempDir tmp;
  const auto roster = tmp.write("r.csv", "退役日期\r\n2025-06-15\r\n");
  const auto empty_o = run({"batch", roster, "--as-of", "2025-12-01", "-o", ""});
  EXPECT_EQ(empty_o.code, 2) << empty_o.describe();
  EXPECT_TRUE(contains(empty_o.err, "the output file name is empty")) << empty_o.describe();
  EXPECT_TRUE(empty_o.out.empty());
  for (const char* none : {"", ",", " , "}) {
    const auto r = run({"batch", roster, "--as-of", "2025-12-01", "--outputs", none});
    EXPECT_EQ(r.code, 2) << "'" << none << "' " << r.describe();
    EXPECT_TRUE(contains(r.err, "--outputs: names no output")) << r.describe();
  }
}

TEST(BatchCli, AnUnknownOutputIsAUsageError) {
  TempDir tmp;
  const auto roster = tmp.write("r.csv", "退役日期\r\n2025-06-15\r\n");
  const auto out = (tmp.path() / "out.csv").string();
  auto r = run({"batch", roster, "--as-of", "2025-12-01", "--outputs", "retention_until,retention_untill", "-o", out});
  EXPECT_EQ(r.code, 2) << r.describe();
  EXPECT_TRUE(contains(r.err, "--outputs: error[batch_unknown_output]: 'retention_untill' is neither the name nor the "
                              "label of an output of pack cn-higher-ed\n")) << r.describe();
  EXPECT_FALSE(fs::exists(out));
  // Also when the header is unusable too: the command is wrong whatever the roster.
  const auto header = tmp.write("h.csv", "甲\r\n1\r\n");
  auto both = run({"batch", header, "--as-of", "2025-12-01", "--outputs", "nope"});
  EXPECT_EQ(both.code, 2) << both.describe();
  EXPECT_TRUE(contains(both.err, "error[batch_unknown_output]")) << both.describe();
  EXPECT_TRUE(contains(both.err, "error[batch_bad_header]")) << both.describe();
}

TEST(BatchCli, AWriteFailureNamesTheOutput) {
  TempDir tmp;
  std::string text = "退役日期\r\n";
  for (int i = 0; i < 3000; ++i) text += "2025-06-15\r\n";  // more than one buffer of output
  const auto roster = tmp.write("r.csv", text);
  // A copy of /dev/full where mknod is allowed (see DevicesAreWrittenInPlaceNeverReplaced).
  std::string full = (tmp.path() / "full").string();
  if (::mknod(full.c_str(), S_IFCHR | 0666, makedev(1, 7)) != 0) full = "/dev/full";
  for (const auto& rows : {roster, tmp.write("one.csv", "退役日期\r\n2025-06-15\r\n")}) {
    auto r = run({"batch", rows, "--as-of", "2025-12-01", "-o", full});
    ASSERT_EQ(file_type(full), S_IFCHR) << r.describe();
    EXPECT_EQ(r.code, 1) << r.describe();
    EXPECT_EQ(r.err, full + ": error[batch_io]: writing the results failed: No space left on device\n") << r.describe();
    // Standard output says why too (it used to guess "disk full?").
    RunOptions full_stdout;
    full_stdout.stdout_file = full;
    auto s = run({"batch", rows, "--as-of", "2025-12-01"}, full_stdout);
    ASSERT_EQ(file_type(full), S_IFCHR) << s.describe();
    EXPECT_EQ(s.code, 1) << s.describe();
    EXPECT_EQ(s.err, "standard output: error[batch_io]: writing the results failed: No space left on device\n")
        << s.describe();
  }
}

TEST(BatchCli, AnUnreadableRosterSaysWhy) {
  TempDir tmp;
  const auto missing = (tmp.path() / "nope.csv").string();
  auto m = run({"batch", missing, "--as-of", "2025-12-01"});
  EXPECT_EQ(m.code, 1) << m.describe();
  EXPECT_EQ(m.err, missing + ": error[batch_io]: cannot read the roster: No such file or directory\n") << m.describe();
  auto d = run({"batch", tmp.path().string(), "--as-of", "2025-12-01"});
  EXPECT_EQ(d.code, 1) << d.describe();
  EXPECT_EQ(d.err, tmp.path().string() + ": error[batch_io]: cannot read the roster: Is a directory\n") << d.describe();
  const auto below_a_file = tmp.write("file.csv", "x") + "/r.csv";
  auto n = run({"batch", below_a_file, "--as-of", "2025-12-01"});
  EXPECT_EQ(n.code, 1) << n.describe();
  EXPECT_EQ(n.err, below_a_file + ": error[batch_io]: cannot read the roster: Not a directory\n") << n.describe();
  // A roster its user may not read.
  const auto user = as_unprivileged_user();
  if (!user) GTEST_SKIP() << "running as root without setpriv: cannot test an unreadable roster";
  fs::permissions(tmp.path(), fs::perms::all);  // the directory, for whoever runs the binary
  const auto secret = tmp.write("secret.csv", "退役日期\r\n2025-06-15\r\n");
  fs::permissions(secret, fs::perms::none);
  auto p = run({"batch", secret, "--as-of", "2025-12-01"}, *user);
  EXPECT_EQ(p.code, 1) << p.describe();
  EXPECT_EQ(p.err, secret + ": error[batch_io]: cannot read the roster: Permission denied\n") << p.describe();
}

/// `policy batch - -o OUT ...` started in the background, reading its roster from a pipe that
/// stays open until `finish`: the run waits on it with its temporary file open.
class BackgroundBatch {
 public:
  /// `wrapper` (an absolute path such as /usr/bin/nohup, or empty) runs the binary.
  BackgroundBatch(const std::string& out, const std::string& wrapper = "") {
    std::vector<std::string> argv_s;
    if (!wrapper.empty()) argv_s.push_back(wrapper);
    for (const std::string& a : {policy_bin(), std::string("batch"), std::string("-"), std::string("--as-of"),
                                 std::string("2025-12-01"), std::string("--outputs"), std::string("retention_until"),
                                 std::string("-o"), out}) {
      argv_s.push_back(a);
    }
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    int in[2];
    if (::pipe2(in, O_CLOEXEC) != 0) {
      ADD_FAILURE() << "pipe2: " << std::strerror(errno);
      return;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    // The signals this test sends act as they would from a shell (run() ignores SIGPIPE).
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t defaults, none;
    sigemptyset(&defaults);
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM}) sigaddset(&defaults, sig);
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    const int rc = ::posix_spawn(&pid_, argv_s.front().c_str(), &fa, &attr, argv.data(), environ);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&fa);
    ::close(in[0]);
    stdin_ = in[1];
    if (rc != 0) {
      ADD_FAILURE() << "cannot run " << argv_s.front() << ": " << std::strerror(rc);
      pid_ = -1;
    }
  }
  ~BackgroundBatch() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      wait();
    }
    if (stdin_ >= 0) ::close(stdin_);
  }
  BackgroundBatch(const BackgroundBatch&) = delete;
  BackgroundBatch& operator=(const BackgroundBatch&) = delete;

  pid_t pid() const { return pid_; }
  /// Writes the roster, closes standard input and waits: the exit code, or 128 + signal.
  int finish(const std::string& roster) {
    std::signal(SIGPIPE, SIG_IGN);  // should the run have died, a failed write, not our death
    if (::write(stdin_, roster.data(), roster.size()) != static_cast<ssize_t>(roster.size())) {
      ADD_FAILURE() << "write: " << std::strerror(errno);
    }
    ::close(stdin_);
    stdin_ = -1;
    return wait();
  }
  int wait() {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
  }

 private:
  pid_t pid_ = -1;
  int stdin_ = -1;
};

/// The names in `dir` that start with `prefix`.
std::vector<std::string> names_starting(const fs::path& dir, const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().filename().string().starts_with(prefix)) out.push_back(e.path().filename().string());
  }
  return out;
}

/// Waits (up to 20 s) until `dir` holds the temporary of -o `name`; false if it never appears.
bool wait_for_temporary(const fs::path& dir, const std::string& name) {
  for (int i = 0; i < 2000; ++i) {
    if (!names_starting(dir, name + ".tmp-").empty()) {
      // The run records the temporary for its signal handlers right after creating it.
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

TEST(BatchCli, AReadErrorOnStandardInputSaysWhy) {
  // It used to be "the roster is empty": a failed read passed for the end of the input.
  TempDir tmp;
  const auto out = (tmp.path() / "out.csv").string();
  const auto no_output_left = [&] { return names_starting(tmp.path(), "out.csv").empty(); };
  RunOptions directory;
  directory.stdin_file = tmp.path().string();  // policy batch - < somedir
  auto d = run({"batch", "-", "--as-of", "2025-12-01", "-o", out}, directory);
  EXPECT_EQ(d.code, 1) << d.describe();
  EXPECT_EQ(d.err, "<stdin>: error[batch_io]: cannot read the roster: Is a directory\n") << d.describe();
  EXPECT_TRUE(no_output_left());
  RunOptions closed;
  closed.close_stdin = true;  // policy batch - <&-
  auto c = run({"batch", "-", "--as-of", "2025-12-01", "-o", out}, closed);
  EXPECT_EQ(c.code, 1) << c.describe();
  EXPECT_EQ(c.err, "<stdin>: error[batch_io]: cannot read the roster: Bad file descriptor\n") << c.describe();
  EXPECT_TRUE(no_output_left());
  // A descriptor that is open but fails every read: the failure comes from reading, mid-run.
  RunOptions unreadable;
  unreadable.stdin_file = tmp.write("r.csv", "退役日期\r\n2025-06-15\r\n");
  unreadable.stdin_flags = O_WRONLY;
  for (const std::string& to : {out, std::string("-")}) {
    auto u = run({"batch", "-", "--as-of", "2025-12-01", "-o", to}, unreadable);
    EXPECT_EQ(u.code, 1) << u.describe();
    EXPECT_EQ(u.err, "<stdin>: error[batch_io]: cannot read the roster: Bad file descriptor\n") << u.describe();
    EXPECT_EQ(u.out, "") << u.describe();
    EXPECT_TRUE(no_output_left());
  }
  // policy eval - reads its situation the same way.
  auto e = run({"eval", "-", "--as-of", "2025-12-01"}, directory);
  EXPECT_EQ(e.code, 1) << e.describe();
  EXPECT_EQ(e.err, "<stdin>: error[situation_io]: cannot read the situation file: Is a directory\n") << e.describe();
  auto eu = run({"eval", "-", "--as-of", "2025-12-01"}, unreadable);
  EXPECT_EQ(eu.code, 1) << eu.describe();
  EXPECT_EQ(eu.err, "<stdin>: error[situation_io]: cannot read the situation file: Bad file descriptor\n")
      << eu.describe();
}

/// Writes `text` into the named pipe `fifo` from a thread, as `cat r.csv > fifo` would.
class PipeWriter {
 public:
  PipeWriter(std::string fifo, std::string text) : fifo_(std::move(fifo)) {
    std::signal(SIGPIPE, SIG_IGN);  // a run that refuses the roster closes the pipe unread
    thread_ = std::thread([this, text = std::move(text)] {
      const int fd = ::open(fifo_.c_str(), O_WRONLY | O_CLOEXEC);  // blocks until a reader opens it
      if (fd >= 0) {
        for (std::size_t done = 0; done < text.size();) {
          const ssize_t w = ::write(fd, text.data() + done, text.size() - done);
          if (w < 0 && errno == EINTR) continue;
          if (w <= 0) break;
          done += static_cast<std::size_t>(w);
        }
        ::close(fd);
      }
      done_ = true;
    });
  }
  /// Waits for the writer; should the run never have opened the pipe, opens it here to release it.
  ~PipeWriter() {
    while (!done_) {
      const int fd = ::open(fifo_.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      if (fd >= 0) ::close(fd);
    }
    thread_.join();
  }
  PipeWriter(const PipeWriter&) = delete;
  PipeWriter& operator=(const PipeWriter&) = delete;

 private:
  std::string fifo_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

TEST(BatchCli, ARosterMayBeANamedPipe) {
  // policy batch <(cat r.csv): the roster is a pipe, read as it streams, like standard input.
  TempDir tmp;
  const std::string text = "退役日期\r\n2025-06-15\r\n";
  const std::string expected = kOneRetention;
  const auto fifo = (tmp.path() / "r.fifo").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0) << std::strerror(errno);
  const auto out = (tmp.path() / "out.csv").string();
  {
    PipeWriter writer(fifo, text);
    auto r = run({"batch", fifo, "--as-of", "2025-12-01", "--outputs", "retention_until"});
    EXPECT_EQ(r.code, 0) << r.describe();
    EXPECT_EQ(r.out, expected) << r.describe();
    EXPECT_TRUE(contains(r.err, "1 rows read (utf-8): 1 ok")) << r.describe();
  }
  {
    PipeWriter writer(fifo, text);
    auto r = run({"batch", fifo, "--as-of", "2025-12-01", "--outputs", "retention_until", "-o", out});
    EXPECT_EQ(r.code, 0) << r.describe();
    EXPECT_EQ(read_file(out), expected);
  }
  {
    // -o onto the pipe being read would feed the run its own results: refused, as for a file.
    PipeWriter writer(fifo, text);
    auto r = run({"batch", fifo, "--as-of", "2025-12-01", "-o", fifo});
    EXPECT_EQ(r.code, 1) << r.describe();
    EXPECT_EQ(r.err, fifo + ": error[batch_io]: the output is the pipe the roster is read from, so the run would "
                            "read its own results; choose another -o\n") << r.describe();
  }
  EXPECT_EQ(file_type(fifo), S_IFIFO);
  // The shell's own form, a /dev/fd/N path.
  if (::access("/bin/bash", X_OK) != 0) GTEST_SKIP() << "no /bin/bash for <(...)";
  const auto roster = tmp.write("r.csv", text);
  RunOptions through_bash;
  through_bash.prefix = {"/bin/bash", "-c", R"(exec "$0" batch <(cat "$1") "${@:2}")"};
  auto b = run({roster, "--as-of", "2025-12-01", "--outputs", "retention_until"}, through_bash);
  EXPECT_EQ(b.code, 0) << b.describe();
  EXPECT_EQ(b.out, expected) << b.describe();
}

TEST(BatchCli, ASignalRemovesTheTemporaryFile) {
  // SIGQUIT's default action dumps core: not here (the run inherits this soft limit).
  rlimit core{};
  ASSERT_EQ(::getrlimit(RLIMIT_CORE, &core), 0) << std::strerror(errno);
  core.rlim_cur = 0;
  ASSERT_EQ(::setrlimit(RLIMIT_CORE, &core), 0) << std::strerror(errno);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM}) {
    SCOPED_TRACE(strsignal(sig));
    TempDir tmp;
    BackgroundBatch run_in_background((tmp.path() / "out.csv").string());
    ASSERT_GT(run_in_background.pid(), 0);
    ASSERT_TRUE(wait_for_temporary(tmp.path(), "out.csv"));
    ASSERT_EQ(::kill(run_in_background.pid(), sig), 0);
    EXPECT_EQ(run_in_background.wait(), 128 + sig);  // and it still dies of the signal
    EXPECT_EQ(names_starting(tmp.path(), "out.csv"), std::vector<std::string>{});
  }
}

TEST(BatchCli, AnIgnoredSignalStaysIgnored) {
  // nohup starts the run with SIGHUP ignored: a hang-up must neither end it nor lose the output.
  if (::access("/usr/bin/nohup", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/nohup";
  TempDir tmp;
  const auto out = (tmp.path() / "out.csv").string();
  BackgroundBatch run_in_background(out, "/usr/bin/nohup");
  ASSERT_GT(run_in_background.pid(), 0);
  ASSERT_TRUE(wait_for_temporary(tmp.path(), "out.csv"));
  ASSERT_EQ(::kill(run_in_background.pid(), SIGHUP), 0);
  EXPECT_EQ(run_in_background.finish("退役日期\r\n2025-06-15\r\n"), 0);
  EXPECT_EQ(read_file(out), kOneRetentionZh);  // started without POLICY_LANG: the pack's Chinese
  EXPECT_EQ(names_starting(tmp.path(), "out.csv"), std::vector<std::string>{"out.csv"});
}

TEST(BatchCli, AReadOnlyOutputFileIsNotReplaced) {
  TempDir tmp;
  fs::permissions(tmp.path(), fs::perms::all);  // the directory would let anyone replace it
  const auto roster = tmp.write("r.csv", "退役日期\r\n2025-06-15\r\n");
  const auto out = tmp.write("out.csv", "keep me");
  const auto user = as_unprivileged_user();
  if (!user) GTEST_SKIP() << "running as root without setpriv: access() lets root write any file";
  if (::geteuid() == 0) {
    ASSERT_EQ(::chown(out.c_str(), 65534, 65534), 0) << std::strerror(errno);  // nobody's own file
  }
  fs::permissions(out, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);  // 0444
  auto r = run({"batch", roster, "--as-of", "2025-12-01", "-o", out}, *user);
  EXPECT_EQ(r.code, 1) << r.describe();
  EXPECT_EQ(r.err, out + ": error[batch_io]: cannot write the output file: the file is read-only (no write "
                         "permission); make it writable or choose another -o\n") << r.describe();
  EXPECT_EQ(read_file(out), "keep me");
  EXPECT_EQ(names_starting(tmp.path(), "out.csv"), std::vector<std::string>{"out.csv"});
  if (::geteuid() == 0) {
    // Root may write any file (access() says so): the file is replaced and keeps its mode.
    auto root = run({"batch", roster, "--as-of", "2025-12-01", "-o", out, "--outputs", "retention_until"});
    EXPECT_EQ(root.code, 0) << root.describe();
    EXPECT_EQ(read_file(out), kOneRetention);
    EXPECT_EQ(fs::status(out).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
  }
}
