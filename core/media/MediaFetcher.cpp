#include "media/MediaFetcher.h"

#include <Poco/Logger.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>

#include "common/ThreadName.h"
#include "crypto/Crypto.h"
#include "media/MediaKinds.h"
#include "media/MediaObjects.h"
#include "store/ConversationJobs.h"

namespace baraza::media {

using nlohmann::json;

namespace {

Poco::Logger& logger() { return Poco::Logger::get("baraza.media"); }

/** Where the bytes are, as the channel plugin said. */
struct Source {
  std::string url, mimeType, sha256;
  int64_t size = -1;
  std::vector<std::pair<std::string, std::string>> headers;
};

StatusOr<Source> readSource(const std::string& text) {
  const json doc = json::parse(text, nullptr, false);
  if (!doc.is_object() || !doc.contains("url") || !doc["url"].is_string())
    return internal("channel.media_source answered no url");
  Source s;
  s.url = doc["url"].get<std::string>();
  s.mimeType = doc.value("mime_type", "");
  s.sha256 = doc.value("sha256", "");
  if (doc.contains("file_size") && doc["file_size"].is_number_integer())
    s.size = doc["file_size"].get<int64_t>();
  if (doc.contains("headers") && doc["headers"].is_object()) {
    for (const auto& [name, value] : doc["headers"].items()) {
      if (value.is_string()) s.headers.emplace_back(name, value.get<std::string>());
    }
  }
  return s;
}

}  // namespace

/** What became of one download: stored under a key, or an error that is retried or final. */
struct MediaFetcher::Outcome {
  std::string key;  // set when stored
  int64_t size = -1;
  std::string sha256;  // the stored bytes' hash
  Status error;        // when not stored
  bool final =
      false;  // retrying cannot help (a type or size WhatsApp does not allow, an unknown id)
};

MediaFetcher::MediaFetcher(store::DatabasePtr db, const tenants::TenantManager& tenants,
                           const http::HttpClient& client, MediaSettings settings,
                           std::string owner)
    : db_(std::move(db)),
      tenants_(tenants),
      client_(client),
      settings_(settings),
      owner_(std::move(owner)),
      items_(db_->dialect()) {}

MediaFetcher::~MediaFetcher() { stop(); }

void MediaFetcher::start() {
  for (int i = 0; i < std::max(settings_.workers, 1); ++i) {
    workers_.emplace_back([this] {
      nameThisThread("baraza-media");
      workerLoop();
    });
  }
}

void MediaFetcher::stop() {
  stopping_ = true;
  wake_.notify_all();
  for (auto& worker : workers_) worker.join();
  workers_.clear();
}

void MediaFetcher::wake() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    woken_ = true;
  }
  wake_.notify_all();
}

void MediaFetcher::workerLoop() {
  while (!stopping_) {
    size_t done = 0;
    try {
      done = runOnce();
    } catch (const std::exception& e) {
      logger().error(std::string("media worker: ") + e.what());
    }
    if (done > 0) continue;
    std::unique_lock<std::mutex> lock(mutex_);
    wake_.wait_for(lock, std::chrono::milliseconds(settings_.idleMs),
                   [&] { return woken_ || stopping_.load(); });
    woken_ = false;
  }
}

size_t MediaFetcher::runOnce() {
  std::optional<store::MediaItem> item;
  Status claimed = db_->transaction([&](Poco::Data::Session& s) {
    item.reset();
    const int64_t now = store::nowMs();
    if (abandoned_) {
      store::TakenOver<store::MediaItem> taken =
          items_.claimAbandoned(s, owner_, now, settings_.leaseMs, settings_.maxAttempts);
      for (int64_t id : taken.failed) {
        logger().error("media item " + std::to_string(id) +
                       " failed: the process downloading it stopped on each of its " +
                       std::to_string(settings_.maxAttempts) + " attempts");
      }
      item = taken.row;
      if (!item) abandoned_ = false;
    }
    if (!item) {
      std::vector<store::MediaItem> due = items_.claim(s, owner_, now, settings_.leaseMs, 1);
      if (!due.empty()) item = due.front();
      if (items_.anyAbandoned(s, now)) abandoned_ = true;
    }
  });
  if (!claimed.isOk()) {
    logger().error("claiming media items: " + claimed.message());
    return 0;
  }
  if (!item) return 0;
  finish(*item, fetch(*item));
  return 1;
}

