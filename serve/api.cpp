#include "api.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <unordered_set>

#include <unistd.h>

#include <filesystem>

#include <boost/archive/iterators/base64_from_binary.hpp>
#include <boost/archive/iterators/transform_width.hpp>
#include <nlohmann/json.hpp>

#include "batch/batch.h"
#include "batch/xlsx_reader.h"
#include "explain/render.h"
#include "expr/checker.h"
#include "ics.h"
#include "loader/load.h"
#include "loader/situation_reader.h"
#include "model/cell_text.h"
#include "model/policy.h"
#include "model/resident_id.h"

namespace policy_serve {
namespace {

using Json = nlohmann::ordered_json;
using rules::source::Lang;

std::string dump(const Json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

Json policy_json(const rules::model::Policy& p) { return {{"id", p.header.id}, {"version", p.header.version}}; }

Reply json_reply(Json j) {
  Reply r;
  r.body = dump(j);
  return r;
}

/// RFC 4648 base64 (with padding) of `bytes`, by Boost's serialization iterators: a binary file
/// (a result workbook) inside a JSON answer.
std::string base64(std::string_view bytes) {
  namespace it = boost::archive::iterators;
  using Encoder = it::base64_from_binary<it::transform_width<const char*, 6, 8>>;
  std::string out(Encoder(bytes.data()), Encoder(bytes.data() + bytes.size()));
  out.append((3 - bytes.size() % 3) % 3, '=');
  return out;
}

/// A temporary file for libxlsxwriter (which writes by path), removed when this ends, whatever
/// happens: nothing of a roster stays on the server after its answer.
class ScratchFile {
 public:
  ScratchFile() {
    std::error_code ec;  // TMPDIR naming no directory: no file (the answer says so), not elsewhere
    const std::string dir = std::filesystem::temp_directory_path(ec).string();
    if (ec) return;
    std::string name = dir + "/policy-serve-XXXXXX";
    const int fd = ::mkstemp(name.data());
    if (fd >= 0) {
      ::close(fd);
      path_ = std::move(name);
    }
  }
  ~ScratchFile() {
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;
  const std::string& path() const { return path_; }  ///< empty when it could not be created

 private:
  std::string path_;
};

Problem problem_of(const rules::source::Diagnostic& d, std::string field) {
  return {d.code, d.message, d.message_zh.empty() ? d.message : d.message_zh, std::move(field)};
}

/// The body parsed as one JSON object, or the problem: not JSON (with the byte offset), not an
/// object. Never throws: nlohmann's errors (a number beyond a double, bad UTF-8 in a string,
/// nesting) become serve_bad_json.
std::optional<nlohmann::json> parse_object(std::string_view body, std::vector<Problem>& problems) {
  nlohmann::json j;
  // A key given twice in one object: nlohmann keeps the last, silently (RFC 8259 leaves it to the
  // reader); the CLI's situation reader refuses it, and so does the API. Each open object's keys
  // are remembered by hash, by depth (a few in a vector, more in a set: linear in the keys; two
  // different keys of one object with the same 64-bit hash would read as one given twice), with the
  // path of the duplicates found ("facts.退役日期"). No string is hashed into a set: callgrind,
  // bench/serve_bench's veteran, 183k instructions per /v1/eval before the check, 190k with it
  // (210k with a set of the keys' strings per object).
  struct Seen {
    std::vector<std::size_t> few;
    std::unordered_set<std::size_t> many;
    bool insert(std::size_t h) {
      if (many.empty()) {
        if (std::find(few.begin(), few.end(), h) != few.end()) return false;
        if (few.size() < 16) {
          few.push_back(h);
          return true;
        }
        many.insert(few.begin(), few.end());
      }
      return many.insert(h).second;
    }
    void clear() {
      few.clear();
      if (!many.empty()) many.clear();
    }
  };
  std::vector<Seen> keys;
  std::vector<std::string> path;
  std::vector<std::string> duplicates;
  const nlohmann::json::parser_callback_t note_keys = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    const auto d = static_cast<std::size_t>(depth);
    if (event == E::object_start) {
      if (keys.size() <= d) keys.resize(d + 1);
      keys[d].clear();
    } else if (event == E::key && d >= 1 && d <= keys.size()) {
      const auto& key = parsed.get_ref<const std::string&>();
      if (!keys[d - 1].insert(std::hash<std::string_view>{}(key)) && duplicates.size() < 10) {
        std::string where;
        for (std::size_t k = 1; k < d && k < path.size(); ++k) where += path[k] + ".";
        duplicates.push_back(where + key);
      }
      if (path.size() <= d) path.resize(d + 1);
      path[d].assign(key);
    }
    return true;
  };
  try {
    j = nlohmann::json::parse(body.begin(), body.end(), note_keys, /*allow_exceptions=*/true, /*ignore_comments=*/false);
  } catch (const nlohmann::json::exception& e) {
    // e.what() names the byte: "[json.exception.parse_error.101] parse error at line 1, column 9: ..."
    std::string what = e.what();
    if (const auto p = what.find("] "); p != std::string::npos) what = what.substr(p + 2);
    problems.push_back({"serve_bad_json", "the body is not JSON: " + what, "请求体不是有效的 JSON：" + what});
    return std::nullopt;
  }
  if (!j.is_object()) {
    problems.push_back({"serve_bad_request", "the body must be a JSON object ({\"facts\": {...}})",
                        "请求体必须是一个 JSON 对象（{\"facts\": {...}}）"});
    return std::nullopt;
  }
  for (const auto& key : duplicates) {
    const std::string shown_key = rules::source::escape_controls(rules::model::mask_resident_ids_in(key));
    const bool fact = key.rfind("facts.", 0) == 0;
    problems.push_back({fact ? "situation_syntax" : "serve_bad_request",
                        "'" + shown_key + "' is given twice in the body: give it once",
                        "“" + shown_key + "”在请求体中给了两次：只能给一次", key});
  }
  if (!duplicates.empty()) return std::nullopt;
  return j;
}

/// A JSON value quoted for a message, shortened.
std::string shown(const nlohmann::json& v) {
  std::string s = v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return rules::source::escape_controls(s);
}

/// What an evaluation request asks for, read from its JSON body.
struct EvalRequest {
  rules::model::Situation situation;
  rules::calendar::Date as_of;
  std::vector<std::uint32_t> outputs;
  bool explain = false;
  Lang lang = Lang::zh;
  std::vector<std::uint32_t> ask_first;  ///< the question's facts to ask first
  std::string output;              ///< /v1/ics: the output to put in a calendar
  int remind_days_before = 7;      ///< /v1/ics
};

/// Reads the body of /v1/eval (and /v1/ics when `calendar`) into `req`; every problem found goes
/// to `problems`, each with its field.
void read_eval_request(const rules::engine::Engine& engine, const Api& api, std::string_view body, bool calendar,
                       EvalRequest& req, std::vector<Problem>& problems) {
  auto parsed = parse_object(body, problems);
  if (!parsed) return;
  const auto& j = *parsed;
  if (const auto it = j.find("lang"); it != j.end()) {
    if (!it->is_string() || (*it != "zh" && *it != "en")) {
      problems.push_back({"serve_bad_request", "\"lang\" must be \"zh\" or \"en\", not " + shown(*it),
                          "“lang”只能是 \"zh\" 或 \"en\"，不能是 " + shown(*it), "lang"});
    } else {
      req.lang = api.lang_of(it->get<std::string>());
    }
  }
  for (const auto& [key, value] : j.items()) {
    static const char* const known[] = {"question", "facts", "as_of", "outputs", "explain", "lang"};
    bool ok = std::find(std::begin(known), std::end(known), key) != std::end(known);
    if (calendar) ok = ok || key == "output" || key == "remind_days_before";
    if (!ok) {
      problems.push_back({"serve_unknown_field",
                          "'" + rules::source::escape_controls(key) + "' is not a field of this request (fields: question, facts, as_of, outputs, explain, lang" +
                              std::string(calendar ? ", output, remind_days_before" : "") + ")",
                          "“" + rules::source::escape_controls(key) + "”不是此请求的字段（可用：question、facts、as_of、outputs、explain、lang" +
                              std::string(calendar ? "、output、remind_days_before" : "") + "）",
                          key});
    }
  }
  req.situation = engine.new_situation();
  // A question (GET /v1/questions): its outputs unless "outputs" names others, the facts it
  // decides itself, and the facts to ask first.
  if (const auto it = j.find("question"); it != j.end() && !it->is_null()) {
    const auto& questions = engine.policy().questions;
    std::size_t q = questions.size();
    if (it->is_string()) {
      for (q = 0; q < questions.size() && questions[q].id != it->get<std::string>(); ++q) {
      }
    }
    if (q == questions.size()) {
      std::string ids;
      for (const auto& question : questions) ids += (ids.empty() ? "" : ", ") + question.id;
      problems.push_back({"serve_unknown_question", shown(*it) + " is not a question of the pack (questions: " + ids + ")",
                          shown(*it) + " 不是政策包中的问题（可选：" + ids + "）", "question"});
    } else {
      const auto& compiled = engine.pack().questions[q];
      // "outputs" absent, null or [] means the question's own (read below, it stays empty then).
      const auto outs = j.find("outputs");
      if (outs == j.end() || outs->is_null() || (outs->is_array() && outs->empty())) req.outputs = compiled.outputs;
      req.ask_first = compiled.ask;
      for (const auto& [fact, value] : questions[q].given) {
        std::vector<rules::source::Diagnostic> diags;  // checked when the pack was loaded
        rules::loader::set_fact(engine.pack(), fact + "=" + value, req.situation, diags);
      }
    }
  }
  if (const auto it = j.find("facts"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) {
      problems.push_back({"serve_bad_request", "\"facts\" must be an object of fact: value, not " + shown(*it),
                          "“facts”必须是“事实: 值”的对象，不能是 " + shown(*it), "facts"});
    } else {
      // One fact under two of its names (discharge_date and 退役日期): refused, as the CLI does,
      // whichever value would have won.
      std::vector<std::pair<std::uint32_t, std::string>> given;
      for (const auto& [key, value] : it->items()) {
        const auto fi = rules::model::find_fact_named(engine.policy().facts, rules::model::trim_text(key));
        if (!fi) continue;
        const auto first = std::find_if(given.begin(), given.end(), [&](const auto& g) { return g.first == *fi; });
        if (first == given.end()) {
          given.emplace_back(*fi, key);
          continue;
        }
        const auto& f = engine.policy().facts[*fi];
        const std::string a = rules::source::escape_controls(first->second), b = rules::source::escape_controls(key);
        problems.push_back({"situation_syntax",
                            "fact " + f.name + " is given twice: as '" + a + "' and as '" + b + "': give it once",
                            "事实 " + f.name + "（" + f.label + "）给了两次：“" + a + "”和“" + b + "”：只能给一次",
                            "facts." + key});
      }
      for (const auto& [key, value] : it->items()) {
        const std::string field = "facts." + key;
        std::string text;
        if (value.is_null()) continue;  // unknown, as an absent fact
        if (value.is_string()) text = value.get<std::string>();
        else if (value.is_boolean()) text = value.get<bool>() ? "true" : "false";
        else if (value.is_number_integer()) text = value.dump();
        else {
          problems.push_back({"situation_bad_value", "fact '" + rules::source::escape_controls(key) + "': " + shown(value) +
                                                         " is not a value: give text (\"2025-06-30\"), true/false or null",
                              "事实“" + rules::source::escape_controls(key) + "”：" + shown(value) +
                                  " 不是可用的值：请写文本（\"2025-06-30\"）、true/false 或 null",
                              field});
          continue;
        }
        if (key.find('=') != std::string::npos || key.empty()) {
          problems.push_back({"situation_unknown_fact", "'" + rules::source::escape_controls(key) + "' is not a fact of the pack",
                              "“" + rules::source::escape_controls(key) + "”不是政策包中的事实", field});
          continue;
        }
        std::vector<rules::source::Diagnostic> diags;
        rules::loader::set_fact(engine.pack(), key + "=" + text, req.situation, diags);
        for (const auto& d : diags) problems.push_back(problem_of(d, field));
      }
    }
  }
  std::string as_of_text;
  if (const auto it = j.find("as_of"); it != j.end() && !it->is_null()) {
    if (!it->is_string()) {
      problems.push_back({"serve_bad_request", "\"as_of\" must be a date as text (\"2026-12-07\"), not " + shown(*it),
                          "“as_of”必须是文本形式的日期（\"2026-12-07\"），不能是 " + shown(*it), "as_of"});
    } else {
      as_of_text = it->get<std::string>();
      if (as_of_text.empty()) {
        problems.push_back({"date_syntax", "\"as_of\" is empty: give a date (2026-12-07) or leave the field out for today",
                            "“as_of”为空：请写日期（2026-12-07），或省略此字段表示今天", "as_of"});
      }
    }
  }
  if (problems.empty() || !as_of_text.empty()) {
    auto d = engine.as_of_from_text(as_of_text, "as_of");
    if (auto* date = std::get_if<rules::calendar::Date>(&d)) req.as_of = *date;
    else if (!as_of_text.empty()) problems.push_back(problem_of(std::get<rules::source::Diagnostic>(d), "as_of"));
  }
  if (const auto it = j.find("outputs"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) {
      problems.push_back({"serve_bad_request", "\"outputs\" must be a list of output names, not " + shown(*it),
                          "“outputs”必须是结果项名称的列表，不能是 " + shown(*it), "outputs"});
    } else {
      for (std::size_t k = 0; k < it->size(); ++k) {
        const auto& name = (*it)[k];
        const std::string field = "outputs[" + std::to_string(k) + "]";
        if (!name.is_string()) {
          problems.push_back({"serve_bad_request", "an output is named by text, not " + shown(name),
                              "结果项须以文本命名，不能是 " + shown(name), field});
          continue;
        }
        auto named = engine.name_output(name.get<std::string>(), "eval_unknown_output", field);
        if (const auto* why = std::get_if<rules::source::Diagnostic>(&named)) problems.push_back(problem_of(*why, field));
        else if (std::find(req.outputs.begin(), req.outputs.end(), std::get<std::uint32_t>(named)) == req.outputs.end()) {
          req.outputs.push_back(std::get<std::uint32_t>(named));
        }
      }
    }
  }
  if (const auto it = j.find("explain"); it != j.end() && !it->is_null()) {
    if (!it->is_boolean()) {
      problems.push_back({"serve_bad_request", "\"explain\" must be true or false, not " + shown(*it),
                          "“explain”只能是 true 或 false，不能是 " + shown(*it), "explain"});
    } else {
      req.explain = it->get<bool>();
    }
  }
  if (!calendar) return;
  if (const auto it = j.find("output"); it == j.end() || !it->is_string()) {
    problems.push_back({"serve_bad_request", "\"output\" must name the deadline or window to put in the calendar",
                        "“output”须写明要加入日历的截止日或期间", "output"});
  } else {
    auto named = engine.name_output(it->get<std::string>(), "eval_unknown_output", "output");
    if (const auto* why = std::get_if<rules::source::Diagnostic>(&named)) problems.push_back(problem_of(*why, "output"));
    else req.output = engine.pack().outputs[std::get<std::uint32_t>(named)].name;
  }
  if (const auto it = j.find("remind_days_before"); it != j.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<std::int64_t>() < 0 || it->get<std::int64_t>() > 365) {
      problems.push_back({"serve_bad_request", "\"remind_days_before\" must be a whole number of days from 0 to 365, not " + shown(*it),
                          "“remind_days_before”必须是 0 到 365 之间的整天数，不能是 " + shown(*it), "remind_days_before"});
    } else {
      req.remind_days_before = static_cast<int>(it->get<std::int64_t>());
    }
  }
}

/// Evaluates `req` into `out`: only the outputs asked for (and what they read), explaining when
/// asked, in the request's language.
void evaluate(const rules::engine::Engine& engine, const EvalRequest& req, rules::model::Outcome& out) {
  auto options = rules::engine::EvalOptions::explaining(req.explain, req.lang);
  std::vector<std::uint32_t> order;
  if (!req.outputs.empty()) {
    order = engine.evaluation_order(req.outputs);
    options.only = &order;
  }
  engine.evaluate(req.situation, req.as_of, out, options);
}

}  // namespace

Reply error_reply(int status, const std::vector<Problem>& problems, Lang lang) {
  Json errors = Json::array();
  for (const auto& p : problems) {
    // The last gate before a message leaves: an ID number a person sent is never quoted whole,
    // wherever a message quotes it (a JSON parser's "last read", a value in the wrong field).
    const auto zh = rules::model::mask_resident_ids_in(p.message_zh), en = rules::model::mask_resident_ids_in(p.message_en);
    Json e{{"code", p.code}, {"message", lang == Lang::zh ? zh : en}, {"message_zh", zh}, {"message_en", en}};
    if (!p.field.empty()) e["field"] = rules::model::mask_resident_ids_in(p.field);
    errors.push_back(std::move(e));
  }
  Json doc;
  doc["error"] = errors.empty() ? Json::object() : errors.front();
  doc["errors"] = std::move(errors);
  Reply r = json_reply(std::move(doc));
  r.status = status;
  return r;
}

std::string new_decision_id() {
  thread_local std::mt19937_64 random = [] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device()};
    return std::mt19937_64(seed);
  }();
  char s[33];
  std::snprintf(s, sizeof s, "%016llx%016llx", static_cast<unsigned long long>(random()),
                static_cast<unsigned long long>(random()));
  return s;
}

