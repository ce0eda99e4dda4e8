#pragma once

#include <pthread.h>

namespace baraza {

/**
 * Names the calling thread as `top -H`, `ps -L`, perf and gdb show it. Linux keeps 15 characters;
 * longer names are cut to fit rather than refused.
 */
inline void nameThisThread(const char* name) {
  char shortName[16] = {};
  for (int i = 0; i < 15 && name[i] != '\0'; ++i) shortName[i] = name[i];
  pthread_setname_np(pthread_self(), shortName);
}

}  // namespace baraza
