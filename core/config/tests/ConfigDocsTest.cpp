// docs/configuration.md against the code: every key of the host file the code reads is in the
// reference's table, every key the table names is read, and a default the table gives as a
// literal (a number, or `text`) is the code's default.
#include "config/HostConfig.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <string>

namespace baraza::config {
namespace {

/** The rows of the table under `heading` in docs/configuration.md: key -> default cell. */
std::map<std::string, std::string> documentedKeys(const std::string& heading) {
  std::ifstream in(BARAZA_DOCS_DIR "/configuration.md");
  EXPECT_TRUE(in.good()) << "cannot read " BARAZA_DOCS_DIR "/configuration.md";
  std::map<std::string, std::string> keys;
  const std::regex row(R"(^\| `([^`]+)` \| ([^|]*) \|)");
  bool inSection = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("## ", 0) == 0) inSection = line == "## " + heading;
    std::smatch m;
    if (inSection && std::regex_search(line, m, row)) {
      std::string cell = m[2].str();
      while (!cell.empty() && cell.back() == ' ') cell.pop_back();
      keys[m[1].str()] = cell;
    }
  }
  return keys;
}

/** A default cell that states a literal value: "42", "-10", "`text`"; else nothing. */
std::optional<std::string> literal(const std::string& cell) {
  static const std::regex number(R"(^-?[0-9]+(\.[0-9]+)?$)");
  static const std::regex quoted(R"(^`([^`]*)`$)");
  std::smatch m;
  if (std::regex_match(cell, number)) return cell;
  if (std::regex_match(cell, m, quoted)) return m[1].str();
  return std::nullopt;
}

TEST(ConfigDocs, EveryHostKeyTheCodeReadsIsDocumentedWithItsDefault) {
  const auto documented = documentedKeys("Host file: baraza.properties");
  ASSERT_GT(documented.size(), 20u) << "the host table was not found";
  for (const auto& [key, codeDefault] : hostConfigKeys()) {
    SCOPED_TRACE(key);
    auto doc = documented.find(key);
    if (doc == documented.end()) {
      ADD_FAILURE() << key << " is read by the code but missing from docs/configuration.md";
      continue;
    }
    const std::optional<std::string> docDefault = literal(doc->second);
    if (docDefault && codeDefault) {
      EXPECT_EQ(*docDefault, *codeDefault) << "the documented default of " << key << " is not the code's";
    }
  }
}

TEST(ConfigDocs, EveryDocumentedHostKeyIsOneTheCodeReads) {
  const auto known = hostConfigKeys();
  for (const auto& [key, cell] : documentedKeys("Host file: baraza.properties")) {
    if (key.find('<') != std::string::npos) continue;  // a family of keys (<name>), read by listing
    EXPECT_TRUE(known.count(key)) << key << " is documented but the code does not read it";
  }
}

}  // namespace
}  // namespace baraza::config
