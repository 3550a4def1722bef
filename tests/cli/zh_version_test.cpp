// policy --version: the program's version (CMake's project version), the built-in pack's id,
// version and title as its pack.toml says, and the source revision it was built from.
#include <regex>

#include <toml++/toml.h>

#include "harness.h"

#ifndef POLICY_PROJECT_VERSION
#error "POLICY_PROJECT_VERSION: CMake's project version"
#endif

namespace {

struct PackHeader {
  std::string id, version, title;
};

// The [policy] table of the built-in pack's source, read by toml++ rather than by the program.
PackHeader pack_header() {
  const auto table = toml::parse_file((builtin_pack_dir() / "pack.toml").string());
  const auto policy = table["policy"];
  return {policy["id"].value<std::string>().value_or(""), policy["version"].value<std::string>().value_or(""),
          policy["title"].value<std::string>().value_or("")};
}

// What the revision line should say for these sources: a git describe of a checkout, or unknown.
void expect_revision(const std::string& revision, const std::string& unknown, const Result& r) {
  if (fs::exists(source_dir() / ".git")) {
    // v0.1.0, v0.1.0-12-gabc1234, abc1234, each possibly -dirty.
    EXPECT_TRUE(std::regex_match(revision, std::regex(R"(([^ ]+-[0-9]+-g)?[0-9a-f]{7,40}(-dirty)?|v?[0-9][^ ]*)")))
        << revision << "\n" << r.describe();
  } else {
    EXPECT_EQ(revision, unknown) << r.describe();
  }
}

TEST(Version, NamesTheProgramTheBuiltInPackAndTheRevisionInChinese) {
  const auto pack = pack_header();
  ASSERT_EQ(pack.id, "cn-higher-ed");
  ASSERT_FALSE(pack.version.empty());
  const auto r = run({"--version"});
  ASSERT_EQ(r.code, 0) << r.describe();
  EXPECT_EQ(r.err, "") << r.describe();
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 3u) << r.describe();
  // The form help2man reads the version from (packaging/man_page.cmake).
  EXPECT_EQ(lines[0], "policy " POLICY_PROJECT_VERSION) << r.describe();
  EXPECT_EQ(lines[1], "内置政策包：" + pack.id + " " + pack.version + "（" + pack.title + "）") << r.describe();
  const std::string prefix = "源代码修订：";
  ASSERT_EQ(lines[2].rfind(prefix, 0), 0u) << r.describe();
  expect_revision(lines[2].substr(prefix.size()), "未知（不是从 git 检出的源代码构建的）", r);
}

TEST(Version, InEnglishWithLangEnOrPolicyLang) {
  const auto pack = pack_header();
  for (const auto& r : {run({"--version", "--lang", "en"}), run({"--version"}, {"", {{"POLICY_LANG", "en"}}})}) {
    ASSERT_EQ(r.code, 0) << r.describe();
    const auto lines = lines_of(r.out);
    ASSERT_EQ(lines.size(), 3u) << r.describe();
    EXPECT_EQ(lines[0], "policy " POLICY_PROJECT_VERSION) << r.describe();
    EXPECT_EQ(lines[1], "built-in pack: " + pack.id + " " + pack.version + " (" + pack.title + ")") << r.describe();
    const std::string prefix = "source revision: ";
    ASSERT_EQ(lines[2].rfind(prefix, 0), 0u) << r.describe();
    expect_revision(lines[2].substr(prefix.size()), "unknown (not built from a git checkout)", r);
  }
}

TEST(Version, IsListedInTheHelpAndNeedsNoSubcommand) {
  const auto help = run({"--help"});
  EXPECT_EQ(help.code, 0) << help.describe();
  EXPECT_TRUE(contains(help.out, "--version")) << help.describe();
  // Without a subcommand and without --version it is still a usage error, as before.
  const auto none = run({});
  EXPECT_EQ(none.code, 2) << none.describe();
}

}  // namespace