std::string percent_encode(std::string_view text) {
  static const char* const hex = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const unsigned char c : text) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
        c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

Api::Api(const rules::engine::Engine& engine, ApiOptions options)
    : engine_(engine), options_(std::move(options)), answers_(engine.policy()) {
  const auto& p = engine.policy();
  const Lang lang = p.header.lang;
  Json facts = Json::array();
  for (std::uint32_t f = 0; f < p.facts.size(); ++f) {
    Json fact = Json::parse(rules::explain::fact_json(p, f, lang));
    facts.push_back(std::move(fact));
  }
  facts_ = json_reply({{"policy", policy_json(p)}, {"facts", std::move(facts)}});
  Json outputs = Json::array();
  for (const auto& o : engine.pack().outputs) {
    const auto& c = o.candidates.front();
    const auto& decl = o.decl(p);
    const bool deadline = decl.form == rules::model::OutputForm::deadline;
    Json item{{"name", o.name},
              {"label", decl.label},
              {"type", rules::expr::type_display(decl.type, p.enums)},
              {"form", deadline ? "deadline" : "value"},
              {"rule", p.rules[c.rule].id},
              {"rule_title", p.rules[c.rule].title}};
    if (deadline) item["party"] = decl.party == rules::model::Party::school ? "school" : "person";
    outputs.push_back(std::move(item));
  }
  outputs_ = json_reply({{"policy", policy_json(p)}, {"outputs", std::move(outputs)}});
  Json questions = Json::array();
  for (const auto& q : p.questions) {
    Json given = Json::object();
    for (const auto& [fact, value] : q.given) given[fact] = value;
    questions.push_back({{"id", q.id}, {"label", q.label}, {"source", q.source}, {"outputs", q.outputs}, {"ask", q.ask}, {"given", given}});
  }
  questions_ = json_reply({{"policy", policy_json(p)}, {"title", p.header.title}, {"questions", std::move(questions)}});
  version_ = json_reply({{"program", "policy"},
                         {"version", options_.program_version},
                         {"revision", options_.revision},
                         {"pack", {{"id", p.header.id}, {"version", p.header.version}, {"title", p.header.title}}}});
}

