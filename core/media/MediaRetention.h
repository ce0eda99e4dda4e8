// Retention of media: old items go, and each file once no item of its tenant needs it.
#pragma once

#include <cstdint>

#include "common/Status.h"
#include "store/Database.h"
#include "tenants/TenantManager.h"

namespace baraza::media {

/**
 * Removes the items stored or failed before `before` (retention.media_days), and each one's file
 * from its tenant's media plugin unless another item of the tenant has the same bytes or is being
 * downloaded for them. The file goes first: a purge cut short leaves an item whose file is gone
 * (removed again next time), never a file no item names. An item whose tenant has no running
 * media plugin is kept for a later purge. Returns how many items went; with dryRun, how many are
 * old enough to go, removing nothing. Run by serve's retention thread and `baraza db purge`.
 */
StatusOr<size_t> purgeMedia(store::Database& db, const tenants::TenantManager& tenants,
                            int64_t before, bool dryRun = false);

}  // namespace baraza::media
