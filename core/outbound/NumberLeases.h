// Which sending numbers this host sends for: a pure plan from the numbers the tenants want, the
// ones this host holds and how many hosts are alive, applied by the dispatcher in one
// transaction. Every host keeps a "host:<owner>" lease alive; with H hosts alive each takes at
// most ceil(numbers / H) numbers and hands back what it holds beyond that, so the hosts share the
// numbers between them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "store/Leases.h"

namespace baraza::outbound {

struct LeasePlan {
  size_t share = 0;                     // the most numbers this host should hold
  std::vector<std::string> renew;       // held, and kept: their leases renewed
  std::vector<std::string> handBack;    // held beyond the share: they stop sending now, and their
                                        // lease is released once nothing of theirs is in flight
  std::vector<std::string> candidates;  // not held: tried in this order while fewer than `share`
                                        // are held (another host may hold one)
};

/**
 * The plan for `wanted` (every number of every tenant), of which this host holds `holding`.
 * Hosts start looking at a different number each (the order is rotated by a hash of the owner),
 * so that they do not all reach for the same ones, and hand back the first they come to.
 */
LeasePlan planLeases(const std::set<std::string>& wanted, const std::set<std::string>& holding,
                     size_t liveHosts, const std::string& owner);

/**
 * When a number this host has just taken may send first (µs), or nothing for at once. A previous
 * holder may have sent a full window's worth just before its hold ended, so the first send
 * waits one window (plus the arrival guard) after that hold: no second on the provider's side
 * then holds more than the rate. A number nobody held sends at once; so does one this host held
 * last and still has the window of (a renewal that came late, a number taken back), since that
 * window counts every send it made.
 */
std::optional<int64_t> firstSendUs(const std::optional<store::Leases::Hold>& lastHold,
                                   const std::string& owner, bool windowKept, int64_t windowUs,
                                   int64_t arrivalGuardUs);

}  // namespace baraza::outbound
