#include <Poco/File.h>
#include <Poco/JSON/Parser.h>
#include <Poco/TemporaryFile.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "common/testing/LogCapture.h"
#include "store/Migrations.h"
#include "store/SqlKeyValueStore.h"
#include "store/testing/MariaDbServer.h"
#include "tenants/TenantManager.h"

namespace baraza::tenants {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const char* kValidTenant = R"(
whatsapp.phone_number_ids = 100000000000001
whatsapp.app_secret = demo-app-secret
whatsapp.verify_token = demo-verify-token
plugins.bot.plugin = ke.baraza.conversation.echo
plugins.bot.config.prefix = you said:
)";

class TenantsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.createDirectories();
    registry_ = plugins::PluginRegistry::scan(BARAZA_BUILT_PLUGINS_DIR);
    registry_.loadAll();
    auto db = store::Database::open(store::testing::freshSqliteUrl(), "");
    ASSERT_TRUE(db.isOk()) << db.status().toString();
    ASSERT_TRUE(store::migrate(**db).isOk());
    db_ = *db;
    kv_ = std::make_unique<store::SqlKeyValueStore>(db_);
    shared_.kv = kv_.get();
    shared_.enqueue = [this](const std::string& tenant, const std::string& json,
                             const std::string& key) -> StatusOr<int64_t> {
      queued_.push_back({tenant, json, key});
      return static_cast<int64_t>(queued_.size());
    };
    shared_.metrics = &metrics_;
  }

  std::string write(const std::string& name, const std::string& text) {
    const std::string path = dir_.path() + "/" + name;
    std::ofstream(path) << text;
    return path;
  }

  std::vector<std::string> problems(const TenantLoad& load) {
    std::vector<std::string> out;
    for (const auto& p : load.problems) out.push_back(p.toString());
    return out;
  }

  Poco::TemporaryFile dir_;
  plugins::PluginRegistry registry_;
  store::DatabasePtr db_;
  std::unique_ptr<store::SqlKeyValueStore> kv_;
  Metrics metrics_;
  SharedServices shared_;
  struct Queued {
    std::string tenant, json, key;
  };
  std::vector<Queued> queued_;
};

TEST_F(TenantsTest, ValidTenantLoadsWithTypedPluginConfig) {
  write("demo.properties", std::string(kValidTenant) + "plugins.bot.config.max_length = 100\n");
  TenantLoad load = loadTenants(dir_.path(), registry_);
  ASSERT_TRUE(load.problems.empty()) << problems(load)[0];
  ASSERT_EQ(load.valid.size(), 1u);
  const TenantConfig& t = load.valid[0];
  EXPECT_EQ(t.id, "demo");
  EXPECT_THAT(t.phoneNumberIds, ElementsAre("100000000000001"));
  EXPECT_EQ(t.appSecrets.at(0).reveal(), "demo-app-secret");
  ASSERT_EQ(t.plugins.size(), 1u);
  EXPECT_EQ(t.plugins[0].configJson, R"({"max_length":100,"prefix":"you said:"})");
}

TEST_F(TenantsTest, ThreeErrorsInTwoFilesAreAllReportedWithFileAndKey) {
  const std::string a = write("a.properties", R"(
whatsapp.phone_number_ids = 100000000000001
whatsapp.verify_token = t
plugins.bot.plugin = ke.baraza.conversation.echo
plugins.bot.config.max_length = lots
)");
  const std::string b = write("b.properties", R"(
whatsapp.phone_number_ids = 100000000000002
whatsapp.app_secret = s
whatsapp.verify_token = t
whatsapp.verfy_token = typo
)");
  TenantLoad load = loadTenants(dir_.path(), registry_);
  EXPECT_THAT(problems(load),
              ElementsAre(a + ": whatsapp.app_secret: required but missing",
                          a + ": plugins.bot.config.max_length: \"lots\" is not an integer",
                          b + ": whatsapp.verfy_token: unknown key"));
  EXPECT_THAT(load.invalid, ElementsAre("a", "b"));
  EXPECT_TRUE(load.valid.empty());
}

