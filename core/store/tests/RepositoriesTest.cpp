// Every repository on both backends.
#include <Poco/Data/RecordSet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <tuple>

#include "common/testing/ReadFile.h"
#include "crypto/Crypto.h"
#include "store/ConversationStates.h"
#include "store/Events.h"
#include "store/FlowSessions.h"
#include "store/HostIdentity.h"
#include "store/Inbox.h"
#include "store/Leases.h"
#include "store/Messages.h"
#include "store/Outbox.h"
#include "store/Rows.h"
#include "store/SecretStore.h"
#include "store/SqlKeyValueStore.h"
#include "store/testing/StoreTest.h"

namespace baraza::store {
namespace {

using Poco::Data::Keywords::bind;
using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;
using testing::StoreTest;
using Session = Poco::Data::Session;

class InboxTest : public StoreTest {
 protected:
  /** Inbox::claim() of up to 10 rows in a transaction of its own. */
  std::vector<InboxRow> claimDue(const Inbox& inbox, const std::string& owner, int64_t at) {
    std::vector<InboxRow> rows;
    tx([&](Session& s) { rows = inbox.claim(s, owner, at, 60000, 10); });
    return rows;
  }
};

TEST_P(InboxTest, AppendStoresEveryDeliveryWithItsRawBytes) {
  Inbox inbox(db_->dialect());
  const char raw[] = "{\"entry\":[]}\0\xff binary-safe";  // a NUL and a byte that is not UTF-8
  const std::string body(raw, sizeof raw - 1);
  int64_t first = 0, repeat = 0;
  tx([&](Session& s) {
    first = inbox.append(s, {"default", body, 1000});
    repeat = inbox.append(s, {"default", body, 2000});  // repeats are recognised when processed
  });
  EXPECT_GT(repeat, first);
  std::optional<InboxRow> row;
  tx([&](Session& s) { row = inbox.get(s, first); });
  ASSERT_TRUE(row);
  EXPECT_EQ(row->body, body);
  EXPECT_EQ(row->state, "pending");
  EXPECT_EQ(row->receivedAt, 1000);
}

TEST_P(InboxTest, LongBodiesReadBackWholeWhenClaimedListedOrFetched) {
  // On MariaDB bodies are read 16,000 bytes at most, and longer ones again in full.
  Inbox inbox(db_->dialect());
  std::string longBody;
  for (int i = 0; i < 40000; ++i) longBody += static_cast<char>((i * 13 + i / 256) % 256);  // NULs
  const std::vector<std::string> bodies = {longBody, "short", longBody.substr(0, 16001),
                                           longBody.substr(0, 16000)};
  std::map<int64_t, std::string> byId;
  tx([&](Session& s) {
    for (const auto& b : bodies) byId[inbox.append(s, {"default", b, 1000})] = b;
  });
  std::vector<InboxRow> claimed, listed;
  tx([&](Session& s) { claimed = inbox.claim(s, "me", 2000, 60000, 10); });
  tx([&](Session& s) { listed = inbox.list(s, "processing", 10); });
  ASSERT_EQ(claimed.size(), bodies.size());
  ASSERT_EQ(listed.size(), bodies.size());
  for (const auto* rows : {&claimed, &listed}) {
    for (const InboxRow& row : *rows) {
      EXPECT_EQ(row.body.size(), byId[row.id].size()) << row.id;
      EXPECT_TRUE(row.body == byId[row.id]) << "delivery " << row.id << " read back different";
    }
  }
  std::optional<InboxRow> one;
  tx([&](Session& s) { one = inbox.get(s, byId.begin()->first); });
  ASSERT_TRUE(one);
  EXPECT_TRUE(one->body == longBody);
}

TEST_P(InboxTest, AppendBatchGivesEachDeliveryTheIdOfItsRow) {
  // More than one statement's worth, a repeated body, and a failed delivery among them; then the
  // same batch row by row, as on an InnoDB server with interleaved auto-increment locking.
  std::vector<Delivery> deliveries;
  for (size_t i = 0; i < kRowsPerStatement + 7; ++i) {
    deliveries.push_back(
        {i % 2 ? "a" : "b", "body-" + std::to_string(i % 100), static_cast<int64_t>(i)});
  }
  deliveries[3].state = "failed";
  deliveries[3].error = "not JSON";
  deliveries[5].body = "";  // stored as no bytes (Poco binds an empty BLOB as NULL)
  for (const bool consecutive : {true, false}) {
    SCOPED_TRACE(consecutive ? "multi-row INSERT" : "row by row");
    Inbox inbox(db_->dialect(), consecutive);
    std::vector<int64_t> ids;
    tx([&](Session& s) { ids = inbox.appendBatch(s, deliveries); });
    ASSERT_EQ(ids.size(), deliveries.size());
    for (size_t i = 0; i < ids.size(); ++i) {  // each id names the row holding that delivery
      std::optional<InboxRow> row;
      tx([&](Session& s) { row = inbox.get(s, ids[i]); });
      ASSERT_TRUE(row) << i;
      EXPECT_EQ(row->app, deliveries[i].app) << i;
      EXPECT_EQ(row->body, deliveries[i].body) << i;
      EXPECT_EQ(row->receivedAt, deliveries[i].receivedAt) << i;
      EXPECT_EQ(row->state, i == 3 ? "failed" : "pending") << i;
      EXPECT_EQ(row->error, i == 3 ? "not JSON" : "") << i;
    }
  }
}

TEST_P(InboxTest, ADigestBelongsToTheFirstDeliveryRecordingIt) {
  Inbox inbox(db_->dialect());
  const std::string digest = Inbox::digestOf("{\"entry\":[]}");
  EXPECT_EQ(digest, crypto::toHex(crypto::sha256("{\"entry\":[]}")));
  int64_t first = 0, again = 0, repeat = 0, otherApp = 0;
  tx([&](Session& s) {
    first = inbox.recordDigest(s, "a", digest, 10);
    again = inbox.recordDigest(s, "a", digest, 10);  // the same delivery processed again
    repeat = inbox.recordDigest(s, "a", digest, 11);
    otherApp = inbox.recordDigest(s, "b", digest, 12);
  });
  EXPECT_EQ(first, 10);
  EXPECT_EQ(again, 10);
  EXPECT_EQ(repeat, 10);
  EXPECT_EQ(otherApp, 12);
  // Recorded in a transaction that rolls back: nothing recorded.
  Status rolledBack = db_->transaction([&](Session& s) {
    inbox.recordDigest(s, "c", digest, 20);
    throw sdk::StatusError(Status(Code::kAborted, "processing failed"));
  });
  EXPECT_FALSE(rolledBack.isOk());
  int64_t later = 0;
  tx([&](Session& s) { later = inbox.recordDigest(s, "c", digest, 21); });
  EXPECT_EQ(later, 21);
}

TEST_P(InboxTest, ADuplicateIsDoneWithItsOriginalNamedAndIsNotReplayed) {
  Inbox inbox(db_->dialect());
  int64_t id = 0;
  tx([&](Session& s) { id = inbox.append(s, {"app", "x", 0}); });
  tx([&](Session& s) { inbox.claim(s, "w", 10, 1000, 10); });
  bool wrongOwner = true, marked = false, replayed = true;
  tx([&](Session& s) {
    wrongOwner = inbox.markDuplicate(s, id, "other", 7);
    marked = inbox.markDuplicate(s, id, "w", 7);
  });
  EXPECT_FALSE(wrongOwner);
  EXPECT_TRUE(marked);
  std::optional<InboxRow> row;
  tx([&](Session& s) {
    row = inbox.get(s, id);
    replayed = inbox.replay(s, id, 20);
  });
  EXPECT_EQ(row->state, "duplicate");
  EXPECT_EQ(row->error, "same body as delivery 7");
  EXPECT_FALSE(replayed);
}

TEST_P(InboxTest, ClaimLeasesDueDeliveriesAndOnlyTheOwnerCompletesThem) {
  Inbox inbox(db_->dialect());
  int64_t a = 0, b = 0;
  tx([&](Session& s) {
    a = inbox.append(s, {"app", "a", 100});
    b = inbox.append(s, {"app", "b", 100});
    inbox.append(s, {"app", "bad json", 100, "failed", "not JSON"});
  });
  std::vector<InboxRow> claimed;
  tx([&](Session& s) { claimed = inbox.claim(s, "worker-1", 1000, 30000, 10); });
  ASSERT_EQ(claimed.size(), 2u);
  EXPECT_EQ(claimed[0].id, a);
  EXPECT_EQ(claimed[0].attempts, 1);
  std::vector<InboxRow> again;
  tx([&](Session& s) { again = inbox.claim(s, "worker-2", 2000, 30000, 10); });
  EXPECT_TRUE(again.empty()) << "leased rows must not be claimed twice";
  bool wrongOwner = true, done = false, retried = false;
  tx([&](Session& s) {
    wrongOwner = inbox.markDone(s, a, "worker-2");
    done = inbox.markDone(s, a, "worker-1");
    retried = inbox.markFailed(s, b, "worker-1", "tenant plugin unavailable", 5000);
  });
  EXPECT_FALSE(wrongOwner);
  EXPECT_TRUE(done);
  EXPECT_TRUE(retried);
  tx([&](Session& s) { again = inbox.claim(s, "worker-2", 4000, 30000, 10); });
  EXPECT_TRUE(again.empty()) << "not due before its retry time";
  tx([&](Session& s) { again = inbox.claim(s, "worker-2", 5000, 30000, 10); });
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].id, b);
  EXPECT_EQ(again[0].attempts, 2);
  EXPECT_EQ(again[0].error, "tenant plugin unavailable");
}

