// The result workbook of `policy batch` (xlsx_writer.h): the one place that calls libxlsxwriter
// for results. Templates (`policy template`) are in xlsx_template.cpp.
#include "batch/xlsx_writer.h"

#include <xlsxwriter.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <map>

#include "batch/cells.h"
#include "batch/xlsx_common.h"

namespace rules::batch {

using namespace xlsx;  // the formats' indices, shared with the template (xlsx_common.h)

void XlsxRowCoder::begin_row(std::string& out, std::size_t row, std::uint8_t status) {
  const std::uint64_t r = row;
  out.append(reinterpret_cast<const char*>(&r), sizeof r);
  out += static_cast<char>(status);
}

void XlsxRowCoder::text(std::string& out, std::string_view text) {
  out += static_cast<char>(kText);
  payload(out, text);
}

void XlsxRowCoder::payload(std::string& out, std::string_view text) {
  const std::size_t at = out.size();
  out.append(4, '\0');
  std::uint32_t n = 0;
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t nul = text.find('\0', i);
    const std::size_t end = nul == std::string_view::npos ? text.size() : nul;
    out.append(text.substr(i, end - i));
    n += static_cast<std::uint32_t>(end - i);
    i = end + (nul == std::string_view::npos ? 0 : 1);
  }
  std::memcpy(out.data() + at, &n, 4);
  out += '\0';
}

void XlsxRowCoder::date(std::string& out, calendar::Date d) {
  out += static_cast<char>(kDate);
  const std::int32_t days = d.days_since_epoch();
  out.append(reinterpret_cast<const char*>(&days), sizeof days);
}

void XlsxRowCoder::number(std::string& out, std::int64_t n) {
  out += static_cast<char>(kNumber);
  out.append(reinterpret_cast<const char*>(&n), sizeof n);
}

void XlsxRowCoder::real(std::string& out, double x, std::uint16_t format, std::string_view text) {
  out += static_cast<char>(kReal);
  out.append(reinterpret_cast<const char*>(&x), sizeof x);
  out.append(reinterpret_cast<const char*>(&format), sizeof format);
  payload(out, text);
}

void XlsxRowCoder::enumeration(std::string& out, std::uint32_t index, std::string_view label) {
  out += static_cast<char>(kEnum);
  out.append(reinterpret_cast<const char*>(&index), sizeof index);
  payload(out, label);
}

namespace {

/// A decoded cell of a row block.
struct Cell {
  std::uint8_t tag = XlsxRowCoder::kEmpty;
  const char* text = nullptr;  // NUL-terminated, in the block
  std::uint32_t size = 0;
  std::int64_t number = 0;     // kNumber; kDate: days since 1970-01-01; kEnum: the value's index
  double real = 0;             // kReal (its text in text/size)
  std::uint16_t format = 0;    // kReal: its number format (XlsxColumns::number_formats)
};

/// Reads the encoded block sequentially (XlsxRowCoder's layout).
class BlockReader {
 public:
  explicit BlockReader(std::string_view block) : block_(block) {}
  bool done() const { return at_ >= block_.size(); }
  template <class T>
  T raw() {
    T v;
    std::memcpy(&v, block_.data() + at_, sizeof v);
    at_ += sizeof v;
    return v;
  }
  Cell cell() {
    Cell c;
    c.tag = raw<std::uint8_t>();
    switch (c.tag) {
      case XlsxRowCoder::kText: text(c); break;
      case XlsxRowCoder::kDate: c.number = raw<std::int32_t>(); break;
      case XlsxRowCoder::kNumber: c.number = raw<std::int64_t>(); break;
      case XlsxRowCoder::kReal:
        c.real = raw<double>();
        c.format = raw<std::uint16_t>();
        text(c);
        break;
      case XlsxRowCoder::kEnum:
        c.number = raw<std::uint32_t>();
        text(c);
        break;
      default: break;
    }
    return c;
  }

 private:
  void text(Cell& c) {
    c.size = raw<std::uint32_t>();
    c.text = block_.data() + at_;
    at_ += c.size + 1;
  }
  std::string_view block_;
  std::size_t at_ = 0;
};

}  // namespace

