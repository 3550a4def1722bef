// Situations: the first byte chooses the form ('0' mod 3: JSON, 1: TOML, 2: --set lines, one
// assignment a line), the rest is the text. What reads is evaluated with the built-in pack and
// rendered as `policy eval` writes it (text, explained, and JSON).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "explain/render.h"
#include "fuzz_common.h"
#include "loader/situation_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto& engine = policy_fuzz::cn_engine();
  const int form = data[0] % 3;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto situation = engine.new_situation();
  std::vector<rules::source::Diagnostic> diags;
  bool ok = true;
  if (form == 0 || form == 1) {
    ok = rules::loader::read_situation(engine.pack(), {form == 0 ? "s.json" : "s.toml", text}, situation, diags);
  } else {
    std::string_view rest = text;
    while (!rest.empty()) {
      const auto nl = rest.find('\n');
      ok = rules::loader::set_fact(engine.pack(), rest.substr(0, nl), situation, diags) && ok;
      rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    }
  }
  if (ok != diags.empty()) policy_fuzz::fail("the result disagrees with the diagnostics", text);
  for (const auto& d : diags) {
    if (d.code.empty()) policy_fuzz::fail("a diagnostic without a code", d.message);
    policy_fuzz::expect_utf8(text, d.message);
    policy_fuzz::expect_utf8(text, d.message_zh);
    policy_fuzz::expect_no_whole_id(d.message);
    policy_fuzz::expect_no_whole_id(d.message_zh);
  }
  if (!ok) return 0;
  rules::model::Outcome out;
  engine.evaluate(situation, *rules::calendar::make_date(2025, 12, 1), out, rules::engine::EvalOptions::explaining(true));
  for (const auto lang : {rules::source::Lang::zh, rules::source::Lang::en}) {
    const rules::explain::RenderContext ctx{engine.policy(), engine.pack().zone, lang, false};
    (void)rules::explain::render_text(ctx, out, true);
  }
  const rules::explain::RenderContext json_ctx{engine.policy(), engine.pack().zone, rules::source::Lang::zh, true};
  (void)rules::explain::render_json(json_ctx, out);
  return 0;
}
