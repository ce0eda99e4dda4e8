#include "inbound/WebhookReceiver.h"

#include <Poco/Logger.h>

#include "common/Await.h"
#include "crypto/Crypto.h"

namespace baraza::inbound {

int Receipt::httpStatus() const {
  switch (outcome) {
    case Outcome::kStored:
      return 200;
    case Outcome::kMissingSignature:
      return 401;
    case Outcome::kBadSignature:
      return 403;
    case Outcome::kUnknownApp:
      return 404;
    case Outcome::kStoreUnavailable:
      return 503;
  }
  return 500;
}

WebhookReceiver::WebhookReceiver(const tenants::TenantManager& tenants, store::InboxWriter& inbox)
    : tenants_(tenants), inbox_(inbox) {}

std::shared_ptr<const WebhookApps> WebhookReceiver::apps() {
  tenants::TenantSetPtr set = tenants_.current();
  std::lock_guard<std::mutex> lock(mutex_);
  if (!apps_ || set->generation() != generation_) {
    apps_ = WebhookApps::from(*set);
    generation_ = set->generation();
  }
  return apps_;
}

std::optional<std::string> WebhookReceiver::verifySubscription(const std::string& appKey,
                                                               const std::string& mode,
                                                               const std::string& token,
                                                               const std::string& challenge) {
  auto apps = this->apps();
  const WebhookApp* only = appKey.empty() ? nullptr : apps->find(appKey);
  if (!appKey.empty() && only == nullptr) return std::nullopt;
  bool matched = false;
  for (const auto& app : apps->all()) {
    if (only != nullptr && &app != only) continue;
    for (const auto& expected : app.verifyTokens) {
      matched = crypto::constantTimeEquals(expected.reveal(), token) || matched;
    }
  }
  if (mode != "subscribe" || token.empty() || !matched) return std::nullopt;
  return challenge;
}

Receipt WebhookReceiver::check(const std::string& appKey,
                               const std::optional<std::string>& signature,
                               const std::string& body) {
  Receipt receipt;
  auto apps = this->apps();
  const WebhookApp* only = appKey.empty() ? nullptr : apps->find(appKey);
  if (!appKey.empty() && only == nullptr) {
    receipt.outcome = Receipt::Outcome::kUnknownApp;
    receipt.error = "no app " + appKey;
    return receipt;
  }
  if (!signature) {
    receipt.outcome = Receipt::Outcome::kMissingSignature;
    receipt.error = "missing X-Hub-Signature-256";
    return receipt;
  }
  const WebhookApp* app = apps->verify(body, *signature, only);
  if (app == nullptr) {
    receipt.outcome = Receipt::Outcome::kBadSignature;
    receipt.error = "signature mismatch";
    return receipt;
  }
  receipt.appKey = app->key;
  return receipt;
}

void WebhookReceiver::receive(const std::string& appKey,
                              const std::optional<std::string>& signature, const std::string& body,
                              Done done) {
  Receipt receipt = check(appKey, signature, body);
  if (receipt.outcome != Receipt::Outcome::kStored) return done(std::move(receipt));
  store::Delivery delivery{receipt.appKey, body, store::nowMs()};
  inbox_.append(std::move(delivery), [this, receipt = std::move(receipt),
                                      done = std::move(done)](StatusOr<int64_t> stored) mutable {
    if (!stored.isOk()) {
      Poco::Logger::get("baraza.inbound")
          .error("webhook not stored, answering 503: " + stored.status().message());
      receipt.outcome = Receipt::Outcome::kStoreUnavailable;
      receipt.error = "store unavailable; retry";
      return done(std::move(receipt));
    }
    receipt.deliveryId = *stored;
    if (onStored_) onStored_();
    done(std::move(receipt));
  });
}

Receipt WebhookReceiver::receive(const std::string& appKey,
                                 const std::optional<std::string>& signature,
                                 const std::string& body) {
  return awaitCallback<Receipt>(
      [&](auto done) { receive(appKey, signature, body, std::move(done)); });
}

}  // namespace baraza::inbound
