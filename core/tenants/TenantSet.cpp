#include "tenants/TenantSet.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Logger.h>

#include <algorithm>
#include <sstream>

#include "store/ConversationStates.h"
#include "store/FlowSessions.h"

namespace baraza::tenants {
namespace {

Poco::Logger& pluginLogger(const std::string& pluginId) {
  return Poco::Logger::get("baraza.plugin." + pluginId);
}

/** Metric label values are quoted: escape what the Prometheus text format requires. */
std::string label(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    out += c == '\n' ? 'n' : c;
  }
  return out;
}

}  // namespace

void TenantServices::log(const plugins::InstanceRef& who, int level, std::string_view message) {
  Poco::Logger& logger = pluginLogger(who.pluginId);
  const std::string text = "[" + who.tenant + "/" + who.instance + "] " + std::string(message);
  switch (level) {
    case BARAZA_LOG_TRACE:
      logger.trace(text);
      break;
    case BARAZA_LOG_DEBUG:
      logger.debug(text);
      break;
    case BARAZA_LOG_INFO:
      logger.information(text);
      break;
    case BARAZA_LOG_WARNING:
      logger.warning(text);
      break;
    default:
      logger.error(text);
      break;
  }
}

StatusOr<HttpResponse> TenantServices::http(const plugins::InstanceRef&,
                                            const HttpRequest& request) {
  if (!shared_.http) return unavailable("the host has no HTTP client configured");
  return shared_.http(request);
}

const TenantConfig& TenantServices::config() const { return tenant_.config(); }

StatusOr<std::string> TenantServices::secret(const plugins::InstanceRef&, std::string_view name) {
  auto it = config().secrets.find(std::string(name));
  if (it == config().secrets.end()) {
    return notFound("tenant " + config().id + " has no secrets." + std::string(name));
  }
  return it->second.reveal();
}

StatusOr<std::string> TenantServices::kvGet(const plugins::InstanceRef& who, std::string_view key) {
  return shared_.kv->get(config().id, who.instance, key);
}

Status TenantServices::kvPut(const plugins::InstanceRef& who, std::string_view key,
                             std::string_view value, int64_t ttlSeconds) {
  return shared_.kv->put(config().id, who.instance, key, value, ttlSeconds);
}

Status TenantServices::kvDelete(const plugins::InstanceRef& who, std::string_view key) {
  return shared_.kv->erase(config().id, who.instance, key);
}

void TenantServices::counterAdd(const plugins::InstanceRef& who, std::string_view name,
                                int64_t delta) {
  if (shared_.metrics == nullptr) return;
  shared_.metrics->add("baraza_plugin_events_total",
                       "tenant=\"" + label(config().id) + "\",instance=\"" + label(who.instance) +
                           "\",name=\"" + label(std::string(name)) + "\"",
                       delta);
}

StatusOr<std::string> TenantServices::send(const plugins::InstanceRef& who, std::string_view json) {
  if (!shared_.enqueue) return unavailable("this host has no outbox");
  Poco::JSON::Object::Ptr message;
  try {
    Poco::Dynamic::Var parsed = Poco::JSON::Parser().parse(std::string(json));
    if (parsed.type() == typeid(Poco::JSON::Object::Ptr))
      message = parsed.extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception& e) {
    return invalidArgument("message is not valid JSON: " + e.message());
  }
  if (message.isNull()) return invalidArgument("message must be a JSON object");
  // Keys are the plugin's own: two instances cannot collide on them.
  const std::string key = message->optValue<std::string>("idempotency_key", "");
  StatusOr<int64_t> id =
      shared_.enqueue(config().id, std::string(json), key.empty() ? "" : who.instance + ":" + key);
  if (!id.isOk()) return id.status();
  return std::to_string(*id);
}

StatusOr<std::string> TenantServices::detectIntent(const plugins::InstanceRef&,
                                                   std::string_view instance,
                                                   std::string_view inputJson) {
  if (instance.empty()) return tenant_.detectIntent(std::string(inputJson));
  plugins::PluginInstancePtr named = tenant_.instance(std::string(instance));
  if (!named || !(named->kinds() & BARAZA_KIND_INTENT)) {
    return notFound("tenant " + config().id + " has no running intent instance \"" +
                    std::string(instance) + "\"");
  }
  return named->call(plugins::Operation::kIntentDetect, inputJson);
}

