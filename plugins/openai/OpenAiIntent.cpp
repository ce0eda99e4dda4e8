// openai: intent detection with OpenAI's Chat Completions and a strict json_schema response
// format (providers.md part B): the intent names and entity fields come from the configuration,
// so the model can only answer with them. Retries follow OpenAI's own client: connection errors,
// timeouts, 408, 409, 429 and 5xx, honouring retry-after-ms / retry-after, never a 429 for an
// exhausted quota. A truncated answer (finish_reason "length"), a content filter stop and a
// refusal are errors, so the next instance of the tenant's intent chain (the rules) answers.
// Works against any server speaking the same API (llama.cpp, vLLM, Ollama) by base_url.
#include <algorithm>
#include <baraza/sdk/Documents.hpp>
#include <cctype>
#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <thread>

namespace {

using baraza::sdk::Code;
using baraza::sdk::Host;
using baraza::sdk::HttpRequest;
using baraza::sdk::HttpResponse;
using baraza::sdk::IntentResult;
using baraza::sdk::Status;
using baraza::sdk::StatusOr;
using nlohmann::json;

constexpr const char* kDefaultPrompt =
    "You classify messages people send to a Kenyan WhatsApp assistant. Pick the one intent that "
    "fits the message best and say how sure you are (0 to 1). The message may be in English, "
    "Swahili or Sheng. Copy identifiers exactly as written; use null for entities the message "
    "does not contain. Intents:";

/** One attempt's outcome: the parsed answer, or a status and whether trying again may help. */
struct Attempt {
  Status status;
  bool retry = false;
  int64_t retryAfterMs = -1;  // from the server's headers; -1: none given
  json answer;
};

std::string upperTrimmed(std::string s) {
  s.erase(std::remove_if(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c); }),
          s.end());
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

class OpenAiIntent : public baraza::sdk::TypedIntent {
 public:
  OpenAiIntent(Host host, std::string_view configJson) : host_(host) {
    const json config = json::parse(configJson);
    model_ = config.value("model", "gpt-4.1-mini");
    baseUrl_ = config.value("base_url", "https://api.openai.com/v1");
    while (!baseUrl_.empty() && baseUrl_.back() == '/') baseUrl_.pop_back();
    keySecret_ = config.value("api_key_secret", "openai_api_key");
    timeoutMs_ = config.value("timeout_ms", 15000u);
    maxTokens_ = config.value("max_tokens", 300);
    temperature_ = config.value("temperature", 0.0);
    maxRetries_ = config.value("max_retries", 2);
    maxRetryDelayMs_ = config.value("max_retry_delay_ms", 5000);
    fallback_ = config.value("fallback_intent", "fallback");
    json intents = config.value("intents", json::object());
    if (intents.empty()) {
      intents = {{"verify_kra_pin",
                  "verify a KRA PIN, or find the KRA PIN of a national ID, alien card or passport"},
                 {"report_incident",
                  "report an incident: a theft, an accident, a fire, fraud or another emergency"},
                 {"view_incidents", "see the incidents or reports they made before"},
                 {"help", "ask what the assistant can do, or for the menu"},
                 {"greeting", "say hello"},
                 {"cancel", "stop or cancel what they are doing"}};
    }
    std::string prompt = config.value("system_prompt", kDefaultPrompt);
    for (const auto& [name, description] : intents.items()) {
      intentNames_.push_back(name);
      prompt += "\n- " + name + ": " + description.get<std::string>();
    }
    prompt += "\n- " + fallback_ + ": anything else";
    systemPrompt_ = prompt;
    entityFields_ =
        config.value("entities", std::vector<std::string>{"kra_pin", "id_number", "document_type"});
    if (!host_.secret(keySecret_).isOk()) {
      throw std::invalid_argument("secrets." + keySecret_ + " is not set in the tenant file");
    }
  }

