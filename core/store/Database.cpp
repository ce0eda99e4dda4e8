#include "store/Database.h"

#include <Poco/Data/MySQL/Connector.h>
#include <Poco/Data/MySQL/MySQLException.h>
#include <Poco/Data/MySQL/SessionImpl.h>
#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/SQLite/SQLiteException.h>
#include <Poco/Data/SQLite/Utility.h>
#include <Poco/Data/SessionFactory.h>
#include <Poco/Data/SessionPool.h>
#include <Poco/File.h>
#include <Poco/Logger.h>
#include <Poco/Path.h>
#include <Poco/URI.h>
#include <ma_pvio.h>
#include <mysql.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>

namespace baraza::store {
namespace {

using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;

/**
 * Poco's MySQL connector with the login timeout taken from the connection string's
 * `io-timeout=N` (Poco's session ignores keys it does not know): a session pool creates its
 * sessions with Poco's default of 60 s, which is how long a new connection to a server that
 * stopped answering would wait for its handshake.
 */
class BoundedMysqlConnector : public Poco::Data::MySQL::Connector {
 public:
  static constexpr const char* kName = "baraza-mysql";

  const std::string& name() const override {
    static const std::string name = kName;
    return name;
  }
  Poco::AutoPtr<Poco::Data::SessionImpl> createSession(const std::string& connectionString,
                                                       std::size_t timeout) override {
    const size_t at = connectionString.find("io-timeout=");
    if (at != std::string::npos)
      timeout = std::strtoul(connectionString.c_str() + at + 11, nullptr, 10);
    return Connector::createSession(connectionString, timeout);
  }
};

void registerConnectors() {
  static std::once_flag once;
  std::call_once(once, [] {
    Poco::Data::SQLite::Connector::registerConnector();
    Poco::Data::MySQL::Connector::registerConnector();  // initialises the client library
    Poco::Data::SessionFactory::instance().add(new BoundedMysqlConnector);
  });
}

/** Errors worth retrying the whole transaction for: contention, not bad SQL. */
bool isTransient(const Poco::Exception& e) {
  const std::string text = e.displayText();
  for (const char* marker : {"database is locked", "busy", "Deadlock found", "Lock wait timeout",
                             "try restarting transaction"}) {
    if (text.find(marker) != std::string::npos) return true;
  }
  return false;
}

/**
 * SQLite admits one writer at a time. Its stock busy handler sleeps 1, 2, 5, 10 … 100 ms between
 * tries, so with several writers in this process (webhook group commit, outbox claims, outcome
 * recording, queueing) the lock sat free while they slept. Our transactions announce when they
 * end, and a waiting connection retries at once; it also retries every millisecond for writers in
 * other processes (CLI commands). Gives up after about 5 s, as busy_timeout=5000 did.
 */
struct WriteTurns {
  std::mutex mutex;
  std::condition_variable ended;
  uint64_t generation = 0;

  static WriteTurns& instance() {
    static WriteTurns turns;
    return turns;
  }
  void announceEnd() {
    {
      std::lock_guard<std::mutex> lock(mutex);
      ++generation;
    }
    ended.notify_all();
  }
};

constexpr int kBusyTries = 5000;  // of at most 1 ms each

int waitForWriteTurn(void*, int tries) {
  if (tries >= kBusyTries) return 0;
  WriteTurns& turns = WriteTurns::instance();
  std::unique_lock<std::mutex> lock(turns.mutex);
  const uint64_t seen = turns.generation;
  turns.ended.wait_for(lock, std::chrono::milliseconds(1),
                       [&] { return turns.generation != seen; });
  return 1;
}

/** SQLite connections with Baraza's per-connection settings, applied once when one is opened. */
class SqlitePool : public Poco::Data::SessionPool {
 public:
  using SessionPool::SessionPool;

 protected:
  void customizeSession(Poco::Data::Session& session) override {
    sqlite3_busy_handler(Poco::Data::SQLite::Utility::dbHandle(session), waitForWriteTurn, nullptr);
    session << "PRAGMA synchronous=FULL", now;
    session << "PRAGMA foreign_keys=ON", now;
  }
};

/**
 * Bounds every read and write of a MariaDB connection. Without it a server that stops answering
 * (SIGSTOP, a hung disk under it) holds the connection, and the thread on it, for as long as the
 * kernel keeps the TCP connection open: for ever, since the server's kernel still acknowledges.
 * Poco connects inside its session constructor, before an option can be set, and Connector/C
 * applies MYSQL_OPT_READ_TIMEOUT only when connecting (set afterwards, a SELECT against a stopped
 * server was still waiting after 8 s). So the options are set for reconnections (auto-reconnect),
 * the open connection's timeouts through Connector/C's I/O layer (ma_pvio.h, part of its plugin
 * API), and a new connection's handshake is bounded by BoundedMysqlConnector.
 */
class MysqlPool : public Poco::Data::SessionPool {
 public:
  MysqlPool(const std::string& connect, unsigned int timeoutSeconds)
      : SessionPool(BoundedMysqlConnector::kName,
                    connect + ";io-timeout=" + std::to_string(timeoutSeconds), 1, 64, 60),
        timeoutSeconds_(timeoutSeconds) {}

