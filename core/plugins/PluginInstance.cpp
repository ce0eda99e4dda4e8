#include "plugins/PluginInstance.h"

#include <Poco/Logger.h>

#include <utility>

#include "plugins/CallRunner.h"

namespace baraza::plugins {
namespace {

Poco::Logger& logger() { return Poco::Logger::get("baraza.plugins"); }

std::string describe(const InstanceRef& ref) {
  return "tenant " + ref.tenant + ": plugins." + ref.instance + " (" + ref.pluginId + ")";
}

/** One call into the plugin on this thread: its output, or its status with its message. */
StatusOr<std::string> invoke(baraza_call_fn fn, void* instance, std::string_view input) {
  baraza_buf output{};
  const baraza_status code = fn(instance, baraza_str{input.data(), input.size()}, &output);
  std::string text = takeBuffer(output);
  if (code != BARAZA_OK) return Status(static_cast<Code>(code), std::move(text));
  return text;
}

}  // namespace

std::chrono::milliseconds defaultDeadline(Operation op) {
  using std::chrono::seconds;
  switch (op) {
    case Operation::kChannelParseWebhook:
    case Operation::kChannelBuildSend:
    case Operation::kChannelClassifyResponse:
    case Operation::kChannelReengage:
      return seconds(0);
    case Operation::kChannelExchangeToken:
    case Operation::kChannelRegisterFlowKey:
    case Operation::kChannelMediaSource:
    case Operation::kMediaGet:
    case Operation::kMediaRemove:
      return seconds(30);
    case Operation::kFlowExchange:
      return seconds(10);
    case Operation::kIntentDetect:
    case Operation::kVerifierVerify:
      return seconds(60);
    case Operation::kConversationOnMessage:
    case Operation::kChannelUploadMedia:
      return seconds(120);
  }
  return seconds(60);
}

/** One call on a runner thread; it holds the instance (and so its library) until it returns. */
class PluginInstance::Call final : public CallTask {
 public:
  Call(std::shared_ptr<const PluginInstance> self, baraza_call_fn fn, const char* what,
       std::string_view input)
      : self_(std::move(self)), fn_(fn), what_(what), input_(input) {}

  void run() override {
    started_ = std::chrono::steady_clock::now();
    result_ = invoke(fn_, self_->instance_, input_);
  }

  void settled() override { self_.reset(); }

  void abandoned() override {
    ++self_->stuck_;
    ++self_->abandoned_;
  }

  void returnedLate() override {
    const int left = --self_->stuck_;
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started_);
    logger().warning(describe(self_->ref()) + ": " + what_ + " returned after " +
                     std::to_string(took.count()) +
                     " ms, past its deadline; its answer was dropped (" + std::to_string(left) +
                     " call(s) of the instance still stuck)");
  }

  /** What the plugin answered; only once run() has returned. */
  StatusOr<std::string> result() { return std::move(*result_); }

 private:
  std::shared_ptr<const PluginInstance> self_;
  baraza_call_fn fn_;
  const char* what_;
  std::string input_;  // a copy: the caller's may be gone when an abandoned call reads it
  std::chrono::steady_clock::time_point started_;
  std::optional<StatusOr<std::string>> result_;
};

const char* operationName(Operation op) {
  switch (op) {
    case Operation::kChannelParseWebhook:
      return "channel.parse_webhook";
    case Operation::kChannelBuildSend:
      return "channel.build_send";
    case Operation::kChannelClassifyResponse:
      return "channel.classify_response";
    case Operation::kChannelReengage:
      return "channel.reengage";
    case Operation::kChannelExchangeToken:
      return "channel.exchange_token";
    case Operation::kChannelRegisterFlowKey:
      return "channel.register_flow_key";
    case Operation::kFlowExchange:
      return "flow.exchange";
    case Operation::kIntentDetect:
      return "intent.detect";
    case Operation::kVerifierVerify:
      return "verifier.verify";
    case Operation::kChannelMediaSource:
      return "channel.media_source";
    case Operation::kChannelUploadMedia:
      return "channel.upload_media";
    case Operation::kMediaGet:
      return "media.get";
    case Operation::kMediaRemove:
      return "media.remove";
    case Operation::kConversationOnMessage:
      return "conversation.on_message";
  }
  return "?";
}

PluginInstance::PluginInstance(PluginLibraryPtr library,
                               std::unique_ptr<baraza_host_context> context, CallLimits limits)
    : library_(std::move(library)), context_(std::move(context)), limits_(limits) {}

PluginInstance::~PluginInstance() {
  if (instance_ != nullptr) library_->descriptor().destroy(instance_);
}

void PluginInstance::detach() { context_->gate.close(); }

