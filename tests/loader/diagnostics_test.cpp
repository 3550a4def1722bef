// Diagnostics of the loader, the checker and the situation reader: each code with its exact
// location (file, line, column), and a Chinese message beside the English one (the wording only
// where it matters).
//
// tests/packs/bad/ holds one small pack per case: a .toml file, or a directory of .toml files for
// cases that need several files. Each file declares the diagnostics it must produce in itself with
// comment lines
//     # expect: CODE LINE:COL
//     # expect: CODE LINE:COL "text the English or the Chinese message must contain"
// and the run must produce exactly those, no more (no cascades, no duplicates), in reading order.
// tests/packs/good/ holds packs that must load with no diagnostic at all.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "calendar/date.h"
#include "loader/load.h"
#include "loader/situation_reader.h"
#include "model/situation.h"
#include "source/diagnostic.h"
#include "source/utf8.h"

#include "../support/cjk.h"

namespace rules::loader {
namespace {

namespace fs = std::filesystem;
using source::Diagnostic;

const std::string kPacks = POLICY_TEST_PACKS_DIR;

// ---- expectations ----------------------------------------------------------------------------

struct Expected {
  std::string file;
  std::string code;
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  std::string contains;  ///< optional: a part of the message (only where the wording matters)
};

std::string where(const std::string& file, std::uint32_t line, std::uint32_t col, const std::string& code) {
  return file + ":" + std::to_string(line) + ":" + std::to_string(col) + " " + code;
}

std::string where(const Diagnostic& d) { return where(d.span.file, d.span.begin.line, d.span.begin.column, d.code); }

/// The `# expect:` lines of one file. A malformed `# expect` line is a test failure, not ignored.
std::vector<Expected> expectations_of(const SourceFile& f) {
  static const std::regex line_re(R"re(^#\s*expect:\s*([a-z_]+)\s+([0-9]+):([0-9]+)(\s+"(.*)")?\s*$)re");
  std::vector<Expected> out;
  std::istringstream in(f.text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind("# expect:", 0) != 0) continue;
    std::smatch m;
    if (!std::regex_match(line, m, line_re)) {
      ADD_FAILURE() << f.path << ": malformed expectation: " << line;
      continue;
    }
    out.push_back({f.path, m[1].str(), static_cast<std::uint32_t>(std::stoul(m[2].str())),
                   static_cast<std::uint32_t>(std::stoul(m[3].str())), m[5].matched ? m[5].str() : std::string()});
  }
  return out;
}

/// Sorted as sort_diagnostics sorts: file, position, code.
void sort_expected(std::vector<Expected>& es) {
  std::stable_sort(es.begin(), es.end(), [](const Expected& a, const Expected& b) {
    return std::tie(a.file, a.line, a.column, a.code) < std::tie(b.file, b.line, b.column, b.code);
  });
}

TEST(HasCjk, RecognisesChineseOnly) {
  EXPECT_TRUE(has_cjk("参数"));
  EXPECT_TRUE(has_cjk("x 一 y"));     // U+4E00
  EXPECT_TRUE(has_cjk("\u9FFF"));    // the last of the block
  EXPECT_FALSE(has_cjk("“09-01”（）："));  // full-width punctuation alone is not Chinese text
  EXPECT_FALSE(has_cjk("intake_end"));
  EXPECT_FALSE(has_cjk(""));
}

/// Every diagnostic of `ds` has a Chinese message: non-empty, with at least one CJK character.
void expect_chinese(const std::vector<Diagnostic>& ds, const std::string& context) {
  for (const auto& d : ds) {
    EXPECT_TRUE(has_cjk(d.message_zh)) << context << ": " << d.span.file << ":" << d.span.begin.line << ":"
                                       << d.span.begin.column << " " << d.code << " has no Chinese message (English: "
                                       << d.message << "; message_zh: '" << d.message_zh << "')";
    EXPECT_FALSE(d.message.empty()) << context << ": " << d.code << " has no English message";
  }
}

std::string dump(const std::vector<Diagnostic>& ds) {
  std::string s;
  for (const auto& d : ds) s += "  " + source::format_diagnostic(d) + "\n";
  return s.empty() ? "  (none)\n" : s;
}

/// Every case of tests/packs/<folder>: the .toml files and the sub-directories, by name.
std::vector<std::string> cases_in(const std::string& folder) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(kPacks + "/" + folder, ec)) {
    if (e.is_directory() || e.path().extension() == ".toml") out.push_back(e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string n = fs::path(info.param).stem().string();
  for (auto& c : n) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return n;
}

struct Loaded {
  std::vector<SourceFile> files;
  std::vector<Diagnostic> io;  ///< from read_pack_files
  LoadResult result;
};

Loaded load_path(const std::string& path, const std::optional<SourceFile>& params = std::nullopt) {
  Loaded l;
  l.files = read_pack_files(path, l.io);
  l.result = load_pack(l.files, params);
  return l;
}

// ---- bad packs -------------------------------------------------------------------------------

class BadPack : public ::testing::TestWithParam<std::string> {};

TEST_P(BadPack, ReportsExactlyTheDeclaredDiagnostics) {
  const std::string path = kPacks + "/bad/" + GetParam();
  auto l = load_path(path);
  ASSERT_TRUE(l.io.empty()) << dump(l.io);
  std::vector<Expected> expected;
  for (const auto& f : l.files) {
    auto e = expectations_of(f);
    expected.insert(expected.end(), e.begin(), e.end());
  }
  ASSERT_FALSE(expected.empty()) << path << " declares no '# expect:' line";
  sort_expected(expected);

  std::vector<std::string> want, got;
  for (const auto& e : expected) want.push_back(where(e.file, e.line, e.column, e.code));
  for (const auto& d : l.result.diagnostics) got.push_back(where(d));
  // Compared as sequences: the loader must report each problem once, in reading order.
  EXPECT_EQ(got, want) << "diagnostics of " << path << ":\n" << dump(l.result.diagnostics);
  EXPECT_FALSE(l.result.ok()) << path << " loaded although it has errors";

  for (const auto& e : expected) {
    if (e.contains.empty()) continue;
    const auto it = std::find_if(l.result.diagnostics.begin(), l.result.diagnostics.end(), [&](const Diagnostic& d) {
      return d.code == e.code && d.span.file == e.file && d.span.begin.line == e.line && d.span.begin.column == e.column;
    });
    if (it == l.result.diagnostics.end()) continue;  // already reported above
    EXPECT_TRUE(it->message.find(e.contains) != std::string::npos || it->message_zh.find(e.contains) != std::string::npos)
        << where(*it) << ": message '" << it->message << "' / '" << it->message_zh << "' should contain '" << e.contains
        << "'";
  }
  // Every diagnostic is readable in Chinese (the default language) and in English.
  expect_chinese(l.result.diagnostics, path);
}

INSTANTIATE_TEST_SUITE_P(Packs, BadPack, ::testing::ValuesIn(cases_in("bad")), test_name);

// ---- good packs ------------------------------------------------------------------------------

class GoodPack : public ::testing::TestWithParam<std::string> {};

TEST_P(GoodPack, LoadsWithoutDiagnostics) {
  const std::string path = kPacks + "/good/" + GetParam();
  auto l = load_path(path);
  EXPECT_TRUE(l.io.empty()) << dump(l.io);
  EXPECT_TRUE(l.result.diagnostics.empty()) << dump(l.result.diagnostics);
  EXPECT_TRUE(l.result.ok());
  for (const auto& f : l.files) EXPECT_TRUE(expectations_of(f).empty()) << f.path << ": a good pack expects nothing";
}

INSTANTIATE_TEST_SUITE_P(Packs, GoodPack, ::testing::ValuesIn(cases_in("good")), test_name);

TEST(PackFolders, EveryPackCodeHasABadPack) {
  // Codes a pack can produce. load_io, params_unknown_name and situation_* need other inputs and
  // are covered by the tests further down.
  const std::set<std::string> codes = {
      "load_toml_syntax",  "load_missing_field",   "load_wrong_type",    "load_unknown_field",
      "load_duplicate_name", "load_duplicate_header", "load_missing_header", "load_bad_name",
      "load_bad_type",     "load_bad_value",       "load_missing_citation", "load_bad_timezone",
      "load_bad_convention", "load_version_conflict", "load_too_many_facts", "load_bad_test",
      "expr_syntax",       "expr_bad_literal",     "date_invalid",       "date_out_of_range",
      "unknown_name",      "unknown_function",
      "arity_mismatch",    "type_mismatch",        "expr_bad_placeholder", "enum_unknown_value",
      "dependency_cycle",  "load_unknown_output", "load_unknown_fact"};
  std::set<std::string> declared;
  for (const auto& c : cases_in("bad")) {
    std::vector<Diagnostic> io;
    for (const auto& f : read_pack_files(kPacks + "/bad/" + c, io)) {
      for (const auto& e : expectations_of(f)) declared.insert(e.code);
    }
  }
  for (const auto& c : codes) EXPECT_TRUE(declared.count(c)) << "no bad pack expects " << c;
  for (const auto& c : declared) EXPECT_TRUE(codes.count(c)) << "a bad pack expects unlisted code " << c;
  EXPECT_GE(cases_in("good").size(), 3u);
}

// ---- the real pack ---------------------------------------------------------------------------

TEST(RealPack, CnHigherEdLoadsWithoutDiagnostics) {
  auto l = load_path(std::string(POLICY_SOURCE_DIR) + "/policy/cn-higher-ed");
  EXPECT_TRUE(l.io.empty()) << dump(l.io);
  EXPECT_GE(l.files.size(), 5u);  // the pack grows; every file must load
  EXPECT_TRUE(l.result.diagnostics.empty()) << dump(l.result.diagnostics);
  ASSERT_TRUE(l.result.ok());
  EXPECT_EQ(l.result.pack->policy.header.id, "cn-higher-ed");
}

// ---- load_io ---------------------------------------------------------------------------------

/// A fresh empty directory under the system temp directory, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    const auto base = fs::temp_directory_path();
    for (int i = 0;; ++i) {
      path_ = base / ("loader_diagnostics_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
                      "_" + std::to_string(i));
      if (fs::create_directory(path_)) break;
    }
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string str() const { return path_.string(); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ / name, std::ios::binary) << text;
    return (path_ / name).string();
  }

 private:
  fs::path path_;
};

