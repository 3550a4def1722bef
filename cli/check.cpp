// policy check: load and check a pack, reporting every problem.
#include <iostream>

#include "common.h"

namespace policy_cli {

void add_check(CLI::App& app, Action& action) {
  auto o = std::make_shared<PackOptions>();
  auto* cmd = app.add_subcommand("check", say("载入并检查政策包；每个问题一行：文件:行:列: 错误[代码]: 消息",
                                              "Load and check a pack; print each problem as file:line:col: error[code]: message"));
  cmd->footer(std::string(say("示例：", "Example:")) + "\n  policy check --policy ./my-pack\n  policy check");
  o->add_to(*cmd);
  cmd->callback([o, &action] {
    action = [o] {
      auto engine = load_engine(*o, std::cerr);
      if (!engine) return kExitInputError;
      const auto& p = engine->policy();
      if (lang() == rules::source::Lang::zh) {
        std::cout << "检查通过：" << p.header.id << " " << p.header.version << "（" << p.header.timezone << "）："
                  << p.facts.size() << " 个事实、" << p.parameters.size() << " 个参数、" << p.rules.size() << " 条规则、"
                  << engine->pack().outputs.size() << " 个输出、" << p.tests.size() << " 个测试用例\n";
      } else {
        std::cout << "ok: " << p.header.id << " " << p.header.version << " (" << p.header.timezone << "): "
                  << p.facts.size() << " facts, " << p.parameters.size() << " parameters, " << p.rules.size() << " rules, "
                  << engine->pack().outputs.size() << " outputs, " << p.tests.size() << " tests\n";
      }
      return kExitOk;
    };
  });
}

}  // namespace policy_cli
