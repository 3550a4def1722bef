// policy batch: evaluate every row of a roster exported from Excel.
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <csignal>
#include <cerrno>
#include <cstring>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <thread>
#include <vector>

#include "batch/batch.h"
#include "batch/roster_reader.h"
#include "batch/xlsx_reader.h"
#include "common.h"
#include "output_file.h"

namespace policy_cli {

namespace {

/// Exit code when some rows had errors (README).
constexpr int kExitRowErrors = 3;

/// --jobs may be at most this many times the cores std::thread::hardware_concurrency reports, or
/// kJobsPerCore x kFallbackCores when it reports none: more threads than that only share the
/// same cores, and each holds its own rounds of rows and memo (rules/batch/batch.h).
constexpr unsigned kJobsPerCore = 4;
constexpr unsigned kFallbackCores = 16;

/// A split's header row (docs/cluster.md): the one row of `in`, a --header-file (`name`) or the
/// text of --columns, read as a roster is (RosterReader, `encoding`), and the encoding it shows
/// (a BOM, or bytes beyond ASCII), which a split cannot tell as the whole file would; an ASCII
/// header shows none. Prints a coded error and returns nullopt when the header has no row or more
/// than one (`batch_bad_header`) or cannot be read (its source's code).
struct SplitHeader {
  rules::batch::Record row;
  std::optional<rules::batch::Encoding> encoding;
};
std::optional<SplitHeader> read_split_header(std::istream& in, const std::string& name, rules::batch::Encoding encoding) {
  rules::batch::RosterReader reader(in, encoding);
  SplitHeader header;
  rules::batch::Record more;
  const bool got = reader.next(header.row);
  const bool second = got && reader.next(more);
  if (const auto f = reader.failure()) {
    print_file_error(std::cerr, name, f->code, f->message, f->message_zh);
    return std::nullopt;
  }
  if (!got || second) {
    print_file_error(std::cerr, name, "batch_bad_header",
                     !got ? "the header is empty: give the roster's header row (head -1 roster.csv > header.csv)"
                          : "holds more than one row: give the roster's header row alone (head -1 roster.csv > header.csv)",
                     !got ? "表头是空的：请给出名单的表头行（head -1 名单.csv > 表头.csv）"
                          : "有不止一行：请只给出名单的表头行（head -1 名单.csv > 表头.csv）");
    return std::nullopt;
  }
  const auto& text = header.row.text;
  if (reader.had_bom() || std::any_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; })) {
    header.encoding = reader.encoding();
  }
  return header;
}

/// Whether writing to `out` would feed the roster read from `in`: the same regular file (-o would
/// replace it, as `policy batch - -o r.csv < r.csv` did; standard output appended to it, as in
/// `policy batch r.csv >> r.csv`, made the run read its own results and grow until the disk was
/// full) or the same named pipe (the run would read its own results). Not a character device: a
/// terminal may well be both.
bool feeds_roster(const struct stat& in, const struct stat& out) {
  return (S_ISREG(in.st_mode) || S_ISFIFO(in.st_mode)) && in.st_dev == out.st_dev && in.st_ino == out.st_ino;
}

/// Whether `name` ends in `suffix`, ASCII letters in any case (结果.XLSX).
bool equals_ascii_ci_suffix(const std::string& name, std::string_view suffix) {
  if (name.size() < suffix.size()) return false;
  for (std::size_t i = 0; i < suffix.size(); ++i) {
    const char a = name[name.size() - suffix.size() + i], b = suffix[i];
    if ((a >= 'A' && a <= 'Z' ? a - 'A' + 'a' : a) != b) return false;
  }
  return true;
}

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, ',');) {
    if (item.find_first_not_of(" \t") != std::string::npos) out.push_back(item);  // skip empty and blank items
  }
  return out;
}

}  // namespace

