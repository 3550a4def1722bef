// policy test: run the pack's own test cases.
#include <iostream>
#include <string>
#include <vector>

#include "common.h"
#include "engine/pack_tests.h"

namespace policy_cli {

void add_test(CLI::App& app, Action& action) {
  auto o = std::make_shared<PackOptions>();
  auto* cmd = app.add_subcommand("test", "Run the pack's [[tests]] cases and report each failure");
  cmd->footer("Example:\n  policy test --policy policy/cn-higher-ed");
  o->add_to(*cmd);
  cmd->callback([o, &action] {
    action = [o] {
      auto engine = load_engine(*o, std::cerr);
      if (!engine) return kExitInputError;
      const auto results = rules::engine::run_pack_tests(*engine, engine->today());
      const bool zh = lang() == rules::source::Lang::zh;
      std::size_t failed = 0;
      for (const auto& r : results) {
        if (r.failures.empty()) {
          std::cout << (zh ? "通过 " : "PASS ") << r.name << "\n";
          continue;
        }
        ++failed;
        const std::string at = r.span.file + ":" + std::to_string(r.span.begin.line);
        std::cout << (zh ? "未通过 " + r.name + "（" + at + "）" : "FAIL " + r.name + " (" + at + ")") << "\n";
        for (std::size_t i = 0; i < r.failures.size(); ++i) {
          std::cout << "    " << (zh && i < r.failures_zh.size() ? r.failures_zh[i] : r.failures[i]) << "\n";
        }
      }
      // Which rules no case reaches: a pack author's first coverage question.
      std::vector<std::size_t> cases(engine->policy().rules.size(), 0);
      for (const auto& r : results) {
        for (const auto rule : r.rules) ++cases[rule];
      }
      std::string unchecked;
      for (std::size_t i = 0; i < cases.size(); ++i) {
        if (cases[i] == 0) unchecked += (unchecked.empty() ? "" : (zh ? "、" : ", ")) + engine->policy().rules[i].id;
      }
      if (!unchecked.empty()) std::cout << (zh ? "没有用例检查的规则：" : "rules no case checks: ") << unchecked << "\n";
      if (zh) {
        std::cout << "通过 " << (results.size() - failed) << " 个，失败 " << failed << " 个\n";
      } else {
        std::cout << (results.size() - failed) << " passed, " << failed << " failed\n";
      }
      return failed == 0 ? kExitOk : kExitInputError;
    };
  });
}

}  // namespace policy_cli
