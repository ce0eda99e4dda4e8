// The file store behind fsmedia, on a real folder: whole files under their hash or nothing.
#include <dirent.h>
#include <gtest/gtest.h>
#include <openssl/sha.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <baraza/sdk/Encoding.hpp>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "FileStore.h"

namespace baraza::fsmedia {
namespace {

std::string sha256Hex(const std::string& bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  return sdk::encoding::hex(std::string_view(reinterpret_cast<char*>(digest), sizeof digest));
}

std::vector<std::string> filesIn(const std::string& dir) {
  std::vector<std::string> out;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (const dirent* e = ::readdir(d)) {
      if (e->d_name[0] != '.') out.emplace_back(e->d_name);
    }
    ::closedir(d);
  }
  return out;
}

class FileStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/fsmedia-XXXXXX";
    root_ = ::mkdtemp(pattern);
  }
  void TearDown() override { std::system(("rm -rf " + root_).c_str()); }

  StoredObject store(const FileStore& files, const std::string& bytes, size_t piece = 3) {
    auto writer = files.open("acme", sha256Hex(bytes));
    EXPECT_TRUE(writer.isOk()) << writer.status().message();
    for (size_t at = 0; at < bytes.size(); at += piece)
      EXPECT_TRUE((*writer)->write(bytes.substr(at, piece)).isOk());
    StatusOr<StoredObject> stored = (*writer)->commit();
    EXPECT_TRUE(stored.isOk()) << stored.status().message();
    return *stored;
  }

  std::string root_;
};

TEST_F(FileStoreTest, WrittenBytesAreKeptUnderTheirHashAndReadBack) {
  FileStore files(root_);
  const std::string bytes = "a photo of the pothole on Moi Avenue";
  const StoredObject o = store(files, bytes);
  const std::string sha = sha256Hex(bytes);
  EXPECT_EQ(o.key, "acme/" + sha.substr(0, 2) + "/" + sha);
  EXPECT_EQ(o.sha256, sha);
  EXPECT_EQ(o.size, static_cast<int64_t>(bytes.size()));
  EXPECT_EQ(o.path, root_ + "/" + o.key);

  char buffer[10];
  std::string read;
  for (uint64_t at = 0;;) {
    StatusOr<size_t> n = files.read(o.key, at, buffer, sizeof buffer);
    ASSERT_TRUE(n.isOk()) << n.status().message();
    if (*n == 0) break;
    read.append(buffer, *n);
    at += *n;
  }
  EXPECT_EQ(read, bytes);
  StatusOr<StoredObject> found = files.stat(o.key);
  ASSERT_TRUE(found.isOk());
  EXPECT_EQ(found->size, o.size);

  struct stat st {};
  ASSERT_EQ(::stat(o.path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0027, 0u) << "no write for the group, nothing for others";
  EXPECT_TRUE(filesIn(root_ + "/.tmp").empty()) << "no temporary file left";
}

TEST_F(FileStoreTest, BytesThatDoNotHashToTheExpectedValueAreNotKept) {
  FileStore files(root_);
  auto writer = files.open("acme", sha256Hex("what the webhook promised"));
  ASSERT_TRUE(writer.isOk());
  ASSERT_TRUE((*writer)->write("something else").isOk());
  StatusOr<StoredObject> stored = (*writer)->commit();
  ASSERT_FALSE(stored.isOk());
  EXPECT_EQ(stored.status().code(), sdk::Code::kDataLoss);
  EXPECT_TRUE(filesIn(root_ + "/.tmp").empty());
  EXPECT_TRUE(filesIn(root_ + "/acme").empty());
}

TEST_F(FileStoreTest, TheSameBytesTwiceAreOneFile) {
  FileStore files(root_);
  const StoredObject first = store(files, "evidence");
  const StoredObject second = store(files, "evidence", 1);
  EXPECT_EQ(first.key, second.key);
  EXPECT_EQ(filesIn(root_ + "/acme/" + first.sha256.substr(0, 2)).size(), 1u);
}

TEST_F(FileStoreTest, AWriterDroppedBeforeItsCommitLeavesNothing) {
  FileStore files(root_);
  {
    auto writer = files.open("acme", "");
    ASSERT_TRUE(writer.isOk());
    ASSERT_TRUE((*writer)->write("half a file").isOk());
    EXPECT_EQ(filesIn(root_ + "/.tmp").size(), 1u);
  }
  EXPECT_TRUE(filesIn(root_ + "/.tmp").empty());
}

TEST_F(FileStoreTest, TemporaryFilesOfAProcessThatDiedAreRemovedAtStart) {
  FileStore{root_};
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  std::string name;
  for (char* c = host; *c; ++c) name += std::isalnum(static_cast<unsigned char>(*c)) ? *c : '-';
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);  // a pid that no longer runs
  const std::string dead = root_ + "/.tmp/" + name + "." + std::to_string(child) + ".ab.part";
  const std::string alive = root_ + "/.tmp/" + name + "." + std::to_string(::getpid()) + ".cd.part";
  const std::string other = root_ + "/.tmp/another-host.1.ef.part";
  for (const auto& path : {dead, alive, other}) std::ofstream(path) << "partial";

  FileStore restarted(root_);
  EXPECT_NE(::access(dead.c_str(), F_OK), 0) << "left by a process that died: removed";
  EXPECT_EQ(::access(alive.c_str(), F_OK), 0) << "a running process's: kept";
  EXPECT_EQ(::access(other.c_str(), F_OK), 0) << "another machine's: not ours to judge";
}

TEST_F(FileStoreTest, OnlyKeysOfTheStoreNameFiles) {
  FileStore files(root_);
  const std::string sha = sha256Hex("x");
  for (const std::string& key :
       {std::string("../etc/passwd"), "acme/../../" + sha, "acme/00/" + sha,
        "/acme/" + sha.substr(0, 2) + "/" + sha, "ac me/" + sha.substr(0, 2) + "/" + sha,
        "acme/" + sha.substr(0, 2) + "/" + sha + "/x"}) {
    EXPECT_EQ(files.stat(key).status().code(), sdk::Code::kInvalidArgument) << key;
  }
  EXPECT_EQ(files.stat("acme/" + sha.substr(0, 2) + "/" + sha).status().code(),
            sdk::Code::kNotFound);
  EXPECT_EQ(files.open("../x", "").status().code(), sdk::Code::kInvalidArgument);
}

TEST_F(FileStoreTest, RemovingTwiceIsFine) {
  FileStore files(root_);
  const StoredObject o = store(files, "to be purged");
  EXPECT_TRUE(files.remove(o.key).isOk());
  EXPECT_EQ(files.stat(o.key).status().code(), sdk::Code::kNotFound);
  EXPECT_TRUE(files.remove(o.key).isOk());
}

}  // namespace
}  // namespace baraza::fsmedia
