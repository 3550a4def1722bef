#pragma once
/// Remembering output values across evaluations of one pack (policy batch). An output's value
/// is a function of the facts, parameters and `as_of` it reads, directly or through the outputs
/// it reads: rows of a roster that agree on those inputs get the same value. A cohort shares a
/// handful of admission and certificate dates, so most rows repeat an earlier row's inputs.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "model/outcome.h"
#include "model/value.h"

namespace rules::loader {
struct CompiledPack;
}

namespace rules::engine {

/// Which outputs may be remembered, grouped by the facts they read. Built once per engine.
/// Outputs that read strings or ID numbers (values pointing into a row's text) are not
/// remembered; values of strings, text or lists (pointing into the row or the evaluation's
/// arena) are remembered only while unknown (Memo::keep).
struct MemoPlan {
  static constexpr std::uint32_t kNone = UINT32_MAX;
  /// At most this many facts read by a group (more: its outputs are not remembered).
  static constexpr std::size_t kMaxKeySlots = 8;
  /// At most this many outputs in a group (a 64-bit set says which are remembered).
  static constexpr std::size_t kMaxGroupOutputs = 64;

  /// Outputs reading exactly the same facts.
  struct Group {
    std::vector<std::uint32_t> key_slots;  ///< environment slots (= indices) of the facts read, ascending
    std::vector<model::Kind> key_kinds;    ///< their kinds
    std::vector<std::uint32_t> outputs;    ///< indices into CompiledPack::outputs
    std::uint32_t key_words = 0;           ///< words of a key (key()): one or two per fact, by kind
  };
  std::vector<Group> groups;
  /// The other inputs, the same for every row of a roster: the parameters and as_of. Every
  /// remembered value was computed with the values these slots had when the memo last started
  /// over; a change of any of them starts it over.
  std::vector<std::uint32_t> context_slots;
  std::vector<model::Kind> context_kinds;  ///< their kinds
  std::vector<std::uint32_t> group_of;  ///< per output: its group, or kNone when not remembered
  std::vector<std::uint32_t> position;  ///< per output: its index in its group's `outputs`

  /// The plan for `pack`; `inputs[output]` lists the environment slots of the facts,
  /// parameters and `as_of` that the output reads, transitively, ascending.
  static MemoPlan build(const loader::CompiledPack& pack, const std::vector<std::vector<std::uint32_t>>& inputs);

  /// The key of `group`'s inputs: the values of its facts in `facts` (an evaluation's
  /// environment, or a Situation's facts: fact f is at index f) as group.key_words words into
  /// `key`. False when some fact cannot be part of a key: an error, or unknown for another reason
  /// than being absent. Two rows with equal keys give the group's outputs equal values, as long
  /// as the parameters and as_of are the same.
  static bool key(const Group& group, std::span<const model::Value> facts, std::uint64_t* key);

  /// A key over the facts in `facts` (a group without outputs): for remembering by the facts an
  /// evaluation read (Outcome::output_reads). None when they are more than kMaxKeySlots, or one
  /// is a string or an ID number (a value pointing into a row).
  static std::optional<Group> key_for(const loader::CompiledPack& pack, const model::FactSet& facts);
};

/// Entries identified by keys of a fixed number of words (MemoPlan::key), in an open-addressing
/// table: at most `capacity` entries, numbered 0, 1, ... in the order they were added, all
/// storage reserved up front, so that adding never allocates. Used by Memo for values and by
/// policy batch for their written text.
class MemoIndex {
 public:
  static constexpr std::uint32_t kNoEntry = UINT32_MAX;

  MemoIndex(std::size_t key_words, std::size_t capacity);

  /// The result of find_or_add: the entry, and whether it was added by this call.
  struct Found {
    std::uint32_t entry = kNoEntry;
    bool added = false;
  };
  /// The entry with key `key` (key_words words): found, or added when there is room. kNoEntry
  /// when it is absent and the index is full, or when the index is off: it switches itself off
  /// once full when most lookups found nothing (inputs that rarely repeat, such as two dates
  /// varying independently), so that no more time goes into looking.
  Found find_or_add(const std::uint64_t* key);
  /// The entry with key `key`, or kNoEntry (also when off); adds nothing, but counts as a
  /// lookup for switching off.
  std::uint32_t find(const std::uint64_t* key);
  /// Forgets every entry (and turns the index on again).
  void clear();
  bool off() const { return off_; }
  std::uint32_t count() const { return count_; }

