#include "batch/cells.h"

#include <algorithm>
#include <array>
#include <cstdint>

#include "model/cell_text.h"
#include "model/resident_id.h"
#include "model/value_parse.h"

namespace rules::batch {
namespace {

using model::Kind;
using model::Value;

// Replaces every occurrence of `from` in `s` by `to`.
void replace_all(std::string& s, std::string_view from, std::string_view to) {
  if (from.empty()) return;
  for (std::size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
    s.replace(pos, from.size(), to);
  }
}

}  // namespace

CellStatus parse_cell(std::string_view raw, model::Type t, std::span<const model::EnumDef> enums,
                      const CellOptions& opt, model::Value& out, std::string& error, std::string& normalized) {
  const std::string_view text = trim_cell(raw);
  const bool zh = opt.lang == source::Lang::zh;
  if (text.empty()) {
    out = Value::make_unknown(model::FactSet{});
    return CellStatus::empty;
  }
  switch (t.kind) {
    case Kind::date: {
      calendar::Date d;
      if (!model::parse_date_text(text, model::DateTextOptions{opt.excel_serial_dates}, opt.lang, d, error)) {
        return CellStatus::error;
      }
      out = Value::make_date(d);
      return CellStatus::value;
    }
    case Kind::boolean: {
      bool b = false;
      if (!model::parse_bool_text(text, b)) {
        error = quote_cell(text) + (zh ? " 不是“是/否”值（可写 " : " is not a yes/no value (") +
                std::string(model::bool_forms(opt.lang)) + (zh ? "）" : ")");
        return CellStatus::error;
      }
      out = Value::make_bool(b);
      return CellStatus::value;
    }
    case Kind::integer: {
      std::int64_t i = 0;
      if (!model::parse_integer_text(text, opt.lang, i, error)) return CellStatus::error;
      out = Value::make_int(i);
      return CellStatus::value;
    }
    case Kind::enumeration: {
      if (t.enum_id >= enums.size()) {
        error = quote_cell(text) + (zh ? " 无法读取：政策包没有第 " + std::to_string(t.enum_id) + " 个枚举"
                                       : " cannot be read: the pack declares no enum set " + std::to_string(t.enum_id));
        return CellStatus::error;
      }
      const auto& set = enums[t.enum_id];
      const auto idx = set.find_any_case(text);  // Enrolled_Student, as typed in Excel; labels, aliases
      if (!idx) {
        error = quote_cell(text) + (zh ? " 不是" : " is not ") + model::expected_form(t, enums, opt.lang);
        return CellStatus::error;
      }
      out = Value::make_enum(t.enum_id, *idx);
      return CellStatus::value;
    }
    case Kind::string:
    case Kind::text:
      out = Value::make_string(text, t.kind);
      return CellStatus::value;
    case Kind::resident_id:
      return parse_resident_id_cell(text, normalized, out, error, opt.lang);
    case Kind::instant:
    case Kind::period:
    case Kind::time_of_day:
    case Kind::month_day:
    case Kind::window:
    case Kind::list: {
      Value v;
      if (!model::parse_value(text, t, enums, v, error, opt.lang)) {
        // parse_value quotes the text as quote_cell does; escape what else of it the message holds
        // (a part of a window, say), masked as the quoted value is.
        if (const std::string shown = model::show_value(text); shown != text) replace_all(error, text, shown);
        error = escape_controls(error);
        return CellStatus::error;
      }
      out = v;
      return CellStatus::value;
    }
  }
  error = quote_cell(text) + (zh ? " 无法读取为" : " cannot be read as a ") + std::string(model::kind_name(t.kind));
  return CellStatus::error;
}

CellStatus parse_resident_id_cell(std::string_view raw, std::string& normalized, model::Value& out,
                                  std::string& error, source::Lang lang) {
  const std::string_view text = trim_cell(raw);
  if (text.empty()) {
    out = Value::make_unknown(model::FactSet{});
    return CellStatus::empty;
  }
  if (!model::check_resident_id(text, normalized, error, lang)) {
    error = escape_controls(error);  // the masked number keeps its first and last characters
    return CellStatus::error;
  }
  // Only a lowercase check 'x', a 15-digit number or an apostrophe prefix differ from the normal form.
  out = Value::make_string(normalized == text ? text : std::string_view(normalized), Kind::resident_id);
  return CellStatus::value;
}

bool names_student_number(std::string_view header) {
  static constexpr std::array<std::string_view, 7> k{"学号", "学生学号", "学籍号", "学生编号", "student_id", "student id", "student no."};
  const auto h = trim_cell(header);
  return std::any_of(k.begin(), k.end(), [&](std::string_view x) { return model::equals_ascii_ci(x, h); });
}

bool names_student_name(std::string_view header) {
  static constexpr std::array<std::string_view, 4> k{"姓名", "学生姓名", "name", "student name"};
  const auto h = trim_cell(header);
  return std::any_of(k.begin(), k.end(), [&](std::string_view x) { return model::equals_ascii_ci(x, h); });
}

bool holds_identifiers(std::string_view header, const model::Kind* fact_kind) {
  return (fact_kind && *fact_kind == Kind::resident_id) || names_student_number(header);
}

}  // namespace rules::batch
