// Loads real plugin shared objects (built in fixtures/) from temporary plugin directories.
#include <Poco/File.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/TemporaryFile.h>
#include <dlfcn.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "plugins/PluginInstance.h"
#include "plugins/PluginRegistry.h"

namespace baraza::plugins {
namespace {

using ::testing::HasSubstr;

const std::string kMinor = std::to_string(BARAZA_ABI_LATEST_MINOR);

/** Records what plugins ask of the host; the loader under test is real. */
class RecordingServices : public HostServices {
 public:
  void log(const InstanceRef& who, int level, std::string_view message) override {
    logs.push_back(who.tenant + "/" + who.instance + ": " + std::string(message));
  }
  StatusOr<HttpResponse> http(const InstanceRef&, const HttpRequest&) override {
    return unavailable("no network in this test");
  }
  StatusOr<std::string> secret(const InstanceRef&, std::string_view) override {
    return notFound("no secrets");
  }
  StatusOr<std::string> kvGet(const InstanceRef& who, std::string_view key) override {
    auto it = kv.find(who.tenant + "/" + std::string(key));
    if (it == kv.end()) return notFound("absent");
    return it->second;
  }
  Status kvPut(const InstanceRef& who, std::string_view key, std::string_view value,
               int64_t) override {
    std::lock_guard<std::mutex> lock(mutex);  // abandoned calls write from their own thread
    kv[who.tenant + "/" + std::string(key)] = std::string(value);
    return Status::ok();
  }
  bool has(const std::string& key) {
    std::lock_guard<std::mutex> lock(mutex);
    return kv.count(key) > 0;
  }
  Status kvDelete(const InstanceRef& who, std::string_view key) override {
    kv.erase(who.tenant + "/" + std::string(key));
    return Status::ok();
  }
  void counterAdd(const InstanceRef& who, std::string_view name, int64_t delta) override {
    counters[who.tenant + "/" + std::string(name)] += delta;
  }
  StatusOr<std::string> send(const InstanceRef&, std::string_view) override {
    return unavailable("no outbox in this test");
  }
  StatusOr<std::string> detectIntent(const InstanceRef&, std::string_view,
                                     std::string_view) override {
    return unavailable("no intent instances in this test");
  }
  StatusOr<std::string> verify(const InstanceRef&, std::string_view, std::string_view) override {
    return unavailable("no verifier instances in this test");
  }
  StatusOr<std::pair<std::string, int64_t>> stateGet(const InstanceRef&,
                                                     std::string_view) override {
    return std::pair<std::string, int64_t>{"", 0};
  }
  StatusOr<int64_t> statePut(const InstanceRef&, std::string_view, std::string_view,
                             int64_t) override {
    return unavailable("no store in this test");
  }
  StatusOr<std::string> mediaInfo(const InstanceRef&, int64_t) override {
    return unavailable("no media in this test");
  }
  StatusOr<size_t> mediaRead(const InstanceRef&, int64_t, uint64_t, char*, size_t) override {
    return unavailable("no media in this test");
  }

  std::vector<std::string> logs;
  std::mutex mutex;
  std::map<std::string, std::string> kv;
  std::map<std::string, int64_t> counters;
};

/** A temporary plugin directory assembled from the built fixtures. */
class PluginLoaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_.createDirectories();
    marker_ = root_.path() + "/loaded.marker";
    ::setenv("BARAZA_TEST_LOAD_MARKER", marker_.c_str(), 1);
  }
  void TearDown() override { ::unsetenv("BARAZA_TEST_LOAD_MARKER"); }

  /** Copies fixture `fixture` into folder `folder`, optionally editing its plugin.json. */
  std::string add(const std::string& folder, const std::string& fixture,
                  const std::function<void(Poco::JSON::Object&)>& edit = {}) {
    const std::string from = std::string(BARAZA_FIXTURE_DIR) + "/" + fixture;
    const std::string to = root_.path() + "/" + folder;
    Poco::File(to).createDirectories();
    Poco::File(from + "/lib" + fixture + ".so").copyTo(to);
    std::ifstream in(from + "/plugin.json");
    std::stringstream text;
    text << in.rdbuf();
    auto manifest = Poco::JSON::Parser().parse(text.str()).extract<Poco::JSON::Object::Ptr>();
    if (edit) edit(*manifest);
    std::ofstream out(to + "/plugin.json");
    manifest->stringify(out);
    return to;
  }

