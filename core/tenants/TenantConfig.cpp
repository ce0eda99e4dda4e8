#include "tenants/TenantConfig.h"

#include <Poco/DirectoryIterator.h>
#include <Poco/File.h>
#include <Poco/Path.h>
#include <Poco/Util/MapConfiguration.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>

#include "config/KeyReader.h"
#include "config/Properties.h"
#include "config/SchemaConfig.h"

namespace baraza::tenants {
namespace {

const std::regex kTenantId("[a-z0-9][a-z0-9_-]{0,62}");
const std::regex kDigits("[0-9]{1,20}");
const std::regex kBindingName("[A-Za-z0-9_-]{1,64}");

void readWhatsApp(config::KeyReader& r, TenantConfig& t) {
  t.phoneNumberIds = r.list("whatsapp.phone_number_ids");
  if (t.phoneNumberIds.empty()) r.problem("whatsapp.phone_number_ids", "required but missing");
  for (const auto& id : t.phoneNumberIds) {
    if (!std::regex_match(id, kDigits)) {
      r.problem("whatsapp.phone_number_ids", "\"" + id + "\" is not a phone number id (digits)");
    }
  }
  t.wabaId = r.string("whatsapp.waba_id", "");
  if (!t.wabaId.empty() && !std::regex_match(t.wabaId, kDigits)) {
    r.problem("whatsapp.waba_id", "\"" + t.wabaId + "\" is not a WhatsApp Business Account id");
  }
  t.appId = r.string("whatsapp.app_id", "");
  if (!t.appId.empty() && !std::regex_match(t.appId, kDigits)) {
    r.problem("whatsapp.app_id", "\"" + t.appId + "\" is not a Meta app id (digits)");
  }
  if (auto secret = r.secret("whatsapp.app_secret", true)) t.appSecrets.push_back(*secret);
  if (auto previous = r.secret("whatsapp.app_secret_previous", false)) {
    t.appSecrets.push_back(*previous);
  }
  if (auto token = r.secret("whatsapp.verify_token", true)) t.verifyToken = *token;
  t.accessToken = r.secret("whatsapp.access_token", false);

  // Sending (reference §5.3): throughput per number, pair rate per recipient, re-engagement.
  t.sending.messagesPerSecond =
      static_cast<int>(r.integer("whatsapp.messages_per_second", 80, 1, 10000));
  t.sending.pairIntervalMs = r.integer("whatsapp.pair_interval_ms", 6000, 0, 3600000);
  t.sending.pairBurst = static_cast<int>(r.integer("whatsapp.pair_burst", 5, 1, 45));
  t.sending.reengagementTemplate = r.string("whatsapp.reengagement_template", "");
  t.sending.reengagementLanguage = r.string("whatsapp.reengagement_language", "en_US");
}

void readFlows(config::KeyReader& r, TenantConfig& t) {
  t.flowsPrivateKeyPassphrase = r.secret("flows.private_key_passphrase", false);
  t.flowsRequireSignature = r.boolean("flows.require_signature", true);
  const std::string passphrase =
      t.flowsPrivateKeyPassphrase ? t.flowsPrivateKeyPassphrase->reveal() : "";
  for (const auto& file : r.list("flows.private_key_files")) {
    const std::string path = config::resolvePath(file, r.baseDir());
    std::ifstream in(path);
    if (!in) {
      r.problem("flows.private_key_files", path + ": cannot be read");
      continue;
    }
    std::stringstream pem;
    pem << in.rdbuf();
    std::string error;
    auto key = crypto::RsaPrivateKey::fromPem(pem.str(), passphrase, &error);
    if (!key) {
      r.problem("flows.private_key_files", path + ": " + error);
      continue;
    }
    if (key->bits() < 2048) {
      r.problem("flows.private_key_files",
                path + ": " + std::to_string(key->bits()) + "-bit key; use 2048 bits");
      continue;
    }
    t.flowsPrivateKeyFiles.push_back(path);
    t.flowsKeys.push_back(*key);
  }
}

void readSecrets(config::KeyReader& r, TenantConfig& t) {
  Poco::Util::AbstractConfiguration::Keys names;
  r.config().keys("secrets", names);
  for (const auto& name : names) {
    if (auto secret = r.secret("secrets." + name, true)) t.secrets.emplace(name, *secret);
  }
}

std::string installedIds(const plugins::PluginRegistry& registry) {
  std::vector<std::string> ids;
  for (const auto& entry : registry.entries()) {
    if (entry.manifest) ids.push_back(entry.manifest->id);
  }
  std::sort(ids.begin(), ids.end());
  std::string list;
  for (const auto& id : ids) list += (list.empty() ? "" : ", ") + id;
  return ids.empty() ? "none installed" : "installed: " + list;
}

void readPlugins(config::KeyReader& r, TenantConfig& t, const plugins::PluginRegistry& registry) {
  Poco::Util::AbstractConfiguration::Keys names;
  r.config().keys("plugins", names);
  for (const auto& name : names) {
    const std::string prefix = "plugins." + name;
    if (!std::regex_match(name, kBindingName)) {
      r.claimPrefix(prefix + ".");
      r.problem(prefix, "instance names are letters, digits, '_' and '-'");
      continue;
    }
    PluginBinding binding;
    binding.name = name;
    binding.pluginId = r.requiredString(prefix + ".plugin");
    if (binding.pluginId.empty()) {
      r.claimPrefix(prefix + ".");
      continue;
    }
    const plugins::Manifest* manifest = registry.manifest(binding.pluginId);
    if (manifest == nullptr) {
      r.claimPrefix(prefix + ".");
      r.problem(prefix + ".plugin", "no plugin with id " + binding.pluginId + " in " +
                                        registry.dir() + " (" + installedIds(registry) + ")");
      continue;
    }
    if (r.config().has(prefix + ".call_deadline_ms")) {
      binding.callDeadlineMs = r.integer(prefix + ".call_deadline_ms", 0, 0, 3600000);
    }
    Poco::JSON::Object::Ptr json =
        config::buildSchemaConfig(r, prefix + ".config", manifest->configSchema);
    std::ostringstream text;
    json->stringify(text);
    binding.configJson = text.str();
    t.plugins.push_back(std::move(binding));
  }
}

void readIntent(config::KeyReader& r, TenantConfig& t, const plugins::PluginRegistry& registry) {
  t.intent.threshold = r.number("intent.threshold", 0.5, 0.0, 1.0);
  auto isIntent = [&](const PluginBinding& b) {
    const plugins::Manifest* m = registry.manifest(b.pluginId);
    return m != nullptr && (m->kinds & BARAZA_KIND_INTENT);
  };
  const std::vector<std::string> named = r.list("intent.chain");
  if (r.config().hasProperty("intent.chain")) {  // even empty: no intent detection
    for (const auto& name : named) {
      auto binding = std::find_if(t.plugins.begin(), t.plugins.end(),
                                  [&](const PluginBinding& b) { return b.name == name; });
      if (binding == t.plugins.end()) {
        r.problem("intent.chain", "\"" + name + "\" is not a plugins.<name> of this tenant");
      } else if (!isIntent(*binding)) {
        r.problem("intent.chain", "plugins." + name + " (" + binding->pluginId +
                                      ") does not provide the intent kind");
      } else {
        t.intent.chain.push_back(name);
      }
    }
    return;
  }
  for (const auto& binding : t.plugins) {
    if (isIntent(binding)) t.intent.chain.push_back(binding.name);
  }
}

/** Every key of a tenant file into `t` (its id already set: the display name's default). */
void readTenant(config::KeyReader& r, TenantConfig& t, const plugins::PluginRegistry& registry) {
  t.displayName = r.string("tenant.display_name", t.id);
  readWhatsApp(r, t);
  readFlows(r, t);
  readSecrets(r, t);
  readPlugins(r, t, registry);
  readIntent(r, t, registry);
}

}  // namespace

TenantConfig loadTenantFile(const std::string& path, const plugins::PluginRegistry& registry,
                            config::Problems& problems) {
  TenantConfig t;
  t.file = path;
  t.id = Poco::Path(path).getBaseName();
  auto file = config::loadPropertiesFile(path, problems);
  if (file.isNull()) return t;
  config::KeyReader r(*file, path, Poco::Path(path).makeAbsolute().parent().toString(), problems);
  if (!std::regex_match(t.id, kTenantId)) {
    r.problem("", "the file name gives the tenant id \"" + t.id +
                      "\", which must be lower-case letters, digits, '_' or '-' (max 63)");
  }
  readTenant(r, t, registry);
  r.reportUnknownKeys();
  return t;
}

std::map<std::string, std::optional<std::string>> tenantConfigKeys() {
  Poco::AutoPtr<Poco::Util::MapConfiguration> empty = new Poco::Util::MapConfiguration;
  config::Problems ignored;
  config::KeyReader r(*empty, "", "/", ignored);
  TenantConfig t;
  readTenant(r, t, plugins::PluginRegistry());
  return r.keysRead();
}

TenantLoad loadTenants(const std::string& dir, const plugins::PluginRegistry& registry) {
  TenantLoad load;
  std::vector<std::string> files;
  try {
    for (Poco::DirectoryIterator it(dir), end; it != end; ++it) {
      if (it->isFile() && Poco::Path(it.path()).getExtension() == "properties") {
        files.push_back(it.path().toString());
      }
    }
  } catch (const Poco::Exception& e) {
    load.problems.push_back({dir, "", "cannot read the tenants directory: " + e.message()});
    return load;
  }
  std::sort(files.begin(), files.end());

  std::map<std::string, std::string> numberOwner;  // phone_number_id -> tenant id
  std::map<std::string, size_t>
      firstOfApp;  // app_id -> the first valid tenant with it (in load.valid)
  for (const auto& path : files) {
    const size_t before = load.problems.size();
    TenantConfig tenant = loadTenantFile(path, registry, load.problems);
    for (const auto& number : tenant.phoneNumberIds) {
      auto owner = numberOwner.find(number);
      if (owner != numberOwner.end()) {
        load.problems.push_back({path, "whatsapp.phone_number_ids",
                                 number + " already belongs to tenant " + owner->second});
      }
    }
    // Tenants of one Meta app verify its webhooks together, with every secret any of them names:
    // secrets that share nothing mean one of the files is wrong, and would let a wrong one sign.
    if (auto first = firstOfApp.find(tenant.appId);
        !tenant.appId.empty() && first != firstOfApp.end()) {
      const TenantConfig& other = load.valid[first->second];
      const auto& theirs = other.appSecrets;
      const bool shared = std::any_of(
          tenant.appSecrets.begin(), tenant.appSecrets.end(), [&](const config::Secret& s) {
            return std::any_of(theirs.begin(), theirs.end(),
                               [&](const config::Secret& t) { return t.reveal() == s.reveal(); });
          });
      if (!shared && !tenant.appSecrets.empty()) {
        load.problems.push_back(
            {path, "whatsapp.app_secret",
             "tenant " + other.id + " has the same whatsapp.app_id (" + tenant.appId +
                 ") with another app secret; a Meta app has one (and the previous one while "
                 "it is rotated, whatsapp.app_secret_previous)"});
      }
    }
    // A tenant without an app id is a webhook app of its own (keyed by the tenant): another one
    // signing with the same secret is the same Meta app, and must say so with whatsapp.app_id.
    if (tenant.appId.empty()) {
      for (const TenantConfig& other : load.valid) {
        if (!other.appId.empty()) continue;
        const bool shared = std::any_of(
            tenant.appSecrets.begin(), tenant.appSecrets.end(), [&](const config::Secret& s) {
              return std::any_of(other.appSecrets.begin(), other.appSecrets.end(),
                                 [&](const config::Secret& t) { return t.reveal() == s.reveal(); });
            });
        if (shared) {
          load.problems.push_back(
              {path, "whatsapp.app_secret",
               "tenant " + other.id +
                   " has the same app secret and neither names its Meta app: set "
                   "whatsapp.app_id (the same) in both"});
          break;
        }
      }
    }
    if (load.problems.size() == before) {
      for (const auto& number : tenant.phoneNumberIds) numberOwner.emplace(number, tenant.id);
      if (!tenant.appId.empty()) firstOfApp.emplace(tenant.appId, load.valid.size());
      load.valid.push_back(std::move(tenant));
    } else {
      load.invalid.push_back(tenant.id);
    }
  }
  return load;
}

std::vector<std::string> tenantWarnings(const TenantConfig& tenant) {
  std::vector<std::string> out;
  if (!tenant.flowsRequireSignature) {
    out.push_back(
        tenant.file +
        ": flows.require_signature: false: the Flows endpoint accepts requests without "
        "Meta's X-Hub-Signature-256, so anyone who can reach it and has the public key can "
        "drive this tenant's Flows; keep it true outside tests");
  }
  return out;
}

}  // namespace baraza::tenants
