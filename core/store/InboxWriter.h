#pragma once

#include <functional>

#include "common/Status.h"
#include "store/BatchWriter.h"
#include "store/Inbox.h"

namespace baraza::store {

/**
 * The webhook acknowledgement path: deliveries from concurrent requests are appended to the inbox
 * in one multi-row INSERT per group-commit batch; append() returns once that batch committed.
 */
class InboxWriter {
 public:
  InboxWriter(DatabasePtr db, GroupCommitSettings settings);
  /** The delivery's id once it is durable. */
  StatusOr<int64_t> append(Delivery delivery) { return writer_.submit(std::move(delivery)); }
  /** append() without waiting: `done` gets the id (or why not) on the writer's thread; it must not
   * block. */
  void append(Delivery delivery, std::function<void(StatusOr<int64_t>)> done) {
    writer_.submit(std::move(delivery), std::move(done));
  }
  uint64_t commits() const { return writer_.commits(); }
  /** Whether appends commit (BatchWriter::health). */
  Status health() const { return writer_.health(); }

 private:
  BatchWriter<Delivery, int64_t> writer_;
};

}  // namespace baraza::store
