#pragma once
// Internal to the loader: reading toml++ nodes with positions and diagnostics.

#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "model/policy.h"
#include "source/diagnostic.h"

namespace rules::loader::detail {

using Diags = std::vector<source::Diagnostic>;

/// A file being loaded: its path, text and line starts (for position mapping).
class TomlFile {
 public:
  TomlFile(std::string path, std::string_view text);
  const std::string& path() const { return path_; }
  source::Span span(const toml::source_region& r) const;
  source::Span span(const toml::node& n) const { return span(n.source()); }
  /// Maps each byte of string node `n`'s decoded value to its position in the file.
  model::ExprSource expr_source(const toml::node& n) const;

 private:
  std::string_view line(std::uint32_t line_no) const;
  std::string path_;
  std::string_view text_;
  std::vector<std::size_t> line_starts_;
};

/// The TOML type of a node with its article, for messages ("a string", "an integer", ...).
std::string toml_type_name(const toml::node& n);

/// The TOML type of a node in Chinese, for messages ("字符串", "整数", "表", ...).
std::string toml_type_name_zh(const toml::node& n);

/// Reads the fields of one TOML table, reporting missing, mistyped and unknown fields.
class TableReader {
 public:
  /// `what` and `what_zh` name the table in messages, in English and Chinese ("parameter
  /// intake_end", "参数 intake_end"); `allowed` lists its fields (others are load_unknown_field).
  TableReader(const toml::table& t, const TomlFile& f, Diags& d, std::string what, std::string what_zh,
              std::initializer_list<std::string_view> allowed);

  const toml::node* node(std::string_view key) const;
  /// The span of `key` itself (where unknown and misplaced fields are reported).
  source::Span key_span(std::string_view key) const;
  /// A required or optional string field. Reports load_missing_field / load_wrong_type.
  std::optional<std::string> string(std::string_view key, bool required);
  const toml::table* table(std::string_view key, bool required);
  const toml::array* array(std::string_view key, bool required);
  /// A date field: a TOML local date or a "YYYY-MM-DD" string.
  std::optional<calendar::Date> date(std::string_view key, bool required);
  source::Span span() const { return f_.span(t_); }
  const TomlFile& file() const { return f_; }
  Diags& diags() { return d_; }
  const std::string& what() const { return what_; }
  const std::string& what_zh() const { return what_zh_; }  ///< what() in Chinese
  /// A diagnostic at `at` with its English and Chinese messages (both required: every
  /// diagnostic is readable in either language).
  void error(const char* code, const toml::node& at, std::string msg, std::string msg_zh);
  void error(const char* code, std::string msg, std::string msg_zh);  ///< at the table

 private:
  const toml::table& t_;
  const TomlFile& f_;
  Diags& d_;
  std::string what_;
  std::string what_zh_;
};

/// Text of a scalar TOML value as the language would write it (dates YYYY-MM-DD, booleans
/// true/false, integers in decimal, strings as they are). nullopt for tables and arrays.
std::optional<std::string> scalar_text(const toml::node& n);

}  // namespace rules::loader::detail
