// The run's summary for people: what `policy batch` prints on standard error and `policy serve`
// shows on the roster page.
#include <algorithm>
#include <cstdio>
#include <sstream>

#include "batch/batch.h"
#include "batch/cells.h"

namespace rules::batch {
namespace {

/// The fact labels (names in English) of `facts`, joined with 、 (", ").
std::string fact_list(const engine::Engine& engine, const std::vector<std::uint32_t>& facts, bool zh) {
  std::string list;
  for (const auto f : facts) {
    const auto& fact = engine.policy().facts[f];
    list += (list.empty() ? "" : zh ? "、" : ", ") + (zh && !fact.label.empty() ? fact.label : fact.name);
  }
  return list;
}

}  // namespace

std::vector<std::string> undecidable_notes(const BatchSummary& summary, const engine::Engine& engine, source::Lang lang) {
  const bool zh = lang == source::Lang::zh;
  // One line per set of missing columns: eleven outputs waiting for one misspelt 退役日期 column
  // were eleven lines saying the same.
  std::vector<std::pair<const std::vector<std::uint32_t>*, std::vector<const OutputGap*>>> groups;
  for (const auto& gap : summary.undecidable) {
    auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return *g.first == gap.missing_facts; });
    if (it == groups.end()) groups.push_back({&gap.missing_facts, {&gap}});
    else it->second.push_back(&gap);
  }
  std::vector<std::string> lines;
  constexpr std::size_t kNamed = 4;
  for (const auto& [facts, gaps] : groups) {
    std::string outputs;
    for (std::size_t k = 0; k < gaps.size() && k < kNamed; ++k) {
      outputs += (k ? (zh ? "、" : ", ") : "") + (zh ? "“" + gaps[k]->label + "”" : gaps[k]->name);
    }
    if (gaps.size() > kNamed) {
      outputs += zh ? "等" + std::to_string(gaps.size()) + "项" : " and " + std::to_string(gaps.size() - kNamed) + " more";
    }
    const bool several = facts->size() > 1;
    if (zh) {
      lines.push_back("警告：名单中没有 " + fact_list(engine, *facts, true) + (several ? " 这些列" : " 这一列") + "，所选输出" + outputs +
                      "要读它：需要它的行" + (gaps.size() > 1 ? "这些项" : "这一项") + "留空、状态为“待补充”；请在名单中加上" +
                      (several ? "这些列" : "这一列") + "再运行。");
    } else {
      lines.push_back("warning: no column of the roster gives " + fact_list(engine, *facts, false) + ", which output" +
                      (gaps.size() > 1 ? "s " : " ") + outputs + (gaps.size() > 1 ? " read" : " reads") +
                      ": rows that need it leave " + (gaps.size() > 1 ? "those" : "it") + " empty and are unknown; add " +
                      (several ? "these columns" : "the column") +
                      " and run again.");
    }
  }
  return lines;
}

std::string csv_identifier_note(const BatchSummary& summary, const engine::Engine& engine, source::Lang lang) {
  std::vector<std::string_view> columns;
  for (const auto& [header, fact] : summary.mapped) {
    const auto f = engine.pack().find_fact(fact);
    if (holds_identifiers(header, f ? &engine.policy().facts[*f].type.kind : nullptr)) columns.push_back(header);
  }
  for (const auto& header : summary.passed_through) {
    if (holds_identifiers(header, nullptr)) columns.push_back(header);
  }
  if (columns.empty()) return {};
  const bool zh = lang == source::Lang::zh;
  std::string list;
  for (const auto c : columns) list += (list.empty() ? "" : zh ? "、" : ", ") + source::escape_controls(c);
  return zh ? "提示：结果是 CSV。在 Excel 中直接打开它，" + list +
                  " 列的长数字会被改坏（身份证号变成科学计数法并丢掉末几位，学号丢掉开头的 0），保存后无法恢复；"
                  "要在 Excel 中查看或编辑，请写成工作簿：-o 结果.xlsx"
            : "note: the result is CSV. Opened in Excel as it is, the long numbers of " + list +
                  " are damaged (an ID number turns into scientific notation and loses its last digits, a student "
                  "number its leading zeros), past repair once saved; to view or edit it in Excel, write a workbook: "
                  "-o result.xlsx";
}

