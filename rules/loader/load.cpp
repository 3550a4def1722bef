#include "loader/load.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <queue>
#include <set>
#include <sstream>

#include "calendar/date.h"
#include "calendar/instant.h"
#include "calendar/period.h"
#include "expr/checker.h"
#include "expr/parser.h"
#include "loader/toml_source.h"
#include "model/format.h"
#include "model/value_parse.h"
#include "source/utf8.h"

namespace rules::loader {
namespace {

using detail::Diags;
using detail::TableReader;
using detail::TomlFile;
using model::Kind;
using model::Type;

bool valid_name(std::string_view s) {
  if (s.empty() || !(s[0] >= 'a' && s[0] <= 'z')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}

/// Whether `s` holds nothing but spaces, tabs and line breaks.
bool blank(std::string_view s) { return s.find_first_not_of(" \t\r\n") == std::string_view::npos; }

bool reserved_word(std::string_view s) {
  static constexpr std::string_view words[] = {"and", "or", "not", "if", "then", "else", "in", "true", "false", "as_of"};
  return std::find(std::begin(words), std::end(words), s) != std::end(words);
}

/// The Chinese of a TOML syntax error: where to look, with toml++'s own (English) description.
std::string toml_syntax_zh(const toml::parse_error& e) {
  return "TOML 语法错误：请检查此处的引号、括号、等号和逗号（解析器说明：" + std::string(e.description()) + "）";
}

/// What a value of type `t` is written as, in Chinese (model::expected_form in English).
std::string expected_form_zh(Type t, std::span<const model::EnumDef> enums) {
  switch (t.kind) {
    case Kind::boolean: return "是或否（true/false）";
    case Kind::integer: return "整数";
    case Kind::string: return "字符串";
    case Kind::resident_id: return "18位居民身份证号码";
    case Kind::text: return "文本";
    case Kind::date: return "日期 YYYY-MM-DD，如 2025-06-30";
    case Kind::instant: return "时刻 YYYY-MM-DDTHH:MM:SS+08:00";
    case Kind::period: return "期间，如 P2Y（2年）或 P15D（15天）";
    case Kind::time_of_day: return "时间 HH:MM";
    case Kind::month_day: return "月日 MM-DD，如 \"09-01\"";
    case Kind::window: return "时间窗 [YYYY-MM-DD .. YYYY-MM-DD]";
    case Kind::list: return "列表";
    case Kind::enumeration: {
      std::string s = "以下之一：";
      if (t.enum_id < enums.size()) {
        bool first = true;
        for (const auto& v : enums[t.enum_id].values) {
          s += (first ? "" : "、") + v.name + (v.label.empty() ? "" : "（" + v.label + "）");
          first = false;
        }
      }
      return s;
    }
  }
  return "一个值";
}

/// Why `text` is not a value of type `t`, in Chinese: the value quoted (an ID number never), what
/// is wrong with it where the calendar can tell, and what was expected. model::parse_value gives
/// the English.
std::string bad_value_zh(std::string_view text, Type t, std::span<const model::EnumDef> enums) {
  const std::string expected = expected_form_zh(t, enums);
  if (t.kind == Kind::resident_id) return "不是有效的" + expected;
  std::string_view v = text;
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  const std::string quoted = "“" + std::string(text) + "”";
  const auto with = [&](const calendar::CalendarError& e) {
    if (e.message_zh.empty() && e.code == calendar::CalendarErrorCode::syntax) return quoted + "的写法不对：应为" + expected;
    return expr::calendar_message_zh(e, v) + "（应为" + expected + "）";
  };
  switch (t.kind) {
    case Kind::date:
      if (auto r = calendar::parse_date(v); !r) return with(r.error());
      break;
    case Kind::instant:
      if (auto r = calendar::parse_instant(v); !r) return with(r.error());
      break;
    case Kind::period:
      if (auto r = calendar::parse_period(v); !r) return with(r.error());
      break;
    case Kind::time_of_day:
      if (auto r = calendar::parse_time_of_day(v); !r) return with(r.error());
      break;
    case Kind::month_day:
      if (auto r = calendar::parse_month_day(v); !r) return with(r.error());
      break;
    case Kind::window:
      return quoted + "不是有效的" + expected + "（两端都应是存在的日期，且结束不早于开始）";
    default:
      break;
  }
  return quoted + "不是" + expected;
}

/// A parameter as Chinese messages name it: `name（label）`, or `name ` (a space before the
/// Chinese that follows) when it has no label.
std::string param_zh(const model::Parameter& p) { return p.name + (p.label.empty() ? " " : "（" + p.label + "）"); }

/// Position order used for "declaration order": file index, then line, then column.
struct Order {
  std::size_t file = 0;
  source::Position pos;
  friend auto operator<=>(const Order&, const Order&) = default;
};

struct ParsedFile {
  TomlFile file;
  toml::table root;
};

class Loader {
 public:
  explicit Loader(std::span<const SourceFile> files) : files_(files) {}

  LoadResult run(const std::optional<SourceFile>& params) {
    parse_files();
    if (parsed_.empty()) return finish();
    read_header();
    for (auto& pf : parsed_) read_calendar(pf.root, pf.file);
    read_declarations();
    check_not_before_declarations();
    check_periods(false);
    read_rules();
    assign_slots();
    compile_rules();
    order_outputs();
    read_questions();
    for (std::uint32_t i = 0; i < deps_.size(); ++i) {
      auto& d = pack_->output_deps.emplace_back(deps_[i].begin(), deps_[i].end());
      std::erase(d, i);
    }
    if (params) {
      apply_params(*params);
      check_periods(true);
    }
    read_tests();
    // String parameter values view their parameter's text; point them there now that the
    // parameters no longer move.
    for (auto& p : pack_->policy.parameters) {
      if (p.type.kind == Kind::string) p.value = model::Value::make_string(p.text);
    }
    return finish();
  }

 private:
  LoadResult finish() {
    LoadResult r;
    source::sort_diagnostics(diags_);
    r.diagnostics = std::move(diags_);
    if (r.diagnostics.empty() && !parsed_.empty()) r.pack = std::move(pack_);
    return r;
  }

  /// A diagnostic with its English and Chinese messages (both required).
  void error(const char* code, source::Span span, std::string msg, std::string msg_zh,
             std::vector<std::string> notes = {}) {
    diags_.push_back({code, std::move(span), std::move(msg), std::move(notes), std::move(msg_zh)});
  }

  // ---- files ---------------------------------------------------------------------------------

  void parse_files() {
    pack_ = std::make_unique<CompiledPack>();
    if (files_.empty()) {
      error("load_io", {"<pack>", {}, {}}, "the pack has no .toml files", "政策包中没有 .toml 文件");
      return;
    }
    parsed_.reserve(files_.size());
    for (const auto& f : files_) {
      pack_->policy.files.push_back(f.path);
      try {
        auto root = toml::parse(std::string_view(f.text), std::string_view(f.path));
        parsed_.push_back({TomlFile(f.path, f.text), std::move(root)});
      } catch (const toml::parse_error& e) {
        const auto b = e.source().begin;
        error("load_toml_syntax", {f.path, {b.line, b.column}, {b.line, b.column}},
              "TOML syntax: " + std::string(e.description()), toml_syntax_zh(e));
        syntax_failed_ = true;
      }
    }
    // A file that is not TOML makes every later check unreliable: stop at syntax errors.
    if (syntax_failed_) parsed_.clear();
  }

  template <class F>
  void for_each_table_entry(const char* section, F&& f) {
    for (std::size_t fi = 0; fi < parsed_.size(); ++fi) {
      auto& pf = parsed_[fi];
      const auto* node = pf.root.get(section);
      if (!node) continue;
      const auto* tbl = node->as_table();
      if (!tbl) {
        error("load_wrong_type", pf.file.span(*node),
              std::string("[") + section + "] must be a table, not " + detail::toml_type_name(*node),
              std::string("[") + section + "] 应为表，而这里是" + detail::toml_type_name_zh(*node));
        continue;
      }
      // toml++ keeps keys sorted; report and number entries in the order they were written.
      std::vector<std::pair<const toml::key*, const toml::node*>> entries;
      for (auto&& [k, v] : *tbl) entries.emplace_back(&k, &v);
      std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
        const auto pa = a.first->source().begin, pb = b.first->source().begin;
        return std::tie(pa.line, pa.column) < std::tie(pb.line, pb.column);
      });
      for (auto& [k, v] : entries) f(fi, pf.file, *k, *v);
    }
  }

  // ---- header ---------------------------------------------------------------------------------

