// The assistant's reply texts in English and Swahili. A tenant overrides any of them per
// language with plugins.<name>.config.texts.<language>.<key>; {placeholders} are filled in.
#pragma once

#include <map>
#include <string>

namespace baraza::assistant {

using TextTable =
    std::map<std::string, std::map<std::string, std::string>>;  // language -> key -> text

inline const TextTable& builtInTexts() {
  static const TextTable texts = {
      {"en",
       {
           {"menu",
            "Hello{name}! I can verify a KRA PIN, take an incident report, or show your reports. "
            "What would you like to do?"},
           {"menu.verify", "Verify a KRA PIN"},
           {"menu.report", "Report incident"},
           {"menu.view", "My reports"},
           {"fallback", "Sorry, I did not understand that."},
           {"ambiguous", "Did you mean one of these?"},
           {"cancelled", "Cancelled. Anything else?"},
           {"nothing_to_cancel", "There is nothing to cancel."},
           {"verify.ask_number",
            "Please send the KRA PIN (like A123456789Z), or an ID or passport number, to verify."},
           {"verify.ask_document", "What kind of document is {number}?"},
           {"verify.flow_body", "Tap below to verify a KRA PIN or an identity document."},
           {"verify.flow_cta", "Verify now"},
           {"verify.invalid",
            "{number} does not look right: {reason}. Please send it again, or say cancel."},
           {"verify.found",
            "✅ KRA PIN {pin} is registered.\nName: {name}\nTaxpayer type: {type}\nPIN status: "
            "{status}"},
           {"verify.found_inactive",
            "⚠️ KRA PIN {pin} is registered but its status is {status}.\nName: "
            "{name}\nTaxpayer "
            "type: {type}"},
           {"verify.found_by_id", "✅ {document} {number} has KRA PIN {pin}.\nName: {name}"},
           {"verify.not_found", "❌ KRA has no record of {document} {number}."},
           {"verify.unsupported",
            "I can verify a KRA PIN, a national ID, an alien card or a passport number."},
           {"verify.unavailable",
            "KRA cannot be reached right now. Please try again in a few minutes."},
           {"verify.no_verifier", "Verification is not available here yet."},
           {"document.citizen", "National ID"},
           {"document.non_citizen", "Alien card"},
           {"document.passport", "Passport"},
           {"incident.ask_type", "What kind of incident is it?"},
           {"incident.types", "Choose type"},
           {"incident.type.theft", "Theft"},
           {"incident.type.accident", "Accident"},
           {"incident.type.fire", "Fire"},
           {"incident.type.fraud", "Fraud"},
           {"incident.type.other", "Other"},
           {"incident.ask_location", "Where did it happen? Send a place name or share a location."},
           {"incident.ask_time", "When did it happen? (for example: today 3pm)"},
           {"incident.ask_description", "Please describe what happened."},
           {"incident.ask_evidence",
            "Send photos or videos as evidence, then tap Done. Or tap Done now to skip."},
           {"incident.evidence_added", "Got it ({count} so far). Send more, or tap Done."},
           {"incident.evidence_mismatch",
            "That file's contents do not match its type, so it was not added. Send another, or "
            "tap Done."},
           {"incident.desk",
            "New incident {reference}: {type}\nWhere: {location}\nWhen: {time}\n{description}\n"
            "Reported by {contact}; {evidence} evidence file(s) follow."},
           {"incident.done", "Done"},
           {"incident.paused", "Your report is paused. Say \"report\" to continue it."},
           {"incident.ask_resume",
            "You have an unfinished {type} report. Continue it or start over?"},
           {"incident.resume", "Continue"},
           {"incident.restart", "Start over"},
           {"incident.saved",
            "✅ Incident reported. Your reference number is {reference}. We will follow up."},
           {"incident.none", "You have not reported any incidents."},
           {"incident.list", "Your reports, newest first:"},
       }},
      {"sw",
       {
           {"menu",
            "Habari{name}! Naweza kuthibitisha PIN ya KRA, kupokea ripoti ya tukio, au kuonyesha "
            "ripoti zako. Ungependa nini?"},
           {"menu.verify", "Thibitisha PIN"},
           {"menu.report", "Ripoti tukio"},
           {"menu.view", "Ripoti zangu"},
           {"fallback", "Samahani, sijaelewa."},
           {"ambiguous", "Ulimaanisha mojawapo ya haya?"},
           {"cancelled", "Imeghairiwa. Kuna jingine?"},
           {"nothing_to_cancel", "Hakuna cha kughairi."},
           {"verify.ask_number",
            "Tafadhali tuma PIN ya KRA (kama A123456789Z), au nambari ya kitambulisho au pasipoti, "
            "ili kuithibitisha."},
           {"verify.ask_document", "{number} ni nambari ya hati gani?"},
           {"verify.flow_body", "Gusa hapa chini kuthibitisha PIN ya KRA au hati ya utambulisho."},
           {"verify.flow_cta", "Thibitisha sasa"},
           {"verify.invalid",
            "{number} haionekani sawa: {reason}. Tafadhali itume tena, au sema ghairi."},
           {"verify.found",
            "✅ PIN ya KRA {pin} imesajiliwa.\nJina: {name}\nAina ya mlipakodi: {type}\nHali ya "
            "PIN: {status}"},
           {"verify.found_inactive",
            "⚠️ PIN ya KRA {pin} imesajiliwa lakini hali yake ni {status}.\nJina: {name}\nAina "
            "ya mlipakodi: {type}"},
           {"verify.found_by_id", "✅ {document} {number} ina PIN ya KRA {pin}.\nJina: {name}"},
           {"verify.not_found", "❌ KRA haina rekodi ya {document} {number}."},
           {"verify.unsupported",
            "Naweza kuthibitisha PIN ya KRA, kitambulisho, kadi ya mgeni au nambari ya pasipoti."},
           {"verify.unavailable",
            "Hatuwezi kufikia KRA kwa sasa. Tafadhali jaribu tena baada ya dakika chache."},
           {"verify.no_verifier", "Uthibitishaji haupatikani hapa bado."},
           {"document.citizen", "Kitambulisho"},
           {"document.non_citizen", "Kadi ya mgeni"},
           {"document.passport", "Pasipoti"},
           {"incident.ask_type", "Ni tukio la aina gani?"},
           {"incident.types", "Chagua aina"},
           {"incident.type.theft", "Wizi"},
           {"incident.type.accident", "Ajali"},
           {"incident.type.fire", "Moto"},
           {"incident.type.fraud", "Ulaghai"},
           {"incident.type.other", "Nyingine"},
           {"incident.ask_location", "Lilitokea wapi? Tuma jina la mahali au shiriki eneo."},
           {"incident.ask_time", "Lilitokea lini? (kwa mfano: leo saa tisa)"},
           {"incident.ask_description", "Tafadhali eleza kilichotokea."},
           {"incident.ask_evidence",
            "Tuma picha au video kama ushahidi, kisha gusa Maliza. Au gusa Maliza sasa kuruka."},
           {"incident.evidence_added",
            "Nimepokea ({count} hadi sasa). Tuma zaidi, au gusa Maliza."},
           {"incident.evidence_mismatch",
            "Maudhui ya faili hilo hayalingani na aina yake, kwa hivyo halikuongezwa. Tuma "
            "jingine, au gusa Maliza."},
           {"incident.desk",
            "Tukio jipya {reference}: {type}\nWapi: {location}\nLini: {time}\n{description}\n"
            "Limeripotiwa na {contact}; faili {evidence} za ushahidi zinafuata."},
           {"incident.done", "Maliza"},
           {"incident.paused", "Ripoti yako imesitishwa. Sema \"ripoti\" kuiendeleza."},
           {"incident.ask_resume",
            "Una ripoti ya {type} ambayo haijakamilika. Uiendeleze au uanze upya?"},
           {"incident.resume", "Endelea"},
           {"incident.restart", "Anza upya"},
           {"incident.saved",
            "✅ Tukio limeripotiwa. Nambari yako ya kumbukumbu ni {reference}. Tutafuatilia."},
           {"incident.none", "Hujaripoti tukio lolote."},
           {"incident.list", "Ripoti zako, za karibuni kwanza:"},
       }},
  };
  return texts;
}

}  // namespace baraza::assistant
