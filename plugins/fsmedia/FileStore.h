// Content-addressed media files: <root>/<tenant>/<first two hex digits>/<sha256>. A write goes
// to <root>/.tmp/<host>.<pid>.<random>.part, is fsynced, renamed into place and its folder
// fsynced, so a file under its hash is always whole; equal bytes are kept once.
#pragma once

#include <openssl/evp.h>

#include <baraza/sdk/Documents.hpp>
#include <baraza/sdk/Status.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace baraza::fsmedia {

using sdk::Status;
using sdk::StatusOr;

/** A stored object: its key ("<tenant>/<ab>/<sha256>"), size, hash and file. */
/** An object kept: its key, size, hash and file (the media kind's document). */
using StoredObject = sdk::MediaObject;

class FileStore {
 public:
  /** Files and folders are created with these modes (the process umask may narrow them). */
  static constexpr unsigned kFileMode = 0640, kDirMode = 0750;

  /**
   * Creates the root (and its .tmp folder) when missing, and removes the temporary files that
   * processes of this machine which no longer run left behind (a crash mid-write).
   * std::runtime_error when the root cannot be used.
   */
  explicit FileStore(std::string root);

  /** One object being written; destroyed without a commit, its temporary file is removed. */
  class Writer {
   public:
    ~Writer();
    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;
    Status write(std::string_view bytes);
    /**
     * Durable under its hash: DATA_LOSS when the bytes do not hash to the expected sha256
     * (nothing kept); an object already stored is kept once.
     */
    StatusOr<StoredObject> commit();

   private:
    friend class FileStore;
    Writer(const FileStore& store, std::string tenant, std::string expected, std::string temp,
           int fd);
    void discard();

    const FileStore& store_;
    std::string tenant_, expected_, temp_;
    int fd_ = -1;
    int64_t size_ = 0;
    EVP_MD_CTX* hash_ = nullptr;
  };

  /** `tenant`: [A-Za-z0-9_-]; `expectedSha256`: 64 hex digits, or empty to keep any bytes. */
  StatusOr<std::unique_ptr<Writer>> open(const std::string& tenant,
                                         const std::string& expectedSha256) const;
  /** NOT_FOUND when absent; INVALID_ARGUMENT when `key` is not a key of this store. */
  StatusOr<StoredObject> stat(std::string_view key) const;
  StatusOr<size_t> read(std::string_view key, uint64_t offset, char* out, size_t capacity) const;
  /** OK when already gone. */
  Status remove(std::string_view key) const;
  /** Whether objects can be written now. */
  Status writable() const;

  const std::string& root() const { return root_; }

 private:
  StatusOr<std::string> pathOf(std::string_view key) const;
  void sweepTemporaries() const;

  std::string root_, temp_;
};

}  // namespace baraza::fsmedia
