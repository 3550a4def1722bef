// policy test: run the pack's own test cases.
#include <iostream>

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
      std::size_t failed = 0;
      for (const auto& r : results) {
        if (r.failures.empty()) {
          std::cout << "PASS " << r.name << "\n";
          continue;
        }
        ++failed;
        std::cout << "FAIL " << r.name << " (" << r.span.file << ":" << r.span.begin.line << ")\n";
        for (const auto& f : r.failures) std::cout << "    " << f << "\n";
      }
      std::cout << (results.size() - failed) << " passed, " << failed << " failed\n";
      return failed == 0 ? kExitOk : kExitInputError;
    };
  });
}

}  // namespace policy_cli
