#include "FileStore.h"

#include <dirent.h>
#include <fcntl.h>
#include <openssl/rand.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <baraza/sdk/Encoding.hpp>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace baraza::fsmedia {

using sdk::Code;

namespace {

std::string hex(const unsigned char* bytes, size_t size) {
  return sdk::encoding::hex(std::string_view(reinterpret_cast<const char*>(bytes), size));
}

bool isHex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool isTenant(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
  }
  return true;
}

Status systemError(const std::string& what) {
  const int error = errno;
  const Code code = error == ENOSPC || error == EDQUOT  ? Code::kResourceExhausted
                    : error == EACCES || error == EPERM ? Code::kPermissionDenied
                                                        : Code::kUnavailable;
  return Status(code, what + ": " + std::strerror(error));
}

/** mkdir that is fine with the folder being there already. */
bool makeDir(const std::string& path) {
  return ::mkdir(path.c_str(), FileStore::kDirMode) == 0 || errno == EEXIST;
}

/** Makes a rename or an unlink in `dir` durable. */
bool syncDir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

std::string hostName() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "host";
  std::string out;
  for (char* c = name; *c; ++c) out += std::isalnum(static_cast<unsigned char>(*c)) ? *c : '-';
  return out;
}

}  // namespace

FileStore::FileStore(std::string root) : root_(std::move(root)) {
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
  temp_ = root_ + "/.tmp";
  // The root's parents are the operator's; the root and .tmp are created when missing.
  if (!makeDir(root_) || !makeDir(temp_)) {
    throw std::runtime_error("media root " + root_ + ": " + std::strerror(errno));
  }
  sweepTemporaries();
}

void FileStore::sweepTemporaries() const {
  // "<host>.<pid>.<random>.part": this machine's, of a process that is gone.
  const std::string mine = hostName() + ".";
  DIR* dir = ::opendir(temp_.c_str());
  if (dir == nullptr) return;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string name = entry->d_name;
    if (name.rfind(mine, 0) != 0) continue;
    const pid_t pid = static_cast<pid_t>(std::atol(name.c_str() + mine.size()));
    if (pid <= 0 || (::kill(pid, 0) != 0 && errno == ESRCH)) ::unlink((temp_ + "/" + name).c_str());
  }
  ::closedir(dir);
}

StatusOr<std::unique_ptr<FileStore::Writer>> FileStore::open(
    const std::string& tenant, const std::string& expectedSha256) const {
  if (!isTenant(tenant)) return sdk::invalidArgument("tenant: not a tenant id: " + tenant);
  if (!expectedSha256.empty() && !isHex64(expectedSha256))
    return sdk::invalidArgument("sha256: not 64 lower-case hex digits");
  unsigned char random[8];
  if (RAND_bytes(random, sizeof random) != 1) return sdk::internal("no random bytes");
  const std::string temp = temp_ + "/" + hostName() + "." + std::to_string(::getpid()) + "." +
                           hex(random, sizeof random) + ".part";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, kFileMode);
  if (fd < 0) return systemError("cannot create " + temp);
  return std::unique_ptr<Writer>(new Writer(*this, tenant, expectedSha256, temp, fd));
}

FileStore::Writer::Writer(const FileStore& store, std::string tenant, std::string expected,
                          std::string temp, int fd)
    : store_(store),
      tenant_(std::move(tenant)),
      expected_(std::move(expected)),
      temp_(std::move(temp)),
      fd_(fd),
      hash_(EVP_MD_CTX_new()) {
  if (hash_ == nullptr || EVP_DigestInit_ex(hash_, EVP_sha256(), nullptr) != 1)
    throw std::bad_alloc();
}

FileStore::Writer::~Writer() {
  discard();
  EVP_MD_CTX_free(hash_);
}

void FileStore::Writer::discard() {
  if (fd_ < 0) return;
  ::close(fd_);
  fd_ = -1;
  ::unlink(temp_.c_str());
}

Status FileStore::Writer::write(std::string_view bytes) {
  if (fd_ < 0) return sdk::failedPrecondition("the writer has ended");
  EVP_DigestUpdate(hash_, bytes.data(), bytes.size());
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status failed = systemError("cannot write " + temp_);
      discard();
      return failed;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
    size_ += n;
  }
  return Status::ok();
}