  StatusOr<IntentResult> detect(const baraza::sdk::IntentInput& input) override {
    const std::string& text = input.text;
    if (text.empty())
      return baraza::sdk::invalidArgument("nothing to classify: the message has no text");
    const std::string body = request(text).dump();
    Attempt attempt;
    for (int n = 0;; ++n) {
      attempt = call(body);
      if (attempt.status.isOk() || !attempt.retry || n >= maxRetries_) break;
      // retry-after-ms / retry-after when given (and not too long), else 0.5 s doubling to 8 s,
      // shortened by up to a quarter at random so many clients do not retry in step.
      int64_t delayMs = attempt.retryAfterMs;
      if (delayMs < 0) {
        const double jitter = 1.0 - 0.25 * (host_.randomBytes(1)[0] / 255.0);
        delayMs = static_cast<int64_t>(std::min(500.0 * std::pow(2.0, n), 8000.0) * jitter);
      }
      if (delayMs > maxRetryDelayMs_) break;
      host_.count("retries");
      std::this_thread::sleep_for(std::chrono::milliseconds(delayMs));
    }
    if (!attempt.status.isOk()) {
      host_.count("errors");
      return attempt.status;
    }
    return result(attempt.answer);
  }

 private:
  json request(const std::string& text) const {
    json intentEnum = intentNames_;
    intentEnum.push_back(fallback_);
    json entityProperties = json::object();
    for (const auto& field : entityFields_) {
      entityProperties[field] =
          field == "document_type"
              ? json{{"type", {"string", "null"}},
                     {"enum", {"KRA PIN", "Citizen", "Non-Citizen", "Passport", nullptr}}}
              : json{{"type", {"string", "null"}}};
    }
    const json schema{{"type", "object"},
                      {"additionalProperties", false},
                      {"required", {"intent", "confidence", "language", "entities"}},
                      {"properties",
                       {{"intent", {{"type", "string"}, {"enum", intentEnum}}},
                        {"confidence", {{"type", "number"}}},
                        {"language", {{"type", "string"}, {"enum", {"en", "sw", "other"}}}},
                        {"entities",
                         {{"type", "object"},
                          {"additionalProperties", false},
                          {"required", entityFields_},
                          {"properties", entityProperties}}}}}};
    return {
        {"model", model_},
        {"temperature", temperature_},
        {"max_completion_tokens", maxTokens_},
        {"messages",
         {{{"role", "system"}, {"content", systemPrompt_}}, {{"role", "user"}, {"content", text}}}},
        {"response_format",
         {{"type", "json_schema"},
          {"json_schema", {{"name", "intent_result"}, {"strict", true}, {"schema", schema}}}}}};
  }

  Attempt call(const std::string& body) {
    StatusOr<std::string> key = host_.secret(keySecret_);
    if (!key.isOk())
      return {baraza::sdk::failedPrecondition("secrets." + keySecret_ + " is not set")};
    HttpRequest req;
    req.method = "POST";
    req.url = baseUrl_ + "/chat/completions";
    req.service = "openai";
    req.timeoutMs = timeoutMs_;
    req.headers = {{"Authorization", "Bearer " + *key}, {"Content-Type", "application/json"}};
    req.body = body;
    host_.count("requests");
    StatusOr<HttpResponse> resp = host_.http(req);
    if (!resp.isOk()) {
      // Connection failures and timeouts: OpenAI's client tries again.
      return {Status(resp.status().code(), "OpenAI: " + resp.status().message()), true};
    }
    const json headers = json::parse(resp->headersJson, nullptr, false);
    auto header = [&](const char* name) {
      return headers.is_object() ? headers.value(name, "") : std::string();
    };
    const json answer = json::parse(resp->body, nullptr, false);
    if (resp->status != 200) return failure(*resp, answer, header);
    if (!answer.is_object())
      return {baraza::sdk::internal("OpenAI: HTTP 200 with a body that is not JSON")};
    return {Status::ok(), false, -1, answer};
  }

