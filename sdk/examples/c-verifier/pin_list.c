/*
 * A Baraza verifier written in C, against nothing but <baraza/abi.h>: it answers KRA PIN checks
 * from a list in its configuration (a staging environment without access to KRA, say).
 *
 *   plugins.pins.plugin = com.example.verifier.pinlist
 *   plugins.pins.config.pins.A744610021G = JOHN KAMAU TEST
 *
 * It targets ABI 1.0 (the verifier table has not changed since), so it loads on every 1.x host.
 * JSON is read and written with cJSON (Debian: libcjson-dev).
 */
#define BARAZA_ABI_TARGET_MINOR 0
#include <baraza/abi.h>
#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const baraza_host_api* host;

/* One instance per tenant: the configured list, as parsed JSON. */
struct pin_list {
  const baraza_host_context* ctx;
  cJSON* pins; /* {"A744610021G": "JOHN KAMAU TEST", ...} */
};

/* Copies a NUL-terminated text into a buffer the host frees. */
static void fill(baraza_buf* buf, const char* text) {
  size_t size = strlen(text);
  buf->data = host->alloc(size);
  if (buf->data == NULL) return;
  memcpy(buf->data, text, size);
  buf->size = size;
}

/* Parses a (pointer, length) view as JSON. */
static cJSON* parse(baraza_str text) { return cJSON_ParseWithLength(text.data, text.size); }

static baraza_status create(const baraza_host_context* ctx, baraza_str config_json, void** instance,
                            baraza_buf* error) {
  cJSON* config = parse(config_json);
  cJSON* pins = cJSON_DetachItemFromObject(config, "pins");
  cJSON_Delete(config);
  if (!cJSON_IsObject(pins)) {
    cJSON_Delete(pins);
    fill(error, "config.pins must be an object of PIN to taxpayer name");
    return BARAZA_INVALID_ARGUMENT;
  }
  struct pin_list* self = calloc(1, sizeof *self);
  if (self == NULL) {
    cJSON_Delete(pins);
    return BARAZA_RESOURCE_EXHAUSTED;
  }
  self->ctx = ctx;
  self->pins = pins;
  *instance = self;
  return BARAZA_OK;
}

static void destroy(void* instance) {
  struct pin_list* self = instance;
  cJSON_Delete(self->pins);
  free(self);
}

/* A KRA PIN: A or P, nine digits, a letter. */
static int is_pin(const char* s) {
  if (strlen(s) != 11 || (s[0] != 'A' && s[0] != 'P') || !isupper((unsigned char)s[10])) return 0;
  for (int i = 1; i < 10; ++i)
    if (!isdigit((unsigned char)s[i])) return 0;
  return 1;
}

static baraza_status verify(void* instance, baraza_str input, baraza_buf* output) {
  struct pin_list* self = instance;
  cJSON* request = parse(input);
  const char* document = cJSON_GetStringValue(cJSON_GetObjectItem(request, "document_type"));
  const char* given = cJSON_GetStringValue(cJSON_GetObjectItem(request, "number"));
  if (document == NULL || given == NULL) {
    cJSON_Delete(request);
    fill(output, "a verification request has document_type and number");
    return BARAZA_INVALID_ARGUMENT;
  }
  /* The number as KRA writes it: no surrounding spaces, upper case. */
  char number[64] = "";
  size_t n = 0;
  for (const char* c = given; *c != '\0' && n + 1 < sizeof number; ++c)
    if (!isspace((unsigned char)*c)) number[n++] = (char)toupper((unsigned char)*c);
  number[n] = '\0';

  cJSON* result = cJSON_CreateObject();
  cJSON_AddStringToObject(result, "document_type", document);
  cJSON_AddStringToObject(result, "number", number);
  const char* name = NULL;
  if (strcmp(document, "KRA PIN") != 0) {
    cJSON_AddStringToObject(result, "result", "unsupported_document_type");
    cJSON_AddStringToObject(result, "message", "this list holds KRA PINs only");
  } else if (!is_pin(number)) {
    cJSON_AddStringToObject(result, "result", "invalid_format");
    cJSON_AddStringToObject(result, "message",
                            "a KRA PIN is A or P, then 9 digits, then a letter (like A123456789Z)");
  } else if ((name = cJSON_GetStringValue(cJSON_GetObjectItem(self->pins, number))) != NULL) {
    cJSON_AddStringToObject(result, "result", "verified");
    cJSON_AddStringToObject(result, "pin", number);
    cJSON_AddStringToObject(result, "name", name);
    cJSON_AddStringToObject(result, "pin_status", "Active");
    cJSON_AddBoolToObject(result, "active", 1);
  } else {
    cJSON_AddStringToObject(result, "result", "not_found");
    cJSON_AddStringToObject(result, "message", "not on this list");
  }
  char* text = cJSON_PrintUnformatted(result);
  fill(output, text);
  host->counter_add(self->ctx, (baraza_str){"checks", 6}, 1);
  cJSON_free(text);
  cJSON_Delete(result);
  cJSON_Delete(request);
  return BARAZA_OK;
}

static const baraza_verifier_api verifier = {sizeof verifier, verify};

static const baraza_plugin_descriptor descriptor = {
    .struct_size = sizeof descriptor,
    .id = {"com.example.verifier.pinlist", sizeof "com.example.verifier.pinlist" - 1},
    .version = {"0.1.0", 5},
    .kinds = BARAZA_KIND_VERIFIER,
    .create = create,
    .destroy = destroy,
    .verifier = &verifier,
};

BARAZA_PLUGIN_EXPORT uint32_t baraza_plugin_abi_version(void) { return BARAZA_ABI_VERSION; }

BARAZA_PLUGIN_EXPORT const baraza_plugin_descriptor* baraza_plugin_init(
    const baraza_host_api* api) {
  host = api;
  return &descriptor;
}

BARAZA_PLUGIN_EXPORT void baraza_plugin_shutdown(void) { host = NULL; }
