// The floor of a batch run: read a roster with the same reader (libcsv, same decoding) and write
// every record back as CSV, evaluating nothing. `policy batch` is compared with this.
// Usage: csv_floor < roster.csv > copy.csv
#include <iostream>
#include <string>

#include "batch/roster_reader.h"

int main() {
  std::ios::sync_with_stdio(false);
  rules::batch::RosterReader reader(std::cin, rules::batch::Encoding::automatic);
  rules::batch::Record r;
  std::string out;
  std::size_t rows = 0;
  while (reader.next(r)) {
    for (std::size_t i = 0; i < r.size(); ++i) {
      if (i) out += ',';
      const auto f = r.field(i);
      if (f.find_first_of(",\"\r\n") != std::string::npos) {
        out += '"';
        for (char c : f) {
          if (c == '"') out += '"';
          out += c;
        }
        out += '"';
      } else {
        out += f;
      }
    }
    out += "\r\n";
    ++rows;
    if (out.size() > (1 << 16)) {
      std::cout.write(out.data(), static_cast<std::streamsize>(out.size()));
      out.clear();
    }
  }
  std::cout.write(out.data(), static_cast<std::streamsize>(out.size()));
  std::cerr << rows << " records\n";
  return 0;
}
