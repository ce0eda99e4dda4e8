// Guarantees that only hold across processes: what was acknowledged survives a SIGKILL, and two
// hosts claiming from one outbox never get the same message.
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <gtest/gtest.h>

#include <csignal>
#include <future>
#include <set>
#include <sstream>

#include "store/Outbox.h"
#include "store/testing/StoreTest.h"

namespace baraza::store {
namespace {

using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;
using testing::StoreTest;

class ProcessTest : public StoreTest {};

TEST_P(ProcessTest, EveryAcknowledgedAppendSurvivesASigkill) {
  Poco::Pipe out;
  Poco::ProcessHandle child =
      Poco::Process::launch(STORE_CHILD, {"append", url_, "8"}, nullptr, &out, nullptr);
  Poco::PipeInputStream in(out);
  std::vector<int64_t> acked;
  std::string line;
  while (acked.size() < 400 && std::getline(in, line)) acked.push_back(std::stoll(line));
  ASSERT_EQ(acked.size(), 400u) << "the child stopped early";
  ::kill(child.id(), SIGKILL);  // mid-stream: appends are in flight
  child.wait();
  // Lines already in the pipe were acknowledged before the kill.
  while (std::getline(in, line)) {
    if (!line.empty()) acked.push_back(std::stoll(line));
  }

  auto reopened = Database::open(url_, "");
  ASSERT_TRUE(reopened.isOk()) << reopened.status().toString();
  std::vector<Poco::Int64> stored;
  Status read = (*reopened)->transaction(
      [&](Poco::Data::Session& s) { s << "SELECT id FROM inbox", into(stored), now; });
  ASSERT_TRUE(read.isOk()) << read.toString();
  const std::set<int64_t> present(stored.begin(), stored.end());
  size_t missing = 0;
  for (int64_t id : acked) missing += present.count(id) == 0;
  EXPECT_EQ(missing, 0u) << "of " << acked.size() << " acknowledged appends";
  EXPECT_GE(present.size(), std::set<int64_t>(acked.begin(), acked.end()).size());
}

TEST_P(ProcessTest, TwoProcessesClaimingOneOutboxNeverGetTheSameMessage) {
  constexpr int kMessages = 1000;
  Outbox outbox(db_->dialect());
  tx([&](Poco::Data::Session& s) {
    for (int i = 0; i < kMessages; ++i) {
      outbox.enqueue(s, {"acme", "100000000000001", "+2547000" + std::to_string(i), "{}", "", 0},
                     0);
    }
  });
  auto runClaimer = [this](const std::string& owner) {
    Poco::Pipe out;
    Poco::ProcessHandle child =
        Poco::Process::launch(STORE_CHILD, {"claim", url_, owner, "1"}, nullptr, &out, nullptr);
    Poco::PipeInputStream in(out);
    std::vector<int64_t> ids;
    std::string line;
    while (std::getline(in, line)) ids.push_back(std::stoll(line));
    return std::make_pair(child.wait(), ids);
  };
  auto a = std::async(std::launch::async, runClaimer, "host-a");
  auto b = std::async(std::launch::async, runClaimer, "host-b");
  auto [codeA, idsA] = a.get();
  auto [codeB, idsB] = b.get();
  EXPECT_EQ(codeA, 0);
  EXPECT_EQ(codeB, 0);
  std::set<int64_t> all(idsA.begin(), idsA.end());
  size_t overlap = 0;
  for (int64_t id : idsB) overlap += !all.insert(id).second;
  EXPECT_EQ(overlap, 0u) << "messages claimed by both hosts";
  EXPECT_EQ(all.size(), static_cast<size_t>(kMessages));
  EXPECT_EQ(idsA.size() + idsB.size(), static_cast<size_t>(kMessages));
  EXPECT_GT(idsA.size(), 0u) << "host-a never got work: no concurrency was exercised";
  EXPECT_GT(idsB.size(), 0u) << "host-b never got work: no concurrency was exercised";
  int sent = 0;
  tx([&](Poco::Data::Session& s) {
    s << "SELECT COUNT(*) FROM outbox WHERE state = 'sent'", into(sent), now;
  });
  EXPECT_EQ(sent, kMessages);
}

BARAZA_ON_BOTH_BACKENDS(ProcessTest);

}  // namespace
}  // namespace baraza::store
