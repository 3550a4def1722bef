// Writes a synthetic roster for benchmarks: N rows, fixed seed, Chinese names, resident ID numbers
// with valid GB 11643 check characters, the date formats Excel exports mixed together.
// Usage: roster_gen N [seed] > roster.csv   (UTF-8 with a BOM, CRLF, as Excel writes it)
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

namespace {

const char* kSurnames[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗", "欧阳", "司马"};
const char* kGiven[] = {"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平", "刚", "桂英", "䶮", "子涵"};

char check_char(const std::string& first17) {
  static const int w[] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (first17[static_cast<std::size_t>(i)] - '0') * w[i];
  return "10X98765432"[sum % 11];
}

int days_in_month(int y, int m) {
  static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : d[m - 1];
}

std::string date_text(std::mt19937_64& rng, int y, int m, int d) {
  char buf[64];
  switch (rng() % 5) {
    case 0: std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d); break;
    case 1: std::snprintf(buf, sizeof buf, "%d/%d/%d", y, m, d); break;
    case 2: std::snprintf(buf, sizeof buf, "%d.%d.%d", y, m, d); break;
    case 3: std::snprintf(buf, sizeof buf, "%d年%d月%d日", y, m, d); break;
    default: std::snprintf(buf, sizeof buf, "%04d%02d%02d", y, m, d); break;
  }
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: roster_gen N [seed] > roster.csv\n");
    return 2;
  }
  const long long n = std::atoll(argv[1]);
  std::mt19937_64 rng(argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 20261130ULL);
  std::string out = "\xEF\xBB\xBF学号,姓名,身份证号,退役日期,入伍时身份,发证日期,录取日期\r\n";
  for (long long i = 0; i < n; ++i) {
    const int by = 1995 + static_cast<int>(rng() % 10), bm = 1 + static_cast<int>(rng() % 12);
    const int bd = 1 + static_cast<int>(rng() % static_cast<unsigned>(days_in_month(by, bm)));
    char id[32];
    std::snprintf(id, sizeof id, "110101%04d%02d%02d%03d", by, bm, bd, static_cast<int>(rng() % 1000));
    std::string id17(id);
    const int dy = 2016 + static_cast<int>(rng() % 10), dm = 1 + static_cast<int>(rng() % 12);
    const int dd = 1 + static_cast<int>(rng() % static_cast<unsigned>(days_in_month(dy, dm)));
    const int cy = 2015 + static_cast<int>(rng() % 11), cm = 6 + static_cast<int>(rng() % 2), cd = 1 + static_cast<int>(rng() % 28);
    const int ay = by + 18;
    char number[32];
    std::snprintf(number, sizeof number, "%lld", 2020000000LL + i);
    out += number;
    out += ',';
    out += kSurnames[rng() % std::size(kSurnames)];
    out += kGiven[rng() % std::size(kGiven)];
    if (rng() % 2) out += kGiven[rng() % std::size(kGiven)];
    out += ',';
    out += id17 + check_char(id17);
    out += ',';
    // About a third of the rows are veterans; the others leave the discharge date empty (unknown).
    if (rng() % 3 == 0) out += date_text(rng, dy, dm, dd);
    out += ',';
    out += rng() % 2 ? "新生" : "enrolled_student";
    out += ',';
    out += date_text(rng, cy, cm, cd);
    out += ',';
    out += date_text(rng, ay, 7 + static_cast<int>(rng() % 2), 1 + static_cast<int>(rng() % 28));
    out += "\r\n";
    if (out.size() > (1 << 20)) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}
