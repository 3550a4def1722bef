#pragma once
// The built-in CN pack's engine, loaded once per test program (the batch tests share it).

#include <memory>
#include <stdexcept>

#include "builtin_pack.h"
#include "engine/engine.h"
#include "loader/load.h"

namespace rules::batch::testing {

/// The engine of the built-in pack (policy/cn-higher-ed); throws std::runtime_error if the pack
/// does not load.
inline const engine::Engine& cn() {
  static const auto engine = [] {
    auto files = policy_packs::builtin_cn_higher_ed_files();
    auto r = loader::load_pack(files);
    if (!r.ok()) throw std::runtime_error("the built-in pack does not load");
    return std::make_unique<engine::Engine>(std::move(r.pack));
  }();
  return *engine;
}

}  // namespace rules::batch::testing
