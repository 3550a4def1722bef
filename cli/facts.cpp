// policy facts: list the facts a situation or roster may give.
#include <iostream>
#include <string>

#include "common.h"
#include "model/value_parse.h"
#include "expr/checker.h"

namespace policy_cli {
namespace {

using rules::model::Kind;

/// The kind of a fact in a registrar's words (日期, 是否, 选项, ...).
std::string kind_zh(rules::model::Type t) {
  switch (t.kind) {
    case Kind::date: return "日期";
    case Kind::boolean: return "是否";
    case Kind::integer: return "整数";
    case Kind::string: case Kind::text: return "文字";
    case Kind::resident_id: return "身份证号";
    case Kind::instant: return "时刻";
    case Kind::period: return "期间";
    case Kind::time_of_day: return "时间";
    case Kind::month_day: return "月日";
    case Kind::window: return "时间窗";
    case Kind::list: return "列表";
    case Kind::enumeration: return "选项";
  }
  return "值";
}

}  // namespace

void add_facts(CLI::App& app, Action& action) {
  auto o = std::make_shared<PackOptions>();
  auto* cmd = app.add_subcommand("facts", say("列出政策包的事实：名称、类型、中文名、说明和能识别的 CSV 表头",
                                              "List the pack's facts: name, type, label, help and accepted CSV headers"));
  cmd->footer(std::string(say("示例：", "Example:")) + "\n  policy facts");
  o->add_to(*cmd, false);
  cmd->callback([o, &action] {
    action = [o] {
      auto engine = load_engine(*o, std::cerr);
      if (!engine) return kExitInputError;
      const auto& p = engine->policy();
      if (lang() == rules::source::Lang::zh) {
        // For a registrar: what each fact is called, what to enter, which roster columns carry it.
        std::cout << "政策包 " << p.header.id << " 的事实（情形文件、--set 和名单的列可以提供的信息），共 " << p.facts.size()
                  << " 项：\n";
        for (const auto& f : p.facts) {
          std::cout << "\n" << (f.label.empty() ? f.name : f.label) << "  " << f.name << "（" << kind_zh(f.type) << "）\n";
          if (!f.help.empty()) std::cout << "    说明：" << f.help << "\n";
          std::cout << "    填写：" << rules::model::expected_form(f.type, p.enums, rules::source::Lang::zh) << "\n";
          if (!f.csv_headers.empty()) {
            std::cout << "    名单列名：";
            for (std::size_t i = 0; i < f.csv_headers.size(); ++i) std::cout << (i ? "、" : "") << f.csv_headers[i];
            std::cout << "\n";
          }
        }
        return kExitOk;
      }
      for (const auto& f : p.facts) {
        std::cout << f.name << "  " << rules::expr::type_display(f.type, p.enums) << "  " << f.label << "\n";
        std::cout << "    " << f.description << "\n";
        // The words people see beside the input, in the pack's language (not translated).
        if (!f.help.empty()) std::cout << "    help: " << f.help << "\n";
        if (f.type.kind == Kind::enumeration) {
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
