// assistant: the seed's conversation. Verifies KRA PINs and identity documents through the
// tenant's verifier, takes incident reports in a guided dialogue kept in the conversation state
// (with cancel and resume), lists a person's reports, and answers help, greetings and what it
// does not understand. Replies in the person's language (English or Swahili) with the tenant's
// texts, and with reply buttons and lists where they save typing.
#include <algorithm>
#include <array>
#include <baraza/sdk/Documents.hpp>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <string_view>

#include "Texts.h"

namespace baraza::assistant {
namespace {

using nlohmann::json;
using sdk::Host;
using sdk::StatusOr;

constexpr const char* kIncidentTypes[] = {"theft", "accident", "fire", "fraud", "other"};
constexpr size_t kMaxEvidence = 10;
constexpr size_t kListedIncidents = 10;
/** The intents of a message without words: fallback, nothing ranked. */
const sdk::IntentResult kNoIntents{};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

std::string str(const json& o, const char* key) {
  if (!o.is_object()) return "";
  auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : "";
}

/** The first entity of a type in the intent result, or "". */
std::string entity(const sdk::IntentResult& nlu, const std::string& type) {
  for (const auto& e : nlu.entities) {
    if (e.type == type) return e.value;
  }
  return "";
}

/**
 * Whether `head` (an object's first bytes) begins as files of MIME type `mime` do. Types with no
 * fixed signature, and types not listed, match anything.
 */
bool signatureMatches(const std::string& mime, std::string_view head) {
  auto startsWith = [&](std::string_view magic, size_t at = 0) {
    return head.size() >= at + magic.size() && head.substr(at, magic.size()) == magic;
  };
  using namespace std::string_view_literals;
  if (mime == "image/jpeg") return startsWith("\xFF\xD8\xFF"sv);
  if (mime == "image/png") return startsWith("\x89PNG\r\n\x1A\n"sv);
  if (mime == "image/webp") return startsWith("RIFF"sv) && startsWith("WEBP"sv, 8);
  if (mime == "video/mp4" || mime == "video/3gpp") return startsWith("ftyp"sv, 4);
  if (mime == "application/pdf") return startsWith("%PDF-"sv);
  if (mime.rfind("application/vnd.openxmlformats-officedocument.", 0) == 0)
    return startsWith("PK\x03\x04"sv);
  if (mime == "application/msword" || mime == "application/vnd.ms-excel" ||
      mime == "application/vnd.ms-powerpoint")
    return startsWith("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"sv);
  return true;
}

class Assistant : public sdk::TypedConversation {
 public:
  Assistant(Host host, std::string_view configJson) : host_(host) {
    const json config = json::parse(configJson);
    defaultLanguage_ = config.value("default_language", "en");
    verifier_ = config.value("verifier", "");
    kycFlowId_ = config.value("kyc_flow_id", "");
    kycFlowPlugin_ = config.value("kyc_flow_plugin", "");
    kycFlowScreen_ = config.value("kyc_flow_screen", "DOCUMENT");
    incidentDesk_ = config.value("incident_desk", "");
    texts_ = builtInTexts();
    if (config.contains("texts")) {
      for (const auto& [language, entries] : config["texts"].items()) {
        for (const auto& [key, text] : entries.items())
          texts_[language][key] = text.get<std::string>();
      }
    }
    if (!texts_.count(defaultLanguage_))
      throw std::invalid_argument("default_language " + defaultLanguage_ + " has no texts");
  }

  StatusOr<sdk::ConversationTurn> onMessage(const sdk::ConversationEvent& event) override {
    Turn turn(*this, event);
    turn.run();
    return sdk::ConversationTurn{std::move(turn.replies), std::move(turn.state)};
  }

 private:
  /** One inbound message: what it says, the state before, the replies and the state after. */
  struct Turn {
    Turn(Assistant& a, const sdk::ConversationEvent& e)
        : self(a), event(e), message(e.message), nlu(e.nlu ? *e.nlu : kNoIntents) {
      state = event.state.is_object() ? event.state : json::object();
      contact = str(message, "from");
      words = sdk::wordsOf(message);
      intent = nlu.intent.name.empty() ? "fallback" : nlu.intent.name;
      language = nlu.language;
      if (!self.texts_.count(language)) language = str(state, "language");
      if (!self.texts_.count(language)) language = self.defaultLanguage_;
      state["language"] = language;
    }