void add_batch(CLI::App& app, Action& action) {
  struct Opts {
    PackOptions pack;
    std::string roster;
    std::string as_of;
    std::string output;
    std::string format = "csv";
    std::string encoding = "auto";
    std::string output_encoding = "auto";
    std::string sheet;
    std::string outputs;
    std::string question;
    bool excel_serial_dates = false;
    std::size_t header_row = 0;
    bool names = false;
    unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
    std::optional<int> remind_days;  // unset: the pack's worklist_remind_days, else 30
    std::string header_file;         // a split's header (docs/cluster.md)
    std::string columns;
    bool no_output_header = false;
    bool row_errors_ok = false;
    std::size_t first_row = 0;  // 0: as read
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("batch", say("逐行计算一份名单（.xlsx 工作簿，或 Excel 导出的 UTF-8 或 GBK 编码的 CSV）",
                                              "Evaluate every row of a roster (an .xlsx workbook, or a CSV in UTF-8 or GBK as Excel exports it)"));
  cmd->footer(say(
      "每个输入行输出一行，顺序不变：输入的各列、评估日期、每个输出一列、状态（正常；待补充：缺少某个事实；错误）\n"
      "和说明。默认写给人看：政策包的中文名、是/否、期间写作 2年、时间段写作 2025-09-01至2025-09-30、日期为 ISO 格式；\n"
      "--names 写成机器读取的形式（名称、as_of、状态 ok/unknown/error、error、true/false、ISO 期间）。不给 --outputs 时，\n"
      "写出名单的列能够确定的输出；汇总中列出其余的输出和它们所需的列。每行都是正常或待补充时退出码为 0，有的行出错时为 3\n"
      "（加 --row-errors-ok 为 0），政策包或表头行不可用时为 1，用法错误为 2。超过 16 MiB 的行（或超过 1 MiB 的单元格）\n"
      "算作错误行，不读取其中的单元格。在集群上（docs/cluster.md），每个分片：\n"
      "  policy batch - --header-file header.csv --first-row N --no-output-header --row-errors-ok\n"
      "示例：\n"
      "  policy batch examples/rosters/veterans.csv --as-of 2025-12-01 -o results.csv\n"
      "  policy batch 名单.xlsx -o 结果.xlsx   # 输入和输出都是工作簿：结果、需处理、汇总、依据四张表\n"
      "  policy batch 名单.xlsx --question enlistment -o 结果.xlsx   # 用 policy template --question enlistment 生成的名单",
      "One output row per input row, in order: the input columns, the evaluation date (评估日期), one column per\n"
      "output, the status (状态: 正常, 待补充 waiting for a fact, 错误) and a note (说明). For people by default: the\n"
      "pack's labels, 是/否, periods as 2年, windows as 2025-09-01至2025-09-30, dates ISO; --names writes the machine\n"
      "form (names, as_of, status ok/unknown/error, error, true/false, ISO periods). Without --outputs, the outputs\n"
      "the roster's columns can decide are written; the summary names the others and the columns they need. Exit 0 when every row is ok or unknown, 3 when some rows had errors (0 with\n"
      "--row-errors-ok), 1 when the pack or the header row is unusable, 2 for usage errors. A row of more than 16 MiB\n"
      "(a cell of more than 1 MiB) is an error row, its cells not read. On a cluster (docs/cluster.md), each split:\n"
      "  policy batch - --header-file header.csv --first-row N --no-output-header --row-errors-ok\n"
      "Example:\n"
      "  policy batch examples/rosters/veterans.csv --as-of 2025-12-01 -o results.csv\n"
      "  policy batch 名单.xlsx -o 结果.xlsx   # workbooks in and out: 结果, 需处理 (worklist), 汇总, 依据\n"
      "  policy batch 名单.xlsx --question enlistment -o 结果.xlsx   # the roster of policy template --question enlistment"));
  cmd->add_option("ROSTER", o->roster,
                  say("名单（.csv 或 .xlsx，按文件开头的字节识别；也可以是 <(cmd) 这样的管道），- 为标准输入",
                      "The roster (.csv or .xlsx, told by its first bytes; or a pipe such as <(cmd)), or - for standard input"))
      ->required();
  cmd->add_option("--sheet", o->sheet,
                  say(".xlsx 名单中要读的工作表，写工作表标签上的名称（默认：第一张）",
                      "The sheet of an .xlsx roster to read, by the name on its tab (default: the first)"));
  cmd->add_option("-o,--output", o->output,
                  say("写到这里而不是标准输出（- 为标准输出）：文件先写成临时文件，写完后改名替换，不会只写一半；设备或命名管道直接写入",
                      "Write here instead of standard output (- is standard output): a file atomically (a temporary renamed into place when complete); a device or named pipe in place"));
  cmd->add_option("--format", o->format,
                  say("csv、jsonl 或 xlsx（Excel 工作簿：结果、需处理、汇总、依据四张表；-o 的文件名以 .xlsx 结尾时默认为 xlsx）",
                      "csv, jsonl or xlsx (an Excel workbook: sheets 结果, 需处理, 汇总, 依据; the default when -o ends in .xlsx)"))
      ->check(one_of({"csv", "jsonl", "xlsx"}));
  cmd->add_option("--remind-days", o->remind_days,
                  say("xlsx：截止日期在评估日期之后不超过这么多天的，标为即将到期，该行列入“需处理”表（默认：政策包参数 "
                      "worklist_remind_days，学校可在参数文件中设置，用 --params 给出；内置政策包为 30；已过期的行总会列入）",
                      "xlsx: a deadline at most this many days after the evaluation date is coloured as due soon and its row "
                      "listed on the 需处理 sheet (default: the pack's parameter worklist_remind_days, which a school sets with "
                      "--params; 30 in the built-in pack; overdue rows always are)"))
      ->check(in_range(0, 3650));
  cmd->add_option("--encoding", o->encoding, say("auto、utf-8 或 gb18030（GBK 文件按 GB18030 读）", "auto, utf-8 or gb18030 (GBK files are GB18030)"))
      ->check(one_of({"auto", "utf-8", "gb18030", "gbk"}));
  cmd->add_option("--output-encoding", o->output_encoding,
                  say("auto（带 BOM 的 UTF-8，Excel 打开不会乱码）、utf-8（不带 BOM）、utf-8-bom 或 gb18030（不带 BOM）"
                      "（只用于 CSV：JSON Lines 输出总是不带 BOM 的 UTF-8，utf-8-bom 对它不起作用）",
                      "auto (UTF-8 with a BOM, so that Excel opens it right), utf-8 (no BOM), utf-8-bom or gb18030 (no BOM) (CSV only: JSON Lines output is always UTF-8 without a BOM; utf-8-bom is ignored there)"))
      ->check(one_of({"auto", "utf-8", "utf-8-bom", "gb18030"}));
  cmd->add_flag("--excel-serial-dates", o->excel_serial_dates,
                say("把日期列中的纯数字读作 Excel 1900 日期系统的序列号", "Read bare numbers in date columns as Excel 1900-system serial dates"));
  const std::string most_jobs_unknown = std::to_string(kJobsPerCore * kFallbackCores);
  cmd->add_option("--jobs", o->jobs,
                  cli_lang() == rules::source::Lang::zh
                      ? "计算各行的线程数（默认：CPU 核数），包括负责读写的那一个（读写完后它也参与计算）；输出与线程数无关；"
                        "最多为核数的 4 倍（系统不报告核数时为 " + most_jobs_unknown + "）"
                      : "Threads evaluating rows (default: the number of cores), the one reading and writing included (it evaluates once its reading and writing is done); the output does not depend on it; at most 4 times the cores (" + most_jobs_unknown + " when the system does not say how many)")
      ->check(positive_number());
  // Splits of a roster on a cluster (docs/cluster.md): Hadoop Streaming, Spark's RDD.pipe().
  auto* header_file = cmd->add_option("--header-file", o->header_file,
                  say("集群：名单的表头行，放在只有一行的文件里（head -1 roster.csv > header.csv），给没有表头的输入分片用；"
                      "与它相同的第一行会被跳过（第一个分片以它开头）",
                      "Cluster: the roster's header row, in a file of one line (head -1 roster.csv > header.csv), for an input "
                      "split that has none; a first row repeating it is skipped (the first split starts with it)"))
      ->type_name("FILE");
  auto* columns = cmd->add_option("--columns", o->columns,
                  say("集群：直接给出表头行，各列名用逗号分隔（按 CSV 的引号规则），代替 --header-file",
                      "Cluster: the header row given as comma-separated column names (CSV quoting), instead of --header-file"))
      ->type_name("a,b,c");
  header_file->excludes(columns);
  cmd->add_flag("--no-output-header", o->no_output_header,
                say("CSV：只写数据行，不写 BOM、标题行和表头行，这样各分片的输出依次接起来，就是整份名单的输出（不含表头）",
                    "CSV: write the rows only, without the BOM, title rows and header line, so that the outputs of a roster's "
                    "splits concatenate into the whole run's output without its header"));
  cmd->add_flag("--row-errors-ok", o->row_errors_ok,
                say("问题只有行错误（输出中状态为“错误”）时，退出码为 0 而不是 3：集群把 0 以外的退出码都当作任务失败。"
                    "其他问题（表头不对、输入读不了）仍然算失败",
                    "Exit 0 when the only problems are row errors (status 错误 in the output), instead of 3: a cluster takes any "
                    "other exit as a failed task. Other problems (a bad header, an unreadable input) still fail"));
  cmd->add_option("--first-row", o->first_row,
                  say("消息中（以及 JSON Lines 的 row）把表头后的第一行编为第 N 行，其后各行接着往下数，这样分片报告的是"
                      "整份名单中的行号（默认：按读到的顺序）",
                      "Number the first row after the header N in messages (and JSON Lines' row), the rows after it counting on "
                      "from there, so that a split reports the rows of the whole roster (default: as read)"))
      ->check(in_range(std::size_t{1}, std::size_t{1} << 40));
  cmd->add_option("--outputs", o->outputs,
                  say("要写出的输出，用逗号分隔，写名称或中文名（默认：除指引文字外、所需事实在名单中都有列的全部输出）；"
                      "状态按这些输出算",
                      "Comma-separated outputs to write, by name or label (default: every output but guidance text whose facts all have a column in the roster); status is computed over these"));
  cmd->add_option("--question", o->question,
                  say("政策包中的一个问题（写它的 id，即 policy template --question 和 GET /v1/questions 用的名称，或写问题原文）："
                      "只写出回答它的输出，正是按这个问题的模板填写的名单所要的",
                      "A question of the pack (its id, as policy template --question and GET /v1/questions name it, or its "
                      "words): write only the outputs that answer it, as a roster made from that question's template wants"))
      ->excludes("--outputs");
  cmd->add_flag("--names", o->names,
                say("CSV 写成机器读取的形式，供程序使用：表头为输出的名称，有 as_of、status（ok、unknown、error）和 error 列，"
                    "枚举写值的名称，true/false，ISO 8601 期间，时间段写作 [a .. b]（JSON Lines 总是这种形式）",
                    "CSV in the machine form, for programs: output names as headers, as_of, status (ok, unknown, error) and error columns, enum value names, true/false, ISO 8601 periods, windows [a .. b] (JSON Lines always is)"));
  auto* header_row = cmd->add_option("--header-row", o->header_row,
                  say("表头所在的行（按电子表格的行号）；它上面的行是标题行，CSV 结果中保留（默认：第 1 行；第 1 行没有"
                      "事实的列名时，取其后 10 行中第一个有事实列名的行）",
                      "The row holding the header (as the spreadsheet numbers it); the rows above it are title rows, kept "
                      "in a CSV result (default: row 1, or the first of the next 10 rows that names a fact when row 1 names none)"))
      ->check(in_range(std::size_t{1}, std::size_t{1000000}));
  header_row->excludes(header_file);
  header_row->excludes(columns);
  cmd->add_option("--as-of", o->as_of,
                  say("评估日期 YYYY-MM-DD（默认：政策时区的今天）", "Evaluation date YYYY-MM-DD (default: today in the policy time zone)"));
  o->pack.add_to(*cmd);
  cmd->callback([o, cmd, &action] {
    // An empty value is most likely an unset shell variable (-o "$OUT"): never a silent default.
    if (cmd->count("--output") > 0 && o->output.empty()) {
      usage_error("-o", "the output file name is empty (use -o - for standard output)", "输出文件名是空的（要写到标准输出请用 -o -）");
    }
    if (cmd->count("--columns") > 0 && split_commas(o->columns).empty()) {
      usage_error("--columns", "names no column (give the header's column names separated by commas)",
                  "没有写任何列名（请写表头的各列名称，用逗号分隔）");
    }
    if (cmd->count("--header-file") > 0 && o->header_file.empty()) {
      usage_error("--header-file", "the file name is empty", "文件名是空的");
    }
    if (cmd->count("--outputs") > 0 && split_commas(o->outputs).empty()) {
      usage_error("--outputs", "names no output (give output names separated by commas)", "没有写任何输出（请写输出的名称，用逗号分隔）");
    }
    // JSON text is UTF-8 (RFC 8259): GB18030 bytes in JSON Lines would be read as broken UTF-8.
    // (A BOM is never written before JSON either: rules/batch drops it for jsonl.)
    // A workbook is named by its file: -o result.xlsx asks for one.
    const bool xlsx_name = o->output.size() > 5 && equals_ascii_ci_suffix(o->output, ".xlsx");
    if (cmd->count("--format") == 0 && xlsx_name) o->format = "xlsx";
    if (xlsx_name && o->format != "xlsx") {
      // Excel would refuse to open CSV or JSON Lines text under a workbook's name.
      const std::string other = o->format == "jsonl" ? "jsonl" : "csv";
      usage_error("--format " + o->format, "-o names a workbook (.xlsx): leave --format out, or name the file ." + other,
                  "-o 的文件名是工作簿（.xlsx）：去掉 --format，或把文件名改为 ." + other);
    }
    // Names of the other spreadsheet formats: Excel or WPS would warn that the text inside is not
    // what the name says (the trial's -o 结果.xls held CSV). Only .xlsx is written.
    for (const std::string_view other : {".xls", ".xlsm", ".xlsb", ".ods", ".et"}) {
      if (o->output.size() > other.size() && equals_ascii_ci_suffix(o->output, other)) {
        usage_error("-o", "names a " + std::string(other) + " file, a spreadsheet format batch does not write: name it .xlsx (a workbook) or .csv",
                    "文件名是 " + std::string(other) + "，batch 不写这种表格格式：请用 .xlsx（工作簿）或 .csv");
      }
    }
    if (o->format == "xlsx" && (o->output.empty() || o->output == "-") && ::isatty(STDOUT_FILENO)) {
      // A workbook is a zip: on a terminal it is noise, and can leave the terminal in a bad state.
      usage_error("--format xlsx", "a workbook is not text for a terminal: write it to a file (-o 结果.xlsx) or redirect standard output (> 结果.xlsx)",
                  "工作簿不是可以显示在终端上的文字：请写到文件（-o 结果.xlsx）或把标准输出重定向（> 结果.xlsx）");
    }
    if (o->format == "xlsx" && o->names) {
      usage_error("--names", "a workbook is written for people; use --format csv or jsonl for the machine form",
                  "工作簿是给人看的；要机器读取的形式请用 --format csv 或 jsonl");
    }
    if (o->format == "xlsx" && cmd->count("--output-encoding") > 0) {
      usage_error("--output-encoding", "applies to CSV only: a workbook's text is always Unicode", "只用于 CSV：工作簿中的文字总是 Unicode");
    }
    if (o->format == "jsonl" && o->output_encoding == "gb18030") {
      usage_error("--output-encoding gb18030", "JSON Lines output is always UTF-8; use --format csv for a GB18030 file",
                  "JSON Lines 输出总是 UTF-8；要 GB18030 文件请用 --format csv");
    }
    action = [o] {
      if (o->output == "-") o->output.clear();  // -o - is standard output, as for the roster
      const unsigned cores = std::thread::hardware_concurrency();
      const unsigned most_jobs = kJobsPerCore * (cores > 0 ? cores : kFallbackCores);
      if (o->jobs > most_jobs) {
        const std::string n = std::to_string(most_jobs);
        const std::string why = cores > 0 ? std::to_string(cores) + " cores" : "the system does not say how many cores";
        const std::string why_zh = cores > 0 ? "本机 " + std::to_string(cores) + " 个核" : "系统未给出核数，按 " + std::to_string(kFallbackCores) + " 个核计";
        print_file_error(std::cerr, "--jobs", "batch_too_many_jobs",
                         "--jobs " + std::to_string(o->jobs) + " is more than " + n + ", 4 times the cores (" + why +
                             "): more threads only share the same cores and take more memory",
                         "--jobs " + std::to_string(o->jobs) + " 超过上限 " + n + "（核数的 4 倍；" + why_zh +
                             "）：更多线程只会分用同样的核，并占用更多内存");
        return kExitUsage;
      }
      const bool split_header = !o->header_file.empty() || !o->columns.empty();
      if (o->format == "xlsx" && (split_header || o->no_output_header || o->first_row > 0)) {
        print_file_error(std::cerr, "--format xlsx", "batch_chunk_option",
                         "a workbook is one whole result (its worklist and summary sheets cover every row): it cannot be "
                         "the output of a split; --header-file, --columns, --no-output-header and --first-row go with "
                         "--format csv or jsonl",
                         "工作簿是一个完整的结果（“需处理”和“汇总”表涵盖全部行），不能作为分片的输出；--header-file、"
                         "--columns、--no-output-header 和 --first-row 只能与 --format csv 或 jsonl 一起使用");
        return kExitUsage;
      }
      auto engine = load_engine(o->pack, std::cerr);
      if (!engine) return kExitInputError;
      const auto as_of = as_of_date(o->as_of, *engine, std::cerr);
      if (!as_of) return kExitInputError;
      rules::batch::BatchOptions options;
      options.as_of = *as_of;
      options.jobs = o->jobs;
      options.excel_serial_dates = o->excel_serial_dates;
      options.header_row = o->header_row;
      options.lang = lang();
      options.format = o->format == "jsonl"   ? rules::batch::OutputFormat::jsonl
                       : o->format == "xlsx" ? rules::batch::OutputFormat::xlsx
                                             : rules::batch::OutputFormat::csv;
      options.remind_days = o->remind_days;
      options.params_file = o->pack.params_path;
      options.encoding = o->encoding == "utf-8" ? rules::batch::Encoding::utf8
                         : (o->encoding == "gb18030" || o->encoding == "gbk") ? rules::batch::Encoding::gb18030
                                                                             : rules::batch::Encoding::automatic;
      options.output_encoding = o->output_encoding == "utf-8"       ? rules::batch::OutputEncoding::utf8
                                : o->output_encoding == "utf-8-bom" ? rules::batch::OutputEncoding::utf8_bom
                                : o->output_encoding == "gb18030"   ? rules::batch::OutputEncoding::gb18030
                                                                    : rules::batch::OutputEncoding::automatic;
      options.outputs = split_commas(o->outputs);
      if (!o->question.empty()) {
        const auto question = resolve_question(*engine, o->question, "batch_unknown_question");
        if (!question) return kExitUsage;
        options.outputs = engine->policy().questions[*question].outputs;
      }
      options.names = o->names;
      options.first_row = o->first_row;
      options.output_header = !o->no_output_header;
      if (split_header) {
        // The header of a split: from its file, read as the roster is, or from --columns (the
        // command line's UTF-8).
        std::optional<SplitHeader> header;
        if (!o->header_file.empty()) {
          InputFile file;
          if (!file.open(o->header_file)) {
            print_file_error(std::cerr, o->header_file, "batch_io", "cannot read the header file: " + file.why(),
                             "无法读取表头文件：" + file.why());
            return kExitInputError;
          }
          std::istream in(&file);
          header = read_split_header(in, o->header_file, options.encoding);
          options.header_name = o->header_file;
        } else {
          std::istringstream in(o->columns);
          header = read_split_header(in, "--columns", rules::batch::Encoding::utf8);
          if (header) header->encoding.reset();  // the command line's encoding says nothing of the split's
          options.header_name = "--columns";
        }
        if (!header) return kExitInputError;
        if (options.encoding == rules::batch::Encoding::automatic) {
          if (!header->encoding) {
            print_file_error(std::cerr, options.header_name, "batch_chunk_encoding",
                             "a split cannot tell its encoding (UTF-8 or GB18030) as the whole roster would, and this "
                             "header, of ASCII only or on the command line, does not show it: give --encoding utf-8 or "
                             "--encoding gb18030",
                             "分片无法像整个名单那样判断自己的编码（UTF-8 还是 GB18030），而这个表头（只有 ASCII 字符，或写在命令行上）"
                             "也看不出编码：请指定 --encoding utf-8 或 --encoding gb18030");
            return kExitUsage;
          }
          options.encoding = *header->encoding;
        }
        options.header = std::move(header->row);
      }

      // The name diagnostics give the roster, as run_batch is told it.
      const std::string name = o->roster == "-" ? "<stdin>" : o->roster;
      InputFile roster;
      if (!roster.open(o->roster)) {
        print_file_error(std::cerr, name, "batch_io", "cannot read the roster: " + roster.why(),
                         "无法读取名单：" + reason_zh(roster.why()));
        return kExitInputError;
      }
      std::unique_ptr<OutputFile> target;
      if (o->output.empty()) {
        struct stat destination{};
        if (::fstat(STDOUT_FILENO, &destination) == 0 && feeds_roster(roster.status(), destination)) {
          print_file_error(std::cerr, "standard output", "batch_io",
                           "standard output is the roster being read, so the run would read its own results; write "
                           "elsewhere (-o FILE)",
                           "标准输出就是正在读取的名单，运行会读到自己的结果；请写到别处（-o 文件）");
          return kExitInputError;
        }
        target = std::make_unique<OutputFile>();
      } else {
        struct stat destination{};
        if (::stat(o->output.c_str(), &destination) == 0 && feeds_roster(roster.status(), destination)) {  // follows links
          print_file_error(std::cerr, o->output, "batch_io",
                           S_ISFIFO(destination.st_mode) ? "the output is the pipe the roster is read from, so the run "
                                                           "would read its own results; choose another -o"
                                                         : "the output would replace the roster it is read from; choose "
                                                           "another -o",
                           S_ISFIFO(destination.st_mode) ? "输出就是读取名单的管道，运行会读到自己的结果；请换一个 -o"
                                                         : "输出会覆盖正在读取的名单；请换一个 -o");
          return kExitInputError;
        }
        std::error_code ec;
        if (std::filesystem::is_directory(o->output, ec)) {
          print_file_error(std::cerr, o->output, "batch_io", "is a directory; -o takes a file name", "这是一个目录；-o 需要文件名");
          return kExitInputError;
        }
        target = std::make_unique<OutputFile>(o->output);
        if (!target->ok()) {
          print_file_error(std::cerr, o->output, "batch_io", "cannot write the output file: " + target->why(),
                           "无法写入输出文件：" + reason_zh(target->why()));
          return kExitInputError;
        }
      }
      const std::string output_name = o->output.empty() ? "standard output" : o->output;

      const bool tty = isatty(STDERR_FILENO) != 0;
      const auto start = std::chrono::steady_clock::now();
      auto last = start;
      // The ETA comes from the bytes read against the file's size (unknown for a pipe or terminal).
      const std::uint64_t total_bytes =
          S_ISREG(roster.status().st_mode) ? static_cast<std::uint64_t>(roster.status().st_size) : 0;
      const auto progress = [&](std::size_t rows, std::uint64_t bytes) {
        if (!tty) return;
        const auto now = std::chrono::steady_clock::now();
        if (now - last < std::chrono::milliseconds(200)) return;
        last = now;
        const double secs = std::chrono::duration<double>(now - start).count();
        std::fprintf(stderr, "\r%zu rows, %.0f rows/s", rows, secs > 0 ? static_cast<double>(rows) / secs : 0.0);
        if (total_bytes > 0 && bytes > 0 && bytes <= total_bytes) {
          std::fprintf(stderr, ", ETA %.0f s", secs * static_cast<double>(total_bytes - bytes) / static_cast<double>(bytes));
        }
        std::fprintf(stderr, "   ");
      };
      // libxlsxwriter writes a file by its path: the temporary -o renames into place, or, for
      // standard output, a device or a pipe, a temporary file then copied there.
      std::string spooled;
      if (options.format == rules::batch::OutputFormat::xlsx) {
        std::string why;
        options.xlsx_path = path_for_writer(*target, "policy-batch", spooled, why);
        if (options.xlsx_path.empty()) {
          print_file_error(std::cerr, spooled, "batch_io", "cannot create a temporary file: " + why, "无法创建临时文件：" + reason_zh(why));
          return kExitInputError;
        }
      }
      struct RemoveSpool {
        const std::string& path;
        ~RemoveSpool() {
          if (!path.empty()) ::unlink(path.c_str());
        }
      } remove_spool{spooled};
      std::istream in(&roster);
      // A workbook is told by its first bytes, whatever the file's name (a roster piped in, or
      // misnamed .csv): .xlsx is read by XlsxReader; .xls and .ods are refused by RosterReader,
      // which says how to save them.
      std::unique_ptr<rules::batch::RecordSource> source;
      const rules::batch::XlsxReader* workbook_reader = nullptr;  // when the roster is a workbook
      std::string workbook;  // the bytes of a workbook that is no regular file (libzip seeks)
      const auto kind = rules::batch::workbook_kind(roster.peek());
      if (kind == rules::batch::WorkbookKind::none && equals_ascii_ci_suffix(o->roster, ".xlsx") && !roster.peek().empty()) {
        // Named a workbook, not one inside (damaged, or text renamed): read as CSV it was reported
        // as bad GB18030, which sent the registrar looking at encodings.
        print_file_error(std::cerr, name, "xlsx_bad_zip",
                         "the file is named .xlsx but is no workbook (an .xlsx file is a zip archive, starting PK): it "
                         "is damaged, or another kind of file renamed; open it in Excel or WPS and save it as .xlsx again",
                         "文件名是 .xlsx，但内容不是工作簿（.xlsx 文件是以 PK 开头的 zip 压缩包）：文件已损坏，或是别的文件改了扩展名；"
                         "请用 Excel 或 WPS 打开后重新另存为 .xlsx");
        return kExitInputError;
      }
      if (kind == rules::batch::WorkbookKind::xlsx) {
        if (options.header) {
          print_file_error(std::cerr, name, "batch_chunk_option",
                           "the roster is a workbook, which has its header row in it: --header-file and --columns are for "
                           "CSV splits of a roster",
                           "名单是工作簿，其中已有表头行：--header-file 和 --columns 用于没有表头的 CSV 名单分片");
          return kExitUsage;
        }
        rules::batch::XlsxOptions xlsx;
        xlsx.sheet = o->sheet;
        if (o->roster != "-" && S_ISREG(roster.status().st_mode)) {
          auto reader = rules::batch::XlsxReader::open_file(o->roster, xlsx);
          workbook_reader = reader.get();
          source = std::move(reader);
        } else {
          constexpr std::size_t kMaxPiped = std::size_t{1} << 30;
          try {
            std::vector<char> block(std::size_t{1} << 20);
            for (std::streamsize n; (n = roster.sgetn(block.data(), static_cast<std::streamsize>(block.size()))) > 0;) {
              workbook.append(block.data(), static_cast<std::size_t>(n));
              if (workbook.size() > kMaxPiped) {
                print_file_error(std::cerr, name, "xlsx_too_large", "a workbook on standard input or a pipe may hold at most 1 GiB",
                                 "从标准输入或管道给出的工作簿最多 1 GiB");
                return kExitInputError;
              }
            }
          } catch (const std::system_error& e) {
            print_file_error(std::cerr, name, "batch_io", "cannot read the roster: " + e.code().message(),
                             "无法读取名单：" + e.code().message());
            return kExitInputError;
          }
          auto reader = rules::batch::XlsxReader::open_memory(workbook, xlsx);
          workbook_reader = reader.get();
          source = std::move(reader);
        }
      } else {
        if (!o->sheet.empty()) {
          print_file_error(std::cerr, name, "batch_bad_header", "--sheet names a sheet of an .xlsx workbook, and the roster is none",
                           "--sheet 指定的是 .xlsx 工作簿中的工作表，而名单不是工作簿");
          return kExitUsage;
        }
        source = std::make_unique<rules::batch::RosterReader>(in, options.encoding);
      }
      auto result = rules::batch::run_batch(*engine, *source, name, target->stream(), options, progress);
      if (tty) std::fprintf(stderr, "\r%60s\r", "");
      if (auto* diags = std::get_if<std::vector<rules::source::Diagnostic>>(&result)) {
        // rules/batch does not know where its stream goes and names it <output>: say where, and
        // why the write failed.
        for (auto& d : *diags) {
          // A workbook of several sheets whose sheet read has no usable header: most often the
          // roster is on another sheet (a 说明 sheet comes first). Name the sheets and --sheet.
          if (d.code == "batch_bad_header" && workbook_reader && workbook_reader->sheet_names().size() > 1) {
            std::string names;
            for (const auto& n : workbook_reader->sheet_names()) names += (names.empty() ? "" : "、") + n;
            d.message_zh += "（读取的是工作表“" + workbook_reader->sheet_name() + "”；工作簿中的工作表：" + names +
                            "。名单在别的工作表时，用 --sheet 表名 指定）";
            d.message += " (the sheet read is '" + workbook_reader->sheet_name() + "'; the workbook's sheets: " + names +
                         ". When the roster is on another sheet, name it with --sheet NAME)";
          }
          // The workbook was written under a temporary name (-o's, or a spool for standard output).
          if (!options.xlsx_path.empty() && d.span.file == options.xlsx_path) d.span.file = output_name;
          if (d.span.file != "<output>") continue;
          d.span.file = output_name;
          if (target->error() != 0) {
            d.message += std::string(": ") + std::strerror(target->error());
            d.message_zh += std::string("：") + std::strerror(target->error());
          }
        }
        print_diagnostics(*diags, std::cerr);
        // An output name the pack lacks is a mistake in the command, not in the roster.
        const bool usage = std::any_of(diags->begin(), diags->end(),
                                       [](const auto& d) { return d.code == "batch_unknown_output"; });
        return usage ? kExitUsage : kExitInputError;
      }
      const auto& summary = std::get<rules::batch::BatchSummary>(result);
      if (!spooled.empty() && !target->copy_from(spooled)) {
        print_file_error(std::cerr, output_name, "batch_io", "the output could not be written: " + target->why(),
                         "结果未能写入：" + reason_zh(target->why()));
        return kExitInputError;
      }
      if (!target->commit()) {
        print_file_error(std::cerr, output_name, "batch_io", "the output could not be written: " + target->why(),
                         "结果未能写入：" + reason_zh(target->why()));
        return kExitInputError;
      }
      const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::cerr << rules::batch::summary_text(summary, *engine, lang(), secs);
      // A CSV for people is what a registrar opens in Excel, which damages ID numbers and 学号 (a
      // chunk of a cluster run, or the machine form, is read by programs).
      if (options.format == rules::batch::OutputFormat::csv && !options.names && !o->no_output_header) {
        if (const auto note = rules::batch::csv_identifier_note(summary, *engine, lang()); !note.empty()) {
          std::cerr << "  " << note << "\n";
        }
      }
      if (options.format == rules::batch::OutputFormat::xlsx) {
        std::cerr << (lang() == rules::source::Lang::zh ? "  工作簿已写入 " + (o->output.empty() ? std::string("标准输出") : output_name) + "：“需处理”表列出 " + std::to_string(summary.worklist) + " 行（工作表：结果、需处理、汇总、依据）\n"
                                                        : "  workbook written to " + output_name + ": its Worklist sheet lists " +
                                                              std::to_string(summary.worklist) + " rows (sheets: Results, Worklist, Summary, Sources)\n");
      }
      return summary.error > 0 && !o->row_errors_ok ? kExitRowErrors : kExitOk;
    };
  });
}

}  // namespace policy_cli