TEST(LoadIo, MissingPathIsLoadIoForThatPath) {
  const std::string path = kPacks + "/no-such-pack";
  std::vector<Diagnostic> diags;
  const auto files = read_pack_files(path, diags);
  EXPECT_TRUE(files.empty());
  ASSERT_EQ(diags.size(), 1u) << dump(diags);
  EXPECT_EQ(diags[0].code, "load_io");
  EXPECT_EQ(diags[0].span.file, path);
  EXPECT_EQ(diags[0].span.begin.line, 0u);  // the path as a whole
  EXPECT_EQ(diags[0].message_zh, "找不到文件或目录：" + path);
}

TEST(LoadIo, DirectoryWithoutTomlFilesIsLoadIo) {
  TempDir dir;
  dir.write("README.md", "not a pack\n");
  std::vector<Diagnostic> diags;
  const auto files = read_pack_files(dir.str(), diags);
  EXPECT_TRUE(files.empty());
  ASSERT_EQ(diags.size(), 1u) << dump(diags);
  EXPECT_EQ(diags[0].code, "load_io");
  EXPECT_EQ(diags[0].span.file, dir.str());
  EXPECT_EQ(diags[0].span.begin.line, 0u);
  expect_chinese(diags, "empty directory");
}

TEST(LoadIo, DirectoryIsReadInNameOrder) {
  TempDir dir;
  const auto b = dir.write("b.toml", "# b\n");
  const auto a = dir.write("a.toml", "# a\n");
  dir.write("c.txt", "ignored\n");
  std::vector<Diagnostic> diags;
  const auto files = read_pack_files(dir.str(), diags);
  EXPECT_TRUE(diags.empty()) << dump(diags);
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].path, a);
  EXPECT_EQ(files[1].path, b);
  EXPECT_EQ(files[0].text, "# a\n");
}

TEST(LoadIo, LoadingNoFilesIsLoadIo) {
  const auto r = load_pack(std::span<const SourceFile>{});
  EXPECT_FALSE(r.ok());
  ASSERT_EQ(r.diagnostics.size(), 1u) << dump(r.diagnostics);
  EXPECT_EQ(r.diagnostics[0].code, "load_io");
  EXPECT_EQ(r.diagnostics[0].span.begin.line, 0u);
  expect_chinese(r.diagnostics, "no files");
}

// ---- TOML syntax -----------------------------------------------------------------------------

const char* const kHeader =
    "[policy]\n"
    "id = \"t\"\n"
    "title = \"T\"\n"
    "version = \"1\"\n"
    "timezone = \"Asia/Shanghai\"\n"
    "date_convention = \"prc-civil-code\"\n";

TEST(TomlSyntax, ReportsTheLineAndColumnOfTheError) {
  // Line 8: the string is not closed.
  const std::vector<SourceFile> files = {
      {"pack.toml", std::string(kHeader) + "\n[facts.start_date]\ntype = \"date\nlabel = \"开始\"\n"}};
  const auto r = load_pack(files);
  EXPECT_FALSE(r.ok());
  ASSERT_EQ(r.diagnostics.size(), 1u) << dump(r.diagnostics);
  EXPECT_EQ(r.diagnostics[0].code, "load_toml_syntax");
  EXPECT_EQ(r.diagnostics[0].span.file, "pack.toml");
  EXPECT_EQ(r.diagnostics[0].span.begin.line, 9u);
}

