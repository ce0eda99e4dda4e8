// Host: the C++ view of the host API table, bound to one plugin instance.
#pragma once

#include <baraza/abi.h>

#include <array>
#include <baraza/sdk/Status.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace baraza::sdk {

inline baraza_str toAbi(std::string_view s) { return baraza_str{s.data(), s.size()}; }
inline std::string_view fromAbi(baraza_str s) {
  return s.data == nullptr ? std::string_view() : std::string_view(s.data, s.size);
}

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  /** Upstream name whose base URL the operator may override ("graph", "openai", "kra"). */
  std::string service;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  uint32_t timeoutMs = 0;  // 0: the host's default
};

struct HttpResponse {
  int status = 0;
  std::string headersJson;  // {"content-type": "...", ...}
  std::string body;
};

enum class LogLevel : int32_t {
  kTrace = BARAZA_LOG_TRACE,
  kDebug = BARAZA_LOG_DEBUG,
  kInfo = BARAZA_LOG_INFO,
  kWarning = BARAZA_LOG_WARNING,
  kError = BARAZA_LOG_ERROR,
};

/**
 * Every field a plugin knows is present: the host refuses plugins built against a newer minor
 * than its own, so the table it passes is never shorter than the plugin's view of it.
 */
class Host {
 public:
  Host(const baraza_host_api* api, const baraza_host_context* ctx) : api_(api), ctx_(ctx) {}

  const baraza_host_api* api() const { return api_; }
  const baraza_host_context* context() const { return ctx_; }

  void log(LogLevel level, std::string_view message) const {
    if (api_->log != nullptr) api_->log(ctx_, static_cast<int32_t>(level), toAbi(message));
  }
  void info(std::string_view message) const { log(LogLevel::kInfo, message); }
  void warn(std::string_view message) const { log(LogLevel::kWarning, message); }
  void error(std::string_view message) const { log(LogLevel::kError, message); }

  StatusOr<HttpResponse> http(const HttpRequest& request) const {
    if (api_->http_request == nullptr) return unimplemented("host has no HTTP client");
    std::vector<baraza_http_header> headers;
    headers.reserve(request.headers.size());
    for (const auto& [name, value] : request.headers)
      headers.push_back({toAbi(name), toAbi(value)});
    baraza_http_request req{};
    req.struct_size = sizeof req;
    req.method = toAbi(request.method);
    req.url = toAbi(request.url);
    req.service = toAbi(request.service);
    req.headers = headers.data();
    req.header_count = headers.size();
    req.body = toAbi(request.body);
    req.timeout_ms = request.timeoutMs;
    baraza_http_response resp{};
    resp.struct_size = sizeof resp;
    baraza_buf error{};
    baraza_status code = api_->http_request(ctx_, &req, &resp, &error);
    if (code != BARAZA_OK) return Status(static_cast<Code>(code), take(error));
    HttpResponse out;
    out.status = resp.status;
    out.headersJson = take(resp.headers_json);
    out.body = take(resp.body);
    return out;
  }

  std::array<uint8_t, 32> hmacSha256(std::string_view key, std::string_view data) const {
    std::array<uint8_t, 32> out{};
    api_->hmac_sha256(toAbi(key), toAbi(data), out.data());
    return out;
  }
  std::array<uint8_t, 32> sha256(std::string_view data) const {
    std::array<uint8_t, 32> out{};
    api_->sha256(toAbi(data), out.data());
    return out;
  }
  std::vector<uint8_t> randomBytes(size_t size) const {
    std::vector<uint8_t> out(size);
    if (api_->random_bytes(out.data(), out.size()) != BARAZA_OK) {
      throw StatusError(internal("host random source failed"));
    }
    return out;
  }

  StatusOr<std::string> secret(std::string_view name) const {
    baraza_buf value{};
    baraza_status code = api_->secret_get(ctx_, toAbi(name), &value);
    std::string text = take(value);
    if (code != BARAZA_OK) return Status(static_cast<Code>(code), "secret " + std::string(name));
    return text;
  }

  /** The stored value, or NOT_FOUND. */
  StatusOr<std::string> kvGet(std::string_view key) const {
    baraza_buf value{};
    baraza_status code = api_->kv_get(ctx_, toAbi(key), &value);
    std::string text = take(value);
    if (code != BARAZA_OK) return Status(static_cast<Code>(code), text);
    return text;
  }
  Status kvPut(std::string_view key, std::string_view value, int64_t ttlSeconds = 0) const {
    return toStatus(api_->kv_put(ctx_, toAbi(key), toAbi(value), ttlSeconds), "kv_put");
  }
  Status kvDelete(std::string_view key) const {
    return toStatus(api_->kv_delete(ctx_, toAbi(key)), "kv_delete");
  }

  void count(std::string_view name, int64_t delta = 1) const {
    api_->counter_add(ctx_, toAbi(name), delta);
  }
  int64_t nowUnixMs() const { return api_->now_unix_ms(); }
  int64_t monotonicNs() const { return api_->monotonic_ns(); }

