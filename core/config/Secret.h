#pragma once

#include <string>
#include <utility>

namespace baraza::config {

/**
 * A resolved secret value. It has no stream operator and no implicit conversion, so it cannot
 * end up in a log line by accident; reveal() marks every place that reads the plaintext.
 */
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }

 private:
  std::string value_;
};

}  // namespace baraza::config
