#pragma once
/// One student situation: a value (or unknown) for each fact of a pack, plus the storage for
/// its strings. Reusable: `reset` keeps capacity, so a batch does not allocate per row.

#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "model/policy.h"
#include "model/value.h"

namespace rules::model {

/// Fact values by fact index. An absent fact is State::unknown with itself as the missing fact,
/// so that whatever depends on it is unknown and says which fact it needs.
class Situation {
 public:
  /// A situation for `fact_count` facts, all absent.
  explicit Situation(std::size_t fact_count = 0) { reset(fact_count); }
  // String values point into `strings_`; a copy would point into the original, so only moves
  // (which keep the deque's elements in place) are allowed.
  Situation(Situation&&) = default;
  Situation& operator=(Situation&&) = default;
  Situation(const Situation&) = delete;
  Situation& operator=(const Situation&) = delete;

  /// Marks every fact absent again.
  void reset(std::size_t fact_count) {
    facts_.assign(fact_count, Value{});
    for (std::size_t i = 0; i < fact_count; ++i) facts_[i].set_absent_fact(i);
    strings_.clear();
  }

  /// Sets fact `index` to a known value. String contents (string, text and resident ID values)
  /// are copied into the situation.
  void set(std::size_t index, Value v) {
    if (v.known() && (v.kind == Kind::string || v.kind == Kind::text || v.kind == Kind::resident_id)) {
      strings_.emplace_back(v.str());
      v = Value::make_string(strings_.back(), v.kind);
    }
    facts_[index] = v;
  }

  /// Sets fact `index` to `v` without copying string contents: the caller keeps them alive while
  /// the situation is evaluated (the batch reader's record buffer). No allocation.
  void set_view(std::size_t index, Value v) { facts_[index] = v; }

  /// Marks fact `index` absent (unknown).
  void clear(std::size_t index) {
    facts_[index].set_absent_fact(index);
  }

  const std::vector<Value>& facts() const { return facts_; }

 private:
  std::vector<Value> facts_;
  std::deque<std::string> strings_;
};

}  // namespace rules::model
