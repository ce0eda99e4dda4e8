#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/Status.h"

namespace baraza::store {

/** Plugin key/value storage, scoped to (tenant, plugin instance). ttlSeconds 0: no expiry. */
class KeyValueStore {
 public:
  virtual ~KeyValueStore() = default;
  /** NOT_FOUND when absent or expired. */
  virtual StatusOr<std::string> get(const std::string& tenant, const std::string& scope,
                                    std::string_view key) = 0;
  virtual Status put(const std::string& tenant, const std::string& scope, std::string_view key,
                     std::string_view value, int64_t ttlSeconds) = 0;
  virtual Status erase(const std::string& tenant, const std::string& scope,
                       std::string_view key) = 0;
};

}  // namespace baraza::store