std::string summary_text(const BatchSummary& summary, const engine::Engine& engine, source::Lang lang, double secs) {
  std::ostringstream err;
  const bool zh = lang == source::Lang::zh;
  const auto& header = engine.policy().header;
  const std::string date = calendar::format_date(summary.as_of);
  const auto rate = secs > 0 ? static_cast<double>(summary.rows) / secs : 0.0;
  // A workbook's rows come from a sheet (named, escaped: it is the user's text), a CSV's from bytes
  // in an encoding.
  const std::string read_as = summary.sheet.empty() ? std::string(zh ? "按 " : "") + encoding_name(summary.encoding) + (zh ? " 读取" : "")
                              : zh ? "读自工作表“" + source::escape_controls(summary.sheet) + "”"
                                   : "sheet “" + source::escape_controls(summary.sheet) + "”";
  char counts[512];
  if (zh) {
    std::snprintf(counts, sizeof counts, "：共 %zu 行，正常 %zu，待补充 %zu，错误 %zu（%s，用时 %.2f 秒，每秒 %.0f 行）",
                  summary.rows, summary.ok, summary.unknown, summary.error, read_as.c_str(), secs, rate);
    err << "评估日期 " << date << "（" << (header.timezone_label.empty() ? header.timezone : header.timezone_label) << "）"
        << counts << "\n";
  } else {
    std::snprintf(counts, sizeof counts, ": %zu rows read (%s): %zu ok, %zu unknown, %zu error in %.2f s (%.0f rows/s)",
                  summary.rows, read_as.c_str(), summary.ok, summary.unknown, summary.error, secs, rate);
    err << "as of " << date << " (" << header.timezone << ")" << counts << "\n";
  }
  // Which columns were read as which facts: a near-miss header (退伍时间) shows up here.
  // Headers are roster text: escaped like the cells messages quote (a line break, ESC).
  err << (zh ? "  读作事实的列：" : "  columns read as facts:");
  bool first = true;
  for (const auto& [column, fact] : summary.mapped) {
    std::string shown = fact;
    if (zh) {
      if (const auto f = engine.pack().find_fact(fact); f && !engine.policy().facts[*f].label.empty()) {
        shown = engine.policy().facts[*f].label;
      }
    }
    err << (zh && first ? "" : " ") << source::escape_controls(column) << "→" << shown;
    first = false;
  }
  err << "\n";
  if (!summary.passed_through.empty()) {
    err << (zh ? "  未读取、原样写出的列：" : "  columns passed through unread:");
    first = true;
    for (const auto& column : summary.passed_through) {
      err << (zh && first ? "" : " ") << source::escape_controls(column);
      first = false;
    }
    err << "\n";
  }
  for (const auto& note : summary_notes(summary, lang)) err << "  " << note << "\n";
  if (!summary.left_out.empty()) {
    if (summary.outputs_written == 0) {
      err << (zh ? "  名单的列不足以判定任何输出：结果只有输入列、评估日期和状态。加上下面一项所需的列，或用 --outputs "
                   "指定要写的输出：\n"
                 : "  no output can be decided from the roster's columns: the result holds the input columns, the "
                   "evaluation date and the status only. Add the columns one of these needs, or choose outputs with "
                   "--outputs:\n");
    } else {
      err << (zh ? "  未写出的输出（名单缺少它们需要的列；加上这些列或用 --outputs 指定即可写出）：\n"
                 : "  outputs left out (the roster lacks columns they need; add the columns, or name them in --outputs):\n");
    }
    for (const auto& gap : summary.left_out) {
      if (zh) err << "    " << gap.label << "：需要列 " << fact_list(engine, gap.missing_facts, true) << "\n";
      else err << "    " << gap.name << ": needs a column for " << fact_list(engine, gap.missing_facts, false) << "\n";
    }
  }
  for (const auto& line : undecidable_notes(summary, engine, lang)) err << "  " << line << "\n";
  // Each message names its row (第10行 / row 10,) and its columns as the spreadsheet shows them.
  for (const auto& entry : summary.first_errors) err << "  " << entry.second << "\n";
  if (summary.error > summary.first_errors.size()) {
    const auto more = summary.error - summary.first_errors.size();
    if (zh) err << "  ……另有 " << more << " 行有错误\n";
    else err << "  ... and " << more << " more rows with errors\n";
  }
  return err.str();
}

}  // namespace rules::batch
