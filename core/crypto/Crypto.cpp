#include "crypto/Crypto.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>

#include <cctype>
#include <limits>
#include <memory>
#include <new>
#include <stdexcept>

namespace baraza::crypto {

namespace {

/**
 * HMAC-SHA256 with its algorithm fetched and digest set, but no key. OpenSSL 3's one-shot HMAC()
 * fetches and configures on every call, behind a shared lock: on a 600-byte webhook that was
 * most of the cost. Each call copies this context and keys the copy.
 */
const EVP_MAC_CTX* preparedHmacSha256() {
  static const EVP_MAC_CTX* const prepared = [] {
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr);
    EVP_MAC_CTX* ctx = mac ? EVP_MAC_CTX_new(mac) : nullptr;
    EVP_MAC_free(mac);
    char digest[] = OSSL_DIGEST_NAME_SHA2_256;
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                                 OSSL_PARAM_construct_end()};
    if (ctx == nullptr || EVP_MAC_CTX_set_params(ctx, params) != 1) {
      throw std::runtime_error("OpenSSL has no HMAC-SHA256");
    }
    return ctx;
  }();
  return prepared;
}

}  // namespace

Digest hmacSha256(std::string_view key, std::string_view data) {
  std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)> ctx(
      EVP_MAC_CTX_dup(preparedHmacSha256()), EVP_MAC_CTX_free);
  // A null key would mean "keep the context's key": an empty key needs a real pointer.
  static const unsigned char kNoKey = 0;
  const auto* keyBytes = key.empty() ? &kNoKey : reinterpret_cast<const unsigned char*>(key.data());
  Digest out{};
  size_t size = 0;
  if (!ctx || EVP_MAC_init(ctx.get(), keyBytes, key.size(), nullptr) != 1 ||
      EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(data.data()), data.size()) !=
          1 ||
      EVP_MAC_final(ctx.get(), out.data(), &size, out.size()) != 1 || size != out.size()) {
    throw std::runtime_error("HMAC-SHA256 failed");
  }
  return out;
}

Digest sha256(std::string_view data) {
  Digest out{};
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data());
  return out;
}

struct Sha256::State {
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  ~State() { EVP_MD_CTX_free(context); }
};

Sha256::Sha256() : state_(std::make_unique<State>()) {
  if (state_->context == nullptr || EVP_DigestInit_ex(state_->context, EVP_sha256(), nullptr) != 1)
    throw std::bad_alloc();
}
Sha256::~Sha256() = default;
void Sha256::add(std::string_view bytes) {
  EVP_DigestUpdate(state_->context, bytes.data(), bytes.size());
}
Digest Sha256::digest() {
  Digest out{};
  unsigned int size = 0;
  EVP_DigestFinal_ex(state_->context, out.data(), &size);
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
      EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(iv.size()), nullptr) !=
          1 ||
      EVP_EncryptInit_ex(c.ctx, nullptr, nullptr, bytes(key), bytes(iv)) != 1 ||
      (!aad.empty() &&
       EVP_EncryptUpdate(c.ctx, nullptr, &len, bytes(aad), static_cast<int>(aad.size())) != 1) ||
      EVP_EncryptUpdate(c.ctx, dst, &len, bytes(plaintext), static_cast<int>(plaintext.size())) !=
          1 ||
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
      EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(iv.size()), nullptr) !=
          1 ||
      EVP_DecryptInit_ex(c.ctx, nullptr, nullptr, bytes(key), bytes(iv)) != 1 ||
      (!aad.empty() &&
       EVP_DecryptUpdate(c.ctx, nullptr, &len, bytes(aad), static_cast<int>(aad.size())) != 1) ||
      EVP_DecryptUpdate(c.ctx, dst, &len, bytes(sealed), static_cast<int>(size)) != 1 ||
      EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_SET_TAG, kTagSize, tag.data()) != 1 ||
      EVP_DecryptFinal_ex(c.ctx, dst + len, &len) != 1) {
    return std::nullopt;
  }
  return out;
}

std::optional<std::string> aesCbcDecrypt(std::string_view key, std::string_view iv,
                                         std::string_view ciphertext) {
  if (key.size() != 32 || iv.size() != 16 || ciphertext.empty() || ciphertext.size() % 16 != 0) {
    return std::nullopt;
  }
  CipherCtx c;
  int len = 0, last = 0;
  std::string out(ciphertext.size(), '\0');
  auto* dst = reinterpret_cast<unsigned char*>(out.data());
  if (EVP_DecryptInit_ex(c.ctx, EVP_aes_256_cbc(), nullptr, bytes(key), bytes(iv)) != 1 ||
      EVP_DecryptUpdate(c.ctx, dst, &len, bytes(ciphertext), static_cast<int>(ciphertext.size())) !=
          1 ||
      EVP_DecryptFinal_ex(c.ctx, dst + len, &last) != 1) {  // checks and strips the padding
    return std::nullopt;
  }
  out.resize(static_cast<size_t>(len + last));
  return out;
}

