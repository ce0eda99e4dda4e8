/*
 * Baraza plugin ABI: the binary contract between the host and a plugin shared library.
 *
 * Rules that keep it stable:
 *  - Plain C. No C++ type, exception or RTTI crosses it.
 *  - Every struct begins with `struct_size` and only ever grows at the end. A reader checks
 *    `struct_size` before touching a field (BARAZA_HAS_FIELD), so a plugin built against an older
 *    minor version (shorter structs) works on a newer host.
 *  - Strings are (pointer, length) views, UTF-8, not NUL-terminated, valid only for the call.
 *  - Complex values cross as UTF-8 JSON text.
 *  - Memory a plugin hands back to the host (baraza_buf) is allocated with host->alloc; the host
 *    frees it. Memory the host hands to a plugin is only borrowed for the call.
 *
 * Versioning: BARAZA_ABI_VERSION_MAJOR changes only on an incompatible change. A host loads a
 * plugin when the majors match and the plugin's minor is not newer than the host's.
 *
 * History:
 *  1.0  lifecycle, host API table, one table per plugin kind.
 *  1.1  baraza_plugin_descriptor.health (optional instance self-check).
 *  1.2  host API: detect_intent, verify, state_get, state_put.
 *  1.3  channel: reengage, exchange_token, register_flow_key.
 *  1.4  media: streamed writes (open_writer, write, commit, abort), read, remove; get specified;
 *       channel: media_source, upload_media.
 *  1.5  host API: media_info, media_read (the tenant's stored media items).
 *
 * A plugin that must run on older hosts may define BARAZA_ABI_TARGET_MINOR before including this
 * header: it then sees, and reports, the structs of that minor version.
 */
#ifndef BARAZA_ABI_H
#define BARAZA_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BARAZA_ABI_VERSION_MAJOR 1
#define BARAZA_ABI_LATEST_MINOR 5
#ifndef BARAZA_ABI_TARGET_MINOR
#define BARAZA_ABI_TARGET_MINOR BARAZA_ABI_LATEST_MINOR
#endif
#define BARAZA_ABI_VERSION_MINOR BARAZA_ABI_TARGET_MINOR

/* major in the high 16 bits, minor in the low 16 bits. */
#define BARAZA_ABI_MAKE_VERSION(major, minor) ((uint32_t)(((major) << 16) | (minor)))
#define BARAZA_ABI_VERSION \
  BARAZA_ABI_MAKE_VERSION(BARAZA_ABI_VERSION_MAJOR, BARAZA_ABI_VERSION_MINOR)
#define BARAZA_ABI_MAJOR_OF(v) ((uint32_t)(v) >> 16)
#define BARAZA_ABI_MINOR_OF(v) ((uint32_t)(v)&0xFFFFu)

/* True when a struct of the given (reader-side) type, whose producer declared `size`, has `field`.
 */
#define BARAZA_HAS_FIELD(type, ptr, field) \
  ((ptr) != NULL && (ptr)->struct_size >= offsetof(type, field) + sizeof(((type*)0)->field))

/* ------------------------------------------------------------------------------------------ */
/* Basic types                                                                                  */

typedef struct baraza_str {
  const char* data;
  size_t size;
} baraza_str;

/* A buffer the plugin fills with memory from host->alloc; the host frees it. */
typedef struct baraza_buf {
  char* data;
  size_t size;
} baraza_buf;

/* Status codes: the same values as the canonical gRPC/absl codes so they map one to one. */
typedef int32_t baraza_status;
#define BARAZA_OK 0
#define BARAZA_CANCELLED 1
#define BARAZA_UNKNOWN 2
#define BARAZA_INVALID_ARGUMENT 3
#define BARAZA_DEADLINE_EXCEEDED 4
#define BARAZA_NOT_FOUND 5
#define BARAZA_ALREADY_EXISTS 6
#define BARAZA_PERMISSION_DENIED 7
#define BARAZA_RESOURCE_EXHAUSTED 8
#define BARAZA_FAILED_PRECONDITION 9
#define BARAZA_ABORTED 10
#define BARAZA_OUT_OF_RANGE 11
#define BARAZA_UNIMPLEMENTED 12
#define BARAZA_INTERNAL 13
#define BARAZA_UNAVAILABLE 14
#define BARAZA_DATA_LOSS 15
#define BARAZA_UNAUTHENTICATED 16