Lang Api::lang_of(std::string_view text) const {
  if (const auto l = rules::source::parse_lang(text)) return *l;
  return default_lang();
}

Reply Api::eval(std::string_view body) const {
  EvalRequest req;
  req.lang = default_lang();
  std::vector<Problem> problems;
  read_eval_request(engine_, *this, body, false, req, problems);
  if (!problems.empty()) return error_reply(400, problems, req.lang);
  thread_local rules::model::Outcome out;
  evaluate(engine_, req, out);
  const rules::explain::RenderContext ctx{engine_.policy(), engine_.pack().zone, req.lang};
  Reply r;
  r.decision_id = new_decision_id();
  r.body = answers_.render(ctx, out, req.outputs, {req.explain, r.decision_id, req.ask_first});
  return r;
}

Reply Api::ics(std::string_view body) const {
  EvalRequest req;
  req.lang = default_lang();
  req.remind_days_before = options_.remind_days_before;
  std::vector<Problem> problems;
  read_eval_request(engine_, *this, body, true, req, problems);
  if (!problems.empty()) return error_reply(400, problems, req.lang);
  const auto& pack = engine_.pack();
  const auto wanted = *pack.find_output(req.output);
  // The calendar's event says whom to contact: the pack's office_contact answer when it has one.
  const auto contact = pack.find_output("office_contact");
  req.outputs = {wanted};
  if (contact) req.outputs.push_back(*contact);
  rules::model::Outcome out;
  evaluate(engine_, req, out);
  const rules::explain::RenderContext ctx{engine_.policy(), pack.zone, req.lang};
  const auto& src = out.output_sources[wanted];
  const auto& rule = engine_.policy().rules[src.rule];
  const auto& decl = rule.outputs[src.rule_output];
  const auto& v = out.output(wanted);
  std::vector<rules::model::Window> days;
  if (v.known() && v.kind == rules::model::Kind::date && decl.form == rules::model::OutputForm::deadline) {
    days.push_back({v.date, v.date});
  } else if (v.known() && v.kind == rules::model::Kind::window) {
    days.push_back(v.window);
  } else if (v.known() && v.kind == rules::model::Kind::list) {
    for (std::uint32_t k = 0; k < v.list.count; ++k) {
      const auto& w = out.list_arena[v.list.offset + k];
      if (w.known() && w.kind == rules::model::Kind::window) days.push_back(w.window);
    }
  }
  const bool zh = req.lang == Lang::zh;
  if (days.empty()) {
    const rules::explain::RenderContext en{engine_.policy(), pack.zone, Lang::en}, zh_ctx{engine_.policy(), pack.zone, Lang::zh};
    return error_reply(422,
                       {{"serve_no_calendar",
                         "'" + decl.name + "' is not a decided deadline or window (it is: " + rules::explain::value_text(en, out, v, decl.form) +
                             "), so it cannot be put in a calendar",
                         "“" + decl.label + "”不是已确定的截止日或期间（现为：" + rules::explain::value_text(zh_ctx, out, v, decl.form) +
                             "），无法加入日历",
                         "output"}},
                       req.lang);
  }
  std::string description = decl.label + (zh ? "：" : ": ") + rules::explain::value_text(ctx, out, v, decl.form) + "\n" +
                            rule.title + "\n";
  for (const auto& c : rule.citations) description += (zh ? "依据：" : "Source: ") + c.document + " " + c.article + "\n";
  if (contact && out.output(*contact).known()) {
    description += (zh ? "联系：" : "Contact: ") + rules::explain::value_text(ctx, out, out.output(*contact)) + "\n";
  }
  description += (zh ? "评估日期：" : "As of: ") + rules::calendar::format_date(out.as_of) + "（" + engine_.policy().header.title + " " +
                 engine_.policy().header.version + "）";
  Reply r;
  r.decision_id = new_decision_id();
  std::vector<CalendarEvent> events;
  for (std::size_t k = 0; k < days.size(); ++k) {
    CalendarEvent e;
    e.uid = r.decision_id + "-" + decl.name + "-" + std::to_string(k + 1) + "@policy";
    e.first_day = days[k].start;
    e.last_day = days[k].end;
    e.summary = days.size() > 1 ? decl.label + (zh ? "（第" + std::to_string(k + 1) + "个期间）" : " (period " + std::to_string(k + 1) + ")")
                                : decl.label;
    e.description = description;
    e.remind_days_before = req.remind_days_before;
    events.push_back(std::move(e));
  }
  auto written = write_ics(events, "-//" + engine_.policy().header.id + "//policy serve//ZH", rules::calendar::now());
  if (!written) {
    const auto& e = written.error();
    return error_reply(422, {{code_name(e.code), e.message, e.message_zh, "output"}}, req.lang);
  }
  r.content_type = "text/calendar; charset=utf-8";
  r.body = written.text();
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + decl.name + ".ics\"");
  return r;
}

