#include "store/BatchWriter.h"

#include <Poco/Logger.h>
#include <sys/resource.h>

#include <atomic>
#include <cerrno>
#include <cstring>

namespace baraza::store {

bool prioritiseThisThread(int nice) {
  if (nice == 0) return true;
  // On Linux a thread has its own nice value: PRIO_PROCESS with 0 names the calling thread.
  if (setpriority(PRIO_PROCESS, 0, nice) == 0) return true;
  const int error = errno;
  static std::atomic<bool> said{false};
  if (!said.exchange(true)) {
    Poco::Logger::get("baraza.store")
        .information("group-commit writer runs at normal priority (nice " + std::to_string(nice) +
                     " refused: " + std::strerror(error) +
                     "); under load it then waits behind request threads. Allow it with "
                     "LimitNICE=" +
                     std::to_string(nice) + " in the systemd unit (the packaged unit does)");
  }
  return false;
}

}  // namespace baraza::store
