// policy: evaluate 学籍/学历 rule packs. The one place that turns failures into exit codes.
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "common.h"
#include "source/utf8.h"
#include "version.h"

namespace {

/// The language of the CLI's own texts (policy_cli::set_cli_lang): the last `--lang zh|en` in the
/// arguments, else POLICY_LANG (checked to be a language before), else Chinese.
rules::source::Lang cli_lang_of(int argc, char** argv) {
  auto lang = rules::source::Lang::zh;
  if (const char* env = std::getenv("POLICY_LANG"); env && *env) lang = rules::source::parse_lang(env).value_or(lang);
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--lang=en" || (a == "--lang" && i + 1 < argc && std::string_view(argv[i + 1]) == "en")) lang = rules::source::Lang::en;
    if (a == "--lang=zh" || (a == "--lang" && i + 1 < argc && std::string_view(argv[i + 1]) == "zh")) lang = rules::source::Lang::zh;
  }
  return lang;
}

/// CLI11's help formatter, with an option's names and value type padded to the column of its
/// description by their width on a terminal (rules::source::display_width): CLI11 pads by bytes,
/// which leaves `ROSTER TEXT 必需` two columns short. Otherwise as CLI11's own (its format_help).
class HelpFormatter : public CLI::Formatter {
 public:
  std::string make_option(const CLI::Option* opt, bool is_positional) const override {
    std::string out = "  " + make_option_name(opt, is_positional) + make_option_opts(opt);
    const std::string description = make_option_desc(opt);
    if (!description.empty()) {
      const std::size_t width = rules::source::display_width(out);
      out += width >= column_width_ ? "\n" + std::string(column_width_, ' ') : std::string(column_width_ - width, ' ');
      for (const char c : description) {
        out += c;
        if (c == '\n') out.append(column_width_, ' ');
      }
    }
    return out + "\n";
  }
};

}  // namespace

