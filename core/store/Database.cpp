#include "store/Database.h"

#include <Poco/Data/MySQL/Connector.h>
#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/SessionPool.h>
#include <Poco/File.h>
#include <Poco/NumberParser.h>
#include <Poco/Path.h>
#include <Poco/URI.h>

#include <mutex>

namespace baraza::store {
namespace {

using Poco::Data::Keywords::now;

void registerConnectors() {
  static std::once_flag once;
  std::call_once(once, [] {
    Poco::Data::SQLite::Connector::registerConnector();
    Poco::Data::MySQL::Connector::registerConnector();
  });
}

class PooledDatabase : public Database {
 public:
  PooledDatabase(std::unique_ptr<Poco::Data::SessionPool> pool, std::string description)
      : pool_(std::move(pool)), description_(std::move(description)) {}

  Status ping() override {
    try {
      Poco::Data::Session session(pool_->get());
      int one = 0;
      session << "SELECT 1", Poco::Data::Keywords::into(one), now;
      return one == 1 ? Status::ok() : unavailable(description_ + ": SELECT 1 returned " + std::to_string(one));
    } catch (const Poco::Exception& e) {
      return unavailable(description_ + ": " + e.displayText());
    }
  }
  std::string describe() const override { return description_; }

 private:
  std::unique_ptr<Poco::Data::SessionPool> pool_;
  std::string description_;
};

}  // namespace

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
      url.backend = StoreUrl::Backend::kMysql;
      url.host = uri.getHost();
      url.port = uri.getPort() == 0 ? 3306 : uri.getPort();
      url.user = uri.getUserInfo();
      url.db = uri.getPath().empty() ? "" : uri.getPath().substr(1);
      if (url.host.empty() || url.user.empty() || url.db.empty() ||
          url.user.find(':') != std::string::npos) {
        return invalidArgument("store.url: \"" + uri.getScheme() + "://...\" must be " +
                               "mysql://USER@HOST[:PORT]/DB (the password goes in store.password)");
      }
      return url;
    }
  } catch (const Poco::Exception& e) {
    return invalidArgument("store.url: not a URL: " + e.message());
  }
  return invalidArgument("store.url: unknown scheme (sqlite:///PATH or mysql://USER@HOST:PORT/DB)");
}

StatusOr<DatabasePtr> openDatabase(const std::string& text, const std::string& password) {
  StatusOr<StoreUrl> url = parseStoreUrl(text);
  if (!url.isOk()) return url.status();
  registerConnectors();
  try {
    if (url->backend == StoreUrl::Backend::kSqlite) {
      const std::string dir = Poco::Path(url->sqlitePath).parent().toString();
      if (!Poco::File(dir).exists()) {
        return failedPrecondition("store.url: directory " + dir + " does not exist");
      }
      auto pool = std::make_unique<Poco::Data::SessionPool>("SQLite", url->sqlitePath, 1, 16, 60);
      Poco::Data::Session session(pool->get());
      std::string mode;
      session << "PRAGMA journal_mode=WAL", Poco::Data::Keywords::into(mode), now;
      session << "PRAGMA synchronous=FULL", now;
      session << "PRAGMA busy_timeout=5000", now;
      return DatabasePtr(std::make_unique<PooledDatabase>(std::move(pool), "sqlite:" + url->sqlitePath));
    }
    std::string connect = "host=" + url->host + ";port=" + std::to_string(url->port) +
                          ";user=" + url->user + ";db=" + url->db +
                          ";compress=false;auto-reconnect=true";
    if (!password.empty()) connect += ";password=" + password;
    auto pool = std::make_unique<Poco::Data::SessionPool>("MySQL", connect, 1, 32, 60);
    const std::string description =
        "mysql:" + url->user + "@" + url->host + ":" + std::to_string(url->port) + "/" + url->db;
    auto db = std::make_unique<PooledDatabase>(std::move(pool), description);
    if (Status ping = db->ping(); !ping.isOk()) return ping;
    return DatabasePtr(std::move(db));
  } catch (const Poco::Exception& e) {
    return unavailable("store.url: cannot open " + url->sqlitePath + url->host + ": " + e.displayText());
  }
}

}  // namespace baraza::store
