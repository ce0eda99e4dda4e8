// What inbound processing is configured with (host file: inbound.*).
#pragma once

#include <cstddef>
#include <cstdint>

namespace baraza::inbound {

struct ProcessorSettings {
  int workers = 2;
  /**
   * Deliveries (and conversation jobs) claimed and committed together, each in a savepoint:
   * one commit per batch. webhook_ingest's processing rate, SQLite / MariaDB: 16 → 1,400–1,550
   * / 320 msg/s, 64 → 1,900–2,000 / 535. Only the writes hold the transaction open (parsing and
   * the plugins run before it), but acknowledgements wait for SQLite's lock meanwhile: with
   * processing running during webhook_ingest (64 connections) their p99 was 23 ms at 16 and
   * 49 ms at 64, far inside Meta's timeout, and the backlog drains faster.
   */
  size_t batch = 64;
  int64_t leaseMs =
      60000;  // a host that dies holds a delivery this long (unless it restarts: HostIdentity)
  int maxAttempts = 10;  // claims before a delivery (or conversation job) is failed for good
  int idleMs = 250;      // poll interval when nothing woke the workers
};

}  // namespace baraza::inbound
