// A fake of Meta's Graph API for tests and benchmarks: a real HTTP server on 127.0.0.1 that
// speaks the documented wire format (reference §3, §5, §1.12, §7), error envelope included.
//
//   FakeGraph graph;                       // listens on a free port
//   graph.setRate(80);                     // 130429 beyond 80 sends/s per phone number
//   graph.failRecipient("+254700000001", 131056, 2);
//   ... point http_client.service.graph.base_url at graph.baseUrl() ...
//   for (const auto& call : graph.calls()) ...
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace baraza::fakes {

/** One request the fake received, and what it answered. */
struct GraphCall {
  int64_t receivedUs =
      0;  // system clock, microseconds: when its last byte reached the host (the kernel's time)
  std::string method, path, query, authorization, contentType, body;
  std::string phoneNumberId;  // from /<version>/<id>/messages
  std::string recipient;      // body "to" of a send
  int status = 0;
  std::string answer;
  std::string wamid;                            // for accepted sends
  std::string answerType = "application/json";  // the answer's Content-Type
  int pieceDelayMs = 0;  // a media download's body goes out in 64 KiB pieces this far apart
};

/** A media item the fake serves (reference §4): GET /<version>/<id>, then its URL's bytes. */
struct FakeMedia {
  std::string bytes;
  std::string mimeType = "image/jpeg";
  std::string sha256;        // as GET /<id> reports it; empty: the bytes' own hash, in base64
  int64_t fileSize = -1;     // as reported; -1: the bytes' size
  std::string servedType;    // the download's Content-Type; empty: mimeType
  int expiredDownloads = 0;  // this many first downloads answer 404, as an expired URL does
  int pieceDelayMs = 0;      // a slow body: 64 KiB pieces this far apart
  bool needsToken = true;    // false: served to anyone, as Meta's CDN serves Flow media
};

/** Meta's error envelope for `code` (reference §5.1). */
std::string graphErrorBody(int code, const std::string& title, const std::string& details,
                           int subcode = 0);
/** The HTTP status Meta answers `code` with (reference §5.2). */
int graphErrorStatus(int code);

class FakeGraph {
 public:
  /** Serves every connection on an event loop of `threads` threads: calls waiting out a latency
   *  hold no thread, so thousands can be in flight. */
  explicit FakeGraph(int threads = 1);
  ~FakeGraph();
  FakeGraph(const FakeGraph&) = delete;
  FakeGraph& operator=(const FakeGraph&) = delete;

  uint16_t port() const;
  /** http://127.0.0.1:<port>: the base URL for http_client.service.graph.base_url. */
  std::string baseUrl() const;

  /** Sends must carry "Authorization: Bearer <token>"; anything else is answered 190. */
  void setToken(const std::string& token);
  /** At most `perSecond` sends per phone number in any one-second window; beyond, 130429. 0: no
   * limit. */
  void setRate(int perSecond);
  /** The next `times` sends to `recipient` are answered with error `code`. */
  void failRecipient(const std::string& recipient, int code, int times = 1);
  /** Every send is answered this much later (a slow Graph API: calls stay in flight). */
  void setLatencyMs(int ms);
  /** The next `times` sends, to anyone, are answered with error `code`. */
  void failNext(int code, int times = 1);
  /** GET /oauth/access_token with fb_exchange_token=`from` (and this app) answers `to`. */
  void allowTokenExchange(const std::string& appId, const std::string& appSecret,
                          const std::string& from, const std::string& to);

  /** Serves `media` under `id` (GET /<version>/<id> with the token; its URL without). */
  void addMedia(const std::string& id, FakeMedia media);
  /** Downloads of a media item's bytes answered 200 so far. */
  int downloads(const std::string& id) const;
  /** A file uploaded with POST /<version>/<phone-number-id>/media (multipart), as received. */
  struct Upload {
    std::string phoneNumberId, id, type, filename, fileType, bytes;
  };
  std::vector<Upload> uploads() const;
  /** The next `times` uploads are answered with error `code`. */
  void failUploads(int code, int times = 1);

  /** Every request received so far, in arrival order. */
  std::vector<GraphCall> calls() const;
  /** The sends answered with a wamid. */
  std::vector<GraphCall> accepted() const;
  size_t acceptedCount() const;
  /** The most sends that were being answered at the same moment (they overlap with a latency). */
  int mostSendsAtOnce() const;
  /** The business public key registered for a phone number (empty if none). */
  std::string publicKey(const std::string& phoneNumberId) const;
  void clear();

 private:
  /**
   * Answers one request that arrived at `receivedUs`; `latencyMs`: how long to wait before
   * sending the answer (sends).
   */
  GraphCall handle(int64_t receivedUs, const std::string& method, const std::string& uri,
                   const std::string& authorization, const std::string& contentType,
                   const std::string& body, int& latencyMs);
  /** A send answered after a latency has gone out (mostSendsAtOnce). */
  void answered();
  GraphCall send(GraphCall call);
  GraphCall encryption(GraphCall call);
  GraphCall exchange(GraphCall call);
  GraphCall mediaInfo(GraphCall call, const std::string& id);
  GraphCall mediaBytes(GraphCall call, const std::string& id);
  GraphCall upload(GraphCall call);

  struct Server;
  class Session;
  std::unique_ptr<Server> server_;

  mutable std::mutex mutex_;
  std::string token_ = "test-token";
  int rate_ = 0;
  int latencyMs_ = 0;
  int sendsNow_ = 0, mostSendsAtOnce_ = 0;
  std::map<std::string, std::deque<int64_t>> recentSends_;  // per number, accepted send times (µs)
  std::map<std::string, std::pair<int, int>> failRecipients_;  // recipient -> (code, times)
  std::vector<std::pair<int, int>> failNext_;                  // (code, times)
  std::pair<int, int> failUploads_{0, 0};                      // (code, times)
  struct Exchange {
    std::string appId, appSecret, from, to;
  };
  std::vector<Exchange> exchanges_;
  std::map<std::string, std::string> publicKeys_;
  std::map<std::string, FakeMedia> media_;
  std::map<std::string, int> downloads_;  // id -> downloads answered 200
  std::vector<Upload> uploads_;
  // A deque: appending never moves what is recorded, so a long run never holds the lock (and
  // with it every request being answered) for a reallocation of hundreds of thousands of calls.
  std::deque<GraphCall> calls_;
  size_t acceptedCount_ = 0;
  uint64_t nextWamid_ = 1;
};

}  // namespace baraza::fakes