StatusOr<std::string> TenantServices::verify(const plugins::InstanceRef&, std::string_view instance,
                                             std::string_view requestJson) {
  plugins::PluginInstancePtr verifier = instance.empty() ? tenant_.firstOfKind(BARAZA_KIND_VERIFIER)
                                                         : tenant_.instance(std::string(instance));
  if (!verifier || !(verifier->kinds() & BARAZA_KIND_VERIFIER)) {
    return notFound("tenant " + config().id + " has no running verifier" +
                    (instance.empty() ? std::string() : " \"" + std::string(instance) + "\""));
  }
  return verifier->call(plugins::Operation::kVerifierVerify, requestJson);
}

StatusOr<std::pair<std::string, int64_t>> TenantServices::stateGet(const plugins::InstanceRef&,
                                                                   std::string_view contact) {
  if (shared_.database == nullptr) return unavailable("this host keeps no conversation state");
  std::optional<store::ConversationState> state;
  Status read = shared_.database->read([&](Poco::Data::Session& s) {
    state = store::ConversationStates(shared_.database->dialect())
                .get(s, config().id, std::string(contact));
  });
  if (!read.isOk()) return read;
  if (!state) return std::pair<std::string, int64_t>{"", 0};
  return std::pair<std::string, int64_t>{state->state, state->version};
}

StatusOr<int64_t> TenantServices::statePut(const plugins::InstanceRef&, std::string_view contact,
                                           std::string_view stateJson, int64_t expectedVersion) {
  if (shared_.database == nullptr) return unavailable("this host keeps no conversation state");
  std::optional<int64_t> version;
  Status written = shared_.database->transaction([&](Poco::Data::Session& s) {
    version = store::ConversationStates(shared_.database->dialect())
                  .put(s, config().id, std::string(contact), std::string(stateJson),
                       expectedVersion, store::nowMs());
  });
  if (!written.isOk()) return written;
  if (!version)
    return Status(Code::kAborted, "the conversation state changed since version " +
                                      std::to_string(expectedVersion));
  return *version;
}

StatusOr<store::MediaItem> TenantServices::storedMedia(int64_t mediaId,
                                                       plugins::PluginInstancePtr* store) const {
  if (shared_.database == nullptr) return unavailable("this host keeps no media");
  std::optional<store::MediaItem> item;
  Status read = shared_.database->read([&](Poco::Data::Session& s) {
    item = store::MediaItems(shared_.database->dialect()).ofTenant(s, config().id, mediaId);
  });
  if (!read.isOk()) return read;
  if (!item)
    return notFound("tenant " + config().id + " has no media item " + std::to_string(mediaId));
  if (item->state != "stored")
    return failedPrecondition("media item " + std::to_string(mediaId) + " is " + item->state +
                              (item->error.empty() ? "" : ": " + item->error));
  *store = tenant_.firstOfKind(BARAZA_KIND_MEDIA);
  if (!*store || !(*store)->storesMedia())
    return unavailable("tenant " + config().id + " has no running media plugin");
  return *item;
}

StatusOr<std::string> TenantServices::mediaInfo(const plugins::InstanceRef&, int64_t mediaId) {
  plugins::PluginInstancePtr store;
  StatusOr<store::MediaItem> item = storedMedia(mediaId, &store);
  if (!item.isOk()) return item.status();
  Poco::JSON::Object info;
  info.set("id", item->id);
  info.set("kind", item->kind);
  info.set("mime_type", item->mimeType);
  info.set("size", item->size);
  info.set("sha256", item->sha256);
  std::ostringstream text;
  info.stringify(text);
  return text.str();
}

StatusOr<size_t> TenantServices::mediaRead(const plugins::InstanceRef&, int64_t mediaId,
                                           uint64_t offset, char* out, size_t capacity) {
  plugins::PluginInstancePtr store;
  StatusOr<store::MediaItem> item = storedMedia(mediaId, &store);
  if (!item.isOk()) return item.status();
  return store->readMedia(item->storageKey, offset, out, capacity);
}

Tenant::Tenant(TenantConfig config, SharedServices shared) : config_(std::move(config)) {
  services_ = std::make_unique<TenantServices>(*this, std::move(shared));
}

