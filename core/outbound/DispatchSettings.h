// What the dispatcher is configured with (host file: outbound.*).
#pragma once

#include <cstdint>
#include <optional>

#include "outbound/RetryPolicy.h"
#include "store/SecretStore.h"

namespace baraza::outbound {

struct DispatchSettings {
  int maxInFlight = 1000;         // provider calls under way at once (a host sends at most this /
                                  // the call time messages a second)
  int64_t leaseMs = 60000;        // on claimed messages: a host that dies holds them this long
  int64_t numberLeaseMs = 15000;  // on a sending number: another host takes it this long after
  int64_t windowGuardUs = 50000;  // pacing assumes a send in flight reaches Meta within this of
                                  // its start (Meta counts on arrival); one answered sooner
                                  // counts as arrived when answered (SlidingWindow)
  RetryLimits retry;              // how often and how long after a refusal a message is sent again
  int64_t idleMs = 200;           // poll interval when nothing woke the dispatcher
  /**
   * store.master_key: with it, a long-lived token the exchange after a 190 got is kept in the
   * secrets table (encrypted), so it survives a restart; without, in memory only.
   */
  std::optional<store::MasterKey> masterKey;
};

}  // namespace baraza::outbound
