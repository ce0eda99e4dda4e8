// The C++ face of the plugin ABI: a base class per kind and BARAZA_PLUGIN(...), which emits the
// three C entry points and the trampolines that turn exceptions into status codes.
//
//   class Echo : public baraza::sdk::Conversation {
//    public:
//     Echo(baraza::sdk::Host host, std::string_view configJson);
//     baraza::sdk::StatusOr<std::string> onMessage(std::string_view eventJson) override;
//   };
//   BARAZA_PLUGIN("ke.baraza.conversation.echo", "1.0.0", Echo)
//
// The plugin class derives from every kind it provides and is constructed once per tenant with
// that tenant's validated configuration (JSON text). A constructor that throws fails `create`
// with the exception's message; the host then disables only that tenant's instance.
#pragma once

#include <baraza/abi.h>

#include <baraza/sdk/Host.hpp>
#include <baraza/sdk/Json.hpp>
#include <baraza/sdk/Status.hpp>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <type_traits>

namespace baraza::sdk {

/** Common to every instance. */
class Instance {
 public:
  virtual ~Instance() = default;
  /** Self-check reported by the host's readiness probe. */
  virtual Status health() { return Status::ok(); }
};

/** A messaging provider. Inputs and outputs are JSON documents described in docs/. */
class Channel : public virtual Instance {
 public:
  /** A raw webhook delivery in; normalised events out. */
  virtual StatusOr<std::string> parseWebhook(std::string_view deliveryJson) = 0;
  /** An outbound message in; the provider HTTP request to make out. */
  virtual StatusOr<std::string> buildSend(std::string_view messageJson) = 0;
  /** A provider response in; its classification (accepted/retry/pause/failed) out. */
  virtual StatusOr<std::string> classifyResponse(std::string_view responseJson) = 0;
  /** (ABI 1.3) The message to send instead of one that needs the recipient re-engaged; none by
   * default. */
  virtual StatusOr<std::string> reengage(std::string_view) {
    return unimplemented("this channel plugin has no re-engagement message");
  }
  /** (ABI 1.3) A long-lived access token for a refused one; none by default. */
  virtual StatusOr<std::string> exchangeToken(std::string_view) {
    return unimplemented("this channel plugin does not exchange access tokens");
  }
  /** (ABI 1.3) Registers a Flows public key on a phone number; not offered by default. */
  virtual StatusOr<std::string> registerFlowKey(std::string_view) {
    return unimplemented("this channel plugin does not register Flows keys");
  }
  /** (ABI 1.4) Where to download an inbound media item from; not offered by default. */
  virtual StatusOr<std::string> mediaSource(std::string_view) {
    return unimplemented("this channel plugin does not download media");
  }
  /** (ABI 1.4) Uploads a local file for sending by id; not offered by default. */
  virtual StatusOr<std::string> uploadMedia(std::string_view) {
    return unimplemented("this channel plugin does not upload media");
  }
};

/** The business logic of one WhatsApp Flow's data endpoint. */
class Flow : public virtual Instance {
 public:
  /** A decrypted INIT/BACK/data_exchange request in; next screen, error or completion out. */
  virtual StatusOr<std::string> exchange(std::string_view requestJson) = 0;
};

/** Classifies an inbound message. */
class Intent : public virtual Instance {
 public:
  virtual StatusOr<std::string> detect(std::string_view messageJson) = 0;
};

/** Checks an identifier with an authority. */
class Verifier : public virtual Instance {
 public:
  virtual StatusOr<std::string> verify(std::string_view requestJson) = 0;
};

/** One object being written (Media::openWriter): destroyed without a commit, it is dropped. */
class MediaWriter {
 public:
  virtual ~MediaWriter() = default;
  /** Appends bytes. */
  virtual Status write(std::string_view bytes) = 0;
  /** Makes the object durable and visible: {"key", "size", "sha256"}; DATA_LOSS on a hash
   * mismatch. Called at most once. */
  virtual StatusOr<std::string> commit() = 0;
};

/** Keeps the bytes of media items (ABI 1.4; documents in docs/plugin-authors.md). */
class Media : public virtual Instance {
 public:
  /** {"key"} in; {"key", "size", "sha256", "path"?} out; NOT_FOUND when absent. */
  virtual StatusOr<std::string> get(std::string_view keyJson) = 0;
  /** {"tenant", "sha256", "size", "mime_type"} in: a writer for one object. */
  virtual StatusOr<std::unique_ptr<MediaWriter>> openWriter(std::string_view metaJson) = 0;
  /** Up to `capacity` bytes of `key` from `offset` into `out`; 0 at the end. */
  virtual StatusOr<size_t> read(std::string_view key, uint64_t offset, char* out,
                                size_t capacity) = 0;
  /** {"key"} in: removes the object (OK when already gone). */
  virtual StatusOr<std::string> remove(std::string_view keyJson) = 0;
};

/** The bot: an inbound message (with intents) in, the actions to take out. */
class Conversation : public virtual Instance {
 public:
  virtual StatusOr<std::string> onMessage(std::string_view eventJson) = 0;
};

namespace detail {

/** Runs fn, turning its result or any exception into a status code and an output buffer. */
template <class Fn>
baraza_status guard(const baraza_host_api* host, baraza_buf* output, Fn&& fn) noexcept {
  try {
    StatusOr<std::string> result = fn();
    if (result.isOk()) {
      Host::fill(host, output, *result);
      return BARAZA_OK;
    }
    Host::fill(host, output, result.status().message());
    return static_cast<baraza_status>(result.status().code());
  } catch (const StatusError& e) {
    Host::fill(host, output, e.status().message());
    return static_cast<baraza_status>(e.status().code());
  } catch (const std::bad_alloc&) {
    Host::fill(host, output, "out of memory");
    return BARAZA_RESOURCE_EXHAUSTED;
  } catch (const std::invalid_argument& e) {
    Host::fill(host, output, e.what());
    return BARAZA_INVALID_ARGUMENT;
  } catch (const std::exception& e) {
    Host::fill(host, output, e.what());
    return BARAZA_INTERNAL;
  } catch (...) {
    Host::fill(host, output, "unknown exception");
    return BARAZA_UNKNOWN;
  }
}

template <class T>
struct Export {
  static_assert(std::is_constructible_v<T, Host, std::string_view>,
                "a plugin class needs a constructor (baraza::sdk::Host, std::string_view config)");