TEST(TomlSyntax, EveryFileWithASyntaxErrorIsReportedAndNothingElse) {
  // A syntax error stops loading after all files were parsed: each broken file is reported once,
  // and the readable file's own mistakes (here a missing citation) are not checked.
  const std::vector<SourceFile> files = {
      {"a.toml", std::string(kHeader) + "x = = 1\n"},
      {"b.toml", "[[rules]]\nid = \"r\"\ntitle = \"R\"\n[rules.outputs.o]\ntype = \"bool\"\nlabel = \"o\"\nexpr = \"true\"\n"},
      {"c.toml", "[facts.d]\ntype = [\n"},
  };
  const auto r = load_pack(files);
  EXPECT_FALSE(r.ok());
  ASSERT_EQ(r.diagnostics.size(), 2u) << dump(r.diagnostics);
  EXPECT_EQ(where(r.diagnostics[0]).substr(0, 9), "a.toml:7:");
  EXPECT_EQ(r.diagnostics[0].code, "load_toml_syntax");
  EXPECT_EQ(r.diagnostics[1].span.file, "c.toml");
  EXPECT_EQ(r.diagnostics[1].code, "load_toml_syntax");
  expect_chinese(r.diagnostics, "TOML syntax");
}

// ---- parameter overrides (load_pack's second argument) ----------------------------------------

const std::string kParamsPack = kPacks + "/good/parameters.toml";

LoadResult load_with_params(const std::string& params_text) {
  std::vector<Diagnostic> io;
  const auto files = read_pack_files(kParamsPack, io);
  EXPECT_TRUE(io.empty()) << dump(io);
  return load_pack(files, SourceFile{"school.toml", params_text});
}

const model::Parameter& param(const LoadResult& r, const std::string& name) {
  const auto& ps = r.pack->policy.parameters;
  const auto it = std::find_if(ps.begin(), ps.end(), [&](const auto& p) { return p.name == name; });
  if (it == ps.end()) throw std::runtime_error("no parameter " + name);
  return *it;
}

std::vector<std::string> wheres(const LoadResult& r) {
  std::vector<std::string> out;
  for (const auto& d : r.diagnostics) out.push_back(where(d));
  return out;
}

TEST(Params, TypoInANameIsParamsUnknownNameAtTheKey) {
  const auto r = load_with_params("intake_start = \"09-02\"\n  intkae_end = \"09-20\"\n");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(wheres(r), std::vector<std::string>{"school.toml:2:3 params_unknown_name"}) << dump(r.diagnostics);
}

TEST(Params, TypoInsideAParametersTable) {
  const auto r = load_with_params("# 学校参数\n[parameters]\nintake_start = \"09-02\"\n\"学籍\" = \"x\"\n");
  EXPECT_EQ(wheres(r), std::vector<std::string>{"school.toml:4:1 params_unknown_name"}) << dump(r.diagnostics);
}

TEST(Params, ValueOfTheWrongTomlTypeIsLoadWrongTypeAtTheValue) {
  const auto r = load_with_params("intake_start = 901\nmax_credits = true\n");
  EXPECT_EQ(wheres(r), (std::vector<std::string>{"school.toml:1:16 load_wrong_type", "school.toml:2:15 load_wrong_type"}))
      << dump(r.diagnostics);
}

TEST(Params, TableValueIsLoadWrongType) {
  const auto r = load_with_params("[intake_start]\nvalue = \"09-02\"\n");
  EXPECT_EQ(wheres(r), std::vector<std::string>{"school.toml:1:1 load_wrong_type"}) << dump(r.diagnostics);
}

TEST(Params, ImpossibleValueIsLoadBadValueAtTheValue) {
  const auto r = load_with_params("office = \"教务处\"\nintake_start = \"02-30\"\ngrace = \"P1X\"\n");
  EXPECT_EQ(wheres(r), (std::vector<std::string>{"school.toml:2:16 load_bad_value", "school.toml:3:9 load_bad_value"}))
      << dump(r.diagnostics);
}

TEST(Params, SyntaxErrorIsLoadTomlSyntaxInTheParamsFile) {
  const auto r = load_with_params("intake_start = \"09-02\"\nintake_end = \n");
  ASSERT_EQ(r.diagnostics.size(), 1u) << dump(r.diagnostics);
  EXPECT_EQ(r.diagnostics[0].code, "load_toml_syntax");
  EXPECT_EQ(r.diagnostics[0].span.file, "school.toml");
  EXPECT_EQ(r.diagnostics[0].span.begin.line, 2u);
}

TEST(Params, EveryDiagnosticOfAParamsFileIsInChinese) {
  for (const char* text : {"intake_start = \"09-02\"\n  intkae_end = \"09-20\"\n", "[intake_start]\nvalue = \"09-02\"\n",
                           "intake_start = 901\nmax_credits = true\n", "office = \"教务处\"\nintake_start = \"02-30\"\ngrace = \"P1X\"\n",
                           "intake_start = \"09-02\"\nintake_end = \n", "opening_day = 2025-02-30\n", "strict = \"maybe\"\n",
                           "reg_period = \"[2025-09-30 .. 2025-09-01]\"\n", "office_opens = \"25:00\"\n"}) {
    const auto r = load_with_params(text);
    EXPECT_FALSE(r.diagnostics.empty()) << text;
    expect_chinese(r.diagnostics, text);
  }
}

TEST(Params, WrongTomlTypeNamesTheParameterAndTheTypeInBothLanguages) {
  const auto r = load_with_params("intake_start = 901\n");
  ASSERT_EQ(wheres(r), std::vector<std::string>{"school.toml:1:16 load_wrong_type"}) << dump(r.diagnostics);
  EXPECT_EQ(r.diagnostics[0].message, "parameter intake_start: expected a month and day MM-DD, found an integer 901");
  EXPECT_EQ(r.diagnostics[0].message_zh, "参数 intake_start（入学开始）应为月日 MM-DD，如 \"09-01\"，而这里是整数 901");
}

TEST(Params, ImpossibleMonthDaySaysWhyInChinese) {
  const auto r = load_with_params("intake_start = \"04-31\"\n");
  ASSERT_EQ(wheres(r), std::vector<std::string>{"school.toml:1:16 load_bad_value"}) << dump(r.diagnostics);
  EXPECT_NE(r.diagnostics[0].message_zh.find("04-31 不是有效的月日：4月只有30天"), std::string::npos)
      << r.diagnostics[0].message_zh;
}

TEST(Params, February29IsRefusedForADayOfEveryYear) {
  // 02-29 is a valid MonthDay (the calendar places it in leap years), but a school's intake day
  // must exist every year.
  const auto r = load_with_params("intake_end = \"02-29\"\n");
  ASSERT_EQ(wheres(r), std::vector<std::string>{"school.toml:1:14 load_bad_value"}) << dump(r.diagnostics);
  EXPECT_EQ(r.diagnostics[0].message_zh,
            "参数 intake_end 是每年都要用的月日，而2月29日在平年不存在：请改用 02-28 或 03-01");
  EXPECT_EQ(r.diagnostics[0].message,
            "parameter intake_end is a day of every year, and 02-29 does not exist in common years: use 02-28 or 03-01");
  // 02-28 is fine.
  EXPECT_TRUE(load_with_params("intake_start = \"02-01\"\nintake_end = \"02-28\"\n").ok());
}

