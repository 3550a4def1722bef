#pragma once
// Workbooks made by the tests: XML parts zipped with libzip (deflated), as a workbook is packed.

#include <zip.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace rules::batch::testing {

/// A part's name in the package and its content.
using Parts = std::vector<std::pair<std::string, std::string>>;

/// Zips `parts` into file `path` (replacing it); throws std::runtime_error when libzip fails.
inline std::filesystem::path zip_parts_to(const std::filesystem::path& path, const Parts& parts) {
  std::filesystem::remove(path);
  int error = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  if (!z) throw std::runtime_error("zip_open failed");
  for (const auto& [part, content] : parts) {
    zip_source_t* s = zip_source_buffer(z, content.data(), content.size(), 0);
    if (!s || zip_file_add(z, part.c_str(), s, ZIP_FL_ENC_UTF_8) < 0) {
      zip_discard(z);
      throw std::runtime_error("zip_file_add failed");
    }
  }
  if (zip_close(z) != 0) throw std::runtime_error("zip_close failed");
  return path;
}

}  // namespace rules::batch::testing
