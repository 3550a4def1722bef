#include "loader/toml_source.h"

#include <algorithm>

#include "calendar/date.h"
#include "expr/parser.h"

namespace rules::loader::detail {

TomlFile::TomlFile(std::string path, std::string_view text) : path_(std::move(path)), text_(text) {
  line_starts_.push_back(0);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') line_starts_.push_back(i + 1);
  }
}

std::string_view TomlFile::line(std::uint32_t line_no) const {
  if (line_no == 0 || line_no > line_starts_.size()) return {};
  const std::size_t b = line_starts_[line_no - 1];
  const std::size_t e = line_no < line_starts_.size() ? line_starts_[line_no] : text_.size();
  return text_.substr(b, e - b);
}

source::Span TomlFile::span(const toml::source_region& r) const {
  return {path_, {r.begin.line, r.begin.column}, {r.end.line, r.end.column}};
}

namespace {

std::size_t utf8_length(std::uint32_t cp) { return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4; }

std::uint32_t hex_value(std::string_view s) {
  std::uint32_t v = 0;
  for (char c : s) {
    v <<= 4;
    if (c >= '0' && c <= '9') v |= static_cast<std::uint32_t>(c - '0');
    else if (c >= 'a' && c <= 'f') v |= static_cast<std::uint32_t>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v |= static_cast<std::uint32_t>(c - 'A' + 10);
  }
  return v;
}

}  // namespace

model::ExprSource TomlFile::expr_source(const toml::node& n) const {
  model::ExprSource out;
  out.span = span(n);
  if (const auto* s = n.as_string()) out.text = s->get();
  const auto fallback = [&] {
    out.positions.assign(out.text.size() + 1, out.span.begin);
    return out;
  };
  // Walk the raw TOML literal from its opening quote, recording where each decoded byte came from.
  const auto begin = n.source().begin;
  if (begin.line == 0) return fallback();
  std::uint32_t line_no = begin.line;
  std::string_view ln = line(line_no);
  std::size_t at = line_starts_[line_no - 1] + source::byte_offset_of(ln, begin.column);
  std::uint32_t col = begin.column;
  const std::string_view t = text_;
  auto advance = [&] {
    if (t[at] == '\n') {
      ++line_no;
      col = 1;
    } else if ((static_cast<unsigned char>(t[at]) & 0xC0) != 0x80) {
      ++col;
    }
    ++at;
  };
  // Columns count code points (advance() steps the column only at a character's first byte);
  // continuation bytes are given their character's position at the end.
  auto here = [&] { return source::Position{line_no, col}; };
  if (at >= t.size()) return fallback();
  const bool literal = t[at] == '\'';
  if (t[at] != '"' && !literal) return fallback();
  const char q = t[at];
  const bool multi = t.substr(at, 3) == std::string_view(literal ? "'''" : "\"\"\"");
  for (int k = 0; k < (multi ? 3 : 1); ++k) advance();
  if (multi) {
    if (at < t.size() && t[at] == '\n') advance();
    else if (at + 1 < t.size() && t[at] == '\r' && t[at + 1] == '\n') { advance(); advance(); }
  }
  auto at_close = [&] {
    if (!multi) return t[at] == q;
    return t.substr(at, 3) == std::string_view(literal ? "'''" : "\"\"\"") &&
           !(at + 3 < t.size() && t[at + 3] == q);  // up to two quotes may precede the delimiter
  };
  while (at < t.size() && !at_close()) {
    if (t[at] == '\r' && at + 1 < t.size() && t[at + 1] == '\n') { advance(); continue; }
    if (!literal && t[at] == '\\') {
      const source::Position p = here();
      const char e = at + 1 < t.size() ? t[at + 1] : '\0';
      if (multi && (e == '\n' || e == ' ' || e == '\t' || e == '\r')) {
        // Line-ending backslash: the newline and the whitespace that follows are trimmed.
        advance();
        while (at < t.size() && (t[at] == ' ' || t[at] == '\t' || t[at] == '\n' || t[at] == '\r')) advance();
        continue;
      }
      std::size_t raw = 2, decoded = 1;
      if (e == 'u' || e == 'U') {
        raw = e == 'u' ? 6 : 10;
        decoded = utf8_length(hex_value(t.substr(at + 2, raw - 2)));
      }
      for (std::size_t k = 0; k < decoded; ++k) out.positions.push_back(p);
      for (std::size_t k = 0; k < raw && at < t.size(); ++k) advance();
      continue;
    }
    out.positions.push_back(here());
    advance();
  }
  out.positions.push_back(here());
  if (out.positions.size() != out.text.size() + 1) return fallback();
  // A byte inside a multi-byte character maps to that character's column.
  for (std::size_t i = 1; i < out.text.size(); ++i) {
    if ((static_cast<unsigned char>(out.text[i]) & 0xC0) == 0x80) out.positions[i] = out.positions[i - 1];
  }
  return out;
}

