// policy facts: list the facts a situation or roster may give.
#include <iostream>

#include "common.h"
#include "expr/checker.h"

namespace policy_cli {

void add_facts(CLI::App& app, Action& action) {
  auto o = std::make_shared<PackOptions>();
  auto* cmd = app.add_subcommand("facts", "List the pack's facts: name, type, label and accepted CSV headers");
  cmd->footer("Example:\n  policy facts");
  o->add_to(*cmd, false);
  cmd->callback([o, &action] {
    action = [o] {
      auto engine = load_engine(*o, std::cerr);
      if (!engine) return kExitInputError;
      const auto& p = engine->policy();
      for (const auto& f : p.facts) {
        std::cout << f.name << "  " << rules::expr::type_display(f.type, p.enums) << "  " << f.label << "\n";
        std::cout << "    " << f.description << "\n";
        if (f.type.kind == rules::model::Kind::enumeration) {
          std::cout << "    values:";
          for (const auto& v : p.enums[f.type.enum_id].values) std::cout << " " << v.name << (v.label.empty() ? "" : " (" + v.label + ")");
          std::cout << "\n";
        }
        if (!f.csv_headers.empty()) {
          std::cout << "    CSV headers:";
          for (const auto& h : f.csv_headers) std::cout << " " << h;
          std::cout << "\n";
        }
      }
      return kExitOk;
    };
  });
}

}  // namespace policy_cli