TEST_F(TenantsTest, PluginConfigIsCheckedAgainstTheManifestSchema) {
  const std::string path =
      write("demo.properties", std::string(kValidTenant) +
                                   "plugins.bot.config.max_length = 0\n"
                                   "plugins.bot.config.colour = red\n"
                                   "plugins.other.plugin = com.example.none\n");
  TenantLoad load = loadTenants(dir_.path(), registry_);
  EXPECT_THAT(
      problems(load),
      ElementsAre(path + ": plugins.bot.config.colour: unknown key (known: max_length, prefix)",
                  path + ": plugins.bot.config.max_length: less than the minimum 1",
                  ::testing::AllOf(
                      ::testing::StartsWith(path + ": plugins.other.plugin: no plugin with id "
                                                   "com.example.none in " BARAZA_BUILT_PLUGINS_DIR
                                                   " (installed: "),
                      HasSubstr("ke.baraza.conversation.echo"))));
}

TEST_F(TenantsTest, SecretReferencesAreResolved) {
  ::setenv("BARAZA_TEST_ACCESS_TOKEN", "EAAG-token", 1);
  write("kra-key", "kra-secret\n");
  write("demo.properties", std::string(kValidTenant) +
                               "whatsapp.access_token = ${env:BARAZA_TEST_ACCESS_TOKEN}\n"
                               "secrets.kra = file:kra-key\n");
  TenantLoad load = loadTenants(dir_.path(), registry_);
  ASSERT_TRUE(load.problems.empty()) << problems(load)[0];
  EXPECT_EQ(load.valid[0].accessToken->reveal(), "EAAG-token");
  EXPECT_EQ(load.valid[0].secrets.at("kra").reveal(), "kra-secret");
}

TEST_F(TenantsTest, MissingSecretIsAProblemThatNamesOnlyTheVariable) {
  ::unsetenv("BARAZA_TEST_UNSET");
  const std::string path =
      write("demo.properties",
            std::string(kValidTenant) + "whatsapp.access_token = ${env:BARAZA_TEST_UNSET}\n");
  TenantLoad load = loadTenants(dir_.path(), registry_);
  EXPECT_THAT(
      problems(load),
      ElementsAre(path +
                  ": whatsapp.access_token: environment variable BARAZA_TEST_UNSET is not set"));
}

TEST_F(TenantsTest,
       APluginSettingReadThroughASecretReferenceIsReportedByItsReferenceNeverItsValue) {
  ::setenv("BARAZA_TEST_LENGTH", "marker-s3cr3t-length", 1);
  write("environment", "marker-s3cr3t-environment\n");
  const std::string path =
      write("demo.properties", std::string(kValidTenant) +
                                   "plugins.bot.config.max_length = ${env:BARAZA_TEST_LENGTH}\n"
                                   "plugins.kra.plugin = ke.baraza.verifier.kra\n"
                                   "plugins.kra.config.environment = file:environment\n");
  TenantLoad load = loadTenants(dir_.path(), registry_);
  std::string all;
  for (const auto& p : problems(load)) all += p + "\n";
  EXPECT_THAT(all, HasSubstr(path + ": plugins.bot.config.max_length: the value of "
                                    "${env:BARAZA_TEST_LENGTH} is not an integer"));
  EXPECT_THAT(
      all,
      HasSubstr(path +
                ": plugins.kra.config.environment: the value of file:environment is not one of "
                "\"sandbox\", \"production\""));
  EXPECT_THAT(all, ::testing::Not(HasSubstr("marker-s3cr3t")));
}

