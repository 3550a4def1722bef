#pragma once
/// Reading a situation (the facts of one student) from a TOML or JSON document, or from
/// `fact=value` assignments. A fact is named as a roster header names it (model::names_fact: its
/// name in any ASCII letter case, its label, a CSV header) and its value is read with every
/// spelling a roster cell accepts (model::parse_value: 2024年2月29日, √, 在读, a 15-digit ID
/// number). Problems are diagnostics, with English and Chinese messages, naming the fact and the
/// value: `situation_syntax`, `situation_unknown_fact`, `situation_bad_value`.

#include <string_view>
#include <vector>

#include "loader/load.h"
#include "loader/pack.h"
#include "model/situation.h"
#include "source/diagnostic.h"

namespace rules::loader {

/// Reads `file` into `situation` (sized for the pack's facts if it is not already). JSON when the
/// path ends in .json or the text starts with '{'; TOML otherwise. Top-level keys name facts (a
/// `[facts]` table is also accepted); JSON null leaves a fact unknown; one fact under two keys
/// (discharge_date and 退役日期) is `situation_syntax`. Returns false if any diagnostic was added.
bool read_situation(const CompiledPack& pack, const SourceFile& file, model::Situation& situation,
                    std::vector<source::Diagnostic>& diags);

/// Applies one `fact=value` assignment (from --set; `fact` as a file's key names it). An empty
/// value makes the fact unknown.
bool set_fact(const CompiledPack& pack, std::string_view assignment, model::Situation& situation,
              std::vector<source::Diagnostic>& diags);

}  // namespace rules::loader