TEST(Params, AReversedPeriodIsReportedAtTheParamsValue) {
  // intake_end declares not_before = "intake_start" (tests/packs/good/parameters.toml).
  const auto end_early = load_with_params("# 本校\nintake_end = \"08-31\"\n");
  ASSERT_EQ(wheres(end_early), std::vector<std::string>{"school.toml:2:14 load_bad_value"}) << dump(end_early.diagnostics);
  EXPECT_EQ(end_early.diagnostics[0].message_zh,
            "参数 intake_end 为 08-31，早于 intake_start（入学开始）的 09-01：期间的结束不能早于开始"
            "（not_before = \"intake_start\"），请检查两者是否写反");
  // A start moved past the pack's end is reported at the start, the value the file set.
  const auto start_late = load_with_params("intake_start = \"10-01\"\n");
  EXPECT_EQ(wheres(start_late), std::vector<std::string>{"school.toml:1:16 load_bad_value"}) << dump(start_late.diagnostics);
  // Both set and reversed: reported once, at the end.
  const auto both = load_with_params("intake_start = \"09-20\"\nintake_end = \"09-10\"\n");
  EXPECT_EQ(wheres(both), std::vector<std::string>{"school.toml:2:14 load_bad_value"}) << dump(both.diagnostics);
  // Month-days compare within one year; the same day is a one-day period.
  EXPECT_TRUE(load_with_params("intake_start = \"09-05\"\nintake_end = \"09-05\"\n").ok());
  EXPECT_TRUE(load_with_params("intake_start = \"01-05\"\nintake_end = \"12-31\"\n").ok());
}

TEST(Params, TheCnPackPeriodsAreDeclaredAndChecked) {
  std::vector<Diagnostic> io;
  const auto files = read_pack_files(std::string(POLICY_SOURCE_DIR) + "/policy/cn-higher-ed", io);
  ASSERT_TRUE(io.empty()) << dump(io);
  const auto school = [&](const std::string& text) { return load_pack(files, SourceFile{"school.toml", text}); };
  EXPECT_TRUE(school("registrar_office = \"学籍管理中心\"\n").ok());
  const auto intake = school("intake_start = \"09-15\"\nintake_end = \"09-01\"\n");
  EXPECT_EQ(wheres(intake), std::vector<std::string>{"school.toml:2:14 load_bad_value"}) << dump(intake.diagnostics);
  const auto reg = school("registration_end = \"08-31\"\n");
  EXPECT_EQ(wheres(reg), std::vector<std::string>{"school.toml:1:20 load_bad_value"}) << dump(reg.diagnostics);
  expect_chinese(reg.diagnostics, "registration_end");
  // The handbook school's parameters load.
  std::ifstream in(std::string(POLICY_SOURCE_DIR) + "/examples/params/handbook-school.toml", std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  const auto handbook = load_pack(files, SourceFile{"handbook-school.toml", text.str()});
  EXPECT_TRUE(handbook.ok()) << dump(handbook.diagnostics);
}

TEST(Params, GoodOverridesChangeTheValues) {
  const auto defaults = load_with_params("");
  ASSERT_TRUE(defaults.ok()) << dump(defaults.diagnostics);
  EXPECT_EQ(param(defaults, "intake_start").text, "09-01");
  EXPECT_EQ(param(defaults, "max_credits").value.integer, 30);

  const auto r = load_with_params(
      "intake_start = \"09-05\"\nmax_credits = 40\nstrict = false\noffice = \"学生处\"\nopening_day = 2025-09-02\n"
      "grace = \"P2W\"\nreg_period = \"[2025-09-01 .. 2025-09-30]\"\noffice_opens = 09:00:00\n");
  ASSERT_TRUE(r.ok()) << dump(r.diagnostics);
  const auto& start = param(r, "intake_start");
  EXPECT_EQ(start.text, "09-05");
  EXPECT_EQ(start.value.month_day.month, 9);
  EXPECT_EQ(start.value.month_day.day, 5);
  EXPECT_EQ(param(r, "max_credits").value.integer, 40);
  EXPECT_FALSE(param(r, "strict").value.boolean);
  EXPECT_EQ(param(r, "office").text, "学生处");
  EXPECT_EQ(param(r, "opening_day").text, "2025-09-02");
  EXPECT_EQ(param(r, "grace").text, "P2W");
  EXPECT_EQ(param(r, "reg_period").text, "[2025-09-01 .. 2025-09-30]");
  EXPECT_EQ(param(r, "office_opens").text, "09:00");
  // The unchanged ones keep their defaults.
  EXPECT_EQ(param(r, "intake_end").text, "--09-30");
}

TEST(Params, StringValuesPointIntoTheParameterStorage) {
  // Parameter::value of a string parameter must view Parameter::text, which owns it: the view must
  // not point into a string the loader has moved from or destroyed (checked without reading it).
  const auto defaults = load_with_params("");
  ASSERT_TRUE(defaults.ok()) << dump(defaults.diagnostics);
  const auto& d = param(defaults, "office");
  EXPECT_EQ(static_cast<const void*>(d.value.str().data()), static_cast<const void*>(d.text.data()));
  EXPECT_EQ(d.value.str().size(), d.text.size());
  const auto r = load_with_params("office = \"学生处\"\n");
  ASSERT_TRUE(r.ok()) << dump(r.diagnostics);
  const auto& o = param(r, "office");
  EXPECT_EQ(static_cast<const void*>(o.value.str().data()), static_cast<const void*>(o.text.data()));
  EXPECT_EQ(o.value.str().size(), o.text.size());
}

// ---- situations ------------------------------------------------------------------------------

class Situations : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<Diagnostic> io;
    const auto files = read_pack_files(kPacks + "/good/situation.toml", io);
    ASSERT_TRUE(io.empty()) << dump(io);
    auto r = load_pack(files);
    ASSERT_TRUE(r.ok()) << dump(r.diagnostics);
    pack_ = std::move(r.pack);
  }

  /// Reads `text` as file `path`; returns the diagnostics as "file:line:col code".
  std::vector<std::string> read(const std::string& path, const std::string& text, bool expect_ok) {
    situation_.reset(pack_->policy.facts.size());
    diags_.clear();
    const bool ok = read_situation(*pack_, {path, text}, situation_, diags_);
    EXPECT_EQ(ok, expect_ok) << dump(diags_);
    EXPECT_EQ(ok, diags_.empty()) << dump(diags_);
    std::vector<std::string> out;
    for (const auto& d : diags_) out.push_back(where(d));
    return out;
  }

  std::vector<std::string> set(const std::string& assignment, bool expect_ok) {
    diags_.clear();
    const bool ok = set_fact(*pack_, assignment, situation_, diags_);
    EXPECT_EQ(ok, expect_ok) << dump(diags_);
    std::vector<std::string> out;
    for (const auto& d : diags_) out.push_back(where(d));
    return out;
  }

  const model::Value& fact(const std::string& name) { return situation_.facts()[*pack_->find_fact(name)]; }

  std::unique_ptr<CompiledPack> pack_;
  model::Situation situation_;
  std::vector<Diagnostic> diags_;
};

using Ws = std::vector<std::string>;

