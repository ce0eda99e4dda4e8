#include <Poco/Environment.h>
#include <Poco/TemporaryFile.h>
#include <gtest/gtest.h>

#include <fstream>

#include "app/HostConfig.h"

namespace baraza::app {
namespace {

using config::Problems;

class HostConfigTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_.createDirectories(); }
  std::string write(const std::string& text) {
    const std::string path = dir_.path() + "/baraza.properties";
    std::ofstream(path) << text;
    return path;
  }
  Poco::TemporaryFile dir_;
};

TEST_F(HostConfigTest, DefaultsWhenTheFileIsEmpty) {
  Problems problems;
  HostConfig c = loadHostConfig(write(""), {}, problems);
  EXPECT_TRUE(problems.empty());
  EXPECT_EQ(c.http.host, "127.0.0.1");
  EXPECT_EQ(c.http.port, 8080);
  EXPECT_EQ(c.http.maxBodyBytes, 3u * 1024 * 1024);
  EXPECT_EQ(c.tenantsDir, dir_.path() + "/tenants.d");
  EXPECT_EQ(c.groupCommit.writerNice, -10);
  EXPECT_EQ(c.groupCommit.answerWithin, std::chrono::milliseconds(5000));
  EXPECT_EQ(c.identity.ttl, std::chrono::seconds(10));
  EXPECT_EQ(c.identity.patience, std::chrono::seconds(30));
  EXPECT_EQ(c.hostId, Poco::Environment::nodeName());
}

TEST_F(HostConfigTest, AKeyWithAnEmptyPartIsAProblem) {
  // Found by host_config_fuzzer: a key starting with a dot made leafKeys recurse without end.
  Problems problems;
  loadHostConfig(write(".level = debug\nlog..format = json\nlog.level = debug\n"), {}, problems);
  std::vector<std::string> shown;
  for (const auto& p : problems) shown.push_back(p.key + ": " + p.message);
  EXPECT_EQ(
      shown,
      (std::vector<std::string>{
          ".: a key with an empty part (two dots in a row, or a dot at its start or end)",
          "log.: a key with an empty part (two dots in a row, or a dot at its start or end)"}));
}

TEST_F(HostConfigTest, AHostIdThatCannotNameAnOwnerIsAProblem) {
  Problems problems;
  loadHostConfig(write("host.id = web 1:2\n"), {}, problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].key, "host.id");
  EXPECT_NE(problems[0].message.find("must be 1-64 of A-Z a-z 0-9 . _ -"), std::string::npos);
}

TEST_F(HostConfigTest, ReadsValuesAndResolvesRelativePaths) {
  Problems problems;
  HostConfig c = loadHostConfig(write("http.listen = [::1]:9090\nhttp.threads = 4\n"
                                      "http.io_threads = 2\nhttp.max_connections = 500\n"
                                      "plugins.dir = plugins\n"
                                      "http_client.service.graph.base_url = http://127.0.0.1:1\n"
                                      "store.group_commit.writer_nice = 0\n"),
                                {}, problems);
  EXPECT_TRUE(problems.empty());
  EXPECT_EQ(c.http.host, "::1");
  EXPECT_EQ(c.http.port, 9090);
  EXPECT_EQ(c.http.threads, 4);
  EXPECT_EQ(c.http.ioThreads, 2);
  EXPECT_EQ(c.http.maxConnections, 500);
  EXPECT_EQ(c.pluginsDir, dir_.path() + "/plugins");
  EXPECT_EQ(c.httpClient.serviceBaseUrls.at("graph"), "http://127.0.0.1:1");
  EXPECT_EQ(c.groupCommit.writerNice, 0);
}

TEST_F(HostConfigTest, ValuesInTheFilesUnitsLandInTheSubsystemsOwn) {
  Problems problems;
  HostConfig c = loadHostConfig(write("inbound.lease_seconds = 90\noutbound.lease_seconds = 45\n"
                                      "outbound.window_guard_ms = 20\noutbound.max_attempts = 3\n"
                                      "webhooks.ack_deadline_ms = 700\n"
                                      "store.group_commit.max_wait_us = 250\n"
                                      "host.id_lease_seconds = 4\nretention.interval_seconds = 60\n"
                                      "plugins.max_stuck_calls = 2\n"),
                                {}, problems);
  EXPECT_TRUE(problems.empty());
  EXPECT_EQ(c.inbound.leaseMs, 90000);
  EXPECT_EQ(c.outbound.leaseMs, 45000);
  EXPECT_EQ(c.outbound.windowGuardUs, 20000);
  EXPECT_EQ(c.outbound.retry.maxAttempts, 3);
  EXPECT_EQ(c.groupCommit.answerWithin, std::chrono::milliseconds(700));
  EXPECT_EQ(c.groupCommit.maxWait, std::chrono::microseconds(250));
  EXPECT_EQ(c.identity.ttl, std::chrono::seconds(4));
  EXPECT_EQ(c.identity.patience, std::chrono::seconds(12));
  EXPECT_EQ(c.retention.every, std::chrono::seconds(60));
  EXPECT_EQ(c.pluginCalls.maxStuck, 2);
}

TEST_F(HostConfigTest, OverridesWinOverTheFile) {
  Problems problems;
  HostConfig c = loadHostConfig(write("http.listen = 127.0.0.1:1\n"),
                                {{"http.listen", "127.0.0.1:2"}}, problems);
  EXPECT_EQ(c.http.port, 2);
}

TEST_F(HostConfigTest, ReportsEveryProblemWithFileAndKey) {
  Problems problems;
  const std::string path = write(
      "http.listen = localhost\nhttp.threads = many\n"
      "htp.timeout_seconds = 3\nlog.level = loud\n");
  loadHostConfig(path, {}, problems);
  std::vector<std::string> lines;
  for (const auto& p : problems) lines.push_back(p.toString());
  EXPECT_EQ(lines, (std::vector<std::string>{
                       path + ": http.listen: \"localhost\" is not ADDRESS:PORT (e.g. "
                              "127.0.0.1:8080, [::]:8080)",
                       path + ": http.threads: \"many\" is not an integer",
                       path + ": log.level: \"loud\" is not one of fatal, critical, error, "
                              "warning, notice, information, debug, trace",
                       path + ": htp.timeout_seconds: unknown key",
                   }));
}

TEST_F(HostConfigTest, TheFormerSendersSettingNamesItsReplacement) {
  Problems problems;
  const std::string path = write("outbound.senders = 32\noutbound.max_in_flight = 2000\n");
  HostConfig c = loadHostConfig(path, {}, problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].toString(),
            path +
                ": outbound.senders: replaced by outbound.max_in_flight (Graph calls under way "
                "at once, default 1000; see docs/sending.md, \"How many calls at once\")");
  EXPECT_EQ(c.outbound.maxInFlight, 2000);
}

TEST_F(HostConfigTest, MissingFileIsAProblem) {
  Problems problems;
  loadHostConfig(dir_.path() + "/nope.properties", {}, problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].toString(), dir_.path() + "/nope.properties: no such file");
}

}  // namespace
}  // namespace baraza::app