typedef int32_t baraza_log_level;
#define BARAZA_LOG_TRACE 0
#define BARAZA_LOG_DEBUG 1
#define BARAZA_LOG_INFO 2
#define BARAZA_LOG_WARNING 3
#define BARAZA_LOG_ERROR 4

/* Plugin kinds, as a bit set in the descriptor and as names in plugin.json. */
typedef uint32_t baraza_kind_set;
#define BARAZA_KIND_CHANNEL (1u << 0)      /* "channel" */
#define BARAZA_KIND_FLOW (1u << 1)         /* "flow" */
#define BARAZA_KIND_INTENT (1u << 2)       /* "intent" */
#define BARAZA_KIND_VERIFIER (1u << 3)     /* "verifier" */
#define BARAZA_KIND_MEDIA (1u << 4)        /* "media" */
#define BARAZA_KIND_CONVERSATION (1u << 5) /* "conversation" */

/*
 * The host-side context of one plugin instance (tenant, plugin name, services). Opaque to the
 * plugin; passed back on every scoped host call so the host knows whose data it is.
 */
typedef struct baraza_host_context baraza_host_context;

/* ------------------------------------------------------------------------------------------ */
/* Host API: what a plugin may ask of the host                                                  */

typedef struct baraza_http_header {
  baraza_str name;
  baraza_str value;
} baraza_http_header;

typedef struct baraza_http_request {
  uint32_t struct_size;
  baraza_str method; /* "GET", "POST", ... */
  baraza_str url;    /* absolute http(s) URL */
  /*
   * Optional upstream name ("graph", "openai", "kra"). When the host configuration overrides that
   * service's base URL, the host sends the request there instead (tests point plugins at fakes).
   */
  baraza_str service;
  const baraza_http_header* headers;
  size_t header_count;
  baraza_str body;
  uint32_t timeout_ms; /* 0: the host's default */
} baraza_http_request;

typedef struct baraza_http_response {
  uint32_t struct_size;
  int32_t status;
  baraza_buf headers_json; /* {"name": "value", ...}, names lower-case; allocated by the host */
  baraza_buf body;         /* allocated by the host; the plugin frees it with host->free */
} baraza_http_response;

