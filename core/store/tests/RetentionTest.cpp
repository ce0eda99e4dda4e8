#include <gtest/gtest.h>

#include <map>

#include "store/ConversationJobs.h"
#include "store/Events.h"
#include "store/FlowSessions.h"
#include "store/Inbox.h"
#include "store/Outbox.h"
#include "store/Retention.h"
#include "store/testing/StoreTest.h"

namespace baraza::store {
namespace {

using testing::StoreTest;
using Session = Poco::Data::Session;
using Poco::Data::Keywords::bind;
using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;

constexpr int64_t kDay = 24LL * 3600 * 1000;
constexpr int64_t kNow = 1000 * kDay;

class RetentionTest : public StoreTest {
 protected:
  /** A delivery received `daysAgo`, in `state`, with its digest recorded. */
  int64_t delivery(int daysAgo, const std::string& state) {
    Inbox inbox(db_->dialect());
    int64_t id = 0;
    tx([&](Session& s) {
      id = inbox.append(s, {"app", state + std::to_string(daysAgo), kNow - daysAgo * kDay});
      inbox.recordDigest(s, "app", Inbox::digestOf(state + std::to_string(daysAgo)), id);
      s << "UPDATE inbox SET state = ? WHERE id = ?", bind(state), bind(id), now;
    });
    return id;
  }
  std::map<std::string, int64_t> counts() {
    std::map<std::string, int64_t> out;
    tx([&](Session& s) {
      for (const char* table : {"inbox", "delivery_digests", "events", "outbox",
                                "conversation_jobs", "flow_sessions", "plugin_kv"}) {
        Poco::Int64 n = 0;
        s << std::string("SELECT COUNT(*) FROM ") + table, into(n), now;
        out[table] = n;
      }
    });
    return out;
  }
};

TEST_P(RetentionTest, WhatIsFinishedGoesAfterItsDaysAndEverythingElseStays) {
  delivery(40, "done");                        // goes: processed, 30 days
  delivery(40, "duplicate");                   // goes
  delivery(40, "failed");                      // stays: failed deliveries are kept 90 days
  delivery(100, "failed");                     // goes
  delivery(40, "pending");                     // stays: not finished
  const int64_t recent = delivery(5, "done");  // stays
  Events events(db_->dialect());
  ConversationJobs jobs(db_->dialect());
  Outbox outbox(db_->dialect());
  FlowSessions flows(db_->dialect());
  tx([&](Session& s) {
    events.add(s, {0, 1, "0.0", "acme", "field", "flows", "{}", "", kNow - 100 * kDay});  // goes
    events.add(s, {0, 1, "0.1", "acme", "field", "flows", "{}", "", kNow - 10 * kDay});   // stays
    jobs.enqueue(s, "acme", 1, kNow - 40 * kDay, kNow - 40 * kDay);
    jobs.enqueue(s, "acme", 2, kNow - 40 * kDay, kNow - 40 * kDay);
    s << "UPDATE conversation_jobs SET state = 'done' WHERE message_id = 1",
        now;  // goes; 2 is pending
    const OutboundMessage m{"acme", "100000000000001", "+254700000001", R"({"type":"text"})", "",
                            0};
    const int64_t sent = outbox.enqueue(s, m, kNow - 40 * kDay);
    outbox.enqueue(s, m, kNow - 40 * kDay);  // still queued: stays
    s << "UPDATE outbox SET state = 'sent', updated_at = ? WHERE id = ?", bind(kNow - 40 * kDay),
        bind(sent), now;
    flows.create(
        s, {"old", "acme", "254700000001", "kyc", "", "open", 0, kNow - 10 * kDay, 0});  // goes
    flows.create(
        s, {"young", "acme", "254700000001", "kyc", "", "open", 0, kNow - 1 * kDay, 0});  // stays
    s << "INSERT INTO plugin_kv (tenant, scope, k, v, expires_at) VALUES ('acme', 'p', 'gone', "
         "'x', ?)",
        bind(kNow - 1), now;
    s << "INSERT INTO plugin_kv (tenant, scope, k, v, expires_at) VALUES ('acme', 'p', 'live', "
         "'x', ?)",
        bind(kNow + kDay), now;
    s << "INSERT INTO plugin_kv (tenant, scope, k, v, expires_at) VALUES ('acme', 'p', 'forever', "
         "'x', NULL)",
        now;
  });
  const std::map<std::string, int64_t> before = counts();
  RetentionSettings settings;
  settings.batch = 2;  // several transactions per table
  Retention retention(db_, settings);

  auto dry = retention.purge(kNow, true);
  ASSERT_TRUE(dry.isOk()) << dry.status().toString();
  EXPECT_EQ(counts(), before) << "a dry run deletes nothing";
  std::map<std::string, size_t> wouldGo;
  for (const auto& c : *dry) wouldGo[c.table] = c.rows;

  auto purged = retention.purge(kNow, false);
  ASSERT_TRUE(purged.isOk()) << purged.status().toString();
  std::map<std::string, size_t> went;
  for (const auto& c : *purged) went[c.table] = c.rows;
  EXPECT_EQ(went, (std::map<std::string, size_t>{{"inbox", 3},
                                                 {"conversation_jobs", 1},
                                                 {"events", 1},
                                                 {"outbox", 1},
                                                 {"flow_sessions", 1},
                                                 {"plugin_kv", 1}}));
  EXPECT_EQ(wouldGo, went) << "the dry run counts what the purge deletes";
  const std::map<std::string, int64_t> after = counts();
  EXPECT_EQ(after.at("inbox"), 3);
  EXPECT_EQ(after.at("delivery_digests"), 3) << "a deleted delivery's digest goes with it";
  EXPECT_EQ(after.at("events"), 1);
  EXPECT_EQ(after.at("conversation_jobs"), 1);
  EXPECT_EQ(after.at("outbox"), 1);
  EXPECT_EQ(after.at("flow_sessions"), 1);
  EXPECT_EQ(after.at("plugin_kv"), 2);
  std::optional<InboxRow> kept;
  tx([&](Session& s) { kept = Inbox(db_->dialect()).get(s, recent); });
  EXPECT_TRUE(kept);
}

TEST_P(RetentionTest, ZeroDaysKeepsForEver) {
  delivery(4000, "done");
  RetentionSettings settings;
  settings.processedDays = 0;
  auto purged = Retention(db_, settings).purge(kNow, false);
  ASSERT_TRUE(purged.isOk());
  EXPECT_EQ(counts().at("inbox"), 1);
}

BARAZA_ON_BOTH_BACKENDS(RetentionTest);

}  // namespace
}  // namespace baraza::store
