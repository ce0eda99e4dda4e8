#include "plugins/PluginLibrary.h"

#include <dlfcn.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/dll/shared_library.hpp>
#include <cstring>
#include <iomanip>
#include <sstream>

#include "plugins/HostApi.h"

namespace baraza::plugins {

struct PluginLibrary::Handle {
  boost::dll::shared_library library;
};

namespace {

/** Copies a plugin-provided size-prefixed struct into a zeroed host-sized one. */
template <class T>
void copyTable(const T* from, T& to) {
  to = T{};
  if (from == nullptr || from->struct_size < sizeof(uint32_t)) return;
  std::memcpy(&to, from, std::min<size_t>(from->struct_size, sizeof(T)));
  to.struct_size = static_cast<uint32_t>(std::min<size_t>(from->struct_size, sizeof(T)));
}

std::string octal(mode_t mode) {
  std::ostringstream out;
  out << std::setw(4) << std::setfill('0') << std::oct << (mode & 07777);
  return out.str();
}

std::string view(baraza_str s) {
  return s.data == nullptr ? std::string() : std::string(s.data, s.size);
}

}  // namespace

Status checkFileIsSafe(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return notFound(path + ": " + std::strerror(errno));
  }
  if (st.st_mode & (S_IWGRP | S_IWOTH)) {
    return Status(Code::kPermissionDenied, path + ": writable by group or others (mode " +
                                               octal(st.st_mode) + "); refusing to load it");
  }
  if (st.st_uid != 0 && st.st_uid != ::geteuid()) {
    return Status(Code::kPermissionDenied,
                  path + ": owned by uid " + std::to_string(st.st_uid) +
                      ", neither root nor the user running baraza; refusing to load it");
  }
  return Status::ok();
}

PluginLibrary::PluginLibrary(Manifest manifest) : manifest_(std::move(manifest)) {}

PluginLibrary::~PluginLibrary() {
  if (shutdown_ != nullptr) shutdown_();
  // handle_ unloads the library after shutdown.
}

StatusOr<PluginLibraryPtr> PluginLibrary::load(const Manifest& manifest) {
  const std::string& file = manifest.libraryPath;
  if (Status abi = checkAbiCompatible(file, manifest.abiVersion()); !abi.isOk()) return abi;
  for (const std::string& path : {manifest.dir, manifest.path, file}) {
    if (Status safe = checkFileIsSafe(path); !safe.isOk()) return safe;
  }

  PluginLibraryPtr self(new PluginLibrary(manifest));
  self->handle_ = std::make_unique<Handle>();
  auto& lib = self->handle_->library;
  boost::dll::fs::error_code error;
  lib.load(file, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, error);
  if (error || !lib.is_loaded()) {
    const char* reason = ::dlerror();
    return failedPrecondition(file + ": cannot load: " + (reason ? reason : error.message()));
  }
  for (const char* symbol :
       {BARAZA_SYMBOL_ABI_VERSION, BARAZA_SYMBOL_INIT, BARAZA_SYMBOL_SHUTDOWN}) {
    if (!lib.has(symbol)) {
      return failedPrecondition(file + ": does not export " + std::string(symbol) +
                                " (not a Baraza plugin, or built without the SDK's entry points)");
    }
  }

  self->abiVersion_ = lib.get<uint32_t()>(BARAZA_SYMBOL_ABI_VERSION)();
  if (self->abiVersion_ != manifest.abiVersion()) {
    return failedPrecondition(file + ": reports ABI " + abiText(self->abiVersion_) +
                              " but its plugin.json says " + manifest.abiText());
  }
  if (Status abi = checkAbiCompatible(file, self->abiVersion_); !abi.isOk()) return abi;

  const baraza_plugin_descriptor* descriptor =
      lib.get<const baraza_plugin_descriptor*(const baraza_host_api*)>(BARAZA_SYMBOL_INIT)(
          hostApi());
  // From here on the plugin is initialised: shutdown must run even if we refuse it.
  self->shutdown_ = &lib.get<void()>(BARAZA_SYMBOL_SHUTDOWN);
  if (descriptor == nullptr) return failedPrecondition(file + ": baraza_plugin_init failed");
  constexpr size_t kMinimalSize =
      offsetof(baraza_plugin_descriptor, conversation) + sizeof(descriptor->conversation);
  if (descriptor->struct_size < kMinimalSize) {
    return failedPrecondition(file + ": descriptor is too small (" +
                              std::to_string(descriptor->struct_size) + " bytes)");
  }
  copyTable(descriptor, self->descriptor_);
  const auto& d = self->descriptor_;
  if (view(d.id) != manifest.id) {
    return failedPrecondition(file + ": descriptor id \"" + view(d.id) + "\" differs from " +
                              manifest.path + " id \"" + manifest.id + "\"");
  }
  if (view(d.version) != manifest.version) {
    return failedPrecondition(file + ": descriptor version " + view(d.version) + " differs from " +
                              manifest.path + " version " + manifest.version);
  }
  if (d.kinds != manifest.kinds) {
    return failedPrecondition(file + ": provides kinds [" + kindNames(d.kinds) + "] but " +
                              manifest.path + " declares [" + kindNames(manifest.kinds) + "]");
  }
  if (d.create == nullptr || d.destroy == nullptr) {
    return failedPrecondition(file + ": descriptor has no create/destroy");
  }
  copyTable(d.channel, self->channel_);
  copyTable(d.flow, self->flow_);
  copyTable(d.intent, self->intent_);
  copyTable(d.verifier, self->verifier_);
  copyTable(d.media, self->media_);
  copyTable(d.conversation, self->conversation_);
  return self;
}

}  // namespace baraza::plugins
