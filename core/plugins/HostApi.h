#pragma once

#include "plugins/HostServices.h"

#include <baraza/abi.h>

// The definition of the type abi.h keeps opaque: what the host knows about the caller of a
// host API function. One per plugin instance, owned by it.
struct baraza_host_context {
  baraza::plugins::InstanceRef ref;
  baraza::plugins::HostServices* services = nullptr;
};

namespace baraza::plugins {

/** The host API table handed to every plugin: static functions dispatching on the context. */
const baraza_host_api* hostApi();

/** Copies text into a host-allocated buffer (the plugin frees it with host->free). */
void fillBuffer(baraza_buf* buf, std::string_view text);
/** Takes a buffer a plugin filled (allocated with host->alloc) into a string and frees it. */
std::string takeBuffer(baraza_buf& buf);

}  // namespace baraza::plugins