  static inline const baraza_host_api* host = nullptr;
  static inline baraza_plugin_descriptor descriptor{};
  static inline baraza_channel_api channel{};
  static inline baraza_flow_api flow{};
  static inline baraza_intent_api intent{};
  static inline baraza_verifier_api verifier{};
  static inline baraza_media_api media{};
  static inline baraza_conversation_api conversation{};

  static T& self(void* instance) { return *static_cast<T*>(instance); }

  // An operation of a kind's base class, called virtually: it reaches T's override even when T
  // hides the name with an overload of its own (the typed bases of Documents.hpp do).
  template <auto Method>
  static baraza_status call(void* instance, baraza_str input, baraza_buf* output) noexcept {
    return guard(host, output, [&] { return (self(instance).*Method)(fromAbi(input)); });
  }

  static baraza_status create(const baraza_host_context* ctx, baraza_str config, void** instance,
                              baraza_buf* error) noexcept {
    *instance = nullptr;
    return guard(host, error, [&]() -> StatusOr<std::string> {
      *instance = new T(Host(host, ctx), fromAbi(config));
      return std::string();
    });
  }

  static void destroy(void* instance) noexcept { delete static_cast<T*>(instance); }

#if BARAZA_ABI_TARGET_MINOR >= 4
  // Media writers cross the ABI as the MediaWriter the plugin class returned.
  static MediaWriter* writer(baraza_media_writer* w) { return reinterpret_cast<MediaWriter*>(w); }

  static baraza_status openWriter(void* instance, baraza_str meta, baraza_media_writer** out,
                                  baraza_buf* error) noexcept {
    *out = nullptr;
    return guard(host, error, [&]() -> StatusOr<std::string> {
      StatusOr<std::unique_ptr<MediaWriter>> opened =
          static_cast<Media&>(self(instance)).openWriter(fromAbi(meta));
      if (!opened.isOk()) return opened.status();
      *out = reinterpret_cast<baraza_media_writer*>(opened->release());
      return std::string();
    });
  }
  static baraza_status write(baraza_media_writer* w, baraza_str bytes, baraza_buf* error) noexcept {
    return guard(host, error, [&]() -> StatusOr<std::string> {
      Status status = writer(w)->write(fromAbi(bytes));
      if (!status.isOk()) return status;
      return std::string();
    });
  }
  static baraza_status commit(baraza_media_writer* w, baraza_buf* output) noexcept {
    std::unique_ptr<MediaWriter> owned(writer(w));
    return guard(host, output, [&] { return owned->commit(); });
  }
  static void abort(baraza_media_writer* w) noexcept { delete writer(w); }
  static baraza_status read(void* instance, baraza_str key, uint64_t offset, char* out,
                            size_t capacity, size_t* size, baraza_buf* error) noexcept {
    *size = 0;
    return guard(host, error, [&]() -> StatusOr<std::string> {
      StatusOr<size_t> n =
          static_cast<Media&>(self(instance)).read(fromAbi(key), offset, out, capacity);
      if (!n.isOk()) return n.status();
      *size = *n;
      return std::string();
    });
  }
#endif

