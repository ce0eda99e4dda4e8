#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/Status.h"
#include "plugins/Manifest.h"
#include "plugins/PluginLibrary.h"

namespace baraza::plugins {

/** One folder of the plugin directory and what became of it. */
struct PluginEntry {
  std::string dir;
  std::optional<Manifest> manifest;  // set when plugin.json was valid
  PluginLibraryPtr library;          // set when loaded
  std::string error;                 // why it was refused, naming the file

  bool loaded() const { return library != nullptr; }
};

/**
 * The plugins in a directory: one folder per plugin with plugin.json and its library. Manifests
 * are read and checked before any code is loaded, so `config check` can validate tenants against
 * plugin schemas without running plugin code.
 */
class PluginRegistry {
 public:
  /** Reads every manifest (no dlopen). Duplicate ids: the first folder in name order wins. */
  static PluginRegistry scan(const std::string& dir);

  /** dlopens every plugin whose manifest was accepted; failures are kept in the entry. */
  void loadAll();

  const std::string& dir() const { return dir_; }
  /** Set when the directory itself could not be read. */
  const std::string& error() const { return error_; }
  const std::vector<PluginEntry>& entries() const { return entries_; }
  /** The accepted manifest with this id, or null. */
  const Manifest* manifest(const std::string& id) const;
  /** The entry with this id (loaded or not), or null. */
  const PluginEntry* entry(const std::string& id) const;

 private:
  std::string dir_;
  std::string error_;
  std::vector<PluginEntry> entries_;
};

}  // namespace baraza::plugins
