#include "inbound/WebhookApps.h"

#include <map>

#include "crypto/Crypto.h"

namespace baraza::inbound {

std::string WebhookApps::keyOf(const tenants::TenantConfig& tenant) {
  return tenant.appId.empty() ? "tenant:" + tenant.id : tenant.appId;
}

bool WebhookApps::accepts(const tenants::TenantConfig& tenant, const std::string& app) {
  if (app == keyOf(tenant)) return true;
  if (!tenant.appId.empty() || app.compare(0, 7, "secret:") != 0) return false;
  for (const auto& secret : tenant.appSecrets) {
    if (app == "secret:" + crypto::toHex(crypto::sha256(secret.reveal())).substr(0, 12))
      return true;
  }
  return false;
}

std::shared_ptr<const WebhookApps> WebhookApps::from(const tenants::TenantSet& set) {
  auto apps = std::make_shared<WebhookApps>();
  std::map<std::string, size_t> index;
  auto addUnique = [](std::vector<config::Secret>& list, const config::Secret& s) {
    for (const auto& existing : list) {
      if (existing.reveal() == s.reveal()) return;
    }
    list.push_back(s);
  };
  for (const auto& tenant : set.all()) {
    const auto& c = tenant->config();
    const std::string key = keyOf(c);
    auto [it, inserted] = index.emplace(key, apps->apps_.size());
    if (inserted) apps->apps_.push_back({key, {}, {}, {}});
    WebhookApp& app = apps->apps_[it->second];
    for (const auto& secret : c.appSecrets) addUnique(app.secrets, secret);
    if (!c.verifyToken.empty()) addUnique(app.verifyTokens, c.verifyToken);
    app.tenants.push_back(c.id);
  }
  return apps;
}

const WebhookApp* WebhookApps::find(const std::string& key) const {
  for (const auto& app : apps_) {
    if (app.key == key) return &app;
  }
  return nullptr;
}

const WebhookApp* WebhookApps::verify(const std::string& body, const std::string& header,
                                      const WebhookApp* only) const {
  static const std::string kPrefix = "sha256=";
  if (header.compare(0, kPrefix.size(), kPrefix) != 0) return nullptr;
  const std::string given = header.substr(kPrefix.size());
  const WebhookApp* found = nullptr;
  for (const auto& app : apps_) {
    if (only != nullptr && &app != only) continue;
    for (const auto& secret : app.secrets) {
      // Every secret is tried, so the time taken does not tell which one matched.
      const std::string expected = crypto::toHex(crypto::hmacSha256(secret.reveal(), body));
      if (crypto::constantTimeEquals(expected, given) && found == nullptr) found = &app;
    }
  }
  return found;
}

}  // namespace baraza::inbound
