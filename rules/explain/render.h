#pragma once
/// Rendering an Outcome for people (text, with the pack's labels) and for programs (the JSON
/// contract of `policy eval --format json`, documented in docs/json-output.md).

#include <cstdint>
#include <string>
#include <vector>

#include "calendar/instant.h"
#include "model/outcome.h"
#include "model/policy.h"
#include "source/lang.h"

namespace rules::explain {

/// What rendering needs: the pack's plain data, its time zone, and the language of people's text.
/// In Chinese (`zh`, the default) dates read 2026年9月30日, deadlines 2026年9月30日 24:00（北京时间）,
/// periods 2年6个月; in English (`en`) dates stay ISO (2026-09-30), deadlines 2026-09-30 24:00
/// (UTC+08:00), periods 2 years 6 months. The zone's name for people is the pack's
/// `timezone_label` (北京时间), else its IANA name.
struct RenderContext {
  const model::Policy& policy;
  const calendar::TimeZone& zone;
  source::Lang lang = source::Lang::zh;
  /// The stable form of filled prose that programs read (render_json) and the pack's tests
  /// compare: ISO dates, windows "2025-09-01 至 2025-09-30", instants RFC 3339, the other
  /// values as in Chinese. Overrides `lang` for values.
  bool stable_prose = false;
};

/// What the text report shows.
struct TextOptions {
  /// Every rule with its computation steps (in the evaluation's language), the rules that do not
  /// apply, and the outputs' names; without it, only the answers and one list of what is needed.
  bool explain = false;
  /// Output indices to show (eval --outputs); empty: every output.
  std::vector<std::uint32_t> outputs;
  /// Per rule, the facts its outputs can read (engine::Engine::facts_read); empty: unknown. A rule
  /// that answered nothing and reads no fact the situation gives is a question not asked: its
  /// facts stay out of the list of what is needed, and one line names such questions.
  std::vector<model::FactSet> rule_facts;
};

/// The JSON document of one evaluation:
/// {"policy": {"id", "version"}, "as_of", "values": {name: value|null}, "unknown": {name: [fact]},
///  "errors": {name: {"code", "message"}}, "rules": [{"id", "title", "applies", "citations",
///  "explanation"}]}; a citation is {"document", "article", "summary", "quote"?, "verification"?,
///  "unverified", "note"?}, "note" being Citation::printable_note when there is one. Dates "YYYY-MM-DD", instants RFC 3339 with offset, periods ISO 8601,
/// windows {"start","end"}, enums by value name; guidance text is prose for people, so its
/// placeholders are filled as people read them (enum labels, deadlines with their cut-off). Pretty-printed
/// with 2 spaces when `pretty`.
std::string render_json(const RenderContext& ctx, const model::Outcome& out, bool pretty = true);

/// A readable report in `ctx.lang`, answers first: the title and 评估日期; then each rule that
/// answered something, with its title and its outputs by label (values in people's form: see
/// RenderContext), each rule's citations by number (依据：[1] [3]); then one list headed 依据 giving
/// each distinct citation once (equal document, article and summary), numbered by first
/// appearance, with its printable note (（原文待核实）); then one short list of the facts still
/// needed, each once (its label, what to enter, the answers it would bring), the fact to ask first
/// first. With `explain`: every rule, applying or not, with its outputs' names and computation
/// steps, and the rules that do not apply. `opt.outputs` narrows all of it to those outputs.
std::string render_text(const RenderContext& ctx, const model::Outcome& out, const TextOptions& opt);

/// render_text with every output shown.
std::string render_text(const RenderContext& ctx, const model::Outcome& out, bool explain);

/// The JSON document of one evaluation narrowed to `outputs` (output indices; empty: all):
/// "values", "unknown" and "errors" hold only those, "rules" only the rules computing them.
std::string render_json(const RenderContext& ctx, const model::Outcome& out, const std::vector<std::uint32_t>& outputs,
                        bool pretty = true);

/// What AnswerRenderer::render adds beyond the JSON contract.
struct AnswerOptions {
  /// Each rule's computation steps in `ctx.lang` as "steps" (the evaluation must have explained).
  bool steps = false;
  /// The request's identifier ("decision_id"), for the access log and a registrar's report;
  /// empty: none.
  std::string decision_id = {};
  /// Facts to list first in "ask" while the situation does not give them (a question's `ask`:
  /// facts its rules need given before they apply), indices into policy.facts; each "for" the
  /// outputs not yet decided.
  std::vector<std::uint32_t> ask_first = {};
};

/// Writes the answer document of `policy serve` (POST /v1/eval), for one pack: made once and used
/// for every request. The parts that do not change with the situation (each rule's id, title,
/// outputs and citations; each output's label, rule, form and type) are written when it is made,
/// so that a request writes only what it decided. Thread-safe (render only reads); `policy` must
/// outlive it.
class AnswerRenderer {
 public:
  explicit AnswerRenderer(const model::Policy& policy);
  /// The document: the render_json document for
  /// `outputs` (empty: all) with, in addition and in `ctx.lang`,
  /// "answers": per output asked for (in that order) {"output", "label", "rule", "rule_title",
  ///   "state": decided|unknown|error|not_applicable, "text" (value_text: 2027年9月30日 24:00（北京时间）),
  ///   "form": deadline|value, "type" (date, list<window>, ...), "days_left" (days from as_of to a
  ///   deadline's last day, a window's end or the last window's end; negative once past),
  ///   "calendar" (whether it is a decided deadline or window(s), which a calendar file can hold),
  ///   "error"? {"code", "message", "message_zh", "message_en"}, "citations": [indices]};
  /// "citations": each distinct citation once, in first-appearance order (as the text report);
  /// "ask": the facts these outputs still wait for, each once, the one to ask first first, as
  ///   {"fact", "label", "type", "help", "expected", "values"? [{"name", "label"}], "for": [outputs]},
  ///   opt.ask_first's facts first;
  /// "steps" (opt.steps): [{"rule", "title", "lines"}] per rule of the outputs; "decision_id";
  /// "as_of_text": the evaluation date for people (2026年12月7日（北京时间）).
  /// One line of JSON.
  /// A test (tests/serve, ServeAnswers) holds its render_json part equal to render_json's.
  std::string render(const RenderContext& ctx, const model::Outcome& out, const std::vector<std::uint32_t>& outputs,
                     const AnswerOptions& opt) const;
  /// The JSON text of citation `c` (one of the policy's rules' citations, by address), or null.
  const std::string* citation_text(const model::Citation& c) const;
  /// Appends the render_json document for `outputs` (empty: all), without its closing brace, to
  /// `doc`: what render writes first, and render_json in full.
  void append_contract(std::string& doc, const RenderContext& ctx, const model::Outcome& out,
                       const std::vector<std::uint32_t>& outputs) const;

