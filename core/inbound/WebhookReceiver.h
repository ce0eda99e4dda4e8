#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>

#include "inbound/WebhookApps.h"
#include "store/Inbox.h"
#include "store/InboxWriter.h"
#include "tenants/TenantManager.h"

namespace baraza::inbound {

/** What became of one webhook POST, and the HTTP status Meta must get for it. */
struct Receipt {
  enum class Outcome {
    kStored,            // 200: committed to the inbox
    kMissingSignature,  // 401
    kBadSignature,      // 403
    kUnknownApp,        // 404
    kStoreUnavailable,  // 503: Meta retries
  };
  Outcome outcome = Outcome::kStored;
  std::string appKey;
  int64_t deliveryId = 0;
  std::string error;

  int httpStatus() const;
};

/**
 * Receives WhatsApp webhooks, independent of the transport: verifies Meta's subscription check
 * and each POST's X-Hub-Signature-256 over the raw bytes (constant time, every app secret in
 * rotation), then commits the delivery to the inbox (group-committed multi-row inserts). A delivery
 * is acknowledged only once committed. Whether the body is valid JSON is decided later, by the
 * processing that reads it; a signed body is always kept.
 */
class WebhookReceiver {
 public:
  WebhookReceiver(const tenants::TenantManager& tenants, store::InboxWriter& inbox);

  /** `appKey` empty: any configured app. The challenge to echo, or nullopt (answer 403). */
  std::optional<std::string> verifySubscription(const std::string& appKey, const std::string& mode,
                                                const std::string& token,
                                                const std::string& challenge);
  using Done = std::function<void(Receipt)>;
  /**
   * `signature` is the X-Hub-Signature-256 header, if present. Returns at once: `done` gets the
   * receipt here for a refusal, or on the store's writer thread once the delivery is committed
   * (or could not be). `done` must not block: the whole group commit waits for it.
   */
  void receive(const std::string& appKey, const std::optional<std::string>& signature,
               const std::string& body, Done done);
  /** receive(), waiting for the receipt. */
  Receipt receive(const std::string& appKey, const std::optional<std::string>& signature,
                  const std::string& body);
  /** Called after each committed delivery (to wake the processor). */
  void onStored(std::function<void()> callback) { onStored_ = std::move(callback); }

 private:
  std::shared_ptr<const WebhookApps> apps();
  /** The refusal for this request, or a kStored receipt naming the app whose secret signed it. */
  Receipt check(const std::string& appKey, const std::optional<std::string>& signature,
                const std::string& body);

  const tenants::TenantManager& tenants_;
  store::InboxWriter& inbox_;
  std::mutex mutex_;
  uint64_t generation_ = 0;
  std::shared_ptr<const WebhookApps> apps_;
  std::function<void()> onStored_;
};

}  // namespace baraza::inbound