TEST_F(Situations, GoodTomlAndJsonSetTheFacts) {
  EXPECT_EQ(read("s.toml", "discharge_date = 2025-06-15\nenlisted_as = \"在校生\"\ncredits = 12\n", true), Ws{});
  EXPECT_TRUE(fact("discharge_date").known());
  EXPECT_EQ(fact("enlisted_as").enum_index, 1u);
  EXPECT_EQ(fact("credits").integer, 12);
  EXPECT_FALSE(fact("note").known());

  EXPECT_EQ(read("s.json", R"({"facts": {"discharge_date": "2025-06-15", "veteran": true, "note": "备注"}})", true), Ws{});
  EXPECT_TRUE(fact("veteran").boolean);
  EXPECT_EQ(fact("note").str(), "备注");
}

TEST_F(Situations, TomlUnknownFactIsReportedAtItsKey) {
  EXPECT_EQ(read("s.toml", "discharge_date = 2025-06-15\n  discharge_dat = 2025-06-15\n", false),
            Ws{"s.toml:2:3 situation_unknown_fact"});
  EXPECT_EQ(read("s.toml", "[facts]\nnote = \"退役\"\n\"退役日其\" = 2025-06-15\n", false),
            Ws{"s.toml:3:1 situation_unknown_fact"});
}

TEST_F(Situations, TomlBadValues) {
  // An impossible date, and a table where a plain value belongs.
  EXPECT_EQ(read("s.toml", "credits = 3\ndischarge_date = \"2023-02-29\"\n", false),
            Ws{"s.toml:2:1 situation_bad_value"});
  EXPECT_EQ(read("s.toml", "enlisted_as = \"老生\"\n", false), Ws{"s.toml:1:1 situation_bad_value"});
  EXPECT_EQ(read("s.toml", "credits = { n = 3 }\n", false), Ws{"s.toml:1:11 situation_bad_value"});
}

TEST_F(Situations, TomlSyntaxErrorIsSituationSyntaxWithItsPosition) {
  EXPECT_EQ(read("s.toml", "credits = 3\nnote = \"备注\" x\n", false), Ws{"s.toml:2:13 situation_syntax"});
}

TEST_F(Situations, JsonSyntaxErrorIsSituationSyntaxWithLineAndColumn) {
  // The unexpected '}' is at line 3, column 14.
  EXPECT_EQ(read("s.json", "{\n  \"credits\": 3,\n  \"veteran\": }\n", false), Ws{"s.json:3:14 situation_syntax"});
  // Columns count code points: the stray x follows Chinese text.
  EXPECT_EQ(read("s.json", "{\"note\": \"退役军人\" x}", false), Ws{"s.json:1:17 situation_syntax"});
  // JSON recognised by its first character whatever the file name.
  EXPECT_EQ(read("<stdin>", "  {\"credits\": 3,}", false), Ws{"<stdin>:1:17 situation_syntax"});
}

TEST_F(Situations, JsonSyntaxErrorAtAMultiByteCharacter) {
  EXPECT_EQ(read("s.json", "{\"credits\": 3,\n \"note\": 退役}", false), Ws{"s.json:2:10 situation_syntax"});
}

TEST_F(Situations, JsonTopLevelMustBeAnObject) {
  EXPECT_EQ(read("s.json", "[1, 2]", false), Ws{"s.json:1:1 situation_syntax"});
}

TEST_F(Situations, JsonUnknownFactAndBadValuesAreReportedAtTheirKeys) {
  EXPECT_EQ(read("s.json", "{\n  \"credits\": 3,\n  \"discharge_dat\": \"2025-06-15\"\n}", false),
            Ws{"s.json:3:3 situation_unknown_fact"});
  EXPECT_EQ(read("s.json", "{\"credits\": 3, \"discharge_date\": \"2023-02-29\"}", false),
            Ws{"s.json:1:16 situation_bad_value"});
  EXPECT_EQ(read("s.json", "{\n\"veteran\": [true]\n}", false), Ws{"s.json:2:1 situation_bad_value"});
}

TEST_F(Situations, JsonKeyIsFoundAsAKeyNotAsAnEarlierValue) {
  // "discharge_dat" first occurs as the value of note; the unknown fact is the key on line 3.
  EXPECT_EQ(read("s.json", "{\n  \"note\": \"discharge_dat\",\n  \"discharge_dat\": \"2025-06-15\"\n}", false),
            Ws{"s.json:3:3 situation_unknown_fact"});
}

TEST_F(Situations, JsonNullAndEmptySetMakeAFactUnknown) {
  EXPECT_EQ(read("s.json", R"({"credits": 3, "discharge_date": null})", true), Ws{});
  EXPECT_TRUE(fact("credits").known());
  EXPECT_FALSE(fact("discharge_date").known());

  EXPECT_EQ(set("credits=", true), Ws{});
  EXPECT_FALSE(fact("credits").known());
}

TEST_F(Situations, SetFact) {
  situation_.reset(pack_->policy.facts.size());
  EXPECT_EQ(set("discharge_date=2025-06-15", true), Ws{});
  EXPECT_TRUE(fact("discharge_date").known());
  EXPECT_EQ(set("enlisted_as=新生", true), Ws{});
  EXPECT_EQ(fact("enlisted_as").enum_index, 0u);
  // Value names in any ASCII letter case, as a roster cell reads them; labels exactly.
  EXPECT_EQ(set("enlisted_as=Enrolled_Student", true), Ws{});
  EXPECT_EQ(fact("enlisted_as").enum_index, 1u);
  EXPECT_EQ(set("enlisted_as=NEW_STUDENT", true), Ws{});
  EXPECT_EQ(fact("enlisted_as").enum_index, 0u);
  EXPECT_EQ(set("enlisted_as=New_Students", false), Ws{"--set enlisted_as=New_Students:0:0 situation_bad_value"});
  // Diagnostics about --set name the option as their file, with no line.
  EXPECT_EQ(set("discharge_date", false), Ws{"--set discharge_date:0:0 situation_syntax"});
  EXPECT_EQ(set("discharge_dat=2025-06-15", false), Ws{"--set discharge_dat=2025-06-15:0:0 situation_unknown_fact"});
  EXPECT_EQ(set("discharge_date=2023-02-29", false), Ws{"--set discharge_date=2023-02-29:0:0 situation_bad_value"});
  EXPECT_EQ(set("nothing=", false), Ws{"--set nothing=:0:0 situation_unknown_fact"});
  // The earlier good value survives the failed assignments; an empty value clears it.
  EXPECT_TRUE(fact("discharge_date").known());
  EXPECT_EQ(set("discharge_date=", true), Ws{});
  EXPECT_FALSE(fact("discharge_date").known());
}

// ---- issue 11: every spelling batch accepts, in situations and --set --------------------------