  void read_header() {
    const toml::table* found = nullptr;
    const TomlFile* found_file = nullptr;
    bool header_seen = false;  // a [policy] of the wrong type was already reported
    for (auto& pf : parsed_) {
      for (auto&& [k, v] : pf.root) {
        static constexpr std::string_view top[] = {"policy", "parameters", "facts", "rules", "questions", "tests",
                                                   "calendar"};
        if (std::find(std::begin(top), std::end(top), k.str()) == std::end(top)) {
          error("load_unknown_field", pf.file.span(k.source()),
                "unknown top-level section '" + std::string(k.str()) +
                    "' (sections: policy, parameters, facts, rules, questions, tests, calendar)",
                "没有顶层部分“" + std::string(k.str()) + "”（可用：policy、parameters、facts、rules、questions、tests、calendar），多半是拼写错误");
        }
      }
      const auto* n = pf.root.get("policy");
      if (!n) continue;
      if (!n->is_table()) {
        error("load_wrong_type", pf.file.span(*n), "[policy] must be a table", "[policy] 应为表");
        header_seen = true;
        continue;
      }
      if (found) {
        error("load_duplicate_header", pf.file.span(*n),
              "a second [policy] header; the pack's header is in " + found_file->path(),
              "第二个 [policy] 包头；本包的包头已在 " + found_file->path() + " 中");
        continue;
      }
      found = n->as_table();
      found_file = &pf.file;
    }
    auto& h = pack_->policy.header;
    if (!found) {
      if (header_seen) return;
      error("load_missing_header", {parsed_.front().file.path(), {1, 1}, {1, 1}},
            "no [policy] header (id, title, version, timezone, date_convention) in any file of the pack",
            "政策包的所有文件中都没有 [policy] 包头（id、title、version、timezone、date_convention）");
      return;
    }
    TableReader r(*found, *found_file, diags_, "[policy]", "[policy] ",
                  {"id", "title", "version", "timezone", "timezone_label", "language", "date_convention", "description"});
    h.span = r.span();
    h.id = r.string("id", true).value_or("");
    h.title = r.string("title", true).value_or("");
    h.version = r.string("version", true).value_or("");
    if (auto tz = r.string("timezone", true)) {
      h.timezone = *tz;
      auto z = calendar::TimeZone::locate(*tz);
      if (z) {
        pack_->zone = *z;
      } else {
        r.error("load_bad_timezone", *r.node("timezone"),
                "'" + *tz + "' is not an IANA time-zone name known to this system's tzdata (e.g. Asia/Shanghai)",
                "“" + *tz + "”不是本机 tzdata 所知的 IANA 时区名（例如 Asia/Shanghai）");
      }
    }
    h.timezone_label = r.string("timezone_label", false).value_or("");
    if (auto lang = r.string("language", false)) {
      h.language = *lang;
      if (const auto l = source::parse_lang(*lang)) {
        h.lang = *l;
      } else {
        r.error("load_bad_value", *r.node("language"),
                "unknown language '" + *lang + "' (known: zh-CN, en)",
                "未知的语言“" + *lang + "”（可用：zh-CN、en）");
      }
    }
    if (auto conv = r.string("date_convention", true)) {
      if (*conv == "prc-civil-code") {
        h.date_convention = model::DateConvention::prc_civil_code;
      } else {
        r.error("load_bad_convention", *r.node("date_convention"),
                "unknown date convention '" + *conv + "' (known: prc-civil-code, PRC Civil Code Arts. 200-204)",
                "未知的期间计算规则“" + *conv + "”（可用：prc-civil-code，即《民法典》第二百条至第二百零四条）");
      }
    }
  }

  // ---- statutory holiday calendar ------------------------------------------------------------

  /// Reads `[[calendar.years]]` (one State Council notice per year) into the pack's calendar.
  void read_calendar(const toml::table& root, const TomlFile& f) {
    const auto* node = root.get("calendar");
    if (!node) return;
    if (!node->is_table()) {
      error("load_wrong_type", f.span(*node), "[calendar] must be a table holding [[calendar.years]]",
            "[calendar] 应为表，其中写 [[calendar.years]]");
      return;
    }
    TableReader cr(*node->as_table(), f, diags_, "[calendar]", "[calendar] ", {"years"});
    const auto* years = cr.array("years", true);
    if (!years) return;
    for (const auto& item : *years) {
      const auto* t = item.as_table();
      if (!t) {
        error("load_wrong_type", f.span(item), "each holiday year is a table: write it as [[calendar.years]]",
              "每一年的节假日安排是一个表：请写成 [[calendar.years]]");
        continue;
      }
      read_calendar_year(*t, f);
    }
  }

  std::vector<calendar::Date> date_list(TableReader& r, std::string_view key, bool required) {
    std::vector<calendar::Date> out;
    const auto* arr = r.array(key, required);
    if (!arr) return out;
    for (const auto& n : *arr) {
      const auto text = detail::scalar_text(n);
      if (!text || !(n.is_date() || n.is_string())) {
        r.error("load_wrong_type", n, std::string(key) + ": not a date, " + detail::toml_type_name(n),
                std::string(key) + "：应为日期 YYYY-MM-DD，而这里是" + detail::toml_type_name_zh(n));
        continue;
      }
      const auto d = calendar::parse_date(*text);
      if (!d) {
        r.error("load_bad_value", n, std::string(key) + ": " + d.error().message,
                std::string(key) + "：" + expr::calendar_message_zh(d.error(), *text));
        continue;
      }
      out.push_back(*d);
    }
    return out;
  }

  void read_calendar_year(const toml::table& t, const TomlFile& f) {
    TableReader r(t, f, diags_, "a holiday year", "节假日年份表",
                  {"year", "notice", "notice_number", "issued", "amendments", "rest_days", "makeup_workdays", "holidays"});
    calendar::HolidayYear y;
    const auto* yn = r.node("year");
    if (!yn || !yn->is_integer()) {
      if (yn) r.error("load_wrong_type", *yn, "year is an integer such as 2025", "year 应为整数，例如 2025");
      else r.error("load_missing_field", "a holiday year needs 'year'", "节假日年份表缺少“year”");
      return;
    }
    const auto year = yn->as_integer()->get();
    if (year < calendar::kMinYear + 1 || year > calendar::kMaxYear) {
      r.error("load_bad_value", *yn, "year " + std::to_string(year) + " is outside the supported years",
              "年份 " + std::to_string(year) + " 超出支持的范围");
      return;
    }
    y.year = static_cast<int>(year);
    y.notice = r.string("notice", true).value_or("");
    if (auto num = r.string("notice_number", false)) y.notice += "（" + *num + "）";
    r.date("issued", false);
    if (const auto* am = r.array("amendments", false)) {
      for (const auto& a : *am) {
        if (!a.is_string()) {
          r.error("load_wrong_type", a, "amendments are the titles of amending notices (strings)",
                  "amendments 是修订通知的标题（字符串）");
        }
      }
    }
    y.rest_days = date_list(r, "rest_days", true);
    y.makeup_workdays = date_list(r, "makeup_workdays", true);
    bool ok = true;
    // A notice arranges its own year and may reach back into the previous December.
    const auto check_span = [&](const calendar::Date d, const char* what) {
      const bool in = d.year() == y.year || (d.year() == y.year - 1 && d.month() == 12);
      if (!in) {
        r.error("load_bad_value", *r.node(what),
                calendar::format_date(d) + " is not in " + std::to_string(y.year) +
                    " (or the December before), the year this notice arranges",
                calendar::format_date(d) + " 不在本通知安排的 " + std::to_string(y.year) + " 年（或前一年12月）之内");
        ok = false;
      }
    };
    for (const auto d : y.rest_days) check_span(d, "rest_days");
    for (const auto d : y.makeup_workdays) {
      check_span(d, "makeup_workdays");
      if (d.iso_weekday() < 6) {
        r.error("load_bad_value", *r.node("makeup_workdays"),
                calendar::format_date(d) + " is a weekday: makeup working days (调休上班) are Saturdays or Sundays",
                calendar::format_date(d) + " 是工作日：调休上班日只能是星期六或星期日");
        ok = false;
      }
    }
    if (const auto* hs = r.array("holidays", false)) {
      for (const auto& h : *hs) {
        const auto* ht = h.as_table();
        if (!ht) {
          r.error("load_wrong_type", h, "each holiday is a table {name, rest_days}", "每个节日是一个表 {name, rest_days}");
          continue;
        }
        TableReader hr(*ht, f, diags_, "a holiday of " + std::to_string(y.year), std::to_string(y.year) + " 年的节日表",
                       {"name", "rest_days", "makeup_workdays"});
        calendar::Holiday hol;
        hol.name = hr.string("name", true).value_or("");
        hol.rest_days = date_list(hr, "rest_days", true);
        date_list(hr, "makeup_workdays", false);
        y.holidays.push_back(std::move(hol));
      }
    }
    if (!ok) return;
    if (auto problem = pack_->holidays.add_year(std::move(y))) {
      r.error(problem->duplicate ? "load_duplicate_name" : "load_bad_value", *yn, problem->message, problem->message_zh);
    }
  }

  // ---- types ----------------------------------------------------------------------------------

  /// Reads `type` (and `values` for enums) of a fact, parameter or output named `name`.
  /// Returns nullopt after reporting a problem.
  std::optional<Type> read_type(TableReader& r, const std::string& name, bool output, model::OutputForm* form) {
    const auto t = r.string("type", true);
    if (!t) return std::nullopt;
    if (*t == "enum") return read_enum(r, name);
    if (*t == "list<enum>") {
      const auto e = read_enum(r, name);
      if (!e) return std::nullopt;
      return Type::list_of(*e);
    }
    if (r.node("values")) {
      error("load_unknown_field", r.key_span("values"), "'values' belongs to enum types only (this is a " + *t + ")",
            "“values”只用于枚举类型（这里的类型是 " + *t + "）");
    }
    if (*t == "deadline") {
      if (!output) {
        r.error("load_bad_type", *r.node("type"), "'deadline' is a form of output; declare this as a date",
                "“deadline”只用于输出；这里请声明为 date");
        return std::nullopt;
      }
      *form = model::OutputForm::deadline;
      return Type::of(Kind::date);
    }
    Type out;
    if (!model::parse_type_name(*t, out)) {
      r.error("load_bad_type", *r.node("type"),
              "unknown type '" + *t + "' (types: bool, integer, string, date, instant, period, time, month_day, window, "
              "enum, text, list<T>, list<enum>" + std::string(output ? ", deadline" : "") + ")",
              "未知的类型“" + *t + "”（可用：bool、integer、string、date、instant、period、time、month_day、window、"
              "enum、text、list<T>、list<enum>" + std::string(output ? "、deadline" : "") + "）");
      return std::nullopt;
    }
    if (out.kind == Kind::text && !output) {
      r.error("load_bad_type", *r.node("type"), "'text' is for guidance outputs; facts and parameters use 'string'",
              "“text”只用于指引类输出；事实和参数请用“string”");
      return std::nullopt;
    }
    return out;
  }

