#include "model/policy.h"

namespace rules::model {

std::optional<std::uint32_t> EnumDef::find(std::string_view name_or_label) const {
  for (std::uint32_t i = 0; i < values.size(); ++i) {
    if (values[i].name == name_or_label) return i;
  }
  for (std::uint32_t i = 0; i < values.size(); ++i) {
    if (!values[i].label.empty() && values[i].label == name_or_label) return i;
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

}  // namespace rules::model
