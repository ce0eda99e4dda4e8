#include <Poco/TemporaryFile.h>
#include <gtest/gtest.h>

#include <fstream>

#include "plugins/Manifest.h"

namespace baraza::plugins {
namespace {

class ManifestTest : public ::testing::Test {
 protected:
  std::string write(const std::string& text) {
    file_.createDirectories();
    const std::string path = file_.path() + "/plugin.json";
    std::ofstream(path) << text;
    return path;
  }
  Poco::TemporaryFile file_;
};

TEST_F(ManifestTest, ReadsAValidManifest) {
  auto m = readManifest(write(R"({"id":"ke.baraza.intent.rules","version":"1.0.0",
      "kinds":["intent","verifier"],"abi":"1.0","library":"librules.so",
      "config_schema":{"type":"object"}})"));
  ASSERT_TRUE(m.isOk()) << m.status().toString();
  EXPECT_EQ(m->kinds, BARAZA_KIND_INTENT | BARAZA_KIND_VERIFIER);
  EXPECT_EQ(m->abiVersion(), BARAZA_ABI_MAKE_VERSION(1, 0));
  EXPECT_EQ(m->libraryPath, file_.path() + "/librules.so");
}

TEST_F(ManifestTest, NamesTheFileAndTheField) {
  const std::string path = write(R"({"id":"Rules","version":"1.0.0","kinds":["intent"],
      "abi":"1.0","library":"x.so"})");
  auto m = readManifest(path);
  ASSERT_FALSE(m.isOk());
  EXPECT_EQ(m.status().message(),
            path + ": id: \"Rules\" is not a reverse-DNS name (e.g. com.example.kind.name)");
}

TEST_F(ManifestTest, RefusesUnknownKindsPathsAndBadSchemas) {
  EXPECT_FALSE(readManifest(write(R"({"id":"a.b","version":"1.0.0","kinds":["bot"],"abi":"1.0",
      "library":"x.so"})"))
                   .isOk());
  EXPECT_FALSE(readManifest(write(R"({"id":"a.b","version":"1.0.0","kinds":["intent"],
      "abi":"1.0","library":"../x.so"})"))
                   .isOk());
  auto bad = readManifest(write(R"({"id":"a.b","version":"1.0.0","kinds":["intent"],"abi":"1.0",
      "library":"x.so","config_schema":{"properties":{"n":{"type":"int"}}}})"));
  ASSERT_FALSE(bad.isOk());
  EXPECT_NE(bad.status().message().find("config_schema.n: unknown type \"int\""),
            std::string::npos);
}

TEST(AbiCompatibility, SameMajorAndOlderOrEqualMinorIsAccepted) {
  EXPECT_TRUE(checkAbiCompatible("f", BARAZA_ABI_MAKE_VERSION(1, 0)).isOk());
  EXPECT_TRUE(checkAbiCompatible("f", BARAZA_ABI_MAKE_VERSION(1, 1)).isOk());
  EXPECT_TRUE(checkAbiCompatible("f", BARAZA_ABI_MAKE_VERSION(1, 2)).isOk());
  EXPECT_TRUE(checkAbiCompatible("f", kHostAbiVersion).isOk());
  EXPECT_FALSE(
      checkAbiCompatible("f", BARAZA_ABI_MAKE_VERSION(1, BARAZA_ABI_LATEST_MINOR + 1)).isOk());
  EXPECT_FALSE(checkAbiCompatible("f", BARAZA_ABI_MAKE_VERSION(0, 9)).isOk());
}

}  // namespace
}  // namespace baraza::plugins
