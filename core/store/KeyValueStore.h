#pragma once

#include "common/Status.h"

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>

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
  virtual Status erase(const std::string& tenant, const std::string& scope, std::string_view key) = 0;
};

/**
 * In-process key/value store: the foundation's implementation. Values do not survive a restart;
 * the database-backed one replaces it with the persistence work.
 */
class MemoryKeyValueStore : public KeyValueStore {
 public:
  StatusOr<std::string> get(const std::string& tenant, const std::string& scope,
                            std::string_view key) override {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = values_.find({tenant, scope, std::string(key)});
    if (it == values_.end()) return notFound("no such key");
    if (it->second.expires && Clock::now() >= *it->second.expires) {
      values_.erase(it);
      return notFound("no such key");
    }
    return it->second.value;
  }
  Status put(const std::string& tenant, const std::string& scope, std::string_view key,
             std::string_view value, int64_t ttlSeconds) override {
    if (key.empty() || key.size() > 256) return invalidArgument("key must be 1..256 bytes");
    std::lock_guard<std::mutex> lock(mutex_);
    Entry entry{std::string(value), std::nullopt};
    if (ttlSeconds > 0) entry.expires = Clock::now() + std::chrono::seconds(ttlSeconds);
    values_[{tenant, scope, std::string(key)}] = std::move(entry);
    return Status::ok();
  }
  Status erase(const std::string& tenant, const std::string& scope, std::string_view key) override {
    std::lock_guard<std::mutex> lock(mutex_);
    values_.erase({tenant, scope, std::string(key)});
    return Status::ok();
  }

 private:
  using Clock = std::chrono::steady_clock;
  struct Entry {
    std::string value;
    std::optional<Clock::time_point> expires;
  };
  std::mutex mutex_;
  std::map<std::tuple<std::string, std::string, std::string>, Entry> values_;
};

}  // namespace baraza::store
