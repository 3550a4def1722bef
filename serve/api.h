#pragma once
/// The JSON API of `policy serve`, without HTTP: each endpoint is a function from the request's
/// body (and query) to a reply, so the routes stay thin and the request parsing this project owns
/// (facts, as_of, outputs) can be tested and fuzzed without a socket. The contract is
/// docs/serve.md and the OpenAPI document (serve/openapi.json, served at /v1/openapi.json).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/engine.h"
#include "explain/render.h"
#include "source/lang.h"

namespace policy_serve {

/// One answer to a request: the HTTP status, the media type and the body, and headers to add.
struct Reply {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  /// The request's decision identifier (POST /v1/eval, /v1/ics), for the access log; empty for
  /// other requests.
  std::string decision_id;
};

/// One problem with a request, with its stable code (docs/diagnostics.md), its messages in both
/// languages and the field it concerns ("facts.discharge_date", "as_of"; empty: the request).
struct Problem {
  std::string code;
  std::string message_en;
  std::string message_zh;
  std::string field = {};
};

/// The error reply for `problems` (at least one): {"error": first problem, "errors": [all]}, each
/// as {"code", "message" (in `lang`), "message_zh", "message_en", "field"?}.
Reply error_reply(int status, const std::vector<Problem>& problems, rules::source::Lang lang);

/// The school-facing settings of the API (the HTTP limits live in ServeOptions).
struct ApiOptions {
  /// Days before a deadline's last day that a calendar file's reminder fires.
  int remind_days_before = 7;
  /// The program's version, for GET /v1/version.
  std::string program_version;
  /// The source revision the program was built from (git describe), or empty.
  std::string revision;
  /// The language of answers and messages when a request does not say (`policy serve --lang`);
  /// unset: the pack's.
  std::optional<rules::source::Lang> lang = std::nullopt;
  /// The school's parameters file (`--params`) by its name alone (never the server's directories),
  /// as a result workbook's summary sheet names it; empty: the pack's defaults.
  std::string params_file = {};
};

/// The endpoints. Built once for an engine (the lists that never change are rendered then);
/// thread-safe: every call only reads.
class Api {
 public:
  Api(const rules::engine::Engine& engine, ApiOptions options);

  /// GET /v1/facts: {"policy", "facts": [{"fact", "label", "type", "expected", "values"?,
  /// "help"}]}, in the pack's language.
  const Reply& facts() const { return facts_; }
  /// GET /v1/outputs: {"policy", "outputs": [{"name", "label", "type", "form", "rule", "rule_title"}]}.
  const Reply& outputs() const { return outputs_; }
  /// GET /v1/questions: {"policy", "title", "questions": [{"id", "label", "source", "outputs", "ask",
  /// "given"}]}: the questions the page offers, from the pack's [[questions]] (docs/policy-language.md).
  const Reply& questions() const { return questions_; }
  /// GET /v1/version: {"program", "version", "revision", "pack": {"id", "version", "title"}}.
  const Reply& version() const { return version_; }

  /// POST /v1/eval. Body: {"question"?, "facts": {fact: value}, "as_of"?, "outputs"?, "explain"?,
  /// "lang"?}; "question" a question's id (its outputs unless "outputs" is given, the facts it
  /// decides, its facts to ask first; serve_unknown_question otherwise); a
  /// fact by name or label (as --set and situation files name it), a value as text in any spelling
  /// a roster cell accepts, a boolean, an integer, or null (unknown); "as_of" as --as-of reads it
  /// (default: today in the pack's zone); "outputs" names or labels (default: all). 200 with
  /// explain::AnswerRenderer's document and a fresh "decision_id"; 400 with every problem
  /// found (serve_bad_json, serve_bad_request, serve_unknown_field, situation_unknown_fact,
  /// situation_bad_value, date_syntax, eval_unknown_output, ...), each naming its field.
  Reply eval(std::string_view body) const;

  /// POST /v1/ics. Body: as eval, plus "output" (the deadline or window to put in a calendar)
  /// and optionally "remind_days_before" (0..365). 200 text/calendar (RFC 5545) with one event per
  /// window (the deadline's last day for a deadline); 422 serve_no_calendar when that output is
  /// not a decided deadline or window; 400 as eval.
  Reply ics(std::string_view body) const;

  /// POST /v1/calc. Body: {"expr": "2022-02-28 + P2Y", "as_of"?, "lang"?}: {"value" (as JSON
  /// values are written), "type", "text" (for people)}; 400 with the expression's diagnostics
  /// (field "expr", with the column).
  Reply calc(std::string_view body) const;

  /// POST /v1/batch: the roster's bytes (CSV, UTF-8 or GBK, or an .xlsx workbook told by its
  /// first bytes) with the query's options (as_of, format csv|jsonl|xlsx, outputs, names,
  /// header_row, encoding auto|utf-8|gb18030, sheet, remind_days, lang), as `policy batch`'s
  /// options of the same names. 200 with the result file (CSV for people, JSON Lines, or the
  /// result workbook, written through a temporary file removed before the answer) as an attachment and the counts in X-Policy-Summary (percent-encoded JSON
  /// {"rows", "ok", "unknown", "error", "as_of"}); with `as_json` (the request accepts
  /// application/json: the page), one JSON document {"summary": the counts and "lines" (those of
  /// batch::summary_text), "file": {"name", "content_type", "content", "encoding"?}} instead (a
  /// workbook's content in base64, with "encoding": "base64"), so that the lines
  /// never outgrow a proxy's header buffer. 400 with the diagnostics when the roster cannot be used.
  Reply batch(std::string_view body, const std::multimap<std::string, std::string>& query, bool as_json = false) const;

  /// The language a request asks for ("zh", "en"; anything else: default_lang()).
  rules::source::Lang lang_of(std::string_view text) const;
  /// The language of a request that does not say: ApiOptions::lang, else the pack's.
  rules::source::Lang default_lang() const { return options_.lang.value_or(engine_.policy().header.lang); }

 private:
  const rules::engine::Engine& engine_;
  ApiOptions options_;
  rules::explain::AnswerRenderer answers_;  ///< the answer document, its fixed parts written once
  Reply facts_, outputs_, questions_, version_;
};

/// A new decision identifier: 32 hexadecimal digits from the system's random source.
std::string new_decision_id();

/// `text` percent-encoded for a header value (RFC 3986 unreserved characters kept).
std::string percent_encode(std::string_view text);

}  // namespace policy_serve
