// Rosters with batch evaluation (`policy batch` over a CSV): the first byte holds the options
// (bit 0: JSON Lines, bit 1: --names, bit 2: English, bit 3: --excel-serial-dates, bit 4: no
// memo, bit 5: the roster read as GB18030), the rest is the roster. The summary and the rows'
// messages keep their properties (no whole ID number, valid UTF-8).
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <variant>

#include "batch/batch.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto& engine = policy_fuzz::cn_engine();
  const unsigned flags = data[0];
  const std::string roster(reinterpret_cast<const char*>(data) + 1, size - 1);
  rules::batch::BatchOptions options;
  options.as_of = *rules::calendar::make_date(2025, 12, 1);
  options.format = (flags & 1) ? rules::batch::OutputFormat::jsonl : rules::batch::OutputFormat::csv;
  options.names = (flags & 2) != 0;
  options.lang = (flags & 4) ? rules::source::Lang::en : rules::source::Lang::zh;
  options.excel_serial_dates = (flags & 8) != 0;
  if (flags & 16) options.memo_entries = 0;
  if (flags & 32) options.encoding = rules::batch::Encoding::gb18030;
  options.block_rows = 4;  // several blocks from small inputs
  if (!(flags & 16)) options.memo_entries = 64;  // small tables: allocating the default per input is slow
  std::istringstream in(roster);
  std::ostringstream out;
  const auto r = rules::batch::run_batch(engine, in, "roster.csv", out, options);
  if (const auto* diags = std::get_if<std::vector<rules::source::Diagnostic>>(&r)) {
    if (diags->empty()) policy_fuzz::fail("a failed batch without a diagnostic", roster);
    for (const auto& d : *diags) {
      if (d.code.empty()) policy_fuzz::fail("a diagnostic without a code", d.message);
      policy_fuzz::expect_utf8(roster, d.message);
      policy_fuzz::expect_utf8(roster, d.message_zh);
      policy_fuzz::expect_no_whole_id(d.message);
      policy_fuzz::expect_no_whole_id(d.message_zh);
    }
    return 0;
  }
  const auto& summary = std::get<rules::batch::BatchSummary>(r);
  if (summary.ok + summary.unknown + summary.error != summary.rows) policy_fuzz::fail("the counts do not add up", roster);
  for (const auto& [row, message] : summary.first_errors) {
    policy_fuzz::expect_utf8(roster, message);
    policy_fuzz::expect_no_whole_id(message);
  }
  for (const auto& note : rules::batch::summary_notes(summary, options.lang)) {
    policy_fuzz::expect_utf8(roster, note);
    policy_fuzz::expect_no_whole_id(note);
  }
  (void)rules::batch::summary_text(summary, engine, options.lang, 0.0);
  return 0;
}