struct XlsxResultWriter::State {
  State(const engine::Engine& e, XlsxRunInfo i) : engine(e), info(std::move(i)) {}
  ~State() {
    if (wb) lxw_workbook_free(wb);  // not closed: an earlier failure (tmp files go with it)
    if (spill) std::fclose(spill);
  }
  const engine::Engine& engine;
  XlsxRunInfo info;
  XlsxColumns cols;
  lxw_workbook* wb = nullptr;
  lxw_worksheet *results = nullptr, *worklist = nullptr, *summary = nullptr, *sources = nullptr;
  std::array<std::array<lxw_format*, kStates>, kBases> fmt{};
  lxw_format *header = nullptr, *bold = nullptr;
  // Per output: a deadline (a days-left column follows it); a deadline the row's person must meet
  // (model::Party::person: it colours the row and feeds the worklist). Per input column: text, date.
  std::vector<bool> deadline, tracked, input_text, input_date;
  std::vector<lxw_col_t> output_col;                   // per output: its column (a deadline's days left: the next)
  lxw_col_t as_of_col = 0, status_col = 0, message_col = 0, columns = 0;
  lxw_row_t header_row = 0, last_row = 0;
  std::vector<double> widths;  // per column of the result sheet
  std::size_t measured = 0;    // rows measured for widths
  std::optional<std::size_t> number_col, name_col;
  // The worklist: a key per row needing attention, its cells spilled to a temporary file.
  struct Key {
    std::uint64_t urgency;  // 0 and a deadline's days left (biased), or 1 << 40 for an error
    std::uint64_t offset;   // into the spill file: its record (also the roster's order)
  };
  std::vector<Key> keys;
  std::FILE* spill = nullptr;
  std::uint64_t spill_size = 0;
  std::string record;  // one spill record, reused
  std::vector<std::vector<std::size_t>> enum_counts;  // per output written: per enum value
  std::size_t overdue = 0, soon = 0, later = 0;
  std::vector<Cell> row;  // one decoded row, reused
  // The roster's number formats (a kReal cell's), by format index and row state, added as first
  // needed: a workbook uses a few.
  std::map<std::pair<std::uint16_t, std::uint8_t>, lxw_format*> number_formats;
  bool failed = false;
};

XlsxResultWriter::XlsxResultWriter(const engine::Engine& engine, XlsxRunInfo info)
    : state_(std::make_unique<State>(engine, std::move(info))) {}
XlsxResultWriter::~XlsxResultWriter() = default;

std::size_t XlsxResultWriter::worklist_rows() const { return state_->keys.size(); }

