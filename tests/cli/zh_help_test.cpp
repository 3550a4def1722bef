// The CLI's own texts in Chinese first: every --help (descriptions, CLI11's headings, the footers)
// and the validators' failures (--format, --remind-days); in English with --lang en or
// POLICY_LANG=en, as they were before (packaging/ reads the English help).
#include "harness.h"

namespace {

const RunOptions kPolicyLangEn{"", {{"POLICY_LANG", "en"}}};

TEST(ZhHelp, TheMainHelpIsChineseByDefault) {
  const auto r = run({"--help"});
  EXPECT_EQ(r.code, 0) << r.describe();
  EXPECT_TRUE(r.out.starts_with("policy：按 TOML 写成的政策包，回答高等学校学籍、学历管理中的问题；")) << r.describe();
  EXPECT_TRUE(contains(r.out, "\n示例：\n  policy eval --set discharge_date=2025-06-15")) << r.describe();
  EXPECT_TRUE(contains(r.out, "\n退出码：0 成功；1 政策包或输入有错误；2 用法错误；3（batch）有的行出错。\n")) << r.describe();
  EXPECT_TRUE(contains(r.out, "\n用法: policy [选项] 子命令\n")) << r.describe();
  EXPECT_TRUE(contains(r.out, "\n选项:\n  -h,--help                   显示本帮助并退出\n"
                              "  --help-all                  显示每个子命令的帮助\n"
                              "  --version                   显示程序的版本、内置政策包的 id 和版本，以及源代码修订\n"))
      << r.describe();
  EXPECT_TRUE(contains(r.out, "\n子命令:\n  eval                        按一名学生的情形计算政策包")) << r.describe();
  EXPECT_TRUE(contains(r.out, "\n  batch                       逐行计算一份名单（.xlsx 工作簿，或 Excel 导出的 UTF-8 或 GBK 编码的 CSV）\n"))
      << r.describe();
  EXPECT_TRUE(contains(r.out, "\n  template                    生成一份空白名单工作簿（.xlsx），填好后交给 policy batch\n"))
      << r.describe();
}

TEST(ZhHelp, BatchHelpIsChineseWithItsValueLists) {
  const auto r = run({"batch", "--help"});
  EXPECT_EQ(r.code, 0) << r.describe();
  EXPECT_TRUE(r.out.starts_with("逐行计算一份名单（.xlsx 工作簿，或 Excel 导出的 UTF-8 或 GBK 编码的 CSV）\n用法: policy batch [选项] ROSTER\n"))
      << r.describe();
  // The description's column counts a Chinese character as two (CLI11 alone counts its 3 bytes).
  EXPECT_TRUE(contains(r.out, "\n位置参数:\n  ROSTER TEXT 必需            名单（.csv 或 .xlsx，按文件开头的字节识别；")) << r.describe();
  // The value lists as before (TEXT:{...}: the bash completion reads them), the words in Chinese.
  EXPECT_TRUE(contains(r.out, "\n  --format TEXT:{csv,jsonl,xlsx}\n                              csv、jsonl 或 xlsx（Excel 工作簿：结果、需处理、汇总、依据四张表；"))
      << r.describe();
  EXPECT_TRUE(contains(r.out, "\n  --remind-days INT:0 到 3650 xlsx：截止日期在评估日期之后不超过这么多天的，标为即将到期，该行列入“需处理”表"))
      << r.describe();
  EXPECT_TRUE(contains(r.out, "\n  --encoding TEXT:{auto,utf-8,gb18030,gbk}\n                              auto、utf-8 或 gb18030（GBK 文件按 GB18030 读）\n"))
      << r.describe();
  EXPECT_TRUE(contains(r.out, "\n  --jobs UINT:正数            计算各行的线程数（默认：CPU 核数）")) << r.describe();
  EXPECT_TRUE(contains(r.out, "\n  --header-file FILE 不能同时用: --columns --header-row\n")) << r.describe();
  EXPECT_TRUE(contains(r.out, "\n  --as-of TEXT                评估日期 YYYY-MM-DD（默认：政策时区的今天）\n")) << r.describe();
  EXPECT_TRUE(contains(r.out, "\n  --params TEXT               学校的参数文件（TOML），其中的值取代政策包参数的默认值\n")) << r.describe();
  EXPECT_TRUE(contains(r.out, "\n示例：\n  policy batch examples/rosters/veterans.csv --as-of 2025-12-01 -o results.csv\n"
                              "  policy batch 名单.xlsx -o 结果.xlsx   # 输入和输出都是工作簿：结果、需处理、汇总、依据四张表\n"))
      << r.describe();
}

TEST(ZhHelp, TemplateHelpIsChinese) {
  const auto r = run({"template", "--help"});
  EXPECT_EQ(r.code, 0) << r.describe();
  EXPECT_TRUE(r.out.starts_with("生成一份空白名单工作簿（.xlsx），填好后交给 policy batch\n用法: policy template [选项]\n"))
      << r.describe();
  EXPECT_TRUE(contains(r.out, "\n  -o,--output TEXT 必需       要写的工作簿（.xlsx；- 为标准输出）\n")) << r.describe();
  EXPECT_TRUE(contains(r.out, "\n  --question TEXT 不能同时用: --outputs\n                              政策包中的一个问题（写它的 id，"))
      << r.describe();
  EXPECT_TRUE(contains(r.out, "\n  --force                     -o 指定的文件已经存在时覆盖它（它可能是按以前的模板填好的名单）\n"))
      << r.describe();
  EXPECT_TRUE(contains(r.out, "\n  --lang TEXT:{zh,en}         答案和消息的语言：zh（中文）或 en（英文）")) << r.describe();
  EXPECT_TRUE(contains(r.out, "身份证号和学号为文本格式；“填写说明”表说明怎样填写。\n示例：\n"
                              "  policy template -o 名单模板.xlsx --question enlistment   # 只含退役复学所需的列\n"))
      << r.describe();
}

TEST(ZhHelp, NoHelpShowsCli11sEnglishHeadings) {
  std::vector<std::vector<std::string>> helps = {{"--help"}, {"--help-all"}};
  for (const char* sub : {"eval", "calc", "check", "facts", "test", "batch", "serve", "template"}) helps.push_back({sub, "--help"});
  for (const auto& args : helps) {
    const auto r = run(args);
    EXPECT_EQ(r.code, 0) << r.describe();
    for (const char* english : {"Usage:", "Options:", "Positionals:", "Subcommands:", "REQUIRED", "Excludes:", "Print this help",
                                "Example", "(default"}) {
      EXPECT_FALSE(contains(r.out, english)) << english << "\n" << r.describe();
    }
    EXPECT_TRUE(contains(r.out, "选项:\n")) << r.describe();
  }
  // The subcommands' own words, as --help-all shows them all.
  const auto all = run({"--help-all"});
  for (const char* words : {"按一名学生的情形计算政策包", "用政策包的日历计算一个表达式", "载入并检查政策包", "列出政策包的事实",
                            "运行政策包的 [[tests]] 测试用例", "通过 HTTP 提供学生和老师使用的网页", "另外报告没有任何用例走到的规则",
                            "日历文件中的提醒在截止日期前几天响起（默认 7）"}) {
    EXPECT_TRUE(contains(all.out, words)) << words << "\n" << all.describe();
  }
}

TEST(ZhHelp, EnglishWithLangEnOrPolicyLangEn) {
  for (const auto& [args, opts] : std::vector<std::pair<std::vector<std::string>, RunOptions>>{
           {{"--lang", "en", "--help"}, {}}, {{"--help"}, kPolicyLangEn}}) {
    const auto r = run(args, opts);
    EXPECT_EQ(r.code, 0) << r.describe();
    EXPECT_TRUE(r.out.starts_with("policy: evaluates TOML rule packs for Chinese higher-education student status (学籍) and\n"))
        << r.describe();
    EXPECT_TRUE(contains(r.out, "\nUsage: policy [OPTIONS] SUBCOMMAND\n\nOptions:\n  -h,--help                   Print this help message and exit\n"))
        << r.describe();
    EXPECT_TRUE(contains(r.out, "\nSubcommands:\n  eval                        Evaluate the pack for one situation")) << r.describe();
  }
  for (const auto& [args, opts] : std::vector<std::pair<std::vector<std::string>, RunOptions>>{
           {{"batch", "--help", "--lang", "en"}, {}}, {{"batch", "--help"}, kPolicyLangEn}}) {
    const auto r = run(args, opts);
    EXPECT_EQ(r.code, 0) << r.describe();
    EXPECT_TRUE(contains(r.out, "\nPositionals:\n  ROSTER TEXT REQUIRED        The roster (.csv or .xlsx, told by its first bytes;")) << r.describe();
    EXPECT_TRUE(contains(r.out, "\n  --format TEXT:{csv,jsonl,xlsx}\n                              csv, jsonl or xlsx (an Excel workbook")) << r.describe();
    EXPECT_TRUE(contains(r.out, "\n  --remind-days INT:INT in [0 - 3650]\n                              xlsx: a deadline at most")) << r.describe();
    EXPECT_TRUE(contains(r.out, "\n  --jobs UINT:POSITIVE        Threads evaluating rows")) << r.describe();
    EXPECT_FALSE(contains(r.out, "选项")) << r.describe();
  }
  const auto tpl = run({"template", "--help"}, kPolicyLangEn);
  EXPECT_TRUE(contains(tpl.out, "\n  -o,--output TEXT REQUIRED   The workbook to write (.xlsx; - is standard output)\n")) << tpl.describe();
  // --lang wins over the environment.
  const auto zh = run({"template", "--help", "--lang", "zh"}, kPolicyLangEn);
  EXPECT_TRUE(contains(zh.out, "\n  -o,--output TEXT 必需       要写的工作簿（.xlsx；- 为标准输出）\n")) << zh.describe();
}

TEST(ZhHelp, ABadValueIsSaidInTheRunsLanguage) {
  // The trial: 用法错误[usage]：参数的值不可用：--format: excel not in {csv,jsonl,xlsx}.
  const auto format = run({"batch", "名单.csv", "--format", "excel"});
  EXPECT_EQ(format.code, 2) << format.describe();
  EXPECT_EQ(lines_of(format.err), (std::vector<std::string>{"用法错误[usage]：--format：“excel”不是可用的值，可用的值：csv、jsonl、xlsx",
                                                            "运行 policy batch --help 查看各选项（--lang en 为英文说明）。"}))
      << format.describe();
  const auto days = run({"batch", "名单.csv", "--remind-days", "三十"});
  EXPECT_EQ(days.code, 2) << days.describe();
  EXPECT_EQ(lines_of(days.err), (std::vector<std::string>{"用法错误[usage]：--remind-days：“三十”不是 0 到 3650 之间的整数",
                                                          "运行 policy batch --help 查看各选项（--lang en 为英文说明）。"}))
      << days.describe();
  const auto jobs = run({"batch", "名单.csv", "--jobs", "0"});
  EXPECT_EQ(lines_of(jobs.err).at(0), "用法错误[usage]：--jobs：“0”不是正数") << jobs.describe();
  const auto threshold = run({"test", "--threshold", "101"});
  EXPECT_EQ(threshold.code, 2) << threshold.describe();
  EXPECT_EQ(lines_of(threshold.err).at(0), "用法错误[usage]：--threshold：“101”不是 0 到 100 之间的数") << threshold.describe();
  // A control character in the value is shown escaped, not sent to the terminal.
  const auto lang = run({"eval", "--lang", "f\x1br"});
  EXPECT_EQ(lang.code, 2) << lang.describe();
  EXPECT_EQ(lines_of(lang.err).at(0), "用法错误[usage]：--lang：“f\\x1br”不是可用的值，可用的值：zh、en") << lang.describe();

  // In English as asked, CLI11's words as before.
  for (const auto& [args, opts] : std::vector<std::pair<std::vector<std::string>, RunOptions>>{
           {{"batch", "名单.csv", "--format", "excel", "--lang", "en"}, {}}, {{"batch", "名单.csv", "--format", "excel"}, kPolicyLangEn}}) {
    const auto r = run(args, opts);
    EXPECT_EQ(r.code, 2) << r.describe();
    EXPECT_EQ(lines_of(r.err).at(0), "--format: excel not in {csv,jsonl,xlsx}") << r.describe();
  }
  for (const auto& [args, opts] : std::vector<std::pair<std::vector<std::string>, RunOptions>>{
           {{"batch", "名单.csv", "--remind-days", "三十", "--lang", "en"}, {}}, {{"batch", "名单.csv", "--remind-days", "三十"}, kPolicyLangEn}}) {
    const auto r = run(args, opts);
    EXPECT_EQ(r.code, 2) << r.describe();
    EXPECT_EQ(lines_of(r.err).at(0), "--remind-days: Value 三十 not in range 0 to 3650") << r.describe();
  }
  const auto jobs_en = run({"batch", "名单.csv", "--jobs", "0", "--lang", "en"});
  EXPECT_EQ(lines_of(jobs_en.err).at(0), "--jobs: Value 0 is not a positive number") << jobs_en.describe();
  // What passes is as before: CLI11 reads integers in any base strtoll takes.
  const auto hex = run({"batch", "-", "--remind-days", "0x1e", "--as-of", "2025-12-01", "-o", "/dev/null"},
                       {"学号,退役日期,入伍时身份\n1,2025-06-15,在校生\n"});
  EXPECT_EQ(hex.code, 0) << hex.describe();
}

}  // namespace
