// policy template: an empty roster workbook to fill in (rules/batch/xlsx_writer.h, write_template).
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "batch/xlsx_writer.h"
#include "common.h"
#include "output_file.h"

namespace policy_cli {

void add_template(CLI::App& app, Action& action) {
  struct Opts {
    PackOptions pack;
    std::string output;
    std::string outputs;
    std::string question;
    bool force = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("template", say("生成一份空白名单工作簿（.xlsx），填好后交给 policy batch",
                                                 "Write an empty roster workbook (.xlsx) to fill in for policy batch"));
  cmd->footer(say(
      "输出所需的每个事实一列（表头是事实的中文名，policy batch 按表头读取），每列的批注说明填什么；\n"
      "枚举和是/否有下拉列表，日期和长度有校验，身份证号和学号为文本格式；“填写说明”表说明怎样填写。\n"
      "示例：\n"
      "  policy template -o 名单模板.xlsx --question enlistment   # 只含退役复学所需的列\n"
      "  policy template -o 名单模板.xlsx --outputs reenroll_deadline",
      "One column per fact the outputs need (their labels as headers, which policy batch reads), each with a comment\n"
      "saying what to enter, drop-down lists for enums and 是/否, date and length checks, ID numbers and 学号 as text;\n"
      "a sheet 填写说明 says how to fill it in.\n"
      "Example:\n"
      "  policy template -o 名单模板.xlsx --question enlistment   # only the columns 退役复学 needs\n"
      "  policy template -o 名单模板.xlsx --outputs reenroll_deadline"));
  cmd->add_option("-o,--output", o->output, say("要写的工作簿（.xlsx；- 为标准输出）", "The workbook to write (.xlsx; - is standard output)"))
      ->required();
  cmd->add_option("--outputs", o->outputs,
                  say("名单用于哪些输出，用逗号分隔，写名称或中文名（默认：除指引文字外的全部输出）",
                      "Comma-separated outputs (names or labels) the roster is for (default: every output but guidance text)"));
  cmd->add_option("--question", o->question,
                  say("政策包中的一个问题（写它的 id，即 policy serve 的 GET /v1/questions 列出的名称，或写问题原文）："
                      "只含回答它所需的列，先问的事实排在前面",
                      "A question of the pack (its id, as policy serve's GET /v1/questions lists them, or its words): only the "
                      "columns its answers need, the facts it asks first leading"))
      ->excludes("--outputs");
  cmd->add_flag("--force", o->force,
                say("-o 指定的文件已经存在时覆盖它（它可能是按以前的模板填好的名单）",
                    "Replace the file -o names when it already exists (it may be a roster filled in from an earlier template)"));
  o->pack.add_to(*cmd);
  cmd->callback([o, &action] {
    if (o->output.empty()) usage_error("-o", "the output file name is empty (use -o - for standard output)", "输出文件名是空的（要写到标准输出请用 -o -）");
    if (o->output == "-" && ::isatty(STDOUT_FILENO)) {
      usage_error("-o -", "a workbook is not text for a terminal: write it to a file (-o 名单模板.xlsx) or redirect standard output (> 名单模板.xlsx)",
                  "工作簿不是可以显示在终端上的文字：请写到文件（-o 名单模板.xlsx）或把标准输出重定向（> 名单模板.xlsx）");
    }
    action = [o] {
      auto engine = load_engine(o->pack, std::cerr);
      if (!engine) return kExitInputError;
      std::vector<std::uint32_t> outputs;
      if (!resolve_outputs(*engine, o->outputs, "batch_unknown_output", outputs)) return kExitUsage;
      std::optional<std::uint32_t> question;
      if (!o->question.empty() && !(question = resolve_question(*engine, o->question, "template_unknown_question"))) return kExitUsage;
      const bool to_stdout = o->output == "-";
      // A roster filled in from an earlier template is easily named like the next one (the trial's
      // registrar lost eleven students so): an existing file is replaced only when asked. A device
      // or a pipe is written in place, as for batch.
      struct stat existing{};
      if (!to_stdout && !o->force && ::stat(o->output.c_str(), &existing) == 0 && S_ISREG(existing.st_mode) && existing.st_size > 0) {
        print_file_error(std::cerr, o->output, "template_exists",
                         "the file exists (perhaps a roster already filled in): choose another name, or add --force to replace it",
                         "文件已存在（可能是已经填好的名单）：请换一个文件名，或加 --force 覆盖它");
        return kExitInputError;
      }
      const std::string shown = to_stdout ? "standard output" : o->output;
      std::unique_ptr<OutputFile> target = to_stdout ? std::make_unique<OutputFile>() : std::make_unique<OutputFile>(o->output);
      if (!target->ok()) {
        print_file_error(std::cerr, shown, "batch_io", "cannot write the output file: " + target->why(),
                         "无法写入输出文件：" + reason_zh(target->why()));
        return kExitInputError;
      }
      // libxlsxwriter writes a file by its path: the temporary -o renames into place, or one
      // copied to standard output, a device or a pipe.
      std::string spooled, why;
      const std::string path = path_for_writer(*target, "policy-template", spooled, why);
      if (path.empty()) {
        print_file_error(std::cerr, spooled, "batch_io", "cannot create a temporary file: " + why, "无法创建临时文件：" + reason_zh(why));
        return kExitInputError;
      }
      const auto diags = rules::batch::write_template(*engine, outputs, path, lang(), question);
      bool copied = diags.empty() && (spooled.empty() || target->copy_from(spooled));
      if (!spooled.empty()) ::unlink(spooled.c_str());
      if (!diags.empty()) {
        auto shown_diags = diags;
        for (auto& d : shown_diags) d.span.file = shown;
        print_diagnostics(shown_diags, std::cerr);
        return kExitInputError;
      }
      if (!copied || !target->commit()) {
        print_file_error(std::cerr, shown, "batch_io", "the output could not be written: " + target->why(),
                         "模板未能写入：" + reason_zh(target->why()));
        return kExitInputError;
      }
      // The command to run once it is filled in, with the question it was made for.
      const std::string run = "policy batch " + (to_stdout ? std::string(lang() == rules::source::Lang::zh ? "名单.xlsx" : "roster.xlsx") : shown) +
                              (question ? " --question " + engine->policy().questions[*question].id : std::string()) +
                              (lang() == rules::source::Lang::zh ? " -o 结果.xlsx" : " -o result.xlsx");
      std::cerr << (lang() == rules::source::Lang::zh ? "名单模板已写入 " + (to_stdout ? std::string("标准输出") : shown) + "：填好“名单”表后运行 " + run + "\n"
                                                      : "roster template written to " + shown + ": fill in the Roster sheet, then run " + run + "\n");
      return kExitOk;
    };
  });
}

}  // namespace policy_cli
