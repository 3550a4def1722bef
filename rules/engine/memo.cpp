#include "engine/memo.h"

#include <algorithm>
#include <array>
#include <iterator>
#include <map>

#include "loader/pack.h"

namespace rules::engine {

using model::Kind;
using model::State;
using model::Value;

namespace {

/// The type of environment slot `slot`: a fact, a parameter or as_of (a date).
model::Type slot_type(const loader::CompiledPack& p, std::uint32_t slot) {
  if (slot < p.param_base) return p.policy.facts[slot].type;
  if (slot < p.output_base) return p.policy.parameters[slot - p.param_base].type;
  return model::Type::of(Kind::date);  // as_of
}

/// Words a value of kind `k` takes in a key: one for kinds that fit 32 bits, two for the others.
std::size_t words_for(Kind k) {
  switch (k) {
    case Kind::integer: case Kind::instant: case Kind::period: case Kind::window: return 2;
    default: return 1;
  }
}

/// The words_for(kind) words that identify `v` among the values of a slot of kind `kind`;
/// false when `v` cannot be a key (an error, or an unknown fact that is not simply absent).
/// `fact` is the slot's fact index, or -1 for a parameter or as_of.
bool key_words(const Value& v, Kind kind, std::int64_t fact, std::uint64_t* w) {
  const auto u32 = [](std::int64_t x) { return static_cast<std::uint64_t>(static_cast<std::uint32_t>(x)); };
  const std::uint64_t state = static_cast<std::uint64_t>(v.state) << 32;
  w[0] = state;
  if (words_for(kind) == 2) w[1] = 0;
  if (v.state == State::unknown) {
    // An absent fact waits for itself (Situation); any other unknown input is not a key.
    if (fact < 0 || !v.missing.test(static_cast<std::size_t>(fact))) return false;
    return model::FactSet(v.missing).reset(static_cast<std::size_t>(fact)).none();
  }
  if (v.state != State::known || v.kind != kind) return false;
  switch (kind) {
    case Kind::boolean: w[0] |= v.boolean ? 1 : 0; return true;
    case Kind::date: w[0] |= u32(v.date.days_since_epoch()); return true;
    case Kind::time_of_day: w[0] |= u32(v.time_of_day.seconds); return true;
    case Kind::month_day: w[0] |= v.month_day.month << 8 | v.month_day.day; return true;  // 1..12, 1..31
    case Kind::enumeration: w[0] |= v.enum_index; return true;  // the enum set is the slot's type
    case Kind::integer: w[1] = static_cast<std::uint64_t>(v.integer); return true;
    case Kind::instant:
      w[0] = u32(v.instant.offset_seconds);  // the offset is displayed: part of the value
      w[1] = static_cast<std::uint64_t>(v.instant.utc_seconds);
      return true;
    case Kind::period:
      w[0] = u32(v.period.days);
      w[1] = u32(v.period.years) | u32(v.period.months) << 32;
      return true;
    case Kind::window:
      w[1] = u32(v.window.start.days_since_epoch()) | u32(v.window.end.days_since_epoch()) << 32;
      return true;
    default: return false;
  }
}

std::uint64_t hash_words(const std::uint64_t* w, std::size_t n) {
  std::uint64_t h = 0x9E3779B97F4A7C15ull;
  for (std::size_t i = 0; i < n; ++i) {
    h ^= w[i];
    h *= 0xBF58476D1CE4E5B9ull;
    h ^= h >> 31;
  }
  return h;
}

/// Whether `v` can be remembered: it points into no evaluation's storage.
bool storable(const Value& v) { return v.state == State::unknown || (v.state == State::known && model::is_plain(v.kind)); }

}  // namespace

MemoPlan MemoPlan::build(const loader::CompiledPack& p, const std::vector<std::vector<std::uint32_t>>& inputs) {
  MemoPlan plan;
  plan.group_of.assign(p.outputs.size(), kNone);
  plan.position.assign(p.outputs.size(), 0);
  // Outputs reading the same facts share a group (one lookup per evaluation for all of them),
  // keyed by those facts. Parameters and as_of are the same for a whole roster: they are the
  // context, compared once per evaluation rather than once per group.
  for (std::uint32_t s = p.param_base; s < p.output_base; ++s) {
    if (model::is_plain(slot_type(p, s).kind)) plan.context_slots.push_back(s);
  }
  plan.context_slots.push_back(p.as_of_slot);
  for (const auto s : plan.context_slots) plan.context_kinds.push_back(slot_type(p, s).kind);
  std::map<std::vector<std::uint32_t>, std::uint32_t> by_facts;
  for (std::uint32_t oi = 0; oi < p.outputs.size(); ++oi) {
    const auto& slots = inputs[oi];
    // Every input a plain value (not text pointing into a row); parameters read are in the context.
    // Outputs of any type: a list, text or string is remembered only while unknown (keep()).
    if (!std::all_of(slots.begin(), slots.end(), [&](std::uint32_t s) { return model::is_plain(slot_type(p, s).kind); })) continue;
    std::vector<std::uint32_t> facts;
    std::copy_if(slots.begin(), slots.end(), std::back_inserter(facts), [&](std::uint32_t s) { return s < p.param_base; });
    if (facts.size() > kMaxKeySlots) continue;
    auto [it, added] = by_facts.try_emplace(facts, static_cast<std::uint32_t>(plan.groups.size()));
    if (added) {
      plan.groups.push_back({facts, {}, {}, 0});
      auto& group = plan.groups.back();
      for (const auto f : facts) {
        group.key_kinds.push_back(slot_type(p, f).kind);
        group.key_words += static_cast<std::uint32_t>(words_for(group.key_kinds.back()));
      }
    }
    auto& group = plan.groups[it->second];
    if (group.outputs.size() == kMaxGroupOutputs) continue;
    plan.group_of[oi] = it->second;
    plan.position[oi] = static_cast<std::uint32_t>(group.outputs.size());
    group.outputs.push_back(oi);
  }
  return plan;
}

bool MemoPlan::key(const Group& g, std::span<const Value> facts, std::uint64_t* key) {
  std::size_t used = 0;
  for (std::size_t k = 0; k < g.key_slots.size(); ++k) {
    const auto slot = g.key_slots[k];
    const auto kind = g.key_kinds[k];
    if (!key_words(facts[slot], kind, slot, key + used)) return false;
    used += words_for(kind);
  }
  return true;
}

std::optional<MemoPlan::Group> MemoPlan::key_for(const loader::CompiledPack& p, const model::FactSet& facts) {
  if (facts.count() > kMaxKeySlots) return std::nullopt;
  Group g;
  for (std::uint32_t f = 0; f < p.policy.facts.size(); ++f) {
    if (!facts.test(f)) continue;
    const auto kind = p.policy.facts[f].type.kind;
    if (!model::is_plain(kind)) return std::nullopt;
    g.key_slots.push_back(f);
    g.key_kinds.push_back(kind);
    g.key_words += static_cast<std::uint32_t>(words_for(kind));
  }
  return g;
}

MemoIndex::MemoIndex(std::size_t key_words, std::size_t capacity)
    : key_words_(static_cast<std::uint32_t>(key_words)), capacity_(std::max<std::size_t>(1, capacity)) {
  std::size_t index_size = 1;
  while (index_size < 2 * capacity_) index_size *= 2;  // at most half full: short probes
  // Reserved, not touched: the pages a roster never reaches stay unmapped.
  index_.assign(index_size, 0);
  keys_.reserve(capacity_ * key_words_);
  clear();
}

void MemoIndex::clear() {
  // The index in use starts small (a group with a few distinct inputs stays in a few cache
  // lines) and doubles as entries are added.
  mask_ = std::min<std::size_t>(63, index_.size() - 1);
  std::fill(index_.begin(), index_.begin() + static_cast<std::ptrdiff_t>(mask_ + 1), 0);
  keys_.clear();
  count_ = 0;
  lookups_ = found_ = 0;
  off_ = false;
}

void MemoIndex::grow() {
  mask_ = mask_ * 2 + 1;
  std::fill(index_.begin(), index_.begin() + static_cast<std::ptrdiff_t>(mask_ + 1), 0);
  for (std::uint32_t e = 0; e < count_; ++e) {
    std::size_t i = hash_words(keys_.data() + std::size_t{e} * key_words_, key_words_) & mask_;
    while (index_[i] != 0) i = (i + 1) & mask_;
    index_[i] = e + 1;
  }
}

MemoIndex::Found MemoIndex::find_or_add(const std::uint64_t* key) {
  if (off_) return {};
  ++lookups_;
  const std::size_t n = key_words_;
  for (std::size_t i = hash_words(key, n) & mask_;; i = (i + 1) & mask_) {
    const std::uint32_t e = index_[i];
    if (e == 0) {
      if (count_ == capacity_) {
        // Full: remember no more combinations. When most lookups found nothing, the inputs
        // rarely repeat: stop looking.
        if (2 * found_ < lookups_) off_ = true;
        return {};
      }
      const std::uint32_t entry = count_++;
      index_[i] = entry + 1;
      keys_.insert(keys_.end(), key, key + n);
      if (2 * count_ > mask_ + 1 && mask_ + 1 < index_.size()) grow();  // keep it at most half full
      return {entry, true};
    }
    if (std::equal(key, key + n, keys_.data() + std::size_t{e - 1} * n)) {
      ++found_;
      return {e - 1, false};
    }
  }
}

std::uint32_t MemoIndex::find(const std::uint64_t* key) {
  if (off_) return kNoEntry;
  ++lookups_;
  const std::size_t n = key_words_;
  for (std::size_t i = hash_words(key, n) & mask_;; i = (i + 1) & mask_) {
    const std::uint32_t e = index_[i];
    if (e == 0) return kNoEntry;
    if (std::equal(key, key + n, keys_.data() + std::size_t{e - 1} * n)) {
      ++found_;
      return e - 1;
    }
  }
}

Memo::Memo(const MemoPlan& plan, std::size_t entries_per_group)
    : plan_(&plan), capacity_(std::max<std::size_t>(1, entries_per_group)) {
  tables_.reserve(plan.groups.size());
  for (const auto& g : plan.groups) {
    auto& t = tables_.emplace_back(g.key_words, capacity_);
    t.width = static_cast<std::uint32_t>(g.outputs.size());
    // Reserved up front: adding an entry never allocates (evaluation makes no heap allocation
    // in the hot path).
    t.values.reserve(capacity_ * t.width);
    t.sources.reserve(capacity_ * t.width);
    t.present.reserve(capacity_);
  }
  context_.reserve(2 * plan.context_slots.size());  // two words at most per slot
  scratch_.reserve(2 * plan.context_slots.size());
  clear();
}

void Memo::clear() {
  for (auto& t : tables_) {
    t.index.clear();
    t.values.clear();
    t.sources.clear();
    t.present.clear();
    t.current = kNoEntry;
  }
}

void Memo::begin(std::span<const Value> env, bool default_context) {
  ++generation_;
  const Value& as_of = env[plan_->context_slots.back()];
  std::uint64_t as_of_word;
  const bool plain_as_of = key_words(as_of, Kind::date, -1, &as_of_word);
  if (started_ && default_context && default_context_ && plain_as_of && context_.back() == as_of_word) {
    return;  // the same parameters and as_of as the previous evaluation
  }
  scratch_.clear();
  bool plain = true;
  for (std::size_t k = 0; k < plan_->context_slots.size(); ++k) {
    std::uint64_t w[2];
    const auto kind = plan_->context_kinds[k];
    plain = key_words(env[plan_->context_slots[k]], kind, -1, w) && plain;
    scratch_.insert(scratch_.end(), w, w + words_for(kind));
  }
  if (!started_ || scratch_ != context_ || !plain) {  // a value that is not plain is never the same
    if (started_) clear();
    context_ = scratch_;  // same size: no allocation
    started_ = true;
  }
  default_context_ = default_context;
}

std::uint32_t Memo::resolve(Table& t, const MemoPlan::Group& g, std::span<const Value> env) {
  if (t.index.off()) return kNoEntry;
  std::array<std::uint64_t, 2 * MemoPlan::kMaxKeySlots> key;  // the first g.key_words are used
  if (!MemoPlan::key(g, env, key.data())) return kNoEntry;
  const auto found = t.index.find_or_add(key.data());
  if (found.added) {
    t.values.resize(t.values.size() + t.width);
    t.sources.resize(t.sources.size() + t.width);
    t.present.push_back(0);
  }
  return found.entry;
}

const Value* Memo::find(std::uint32_t output, std::span<const Value> env, model::OutputSource& source) {
  const auto g = plan_->group_of[output];
  if (g == MemoPlan::kNone) return nullptr;
  Table& t = tables_[g];
  if (t.generation != generation_) {
    t.generation = generation_;
    t.current = resolve(t, plan_->groups[g], env);
  }
  const auto k = plan_->position[output];
  if (t.current == kNoEntry || !(t.present[t.current] >> k & 1)) {
    ++misses_;
    return nullptr;
  }
  ++hits_;
  const std::size_t at = std::size_t{t.current} * t.width + k;
  source = t.sources[at];
  return &t.values[at];
}

void Memo::keep(std::uint32_t output, const Value& value, const model::OutputSource& source) {
  const auto g = plan_->group_of[output];
  if (g == MemoPlan::kNone || !storable(value)) return;
  Table& t = tables_[g];
  if (t.generation != generation_ || t.current == kNoEntry) return;
  const auto k = plan_->position[output];
  const std::size_t at = std::size_t{t.current} * t.width + k;
  t.values[at] = value;
  t.sources[at] = source;
  t.present[t.current] |= std::uint64_t{1} << k;
}

}  // namespace rules::engine
