// docs/diagnostics.md against the code: every code it lists has an English and a Chinese meaning,
// and every diagnostic code the sources use (rules/ and cli/) is listed, so the document cannot
// fall behind when a code is added.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "../support/cjk.h"

namespace {

namespace fs = std::filesystem;

const std::string kSource = POLICY_SOURCE_DIR;

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Row {
  int line = 0;
  std::string english;
  std::string chinese;
};

/// The code rows of the document's tables: `| `code` | English | 中文 |`, by code (a code listed
/// in two tables, such as date_invalid at load and at evaluation, keeps each row).
std::multimap<std::string, Row> doc_rows() {
  std::multimap<std::string, Row> out;
  std::istringstream in(read_text(kSource + "/docs/diagnostics.md"));
  std::string line;
  int no = 0;
  static const std::regex row_re(R"re(^\| `([a-z_]+)` \|(.*)$)re");
  while (std::getline(in, line)) {
    ++no;
    std::smatch m;
    if (!std::regex_match(line, m, row_re)) continue;
    // The cells after the code, split at '|' (no cell of this document contains one).
    std::vector<std::string> cells;
    std::string rest = m[2].str(), cell;
    for (char c : rest) {
      if (c == '|') {
        cells.push_back(cell);
        cell.clear();
      } else {
        cell += c;
      }
    }
    auto trim = [](std::string s) {
      while (!s.empty() && s.back() == ' ') s.pop_back();
      while (!s.empty() && s.front() == ' ') s.erase(0, 1);
      return s;
    };
    Row r;
    r.line = no;
    if (!cells.empty()) r.english = trim(cells[0]);
    if (cells.size() > 1) r.chinese = trim(cells[1]);
    out.emplace(m[1].str(), r);
  }
  return out;
}

/// Every string literal of rules/, cli/ and serve/ that is a diagnostic or error code: snake_case with the
/// prefix of a code family. The few literals with such a prefix that are not codes are listed,
/// each with why.
std::map<std::string, std::string> source_codes() {
  static const std::vector<std::string> families = {
      "load_",  "params_", "expr_",  "situation_", "batch_", "date_",     "zone_",        "calendar_",
      "dependency_", "unknown_", "arity_", "type_", "enum_", "integer_", "empty_", "no_version_", "window_",
      "serve_", "ics_", "xlsx_"};
  static const std::set<std::string> not_codes = {
      "date_convention",     // a field of [policy]
      "date_of",             // a function of the language
      "date_unknown_error",  // calendar::code_name of a value outside the enum: never raised
      "ics_unknown_error",   // serve's ics code_name of a value outside the enum: never raised
  };
  static const std::regex literal_re(R"re("([a-z]+(?:_[a-z]+)+)")re");
  std::map<std::string, std::string> out;  // code -> first file using it
  for (const char* dir : {"rules", "cli", "serve"}) {
    for (const auto& e : fs::recursive_directory_iterator(kSource + "/" + dir)) {
      const auto ext = e.path().extension();
      if (!e.is_regular_file() || (ext != ".cpp" && ext != ".h")) continue;
      const std::string text = read_text(e.path());
      for (auto it = std::sregex_iterator(text.begin(), text.end(), literal_re); it != std::sregex_iterator(); ++it) {
        const std::string word = (*it)[1].str();
        if (not_codes.count(word)) continue;
        bool family = false;
        for (const auto& f : families) family = family || word.rfind(f, 0) == 0;
        if (family) out.emplace(word, e.path().lexically_relative(kSource).string());
      }
    }
  }
  return out;
}

TEST(DiagnosticsDoc, EveryCodeHasAnEnglishAndAChineseMeaning) {
  const auto rows = doc_rows();
  ASSERT_GE(rows.size(), 40u) << "docs/diagnostics.md: the code tables were not found";
  for (const auto& [code, row] : rows) {
    EXPECT_FALSE(row.english.empty()) << "docs/diagnostics.md:" << row.line << ": " << code << " has no English meaning";
    // English prose (it may quote a Chinese header such as 退役日期, so only its words are checked).
    EXPECT_TRUE(std::regex_search(row.english, std::regex("[a-z]+ [a-z]+"))) << "docs/diagnostics.md:" << row.line << ": "
                                                                             << code << ": the second column is English";
    EXPECT_TRUE(has_cjk(row.chinese)) << "docs/diagnostics.md:" << row.line << ": " << code
                                      << " has no Chinese meaning (the 中文 column)";
  }
}

TEST(DiagnosticsDoc, EveryCodeTheSourcesUseIsListed) {
  const auto rows = doc_rows();
  const auto codes = source_codes();
  // The scan finds the codes of each stage (a sanity check of the scan itself).
  for (const char* known : {"load_bad_value", "type_mismatch", "situation_bad_value", "batch_bad_csv", "date_invalid",
                            "calendar_no_data", "params_unknown_name"}) {
    EXPECT_TRUE(codes.count(known)) << known << " was not found in rules/ or cli/";
  }
  for (const auto& [code, file] : codes) {
    EXPECT_TRUE(rows.count(code)) << code << " (used in " << file << ") is not listed in docs/diagnostics.md";
  }
}

}  // namespace
