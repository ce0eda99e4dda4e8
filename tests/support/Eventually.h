// Polling for a condition in tests that drive real processes.
#pragma once

#include <chrono>
#include <thread>

namespace baraza::testing {

/** Waits up to `seconds` for `done()`, checking every 50 ms. */
template <class F>
bool eventually(F&& done, int seconds = 30) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

}  // namespace baraza::testing
