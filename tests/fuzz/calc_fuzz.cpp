// `policy calc` expressions: the input is the expression, compiled against the built-in pack's
// parameters (lexer, parser, checker) and, when it compiles, evaluated with its steps explained
// and its value written as text and JSON, as the CLI does.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "calendar/period.h"
#include "explain/render.h"
#include "expr/checker.h"
#include "fuzz_common.h"
#include "loader/load.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& engine = policy_fuzz::cn_engine();
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<rules::source::Diagnostic> diags;
  const auto e = rules::loader::compile_standalone(engine.pack(), text, "<expression>", diags);
  for (const auto& d : diags) {
    if (d.code.empty()) policy_fuzz::fail("a diagnostic without a code", d.message);
    policy_fuzz::expect_utf8(text, d.message);
    policy_fuzz::expect_utf8(text, d.message_zh);
  }
  if (!e) {
    if (diags.empty()) policy_fuzz::fail("an expression that does not compile has no diagnostic", text);
    return 0;
  }
  const auto as_of = *rules::calendar::make_date(2025, 12, 1);
  rules::model::Outcome scratch;
  std::vector<rules::model::TraceStep> trace;
  const auto v = engine.calculate(*e, as_of, scratch, &trace, rules::source::Lang::zh);
  if (v.state == rules::model::State::error) {
    if (v.error_index >= scratch.errors.size()) policy_fuzz::fail("an error value without its error", text);
    return 0;
  }
  const auto type = e->nodes[e->root].type;
  // A printed period reads back (issue 14, failure 7: P1000000W printed as P7000000D).
  if (v.kind == rules::model::Kind::period && v.known()) {
    const auto printed = rules::calendar::format_period(v.period);
    const auto back = rules::calendar::parse_period(printed);
    if (!back || !(*back == v.period)) policy_fuzz::fail("a printed period does not read back", printed);
  }
  for (const bool stable : {true, false}) {
    const rules::explain::RenderContext ctx{engine.policy(), engine.pack().zone, rules::source::Lang::zh, stable};
    (void)rules::explain::value_text(ctx, scratch, v);
    (void)rules::explain::value_json(ctx, scratch, v, type);
  }
  (void)rules::expr::type_display(type, engine.policy().enums);
  return 0;
}