  PluginRegistry loadAll() {
    PluginRegistry registry = PluginRegistry::scan(root_.path());
    registry.loadAll();
    return registry;
  }

  bool codeWasLoaded() const { return Poco::File(marker_).exists(); }

  Poco::TemporaryFile root_;
  std::string marker_;
  RecordingServices services_;
};

TEST_F(PluginLoaderTest, GoodPluginLoadsAndItsInstanceReachesTheHost) {
  add("good", "fixture-good");
  PluginRegistry registry = loadAll();
  ASSERT_EQ(registry.entries().size(), 1u);
  const PluginEntry& entry = registry.entries()[0];
  ASSERT_TRUE(entry.loaded()) << entry.error;
  EXPECT_EQ(entry.manifest->id, "test.baraza.good");
  EXPECT_EQ(entry.library->abiVersion(), kHostAbiVersion);
  EXPECT_EQ(entry.library->descriptor().kinds, BARAZA_KIND_CONVERSATION | BARAZA_KIND_INTENT);

  auto instance = PluginInstance::create(entry.library, {"acme", "bot", "test.baraza.good"},
                                         &services_, R"({"greeting":"hi"})");
  ASSERT_TRUE(instance.isOk()) << instance.status().toString();
  auto out = (*instance)->call(Operation::kConversationOnMessage, "hello");
  ASSERT_TRUE(out.isOk()) << out.status().toString();
  EXPECT_EQ(*out, R"({"config":{"greeting":"hi"},"input":"hello"})");
  EXPECT_THAT(services_.logs, ::testing::ElementsAre("acme/bot: good: on_message hello"));
  EXPECT_EQ(services_.counters["acme/messages"], 1);
  EXPECT_EQ(services_.kv["acme/last"], "hello");
  EXPECT_TRUE((*instance)->health().isOk());
}

TEST_F(PluginLoaderTest, ExceptionsInPluginCallsBecomeStatuses) {
  add("good", "fixture-good");
  PluginRegistry registry = loadAll();
  auto instance =
      PluginInstance::create(registry.entries()[0].library, {"acme", "bot", "x"}, &services_, "{}")
          .value();
  auto thrown = instance->call(Operation::kIntentDetect, "throw");
  EXPECT_EQ(thrown.status().code(), Code::kInternal);
  EXPECT_EQ(thrown.status().message(), "detector exploded");
  auto status = instance->call(Operation::kIntentDetect, "status");
  EXPECT_EQ(status.status().code(), Code::kNotFound);
  EXPECT_EQ(status.status().message(), "no such intent");
  auto returned = instance->call(Operation::kIntentDetect, "x");
  EXPECT_EQ(returned.status().code(), Code::kInvalidArgument);
  auto missing = instance->call(Operation::kMediaGet, "{}");
  EXPECT_EQ(missing.status().code(), Code::kUnimplemented);
  EXPECT_THAT(missing.status().message(), HasSubstr("does not implement media.get"));
}

TEST_F(PluginLoaderTest, WrongMajorInTheManifestIsRefusedBeforeAnyCodeIsLoaded) {
  const std::string dir = add("raw", "fixture-raw-major2", [](auto& m) { m.set("abi", "2.0"); });
  PluginRegistry registry = loadAll();
  const PluginEntry& entry = registry.entries()[0];
  EXPECT_FALSE(entry.loaded());
  EXPECT_EQ(entry.error, dir +
                             "/libfixture-raw-major2.so: incompatible ABI major version "
                             "(plugin ABI 2.0, host ABI " +
                             abiText(kHostAbiVersion) + ")");
  EXPECT_FALSE(codeWasLoaded());
}

