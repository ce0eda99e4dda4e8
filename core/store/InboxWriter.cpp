#include "store/InboxWriter.h"

#include "store/Rows.h"

namespace baraza::store {

namespace {
GroupCommitSettings oneStatement(GroupCommitSettings settings, bool consecutiveIds) {
  if (consecutiveIds) settings.oneStatementUpTo = kRowsPerStatement;  // appendBatch's INSERT size
  return settings;
}
}  // namespace

InboxWriter::InboxWriter(DatabasePtr db, GroupCommitSettings settings)
    : writer_(db, oneStatement(settings, db->multiRowInsertIdsConsecutive()),
              [inbox = Inbox(db->dialect(), db->multiRowInsertIdsConsecutive())](
                  Poco::Data::Session& s, const std::vector<Delivery>& items,
                  std::vector<int64_t>& ids) { ids = inbox.appendBatch(s, items); }) {}

}  // namespace baraza::store
