#pragma once

#include <optional>
#include <string>

#include "store/Database.h"

namespace baraza::store {

/**
 * Named leases shared by every host on one database (e.g. "dispatch:<phone_number_id>"). A lease
 * is held by one owner until it expires; the holder renews it, anyone may take it after expiry.
 * Times are Unix ms from the hosts' clocks, so keep them synchronised (NTP) and leases well
 * above the skew.
 */
class Leases {
 public:
  explicit Leases(const Dialect& dialect) : dialect_(dialect) {}

  /** Takes or renews `name` for `owner` until now + ttlMs. True when `owner` holds it now. */
  bool acquire(Poco::Data::Session& s, const std::string& name, const std::string& owner,
               int64_t now, int64_t ttlMs) const;
  /** Gives it up at `now` if `owner` holds it; the row stays, recording when the hold ended. */
  void release(Poco::Data::Session& s, const std::string& name, const std::string& owner,
               int64_t now) const;
  /**
   * Ends, at `now`, every unexpired lease whose owner starts with `ownerPrefix` ("web-1:", the
   * processes of one host) except `keep`'s; how many.
   */
  size_t releaseAllOf(Poco::Data::Session& s, const std::string& ownerPrefix,
                      const std::string& keep, int64_t now) const;
  /** Who held a lease last, and its last millisecond held. */
  struct Hold {
    std::string owner;
    int64_t until = 0;  // the expiry, or just before it was released
  };
  /**
   * The last hold of `name` (current or ended), or nothing if it was never taken. A host taking
   * a pacing lease over from another waits one window after it, so that two holders' sends never
   * share a window.
   */
  std::optional<Hold> lastHold(Poco::Data::Session& s, const std::string& name) const;
  /** How many unexpired leases have names starting with `prefix` (no % or _ in it). */
  size_t live(Poco::Data::Session& s, const std::string& prefix, int64_t now) const;
  /** The current holder, if the lease exists and has not expired at `now`. */
  std::optional<std::string> holder(Poco::Data::Session& s, const std::string& name,
                                    int64_t now) const;

 private:
  const Dialect& dialect_;
};

}  // namespace baraza::store
