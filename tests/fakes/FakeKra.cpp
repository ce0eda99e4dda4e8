#include "fakes/FakeKra.h"

#include <Poco/Base64Decoder.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <chrono>
#include <sstream>
#include <thread>

namespace baraza::fakes {
namespace {

using Poco::JSON::Object;

std::string stringify(const Object& o) {
  std::ostringstream out;
  o.stringify(out);
  return out.str();
}

std::string base64Decode(const std::string& text) {
  std::istringstream in(text);
  Poco::Base64Decoder decoder(in);
  std::string out;
  char c;
  while (decoder.get(c)) out += c;
  return out;
}

/** The gateway's camelCase envelope (token and validation errors, §A.1, §A.3). */
std::string gatewayError(const std::string& code, const std::string& message) {
  Object o;
  o.set("requestId", "fake-" + code);
  o.set("errorCode", code);
  o.set("errorMessage", message);
  return stringify(o);
}

struct Taxpayer {
  const char* pin;
  const char* type;
  const char* name;
};
constexpr Taxpayer kPins[] = {{"A744610021G", "Individual", "JOHN KAMAU TEST"},
                              {"A521040203F", "Individual", "AMINA WANJIRU TEST"},
                              {"P318295670X", "Non Individual", "T. AN 052318TEST NA NA"}};

}  // namespace

FakeKra::FakeKra(uint16_t port) {
  http::HttpServerSettings settings;
  settings.port = port;
  settings.ioThreads = 1;
  settings.threads = 4;
  settings.drainSeconds = 1;
  http::Router router;
  router.add("GET", "/v1/token/generate", [this](http::Exchange& ex) { token(ex); });
  router.add("POST", "/checker/v1/pinbypin", [this](http::Exchange& ex) { checker(ex, true); });
  router.add("POST", "/checker/v1/pin", [this](http::Exchange& ex) { checker(ex, false); });
  server_ = std::make_unique<http::HttpServer>(settings, std::move(router));
  server_->start();
}

FakeKra::~FakeKra() { server_->stop(); }

uint16_t FakeKra::port() const { return server_->port(); }
std::string FakeKra::baseUrl() const { return "http://127.0.0.1:" + std::to_string(port()); }

void FakeKra::setCredentials(const std::string& key, const std::string& secret) {
  std::lock_guard lock(mutex_);
  key_ = key;
  secret_ = secret;
}
void FakeKra::setPinStatus(const std::string& pin, const std::string& status) {
  std::lock_guard lock(mutex_);
  pinStatus_[pin] = status;
}
void FakeKra::failNext(int status, const std::string& body, int times) {
  std::lock_guard lock(mutex_);
  for (int i = 0; i < times; ++i) failures_.emplace_back(status, body);
}
void FakeKra::delayNext(int ms, int times) {
  std::lock_guard lock(mutex_);
  for (int i = 0; i < times; ++i) delays_.push_back(ms);
}
void FakeKra::expireTokens() {
  std::lock_guard lock(mutex_);
  tokens_.clear();
}
void FakeKra::setNumericExpiry(bool numeric) {
  std::lock_guard lock(mutex_);
  numericExpiry_ = numeric;
}
void FakeKra::setLowercaseStatus(bool lowercase) {
  std::lock_guard lock(mutex_);
  lowercaseStatus_ = lowercase;
}

std::vector<KraCall> FakeKra::calls() const {
  std::lock_guard lock(mutex_);
  return calls_;
}
size_t FakeKra::checkerCalls() const {
  std::lock_guard lock(mutex_);
  size_t n = 0;
  for (const auto& c : calls_) n += c.path.rfind("/checker/", 0) == 0;
  return n;
}
size_t FakeKra::tokenCalls() const {
  std::lock_guard lock(mutex_);
  size_t n = 0;
  for (const auto& c : calls_) n += c.path == "/v1/token/generate";
  return n;
}

void FakeKra::record(http::Exchange& ex, int status, const std::string& answer) {
  calls_.push_back(
      {ex.method(), ex.path(), ex.header("authorization").value_or(""), ex.body(), status, answer});
}

void FakeKra::token(http::Exchange& ex) {
  std::lock_guard lock(mutex_);
  const std::string auth = ex.header("authorization").value_or("");
  const bool good = ex.query("grant_type") == "client_credentials" &&
                    auth.rfind("Basic ", 0) == 0 &&
                    base64Decode(auth.substr(6)) == key_ + ":" + secret_;
  if (!good) {
    const std::string body = gatewayError("401", "Client credentials are invalid");
    record(ex, 401, body);
    return ex.sendJson(401, body);
  }
  const std::string token = "fake-kra-token-" + std::to_string(nextToken_++);
  tokens_.insert(token);
  Object o;
  o.set("access_token", token);
  if (numericExpiry_) {
    o.set("expires_in", 3600);
  } else {
    o.set("expires_in", "3599");
  }
  const std::string body = stringify(o);
  record(ex, 200, body);
  ex.sendJson(200, body);
}

void FakeKra::checker(http::Exchange& ex, bool byPin) {
  int delayMs = 0;
  {
    std::lock_guard lock(mutex_);
    if (!delays_.empty()) {
      delayMs = delays_.front();
      delays_.pop_front();
    }
  }
  if (delayMs > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delayMs));
  std::lock_guard lock(mutex_);
  const std::string auth = ex.header("authorization").value_or("");
  if (auth.rfind("Bearer ", 0) != 0 || !tokens_.count(auth.substr(7))) {
    const std::string body = gatewayError("401", "Invalid Access Token");
    record(ex, 401, body);
    return ex.sendJson(401, body);
  }
  if (!failures_.empty()) {
    const auto [status, body] = failures_.front();
    failures_.pop_front();
    record(ex, status, body);
    return ex.send(status, body,
                   body.empty() || body[0] != '{' ? "text/plain" : "application/json");
  }
  Object::Ptr request;
  try {
    request = Poco::JSON::Parser().parse(ex.body()).extract<Object::Ptr>();
  } catch (const std::exception&) {
  }
  Object answer;
  if (byPin) {
    const std::string pin = request.isNull() ? "" : request->optValue<std::string>("KRAPIN", "");
    if (pin.empty()) {
      const std::string body = gatewayError("400", "Missing mandatory parameter: KRAPIN.");
      record(ex, 200, body);
      return ex.sendJson(200, body);
    }
    const char* statusKey = lowercaseStatus_ ? "status" : "Status";
    const Taxpayer* found = nullptr;
    for (const Taxpayer& t : kPins) {
      if (pin == t.pin) found = &t;
    }
    if (found != nullptr) {
      answer.set("ResponseCode", "23000");
      answer.set("Message", "Valid PIN");
      answer.set(statusKey, "OK");
      Object::Ptr data = new Object;
      data->set("KRAPIN", found->pin);
      data->set("TypeOfTaxpayer", found->type);
      data->set("Name", found->name);
      auto status = pinStatus_.find(pin);
      data->set("StatusOfPIN", status == pinStatus_.end() ? "Active" : status->second);
      answer.set("PINDATA", data);
    } else {
      answer.set("ResponseCode", "19005");
      answer.set(statusKey, "NOK");
      answer.set("Message", "Invalid PIN");
    }
  } else {
    const std::string type =
        request.isNull() ? "" : request->optValue<std::string>("TaxpayerType", "");
    const std::string id = request.isNull() ? "" : request->optValue<std::string>("TaxpayerID", "");
    if (id.empty() || type.empty()) {
      const std::string body =
          gatewayError("400", std::string("Missing mandatory parameter: ") +
                                  (id.empty() ? "TaxpayerID." : "TaxpayerType."));
      record(ex, 200, body);
      return ex.sendJson(200, body);
    }
    if (type == "KE" && id == "100000000") {
      answer.set("ResponseCode", "30000");
      answer.set("TaxpayerPIN", "A000000000I");
      answer.set("TaxpayerName", "YAMAS12 TEST OMINI01");
    } else {
      answer.set("RequestId", "fake-30002");
      answer.set("ErrorCode", "30002");
      answer.set("ErrorMessage", "Invalid ID");
    }
  }
  const std::string body = stringify(answer);
  record(ex, 200, body);
  ex.sendJson(200, body);
}

}  // namespace baraza::fakes
