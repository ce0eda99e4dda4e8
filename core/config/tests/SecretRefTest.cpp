#include <Poco/TemporaryFile.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "config/SecretRef.h"

namespace baraza::config {
namespace {

TEST(SecretRef, PlainValuesPassThrough) {
  EXPECT_EQ(resolveSecretRefs("demo-app-secret", "").value(), "demo-app-secret");
}

TEST(SecretRef, EnvReferencesAreSubstitutedAnywhere) {
  ::setenv("BARAZA_TEST_TOKEN", "s3cr3t", 1);
  EXPECT_EQ(resolveSecretRefs("${env:BARAZA_TEST_TOKEN}", "").value(), "s3cr3t");
  EXPECT_EQ(resolveSecretRefs("Bearer ${env:BARAZA_TEST_TOKEN}!", "").value(), "Bearer s3cr3t!");
}

TEST(SecretRef, MissingEnvNamesTheVariableNotAValue) {
  ::unsetenv("BARAZA_TEST_MISSING");
  auto r = resolveSecretRefs("${env:BARAZA_TEST_MISSING}", "");
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.status().message(), "environment variable BARAZA_TEST_MISSING is not set");
}

TEST(SecretRef, FileReferenceReadsTheFileWithoutTrailingNewline) {
  Poco::TemporaryFile file;
  std::ofstream(file.path()) << "from-file\n";
  EXPECT_EQ(resolveSecretRefs("file:" + file.path(), "").value(), "from-file");
}

TEST(SecretRef, RelativeFileReferenceIsResolvedFromTheConfigDirectory) {
  Poco::TemporaryFile dir;
  dir.createDirectories();
  std::ofstream(dir.path() + "/token") << "relative";
  EXPECT_EQ(resolveSecretRefs("file:token", dir.path()).value(), "relative");
}

TEST(SecretRef, UnreadableFileIsAnError) {
  auto r = resolveSecretRefs("file:/nonexistent/baraza-secret", "");
  ASSERT_FALSE(r.isOk());
  EXPECT_NE(r.status().message().find("/nonexistent/baraza-secret"), std::string::npos);
}

TEST(SecretRef, AFileThatIsNoSecretIsRefusedWithoutReadingItAll) {
  auto device = resolveSecretRefs("file:/dev/zero", "");  // never ends
  ASSERT_FALSE(device.isOk());
  EXPECT_EQ(device.status().message(), "secret file /dev/zero is not a regular file");
  Poco::TemporaryFile big;
  std::ofstream(big.path()) << std::string(64 * 1024 + 1, 'k');
  auto tooBig = resolveSecretRefs("file:" + big.path(), "");
  ASSERT_FALSE(tooBig.isOk());
  EXPECT_EQ(tooBig.status().message(), "secret file " + big.path() + " is larger than 64 KiB");
  Poco::TemporaryFile fits;
  std::ofstream(fits.path()) << std::string(64 * 1024, 'k');
  EXPECT_EQ(resolveSecretRefs("file:" + fits.path(), "").value().size(), 64u * 1024);
}

}  // namespace
}  // namespace baraza::config