TEST_F(TenantsTest, APhoneNumberBelongsToOneTenant) {
  write("a.properties", kValidTenant);
  std::string other = kValidTenant;
  other.replace(other.find("demo-app-secret"), 15, "b-app-secret");
  const std::string b = write("b.properties", other);
  TenantLoad load = loadTenants(dir_.path(), registry_);
  EXPECT_THAT(problems(load), ElementsAre(b + ": whatsapp.phone_number_ids: 100000000000001 "
                                              "already belongs to tenant a"));
  ASSERT_EQ(load.valid.size(), 1u);
  EXPECT_EQ(load.valid[0].id, "a");
}

TEST_F(TenantsTest, TenantsOfOneMetaAppShareItsSecret) {
  auto tenant = [](const std::string& number, const std::string& secrets) {
    return "whatsapp.phone_number_ids = " + number + "\nwhatsapp.app_id = 555\n" + secrets +
           "whatsapp.verify_token = v\nplugins.bot.plugin = ke.baraza.conversation.echo\n";
  };
  write("a.properties", tenant("100000000000001",
                               "whatsapp.app_secret = new\nwhatsapp.app_secret_previous = old\n"));
  write("b.properties",
        tenant("100000000000002", "whatsapp.app_secret = old\n"));  // not rotated yet: fine
  const std::string c =
      write("c.properties", tenant("100000000000003", "whatsapp.app_secret = typo\n"));
  write("d.properties", tenant("100000000000004", "whatsapp.app_secret = new\n"));
  TenantLoad load = loadTenants(dir_.path(), registry_);
  EXPECT_THAT(
      problems(load),
      ElementsAre(
          c + ": whatsapp.app_secret: tenant a has the same whatsapp.app_id (555) with another app "
              "secret; a Meta app has one (and the previous one while it is rotated, "
              "whatsapp.app_secret_previous)"));
  EXPECT_EQ(load.valid.size(), 3u);
  EXPECT_EQ(load.invalid, std::vector<std::string>{"c"});
}

TEST_F(TenantsTest, TenantsSharingASecretWithoutAnAppIdMustNameTheirApp) {
  auto tenant = [](const std::string& number, const std::string& secret) {
    return "whatsapp.phone_number_ids = " + number + "\nwhatsapp.app_secret = " + secret +
           "\nwhatsapp.verify_token = v\nplugins.bot.plugin = ke.baraza.conversation.echo\n";
  };
  write("a.properties", tenant("100000000000001", "shared"));
  const std::string b = write("b.properties", tenant("100000000000002", "shared"));
  write("c.properties", tenant("100000000000003", "its-own"));
  TenantLoad load = loadTenants(dir_.path(), registry_);
  EXPECT_THAT(problems(load),
              ElementsAre(b + ": whatsapp.app_secret: tenant a has the same app secret and neither "
                              "names its Meta app: set whatsapp.app_id (the same) in both"));
  EXPECT_EQ(load.invalid, std::vector<std::string>{"b"});
}

TEST_F(TenantsTest, EchoPluginRepliesAndLogsThroughTheHostApi) {
  auto capture = testing::LogCapture::attach("baraza.plugin.ke.baraza.conversation.echo");
  write("demo.properties", kValidTenant);
  TenantManager manager(dir_.path(), registry_, shared_);
  manager.start();
  TenantPtr demo = manager.current()->byPhoneNumberId("100000000000001");
  ASSERT_NE(demo, nullptr);
  auto bot = demo->firstOfKind(BARAZA_KIND_CONVERSATION);
  ASSERT_NE(bot, nullptr) << demo->instances()[0].error;
  auto reply = bot->call(plugins::Operation::kConversationOnMessage,
                         R"({"message":{"id":"wamid.1","from":"254700000001","type":"text",
                             "text":{"body":"habari"}}})");
  ASSERT_TRUE(reply.isOk()) << reply.status().toString();
  EXPECT_EQ(
      *reply,
      R"({"replies":[{"text":{"body":"you said:habari"},"to":"254700000001","type":"text"}]})");
  EXPECT_THAT(capture->lines(),
              ElementsAre("baraza.plugin.ke.baraza.conversation.echo: [demo/bot] echo: message "
                          "wamid.1 -> 1 reply"));
  EXPECT_EQ(metrics_.value("baraza_plugin_events_total",
                           R"(tenant="demo",instance="bot",name="replies")"),
            1);
}