 private:
  const model::Policy* policy_;
  std::string policy_json_;
  std::vector<std::string> rule_head_, rule_mid_;
  std::vector<std::vector<std::string>> output_head_, citations_;
  std::vector<std::string> fact_head_zh_, fact_head_en_;  // fact_json of each fact, without its "}"
};

/// One fact as AnswerRenderer's "ask" lists it (without "for"): {"fact", "label", "type",
/// "help" (the pack's words for people beside the input; "" when none), "expected", "values"?}; `fact` indexes policy.facts. One line of JSON.
std::string fact_json(const model::Policy& p, std::uint32_t fact, source::Lang lang);

/// one of the enum's labels), in `lang`.
std::string what_to_enter(const model::Policy& policy, model::Type t, source::Lang lang);

/// The JSON encoding of one value of type `t` (as in "values"); null when not known.
std::string value_json(const RenderContext& ctx, const model::Outcome& out, const model::Value& v, model::Type t);

/// Text of one value for people in `ctx.lang` (RenderContext): enum labels, 是/否, dates,
/// deadlines with their cut-off, instants in the policy zone, periods, windows (2025年9月1日至
/// 2025年9月30日; a one-day window as its day), lists, text with placeholders filled. Unknown
/// values read 待补充 (unknown), errors 无法计算 (error). `form` says whether a date is a deadline.
std::string value_text(const RenderContext& ctx, const model::Outcome& out, const model::Value& v,
                       model::OutputForm form = model::OutputForm::value);

/// Fills the {name} placeholders of template `text` with the values in `out` (people's text in
/// `ctx.lang` when `for_people`, a deadline reading as its date; else canonical text). `{{` and
/// `}}` stand for braces. The JSON document and the pack's tests fill prose with ISO dates (an
/// English context): the Chinese text report writes them 2026年9月30日.
std::string fill_template(const RenderContext& ctx, const model::Outcome& out, std::string_view text, bool for_people);

}  // namespace rules::explain