TEST_P(InboxTest, AnAbandonedDeliveryIsTakenOverAloneAfterItsLease) {
  Inbox inbox(db_->dialect());
  int64_t a = 0, b = 0;
  tx([&](Session& s) {
    a = inbox.append(s, {"app", "a", 0});
    b = inbox.append(s, {"app", "b", 0});
  });
  tx([&](Session& s) { inbox.claim(s, "dead-host", 1000, 500, 10); });
  TakenOver<InboxRow> early, first, second;
  bool abandoned = false;
  tx([&](Session& s) {
    early = inbox.claimAbandoned(s, "live-host", 1400, 500, 10);
    abandoned = inbox.anyAbandoned(s, 1400);
  });
  EXPECT_FALSE(early.row) << "taken over before its lease ran out";
  EXPECT_FALSE(abandoned);
  EXPECT_TRUE(claimDue(inbox, "live-host", 1600).empty())
      << "an abandoned delivery is not due work";
  tx([&](Session& s) {
    abandoned = inbox.anyAbandoned(s, 1600);
    first = inbox.claimAbandoned(s, "live-host", 1600, 500, 10);
    second = inbox.claimAbandoned(s, "live-host", 1600, 500, 10);
  });
  EXPECT_TRUE(abandoned);
  ASSERT_TRUE(first.row);
  EXPECT_EQ(first.row->id, a);
  EXPECT_EQ(first.row->attempts, 2);
  ASSERT_TRUE(second.row) << "one per claim";
  EXPECT_EQ(second.row->id, b);
  bool lateDone = true;
  tx([&](Session& s) { lateDone = inbox.markDone(s, a, "dead-host"); });
  EXPECT_FALSE(lateDone) << "the old owner lost its lease";
}

TEST_P(InboxTest, ADeliveryAbandonedOnItsLastAttemptFailsInsteadOfBeingClaimedAgain) {
  Inbox inbox(db_->dialect());
  int64_t poison = 0, next = 0;
  tx([&](Session& s) {
    poison = inbox.append(s, {"app", "kills the host", 0});
    next = inbox.append(s, {"app", "fine", 0});
  });
  // Three claims whose process died: the third reaches the limit of 3.
  tx([&](Session& s) { inbox.claim(s, "host:1", 1000, 100, 1); });
  tx([&](Session& s) { EXPECT_TRUE(inbox.claimAbandoned(s, "host:2", 2000, 100, 3).row); });
  tx([&](Session& s) { EXPECT_TRUE(inbox.claimAbandoned(s, "host:3", 3000, 100, 3).row); });
  TakenOver<InboxRow> taken;
  tx([&](Session& s) { taken = inbox.claimAbandoned(s, "host:4", 4000, 100, 3); });
  EXPECT_EQ(taken.failed, std::vector<int64_t>{poison});
  EXPECT_FALSE(taken.row);
  std::optional<InboxRow> row;
  tx([&](Session& s) { row = inbox.get(s, poison); });
  EXPECT_EQ(row->state, "failed");
  EXPECT_EQ(row->attempts, 3);
  EXPECT_NE(row->error.find("on each of 3 attempts"), std::string::npos) << row->error;
  std::vector<InboxRow> listed;
  tx([&](Session& s) { listed = inbox.list(s, "failed", 10); });
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].id, poison);
  // Its neighbour is untouched, and the replayed delivery starts counting again.
  EXPECT_EQ(claimDue(inbox, "host:4", 5000).front().id, next);
  tx([&](Session& s) { EXPECT_TRUE(inbox.replay(s, poison, 5000)); });
  const std::vector<InboxRow> replayed = claimDue(inbox, "host:4", 5000);
  ASSERT_EQ(replayed.size(), 1u);
  EXPECT_EQ(replayed[0].attempts, 1);
}

