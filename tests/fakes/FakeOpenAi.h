// A fake of OpenAI's Chat Completions endpoint for tests: a real HTTP server on 127.0.0.1
// speaking providers.md part B (the completion object, the error envelope, x-request-id and the
// rate-limit headers). With a json_schema response format it answers content that follows the
// schema, picked by keyword rules (a KRA PIN or "pin" -> verify_kra_pin, "report"/"incident" ->
// report_incident, "help" -> help, else the schema's last intent at confidence 0.2).
//
// Scriptable: the next answers as errors (429 with retry-after-ms, insufficient_quota, 5xx), a
// delay past the client's timeout, finish_reason "length", a refusal.
#pragma once

#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "http/HttpServer.h"

namespace baraza::fakes {

struct OpenAiCall {
  std::string authorization, body;
  int status = 0;  // 0 until answered
};

class FakeOpenAi {
 public:
  FakeOpenAi();
  ~FakeOpenAi();
  FakeOpenAi(const FakeOpenAi&) = delete;
  FakeOpenAi& operator=(const FakeOpenAi&) = delete;

  /** http://127.0.0.1:<port>: for http_client.service.openai.base_url. */
  std::string baseUrl() const;
  /** The API key it accepts (default sk-test). */
  void setKey(const std::string& key);

  /** The next `times` calls answer `status` with OpenAI's error envelope; headers added. */
  void failNext(int status, const std::string& code, const std::string& message,
                std::vector<std::pair<std::string, std::string>> headers = {}, int times = 1);
  /** The next `times` calls are answered after `ms` milliseconds. */
  void delayNext(int ms, int times = 1);
  /** The next call stops at max_tokens: finish_reason "length" and cut JSON. */
  void truncateNext();
  /** The next call is refused (message.refusal set, content null). */
  void refuseNext();

  /** Every call, recorded when it arrived. */
  std::vector<OpenAiCall> calls() const;

 private:
  struct Scripted {
    int status = 200;
    std::string code, message;
    std::vector<std::pair<std::string, std::string>> headers;
    int delayMs = 0;
    bool truncate = false, refuse = false;
  };
  void complete(http::Exchange& ex);

  mutable std::mutex mutex_;
  std::string key_ = "sk-test";
  std::deque<Scripted> script_;
  std::vector<OpenAiCall> calls_;
  uint64_t next_ = 1;
  std::unique_ptr<http::HttpServer> server_;
};

}  // namespace baraza::fakes
