// policy eval: evaluate the pack for one situation.
#include <iostream>
#include <sstream>

#include "common.h"
#include "explain/render.h"
#include "loader/situation_reader.h"

namespace policy_cli {

void add_eval(CLI::App& app, Action& action) {
  struct Opts {
    PackOptions pack;
    std::string situation;
    std::vector<std::string> sets;
    std::string as_of;
    std::string format = "text";
    std::string outputs;
    bool explain = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("eval", say("按一名学生的情形计算政策包（事实写在 TOML/JSON 文件中，- 为标准输入，也可以用 --set 给出）",
                                             "Evaluate the pack for one situation (a TOML/JSON file of facts, - for stdin, and/or --set)"));
  cmd->footer(
      std::string(say("示例：\n", "Example:\n")) +
      "  policy eval --set discharge_date=2025-06-15 --set enlisted_as=enrolled_student --as-of 2025-12-01 --format json\n"
      "  policy eval --set 退役日期=2025-06-15 --set 入伍时身份=在读 --outputs 入学资格/学籍保留至 --as-of 2025年12月1日\n"
      "  policy eval examples/situations/returning-veteran.toml --explain");
  cmd->add_option("SITUATION", o->situation,
                  say("情形文件（.toml 或 .json），- 为标准输入", "Situation file (.toml or .json), or - for standard input"));
  cmd->add_option("--set", o->sets, say("事实=值（可以给多次）；优先于文件中的值", "fact=value (repeatable); overrides the file"))
      ->allow_extra_args(false);
  cmd->add_option("--as-of", o->as_of,
                  say("评估日期 YYYY-MM-DD（默认：政策时区的今天）", "Evaluation date YYYY-MM-DD (default: today in the policy time zone)"));
  cmd->add_option("--format", o->format, say("text 或 json", "text or json"))->check(one_of({"text", "json"}));
  cmd->add_flag("--explain", o->explain,
                say("显示每条规则的计算步骤（JSON 中总是有）", "Show every rule's computation steps (always present in JSON)"));
  cmd->add_option("--outputs", o->outputs,
                  say("要显示的输出，用逗号分隔，写名称或中文名（默认：全部）",
                      "Comma-separated outputs to show, by name or label (default: all)"));
  o->pack.add_to(*cmd);
  cmd->callback([o, &action] {
    action = [o] {
      auto engine = load_engine(o->pack, std::cerr);
      if (!engine) return kExitInputError;
      const auto as_of = as_of_date(o->as_of, *engine, std::cerr);
      if (!as_of) return kExitInputError;
      std::vector<std::uint32_t> outputs;
      if (!resolve_outputs(*engine, o->outputs, "eval_unknown_output", outputs)) return kExitUsage;
      auto situation = engine->new_situation();
      std::vector<rules::source::Diagnostic> diags;
      if (!o->situation.empty()) {
        const std::string name = o->situation == "-" ? "<stdin>" : o->situation;
        InputFile in;
        std::ostringstream ss;
        if (in.open(o->situation)) ss << &in;  // a failed read ends the copy, and why() says why
        if (!in.why().empty()) {
          print_file_error(std::cerr, name, "situation_io", "cannot read the situation file: " + in.why(),
                           "无法读取情形文件：" + reason_zh(in.why()));
          return kExitInputError;
        }
        rules::loader::read_situation(engine->pack(), {name, ss.str()}, situation, diags);
      }
      for (const auto& s : o->sets) rules::loader::set_fact(engine->pack(), s, situation, diags);
      if (!diags.empty()) {
        rules::source::sort_diagnostics(diags);
        print_diagnostics(diags, std::cerr);
        return kExitInputError;
      }
      rules::model::Outcome out;
      const bool json = o->format == "json";
      // JSON keeps its English steps (the machine contract); text follows the run's language.
      engine->evaluate(situation, *as_of, out,
                       rules::engine::EvalOptions::explaining(json || o->explain, json ? rules::source::Lang::en : lang()));
      const rules::explain::RenderContext ctx{engine->policy(), engine->pack().zone, lang()};
      if (json) {
        std::cout << rules::explain::render_json(ctx, out, outputs) + "\n";
        return kExitOk;
      }
      rules::explain::TextOptions text{o->explain, outputs, {}};
      // Per rule, the facts its outputs (every version's) can read: a question none of whose facts
      // was given is named once, not asked fact by fact.
      text.rule_facts.resize(engine->policy().rules.size());
      for (std::size_t r = 0; r < engine->pack().rules.size(); ++r) {
        for (const auto oi : engine->pack().rules[r].outputs) {
          for (const auto f : engine->facts_read(oi)) text.rule_facts[r].set(f);
        }
      }
      std::cout << rules::explain::render_text(ctx, out, text);
      return kExitOk;
    };
  });
}

}  // namespace policy_cli