TEST_F(PluginLoaderTest, LibraryReportingAnotherAbiThanItsManifestIsRefused) {
  const std::string dir = add("raw", "fixture-raw-major2");
  PluginRegistry registry = loadAll();
  EXPECT_FALSE(registry.entries()[0].loaded());
  EXPECT_EQ(registry.entries()[0].error, dir + "/libfixture-raw-major2.so: reports ABI 2." +
                                             kMinor + " but its plugin.json says 1." + kMinor);
}

TEST_F(PluginLoaderTest, NewerMinorIsRefusedBeforeAnyCodeIsLoaded) {
  const std::string dir = add("raw", "fixture-raw", [](auto& m) { m.set("abi", "1.7"); });
  PluginRegistry registry = loadAll();
  EXPECT_EQ(registry.entries()[0].error,
            dir +
                "/libfixture-raw.so: built for a newer ABI than this host (plugin ABI 1.7, "
                "host ABI " +
                abiText(kHostAbiVersion) + "); upgrade baraza");
  EXPECT_FALSE(codeWasLoaded());
}

TEST_F(PluginLoaderTest, PluginBuiltAgainstAbi11LoadsAndWorks) {
  add("older", "fixture-older-1-1");
  PluginRegistry registry = loadAll();
  const PluginEntry& entry = registry.entries()[0];
  ASSERT_TRUE(entry.loaded()) << entry.error;
  EXPECT_EQ(entry.library->abiVersion(), BARAZA_ABI_MAKE_VERSION(1, 1));
  auto instance =
      PluginInstance::create(entry.library, {"acme", "old", "test.baraza.older"}, &services_, "{}");
  ASSERT_TRUE(instance.isOk()) << instance.status().toString();
  EXPECT_EQ((*instance)->call(Operation::kConversationOnMessage, "hi").value(), "older:hi");
  EXPECT_TRUE((*instance)->health().isOk());
}

TEST_F(PluginLoaderTest, OlderMinorWithAShorterDescriptorLoadsAndWorks) {
  add("older", "fixture-older");
  PluginRegistry registry = loadAll();
  const PluginEntry& entry = registry.entries()[0];
  ASSERT_TRUE(entry.loaded()) << entry.error;
  EXPECT_EQ(entry.library->abiVersion(), BARAZA_ABI_MAKE_VERSION(1, 0));
  EXPECT_EQ(entry.library->descriptor().struct_size, offsetof(baraza_plugin_descriptor, health));
  EXPECT_EQ(entry.library->descriptor().health, nullptr);
  auto instance =
      PluginInstance::create(entry.library, {"acme", "old", "test.baraza.older"}, &services_, "{}");
  ASSERT_TRUE(instance.isOk()) << instance.status().toString();
  EXPECT_EQ((*instance)->call(Operation::kConversationOnMessage, "hi").value(), "older:hi");
  EXPECT_TRUE((*instance)->health().isOk());
  EXPECT_THAT(services_.logs, ::testing::ElementsAre("acme/old: older plugin still works"));
}

TEST_F(PluginLoaderTest, CreateThatThrowsFailsWithTheReason) {
  add("throwing", "fixture-throwing");
  PluginRegistry registry = loadAll();
  ASSERT_TRUE(registry.entries()[0].loaded()) << registry.entries()[0].error;
  auto instance = PluginInstance::create(registry.entries()[0].library,
                                         {"acme", "kra", "test.baraza.throwing"}, &services_, "{}");
  ASSERT_FALSE(instance.isOk());
  EXPECT_EQ(instance.status().code(), Code::kInternal);
  EXPECT_EQ(instance.status().message(), "cannot reach the rules database");
}

TEST_F(PluginLoaderTest, MissingEntryPointIsRefused) {
  const std::string dir = add("raw", "fixture-raw-noshutdown");
  PluginRegistry registry = loadAll();
  EXPECT_FALSE(registry.entries()[0].loaded());
  EXPECT_THAT(registry.entries()[0].error,
              HasSubstr(dir + "/libfixture-raw-noshutdown.so: does not export "
                              "baraza_plugin_shutdown"));
}