typedef struct baraza_host_api {
  uint32_t struct_size;
  uint32_t abi_version; /* the host's BARAZA_ABI_VERSION */

  /* Memory for buffers that cross the boundary. */
  void* (*alloc)(size_t size);
  void (*free)(void* ptr);

  /* Logs one line attributed to the instance (ctx may be NULL outside an instance). */
  void (*log)(const baraza_host_context* ctx, baraza_log_level level, baraza_str message);

  /*
   * Performs an HTTP request through the host's client (TLS, timeouts, size limits, egress
   * policy). Transport failures return a non-OK status with a message in *error; an HTTP error
   * status is a successful call with response->status set.
   */
  baraza_status (*http_request)(const baraza_host_context* ctx, const baraza_http_request* request,
                                baraza_http_response* response, baraza_buf* error);

  /* Crypto. */
  baraza_status (*hmac_sha256)(baraza_str key, baraza_str data, uint8_t out[32]);
  baraza_status (*sha256)(baraza_str data, uint8_t out[32]);
  baraza_status (*random_bytes)(uint8_t* out, size_t size);

  /* Looks up a secret of the instance's tenant by name. The value is never logged. */
  baraza_status (*secret_get)(const baraza_host_context* ctx, baraza_str name, baraza_buf* value);

  /* Key/value storage scoped to (tenant, plugin instance). ttl_seconds 0 = no expiry. */
  baraza_status (*kv_get)(const baraza_host_context* ctx, baraza_str key, baraza_buf* value);
  baraza_status (*kv_put)(const baraza_host_context* ctx, baraza_str key, baraza_str value,
                          int64_t ttl_seconds);
  baraza_status (*kv_delete)(const baraza_host_context* ctx, baraza_str key);

  /* Adds delta to a counter named "<plugin>.<name>" with the tenant as a label. */
  void (*counter_add)(const baraza_host_context* ctx, baraza_str name, int64_t delta);

  /* Clock: wall time in Unix milliseconds and a monotonic nanosecond counter. */
  int64_t (*now_unix_ms)(void);
  int64_t (*monotonic_ns)(void);

  /*
   * Queues an outbound message (JSON, see docs/plugin-authors.md) for the instance's tenant.
   * On success *message_id holds the outbox id the message can be tracked by.
   */
  baraza_status (*send)(const baraza_host_context* ctx, baraza_str message_json,
                        baraza_buf* message_id, baraza_buf* error);

#if BARAZA_ABI_TARGET_MINOR >= 2
  /*
   * 1.2: classifies a message with the tenant's intent instance named `instance`, or with the
   * tenant's intent chain when `instance` is empty. Input and *result are the intent kind's
   * documents (docs/plugin-authors.md); on failure *error says why.
   */
  baraza_status (*detect_intent)(const baraza_host_context* ctx, baraza_str instance,
                                 baraza_str message_json, baraza_buf* result, baraza_buf* error);
  /*
   * 1.2: checks an identifier with the tenant's verifier instance named `instance`, or its first
   * verifier when `instance` is empty. Documents as for the verifier kind.
   */
  baraza_status (*verify)(const baraza_host_context* ctx, baraza_str instance,
                          baraza_str request_json, baraza_buf* result, baraza_buf* error);
  /*
   * 1.2: the conversation state of one contact of the tenant (JSON the plugins own) and its
   * version; *version is 0 and *state empty when none is stored.
   */
  baraza_status (*state_get)(const baraza_host_context* ctx, baraza_str contact, baraza_buf* state,
                             int64_t* version);
  /*
   * 1.2: writes the state if the stored version is still expected_version (0: none stored yet)
   * and sets *new_version; ABORTED when another write came first (read it again and redo).
   */
  baraza_status (*state_put)(const baraza_host_context* ctx, baraza_str contact, baraza_str state,
                             int64_t expected_version, int64_t* new_version);
#endif
#if BARAZA_ABI_TARGET_MINOR >= 5
  /*
   * 1.5: one stored media item of the tenant (the "id" of a conversation event's "media" entry,
   * or a Flow's stored "media_id"): {"id", "kind", "mime_type", "size", "sha256"} in *info.
   * NOT_FOUND when the tenant has no such item; FAILED_PRECONDITION when it is not stored (yet).
   */
  baraza_status (*media_info)(const baraza_host_context* ctx, int64_t media_id, baraza_buf* info,
                              baraza_buf* error);
  /*
   * 1.5: reads up to `capacity` bytes (at most 4 MiB per call) of the item's bytes from `offset`
   * into `out`; *size is how many, 0 at the end. Errors as for media_info.
   */
  baraza_status (*media_read)(const baraza_host_context* ctx, int64_t media_id, uint64_t offset,
                              char* out, size_t capacity, size_t* size, baraza_buf* error);
#endif
} baraza_host_api;

/* ------------------------------------------------------------------------------------------ */
/* Plugin side                                                                                  */

/*
 * The shape of every kind operation: JSON in, JSON out. On BARAZA_OK *output holds the result;
 * otherwise it holds a human-readable error message. Either may be left empty.
 */
typedef baraza_status (*baraza_call_fn)(void* instance, baraza_str input, baraza_buf* output);

