#pragma once

#include <baraza/abi.h>

#include <memory>

#include "common/Status.h"
#include "plugins/Manifest.h"

namespace baraza::plugins {

class PluginLibrary;
using PluginLibraryPtr = std::shared_ptr<PluginLibrary>;

/**
 * One loaded plugin shared library and its descriptor. Every instance holds a reference, so the
 * code stays mapped while any instance lives; the last reference calls baraza_plugin_shutdown
 * and unloads it.
 *
 * The descriptor and kind tables are copied into zero-filled structs of this host's size: a
 * plugin built against an older minor has shorter structs, and what it lacks reads as NULL.
 */
class PluginLibrary {
 public:
  /**
   * Loads manifest.libraryPath after the checks that need no code: ABI compatibility and safe
   * file permissions. Then dlopen (RTLD_NOW | RTLD_LOCAL), the three symbols, the reported ABI
   * version, and a descriptor whose id, version and kinds match the manifest.
   */
  static StatusOr<PluginLibraryPtr> load(const Manifest& manifest);

  ~PluginLibrary();
  PluginLibrary(const PluginLibrary&) = delete;
  PluginLibrary& operator=(const PluginLibrary&) = delete;

  const Manifest& manifest() const { return manifest_; }
  const baraza_plugin_descriptor& descriptor() const { return descriptor_; }
  /** The ABI version the library itself reports. */
  uint32_t abiVersion() const { return abiVersion_; }

  const baraza_channel_api& channel() const { return channel_; }
  const baraza_flow_api& flow() const { return flow_; }
  const baraza_intent_api& intent() const { return intent_; }
  const baraza_verifier_api& verifier() const { return verifier_; }
  const baraza_media_api& media() const { return media_; }
  const baraza_conversation_api& conversation() const { return conversation_; }

 private:
  struct Handle;
  explicit PluginLibrary(Manifest manifest);

  Manifest manifest_;
  std::unique_ptr<Handle> handle_;
  uint32_t abiVersion_ = 0;
  void (*shutdown_)() = nullptr;
  baraza_plugin_descriptor descriptor_{};
  baraza_channel_api channel_{};
  baraza_flow_api flow_{};
  baraza_intent_api intent_{};
  baraza_verifier_api verifier_{};
  baraza_media_api media_{};
  baraza_conversation_api conversation_{};
};

/**
 * Refuses a file a non-owner could have replaced: writable by group or others, or owned by
 * someone other than root or the user running the host. Checked for the library, its manifest
 * and their folder.
 */
Status checkFileIsSafe(const std::string& path);

}  // namespace baraza::plugins
