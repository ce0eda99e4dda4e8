#include <gtest/gtest.h>
#include <sys/resource.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <set>
#include <thread>

#include "store/GroupCommitter.h"
#include "store/Inbox.h"
#include "store/InboxWriter.h"
#include "store/testing/StoreTest.h"

namespace baraza::store {
namespace {

using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;
using testing::StoreTest;

class GroupCommitTest : public StoreTest {};

TEST_P(GroupCommitTest, ConcurrentAppendsShareTransactionsAndAllCommit) {
  Inbox inbox(db_->dialect());
  GroupCommitter committer(db_, {64, std::chrono::microseconds(2000)});
  constexpr int kThreads = 16;
  constexpr int kEach = 50;
  std::mutex mutex;
  std::set<int64_t> ids;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        int64_t id = 0;
        Status ok = committer.run([&](Poco::Data::Session& s) {
          id = inbox.append(s, {"app", "body-" + std::to_string(t) + "-" + std::to_string(i), i});
        });
        if (!ok.isOk()) {
          ++failures;
          continue;
        }
        std::lock_guard<std::mutex> lock(mutex);
        ids.insert(id);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(ids.size(), static_cast<size_t>(kThreads * kEach));
  EXPECT_LT(committer.commits(), static_cast<uint64_t>(kThreads * kEach)) << "nothing was grouped";
  int count = 0;
  tx([&](Poco::Data::Session& s) { s << "SELECT COUNT(*) FROM inbox", into(count), now; });
  EXPECT_EQ(count, kThreads * kEach);
}

TEST_P(GroupCommitTest, AFailingJobFailsAloneAndTheRestOfItsBatchCommits) {
  GroupCommitter committer(db_, {64, std::chrono::microseconds(20000)});
  std::vector<std::thread> threads;
  std::vector<Status> results(8);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      results[i] = committer.run([i](Poco::Data::Session& s) {
        if (i == 3) s << "INSERT INTO no_such_table VALUES (1)", now;
        s << "INSERT INTO leases (name, owner, expires_at) VALUES (?, 'x', 1)",
            Poco::Data::Keywords::bind("lease-" + std::to_string(i)), now;
      });
    });
  }
  for (auto& th : threads) th.join();
  for (int i = 0; i < 8; ++i)
    EXPECT_EQ(results[i].isOk(), i != 3) << i << ": " << results[i].toString();
  int count = 0;
  tx([&](Poco::Data::Session& s) { s << "SELECT COUNT(*) FROM leases", into(count), now; });
  EXPECT_EQ(count, 7);
}

TEST_P(GroupCommitTest, WritersRunAtTheirConfiguredNiceValue) {
  // Raising a nice value is always permitted, so this holds without privileges; jobs run on the
  // writer thread, so a job sees the writer's priority.
  const int mine = getpriority(PRIO_PROCESS, 0);
  GroupCommitSettings settings;
  settings.writerNice = 7;
  GroupCommitter committer(db_, settings);
  int seen = 0;
  ASSERT_TRUE(
      committer.run([&](Poco::Data::Session&) { seen = getpriority(PRIO_PROCESS, 0); }).isOk());
  EXPECT_EQ(seen, 7);
  EXPECT_EQ(getpriority(PRIO_PROCESS, 0), mine) << "only the writer thread changes";
}