 protected:
  void customizeSession(Poco::Data::Session& session) override {
    auto* impl = dynamic_cast<Poco::Data::MySQL::SessionImpl*>(session.impl());
    if (impl == nullptr) return;
    MYSQL* mysql = impl->handle();
    mysql_options(mysql, MYSQL_OPT_CONNECT_TIMEOUT, &timeoutSeconds_);
    mysql_options(mysql, MYSQL_OPT_READ_TIMEOUT, &timeoutSeconds_);
    mysql_options(mysql, MYSQL_OPT_WRITE_TIMEOUT, &timeoutSeconds_);
    if (MARIADB_PVIO* pvio = mysql->net.pvio;
        pvio != nullptr && pvio->methods->set_timeout != nullptr) {
      pvio->methods->set_timeout(pvio, PVIO_READ_TIMEOUT, static_cast<int>(timeoutSeconds_));
      pvio->methods->set_timeout(pvio, PVIO_WRITE_TIMEOUT, static_cast<int>(timeoutSeconds_));
    }
  }

 private:
  unsigned int timeoutSeconds_;
};

}  // namespace

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

StatusOr<StoreUrl> parseStoreUrl(const std::string& text) {
  StoreUrl url;
  try {
    Poco::URI uri(text);
    if (uri.getScheme() == "sqlite") {
      if (!uri.getHost().empty() || uri.getPath().empty() || uri.getPath().front() != '/') {
        return invalidArgument("store.url: \"" + text + "\" must be sqlite:///ABSOLUTE/PATH");
      }
      url.sqlitePath = uri.getPath();
      return url;
    }
    if (uri.getScheme() == "mysql") {
      url.backend = Backend::kMysql;
      url.host = uri.getHost();
      url.port = uri.getPort() == 0 ? 3306 : uri.getPort();
      url.user = uri.getUserInfo();
      url.db = uri.getPath().empty() ? "" : uri.getPath().substr(1);
      if (url.host.empty() || url.user.empty() || url.db.empty() ||
          url.user.find(':') != std::string::npos) {
        return invalidArgument(
            "store.url: \"mysql://...\" must be mysql://USER@HOST[:PORT]/DB "
            "(the password goes in store.password)");
      }
      return url;
    }
  } catch (const Poco::Exception& e) {
    return invalidArgument("store.url: not a URL: " + e.message());
  }
  return invalidArgument("store.url: unknown scheme (sqlite:///PATH or mysql://USER@HOST:PORT/DB)");
}

Database::Database(const Dialect& dialect, std::unique_ptr<Poco::Data::SessionPool> pool,
                   std::string description)
    : dialect_(&dialect), pool_(std::move(pool)), description_(std::move(description)) {}

Database::~Database() = default;

StatusOr<DatabasePtr> Database::open(const std::string& text, const std::string& password,
                                     int ioTimeoutSeconds) {
  StatusOr<StoreUrl> url = parseStoreUrl(text);
  if (!url.isOk()) return url.status();
  registerConnectors();
  DatabasePtr db;
  try {
    if (url->backend == Backend::kSqlite) {
      const std::string dir = Poco::Path(url->sqlitePath).parent().toString();
      if (!Poco::File(dir).exists()) {
        return failedPrecondition("store.url: directory " + dir + " does not exist");
      }
      auto pool = std::make_unique<SqlitePool>("SQLite", url->sqlitePath, 1, 32, 60);
      db.reset(new Database(Dialect::sqlite(), std::move(pool), "sqlite:" + url->sqlitePath));
      Poco::Data::Session session = db->session();
      std::string mode;
      session << "PRAGMA journal_mode=WAL", into(mode), now;
      if (mode != "wal")
        return failedPrecondition(db->describe() + ": cannot enable WAL (" + mode + ")");
    } else {
      std::string connect = "host=" + url->host + ";port=" + std::to_string(url->port) +
                            ";user=" + url->user + ";db=" + url->db +
                            ";compress=false;auto-reconnect=true;character-set=utf8mb4";
      if (!password.empty()) connect += ";password=" + password;
      auto pool = std::make_unique<MysqlPool>(
          connect, static_cast<unsigned int>(std::max(ioTimeoutSeconds, 1)));
      db.reset(new Database(Dialect::mysql(), std::move(pool),
                            "mysql:" + url->user + "@" + url->host + ":" +
                                std::to_string(url->port) + "/" + url->db));
    }
  } catch (const Poco::Exception& e) {
    // The connection string may hold the password: report only what we built ourselves.
    const std::string where =
        url->backend == Backend::kSqlite
            ? url->sqlitePath
            : url->user + "@" + url->host + ":" + std::to_string(url->port) + "/" + url->db;
    return unavailable("store.url: cannot open " + where + ": " + e.message());
  }
  if (Status ping = db->ping(); !ping.isOk()) return ping;
  if (db->backend() == Backend::kMysql) {
    try {
      Poco::Data::Session session = db->session();
      Poco::Int64 mode = 1;
      session << "SELECT @@innodb_autoinc_lock_mode", into(mode), now;
      db->consecutiveIds_ = mode != 2;
    } catch (const Poco::Exception& e) {
      return unavailable(db->describe() + ": reading innodb_autoinc_lock_mode: " + e.message());
    }
  }
  return db;
}

Poco::Data::Session Database::session() { return pool_->get(); }

Status Database::ping() {
  try {
    Poco::Data::Session s = session();
    int one = 0;
    s << "SELECT 1", into(one), now;
    return one == 1 ? Status::ok()
                    : unavailable(description_ + ": SELECT 1 returned " + std::to_string(one));
  } catch (const Poco::Exception& e) {
    return unavailable(description_ + ": " + e.message());
  }
}

Status Database::transaction(const std::function<void(Poco::Data::Session&)>& work) {
  return runPooled(dialect_->begin, true, work);
}

Status Database::transaction(Poco::Data::Session& session,
                             const std::function<void(Poco::Data::Session&)>& work) {
  return run(session, dialect_->begin, true, work);
}

Status Database::read(const std::function<void(Poco::Data::Session&)>& work) {
  return runPooled(dialect_->beginRead, false, work);
}

Status Database::runPooled(const std::string& begin, bool writes,
                           const std::function<void(Poco::Data::Session&)>& work) {
  try {
    Poco::Data::Session s = session();
    return run(s, begin, writes, work);
  } catch (const Poco::Exception& e) {
    return unavailable(description_ + ": " + e.message());
  }
}

Status Database::run(Poco::Data::Session& session, const std::string& begin, bool writes,
                     const std::function<void(Poco::Data::Session&)>& work) {
  constexpr int kAttempts = 5;
  auto ended = [&] {
    if (writes) endTurn();
  };
  for (int attempt = 1;; ++attempt) {
    bool open = false;
    try {
      session << begin, now;
      open = true;
      work(session);
      session << "COMMIT", now;
      ended();
      return Status::ok();
    } catch (const Poco::Exception& e) {
      if (open) {
        try {
          session << "ROLLBACK", now;
        } catch (const Poco::Exception&) {
          // The connection is broken; the pool discards it.
        }
        ended();
      }
      if (attempt < kAttempts && isTransient(e)) {
        Poco::Logger::get("baraza.store")
            .debug("transaction retried after a transient error: " + e.message());
        std::this_thread::sleep_for(std::chrono::milliseconds(5 * attempt));
        continue;
      }
      return unavailable(description_ + ": " + e.message());
    } catch (const sdk::StatusError& e) {
      if (open) session << "ROLLBACK", now;
      ended();
      return e.status();
    } catch (const std::exception& e) {
      if (open) session << "ROLLBACK", now;
      ended();
      return internal(e.what());
    }
  }
}

Status Database::savepoint(Poco::Data::Session& session,
                           const std::function<void(Poco::Data::Session&)>& work) {
  // The same statements on SQLite and MySQL/MariaDB.
  session << "SAVEPOINT baraza_item", now;
  auto undo = [&session] {
    session << "ROLLBACK TO SAVEPOINT baraza_item", now;
    session << "RELEASE SAVEPOINT baraza_item", now;
  };
  try {
    work(session);
  } catch (const Poco::Exception& e) {
    if (isTransient(e)) throw;
    undo();
    return failure(std::current_exception());
  } catch (const std::exception&) {
    undo();
    return failure(std::current_exception());
  }
  session << "RELEASE SAVEPOINT baraza_item", now;
  return Status::ok();
}

Status Database::autocommit(Poco::Data::Session& session,
                            const std::function<void(Poco::Data::Session&)>& work) {
  try {
    work(session);
    return Status::ok();
  } catch (const std::exception&) {
    return failure(std::current_exception());
  }
}

Status Database::failure(const std::exception_ptr& error) const {
  try {
    std::rethrow_exception(error);
  } catch (const Poco::Exception& e) {
    return unavailable(description_ + ": " + e.message());
  } catch (const sdk::StatusError& e) {
    return e.status();
  } catch (const std::exception& e) {
    return internal(e.what());
  }
}

void Database::endTurn() const {
  if (backend() == Backend::kSqlite) WriteTurns::instance().announceEnd();
}

int64_t lastInsertId(Poco::Data::Session& session, Backend backend) {
  if (backend == Backend::kSqlite) {
    return sqlite3_last_insert_rowid(Poco::Data::SQLite::Utility::dbHandle(session));
  }
  return static_cast<int64_t>(Poco::AnyCast<Poco::UInt64>(session.getProperty("insertId")));
}

}  // namespace baraza::store