TEST_P(InboxTest, ARestartedHostTakesBackItsEarlierProcessesClaimsAndNoOneElses) {
  Inbox inbox(db_->dialect());
  int64_t mine = 0, theirs = 0;
  tx([&](Session& s) {
    mine = inbox.append(s, {"app", "a", 0});
    theirs = inbox.append(s, {"app", "b", 0});
  });
  tx([&](Session& s) { inbox.claim(s, "web-1:100", 1000, 60000, 1); });
  tx([&](Session& s) { inbox.claim(s, "web-10:200", 1000, 60000, 1); });
  size_t expired = 0;
  TakenOver<InboxRow> taken, more;
  tx([&](Session& s) {
    expired = expireLeasesOf(s, kInboxClaims, "web-1", "web-1:300");
    taken = inbox.claimAbandoned(s, "web-1:300", 2000, 60000, 10);
    more = inbox.claimAbandoned(s, "web-1:300", 2000, 60000, 10);
  });
  EXPECT_EQ(expired, 1u) << "web-10 is another host, not an earlier process of web-1";
  ASSERT_TRUE(taken.row);
  EXPECT_EQ(taken.row->id, mine);
  EXPECT_FALSE(more.row) << "delivery " << theirs << " is still leased to a live host";
}

TEST_P(InboxTest, FailedDeliveriesAreListedAndReplayed) {
  Inbox inbox(db_->dialect());
  int64_t id = 0;
  tx([&](Session& s) { id = inbox.append(s, {"app", "{oops", 10, "failed", "not JSON: line 1"}); });
  std::vector<InboxRow> failed;
  tx([&](Session& s) { failed = inbox.list(s, "failed", 10); });
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].error, "not JSON: line 1");
  bool replayed = false;
  tx([&](Session& s) { replayed = inbox.replay(s, id, 20); });
  EXPECT_TRUE(replayed);
  tx([&](Session& s) { failed = inbox.claim(s, "w", 20, 1000, 10); });
  EXPECT_EQ(failed.size(), 1u);
}

BARAZA_ON_BOTH_BACKENDS(InboxTest);

class MessageStoreTest : public StoreTest {};

MessageRecord inbound(const std::string& wamid) {
  return {"acme",
          wamid,
          "in",
          "100000000000001",
          "254700000001",
          "text",
          R"({"body":"habari"})",
          1700000000000,
          "received",
          1700000000000,
          ""};
}

TEST_P(MessageStoreTest, AMessageIsStoredOncePerTenantAndWamid) {
  MessageStore store(db_->dialect());
  bool first = false, second = true, otherTenant = false;
  tx([&](Session& s) {
    first = store.insertOnce(s, inbound("wamid.A"), 1);
    second = store.insertOnce(s, inbound("wamid.A"), 2);
    MessageRecord other = inbound("wamid.A");
    other.tenant = "globex";
    otherTenant = store.insertOnce(s, other, 3);
  });
  EXPECT_TRUE(first);
  EXPECT_FALSE(second);
  EXPECT_TRUE(otherTenant);
  std::optional<MessageRecord> m;
  tx([&](Session& s) { m = store.message(s, "acme", "wamid.A"); });
  ASSERT_TRUE(m);
  EXPECT_EQ(m->content, R"({"body":"habari"})");
  EXPECT_EQ(m->status, "received");
}

TEST_P(MessageStoreTest, LongContentIsReadWholeBesideShortContent) {
  // On MariaDB messages are read with the first 16,000 characters of their content, and longer
  // contents again in full (Rows.h, textHead): both must come back as stored.
  MessageStore store(db_->dialect());
  MessageRecord longOne = inbound("wamid.long");
  longOne.content = R"({"body":")" + std::string(16500, 'x') + "\u00e9\u20ac" + R"("})";
  tx([&](Session& s) {
    store.insertOnce(s, inbound("wamid.short"), 1);
    store.insertOnce(s, longOne, 1);
  });
  std::optional<MessageRecord> one;
  std::map<int64_t, MessageRecord> both;
  tx([&](Session& s) {
    one = store.message(s, "acme", "wamid.long");
    std::vector<int64_t> ids;
    s << "SELECT id FROM messages ORDER BY id", into(ids), now;
    both = store.messagesByIds(s, ids);
  });
  ASSERT_TRUE(one);
  EXPECT_EQ(one->content, longOne.content);
  ASSERT_EQ(both.size(), 2u);
  EXPECT_EQ(both.begin()->second.content, R"({"body":"habari"})");
  EXPECT_EQ(both.rbegin()->second.content, longOne.content);
  EXPECT_EQ(both.rbegin()->second.status, "received");
}

TEST_P(MessageStoreTest, InsertAllStoresEachNewMessageOnce) {
  MessageStore store(db_->dialect());
  size_t first = 0, again = 0;
  std::vector<MessageRecord> batch;
  for (int i = 0; i < 250; ++i)
    batch.push_back(inbound("wamid.many-" + std::to_string(i)));  // two statements
  batch[9].status = "failed";
  batch[9].error = R"({"code":131026})";
  tx([&](Session& s) {
    first = store.insertAll(s, {inbound("wamid.many-7")}, 1);
    again = store.insertAll(s, batch, 2);
  });
  EXPECT_EQ(first, 1u);
  EXPECT_EQ(again, 249u) << "wamid.many-7 was stored before";
  std::optional<MessageRecord> m, failed;
  bool advanced = false, advancedPastFailed = true;
  int withoutError = -1;
  tx([&](Session& s) {
    m = store.message(s, "acme", "wamid.many-249");
    failed = store.message(s, "acme", "wamid.many-9");
    // The status rank went in with each row: a stored "received" moves on, a "failed" does not.
    advanced = store.advanceStatus(s, "acme", "wamid.many-249", "delivered", 3, "");
    advancedPastFailed = store.advanceStatus(s, "acme", "wamid.many-9", "read", 3, "");
    s << "SELECT COUNT(*) FROM messages WHERE error IS NULL", into(withoutError), now;
  });
  ASSERT_TRUE(m);
  EXPECT_EQ(m->content, R"({"body":"habari"})");
  EXPECT_EQ(m->phoneNumberId, "100000000000001");
  EXPECT_EQ(m->contact, "254700000001");
  EXPECT_EQ(m->sentAt, 1700000000000);
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->status, "failed");
  EXPECT_EQ(failed->error, R"({"code":131026})");
  EXPECT_TRUE(advanced);
  EXPECT_FALSE(advancedPastFailed);
  EXPECT_EQ(withoutError, 249) << "no error is NULL, not an empty string";
}

TEST_P(MessageStoreTest, SkippingARepeatedWamidSilencesNothingElse) {
  // Two wamids alike in their first 191 characters (MariaDB's column). Cut short, the first
  // would be stored wrong and the second dropped as its repeat: each must be an error instead.
  MessageStore store(db_->dialect());
  const std::string prefix(191, 'w');
  std::vector<Status> inserted;
  for (const std::string& wamid : {prefix + "-1", prefix + "-2"}) {
    inserted.push_back(
        db_->transaction([&](Session& s) { store.insertOnce(s, inbound(wamid), 1); }));
  }
  int stored = -1;
  tx([&](Session& s) { s << "SELECT COUNT(*) FROM messages", into(stored), now; });
  const bool sqlite = GetParam() == Backend::kSqlite;  // no length limits
  for (const Status& status : inserted) EXPECT_EQ(status.isOk(), sqlite) << status.toString();
  EXPECT_EQ(stored, sqlite ? 2 : 0);
}

