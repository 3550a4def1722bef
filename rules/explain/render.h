#pragma once
/// Rendering an Outcome for people (text, with the pack's labels) and for programs (the JSON
/// contract of `policy eval --format json`, documented in docs/json-output.md).

#include <string>

#include "calendar/instant.h"
#include "model/outcome.h"
#include "model/policy.h"

namespace rules::explain {

/// What rendering needs: the pack's plain data and its time zone.
struct RenderContext {
  const model::Policy& policy;
  const calendar::TimeZone& zone;
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

/// A readable report for registrar staff: each rule with its title, whether it applies, its
/// outputs with labels (deadlines as "2026-09-30 24:00 (UTC+08:00)"), its citations by number
/// ("依据: [1] [3]"), and with `explain` every computation step. After the answers, one list
/// headed 依据 gives each distinct citation once (equal document, article and summary), numbered
/// by first appearance among the rules printed, with its printable note ("（原文待核实）").
std::string render_text(const RenderContext& ctx, const model::Outcome& out, bool explain);

/// The JSON encoding of one value of type `t` (as in "values"); null when not known.
std::string value_json(const RenderContext& ctx, const model::Outcome& out, const model::Value& v, model::Type t);

/// Text of one value for people: enum labels, deadlines with their cut-off, text with
/// placeholders filled. `form` says whether a date is a deadline.
std::string value_text(const RenderContext& ctx, const model::Outcome& out, const model::Value& v,
                       model::OutputForm form = model::OutputForm::value);

/// Fills the {name} placeholders of template `text` with the values in `out` (people's text when
/// `for_people`, else canonical text). `{{` and `}}` stand for braces.
std::string fill_template(const RenderContext& ctx, const model::Outcome& out, std::string_view text, bool for_people);

}  // namespace rules::explain
