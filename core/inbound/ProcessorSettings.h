// What inbound processing is configured with (host file: inbound.*).
#pragma once

#include <cstddef>
#include <cstdint>

namespace baraza::inbound {

struct ProcessorSettings {
  int workers = 2;
  /**
   * Deliveries (and conversation jobs) claimed and committed together, each in a savepoint:
   * one commit per batch. Larger batches process faster (fewer commits); only the writes hold
   * the transaction open (parsing and the plugins run before it), but acknowledgements wait for
   * SQLite's lock meanwhile, so a batch is kept to what commits well inside Meta's timeout.
   * The measurements behind 64 are in docs/performance.md (webhook_ingest, processing).
   */
  size_t batch = 64;
  int64_t leaseMs =
      60000;  // a host that dies holds a delivery this long (unless it restarts: HostIdentity)
  int maxAttempts = 10;  // claims before a delivery (or conversation job) is failed for good
  int idleMs = 250;      // poll interval when nothing woke the workers
  /**
   * Conversation turns of a batch run at once, for different contacts (one contact's messages
   * always one after another, in order). A turn mostly waits: for its plugins' threads, for a
   * verification over the network; several at once keep the cores busy. 1: one at a time, on
   * the worker's own thread. Measured in docs/performance.md (conversation_bench).
   */
  int turnsAtOnce = 4;
};

}  // namespace baraza::inbound