TEST_P(MessageStoreTest, StatusesOnlyMoveForwardAndFailedIsTerminal) {
  MessageStore store(db_->dialect());
  MessageRecord out = inbound("wamid.OUT");
  out.direction = "out";
  out.status = "accepted";
  std::vector<bool> moved;
  tx([&](Session& s) {
    store.insertOnce(s, out, 1);
    moved.push_back(
        store.advanceStatus(s, "acme", "wamid.OUT", "read", 30, ""));  // read first: normal
    moved.push_back(
        store.advanceStatus(s, "acme", "wamid.OUT", "delivered", 20, ""));         // late: ignored
    moved.push_back(store.advanceStatus(s, "acme", "wamid.OUT", "sent", 10, ""));  // late: ignored
    moved.push_back(store.advanceStatus(s, "acme", "wamid.OUT", "played", 40, ""));
  });
  EXPECT_EQ(moved, (std::vector<bool>{true, false, false, true}));
  std::optional<MessageRecord> m;
  tx([&](Session& s) { m = store.message(s, "acme", "wamid.OUT"); });
  EXPECT_EQ(m->status, "played");
  EXPECT_EQ(m->statusAt, 40);

  MessageRecord failing = inbound("wamid.F");
  failing.status = "accepted";
  tx([&](Session& s) {
    store.insertOnce(s, failing, 1);
    moved = {store.advanceStatus(s, "acme", "wamid.F", "failed", 5, R"([{"code":131026}])"),
             store.advanceStatus(s, "acme", "wamid.F", "delivered", 6, ""),
             store.advanceStatus(s, "acme", "wamid.F", "failed", 7, R"([{"code":1}])")};
  });
  EXPECT_EQ(moved, (std::vector<bool>{true, false, false}));
  tx([&](Session& s) { m = store.message(s, "acme", "wamid.F"); });
  EXPECT_EQ(m->status, "failed");
  EXPECT_EQ(m->error, R"([{"code":131026}])");
}

TEST_P(MessageStoreTest, StatusEventsAreKeptOnceEach) {
  MessageStore store(db_->dialect());
  StatusEvent e{"acme", "wamid.X", "delivered", 100, "254700000001", "", R"({"billable":true})",
                "",     5};
  bool first = false, repeat = true;
  tx([&](Session& s) {
    first = store.addStatusEvent(s, e);
    repeat = store.addStatusEvent(s, e);
    e.status = "read";
    e.occurredAt = 90;  // out of order
    store.addStatusEvent(s, e);
  });
  EXPECT_TRUE(first);
  EXPECT_FALSE(repeat);
  std::vector<StatusEvent> events;
  tx([&](Session& s) { events = store.statusEvents(s, "acme", "wamid.X"); });
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].status, "read");
  EXPECT_EQ(events[1].pricing, R"({"billable":true})");
}

TEST_P(MessageStoreTest, ContactsKeepTheLatestInboundTimeAndKnownNames) {
  MessageStore store(db_->dialect());
  tx([&](Session& s) {
    store.upsertContact(s, {"acme", "254700000001", "", "Wanjiku", 2000}, 1);
    store.upsertContact(s, {"acme", "254700000001", "US.123", "", 1000},
                        2);  // older message, no name
  });
  std::optional<ContactRecord> c;
  tx([&](Session& s) { c = store.contact(s, "acme", "254700000001"); });
  ASSERT_TRUE(c);
  EXPECT_EQ(c->profileName, "Wanjiku");
  EXPECT_EQ(c->userId, "US.123");
  EXPECT_EQ(c->lastInboundAt, 2000);
  tx([&](Session& s) { c = store.contact(s, "globex", "254700000001"); });
  EXPECT_FALSE(c) << "contacts are per tenant";
}

TEST(ContactRecord, TheServiceWindowIs24HoursFromTheLastInboundMessage) {
  ContactRecord c{"acme", "254700000001", "", "", 1000};
  EXPECT_TRUE(c.serviceWindowOpen(1000));
  EXPECT_TRUE(c.serviceWindowOpen(1000 + ContactRecord::kServiceWindowMs - 1));
  EXPECT_FALSE(c.serviceWindowOpen(1000 + ContactRecord::kServiceWindowMs));
  EXPECT_FALSE(ContactRecord{}.serviceWindowOpen(1)) << "no inbound message, no window";
}

BARAZA_ON_BOTH_BACKENDS(MessageStoreTest);

class OutboxTest : public StoreTest {};

OutboundMessage message(const std::string& key = "") {
  return {
      "acme", "100000000000001", "+254700000001", R"({"type":"text","text":{"body":"hi"}})", key,
      0};
}

TEST_P(OutboxTest, EnqueueIsIdempotentByKey) {
  Outbox outbox(db_->dialect());
  int64_t a = 0, b = 0, c = 0, d = 0;
  tx([&](Session& s) {
    a = outbox.enqueue(s, message("reply:wamid.1:0"), 10);
    b = outbox.enqueue(s, message("reply:wamid.1:0"), 20);
    c = outbox.enqueue(s, message(), 30);
    d = outbox.enqueue(s, message(), 40);
  });
  EXPECT_EQ(a, b);
  EXPECT_NE(c, d) << "messages without a key are always new";
  std::optional<OutboxRow> row;
  tx([&](Session& s) { row = outbox.get(s, a); });
  ASSERT_TRUE(row);
  EXPECT_EQ(row->state, "queued");
  EXPECT_EQ(row->recipient, "+254700000001");
  EXPECT_EQ(row->createdAt, 10);
}