TEST_F(Situations, KeysByNameInAnyCaseLabelOrCsvHeader) {
  EXPECT_EQ(read("s.toml", "\"退役日期\" = \"2024年2月29日\"\n\"入伍前身份\" = \"在读\"\nCredits = 3\n", true), Ws{});
  EXPECT_EQ(fact("discharge_date").date, *calendar::make_date(2024, 2, 29));
  EXPECT_EQ(fact("enlisted_as").enum_index, 1u);
  EXPECT_EQ(fact("credits").integer, 3);
  EXPECT_EQ(read("s.json", R"({"Discharge_Date": "2024/2/29", "退役军人": "√", "备注": "外号\"小明\""})", true), Ws{});
  EXPECT_EQ(fact("discharge_date").date, *calendar::make_date(2024, 2, 29));
  EXPECT_TRUE(fact("veteran").boolean);
  EXPECT_EQ(fact("note").str(), "外号\"小明\"");
  // JSON null by label.
  EXPECT_EQ(read("s.json", R"({"学分": 3, "退役日期": null})", true), Ws{});
  EXPECT_FALSE(fact("discharge_date").known());
  // One fact under two of its names is refused: the later would silently win.
  EXPECT_EQ(read("s.toml", "discharge_date = 2024-02-29\n\"退役日期\" = 2024-03-01\n", false),
            Ws{"s.toml:2:1 situation_syntax"});
  EXPECT_EQ(diags_[0].message, "fact discharge_date is given twice, as 'discharge_date' and as '退役日期'");
  EXPECT_EQ(diags_[0].message_zh, "事实 discharge_date（退役日期）给了两次：'discharge_date' 和 '退役日期'");
}

TEST_F(Situations, SetTakesEveryCellSpelling) {
  situation_.reset(pack_->policy.facts.size());
  const auto date = [&](std::string_view text) {
    EXPECT_EQ(set("退役日期=" + std::string(text), true), Ws{}) << text;
    return calendar::format_date(fact("discharge_date").date);
  };
  EXPECT_EQ(date("2024年2月29日"), "2024-02-29");
  EXPECT_EQ(date("2024/2/28"), "2024-02-28");
  EXPECT_EQ(date("20240227"), "2024-02-27");
  EXPECT_EQ(date("2024.2.26"), "2024-02-26");
  EXPECT_EQ(date("2024/2/25 0:00"), "2024-02-25");
  EXPECT_EQ(date("２０２４年２月２４日"), "2024-02-24");
  EXPECT_EQ(date("２０２４／２／２３"), "2024-02-23");
  EXPECT_EQ(date("\xE3\x80\x80" "2024-02-22 "), "2024-02-22");
  // Names in any ASCII case, labels and CSV headers as keys; enum labels and aliases; yes/no words.
  EXPECT_EQ(set("ENLISTED_AS=在读", true), Ws{});
  EXPECT_EQ(fact("enlisted_as").enum_index, 1u);
  EXPECT_EQ(set("入伍时身份=新生", true), Ws{});
  EXPECT_EQ(fact("enlisted_as").enum_index, 0u);
  EXPECT_EQ(set("入伍前身份=在校学生", true), Ws{});
  EXPECT_EQ(fact("enlisted_as").enum_index, 1u);
  for (const auto& [text, value] : std::vector<std::pair<std::string, bool>>{
           {"√", true}, {"×", false}, {"有", true}, {"无", false}, {"是", true}, {"否", false}, {"Yes", true}}) {
    EXPECT_EQ(set("退役军人=" + text, true), Ws{}) << text;
    EXPECT_EQ(fact("veteran").boolean, value) << text;
  }
  EXPECT_EQ(set("学分=12.0", true), Ws{});
  EXPECT_EQ(fact("credits").integer, 12);
  // An empty value by label clears the fact.
  EXPECT_EQ(set("退役日期=", true), Ws{});
  EXPECT_FALSE(fact("discharge_date").known());
}

TEST_F(Situations, FifteenDigitIdNumbersAreConvertedAndKept) {
  // 110101 900307 001 -> 110101 19900307 001 + check '1' (7*1+9*1+5*1+4*1 = 25 for 110101;
  // + 1*2 9*1 9*6 3*9 7*5 1*2 = 129 for the rest; 154 = 14*11 + 0 -> "10X98765432"[0] = '1').
  situation_.reset(pack_->policy.facts.size());
  EXPECT_EQ(set("身份证号码=110101900307001", true), Ws{});
  EXPECT_EQ(fact("id_number").str(), "110101199003070011");
  EXPECT_EQ(fact("id_number").kind, model::Kind::resident_id);
  // From a file, whose text is gone after reading: the situation keeps its own copy.
  EXPECT_EQ(read("s.json", R"({"证件号码": "'11010120000229123x"})", true), Ws{});
  const std::string copy(fact("id_number").str());
  EXPECT_EQ(copy, "11010120000229123X");
  EXPECT_EQ(read("s.json", R"({"id_number": "110101199003070012"})", false), Ws{"s.json:1:2 situation_bad_value"});
  EXPECT_EQ(diags_[0].message_zh,
            "事实 id_number（身份证号）：'110101********0012' 不是有效的居民身份证号码：校验码是 '2'，但按前17位算出的应为 "
            "'1'：可能有一位数字录错");
}

TEST_F(Situations, MessagesInChineseAndEnglish) {
  situation_.reset(pack_->policy.facts.size());
  EXPECT_EQ(set("退役日期=2023年2月29日", false), Ws{"--set 退役日期=2023年2月29日:0:0 situation_bad_value"});
  EXPECT_EQ(diags_[0].message, "fact discharge_date (退役日期): '2023年2月29日' is not a valid date: February 2023 has 28 days");
  EXPECT_EQ(diags_[0].message_zh, "事实 discharge_date（退役日期）：'2023年2月29日' 不是有效的日期：2023年2月只有28天");
  EXPECT_EQ(set("入伍时身份=老生", false), Ws{"--set 入伍时身份=老生:0:0 situation_bad_value"});
  EXPECT_EQ(diags_[0].message_zh, "事实 enlisted_as（入伍时身份）：'老生' 不是以下之一：新生、在校生");
  EXPECT_EQ(set("退役军人=对", false), Ws{"--set 退役军人=对:0:0 situation_bad_value"});
  EXPECT_EQ(diags_[0].message_zh,
            "事实 veteran（退役军人）：'对' 不是是或否（是/否、√/×、有/无、true/false、yes/no、Y/N 或 1/0）");
  EXPECT_EQ(set("退役日其=2024-02-29", false), Ws{"--set 退役日其=2024-02-29:0:0 situation_unknown_fact"});
  EXPECT_TRUE(diags_[0].message_zh.starts_with("'退役日其' 不是政策包 situation 的事实（可写事实的名称、标签或列名；事实有：退役日期；"))
      << diags_[0].message_zh;
  EXPECT_TRUE(diags_[0].message.starts_with("'退役日其' is not a fact of pack situation (a fact's name, label or CSV header; "
                                            "facts: discharge_date, "))
      << diags_[0].message;
  EXPECT_EQ(set("退役日期", false), Ws{"--set 退役日期:0:0 situation_syntax"});
  EXPECT_EQ(diags_[0].message_zh, "--set 的写法是 事实=值，如 --set 退役日期=2025-06-15（事实可写名称、标签或列名）");
  EXPECT_EQ(read("s.json", "[1]", false), Ws{"s.json:1:1 situation_syntax"});
  EXPECT_EQ(diags_[0].message_zh, "情形应是由“事实: 值”组成的对象");
}

TEST(EnumAliases, TheLoaderReadsThemAndRefusesAWordForTwoValues) {
  std::vector<Diagnostic> io;
  auto good = load_pack(read_pack_files(kPacks + "/good/situation.toml", io));
  ASSERT_TRUE(good.ok()) << dump(good.diagnostics);
  const auto& e = good.pack->policy.enums.at(0);
  EXPECT_EQ(e.values[1].aliases, (std::vector<std::string>{"在读", "在校学生"}));
  EXPECT_EQ(e.find_any_case("在读"), 1u);
  EXPECT_EQ(e.find("在读"), std::nullopt);  // expressions keep to names and labels
  auto bad = load_pack(read_pack_files(kPacks + "/bad/load_duplicate_name_enum_alias.toml", io));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.diagnostics.at(0).message,
            "enum enlisted_as: alias '在读' of enrolled_student already names new_student; a word may mean one value only");
  EXPECT_EQ(bad.diagnostics.at(0).message_zh,
            "枚举 enlisted_as：enrolled_student 的别名“在读”已用于 new_student；同一个词只能表示一个值");
}

// ---- compile_standalone (policy calc) ---------------------------------------------------------

class Standalone : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<Diagnostic> io;
    auto r = load_pack(read_pack_files(kParamsPack, io));
    ASSERT_TRUE(r.ok()) << dump(r.diagnostics);
    pack_ = std::move(r.pack);
  }
  std::vector<std::string> compile(const std::string& text, bool expect_ok) {
    std::vector<Diagnostic> diags;
    const auto e = compile_standalone(*pack_, text, "<expression>", diags);
    EXPECT_EQ(e.has_value(), expect_ok) << dump(diags);
    std::vector<std::string> out;
    for (const auto& d : diags) out.push_back(where(d));
    return out;
  }
  std::unique_ptr<CompiledPack> pack_;
};

