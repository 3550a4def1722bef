// The cell parsers: the first byte chooses the type (dates, booleans, enums of the built-in pack,
// periods, windows, resident IDs, integers, instants, times of day, month-days, lists), the rest
// is the cell. Each is read as a roster cell (batch::parse_cell, both languages, with and without
// --excel-serial-dates) and as a situation value (model::parse_value). Properties: a message never
// prints a whole ID number and is valid UTF-8 when the cell is; a value read prints back as the
// same value (periods, dates, IDs).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "batch/cells.h"
#include "calendar/date.h"
#include "calendar/period.h"
#include "fuzz_common.h"
#include "model/resident_id.h"
#include "model/value_parse.h"

namespace {

using rules::model::Kind;
using rules::model::Type;

Type type_of(std::uint8_t selector, std::size_t enums) {
  static constexpr Kind kKinds[] = {Kind::date,   Kind::boolean,     Kind::period,    Kind::window,
                                    Kind::resident_id, Kind::integer, Kind::instant, Kind::time_of_day,
                                    Kind::month_day, Kind::string};
  constexpr std::size_t kPlain = sizeof(kKinds) / sizeof(kKinds[0]);
  const std::size_t choices = kPlain + enums + 2;  // the enums, a list of dates and a list of integers
  const std::size_t i = selector % choices;
  if (i < kPlain) return Type::of(kKinds[i]);
  if (i < kPlain + enums) return Type::enumeration(static_cast<std::uint16_t>(i - kPlain));
  return Type::list_of(Type::of(i == kPlain + enums ? Kind::date : Kind::integer));
}

void check_message(std::string_view cell, const std::string& message) {
  policy_fuzz::expect_utf8(cell, message);
  policy_fuzz::expect_no_whole_id(message);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto& enums = policy_fuzz::cn_engine().policy().enums;
  const Type t = type_of(data[0], enums.size());
  const std::string_view cell(reinterpret_cast<const char*>(data) + 1, size - 1);
  for (const bool serials : {false, true}) {
    for (const auto lang : {rules::source::Lang::zh, rules::source::Lang::en}) {
      rules::model::Value v;
      std::string error, normalized;
      const auto status = rules::batch::parse_cell(cell, t, enums, {serials, lang}, v, error, normalized);
      if (status == rules::batch::CellStatus::error) {
        if (error.empty()) policy_fuzz::fail("a bad cell without a message", cell);
        check_message(cell, error);
        continue;
      }
      if (status != rules::batch::CellStatus::value) continue;
      if (v.kind == Kind::period) {
        const auto printed = rules::calendar::format_period(v.period);
        const auto back = rules::calendar::parse_period(printed);
        if (!back || !(*back == v.period)) policy_fuzz::fail("a printed period does not read back", printed);
      } else if (v.kind == Kind::date) {
        const auto back = rules::calendar::parse_date(rules::calendar::format_date(v.date));
        if (!back || !(*back == v.date)) policy_fuzz::fail("a printed date does not read back", cell);
      } else if (v.kind == Kind::resident_id) {
        std::string again, why;
        const std::string id(v.str());
        if (!rules::model::check_resident_id(id, again, why, lang) || again != id) {
          policy_fuzz::fail("a normalized ID number does not check", cell);
        }
      }
    }
  }
  for (const auto lang : {rules::source::Lang::zh, rules::source::Lang::en}) {
    rules::model::Value v;
    std::string error, storage;
    if (!rules::model::parse_value(cell, t, enums, v, error, lang, &storage)) check_message(cell, error);
  }
  return 0;
}