TEST_F(TenantsTest, IntentChainAndThresholdAreRead) {
  write("demo.properties", std::string(kValidTenant) +
                               "plugins.rules.plugin = ke.baraza.intent.rules\n"
                               "plugins.strict.plugin = ke.baraza.intent.rules\n"
                               "intent.chain = strict, rules\n"
                               "intent.threshold = 0.7\n");
  TenantLoad load = loadTenants(dir_.path(), registry_);
  ASSERT_TRUE(load.problems.empty()) << problems(load)[0];
  EXPECT_THAT(load.valid[0].intent.chain, ElementsAre("strict", "rules"));
  EXPECT_DOUBLE_EQ(load.valid[0].intent.threshold, 0.7);
}

TEST_F(TenantsTest, WithoutAChainTheTenantsIntentInstancesAreTried) {
  write("demo.properties",
        std::string(kValidTenant) + "plugins.rules.plugin = ke.baraza.intent.rules\n");
  TenantLoad load = loadTenants(dir_.path(), registry_);
  ASSERT_TRUE(load.problems.empty()) << problems(load)[0];
  EXPECT_THAT(load.valid[0].intent.chain, ElementsAre("rules"));
  EXPECT_DOUBLE_EQ(load.valid[0].intent.threshold, 0.5);
}

TEST_F(TenantsTest, IntentChainOfOtherKindsOrUnknownNamesIsAProblem) {
  const std::string path =
      write("demo.properties", std::string(kValidTenant) +
                                   "plugins.rules.plugin = ke.baraza.intent.rules\n"
                                   "intent.chain = rules, bot, nobody\n"
                                   "intent.threshold = 2\n");
  TenantLoad load = loadTenants(dir_.path(), registry_);
  EXPECT_THAT(
      problems(load),
      ElementsAre(path + ": intent.threshold: 2 is outside 0..1",
                  path + ": intent.chain: plugins.bot (ke.baraza.conversation.echo) does not "
                         "provide the intent kind",
                  path + ": intent.chain: \"nobody\" is not a plugins.<name> of this tenant"));
}

TEST_F(TenantsTest, TheFirstSureIntentInTheChainWinsAndTheLastIsTheFallback) {
  // "menu" knows only help; "rules" everything.
  write("demo.properties", std::string(kValidTenant) +
                               "plugins.menu.plugin = ke.baraza.intent.rules\n"
                               "plugins.menu.config.intents = help\n"
                               "plugins.rules.plugin = ke.baraza.intent.rules\n"
                               "intent.chain = menu, rules\n");
  TenantManager manager(dir_.path(), registry_, shared_);
  manager.start();
  TenantPtr demo = manager.current()->byId("demo");
  ASSERT_TRUE(demo);
  // source and intent name of a detection
  auto detect = [&](const std::string& text) -> std::pair<std::string, std::string> {
    StatusOr<std::string> result = demo->detectIntent(R"({"text":")" + text + R"("})");
    if (!result.isOk()) return {"error", result.status().toString()};
    auto doc = Poco::JSON::Parser().parse(*result).extract<Poco::JSON::Object::Ptr>();
    return {doc->optValue<std::string>("source", ""),
            doc->getObject("intent")->optValue<std::string>("name", "")};
  };
  EXPECT_EQ(detect("help"), std::make_pair(std::string("menu"), std::string("help")));
  EXPECT_EQ(detect("verify A744610021G"),
            std::make_pair(std::string("rules"), std::string("verify_kra_pin")))
      << "menu was not sure: the next one answers";
  EXPECT_EQ(detect("the weather"), std::make_pair(std::string("rules"), std::string("fallback")))
      << "the last one stands whatever it says";
  EXPECT_FALSE(demo->detectIntent("not json").isOk()) << "no instance answered";
}

