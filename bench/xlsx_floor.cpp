// The floors of issue 13's workbook targets: what the libraries the issue prescribes cost alone,
// with none of our evaluation, encoding or reading logic. `policy batch` is compared with these.
//
//   xlsx_floor write ROSTER.csv OUT.xlsx [EXTRA]
//       reads the roster with the batch's own CSV reader and writes every field as a text cell
//       with libxlsxwriter in constant-memory mode (as the result workbook does), plus EXTRA
//       number cells per row (default 0; the result workbook of the generated roster has 15
//       columns after the roster's 7: the evaluation date, the outputs, 剩余天数, status, message).
//       No formats, no worklist, no summary: a lower bound on the time of `-o result.xlsx`.
//   xlsx_floor read ROSTER.xlsx [PART]
//       opens the workbook with libzip, inflates the sheet (default xl/worksheets/sheet1.xml) in
//       64 KiB chunks straight into expat's buffer and parses it with a start-element handler that
//       only counts <row> elements: a lower bound on the time of reading an .xlsx roster.
//   xlsx_floor parse ROSTER.xlsx [PART]
//       the same in two steps, timed apart: inflating the whole part into memory, then expat over
//       it (in 64 KiB pieces): the floor of a reader that inflated on one core and parsed on the
//       other is the larger of the two.
// Both print rows and seconds (steady clock, the whole run after the process started).
#include <expat.h>
#include <xlsxwriter.h>
#include <zip.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>

#include "batch/roster_reader.h"

namespace {

using Clock = std::chrono::steady_clock;

int write_floor(const char* roster, const char* out, int extra) {
  const auto start = Clock::now();
  std::ifstream in(roster, std::ios::binary);
  if (!in) {
    std::cerr << "cannot open " << roster << "\n";
    return 2;
  }
  rules::batch::RosterReader reader(in, rules::batch::Encoding::automatic);
  lxw_workbook_options options{};
  options.constant_memory = LXW_TRUE;
  lxw_workbook* wb = workbook_new_opt(out, &options);
  if (!wb) return 2;
  lxw_worksheet* ws = workbook_add_worksheet(wb, "结果");
  rules::batch::Record r;
  std::string cell;
  lxw_row_t row = 0;
  while (reader.next(r)) {
    lxw_col_t col = 0;
    for (std::size_t i = 0; i < r.size(); ++i) {
      cell.assign(r.field(i));
      worksheet_write_string(ws, row, col++, cell.c_str(), nullptr);
    }
    for (int i = 0; i < extra; ++i) worksheet_write_number(ws, row, col++, 46000 + i, nullptr);
    ++row;
  }
  if (workbook_close(wb) != LXW_NO_ERROR) return 2;
  const double s = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("write: %u rows, %.2f s, %.0f rows/s\n", row, s, row / s);
  return 0;
}

void XMLCALL count_rows(void* data, const XML_Char* name, const XML_Char**) {
  if (std::strcmp(name, "row") == 0) ++*static_cast<unsigned long*>(data);
}

int parse_floor(const char* path, const char* part) {
  auto start = Clock::now();
  int err = 0;
  zip_t* z = zip_open(path, ZIP_RDONLY, &err);
  if (!z) return 2;
  zip_file_t* f = zip_fopen(z, part, 0);
  if (!f) return 2;
  std::string xml;
  for (;;) {
    const std::size_t at = xml.size();
    xml.resize(at + (1 << 16));
    const zip_int64_t n = zip_fread(f, xml.data() + at, 1 << 16);
    if (n < 0) return 2;
    xml.resize(at + static_cast<std::size_t>(n));
    if (n == 0) break;
  }
  zip_fclose(f);
  zip_close(z);
  const double inflate_s = std::chrono::duration<double>(Clock::now() - start).count();
  start = Clock::now();
  XML_Parser p = XML_ParserCreate(nullptr);
  unsigned long rows = 0;
  XML_SetUserData(p, &rows);
  XML_SetStartElementHandler(p, count_rows);
  for (std::size_t at = 0;; at += 1 << 16) {
    const std::size_t n = at < xml.size() ? std::min<std::size_t>(1 << 16, xml.size() - at) : 0;
    if (XML_Parse(p, xml.data() + (n ? at : 0), static_cast<int>(n), n == 0) != XML_STATUS_OK) return 2;
    if (n == 0) break;
  }
  XML_ParserFree(p);
  const double parse_s = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("inflate: %.1f MB in %.2f s; expat: %lu rows in %.2f s, %.0f rows/s\n", static_cast<double>(xml.size()) / 1e6,
              inflate_s, rows, parse_s, static_cast<double>(rows) / parse_s);
  return 0;
}

int read_floor(const char* path, const char* part) {
  const auto start = Clock::now();
  int err = 0;
  zip_t* z = zip_open(path, ZIP_RDONLY, &err);
  if (!z) return 2;
  zip_file_t* f = zip_fopen(z, part, 0);
  if (!f) return 2;
  XML_Parser p = XML_ParserCreate(nullptr);
  unsigned long rows = 0;
  XML_SetUserData(p, &rows);
  XML_SetStartElementHandler(p, count_rows);
  std::size_t bytes = 0;
  for (;;) {
    void* buf = XML_GetBuffer(p, 1 << 16);
    const zip_int64_t n = zip_fread(f, buf, 1 << 16);
    if (n < 0) return 2;
    bytes += static_cast<std::size_t>(n);
    if (XML_ParseBuffer(p, static_cast<int>(n), n == 0) != XML_STATUS_OK) {
      std::cerr << "xml: " << XML_ErrorString(XML_GetErrorCode(p)) << "\n";
      return 2;
    }
    if (n == 0) break;
  }
  XML_ParserFree(p);
  zip_fclose(f);
  zip_close(z);
  const double s = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("read: %lu rows, %.1f MB of XML, %.2f s, %.0f rows/s\n", rows, static_cast<double>(bytes) / 1e6, s, static_cast<double>(rows) / s);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 4 && std::strcmp(argv[1], "write") == 0) return write_floor(argv[2], argv[3], argc > 4 ? std::atoi(argv[4]) : 0);
  if (argc >= 3 && std::strcmp(argv[1], "parse") == 0) return parse_floor(argv[2], argc > 3 ? argv[3] : "xl/worksheets/sheet1.xml");
  if (argc >= 3 && std::strcmp(argv[1], "read") == 0) return read_floor(argv[2], argc > 3 ? argv[3] : "xl/worksheets/sheet1.xml");
  std::cerr << "usage: xlsx_floor write ROSTER.csv OUT.xlsx [EXTRA] | xlsx_floor read|parse ROSTER.xlsx [PART]\n";
  return 2;
}
