#include "Rules.h"

#include <algorithm>
#include <cctype>

namespace baraza::rules {
namespace {

/** A built-in phrase: the intent it signals, its language ("" for both) and its words. */
struct Phrase {
  const char* intent;
  const char* language;
  const char* words;
};

// What people write, in English and Swahili (incl. common Sheng spellings). A phrase's words
// must appear in order and next to each other; every word a phrase covers counts once.
constexpr Phrase kPhrases[] = {
    {"verify_kra_pin", "", "kra"},
    {"verify_kra_pin", "", "pin"},
    {"verify_kra_pin", "", "kra pin"},
    {"verify_kra_pin", "", "kyc"},
    {"verify_kra_pin", "en", "verify"},
    {"verify_kra_pin", "en", "verification"},
    {"verify_kra_pin", "en", "check"},
    {"verify_kra_pin", "en", "validate"},
    {"verify_kra_pin", "en", "confirm"},
    {"verify_kra_pin", "en", "tax"},
    {"verify_kra_pin", "en", "lookup"},
    {"verify_kra_pin", "en", "look up"},
    {"verify_kra_pin", "sw", "thibitisha"},
    {"verify_kra_pin", "sw", "kuthibitisha"},
    {"verify_kra_pin", "sw", "nithibitishie"},
    {"verify_kra_pin", "sw", "hakiki"},
    {"verify_kra_pin", "sw", "kuhakiki"},
    {"verify_kra_pin", "sw", "angalia"},
    {"verify_kra_pin", "sw", "kuangalia"},
    {"verify_kra_pin", "sw", "pini"},
    {"verify_kra_pin", "sw", "ushuru"},
    {"verify_kra_pin", "sw", "kodi"},

    {"report_incident", "en", "report"},
    {"report_incident", "en", "incident"},
    {"report_incident", "en", "accident"},
    {"report_incident", "en", "crime"},
    {"report_incident", "en", "theft"},
    {"report_incident", "en", "stolen"},
    {"report_incident", "en", "robbery"},
    {"report_incident", "en", "robbed"},
    {"report_incident", "en", "fire"},
    {"report_incident", "en", "emergency"},
    {"report_incident", "en", "fraud"},
    {"report_incident", "sw", "ripoti"},
    {"report_incident", "sw", "kuripoti"},
    {"report_incident", "sw", "tukio"},
    {"report_incident", "sw", "ajali"},
    {"report_incident", "sw", "wizi"},
    {"report_incident", "sw", "moto"},
    {"report_incident", "sw", "dharura"},
    {"report_incident", "sw", "nimeibiwa"},
    {"report_incident", "sw", "kuibiwa"},
    {"report_incident", "sw", "ulaghai"},

    {"view_incidents", "en", "my incidents"},
    {"view_incidents", "en", "my reports"},
    {"view_incidents", "en", "incidents"},
    {"view_incidents", "en", "reports"},
    {"view_incidents", "en", "view"},
    {"view_incidents", "en", "show"},
    {"view_incidents", "en", "list"},
    {"view_incidents", "en", "history"},
    {"view_incidents", "sw", "matukio"},
    {"view_incidents", "sw", "matukio yangu"},
    {"view_incidents", "sw", "ripoti zangu"},
    {"view_incidents", "sw", "onyesha"},
    {"view_incidents", "sw", "nionyeshe"},
    {"view_incidents", "sw", "orodha"},
    {"view_incidents", "sw", "tazama"},

    {"help", "en", "help"},
    {"help", "en", "menu"},
    {"help", "en", "options"},
    {"help", "en", "what can you do"},
    {"help", "sw", "msaada"},
    {"help", "sw", "saidia"},
    {"help", "sw", "nisaidie"},
    {"help", "sw", "menyu"},

    {"greeting", "en", "hi"},
    {"greeting", "en", "hello"},
    {"greeting", "en", "hey"},
    {"greeting", "en", "good morning"},
    {"greeting", "en", "good afternoon"},
    {"greeting", "en", "good evening"},
    {"greeting", "sw", "habari"},
    {"greeting", "sw", "jambo"},
    {"greeting", "sw", "hujambo"},
    {"greeting", "sw", "mambo"},
    {"greeting", "sw", "salaam"},
    {"greeting", "sw", "sasa"},
    {"greeting", "sw", "niaje"},
    {"greeting", "sw", "shikamoo"},

    {"cancel", "en", "cancel"},
    {"cancel", "en", "stop"},
    {"cancel", "en", "quit"},
    {"cancel", "en", "exit"},
    {"cancel", "en", "abort"},
    {"cancel", "sw", "ghairi"},
    {"cancel", "sw", "sitisha"},
    {"cancel", "sw", "acha"},
};

// Words that carry no intent: they count toward neither the message's length nor a language
// unless listed with one.
constexpr std::pair<const char*, const char*> kFillers[] = {
    {"en", "i"},
    {"en", "want"},
    {"en", "to"},
    {"en", "my"},
    {"en", "me"},
    {"en", "the"},
    {"en", "a"},
    {"en", "an"},
    {"en", "please"},
    {"en", "pls"},
    {"en", "can"},
    {"en", "you"},
    {"en", "is"},
    {"en", "it"},
    {"en", "of"},
    {"en", "for"},
    {"en", "this"},
    {"en", "that"},
    {"en", "and"},
    {"en", "with"},
    {"en", "would"},
    {"en", "like"},
    {"en", "need"},
    {"en", "do"},
    {"en", "on"},
    {"en", "in"},
    {"en", "at"},
    {"en", "kindly"},
    {"en", "number"},
    {"en", "no"},
    {"en", "id"},
    {"en", "national"},
    {"en", "passport"},
    {"en", "alien"},
    {"en", "card"},
    {"en", "am"},
    {"en", "was"},
    {"en", "there"},
    {"en", "an"},
    {"en", "your"},
    {"sw", "nataka"},
    {"sw", "ningependa"},
    {"sw", "yangu"},
    {"sw", "wangu"},
    {"sw", "langu"},
    {"sw", "tafadhali"},
    {"sw", "na"},
    {"sw", "ya"},
    {"sw", "wa"},
    {"sw", "la"},
    {"sw", "kwa"},
    {"sw", "hii"},
    {"sw", "hiyo"},
    {"sw", "mimi"},
    {"sw", "naomba"},
    {"sw", "ni"},
    {"sw", "za"},
    {"sw", "zangu"},
    {"sw", "nambari"},
    {"sw", "namba"},
    {"sw", "kitambulisho"},
    {"sw", "pasipoti"},
    {"sw", "mgeni"},
    {"sw", "yako"},
    {"sw", "kuna"},
};

struct Token {
  std::string word;  // lower-case
  std::string raw;
  size_t start = 0;
  size_t end = 0;
};

/** Words of ASCII letters and digits (and any non-ASCII byte, so UTF-8 letters stay in words). */
std::vector<Token> tokenize(std::string_view text) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < text.size()) {
    auto inWord = [&](size_t k) {
      const unsigned char c = static_cast<unsigned char>(text[k]);
      return std::isalnum(c) || c >= 0x80;
    };
    if (!inWord(i)) {
      ++i;
      continue;
    }
    Token t;
    t.start = i;
    while (i < text.size() && inWord(i)) ++i;
    t.end = i;
    t.raw = std::string(text.substr(t.start, t.end - t.start));
    t.word = t.raw;
    std::transform(t.word.begin(), t.word.end(), t.word.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<std::string> words(std::string_view phrase) {
  std::vector<std::string> out;
  for (const Token& t : tokenize(phrase)) out.push_back(t.word);
  return out;
}

bool allDigits(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

/** The document a context word names (providers.md §A.7), or "". */
std::string documentWord(const std::string& word) {
  if (word == "passport" || word == "pasipoti") return "Passport";
  if (word == "alien" || word == "mgeni" || word == "foreigner") return "Non-Citizen";
  if (word == "id" || word == "kitambulisho" || word == "national") return "Citizen";
  return "";
}

/** Whether `value` is a number of the document (providers.md §A.7 patterns). */
bool fitsDocument(const std::string& document, const std::string& value) {
  if (document == "Citizen") return allDigits(value) && value.size() <= 9;
  if (document == "Non-Citizen") return allDigits(value) && value.size() >= 6 && value.size() <= 9;
  if (document == "Passport") {
    return value.size() >= 7 && value.size() <= 9 &&
           std::any_of(value.begin(), value.end(),
                       [](unsigned char c) { return std::isdigit(c); }) &&
           std::all_of(value.begin(), value.end(), [](unsigned char c) { return std::isalnum(c); });
  }
  return false;
}

/** Entities of the text; the tokens they used are marked in `used`. */
Entity located(const char* type, const std::string& value, const Token& t) {
  return {type, value, static_cast<int64_t>(t.start), static_cast<int64_t>(t.end)};
}

std::vector<Entity> findEntities(const std::vector<Token>& tokens, std::vector<bool>& used) {
  std::vector<Entity> out;
  std::string document;
  for (const Token& t : tokens) {
    if (document.empty()) document = documentWord(t.word);
  }
  for (size_t i = 0; i < tokens.size(); ++i) {
    const Token& t = tokens[i];
    const std::string value = upper(t.raw);
    if (isKraPin(value)) {
      out.push_back(located("kra_pin", value, t));
      if (document.empty()) document = "KRA PIN";
      used[i] = true;
    } else if (!document.empty() && document != "KRA PIN" && fitsDocument(document, value) &&
               documentWord(t.word).empty()) {
      out.push_back(located("id_number", value, t));
      used[i] = true;
    } else if (document.empty() && allDigits(value) && value.size() >= 6 && value.size() <= 9) {
      // A bare number long enough to be an id; the document type is left for the bot to ask.
      out.push_back(located("id_number", value, t));
      used[i] = true;
    }
  }
  if (!document.empty()) out.push_back({"document_type", document, std::nullopt, std::nullopt});
  return out;
}

}  // namespace

bool isKraPin(std::string_view v) {
  if (v.size() != 11 || (v[0] != 'A' && v[0] != 'P') ||
      !std::isupper(static_cast<unsigned char>(v[10])))
    return false;
  return std::all_of(v.begin() + 1, v.begin() + 10,
                     [](unsigned char c) { return std::isdigit(c); });
}

Rules::Rules(Settings settings) : settings_(std::move(settings)) {
  for (const Phrase& p : kPhrases) {
    phrases_[p.intent].push_back(words(p.words));
    for (const auto& w : phrases_[p.intent].back()) {
      if (*p.language) languageOf_.emplace(w, p.language);
    }
  }
  for (const auto& [language, word] : kFillers) {
    fillers_.insert(word);
    languageOf_.emplace(word, language);
  }
  for (const auto& [intent, list] : settings_.keywords) {
    for (const auto& phrase : list) {
      if (auto w = words(phrase); !w.empty()) phrases_[intent].push_back(std::move(w));
    }
  }
  if (!settings_.enabled.empty()) {
    for (auto it = phrases_.begin(); it != phrases_.end();) {
      it = settings_.enabled.count(it->first) ? std::next(it) : phrases_.erase(it);
    }
  }
}

std::vector<std::string> Rules::intents() const {
  std::vector<std::string> names;
  for (const auto& [name, list] : phrases_) names.push_back(name);
  return names;
}

Detection Rules::detect(std::string_view text, std::string_view replyId) const {
  Detection d;
  const std::vector<Token> tokens = tokenize(text);
  std::vector<bool> entityToken(tokens.size(), false);
  d.entities = findEntities(tokens, entityToken);

  // Language: which side's words the message uses more of (English when even), or none
  // when it has no word of either (a PIN alone): the conversation keeps the one it had.
  int swahili = 0;
  int english = 0;
  for (const Token& t : tokens) {
    auto it = languageOf_.find(t.word);
    if (it != languageOf_.end()) (it->second == "sw" ? swahili : english) += 1;
  }
  d.language = swahili > english ? "sw" : english > 0 ? "en" : "";

  if (!replyId.empty() && phrases_.count(std::string(replyId))) {
    d.intent = {std::string(replyId), 1.0};
    d.intents = {d.intent};
    return d;
  }

  // Confidence of an intent: the share of the message's meaningful words its phrases cover.
  // An identifier found in the text is a meaningful word that a verification request covers.
  const bool hasId = std::any_of(d.entities.begin(), d.entities.end(), [](const Entity& e) {
    return e.type == "kra_pin" || e.type == "id_number";
  });
  size_t meaningful = hasId ? 1 : 0;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (!entityToken[i] && !fillers_.count(tokens[i].word)) ++meaningful;
  }
  for (const auto& [intent, list] : phrases_) {
    std::vector<bool> covered(tokens.size(), false);
    for (const auto& phrase : list) {
      for (size_t i = 0; i + phrase.size() <= tokens.size(); ++i) {
        bool match = true;
        for (size_t k = 0; k < phrase.size() && match; ++k) match = tokens[i + k].word == phrase[k];
        if (match) std::fill(covered.begin() + i, covered.begin() + i + phrase.size(), true);
      }
    }
    size_t hits = hasId && intent == "verify_kra_pin" ? 1 : 0;
    for (size_t i = 0; i < tokens.size(); ++i)
      hits += covered[i] && !entityToken[i] && !fillers_.count(tokens[i].word);
    if (hits > 0 && meaningful > 0) {
      d.intents.push_back(
          {intent, std::min(1.0, static_cast<double>(hits) / static_cast<double>(meaningful))});
    }
  }
  std::stable_sort(d.intents.begin(), d.intents.end(),
                   [](const Ranked& a, const Ranked& b) { return a.confidence > b.confidence; });

  d.intent = {settings_.fallback, d.intents.empty() ? 0.0 : d.intents.front().confidence};
  if (d.intents.empty() || d.intents.front().confidence < settings_.threshold) return d;
  if (d.intents.size() > 1 &&
      d.intents[0].confidence - d.intents[1].confidence < settings_.ambiguityGap) {
    d.ambiguous = true;
    return d;
  }
  d.intent = d.intents.front();
  return d;
}

}  // namespace baraza::rules
