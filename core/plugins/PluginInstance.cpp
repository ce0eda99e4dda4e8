#include "plugins/PluginInstance.h"

namespace baraza::plugins {

const char* operationName(Operation op) {
  switch (op) {
    case Operation::kChannelParseWebhook: return "channel.parse_webhook";
    case Operation::kChannelBuildSend: return "channel.build_send";
    case Operation::kChannelClassifyResponse: return "channel.classify_response";
    case Operation::kFlowExchange: return "flow.exchange";
    case Operation::kIntentDetect: return "intent.detect";
    case Operation::kVerifierVerify: return "verifier.verify";
    case Operation::kMediaPut: return "media.put";
    case Operation::kMediaGet: return "media.get";
    case Operation::kConversationOnMessage: return "conversation.on_message";
  }
  return "?";
}

PluginInstance::PluginInstance(PluginLibraryPtr library, std::unique_ptr<baraza_host_context> context)
    : library_(std::move(library)), context_(std::move(context)) {}

PluginInstance::~PluginInstance() {
  if (instance_ != nullptr) library_->descriptor().destroy(instance_);
}

StatusOr<PluginInstancePtr> PluginInstance::create(PluginLibraryPtr library, InstanceRef ref,
                                                   HostServices* services,
                                                   const std::string& configJson) {
  auto context = std::make_unique<baraza_host_context>();
  context->ref = std::move(ref);
  context->services = services;
  PluginInstancePtr self(new PluginInstance(std::move(library), std::move(context)));
  baraza_buf error{};
  void* instance = nullptr;
  const baraza_status code = self->library_->descriptor().create(
      self->context_.get(), baraza_str{configJson.data(), configJson.size()}, &instance, &error);
  std::string message = takeBuffer(error);
  if (code != BARAZA_OK) {
    if (message.empty()) message = "create failed with status " + std::to_string(code);
    return Status(static_cast<Code>(code), message);
  }
  if (instance == nullptr) return internal("create returned OK but no instance");
  self->instance_ = instance;
  return self;
}

baraza_call_fn PluginInstance::function(Operation op) const {
  const PluginLibrary& lib = *library_;
  switch (op) {
    case Operation::kChannelParseWebhook: return lib.channel().parse_webhook;
    case Operation::kChannelBuildSend: return lib.channel().build_send;
    case Operation::kChannelClassifyResponse: return lib.channel().classify_response;
    case Operation::kFlowExchange: return lib.flow().exchange;
    case Operation::kIntentDetect: return lib.intent().detect;
    case Operation::kVerifierVerify: return lib.verifier().verify;
    case Operation::kMediaPut: return lib.media().put;
    case Operation::kMediaGet: return lib.media().get;
    case Operation::kConversationOnMessage: return lib.conversation().on_message;
  }
  return nullptr;
}

StatusOr<std::string> PluginInstance::call(Operation op, std::string_view input) const {
  baraza_call_fn fn = function(op);
  if (fn == nullptr) {
    return unimplemented(library_->manifest().id + " does not implement " + operationName(op));
  }
  baraza_buf output{};
  const baraza_status code = fn(instance_, baraza_str{input.data(), input.size()}, &output);
  std::string text = takeBuffer(output);
  if (code != BARAZA_OK) return Status(static_cast<Code>(code), text);
  return text;
}

Status PluginInstance::health() const {
  const auto& d = library_->descriptor();
  if (!BARAZA_HAS_FIELD(baraza_plugin_descriptor, &d, health) || d.health == nullptr) {
    return Status::ok();
  }
  baraza_buf output{};
  const baraza_status code = d.health(instance_, baraza_str{nullptr, 0}, &output);
  std::string text = takeBuffer(output);
  return code == BARAZA_OK ? Status::ok() : Status(static_cast<Code>(code), text);
}

}  // namespace baraza::plugins
