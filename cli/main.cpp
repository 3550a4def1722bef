// policy: evaluate 学籍/学历 rule packs. The one place that turns failures into exit codes.
#include <iostream>

#include "common.h"

int main(int argc, char** argv) {
  CLI::App app{
      "policy: evaluates TOML rule packs for Chinese higher-education student status (学籍) and\n"
      "academic credentials (学历), with Civil Code date arithmetic and cited explanations.\n\n"
      "Examples:\n"
      "  policy eval --set discharge_date=2025-06-15 --set enlisted_as=enrolled_student --as-of 2025-12-01\n"
      "  policy calc \"2022-02-28 + P2Y\"\n"
      "  policy check --policy policy/cn-higher-ed\n"
      "  policy facts\n"
      "  policy test --policy policy/cn-higher-ed\n"
      "  policy batch roster.csv --as-of 2025-12-01 -o results.csv\n"
      "Exit codes: 0 success, 1 errors in the pack or the input, 2 usage error, 3 (batch) some rows had errors.",
      "policy"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Help for every subcommand");
  policy_cli::Action action;
  policy_cli::add_eval(app, action);
  policy_cli::add_calc(app, action);
  policy_cli::add_check(app, action);
  policy_cli::add_facts(app, action);
  policy_cli::add_test(app, action);
  policy_cli::add_batch(app, action);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? policy_cli::kExitOk : policy_cli::kExitUsage;
  }
  try {
    return action ? action() : policy_cli::kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "policy: internal error: " << e.what() << "\n";
    return policy_cli::kExitInputError;
  }
}
