#pragma once

namespace baraza {

/**
 * The event loop whose time the calling thread is spending, or null: set on a loop's own threads,
 * and carried by a plugin call made from one onto the thread that runs it (plugins::CallRunner).
 * A blocking wait for that loop from such a thread would wait for itself.
 */
inline const void*& currentEventLoop() {
  thread_local const void* loop = nullptr;
  return loop;
}

}  // namespace baraza