TEST_P(OutboxTest, EnqueueAllGivesEachMessageItsRowAndKeepsKeysIdempotent) {
  int64_t existing = 0;
  tx([&](Session& s) { existing = Outbox(db_->dialect()).enqueue(s, message("key-0"), 5); });
  for (const bool consecutive : {true, false}) {
    SCOPED_TRACE(consecutive ? "multi-row INSERT" : "row by row");
    Outbox outbox(db_->dialect(), consecutive);
    std::vector<OutboundMessage> messages;
    for (size_t i = 0; i < kRowsPerStatement + 44; ++i) {
      OutboundMessage m = message(
          i % 50 == 7 ? "key-" + std::string(consecutive ? "a" : "b") + std::to_string(i) : "");
      m.recipient = "+2547" + std::to_string(10000000 + i);
      m.payload = R"({"n":)" + std::to_string(i) + "}";
      messages.push_back(m);
    }
    messages[3].idempotencyKey = "key-0";  // queued before: the same message
    std::vector<int64_t> ids;
    tx([&](Session& s) { ids = outbox.enqueueAll(s, messages, 10); });
    ASSERT_EQ(ids.size(), messages.size());
    EXPECT_EQ(ids[3], existing);
    // All rows in one query: on MariaDB every query reading the MEDIUMTEXT payload costs Poco a
    // 16 MiB buffer, and one get() per row made this test take half a minute.
    std::map<int64_t, std::tuple<std::string, std::string, std::string>> rows;
    tx([&](Session& s) {
      Poco::Data::Statement select(s);
      select << "SELECT id, recipient, payload, state FROM outbox WHERE id > ?", bind(existing);
      select.execute();
      Poco::Data::RecordSet found(select);
      for (bool more = found.moveFirst(); more; more = found.moveNext()) {
        rows[integer(found, 0)] = {text(found, 1), text(found, 2), text(found, 3)};
      }
    });
    for (size_t i = 0; i < ids.size(); ++i) {
      if (i == 3) continue;
      ASSERT_TRUE(rows.count(ids[i])) << i;
      const auto& [recipient, payload, state] = rows[ids[i]];
      EXPECT_EQ(recipient, messages[i].recipient) << i;
      EXPECT_EQ(payload, messages[i].payload) << i;
      EXPECT_EQ(state, "queued") << i;
    }
  }
}

TEST_P(OutboxTest, LongPayloadsAreReadWholeBesideShortOnes) {
  // On MariaDB a claim reads the first 16,000 characters of each payload with its row and the
  // longer ones again in full: both kinds must come back exactly as stored, multi-byte ones too.
  Outbox outbox(db_->dialect());
  OutboundMessage shortOne = message();
  OutboundMessage longOne = message();
  longOne.payload =
      R"({"type":"text","text":{"body":")" + std::string(20000, 'x') + "é€" + R"("}})";
  OutboundMessage exactlyAtTheCut = message();
  exactlyAtTheCut.payload = std::string(16000, 'y');
  int64_t a = 0, b = 0, c = 0;
  tx([&](Session& s) {
    a = outbox.enqueue(s, shortOne, 0);
    b = outbox.enqueue(s, longOne, 0);
    c = outbox.enqueue(s, exactlyAtTheCut, 0);
  });
  std::vector<OutboxRow> claimed;
  tx([&](Session& s) { claimed = outbox.claim(s, "100000000000001", "host-a", 100, 10000, 10); });
  ASSERT_EQ(claimed.size(), 3u);
  EXPECT_EQ(claimed[0].id, a);
  EXPECT_EQ(claimed[0].payload, shortOne.payload);
  EXPECT_EQ(claimed[1].id, b);
  EXPECT_EQ(claimed[1].payload, longOne.payload);
  EXPECT_EQ(claimed[1].state, "sending");
  EXPECT_EQ(claimed[2].payload, exactlyAtTheCut.payload);
  std::optional<OutboxRow> got;
  tx([&](Session& s) { got = outbox.get(s, b); });
  ASSERT_TRUE(got);
  EXPECT_EQ(got->payload, longOne.payload);
  EXPECT_EQ(c, claimed[2].id);
}

TEST_P(OutboxTest, ClaimSendRetryAndFailUnderTheLease) {
  Outbox outbox(db_->dialect());
  int64_t id = 0, other = 0;
  tx([&](Session& s) {
    id = outbox.enqueue(s, message(), 0);
    other = outbox.enqueue(s, message(), 0);
  });
  std::vector<OutboxRow> claimed;
  tx([&](Session& s) { claimed = outbox.claim(s, "100000000000001", "host-a", 100, 10000, 1); });
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(claimed[0].id, id);
  EXPECT_EQ(claimed[0].state, "sending");
  EXPECT_EQ(claimed[0].leaseOwner, "host-a");
  bool retried = false, stolen = true;
  tx([&](Session& s) {
    stolen = outbox.markSent(s, id, "host-b", "wamid.Z", 150);
    retried = outbox.retryLater(s, id, "host-a", "130429 rate limit", 1000, 150);
  });
  EXPECT_FALSE(stolen);
  EXPECT_TRUE(retried);
  tx([&](Session& s) { claimed = outbox.claim(s, "100000000000001", "host-a", 200, 10000, 10); });
  ASSERT_EQ(claimed.size(), 1u) << "only the other message is due";
  EXPECT_EQ(claimed[0].id, other);
  bool failed = false;
  tx([&](Session& s) {
    failed = outbox.markFailed(s, other, "host-a", "131026 undeliverable", 210);
  });
  EXPECT_TRUE(failed);
  tx([&](Session& s) { claimed = outbox.claim(s, "100000000000001", "host-a", 1000, 10000, 10); });
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(claimed[0].attempts, 2);
  EXPECT_EQ(claimed[0].lastError, "130429 rate limit");
  bool sent = false;
  tx([&](Session& s) { sent = outbox.markSent(s, id, "host-a", "wamid.Z", 1100); });
  EXPECT_TRUE(sent);
  std::optional<OutboxRow> row;
  tx([&](Session& s) { row = outbox.get(s, id); });
  EXPECT_EQ(row->state, "sent");
  EXPECT_EQ(row->providerId, "wamid.Z");
  tx([&](Session& s) { row = outbox.get(s, other); });
  EXPECT_EQ(row->state, "failed");
  EXPECT_EQ(row->lastError, "131026 undeliverable");
}

TEST_P(OutboxTest, MarkAllSentKeepsEachProviderIdAndSkipsLeasesLost) {
  Outbox outbox(db_->dialect());
  std::vector<int64_t> ids(3);
  tx([&](Session& s) {
    for (auto& id : ids) id = outbox.enqueue(s, message(), 0);
  });
  std::vector<OutboxRow> claimed;
  tx([&](Session& s) { claimed = outbox.claim(s, "100000000000001", "host-a", 100, 10000, 10); });
  ASSERT_EQ(claimed.size(), 3u);
  // The second message's lease went to another host meanwhile.
  tx([&](Session& s) {
    s << "UPDATE outbox SET lease_owner = 'host-b' WHERE id = ?",
        Poco::Data::Keywords::bind(ids[1]), now;
  });
  size_t marked = 0;
  tx([&](Session& s) {
    marked = outbox.markAllSent(s, {{ids[0], "wamid.0"}, {ids[1], "wamid.1"}, {ids[2], "wamid.2"}},
                                "host-a", 200);
  });
  EXPECT_EQ(marked, 2u);
  std::vector<std::optional<OutboxRow>> rows(3);
  tx([&](Session& s) {
    for (size_t i = 0; i < 3; ++i) rows[i] = outbox.get(s, ids[i]);
  });
  EXPECT_EQ(rows[0]->state, "sent");
  EXPECT_EQ(rows[0]->providerId, "wamid.0");
  EXPECT_EQ(rows[1]->state, "sending") << "not ours to settle";
  EXPECT_EQ(rows[1]->providerId, "");
  EXPECT_EQ(rows[2]->state, "sent");
  EXPECT_EQ(rows[2]->providerId, "wamid.2");
}

