#include "model/policy.h"

namespace rules::model {

bool equals_ascii_ci(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::optional<std::uint32_t> EnumDef::find(std::string_view name_or_label) const {
  for (std::uint32_t i = 0; i < values.size(); ++i) {
    if (values[i].name == name_or_label) return i;
  }
  for (std::uint32_t i = 0; i < values.size(); ++i) {
    if (!values[i].label.empty() && values[i].label == name_or_label) return i;
  }
  return std::nullopt;
}

std::optional<std::uint32_t> EnumDef::find_any_case(std::string_view text) const {
  if (const auto exact = find(text)) return exact;
  for (std::uint32_t i = 0; i < values.size(); ++i) {
    if (equals_ascii_ci(values[i].name, text)) return i;
  }
  for (std::uint32_t i = 0; i < values.size(); ++i) {
    for (const auto& alias : values[i].aliases) {
      if (equals_ascii_ci(alias, text)) return i;
    }
  }
  return std::nullopt;
}

bool names_fact(const Fact& f, std::string_view text) {
  if (equals_ascii_ci(f.name, text)) return true;
  if (!f.label.empty() && f.label == text) return true;
  for (const auto& h : f.csv_headers) {
    if (h == text) return true;
  }
  return false;
}

std::optional<std::uint32_t> find_fact_named(std::span<const Fact> facts, std::string_view text) {
  for (std::uint32_t i = 0; i < facts.size(); ++i) {
    if (facts[i].name == text) return i;
  }
  for (std::uint32_t i = 0; i < facts.size(); ++i) {
    if (names_fact(facts[i], text)) return i;
  }
  return std::nullopt;
}

std::string_view verification_name(Verification v) {
  switch (v) {
    case Verification::A: return "A";
    case Verification::B: return "B";
    case Verification::C: return "C";
    case Verification::D: return "D";
    case Verification::unspecified: return "";
  }
  return "";
}

std::string_view Citation::printable_note() const {
  if (!note.empty()) return note;
  switch (verification) {
    case Verification::C: return "原文待核实";  // a paraphrase, or the text without its number
    case Verification::D: return "出处待核实";  // no source found
    case Verification::A:
    case Verification::B:
    case Verification::unspecified: return {};
  }
  return {};
}

}  // namespace rules::model
