#include "plugins/HostApi.h"

#include <Poco/Logger.h>

#include <algorithm>
#include <baraza/sdk/Json.hpp>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include "crypto/Crypto.h"
#include "plugins/Manifest.h"

namespace baraza::plugins {
namespace {

std::string_view view(baraza_str s) {
  return s.data == nullptr ? std::string_view() : std::string_view(s.data, s.size);
}

baraza_status fromStatus(const Status& status, baraza_buf* error) {
  if (!status.isOk()) fillBuffer(error, status.message());
  return static_cast<baraza_status>(status.code());
}

/** A host API call let through the caller's gate (HostGate) for its duration. */
class Admitted {
 public:
  explicit Admitted(const baraza_host_context* ctx) {
    if (ctx == nullptr || ctx->services == nullptr) {
      refusal_ = BARAZA_INVALID_ARGUMENT;
    } else if (!ctx->gate.enter()) {
      refusal_ = BARAZA_UNAVAILABLE;  // the instance's tenant is gone (reloaded or stopping)
    } else {
      ctx_ = ctx;
    }
  }
  ~Admitted() {
    if (ctx_ != nullptr) ctx_->gate.leave();
  }
  Admitted(const Admitted&) = delete;
  Admitted& operator=(const Admitted&) = delete;

  explicit operator bool() const { return ctx_ != nullptr; }
  baraza_status refusal() const { return refusal_; }

