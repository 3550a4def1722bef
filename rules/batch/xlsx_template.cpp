// `policy template`: an empty roster workbook for the facts some outputs need (xlsx_writer.h).
#include <xlsxwriter.h>

#include <algorithm>
#include <string>
#include <vector>

#include "batch/xlsx_common.h"
#include "batch/xlsx_writer.h"
#include "model/cell_text.h"
#include "model/value_parse.h"

namespace rules::batch {

namespace {

/// The rows a template's validations and formats cover below the header (Excel's sheet has
/// 1,048,576 rows; a roster of a school never has more than this).
constexpr lxw_row_t kTemplateRows = 100000;

/// A template column: its header, the comment on it, its number format and its validation.
struct TemplateColumn {
  std::string header;
  std::string comment;
  model::Kind kind = model::Kind::string;  // string for 学号 and 姓名
  bool text = false;                       // formatted as text (`@`)
  std::vector<std::string> list;           // a list validation's values (enum labels, 是/否)
};

}  // namespace

std::vector<source::Diagnostic> write_template(const engine::Engine& engine, const std::vector<std::uint32_t>& outputs,
                                               const std::string& path, source::Lang lang,
                                               std::optional<std::uint32_t> question) {
  using xlsx::say;
  const bool zh = lang == source::Lang::zh;
  const auto& policy = engine.policy();
  const auto& pack = engine.pack();
  // The facts the outputs need: a question's facts to ask first in its order, then the rest (and
  // the facts the question decides) in the pack's order.
  std::vector<std::uint32_t> wanted = question ? pack.questions[*question].outputs : outputs;
  std::vector<std::uint32_t> order;
  std::vector<bool> needed(policy.facts.size(), false);
  if (question) {
    for (const auto f : pack.questions[*question].ask) {
      if (!needed[f]) order.push_back(f);
      needed[f] = true;
    }
    for (const auto f : pack.questions[*question].given) needed[f] = true;
  }
  if (wanted.empty()) {
    for (std::uint32_t oi = 0; oi < pack.outputs.size(); ++oi) {
      if (pack.outputs[oi].decl(policy).type.kind != model::Kind::text) wanted.push_back(oi);
    }
  }
  for (const auto oi : wanted) {
    for (const auto f : engine.facts_needed(oi)) needed[f] = true;
  }
  for (std::uint32_t f = 0; f < policy.facts.size(); ++f) {
    if (needed[f] && std::find(order.begin(), order.end(), f) == order.end()) order.push_back(f);
  }
  bool has_id_column = false;
  std::vector<TemplateColumn> columns;
  columns.push_back({say(lang, "学号", "student_id"),
                     say(lang, "学生的学号（只用于在结果的“需处理”表中认出学生，不参与计算）。本列为文本格式，前导零会保留。",
                         "The student's number (only to recognise the student on the result's worklist; not evaluated). "
                         "Formatted as text: leading zeros are kept."),
                     model::Kind::string, true, {}});
  columns.push_back({say(lang, "姓名", "name"),
                     say(lang, "学生姓名（只用于在结果中认出学生，不参与计算）。", "The student's name (only to recognise the student; not evaluated)."),
                     model::Kind::string, false, {}});
  for (const auto f : order) {
    const auto& fact = policy.facts[f];
    has_id_column = has_id_column || fact.type.kind == model::Kind::resident_id;
    TemplateColumn col;
    col.header = fact.label.empty() ? fact.name : fact.label;
    col.kind = fact.type.kind;
    col.text = fact.type.kind == model::Kind::resident_id;
    const std::string& about = !fact.help.empty() ? fact.help : fact.description;
    col.comment = about + (about.empty() ? "" : "\n") + say(lang, "可填写：", "Accepted: ") +
                  model::expected_form(fact.type, policy.enums, lang);
    if (fact.type.kind == model::Kind::enumeration) {
      const auto& values = policy.enums[fact.type.enum_id].values;
      std::string aliases;
      for (const auto& v : values) {
        col.list.push_back(v.label.empty() ? v.name : v.label);
        for (const auto& a : v.aliases) aliases += (aliases.empty() ? "" : zh ? "、" : ", ") + a;
      }
      if (!aliases.empty()) col.comment += say(lang, "\n也可写：", "\nAlso read: ") + aliases;
    } else if (fact.type.kind == model::Kind::boolean) {
      col.list = {say(lang, "是", "yes"), say(lang, "否", "no")};
    }
    if (fact.type.kind == model::Kind::resident_id) {
      col.comment += say(lang, "\n本列为文本格式：18位号码不会被 Excel 改成科学计数法。",
                         "\nFormatted as text, so that Excel keeps all 18 characters.");
    }
    columns.push_back(std::move(col));
  }

  std::vector<source::Diagnostic> diags;
  lxw_error e = LXW_NO_ERROR;
  const auto fail = [&](std::string_view en, std::string_view zh_text) {
    diags.push_back(xlsx::write_error(path, en, zh_text, e));
    return diags;
  };
  lxw_workbook* wb = workbook_new(path.c_str());
  if (!wb) {
    e = LXW_ERROR_MEMORY_MALLOC_FAILED;
    return fail("cannot create the workbook", "无法创建工作簿");
  }
  // Frees the workbook unless workbook_close took it.
  struct Guard {
    lxw_workbook*& wb;
    ~Guard() {
      if (wb) lxw_workbook_free(wb);
    }
  } guard{wb};
  lxw_worksheet* sheet = workbook_add_worksheet(wb, zh ? "名单" : "Roster");
  lxw_worksheet* help = workbook_add_worksheet(wb, zh ? "填写说明" : "Instructions");
  xlsx::Formats fmt{};
  lxw_format *header = nullptr, *bold = nullptr;
  if (!sheet || !help || !xlsx::make_formats(wb, lang, fmt, header, bold)) {
    e = LXW_ERROR_MEMORY_MALLOC_FAILED;
    return fail("cannot add the sheets and formats", "无法添加工作表和格式");
  }
  lxw_comment_options comment_options{};
  comment_options.width = 320;
  comment_options.height = 160;
  for (std::size_t c = 0; c < columns.size() && e == LXW_NO_ERROR; ++c) {
    const auto& col = columns[c];
    const auto cc = static_cast<lxw_col_t>(c);
    lxw_format* f = col.text ? fmt[xlsx::kTextCell][xlsx::kPlain]
                    : col.kind == model::Kind::date ? fmt[xlsx::kDateCell][xlsx::kPlain]
                                                    : nullptr;
    const double width = std::max<double>(static_cast<double>(xlsx::display_width(col.header)) + 4,
                                          col.kind == model::Kind::resident_id ? 22 : col.kind == model::Kind::date ? 16 : 10);
    e = worksheet_set_column(sheet, cc, cc, width, f);
    if (e == LXW_NO_ERROR) e = worksheet_write_string(sheet, 0, cc, xlsx::cell_string(col.header).c_str(), header);
    if (e == LXW_NO_ERROR) e = worksheet_write_comment_opt(sheet, 0, cc, xlsx::cell_string(col.comment).c_str(), &comment_options);
    // A warning, not a stop: batch reads more spellings than a list shows (aliases, √/×, 2025/6/30).
    lxw_data_validation v{};
    v.error_type = LXW_VALIDATION_ERROR_TYPE_WARNING;
    std::vector<char*> list;
    std::string joined;
    for (const auto& item : col.list) joined += (joined.empty() ? "" : ",") + item;
    if (!col.list.empty() && joined.size() <= 255 &&
        std::none_of(col.list.begin(), col.list.end(), [](const std::string& x) { return x.find(',') != std::string::npos; })) {
      v.validate = LXW_VALIDATION_TYPE_LIST;
      for (const auto& item : col.list) list.push_back(const_cast<char*>(item.c_str()));
      list.push_back(nullptr);
      v.value_list = list.data();
    } else if (col.kind == model::Kind::date) {
      v.validate = LXW_VALIDATION_TYPE_DATE;
      v.criteria = LXW_VALIDATION_CRITERIA_BETWEEN;
      v.minimum_datetime = {1900, 3, 1, 0, 0, 0};
      v.maximum_datetime = {9999, 12, 31, 0, 0, 0};
    } else if (col.kind == model::Kind::integer) {
      v.validate = LXW_VALIDATION_TYPE_INTEGER;
      v.criteria = LXW_VALIDATION_CRITERIA_BETWEEN;
      v.minimum_number = -1e15;
      v.maximum_number = 1e15;
    } else if (col.kind == model::Kind::resident_id) {
      v.validate = LXW_VALIDATION_TYPE_LENGTH;
      v.criteria = LXW_VALIDATION_CRITERIA_EQUAL_TO;
      v.value_number = 18;
    }
    if (v.validate != LXW_VALIDATION_TYPE_NONE && e == LXW_NO_ERROR) {
      const std::string title = xlsx::cell_string(col.header);
      const std::string message = say(lang, "这个值可能无法读取：请看表头的批注。", "This value may not be read: see the header's comment.");
      v.error_title = const_cast<char*>(title.c_str());
      v.error_message = const_cast<char*>(message.c_str());
      e = worksheet_data_validation_range(sheet, 1, cc, kTemplateRows, cc, &v);
    }
  }
  worksheet_freeze_panes(sheet, 1, 0);
  if (e != LXW_NO_ERROR) return fail("cannot write the roster sheet", "无法写入名单表");

  // 填写说明: how to fill it in and run it.
  std::vector<std::string> lines =
      zh ? std::vector<std::string>{
               "名单模板（政策包 " + policy.header.id + " " + policy.header.version + "）",
               "1. 在“名单”表中每行填写一名学生，表头行不要改动，也不要在表头上方插入行。",
               "2. 每列表头上的批注说明该填什么、可以怎样写；有下拉列表的列请从列表中选择。",
               has_id_column ? "3. 身份证号和学号两列已设为文本格式，号码不会被改坏；请不要改成“常规”或“数值”。"
                             : "3. 学号一列已设为文本格式，前导零不会丢失；请不要改成“常规”或“数值”。",
               "4. 日期可写 2025-06-30、2025/6/30 或 2025年6月30日；不知道的格子留空，结果会标为“待补充”。",
               "5. 填好后保存，然后运行：policy batch 名单.xlsx -o 结果.xlsx（或另存为 CSV 后运行 policy batch 名单.csv -o 结果.xlsx）。",
               "6. 打开结果的“需处理”表：已逾期和即将到期的学生排在最前，其后是有错误的行。",
               "",
               "各列说明："}
         : std::vector<std::string>{
               "Roster template (pack " + policy.header.id + " " + policy.header.version + ")",
               "1. On the Roster sheet, one student per row; keep the header row as it is and insert no rows above it.",
               "2. Each header's comment says what to enter and how it may be written; pick from the drop-down list where there is one.",
               has_id_column ? "3. The ID number and student number columns are formatted as text, so that the numbers are kept whole."
                             : "3. The student number column is formatted as text, so that leading zeros are kept.",
               "4. Dates may be written 2025-06-30 or 2025/6/30; leave a cell you do not know empty (the row is then unknown).",
               "5. Save it, then run: policy batch roster.xlsx -o result.xlsx (or save it as CSV and run policy batch roster.csv -o result.xlsx).",
               "6. Open the result's Worklist sheet: overdue and soon-due students first, then rows with errors.",
               "",
               "The columns:"};
  if (question) {  // which question the roster answers: after the title line; the run asks it
    const auto& q = policy.questions[*question];
    auto& run = lines[5];  // "5. ... policy batch ..."
    const std::string asked = " --question " + q.id;
    for (const std::string_view roster : {std::string_view(zh ? "名单.xlsx" : "roster.xlsx"), std::string_view(zh ? "名单.csv" : "roster.csv")}) {
      const std::string at = "policy batch " + std::string(roster);
      if (const auto p = run.find(at); p != std::string::npos) run.insert(p + at.size(), asked);
    }
    lines.insert(lines.begin() + 1, say(lang, "本模板回答：", "This roster answers: ") + q.label +
                                        (q.source.empty() ? "" : (zh ? "（" + q.source + "）" : " (" + q.source + ")")));
  }
  lxw_row_t r = 0;
  for (const auto& l : lines) {
    if (e == LXW_NO_ERROR && !l.empty()) e = worksheet_write_string(help, r, 0, xlsx::cell_string(l).c_str(), r == 0 ? bold : nullptr);
    ++r;
  }
  for (const auto& col : columns) {
    if (e == LXW_NO_ERROR) e = worksheet_write_string(help, r, 0, xlsx::cell_string(col.header).c_str(), bold);
    if (e == LXW_NO_ERROR) e = worksheet_write_string(help, r, 1, xlsx::cell_string(col.comment).c_str(), nullptr);
    ++r;
  }
  if (e == LXW_NO_ERROR) e = worksheet_set_column(help, 0, 0, 20, nullptr);
  if (e == LXW_NO_ERROR) e = worksheet_set_column(help, 1, 1, 100, nullptr);
  if (e != LXW_NO_ERROR) return fail("cannot write the instructions sheet", "无法写入填写说明表");
  lxw_workbook* closing = wb;
  wb = nullptr;  // workbook_close frees it, whatever it returns
  e = workbook_close(closing);
  if (e != LXW_NO_ERROR) return fail("cannot write the workbook", "无法写出工作簿");
  return diags;
}

}  // namespace rules::batch
