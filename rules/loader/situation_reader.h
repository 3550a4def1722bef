#pragma once
/// Reading a situation (the facts of one student) from a TOML or JSON document, or from
/// `fact=value` assignments. Problems are diagnostics naming the fact and the value:
/// `situation_syntax`, `situation_unknown_fact`, `situation_bad_value`.

#include <string_view>
#include <vector>

#include "loader/load.h"
#include "loader/pack.h"
#include "model/situation.h"
#include "source/diagnostic.h"

namespace rules::loader {

/// Reads `file` into `situation` (sized for the pack's facts if it is not already). JSON when the path ends in .json or the text starts with '{';
/// TOML otherwise. Top-level keys are fact names (a `[facts]` table is also accepted); JSON null
/// leaves a fact unknown. Returns false if any diagnostic was added.
bool read_situation(const CompiledPack& pack, const SourceFile& file, model::Situation& situation,
                    std::vector<source::Diagnostic>& diags);

/// Applies one `fact=value` assignment (from --set). An empty value makes the fact unknown.
bool set_fact(const CompiledPack& pack, std::string_view assignment, model::Situation& situation,
              std::vector<source::Diagnostic>& diags);

}  // namespace rules::loader
