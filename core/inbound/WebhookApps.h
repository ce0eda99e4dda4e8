#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/Secret.h"
#include "tenants/TenantSet.h"

namespace baraza::inbound {

/**
 * A Meta app as the webhook endpoint sees it: what signs its deliveries and what verifies its
 * subscription. Tenants that name the same whatsapp.app_id share one app (and one callback URL);
 * a tenant without an app id is an app of its own, keyed by a digest of its app secret.
 */
struct WebhookApp {
  std::string key;  // app id, or "secret:<12 hex>"
  std::vector<config::Secret> secrets;
  std::vector<config::Secret> verifyTokens;
  std::vector<std::string> tenants;
};

class WebhookApps {
 public:
  static std::shared_ptr<const WebhookApps> from(const tenants::TenantSet& set);

  /** The key of the app a tenant's deliveries are signed by. */
  static std::string keyOf(const tenants::TenantConfig& tenant);
  /**
   * Whether a delivery stored under app key `app` may write to `tenant`: its app's, or, for a
   * tenant without an app id, the key older hosts stored ("secret:" and 12 hex digits of the
   * SHA-256 of one of its secrets), so deliveries stored before an upgrade stay routable.
   */
  static bool accepts(const tenants::TenantConfig& tenant, const std::string& app);

  const std::vector<WebhookApp>& all() const { return apps_; }
  const WebhookApp* find(const std::string& key) const;

  /**
   * The app whose secret produced `signatureHeader` ("sha256=<hex>") over `body`, compared in
   * constant time; `only` restricts the search to one app. Null when none did.
   */
  const WebhookApp* verify(const std::string& body, const std::string& signatureHeader,
                           const WebhookApp* only) const;

 private:
  std::vector<WebhookApp> apps_;
};

}  // namespace baraza::inbound
