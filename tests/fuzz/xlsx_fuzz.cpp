// The .xlsx reader: the input is the workbook's bytes (a zip package), read from memory as
// `policy batch -` and POST /v1/batch read one, with caps small enough for a fuzzer's memory.
// Every record is read (each field must be UTF-8, as the reader promises), then the workbook is
// read again through run_batch with the built-in pack, as the CLI does.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>
#include <variant>

#include "batch/batch.h"
#include "batch/xlsx_reader.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  rules::batch::XlsxOptions xo;
  xo.max_sheet_bytes = xo.max_shared_strings_bytes = xo.max_part_bytes = std::uint64_t{1} << 24;
  xo.ratio_floor = std::uint64_t{1} << 20;
  xo.max_cell_bytes = std::size_t{1} << 16;
  xo.max_row_bytes = std::size_t{1} << 20;
  xo.read_ahead = false;
  {
    auto reader = rules::batch::XlsxReader::open_memory(bytes, xo);
    rules::batch::Record record;
    std::size_t last_row = 0;
    while (reader->next(record)) {
      if (record.row <= last_row) policy_fuzz::fail("rows out of order", bytes.substr(0, 0));
      last_row = record.row;
      for (std::size_t i = 0; i < record.size(); ++i) {
        if (!rules::source::valid_utf8(record.field(i))) policy_fuzz::fail("a field is not UTF-8", record.field(i));
      }
    }
    if (const auto f = reader->failure(); f && f->code.empty()) policy_fuzz::fail("a failure without a code", f->message);
  }
  auto reader = rules::batch::XlsxReader::open_memory(bytes, xo);
  rules::batch::BatchOptions options;
  options.as_of = *rules::calendar::make_date(2025, 12, 1);
  options.block_rows = 4;
  std::ostringstream out;
  const auto r = rules::batch::run_batch(policy_fuzz::cn_engine(), *reader, "roster.xlsx", out, options);
  if (const auto* diags = std::get_if<std::vector<rules::source::Diagnostic>>(&r)) {
    for (const auto& d : *diags) {
      if (d.code.empty()) policy_fuzz::fail("a diagnostic without a code", d.message);
      policy_fuzz::expect_no_whole_id(d.message);
      policy_fuzz::expect_no_whole_id(d.message_zh);
    }
  }
  return 0;
}