  static baraza_status health(void* instance, baraza_str, baraza_buf* output) noexcept {
    return guard(host, output, [&]() -> StatusOr<std::string> {
      Status status = self(instance).health();
      if (!status.isOk()) return status;
      return std::string();
    });
  }

  static const baraza_plugin_descriptor* init(const baraza_host_api* api, const char* id,
                                              const char* version) noexcept {
    if (api == nullptr || BARAZA_ABI_MAJOR_OF(api->abi_version) != BARAZA_ABI_VERSION_MAJOR) {
      return nullptr;
    }
    host = api;
    descriptor.struct_size = sizeof descriptor;
    descriptor.id = toAbi(id);
    descriptor.version = toAbi(version);
    descriptor.create = &create;
    descriptor.destroy = &destroy;
    if constexpr (std::is_base_of_v<Channel, T>) {
      channel = {
        sizeof channel,
        &call<&Channel::parseWebhook>,
        &call<&Channel::buildSend>,
        &call<&Channel::classifyResponse>,
#if BARAZA_ABI_TARGET_MINOR >= 3
        &call<&Channel::reengage>,
        &call<&Channel::exchangeToken>,
        &call<&Channel::registerFlowKey>,
#endif
#if BARAZA_ABI_TARGET_MINOR >= 4
        &call<&Channel::mediaSource>,
        &call<&Channel::uploadMedia>,
#endif
      };
      descriptor.channel = &channel;
      descriptor.kinds |= BARAZA_KIND_CHANNEL;
    }
    if constexpr (std::is_base_of_v<Flow, T>) {
      flow = {sizeof flow, &call<&Flow::exchange>};
      descriptor.flow = &flow;
      descriptor.kinds |= BARAZA_KIND_FLOW;
    }
    if constexpr (std::is_base_of_v<Intent, T>) {
      intent = {sizeof intent, &call<&Intent::detect>};
      descriptor.intent = &intent;
      descriptor.kinds |= BARAZA_KIND_INTENT;
    }
    if constexpr (std::is_base_of_v<Verifier, T>) {
      verifier = {sizeof verifier, &call<&Verifier::verify>};
      descriptor.verifier = &verifier;
      descriptor.kinds |= BARAZA_KIND_VERIFIER;
    }
    if constexpr (std::is_base_of_v<Media, T>) {
      media = {
        sizeof media,
        nullptr,
        &call<&Media::get>,
#if BARAZA_ABI_TARGET_MINOR >= 4
        &openWriter,
        &write,
        &commit,
        &abort,
        &read,
        &call<&Media::remove>,
#endif
      };
      descriptor.media = &media;
      descriptor.kinds |= BARAZA_KIND_MEDIA;
    }
    if constexpr (std::is_base_of_v<Conversation, T>) {
      conversation = {sizeof conversation, &call<&Conversation::onMessage>};
      descriptor.conversation = &conversation;
      descriptor.kinds |= BARAZA_KIND_CONVERSATION;
    }
#if BARAZA_ABI_TARGET_MINOR >= 1
    descriptor.health = &health;
#endif
    return &descriptor;
  }

  static void shutdown() noexcept { host = nullptr; }
};

}  // namespace detail
}  // namespace baraza::sdk

/** Emits the plugin's three C entry points for CLASS. ID and VERSION must match plugin.json. */
#define BARAZA_PLUGIN(ID, VERSION, CLASS)                                             \
  extern "C" BARAZA_PLUGIN_EXPORT uint32_t baraza_plugin_abi_version(void) {          \
    return BARAZA_ABI_VERSION;                                                        \
  }                                                                                   \
  extern "C" BARAZA_PLUGIN_EXPORT const baraza_plugin_descriptor* baraza_plugin_init( \
      const baraza_host_api* host) {                                                  \
    return ::baraza::sdk::detail::Export<CLASS>::init(host, ID, VERSION);             \
  }                                                                                   \
  extern "C" BARAZA_PLUGIN_EXPORT void baraza_plugin_shutdown(void) {                 \
    ::baraza::sdk::detail::Export<CLASS>::shutdown();                                 \
  }