  template <class Header>
  Attempt failure(const HttpResponse& resp, const json& answer, Header header) {
    const json error = answer.is_object() ? answer.value("error", json::object()) : json::object();
    // llama.cpp writes the code as a number; OpenAI as a string or null.
    const std::string code =
        error.contains("code") && !error["code"].is_null()
            ? (error["code"].is_string() ? error["code"].get<std::string>() : error["code"].dump())
            : "";
    std::string message = error.is_object() ? error.value("message", "") : "";
    if (message.empty()) message = resp.body.substr(0, 200);
    const std::string where = "OpenAI: HTTP " + std::to_string(resp.status) +
                              (code.empty() ? "" : " " + code) + ": " + message;
    Attempt out;
    const int s = resp.status;
    out.retry = s == 408 || s == 409 || s == 429 || s >= 500;
    if (code == "insufficient_quota" || error.value("type", json("")) == "insufficient_quota")
      out.retry = false;
    if (header("x-should-retry") == "true") out.retry = true;
    if (header("x-should-retry") == "false") out.retry = false;
    try {
      if (!header("retry-after-ms").empty()) {
        out.retryAfterMs = static_cast<int64_t>(std::stod(header("retry-after-ms")));
      } else if (!header("retry-after").empty()) {
        out.retryAfterMs = static_cast<int64_t>(std::stod(header("retry-after")) * 1000);
      }
    } catch (const std::exception&) {
      out.retryAfterMs = -1;  // an HTTP date: the client's own backoff
    }
    if (out.retryAfterMs > 120000) out.retry = false;  // as OpenAI's client: not worth waiting for
    Code c = Code::kUnavailable;
    if (s == 401) c = Code::kUnauthenticated;
    if (s == 403) c = Code::kPermissionDenied;
    if (s == 404) c = Code::kNotFound;
    if (s == 400 || s == 422) c = Code::kInvalidArgument;
    if (s == 429) c = Code::kResourceExhausted;
    out.status = Status(c, where);
    return out;
  }

  StatusOr<IntentResult> result(const json& answer) {
    if (answer.contains("usage") && answer["usage"].is_object()) {
      const json& usage = answer["usage"];
      host_.count("prompt_tokens", usage.value("prompt_tokens", int64_t{0}));
      host_.count("completion_tokens", usage.value("completion_tokens", int64_t{0}));
    }
    if (!answer.contains("choices") || !answer["choices"].is_array() || answer["choices"].empty()) {
      return baraza::sdk::internal("OpenAI: an answer without choices");
    }
    const json& choice = answer["choices"][0];
    const json message = choice.value("message", json::object());
    const std::string finish = choice.value("finish_reason", json("")).is_string()
                                   ? choice.value("finish_reason", "")
                                   : "";
    if (message.contains("refusal") && message["refusal"].is_string()) {
      host_.count("refusals");
      return Status(Code::kFailedPrecondition,
                    "OpenAI refused: " + message["refusal"].get<std::string>());
    }
    if (finish == "length") {
      host_.count("truncated");
      return Status(Code::kOutOfRange,
                    "OpenAI: the answer was cut at max_tokens (finish_reason length)");
    }
    if (finish == "content_filter")
      return Status(Code::kFailedPrecondition, "OpenAI: the answer was withheld (content_filter)");
    const json content = message.contains("content") && message["content"].is_string()
                             ? json::parse(message["content"].get<std::string>(), nullptr, false)
                             : json();
    if (!content.is_object() || !content.contains("intent") || !content["intent"].is_string()) {
      return baraza::sdk::internal("OpenAI: the answer does not follow the schema");
    }
    IntentResult out;
    out.intent = {content["intent"].get<std::string>(),
                  std::clamp(content.value("confidence", 0.0), 0.0, 1.0)};
    out.intents = {out.intent};
    out.language = content.value("language", "");
    if (out.language == "other") out.language = "";
    const json entities = content.value("entities", json::object());
    for (const auto& field : entityFields_) {
      if (!entities.contains(field) || !entities[field].is_string()) continue;
      std::string value = entities[field];
      if (field != "document_type") value = upperTrimmed(value);
      if (!value.empty()) out.entities.push_back({field, value, std::nullopt, std::nullopt});
    }
    host_.count("detected");
    return out;
  }

  Host host_;
  std::string model_;
  std::string baseUrl_;
  std::string keySecret_;
  uint32_t timeoutMs_ = 15000;
  int maxTokens_ = 300;
  double temperature_ = 0;
  int maxRetries_ = 2;
  int64_t maxRetryDelayMs_ = 5000;
  std::string fallback_;
  std::string systemPrompt_;
  std::vector<std::string> intentNames_;
  std::vector<std::string> entityFields_;
};

}  // namespace

BARAZA_PLUGIN(BARAZA_PLUGIN_ID, BARAZA_PLUGIN_VERSION, OpenAiIntent)
