// OutcomeRecorder against a real database: each kind of outcome lands in the outbox as it says, a
// message whose lease went to another host is left to it, and outcomes handed to the thread are
// all written by the time stop() returns.
#include <Poco/File.h>
#include <Poco/Path.h>
#include <Poco/TemporaryFile.h>
#include <gtest/gtest.h>

#include "outbound/OutcomeRecorder.h"
#include "plugins/PluginRegistry.h"
#include "store/testing/StoreTest.h"
#include "tenants/TenantManager.h"

namespace baraza::outbound {
namespace {

constexpr const char* kOwner = "host-a";

class OutcomeRecorderTest : public store::testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (HasFatalFailure()) return;
    tenantsDir_.createDirectories();
    outbox_.emplace(db_->dialect());
    tenants_ = std::make_unique<tenants::TenantManager>(tenantsDir_.path(), registry_,
                                                        tenants::SharedServices{});
    queue_ = std::make_unique<OutboundQueue>(db_, *tenants_, 3600 * 1000);
    recorder_ = std::make_unique<OutcomeRecorder>(db_, *queue_, kOwner);
  }

  /** A message queued and claimed by `owner`: what the dispatcher holds when it sends. */
  Pending claimed(const std::string& owner = kOwner) {
    Pending p;
    tx([&](Poco::Data::Session& s) {
      store::OutboundMessage m;
      m.tenant = "acme";
      m.phoneNumberId = "100000000000001";
      m.recipient = "254700000001";
      m.payload = R"({"to":"254700000001","type":"text","text":{"body":"hi"}})";
      outbox_->enqueue(s, m, 1000);
      p.row = outbox_->claim(s, m.phoneNumberId, owner, 1000, 60000, 1).at(0);
    });
    p.request.recipient = "+254700000001";
    p.request.type = "text";
    p.request.body =
        R"({"messaging_product":"whatsapp","to":"254700000001","type":"text","text":{"body":"hi"}})";
    return p;
  }

  Outcome outcome(Outcome::Kind kind, Pending pending) {
    Outcome o;
    o.kind = kind;
    o.pending = std::move(pending);
    o.error = R"({"title":"refused"})";
    o.atMs = 5000;
    return o;
  }

  store::OutboxRow row(int64_t id) {
    std::optional<store::OutboxRow> found;
    tx([&](Poco::Data::Session& s) { found = outbox_->get(s, id); });
    return found.value_or(store::OutboxRow{});
  }

  Poco::TemporaryFile tenantsDir_;
  plugins::PluginRegistry registry_;
  std::optional<store::Outbox> outbox_;
  std::unique_ptr<tenants::TenantManager> tenants_;
  std::unique_ptr<OutboundQueue> queue_;
  std::unique_ptr<OutcomeRecorder> recorder_;
};

TEST_P(OutcomeRecorderTest, EachKindOfOutcomeLandsInTheOutboxAsItSays) {
  Pending sent = claimed(), retry = claimed(), requeue = claimed(), failed = claimed();
  Outcome accepted = outcome(Outcome::Kind::kSent, sent);
  accepted.providerId = "wamid.ACCEPTED";
  std::vector<Outcome> batch;
  batch.push_back(std::move(accepted));
  batch.push_back(outcome(Outcome::Kind::kRetry, retry));
  batch.push_back(outcome(Outcome::Kind::kRequeue, requeue));
  batch.push_back(outcome(Outcome::Kind::kFailed, failed));
  recorder_->record(std::move(batch));

  EXPECT_EQ(row(sent.row.id).state, "sent");
  EXPECT_EQ(row(sent.row.id).providerId, "wamid.ACCEPTED");
  EXPECT_EQ(count("SELECT COUNT(*) FROM messages WHERE provider_id = 'wamid.ACCEPTED' AND "
                  "direction = 'out' "
                  "AND contact = '254700000001' AND status = 'accepted'"),
            1)
      << "a message row for status webhooks to update";

  EXPECT_EQ(row(retry.row.id).state, "queued");
  EXPECT_EQ(row(retry.row.id).nextAttemptAt, 5000);
  EXPECT_EQ(row(retry.row.id).attempts, 1) << "the attempt counts";
  EXPECT_EQ(row(retry.row.id).lastError, R"({"title":"refused"})");

  EXPECT_EQ(row(requeue.row.id).state, "queued");
  EXPECT_EQ(row(requeue.row.id).nextAttemptAt, 5000);
  EXPECT_EQ(row(requeue.row.id).attempts, 0)
      << "a release does not count the attempt it did not make";

  EXPECT_EQ(row(failed.row.id).state, "failed");
  EXPECT_EQ(row(failed.row.id).lastError, R"({"title":"refused"})");
}

TEST_P(OutcomeRecorderTest, AMessageAnotherHostHoldsIsLeftToIt) {
  Pending theirs = claimed("host-b");  // claimed by another host: this one's outcome is stale
  Pending mine = claimed();
  std::vector<Outcome> batch;
  batch.push_back(outcome(Outcome::Kind::kSent, theirs));
  batch.push_back(outcome(Outcome::Kind::kFailed, mine));
  recorder_->record(std::move(batch));
  EXPECT_EQ(row(theirs.row.id).state, "sending");
  EXPECT_EQ(row(theirs.row.id).leaseOwner, "host-b");
  EXPECT_EQ(row(mine.row.id).state, "failed") << "the rest of the batch is written";
}

TEST_P(OutcomeRecorderTest, EverythingHandedToTheThreadIsWrittenByTheTimeStopReturns) {
  recorder_->start();
  std::vector<int64_t> ids;
  for (int i = 0; i < 50; ++i) {
    Pending p = claimed();
    ids.push_back(p.row.id);
    Outcome o = outcome(Outcome::Kind::kSent, std::move(p));
    o.providerId = "wamid." + std::to_string(i);
    recorder_->hand(std::move(o));
  }
  recorder_->stop();
  for (int64_t id : ids) EXPECT_EQ(row(id).state, "sent") << id;
  EXPECT_EQ(count("SELECT COUNT(*) FROM messages WHERE direction = 'out'"), 50);
}

BARAZA_ON_BOTH_BACKENDS(OutcomeRecorderTest);

}  // namespace
}  // namespace baraza::outbound
