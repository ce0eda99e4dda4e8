#include "store/testing/MariaDbServer.h"

#include <Poco/File.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Path.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/TemporaryFile.h>
#include <dirent.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "common/testing/ReadFile.h"

namespace baraza::store::testing {
namespace {

using baraza::testing::readFile;

int freePort() {
  Poco::Net::ServerSocket probe(Poco::Net::SocketAddress("127.0.0.1", 0));
  const int port = probe.address().port();
  probe.close();
  return port;
}

int run(const std::string& command, const std::vector<std::string>& args, const std::string& log) {
  Poco::Pipe out;
  Poco::ProcessHandle handle = Poco::Process::launch(command, args, nullptr, &out, &out);
  Poco::PipeInputStream in(out);
  std::ofstream file(log);
  file << in.rdbuf();
  return handle.wait();
}

std::string findProgram(const std::vector<std::string>& candidates) {
  for (const auto& c : candidates) {
    if (Poco::File(c).exists()) return c;
  }
  throw std::runtime_error("MariaDB is not installed (looked for " + candidates.front() +
                           "); `make test` installs mariadb-server");
}

}  // namespace

MariaDbServer& MariaDbServer::shared() {
  static MariaDbServer server;
  return server;
}

MariaDbServer::MariaDbServer() {
  dir_ = Poco::Path(Poco::TemporaryFile::tempName()).parent().toString() + "baraza-mariadb-" +
         Poco::Path(Poco::TemporaryFile::tempName()).getFileName();
  Poco::File(dir_ + "/tmp").createDirectories();
  const std::string installDb =
      findProgram({"/usr/bin/mariadb-install-db", "/usr/bin/mysql_install_db"});
  const std::string daemon = findProgram({"/usr/sbin/mariadbd", "/usr/sbin/mysqld"});
  const bool root = ::geteuid() == 0;
  const std::string user =
      root ? "--user=root" : "--user=" + std::string(::getlogin() ? ::getlogin() : "nobody");

  // A private TMPDIR: concurrent installs (other test processes) otherwise collide on their
  // temporary tables in /tmp.
  const int installed =
      run("/bin/sh",
          {"-c", "TMPDIR='" + dir_ + "/tmp' exec " + installDb +
                     " --no-defaults '--datadir=" + dir_ + "/data' " + user +
                     " --auth-root-authentication-method=normal" + " --skip-test-db"},
          dir_ + "/install.log");
  if (installed != 0) {
    throw std::runtime_error("mariadb-install-db failed (" + std::to_string(installed) + "):\n" +
                             readFile(dir_ + "/install.log"));
  }

  // A port that was free a moment ago may be taken by another test process's server before
  // ours binds it; then ours exits and a TCP probe would reach the other one. Check that the
  // server answering on the port is ours (its socket path), and retry on another port if not.
  for (int attempt = 1;; ++attempt) {
    port_ = freePort();
    if (start(daemon, root)) break;
    if (attempt == 5) {
      throw std::runtime_error("mariadbd did not come up on a free port after 5 tries:\n" +
                               readFile(dir_ + "/error.log"));
    }
  }
}

bool MariaDbServer::start(const std::string& daemon, bool root) {
  std::vector<std::string> args = {"--no-defaults",
                                   "--datadir=" + dir_ + "/data",
                                   "--port=" + std::to_string(port_),
                                   "--bind-address=127.0.0.1",
                                   "--socket=" + dir_ + "/mysqld.sock",
                                   "--pid-file=" + dir_ + "/mysqld.pid",
                                   "--log-error=" + dir_ + "/error.log",
                                   "--tmpdir=" + dir_ + "/tmp",
                                   "--innodb-buffer-pool-size=128M",
                                   "--max-connections=500",
                                   "--skip-name-resolve"};
  if (root) args.push_back("--user=root");
  // Through a shell that execs the daemon, so its early stderr lands in a file, not the test log.
  std::string command = "exec " + daemon;
  for (const auto& a : args) command += " '" + a + "'";
  command += " >>'" + dir_ + "/stdout.log' 2>&1";
  Poco::ProcessHandle handle = Poco::Process::launch("/bin/sh", {"-c", command});
  pid_ = handle.id();

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = 0;
      return false;  // most likely the port was taken: the caller tries another
    }
    if (Poco::File(dir_ + "/mysqld.sock").exists()) {
      const int rc = run("/usr/bin/mariadb",
                         {"--no-defaults", "--protocol=TCP", "-h127.0.0.1",
                          "-P" + std::to_string(port_), "-uroot", "-N", "-e", "SELECT @@socket"},
                         dir_ + "/whoami.log");
      if (rc == 0) {
        if (readFile(dir_ + "/whoami.log").find(dir_) != std::string::npos) return true;
        // Another test's server answers on this port: give it up.
        ::kill(pid_, SIGTERM);
        ::waitpid(pid_, &status, 0);
        pid_ = 0;
        return false;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("mariadbd did not accept connections within 60 s:\n" +
                           readFile(dir_ + "/error.log"));
}

void MariaDbServer::stop() {
  if (pid_ > 0) {
    ::kill(pid_, SIGCONT);  // a paused server would not act on SIGTERM
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = 0;
  }
}

namespace {

/** Whether every thread of process `pid` is stopped ("T" or "t" in its task's stat). */
bool allThreadsStopped(pid_t pid) {
  const std::string tasks = "/proc/" + std::to_string(pid) + "/task";
  DIR* dir = ::opendir(tasks.c_str());
  if (dir == nullptr) return false;
  bool stopped = true;
  while (const dirent* e = ::readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    const std::string stat = readFile(tasks + "/" + e->d_name + "/stat");
    const size_t close = stat.rfind(')');
    if (close == std::string::npos || close + 2 >= stat.size()) continue;  // the task just ended
    const char state = stat[close + 2];
    if (state != 'T' && state != 't') stopped = false;
  }
  ::closedir(dir);
  return stopped;
}

}  // namespace

void MariaDbServer::pause() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGSTOP);
  // kill() returns before the stop reaches every thread: one running on another core could
  // still answer a query sent right after. Wait until none runs (a few milliseconds at most).
  for (int i = 0; i < 5000 && !allThreadsStopped(pid_); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void MariaDbServer::resume() {
  if (pid_ > 0) ::kill(pid_, SIGCONT);
}

void MariaDbServer::restart() {
  stop();
  if (!start(findProgram({"/usr/sbin/mariadbd", "/usr/sbin/mysqld"}), ::geteuid() == 0)) {
    throw std::runtime_error("mariadbd did not restart:\n" + readFile(dir_ + "/error.log"));
  }
}

MariaDbServer::~MariaDbServer() {
  stop();
  try {
    Poco::File(dir_).remove(true);
  } catch (...) {
  }
}

void MariaDbServer::admin(const std::string& sql) {
  const int rc = run("/usr/bin/mariadb",
                     {"--no-defaults", "--protocol=TCP", "-h127.0.0.1",
                      "-P" + std::to_string(port_), "-uroot", "-e", sql},
                     dir_ + "/admin.log");
  if (rc != 0)
    throw std::runtime_error("mariadb \"" + sql + "\" failed: " + readFile(dir_ + "/admin.log"));
}

std::string MariaDbServer::createDatabase() {
  static std::atomic<int> counter{0};
  const std::string name =
      "baraza_test_" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
  admin("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
  return "mysql://root@127.0.0.1:" + std::to_string(port_) + "/" + name;
}

std::string freshSqliteUrl() {
  static Poco::TemporaryFile root;  // removed when the test process exits
  static std::atomic<int> counter{0};
  Poco::File(root.path()).createDirectories();
  return "sqlite://" + root.path() + "/test-" + std::to_string(++counter) + ".db";
}

}  // namespace baraza::store::testing