MediaFetcher::Outcome MediaFetcher::fetch(const store::MediaItem& item) const {
  auto final = [](Status why) { return Outcome{"", -1, "", std::move(why), true}; };
  auto again = [](Status why) { return Outcome{"", -1, "", std::move(why), false}; };

  const tenants::TenantSetPtr set = tenants_.current();
  const tenants::TenantPtr tenant = set->byId(item.tenant);
  // Configuration that is missing fails the item at once (`baraza media retry` after fixing it);
  // a plugin not running may be starting again, and is waited for.
  if (!tenant) return final(failedPrecondition("tenant " + item.tenant + " is not configured"));
  plugins::PluginInstancePtr store = tenant->firstOfKind(BARAZA_KIND_MEDIA);
  if (!store || !store->storesMedia())
    return again(failedPrecondition("the tenant has no running media plugin of ABI 1.4"));
  plugins::PluginInstancePtr channel = tenant->firstOfKind(BARAZA_KIND_CHANNEL);
  if (!channel) return again(failedPrecondition("the tenant has no running channel plugin"));
  const std::string token = accessToken_(tenant->config());
  if (token.empty()) return final(failedPrecondition("the tenant has no whatsapp.access_token"));

  const MediaKind* kind = mediaKind(item.kind);
  if (!kind) return final(invalidArgument("messages of type " + item.kind + " carry no media"));
  if (Status ok = checkMimeType(*kind, item.mimeType); !ok.isOk()) return final(ok);

  const std::string where = json{
      {"media_id", item.providerMediaId},
      {"phone_number_id", item.phoneNumberId},
      {"token", token}}.dump();
  // The URL lives minutes: one that no longer answers is asked for again, once per attempt.
  for (int lookup = 0; lookup < 2; ++lookup) {
    StatusOr<std::string> answered = channel->call(plugins::Operation::kChannelMediaSource, where);
    if (!answered.isOk()) {
      if (answered.status().code() == Code::kNotFound ||
          answered.status().code() == Code::kUnimplemented)
        return final(answered.status());
      return again(answered.status());
    }
    StatusOr<Source> source = readSource(*answered);
    if (!source.isOk()) return again(source.status());
    if (!source->mimeType.empty()) {
      if (Status ok = checkMimeType(*kind, source->mimeType); !ok.isOk()) return final(ok);
    }
    if (Status ok = checkSize(*kind, source->size); !ok.isOk()) return final(ok);
    const std::string expected = source->sha256.empty() ? item.sha256 : sha256Hex(source->sha256);

    StatusOr<std::unique_ptr<plugins::MediaWriter>> writer =
        openObject(*store, item.tenant, expected, source->size,
                   baseMimeType(source->mimeType.empty() ? item.mimeType : source->mimeType));
    if (!writer.isOk()) return again(writer.status());

    HttpRequest request;
    request.url = source->url;
    request.headers = source->headers;
    crypto::Sha256 hash;
    int64_t received = 0;
    StatusOr<HttpResponse> response =
        client_.download(request, kind->maxBytes, [&](std::string_view piece) {
          hash.add(piece);
          received += static_cast<int64_t>(piece.size());
          return (*writer)->write(piece);
        });
    if (!response.isOk()) {
      if (response.status().code() == Code::kResourceExhausted) return final(response.status());
      return again(response.status());
    }
    const int status = response->status;
    if (status == 404 || status == 403 || status == 410) continue;  // expired: a fresh URL
    if (status < 200 || status >= 300) {
      return again(unavailable("the media URL answered HTTP " + std::to_string(status)));
    }
    if (auto type = response->headers.find("content-type"); type != response->headers.end()) {
      const std::string base = baseMimeType(type->second);
      if (base != "application/octet-stream" && base != "binary/octet-stream") {
        if (Status ok = checkMimeType(*kind, base); !ok.isOk()) return final(ok);
      }
    }
    const std::string got = crypto::toHex(hash.digest());
    if (!expected.empty() && got != expected) {
      return again(Status(Code::kDataLoss, "the " + std::to_string(received) +
                                               " bytes downloaded hash to " + got +
                                               ", not the expected " + expected));
    }
    StatusOr<std::string> key = commitObject(**writer);
    if (!key.isOk()) return again(key.status());
    return Outcome{*key, received, got, Status::ok(), false};
  }
  return again(unavailable("the media URL no longer answered, twice"));
}

void MediaFetcher::finish(const store::MediaItem& item, const Outcome& outcome) {
  const bool stored = !outcome.key.empty();
  // item.attempts counts this one (claiming added it).
  const bool last = outcome.final || item.attempts >= settings_.maxAttempts;
  const int64_t now = store::nowMs();
  int64_t retryAt = 0;
  if (!stored && !last) {
    const int64_t wait = std::min<int64_t>(settings_.retryBaseMs << std::min(item.attempts - 1, 20),
                                           settings_.retryMaxMs);
    retryAt = now + wait;
  }
  store::ConversationJobs jobs(db_->dialect());
  Status written = db_->transaction([&](Poco::Data::Session& s) {
    const bool held =
        stored
            ? items_.markStored(s, item.id, owner_, outcome.key, outcome.size, outcome.sha256, now)
            : items_.markFailed(s, item.id, owner_, outcome.error.message(), retryAt, now);
    if (!held) return;  // the lease expired and another host took the item: its outcome counts
    if (stored || retryAt == 0) jobs.release(s, item.messageId, now);
  });
  const std::string what =
      "media item " + std::to_string(item.id) + " (tenant " + item.tenant + ", " + item.kind + ")";
  if (!written.isOk()) {
    logger().error(what + ": recording the outcome: " + written.message());
    return;
  }
  if (stored) {
    logger().information(what + " stored: " + std::to_string(outcome.size) + " bytes");
  } else if (retryAt == 0) {
    logger().error(what + " failed: " + outcome.error.message());
  } else {
    logger().warning(what + ": attempt " + std::to_string(item.attempts) +
                     " failed, tried again in " + std::to_string((retryAt - now) / 1000) +
                     " s: " + outcome.error.message());
  }
}

}  // namespace baraza::media
