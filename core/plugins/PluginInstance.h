#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/Status.h"
#include "plugins/HostApi.h"
#include "plugins/PluginLibrary.h"

namespace baraza::plugins {

/** The operations of the kind tables, for PluginInstance::call. */
enum class Operation {
  kChannelParseWebhook,
  kChannelBuildSend,
  kChannelClassifyResponse,
  kChannelReengage,         // ABI 1.3
  kChannelExchangeToken,    // ABI 1.3
  kChannelRegisterFlowKey,  // ABI 1.3
  kChannelMediaSource,      // ABI 1.4
  kChannelUploadMedia,      // ABI 1.4
  kFlowExchange,
  kIntentDetect,
  kVerifierVerify,
  kMediaGet,
  kMediaRemove,  // ABI 1.4
  kConversationOnMessage,
};

const char* operationName(Operation op);

/**
 * How long the host waits for a call of `op` when the instance sets no deadline of its own: long
 * enough for the work the kind does (a conversation turn may detect an intent and verify a
 * document, each over the network), short enough that a stuck plugin is noticed. A Flow's data
 * exchange gets Meta's own limit: after 10 s the person already sees an error.
 *
 * Zero (none: the call runs on the caller's thread) for the channel operations but the token
 * exchange and the Flows key registration (30 s: they call the provider): they are pure
 * conversions of a document the host holds, made on its hottest paths (every delivery, every
 * send, on the HTTP client's event loop), where a hand-over to a runner thread and back would be
 * paid on each (with every call handed over, conversation_bench's echo rate fell 17%:
 * docs/performance.md). A channel plugin stuck on a delivery is still taken over at its lease
 * and failed at inbound.max_attempts; a tenant can set plugins.<name>.call_deadline_ms to bound
 * it anyway.
 */
std::chrono::milliseconds defaultDeadline(Operation op);

/** What bounds an instance's calls (tenant file: plugins.<name>.call_deadline_ms; host:
 * plugins.max_stuck_calls). */
struct CallLimits {
  /** For every operation of the instance; unset: defaultDeadline(op); zero: none (on the caller's
   * thread). */
  std::optional<std::chrono::milliseconds> deadline;
  /** Calls past their deadline that have not returned; at this many, new calls fail at once. */
  int maxStuck = 8;
};

class PluginInstance;
using PluginInstancePtr = std::shared_ptr<PluginInstance>;

/**
 * One object being written through a media instance (ABI 1.4): write, then commit; destroyed
 * without a commit, the plugin drops what was written. Holds the instance. Its calls run on the
 * caller's thread: the media download threads, whose work waits on nothing else.
 */
class MediaWriter {
 public:
  MediaWriter(PluginInstancePtr instance, baraza_media_writer* writer)
      : instance_(std::move(instance)), writer_(writer) {}
  ~MediaWriter();
  MediaWriter(const MediaWriter&) = delete;
  MediaWriter& operator=(const MediaWriter&) = delete;

  Status write(std::string_view bytes);
  /** {"key", "size", "sha256"}; ends the writer either way. */
  StatusOr<std::string> commit();

 private:
  PluginInstancePtr instance_;
  baraza_media_writer* writer_;
};

/**
 * A plugin created for one tenant with that tenant's validated configuration. Holds its library
 * (so the code outlives the instance) and the host context the plugin calls back with.
 */
class PluginInstance : public std::enable_shared_from_this<PluginInstance> {
 public:
  /** Calls the plugin's create; its error message (or exception text) is returned as is. */
  static StatusOr<PluginInstancePtr> create(PluginLibraryPtr library, InstanceRef ref,
                                            HostServices* services, const std::string& configJson,
                                            CallLimits limits = {});
  ~PluginInstance();
  PluginInstance(const PluginInstance&) = delete;
  PluginInstance& operator=(const PluginInstance&) = delete;

  /**
   * One kind operation: JSON in, JSON out. UNIMPLEMENTED when the plugin lacks it;
   * DEADLINE_EXCEEDED when it has not returned by its deadline (the call is abandoned: it goes on
   * on a thread of its own and its answer, if any, is dropped); UNAVAILABLE without calling when
   * maxStuck abandoned calls of this instance have not returned yet.
   */
  StatusOr<std::string> call(Operation op, std::string_view input) const;
  /** Whether the instance is a media store the host can use: every ABI 1.4 media field. */
  bool storesMedia() const;
  /** Starts writing one media object (`storesMedia()` only); see MediaWriter. */
  StatusOr<std::unique_ptr<MediaWriter>> openMediaWriter(std::string_view metaJson) const;
  /** Up to `capacity` bytes of media object `key` from `offset`; 0 at its end. On the caller's
   * thread. */
  StatusOr<size_t> readMedia(std::string_view key, uint64_t offset, char* out,
                             size_t capacity) const;

  /** The plugin's self-check (ABI 1.1) within the instance's deadline (10 s by default); OK for
   * plugins that have none. */
  Status health() const;

  /** Abandoned calls that have not returned yet: the instance is unhealthy while there are any. */
  int stuckCalls() const { return stuck_.load(); }
  /** Calls abandoned at their deadline since the instance was created. */
  int64_t abandonedCalls() const { return abandoned_.load(); }

  /**
   * The services go away (the tenant is reloaded or the host stops): waits for host API calls
   * under way, then answers every later one UNAVAILABLE without reaching the services. A call
   * that was abandoned may still return into the plugin after this.
   */
  void detach();

  const InstanceRef& ref() const { return context_->ref; }
  const PluginLibrary& library() const { return *library_; }
  baraza_kind_set kinds() const { return library_->descriptor().kinds; }

 private:
  friend class MediaWriter;
  class Call;
  PluginInstance(PluginLibraryPtr library, std::unique_ptr<baraza_host_context> context,
                 CallLimits limits);
  baraza_call_fn function(Operation op) const;
  StatusOr<std::string> callWithin(const char* what, baraza_call_fn fn, std::string_view input,
                                   std::chrono::milliseconds deadline) const;

  PluginLibraryPtr library_;
  std::unique_ptr<baraza_host_context> context_;
  void* instance_ = nullptr;
  CallLimits limits_;
  mutable std::atomic<int> stuck_{
      0};  // an abandoned call holds the instance and counts itself back
  mutable std::atomic<int64_t> abandoned_{0};
};

}  // namespace baraza::plugins