bool XlsxResultWriter::begin(XlsxColumns columns, const std::vector<Record>& titles, std::size_t header_row) {
  State& s = *state_;
  const bool zh = s.info.lang == source::Lang::zh;
  const auto& policy = s.engine.policy();
  s.cols = std::move(columns);
  const auto fail = [&](std::string_view en, std::string_view zh_text, lxw_error e) {
    diags_.push_back(write_error(s.info.path, en, zh_text, e));
    s.failed = true;
    return false;
  };
  lxw_workbook_options options{};
  options.constant_memory = LXW_TRUE;  // rows go to a temporary file as written: flat memory
  options.use_zip64 = LXW_TRUE;        // a sheet of a million rows may pass 4 GiB of XML
  s.wb = workbook_new_opt(s.info.path.c_str(), &options);
  if (!s.wb) return fail("cannot create the workbook", "无法创建工作簿", LXW_ERROR_MEMORY_MALLOC_FAILED);
  s.results = workbook_add_worksheet(s.wb, zh ? "结果" : "Results");
  s.worklist = workbook_add_worksheet(s.wb, zh ? "需处理" : "Worklist");
  s.summary = workbook_add_worksheet(s.wb, zh ? "汇总" : "Summary");
  s.sources = workbook_add_worksheet(s.wb, zh ? "依据" : "Sources");
  if (!s.results || !s.worklist || !s.summary || !s.sources) {
    return fail("cannot add the sheets", "无法添加工作表", LXW_ERROR_MEMORY_MALLOC_FAILED);
  }
  if (!xlsx::make_formats(s.wb, s.info.lang, s.fmt, s.header, s.bold)) {
    return fail("cannot add the cell formats", "无法添加单元格格式", LXW_ERROR_MEMORY_MALLOC_FAILED);
  }
  // Columns: the inputs, 评估日期, each output (a deadline followed by its days left), 状态, 说明.
  const std::size_t inputs = s.cols.inputs.size();
  for (std::size_t c = 0; c < inputs; ++c) {
    const auto fact = s.cols.input_fact[c];
    const std::string_view h = trim_cell(s.cols.inputs[c]);
    s.input_text.push_back(holds_identifiers(h, fact ? &policy.facts[*fact].type.kind : nullptr));
    s.input_date.push_back(fact && policy.facts[*fact].type.kind == model::Kind::date);
    if (!s.number_col && names_student_number(h)) s.number_col = c;
    if (!s.name_col && names_student_name(h)) s.name_col = c;
  }
  s.as_of_col = static_cast<lxw_col_t>(inputs);
  lxw_col_t next = s.as_of_col + 1;
  std::vector<std::string> headers(s.cols.inputs.begin(), s.cols.inputs.end());
  headers.push_back(s.cols.as_of_header);
  std::size_t deadlines = 0;
  for (const auto oi : s.cols.outputs) {
    deadlines += s.engine.pack().outputs[oi].decl(policy).form == model::OutputForm::deadline ? 1 : 0;
  }
  for (std::size_t k = 0; k < s.cols.outputs.size(); ++k) {
    const auto& decl = s.engine.pack().outputs[s.cols.outputs[k]].decl(policy);
    const bool is_deadline = decl.form == model::OutputForm::deadline;
    s.deadline.push_back(is_deadline);
    s.tracked.push_back(is_deadline && decl.party == model::Party::person);
    s.output_col.push_back(next);
    headers.push_back(s.cols.output_headers[k]);
    ++next;
    if (is_deadline) {
      const std::string days = say(s.info.lang, "剩余天数", "days left");
      headers.push_back(deadlines == 1 ? days : zh ? days + "（" + decl.label + "）" : days + " (" + s.cols.output_headers[k] + ")");
      ++next;
    }
    std::size_t values = 0;
    if (decl.type.kind == model::Kind::enumeration) values = policy.enums[decl.type.enum_id].values.size();
    s.enum_counts.emplace_back(values, 0);
  }
  s.status_col = next++;
  s.message_col = next++;
  headers.push_back(s.cols.status_header);
  headers.push_back(s.cols.message_header);
  s.columns = next;
  s.widths.assign(s.columns, 0);
  // Title rows as the roster had them, in their rows, so that the result's rows are the roster's.
  for (const auto& t : titles) {
    for (std::size_t c = 0; c < t.size(); ++c) {
      if (t.field(c).empty()) continue;
      const std::string text = xlsx::cell_string(t.field(c));
      const lxw_error e = worksheet_write_string(s.results, static_cast<lxw_row_t>(t.row - 1), static_cast<lxw_col_t>(c),
                                                 text.c_str(), s.bold);
      if (e != LXW_NO_ERROR) return fail("cannot write a title row", "无法写入标题行", e);
    }
  }
  s.header_row = static_cast<lxw_row_t>(header_row - 1);
  s.last_row = s.header_row;
  for (lxw_col_t c = 0; c < s.columns; ++c) {
    const std::string text = xlsx::cell_string(headers[c]);
    const lxw_error e = worksheet_write_string(s.results, s.header_row, c, text.c_str(), s.header);
    if (e != LXW_NO_ERROR) return fail("cannot write the header row", "无法写入表头行", e);
    s.widths[c] = static_cast<double>(xlsx::display_width(text));
  }
  for (std::size_t k = 0; k < s.cols.outputs.size(); ++k) {
    if (s.deadline[k]) s.widths[s.output_col[k]] = std::max(s.widths[s.output_col[k]], 15.0);
  }
  s.widths[s.as_of_col] = std::max(s.widths[s.as_of_col], 15.0);
  for (std::size_t c = 0; c < inputs; ++c) {  // 2025年12月31日, however short the header
    if (s.input_date[c]) s.widths[c] = std::max(s.widths[c], 15.0);
  }
  worksheet_freeze_panes(s.results, s.header_row + 1, 0);
  worksheet_freeze_panes(s.worklist, 1, 0);
  s.spill = std::tmpfile();
  if (!s.spill) return fail("cannot create the worklist's temporary file", "无法创建需处理表的临时文件", LXW_ERROR_CREATING_TMPFILE);
  return true;
}

