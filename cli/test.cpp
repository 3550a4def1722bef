// policy test: run the pack's own test cases.
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "common.h"
#include "engine/pack_tests.h"

namespace policy_cli {

namespace {

using rules::engine::CoverageKind;

/// A count as the report shows it: `12/13  92.3%` (tenths rounded down, so 100.0% means all).
std::string show_count(const rules::engine::CoverageCount& c) {
  const auto t = c.tenths();
  return std::to_string(c.reached) + "/" + std::to_string(c.total) + "  " + std::to_string(t / 10) + "." +
         std::to_string(t % 10) + "%";
}

/// Prints what the cases reach (`--coverage`): the counts per kind, then every item no case
/// reaches by file:line:col; with a threshold, which counted kinds fall below it. Returns whether
/// rules, outputs and versions all meet `threshold` (branches are reported, not counted).
bool print_coverage(const rules::engine::PackCoverage& coverage, std::optional<double> threshold, bool zh) {
  struct Row {
    CoverageKind kind;
    const char* zh;
    const char* en;
    bool counted;
  };
  static constexpr Row kRows[] = {
      {CoverageKind::rule, "规则", "rules", true},
      {CoverageKind::output, "结果项", "outputs", true},
      {CoverageKind::version, "版本边界日", "version boundary days", true},
      {CoverageKind::branch, "分支（when 与 if）", "branches (when and if)", false},
  };
  std::cout << (zh ? "覆盖率（用例走到的部分）：" : "coverage (what the cases reach):") << "\n";
  for (const auto& row : kRows) {
    std::cout << "  " << (zh ? row.zh : row.en) << (zh ? "：" : ": ") << show_count(coverage.count(row.kind));
    if (!row.counted) std::cout << (zh ? "（只报告，不计入 --threshold）" : " (reported, not counted toward --threshold)");
    std::cout << "\n";
  }
  bool header = false;
  for (const auto& item : coverage.items) {
    if (item.reached) continue;
    if (!header) std::cout << (zh ? "没有用例走到：" : "not reached by any case:") << "\n";
    header = true;
    std::cout << "  " << rules::source::escape_controls(item.where.file) << ":" << item.where.begin.line << ":"
              << item.where.begin.column << ": " << (zh ? item.description_zh : item.description) << "\n";
  }
  if (!threshold) return true;
  std::string below;
  for (const auto& row : kRows) {
    const auto c = coverage.count(row.kind);
    if (!row.counted || c.meets(*threshold)) continue;
    const auto t = c.tenths();
    below += std::string(below.empty() ? "" : (zh ? "，" : ", ")) + (zh ? row.zh : row.en) + " " + std::to_string(t / 10) +
             "." + std::to_string(t % 10) + "%";
  }
  if (below.empty()) return true;
  std::ostringstream at;
  at << *threshold;
  std::cout << (zh ? "覆盖率低于阈值 " + at.str() + "%：" + below : "coverage below the threshold of " + at.str() + "%: " + below)
            << "\n";
  return false;
}

}  // namespace

void add_test(CLI::App& app, Action& action) {
  auto o = std::make_shared<PackOptions>();
  auto coverage = std::make_shared<bool>(false);
  auto threshold = std::make_shared<std::optional<double>>();
  auto* cmd = app.add_subcommand("test", say("运行政策包的 [[tests]] 测试用例，报告每个不通过的用例",
                                             "Run the pack's [[tests]] cases and report each failure"));
  cmd->footer(std::string(say("示例：", "Examples:")) + "\n  policy test --policy ./my-pack\n"
              "  policy test --coverage --threshold 100");
  o->add_to(*cmd);
  cmd->add_flag("--coverage", *coverage,
                say("另外报告没有任何用例走到的规则、输出、版本分界日和 when/if 分支（文件:行:列）",
                    "Also report which rules, outputs, version boundary days and when/if branches no case reaches (file:line:col)"));
  cmd->add_option("--threshold", *threshold,
                  say("与 --coverage 一起用（给了它就等于给了 --coverage）：走到的规则、输出或版本分界日低于 PERCENT 时退出码为 1",
                      "With --coverage (implied): exit 1 when rules, outputs or version boundary days reached are below PERCENT"))
      ->option_text("PERCENT")
      ->check(in_range(0.0, 100.0));
  cmd->callback([o, coverage, threshold, &action] {
    action = [o, coverage, threshold] {
      auto engine = load_engine(*o, std::cerr);
      if (!engine) return kExitInputError;
      const bool with_coverage = *coverage || threshold->has_value();
      rules::engine::PackCoverage reached;
      const auto results = rules::engine::run_pack_tests(*engine, engine->today(), with_coverage ? &reached : nullptr);
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
      const bool enough = !with_coverage || print_coverage(reached, *threshold, zh);
      return failed == 0 && enough ? kExitOk : kExitInputError;
    };
  });
}

}  // namespace policy_cli
