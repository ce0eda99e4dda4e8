// events list, events replay.
#include <Poco/NumberParser.h>
#include <Poco/Util/Option.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>

#include "app/commands/CommandSupport.h"
#include "store/Events.h"
#include "store/Inbox.h"

namespace baraza::app {
namespace {

int runEventsList(const Args& args) {
  store::DatabasePtr db = openStore(args);
  if (!db) return 1;
  const std::string tenant = args.get("tenant");
  const size_t limit = static_cast<size_t>(std::max(1, std::atoi(args.get("limit", "50").c_str())));
  Status read = db->read([&](Poco::Data::Session& s) {
    if (args.has("failed")) {
      // Failed deliveries belong to no tenant yet: they failed before routing.
      for (const auto& row : store::Inbox(db->dialect()).list(s, "failed", limit)) {
        std::cout << "delivery " << row.id << "  " << when(row.receivedAt) << "  app " << row.app
                  << "  attempts " << row.attempts << "  " << row.body.size()
                  << " bytes  error: " << row.error << "\n";
      }
      return;
    }
    const std::string kind = args.has("unroutable") ? "unroutable" : "";
    for (const auto& e : store::Events(db->dialect()).list(s, tenant, kind, limit)) {
      std::cout << "event " << e.id << "  " << when(e.createdAt) << "  " << e.kind << "  "
                << (e.tenant.empty() ? "-" : e.tenant) << "  " << e.field << "  delivery "
                << e.deliveryId << "@" << e.position << (e.reason.empty() ? "" : "  " + e.reason)
                << "\n";
    }
  });
  if (!read.isOk()) {
    std::cerr << read.message() << "\n";
    return 1;
  }
  return 0;
}

int runEventsReplay(const Args& args) {
  if (args.has("failed") == !args.positional.empty()) {
    std::cerr << "baraza events replay: give a delivery id or --failed (not both)\n";
    return 2;
  }
  store::DatabasePtr db = openStore(args);
  if (!db) return 1;
  store::Inbox inbox(db->dialect());
  size_t replayed = 0;
  Status done = db->transaction([&](Poco::Data::Session& s) {
    if (args.has("failed")) {
      replayed = inbox.replayFailed(s, store::nowMs());
      return;
    }
    for (const auto& id : args.positional) {
      Poco::Int64 n = 0;
      if (!Poco::NumberParser::tryParse64(id, n) || !inbox.replay(s, n, store::nowMs())) {
        throw sdk::StatusError(notFound("no failed or processed delivery " + id));
      }
      ++replayed;
    }
  });
  if (!done.isOk()) {
    std::cerr << "baraza events replay: " << done.message() << "\n";
    return 1;
  }
  std::cout << replayed << " deliver" << (replayed == 1 ? "y" : "ies")
            << " queued for processing again (a running host picks them up)\n";
  return 0;
}

}  // namespace

std::vector<Command> eventCommands() {
  return {
      {{"events", "list"},
       "List webhook events: kept fields, unroutable changes, failed deliveries.",
       "Lists what inbound processing kept besides messages, newest first: non-message webhook "
       "fields, changes no tenant could take (--unroutable), webhook errors; or, with --failed, "
       "deliveries whose processing failed (e.g. signed bodies that are not JSON).",
       [](auto& o) {
         configOption(o);
         tenantOption(o, "Only this tenant's events.");
         o.addOption(Poco::Util::Option("failed", "f", "List failed deliveries instead."));
         o.addOption(Poco::Util::Option("unroutable", "u", "Only changes no tenant could take."));
         o.addOption(
             Poco::Util::Option("limit", "n", "At most N lines (default 50).").argument("N"));
       },
       runEventsList},
      {{"events", "replay"},
       "Process a delivery again: `replay ID...` or `replay --failed`.",
       "Queues the given deliveries (ids from `events list`; an unroutable event names its "
       "delivery) or, with --failed, every failed delivery, to be processed again by a running "
       "host. Processing is idempotent: what was stored already is not stored twice.",
       [](auto& o) {
         configOption(o);
         o.addOption(Poco::Util::Option("failed", "f", "Replay every failed delivery."));
       },
       runEventsReplay},
  };
}

}  // namespace baraza::app