TEST_F(TenantsTest, ConversationStateThroughTheHostApiIsVersionedAndPerTenant) {
  shared_.database = db_.get();
  TenantConfig config;
  config.id = "demo";
  Tenant demo(config, shared_);
  TenantServices services(demo, shared_);
  const plugins::InstanceRef who{"demo", "bot", "x"};
  auto none = services.stateGet(who, "254700000001");
  ASSERT_TRUE(none.isOk()) << none.status().toString();
  EXPECT_EQ(*none, std::make_pair(std::string(), int64_t{0}));
  EXPECT_EQ(services.statePut(who, "254700000001", R"({"step":1})", 0).value(), 1);
  EXPECT_EQ(services.statePut(who, "254700000001", R"({"step":2})", 0).status().code(),
            Code::kAborted)
      << "written with a stale version";
  EXPECT_EQ(services.statePut(who, "254700000001", R"({"step":2})", 1).value(), 2);
  EXPECT_EQ(*services.stateGet(who, "254700000001"),
            std::make_pair(std::string(R"({"step":2})"), int64_t{2}));

  config.id = "other";
  Tenant other(config, shared_);
  TenantServices otherServices(other, shared_);
  EXPECT_EQ(otherServices.stateGet({"other", "bot", "x"}, "254700000001")->second, 0)
      << "tenants do not share state";
}

TEST_F(TenantsTest, VerifyAndDetectIntentNameWhatTheTenantLacks) {
  TenantConfig config;
  config.id = "demo";
  Tenant demo(config, shared_);
  TenantServices services(demo, shared_);
  auto verified = services.verify({"demo", "bot", "x"}, "", R"({"number":"A744610021G"})");
  EXPECT_EQ(verified.status().code(), Code::kNotFound);
  EXPECT_THAT(verified.status().message(), HasSubstr("tenant demo has no running verifier"));
  auto detected = services.detectIntent({"demo", "bot", "x"}, "nlu", R"({"text":"hi"})");
  EXPECT_EQ(detected.status().code(), Code::kNotFound);
  EXPECT_THAT(detected.status().message(), HasSubstr("no running intent instance \"nlu\""));
}