  /** Queues an outbound message; returns its outbox id. */
  StatusOr<std::string> send(std::string_view messageJson) const {
    baraza_buf id{};
    baraza_buf error{};
    baraza_status code = api_->send(ctx_, toAbi(messageJson), &id, &error);
    std::string idText = take(id);
    std::string errorText = take(error);
    if (code != BARAZA_OK) return Status(static_cast<Code>(code), errorText);
    return idText;
  }

#if BARAZA_ABI_TARGET_MINOR >= 2
  /**
   * Classifies a message (the intent kind's input document) with the tenant's intent instance
   * `instance`, or with its intent chain when empty; returns the intent result document.
   */
  StatusOr<std::string> detectIntent(std::string_view messageJson,
                                     std::string_view instance = {}) const {
    return hostCall(api_->detect_intent, instance, messageJson);
  }
  /**
   * Checks an identifier (the verifier kind's request document) with the tenant's verifier
   * `instance`, or its first verifier when empty; returns the verification document.
   */
  StatusOr<std::string> verify(std::string_view requestJson, std::string_view instance = {}) const {
    return hostCall(api_->verify, instance, requestJson);
  }

  /** One contact's conversation state: its JSON (empty when none) and version (0 when none). */
  struct State {
    std::string json;
    int64_t version = 0;
  };
  StatusOr<State> stateGet(std::string_view contact) const {
    baraza_buf value{};
    State state;
    const baraza_status code = api_->state_get(ctx_, toAbi(contact), &value, &state.version);
    state.json = take(value);
    if (code != BARAZA_OK) return Status(static_cast<Code>(code), "state_get");
    return state;
  }
  /** Writes the state if its version is still `expectedVersion`; ABORTED if not. The new version.
   */
  StatusOr<int64_t> statePut(std::string_view contact, std::string_view json,
                             int64_t expectedVersion) const {
    int64_t version = 0;
    const baraza_status code =
        api_->state_put(ctx_, toAbi(contact), toAbi(json), expectedVersion, &version);
    if (code != BARAZA_OK) {
      return Status(static_cast<Code>(code),
                    code == BARAZA_ABORTED ? "state changed since it was read" : "state_put");
    }
    return version;
  }
#endif

#if BARAZA_ABI_TARGET_MINOR >= 5
  /**
   * A stored media item of the tenant (a conversation event's "media" id, a Flow's stored
   * "media_id"): {"id", "kind", "mime_type", "size", "sha256"}. NOT_FOUND when the tenant has no
   * such item, FAILED_PRECONDITION when it is not stored.
   */
  StatusOr<std::string> mediaInfo(int64_t mediaId) const {
    baraza_buf info{};
    baraza_buf error{};
    const baraza_status code = api_->media_info(ctx_, mediaId, &info, &error);
    std::string infoText = take(info);
    std::string errorText = take(error);
    if (code != BARAZA_OK) return Status(static_cast<Code>(code), errorText);
    return infoText;
  }
  /**
   * Up to `capacity` bytes (the host gives at most 4 MiB a call) of the item from `offset` into
   * `out`: how many, 0 at the end. Read a large item in pieces rather than whole.
   */
  StatusOr<size_t> readMedia(int64_t mediaId, uint64_t offset, char* out, size_t capacity) const {
    size_t size = 0;
    baraza_buf error{};
    const baraza_status code =
        api_->media_read(ctx_, mediaId, offset, out, capacity, &size, &error);
    std::string errorText = take(error);
    if (code != BARAZA_OK) return Status(static_cast<Code>(code), errorText);
    return size;
  }
#endif

  /** Copies text into a buffer allocated by the host (for results handed back across the ABI). */
  void fill(baraza_buf* buf, std::string_view text) const { fill(api_, buf, text); }

  static void fill(const baraza_host_api* api, baraza_buf* buf, std::string_view text) {
    if (buf == nullptr || text.empty()) return;
    buf->data = static_cast<char*>(api->alloc(text.size()));
    if (buf->data == nullptr) {
      buf->size = 0;
      return;
    }
    std::copy(text.begin(), text.end(), buf->data);
    buf->size = text.size();
  }

  /** Moves a host-allocated buffer into a string and frees it. */
  std::string take(baraza_buf& buf) const {
    std::string text = buf.data == nullptr ? std::string() : std::string(buf.data, buf.size);
    if (buf.data != nullptr) api_->free(buf.data);
    buf = baraza_buf{};
    return text;
  }

 private:
#if BARAZA_ABI_TARGET_MINOR >= 2
  using NamedCall = baraza_status (*)(const baraza_host_context*, baraza_str, baraza_str,
                                      baraza_buf*, baraza_buf*);
  StatusOr<std::string> hostCall(NamedCall fn, std::string_view instance,
                                 std::string_view input) const {
    baraza_buf result{};
    baraza_buf error{};
    const baraza_status code = fn(ctx_, toAbi(instance), toAbi(input), &result, &error);
    std::string resultText = take(result);
    std::string errorText = take(error);
    if (code != BARAZA_OK) return Status(static_cast<Code>(code), errorText);
    return resultText;
  }
#endif

  static Status toStatus(baraza_status code, const char* what) {
    return code == BARAZA_OK ? Status::ok() : Status(static_cast<Code>(code), what);
  }

  const baraza_host_api* api_;
  const baraza_host_context* ctx_;
};

}  // namespace baraza::sdk