std::string base64Encode(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes(data),
                                static_cast<int>(data.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::optional<std::string> base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  // Padding: at most two '=', at the end only.
  size_t padding = 0;
  while (padding < text.size() && text[text.size() - 1 - padding] == '=') ++padding;
  if (padding > 2) return std::nullopt;
  for (char c : text.substr(0, text.size() - padding)) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '/') return std::nullopt;
  }
  std::string out(3 * (text.size() / 4) + 1, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes(text),
                                static_cast<int>(text.size()));
  // EVP_DecodeBlock counts padding as data: one byte fewer per '='.
  if (n < static_cast<int>(padding)) return std::nullopt;
  out.resize(static_cast<size_t>(n) - padding);
  return out;
}

struct RsaPrivateKey::Key {
  EVP_PKEY* pkey = nullptr;
  ~Key() { EVP_PKEY_free(pkey); }
};

namespace {

std::string opensslError() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

struct PkeyCtx {
  EVP_PKEY_CTX* ctx;
  explicit PkeyCtx(EVP_PKEY* key) : ctx(EVP_PKEY_CTX_new(key, nullptr)) {}
  ~PkeyCtx() { EVP_PKEY_CTX_free(ctx); }
};

bool setOaepSha256(EVP_PKEY_CTX* ctx) {
  return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) > 0 &&
         EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha256()) > 0 &&
         EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()) > 0;
}

std::string bioText(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(size));
  BIO_free(bio);
  return out;
}

}  // namespace

std::optional<RsaPrivateKey> RsaPrivateKey::fromPem(std::string_view pem,
                                                    std::string_view passphrase,
                                                    std::string* error) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  std::string pass(passphrase);
  EVP_PKEY* pkey =
      PEM_read_bio_PrivateKey(bio, nullptr, nullptr, pass.empty() ? nullptr : pass.data());
  BIO_free(bio);
  if (pkey == nullptr) {
    if (error)
      *error =
          "cannot read the private key (wrong passphrase, or not a PEM key): " + opensslError();
    return std::nullopt;
  }
  auto key = std::make_shared<Key>();
  key->pkey = pkey;
  if (EVP_PKEY_base_id(pkey) != EVP_PKEY_RSA) {
    if (error) *error = "the private key is not an RSA key";
    return std::nullopt;
  }
  return RsaPrivateKey(std::move(key));
}

std::optional<RsaPrivateKey> RsaPrivateKey::generate(int bits) {
  EVP_PKEY* pkey = EVP_RSA_gen(static_cast<unsigned int>(bits));
  if (pkey == nullptr) return std::nullopt;
  auto key = std::make_shared<Key>();
  key->pkey = pkey;
  return RsaPrivateKey(std::move(key));
}

std::optional<std::string> RsaPrivateKey::decryptOaepSha256(std::string_view ciphertext) const {
  PkeyCtx c(key_->pkey);
  size_t size = 0;
  if (c.ctx == nullptr || EVP_PKEY_decrypt_init(c.ctx) <= 0 || !setOaepSha256(c.ctx) ||
      EVP_PKEY_decrypt(c.ctx, nullptr, &size, bytes(ciphertext), ciphertext.size()) <= 0) {
    ERR_clear_error();
    return std::nullopt;
  }
  std::string out(size, '\0');
  if (EVP_PKEY_decrypt(c.ctx, reinterpret_cast<unsigned char*>(out.data()), &size,
                       bytes(ciphertext), ciphertext.size()) <= 0) {
    ERR_clear_error();
    return std::nullopt;
  }
  out.resize(size);
  return out;
}

std::optional<std::string> RsaPrivateKey::encryptOaepSha256(std::string_view plaintext) const {
  PkeyCtx c(key_->pkey);
  size_t size = 0;
  if (c.ctx == nullptr || EVP_PKEY_encrypt_init(c.ctx) <= 0 || !setOaepSha256(c.ctx) ||
      EVP_PKEY_encrypt(c.ctx, nullptr, &size, bytes(plaintext), plaintext.size()) <= 0) {
    ERR_clear_error();
    return std::nullopt;
  }
  std::string out(size, '\0');
  if (EVP_PKEY_encrypt(c.ctx, reinterpret_cast<unsigned char*>(out.data()), &size, bytes(plaintext),
                       plaintext.size()) <= 0) {
    ERR_clear_error();
    return std::nullopt;
  }
  out.resize(size);
  return out;
}

std::string RsaPrivateKey::privatePem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key_->pkey, nullptr, nullptr, 0, nullptr, nullptr);
  return bioText(bio);
}

std::string RsaPrivateKey::publicPem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, key_->pkey);
  return bioText(bio);
}

int RsaPrivateKey::bits() const { return EVP_PKEY_get_bits(key_->pkey); }

}  // namespace baraza::crypto