bool XlsxResultWriter::write_rows(std::string_view block) {
  State& s = *state_;
  if (s.failed) return false;
  const auto fail = [&](std::size_t row, lxw_error e) {
    const std::string n = std::to_string(row);
    diags_.push_back(write_error(s.info.path, "cannot write row " + n, "无法写入第" + n + "行", e));
    s.failed = true;
    return false;
  };
  const std::size_t inputs = s.cols.inputs.size(), outputs = s.cols.outputs.size();
  const std::int32_t as_of = s.info.as_of.days_since_epoch();
  constexpr std::size_t kMeasuredRows = 200;  // column widths: the header and the first rows
  BlockReader in(block);
  while (!in.done()) {
    const auto row_number = in.raw<std::uint64_t>();
    const auto status = in.raw<std::uint8_t>();
    s.row.clear();
    for (std::size_t k = 0; k < inputs + outputs + 2; ++k) s.row.push_back(in.cell());
    // The row's deadline that matters now, of its person's (a school's deadline asks nothing of
    // them): the soonest not yet passed, since a right still runs until it ends (the statutory
    // retention outlasts the school's own last day, and the school's having passed takes nothing
    // away: the trial's row 23 days from the end of its retention was listed as 434 days overdue);
    // only when every one has passed, the last to pass. Its state colours the row.
    std::optional<std::int32_t> nearest;
    std::size_t nearest_k = 0;
    for (std::size_t k = 0; k < outputs; ++k) {
      const Cell& c = s.row[inputs + k];
      if (!s.tracked[k] || c.tag != XlsxRowCoder::kDate) continue;
      const auto left = static_cast<std::int32_t>(c.number - as_of);
      const bool better = !nearest || (left >= 0 ? *nearest < 0 || left < *nearest : *nearest < 0 && left > *nearest);
      if (better) {
        nearest = left;
        nearest_k = k;
      }
    }
    RowState state = kPlain;
    if (status == 2) state = kFailed;
    else if (nearest) state = *nearest < 0 ? kOverdue : *nearest <= s.info.remind_days ? kSoon : kLater;
    if (nearest && status != 2) ++(state == kOverdue ? s.overdue : state == kSoon ? s.soon : s.later);
    if (row_number > LXW_ROW_MAX) {  // Excel's sheet ends at row 1,048,576
      const std::string n = std::to_string(row_number);
      diags_.push_back(source::diagnostic_at(
          "batch_xlsx_write", s.info.path, {},
          "row " + n + " is past the last row an Excel sheet holds (1,048,576): write this roster's result as CSV (-o result.csv)",
          "第" + n + "行超出了 Excel 工作表的最大行数（1048576行）：请把这份名单的结果写成 CSV（-o 结果.csv）"));
      s.failed = true;
      return false;
    }
    const auto r = static_cast<lxw_row_t>(row_number - 1);
    s.last_row = std::max(s.last_row, r);
    const bool measure = s.measured < kMeasuredRows;
    const auto put = [&](lxw_col_t col, const Cell& c, Base base) -> lxw_error {
      switch (c.tag) {
        case XlsxRowCoder::kText:
        case XlsxRowCoder::kEnum:
          if (measure) s.widths[col] = std::max(s.widths[col], static_cast<double>(xlsx::display_width({c.text, c.size})));
          return worksheet_write_string(s.results, r, col, c.text, s.fmt[base == kTextCell ? kTextCell : kGeneral][state]);
        case XlsxRowCoder::kDate:
          if (c.number < xlsx::kFirstSerialDay) {  // before 1900-03-01: Excel's serials do not reach it
            const std::string t = calendar::format_date(calendar::Date::from_days_unchecked(static_cast<std::int32_t>(c.number)));
            return worksheet_write_string(s.results, r, col, t.c_str(), s.fmt[kGeneral][state]);
          }
          return worksheet_write_number(s.results, r, col, xlsx::serial(c.number), s.fmt[kDateCell][state]);
        case XlsxRowCoder::kNumber:
          return worksheet_write_number(s.results, r, col, static_cast<double>(c.number), s.fmt[kInteger][state]);
        case XlsxRowCoder::kReal: {
          if (measure) s.widths[col] = std::max(s.widths[col], 10.0);
          lxw_format* f = s.fmt[kGeneral][state];
          if (c.format != 0 && c.format < s.cols.number_formats.size()) {
            auto& kept = s.number_formats[{c.format, static_cast<std::uint8_t>(state)}];
            if (!kept) kept = xlsx::add_state_format(s.wb, state, s.cols.number_formats[c.format].c_str());
            if (!kept) return LXW_ERROR_MEMORY_MALLOC_FAILED;
            f = kept;
          }
          return worksheet_write_number(s.results, r, col, c.real, f);
        }
        default:
          return LXW_NO_ERROR;  // empty: the row's format colours it (worksheet_set_row below)
      }
    };
    // The row's own format colours its empty cells (a cell with a value carries its own, coloured
    // the same): writing a blank cell for each would double the sheet's XML.
    lxw_error e = state == kPlain ? LXW_NO_ERROR : worksheet_set_row(s.results, r, LXW_DEF_ROW_HEIGHT, s.fmt[kGeneral][state]);
    for (std::size_t c = 0; c < inputs && e == LXW_NO_ERROR; ++c) {
      e = put(static_cast<lxw_col_t>(c), s.row[c], s.input_text[c] ? kTextCell : kGeneral);
    }
    if (e == LXW_NO_ERROR) e = worksheet_write_number(s.results, r, s.as_of_col, xlsx::serial(as_of), s.fmt[kDateCell][state]);
    for (std::size_t k = 0; k < outputs && e == LXW_NO_ERROR; ++k) {
      const Cell& c = s.row[inputs + k];
      e = put(s.output_col[k], c, kGeneral);
      if (c.tag == XlsxRowCoder::kEnum && c.number >= 0 && static_cast<std::size_t>(c.number) < s.enum_counts[k].size()) {
        ++s.enum_counts[k][static_cast<std::size_t>(c.number)];
      }
      if (e == LXW_NO_ERROR && s.deadline[k]) {
        Cell days;
        if (c.tag == XlsxRowCoder::kDate) {
          days.tag = XlsxRowCoder::kNumber;
          days.number = c.number - as_of;
        }
        e = put(s.output_col[k] + 1, days, kInteger);
      }
    }
    if (e == LXW_NO_ERROR) e = put(s.status_col, s.row[inputs + outputs], kGeneral);
    if (e == LXW_NO_ERROR) e = put(s.message_col, s.row[inputs + outputs + 1], kGeneral);
    if (e != LXW_NO_ERROR) return fail(row_number, e);
    if (measure) ++s.measured;
    // Rows needing attention: a deadline past or within remind_days, or an error.
    const bool urgent = status != 2 && (state == kOverdue || state == kSoon);
    if (!urgent && status != 2) continue;
    s.record.clear();
    const auto put_text = [&](std::string_view t) {
      const auto n = static_cast<std::uint32_t>(t.size());
      s.record.append(reinterpret_cast<const char*>(&n), 4);
      s.record.append(t);
    };
    const auto input_text = [&](const std::optional<std::size_t>& c) {
      if (!c) return std::string_view();
      const Cell& cell = s.row[*c];  // text, or a number cell's text (a 学号 typed as a number)
      return cell.tag == XlsxRowCoder::kText || cell.tag == XlsxRowCoder::kReal ? std::string_view(cell.text, cell.size) : std::string_view();
    };
    const std::uint64_t rn = row_number;
    s.record.append(reinterpret_cast<const char*>(&rn), 8);
    const std::int32_t deadline_day = nearest ? as_of + *nearest : std::numeric_limits<std::int32_t>::min();
    s.record.append(reinterpret_cast<const char*>(&deadline_day), 4);
    s.record += static_cast<char>(state);
    put_text(input_text(s.number_col));
    put_text(input_text(s.name_col));
    put_text(nearest ? std::string_view(s.cols.output_headers[nearest_k]) : std::string_view());
    const Cell& st = s.row[inputs + outputs];
    const Cell& msg = s.row[inputs + outputs + 1];
    put_text(st.tag == XlsxRowCoder::kText ? std::string_view(st.text, st.size) : std::string_view());
    put_text(msg.tag == XlsxRowCoder::kText ? std::string_view(msg.text, msg.size) : std::string_view());
    const auto size = static_cast<std::uint32_t>(s.record.size());
    if (std::fwrite(&size, 4, 1, s.spill) != 1 || std::fwrite(s.record.data(), 1, s.record.size(), s.spill) != s.record.size()) {
      return fail(row_number, LXW_ERROR_CREATING_TMPFILE);
    }
    const std::uint64_t urgency =
        urgent ? static_cast<std::uint64_t>(static_cast<std::int64_t>(*nearest) + (std::int64_t{1} << 31)) : std::uint64_t{1} << 40;
    s.keys.push_back({urgency, s.spill_size});
    s.spill_size += 4 + s.record.size();
  }
  return true;
}