Reply Api::calc(std::string_view body) const {
  std::vector<Problem> problems;
  Lang lang = default_lang();
  auto parsed = parse_object(body, problems);
  std::string expr, as_of_text;
  if (parsed) {
    for (const auto& [key, value] : parsed->items()) {
      if ((key == "lang" || key == "as_of") && value.is_null()) continue;  // as absent, as in /v1/eval
      if (key == "lang" && value.is_string() && (value == "zh" || value == "en")) lang = lang_of(value.get<std::string>());
      else if (key == "lang") {
        problems.push_back({"serve_bad_request", "\"lang\" must be \"zh\" or \"en\", not " + shown(value),
                            "“lang”只能是 \"zh\" 或 \"en\"，不能是 " + shown(value), "lang"});
      } else if (key == "expr" && value.is_string()) expr = value.get<std::string>();
      else if (key == "as_of" && value.is_string()) as_of_text = value.get<std::string>();
      else if (key == "expr" || key == "as_of") {
        problems.push_back({"serve_bad_request", "\"" + key + "\" must be text, not " + shown(value),
                            "“" + key + "”必须是文本，不能是 " + shown(value), key});
      } else {
        problems.push_back({"serve_unknown_field", "'" + rules::source::escape_controls(key) + "' is not a field of this request (fields: expr, as_of, lang)",
                            "“" + rules::source::escape_controls(key) + "”不是此请求的字段（可用：expr、as_of、lang）", key});
      }
    }
    if (problems.empty() && expr.empty()) {
      problems.push_back({"serve_bad_request", "\"expr\" is missing: give the expression to evaluate (\"2022-02-28 + P2Y\")",
                          "缺少“expr”：请给出要计算的表达式（\"2022-02-28 + P2Y\"）", "expr"});
    }
  }
  if (!problems.empty()) return error_reply(400, problems, lang);
  auto d = engine_.as_of_from_text(as_of_text, "as_of");
  if (const auto* why = std::get_if<rules::source::Diagnostic>(&d)) return error_reply(400, {problem_of(*why, "as_of")}, lang);
  std::vector<rules::source::Diagnostic> diags;
  const auto e = rules::loader::compile_standalone(engine_.pack(), expr, "expr", diags);
  if (!e) {
    for (const auto& diag : diags) {
      auto p = problem_of(diag, "expr");
      if (diag.span.begin.line) {
        const auto col = std::to_string(diag.span.begin.column);
        p.message_en = "column " + col + ": " + p.message_en;
        p.message_zh = "第" + col + "列：" + p.message_zh;
      }
      problems.push_back(std::move(p));
    }
    return error_reply(400, problems, lang);
  }
  rules::model::Outcome scratch;
  const auto v = engine_.calculate(*e, std::get<rules::calendar::Date>(d), scratch, nullptr, lang);
  const auto type = e->nodes[e->root].type;
  if (v.state == rules::model::State::error) {
    const auto& err = scratch.errors[v.error_index];
    return error_reply(422, {{err.code, err.message, err.message_zh, "expr"}}, lang);
  }
  const rules::explain::RenderContext stable{engine_.policy(), engine_.pack().zone, lang, true};
  const rules::explain::RenderContext people{engine_.policy(), engine_.pack().zone, lang};
  Json doc;
  doc["type"] = rules::expr::type_display(type, engine_.policy().enums);
  doc["value"] = Json::parse(rules::explain::value_json(stable, scratch, v, type));
  doc["text"] = rules::explain::value_text(people, scratch, v);
  return json_reply(std::move(doc));
}

