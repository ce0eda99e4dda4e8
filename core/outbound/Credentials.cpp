#include "outbound/Credentials.h"

#include <Poco/JSON/Object.h>
#include <Poco/Logger.h>

#include <baraza/sdk/JsonScalars.hpp>

#include "common/JsonText.h"
#include "common/ThreadName.h"
#include "crypto/Crypto.h"

namespace baraza::outbound {
namespace {

Poco::Logger& logger() { return Poco::Logger::get("baraza.outbound"); }

constexpr const char* kLongLivedToken = "whatsapp.long_lived_token";

}  // namespace

Credentials::Credentials(std::mutex& lock, store::DatabasePtr db,
                         std::optional<store::MasterKey> masterKey, std::function<void()> changed)
    : lock_(lock),
      db_(std::move(db)),
      masterKey_(std::move(masterKey)),
      changed_(std::move(changed)) {}

Credentials::~Credentials() { stop(); }

void Credentials::start() {
  if (worker_.joinable()) return;
  {
    std::lock_guard lock(lock_);
    stopping_ = false;
  }
  worker_ = std::thread([this] {
    nameThisThread("baraza-token");
    serve();
  });
}

void Credentials::stop() {
  if (!worker_.joinable()) return;
  {
    std::lock_guard lock(lock_);
    stopping_ = true;
  }
  jobsReady_.notify_all();
  worker_.join();
}

std::string Credentials::fingerprint(const std::string& token) {
  return token.empty() ? "" : crypto::toHex(crypto::sha256(token));
}

std::string Credentials::tokenFor(const tenants::TenantConfig& tenant) const {
  const std::string configured = tenant.accessToken ? tenant.accessToken->reveal() : "";
  auto ex = exchanged_.find(tenant.id);
  if (ex != exchanged_.end() && ex->second.first == fingerprint(configured))
    return ex->second.second;
  return configured;
}

bool Credentials::pause(const std::string& tenant, const std::string& refused) {
  const bool fresh = !paused_.count(tenant);
  paused_[tenant] = refused;
  return fresh;
}

void Credentials::resumeChanged(const tenants::TenantSet& set) {
  for (auto it = paused_.begin(); it != paused_.end();) {
    tenants::TenantPtr tenant = set.byId(it->first);
    const std::string token = tenant ? tokenFor(tenant->config()) : "";
    if (!tenant || (!token.empty() && fingerprint(token) != it->second)) {
      logger().information("tenant " + it->first + ": access token changed; sending resumes");
      it = paused_.erase(it);
    } else {
      ++it;
    }
  }
}

void Credentials::exchange(const tenants::TenantPtr& tenant,
                           const plugins::PluginInstancePtr& channel, const std::string& refused) {
  const tenants::TenantConfig& config = tenant->config();
  if (config.appId.empty() || config.appSecrets.empty() || !channel) return;
  {
    std::lock_guard lock(lock_);
    // Every call in flight with the refused token comes back refused: one exchange is enough.
    if (stopping_ || !exchanging_.insert(config.id).second) return;
    jobs_.push_back(Job{config.id, config.accessToken ? config.accessToken->reveal() : "", refused,
                        config.appId, config.appSecrets.front().reveal(), channel});
  }
  jobsReady_.notify_one();
}

void Credentials::serve() {
  std::unique_lock lock(lock_);
  while (true) {
    jobsReady_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
    if (jobs_.empty()) return;  // stopping, nothing left
    Job job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    run(job);
    lock.lock();
  }
}

void Credentials::run(const Job& job) {
  Poco::JSON::Object input;
  input.set("token", job.refused);
  input.set("app_id", job.appId);
  input.set("app_secret", job.appSecret);
  StatusOr<std::string> answer =
      job.channel->call(plugins::Operation::kChannelExchangeToken, jsontext::json(input));
  std::string fresh, why;
  if (answer.isOk()) {
    try {
      fresh = sdk::json::Scalars(*answer).text("access_token");
    } catch (const std::invalid_argument& e) {
      why = std::string("the channel plugin's answer: ") + e.what();
    }
    if (fresh.empty() && why.empty()) why = "the channel plugin answered no access_token";
  } else if (answer.status().code() == Code::kUnimplemented) {
    why = "the channel plugin does not exchange tokens (channel.exchange_token, ABI 1.3)";
  } else {
    why = answer.status().toString();
  }
  if (fresh == job.refused) {
    fresh.clear();
    if (why.empty()) why = "the channel plugin answered the refused token";
  }

  std::unique_lock lock(lock_);
  exchanging_.erase(job.tenant);
  if (fresh.empty()) {
    lock.unlock();
    logger().error("tenant " + job.tenant + ": the long-lived token exchange failed: " + why);
    return;
  }
  const std::string replaced = fingerprint(job.configured);
  exchanged_[job.tenant] = {replaced, fresh};
  if (masterKey_) toKeep_.emplace_back(job.tenant, replaced + " " + fresh);
  // Paused on the refused token (unless that was replaced meanwhile): resume at once.
  auto paused = paused_.find(job.tenant);
  const bool resumes = paused != paused_.end() && paused->second == fingerprint(job.refused);
  if (resumes) paused_.erase(paused);
  lock.unlock();
  logger().warning(
      "tenant " + job.tenant + ": access token refused; exchanged it for a long-lived token " +
      std::string(
          masterKey_
              ? "(kept, encrypted, in the secrets table until the tenant file's token changes)"
              : "(kept in memory: set store.master_key, or put a new token in the tenant "
                "file, for it to survive a restart)") +
      (resumes ? "; sending resumes" : ""));
  if (changed_) changed_();
}

void Credentials::keep(const tenants::TenantSet& set) {
  if (!masterKey_) return;
  const store::SecretStore secrets(db_->dialect(), *masterKey_);
  std::vector<std::pair<std::string, std::string>> keep;
  {
    std::lock_guard lock(lock_);
    keep.swap(toKeep_);
  }
  std::vector<std::string> unseen;
  for (const auto& t : set.all()) {
    if (!looked_.count(t->id())) unseen.push_back(t->id());
  }
  if (keep.empty() && unseen.empty()) return;
  std::map<std::string, std::string> found;
  Status done = db_->transaction([&](Poco::Data::Session& s) {
    found.clear();
    for (const auto& [tenant, value] : keep)
      secrets.put(s, tenant, kLongLivedToken, value, store::nowMs());
    for (const auto& tenant : unseen) {
      if (StatusOr<std::string> value = secrets.get(s, tenant, kLongLivedToken); value.isOk())
        found[tenant] = *value;
    }
  });
  if (!done.isOk()) {
    logger().warning("keeping exchanged access tokens: " + done.message() + " (tried again)");
    std::lock_guard lock(lock_);
    toKeep_.insert(toKeep_.end(), keep.begin(), keep.end());
    return;
  }
  looked_.insert(unseen.begin(), unseen.end());
  std::lock_guard lock(lock_);
  for (const auto& [tenant, value] : found) {
    const size_t space = value.find(' ');
    // Taken only while the tenant file still has the token it replaced (tokenFor checks).
    if (space != std::string::npos && !exchanged_.count(tenant)) {
      exchanged_[tenant] = {value.substr(0, space), value.substr(space + 1)};
    }
  }
}

}  // namespace baraza::outbound
