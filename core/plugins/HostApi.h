#pragma once

#include <baraza/abi.h>

#include <condition_variable>
#include <mutex>

#include "plugins/HostServices.h"

namespace baraza::plugins {

/**
 * Lets an instance's host API calls reach the services until closed. A call abandoned at its
 * deadline can still call the host after its tenant is gone; close() waits for the calls under
 * way, and later ones are refused, so none reaches services that no longer exist.
 */
class HostGate {
 public:
  /** False once closed; otherwise the caller must leave(). */
  bool enter() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closed_) return false;
    ++active_;
    return true;
  }
  void leave() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (--active_ == 0 && closed_) idle_.notify_all();
  }
  void close() {
    std::unique_lock<std::mutex> lock(mutex_);
    closed_ = true;
    idle_.wait(lock, [&] { return active_ == 0; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable idle_;
  int active_ = 0;
  bool closed_ = false;
};

}  // namespace baraza::plugins

// The definition of the type abi.h keeps opaque: what the host knows about the caller of a
// host API function. One per plugin instance, owned by it.
struct baraza_host_context {
  baraza::plugins::InstanceRef ref;
  baraza::plugins::HostServices* services = nullptr;
  mutable baraza::plugins::HostGate gate;
};

namespace baraza::plugins {

/** The host API table handed to every plugin: static functions dispatching on the context. */
const baraza_host_api* hostApi();

/** Copies text into a host-allocated buffer (the plugin frees it with host->free). */
void fillBuffer(baraza_buf* buf, std::string_view text);
/** Takes a buffer a plugin filled (allocated with host->alloc) into a string and frees it. */
std::string takeBuffer(baraza_buf& buf);

}  // namespace baraza::plugins
