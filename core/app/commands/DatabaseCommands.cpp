// db migrate, db purge, db status.
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Timestamp.h>
#include <Poco/Util/Option.h>

#include <iostream>

#include "app/Serve.h"
#include "app/commands/CommandSupport.h"
#include "media/MediaRetention.h"
#include "store/Migrations.h"
#include "store/Retention.h"

namespace baraza::app {
namespace {

int runDb(const Args& args, bool apply) {
  auto host = hostFor(args);
  if (!host) return 1;
  store::DatabasePtr db = openDatabase(*host);
  if (!db) return 1;
  if (apply) {
    auto applied = store::migrate(*db);
    if (!applied.isOk()) {
      std::cerr << applied.status().message() << "\n";
      return 1;
    }
    for (const auto& m : *applied) std::cout << "applied " << m.name << "\n";
    std::cerr << db->describe() << ": " << applied->size()
              << " migration(s) applied, schema up to date\n";
    return 0;
  }
  auto status = store::migrationStatus(*db);
  if (!status.isOk()) {
    std::cerr << status.status().message() << "\n";
    return 1;
  }
  std::cout << db->describe() << "\n";
  for (const auto& a : status->applied) {
    std::cout << "  applied  " << a.name << "  "
              << Poco::DateTimeFormatter::format(Poco::Timestamp::fromEpochTime(a.appliedAt / 1000),
                                                 Poco::DateTimeFormat::ISO8601_FORMAT)
              << "\n";
  }
  for (const auto& p : status->pending) std::cout << "  pending  " << p.name << "\n";
  for (const auto& p : status->problems) std::cout << "  problem  " << p << "\n";
  return status->problems.empty() ? 0 : 1;
}

int runDbPurge(const Args& args) {
  auto host = hostFor(args);
  if (!host) return 1;
  store::DatabasePtr db = openStore(*host);
  if (!db) return 1;
  const bool dryRun = args.has("dry-run");
  auto purged = store::Retention(db, host->retention).purge(store::nowMs(), dryRun);
  if (!purged.isOk()) {
    std::cerr << "baraza db purge: " << purged.status().message() << "\n";
    return 1;
  }
  size_t total = 0;
  for (const auto& c : *purged) {
    std::cout << c.table << "  " << c.rows << "\n";
    total += c.rows;
  }
  if (const int days = host->retention.mediaDays; days > 0) {
    // Media files live in the tenants' media plugins: they run here to remove them.
    CommandTenants tenants(*host, db);
    StatusOr<size_t> media = media::purgeMedia(
        *db, tenants.manager(), store::nowMs() - int64_t{days} * 24 * 3600 * 1000, dryRun);
    if (!media.isOk()) {
      std::cerr << "baraza db purge: media: " << media.status().message() << "\n";
      return 1;
    }
    std::cout << "media  " << *media << "\n";
    total += *media;
  }
  std::cerr << total << " row(s) "
            << (dryRun ? "would be deleted (dry run: nothing was)" : "deleted") << "\n";
  return 0;
}

}  // namespace

std::vector<Command> databaseCommands() {
  return {
      {{"db", "migrate"},
       "Apply pending database migrations.",
       "Applies every pending schema migration to the database store.url names (serve does this "
       "at start too). Safe to run while hosts are serving and from several hosts at once. Refuses "
       "a database whose applied migrations were edited or come from a newer baraza.",
       configOption,
       [](const Args& args) { return runDb(args, true); }},
      {{"db", "purge"},
       "Delete what the retention settings no longer keep.",
       "Deletes, in small transactions, the rows retention.* no longer keeps: processed and "
       "failed deliveries and conversation jobs, events, messages sent or failed, expired flow "
       "tokens and key/value entries, and media items with their files (retention.media_days); "
       "prints how many per table. A serving host does the same "
       "every retention.interval_seconds. With --dry-run it only counts.",
       [](auto& o) {
         configOption(o);
         o.addOption(
             Poco::Util::Option("dry-run", "n", "Count what would be deleted; delete nothing."));
       },
       runDbPurge},
      {{"db", "status"},
       "List applied and pending database migrations.",
       "Lists the migrations applied to the database store.url names, with when, and those this "
       "baraza would apply. Exits 1 if an applied migration was edited or is unknown to it.",
       configOption,
       [](const Args& args) { return runDb(args, false); }},
  };
}

}  // namespace baraza::app
