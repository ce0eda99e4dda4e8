#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/Problem.h"
#include "config/Secret.h"
#include "crypto/Crypto.h"
#include "plugins/PluginRegistry.h"

namespace baraza::tenants {

/** One `plugins.<name>.*` block of a tenant file: a configured plugin instance. */
struct PluginBinding {
  std::string name;        // <name>
  std::string pluginId;    // plugins.<name>.plugin
  std::string configJson;  // plugins.<name>.config.*, built and validated against the schema
  /** plugins.<name>.call_deadline_ms: for every call of the instance (0: none); unset: by
   * operation. */
  std::optional<int64_t> callDeadlineMs;
};

/** How a tenant's messages go out (whatsapp.* sending keys). */
struct SendingSettings {
  int messagesPerSecond = 80;     // per sending number; Meta's default tier (1000 once upgraded)
  int64_t pairIntervalMs = 6000;  // one message per recipient per interval on average…
  int pairBurst = 5;              // …with bursts of up to this many
  /** Sent instead of a message refused for being outside the 24-hour window (131047). */
  std::string reengagementTemplate;
  std::string reengagementLanguage = "en_US";
};

/** How the host finds what an inbound message means (intent.* keys). */
struct IntentSettings {
  /** Intent instances, tried in order (intent.chain); empty: the tenant's intent instances. */
  std::vector<std::string> chain;
  /** A result of an instance before the last wins when its top intent is at least this sure. */
  double threshold = 0.5;
};

/** One tenant file (tenants.d/<id>.properties), resolved and validated. */
struct TenantConfig {
  std::string id;  // the file name without .properties
  std::string file;
  std::string displayName;
  /** WhatsApp: numbers this tenant owns (inbound is routed by metadata.phone_number_id). */
  std::vector<std::string> phoneNumberIds;
  std::string wabaId;
  std::string appId;
  /** App secrets for X-Hub-Signature-256: current first, then any still in rotation. */
  std::vector<config::Secret> appSecrets;
  config::Secret verifyToken;
  std::optional<config::Secret> accessToken;
  SendingSettings sending;
  /** Flows endpoint private keys (PEM files): current first, then previous (rotation). */
  std::vector<std::string> flowsPrivateKeyFiles;
  std::optional<config::Secret> flowsPrivateKeyPassphrase;
  /** The same keys, parsed once when the file is loaded, in the same order. */
  std::vector<crypto::RsaPrivateKey> flowsKeys;
  /** Flows requests must carry a valid X-Hub-Signature-256 (off only for Flows without an app). */
  bool flowsRequireSignature = true;
  /** secrets.<name>: what plugins read through the host API's secret lookup. */
  std::map<std::string, config::Secret> secrets;
  std::vector<PluginBinding> plugins;
  IntentSettings intent;
};

/** Every tenant file of a directory, split into those that may start and every problem found. */
/**
 * What is allowed but weakens the tenant (e.g. Flows requests accepted unsigned), as
 * "FILE: KEY: why" lines: config check prints them and serve logs them, neither refuses.
 */
std::vector<std::string> tenantWarnings(const TenantConfig& tenant);

struct TenantLoad {
  std::vector<TenantConfig> valid;
  std::vector<std::string> invalid;  // ids of tenants that will not start
  config::Problems problems;
};

/**
 * Reads every tenants.d/NAME.properties (name order). A tenant with any problem is invalid and does
 * not start; the others do. Plugin configuration is checked against the manifests in `registry`
 * without loading plugin code. A phone number claimed by two tenants invalidates the second, and so
 * does an app secret sharing nothing with an earlier tenant's of the same app_id.
 */
TenantLoad loadTenants(const std::string& dir, const plugins::PluginRegistry& registry);

/** Reads one tenant file; problems are appended. */
/**
 * Every fixed key of a tenant file this version reads, with its default as text (nothing where
 * it has none). Families of keys (secrets.<name>, plugins.<name>.*) are not listed.
 * docs/configuration.md is checked against it.
 */
std::map<std::string, std::optional<std::string>> tenantConfigKeys();

TenantConfig loadTenantFile(const std::string& path, const plugins::PluginRegistry& registry,
                            config::Problems& problems);

}  // namespace baraza::tenants
