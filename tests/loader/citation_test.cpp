// Citation notes: the words printed for a citation's verification state, as the pack writes them
// (`note` in [[rules.citations]]) or by level (Citation::printable_note). The diagnostics of a
// wrong note (wrong type, empty, a misspelt field) are bad packs under tests/packs/bad.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "loader/load.h"
#include "model/policy.h"

namespace rules::loader {
namespace {

using model::Citation;
using model::Verification;

Citation at_level(Verification v, std::string note = {}) {
  Citation c;
  c.document = "文件";
  c.article = "第一条";
  c.summary = "Summary.";
  c.verification = v;
  c.note = std::move(note);
  return c;
}

TEST(CitationNote, DefaultWordsByLevel) {
  EXPECT_EQ(at_level(Verification::A).printable_note(), "");
  EXPECT_EQ(at_level(Verification::B).printable_note(), "");
  EXPECT_EQ(at_level(Verification::unspecified).printable_note(), "");
  EXPECT_EQ(at_level(Verification::C).printable_note(), "原文待核实");
  EXPECT_EQ(at_level(Verification::D).printable_note(), "出处待核实");
}

TEST(CitationNote, ThePacksNoteReplacesTheDefaultOnAnyLevel) {
  for (const auto v : {Verification::A, Verification::B, Verification::C, Verification::D, Verification::unspecified}) {
    EXPECT_EQ(at_level(v, "条文序号待核实").printable_note(), "条文序号待核实") << model::verification_name(v);
  }
  // The note is words for people; whether a citation is unverified stays the level's business.
  EXPECT_FALSE(at_level(Verification::A, "条文序号待核实").unverified());
  EXPECT_TRUE(at_level(Verification::C, "另见手册").unverified());
}

TEST(CitationNote, TheLoaderReadsNotesAndLeavesAbsentOnesEmpty) {
  std::vector<source::Diagnostic> io;
  const auto files = read_pack_files(std::string(POLICY_TEST_PACKS_DIR) + "/good/citation_notes.toml", io);
  ASSERT_TRUE(io.empty());
  const auto r = load_pack(files);
  ASSERT_TRUE(r.ok()) << (r.diagnostics.empty() ? "" : r.diagnostics[0].message);
  const auto& rules = r.pack->policy.rules;
  ASSERT_EQ(rules.size(), 4u);
  struct Want {
    std::string rule, document, note, printable;
  };
  const std::vector<Want> want = {
      {"first", "文件甲", "", ""},          {"first", "文件乙", "", "原文待核实"},
      {"hidden", "文件戊", "", "出处待核实"}, {"second", "文件乙", "", "原文待核实"},
      {"second", "文件丙", "条文序号待核实", "条文序号待核实"},
      {"third", "文件丁", "", "出处待核实"},  {"third", "文件甲", "", "原文待核实"},
  };
  std::vector<Want> got;
  for (const auto& rule : rules) {
    for (const auto& c : rule.citations) got.push_back({rule.id, c.document, c.note, std::string(c.printable_note())});
  }
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE(want[i].rule + " " + want[i].document);
    EXPECT_EQ(got[i].rule, want[i].rule);
    EXPECT_EQ(got[i].document, want[i].document);
    EXPECT_EQ(got[i].note, want[i].note);
    EXPECT_EQ(got[i].printable, want[i].printable);
  }
}

}  // namespace
}  // namespace rules::loader