int main(int argc, char** argv) {
  using policy_cli::say;
  if (const char* env = std::getenv("POLICY_LANG"); env && *env && !rules::source::parse_lang(env)) {
    std::cerr << "policy: POLICY_LANG='" << rules::source::escape_controls(env)
              << "' is not a language: use zh or en (环境变量 POLICY_LANG 只能是 zh 或 en)\n";
    return policy_cli::kExitUsage;
  }
  // Help, usage errors and --version in the run's language, decided before the subcommands are
  // added so that their help is chosen in it: before the pack is loaded that is --lang or
  // POLICY_LANG, else Chinese.
  policy_cli::set_cli_lang(cli_lang_of(argc, argv));
  const bool english = policy_cli::cli_lang() == rules::source::Lang::en;
  CLI::App app{
      say("policy：按 TOML 写成的政策包，回答高等学校学籍、学历管理中的问题；日期按民法典的期间规定计算，\n"
          "每个答案都注明所依据的文件和条款。\n\n"
          "示例：\n"
          "  policy eval --set discharge_date=2025-06-15 --set enlisted_as=enrolled_student --as-of 2025-12-01\n"
          "  policy calc \"2022-02-28 + P2Y\"\n"
          "  policy check --policy ./本校政策包    # 检查一个政策包；不加 --policy 检查内置政策包\n"
          "  policy facts\n"
          "  policy test --coverage            # 内置政策包自带的测试用例及其覆盖\n"
          "  policy batch 名单.xlsx --as-of 2025-12-01 -o 结果.xlsx\n"
          "  policy template -o 名单模板.xlsx    # 空白名单工作簿；填好后 policy batch 名单.xlsx -o 结果.xlsx\n"
          "  policy serve            # 网页和 JSON 接口，地址 http://127.0.0.1:8080/\n"
          "语言：本说明、答案和消息默认为中文（答案和消息随政策包，cn-higher-ed 为中文）；加 --lang en 或设置 POLICY_LANG=en 为英文。\n"
          "退出码：0 成功；1 政策包或输入有错误；2 用法错误；3（batch）有的行出错。",
          "policy: evaluates TOML rule packs for Chinese higher-education student status (学籍) and\n"
          "academic credentials (学历), with Civil Code date arithmetic and cited explanations.\n\n"
          "Examples:\n"
          "  policy eval --set discharge_date=2025-06-15 --set enlisted_as=enrolled_student --as-of 2025-12-01\n"
          "  policy calc \"2022-02-28 + P2Y\"\n"
          "  policy check --policy ./my-pack     # check a pack; without --policy, the built-in one\n"
          "  policy facts\n"
          "  policy test --coverage            # the built-in pack's own test cases and their coverage\n"
          "  policy batch roster.xlsx --as-of 2025-12-01 -o result.xlsx\n"
          "  policy template -o 名单模板.xlsx    # an empty roster workbook; fill it in, then policy batch 名单.xlsx -o 结果.xlsx\n"
          "  policy serve            # the page and the JSON API at http://127.0.0.1:8080/\n"
          "Language: answers and messages follow the pack (中文 for cn-higher-ed); --lang en or POLICY_LANG=en for English.\n"
          "Exit codes: 0 success, 1 errors in the pack or the input, 2 usage error, 3 (batch) some rows had errors."),
      "policy"};
  app.require_subcommand(1);
  app.formatter(std::make_shared<HelpFormatter>());
  // CLI11's headings (Usage:, Options:, Positionals:, Subcommands:, REQUIRED) in Chinese. The
  // subcommands share the formatter and take the group names from the app when they are added.
  // Not the value types (TEXT, INT): Formatter::get_label would look them up too, and
  // packaging/bash_completion.cmake reads them (it reads the English help).
  if (!english) {
    static constexpr std::pair<const char*, const char*> kLabels[] = {
        {"Usage", "用法"},    {"Positionals", "位置参数"}, {"OPTIONS", "选项"}, {"SUBCOMMAND", "子命令"},
        {"REQUIRED", "必需"}, {"Excludes", "不能同时用"},  {"Needs", "需要"}};
    for (const auto& [key, label] : kLabels) app.get_formatter()->label(key, label);
    app.option_defaults()->group("选项");
    app.group("子命令");
  }
  app.set_help_flag("-h,--help", say("显示本帮助并退出", "Print this help message and exit"));
  app.set_help_all_flag("--help-all", say("显示每个子命令的帮助", "Help for every subcommand"));
  // Before the subcommands are required (CLI11 answers --version first, like --help).
  app.set_version_flag("--version", [english] { return policy_cli::version_text(english); },
                       say("显示程序的版本、内置政策包的 id 和版本，以及源代码修订",
                           "The program's version, its built-in pack's id and version, and the source revision"));
  policy_cli::Action action;
  policy_cli::add_eval(app, action);
  policy_cli::add_calc(app, action);
  policy_cli::add_check(app, action);
  policy_cli::add_facts(app, action);
  policy_cli::add_test(app, action);
  policy_cli::add_batch(app, action);
  policy_cli::add_serve(app, action);
  policy_cli::add_template(app, action);
  if (!english) {
    // A subcommand makes its help flags before it takes the app's option defaults: in 选项 too.
    for (CLI::App* sub : app.get_subcommands({})) {
      for (const char* name : {"--help", "--help-all"}) {
        if (CLI::Option* help = sub->get_option_no_throw(name)) help->group("选项");
      }
    }
    app.failure_message([](const CLI::App* failed, const CLI::Error& e) {
      using Code = CLI::ExitCodes;
      const auto code = static_cast<Code>(e.get_exit_code());
      std::string detail = e.what();
      if (code == Code::ValidationError) {
        // The validators (policy_cli::one_of, in_range) and usage_error say in Chinese what is
        // wrong: only the option's name before it (CLI11 writes `--format: `), with a Chinese colon.
        if (const auto colon = detail.find(": "); colon != std::string::npos) detail.replace(colon, 2, "：");
      } else {
        // CLI11's own detail (English, naming the option) follows the Chinese words.
        const char* what = code == Code::ExtrasError         ? "有不认识的选项或多余的值"
                           : code == Code::RequiredError     ? "缺少必需的参数"
                           : code == Code::ConversionError   ? "参数的值不是所要求的类型"
                           : code == Code::ExcludesError     ? "这两个选项不能同时使用"
                           : code == Code::RequiresError     ? "这个选项要和另一个选项一起使用"
                           : code == Code::ArgumentMismatch  ? "参数的个数不对（例如同一个选项给了两次）"
                                                             : "命令行有误";
        detail = std::string(what) + "：" + detail;
      }
      // The subcommand being parsed, for its own --help.
      std::string command = "policy";
      const auto parsed = failed->get_subcommands();
      if (!parsed.empty()) command += " " + parsed.front()->get_name();
      return "用法错误[usage]：" + detail + "\n运行 " + command + " --help 查看各选项（--lang en 为英文说明）。\n";
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