StatusOr<std::string> Tenant::detectIntent(const std::string& inputJson) const {
  const auto& chain = config_.intent.chain;
  Status last = failedPrecondition("tenant " + config_.id + " has no intent instance");
  std::string answer;  // the latest answer, used when no instance is sure enough
  for (size_t i = 0; i < chain.size(); ++i) {
    plugins::PluginInstancePtr link = instance(chain[i]);
    if (!link) {
      last = unavailable("plugins." + chain[i] + " is not running");
      continue;
    }
    StatusOr<std::string> result = link->call(plugins::Operation::kIntentDetect, inputJson);
    if (!result.isOk()) {
      last = result.status();
      Poco::Logger::get("baraza.intent")
          .warning("tenant " + config_.id + ": intent instance " + chain[i] +
                   " failed, trying the next: " + last.toString());
      continue;
    }
    Poco::JSON::Object::Ptr document;
    try {
      Poco::Dynamic::Var parsed = Poco::JSON::Parser().parse(*result);
      if (parsed.type() == typeid(Poco::JSON::Object::Ptr))
        document = parsed.extract<Poco::JSON::Object::Ptr>();
    } catch (const Poco::Exception&) {
    }
    Poco::JSON::Object::Ptr top = document.isNull() ? nullptr : document->getObject("intent");
    if (top.isNull()) {
      last = internal("intent instance " + chain[i] + " answered without an \"intent\" object");
      continue;
    }
    document->set("source", chain[i]);
    std::ostringstream text;
    document->stringify(text);
    answer = text.str();
    const bool sure = top->optValue<std::string>("name", "fallback") != "fallback" &&
                      top->optValue<double>("confidence", 0.0) >= config_.intent.threshold &&
                      !document->optValue<bool>("ambiguous", false);
    if (sure || i + 1 == chain.size()) return answer;
  }
  if (!answer.empty()) return answer;
  return last;
}

Tenant::~Tenant() {
  // Instances go before the services they call back into. One with a call abandoned at its
  // deadline lives on in that call: it must not reach these services once they are gone.
  for (auto& slot : instances_) {
    if (slot.instance) slot.instance->detach();
  }
  instances_.clear();
}

plugins::PluginInstancePtr Tenant::firstOfKind(baraza_kind_set kind) const {
  for (const auto& slot : instances_) {
    if (slot.instance && (slot.instance->kinds() & kind)) return slot.instance;
  }
  return nullptr;
}

plugins::PluginInstancePtr Tenant::instance(const std::string& name) const {
  for (const auto& slot : instances_) {
    if (slot.binding.name == name) return slot.instance;
  }
  return nullptr;
}

TenantSetPtr TenantSet::build(std::vector<TenantConfig> configs,
                              const plugins::PluginRegistry& registry, const SharedServices& shared,
                              uint64_t generation) {
  Poco::Logger& log = Poco::Logger::get("baraza.tenants");
  auto set = std::make_shared<TenantSet>();
  set->generation_ = generation;
  for (auto& config : configs) {
    auto tenant = std::make_shared<Tenant>(std::move(config), shared);
    for (const auto& binding : tenant->config_.plugins) {
      InstanceSlot slot{binding, nullptr, ""};
      const plugins::PluginEntry* entry = registry.entry(binding.pluginId);
      if (entry == nullptr || !entry->loaded()) {
        slot.error = "plugin " + binding.pluginId + " is not loaded" +
                     (entry && !entry->error.empty() ? ": " + entry->error : "");
      } else {
        plugins::CallLimits limits = shared.callLimits;
        if (binding.callDeadlineMs)
          limits.deadline = std::chrono::milliseconds(*binding.callDeadlineMs);
        auto instance = plugins::PluginInstance::create(
            entry->library, {tenant->id(), binding.name, binding.pluginId}, tenant->services_.get(),
            binding.configJson, limits);
        if (instance.isOk()) {
          slot.instance = std::move(instance).value();
        } else {
          slot.error = binding.pluginId + " create failed: " + instance.status().toString();
        }
      }
      if (!slot.error.empty()) {
        log.error("tenant " + tenant->id() + ": plugins." + binding.name +
                  " disabled: " + slot.error);
      }
      tenant->instances_.push_back(std::move(slot));
    }
    for (const auto& number : tenant->config().phoneNumberIds) set->byNumber_[number] = tenant;
    set->byId_[tenant->id()] = tenant;
    set->tenants_.push_back(std::move(tenant));
  }
  return set;
}

TenantPtr TenantSet::byId(const std::string& id) const {
  auto it = byId_.find(id);
  return it == byId_.end() ? nullptr : it->second;
}

TenantPtr TenantSet::byPhoneNumberId(const std::string& number) const {
  auto it = byNumber_.find(number);
  return it == byNumber_.end() ? nullptr : it->second;
}

size_t TenantSet::disabledInstances() const {
  size_t n = 0;
  for (const auto& tenant : tenants_) {
    for (const auto& slot : tenant->instances()) n += slot.instance == nullptr;
  }
  return n;
}

}  // namespace baraza::tenants