bool XlsxResultWriter::finish(const BatchSummary& summary) {
  State& s = *state_;
  if (s.failed) return false;
  const source::Lang lang = s.info.lang;
  const bool zh = lang == source::Lang::zh;
  const auto& policy = s.engine.policy();
  lxw_error e = LXW_NO_ERROR;
  const auto fail = [&](std::string_view en, std::string_view zh_text) {
    diags_.push_back(write_error(s.info.path, en, zh_text, e));
    s.failed = true;
    return false;
  };
  // 结果: widths from the header and the first rows (CJK counts double), the autofilter.
  for (lxw_col_t c = 0; c < s.columns && e == LXW_NO_ERROR; ++c) {
    const double width = std::clamp(s.widths[c] + 2, 6.0, 60.0);
    e = worksheet_set_column(s.results, c, c, width, s.fmt[c < s.input_text.size() && s.input_text[c] ? kTextCell : kGeneral][kPlain]);
  }
  if (e == LXW_NO_ERROR) e = worksheet_autofilter(s.results, s.header_row, 0, s.last_row, static_cast<lxw_col_t>(s.columns - 1));
  if (e != LXW_NO_ERROR) return fail("cannot set the result sheet's columns", "无法设置结果表的列");

  // 需处理: the rows needing attention, most urgent first (by days left: overdue first), then
  // errors; rows alike in urgency in the roster's order.
  std::sort(s.keys.begin(), s.keys.end(), [](const State::Key& a, const State::Key& b) {
    return a.urgency != b.urgency ? a.urgency < b.urgency : a.offset < b.offset;
  });
  std::vector<std::string> wl_headers{say(lang, "行号", "row")};
  if (s.number_col) wl_headers.push_back(s.cols.inputs[*s.number_col]);
  if (s.name_col) wl_headers.push_back(s.cols.inputs[*s.name_col]);
  for (const char* h : {zh ? "最近的期限" : "nearest deadline", zh ? "截止日期" : "last day", zh ? "剩余天数" : "days left",
                        zh ? "状态" : "status", zh ? "说明" : "note"}) {
    wl_headers.emplace_back(h);
  }
  const std::size_t wl_columns = wl_headers.size();
  for (std::size_t c = 0; c < wl_columns && e == LXW_NO_ERROR; ++c) {
    const std::string text = xlsx::cell_string(wl_headers[c]);
    e = worksheet_write_string(s.worklist, 0, static_cast<lxw_col_t>(c), text.c_str(), s.header);
  }
  if (e != LXW_NO_ERROR) return fail("cannot write the worklist's header", "无法写入需处理表的表头");
  std::vector<char> record;
  lxw_row_t r = 0;
  for (const auto& key : s.keys) {
    std::uint32_t size = 0;
    if (std::fseek(s.spill, static_cast<long>(key.offset), SEEK_SET) != 0 || std::fread(&size, 4, 1, s.spill) != 1) {
      e = LXW_ERROR_CREATING_TMPFILE;
      return fail("cannot read back the worklist's temporary file", "无法读回需处理表的临时文件");
    }
    record.resize(size);
    if (std::fread(record.data(), 1, size, s.spill) != size) {
      e = LXW_ERROR_CREATING_TMPFILE;
      return fail("cannot read back the worklist's temporary file", "无法读回需处理表的临时文件");
    }
    std::size_t at = 0;
    const auto take = [&](auto& v) {
      std::memcpy(&v, record.data() + at, sizeof v);
      at += sizeof v;
    };
    std::uint64_t row_number = 0;
    std::int32_t deadline_day = 0;
    std::uint8_t state = 0;
    take(row_number);
    take(deadline_day);
    take(state);
    std::array<std::string, 5> texts;  // 学号, 姓名, the deadline's header, status, message
    for (auto& t : texts) {
      std::uint32_t n = 0;
      take(n);
      t.assign(record.data() + at, n);
      at += n;
    }
    ++r;
    lxw_col_t c = 0;
    const auto st = static_cast<RowState>(state);
    e = worksheet_write_number(s.worklist, r, c++, static_cast<double>(row_number), s.fmt[kInteger][st]);
    if (s.number_col && e == LXW_NO_ERROR) e = worksheet_write_string(s.worklist, r, c++, texts[0].c_str(), s.fmt[kTextCell][st]);
    if (s.name_col && e == LXW_NO_ERROR) e = worksheet_write_string(s.worklist, r, c++, texts[1].c_str(), s.fmt[kGeneral][st]);
    if (e == LXW_NO_ERROR) e = worksheet_write_string(s.worklist, r, c++, texts[2].c_str(), s.fmt[kGeneral][st]);
    if (deadline_day != std::numeric_limits<std::int32_t>::min()) {
      if (e == LXW_NO_ERROR) e = worksheet_write_number(s.worklist, r, c++, xlsx::serial(deadline_day), s.fmt[kDateCell][st]);
      if (e == LXW_NO_ERROR) {
        e = worksheet_write_number(s.worklist, r, c++, static_cast<double>(deadline_day - s.info.as_of.days_since_epoch()),
                                   s.fmt[kInteger][st]);
      }
    } else {
      if (e == LXW_NO_ERROR) e = worksheet_write_blank(s.worklist, r, c++, s.fmt[kGeneral][st]);
      if (e == LXW_NO_ERROR) e = worksheet_write_blank(s.worklist, r, c++, s.fmt[kGeneral][st]);
    }
    // 状态 says why the row is listed, in the words of 汇总's counts (a red row beside "正常" read
    // as nothing to do); the row's own status follows when it is not 正常 (a deadline passed while
    // another output still waits for a fact).
    std::string why = texts[3];
    if (st == kOverdue || st == kSoon) {
      why = st == kOverdue ? say(lang, "已逾期", "overdue")
                           : zh ? std::to_string(s.info.remind_days) + "天内到期" : "due within " + std::to_string(s.info.remind_days) + " days";
      if (!texts[3].empty() && texts[3] != say(lang, "正常", "ok")) why += say(lang, "；", "; ") + texts[3];
    }
    if (e == LXW_NO_ERROR) e = worksheet_write_string(s.worklist, r, c++, why.c_str(), s.fmt[kGeneral][st]);
    if (e == LXW_NO_ERROR) e = worksheet_write_string(s.worklist, r, c++, texts[4].c_str(), s.fmt[kGeneral][st]);
    if (e != LXW_NO_ERROR) return fail("cannot write the worklist", "无法写入需处理表");
  }
  {
    std::vector<double> widths{8};
    if (s.number_col) widths.push_back(std::max(12.0, s.widths[*s.number_col] + 2));
    if (s.name_col) widths.push_back(std::max(10.0, s.widths[*s.name_col] + 2));
    for (double w : {24.0, 15.0, 10.0, 8.0, 60.0}) widths.push_back(w);
    for (std::size_t c = 0; c < widths.size() && e == LXW_NO_ERROR; ++c) {
      const auto col = static_cast<lxw_col_t>(c);
      e = worksheet_set_column(s.worklist, col, col, widths[c], nullptr);
    }
    if (e == LXW_NO_ERROR) e = worksheet_autofilter(s.worklist, 0, 0, r, static_cast<lxw_col_t>(wl_columns - 1));
    if (e != LXW_NO_ERROR) return fail("cannot set the worklist's columns", "无法设置需处理表的列");
  }

  // 汇总: the run, the counts, the notes, the first errors, what the colours mean.
  lxw_row_t sr = 0;
  const auto line = [&](std::string_view label, std::string_view value, lxw_format* f = nullptr) {
    if (e != LXW_NO_ERROR) return;
    const std::string l = xlsx::cell_string(label), v = xlsx::cell_string(value);
    e = worksheet_write_string(s.summary, sr, 0, l.c_str(), s.bold);
    if (e == LXW_NO_ERROR && !v.empty()) e = worksheet_write_string(s.summary, sr, 1, v.c_str(), f);
    ++sr;
  };
  const auto count = [&](std::string_view label, std::size_t n, lxw_format* f = nullptr) {
    if (e != LXW_NO_ERROR) return;
    const std::string l = xlsx::cell_string(label);
    e = worksheet_write_string(s.summary, sr, 0, l.c_str(), f ? f : s.bold);
    if (e == LXW_NO_ERROR) e = worksheet_write_number(s.summary, sr, 1, static_cast<double>(n), s.fmt[kInteger][kPlain]);
    ++sr;
  };
  if (e == LXW_NO_ERROR) e = worksheet_write_string(s.summary, sr, 0, say(lang, "评估日期", "evaluation date").c_str(), s.bold);
  if (e == LXW_NO_ERROR) e = worksheet_write_number(s.summary, sr++, 1, xlsx::serial(s.info.as_of.days_since_epoch()), s.fmt[kDateCell][kPlain]);
  line(say(lang, "政策包", "pack"), policy.header.id + " " + policy.header.version + "（" + policy.header.title + "）");
  line(say(lang, "参数文件", "parameters file"), s.info.params_file.empty() ? say(lang, "（无，用政策包的默认值）", "(none: the pack's defaults)") : s.info.params_file);
  line(say(lang, "名单", "roster"), s.info.roster_name);
  count(say(lang, "共计行数", "rows"), summary.rows);
  count(say(lang, "正常", "ok"), summary.ok);
  count(say(lang, "待补充", "unknown"), summary.unknown);
  count(say(lang, "错误", "error"), summary.error);
  count(say(lang, "需处理", "worklist rows"), s.keys.size());
  count(say(lang, "已逾期", "overdue"), s.overdue, s.fmt[kGeneral][kOverdue]);
  count(zh ? std::to_string(s.info.remind_days) + "天内到期" : "due within " + std::to_string(s.info.remind_days) + " days",
        s.soon, s.fmt[kGeneral][kSoon]);
  count(say(lang, "期限尚远", "due later"), s.later, s.fmt[kGeneral][kLater]);
  line(say(lang, "标记为错误的行", "rows with errors"), say(lang, "灰色", "grey"), s.fmt[kGeneral][kFailed]);
  for (std::size_t k = 0; k < s.cols.outputs.size(); ++k) {
    if (s.enum_counts[k].empty()) continue;
    ++sr;
    line(s.cols.output_headers[k], "");
    const auto& decl = s.engine.pack().outputs[s.cols.outputs[k]].decl(policy);
    const auto& values = policy.enums[decl.type.enum_id].values;
    for (std::size_t v = 0; v < values.size(); ++v) {
      const std::string& label = values[v].label.empty() ? values[v].name : values[v].label;
      count("  " + label, s.enum_counts[k][v], s.fmt[kGeneral][kPlain]);
    }
  }
  auto notes = summary_notes(summary, lang);
  for (auto& n : undecidable_notes(summary, s.engine, lang)) notes.push_back(std::move(n));
  if (!notes.empty()) {
    ++sr;
    line(say(lang, "说明", "notes"), "");
    for (const auto& n : notes) line("", n);
  }
  if (!summary.first_errors.empty()) {
    ++sr;
    line(say(lang, "前几条错误", "first errors"), "");
    for (const auto& [row, message] : summary.first_errors) line("", message);
    if (summary.error > summary.first_errors.size()) {
      const auto more = std::to_string(summary.error - summary.first_errors.size());
      line("", zh ? "……另有 " + more + " 行有错误（见“结果”表的说明列）" : "... and " + more + " more rows with errors (see the result sheet)");
    }
  }
  if (e == LXW_NO_ERROR) e = worksheet_set_column(s.summary, 0, 0, 24, nullptr);
  if (e == LXW_NO_ERROR) e = worksheet_set_column(s.summary, 1, 1, 80, nullptr);
  if (e != LXW_NO_ERROR) return fail("cannot write the summary sheet", "无法写入汇总表");

  // 依据: every rule computing the outputs written (or what they read), with its citations.
  // The rules some row's values came from (BatchSummary::rule_rows), with how many rows; the
  // rules of the outputs written that no row used are counted in a last line, not listed.
  std::vector<std::uint32_t> written(s.cols.outputs.begin(), s.cols.outputs.end());
  std::vector<std::uint32_t> rules;
  for (const auto oi : s.engine.evaluation_order(written)) {
    for (const auto& c : s.engine.pack().outputs[oi].candidates) rules.push_back(c.rule);
  }
  std::sort(rules.begin(), rules.end());
  rules.erase(std::unique(rules.begin(), rules.end()), rules.end());
  const auto rows_of = [&](std::uint32_t ri) { return ri < summary.rule_rows.size() ? summary.rule_rows[ri] : std::size_t{0}; };
  const auto unused = static_cast<std::size_t>(std::count_if(rules.begin(), rules.end(), [&](std::uint32_t ri) { return rows_of(ri) == 0; }));
  lxw_row_t cr = 0;
  constexpr std::size_t kSourceColumns = 8;
  const std::array<std::string, kSourceColumns> src_headers =
      zh ? std::array<std::string, kSourceColumns>{"规则编号", "规则", "结果项", "用到的行数", "文件", "条款", "摘要", "核实说明"}
         : std::array<std::string, kSourceColumns>{"rule", "title", "outputs", "rows", "document", "article", "summary", "verification note"};
  for (std::size_t c = 0; c < src_headers.size() && e == LXW_NO_ERROR; ++c) {
    e = worksheet_write_string(s.sources, cr, static_cast<lxw_col_t>(c), src_headers[c].c_str(), s.header);
  }
  for (const auto ri : rules) {
    const std::size_t rows = rows_of(ri);
    if (rows == 0) continue;
    const auto& rule = policy.rules[ri];
    std::string outs;
    for (const auto& o : rule.outputs) outs += (outs.empty() ? "" : zh ? "、" : ", ") + (o.label.empty() ? o.name : o.label);
    for (const auto& cite : rule.citations) {
      ++cr;
      const std::array<std::string, kSourceColumns> cells{rule.id, rule.title, outs, std::string(), cite.document, cite.article, cite.summary,
                                                          std::string(cite.printable_note())};
      for (std::size_t c = 0; c < cells.size() && e == LXW_NO_ERROR; ++c) {
        if (c == 3) {
          e = worksheet_write_number(s.sources, cr, 3, static_cast<double>(rows), s.fmt[kInteger][kPlain]);
          continue;
        }
        const std::string text = xlsx::cell_string(cells[c]);
        if (!text.empty()) e = worksheet_write_string(s.sources, cr, static_cast<lxw_col_t>(c), text.c_str(), s.fmt[kGeneral][kPlain]);
      }
    }
  }
  if (unused > 0 && e == LXW_NO_ERROR) {
    cr += 2;
    const std::string n = std::to_string(unused);
    const std::string note = zh ? "另有 " + n + " 条规则属于所写的结果项，但没有一行用到（名单中没有适用它们的情形），未列出。"
                                : n + (unused == 1 ? " more rule gives" : " more rules give") +
                                      " outputs written but no row used " + (unused == 1 ? "it" : "them") +
                                      " (no row of the roster is a case for " + (unused == 1 ? "it" : "them") + "): not listed.";
    e = worksheet_write_string(s.sources, cr, 0, note.c_str(), nullptr);
  }
  for (const auto& [c, w] : std::array<std::pair<lxw_col_t, double>, kSourceColumns>{
           {{0, 22}, {1, 30}, {2, 30}, {3, 10}, {4, 40}, {5, 14}, {6, 60}, {7, 16}}}) {
    if (e == LXW_NO_ERROR) e = worksheet_set_column(s.sources, c, c, w, nullptr);
  }
  worksheet_freeze_panes(s.sources, 1, 0);
  if (e != LXW_NO_ERROR) return fail("cannot write the sources sheet", "无法写入依据表");

  lxw_workbook* wb = s.wb;
  s.wb = nullptr;  // workbook_close frees it, whatever it returns
  e = workbook_close(wb);
  if (e != LXW_NO_ERROR) return fail("cannot write the workbook", "无法写出工作簿");
  return true;
}

}  // namespace rules::batch
