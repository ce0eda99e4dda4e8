#pragma once

#include <string>

#include "common/Status.h"
#include "store/Database.h"

namespace baraza::store {

/**
 * The host master key that encrypts stored secrets: 32 bytes, given as 64 hex digits or
 * base64 (e.g. in a systemd credential). Its id (first 16 hex digits of its SHA-256) is stored
 * with each secret so a wrong key is reported as such, not as corruption.
 */
class MasterKey {
 public:
  static StatusOr<MasterKey> parse(const std::string& text);
  /** A new random key, as 64 hex digits (for key generation). */
  static std::string generateHex();

  const std::string& bytes() const { return key_; }
  const std::string& id() const { return id_; }

 private:
  std::string key_;
  std::string id_;
};

/**
 * Tenant secrets at rest: AES-256-GCM under the master key with a fresh 96-bit nonce per write,
 * bound to (tenant, name) as associated data so a ciphertext cannot be moved to another row.
 * Plaintext is never written to the database or logged.
 */
class SecretStore {
 public:
  SecretStore(const Dialect& dialect, MasterKey key) : dialect_(dialect), key_(std::move(key)) {}

  void put(Poco::Data::Session& s, const std::string& tenant, const std::string& name,
           const std::string& plaintext, int64_t now) const;
  /** NOT_FOUND; FAILED_PRECONDITION when stored under another master key; DATA_LOSS if altered. */
  StatusOr<std::string> get(Poco::Data::Session& s, const std::string& tenant,
                            const std::string& name) const;

 private:
  const Dialect& dialect_;
  MasterKey key_;
};

}  // namespace baraza::store
