// The `baraza` command line, run as a real process.
#include <Poco/File.h>
#include <baraza/abi.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "support/BarazaProcess.h"
#include "support/TempConfig.h"

namespace baraza::testing {
namespace {

using ::testing::HasSubstr;

TEST(Cli, VersionNamesTheAbi) {
  RunResult r = runBaraza({"version"});
  EXPECT_EQ(r.exitCode, 0);
  EXPECT_THAT(r.out, ::testing::MatchesRegex("baraza [0-9]+\\.[0-9]+\\.[0-9]+ \\(plugin ABI 1\\." +
                                             std::to_string(BARAZA_ABI_LATEST_MINOR) + "\\)\n"));
}

TEST(Cli, HelpListsEveryCommandAndEachCommandDescribesItsOptions) {
  RunResult r = runBaraza({"--help"});
  EXPECT_EQ(r.exitCode, 0);
  for (const char* command : {"serve", "config check", "plugins list", "version"}) {
    EXPECT_THAT(r.out, HasSubstr(command));
  }
  RunResult serve = runBaraza({"serve", "--help"});
  EXPECT_EQ(serve.exitCode, 0);
  EXPECT_THAT(serve.out, HasSubstr("--config=PATH"));
  EXPECT_THAT(serve.out, HasSubstr("--set=KEY=VALUE"));
  RunResult list = runBaraza({"help", "plugins", "list"});
  EXPECT_EQ(list.exitCode, 0);
  EXPECT_THAT(list.out, HasSubstr("--dir=DIR"));
}

TEST(Cli, KeygenWritesAPrivateKeyOnlyTheOwnerCanReadAndPrintsThePublicKey) {
  TempConfig config;
  const std::string out = config.path() + "/keys/shop-flows.pem";
  RunResult r = runBaraza({"keygen", "--tenant", "shop", "--out", out});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_THAT(r.out, ::testing::StartsWith("-----BEGIN PUBLIC KEY-----"));
  struct stat st {};
  ASSERT_EQ(::stat(out.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // The key loads as a tenant's Flows key.
  config.writeHost();
  config.writeTenant("shop", std::string(kDemoTenant) + "flows.private_key_files = " + out + "\n");
  EXPECT_EQ(runBaraza({"config", "check", "--config", config.hostFile()}).exitCode, 0);
  RunResult again = runBaraza({"keygen", "--tenant", "shop", "--out", out});
  EXPECT_EQ(again.exitCode, 1);
  EXPECT_THAT(again.err, HasSubstr("exists"));
  EXPECT_EQ(runBaraza({"keygen", "--out", out}).exitCode, 2);
}

TEST(Cli, ABrokenFlowsKeyIsAConfigProblem) {
  TempConfig config;
  config.writeHost();
  const std::string key = config.write(
      "bad.pem", "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n");
  const std::string tenant = config.writeTenant(
      "shop", std::string(kDemoTenant) + "flows.private_key_files = " + key + "\n");
  RunResult r = runBaraza({"config", "check", "--config", config.hostFile()});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_THAT(r.out, HasSubstr(tenant + ": flows.private_key_files: " + key +
                               ": cannot read the private key"));
}

TEST(Cli, UnsignedFlowsRequestsAreAWarningNotAProblem) {
  TempConfig config;
  config.writeHost();
  const std::string tenant =
      config.writeTenant("shop", std::string(kDemoTenant) + "flows.require_signature = false\n");
  RunResult r = runBaraza({"config", "check", "--config", config.hostFile()});
  EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("warning: " + tenant +
                               ": flows.require_signature: false: the Flows endpoint accepts "
                               "requests without Meta's X-Hub-Signature-256"));
  config.writeTenant("shop", kDemoTenant);
  EXPECT_EQ(runBaraza({"config", "check", "--config", config.hostFile()}).out, "")
      << "no warning by default";
}

TEST(Cli, DbPurgeCountsPerTableAndADryRunSaysNothingWasDeleted) {
  TempConfig config;
  config.writeHost();
  ASSERT_EQ(runBaraza({"db", "migrate", "--config", config.hostFile()}).exitCode, 0);
  RunResult dry = runBaraza({"db", "purge", "--dry-run", "--config", config.hostFile()});
  EXPECT_EQ(dry.exitCode, 0) << dry.err;
  EXPECT_EQ(
      dry.out,
      "inbox  0\nconversation_jobs  0\nevents  0\noutbox  0\nflow_sessions  0\nplugin_kv  0\n");
  EXPECT_THAT(dry.err, HasSubstr("0 row(s) would be deleted (dry run: nothing was)"));
  RunResult purged = runBaraza({"db", "purge", "--config", config.hostFile()});
  EXPECT_EQ(purged.exitCode, 0) << purged.err;
  EXPECT_THAT(purged.err, HasSubstr("0 row(s) deleted"));
}

TEST(Cli, ACommandGroupListsItsCommands) {
  RunResult r = runBaraza({"events", "--help"});
  EXPECT_EQ(r.exitCode, 0);
  EXPECT_THAT(r.out, HasSubstr("events list"));
  EXPECT_THAT(r.out, HasSubstr("events replay"));
  EXPECT_EQ(runBaraza({"db"}).exitCode, 2);
}

TEST(Cli, UnknownCommandsAndOptionsExit2) {
  RunResult unknown = runBaraza({"frobnicate"});
  EXPECT_EQ(unknown.exitCode, 2);
  EXPECT_THAT(unknown.err, HasSubstr("unknown command \"frobnicate\""));
  RunResult badOption = runBaraza({"config", "check", "--colour"});
  EXPECT_EQ(badOption.exitCode, 2);
  EXPECT_THAT(badOption.err, HasSubstr("colour"));
}

TEST(Cli, ConfigCheckPassesOnAValidSetup) {
  TempConfig config;
  config.writeHost();
  config.writeTenant("demo", kDemoTenant);
  RunResult r = runBaraza({"config", "check", "--config", config.hostFile()});
  EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, HasSubstr("OK"));
  EXPECT_THAT(r.err, HasSubstr("1 tenant(s)"));
}

TEST(Cli, ConfigCheckReportsEveryProblemAsFileKeyProblemAndExits1) {
  TempConfig config;
  const std::string host = config.writeHost("http.thread = 4\n");
  const std::string a =
      config.writeTenant("a", std::string(kDemoTenant) + "plugins.bot.config.max_length = 99999\n");
  const std::string b = config.writeTenant("b",
                                           "whatsapp.phone_number_ids = 100000000000002\n"
                                           "whatsapp.app_secret = ${env:BARAZA_CLI_TEST_UNSET}\n"
                                           "whatsapp.verify_token = t\n");
  RunResult r = runBaraza({"config", "check", "-c", host});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.out,
            host + ": http.thread: unknown key\n" + a +
                ": plugins.bot.config.max_length: greater than the maximum 4096\n" + b +
                ": whatsapp.app_secret: environment variable BARAZA_CLI_TEST_UNSET is not set\n");
  EXPECT_THAT(r.err, HasSubstr("3 problem(s)"));
  EXPECT_THAT(r.err, HasSubstr("tenants that will not start: a, b"));
}

TEST(Cli, PluginsListShowsEachPluginAndItsStatus) {
  TempConfig config;
  config.writeHost();
  RunResult r = runBaraza({"plugins", "list", "--config", config.hostFile()});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_THAT(r.out, ::testing::ContainsRegex(
                         "ke\\.baraza\\.conversation\\.echo +1\\.0\\.0 +conversation +1\\." +
                         std::to_string(BARAZA_ABI_LATEST_MINOR) +
                         " +loaded +"
                         ".*/baraza-echo/libbaraza-echo\\.so"));
}

TEST(Cli, PluginsListExplainsARefusedPluginAndExits1) {
  TempConfig config;
  const std::string dir = config.path() + "/plugins/echo";
  Poco::File(dir).createDirectories();
  Poco::File(BARAZA_PLUGINS_DIR "/baraza-echo/libbaraza-echo.so").copyTo(dir);
  Poco::File(BARAZA_PLUGINS_DIR "/baraza-echo/plugin.json").copyTo(dir);
  ::chmod((dir + "/libbaraza-echo.so").c_str(), 0777);
  RunResult r = runBaraza({"plugins", "list", "--dir", config.path() + "/plugins"});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_THAT(r.out, HasSubstr("refused"));
  EXPECT_THAT(r.out, HasSubstr("reason: " + dir +
                               "/libbaraza-echo.so: writable by group or others "
                               "(mode 0777); refusing to load it"));
}

TEST(Cli, DbStatusAndMigrateReportAndApplyTheSchema) {
  TempConfig config;
  config.writeHost();
  RunResult before = runBaraza({"db", "status", "--config", config.hostFile()});
  EXPECT_EQ(before.exitCode, 0) << before.err;
  EXPECT_THAT(before.out, HasSubstr("pending  001_core"));
  EXPECT_THAT(before.out, HasSubstr("pending  002_events"));
  RunResult migrate = runBaraza({"db", "migrate", "--config", config.hostFile()});
  EXPECT_EQ(migrate.exitCode, 0) << migrate.err;
  EXPECT_EQ(migrate.out,
            "applied 001_core\napplied 002_events\napplied 003_outbound\napplied "
            "004_delivery_digests\napplied 005_outbox_claim_indexes\napplied "
            "006_message_intents\napplied 007_media\n");
  RunResult again = runBaraza({"db", "migrate", "--config", config.hostFile()});
  EXPECT_EQ(again.out, "");
  EXPECT_THAT(again.err, HasSubstr("0 migration(s) applied, schema up to date"));
  RunResult after = runBaraza({"db", "status", "--config", config.hostFile()});
  EXPECT_THAT(after.out, HasSubstr("applied  001_core"));
  EXPECT_THAT(after.out, ::testing::Not(HasSubstr("pending")));
}

TEST(Cli, ConfigCheckRefusesAMalformedMasterKeyWithoutPrintingIt) {
  TempConfig config;
  const std::string host = config.writeHost("store.master_key = not-a-real-key-1234\n");
  RunResult r = runBaraza({"config", "check", "--config", host});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_THAT(r.out,
              HasSubstr(host + ": store.master_key: expected 32 bytes as 64 hex digits or base64"));
  EXPECT_THAT(r.out + r.err, ::testing::Not(HasSubstr("not-a-real-key-1234")));
}

}  // namespace
}  // namespace baraza::testing
