#include "model/value.h"

namespace rules::model {

std::vector<std::uint32_t> ordered_missing(const FactSet& missing, std::uint8_t first) {
  std::vector<std::uint32_t> facts;
  facts.reserve(missing.count());
  const bool lead = first < kMaxFacts && missing.test(first);
  if (lead) facts.push_back(first);
  for (std::uint32_t f = 0; f < kMaxFacts; ++f) {
    if (missing.test(f) && !(lead && f == first)) facts.push_back(f);
  }
  return facts;
}

std::vector<std::uint32_t> ordered_missing(const Value& v) {
  if (v.state != State::unknown) return {};
  return ordered_missing(v.missing, first_to_ask(v));
}

}  // namespace rules::model