TEST_F(Standalone, GoodExpressionHasNoDiagnostics) {
  EXPECT_EQ(compile("date(2026, intake_end) + grace", true), Ws{});
}

TEST_F(Standalone, DiagnosticsAreAtColumnsOfTheExpression) {
  EXPECT_EQ(compile("intake_start + P1D", false), Ws{"<expression>:1:1 type_mismatch"});
  EXPECT_EQ(compile("'退役' == '' and max_credits", false), Ws{"<expression>:1:16 type_mismatch"});
  EXPECT_EQ(compile("max_credits +", false), Ws{"<expression>:1:14 expr_syntax"});
  EXPECT_EQ(compile("2023-02-29", false), Ws{"<expression>:1:1 date_invalid"});
}

TEST_F(Standalone, FactsAndOutputsAreNotVisible) {
  EXPECT_EQ(compile("admission_date + grace", false), Ws{"<expression>:1:1 unknown_name"});
  EXPECT_EQ(compile("max_credits + count([credit_limit])", false), Ws{"<expression>:1:22 unknown_name"});
}

TEST_F(Standalone, DiagnosticsHaveChineseMessages) {
  for (const char* text : {"intake_start + P1D", "max_credits +", "2023-02-29", "admission_date + grace", "nope(1)",
                           "year(1, 2)", "'x", "a = b", "1 < 2 < 3", "99999999999999999999"}) {
    std::vector<Diagnostic> diags;
    EXPECT_FALSE(compile_standalone(*pack_, text, "<expression>", diags).has_value()) << text;
    EXPECT_FALSE(diags.empty()) << text;
    expect_chinese(diags, text);
  }
  std::vector<Diagnostic> diags;
  compile_standalone(*pack_, "admission_date", "<expression>", diags);
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].message_zh,
            "“admission_date”不是本包的事实、参数或输出（policy calc 只能使用政策包的参数和 as_of，不能使用事实）");
}

TEST_F(Standalone, AMultiLineExpressionReportsTheLineOfTheError) {
  EXPECT_EQ(compile("max_credits +\n  nope", false), Ws{"<expression>:2:3 unknown_name"});
}

// Issue 14, failure 1: an expression starting with a UTF-8 continuation byte read the position of
// the character before it, which does not exist (policy calc $'\x93' died with SIGSEGV).
TEST_F(Standalone, AnExpressionStartingWithAContinuationByteIsASyntaxError) {
  EXPECT_EQ(compile("\x93", false), Ws{"<expression>:1:1 expr_syntax"});
  EXPECT_EQ(compile("\x93\x93 + 1", false), Ws{"<expression>:1:1 expr_syntax"});
  EXPECT_EQ(compile("1 + \x93", false), Ws{"<expression>:1:5 expr_syntax"});
  EXPECT_EQ(compile("'退役' + \x93", false), Ws{"<expression>:1:8 expr_syntax"});  // 退 and 役 one column each
}

}  // namespace
}  // namespace rules::loader

// ---- regressions found by a new user's trial -----------------------------------------------------