TEST_F(TenantsTest, SendQueuesForTheTenantWithKeysScopedToThePlugin) {
  TenantConfig config;
  config.id = "demo";
  config.phoneNumberIds = {"100000000000001"};
  Tenant tenant(config, shared_);
  TenantServices services(tenant, shared_);
  const std::string message =
      R"({"to":"+254700000001","type":"text","text":{"body":"hi"},"idempotency_key":"k1"})";
  auto id = services.send({"demo", "bot", "x"}, message);
  ASSERT_TRUE(id.isOk()) << id.status().toString();
  EXPECT_EQ(*id, "1");
  ASSERT_TRUE(services.send({"demo", "other", "x"}, message).isOk());
  ASSERT_TRUE(services.send({"demo", "bot", "x"}, R"({"to":"+254700000001"})").isOk());
  ASSERT_EQ(queued_.size(), 3u);
  EXPECT_EQ(queued_[0].tenant, "demo");
  EXPECT_EQ(queued_[0].json, message);
  EXPECT_EQ(queued_[0].key, "bot:k1");
  EXPECT_EQ(queued_[1].key, "other:k1") << "two instances cannot collide on a key";
  EXPECT_EQ(queued_[2].key, "") << "no key: always a new message";
  EXPECT_EQ(services.send({"demo", "bot", "x"}, "nope").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(services.send({"demo", "bot", "x"}, "[1]").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(queued_.size(), 3u) << "nothing queued for what is not a message";
}

TEST_F(TenantsTest, InvalidTenantDoesNotStartAndTheOthersDo) {
  write("good.properties", kValidTenant);
  write("broken.properties", "whatsapp.phone_number_ids = 42\n");
  TenantManager manager(dir_.path(), registry_, shared_);
  manager.start();
  ASSERT_EQ(manager.current()->all().size(), 1u);
  EXPECT_EQ(manager.current()->all()[0]->id(), "good");
}

TEST_F(TenantsTest, BrokenReloadLeavesTheOldSetServing) {
  write("demo.properties", kValidTenant);
  TenantManager manager(dir_.path(), registry_, shared_);
  manager.start();
  TenantSetPtr before = manager.current();
  const std::string broken = write("second.properties", "whatsapp.app_secret = x\n");
  Status reloaded = manager.reload();
  EXPECT_EQ(reloaded.code(), Code::kFailedPrecondition);
  EXPECT_THAT(reloaded.message(),
              HasSubstr(broken + ": whatsapp.phone_number_ids: required but missing"));
  EXPECT_EQ(manager.current(), before);
  EXPECT_EQ(manager.current()->generation(), 1u);
}

TEST_F(TenantsTest, ValidReloadSwapsWhileRequestsFinishOnTheOldSet) {
  write("demo.properties", kValidTenant);
  TenantManager manager(dir_.path(), registry_, shared_);
  manager.start();
  TenantSetPtr inFlight = manager.current();  // a request holding its snapshot
  write("second.properties", R"(
whatsapp.phone_number_ids = 100000000000002
whatsapp.app_secret = s
whatsapp.verify_token = t
)");
  ASSERT_TRUE(manager.reload().isOk());
  EXPECT_EQ(manager.current()->generation(), 2u);
  EXPECT_EQ(manager.current()->all().size(), 2u);
  // The old set is intact and its plugin instances still answer.
  auto bot = inFlight->byId("demo")->firstOfKind(BARAZA_KIND_CONVERSATION);
  EXPECT_TRUE(bot->call(plugins::Operation::kConversationOnMessage,
                        R"({"message":{"type":"text","from":"1","text":{"body":"x"}}})")
                  .isOk());
  EXPECT_EQ(inFlight->byId("second"), nullptr);
}

TEST_F(TenantsTest, PluginThatFailsCreateDisablesOnlyThatInstance) {
  registry_ = plugins::PluginRegistry::scan(BARAZA_FIXTURE_DIR);
  registry_.loadAll();
  write("acme.properties", R"(
whatsapp.phone_number_ids = 100000000000001
whatsapp.app_secret = s
whatsapp.verify_token = t
plugins.bot.plugin = test.baraza.good
plugins.bot.config.greeting = hi
plugins.kra.plugin = test.baraza.throwing
)");
  write("other.properties", R"(
whatsapp.phone_number_ids = 100000000000002
whatsapp.app_secret = s2
whatsapp.verify_token = t
plugins.bot.plugin = test.baraza.good
plugins.bot.config.greeting = hello
)");
  TenantManager manager(dir_.path(), registry_, shared_);
  manager.start();
  TenantSetPtr set = manager.current();
  ASSERT_EQ(set->all().size(), 2u);
  TenantPtr acme = set->byId("acme");
  EXPECT_NE(acme->instance("bot"), nullptr);
  EXPECT_EQ(acme->instance("kra"), nullptr);
  EXPECT_EQ(acme->instances()[1].error,
            "test.baraza.throwing create failed: INTERNAL: cannot reach the rules database");
  EXPECT_NE(set->byId("other")->instance("bot"), nullptr);
  EXPECT_EQ(set->disabledInstances(), 1u);
  // The good instance got its defaults from the schema.
  EXPECT_EQ(acme->instance("bot")->call(plugins::Operation::kConversationOnMessage, "m").value(),
            R"({"config":{"greeting":"hi","retries":2},"input":"m"})");
}

}  // namespace
}  // namespace baraza::tenants