TEST_P(OutboxTest, AClaimTakesOnlyItsSendingNumbersMessages) {
  Outbox outbox(db_->dialect());
  OutboundMessage other = message();
  other.phoneNumberId = "100000000000002";
  tx([&](Session& s) { outbox.enqueueAll(s, {message(), other, message(), other}, 0); });
  std::vector<OutboxRow> claimed;
  tx([&](Session& s) { claimed = outbox.claim(s, "100000000000002", "host-a", 100, 10000, 10); });
  ASSERT_EQ(claimed.size(), 2u);
  for (const auto& row : claimed) EXPECT_EQ(row.phoneNumberId, "100000000000002");
  // A phone number id is inlined into the claim's SQL: anything but digits is refused.
  const Status refused = db_->transaction(
      [&](Session& s) { outbox.claim(s, "1' OR '1' = '1", "host-a", 100, 10000, 10); });
  EXPECT_FALSE(refused.isOk());
  EXPECT_THAT(refused.message(), ::testing::HasSubstr("digits only"));
}

TEST_P(OutboxTest, OneClaimForSeveralNumbersGivesEachItsOwnRowsUpToItsLimit) {
  Outbox outbox(db_->dialect());
  auto from = [](const std::string& number, const std::string& to) {
    OutboundMessage m = message();
    m.phoneNumberId = number;
    m.recipient = to;
    return m;
  };
  tx([&](Session& s) {
    outbox.enqueueAll(s,
                      {from("100000000000001", "+1"), from("100000000000002", "+2"),
                       from("100000000000001", "+3"), from("100000000000002", "+4"),
                       from("100000000000001", "+5"), from("100000000000003", "+6")},
                      0);
  });
  std::vector<std::vector<OutboxRow>> claimed;
  tx([&](Session& s) {
    claimed = outbox.claimEach(
        s, {{"100000000000002", 10}, {"100000000000001", 2}, {"100000000000009", 5}}, "host-a", 100,
        10000, 10);
  });
  ASSERT_EQ(claimed.size(), 3u);
  auto recipients = [](const std::vector<OutboxRow>& rows) {
    std::vector<std::string> out;
    for (const auto& row : rows) out.push_back(row.recipient);
    return out;
  };
  EXPECT_EQ(recipients(claimed[0]), (std::vector<std::string>{"+2", "+4"}));
  EXPECT_EQ(recipients(claimed[1]), (std::vector<std::string>{"+1", "+3"}))
      << "its limit, oldest first";
  EXPECT_TRUE(claimed[2].empty());
  for (const auto& rows : claimed) {
    for (const auto& row : rows) EXPECT_EQ(row.leaseOwner, "host-a");
  }
  // What was left is there for the next claim, and nothing claimed is claimed twice.
  tx([&](Session& s) {
    claimed = outbox.claimEach(s, {{"100000000000001", 10}, {"100000000000003", 10}}, "host-b", 100,
                               10000, 10);
  });
  EXPECT_EQ(recipients(claimed[0]), (std::vector<std::string>{"+5"}));
  EXPECT_EQ(recipients(claimed[1]), (std::vector<std::string>{"+6"}));
}

TEST_P(OutboxTest, AMessageInFlightWhenItsHostDiedIsClaimedAgainAfterTheLease) {
  Outbox outbox(db_->dialect());
  tx([&](Session& s) { outbox.enqueue(s, message(), 0); });
  std::vector<OutboxRow> claimed;
  tx([&](Session& s) { claimed = outbox.claim(s, "100000000000001", "host-a", 100, 1000, 10); });
  ASSERT_EQ(claimed.size(), 1u);
  tx([&](Session& s) { claimed = outbox.claim(s, "100000000000001", "host-b", 1099, 1000, 10); });
  EXPECT_TRUE(claimed.empty());
  tx([&](Session& s) { claimed = outbox.claim(s, "100000000000001", "host-b", 1101, 1000, 10); });
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(claimed[0].leaseOwner, "host-b");
  EXPECT_EQ(claimed[0].attempts, 2);
}

BARAZA_ON_BOTH_BACKENDS(OutboxTest);

class LeasesTest : public StoreTest {};

TEST_P(LeasesTest, OneOwnerUntilExpiryThenAnyone) {
  Leases leases(db_->dialect());
  std::vector<bool> got;
  tx([&](Session& s) {
    got.push_back(leases.acquire(s, "dispatch:100000000000001", "host-a", 1000, 500));
    got.push_back(leases.acquire(s, "dispatch:100000000000001", "host-b", 1200, 500));
    got.push_back(leases.acquire(s, "dispatch:100000000000001", "host-a", 1200, 500));  // renew
    got.push_back(leases.acquire(s, "dispatch:100000000000001", "host-a", 1200, 500));  // same ms
    got.push_back(leases.acquire(s, "dispatch:100000000000001", "host-b", 1600, 500));  // not yet
    got.push_back(leases.acquire(s, "dispatch:100000000000001", "host-b", 1701, 500));  // expired
  });
  EXPECT_EQ(got, (std::vector<bool>{true, false, true, true, false, true}));
  std::optional<std::string> holder;
  tx([&](Session& s) {
    leases.release(s, "dispatch:100000000000001", "host-a", 1800);  // not the holder: no effect
    holder = leases.holder(s, "dispatch:100000000000001", 1800);
  });
  EXPECT_EQ(holder, "host-b");
  tx([&](Session& s) {
    leases.release(s, "dispatch:100000000000001", "host-b", 1800);
    holder = leases.holder(s, "dispatch:100000000000001", 1800);
  });
  EXPECT_FALSE(holder);
}

TEST_P(LeasesTest, AHoldIsRememberedAfterItEnds) {
  Leases leases(db_->dialect());
  std::optional<Leases::Hold> never, expired, released, stillHeld;
  bool taken = false;
  tx([&](Session& s) {
    never = leases.lastHold(s, "dispatch:100000000000002");
    leases.acquire(s, "dispatch:100000000000002", "host-a", 1000, 500);
    expired = leases.lastHold(s, "dispatch:100000000000002");  // host-a may send until 1500
    taken = leases.acquire(s, "dispatch:100000000000002", "host-b", 1600, 500);
    leases.release(s, "dispatch:100000000000002", "host-b", 1700);
    released = leases.lastHold(s, "dispatch:100000000000002");
    leases.release(s, "dispatch:100000000000002", "host-a", 1750);  // not the holder: no effect
    stillHeld = leases.lastHold(s, "dispatch:100000000000002");
  });
  EXPECT_FALSE(never);
  ASSERT_TRUE(expired && released && stillHeld);
  EXPECT_EQ(expired->until, 1500);
  EXPECT_EQ(expired->owner, "host-a");
  EXPECT_TRUE(taken);
  EXPECT_EQ(released->until, 1699);  // held up to just before the release
  EXPECT_EQ(released->owner, "host-b");
  EXPECT_EQ(stillHeld->until, 1699);
  EXPECT_EQ(stillHeld->owner, "host-b");
  bool again = false;
  tx([&](Session& s) {
    again = leases.acquire(s, "dispatch:100000000000002", "host-a", 1700, 500);
  });
  EXPECT_TRUE(again) << "a released lease is free at once";
}

