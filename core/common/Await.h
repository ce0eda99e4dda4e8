#pragma once

#include <future>
#include <utility>

namespace baraza {

/**
 * Waits for an operation that answers through a callback: calls `start` with a callback taking
 * a T, and returns the value that callback is given. The operation must call it exactly once,
 * from any thread (but not after waiting on this one).
 */
template <class T, class Start>
T awaitCallback(Start&& start) {
  std::promise<T> promise;
  std::future<T> result = promise.get_future();
  std::forward<Start>(start)([&promise](T value) { promise.set_value(std::move(value)); });
  return result.get();
}

}  // namespace baraza
