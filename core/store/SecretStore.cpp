#include "store/SecretStore.h"

#include <Poco/Base64Decoder.h>
#include <Poco/String.h>

#include <sstream>

#include "crypto/Crypto.h"
#include "store/Rows.h"

namespace baraza::store {

using Poco::Data::Keywords::bind;
using Poco::Data::Keywords::now;

namespace {

constexpr size_t kKeySize = 32;
constexpr size_t kNonceSize = 12;

std::string associatedData(const std::string& tenant, const std::string& name) {
  return "baraza.secret\n" + tenant + "\n" + name;
}

std::string decodeHex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

}  // namespace

StatusOr<MasterKey> MasterKey::parse(const std::string& raw) {
  const std::string text = Poco::trim(raw);
  MasterKey key;
  if (text.size() == 2 * kKeySize &&
      text.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos) {
    key.key_ = decodeHex(text);
  } else {
    try {
      std::istringstream in(text);
      Poco::Base64Decoder decoder(in);
      std::ostringstream out;
      out << decoder.rdbuf();
      key.key_ = out.str();
    } catch (const Poco::Exception&) {
      key.key_.clear();
    }
  }
  if (key.key_.size() != kKeySize) {
    return invalidArgument("store.master_key: expected 32 bytes as 64 hex digits or base64");
  }
  key.id_ = crypto::toHex(crypto::sha256(key.key_)).substr(0, 16);
  return key;
}

std::string MasterKey::generateHex() {
  uint8_t bytes[kKeySize];
  if (!crypto::randomBytes(bytes, sizeof bytes)) throw std::runtime_error("no random source");
  return crypto::toHex(bytes, sizeof bytes);
}

void SecretStore::put(Poco::Data::Session& s, const std::string& tenant, const std::string& name,
                      const std::string& plaintext, int64_t at) const {
  uint8_t nonceBytes[kNonceSize];
  if (!crypto::randomBytes(nonceBytes, sizeof nonceBytes))
    throw std::runtime_error("no random source");
  const std::string nonce(reinterpret_cast<const char*>(nonceBytes), sizeof nonceBytes);
  auto sealed = crypto::aesGcmEncrypt(key_.bytes(), nonce, associatedData(tenant, name), plaintext);
  if (!sealed) throw std::runtime_error("secret encryption failed");
  const auto& d = dialect_;
  s << "INSERT INTO secrets (tenant, name, key_id, nonce, ciphertext, updated_at) VALUES (?, ?, ?, "
       "?, ?, ?) " +
           d.onConflict("tenant, name") + "key_id = " + d.excluded("key_id") +
           ", nonce = " + d.excluded("nonce") + ", ciphertext = " + d.excluded("ciphertext") +
           ", updated_at = " + d.excluded("updated_at"),
      bind(tenant), bind(name), bind(key_.id()), bind(toBlob(nonce)), bind(toBlob(*sealed)),
      bind(at), now;
}

StatusOr<std::string> SecretStore::get(Poco::Data::Session& s, const std::string& tenant,
                                       const std::string& name) const {
  Poco::Data::Statement select(s);
  select << "SELECT key_id, nonce, ciphertext FROM secrets WHERE tenant = ? AND name = ?",
      bind(tenant), bind(name);
  select.execute();
  Poco::Data::RecordSet rows(select);
  if (!rows.moveFirst()) return notFound("tenant " + tenant + " has no stored secret " + name);
  if (text(rows, 0) != key_.id()) {
    return failedPrecondition("secret " + tenant + "/" + name + " is encrypted under master key " +
                              text(rows, 0) + ", not the configured " + key_.id());
  }
  auto plain = crypto::aesGcmDecrypt(key_.bytes(), text(rows, 1), associatedData(tenant, name),
                                     text(rows, 2));
  if (!plain)
    return Status(Code::kDataLoss, "secret " + tenant + "/" + name + " does not authenticate");
  return *plain;
}

}  // namespace baraza::store
