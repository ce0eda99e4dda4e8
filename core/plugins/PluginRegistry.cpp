#include "plugins/PluginRegistry.h"

#include <Poco/DirectoryIterator.h>
#include <Poco/File.h>
#include <Poco/Logger.h>

#include <algorithm>
#include <map>

namespace baraza::plugins {

PluginRegistry PluginRegistry::scan(const std::string& dir) {
  PluginRegistry registry;
  registry.dir_ = dir;
  std::vector<std::string> folders;
  try {
    for (Poco::DirectoryIterator it(dir), end; it != end; ++it) {
      if (it->isDirectory()) folders.push_back(it.path().toString());
    }
  } catch (const Poco::Exception& e) {
    registry.error_ = dir + ": cannot read the plugin directory: " + e.message();
    return registry;
  }
  std::sort(folders.begin(), folders.end());

  std::map<std::string, std::string> firstById;
  for (const auto& folder : folders) {
    PluginEntry entry;
    entry.dir = folder;
    const std::string manifestPath = folder + "/plugin.json";
    if (!Poco::File(manifestPath).exists()) {
      entry.error = manifestPath + ": missing (every plugin folder needs a plugin.json)";
      registry.entries_.push_back(std::move(entry));
      continue;
    }
    auto manifest = readManifest(manifestPath);
    if (!manifest.isOk()) {
      entry.error = manifest.status().message();
    } else if (auto [it, inserted] = firstById.emplace(manifest->id, manifestPath); !inserted) {
      entry.error =
          manifestPath + ": duplicate id " + manifest->id + ", already provided by " + it->second;
    } else {
      entry.manifest = std::move(manifest).value();
    }
    registry.entries_.push_back(std::move(entry));
  }
  return registry;
}

void PluginRegistry::loadAll() {
  Poco::Logger& log = Poco::Logger::get("baraza.plugins");
  for (auto& entry : entries_) {
    if (!entry.manifest || entry.loaded()) {
      if (!entry.error.empty()) log.error("plugin refused: " + entry.error);
      continue;
    }
    auto library = PluginLibrary::load(*entry.manifest);
    if (!library.isOk()) {
      entry.error = library.status().message();
      log.error("plugin refused: " + entry.error);
      continue;
    }
    entry.library = std::move(library).value();
    log.information("plugin loaded: " + entry.manifest->id + " " + entry.manifest->version + " [" +
                    kindNames(entry.manifest->kinds) + "] ABI " +
                    abiText(entry.library->abiVersion()) + " from " + entry.manifest->libraryPath);
  }
}

const PluginEntry* PluginRegistry::entry(const std::string& id) const {
  for (const auto& e : entries_) {
    if (e.manifest && e.manifest->id == id) return &e;
  }
  return nullptr;
}

const Manifest* PluginRegistry::manifest(const std::string& id) const {
  const PluginEntry* e = entry(id);
  return e == nullptr ? nullptr : &*e->manifest;
}

}  // namespace baraza::plugins
