// TestHost: a host API for a plugin's unit tests, in memory, with nothing running. Construct the
// plugin class with `host.host()` and call its methods:
//
//   baraza::sdk::testing::TestHost host;
//   host.secrets["api_key"] = "k";
//   host.answer = [](const baraza::sdk::HttpRequest&) {
//     return baraza::sdk::HttpResponse{200, "{}", R"({"ok":true})"};
//   };
//   MyVerifier plugin(host.host(), R"({"timeout_ms": 500})");
//   auto result = plugin.verify(R"({"document_type": "KRA PIN", "number": "A744610021G"})");
//
// What the plugin asks of the host is recorded (logs, requests, counters, sent messages) for the
// test to check. Key/value entries and conversation states live in maps the test can read and
// fill. Hashing is left to the test (`sha256`, `hmacSha256`: the SDK has no crypto of its own);
// unset, those calls answer UNIMPLEMENTED and write zeros. The host functions that take no
// context (the clock, hashing) answer from the newest TestHost: one at a time per process.
#pragma once

#include <baraza/abi.h>

#include <array>
#include <baraza/sdk/Host.hpp>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace baraza::sdk::testing {

class TestHost {
 public:
  TestHost() : api_(makeApi()) { current() = this; }
  ~TestHost() {
    if (current() == this) current() = nullptr;
  }
  TestHost(const TestHost&) = delete;
  TestHost& operator=(const TestHost&) = delete;

  /** What the plugin is constructed with; valid while this TestHost lives. */
  Host host() const { return Host(&api_, reinterpret_cast<const baraza_host_context*>(this)); }

  /** secret(name) answers from here; NOT_FOUND for a name not set. */
  std::map<std::string, std::string> secrets;
  /** The plugin's key/value entries (TTLs are not applied). */
  std::map<std::string, std::string> kv;
  /** Conversation states per contact: (JSON, version). */
  std::map<std::string, std::pair<std::string, int64_t>> states;
  /** HTTP calls go here; unset, they fail UNAVAILABLE (no network in a unit test). */
  std::function<StatusOr<HttpResponse>(const HttpRequest&)> answer;
  /** detect_intent / verify go here (instance name, document); unset: NOT_FOUND. */
  std::function<StatusOr<std::string>(std::string_view, std::string_view)> intents, verifier;
  /** Media items by id: (info JSON, bytes). */
  std::map<int64_t, std::pair<std::string, std::string>> media;
  std::function<std::array<uint8_t, 32>(std::string_view)> sha256;
  std::function<std::array<uint8_t, 32>(std::string_view key, std::string_view)> hmacSha256;
  /** The clock the plugin sees (ms since the epoch); 0: the real one. */
  int64_t nowMs = 0;

  /** What the plugin did. */
  std::vector<std::pair<LogLevel, std::string>> logs;
  std::vector<HttpRequest> requests;
  std::map<std::string, int64_t> counters;
  std::vector<std::string> sent;  // messages queued with send(); their ids are 1, 2, ...

 private:
  /** The newest TestHost: what the host calls without a context (clock, hashing) consult. */
  static TestHost*& current() {
    static TestHost* host = nullptr;
    return host;
  }
  static TestHost& self(const baraza_host_context* ctx) {
    return *const_cast<TestHost*>(reinterpret_cast<const TestHost*>(ctx));
  }
  static std::string_view view(baraza_str s) { return fromAbi(s); }
  static void fill(baraza_buf* buf, std::string_view text) {
    if (buf == nullptr) return;
    *buf = baraza_buf{};
    if (text.empty()) return;
    buf->data = static_cast<char*>(std::malloc(text.size()));
    std::memcpy(buf->data, text.data(), text.size());
    buf->size = text.size();
  }
  static baraza_status fail(const Status& status, baraza_buf* error) {
    fill(error, status.message());
    return static_cast<baraza_status>(status.code());
  }

