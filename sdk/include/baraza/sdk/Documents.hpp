// Typed documents: the JSON the verifier and intent kinds exchange (docs/plugin-authors.md) as
// structs, read and written with nlohmann/json, and base classes whose operations take and return
// them:
//
//   class Registry : public baraza::sdk::TypedVerifier {
//     StatusOr<Verification> verify(const VerificationRequest& request) override { ... }
//   };
//
// Members the documents do not name are ignored on reading; empty optional members are left out
// on writing, so what a plugin writes is what the documents show.
#pragma once

#include <baraza/sdk/Plugin.hpp>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace baraza::sdk {

namespace detail {
inline void putIfSet(nlohmann::json& j, const char* key, const std::string& value) {
  if (!value.empty()) j[key] = value;
}
inline std::string stringOf(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}
}  // namespace detail

// ---- verifier ----

/** verify's input: {"document_type": "KRA PIN" | "Citizen" | "Non-Citizen" | "Passport", "number"}
 */
struct VerificationRequest {
  std::string documentType;
  std::string number;
};

/** verify's output: an authority's answer, whatever it says. */
struct Verification {
  /** verified, not_found, invalid_format or unsupported_document_type */
  std::string result;
  std::string documentType, number;
  // verified:
  std::string pin, name, taxpayerType, pinStatus;
  std::optional<bool> active;
  // the others: the authority's code, and what is wrong
  std::string code, message;
};

inline void from_json(const nlohmann::json& j, VerificationRequest& r) {
  r.documentType = detail::stringOf(j, "document_type");
  r.number = detail::stringOf(j, "number");
}
inline void to_json(nlohmann::json& j, const VerificationRequest& r) {
  j = {{"document_type", r.documentType}, {"number", r.number}};
}
inline void from_json(const nlohmann::json& j, Verification& v) {
  v.result = detail::stringOf(j, "result");
  v.documentType = detail::stringOf(j, "document_type");
  v.number = detail::stringOf(j, "number");
  v.pin = detail::stringOf(j, "pin");
  v.name = detail::stringOf(j, "name");
  v.taxpayerType = detail::stringOf(j, "taxpayer_type");
  v.pinStatus = detail::stringOf(j, "pin_status");
  if (auto it = j.find("active"); it != j.end() && it->is_boolean()) v.active = it->get<bool>();
  v.code = detail::stringOf(j, "code");
  v.message = detail::stringOf(j, "message");
}
inline void to_json(nlohmann::json& j, const Verification& v) {
  j = {{"result", v.result}, {"document_type", v.documentType}, {"number", v.number}};
  detail::putIfSet(j, "pin", v.pin);
  detail::putIfSet(j, "name", v.name);
  detail::putIfSet(j, "taxpayer_type", v.taxpayerType);
  detail::putIfSet(j, "pin_status", v.pinStatus);
  if (v.active) j["active"] = *v.active;
  detail::putIfSet(j, "code", v.code);
  detail::putIfSet(j, "message", v.message);
}

// ---- intent ----

/** detect's input: the message's words, and the message itself. */
struct IntentInput {
  std::string tenant;
  std::string text;
  std::string replyId;  // a tapped reply button or list row, when there is one
  nlohmann::json message = nlohmann::json::object();
};

struct RankedIntent {
  std::string name;
  double confidence = 0;
};

struct Entity {
  std::string type, value;
  std::optional<int64_t> start, end;  // byte offsets in the text, when read from it
};

/** detect's output. */
struct IntentResult {
  RankedIntent intent;                // "fallback" when unsure
  std::vector<RankedIntent> intents;  // the ranking
  std::vector<Entity> entities;
  std::string language;  // "en", "sw", or "" when nothing tells
  bool ambiguous = false;
};

