// Helper process for the cross-process store tests.
//   store_child append URL THREADS   append through group commit forever; print each acked id
//   store_child claim URL OWNER SEND_MS   claim outbox rows until none are left, spending SEND_MS
//                                          on each as a dispatcher would; print each claimed id
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/GroupCommitter.h"
#include "store/Inbox.h"
#include "store/Outbox.h"

using namespace baraza;
using namespace baraza::store;

namespace {

std::mutex outMutex;

/** One whole line per write(2), so a kill never leaves half an id in the pipe. */
void emit(int64_t id) {
  const std::string line = std::to_string(id) + "\n";
  std::lock_guard<std::mutex> lock(outMutex);
  if (::write(STDOUT_FILENO, line.data(), line.size()) < 0) std::_Exit(3);
}

int append(DatabasePtr db, int threads) {
  GroupCommitter committer(db, {64, std::chrono::microseconds(1000)});
  Inbox inbox(db->dialect());
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int64_t i = 0;; ++i) {
        int64_t id = 0;
        const std::string body = "{\"pid\":" + std::to_string(::getpid()) +
                                 ",\"t\":" + std::to_string(t) + ",\"i\":" + std::to_string(i) +
                                 "}";
        Status ok = committer.run([&](Poco::Data::Session& s) {
          id = inbox.append(s, {"crash", body, nowMs()});
        });
        if (ok.isOk()) emit(id);  // acknowledged: committed
      }
    });
  }
  for (auto& w : workers) w.join();
  return 0;
}

int claim(DatabasePtr db, const std::string& owner, int sendMs) {
  Outbox outbox(db->dialect());
  int emptyRounds = 0;
  while (emptyRounds < 3) {
    std::vector<OutboxRow> rows;
    Status ok = db->transaction([&](Poco::Data::Session& s) {
      rows = outbox.claim(s, "100000000000001", owner, nowMs(), 600000, 10);
    });
    if (!ok.isOk()) {
      std::cerr << ok.toString() << "\n";
      return 1;
    }
    if (rows.empty()) {
      ++emptyRounds;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    emptyRounds = 0;
    for (const auto& row : rows) {
      emit(row.id);
      std::this_thread::sleep_for(std::chrono::milliseconds(sendMs));
      bool sent = false;
      Status done = db->transaction([&](Poco::Data::Session& s) {
        sent = outbox.markSent(s, row.id, owner, "wamid." + std::to_string(row.id), nowMs());
      });
      if (!done.isOk() || !sent) {
        std::cerr << "lost the lease on " << row.id << ": " << done.toString() << "\n";
        return 1;
      }
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: store_child append URL THREADS | claim URL OWNER SEND_MS\n";
    return 2;
  }
  auto db = Database::open(argv[2], "");
  if (!db.isOk()) {
    std::cerr << db.status().toString() << "\n";
    return 1;
  }
  if (std::strcmp(argv[1], "append") == 0) return append(*db, std::atoi(argv[3]));
  if (std::strcmp(argv[1], "claim") == 0)
    return claim(*db, argv[3], argc > 4 ? std::atoi(argv[4]) : 0);
  return 2;
}