std::string toml_type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    default: return "nothing";
  }
}

std::string toml_type_name_zh(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table: return "表";
    case toml::node_type::array: return "数组";
    case toml::node_type::string: return "字符串";
    case toml::node_type::integer: return "整数";
    case toml::node_type::floating_point: return "小数";
    case toml::node_type::boolean: return "布尔值";
    case toml::node_type::date: return "日期";
    case toml::node_type::time: return "时刻";
    case toml::node_type::date_time: return "日期时间";
    default: return "空值";
  }
}

TableReader::TableReader(const toml::table& t, const TomlFile& f, Diags& d, std::string what, std::string what_zh,
                         std::initializer_list<std::string_view> allowed)
    : t_(t), f_(f), d_(d), what_(std::move(what)), what_zh_(std::move(what_zh)) {
  for (auto&& [k, v] : t) {
    if (std::find(allowed.begin(), allowed.end(), k.str()) != allowed.end()) continue;
    std::string list, list_zh;
    for (auto a : allowed) {
      list += (list.empty() ? "" : ", ") + std::string(a);
      list_zh += (list_zh.empty() ? "" : "、") + std::string(a);
    }
    d_.push_back({"load_unknown_field", f_.span(k.source()),
                  "unknown field '" + std::string(k.str()) + "' in " + what_ + " (fields: " + list + ")", {},
                  what_zh_ + "中没有字段“" + std::string(k.str()) + "”（可用的字段：" + list_zh + "），多半是拼写错误"});
  }
}

const toml::node* TableReader::node(std::string_view key) const { return t_.get(key); }

source::Span TableReader::key_span(std::string_view key) const {
  for (auto&& [k, v] : t_) {
    if (k.str() == key) return f_.span(k.source());
  }
  return span();
}

void TableReader::error(const char* code, const toml::node& at, std::string msg, std::string msg_zh) {
  d_.push_back({code, f_.span(at), std::move(msg), {}, std::move(msg_zh)});
}

void TableReader::error(const char* code, std::string msg, std::string msg_zh) {
  d_.push_back({code, span(), std::move(msg), {}, std::move(msg_zh)});
}

std::optional<std::string> TableReader::string(std::string_view key, bool required) {
  const auto* n = node(key);
  if (!n) {
    if (required) {
      error("load_missing_field", what_ + " needs a field '" + std::string(key) + "' (a string)",
            what_zh_ + "缺少字段“" + std::string(key) + "”（字符串）");
    }
    return std::nullopt;
  }
  if (!n->is_string()) {
    error("load_wrong_type", *n, "'" + std::string(key) + "' in " + what_ + " must be a string, not " + toml_type_name(*n),
          what_zh_ + "的“" + std::string(key) + "”应为字符串，而这里是" + toml_type_name_zh(*n));
    return std::nullopt;
  }
  return n->as_string()->get();
}