namespace rules::loader {
namespace {

TEST_F(Situations, EveryDiagnosticHasAChineseMessage) {
  // The situation cases above, in Chinese (situation_reader.cpp writes these messages).
  const std::pair<const char*, const char*> files[] = {
      {"s.toml", "discharge_dat = 2025-06-15\n"},       {"s.toml", "discharge_date = \"2023-02-29\"\n"},
      {"s.toml", "enlisted_as = \"老生\"\n"},            {"s.toml", "credits = { n = 3 }\n"},
      {"s.toml", "note = \"备注\" x\n"},                 {"s.json", "{\n  \"veteran\": }\n"},
      {"s.json", "[1, 2]"},                               {"s.json", "{\"discharge_dat\": \"2025-06-15\"}"},
      {"s.json", "{\"veteran\": [true]}"},                {"s.json", R"({"credits": 1.5})"},
      {"s.json", "{\"credits\": 1,\n \"credits\": 2}"}};
  for (const auto& [path, text] : files) {
    situation_.reset(pack_->policy.facts.size());
    diags_.clear();
    EXPECT_FALSE(read_situation(*pack_, {path, text}, situation_, diags_)) << text;
    expect_chinese(diags_, text);
  }
  for (const char* assignment : {"discharge_date", "discharge_dat=2025-06-15", "discharge_date=2023-02-29",
                                 "enlisted_as=New_Students"}) {
    diags_.clear();
    EXPECT_FALSE(set_fact(*pack_, assignment, situation_, diags_)) << assignment;
    expect_chinese(diags_, assignment);
  }
}

TEST_F(Situations, JsonNumbersBeyondInt64AreRejectedNotWrapped) {
  EXPECT_EQ(read("s.json", R"({"credits": 18446744073709551615})", false), Ws{"s.json:1:2 situation_bad_value"});
  EXPECT_EQ(read("s.json", R"({"credits": 9223372036854775808})", false), Ws{"s.json:1:2 situation_bad_value"});
  EXPECT_EQ(read("s.json", R"({"credits": 1.5})", false), Ws{"s.json:1:2 situation_bad_value"});
  EXPECT_EQ(read("s.json", R"({"credits": 9223372036854775807})", true), Ws{});
  EXPECT_EQ(fact("credits").integer, INT64_MAX);
}

TEST_F(Situations, JsonFactGivenTwiceIsAnError) {
  EXPECT_EQ(read("s.json", "{\"discharge_date\": \"2025-09-30\",\n \"discharge_date\": \"2024-01-01\"}", false),
            Ws{"s.json:1:2 situation_syntax"});
}

TEST_F(Situations, DeeplyNestedJsonIsRefusedBeforeParsing) {
  const std::string deep = "{\"note\": " + std::string(60000, '[') + std::string(60000, ']') + "}";
  EXPECT_EQ(read("s.json", deep, false), Ws{"s.json:1:1 situation_syntax"});
}

// Issue 14, failure 3: the key of each reported value was searched for from the start of the
// text, so a document of many keys that are not facts took quadratic time (640 KB: 20 s). Keys
// are placed as the parser reads them: 40,000 unknown keys on one line (and in a "facts" object)
// each get a diagnostic at their own column, in well under a second.
TEST_F(Situations, ManyUnknownKeysAreEachReportedAtTheirPositionInLinearTime) {
  constexpr int kKeys = 40'000;
  for (const bool wrapped : {false, true}) {
    std::string text = wrapped ? "{\"facts\": {" : "{";
    std::vector<std::size_t> columns;
    for (int i = 0; i < kKeys; ++i) {
      if (i > 0) text += ", ";
      columns.push_back(text.size() + 1);
      text += "\"k" + std::to_string(i) + "\": 1";
    }
    text += wrapped ? "}}" : "}";
    const auto got = read("s.json", text, false);
    ASSERT_EQ(got.size(), static_cast<std::size_t>(kKeys));
    // Diagnostics come in key order (nlohmann's objects are sorted maps): check each against its key.
    std::size_t checked = 0;
    for (const auto& d : diags_) {
      EXPECT_EQ(d.code, "situation_unknown_fact");
      const auto open = d.message.find("'k");
      ASSERT_NE(open, std::string::npos) << d.message;
      const int i = std::stoi(d.message.substr(open + 2));
      EXPECT_EQ(d.span.begin.line, 1u);
      EXPECT_EQ(d.span.begin.column, columns[static_cast<std::size_t>(i)]) << d.message;
      ++checked;
    }
    EXPECT_EQ(checked, static_cast<std::size_t>(kKeys));
  }
  // A known fact among them is still read.
  EXPECT_EQ(read("s.json", "{\"x\": 1,\n \"credits\": \"x\"}", false),
            (Ws{"s.json:2:2 situation_bad_value", "s.json:1:2 situation_unknown_fact"}));
}

// A key with escaped quotes inside is placed at its own opening quote.
TEST_F(Situations, AKeyWithEscapedQuotesIsPlacedAtItsOpeningQuote) {
  EXPECT_EQ(read("s.json", "{\"credits\": 3,  \"a\\\"b\\\\\": 1}", false), Ws{"s.json:1:17 situation_unknown_fact"});
}

// Issue 14, failure 4: a number beyond a double's range escaped the reader as nlohmann's
// out_of_range exception ("internal error" in the CLI; a server calling the library would stop).
TEST_F(Situations, AJsonNumberBeyondADoubleIsASyntaxDiagnostic) {
  for (const char* text : {R"({"credits": 7e595})", R"({"x": -1e999, "credits": 1})", R"({"facts": {"note": 1E400}})"}) {
    const auto got = read("s.json", text, false);
    ASSERT_EQ(got.size(), 1u) << text;
    EXPECT_EQ(diags_[0].code, "situation_syntax");
    EXPECT_NE(diags_[0].message.find("number overflow"), std::string::npos) << diags_[0].message;
  }
}

// Found by fuzzing (issue 14): nlohmann's syntax message quotes what it last read, byte by byte:
// it stopped inside 达 (the message was not UTF-8) and could quote an ID number whole.
TEST_F(Situations, AJsonSyntaxMessageIsUtf8AndMasksIdNumbers) {
  for (const char* text : {"{\"a\": 0, \"b\": 2, 达到", "{\"id_number\": 110101199003078515x}",
                           "{\"note\": \"x\" 110101199003078515}"}) {
    const auto got = read("s.json", text, false);
    ASSERT_EQ(got.size(), 1u) << text;
    for (const auto& m : {diags_[0].message, diags_[0].message_zh}) {
      EXPECT_TRUE(source::valid_utf8(m)) << m;
      EXPECT_EQ(m.find("110101199003078515"), std::string::npos) << m;
    }
  }
  read("s.json", "{\"a\": 0, 达到", false);
  EXPECT_NE(diags_.at(0).message.find("last read: '0, \xEF\xBF\xBD'"), std::string::npos) << diags_[0].message;
}

TEST_F(Situations, SetTrimsTheNameAndABlankValueIsUnknown) {
  EXPECT_EQ(set(" discharge_date =2025-06-15", true), Ws{});
  EXPECT_TRUE(fact("discharge_date").known());
  EXPECT_EQ(set("discharge_date=  ", true), Ws{});
  EXPECT_FALSE(fact("discharge_date").known());
}

TEST(PackFiles, HiddenFilesInAPackDirectoryAreNotPartOfIt) {
  const auto dir = std::filesystem::temp_directory_path() / "policy-hidden-files-test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::filesystem::copy_file(kPacks + "/good/situation.toml", dir / "pack.toml");
  std::ofstream(dir / ".pack.toml.bak.toml") << "[policy]\nid = \"backup\"\n";
  std::ofstream(dir / "._pack.toml") << "\x00\x05";
  std::vector<Diagnostic> io;
  const auto files = read_pack_files(dir.string(), io);
  EXPECT_TRUE(io.empty());
  ASSERT_EQ(files.size(), 1u);
  EXPECT_TRUE(files[0].path.ends_with("pack.toml"));
  EXPECT_TRUE(load_pack(files).ok());
  std::filesystem::remove_all(dir);
}

TEST(FormatDiagnostic, ControlCharactersAreEscaped) {
  // A --set value or a file name quoted in a message must not drive the terminal or forge a
  // line: ESC, C1 controls and line breaks come out as visible escapes; notes keep their lines.
  source::Diagnostic d = source::diagnostic_at("situation_bad_value", "dir/a\x1b[2Jb.toml", {3, 7},
                                               "value 'x\x1b[31my\nerror[fake]: z\xC2\x9B' is not valid",
                                               "值 'x\x1b[31my\n错误[fake]: z\xC2\x9B' 无效");
  d.notes.push_back("see\rhere\t");
  // Both languages escape alike.
  EXPECT_EQ(source::format_diagnostic(d, source::Lang::zh),
            "dir/a\\x1b[2Jb.toml:3:7: 错误[situation_bad_value]: 值 'x\\x1b[31my\\n错误[fake]: z\\u009b' 无效\n    注：see\\rhere\\t");
  const std::string text = source::format_diagnostic(d, source::Lang::en);
  EXPECT_EQ(text, "dir/a\\x1b[2Jb.toml:3:7: error[situation_bad_value]: value 'x\\x1b[31my\\nerror[fake]: z\\u009b' "
                  "is not valid\n    note: see\\rhere\\t");
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1);
}

}  // namespace
}  // namespace rules::loader
