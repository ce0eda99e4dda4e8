// The host's primitives on OpenSSL. core/crypto is the only place that calls OpenSSL.
#pragma once

#include <array>
#include <cstdint>
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
inline std::string toHex(const Digest& d) { return toHex(d.data(), d.size()); }

}  // namespace baraza::crypto