  /// The `aliases = [...]` of enum value `ev` (a {name, label, aliases} table read by `vr`), into
  /// ev.aliases: non-empty strings that name no value of `def` (read so far) nor `ev` itself, so
  /// that a word always means one value. False after reporting a problem.
  bool read_enum_aliases(TableReader& vr, const std::string& name, const model::EnumDef& def, model::EnumValue& ev) {
    const auto* arr = vr.array("aliases", false);
    if (!arr) return true;
    bool ok = true;
    for (const auto& a : *arr) {
      const auto* str = a.as_string();
      if (!str || str->get().empty()) {
        vr.error("load_wrong_type", a, "aliases of enum value " + ev.name + " are non-empty strings",
                 "枚举值 " + ev.name + " 的别名（aliases）须为非空字符串");
        ok = false;
        continue;
      }
      const std::string& alias = str->get();
      // What the alias would mean already: another value (by name, label or alias), or this one.
      std::string taken;
      if (const auto other = def.find_any_case(alias)) taken = def.values[*other].name;
      model::EnumDef self;
      self.values.push_back(ev);
      if (taken.empty() && self.find_any_case(alias)) taken = ev.name;
      if (!taken.empty()) {
        vr.error("load_duplicate_name", a,
                 "enum " + name + ": alias '" + alias + "' of " + ev.name + " already names " + taken +
                     "; a word may mean one value only",
                 "枚举 " + name + "：" + ev.name + " 的别名“" + alias + "”已用于 " + taken + "；同一个词只能表示一个值");
        ok = false;
        continue;
      }
      ev.aliases.push_back(alias);
    }
    return ok;
  }

  std::optional<Type> read_enum(TableReader& r, const std::string& name) {
    const auto* arr = r.array("values", true);
    if (!arr) return std::nullopt;
    model::EnumDef def;
    def.name = name;
    bool ok = true;
    for (const auto& item : *arr) {
      model::EnumValue ev;
      if (const auto* s = item.as_string()) {
        ev.name = s->get();
      } else if (const auto* t = item.as_table()) {
        TableReader vr(*t, r.file(), diags_, "a value of enum " + name, "枚举 " + name + " 的值", {"name", "label", "aliases"});
        ev.name = vr.string("name", true).value_or("");
        ev.label = vr.string("label", false).value_or("");
        if (ev.name.empty()) { ok = false; continue; }
        if (!read_enum_aliases(vr, name, def, ev)) ok = false;
      } else {
        r.error("load_wrong_type", item, "enum values are strings or {name, label} tables",
                "枚举的值应为字符串或 {name, label} 表，而这里是" + detail::toml_type_name_zh(item));
        ok = false;
        continue;
      }
      if (!valid_name(ev.name)) {
        r.error("load_bad_name", item, "enum value '" + ev.name + "' must be snake_case (a-z, 0-9, _)",
                "枚举值“" + ev.name + "”应为 snake_case（a-z、0-9、_）");
        ok = false;
        continue;
      }
      if (def.find_any_case(ev.name) || (!ev.label.empty() && def.find_any_case(ev.label))) {
        r.error("load_duplicate_name", item, "enum " + name + " has '" + ev.name + "' twice",
                "枚举 " + name + " 中“" + ev.name + "”出现了两次（作为名称、标签或别名）");
        ok = false;
        continue;
      }
      def.values.push_back(std::move(ev));
    }
    if (def.values.empty()) {
      if (ok) r.error("load_bad_value", *r.node("values"), "enum " + name + " needs at least one value",
                      "枚举 " + name + " 至少要有一个值");
      return std::nullopt;
    }
    // Versions of one output declare its values each: the same values are the same enum (names
    // are unique across facts, parameters and outputs, so only versions can share one). Different
    // values make another enum, which the version check reports.
    auto& enums = pack_->policy.enums;
    for (std::size_t i = 0; i < enums.size(); ++i) {
      if (enums[i].name == def.name && enums[i].values == def.values) return Type::enumeration(static_cast<std::uint16_t>(i));
    }
    enums.push_back(std::move(def));
    return Type::enumeration(static_cast<std::uint16_t>(enums.size() - 1));
  }

  /// Claims `name` in the shared namespace of facts, parameters and outputs.
  /// `what` and `what_zh` say what the name is ("fact", "事实").
  bool claim_name(const std::string& name, const source::Span& span, const char* what, const char* what_zh) {
    if (!valid_name(name) || reserved_word(name)) {
      error("load_bad_name", span,
            std::string(what) + " name '" + name + "' must be snake_case (a-z, 0-9, _), start with a "
                                "letter and not be a keyword or as_of",
            std::string(what_zh) + "名“" + name + "”应为 snake_case（a-z、0-9、_），以字母开头，且不能是关键字或 as_of");
      return false;
    }
    auto [it, inserted] = names_.emplace(name, span);
    if (!inserted) {
      const std::string at = it->second.file + ":" + std::to_string(it->second.begin.line) + ":" +
                             std::to_string(it->second.begin.column);
      error("load_duplicate_name", span, "'" + name + "' is already declared at " + at,
            "“" + name + "”已在 " + at + " 声明过");
      return false;
    }
    return true;
  }

  /// Converts a TOML value to the value of parameter `p` (its type; its name and label for
  /// messages). A month_day parameter names a day of every year, so 02-29 is refused.
  bool value_from_toml(const toml::node& n, const model::Parameter& p, const TomlFile& f, model::Value& out,
                       std::string& storage) {
    const Type t = p.type;
    const auto& enums = pack_->policy.enums;
    const std::string who = "parameter " + p.name;
    const std::string who_zh = "参数 " + param_zh(p);
    const auto text = detail::scalar_text(n);
    if (!text) {
      error("load_wrong_type", f.span(n),
            who + ": expected " + model::expected_form(t, enums) + ", found " + detail::toml_type_name(n),
            who_zh + "应为" + expected_form_zh(t, enums) + "，而这里是" + detail::toml_type_name_zh(n));
      return false;
    }
    const bool native_ok = (t.kind == Kind::boolean && n.is_boolean()) || (t.kind == Kind::integer && n.is_integer()) ||
                           (t.kind == Kind::date && n.is_date()) || (t.kind == Kind::instant && n.is_date_time()) ||
                           (t.kind == Kind::time_of_day && n.is_time()) || n.is_string();
    if (!native_ok) {
      error("load_wrong_type", f.span(n),
            who + ": expected " + model::expected_form(t, enums) + ", found " + detail::toml_type_name(n) + " " + *text,
            who_zh + "应为" + expected_form_zh(t, enums) + "，而这里是" + detail::toml_type_name_zh(n) + " " + *text);
      return false;
    }
    storage = *text;
    std::string why;
    if (!model::parse_value(storage, t, enums, out, why)) {
      error("load_bad_value", f.span(n), who + ": " + why, who_zh + "：" + bad_value_zh(storage, t, enums));
      return false;
    }
    if (t.kind == Kind::month_day && out.month_day.month == 2 && out.month_day.day == 29) {
      error("load_bad_value", f.span(n),
            who + " is a day of every year, and 02-29 does not exist in common years: use 02-28 or 03-01",
            who_zh + "是每年都要用的月日，而2月29日在平年不存在：请改用 02-28 或 03-01");
      return false;
    }
    return true;
  }

  /// Where each parameter's value was last set (the pack's default, or the --params file).
  struct ValueSource {
    source::Span span;
    bool from_params = false;
    bool failed = false;  ///< the --params file's value was refused (already reported)
  };

  /// `[parameters.x] not_before = "y"`: x ends a period that y starts. The declaration's span
  /// (where a mistake in it is reported), and the names.
  struct NotBefore {
    std::string end;
    std::string start;
    source::Span span;
  };

  const model::Parameter* find_parameter(std::string_view name) const {
    for (const auto& x : pack_->policy.parameters) {
      if (x.name == name) return &x;
    }
    return nullptr;
  }

  /// Checks each `not_before` declaration: the named parameter exists and has the same (ordered)
  /// type. Run after every parameter is read.
  void check_not_before_declarations() {
    std::erase_if(not_before_, [&](const NotBefore& nb) {
      const auto* end = find_parameter(nb.end);
      const auto* start = find_parameter(nb.start);
      if (!end) return true;  // its declaration was rejected and reported
      if (!start) {
        if (rejected_.count(nb.start)) return true;
        error("load_bad_value", nb.span,
              "not_before of parameter " + nb.end + " names '" + nb.start + "', which is not a parameter of this pack",
              "参数 " + nb.end + " 的 not_before 写的是“" + nb.start + "”，而本包没有这个参数");
        return true;
      }
      if (nb.start == nb.end) {
        error("load_bad_value", nb.span, "not_before of parameter " + nb.end + " names the parameter itself",
              "参数 " + nb.end + " 的 not_before 不能写它自己");
        return true;
      }
      const auto k = end->type.kind;
      const bool ordered = k == Kind::month_day || k == Kind::date || k == Kind::instant || k == Kind::time_of_day ||
                           k == Kind::integer;
      if (!ordered || !(start->type == end->type)) {
        const auto& enums = pack_->policy.enums;
        error("load_bad_type", nb.span,
              "not_before compares parameters of one ordered type (month_day, date, instant, time, integer): " + nb.end +
                  " is " + expr::type_display(end->type, enums) + ", " + nb.start + " is " +
                  expr::type_display(start->type, enums),
              "not_before 只能比较同一种有先后的类型（month_day、date、instant、time、integer）的参数：" + nb.end + " 是 " +
                  expr::type_display(end->type, enums) + "，" + nb.start + " 是 " + expr::type_display(start->type, enums));
        return true;
      }
      return false;
    });
  }