BARAZA_ON_BOTH_BACKENDS(LeasesTest);

class HostIdentityTest : public StoreTest {};

TEST_P(HostIdentityTest, ARunningHostKeepsItsIdentityAndAnotherProcessWithItIsRefused) {
  HostIdentity::Settings settings;
  settings.ttl = std::chrono::milliseconds(300);
  settings.patience = std::chrono::milliseconds(1500);
  settings.process = "first";
  auto first = HostIdentity::take(db_, "web-1", settings);
  ASSERT_TRUE(first.isOk()) << first.status().toString();
  settings.process = "twin";
  auto twin = HostIdentity::take(db_, "web-1", settings);  // the first renews meanwhile
  ASSERT_FALSE(twin.isOk());
  EXPECT_EQ(twin.status().code(), Code::kFailedPrecondition);
  EXPECT_THAT(twin.status().message(),
              ::testing::HasSubstr("host id web-1 is in use by a running host"));
  EXPECT_TRUE(HostIdentity::take(db_, "web-2", settings).isOk()) << "another identity is free";
  first->reset();  // stops cleanly: releases it
  EXPECT_TRUE(HostIdentity::take(db_, "web-1", settings).isOk());
  EXPECT_FALSE(HostIdentity::take(db_, "web 1", settings).isOk()) << "not a valid identity";
}

TEST_P(HostIdentityTest, AProcessTakingOverADeadOnesIdentityTakesBackItsClaimsAndLeases) {
  Inbox inbox(db_->dialect());
  Leases leases(db_->dialect());
  tx([&](Session& s) {
    inbox.append(s, {"app", "a", 0});
    inbox.append(s, {"app", "b", 0});
    inbox.claim(s, "web-1:100", nowMs(), 3600000, 1);  // killed holding it for an hour
    inbox.claim(s, "web-2:200", nowMs(), 3600000, 1);  // another host's
    leases.acquire(s, "identity:web-1", "web-1:100", nowMs(), 200);  // no longer renewed
    leases.acquire(s, "dispatch:100000000000001", "web-1:100", nowMs(), 3600000);
  });
  HostIdentity::Settings settings;
  settings.ttl = std::chrono::milliseconds(300);
  auto taken = HostIdentity::take(db_, "web-1", settings);
  ASSERT_TRUE(taken.isOk()) << taken.status().toString();
  EXPECT_EQ((*taken)->takenBack(), 1u);
  EXPECT_THAT((*taken)->owner(), ::testing::StartsWith("web-1:"));
  bool mine = false, theirs = true;
  std::optional<std::string> number;
  tx([&](Session& s) {
    mine = inbox.anyAbandoned(s, nowMs());
    number = leases.holder(s, "dispatch:100000000000001", nowMs());
    inbox.claimAbandoned(s, (*taken)->owner(), nowMs(), 60000, 10);
    theirs = inbox.anyAbandoned(s, nowMs());
  });
  EXPECT_TRUE(mine);
  EXPECT_FALSE(number) << "the dead process's sending number is free at once";
  EXPECT_FALSE(theirs) << "web-2's claim is its own until its lease expires";
}

BARAZA_ON_BOTH_BACKENDS(HostIdentityTest);

class FlowAndConversationTest : public StoreTest {};

TEST_P(FlowAndConversationTest, FlowTokensAreBoundAndCloseOnce) {
  FlowSessions flows(db_->dialect());
  tx([&](Session& s) {
    flows.create(s, {"tok-1", "acme", "254700000001", "airtime", "conv-9", "open", 10, 1000, 0});
  });
  std::optional<FlowSession> f;
  bool first = false, second = true;
  tx([&](Session& s) {
    f = flows.get(s, "tok-1");
    first = flows.close(s, "tok-1", 50);
    second = flows.close(s, "tok-1", 60);
  });
  ASSERT_TRUE(f);
  EXPECT_EQ(f->flow, "airtime");
  EXPECT_EQ(f->expiresAt, 1000);
  EXPECT_TRUE(first);
  EXPECT_FALSE(second);
  tx([&](Session& s) { f = flows.get(s, "tok-1"); });
  EXPECT_EQ(f->state, "closed");
  EXPECT_EQ(f->closedAt, 50);
  tx([&](Session& s) { f = flows.get(s, "unknown"); });
  EXPECT_FALSE(f);
}

TEST_P(FlowAndConversationTest, ConversationStateUsesOptimisticVersions) {
  ConversationStates states(db_->dialect());
  std::optional<int64_t> v1, conflict, v2;
  tx([&](Session& s) {
    v1 = states.put(s, "acme", "254700000001", R"({"step":"ask_pin"})", 0, 1);
    conflict = states.put(s, "acme", "254700000001", R"({"step":"other"})", 0, 2);
    v2 = states.put(s, "acme", "254700000001", R"({"step":"confirm"})", 1, 3);
  });
  EXPECT_EQ(v1, 1);
  EXPECT_FALSE(conflict);
  EXPECT_EQ(v2, 2);
  std::optional<ConversationState> state;
  tx([&](Session& s) { state = states.get(s, "acme", "254700000001"); });
  EXPECT_EQ(state->state, R"({"step":"confirm"})");
  EXPECT_EQ(state->version, 2);
  // Longer than a MariaDB read takes with the row (Rows.h, textHead): read again, whole.
  const std::string big = R"({"notes":")" + std::string(17000, 'n') + "\u00e9" + R"("})";
  tx([&](Session& s) { states.put(s, "acme", "254700000001", big, 2, 4); });
  tx([&](Session& s) { state = states.get(s, "acme", "254700000001"); });
  EXPECT_EQ(state->state, big);
  EXPECT_EQ(state->version, 3);
}

BARAZA_ON_BOTH_BACKENDS(FlowAndConversationTest);

class EventsTest : public StoreTest {};

TEST_P(EventsTest, ListedNewestFirstWithLongPayloadsWhole) {
  Events events(db_->dialect());
  const std::string big =
      R"({"field":"flows","value":")" + std::string(20000, 'v') + "\u20ac" + R"("})";
  tx([&](Session& s) {
    events.add(s, {0, 1, "0.0", "acme", "field", "flows", R"({"short":true})", "", 10});
    events.add(s, {0, 2, "0.0", "acme", "field", "flows", big, "", 20});
    events.add(s,
               {0, 3, "0.0", "", "unroutable", "messages", R"({"x":1})", "no tenant has 999", 30});
  });
  std::vector<EventRecord> listed, unroutable;
  tx([&](Session& s) {
    listed = events.list(s, "acme", "", 10);
    unroutable = events.list(s, "", "unroutable", 10);
  });
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].payload, big);
  EXPECT_EQ(listed[0].createdAt, 20);
  EXPECT_EQ(listed[1].payload, R"({"short":true})");
  ASSERT_EQ(unroutable.size(), 1u);
  EXPECT_EQ(unroutable[0].reason, "no tenant has 999");
  EXPECT_EQ(unroutable[0].tenant, "");
}