TEST_F(PluginLoaderTest, GroupWritableLibraryIsRefusedBeforeAnyCodeIsLoaded) {
  const std::string dir = add("raw", "fixture-raw");
  ASSERT_EQ(::chmod((dir + "/libfixture-raw.so").c_str(), 0775), 0);
  PluginRegistry registry = loadAll();
  EXPECT_FALSE(registry.entries()[0].loaded());
  EXPECT_EQ(
      registry.entries()[0].error,
      dir + "/libfixture-raw.so: writable by group or others (mode 0775); refusing to load it");
  EXPECT_FALSE(codeWasLoaded());
}

TEST_F(PluginLoaderTest, WorldWritablePluginFolderIsRefused) {
  const std::string dir = add("raw", "fixture-raw");
  ASSERT_EQ(::chmod(dir.c_str(), 0777), 0);
  PluginRegistry registry = loadAll();
  EXPECT_THAT(registry.entries()[0].error, HasSubstr(dir + ": writable by group or others"));
}

TEST_F(PluginLoaderTest, DuplicateIdIsRefusedNamingBothFiles) {
  const std::string first = add("a-good", "fixture-good");
  const std::string second = add("b-good", "fixture-good");
  PluginRegistry registry = loadAll();
  ASSERT_EQ(registry.entries().size(), 2u);
  EXPECT_TRUE(registry.entries()[0].loaded());
  EXPECT_FALSE(registry.entries()[1].loaded());
  EXPECT_EQ(registry.entries()[1].error, second +
                                             "/plugin.json: duplicate id test.baraza.good, "
                                             "already provided by " +
                                             first + "/plugin.json");
}

TEST_F(PluginLoaderTest, DescriptorIdDifferentFromTheManifestIsRefused) {
  const std::string dir =
      add("good", "fixture-good", [](auto& m) { m.set("id", "test.baraza.impostor"); });
  PluginRegistry registry = loadAll();
  EXPECT_FALSE(registry.entries()[0].loaded());
  EXPECT_EQ(registry.entries()[0].error,
            dir + "/libfixture-good.so: descriptor id \"test.baraza.good\" differs from " + dir +
                "/plugin.json id \"test.baraza.impostor\"");
}

TEST_F(PluginLoaderTest, FolderWithoutManifestIsReported) {
  Poco::File(root_.path() + "/stray").createDirectories();
  PluginRegistry registry = loadAll();
  EXPECT_EQ(registry.entries()[0].error,
            root_.path() + "/stray/plugin.json: missing (every plugin folder needs a plugin.json)");
}

TEST_F(PluginLoaderTest, LibraryStaysLoadedWhileAnInstanceLives) {
  const std::string dir = add("good", "fixture-good");
  const std::string so = dir + "/libfixture-good.so";
  PluginInstancePtr instance;
  {
    PluginRegistry registry = loadAll();
    instance = PluginInstance::create(registry.entries()[0].library, {"acme", "bot", "x"},
                                      &services_, "{}")
                   .value();
  }
  // The registry is gone; the instance still holds the library.
  EXPECT_EQ(instance->call(Operation::kConversationOnMessage, "still here").value(),
            R"({"config":{},"input":"still here"})");
  void* handle = ::dlopen(so.c_str(), RTLD_NOW | RTLD_NOLOAD);
  ASSERT_NE(handle, nullptr);
  ::dlclose(handle);
  instance.reset();
  EXPECT_EQ(::dlopen(so.c_str(), RTLD_NOW | RTLD_NOLOAD), nullptr) << "library was not unloaded";
}

/** Polls `condition` for up to 10 s. */
template <class F>
bool eventually(F&& condition) {
  for (int i = 0; i < 1000; ++i) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return condition();
}

class PluginDeadlineTest : public PluginLoaderTest {
 protected:
  PluginInstancePtr good(CallLimits limits) {
    if (!registry_) {
      add("good", "fixture-good");
      registry_ = std::make_unique<PluginRegistry>(loadAll());
    }
    return PluginInstance::create(registry_->entries()[0].library,
                                  {"acme", "nlu", "test.baraza.good"}, &services_, "{}", limits)
        .value();
  }
  /** A detect call that returns once release(n) is called. */
  std::string waitFor(int n) const {
    return "wait-for:" + root_.path() + "/release-" + std::to_string(n);
  }
  void release(int n) const {
    Poco::File(root_.path() + "/release-" + std::to_string(n)).createFile();
  }