  /// Reports each period whose end parameter is before its start. With `params_only`, only the
  /// pairs a --params file set a value of (the pack's defaults were checked before).
  void check_periods(bool params_only) {
    for (const auto& nb : not_before_) {
      const auto* end = find_parameter(nb.end);
      const auto* start = find_parameter(nb.start);
      const auto& es = value_sources_[nb.end];
      const auto& ss = value_sources_[nb.start];
      if (params_only && !es.from_params && !ss.from_params) continue;
      // A value refused is reported already; comparing the other with the pack's default would
      // report a reversal the school never wrote.
      if (es.failed || ss.failed) continue;
      const auto& a = end->value;
      const auto& b = start->value;
      bool before = false;
      switch (end->type.kind) {
        case Kind::month_day: before = a.month_day < b.month_day; break;  // within one year
        case Kind::date: before = a.date < b.date; break;
        case Kind::instant: before = a.instant < b.instant; break;
        case Kind::time_of_day: before = a.time_of_day < b.time_of_day; break;
        case Kind::integer: before = a.integer < b.integer; break;
        default: break;
      }
      if (!before) continue;
      // Reported at the value the --params file set (the end's when it set both), else the end's default.
      const auto& at = es.from_params || !ss.from_params ? es.span : ss.span;
      const std::string end_zh = param_zh(*end);
      const std::string start_zh = param_zh(*start);
      error("load_bad_value", at,
            "parameter " + end->name + " = " + end->text + " is before " + start->name + " = " + start->text +
                ": the end of a period must not be before its start (not_before = \"" + start->name + "\")",
            "参数 " + end_zh + "为 " + end->text + "，早于 " + start_zh + "的 " + start->text +
                "：期间的结束不能早于开始（not_before = \"" + start->name + "\"），请检查两者是否写反");
    }
  }

  // ---- parameters and facts -------------------------------------------------------------------

