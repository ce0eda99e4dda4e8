// The host's primitives on OpenSSL. core/crypto is the only place that calls OpenSSL.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace baraza::crypto {

using Digest = std::array<uint8_t, 32>;

Digest hmacSha256(std::string_view key, std::string_view data);
Digest sha256(std::string_view data);
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
inline std::string toHex(const Digest& d) { return toHex(d.data(), d.size()); }

}  // namespace baraza::crypto
