#pragma once
/// The plain data of a loaded policy pack: header, enums, parameters, facts, rules with their
/// outputs and citations, the questions people ask, and the pack's test cases. Expressions are kept as source text with
/// their position; the compiled forms live in expr::Program (see engine/).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <span>
#include <vector>

#include "calendar/date.h"
#include "calendar/instant.h"
#include "model/type.h"
#include "model/value.h"
#include "source/diagnostic.h"

namespace rules::model {

/// How date arithmetic is to be read. Only one convention exists so far, and a pack must
/// name it: nothing about dates is implicit.
enum class DateConvention {
  prc_civil_code,  ///< 民法典 Arts. 200-204: month-end rule of Art. 202, 24:00 cut-off of Art. 203
};

/// The pack's header (`[policy]`).
struct PolicyHeader {
  std::string id;
  std::string title;
  std::string version;
  std::string timezone;                 ///< IANA name, e.g. Asia/Shanghai
  /// The time zone's name for people (`timezone_label`, e.g. 北京时间), printed beside deadlines
  /// and instants; empty: the IANA name is printed.
  std::string timezone_label;
  /// `language` as written (BCP 47, e.g. zh-CN); empty when the pack does not say.
  std::string language;
  /// The language people's text follows unless `--lang` says otherwise: from `language`, Chinese
  /// when the pack does not say.
  source::Lang lang = source::Lang::zh;
  DateConvention date_convention = DateConvention::prc_civil_code;
  source::Span span;
};

/// One named value of an enum, with its display label (新生 for new_student).
struct EnumValue {
  std::string name;
  std::string label;
  /// Other words people write for this value (`aliases = [...]` in the pack): 在读 and 在校学生
  /// for enrolled_student. Read from roster cells, --set and situation files
  /// (EnumDef::find_any_case), never from expressions; the loader refuses an alias that names
  /// another value (or this one) already.
  std::vector<std::string> aliases = {};
  friend bool operator==(const EnumValue&, const EnumValue&) = default;
};

/// Whether `a` and `b` are equal ignoring the case of ASCII letters (other bytes, such as
/// Chinese characters, must match exactly): `TRUE`, `Discharge_Date`, `Enrolled_Student`.
bool equals_ascii_ci(std::string_view a, std::string_view b);

/// An enumeration type. Declared inline by the fact, parameter or output that uses it; its
/// name is that item's name.
struct EnumDef {
  std::string name;
  std::vector<EnumValue> values;
  /// Index of the value called `name_or_label` (by value name, or by label), if any. Exact: the
  /// checker reads enum literals of expressions with it.
  std::optional<std::uint32_t> find(std::string_view name_or_label) const;
  /// Index of the value a person means by `text`: as `find`, else a value name in any ASCII
  /// letter case (Enrolled_Student, as typed in Excel or on a command line; names are snake_case,
  /// so this is never ambiguous), else an alias (ASCII letters in any case, other characters
  /// exactly: 在读). Labels match exactly. Does not allocate. What roster cells, situations and
  /// --set accept (model::parse_value, batch::parse_cell).
  std::optional<std::uint32_t> find_any_case(std::string_view text) const;
};

/// A school-adjustable value (`[parameters.NAME]`), such as the intake period.
struct Parameter {
  std::string name;
  Type type;
  std::string label;
  std::string description;
  Value value;          ///< the default, or the school's override from --params
  std::string text;     ///< the value as written; a string value views this text
  source::Span span;
  /// Where `value` was written: the pack's `value`, or the school's --params line that set it
  /// (for messages about the value a school gave).
  source::Span value_span = {};
};

/// An input of a situation (`[facts.NAME]`).
struct Fact {
  std::string name;
  Type type;
  std::string label;                     ///< e.g. 退役日期
  std::string description;               ///< a note for rule authors (English in the CN pack)
  /// The text shown to people beside the input (`help`), in the pack's language: what to enter
  /// and where to find it (退役证上的退役日期); empty when the pack gives none.
  std::string help;
  std::vector<std::string> csv_headers;  ///< column headers that may carry it
  source::Span span;
};

/// Whether `text` names fact `f` as a person or a roster header would: its name in any ASCII letter
/// case (Discharge_Date), its label (退役日期) or one of its CSV headers (退伍日期), the last two
/// exactly. What roster headers, `--set` and situation files accept: one place for all three.
bool names_fact(const Fact& f, std::string_view text);

/// Index of the first fact of `facts` that `text` names (`names_fact`), preferring an exact
/// fact name; nullopt when none does. The loader refuses a CSV header claimed by two facts, so a
/// label or header names one fact.
std::optional<std::uint32_t> find_fact_named(std::span<const Fact> facts, std::string_view text);

/// How well a citation's text was verified (see shared reference levels A-D).
enum class Verification { A, B, C, D, unspecified };

/// The letter of a verification level ("A".."D", or "" when unspecified).
std::string_view verification_name(Verification v);

/// Where a rule comes from: a document and article, our summary, optionally the quoted text.
/// Levels below B are shown to users in printable words (printable_note).
struct Citation {
  std::string document;   ///< e.g. 普通高等学校学生管理规定（教育部令第41号）
  std::string article;    ///< e.g. 第二十七条
  std::string summary;
  std::string quote;      ///< optional exact text
  Verification verification = Verification::unspecified;
  /// The pack's own words for how far the citation was verified (`note`, e.g. 条文序号待核实);
  /// empty when the pack gives none (the loader refuses an empty note).
  std::string note;
  /// Whether users must be told the citation is unverified (level C or D).
  bool unverified() const { return verification == Verification::C || verification == Verification::D; }
  /// The words printed with the citation for a registrar: the pack's `note` when it has one,
  /// else by level: C "原文待核实", D "出处待核实", A, B and unspecified none (empty). The one
  /// place these defaults live; text and JSON output both use it.
  std::string_view printable_note() const;
};

/// An expression as written in the pack, with where it starts in its file.
struct ExprSource {
  std::string text;
  source::Span span;  ///< span of the TOML string value
  /// Maps byte offset i of `text` to its file position (handles escapes and multi-line strings).
  std::vector<source::Position> positions;
};

/// How an output is presented.
enum class OutputForm {
  value,     ///< as its type says
  deadline,  ///< a date that is the last day of a period; cut-off 24:00 of it (Civil Code Art. 203)
};

/// Who must act by a deadline (`party = "person"` or `"school"` on a deadline output; 办理方).
/// The default, person, is the student or applicant the situation is about: the deadline is theirs
/// to meet, so a roster's worklist (需处理) tracks it and a past one is overdue. A school's deadline
/// (a registration the school completes, 学籍注册通常完成于) tells the person when to expect
/// something; its passing asks nothing of them, so it never makes a roster row overdue.
enum class Party {
  person,  ///< the person the situation is about (学生本人)
  school,  ///< the school (学校)
};

/// A named result of a rule.
struct Output {
  std::string name;
  Type type;
  OutputForm form = OutputForm::value;
  std::string label;
  std::string description;
  ExprSource expr;
  /// Deadlines only: a bool expression; when true, a last day that is a statutory rest day moves
  /// to the first working day after it (Civil Code Art. 203).
  std::optional<ExprSource> rollover;
  /// Deadlines only: who must act by it (see Party).
  Party party = Party::person;
  source::Span span;
};

/// The period in which a rule version is in force, inclusive; open ends are nullopt.
struct InForce {
  std::optional<calendar::Date> from;
  std::optional<calendar::Date> until;
  /// Where `from` and `until` were written (their TOML values; no position when absent), for
  /// pointing a pack author at a version boundary no test case reaches (`policy test --coverage`).
  source::Span from_span = {};
  source::Span until_span = {};
  bool contains(calendar::Date d) const { return (!from || *from <= d) && (!until || d <= *until); }
};

/// A rule (`[[rules]]`): when it applies, what it computes, and where that comes from.
struct Rule {
  std::string id;
  std::string title;
  std::string description;
  std::optional<ExprSource> when;        ///< absent: always applies
  std::vector<Output> outputs;
  std::vector<Citation> citations;       ///< at least one (load error otherwise)
  std::optional<InForce> in_force;       ///< for versioned rules
  std::optional<ExprSource> version_date;///< the date of the situation that selects the version
  source::Span span;
};

/// A question people ask (`[[questions]]`), such as the handbook's 问题7, and the outputs that
/// answer it: what a page offers to pick before it asks for the facts those outputs wait for.
struct Question {
  std::string id;                    ///< snake_case, unique among the pack's questions
  std::string label;                 ///< the question as a person asks it, in the pack's language
  std::string source;                ///< where it comes from, e.g. 问题7 (the school's handbook)
  /// The names of the outputs that answer it, as written: at least one, each an output of the
  /// pack, none twice (the loader checks; CompiledPack::questions holds their indices).
  std::vector<std::string> outputs;
  /// Facts to ask first, in this order, while they are not given (`ask = [...]`): a rule that
  /// applies only once a fact is given (`when = "has(identity_change_date)"`) never waits for it,
  /// so its outputs alone would never ask for it. Each a fact of the pack, none twice.
  std::vector<std::string> ask = {};
  /// Facts the question itself decides (`given = { lookup_target = "xueji" }`): fact name and
  /// value text, read as a situation's value is (model::parse_value); the loader checks both.
  std::vector<std::pair<std::string, std::string>> given = {};
  source::Span span;                 ///< the question's table
};

/// A test case of the pack (`[[tests]]`): facts in, expected outputs.
struct TestCase {
  std::string name;
  std::optional<calendar::Date> as_of;
  std::vector<std::pair<std::string, std::string>> facts;    ///< fact name -> value text
  std::vector<std::pair<std::string, std::string>> params;   ///< parameter overrides for this case
  std::vector<std::pair<std::string, std::string>> expect;   ///< output name -> expected text ("null" for unknown)
  source::Span span;
};

/// A whole pack as loaded and checked.
struct Policy {
  PolicyHeader header;
  std::vector<EnumDef> enums;
  std::vector<Parameter> parameters;
  std::vector<Fact> facts;
  std::vector<Rule> rules;
  std::vector<Question> questions;  ///< in the order written (file, then position)
  std::vector<TestCase> tests;
  std::vector<std::string> files;  ///< the files it was read from
};

}  // namespace rules::model
