// docs/configuration.md against the code: every key of the host file and of a tenant file the
// code reads is in the reference's tables, every key the tables name is read, and a default they
// state as a literal is the code's (host table: a number or `text` in its default column; tenant
// table: "default X:" opening the meaning).
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <regex>
#include <string>

#include "app/HostConfig.h"
#include "tenants/TenantConfig.h"

namespace baraza::app {
namespace {

using Keys = std::map<std::string, std::optional<std::string>>;
using Rows = std::map<std::string, std::string>;  // key -> the cell that may state its default

constexpr const char* kHostTable = "Host file: baraza.properties";
constexpr const char* kTenantTable = "Tenant file: tenants.d/&lt;id&gt;.properties";

/** The rows of the table under `heading`: key -> its `column`-th cell (1 is the one after the key).
 */
Rows documentedRows(const std::string& heading, int column) {
  std::ifstream in(BARAZA_DOCS_DIR "/configuration.md");
  EXPECT_TRUE(in.good()) << "cannot read " BARAZA_DOCS_DIR "/configuration.md";
  Rows rows;
  const std::regex row(R"(^\| `([^`]+)` \|(.*)\|$)");
  bool inSection = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("## ", 0) == 0) inSection = line == "## " + heading;
    std::smatch m;
    if (!inSection || !std::regex_match(line, m, row)) continue;
    std::string cells = m[2].str();
    for (int i = 1; i < column && cells.find('|') != std::string::npos; ++i)
      cells = cells.substr(cells.find('|') + 1);
    std::string cell = cells.substr(0, cells.find('|'));
    cell.erase(0, cell.find_first_not_of(' '));
    cell.erase(cell.find_last_not_of(' ') + 1);
    rows[m[1].str()] = cell;
  }
  return rows;
}

/** A host default cell stating a literal value: "42", "-10", "`text`". */
std::optional<std::string> hostDefault(const std::string& cell) {
  static const std::regex number(R"(^-?[0-9]+(\.[0-9]+)?$)");
  static const std::regex quoted(R"(^`([^`]*)`$)");
  std::smatch m;
  if (std::regex_match(cell, number)) return cell;
  if (std::regex_match(cell, m, quoted)) return m[1].str();
  return std::nullopt;
}

/** A tenant meaning opening with its default: "default 80: at most..." -> "80". */
std::optional<std::string> tenantDefault(const std::string& meaning) {
  static const std::regex stated(R"(^default `?([^`: ]+)`?[: (])");
  std::smatch m;
  if (std::regex_search(meaning, m, stated)) return m[1].str();
  return std::nullopt;
}

void expectEveryKeyDocumented(
    const Keys& known, const Rows& documented,
    const std::function<std::optional<std::string>(const std::string&)>& statedDefault) {
  for (const auto& [key, codeDefault] : known) {
    auto doc = documented.find(key);
    if (doc == documented.end()) {
      ADD_FAILURE() << key << " is read by the code but missing from docs/configuration.md";
      continue;
    }
    const std::optional<std::string> docDefault = statedDefault(doc->second);
    if (docDefault && codeDefault) {
      EXPECT_EQ(*docDefault, *codeDefault)
          << "the documented default of " << key << " is not the code's";
    }
  }
}

void expectEveryDocumentedKeyRead(const Keys& known, const Rows& documented) {
  for (const auto& [key, cell] : documented) {
    if (key.find('<') != std::string::npos) continue;  // a family of keys (<name>), read by listing
    EXPECT_TRUE(known.count(key)) << key << " is documented but the code does not read it";
  }
}

TEST(ConfigDocs, EveryHostKeyTheCodeReadsIsDocumentedWithItsDefault) {
  const Rows documented = documentedRows(kHostTable, 1);
  ASSERT_GT(documented.size(), 20u) << "the host table was not found";
  expectEveryKeyDocumented(hostConfigKeys(), documented, hostDefault);
}

TEST(ConfigDocs, EveryDocumentedHostKeyIsOneTheCodeReads) {
  expectEveryDocumentedKeyRead(hostConfigKeys(), documentedRows(kHostTable, 1));
}

TEST(ConfigDocs, EveryTenantKeyTheCodeReadsIsDocumentedWithItsDefault) {
  const Rows documented = documentedRows(kTenantTable, 2);
  ASSERT_GT(documented.size(), 10u) << "the tenant table was not found";
  expectEveryKeyDocumented(tenants::tenantConfigKeys(), documented, tenantDefault);
}

TEST(ConfigDocs, EveryDocumentedTenantKeyIsOneTheCodeReads) {
  expectEveryDocumentedKeyRead(tenants::tenantConfigKeys(), documentedRows(kTenantTable, 2));
}

}  // namespace
}  // namespace baraza::app
