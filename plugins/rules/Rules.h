// The offline intent detector: keywords and phrases per intent in English and Swahili, entity
// patterns for Kenyan identity documents, a confidence threshold and an ambiguity gap. Plain C++
// with no host calls, so it is tested directly (tests/RulesTest.cpp).
#pragma once

#include <baraza/sdk/Documents.hpp>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace baraza::rules {

// The intent kind's documents (baraza/sdk/Documents.hpp): a detection is the kind's output.
using Entity = sdk::Entity;  // document_type read from context words has no start/end
using Ranked = sdk::RankedIntent;
/** `intent` is the fallback when below threshold or ambiguous; `intents` every intent that
 * matched, best first. */
using Detection = sdk::IntentResult;

struct Settings {
  double threshold = 0.5;
  double ambiguityGap = 0.1;
  std::string fallback = "fallback";
  /** Extra phrases per intent, added to the built-in ones (a new name adds an intent). */
  std::map<std::string, std::vector<std::string>> keywords;
  /** When not empty, only these intents are detected. */
  std::set<std::string> enabled;
};

class Rules {
 public:
  explicit Rules(Settings settings);

  /**
   * Classifies `text`. `replyId`, the id of a tapped reply button or list row, names the intent
   * outright when it is one of the known intents (confidence 1).
   */
  Detection detect(std::string_view text, std::string_view replyId = {}) const;

  /** The intents this detector knows, in name order. */
  std::vector<std::string> intents() const;

 private:
  Settings settings_;
  // intent -> phrases, each a sequence of lower-case words
  std::map<std::string, std::vector<std::vector<std::string>>> phrases_;
  std::map<std::string, std::string> languageOf_;  // word -> "en" or "sw"
  std::set<std::string> fillers_;                  // words that signal no intent
};

/** KRA PIN format (providers.md §A.5), on a trimmed, upper-cased value. */
bool isKraPin(std::string_view value);

}  // namespace baraza::rules