  static baraza_host_api makeApi() {
    baraza_host_api api{};
    api.struct_size = sizeof api;
    api.abi_version = BARAZA_ABI_VERSION;
    api.alloc = [](size_t size) { return std::malloc(size == 0 ? 1 : size); };
    api.free = [](void* p) { std::free(p); };
    api.log = [](const baraza_host_context* ctx, baraza_log_level level, baraza_str message) {
      self(ctx).logs.emplace_back(static_cast<LogLevel>(level), std::string(view(message)));
    };
    api.http_request = [](const baraza_host_context* ctx, const baraza_http_request* request,
                          baraza_http_response* response, baraza_buf* error) -> baraza_status {
      HttpRequest call;
      call.method = std::string(view(request->method));
      call.url = std::string(view(request->url));
      call.service = std::string(view(request->service));
      for (size_t i = 0; i < request->header_count; ++i)
        call.headers.emplace_back(view(request->headers[i].name), view(request->headers[i].value));
      call.body = std::string(view(request->body));
      call.timeoutMs = request->timeout_ms;
      TestHost& host = self(ctx);
      host.requests.push_back(call);
      if (!host.answer) return fail(unavailable("TestHost: no answer set for HTTP"), error);
      StatusOr<HttpResponse> got = host.answer(call);
      if (!got.isOk()) return fail(got.status(), error);
      response->status = got->status;
      fill(&response->headers_json, got->headersJson);
      fill(&response->body, got->body);
      return BARAZA_OK;
    };
    api.hmac_sha256 = [](baraza_str key, baraza_str data, uint8_t out[32]) -> baraza_status {
      std::memset(out, 0, 32);
      if (current() == nullptr || !current()->hmacSha256) return BARAZA_UNIMPLEMENTED;
      const std::array<uint8_t, 32> digest = current()->hmacSha256(view(key), view(data));
      std::memcpy(out, digest.data(), digest.size());
      return BARAZA_OK;
    };
    api.sha256 = [](baraza_str data, uint8_t out[32]) -> baraza_status {
      std::memset(out, 0, 32);
      if (current() == nullptr || !current()->sha256) return BARAZA_UNIMPLEMENTED;
      const std::array<uint8_t, 32> digest = current()->sha256(view(data));
      std::memcpy(out, digest.data(), digest.size());
      return BARAZA_OK;
    };
    api.random_bytes = [](uint8_t* out, size_t size) -> baraza_status {
      for (size_t i = 0; i < size; ++i) out[i] = static_cast<uint8_t>(std::rand());
      return BARAZA_OK;
    };
    api.secret_get = [](const baraza_host_context* ctx, baraza_str name,
                        baraza_buf* value) -> baraza_status {
      auto& secrets = self(ctx).secrets;
      auto it = secrets.find(std::string(view(name)));
      if (it == secrets.end()) return BARAZA_NOT_FOUND;
      fill(value, it->second);
      return BARAZA_OK;
    };
    api.kv_get = [](const baraza_host_context* ctx, baraza_str key,
                    baraza_buf* value) -> baraza_status {
      auto& kv = self(ctx).kv;
      auto it = kv.find(std::string(view(key)));
      if (it == kv.end()) return BARAZA_NOT_FOUND;
      fill(value, it->second);
      return BARAZA_OK;
    };
    api.kv_put = [](const baraza_host_context* ctx, baraza_str key, baraza_str value,
                    int64_t) -> baraza_status {
      self(ctx).kv[std::string(view(key))] = std::string(view(value));
      return BARAZA_OK;
    };
    api.kv_delete = [](const baraza_host_context* ctx, baraza_str key) -> baraza_status {
      self(ctx).kv.erase(std::string(view(key)));
      return BARAZA_OK;
    };
    api.counter_add = [](const baraza_host_context* ctx, baraza_str name, int64_t delta) {
      self(ctx).counters[std::string(view(name))] += delta;
    };
    api.now_unix_ms = []() -> int64_t {
      if (current() != nullptr && current()->nowMs != 0) return current()->nowMs;
      return std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
    api.monotonic_ns = []() -> int64_t {
      return std::chrono::duration_cast<std::chrono::nanoseconds>(
                 std::chrono::steady_clock::now().time_since_epoch())
          .count();
    };
    api.send = [](const baraza_host_context* ctx, baraza_str message, baraza_buf* id,
                  baraza_buf*) -> baraza_status {
      auto& sent = self(ctx).sent;
      sent.emplace_back(view(message));
      fill(id, std::to_string(sent.size()));
      return BARAZA_OK;
    };
#if BARAZA_ABI_TARGET_MINOR >= 2
    api.detect_intent = [](const baraza_host_context* ctx, baraza_str instance, baraza_str input,
                           baraza_buf* result, baraza_buf* error) {
      return named(self(ctx).intents, instance, input, result, error);
    };
    api.verify = [](const baraza_host_context* ctx, baraza_str instance, baraza_str input,
                    baraza_buf* result, baraza_buf* error) {
      return named(self(ctx).verifier, instance, input, result, error);
    };
    api.state_get = [](const baraza_host_context* ctx, baraza_str contact, baraza_buf* state,
                       int64_t* version) -> baraza_status {
      auto& states = self(ctx).states;
      auto it = states.find(std::string(view(contact)));
      *version = it == states.end() ? 0 : it->second.second;
      fill(state, it == states.end() ? "" : it->second.first);
      return BARAZA_OK;
    };
    api.state_put = [](const baraza_host_context* ctx, baraza_str contact, baraza_str state,
                       int64_t expected, int64_t* version) -> baraza_status {
      auto& entry = self(ctx).states[std::string(view(contact))];
      if (entry.second != expected) return BARAZA_ABORTED;
      entry = {std::string(view(state)), expected + 1};
      *version = entry.second;
      return BARAZA_OK;
    };
#endif
#if BARAZA_ABI_TARGET_MINOR >= 5
    api.media_info = [](const baraza_host_context* ctx, int64_t id, baraza_buf* info,
                        baraza_buf* error) -> baraza_status {
      const auto* item = mediaItem(ctx, id);
      if (item == nullptr) return fail(notFound("no media item " + std::to_string(id)), error);
      fill(info, item->first);
      return BARAZA_OK;
    };
    api.media_read = [](const baraza_host_context* ctx, int64_t id, uint64_t offset, char* out,
                        size_t capacity, size_t* size, baraza_buf* error) -> baraza_status {
      const auto* item = mediaItem(ctx, id);
      if (item == nullptr) return fail(notFound("no media item " + std::to_string(id)), error);
      const std::string& bytes = item->second;
      *size = offset >= bytes.size() ? 0 : std::min<size_t>(capacity, bytes.size() - offset);
      if (*size > 0) std::memcpy(out, bytes.data() + offset, *size);
      return BARAZA_OK;
    };
#endif
    return api;
  }

  /** The test's media item `id` (info, bytes), or null. */
  static const std::pair<std::string, std::string>* mediaItem(const baraza_host_context* ctx,
                                                              int64_t id) {
    const auto& media = self(ctx).media;
    auto it = media.find(id);
    return it == media.end() ? nullptr : &it->second;
  }

  static baraza_status named(
      const std::function<StatusOr<std::string>(std::string_view, std::string_view)>& fn,
      baraza_str instance, baraza_str input, baraza_buf* result, baraza_buf* error) {
    if (!fn) return fail(notFound("TestHost: no instance of that kind set"), error);
    StatusOr<std::string> got = fn(view(instance), view(input));
    if (!got.isOk()) return fail(got.status(), error);
    fill(result, *got);
    return BARAZA_OK;
  }

  baraza_host_api api_;
};

}  // namespace baraza::sdk::testing