 private:
  void grow();

  std::uint32_t key_words_;
  std::size_t capacity_;
  std::vector<std::uint64_t> keys_;   // entry-major
  std::vector<std::uint32_t> index_;  // entry + 1, 0 empty
  std::size_t mask_ = 0;              // of the part of `index_` in use (grows with count_)
  std::uint32_t count_ = 0;
  std::uint64_t lookups_ = 0, found_ = 0;
  bool off_ = false;
};

/// Output values remembered by their inputs, for one thread: pass it in EvalOptions::memo to
/// every evaluation of the engine it was made for. Not thread-safe; one per worker thread.
/// Values are remembered only when they do not point into an evaluation's storage: known values
/// of the scalar kinds (bool, integer, date, instant, period, time, month_day, window, enum) and
/// unknown values (with the facts they wait for); errors are computed again each time.
/// Memory is bounded: each group remembers at most `entries_per_group` input combinations and
/// then stops adding (the first ones seen stay: a roster's cohorts appear early and repeat).
class Memo {
 public:
  /// Default bound per group: 4096 combinations of inputs (a few hundred KiB per group).
  static constexpr std::size_t kDefaultEntries = 4096;

  /// A memo following `plan` (Engine::memo_plan()).
  explicit Memo(const MemoPlan& plan, std::size_t entries_per_group = kDefaultEntries);

  /// The plan this memo follows (the engine checks it is its own).
  const MemoPlan& plan() const { return *plan_; }

  /// Since construction: outputs of remembered groups taken from the memo, and outputs of
  /// remembered groups not found in it (computed, then kept when they can be).
  std::uint64_t hits() const { return hits_; }
  std::uint64_t misses() const { return misses_; }

  // For Engine::evaluate.

  /// Starts an evaluation with environment `env`: the inputs of each group are looked up again
  /// on first use. `default_context`: the parameters are the engine's own (no per-evaluation
  /// override), so that only as_of needs comparing with the previous evaluation's.
  void begin(std::span<const model::Value> env, bool default_context);
  /// The remembered value of `output` for the inputs in `env` (the evaluation's environment), or
  /// null; `source` receives the rule version that produced it.
  const model::Value* find(std::uint32_t output, std::span<const model::Value> env, model::OutputSource& source);
  /// Keeps `value` (computed for the inputs last looked up by find() for `output`) when it can
  /// be remembered.
  void keep(std::uint32_t output, const model::Value& value, const model::OutputSource& source);

 private:
  static constexpr std::uint32_t kNoEntry = MemoIndex::kNoEntry;
  struct Table {
    Table(std::size_t key_words, std::size_t capacity) : index(key_words, capacity) {}
    MemoIndex index;
    std::uint32_t width = 0;                    // outputs in the group
    std::vector<model::Value> values;           // entry-major, `width` each
    std::vector<model::OutputSource> sources;   // likewise
    std::vector<std::uint64_t> present;         // per entry: which outputs are remembered
    std::uint64_t generation = 0;               // evaluation in which `current` was found
    std::uint32_t current = kNoEntry;           // the entry of this evaluation's inputs
  };
  std::uint32_t resolve(Table& t, const MemoPlan::Group& g, std::span<const model::Value> env);
  void clear();

  const MemoPlan* plan_;
  std::size_t capacity_;
  std::vector<Table> tables_;
  std::uint64_t generation_ = 0;
  std::vector<std::uint64_t> context_;  // key words of the context slots the values hold for
  std::vector<std::uint64_t> scratch_;  // the same for the evaluation starting
  bool default_context_ = false;        // context_ holds the engine's own parameters
  bool started_ = false;                // context_ is set
  std::uint64_t hits_ = 0;
  std::uint64_t misses_ = 0;
};

}  // namespace rules::engine
