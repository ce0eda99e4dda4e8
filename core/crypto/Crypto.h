// The host's primitives on OpenSSL. core/crypto is the only place that calls OpenSSL.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace baraza::crypto {

using Digest = std::array<uint8_t, 32>;

Digest hmacSha256(std::string_view key, std::string_view data);
Digest sha256(std::string_view data);

/** SHA-256 of bytes that arrive in pieces (a download): add() each, then digest() once. */
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void add(std::string_view bytes);
  Digest digest();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

/** Fills out with cryptographically secure random bytes; false if the source failed. */
bool randomBytes(uint8_t* out, size_t size);
/** Compares in time independent of where the inputs differ (lengths are not secret). */
bool constantTimeEquals(std::string_view a, std::string_view b);
std::string toHex(const uint8_t* data, size_t size);

/**
 * AES-GCM with a 16- or 32-byte key (AES-128/AES-256) and an IV of any non-zero length.
 * Returns ciphertext followed by the 16-byte tag; nullopt for a bad key or IV size.
 */
std::optional<std::string> aesGcmEncrypt(std::string_view key, std::string_view iv,
                                         std::string_view aad, std::string_view plaintext);
/** The inverse: nullopt when the tag does not authenticate (wrong key, IV, AAD or data). */
std::optional<std::string> aesGcmDecrypt(std::string_view key, std::string_view iv,
                                         std::string_view aad, std::string_view sealed);
/**
 * AES-256-CBC decryption with PKCS#7 padding removed (a 32-byte key, a 16-byte IV); nullopt for
 * a bad key or IV size, a ciphertext that is not whole blocks, or padding that does not check.
 */
std::optional<std::string> aesCbcDecrypt(std::string_view key, std::string_view iv,
                                         std::string_view ciphertext);
inline std::string toHex(const Digest& d) { return toHex(d.data(), d.size()); }

/** Standard base64 with padding. */
std::string base64Encode(std::string_view bytes);
/** Strict standard base64 (padding required, no whitespace); nullopt when malformed. */
std::optional<std::string> base64Decode(std::string_view text);

/**
 * An RSA private key, parsed once (PEM: PKCS#1 or PKCS#8, optionally encrypted). Copies share
 * the parsed key; decrypting is safe from several threads.
 */
class RsaPrivateKey {
 public:
  /** nullopt with a reason in *error (never the passphrase) when the PEM cannot be used. */
  static std::optional<RsaPrivateKey> fromPem(std::string_view pem, std::string_view passphrase,
                                              std::string* error);
  /** A new key (e.g. 2048 bits) for `baraza keygen`. */
  static std::optional<RsaPrivateKey> generate(int bits);

  /** RSA-OAEP with SHA-256 and MGF1-SHA-256, empty label; nullopt when it does not decrypt. */
  std::optional<std::string> decryptOaepSha256(std::string_view ciphertext) const;
  /** The same padding, for tests and tools. */
  std::optional<std::string> encryptOaepSha256(std::string_view plaintext) const;
  /** PKCS#8 PEM (unencrypted) of the private key, and SPKI PEM of the public key. */
  std::string privatePem() const;
  std::string publicPem() const;
  int bits() const;

 private:
  struct Key;
  explicit RsaPrivateKey(std::shared_ptr<Key> key) : key_(std::move(key)) {}
  std::shared_ptr<Key> key_;
};

}  // namespace baraza::crypto