const toml::table* TableReader::table(std::string_view key, bool required) {
  const auto* n = node(key);
  if (!n) {
    if (required) {
      error("load_missing_field", what_ + " needs a table '" + std::string(key) + "'",
            what_zh_ + "缺少表“" + std::string(key) + "”");
    }
    return nullptr;
  }
  if (!n->is_table()) {
    error("load_wrong_type", *n, "'" + std::string(key) + "' in " + what_ + " must be a table, not " + toml_type_name(*n),
          what_zh_ + "的“" + std::string(key) + "”应为表，而这里是" + toml_type_name_zh(*n));
    return nullptr;
  }
  return n->as_table();
}

const toml::array* TableReader::array(std::string_view key, bool required) {
  const auto* n = node(key);
  if (!n) {
    if (required) {
      error("load_missing_field", what_ + " needs an array '" + std::string(key) + "'",
            what_zh_ + "缺少数组“" + std::string(key) + "”");
    }
    return nullptr;
  }
  if (!n->is_array()) {
    error("load_wrong_type", *n, "'" + std::string(key) + "' in " + what_ + " must be an array, not " + toml_type_name(*n),
          what_zh_ + "的“" + std::string(key) + "”应为数组，而这里是" + toml_type_name_zh(*n));
    return nullptr;
  }
  return n->as_array();
}

std::optional<calendar::Date> TableReader::date(std::string_view key, bool required) {
  const auto* n = node(key);
  if (!n) {
    if (required) {
      error("load_missing_field", what_ + " needs a date field '" + std::string(key) + "'",
            what_zh_ + "缺少日期字段“" + std::string(key) + "”");
    }
    return std::nullopt;
  }
  const auto text = scalar_text(*n);
  if (!text || !(n->is_date() || n->is_string())) {
    error("load_wrong_type", *n, "'" + std::string(key) + "' in " + what_ + " must be a date YYYY-MM-DD, not " +
                                     toml_type_name(*n),
          what_zh_ + "的“" + std::string(key) + "”应为日期 YYYY-MM-DD，而这里是" + toml_type_name_zh(*n));
    return std::nullopt;
  }
  const auto d = calendar::parse_date(*text);
  if (!d) {
    error("load_bad_value", *n, d.error().message,
          what_zh_ + "的“" + std::string(key) + "”：" + expr::calendar_message_zh(d.error(), *text));
    return std::nullopt;
  }
  return *d;
}

std::optional<std::string> scalar_text(const toml::node& n) {
  auto two = [](unsigned v) { return std::string(v < 10 ? "0" : "") + std::to_string(v); };
  if (const auto* s = n.as_string()) return s->get();
  if (const auto* b = n.as_boolean()) return std::string(b->get() ? "true" : "false");
  if (const auto* i = n.as_integer()) return std::to_string(i->get());
  auto date_text = [&](const toml::date& d) {
    std::string y = std::to_string(d.year);
    while (y.size() < 4) y = "0" + y;
    return y + "-" + two(d.month) + "-" + two(d.day);
  };
  auto time_text = [&](const toml::time& t) {
    return two(t.hour) + ":" + two(t.minute) + (t.second ? ":" + two(t.second) : std::string());
  };
  if (const auto* d = n.as_date()) return date_text(d->get());
  if (const auto* t = n.as_time()) return time_text(t->get());
  if (const auto* dt = n.as_date_time()) {
    const auto& v = dt->get();
    std::string s = date_text(v.date) + "T" + two(v.time.hour) + ":" + two(v.time.minute) + ":" + two(v.time.second);
    if (v.offset) {
      const int m = v.offset->minutes;
      const int a = m < 0 ? -m : m;
      s += (m < 0 ? "-" : "+") + two(static_cast<unsigned>(a / 60)) + ":" + two(static_cast<unsigned>(a % 60));
    }
    return s;
  }
  return std::nullopt;
}

}  // namespace rules::loader::detail