  void read_declarations() {
    // Facts and parameters share one namespace: claim names in reading order (file, position),
    // so a duplicate is reported at the later declaration whichever section it is in.
    struct Entry {
      Order order;
      bool is_fact;
      const TomlFile* file;
      const toml::key* key;
      const toml::node* node;
    };
    std::vector<Entry> entries;
    for (const char* section : {"parameters", "facts"}) {
      const bool is_fact = std::string_view(section) == "facts";
      for_each_table_entry(section, [&](std::size_t fi, const TomlFile& f, const toml::key& k, const toml::node& v) {
        entries.push_back({{fi, {k.source().begin.line, k.source().begin.column}}, is_fact, &f, &k, &v});
      });
    }
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.order < b.order; });
    for (const auto& e : entries) {
      if (e.is_fact) read_fact(*e.file, *e.key, *e.node);
      else read_parameter(*e.file, *e.key, *e.node);
    }
    if (pack_->policy.facts.size() > model::kMaxFacts) {
      error("load_too_many_facts", pack_->policy.facts[model::kMaxFacts].span,
            "a pack may declare at most " + std::to_string(model::kMaxFacts) + " facts",
            "一个政策包最多声明 " + std::to_string(model::kMaxFacts) + " 个事实");
    }
    // Two facts must not claim one CSV header: a roster column could not say which it carries.
    std::map<std::string, std::string> header_owner;
    for (const auto& f : pack_->policy.facts) {
      for (const auto& h : f.csv_headers) {
        auto [it, inserted] = header_owner.emplace(h, f.name);
        if (!inserted && it->second != f.name) {
          error("load_duplicate_name", f.span, "CSV header '" + h + "' is already claimed by fact " + it->second,
                "CSV 列名“" + h + "”已属于事实 " + it->second + "：一列不能对应两个事实");
        }
      }
    }
  }

  void read_parameter(const TomlFile& f, const toml::key& k, const toml::node& v) {
    const std::string name(k.str());
    const auto span = f.span(k.source());
    if (!v.is_table()) {
      error("load_wrong_type", f.span(v), "parameter " + name + " must be a table {type, value, label, description}",
            "参数 " + name + " 应为表 {type, value, label, description}，而这里是" + detail::toml_type_name_zh(v));
      reject(name);
      return;
    }
    TableReader r(*v.as_table(), f, diags_, "parameter " + name, "参数 " + name + " ",
                  {"type", "values", "value", "label", "description", "not_before"});
    if (!claim_name(name, span, "parameter", "参数")) return;
    model::Parameter p;
    p.name = name;
    p.span = span;
    p.label = r.string("label", false).value_or("");
    p.description = r.string("description", true).value_or("");
    const auto t = read_type(r, name, false, nullptr);
    if (!t) return reject(name);
    if (t->kind == Kind::list) {
      r.error("load_bad_type", *r.node("type"), "parameters cannot be lists", "参数不能是列表");
      return reject(name);
    }
    p.type = *t;
    const auto* val = r.node("value");
    if (!val) {
      r.error("load_missing_field", "parameter " + name + " needs a 'value' (its default)",
              "参数 " + name + " 缺少“value”（默认值）");
      return reject(name);
    }
    if (auto start = r.string("not_before", false)) not_before_.push_back({name, *start, f.span(*r.node("not_before"))});
    if (!value_from_toml(*val, p, f, p.value, p.text)) return reject(name);
    value_sources_[name] = {f.span(*val), false, false};
    p.value_span = f.span(*val);
    pack_->policy.parameters.push_back(std::move(p));
  }

  void read_fact(const TomlFile& f, const toml::key& k, const toml::node& v) {
    const std::string name(k.str());
    const auto span = f.span(k.source());
    if (!v.is_table()) {
      error("load_wrong_type", f.span(v), "fact " + name + " must be a table {type, label, description, help, csv}",
            "事实 " + name + " 应为表 {type, label, description, help, csv}，而这里是" + detail::toml_type_name_zh(v));
      reject(name);
      return;
    }
    TableReader r(*v.as_table(), f, diags_, "fact " + name, "事实 " + name + " ",
                  {"type", "values", "label", "description", "help", "csv"});
    if (!claim_name(name, span, "fact", "事实")) return;
    model::Fact fact;
    fact.name = name;
    fact.span = span;
    fact.label = r.string("label", true).value_or("");
    fact.description = r.string("description", true).value_or("");
    // Shown to people beside the input: absent means none, so an empty one is a mistake.
    if (auto help = r.string("help", false)) {
      if (blank(*help)) {
        r.error("load_bad_value", *r.node("help"), "the help of fact " + name + " must not be empty (leave it out)",
                "事实 " + name + " 的 help 不能为空（没有说明就不写）");
      }
      fact.help = std::move(*help);
    }
    if (const auto* csv = r.array("csv", false)) {
      for (const auto& h : *csv) {
        if (const auto* str = h.as_string()) fact.csv_headers.push_back(str->get());
        else r.error("load_wrong_type", h, "csv headers of fact " + name + " are strings",
                     "事实 " + name + " 的 CSV 列名应为字符串，而这里是" + detail::toml_type_name_zh(h));
      }
    }
    const auto t = read_type(r, name, false, nullptr);
    if (!t) return reject(name);
    fact.type = *t;
    pack_->policy.facts.push_back(std::move(fact));
  }

  /// Remembers a declared name whose declaration was rejected (and reported), so that its uses
  /// do not each report it again as unknown.
  void reject(const std::string& name) { rejected_.insert(name); }

  // ---- rules ----------------------------------------------------------------------------------

  void read_rules() {
    std::set<std::string> rule_ids;
    for (std::size_t fi = 0; fi < parsed_.size(); ++fi) {
      auto& pf = parsed_[fi];
      const auto* node = pf.root.get("rules");
      if (!node) continue;
      const auto* arr = node->as_array();
      if (!arr) {
        error("load_wrong_type", pf.file.span(*node), "rules are an array of tables: write each as [[rules]]",
              "rules 是表的数组：每条规则请写成 [[rules]]");
        continue;
      }
      for (const auto& item : *arr) {
        const auto* t = item.as_table();
        if (!t) {
          error("load_wrong_type", pf.file.span(item), "each rule is a table: write it as [[rules]]",
                "每条规则是一个表：请写成 [[rules]]");
          continue;
        }
        read_rule(*t, pf.file, rule_ids);
      }
    }
  }

  void read_rule(const toml::table& t, const TomlFile& f, std::set<std::string>& ids) {
    model::Rule rule;
    rule.span = f.span(t);
    const std::string provisional = t.get("id") && t.get("id")->is_string() ? t.get("id")->as_string()->get() : "?";
    TableReader r(t, f, diags_, "rule " + provisional, "规则 " + provisional + " ",
                  {"id", "title", "description", "when", "in_force", "version_date", "outputs", "citations"});
    rule.id = r.string("id", true).value_or("");
    if (!rule.id.empty()) {
      if (!valid_name(rule.id)) {
        r.error("load_bad_name", *r.node("id"), "rule id '" + rule.id + "' must be snake_case (a-z, 0-9, _)",
                "规则 id“" + rule.id + "”应为 snake_case（a-z、0-9、_）");
      } else if (!ids.insert(rule.id).second) {
        r.error("load_duplicate_name", *r.node("id"), "a rule with id '" + rule.id + "' already exists",
                "已有 id 为“" + rule.id + "”的规则");
      }
    }
    rule.title = r.string("title", true).value_or("");
    rule.description = r.string("description", false).value_or("");
    if (r.string("when", false)) rule.when = f.expr_source(*r.node("when"));
    if (const auto* inf = r.table("in_force", false)) {
      TableReader ir(*inf, f, diags_, "in_force of rule " + rule.id, "规则 " + rule.id + " 的 in_force ", {"from", "until"});
      model::InForce in;
      in.from = ir.date("from", false);
      in.until = ir.date("until", false);
      if (in.from) in.from_span = f.span(*ir.node("from"));
      if (in.until) in.until_span = f.span(*ir.node("until"));
      if (!ir.node("from") && !ir.node("until")) {
        ir.error("load_missing_field", "in_force needs 'from', 'until' or both", "in_force 需要“from”、“until”或两者");
      }
      if (in.from && in.until && *in.until < *in.from) {
        ir.error("load_bad_value", "in_force ends before it starts",
                 "in_force 的结束日 " + calendar::format_date(*in.until) + " 早于开始日 " + calendar::format_date(*in.from));
      }
      rule.in_force = in;
      if (!r.node("version_date")) {
        r.error("load_missing_field",
                "rule " + rule.id + " has in_force, so it needs 'version_date': the date of the "
                                    "situation that selects the version (e.g. \"discharge_date\")",
                "规则 " + rule.id + " 写了 in_force，因此需要“version_date”：用来选择版本的情形日期（例如 \"discharge_date\"）");
      }
    }
    if (r.string("version_date", false)) {
      rule.version_date = f.expr_source(*r.node("version_date"));
      if (!r.node("in_force")) {
        r.error("load_bad_value", *r.node("version_date"), "version_date is only meaningful with in_force",
                "version_date 只在写了 in_force 时才有意义");
      }
    }
    // Outputs, in the order written.
    if (const auto* outs = r.table("outputs", true)) {
      std::vector<std::pair<const toml::key*, const toml::node*>> entries;
      for (auto&& [k, v] : *outs) entries.emplace_back(&k, &v);
      std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
        const auto pa = a.first->source().begin, pb = b.first->source().begin;
        return std::tie(pa.line, pa.column) < std::tie(pb.line, pb.column);
      });
      if (entries.empty()) {
        r.error("load_missing_field", *r.node("outputs"), "rule " + rule.id + " has no outputs",
                "规则 " + rule.id + " 没有输出");
      }
      for (auto& [k, v] : entries) {
        model::Output o;
        o.name = std::string(k->str());
        o.span = f.span(k->source());
        if (!v->is_table()) {
          error("load_wrong_type", f.span(*v), "output " + o.name + " must be a table {type, label, expr}",
                "输出 " + o.name + " 应为表 {type, label, expr}，而这里是" + detail::toml_type_name_zh(*v));
          reject(o.name);
          continue;
        }
        TableReader orr(*v->as_table(), f, diags_, "output " + o.name, "输出 " + o.name + " ",
                        {"type", "values", "label", "description", "expr", "rollover", "party"});
        if (!valid_name(o.name) || reserved_word(o.name)) {
          error("load_bad_name", o.span, "output name '" + o.name + "' must be snake_case and not a keyword",
                "输出名“" + o.name + "”应为 snake_case，且不能是关键字");
          reject(o.name);
          continue;
        }
        o.label = orr.string("label", true).value_or("");
        o.description = orr.string("description", false).value_or("");
        const auto type = read_type(orr, o.name, true, &o.form);
        const auto ex = orr.string("expr", true);
        if (!type || !ex) {
          reject(o.name);
          continue;
        }
        o.type = *type;
        o.expr = f.expr_source(*orr.node("expr"));
        if (orr.string("rollover", false)) {
          if (o.form == model::OutputForm::deadline) {
            o.rollover = f.expr_source(*orr.node("rollover"));
          } else {
            orr.error("load_bad_value", *orr.node("rollover"),
                      "rollover (Civil Code Art. 203) applies to deadlines; output " + o.name + " is not a deadline",
                      "rollover（《民法典》第二百零三条顺延）只用于截止日；输出 " + o.name + " 不是 deadline");
          }
        }
        if (const auto party = orr.string("party", false)) {
          if (o.form != model::OutputForm::deadline) {
            orr.error("load_bad_value", *orr.node("party"),
                      "party (who must act by a deadline) applies to deadlines; output " + o.name + " is not a deadline",
                      "party（截止日的办理方）只用于截止日；输出 " + o.name + " 不是 deadline");
          } else if (*party == "school") {
            o.party = model::Party::school;
          } else if (*party != "person") {
            orr.error("load_bad_value", *orr.node("party"), "party is \"person\" or \"school\", not '" + *party + "'",
                      "party 应为 \"person\"（学生本人）或 \"school\"（学校），而不是“" + *party + "”");
          }
        }
        rule.outputs.push_back(std::move(o));
      }
    }
    if (const auto* cites = r.array("citations", false)) {
      for (const auto& c : *cites) {
        const auto* ct = c.as_table();
        if (!ct) {
          error("load_wrong_type", f.span(c), "each citation is a table {document, article, summary}",
                "每条依据是一个表 {document, article, summary}");
          continue;
        }
        TableReader cr(*ct, f, diags_, "a citation of rule " + rule.id, "规则 " + rule.id + " 的依据",
                       {"document", "article", "summary", "quote", "verification", "note"});
        model::Citation cit;
        cit.document = cr.string("document", true).value_or("");
        cit.article = cr.string("article", true).value_or("");
        cit.summary = cr.string("summary", true).value_or("");
        for (const char* field : {"document", "article", "summary", "note"}) {
          const auto* n = cr.node(field);
          if (n && n->is_string() && blank(n->as_string()->get())) {
            const bool note = field == std::string_view("note");
            cr.error("load_bad_value", *n,
                     std::string("a citation's ") + field + " must not be empty" +
                         (note ? " (leave it out for the words of its verification level)" : ""),
                     std::string("依据的 ") + field + " 不能为空" + (note ? "（不写它则使用其核实等级的默认说明）" : ""));
          }
        }
        cit.quote = cr.string("quote", false).value_or("");
        cit.note = cr.string("note", false).value_or("");  // absent: Citation::printable_note's default by level
        if (auto v = cr.string("verification", false)) {
          if (*v == "A") cit.verification = model::Verification::A;
          else if (*v == "B") cit.verification = model::Verification::B;
          else if (*v == "C") cit.verification = model::Verification::C;
          else if (*v == "D") cit.verification = model::Verification::D;
          else cr.error("load_bad_value", *cr.node("verification"), "verification is A, B, C or D, not '" + *v + "'",
                        "verification 应为 A、B、C 或 D，而不是“" + *v + "”");
        }
        rule.citations.push_back(std::move(cit));
      }
    }
    const auto* cites_node = r.node("citations");
    const bool cites_reported = cites_node && !(cites_node->is_array() && cites_node->as_array()->empty());
    if (rule.citations.empty() && !cites_reported) {
      error("load_missing_citation", rule.span,
            "rule " + rule.id + " has no citation: every rule says which article of which document it follows "
            "([[rules.citations]] with document, article, summary)",
            "规则 " + rule.id + " 没有依据：每条规则都要写明依据哪份文件的哪一条"
            "（[[rules.citations]]，含 document、article、summary）");
    }
    pack_->policy.rules.push_back(std::move(rule));
  }

  // ---- slots, checking, ordering --------------------------------------------------------------

  void assign_slots() {
    auto& p = *pack_;
    const auto nf = static_cast<std::uint32_t>(p.policy.facts.size());
    const auto np = static_cast<std::uint32_t>(p.policy.parameters.size());
    for (const auto& f : p.policy.facts) p.slot_names.push_back(f.name);
    for (const auto& x : p.policy.parameters) p.slot_names.push_back(x.name);
    p.param_base = nf;
    p.output_base = nf + np;
    // Outputs: one per name, in declaration order; versions of a name become candidates.
    std::map<std::string, std::uint32_t> by_name;
    p.rules.resize(p.policy.rules.size());
    for (std::uint32_t ri = 0; ri < p.policy.rules.size(); ++ri) {
      const auto& rule = p.policy.rules[ri];
      for (std::uint32_t oi = 0; oi < rule.outputs.size(); ++oi) {
        const auto& o = rule.outputs[oi];
        auto it = by_name.find(o.name);
        if (it == by_name.end()) {
          if (!claim_name(o.name, o.span, "output", "输出")) continue;
          CompiledOutput co;
          co.name = o.name;
          it = by_name.emplace(o.name, static_cast<std::uint32_t>(p.outputs.size())).first;
          p.outputs.push_back(std::move(co));
        } else {
          check_version(p.outputs[it->second], ri, o);
        }
        p.outputs[it->second].candidates.push_back({ri, oi, {}, std::nullopt});
        p.rules[ri].outputs.push_back(it->second);
      }
    }
    for (std::uint32_t i = 0; i < p.outputs.size(); ++i) {
      p.outputs[i].slot = p.output_base + i;
      p.slot_names.push_back(p.outputs[i].name);
    }
    p.as_of_slot = p.output_base + static_cast<std::uint32_t>(p.outputs.size());
    p.slot_names.push_back("as_of");
    p.slot_count = p.as_of_slot + 1;
  }

  /// A second definition of an output is allowed only as another version of a versioned rule.
  void check_version(const CompiledOutput& existing, std::uint32_t ri, const model::Output& o) {
    const auto& p = pack_->policy;
    const auto& rule = p.rules[ri];
    const auto& first = existing.decl(p);
    const auto& first_rule = p.rules[existing.candidates.front().rule];
    auto at = [](const source::Span& s) {
      return s.file + ":" + std::to_string(s.begin.line) + ":" + std::to_string(s.begin.column);
    };
    if (!rule.in_force || !first_rule.in_force) {
      error("load_duplicate_name", o.span,
            "output " + o.name + " is already defined by rule " + first_rule.id + " at " + at(first.span) +
                "; two rules may define one output only as versions with disjoint in_force periods",
            "输出 " + o.name + " 已由规则 " + first_rule.id + " 在 " + at(first.span) +
                " 定义；两条规则只能作为 in_force 期间互不重叠的版本定义同一个输出");
      return;
    }
    if (!(o.type == first.type) || o.form != first.form) {
      error("load_version_conflict", o.span, "versions of output " + o.name + " must have one type",
            "输出 " + o.name + " 的各版本类型应相同");
    }
    for (const auto& c : existing.candidates) {
      const auto& other = p.rules[c.rule];
      if (c.rule == ri || !other.in_force) continue;
      const auto& a = *rule.in_force;
      const auto& b = *other.in_force;
      const bool disjoint = (a.until && b.from && *a.until < *b.from) || (b.until && a.from && *b.until < *a.from);
      if (!disjoint) {
        error("load_version_conflict", o.span,
              "rule " + rule.id + " and rule " + other.id + " both define " + o.name + " and their in_force periods overlap",
              "规则 " + rule.id + " 与规则 " + other.id + " 都定义了 " + o.name + "，而它们的 in_force 期间重叠");
      }
    }
  }

  std::optional<expr::NameInfo> resolve(std::string_view name) const {
    const auto& p = *pack_;
    if (name == "as_of") return expr::NameInfo{expr::NameKind::as_of, p.as_of_slot, 0, Type::of(Kind::date)};
    for (std::uint32_t i = 0; i < p.policy.facts.size(); ++i) {
      if (p.policy.facts[i].name == name) return expr::NameInfo{expr::NameKind::fact, i, i, p.policy.facts[i].type};
    }
    for (std::uint32_t i = 0; i < p.policy.parameters.size(); ++i) {
      if (p.policy.parameters[i].name == name)
        return expr::NameInfo{expr::NameKind::parameter, p.param_base + i, i, p.policy.parameters[i].type};
    }
    for (std::uint32_t i = 0; i < p.outputs.size(); ++i) {
      if (p.outputs[i].name == name) {
        return expr::NameInfo{expr::NameKind::output, p.outputs[i].slot, i, p.outputs[i].decl(p.policy).type};
      }
    }
    if (rejected_.count(std::string(name))) {
      expr::NameInfo info;
      info.rejected = true;
      return info;
    }
    return std::nullopt;
  }

  /// Parses and checks one expression, turning issues into diagnostics at file positions.
  std::optional<expr::Expr> compile(const model::ExprSource& src, std::optional<Type> expected, std::string what,
                                    std::string what_zh, std::vector<std::uint32_t>* refs) {
    std::vector<expr::ParseIssue> parse_issues;
    auto e = expr::parse_expr(src.text, parse_issues);
    auto span_at = [&](std::uint32_t b, std::uint32_t en) {
      source::Span s = src.span;
      if (!src.positions.empty()) {
        s.begin = src.positions[std::min<std::size_t>(b, src.positions.size() - 1)];
        s.end = src.positions[std::min<std::size_t>(en, src.positions.size() - 1)];
      }
      return s;
    };
    for (auto& i : parse_issues) error(i.code.c_str(), span_at(i.begin, i.end), i.message, i.message_zh);
    if (!parse_issues.empty()) return std::nullopt;
    expr::CheckContext ctx{[this](std::string_view n) { return resolve(n); }, pack_->policy.enums, expected, std::move(what),
                           std::move(what_zh)};
    std::vector<expr::CheckIssue> issues;
    const bool ok = expr::check_expr(e, ctx, issues, refs);
    for (auto& i : issues) error(i.code.c_str(), span_at(i.begin, i.end), i.message, i.message_zh);
    if (!ok) return std::nullopt;
    return e;
  }

  void compile_rules() {
    auto& p = *pack_;
    deps_.assign(p.outputs.size(), {});
    for (std::uint32_t ri = 0; ri < p.policy.rules.size(); ++ri) {
      const auto& rule = p.policy.rules[ri];
      std::vector<std::uint32_t> rule_refs;
      if (rule.when) {
        p.rules[ri].when = compile(*rule.when, Type::of(Kind::boolean), "the when condition of rule " + rule.id,
                                   "规则 " + rule.id + " 的 when 条件", &rule_refs);
      }
      if (rule.version_date) {
        p.rules[ri].version_date =
            compile(*rule.version_date, Type::of(Kind::date), "the version_date of rule " + rule.id,
                    "规则 " + rule.id + " 的 version_date ", &rule_refs);
      }
      for (std::uint32_t k = 0; k < p.rules[ri].outputs.size(); ++k) {
        const auto oi = p.rules[ri].outputs[k];
        auto& out = p.outputs[oi];
        for (auto& c : out.candidates) {
          if (c.rule != ri) continue;
          const auto& decl = rule.outputs[c.rule_output];
          std::vector<std::uint32_t> refs = rule_refs;
          auto e = compile(decl.expr, decl.type, "output " + decl.name, "输出 " + decl.name + " ", &refs);
          if (e) c.expr = std::move(*e);
          if (decl.rollover) {
            c.rollover = compile(*decl.rollover, Type::of(Kind::boolean), "the rollover condition of " + decl.name,
                                 decl.name + " 的 rollover 条件", &refs);
          }
          for (auto r : refs) deps_[oi].insert(r);
        }
      }
    }
  }

  void order_outputs() {
    auto& p = *pack_;
    const auto n = p.outputs.size();
    std::vector<std::size_t> pending(n, 0);
    std::vector<std::vector<std::uint32_t>> users(n);
    for (std::uint32_t i = 0; i < n; ++i) {
      for (auto d : deps_[i]) {
        if (d == i) continue;
        ++pending[i];
        users[d].push_back(i);
      }
    }
    // Kahn's algorithm; ties broken by name so the order never depends on file order.
    auto by_name = [&](std::uint32_t a, std::uint32_t b) { return p.outputs[a].name > p.outputs[b].name; };
    std::priority_queue<std::uint32_t, std::vector<std::uint32_t>, decltype(by_name)> ready(by_name);
    for (std::uint32_t i = 0; i < n; ++i) {
      if (pending[i] == 0 && !deps_[i].count(i)) ready.push(i);
    }
    std::vector<bool> done(n, false);
    while (!ready.empty()) {
      const auto i = ready.top();
      ready.pop();
      p.order.push_back(i);
      done[i] = true;
      for (auto u : users[i]) {
        if (--pending[u] == 0 && !deps_[u].count(u)) ready.push(u);
      }
    }
    if (p.order.size() == n) return;
    // Report each cycle once, starting from its alphabetically first member.
    std::vector<bool> reported(n, false);
    std::vector<std::uint32_t> rest;
    for (std::uint32_t i = 0; i < n; ++i) if (!done[i]) rest.push_back(i);
    std::sort(rest.begin(), rest.end(), [&](auto a, auto b) { return p.outputs[a].name < p.outputs[b].name; });
    for (auto start : rest) {
      if (reported[start]) continue;
      // Walk dependencies that are still unresolved until a node repeats.
      std::vector<std::uint32_t> path;
      std::map<std::uint32_t, std::size_t> seen;
      std::uint32_t cur = start;
      while (!seen.count(cur)) {
        seen[cur] = path.size();
        path.push_back(cur);
        std::uint32_t next = cur;
        for (auto d : deps_[cur]) {
          if (!done[d]) { next = d; break; }
        }
        cur = next;
      }
      std::vector<std::uint32_t> cycle(path.begin() + static_cast<std::ptrdiff_t>(seen[cur]), path.end());
      // Start the cycle at its alphabetically first member so the message is stable.
      const auto first = std::min_element(cycle.begin(), cycle.end(),
                                          [&](auto a, auto b) { return p.outputs[a].name < p.outputs[b].name; });
      std::rotate(cycle.begin(), first, cycle.end());
      bool already = false;
      for (auto c : cycle) already = already || reported[c];
      for (auto c : cycle) reported[c] = true;
      if (already) continue;
      std::string chain;
      for (auto c : cycle) chain += p.outputs[c].name + " -> ";
      chain += p.outputs[cycle.front()].name;
      const auto& decl = p.outputs[cycle.front()].decl(p.policy);
      error("dependency_cycle", decl.expr.span, "outputs depend on each other in a cycle: " + chain,
            "输出之间循环依赖：" + chain);
    }
  }

  // ---- questions ------------------------------------------------------------------------------

  /// Reads `[[questions]]`: what people ask (the handbook's 问题N) and the outputs that answer it,
  /// resolved to indices into the pack's outputs. Run once the outputs are known (assign_slots).
  void read_questions() {
    std::map<std::string, source::Span> ids;
    for (auto& pf : parsed_) {
      const auto* node = pf.root.get("questions");
      if (!node) continue;
      const auto* arr = node->as_array();
      if (!arr) {
        error("load_wrong_type", pf.file.span(*node), "questions are an array of tables: write each as [[questions]]",
              "questions 是表的数组：每个问题请写成 [[questions]]");
        continue;
      }
      for (const auto& item : *arr) {
        const auto* t = item.as_table();
        if (!t) {
          error("load_wrong_type", pf.file.span(item), "each question is a table: write it as [[questions]]",
                "每个问题是一个表：请写成 [[questions]]");
          continue;
        }
        read_question(*t, pf.file, ids);
      }
    }
  }

  void read_question(const toml::table& t, const TomlFile& f, std::map<std::string, source::Span>& ids) {
    auto& p = *pack_;
    const std::string provisional = t.get("id") && t.get("id")->is_string() ? t.get("id")->as_string()->get() : "?";
    TableReader r(t, f, diags_, "question " + provisional, "问题 " + provisional + " ", {"id", "label", "source", "outputs", "ask", "given"});
    model::Question q;
    CompiledQuestion cq;
    q.span = r.span();
    q.id = r.string("id", true).value_or("");
    if (!q.id.empty()) {
      const auto* id_node = r.node("id");
      if (!valid_name(q.id)) {
        r.error("load_bad_name", *id_node, "question id '" + q.id + "' must be snake_case (a-z, 0-9, _)",
                "问题 id“" + q.id + "”应为 snake_case（a-z、0-9、_）");
      } else if (auto [it, inserted] = ids.emplace(q.id, f.span(*id_node)); !inserted) {
        const std::string at = it->second.file + ":" + std::to_string(it->second.begin.line) + ":" +
                               std::to_string(it->second.begin.column);
        r.error("load_duplicate_name", *id_node, "a question with id '" + q.id + "' already exists at " + at,
                "已有 id 为“" + q.id + "”的问题（在 " + at + "）");
      }
    }
    q.label = r.string("label", true).value_or("");
    q.source = r.string("source", true).value_or("");
    for (const char* field : {"label", "source"}) {
      const auto* n = r.node(field);
      if (n && n->is_string() && blank(n->as_string()->get())) {
        r.error("load_bad_value", *n, "the " + std::string(field) + " of question " + provisional + " must not be empty",
                "问题 " + provisional + " 的 " + field + " 不能为空");
      }
    }
    if (const auto* outs = r.array("outputs", true)) {
      if (outs->empty()) {
        r.error("load_missing_field", *outs,
                "question " + provisional + " lists no outputs: name at least one output that answers it",
                "问题 " + provisional + " 没有列出输出：至少写一个回答它的输出");
      }
      for (const auto& o : *outs) {
        const auto* str = o.as_string();
        if (!str) {
          r.error("load_wrong_type", o, "the outputs of question " + provisional + " are output names (strings)",
                  "问题 " + provisional + " 的 outputs 应为输出名（字符串），而这里是" + detail::toml_type_name_zh(o));
          continue;
        }
        const std::string& name = str->get();
        if (rejected_.count(name)) continue;  // its declaration was refused, and reported there
        const auto oi = p.find_output(name);
        if (!oi) {
          // A fact or parameter named here is a likely slip: say what the name is.
          const bool fact = p.find_fact(name).has_value();
          const bool param = find_parameter(name) != nullptr;
          const std::string is = fact ? "is a fact, not an output" : param ? "is a parameter, not an output"
                                                                           : "is not an output of this pack";
          const std::string is_zh = fact ? "是事实，不是输出" : param ? "是参数，不是输出" : "不是本包的输出";
          r.error("load_unknown_output", o,
                  "question " + provisional + ": '" + name + "' " + is + " (a question lists the outputs that answer it)",
                  "问题 " + provisional + "：“" + name + "”" + is_zh + "（问题列出回答它的输出）");
          continue;
        }
        if (std::find(cq.outputs.begin(), cq.outputs.end(), *oi) != cq.outputs.end()) {
          r.error("load_duplicate_name", o, "question " + provisional + " lists output " + name + " twice",
                  "问题 " + provisional + " 两次列出输出 " + name);
          continue;
        }
        q.outputs.push_back(name);
        cq.outputs.push_back(*oi);
      }
    }
    if (const auto* ask = r.array("ask", false)) {
      for (const auto& a : *ask) {
        const auto* str = a.as_string();
        if (!str) {
          r.error("load_wrong_type", a, "the ask list of question " + provisional + " holds fact names (strings)",
                  "问题 " + provisional + " 的 ask 应为事实名（字符串），而这里是" + detail::toml_type_name_zh(a));
          continue;
        }
        const auto fi = p.find_fact(str->get());
        if (!fi) {
          r.error("load_unknown_fact", a, "question " + provisional + ": '" + str->get() + "' is not a fact of this pack",
                  "问题 " + provisional + "：“" + str->get() + "”不是本包的事实");
        } else if (std::find(cq.ask.begin(), cq.ask.end(), *fi) != cq.ask.end()) {
          r.error("load_duplicate_name", a, "question " + provisional + " asks for fact " + str->get() + " twice",
                  "问题 " + provisional + " 两次询问事实 " + str->get());
        } else {
          q.ask.push_back(str->get());
          cq.ask.push_back(*fi);
        }
      }
    }
    if (const auto* given_node = r.node("given")) {
      const auto* given = given_node->as_table();
      if (!given) {
        r.error("load_wrong_type", *given_node, "the given facts of question " + provisional + " are a table: given = { fact = \"value\" }",
                "问题 " + provisional + " 的 given 应为表：given = { 事实 = \"值\" }");
      } else {
        for (const auto& [key, value] : *given) {
          const std::string name(key.str());
          const auto fi = p.find_fact(name);
          const auto* text = value.as_string();
          if (!fi) {
            r.error("load_unknown_fact", value, "question " + provisional + ": '" + name + "' is not a fact of this pack",
                    "问题 " + provisional + "：“" + name + "”不是本包的事实");
            continue;
          }
          if (!text) {
            r.error("load_wrong_type", value, "question " + provisional + ": the value of " + name + " is written as text (\"xueji\")",
                    "问题 " + provisional + "：" + name + " 的值应写成文本（\"xueji\"）");
            continue;
          }
          model::Value v;
          std::string why;
          if (!model::parse_value(text->get(), p.policy.facts[*fi].type, p.policy.enums, v, why)) {
            std::string why_zh;
            model::parse_value(text->get(), p.policy.facts[*fi].type, p.policy.enums, v, why_zh, source::Lang::zh);
            r.error("load_bad_value", value, "question " + provisional + ": " + name + ": " + why,
                    "问题 " + provisional + "：" + name + "：" + why_zh);
            continue;
          }
          q.given.emplace_back(name, text->get());
          cq.given.push_back(*fi);
        }
      }
    }
    p.policy.questions.push_back(std::move(q));
    p.questions.push_back(std::move(cq));
  }

  // ---- parameter overrides --------------------------------------------------------------------

  void apply_params(const SourceFile& file) {
    toml::table root;
    try {
      root = toml::parse(std::string_view(file.text), std::string_view(file.path));
    } catch (const toml::parse_error& e) {
      const auto b = e.source().begin;
      error("load_toml_syntax", {file.path, {b.line, b.column}, {b.line, b.column}}, "TOML syntax: " + std::string(e.description()),
            toml_syntax_zh(e));
      return;
    }
    TomlFile f(file.path, file.text);
    const toml::table* tbl = &root;
    if (const auto* inner = root.get("parameters"); inner && inner->is_table() && root.size() == 1) tbl = inner->as_table();
    read_calendar(root, f);
    for (auto&& [k, v] : *tbl) {
      const std::string name(k.str());
      if (name == "calendar" && tbl == &root) continue;  // a school's extra holiday years
      auto& params = pack_->policy.parameters;
      auto it = std::find_if(params.begin(), params.end(), [&](const auto& x) { return x.name == name; });
      if (it == params.end()) {
        std::string known, known_zh;
        for (const auto& x : params) {
          known += (known.empty() ? "" : ", ") + x.name;
          known_zh += (known_zh.empty() ? "" : "、") + x.name;
        }
        error("params_unknown_name", f.span(k.source()),
              "'" + name + "' is not a parameter of pack " + pack_->policy.header.id + " (parameters: " + known + ")",
              "“" + name + "”不是政策包 " + pack_->policy.header.id + " 的参数（可用的参数：" + known_zh + "）");
        continue;
      }
      model::Value v2;
      std::string text;
      if (value_from_toml(v, *it, f, v2, text)) {
        it->value = v2;
        it->text = std::move(text);
        it->value_span = f.span(v);
        value_sources_[name] = {f.span(v), true, false};
      } else {
        value_sources_[name].failed = true;
      }
    }
  }

  // ---- tests ----------------------------------------------------------------------------------

  void read_tests() {
    auto& p = *pack_;
    std::set<std::string> test_names;
    for (auto& pf : parsed_) {
      const auto* node = pf.root.get("tests");
      if (!node) continue;
      const auto* arr = node->as_array();
      if (!arr) {
        error("load_wrong_type", pf.file.span(*node), "tests are an array of tables: write each as [[tests]]",
              "tests 是表的数组：每个用例请写成 [[tests]]");
        continue;
      }
      for (const auto& item : *arr) {
        const auto* t = item.as_table();
        if (!t) {
          error("load_wrong_type", pf.file.span(item), "each test case is a table: write it as [[tests]]",
                "每个测试用例是一个表：请写成 [[tests]]");
          continue;
        }
        TableReader r(*t, pf.file, diags_, "a test case", "测试用例",
                      {"name", "as_of", "facts", "params", "expect", "expect_unknown", "expect_error"});
        model::TestCase tc;
        tc.span = r.span();
        tc.name = r.string("name", true).value_or("");
        if (!tc.name.empty() && !test_names.insert(tc.name).second) {
          r.error("load_duplicate_name", *r.node("name"), "a test case named '" + tc.name + "' already exists",
                  "已有名为“" + tc.name + "”的测试用例");
        }
        // A test's result must not depend on the day it runs.
        tc.as_of = r.date("as_of", true);
        if (const auto* facts = r.table("facts", false)) {
          for (auto&& [k, v] : *facts) {
            const auto fi = p.find_fact(k.str());
            if (!fi) {
              error("load_bad_test", pf.file.span(k.source()), "test '" + tc.name + "': '" + std::string(k.str()) + "' is not a fact",
                    "测试“" + tc.name + "”：“" + std::string(k.str()) + "”不是本包的事实");
              continue;
            }
            const auto text = detail::scalar_text(v);
            model::Value val;
            std::string why;
            if (!text || !model::parse_value(*text, p.policy.facts[*fi].type, p.policy.enums, val, why)) {
              const Type ft = p.policy.facts[*fi].type;
              error("load_bad_test", pf.file.span(v),
                    "test '" + tc.name + "', fact " + std::string(k.str()) + ": " +
                        (text ? why : "expected " + model::expected_form(ft, p.policy.enums)),
                    "测试“" + tc.name + "”，事实 " + std::string(k.str()) + "：" +
                        (text ? "值" + bad_value_zh(*text, ft, p.policy.enums)
                              : "应为" + expected_form_zh(ft, p.policy.enums) + "，而这里是" + detail::toml_type_name_zh(v)));
              continue;
            }
            tc.facts.emplace_back(std::string(k.str()), *text);
          }
        }
        if (const auto* params = r.table("params", false)) {
          for (auto&& [k, v] : *params) {
            const auto& ps = p.policy.parameters;
            // A copy of the name: clang 14 cannot capture a structured binding in a lambda.
            const std::string_view name = k.str();
            const auto it = std::find_if(ps.begin(), ps.end(), [&](const auto& x) { return x.name == name; });
            const auto text = detail::scalar_text(v);
            model::Value val;
            std::string why;
            if (it == ps.end()) {
              error("load_bad_test", pf.file.span(k.source()),
                    "test '" + tc.name + "': '" + std::string(k.str()) + "' is not a parameter",
                    "测试“" + tc.name + "”：“" + std::string(k.str()) + "”不是本包的参数");
            } else if (!text || !model::parse_value(*text, it->type, p.policy.enums, val, why)) {
              error("load_bad_test", pf.file.span(v),
                    "test '" + tc.name + "', parameter " + std::string(k.str()) + ": " +
                        (text ? why : "expected " + model::expected_form(it->type, p.policy.enums)),
                    "测试“" + tc.name + "”，参数 " + std::string(k.str()) + "：" +
                        (text ? "值" + bad_value_zh(*text, it->type, p.policy.enums)
                              : "应为" + expected_form_zh(it->type, p.policy.enums) + "，而这里是" +
                                    detail::toml_type_name_zh(v)));
            } else {
              tc.params.emplace_back(std::string(k.str()), *text);
            }
          }
        }
        if (const auto* expect = r.table("expect", false)) {
          for (auto&& [k, v] : *expect) {
            const auto oi = p.find_output(k.str());
            if (!oi) {
              error("load_bad_test", pf.file.span(k.source()),
                    "test '" + tc.name + "': '" + std::string(k.str()) + "' is not an output",
                    "测试“" + tc.name + "”：“" + std::string(k.str()) + "”不是本包的输出");
              continue;
            }
            auto text = detail::scalar_text(v);
            if (!text) {
              error("load_bad_test", pf.file.span(v), "expected values are written as strings, dates, numbers or booleans",
                    "期望值应写成字符串、日期、数字或布尔值，而这里是" + detail::toml_type_name_zh(v));
              continue;
            }
            const Type out_type = p.outputs[*oi].decl(p.policy).type;
            // Normalise scalars to their canonical text, so "P12M" and "P1Y" compare alike.
            model::Value val;
            std::string why;
            if (out_type.kind != Kind::list && out_type.kind != Kind::text) {
              if (!model::parse_value(*text, out_type, p.policy.enums, val, why)) {
                error("load_bad_test", pf.file.span(v), "test '" + tc.name + "', " + std::string(k.str()) + ": " + why,
                      "测试“" + tc.name + "”，输出 " + std::string(k.str()) + "：期望值" +
                          bad_value_zh(*text, out_type, p.policy.enums));
                continue;
              }
              text = model::format_value(val, {p.policy.enums, {}, false});
            }
            tc.expect.emplace_back(std::string(k.str()), *text);
          }
        }
        if (const auto* errs = r.table("expect_error", false)) {
          for (auto&& [k, v] : *errs) {
            if (!p.find_output(k.str()) || !v.is_string()) {
              error("load_bad_test", pf.file.span(k.source()),
                    "expect_error maps output names to error codes, e.g. { retention_until = \"no_version_in_force\" }",
                    "expect_error 把输出名对应到错误代码，例如 { retention_until = \"no_version_in_force\" }；“" +
                        std::string(k.str()) + "”不是输出名或其值不是字符串");
              continue;
            }
            tc.expect.emplace_back(std::string(k.str()), "error[" + v.as_string()->get() + "]");
          }
        }
        if (const auto* unknown = r.array("expect_unknown", false)) {
          for (const auto& u : *unknown) {
            const auto* s = u.as_string();
            if (!s || !p.find_output(s->get())) {
              error("load_bad_test", pf.file.span(u), "expect_unknown lists output names",
                    "expect_unknown 应列出输出名");
              continue;
            }
            tc.expect.emplace_back(s->get(), "null");
          }
        }
        // One output, one expectation.
        std::set<std::string> expected;
        for (const auto& [name, value] : tc.expect) {
          if (!expected.insert(name).second) {
            r.error("load_bad_test", "test '" + tc.name + "' states two expectations for output " + name,
                    "测试“" + tc.name + "”对输出 " + name + " 给了两个期望");
          }
        }
        p.policy.tests.push_back(std::move(tc));
      }
    }
  }

  std::span<const SourceFile> files_;
  std::vector<ParsedFile> parsed_;
  std::unique_ptr<CompiledPack> pack_;
  Diags diags_;
  std::map<std::string, source::Span> names_;
  std::set<std::string> rejected_;
  std::vector<std::set<std::uint32_t>> deps_;
  std::vector<NotBefore> not_before_;
  std::map<std::string, ValueSource> value_sources_;
  bool syntax_failed_ = false;
};

}  // namespace

