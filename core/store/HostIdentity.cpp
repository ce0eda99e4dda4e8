#include "store/HostIdentity.h"

#include <Poco/Logger.h>
#include <unistd.h>

#include <algorithm>

#include "common/ThreadName.h"
#include "store/Claims.h"
#include "store/Leases.h"

namespace baraza::store {

namespace {

Poco::Logger& logger() { return Poco::Logger::get("baraza.store"); }

std::string leaseName(const std::string& identity) { return "identity:" + identity; }

}  // namespace

bool HostIdentity::valid(const std::string& identity) {
  return !identity.empty() && identity.size() <= 64 &&
         std::all_of(identity.begin(), identity.end(), [](unsigned char c) {
           return std::isalnum(c) || c == '.' || c == '_' || c == '-';
         });
}

StatusOr<std::unique_ptr<HostIdentity>> HostIdentity::take(DatabasePtr db,
                                                           const std::string& identity,
                                                           Settings settings) {
  if (!valid(identity))
    return invalidArgument("host id '" + identity + "' is not 1-64 of A-Z a-z 0-9 . _ -");
  const std::string owner =
      identity + ":" + (settings.process.empty() ? std::to_string(::getpid()) : settings.process);
  const Leases leases(db->dialect());
  const auto giveUp = std::chrono::steady_clock::now() + settings.patience;
  std::optional<Leases::Hold> first;  // the other holder as first seen
  while (true) {
    bool held = false;
    std::optional<Leases::Hold> other;
    Status tried = db->transaction([&](Poco::Data::Session& s) {
      held = leases.acquire(s, leaseName(identity), owner, nowMs(), settings.ttl.count());
      if (!held) other = leases.lastHold(s, leaseName(identity));
    });
    if (!tried.isOk()) return tried;
    if (held) break;
    if (!first) {
      first = other;
      logger().warning(
          "host id " + identity + " is held by " + (other ? other->owner : "?") +
          " (a previous process that did not stop cleanly, or another running host with this id); "
          "waiting for its hold to run out");
    } else if (other && (other->owner != first->owner || other->until > first->until)) {
      return failedPrecondition("host id " + identity + " is in use by a running host (" +
                                other->owner +
                                "); give every host sharing the database its own host.id");
    }
    if (std::chrono::steady_clock::now() > giveUp) {
      return failedPrecondition("host id " + identity + " is still held by " +
                                (other ? other->owner : "?") + " after " +
                                std::to_string(settings.patience.count() / 1000) + " s");
    }
    const int64_t wait = other ? std::clamp<int64_t>(other->until + 1 - nowMs(), 1, 1000) : 100;
    std::this_thread::sleep_for(std::chrono::milliseconds(wait));
  }
  size_t takenBack = 0, leasesEnded = 0;
  Status resumed = db->transaction([&](Poco::Data::Session& s) {
    takenBack = 0;
    leasesEnded = leases.releaseAllOf(s, identity + ":", owner, nowMs());
    for (const ClaimSpec* spec : {&kInboxClaims, &kJobClaims, &kOutboxClaims, &kMediaClaims}) {
      takenBack += expireLeasesOf(s, *spec, identity, owner);
    }
  });
  if (!resumed.isOk()) return resumed;
  if (takenBack + leasesEnded > 0) {
    logger().information("resuming the work of an earlier process of host id " + identity + ": " +
                         std::to_string(takenBack) + " claimed row(s) taken back, " +
                         std::to_string(leasesEnded) + " lease(s) ended");
  }
  std::unique_ptr<HostIdentity> taken(new HostIdentity(std::move(db), identity, owner, settings));
  taken->takenBack_ = takenBack;
  return taken;
}

HostIdentity::HostIdentity(DatabasePtr db, std::string identity, std::string owner,
                           Settings settings)
    : db_(std::move(db)),
      identity_(std::move(identity)),
      owner_(std::move(owner)),
      settings_(settings) {
  renewer_ = std::thread([this] {
    nameThisThread("baraza-identity");
    renewLoop();
  });
}

HostIdentity::~HostIdentity() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_.notify_all();
  renewer_.join();
  const Leases leases(db_->dialect());
  Status released = db_->transaction(
      [&](Poco::Data::Session& s) { leases.release(s, leaseName(identity_), owner_, nowMs()); });
  if (!released.isOk())
    logger().warning("releasing host id " + identity_ + ": " + released.message());
}

void HostIdentity::renewLoop() {
  const Leases leases(db_->dialect());
  std::unique_lock lock(mutex_);
  while (!stop_.wait_for(lock, settings_.ttl / 3, [this] { return stopping_; })) {
    lock.unlock();
    bool held = true;
    Status renewed = db_->transaction([&](Poco::Data::Session& s) {
      held = leases.acquire(s, leaseName(identity_), owner_, nowMs(), settings_.ttl.count());
    });
    if (!renewed.isOk()) {
      logger().warning("renewing host id " + identity_ + ": " + renewed.message());
    } else if (!held) {
      logger().error("host id " + identity_ +
                     " was taken by another process while this one could not renew it; "
                     "give every host sharing the database its own host.id");
    }
    lock.lock();
  }
}

}  // namespace baraza::store
