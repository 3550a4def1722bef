// policy template: an empty roster workbook to fill in (rules/batch/xlsx_writer.h, write_template).
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
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("template", "Write an empty roster workbook (.xlsx) to fill in for policy batch");
  cmd->footer(
      "One column per fact the outputs need (their labels as headers, which policy batch reads), each with a comment\n"
      "saying what to enter, drop-down lists for enums and 是/否, date and length checks, ID numbers and 学号 as text;\n"
      "a sheet 填写说明 says how to fill it in.\n"
      "Example:\n"
      "  policy template -o 名单模板.xlsx --question enlistment   # only the columns 退役复学 needs\n"
      "  policy template -o 名单模板.xlsx --outputs reenroll_deadline");
  cmd->add_option("-o,--output", o->output, "The workbook to write (.xlsx; - is standard output)")->required();
  cmd->add_option("--outputs", o->outputs,
                  "Comma-separated outputs (names or labels) the roster is for (default: every output but guidance text)");
  cmd->add_option("--question", o->question,
                  "A question of the pack (its id, as policy serve's GET /v1/questions lists them, or its words): only the "
                  "columns its answers need, the facts it asks first leading")
      ->excludes("--outputs");
  o->pack.add_to(*cmd);
  cmd->callback([o, &action] {
    if (o->output.empty()) throw CLI::ValidationError("-o", "the output file name is empty (use -o - for standard output)");
    if (o->output == "-" && ::isatty(STDOUT_FILENO)) {
      throw CLI::ValidationError("-o -", "a workbook is not text for a terminal: write it to a file (-o 名单模板.xlsx) "
                                         "or redirect standard output (> 名单模板.xlsx)");
    }
    action = [o] {
      auto engine = load_engine(o->pack, std::cerr);
      if (!engine) return kExitInputError;
      std::vector<std::uint32_t> outputs;
      if (!resolve_outputs(*engine, o->outputs, "batch_unknown_output", outputs)) return kExitUsage;
      std::optional<std::uint32_t> question;
      if (!o->question.empty() && !(question = resolve_question(*engine, o->question, "template_unknown_question"))) return kExitUsage;
      const bool to_stdout = o->output == "-";
      const std::string shown = to_stdout ? "standard output" : o->output;
      std::unique_ptr<OutputFile> target = to_stdout ? std::make_unique<OutputFile>() : std::make_unique<OutputFile>(o->output);
      if (!target->ok()) {
        print_file_error(std::cerr, shown, "batch_io", "cannot write the output file: " + target->why(),
                         "无法写入输出文件：" + target->why());
        return kExitInputError;
      }
      // libxlsxwriter writes a file by its path: the temporary -o renames into place, or one
      // copied to standard output, a device or a pipe.
      std::string spooled, why;
      const std::string path = path_for_writer(*target, "policy-template", spooled, why);
      if (path.empty()) {
        print_file_error(std::cerr, spooled, "batch_io", "cannot create a temporary file: " + why, "无法创建临时文件：" + why);
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
                         "模板未能写入：" + target->why());
        return kExitInputError;
      }
      std::cerr << (lang() == rules::source::Lang::zh ? "名单模板已写入 " + (to_stdout ? std::string("标准输出") : shown) + "：填好“名单”表后运行 policy batch\n"
                                                      : "roster template written to " + shown + ": fill in the Roster sheet, then run policy batch\n");
      return kExitOk;
    };
  });
}

}  // namespace policy_cli
