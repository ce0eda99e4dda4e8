// store_bench: durable appends per second, group commit vs one transaction per append, on
// SQLite and on a private MariaDB server, with 1, 8 and 32 writer threads, all in one run.
// Every append is acknowledged only after its transaction committed (fsync on both backends:
// SQLite synchronous=FULL in WAL mode, InnoDB innodb_flush_log_at_trx_commit=1).
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <thread>
#include <vector>

#include "store/GroupCommitter.h"
#include "store/Inbox.h"
#include "store/Migrations.h"
#include "store/testing/MariaDbServer.h"

using namespace baraza;
using namespace baraza::store;

namespace {

double seconds() {
  const char* env = std::getenv("BARAZA_BENCH_SECONDS");
  return env ? std::atof(env) : 3.0;
}

DatabasePtr freshDatabase(Backend backend) {
  const std::string url = backend == Backend::kSqlite
                              ? testing::freshSqliteUrl()
                              : testing::MariaDbServer::shared().createDatabase();
  auto db = Database::open(url, "");
  if (!db.isOk()) throw std::runtime_error(db.status().toString());
  if (auto m = migrate(**db); !m.isOk()) throw std::runtime_error(m.status().toString());
  return *db;
}

struct Cell {
  double rowsPerSecond = 0;
  double rowsPerCommit = 1;  // group commit only
};

/** Rows per second appended by `threads` threads for the configured duration. */
Cell measure(Backend backend, int threads, bool group) {
  DatabasePtr db = freshDatabase(backend);
  Inbox inbox(db->dialect());
  std::unique_ptr<GroupCommitter> committer;
  if (group) committer = std::make_unique<GroupCommitter>(db, GroupCommitSettings{});
  std::atomic<bool> stop{false};
  std::atomic<int64_t> rows{0};
  std::atomic<int64_t> errors{0};
  std::vector<std::thread> workers;
  const auto started = std::chrono::steady_clock::now();
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int64_t i = 0; !stop.load(std::memory_order_relaxed); ++i) {
        const std::string body = "{\"t\":" + std::to_string(t) + ",\"i\":" + std::to_string(i) +
                                 ",\"pad\":\"" + std::string(400, 'x') + "\"}";
        auto job = [&](Poco::Data::Session& s) { inbox.append(s, {"bench", body, nowMs()}); };
        Status ok = group ? committer->run(job) : db->transaction(job);
        (ok.isOk() ? rows : errors).fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds()));
  stop = true;
  for (auto& w : workers) w.join();
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (errors > 0)
    std::fprintf(stderr, "  (%lld appends failed)\n", static_cast<long long>(errors.load()));
  Cell cell;
  cell.rowsPerSecond = static_cast<double>(rows.load()) / elapsed;
  if (committer && committer->commits() > 0) {
    cell.rowsPerCommit =
        static_cast<double>(rows.load()) / static_cast<double>(committer->commits());
  }
  return cell;
}

}  // namespace

int main() {
  std::printf("store_bench: durable appends/s (400-byte bodies), %.1f s per cell\n", seconds());
  std::printf("%-8s %8s %14s %14s %12s %12s\n", "backend", "threads", "single rows/s",
              "group rows/s", "group/single", "rows/commit");
  try {
    for (Backend backend : {Backend::kSqlite, Backend::kMysql}) {
      for (int threads : {1, 8, 32}) {
        const Cell single = measure(backend, threads, false);
        const Cell group = measure(backend, threads, true);
        std::printf("%-8s %8d %14.0f %14.0f %12.2f %12.1f\n",
                    backend == Backend::kSqlite ? "sqlite" : "mariadb", threads,
                    single.rowsPerSecond, group.rowsPerSecond,
                    group.rowsPerSecond / single.rowsPerSecond, group.rowsPerCommit);
        std::fflush(stdout);
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "store_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