  std::unique_ptr<PluginRegistry> registry_;
};

TEST_F(PluginDeadlineTest, ACallPastItsDeadlineIsAbandonedAndCountedUntilItReturns) {
  PluginInstancePtr instance = good({std::chrono::milliseconds(100), 8});
  StatusOr<std::string> stuck = instance->call(Operation::kIntentDetect, waitFor(1));
  EXPECT_EQ(stuck.status().code(), Code::kDeadlineExceeded);
  EXPECT_EQ(stuck.status().message(), "intent.detect did not return within 100 ms; abandoned");
  EXPECT_EQ(instance->stuckCalls(), 1);
  EXPECT_EQ(instance->abandonedCalls(), 1);
  // The caller moved on while the call is stuck: the instance still answers other calls.
  EXPECT_EQ(instance->call(Operation::kIntentDetect, "x").status().code(), Code::kInvalidArgument);
  release(1);
  EXPECT_TRUE(eventually([&] { return instance->stuckCalls() == 0; }));
  EXPECT_EQ(instance->abandonedCalls(), 1);
  EXPECT_TRUE(services_.has("acme/late")) << "the late call still reached the host it was made for";
}

TEST_F(PluginDeadlineTest, AnInstanceWithTooManyStuckCallsIsNotCalledUntilOneReturns) {
  PluginInstancePtr instance = good({std::chrono::milliseconds(50), 2});
  EXPECT_EQ(instance->call(Operation::kIntentDetect, waitFor(1)).status().code(),
            Code::kDeadlineExceeded);
  EXPECT_EQ(instance->call(Operation::kIntentDetect, waitFor(2)).status().code(),
            Code::kDeadlineExceeded);
  StatusOr<std::string> refused = instance->call(Operation::kConversationOnMessage, "hello");
  EXPECT_EQ(refused.status().code(), Code::kUnavailable);
  EXPECT_THAT(
      refused.status().message(),
      HasSubstr(
          "plugins.nlu (test.baraza.good) is not called: 2 of its calls passed their deadline"));
  EXPECT_EQ(services_.logs.size(), 0u) << "refused without calling the plugin";
  release(1);
  EXPECT_TRUE(eventually([&] { return instance->stuckCalls() == 1; }));
  EXPECT_TRUE(instance->call(Operation::kConversationOnMessage, "hello").isOk());
  release(2);
  EXPECT_TRUE(eventually([&] { return instance->stuckCalls() == 0; }));
}

TEST_F(PluginDeadlineTest, AnAbandonedCallOfADetachedInstanceNoLongerReachesItsServices) {
  PluginInstancePtr instance = good({std::chrono::milliseconds(50), 8});
  EXPECT_EQ(instance->call(Operation::kIntentDetect, waitFor(1)).status().code(),
            Code::kDeadlineExceeded);
  instance->detach();  // what a tenant reload does before its services go
  release(1);
  EXPECT_TRUE(eventually([&] { return instance->stuckCalls() == 0; }));
  EXPECT_FALSE(services_.has("acme/late"));
}

TEST_F(PluginDeadlineTest, ACallWithinItsDeadlineAnswersAsIfMadeDirectly) {
  PluginInstancePtr instance = good({std::chrono::milliseconds(0), 8});
  release(1);
  EXPECT_TRUE(instance->call(Operation::kIntentDetect, waitFor(1)).isOk())
      << "no deadline: on the caller's thread";
  PluginInstancePtr bounded = good({});
  auto out = bounded->call(Operation::kConversationOnMessage, "hello");
  ASSERT_TRUE(out.isOk()) << out.status().toString();
  EXPECT_EQ(*out, R"({"config":{},"input":"hello"})");
  EXPECT_EQ(bounded->stuckCalls(), 0);
  EXPECT_EQ(bounded->abandonedCalls(), 0);
}

}  // namespace
}  // namespace baraza::plugins