BARAZA_ON_BOTH_BACKENDS(EventsTest);

class KeyValueTest : public StoreTest {};

TEST_P(KeyValueTest, ScopedByTenantAndInstanceWithExpiry) {
  SqlKeyValueStore kv(db_);
  ASSERT_TRUE(kv.put("acme", "bot", "session", "v1", 0).isOk());
  ASSERT_TRUE(kv.put("acme", "bot", "session", "v2", 0).isOk());  // overwrite
  ASSERT_TRUE(kv.put("globex", "bot", "session", "other", 0).isOk());
  ASSERT_TRUE(kv.put("acme", "bot", "gone", "x", -1).isOk());
  EXPECT_EQ(kv.get("acme", "bot", "session").value(), "v2");
  EXPECT_EQ(kv.get("globex", "bot", "session").value(), "other");
  EXPECT_EQ(kv.get("acme", "rules", "session").status().code(), Code::kNotFound);
  ASSERT_TRUE(kv.erase("acme", "bot", "session").isOk());
  EXPECT_EQ(kv.get("acme", "bot", "session").status().code(), Code::kNotFound);
  EXPECT_EQ(kv.put("acme", "bot", "", "x", 0).code(), Code::kInvalidArgument);
}

TEST_P(KeyValueTest, BinaryValuesOfAnyLengthReadBackWhole) {
  // MariaDB reads the first 16,000 bytes and the length, and values longer than that again.
  SqlKeyValueStore kv(db_);
  std::string binary;
  for (int i = 0; i < 70000; ++i) binary += static_cast<char>((i * 7 + i / 256) % 256);  // NULs too
  for (size_t size : {0, 3, 15999, 16000, 16001, 70000}) {
    const std::string value = binary.substr(0, size);
    const Status put = kv.put("acme", "bot", "k" + std::to_string(size), value, 0);
    ASSERT_TRUE(put.isOk()) << size << ": " << put.toString();
    const StatusOr<std::string> read = kv.get("acme", "bot", "k" + std::to_string(size));
    ASSERT_TRUE(read.isOk()) << size;
    EXPECT_EQ(read->size(), size);
    EXPECT_TRUE(*read == value) << "value of " << size << " bytes read back different";
  }
}

TEST_P(KeyValueTest, ExpiredEntriesAreInvisibleAndPurged) {
  SqlKeyValueStore kv(db_);
  ASSERT_TRUE(kv.put("acme", "bot", "short", "x", 1).isOk());
  tx([](Session& s) { s << "UPDATE plugin_kv SET expires_at = 1 WHERE k = 'short'", now; });
  EXPECT_EQ(kv.get("acme", "bot", "short").status().code(), Code::kNotFound);
  EXPECT_EQ(kv.purgeExpired().value(), 1u);
}

BARAZA_ON_BOTH_BACKENDS(KeyValueTest);

class SecretStoreTest : public StoreTest {};

const char* kMarker = "plaintext-marker-7f3a9c";

TEST_P(SecretStoreTest, SecretsRoundTripAndAreNeverStoredInPlaintext) {
  MasterKey key = MasterKey::parse(MasterKey::generateHex()).value();
  SecretStore secrets(db_->dialect(), key);
  tx([&](Session& s) { secrets.put(s, "acme", "kra_api_key", kMarker, 1); });
  StatusOr<std::string> back = internal("unset");
  tx([&](Session& s) { back = secrets.get(s, "acme", "kra_api_key"); });
  EXPECT_EQ(back.value(), kMarker);

  // The table holds no plaintext...
  std::vector<Poco::Data::BLOB> ciphertexts;
  tx([&](Session& s) { s << "SELECT ciphertext FROM secrets", into(ciphertexts), now; });
  ASSERT_EQ(ciphertexts.size(), 1u);
  const std::string stored(reinterpret_cast<const char*>(ciphertexts[0].rawContent()),
                           ciphertexts[0].size());
  EXPECT_EQ(stored.find(kMarker), std::string::npos);
  // ...and neither does the SQLite file or its WAL.
  if (GetParam() == Backend::kSqlite) {
    const std::string path = url_.substr(std::string("sqlite://").size());
    for (const std::string& file : {path, path + "-wal"}) {
      EXPECT_EQ(baraza::testing::readFile(file).find(kMarker), std::string::npos) << file;
    }
  }
}

TEST_P(SecretStoreTest, WrongKeyAndMovedCiphertextAreDetected) {
  SecretStore secrets(db_->dialect(), MasterKey::parse(MasterKey::generateHex()).value());
  SecretStore otherKey(db_->dialect(), MasterKey::parse(MasterKey::generateHex()).value());
  tx([&](Session& s) {
    secrets.put(s, "acme", "a", "one", 1);
    secrets.put(s, "acme", "b", "two", 1);
  });
  StatusOr<std::string> got = internal("unset");
  tx([&](Session& s) { got = otherKey.get(s, "acme", "a"); });
  EXPECT_EQ(got.status().code(), Code::kFailedPrecondition);
  // Copy b's ciphertext over a's row: the AAD binds it to (acme, b).
  tx([&](Session& s) {
    Poco::Data::BLOB nonce, sealed;
    s << "SELECT nonce, ciphertext FROM secrets WHERE name = 'b'", into(nonce), into(sealed), now;
    s << "UPDATE secrets SET nonce = ?, ciphertext = ? WHERE name = 'a'",
        Poco::Data::Keywords::bind(nonce), Poco::Data::Keywords::bind(sealed), now;
  });
  tx([&](Session& s) { got = secrets.get(s, "acme", "a"); });
  EXPECT_EQ(got.status().code(), Code::kDataLoss);
  tx([&](Session& s) { got = secrets.get(s, "acme", "missing"); });
  EXPECT_EQ(got.status().code(), Code::kNotFound);
}

TEST(MasterKey, AcceptsHexAndBase64AndRejectsOtherSizes) {
  const std::string hex = MasterKey::generateHex();
  auto fromHex = MasterKey::parse(hex + "\n");
  ASSERT_TRUE(fromHex.isOk());
  EXPECT_EQ(fromHex->bytes().size(), 32u);
  EXPECT_EQ(fromHex->id().size(), 16u);
  EXPECT_TRUE(MasterKey::parse("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=").isOk());
  EXPECT_FALSE(MasterKey::parse("abcd").isOk());
}

BARAZA_ON_BOTH_BACKENDS(SecretStoreTest);

}  // namespace
}  // namespace baraza::store
