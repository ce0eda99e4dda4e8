// Test helper: a whole file's bytes ("" when it cannot be read).
#pragma once

#include <fstream>
#include <sstream>
#include <string>

namespace baraza::testing {

inline std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

}  // namespace baraza::testing