    void run() {
      if (event.flow) return kycCompleted(event.flow->response);
      const std::string dialog = str(state, "dialog");
      if (dialog == "incident") return incidentStep();
      if (dialog == "verify" && continueVerify()) return;
      startIntent();
    }

    // ---- intents ----

    /**
     * Inside a dialogue answers are free text ("the bus stop"): only a message that is nothing
     * but a cancel word, typed or tapped, cancels it.
     */
    bool wantsCancel() const {
      const std::string type = str(message, "type");
      return intent == "cancel" && nlu.intent.confidence >= 0.99 &&
             (type == "text" || type == "interactive");
    }

    void startIntent() {
      state.erase("dialog");
      state.erase("verify");
      if (intent == "verify_kra_pin") return startVerify();
      if (intent == "report_incident") return startIncident();
      if (intent == "view_incidents") return listIncidents();
      if (intent == "cancel") return menu(text("nothing_to_cancel"));
      if (intent == "help" || intent == "greeting") return menu("");
      if (nlu.ambiguous) return ambiguous();
      menu(text("fallback"));
    }

    void menu(const std::string& before) {
      const std::string& name = event.contact.profileName;
      std::string body = fill(text("menu"), {{"name", name.empty() ? "" : " " + name}});
      buttons(before.empty() ? body : before + "\n" + body,
              {{"verify_kra_pin", text("menu.verify")},
               {"report_incident", text("menu.report")},
               {"view_incidents", text("menu.view")}});
    }

    void ambiguous() {
      std::vector<std::pair<std::string, std::string>> choices;
      for (const auto& ranked : nlu.intents) {
        const std::string& name = ranked.name;
        const std::string title = name == "verify_kra_pin"    ? text("menu.verify")
                                  : name == "report_incident" ? text("menu.report")
                                  : name == "view_incidents"  ? text("menu.view")
                                                              : "";
        if (!title.empty() && choices.size() < 3) choices.emplace_back(name, title);
      }
      if (choices.empty()) return menu(text("fallback"));
      buttons(text("ambiguous"), choices);
    }

    // ---- verification ----

    void startVerify() {
      const std::string pin = entity(nlu, "kra_pin");
      const std::string number = entity(nlu, "id_number");
      const std::string document = entity(nlu, "document_type");
      if (!pin.empty()) return verify("KRA PIN", pin);
      if (!number.empty() && !document.empty() && document != "KRA PIN")
        return verify(document, number);
      if (!number.empty()) return askDocument(number);
      if (!self.kycFlowId_.empty()) return sendKycFlow();
      state["dialog"] = "verify";
      state["verify"] = {{"step", "number"}};
      say(text("verify.ask_number"));
    }