/* channel: a messaging provider (WhatsApp Cloud API). */
typedef struct baraza_channel_api {
  uint32_t struct_size;
  /* Turns a raw webhook delivery into normalised events. */
  baraza_call_fn parse_webhook;
  /* Turns an outbound message into the provider request to make. */
  baraza_call_fn build_send;
  /* Classifies a provider response: accepted (with provider id), retry, pause or failed. Runs on
   * the host HTTP client's event loop: must not block (host HTTP calls from it fail). */
  baraza_call_fn classify_response;
#if BARAZA_ABI_TARGET_MINOR >= 3
  /*
   * 1.3, optional (NULL, or UNIMPLEMENTED: the host has no replacement): the message to send in
   * place of one the provider refused because the recipient must be re-engaged first (outcome
   * "reengage"): {"phone_number_id", "to", "template", "language"} in (the tenant's configured
   * template), an outbound message (build_send's input) out. Runs on the HTTP client's event
   * loop: must not block.
   */
  baraza_call_fn reengage;
  /*
   * 1.3, optional: exchanges an access token the provider refused (outcome "pause") for a
   * long-lived one: {"token", "app_id", "app_secret"} in, {"access_token"} out. May call the
   * provider through the host's http_request; the host calls it on a thread of its own.
   */
  baraza_call_fn exchange_token;
  /*
   * 1.3, optional: registers a WhatsApp Flows business public key on a phone number and reads
   * back what the provider holds: {"phone_number_id", "public_key" (PEM), "token"} in,
   * {"public_key", "signature_status"} out. May call the provider through the host's
   * http_request; the host calls it on a thread of its own (`baraza flows register-key`).
   */
  baraza_call_fn register_flow_key;
#endif
#if BARAZA_ABI_TARGET_MINOR >= 4
  /*
   * 1.4, optional: where to download an inbound media item from: {"media_id", "phone_number_id",
   * "token"} in, {"url", "mime_type", "sha256", "file_size", "headers": {name: value}} out (the
   * URL is short-lived: ask again when it no longer answers). May call the provider through the
   * host's http_request; the host calls it on a media download thread.
   */
  baraza_call_fn media_source;
  /*
   * 1.4, optional: uploads a local file for sending by id: {"phone_number_id", "token", "path",
   * "mime_type", "filename"} in, {"media_id"} out. Calls the provider through the host's
   * http_request; the host calls it on a thread of its own (`baraza send --image`).
   */
  baraza_call_fn upload_media;
#endif
} baraza_channel_api;

/* flow: the business logic behind one WhatsApp Flow's data endpoint. */
typedef struct baraza_flow_api {
  uint32_t struct_size;
  /* A decrypted INIT/BACK/data_exchange request in; the next screen, an error or completion out. */
  baraza_call_fn exchange;
} baraza_flow_api;

/* intent: classifies an inbound message. */
typedef struct baraza_intent_api {
  uint32_t struct_size;
  baraza_call_fn detect;
} baraza_intent_api;

/* verifier: checks an identifier with an authority (e.g. a KRA PIN). */
typedef struct baraza_verifier_api {
  uint32_t struct_size;
  baraza_call_fn verify;
} baraza_verifier_api;

/*
 * media: keeps the bytes of media items (docs/plugin-authors.md, "media"). An object is named by
 * the key its commit returns; keys are the plugin's own, at most 255 bytes of [A-Za-z0-9._/-].
 * The host uses a media plugin only when it provides every 1.4 field.
 */
