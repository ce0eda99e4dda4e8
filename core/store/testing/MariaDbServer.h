// Test support: a private MariaDB server (own data directory, socket and 127.0.0.1 port) that
// lives as long as the test process. Tests never skip when it cannot start: they fail with the
// server's own error log.
#pragma once

#include <memory>
#include <string>

namespace baraza::store::testing {

class MariaDbServer {
 public:
  /** The process-wide server, started on first use. Throws std::runtime_error with the reason. */
  static MariaDbServer& shared();
  /** A server of the caller's own (e.g. to stop it mid-test). */
  MariaDbServer();
  ~MariaDbServer();

  /** Stops the server (SIGTERM, waits); start it again with restart(). */
  void stop();
  /** Starts it again on the same port and data directory. */
  void restart();
  /** Freezes the server (SIGSTOP): connections stay open and nothing answers, as with a hung host.
   */
  void pause();
  /** Lets a paused server go on (SIGCONT). */
  void resume();

  int port() const { return port_; }
  /** A new, empty database on this server; returns its store.url (user root, no password). */
  std::string createDatabase();

 private:
  bool start(const std::string& daemon, bool root);
  void admin(const std::string& sql);

  std::string dir_;
  int port_ = 0;
  int pid_ = 0;
};

/** A store.url for a fresh SQLite file in a new temporary directory (removed at exit). */
std::string freshSqliteUrl();

}  // namespace baraza::store::testing