StatusOr<StoredObject> FileStore::Writer::commit() {
  if (fd_ < 0) return sdk::failedPrecondition("the writer has ended");
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(hash_, digest, &length);
  const std::string sha = hex(digest, length);
  if (!expected_.empty() && sha != expected_) {
    discard();
    return Status(Code::kDataLoss, "the bytes hash to " + sha + ", not the expected " + expected_);
  }
  if (::fsync(fd_) != 0) {
    Status failed = systemError("cannot sync " + temp_);
    discard();
    return failed;
  }
  ::close(fd_);
  fd_ = -1;
  const std::string tenantDir = store_.root_ + "/" + tenant_;
  const std::string dir = tenantDir + "/" + sha.substr(0, 2);
  StoredObject out{tenant_ + "/" + sha.substr(0, 2) + "/" + sha, size_, sha, dir + "/" + sha};
  const bool newTenant = ::access(tenantDir.c_str(), F_OK) != 0;
  const bool newDir = ::access(dir.c_str(), F_OK) != 0;
  if (!makeDir(tenantDir) || !makeDir(dir)) {
    Status failed = systemError("cannot create " + dir);
    ::unlink(temp_.c_str());
    return failed;
  }
  if (::access(out.path.c_str(), F_OK) == 0) {
    ::unlink(temp_.c_str());  // the same bytes are already kept: once is enough
    return out;
  }
  if (::rename(temp_.c_str(), out.path.c_str()) != 0) {
    Status failed = systemError("cannot move " + temp_ + " to " + out.path);
    ::unlink(temp_.c_str());
    return failed;
  }
  // The rename, and any folder made for it, survive a power cut only once their folders are
  // synced.
  if (!syncDir(dir) || (newDir && !syncDir(tenantDir)) || (newTenant && !syncDir(store_.root_)))
    return systemError("cannot sync the folders of " + out.path);
  return out;
}

StatusOr<std::string> FileStore::pathOf(std::string_view key) const {
  // "<tenant>/<ab>/<sha256>": nothing else names a file of this store (no "..", no absolute
  // path).
  const size_t first = key.find('/');
  const size_t second = first == std::string_view::npos ? first : key.find('/', first + 1);
  if (second == std::string_view::npos || !isTenant(key.substr(0, first)) ||
      !isHex64(key.substr(second + 1)) ||
      key.substr(first + 1, second - first - 1) != key.substr(second + 1, 2)) {
    return sdk::invalidArgument("not a media key of this store: " + std::string(key));
  }
  return root_ + "/" + std::string(key);
}

StatusOr<StoredObject> FileStore::stat(std::string_view key) const {
  StatusOr<std::string> path = pathOf(key);
  if (!path.isOk()) return path.status();
  struct stat st {};
  if (::stat(path->c_str(), &st) != 0) {
    if (errno == ENOENT) return sdk::notFound("no media object " + std::string(key));
    return systemError("cannot stat " + *path);
  }
  return StoredObject{std::string(key), static_cast<int64_t>(st.st_size),
                      std::string(key.substr(key.size() - 64)), *path};
}

StatusOr<size_t> FileStore::read(std::string_view key, uint64_t offset, char* out,
                                 size_t capacity) const {
  StatusOr<std::string> path = pathOf(key);
  if (!path.isOk()) return path.status();
  const int fd = ::open(path->c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return sdk::notFound("no media object " + std::string(key));
    return systemError("cannot open " + *path);
  }
  ssize_t n;
  do {
    n = ::pread(fd, out, capacity, static_cast<off_t>(offset));
  } while (n < 0 && errno == EINTR);
  Status failed = n < 0 ? systemError("cannot read " + *path) : Status::ok();
  ::close(fd);
  if (!failed.isOk()) return failed;
  return static_cast<size_t>(n);
}

Status FileStore::remove(std::string_view key) const {
  StatusOr<std::string> path = pathOf(key);
  if (!path.isOk()) return path.status();
  if (::unlink(path->c_str()) != 0) {
    if (errno == ENOENT) return Status::ok();
    return systemError("cannot remove " + *path);
  }
  if (!syncDir(path->substr(0, path->rfind('/'))))
    return systemError("cannot sync the folder of " + *path);
  return Status::ok();
}

Status FileStore::writable() const {
  if (::access(temp_.c_str(), W_OK) != 0) return systemError(temp_ + " is not writable");
  return Status::ok();
}

}  // namespace baraza::fsmedia