TEST_P(GroupCommitTest, InboxWriterGivesEachCallerTheIdOfItsOwnRow) {
  InboxWriter writer(db_, {});
  constexpr int kThreads = 12;
  constexpr int kEach = 40;
  std::vector<std::thread> threads;
  std::mutex mutex;
  std::map<int64_t, std::string> bodyById;
  std::atomic<int> failures{0}, reused{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const std::string body =
            "{\"thread\":" + std::to_string(t) + ",\"n\":" + std::to_string(i) + "}";
        auto id = writer.append({"app", body, i});
        if (!id.isOk()) {
          ++failures;
          continue;
        }
        std::lock_guard<std::mutex> lock(mutex);
        if (!bodyById.emplace(*id, body).second) ++reused;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(reused.load(), 0) << "two callers were given the same id";
  EXPECT_LT(writer.commits(), static_cast<uint64_t>(kThreads * kEach)) << "nothing was grouped";
  ASSERT_EQ(bodyById.size(), static_cast<size_t>(kThreads * kEach));
  Inbox inbox(db_->dialect());
  for (const auto& [id, body] : bodyById) {
    std::optional<InboxRow> row;
    tx([&](Poco::Data::Session& s) { row = inbox.get(s, id); });
    ASSERT_TRUE(row) << id;
    EXPECT_EQ(row->body, body) << "the id a caller got names another caller's row";
  }
}

TEST_P(GroupCommitTest, AnAppendWithACallbackReturnsAtOnceAndIsAnsweredAfterItsCommit) {
  // One thread queues everything without waiting, as the HTTP server's loop does: the appends
  // share commits, and each callback names the row holding its own body.
  InboxWriter writer(db_, {});
  constexpr int kCount = 300;
  std::mutex mutex;
  std::condition_variable answered;
  std::map<int64_t, std::string> bodyById;
  int failures = 0, calls = 0;
  const auto caller = std::this_thread::get_id();
  bool onCallerThread = false;
  for (int i = 0; i < kCount; ++i) {
    std::string body = "{\"n\":" + std::to_string(i) + "}";
    writer.append({"app", body, i}, [&, body](StatusOr<int64_t> id) {
      std::lock_guard<std::mutex> lock(mutex);
      onCallerThread = onCallerThread || std::this_thread::get_id() == caller;
      if (id.isOk())
        bodyById.emplace(*id, body);
      else
        ++failures;
      if (++calls == kCount) answered.notify_all();
    });
  }
  {
    std::unique_lock<std::mutex> lock(mutex);
    ASSERT_TRUE(answered.wait_for(lock, std::chrono::seconds(30), [&] { return calls == kCount; }));
  }
  EXPECT_EQ(failures, 0);
  EXPECT_FALSE(onCallerThread);
  EXPECT_LT(writer.commits(), static_cast<uint64_t>(kCount)) << "nothing was grouped";
  ASSERT_EQ(bodyById.size(), static_cast<size_t>(kCount)) << "two appends were given the same id";
  Inbox inbox(db_->dialect());
  for (const auto& [id, body] : bodyById) {
    std::optional<InboxRow> row;
    tx([&](Poco::Data::Session& s) { row = inbox.get(s, id); });
    ASSERT_TRUE(row) << id;
    EXPECT_EQ(row->body, body);
  }
}

TEST_P(GroupCommitTest, AStalledDatabaseIsAnsweredAtTheDeadlineAFullQueueAtOnceAndHealthSaysSo) {
  GroupCommitSettings settings;
  settings.answerWithin = std::chrono::milliseconds(300);
  settings.maxQueued = 2;
  InboxWriter writer(db_, settings);
  // Another connection holds the write lock: the writer's INSERT waits behind it.
  Poco::Data::Session holder = db_->session();
  const bool sqlite = db_->backend() == Backend::kSqlite;
  holder << (sqlite ? "BEGIN EXCLUSIVE" : "LOCK TABLES inbox WRITE"), now;
  std::mutex mutex;
  std::condition_variable answered;
  std::vector<Status> answers;
  auto append = [&](const std::string& body) {
    writer.append({"app", body, 1}, [&](StatusOr<int64_t> id) {
      std::lock_guard<std::mutex> lock(mutex);
      answers.push_back(id.status());
      answered.notify_all();
    });
  };
  append("in the stalled commit");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the writer takes it, and waits
  append("queued 1");
  append("queued 2");
  append("one too many");
  {
    std::lock_guard<std::mutex> lock(mutex);
    ASSERT_EQ(answers.size(), 1u) << "the queue was full: answered at once, in append()";
    EXPECT_EQ(answers[0].code(), Code::kUnavailable);
    EXPECT_EQ(answers[0].message(), "the group commit queue is full");
  }
  {
    std::unique_lock<std::mutex> lock(mutex);
    ASSERT_TRUE(
        answered.wait_for(lock, std::chrono::seconds(30), [&] { return answers.size() == 4; }));
    for (size_t i = 1; i < 4; ++i) {
      EXPECT_EQ(answers[i].code(), Code::kUnavailable) << i;
      EXPECT_EQ(answers[i].message(),
                "not committed within 300 ms: the database is stalled or slow")
          << i;
    }
  }
  EXPECT_FALSE(writer.health().isOk());
  holder << (sqlite ? "ROLLBACK" : "UNLOCK TABLES"), now;
  const StatusOr<int64_t> after = writer.append({"app", "after", 2});
  EXPECT_TRUE(after.isOk()) << after.status().toString();
  EXPECT_TRUE(writer.health().isOk()) << writer.health().toString();
}

BARAZA_ON_BOTH_BACKENDS(GroupCommitTest);

}  // namespace
}  // namespace baraza::store