inline void from_json(const nlohmann::json& j, IntentInput& in) {
  in.tenant = detail::stringOf(j, "tenant");
  in.text = detail::stringOf(j, "text");
  in.replyId = detail::stringOf(j, "reply_id");
  if (auto it = j.find("message"); it != j.end() && it->is_object()) in.message = *it;
}
inline void to_json(nlohmann::json& j, const IntentInput& in) {
  j = {{"tenant", in.tenant}, {"text", in.text}, {"message", in.message}};
  detail::putIfSet(j, "reply_id", in.replyId);
}
inline void from_json(const nlohmann::json& j, RankedIntent& r) {
  r.name = detail::stringOf(j, "name");
  auto it = j.find("confidence");
  r.confidence = it != j.end() && it->is_number() ? it->get<double>() : 0;
}
inline void to_json(nlohmann::json& j, const RankedIntent& r) {
  j = {{"name", r.name}, {"confidence", r.confidence}};
}
inline void from_json(const nlohmann::json& j, Entity& e) {
  e.type = detail::stringOf(j, "type");
  e.value = detail::stringOf(j, "value");
  if (auto it = j.find("start"); it != j.end() && it->is_number_integer())
    e.start = it->get<int64_t>();
  if (auto it = j.find("end"); it != j.end() && it->is_number_integer()) e.end = it->get<int64_t>();
}
inline void to_json(nlohmann::json& j, const Entity& e) {
  j = {{"type", e.type}, {"value", e.value}};
  if (e.start) j["start"] = *e.start;
  if (e.end) j["end"] = *e.end;
}
inline void from_json(const nlohmann::json& j, IntentResult& r) {
  if (auto it = j.find("intent"); it != j.end() && it->is_object())
    r.intent = it->get<RankedIntent>();
  if (auto it = j.find("intents"); it != j.end() && it->is_array())
    r.intents = it->get<std::vector<RankedIntent>>();
  if (auto it = j.find("entities"); it != j.end() && it->is_array())
    r.entities = it->get<std::vector<Entity>>();
  r.language = detail::stringOf(j, "language");
  auto it = j.find("ambiguous");
  r.ambiguous = it != j.end() && it->is_boolean() && it->get<bool>();
}
inline void to_json(nlohmann::json& j, const IntentResult& r) {
  j = {{"intent", r.intent},
       {"intents", r.intents},
       {"entities", r.entities},
       {"language", r.language},
       {"ambiguous", r.ambiguous}};
}

/** Reads a document; INVALID_ARGUMENT naming what is wrong when it is not a JSON object. */
template <class Document>
StatusOr<Document> readDocument(std::string_view text) {
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return invalidArgument("the input is not a JSON object");
  try {
    return j.get<Document>();
  } catch (const nlohmann::json::exception& e) {
    return invalidArgument(std::string("the input does not read as its document: ") + e.what());
  }
}

// ---- typed base classes ----

namespace detail {
/** A string operation the host calls, served by a typed one: read, call, write. */
template <class Input, class Operation>
StatusOr<std::string> typedCall(std::string_view text, Operation&& operation) {
  StatusOr<Input> input = readDocument<Input>(text);
  if (!input.isOk()) return input.status();
  auto answer = operation(*input);
  if (!answer.isOk()) return answer.status();
  return nlohmann::json(*answer).dump();
}
}  // namespace detail

/** A verifier written against the typed documents. */
class TypedVerifier : public Verifier {
 public:
  virtual StatusOr<Verification> verify(const VerificationRequest& request) = 0;

 private:
  StatusOr<std::string> verify(std::string_view requestJson) final {
    return detail::typedCall<VerificationRequest>(
        requestJson, [this](const VerificationRequest& request) { return verify(request); });
  }
};

/** An intent plugin written against the typed documents. */
class TypedIntent : public Intent {
 public:
  virtual StatusOr<IntentResult> detect(const IntentInput& input) = 0;

 private:
  StatusOr<std::string> detect(std::string_view inputJson) final {
    return detail::typedCall<IntentInput>(
        inputJson, [this](const IntentInput& input) { return detect(input); });
  }
};

}  // namespace baraza::sdk
