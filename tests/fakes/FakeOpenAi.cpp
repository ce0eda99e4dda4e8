#include "fakes/FakeOpenAi.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <chrono>
#include <regex>
#include <sstream>
#include <thread>

namespace baraza::fakes {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

std::string stringify(const Poco::Dynamic::Var& v) {
  std::ostringstream out;
  Poco::JSON::Stringifier::stringify(v, out);
  return out.str();
}

std::string errorBody(const std::string& type, const std::string& code, const std::string& message,
                      const std::string& param = "") {
  Object error;
  error.set("message", message);
  error.set("type", type);
  error.set("param", param.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(param));
  error.set("code", code.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(code));
  Object o;
  o.set("error", error);
  return stringify(o);
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

/** What the fake "model" makes of a message, as the schema's content. */
Object::Ptr classify(const std::string& text, const Object::Ptr& schema) {
  std::vector<std::string> intents;
  if (!schema.isNull()) {
    Array::Ptr names = schema->getObject("properties")->getObject("intent")->getArray("enum");
    for (size_t i = 0; names && i < names->size(); ++i)
      intents.push_back(names->getElement<std::string>(i));
  }
  const std::string t = lower(text);
  std::smatch pin;
  const bool hasPin = std::regex_search(text, pin, std::regex("\\b[AaPp][0-9]{9}[A-Za-z]\\b"));
  std::string intent = intents.empty() ? "fallback" : intents.back();
  double confidence = 0.2;
  auto pick = [&](const std::string& name) {
    if (std::find(intents.begin(), intents.end(), name) != intents.end()) {
      intent = name;
      confidence = 0.93;
    }
  };
  if (hasPin || t.find("pin") != std::string::npos) {
    pick("verify_kra_pin");
  } else if (t.find("report") != std::string::npos || t.find("incident") != std::string::npos) {
    pick("report_incident");
  } else if (t.find("help") != std::string::npos) {
    pick("help");
  }
  Object::Ptr entities = new Object;
  Object::Ptr fields =
      schema.isNull()
          ? nullptr
          : schema->getObject("properties")->getObject("entities")->getObject("properties");
  if (fields) {
    for (const auto& [name, ignored] : *fields) entities->set(name, Poco::Dynamic::Var());
  }
  if (hasPin) {
    entities->set("kra_pin", pin.str());
    entities->set("document_type", "KRA PIN");
  }
  Object::Ptr content = new Object;
  content->set("intent", intent);
  content->set("confidence", confidence);
  content->set("language", t.find("nataka") != std::string::npos ? "sw" : "en");
  content->set("entities", entities);
  return content;
}

}  // namespace

FakeOpenAi::FakeOpenAi() {
  http::HttpServerSettings settings;
  settings.port = 0;
  settings.ioThreads = 1;
  settings.threads = 4;
  settings.drainSeconds = 1;
  http::Router router;
  router.add("POST", "/v1/chat/completions", [this](http::Exchange& ex) { complete(ex); });
  server_ = std::make_unique<http::HttpServer>(settings, std::move(router));
  server_->start();
}

FakeOpenAi::~FakeOpenAi() { server_->stop(); }

std::string FakeOpenAi::baseUrl() const {
  return "http://127.0.0.1:" + std::to_string(server_->port());
}

void FakeOpenAi::setKey(const std::string& key) {
  std::lock_guard lock(mutex_);
  key_ = key;
}
void FakeOpenAi::failNext(int status, const std::string& code, const std::string& message,
                          std::vector<std::pair<std::string, std::string>> headers, int times) {
  std::lock_guard lock(mutex_);
  for (int i = 0; i < times; ++i) script_.push_back({status, code, message, headers});
}
void FakeOpenAi::delayNext(int ms, int times) {
  std::lock_guard lock(mutex_);
  for (int i = 0; i < times; ++i) script_.push_back({200, "", "", {}, ms});
}
void FakeOpenAi::truncateNext() {
  std::lock_guard lock(mutex_);
  script_.push_back({200, "", "", {}, 0, true});
}
void FakeOpenAi::refuseNext() {
  std::lock_guard lock(mutex_);
  script_.push_back({200, "", "", {}, 0, false, true});
}
std::vector<OpenAiCall> FakeOpenAi::calls() const {
  std::lock_guard lock(mutex_);
  return calls_;
}

void FakeOpenAi::complete(http::Exchange& ex) {
  Scripted next;
  uint64_t id = 0;
  const std::string auth = ex.header("authorization").value_or("");
  bool authorised = false;
  size_t index = 0;  // recorded on arrival: a call the client gave up on still counts
  {
    std::lock_guard lock(mutex_);
    index = calls_.size();
    calls_.push_back({auth, ex.body(), 0});
    if (!script_.empty()) {
      next = script_.front();
      script_.pop_front();
    }
    id = next_++;
    authorised = auth == "Bearer " + key_;
  }
  if (next.delayMs > 0) std::this_thread::sleep_for(std::chrono::milliseconds(next.delayMs));
  ex.setHeader("x-request-id", "req_fake" + std::to_string(id));
  ex.setHeader("x-ratelimit-limit-requests", "5000");
  ex.setHeader("x-ratelimit-remaining-requests", "4999");
  auto answer = [&](int status, const std::string& body) {
    {
      std::lock_guard lock(mutex_);
      calls_[index].status = status;
    }
    ex.sendJson(status, body);
  };
  if (!authorised) {
    return answer(
        401, errorBody("invalid_request_error", "invalid_api_key", "Incorrect API key provided."));
  }
  if (next.status != 200) {
    for (const auto& [name, value] : next.headers) ex.setHeader(name, value);
    const std::string type = next.code == "insufficient_quota" ? "insufficient_quota"
                             : next.status == 429              ? "requests"
                             : next.status >= 500              ? "server_error"
                                                               : "invalid_request_error";
    return answer(next.status, errorBody(type, next.code, next.message));
  }
  Object::Ptr request;
  try {
    request = Poco::JSON::Parser().parse(ex.body()).extract<Object::Ptr>();
  } catch (const std::exception&) {
  }
  if (request.isNull() || !request->has("model") || request->getArray("messages").isNull()) {
    return answer(400, errorBody("invalid_request_error", "",
                                 "you must provide a model and messages", "messages"));
  }
  Array::Ptr messages = request->getArray("messages");
  const std::string text =
      messages->getObject(messages->size() - 1)->optValue<std::string>("content", "");
  Object::Ptr format = request->getObject("response_format");
  Object::Ptr schema = format.isNull() || format->getObject("json_schema").isNull()
                           ? nullptr
                           : format->getObject("json_schema")->getObject("schema");
  std::string content = stringify(classify(text, schema));
  Object::Ptr message = new Object;
  message->set("role", "assistant");
  std::string finish = "stop";
  if (next.refuse) {
    message->set("content", Poco::Dynamic::Var());
    message->set("refusal", "I'm sorry, I can't help with that.");
  } else {
    if (next.truncate) {
      content = content.substr(0, content.size() / 2);
      finish = "length";
    }
    message->set("content", content);
    message->set("refusal", Poco::Dynamic::Var());
  }
  Object::Ptr choice = new Object;
  choice->set("index", 0);
  choice->set("message", message);
  choice->set("logprobs", Poco::Dynamic::Var());
  choice->set("finish_reason", finish);
  Array::Ptr choices = new Array;
  choices->add(choice);
  Object::Ptr usage = new Object;
  usage->set("prompt_tokens", 212);
  usage->set("completion_tokens", 31);
  usage->set("total_tokens", 243);
  Object completion;
  completion.set("id", "chatcmpl-fake" + std::to_string(id));
  completion.set("object", "chat.completion");
  completion.set("created", 1767225600);
  completion.set("model", request->optValue<std::string>("model", "") + "-fake");
  completion.set("choices", choices);
  completion.set("usage", usage);
  answer(200, stringify(completion));
}

}  // namespace baraza::fakes