std::optional<std::uint32_t> CompiledPack::find_fact(std::string_view name) const {
  for (std::uint32_t i = 0; i < policy.facts.size(); ++i) {
    if (policy.facts[i].name == name) return i;
  }
  return std::nullopt;
}

std::optional<std::uint32_t> CompiledPack::find_output(std::string_view name) const {
  for (std::uint32_t i = 0; i < outputs.size(); ++i) {
    if (outputs[i].name == name) return i;
  }
  return std::nullopt;
}

std::optional<std::uint32_t> CompiledPack::find_output_by_name_or_label(std::string_view text) const {
  for (std::uint32_t i = 0; i < outputs.size(); ++i) {
    if (model::equals_ascii_ci(outputs[i].name, text)) return i;
  }
  for (std::uint32_t i = 0; i < outputs.size(); ++i) {
    for (const auto& c : outputs[i].candidates) {
      if (policy.rules[c.rule].outputs[c.rule_output].label == text) return i;
    }
  }
  return std::nullopt;
}

std::vector<SourceFile> read_pack_files(const std::string& path, std::vector<source::Diagnostic>& diags) {
  namespace fs = std::filesystem;
  std::vector<SourceFile> out;
  std::error_code ec;
  std::vector<fs::path> paths;
  if (fs::is_directory(path, ec)) {
    for (const auto& entry : fs::directory_iterator(path, ec)) {
      // Hidden files (editor backups, macOS ._ files) are not part of the pack.
      const bool hidden = entry.path().filename().string().starts_with(".");
      if (entry.is_regular_file() && !hidden && entry.path().extension() == ".toml") paths.push_back(entry.path());
    }
    std::sort(paths.begin(), paths.end());
    if (paths.empty()) {
      diags.push_back(source::diagnostic_at("load_io", path, {}, "no .toml files in directory " + path,
                                            "目录 " + path + " 中没有 .toml 文件"));
    }
  } else if (fs::exists(path, ec)) {
    paths.emplace_back(path);
  } else {
    diags.push_back(source::diagnostic_at("load_io", path, {}, "no such file or directory: " + path,
                                          "找不到文件或目录：" + path));
  }
  for (const auto& p : paths) {
    std::ifstream in(p, std::ios::binary);
    if (!in) {
      diags.push_back(source::diagnostic_at("load_io", p.string(), {}, "cannot read " + p.string(),
                                            "无法读取 " + p.string()));
      continue;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    out.push_back({p.string(), ss.str()});
  }
  return out;
}

LoadResult load_pack(std::span<const SourceFile> files, const std::optional<SourceFile>& params) {
  Loader l(files);
  return l.run(params);
}

std::optional<expr::Expr> compile_standalone(const CompiledPack& pack, const std::string& text, const std::string& origin,
                                             std::vector<source::Diagnostic>& diags) {
  model::ExprSource src;
  src.text = text;
  src.span = {origin, {1, 1}, {1, 1}};
  // One pass: the bytes of a character share its column. A byte that starts no character (a
  // stray continuation byte, 0x93 alone: it once read the position before the text) is a column of
  // its own, as is each maximal subpart of an ill-formed sequence.
  std::uint32_t line = 1, column = 1;
  for (std::size_t i = 0; i < text.size();) {
    bool well_formed = false;
    const std::size_t n = std::max<std::size_t>(1, source::utf8_sequence(std::string_view(text).substr(i), well_formed));
    src.positions.insert(src.positions.end(), n, source::Position{line, column});
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
    i += n;
  }
  src.positions.push_back({line, column});
  auto at = [&](std::uint32_t b, std::uint32_t e) {
    return source::Span{origin, src.positions[std::min<std::size_t>(b, text.size())],
                        src.positions[std::min<std::size_t>(e, text.size())]};
  };
  std::vector<expr::ParseIssue> parse_issues;
  auto e = expr::parse_expr(text, parse_issues);
  for (auto& i : parse_issues) diags.push_back({i.code, at(i.begin, i.end), i.message, {}, i.message_zh});
  if (!parse_issues.empty()) return std::nullopt;
  auto resolve = [&](std::string_view name) -> std::optional<expr::NameInfo> {
    if (name == "as_of") return expr::NameInfo{expr::NameKind::as_of, pack.as_of_slot, 0, Type::of(Kind::date)};
    for (std::uint32_t i = 0; i < pack.policy.parameters.size(); ++i) {
      if (pack.policy.parameters[i].name == name)
        return expr::NameInfo{expr::NameKind::parameter, pack.param_base + i, i, pack.policy.parameters[i].type};
    }
    return std::nullopt;
  };
  expr::CheckContext ctx{resolve, pack.policy.enums, std::nullopt, "the expression", "表达式"};
  std::vector<expr::CheckIssue> issues;
  const bool ok = expr::check_expr(e, ctx, issues, nullptr);
  for (auto& i : issues) {
    std::string msg = i.message, msg_zh = i.message_zh;
    if (i.code == "unknown_name") {
      msg += " (policy calc sees the pack's parameters and as_of, not facts)";
      msg_zh += "（policy calc 只能使用政策包的参数和 as_of，不能使用事实）";
    }
    diags.push_back({i.code, at(i.begin, i.end), msg, {}, msg_zh});
  }
  source::sort_diagnostics(diags);
  if (!ok) return std::nullopt;
  return e;
}

}  // namespace rules::loader
