#include "crypto/Crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <limits>

namespace baraza::crypto {

Digest hmacSha256(std::string_view key, std::string_view data) {
  Digest out{};
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &size);
  return out;
}

Digest sha256(std::string_view data) {
  Digest out{};
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data());
  return out;
}

bool randomBytes(uint8_t* out, size_t size) {
  while (size > 0) {
    const int chunk = static_cast<int>(std::min<size_t>(size, std::numeric_limits<int>::max()));
    if (RAND_bytes(out, chunk) != 1) return false;
    out += chunk;
    size -= chunk;
  }
  return true;
}

bool constantTimeEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string toHex(const uint8_t* data, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(size * 2, '\0');
  for (size_t i = 0; i < size; ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 0xF];
  }
  return out;
}

namespace {

constexpr size_t kTagSize = 16;

struct CipherCtx {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  ~CipherCtx() { EVP_CIPHER_CTX_free(ctx); }
};

const EVP_CIPHER* gcmFor(size_t keySize) {
  if (keySize == 16) return EVP_aes_128_gcm();
  if (keySize == 32) return EVP_aes_256_gcm();
  return nullptr;
}

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

std::optional<std::string> aesGcmEncrypt(std::string_view key, std::string_view iv,
                                         std::string_view aad, std::string_view plaintext) {
  const EVP_CIPHER* cipher = gcmFor(key.size());
  if (cipher == nullptr || iv.empty()) return std::nullopt;
  CipherCtx c;
  int len = 0;
  std::string out(plaintext.size() + kTagSize, '\0');
  auto* dst = reinterpret_cast<unsigned char*>(out.data());
  if (EVP_EncryptInit_ex(c.ctx, cipher, nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(iv.size()), nullptr) != 1 ||
      EVP_EncryptInit_ex(c.ctx, nullptr, nullptr, bytes(key), bytes(iv)) != 1 ||
      (!aad.empty() && EVP_EncryptUpdate(c.ctx, nullptr, &len, bytes(aad), static_cast<int>(aad.size())) != 1) ||
      EVP_EncryptUpdate(c.ctx, dst, &len, bytes(plaintext), static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(c.ctx, dst + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_GET_TAG, kTagSize, dst + plaintext.size()) != 1) {
    return std::nullopt;
  }
  return out;
}

std::optional<std::string> aesGcmDecrypt(std::string_view key, std::string_view iv,
                                         std::string_view aad, std::string_view sealed) {
  const EVP_CIPHER* cipher = gcmFor(key.size());
  if (cipher == nullptr || iv.empty() || sealed.size() < kTagSize) return std::nullopt;
  const size_t size = sealed.size() - kTagSize;
  std::string tag(sealed.substr(size));
  CipherCtx c;
  int len = 0;
  std::string out(size, '\0');
  auto* dst = reinterpret_cast<unsigned char*>(out.data());
  if (EVP_DecryptInit_ex(c.ctx, cipher, nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(iv.size()), nullptr) != 1 ||
      EVP_DecryptInit_ex(c.ctx, nullptr, nullptr, bytes(key), bytes(iv)) != 1 ||
      (!aad.empty() && EVP_DecryptUpdate(c.ctx, nullptr, &len, bytes(aad), static_cast<int>(aad.size())) != 1) ||
      EVP_DecryptUpdate(c.ctx, dst, &len, bytes(sealed), static_cast<int>(size)) != 1 ||
      EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_SET_TAG, kTagSize, tag.data()) != 1 ||
      EVP_DecryptFinal_ex(c.ctx, dst + len, &len) != 1) {
    return std::nullopt;
  }
  return out;
}

}  // namespace baraza::crypto
