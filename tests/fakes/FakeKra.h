// A fake of KRA's GavaConnect checkers for tests and `make run`: a real HTTP server on 127.0.0.1
// speaking providers.md part A (token endpoint, PIN by PIN, PIN by ID), error envelopes in both
// casings included, with KRA's sandbox PINs and IDs as its magic values (§A.6):
//
//   pinbypin A744610021G, A521040203F (Individual), P318295670X (Non Individual): found, Active;
//            any other well-formed PIN: 19005 "Invalid PIN" (HTTP 200).
//   pin      KE/100000000 -> A000000000I "YAMAS12 TEST OMINI01"; others: 30002 "Invalid ID".
//
// Scriptable: a PIN's status, the next answers (a 502, a body that is not JSON, a delay past the
// client's timeout), tokens that expire, expires_in as a number, a lower-case "status" key.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "http/HttpServer.h"

namespace baraza::fakes {

struct KraCall {
  std::string method, path, authorization, body;
  int status = 0;
  std::string answer;
};

class FakeKra {
 public:
  /** Listens on 127.0.0.1:`port` (0: a free one). */
  explicit FakeKra(uint16_t port = 0);
  ~FakeKra();
  FakeKra(const FakeKra&) = delete;
  FakeKra& operator=(const FakeKra&) = delete;

  uint16_t port() const;
  /** http://127.0.0.1:<port>: for the kra plugin's base_url or http_client.service.kra.base_url. */
  std::string baseUrl() const;

  /** The consumer key and secret the token endpoint accepts (default kra-key / kra-secret). */
  void setCredentials(const std::string& key, const std::string& secret);
  /** StatusOfPIN for a found PIN (Active unless set: Suspended, Cancelled, Stopped). */
  void setPinStatus(const std::string& pin, const std::string& status);
  /** The next `times` checker calls are answered with this HTTP status and raw body. */
  void failNext(int status, const std::string& body, int times = 1);
  /** The next `times` checker calls are answered only after `ms` milliseconds. */
  void delayNext(int ms, int times = 1);
  /** Every token issued so far is refused from now on (401), as if it had expired. */
  void expireTokens();
  /** expires_in as the number 3600 instead of KRA's documented string "3599". */
  void setNumericExpiry(bool numeric);
  /** The checkers' "Status" key written lower-case, as one SDK reads it. */
  void setLowercaseStatus(bool lowercase);

  std::vector<KraCall> calls() const;
  /** Calls to the checkers (not the token endpoint). */
  size_t checkerCalls() const;
  size_t tokenCalls() const;

 private:
  void token(http::Exchange& ex);
  void checker(http::Exchange& ex, bool byPin);
  void record(http::Exchange& ex, int status, const std::string& answer);

  mutable std::mutex mutex_;
  std::string key_ = "kra-key";
  std::string secret_ = "kra-secret";
  std::set<std::string> tokens_;
  std::map<std::string, std::string> pinStatus_;
  std::deque<std::pair<int, std::string>> failures_;
  std::deque<int> delays_;
  bool numericExpiry_ = false;
  bool lowercaseStatus_ = false;
  uint64_t nextToken_ = 1;
  std::vector<KraCall> calls_;
  std::unique_ptr<http::HttpServer> server_;
};

}  // namespace baraza::fakes
