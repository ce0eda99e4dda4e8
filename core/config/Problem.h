#pragma once

#include <string>
#include <vector>

namespace baraza::config {

/** One thing wrong with the configuration, printed as `file: key: message`. */
struct Problem {
  std::string file;
  std::string key;  // empty when the whole file is at fault
  std::string message;

  std::string toString() const {
    std::string text = file.empty() ? "" : file + ": ";
    return text + (key.empty() ? "" : key + ": ") + message;
  }
};

using Problems = std::vector<Problem>;

}  // namespace baraza::config
