// What a group committer (BatchWriter) is configured with (host file: store.group_commit.*).
#pragma once

#include <chrono>
#include <cstddef>

namespace baraza::store {

struct GroupCommitSettings {
  size_t maxBatch = 256;  // items per transaction at most
  /**
   * How long a writer may wait, after the first item of a batch, for the callers its previous
   * batch released to come back; 0 (the default): it commits what is queued at once. A lone
   * caller never waits (its previous batch was itself).
   *
   * Waiting suited callers that each held a thread: released together, they trickled back one
   * by one, and without the wait the first got a commit of its own. With the HTTP server
   * answering webhooks from the commit, the wait made the writer sit idle until a whole round
   * trip had come back, and every connection moved in lockstep with it. Committing at once lets
   * two batches alternate, one filling while the other commits (docs/performance.md).
   */
  std::chrono::microseconds maxWait{0};
  /**
   * Writer threads, each with its own connection and batches. 0: one. SQLite admits one writer
   * at a time anyway; on MariaDB, measured with webhook_ingest, one writer whose batches fill up
   * (see maxWait) beat four that split the same requests into small commits.
   */
  size_t writers = 0;
  /**
   * A batch of at most this many items is written by one statement (nothing else writes): on
   * MySQL/MariaDB it then runs in autocommit mode, without BEGIN and COMMIT round trips. 0: never.
   * SQLite always gets a transaction.
   */
  size_t oneStatementUpTo = 0;
  /**
   * The nice value writer threads ask for (lower runs sooner; 0 leaves them as they are). Every
   * acknowledgement waits for a writer's commit, and under load the request threads outnumber
   * it: at normal priority it spent longer waiting for a core than committing (webhook_ingest,
   * 64 connections). Needs RLIMIT_NICE (systemd LimitNICE=) or CAP_SYS_NICE; without, the writer
   * keeps the process's priority and the log says so once.
   */
  int writerNice = -10;
  /**
   * Items queued (not yet in a batch) at most; beyond, submit() answers "unavailable" at once
   * instead of queueing without end while the database is stalled.
   */
  size_t maxQueued = 10000;
  /**
   * A caller not answered this long after submit() (queued behind a stalled database, or in a
   * commit that does not return) is answered "unavailable" then; 0: never. An item still queued
   * is dropped; one in a commit under way may still be written, after its caller was told it was
   * not (a webhook Meta then delivers again, which the inbox recognises as a repeat).
   */
  std::chrono::milliseconds answerWithin{0};
};

}  // namespace baraza::store
