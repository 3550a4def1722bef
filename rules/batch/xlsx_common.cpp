#include "batch/xlsx_common.h"

namespace rules::batch::xlsx {

const char* date_format(source::Lang lang) { return lang == source::Lang::zh ? "yyyy\"年\"m\"月\"d\"日\"" : "yyyy-mm-dd"; }

lxw_format* add_state_format(lxw_workbook* wb, RowState state, const char* num_format) {
  // Fill and font colours of Excel's Bad, Neutral and Good cell styles, and a grey for errors.
  constexpr std::array<lxw_color_t, kStates> fills{LXW_COLOR_WHITE, 0xFFC7CE, 0xFFEB9C, 0xC6EFCE, 0xD9D9D9};
  constexpr std::array<lxw_color_t, kStates> fonts{LXW_COLOR_BLACK, 0x9C0006, 0x9C5700, 0x006100, 0x000000};
  lxw_format* f = workbook_add_format(wb);
  if (!f) return nullptr;
  if (num_format) format_set_num_format(f, num_format);
  if (state != kPlain) {
    format_set_bg_color(f, fills[state]);
    format_set_font_color(f, fonts[state]);
  }
  return f;
}

bool make_formats(lxw_workbook* wb, source::Lang lang, Formats& fmt, lxw_format*& header, lxw_format*& bold) {
  for (std::size_t b = 0; b < kBases; ++b) {
    for (std::size_t st = 0; st < kStates; ++st) {
      const char* num = b == kTextCell ? "@" : b == kDateCell ? date_format(lang) : b == kInteger ? "0" : nullptr;
      lxw_format* f = add_state_format(wb, static_cast<RowState>(st), num);
      if (!f) return false;
      fmt[b][st] = f;
    }
  }
  header = workbook_add_format(wb);
  bold = workbook_add_format(wb);
  if (!header || !bold) return false;
  format_set_bold(header);
  format_set_bg_color(header, 0xDDEBF7);
  format_set_border(header, LXW_BORDER_THIN);
  format_set_text_wrap(header);
  format_set_align(header, LXW_ALIGN_VERTICAL_CENTER);
  format_set_bold(bold);
  return true;
}

std::string cell_string(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c != '\0') out += c;
  }
  return out;
}

source::Diagnostic write_error(const std::string& path, std::string_view what_en, std::string_view what_zh, lxw_error e) {
  const std::string why = lxw_strerror(e);
  std::string why_zh;
  switch (e) {
    case LXW_ERROR_MEMORY_MALLOC_FAILED: why_zh = "内存不足"; break;
    case LXW_ERROR_CREATING_XLSX_FILE: why_zh = "无法创建 xlsx 文件（目录不存在、无权写入或磁盘已满）"; break;
    case LXW_ERROR_CREATING_TMPFILE: why_zh = "无法写入临时文件（临时目录 TMPDIR 不可写或磁盘已满）"; break;
    case LXW_ERROR_READING_TMPFILE: why_zh = "无法读回临时文件"; break;
    case LXW_ERROR_MAX_STRING_LENGTH_EXCEEDED: why_zh = "单元格文字超过 Excel 的上限 32767 个字符"; break;
    case LXW_ERROR_WORKSHEET_INDEX_OUT_OF_RANGE: why_zh = "行号或列号超出 Excel 工作表的范围"; break;
    default: why_zh = "libxlsxwriter：" + why; break;
  }
  return source::diagnostic_at("batch_xlsx_write", path, {}, std::string(what_en) + ": " + why,
                               std::string(what_zh) + "：" + why_zh);
}

}  // namespace rules::batch::xlsx