    /** In the verification dialogue: true when this message answered it. */
    bool continueVerify() {
      const json step = state.value("verify", json::object());
      if (wantsCancel()) {
        state.erase("dialog");
        state.erase("verify");
        say(text("cancelled"));
        return true;
      }
      const std::string pin = entity(nlu, "kra_pin");
      const std::string number = entity(nlu, "id_number");
      if (str(step, "step") == "document") {
        const std::string document =
            documentOfReply(words.replyId.empty() ? lower(trim(words.text)) : words.replyId);
        if (!document.empty()) {
          verify(document, str(step, "number"));
          return true;
        }
      }
      // Another request (not a number, not a verification) leaves the dialogue.
      const bool other = intent != "verify_kra_pin" && intent != "fallback";
      if (pin.empty() && number.empty() && other) return false;
      if (!pin.empty()) {
        verify("KRA PIN", pin);
      } else if (!number.empty()) {
        const std::string document = entity(nlu, "document_type");
        document.empty() || document == "KRA PIN" ? askDocument(number) : verify(document, number);
      } else {
        // Whatever was typed is taken as a PIN, so a malformed one gets a precise answer.
        std::string typed = trim(words.text);
        std::transform(typed.begin(), typed.end(), typed.begin(),
                       [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
        if (typed.empty()) {
          say(text("verify.ask_number"));
        } else if (std::all_of(typed.begin(), typed.end(),
                               [](unsigned char c) { return std::isdigit(c); })) {
          askDocument(typed);
        } else {
          verify("KRA PIN", typed);
        }
      }
      return true;
    }

    static std::string documentOfReply(const std::string& id) {
      if (id == "doc_citizen") return "Citizen";
      if (id == "doc_non_citizen") return "Non-Citizen";
      if (id == "doc_passport") return "Passport";
      return "";
    }

    void askDocument(const std::string& number) {
      state["dialog"] = "verify";
      state["verify"] = {{"step", "document"}, {"number", number}};
      buttons(fill(text("verify.ask_document"), {{"number", number}}),
              {{"doc_citizen", text("document.citizen")},
               {"doc_non_citizen", text("document.non_citizen")},
               {"doc_passport", text("document.passport")}});
    }

    void verify(const std::string& document, const std::string& number) {
      StatusOr<sdk::Verification> answer =
          sdk::verify(self.host_, {document, number}, self.verifier_);
      if (!answer.isOk()) {
        state.erase("dialog");
        state.erase("verify");
        if (answer.status().code() == sdk::Code::kNotFound ||
            answer.status().code() == sdk::Code::kUnimplemented) {
          return say(text("verify.no_verifier"));
        }
        self.host_.warn("verification failed: " + answer.status().message());
        return say(text("verify.unavailable"));
      }
      say(verificationText(*answer));
    }

    std::string verificationText(const sdk::Verification& v) {
      const std::string& result = v.result;
      const std::string& number = v.number;
      const std::string document = documentTitle(v.documentType);
      if (result == "invalid_format") {
        state["dialog"] = "verify";
        state["verify"] = {{"step", "number"}};
        return fill(text("verify.invalid"), {{"number", number}, {"reason", v.message}});
      }
      state.erase("dialog");
      state.erase("verify");
      if (result == "unsupported_document_type") return text("verify.unsupported");
      if (result == "not_found")
        return fill(text("verify.not_found"), {{"document", document}, {"number", number}});
      const std::map<std::string, std::string> values{
          {"pin", v.pin},          {"name", v.name},       {"type", v.taxpayerType},
          {"status", v.pinStatus}, {"document", document}, {"number", number}};
      if (v.documentType != "KRA PIN") return fill(text("verify.found_by_id"), values);
      return fill(text(v.active.value_or(false) ? "verify.found" : "verify.found_inactive"),
                  values);
    }

    std::string documentTitle(const std::string& document) {
      if (document == "Citizen") return text("document.citizen");
      if (document == "Non-Citizen") return text("document.non_citizen");
      if (document == "Passport") return text("document.passport");
      return document;
    }

    void sendKycFlow() {
      json parameters{{"flow_message_version", "3"},
                      {"flow_id", self.kycFlowId_},
                      {"flow_cta", text("verify.flow_cta")},
                      {"flow_action", "navigate"},
                      {"flow_action_payload", {{"screen", self.kycFlowScreen_}}}};
      json reply{{"type", "interactive"},
                 {"interactive",
                  {{"type", "flow"},
                   {"body", {{"text", text("verify.flow_body")}}},
                   {"action", {{"name", "flow"}, {"parameters", parameters}}}}}};
      if (!self.kycFlowPlugin_.empty()) reply["flow_plugin"] = self.kycFlowPlugin_;
      replies.push_back(std::move(reply));
    }

    /** The KYC Flow completed: its params are the verification the Flow showed (kyc.json). */
    void kycCompleted(const json& response) {
      const auto verification = response.get<sdk::Verification>();
      if (!verification.result.empty()) return say(verificationText(verification));
      menu("");
    }

    // ---- incidents ----

    void startIncident() {
      json& draft = state["incident"];
      if (draft.is_object() && !str(draft, "type").empty()) {
        state["dialog"] = "incident";
        draft["paused_at"] = str(draft, "step");
        draft["step"] = "resume";
        return buttons(fill(text("incident.ask_resume"), {{"type", typeTitle(str(draft, "type"))}}),
                       {{"incident_resume", text("incident.resume")},
                        {"incident_restart", text("incident.restart")}});
      }
      draft = {{"step", "type"}, {"evidence", json::array()}};
      state["dialog"] = "incident";
      askType();
    }

    void askType() {
      json rows = json::array();
      for (const char* type : kIncidentTypes) {
        rows.push_back({{"id", std::string("incident_type:") + type}, {"title", typeTitle(type)}});
      }
      replies.push_back({{"type", "interactive"},
                         {"interactive",
                          {{"type", "list"},
                           {"body", {{"text", text("incident.ask_type")}}},
                           {"action",
                            {{"button", text("incident.types")},
                             {"sections", json::array({{{"rows", rows}}})}}}}}});
    }

    std::string typeTitle(const std::string& type) { return text("incident.type." + type); }

    void incidentStep() {
      json& draft = state["incident"];
      const std::string step = str(draft, "step");
      if (wantsCancel() && step != "resume") {
        // A draft with a type is kept, to be resumed; one without is dropped.
        const bool keep = !str(draft, "type").empty();
        state.erase("dialog");
        if (!keep) state.erase("incident");
        return say(keep ? text("incident.paused") : text("cancelled"));
      }
      if (step == "resume") {
        if (words.replyId == "incident_restart") {
          state.erase("incident");
          return startIncident();
        }
        draft["step"] = str(draft, "paused_at");
        draft.erase("paused_at");
        return ask(str(draft, "step"));
      }
      if (step == "type") {
        std::string type;
        if (words.replyId.rfind("incident_type:", 0) == 0) type = words.replyId.substr(14);
        for (const char* known : kIncidentTypes) {
          if (type.empty() && lower(trim(words.text)) == lower(typeTitle(known))) type = known;
        }
        if (type.empty()) return askType();
        draft["type"] = type;
        return ask("location");
      }
      if (step == "location") {
        const std::string type = str(message, "type");
        if (type == "location") {
          const json& at = message["location"];
          std::string place = str(at, "name").empty() ? str(at, "address") : str(at, "name");
          char coordinates[64];
          std::snprintf(coordinates, sizeof coordinates, "%.5f,%.5f", at.value("latitude", 0.0),
                        at.value("longitude", 0.0));
          draft["location"] = place.empty() ? coordinates : place + " (" + coordinates + ")";
        } else if (!trim(words.text).empty()) {
          draft["location"] = trim(words.text);
        } else {
          return ask("location");
        }
        return ask("time");
      }
      if (step == "time" || step == "description") {
        if (trim(words.text).empty()) return ask(step);
        draft[step] = trim(words.text);
        return ask(step == "time" ? "description" : "evidence");
      }
      // evidence
      const std::string type = str(message, "type");
      if ((type == "image" || type == "video" || type == "document") &&
          draft["evidence"].size() < kMaxEvidence) {
        json evidence{{"media_id", str(message[type], "id")},
                      {"type", type},
                      {"caption", str(message[type], "caption")}};
        // The host's own copy, when the tenant keeps media: what outlives Meta's (7 days).
        if (!event.media.empty()) {
          const sdk::StoredMediaItem& kept = event.media.front();
          if (kept.state == "stored") {
            if (!looksLikeItsType(kept.id, kept.mimeType))
              return buttons(text("incident.evidence_mismatch"),
                             {{"incident_done", text("incident.done")}});
            evidence["stored_media_id"] = kept.id;
            evidence["sha256"] = kept.sha256;
          } else {
            evidence["media_error"] = kept.error;
          }
        }
        draft["evidence"].push_back(std::move(evidence));
        return buttons(fill(text("incident.evidence_added"),
                            {{"count", std::to_string(draft["evidence"].size())}}),
                       {{"incident_done", text("incident.done")}});
      }
      if (words.replyId == "incident_done" ||
          lower(trim(words.text)) == lower(text("incident.done")) ||
          draft["evidence"].size() >= kMaxEvidence) {
        return saveIncident();
      }
      ask("evidence");
    }

    /**
     * Whether the stored item's first bytes are those of the type the sender's phone declared:
     * a "photo" that is really an executable or an archive is not taken as evidence. Types
     * without a fixed signature (plain text) pass; so does an item the host cannot read now
     * (logged), since refusing it would lose evidence for a fault of ours.
     */
    bool looksLikeItsType(int64_t id, const std::string& mime) {
      char head[16] = {};
      StatusOr<size_t> got = self.host_.readMedia(id, 0, head, sizeof head);
      if (!got.isOk()) {
        self.host_.warn("evidence " + std::to_string(id) +
                        " was not checked: " + got.status().message());
        return true;
      }
      return signatureMatches(mime.substr(0, mime.find(';')), std::string_view(head, *got));
    }

    void ask(const std::string& step) {
      state["incident"]["step"] = step;
      if (step == "type") return askType();
      if (step == "evidence")
        return buttons(text("incident.ask_evidence"), {{"incident_done", text("incident.done")}});
      say(text("incident." + std::string("ask_") + step));
    }

    void saveIncident() {
      json incident = state["incident"];
      incident.erase("step");
      // The reference comes from the message that completed the report, so that answering
      // that message again (the host retries a job whose replies could not be queued) saves
      // the same incident rather than a second one.
      const std::string source = str(message, "id");
      const std::string reference = referenceFor(source);
      incident["reference"] = reference;
      incident["message_id"] = source;
      incident["contact"] = contact;
      incident["reported_at_ms"] = self.host_.nowUnixMs();
      incident["language"] = language;
      check(self.host_.kvPut("incident:" + reference, incident.dump()));
      // The contact's index, newest first.
      const std::string key = "incidents:" + contact;
      StatusOr<std::string> index = self.host_.kvGet(key);
      json list = index.isOk() ? json::parse(*index, nullptr, false) : json::array();
      if (!list.is_array()) list = json::array();
      if (std::find(list.begin(), list.end(), reference) == list.end()) {
        list.insert(list.begin(), reference);
        check(self.host_.kvPut(key, list.dump()));
        self.host_.count("incidents");
      }
      state.erase("incident");
      state.erase("dialog");
      say(fill(text("incident.saved"), {{"reference", reference}}));
      if (!self.incidentDesk_.empty()) forwardToDesk(incident);
    }

    /**
     * "INC-" and eight characters of the hash of the message id; where another message's
     * incident already has them, the next eight.
     */
    std::string referenceFor(const std::string& source) {
      static const char* kAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";  // no 0/O, 1/I
      const std::array<uint8_t, 32> digest = self.host_.sha256(contact + ":" + source);
      std::string reference;
      for (size_t start = 0; start + 8 <= digest.size(); start += 8) {
        reference = "INC-";
        for (size_t i = start; i < start + 8; ++i) reference += kAlphabet[digest[i] % 32];
        StatusOr<std::string> earlier = self.host_.kvGet("incident:" + reference);
        if (!earlier.isOk() || str(json::parse(*earlier, nullptr, false), "message_id") == source)
          break;
      }
      return reference;
    }

    /**
     * The tenant's incident desk (incident_desk) gets the report and the host's copy of each
     * piece of evidence, sent by its stored id (the host uploads it once).
     */
    void forwardToDesk(const json& incident) {
      const std::string desk = "+" + self.incidentDesk_;
      size_t kept = 0;
      for (const auto& evidence : incident["evidence"])
        if (evidence.contains("stored_media_id")) ++kept;
      const std::string summary = fill(
          deskText("incident.desk"), {{"reference", str(incident, "reference")},
                                      {"type", deskText("incident.type." + str(incident, "type"))},
                                      {"location", str(incident, "location")},
                                      {"time", str(incident, "time")},
                                      {"description", str(incident, "description")},
                                      {"contact", "+" + contact},
                                      {"evidence", std::to_string(kept)}});
      replies.push_back({{"to", desk}, {"type", "text"}, {"text", {{"body", summary}}}});
      for (const auto& evidence : incident["evidence"]) {
        if (!evidence.contains("stored_media_id")) continue;
        const std::string type = str(evidence, "type");
        json media{{"stored_media_id", evidence["stored_media_id"]}};
        if (type != "audio") media["caption"] = str(incident, "reference");
        replies.push_back({{"to", desk}, {"type", type}, {type, media}});
      }
    }

    /** The desk's texts are in the tenant's default language. */
    std::string deskText(const std::string& key) const {
      return textIn(self.defaultLanguage_, key);
    }

    void listIncidents() {
      StatusOr<std::string> index = self.host_.kvGet("incidents:" + contact);
      json list = index.isOk() ? json::parse(*index, nullptr, false) : json::array();
      if (!list.is_array() || list.empty()) return say(text("incident.none"));
      std::string body = text("incident.list");
      for (size_t i = 0; i < list.size() && i < kListedIncidents; ++i) {
        const std::string reference = list[i].get<std::string>();
        StatusOr<std::string> stored = self.host_.kvGet("incident:" + reference);
        if (!stored.isOk()) continue;
        const json incident = json::parse(*stored);
        const std::time_t at =
            static_cast<std::time_t>(incident.value("reported_at_ms", int64_t{0}) / 1000);
        char day[16];
        std::tm tm{};
        gmtime_r(&at, &tm);
        std::strftime(day, sizeof day, "%Y-%m-%d", &tm);
        body += "\n• " + reference + " · " + typeTitle(str(incident, "type")) + " · " +
                str(incident, "location") + " · " + day;
      }
      say(body);
    }

    // ---- replies ----

    std::string text(const std::string& key) const { return textIn(language, key); }

    /** A text in `lang`, else in English. */
    std::string textIn(const std::string& lang, const std::string& key) const {
      if (auto texts = self.texts_.find(lang); texts != self.texts_.end()) {
        if (auto it = texts->second.find(key); it != texts->second.end()) return it->second;
      }
      return self.texts_.at("en").at(key);
    }

    static std::string fill(std::string s, const std::map<std::string, std::string>& values) {
      for (const auto& [name, value] : values) {
        const std::string mark = "{" + name + "}";
        for (size_t at = s.find(mark); at != std::string::npos;
             at = s.find(mark, at + value.size())) {
          s.replace(at, mark.size(), value);
        }
      }
      return s;
    }

    void say(const std::string& body) {
      replies.push_back({{"type", "text"}, {"text", {{"body", body}}}});
    }

    void buttons(const std::string& body,
                 const std::vector<std::pair<std::string, std::string>>& choices) {
      json list = json::array();
      for (const auto& [id, title] : choices)
        list.push_back({{"type", "reply"}, {"reply", {{"id", id}, {"title", title}}}});
      replies.push_back(
          {{"type", "interactive"},
           {"interactive",
            {{"type", "button"}, {"body", {{"text", body}}}, {"action", {{"buttons", list}}}}}});
    }

    static void check(const sdk::Status& status) {
      if (!status.isOk()) throw sdk::StatusError(status);
    }

    Assistant& self;
    const sdk::ConversationEvent& event;
    const json& message;
    const sdk::IntentResult& nlu;  // kNoIntents when the message has no words
    json state;
    std::string contact, intent, language;
    sdk::MessageWords words;
    std::vector<json> replies;
  };

  Host host_;
  std::string defaultLanguage_;
  std::string verifier_;
  std::string kycFlowId_;
  std::string kycFlowPlugin_;
  std::string kycFlowScreen_;
  std::string incidentDesk_;  // digits of the number that gets each report, or ""
  TextTable texts_;
};

}  // namespace
}  // namespace baraza::assistant

BARAZA_PLUGIN(BARAZA_PLUGIN_ID, BARAZA_PLUGIN_VERSION, baraza::assistant::Assistant)
