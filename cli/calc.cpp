// policy calc: evaluate one expression with the pack's parameters, calendar and time zone.
#include <iostream>

#include <nlohmann/json.hpp>

#include "common.h"
#include "explain/render.h"
#include "expr/checker.h"
#include "loader/load.h"

namespace policy_cli {

void add_calc(CLI::App& app, Action& action) {
  struct Opts {
    PackOptions pack;
    std::string expr;
    std::string as_of;
    std::string format = "text";
    bool explain = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("calc", say("用政策包的日历计算一个表达式（日期、期间、时刻）",
                                             "Evaluate one expression (dates, periods, instants) with the pack's calendar"));
  cmd->footer(
      std::string(say("示例：\n"
                      "  policy calc \"2022-02-28 + P2Y\"            -> 2024-02-28（民法典第二百零二条）\n",
                      "Examples:\n"
                      "  policy calc \"2022-02-28 + P2Y\"            -> 2024-02-28 (Civil Code Art. 202)\n")) +
      "  policy calc \"start_of_day(1988-07-01)\"    -> 1988-07-01T00:00:00+09:00\n"
      "  policy calc \"date(year(as_of), intake_end)\" --as-of 2026-03-01");
  cmd->add_option("EXPR", o->expr, say("表达式（见 docs/policy-language.md）", "The expression (see docs/policy-language.md)"))->required();
  cmd->add_option("--as-of", o->as_of,
                  say("as_of 的值，YYYY-MM-DD（默认：政策时区的今天）", "Value of as_of, YYYY-MM-DD (default: today in the policy time zone)"));
  cmd->add_option("--format", o->format, say("text 或 json", "text or json"))->check(one_of({"text", "json"}));
  cmd->add_flag("--explain", o->explain, say("显示计算步骤", "Show the computation steps"));
  o->pack.add_to(*cmd);
  cmd->callback([o, &action] {
    action = [o] {
      auto engine = load_engine(o->pack, std::cerr);
      if (!engine) return kExitInputError;
      const auto as_of = as_of_date(o->as_of, *engine, std::cerr);
      if (!as_of) return kExitInputError;
      std::vector<rules::source::Diagnostic> diags;
      const auto e = rules::loader::compile_standalone(engine->pack(), o->expr, "<expression>", diags);
      if (!e) {
        // The expression did not compile, so it has no type; JSON readers still get the error.
        if (o->format == "json" && !diags.empty()) {
          std::cout << nlohmann::ordered_json{{"type", nullptr},
                                              {"error", {{"code", diags.front().code}, {"message", diags.front().message}}}}
                           .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                    << "\n";
        }
        print_diagnostics(diags, std::cerr);
        return kExitInputError;
      }
      rules::model::Outcome scratch;
      std::vector<rules::model::TraceStep> trace;
      const auto v = engine->calculate(*e, *as_of, scratch, o->explain ? &trace : nullptr, lang());
      // A value reads as the rule language writes it (ISO dates), so that it can be pasted back into an
      // expression; the steps follow the language of the run.
      const rules::explain::RenderContext ctx{engine->policy(), engine->pack().zone, lang(), true};
      const auto type = e->nodes[e->root].type;
      const std::string type_name = rules::expr::type_display(type, engine->policy().enums);
      if (v.state == rules::model::State::error) {
        const auto& err = scratch.errors[v.error_index];
        if (o->format == "json") {
          std::cout << nlohmann::ordered_json{{"type", type_name}, {"error", {{"code", err.code}, {"message", err.message}}}}
                           .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                    << "\n";
        }
        print_file_error(std::cerr, "<expression>", err.code, err.message, err.message_zh);
        return kExitInputError;
      }
      if (o->format == "json") {
        std::cout << "{\"type\": " << nlohmann::json(type_name).dump()
                  << ", \"value\": " << rules::explain::value_json(ctx, scratch, v, type) << "}\n";
      } else {
        std::cout << rules::explain::value_text(ctx, scratch, v) << "\n";
        for (const auto& s : trace) std::cout << "  " << s.text << "\n";
      }
      return kExitOk;
    };
  });
}

}  // namespace policy_cli
