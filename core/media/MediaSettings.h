// What media downloading is configured with (host file: media.*).
#pragma once

#include <cstdint>

namespace baraza::media {

struct MediaSettings {
  /**
   * Download threads. Each download has a connection of its own and runs beside sending, never
   * on the HTTP client's event loop, so media never delays a reply. A download spends about half
   * its time waiting (the URL lookup, the fsyncs, the two commits): four overlap those waits
   * (1 MB files on loopback: 92 MB/s with one, 135 with two, 174 with four; performance.md).
   */
  int workers = 4;
  /**
   * How long a claimed item is held before another host may take it over. A download does not
   * renew it, so it is kept well above the longest download (100 MB on a slow link). A restart
   * under the same host id takes its items back at once.
   */
  int64_t leaseMs = 30 * 60 * 1000;
  int maxAttempts = 6;         // downloads of one item before it is failed for good
  int64_t retryBaseMs = 5000;  // first wait before trying again; doubles up to retryMaxMs
  int64_t retryMaxMs = 10 * 60 * 1000;
  int idleMs = 1000;  // poll interval when nothing woke the workers
};

}  // namespace baraza::media
