#pragma once

#include "common/Status.h"
#include "plugins/HostApi.h"
#include "plugins/PluginLibrary.h"

#include <memory>
#include <string>
#include <string_view>

namespace baraza::plugins {

/** The operations of the kind tables, for PluginInstance::call. */
enum class Operation {
  kChannelParseWebhook,
  kChannelBuildSend,
  kChannelClassifyResponse,
  kFlowExchange,
  kIntentDetect,
  kVerifierVerify,
  kMediaPut,
  kMediaGet,
  kConversationOnMessage,
};

const char* operationName(Operation op);

class PluginInstance;
using PluginInstancePtr = std::shared_ptr<PluginInstance>;

/**
 * A plugin created for one tenant with that tenant's validated configuration. Holds its library
 * (so the code outlives the instance) and the host context the plugin calls back with.
 */
class PluginInstance {
 public:
  /** Calls the plugin's create; its error message (or exception text) is returned as is. */
  static StatusOr<PluginInstancePtr> create(PluginLibraryPtr library, InstanceRef ref,
                                            HostServices* services, const std::string& configJson);
  ~PluginInstance();
  PluginInstance(const PluginInstance&) = delete;
  PluginInstance& operator=(const PluginInstance&) = delete;

  /** One kind operation: JSON in, JSON out. UNIMPLEMENTED when the plugin lacks it. */
  StatusOr<std::string> call(Operation op, std::string_view input) const;
  /** The plugin's self-check (ABI 1.1); OK for plugins that have none. */
  Status health() const;

  const InstanceRef& ref() const { return context_->ref; }
  const PluginLibrary& library() const { return *library_; }
  baraza_kind_set kinds() const { return library_->descriptor().kinds; }

 private:
  PluginInstance(PluginLibraryPtr library, std::unique_ptr<baraza_host_context> context);
  baraza_call_fn function(Operation op) const;

  PluginLibraryPtr library_;
  std::unique_ptr<baraza_host_context> context_;
  void* instance_ = nullptr;
};

}  // namespace baraza::plugins
