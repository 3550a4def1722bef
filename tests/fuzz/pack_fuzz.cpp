// The pack loader: the input is one pack file (TOML). Loading parses the TOML, reads every
// declaration, parses and checks every expression and orders the outputs; a pack that loads is
// then evaluated (no facts), rendered as `policy eval` shows it, and its own [[tests]] run with
// their coverage recorded (policy test --coverage).
#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/engine.h"
#include "engine/pack_tests.h"
#include "explain/render.h"
#include "fuzz_common.h"
#include "loader/load.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const rules::loader::SourceFile files[] = {{"pack.toml", text}};
  auto r = rules::loader::load_pack(files);
  for (const auto& d : r.diagnostics) {
    if (d.code.empty()) policy_fuzz::fail("a diagnostic without a code", d.message);
    policy_fuzz::expect_utf8(text, d.message);
    policy_fuzz::expect_utf8(text, d.message_zh);
  }
  if (!r.ok()) return 0;
  const rules::engine::Engine engine(std::move(r.pack));
  const auto as_of = *rules::calendar::make_date(2025, 12, 1);
  rules::model::Outcome out;
  engine.evaluate(engine.new_situation(), as_of, out, rules::engine::EvalOptions::explaining(true));
  const rules::explain::RenderContext ctx{engine.policy(), engine.pack().zone, rules::source::Lang::zh, false};
  (void)rules::explain::render_text(ctx, out, true);
  (void)rules::explain::render_json(ctx, out);
  rules::engine::PackCoverage coverage;
  (void)rules::engine::run_pack_tests(engine, as_of, &coverage);
  for (const auto& item : coverage.items) {
    if (item.description.empty() || item.description_zh.empty()) policy_fuzz::fail("a coverage item without words", item.description);
  }
  return 0;
}
