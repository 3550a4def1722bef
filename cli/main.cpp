// policy: evaluate 学籍/学历 rule packs. The one place that turns failures into exit codes.
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>

#include "common.h"
#include "version.h"

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
      "  policy template -o 名单模板.xlsx    # an empty roster workbook; policy batch 名单.csv -o 结果.xlsx\n"
      "  policy serve            # the page and the JSON API at http://127.0.0.1:8080/\n"
      "Language: answers and messages follow the pack (中文 for cn-higher-ed); --lang en or POLICY_LANG=en for English.\n"
      "Exit codes: 0 success, 1 errors in the pack or the input, 2 usage error, 3 (batch) some rows had errors.",
      "policy"};
  app.require_subcommand(1);
  if (const char* env = std::getenv("POLICY_LANG"); env && *env && !rules::source::parse_lang(env)) {
    std::cerr << "policy: POLICY_LANG='" << rules::source::escape_controls(env)
              << "' is not a language: use zh or en (环境变量 POLICY_LANG 只能是 zh 或 en)\n";
    return policy_cli::kExitUsage;
  }
  app.set_help_all_flag("--help-all", "Help for every subcommand");
  // Before the subcommands are required (CLI11 answers --version first, like --help); in the
  // language of the run, decided below from --lang and POLICY_LANG.
  bool english = false;
  app.set_version_flag("--version", [&english] { return policy_cli::version_text(english); },
                       "The program's version, its built-in pack's id and version, and the source revision");
  policy_cli::Action action;
  policy_cli::add_eval(app, action);
  policy_cli::add_calc(app, action);
  policy_cli::add_check(app, action);
  policy_cli::add_facts(app, action);
  policy_cli::add_test(app, action);
  policy_cli::add_batch(app, action);
  policy_cli::add_serve(app, action);
  policy_cli::add_template(app, action);
  // Usage errors (and --version) in the run's language. Before the pack is loaded that is --lang or
  // POLICY_LANG, else Chinese; CLI11's own detail (English, naming the option) follows the Chinese words.
  if (const char* env = std::getenv("POLICY_LANG"); env && std::string_view(env) == "en") english = true;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--lang=en" || (a == "--lang" && i + 1 < argc && std::string_view(argv[i + 1]) == "en")) english = true;
    if (a == "--lang=zh" || (a == "--lang" && i + 1 < argc && std::string_view(argv[i + 1]) == "zh")) english = false;
  }
  if (!english) {
    app.failure_message([](const CLI::App* failed, const CLI::Error& e) {
      using Code = CLI::ExitCodes;
      const auto code = static_cast<Code>(e.get_exit_code());
      const char* what = code == Code::ExtrasError         ? "有不认识的选项或多余的值"
                         : code == Code::RequiredError     ? "缺少必需的参数"
                         : code == Code::ConversionError   ? "参数的值不是所要求的类型"
                         : code == Code::ValidationError   ? "参数的值不可用"
                         : code == Code::ExcludesError     ? "这两个选项不能同时使用"
                         : code == Code::RequiresError     ? "这个选项要和另一个选项一起使用"
                         : code == Code::ArgumentMismatch  ? "参数的个数不对（例如同一个选项给了两次）"
                                                           : "命令行有误";
      // The subcommand being parsed, for its own --help.
      std::string command = "policy";
      const auto parsed = failed->get_subcommands();
      if (!parsed.empty()) command += " " + parsed.front()->get_name();
      return std::string("用法错误[usage]：") + what + "：" + e.what() + "\n运行 " + command +
             " --help 查看各选项（--lang en 为英文说明）。\n";
    });
  }
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
