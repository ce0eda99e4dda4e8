// media list, media get, media retry.
#include <Poco/NumberParser.h>
#include <Poco/Util/Option.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <vector>

#include "app/commands/CommandSupport.h"
#include "store/MediaItems.h"

namespace baraza::app {
namespace {

/** The item `text` names, read from `db`; nothing after printing why. */
std::optional<store::MediaItem> itemNamed(store::Database& db, const std::string& text,
                                          const char* command) {
  Poco::Int64 id = 0;
  if (!Poco::NumberParser::tryParse64(text, id) || id <= 0) {
    std::cerr << "baraza media " << command << ": not a media id: " << text << "\n";
    return std::nullopt;
  }
  std::optional<store::MediaItem> item;
  Status read = db.transaction(
      [&](Poco::Data::Session& s) { item = store::MediaItems(db.dialect()).get(s, id); });
  if (!read.isOk()) {
    std::cerr << "baraza media " << command << ": " << read.message() << "\n";
    return std::nullopt;
  }
  if (!item) std::cerr << "baraza media " << command << ": no media item " << text << "\n";
  return item;
}

int runMediaList(const Args& args) {
  const std::string state = args.get("state");
  if (!state.empty() && state != "pending" && state != "downloading" && state != "stored" &&
      state != "failed") {
    std::cerr << "baraza media list: --state is one of pending, downloading, stored, failed\n";
    return 2;
  }
  store::DatabasePtr db = openStore(args);
  if (!db) return 1;
  const size_t limit = static_cast<size_t>(std::max(1, std::atoi(args.get("limit", "50").c_str())));
  Status read = db->read([&](Poco::Data::Session& s) {
    for (const auto& m :
         store::MediaItems(db->dialect()).list(s, args.get("tenant"), state, limit)) {
      std::cout << "media " << m.id << "  " << when(m.createdAt) << "  " << m.tenant << "  "
                << m.kind << "  " << m.mimeType << "  " << m.state;
      if (m.state == "stored") std::cout << "  " << m.size << " bytes  " << m.sha256;
      if (m.state != "stored") std::cout << "  attempts " << m.attempts;
      if (!m.error.empty()) std::cout << "  error: " << m.error;
      std::cout << "  message " << m.messageId << "\n";
    }
  });
  if (!read.isOk()) {
    std::cerr << read.message() << "\n";
    return 1;
  }
  return 0;
}

int runMediaGet(const Args& args) {
  if (args.positional.size() != 1 || args.get("out").empty()) {
    std::cerr << "baraza media get: give one media id and --out FILE\n";
    return 2;
  }
  std::optional<HostConfig> host = hostFor(args);
  if (!host) return 1;
  store::DatabasePtr db = openStore(*host);
  if (!db) return 1;
  std::optional<store::MediaItem> item = itemNamed(*db, args.positional.front(), "get");
  if (!item) return 1;
  if (item->state != "stored") {
    std::cerr << "baraza media get: media item " << item->id << " is " << item->state
              << (item->error.empty() ? "" : " (" + item->error + ")") << ", not stored\n";
    return 1;
  }
  CommandTenants tenants(*host, db);
  const tenants::TenantPtr tenant = tenants.manager().current()->byId(item->tenant);
  const plugins::PluginInstancePtr store =
      tenant ? tenant->firstOfKind(BARAZA_KIND_MEDIA) : nullptr;
  if (!store || !store->storesMedia()) {
    std::cerr << "baraza media get: tenant " << item->tenant
              << " has no running media plugin to read it from\n";
    return 1;
  }
  // Written beside the target, then renamed: an interrupted copy never looks like the file.
  const std::string out = args.get("out");
  const std::string partial = out + ".part";
  const int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    std::cerr << "baraza media get: cannot write " << partial << ": " << std::strerror(errno)
              << "\n";
    return 1;
  }
  std::vector<char> buffer(1 << 20);
  uint64_t offset = 0;
  std::string failure;
  while (failure.empty()) {
    StatusOr<size_t> n = store->readMedia(item->storageKey, offset, buffer.data(), buffer.size());
    if (!n.isOk()) {
      failure = n.status().message();
      break;
    }
    if (*n == 0) break;
    for (size_t done = 0; done < *n;) {
      const ssize_t w = ::write(fd, buffer.data() + done, *n - done);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) {
        failure = std::string("cannot write ") + partial + ": " + std::strerror(errno);
        break;
      }
      done += static_cast<size_t>(w);
    }
    offset += *n;
  }
  if (failure.empty() && static_cast<int64_t>(offset) != item->size)
    failure = "read " + std::to_string(offset) + " bytes of " + std::to_string(item->size);
  if (::fsync(fd) != 0 && failure.empty()) failure = "cannot sync " + partial;
  ::close(fd);
  if (failure.empty() && ::rename(partial.c_str(), out.c_str()) != 0)
    failure = "cannot rename " + partial + " to " + out + ": " + std::strerror(errno);
  if (!failure.empty()) {
    ::unlink(partial.c_str());
    std::cerr << "baraza media get: " << failure << "\n";
    return 1;
  }
  std::cout << "wrote " << offset << " bytes (" << item->mimeType << ") to " << out << "\n";
  return 0;
}

int runMediaRetry(const Args& args) {
  if (args.positional.empty()) {
    std::cerr << "baraza media retry: give one or more media ids\n";
    return 2;
  }
  store::DatabasePtr db = openStore(args);
  if (!db) return 1;
  store::MediaItems items(db->dialect());
  size_t retried = 0;
  Status done = db->transaction([&](Poco::Data::Session& s) {
    retried = 0;
    for (const auto& id : args.positional) {
      Poco::Int64 n = 0;
      if (!Poco::NumberParser::tryParse64(id, n) || !items.retry(s, n, store::nowMs()))
        throw sdk::StatusError(notFound("no failed media item " + id));
      ++retried;
    }
  });
  if (!done.isOk()) {
    std::cerr << "baraza media retry: " << done.message() << "\n";
    return 1;
  }
  std::cout << retried << " media item" << (retried == 1 ? "" : "s")
            << " queued for download again (a running host picks them up)\n";
  return 0;
}

}  // namespace

std::vector<Command> mediaCommands() {
  return {
      {{"media", "list"},
       "List inbound media items and where their downloads stand.",
       "Lists media items, newest first: their tenant, kind, MIME type and state (pending, "
       "downloading, stored with size and SHA-256, failed with the reason).",
       [](auto& o) {
         configOption(o);
         tenantOption(o, "Only this tenant's media.");
         o.addOption(Poco::Util::Option("state", "s",
                                        "Only items in STATE (pending, "
                                        "downloading, stored, failed).")
                         .argument("STATE"));
         o.addOption(
             Poco::Util::Option("limit", "n", "At most N lines (default 50).").argument("N"));
       },
       runMediaList},
      {{"media", "get"},
       "Copy a stored media item to a file: `get ID --out FILE`.",
       "Reads a stored media item (an id from `media list`) from its tenant's media plugin into "
       "FILE, written under a temporary name and renamed once whole.",
       [](auto& o) {
         configOption(o);
         o.addOption(Poco::Util::Option("out", "o", "The file to write.").argument("FILE"));
       },
       runMediaGet},
      {{"media", "retry"},
       "Download failed media items again: `retry ID...`.",
       "Queues failed media items (ids from `media list --state failed`) for download again, "
       "from their first attempt, by a running host. Meta keeps inbound media for 7 days.",
       [](auto& o) { configOption(o); },
       runMediaRetry},
  };
}

}  // namespace baraza::app