Reply Api::batch(std::string_view body, const std::multimap<std::string, std::string>& query, bool as_json) const {
  Lang lang = default_lang();
  std::vector<Problem> problems;
  rules::batch::BatchOptions options;
  options.jobs = 1;  // the server's workers are the parallelism
  rules::batch::XlsxOptions xlsx;
  std::string as_of_text;
  for (const auto& [key, value] : query) {
    if (key == "lang") {
      if (value != "zh" && value != "en") {
        problems.push_back({"serve_bad_request", "lang must be zh or en", "lang 只能是 zh 或 en", "lang"});
      } else {
        lang = lang_of(value);
      }
    }
  }
  options.lang = lang;
  for (const auto& [key, value] : query) {
    if (key == "lang") continue;
    if (key == "as_of") as_of_text = value;
    else if (key == "format" && (value == "csv" || value == "jsonl" || value == "xlsx")) {
      options.format = value == "jsonl"  ? rules::batch::OutputFormat::jsonl
                       : value == "xlsx" ? rules::batch::OutputFormat::xlsx
                                         : rules::batch::OutputFormat::csv;
    } else if (key == "sheet" && !value.empty()) {
      xlsx.sheet = value;
    } else if (key == "remind_days" && !value.empty() && value.size() < 5 && value.find_first_not_of("0123456789") == std::string::npos &&
               std::stoi(value) <= 3650) {
      options.remind_days = std::stoi(value);
    } else if (key == "outputs") {
      std::stringstream ss(value);
      for (std::string item; std::getline(ss, item, ',');) {
        if (item.find_first_not_of(" \t") != std::string::npos) options.outputs.push_back(item);
      }
    } else if (key == "encoding" && (value == "auto" || value == "utf-8" || value == "gb18030" || value == "gbk")) {
      options.encoding = value == "utf-8" ? rules::batch::Encoding::utf8
                         : value == "auto" ? rules::batch::Encoding::automatic
                                           : rules::batch::Encoding::gb18030;
    } else if (key == "names" && (value == "1" || value == "true" || value == "0" || value == "false")) {
      options.names = value == "1" || value == "true";
    } else if (key == "header_row" && !value.empty() && value.size() < 7 && value.find_first_not_of("0123456789") == std::string::npos) {
      options.header_row = std::stoul(value);
    } else if (key == "format" || key == "names" || key == "header_row" || key == "encoding" || key == "sheet" || key == "remind_days") {
      const char* en = key == "format"        ? " (csv, jsonl, xlsx)"
                       : key == "names"       ? " (1, 0)"
                       : key == "encoding"    ? " (auto, utf-8, gb18030)"
                       : key == "sheet"       ? " (a sheet's name as its tab shows it)"
                       : key == "remind_days" ? " (0 to 3650 days)"
                                              : " (a row number)";
      const char* zh = key == "format"        ? "（csv、jsonl、xlsx）"
                       : key == "names"       ? "（1、0）"
                       : key == "encoding"    ? "（auto、utf-8、gb18030）"
                       : key == "sheet"       ? "（工作表标签上的名称）"
                       : key == "remind_days" ? "（0到3650天）"
                                              : "（行号）";
      problems.push_back({"serve_bad_request",
                          "query " + key + "='" + rules::source::escape_controls(value) + "' is not one of the values it takes" + en,
                          "查询参数 " + key + "=“" + rules::source::escape_controls(value) + "”不是可用的值" + zh, key});
    } else {
      problems.push_back({"serve_unknown_field",
                          "query parameter '" + rules::source::escape_controls(key) +
                              "' is not known (as_of, format, outputs, names, header_row, encoding, sheet, remind_days, lang)",
                          "查询参数“" + rules::source::escape_controls(key) +
                              "”不可用（可用：as_of、format、outputs、names、header_row、encoding、sheet、remind_days、lang）",
                          key});
    }
  }
  const bool workbook_in = rules::batch::workbook_kind(body) == rules::batch::WorkbookKind::xlsx;
  if (!xlsx.sheet.empty() && !workbook_in) {
    problems.push_back({"batch_bad_header", "sheet names a sheet of an .xlsx workbook, and the roster is none",
                        "sheet 指定的是 .xlsx 工作簿中的工作表，而名单不是工作簿", "sheet"});
  }
  if (options.format == rules::batch::OutputFormat::xlsx && options.names) {
    problems.push_back({"serve_bad_request", "names=1 is the machine form of CSV; a workbook is for people (leave names out)",
                        "names=1 是供程序读取的 CSV 形式；工作簿是给人看的（请去掉 names）", "names"});
  }
  auto d = engine_.as_of_from_text(as_of_text, "as_of");
  if (const auto* why = std::get_if<rules::source::Diagnostic>(&d)) problems.push_back(problem_of(*why, "as_of"));
  else options.as_of = std::get<rules::calendar::Date>(d);
  if (!problems.empty()) return error_reply(400, problems, lang);
  // A workbook is told by its first bytes (as the CLI does) and read from the body in memory:
  // nothing is written to disk.
  std::istringstream in;
  std::unique_ptr<rules::batch::RecordSource> source;
  if (workbook_in) {
    source = rules::batch::XlsxReader::open_memory(body, xlsx);
  } else {
    in.str(std::string(body));
    source = std::make_unique<rules::batch::RosterReader>(in, options.encoding);
  }
  // A result workbook goes through a temporary file (libxlsxwriter writes by path), read back and
  // removed before the answer leaves.
  std::optional<ScratchFile> scratch;
  if (options.format == rules::batch::OutputFormat::xlsx) {
    scratch.emplace();
    if (scratch->path().empty()) {
      return error_reply(503, {{"serve_storage", "the server could not create a temporary file for the result workbook (its temporary directory is full or not writable: tell the school's IT; CSV results are not affected)",
                                "服务器无法为结果工作簿创建临时文件（服务器的临时目录已满或不可写：请告知学校信息中心；CSV 结果不受影响）", ""}},
                         lang);
    }
    options.xlsx_path = scratch->path();
    options.params_file = options_.params_file;
  }
  std::ostringstream result;
  const auto start = std::chrono::steady_clock::now();
  auto outcome = rules::batch::run_batch(engine_, *source, lang == Lang::zh ? "名单" : "roster", result, options);
  if (auto* diags = std::get_if<std::vector<rules::source::Diagnostic>>(&outcome)) {
    // The server failing to write the workbook is not the request's fault, and the message would
    // name the server's temporary file.
    for (const auto& diag : *diags) {
      if (diag.code == "batch_xlsx_write") {
        return error_reply(503, {{"serve_storage", "the server could not write the result workbook to its temporary directory (full or not writable: tell the school's IT)",
                                  "服务器未能在临时目录中写出结果工作簿（临时目录已满或不可写：请告知学校信息中心）", ""}},
                           lang);
      }
    }
    for (const auto& diag : *diags) {
      auto p = problem_of(diag, diag.code == "batch_unknown_output" ? "outputs" : "roster");
      if (diag.span.begin.line) {
        p.message_en = "line " + std::to_string(diag.span.begin.line) + ": " + p.message_en;
        p.message_zh = "第" + std::to_string(diag.span.begin.line) + "行：" + p.message_zh;
      }
      problems.push_back(std::move(p));
    }
    return error_reply(400, problems, lang);
  }
  const auto& summary = std::get<rules::batch::BatchSummary>(outcome);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  Json lines = Json::array();
  std::istringstream text(rules::batch::summary_text(summary, engine_, lang, secs));
  for (std::string line; std::getline(text, line);) lines.push_back(line);
  Json head{{"rows", summary.rows}, {"ok", summary.ok}, {"unknown", summary.unknown}, {"error", summary.error},
            {"as_of", rules::calendar::format_date(summary.as_of)}};
  Reply r;
  const bool jsonl = options.format == rules::batch::OutputFormat::jsonl;
  const bool workbook_out = options.format == rules::batch::OutputFormat::xlsx;
  const std::string type = workbook_out ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                           : jsonl      ? "application/x-ndjson; charset=utf-8"
                                        : "text/csv; charset=utf-8";
  const std::string name = workbook_out ? "result.xlsx" : jsonl ? "result.jsonl" : "result.csv";
  std::string content;
  if (workbook_out) {
    std::ifstream file(scratch->path(), std::ios::binary);
    content.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
    if (!file.good() && !file.eof()) {
      return error_reply(503, {{"serve_storage", "the server could not read the result workbook back from its temporary directory (tell the school's IT)",
                                "服务器无法从临时目录读回结果工作簿（请告知学校信息中心）", ""}},
                         lang);
    }
  } else {
    content = result.str();
  }
  // The counts in a header small enough for any proxy; the lines (near-miss headers, outputs
  // left out, first errors) only in the JSON form, where they cannot outgrow a header buffer.
  r.headers.emplace_back("X-Policy-Summary", percent_encode(dump(head)));
  if (as_json) {
    head["lines"] = std::move(lines);
    Json file{{"name", name}, {"content_type", type}};
    if (workbook_out) {
      file["encoding"] = "base64";  // a binary file inside JSON
      file["content"] = base64(content);
    } else {
      file["content"] = std::move(content);
    }
    r.body = dump(Json{{"summary", std::move(head)}, {"file", std::move(file)}});
    return r;
  }
  r.content_type = type;
  r.body = std::move(content);
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + name + "\"");
  return r;
}

}  // namespace policy_serve