 private:
  const baraza_host_context* ctx_ = nullptr;
  baraza_status refusal_ = BARAZA_OK;
};

void* hostAlloc(size_t size) { return std::malloc(size == 0 ? 1 : size); }
void hostFree(void* ptr) { std::free(ptr); }

void hostLog(const baraza_host_context* ctx, baraza_log_level level, baraza_str message) {
  if (Admitted in{ctx}) {
    ctx->services->log(ctx->ref, level, view(message));
    return;
  }
  Poco::Logger::get("baraza.plugin").information(std::string(view(message)));
}

baraza_status hostHttp(const baraza_host_context* ctx, const baraza_http_request* request,
                       baraza_http_response* response, baraza_buf* error) {
  if (request == nullptr || response == nullptr) return BARAZA_INVALID_ARGUMENT;
  Admitted in{ctx};
  if (!in) return in.refusal();
  baraza_http_request req{};
  std::memcpy(&req, request, std::min<size_t>(request->struct_size, sizeof req));
  HttpRequest call;
  call.method = std::string(view(req.method));
  call.url = std::string(view(req.url));
  call.service = std::string(view(req.service));
  for (size_t i = 0; i < req.header_count && req.headers != nullptr; ++i) {
    call.headers.emplace_back(view(req.headers[i].name), view(req.headers[i].value));
  }
  call.body = std::string(view(req.body));
  call.timeoutMs = req.timeout_ms;
  StatusOr<HttpResponse> result = ctx->services->http(ctx->ref, call);
  if (!result.isOk()) return fromStatus(result.status(), error);
  response->status = result->status;
  std::string headers = "{";
  for (const auto& [name, value] : result->headers) {
    if (headers.size() > 1) headers += ",";
    headers += sdk::json::quote(name) + ":" + sdk::json::quote(value);
  }
  headers += "}";
  fillBuffer(&response->headers_json, headers);
  fillBuffer(&response->body, result->body);
  return BARAZA_OK;
}

baraza_status hostHmac(baraza_str key, baraza_str data, uint8_t out[32]) {
  const auto digest = crypto::hmacSha256(view(key), view(data));
  std::memcpy(out, digest.data(), digest.size());
  return BARAZA_OK;
}

baraza_status hostSha256(baraza_str data, uint8_t out[32]) {
  const auto digest = crypto::sha256(view(data));
  std::memcpy(out, digest.data(), digest.size());
  return BARAZA_OK;
}

baraza_status hostRandom(uint8_t* out, size_t size) {
  return crypto::randomBytes(out, size) ? BARAZA_OK : BARAZA_INTERNAL;
}

baraza_status hostSecret(const baraza_host_context* ctx, baraza_str name, baraza_buf* value) {
  Admitted in{ctx};
  if (!in) return in.refusal();
  auto secret = ctx->services->secret(ctx->ref, view(name));
  if (!secret.isOk()) return static_cast<baraza_status>(secret.status().code());
  fillBuffer(value, *secret);
  return BARAZA_OK;
}

baraza_status hostKvGet(const baraza_host_context* ctx, baraza_str key, baraza_buf* value) {
  Admitted in{ctx};
  if (!in) return in.refusal();
  auto got = ctx->services->kvGet(ctx->ref, view(key));
  if (!got.isOk()) return fromStatus(got.status(), value);
  fillBuffer(value, *got);
  return BARAZA_OK;
}

baraza_status hostKvPut(const baraza_host_context* ctx, baraza_str key, baraza_str value,
                        int64_t ttlSeconds) {
  Admitted in{ctx};
  if (!in) return in.refusal();
  return static_cast<baraza_status>(
      ctx->services->kvPut(ctx->ref, view(key), view(value), ttlSeconds).code());
}

baraza_status hostKvDelete(const baraza_host_context* ctx, baraza_str key) {
  Admitted in{ctx};
  if (!in) return in.refusal();
  return static_cast<baraza_status>(ctx->services->kvDelete(ctx->ref, view(key)).code());
}

void hostCounter(const baraza_host_context* ctx, baraza_str name, int64_t delta) {
  if (Admitted in{ctx}) ctx->services->counterAdd(ctx->ref, view(name), delta);
}

int64_t hostNowUnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t hostMonotonicNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

baraza_status hostSend(const baraza_host_context* ctx, baraza_str message, baraza_buf* id,
                       baraza_buf* error) {
  Admitted in{ctx};
  if (!in) return in.refusal();
  auto queued = ctx->services->send(ctx->ref, view(message));
  if (!queued.isOk()) return fromStatus(queued.status(), error);
  fillBuffer(id, *queued);
  return BARAZA_OK;
}

using NamedService = StatusOr<std::string> (HostServices::*)(const InstanceRef&, std::string_view,
                                                             std::string_view);

baraza_status namedCall(NamedService service, const baraza_host_context* ctx, baraza_str instance,
                        baraza_str input, baraza_buf* result, baraza_buf* error) {
  Admitted in{ctx};
  if (!in) return in.refusal();
  auto answer = (ctx->services->*service)(ctx->ref, view(instance), view(input));
  if (!answer.isOk()) return fromStatus(answer.status(), error);
  fillBuffer(result, *answer);
  return BARAZA_OK;
}

baraza_status hostDetectIntent(const baraza_host_context* ctx, baraza_str instance,
                               baraza_str input, baraza_buf* result, baraza_buf* error) {
  return namedCall(&HostServices::detectIntent, ctx, instance, input, result, error);
}

baraza_status hostVerify(const baraza_host_context* ctx, baraza_str instance, baraza_str input,
                         baraza_buf* result, baraza_buf* error) {
  return namedCall(&HostServices::verify, ctx, instance, input, result, error);
}

baraza_status hostStateGet(const baraza_host_context* ctx, baraza_str contact, baraza_buf* state,
                           int64_t* version) {
  if (version == nullptr) return BARAZA_INVALID_ARGUMENT;
  Admitted in{ctx};
  if (!in) return in.refusal();
  auto got = ctx->services->stateGet(ctx->ref, view(contact));
  if (!got.isOk()) return static_cast<baraza_status>(got.status().code());
  fillBuffer(state, got->first);
  *version = got->second;
  return BARAZA_OK;
}

baraza_status hostStatePut(const baraza_host_context* ctx, baraza_str contact, baraza_str state,
                           int64_t expectedVersion, int64_t* newVersion) {
  if (newVersion == nullptr) return BARAZA_INVALID_ARGUMENT;
  Admitted in{ctx};
  if (!in) return in.refusal();
  auto put = ctx->services->statePut(ctx->ref, view(contact), view(state), expectedVersion);
  if (!put.isOk()) return static_cast<baraza_status>(put.status().code());
  *newVersion = *put;
  return BARAZA_OK;
}

baraza_status hostMediaInfo(const baraza_host_context* ctx, int64_t mediaId, baraza_buf* info,
                            baraza_buf* error) {
  Admitted in{ctx};
  if (!in) return in.refusal();
  StatusOr<std::string> got = ctx->services->mediaInfo(ctx->ref, mediaId);
  if (!got.isOk()) return fromStatus(got.status(), error);
  fillBuffer(info, *got);
  return BARAZA_OK;
}

/** What one media_read call returns at most: a plugin asking for more gets this much. */
constexpr size_t kMaxMediaRead = 4u << 20;

baraza_status hostMediaRead(const baraza_host_context* ctx, int64_t mediaId, uint64_t offset,
                            char* out, size_t capacity, size_t* size, baraza_buf* error) {
  if (size == nullptr || (out == nullptr && capacity > 0)) return BARAZA_INVALID_ARGUMENT;
  *size = 0;
  Admitted in{ctx};
  if (!in) return in.refusal();
  StatusOr<size_t> read =
      ctx->services->mediaRead(ctx->ref, mediaId, offset, out, std::min(capacity, kMaxMediaRead));
  if (!read.isOk()) return fromStatus(read.status(), error);
  *size = *read;
  return BARAZA_OK;
}

const baraza_host_api kHostApi = {
    sizeof(baraza_host_api),
    kHostAbiVersion,
    &hostAlloc,
    &hostFree,
    &hostLog,
    &hostHttp,
    &hostHmac,
    &hostSha256,
    &hostRandom,
    &hostSecret,
    &hostKvGet,
    &hostKvPut,
    &hostKvDelete,
    &hostCounter,
    &hostNowUnixMs,
    &hostMonotonicNs,
    &hostSend,
    &hostDetectIntent,
    &hostVerify,
    &hostStateGet,
    &hostStatePut,
    &hostMediaInfo,
    &hostMediaRead,
};

}  // namespace

const baraza_host_api* hostApi() { return &kHostApi; }

void fillBuffer(baraza_buf* buf, std::string_view text) {
  if (buf == nullptr) return;
  *buf = baraza_buf{};
  if (text.empty()) return;
  buf->data = static_cast<char*>(hostAlloc(text.size()));
  std::memcpy(buf->data, text.data(), text.size());
  buf->size = text.size();
}

std::string takeBuffer(baraza_buf& buf) {
  std::string text = buf.data == nullptr ? std::string() : std::string(buf.data, buf.size);
  hostFree(buf.data);
  buf = baraza_buf{};
  return text;
}

}  // namespace baraza::plugins