StatusOr<PluginInstancePtr> PluginInstance::create(PluginLibraryPtr library, InstanceRef ref,
                                                   HostServices* services,
                                                   const std::string& configJson,
                                                   CallLimits limits) {
  auto context = std::make_unique<baraza_host_context>();
  context->ref = std::move(ref);
  context->services = services;
  PluginInstancePtr self(new PluginInstance(std::move(library), std::move(context), limits));
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
    case Operation::kChannelParseWebhook:
      return lib.channel().parse_webhook;
    case Operation::kChannelBuildSend:
      return lib.channel().build_send;
    case Operation::kChannelClassifyResponse:
      return lib.channel().classify_response;
    case Operation::kChannelReengage:
      return lib.channel().reengage;
    case Operation::kChannelExchangeToken:
      return lib.channel().exchange_token;
    case Operation::kChannelRegisterFlowKey:
      return lib.channel().register_flow_key;
    case Operation::kFlowExchange:
      return lib.flow().exchange;
    case Operation::kIntentDetect:
      return lib.intent().detect;
    case Operation::kVerifierVerify:
      return lib.verifier().verify;
    case Operation::kChannelMediaSource:
      return BARAZA_HAS_FIELD(baraza_channel_api, &lib.channel(), media_source)
                 ? lib.channel().media_source
                 : nullptr;
    case Operation::kChannelUploadMedia:
      return BARAZA_HAS_FIELD(baraza_channel_api, &lib.channel(), upload_media)
                 ? lib.channel().upload_media
                 : nullptr;
    case Operation::kMediaGet:
      return lib.media().get;
    case Operation::kMediaRemove:
      return BARAZA_HAS_FIELD(baraza_media_api, &lib.media(), remove) ? lib.media().remove
                                                                      : nullptr;
    case Operation::kConversationOnMessage:
      return lib.conversation().on_message;
  }
  return nullptr;
}

StatusOr<std::string> PluginInstance::call(Operation op, std::string_view input) const {
  baraza_call_fn fn = function(op);
  if (fn == nullptr) {
    return unimplemented(library_->manifest().id + " does not implement " + operationName(op));
  }
  return callWithin(operationName(op), fn, input, limits_.deadline.value_or(defaultDeadline(op)));
}

StatusOr<std::string> PluginInstance::callWithin(const char* what, baraza_call_fn fn,
                                                 std::string_view input,
                                                 std::chrono::milliseconds deadline) const {
  if (deadline.count() <= 0) return invoke(fn, instance_, input);
  if (const int stuck = stuck_.load(); stuck >= limits_.maxStuck) {
    return unavailable(describe(ref()) + " is not called: " + std::to_string(stuck) +
                       " of its calls passed their deadline and have not returned");
  }
  auto task = std::make_shared<Call>(shared_from_this(), fn, what, input);
  if (CallRunner::shared().run(task, std::chrono::steady_clock::now() + deadline))
    return task->result();
  const int stuck = stuck_.load();
  const std::string why = what + std::string(" did not return within ") +
                          std::to_string(deadline.count()) + " ms; abandoned";
  logger().error(describe(ref()) + ": " + why + " (" + std::to_string(stuck) +
                 " call(s) of the instance stuck)");
  return Status(Code::kDeadlineExceeded, why);
}

Status PluginInstance::health() const {
  const auto& d = library_->descriptor();
  if (!BARAZA_HAS_FIELD(baraza_plugin_descriptor, &d, health) || d.health == nullptr) {
    return Status::ok();
  }
  StatusOr<std::string> checked = callWithin("health", d.health, std::string_view(),
                                             limits_.deadline.value_or(std::chrono::seconds(10)));
  return checked.isOk() ? Status::ok() : checked.status();
}

bool PluginInstance::storesMedia() const {
  const baraza_media_api& m = library_->media();
  return BARAZA_HAS_FIELD(baraza_media_api, &m, remove) && m.get && m.open_writer && m.write &&
         m.commit && m.abort && m.read && m.remove;
}

StatusOr<std::unique_ptr<MediaWriter>> PluginInstance::openMediaWriter(
    std::string_view metaJson) const {
  if (!storesMedia()) {
    return unimplemented(library_->manifest().id + " is not a media store of ABI 1.4");
  }
  baraza_media_writer* writer = nullptr;
  baraza_buf error{};
  const baraza_status code = library_->media().open_writer(
      instance_, baraza_str{metaJson.data(), metaJson.size()}, &writer, &error);
  std::string message = takeBuffer(error);
  if (code != BARAZA_OK) return Status(static_cast<Code>(code), std::move(message));
  if (writer == nullptr) return internal("media.open_writer returned OK but no writer");
  return std::make_unique<MediaWriter>(std::const_pointer_cast<PluginInstance>(shared_from_this()),
                                       writer);
}

StatusOr<size_t> PluginInstance::readMedia(std::string_view key, uint64_t offset, char* out,
                                           size_t capacity) const {
  if (!storesMedia()) {
    return unimplemented(library_->manifest().id + " is not a media store of ABI 1.4");
  }
  size_t size = 0;
  baraza_buf error{};
  const baraza_status code = library_->media().read(instance_, baraza_str{key.data(), key.size()},
                                                    offset, out, capacity, &size, &error);
  std::string message = takeBuffer(error);
  if (code != BARAZA_OK) return Status(static_cast<Code>(code), std::move(message));
  if (size > capacity) return internal("media.read returned more bytes than asked for");
  return size;
}

MediaWriter::~MediaWriter() {
  if (writer_ != nullptr) instance_->library_->media().abort(writer_);
}

Status MediaWriter::write(std::string_view bytes) {
  if (writer_ == nullptr) return failedPrecondition("the media writer has ended");
  baraza_buf error{};
  const baraza_status code =
      instance_->library_->media().write(writer_, baraza_str{bytes.data(), bytes.size()}, &error);
  std::string message = takeBuffer(error);
  if (code != BARAZA_OK) return Status(static_cast<Code>(code), std::move(message));
  return Status::ok();
}

StatusOr<std::string> MediaWriter::commit() {
  if (writer_ == nullptr) return failedPrecondition("the media writer has ended");
  baraza_buf output{};
  const baraza_status code =
      instance_->library_->media().commit(std::exchange(writer_, nullptr), &output);
  std::string text = takeBuffer(output);
  if (code != BARAZA_OK) return Status(static_cast<Code>(code), std::move(text));
  return text;
}

}  // namespace baraza::plugins