typedef struct baraza_media_writer baraza_media_writer; /* the plugin's own, opaque to the host */
typedef struct baraza_media_api {
  uint32_t struct_size;
  /* Not called by the host (1.0 declared it without a document); NULL is fine. */
  baraza_call_fn put;
  /*
   * {"key"} in; {"key", "size", "sha256", "path"?} out, NOT_FOUND when there is no such object.
   * "path": a local file the host may read the object from directly (a file store's own file).
   */
  baraza_call_fn get;
#if BARAZA_ABI_TARGET_MINOR >= 4
  /*
   * Starts writing one object: {"tenant", "sha256" (expected, lower-case hex), "size" (expected,
   * or -1), "mime_type"} in. Nothing is visible under any key until commit succeeds. A writer is
   * used by one thread at a time and ended by exactly one commit or abort.
   */
  baraza_status (*open_writer)(void* instance, baraza_str meta_json, baraza_media_writer** writer,
                               baraza_buf* error);
  /* Appends bytes (the host writes in pieces of at most 1 MiB). */
  baraza_status (*write)(baraza_media_writer* writer, baraza_str bytes, baraza_buf* error);
  /*
   * Makes the object durable and visible, and ends the writer either way: {"key", "size",
   * "sha256"} out; DATA_LOSS when the bytes written do not hash to the expected sha256 (nothing
   * kept). Storing bytes already stored returns the existing key.
   */
  baraza_status (*commit)(baraza_media_writer* writer, baraza_buf* output);
  /* Drops what was written and ends the writer. */
  void (*abort)(baraza_media_writer* writer);
  /* Reads up to `capacity` bytes of object `key` from `offset` into out; *size 0 at the end. */
  baraza_status (*read)(void* instance, baraza_str key, uint64_t offset, char* out, size_t capacity,
                        size_t* size, baraza_buf* error);
  /* {"key"} in: removes the object; OK when it was already gone. */
  baraza_call_fn remove;
#endif
} baraza_media_api;

/* conversation: the bot. An inbound message (+ intents) in, the actions to take out. */
typedef struct baraza_conversation_api {
  uint32_t struct_size;
  baraza_call_fn on_message;
} baraza_conversation_api;

typedef struct baraza_plugin_descriptor {
  uint32_t struct_size;
  baraza_str id;      /* reverse-DNS, equal to plugin.json "id" */
  baraza_str version; /* semantic version, equal to plugin.json "version" */
  baraza_kind_set kinds;

  /*
   * Creates an instance for one tenant. config_json has been validated against the manifest's
   * schema. ctx stays valid until destroy. On failure *error holds the reason.
   */
  baraza_status (*create)(const baraza_host_context* ctx, baraza_str config_json, void** instance,
                          baraza_buf* error);
  void (*destroy)(void* instance);

  /* One table per kind; NULL for kinds the plugin does not provide. */
  const baraza_channel_api* channel;
  const baraza_flow_api* flow;
  const baraza_intent_api* intent;
  const baraza_verifier_api* verifier;
  const baraza_media_api* media;
  const baraza_conversation_api* conversation;

#if BARAZA_ABI_TARGET_MINOR >= 1
  /* 1.1: optional self-check; OK when healthy, else a reason in *output. May be NULL. */
  baraza_call_fn health;
#endif
} baraza_plugin_descriptor;

/* ------------------------------------------------------------------------------------------ */
/* The three symbols every plugin exports (and nothing else).                                   */

#if defined(__GNUC__)
#define BARAZA_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define BARAZA_PLUGIN_EXPORT
#endif

/* The ABI version the plugin was built against (BARAZA_ABI_VERSION). */
BARAZA_PLUGIN_EXPORT uint32_t baraza_plugin_abi_version(void);
/* Called once after loading. host outlives the plugin. Returns NULL on failure. */
BARAZA_PLUGIN_EXPORT const baraza_plugin_descriptor* baraza_plugin_init(
    const baraza_host_api* host);
/* Called once before unloading, after every instance has been destroyed. */
BARAZA_PLUGIN_EXPORT void baraza_plugin_shutdown(void);

#define BARAZA_SYMBOL_ABI_VERSION "baraza_plugin_abi_version"
#define BARAZA_SYMBOL_INIT "baraza_plugin_init"
#define BARAZA_SYMBOL_SHUTDOWN "baraza_plugin_shutdown"

#ifdef __cplusplus
}
#endif

#endif /* BARAZA_ABI_H */
