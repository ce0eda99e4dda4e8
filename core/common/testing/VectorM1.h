// Test vector M1 (shared/reference/whatsapp.md §1.5, §1.13): a JPEG picked in a Flow, its
// encrypted CDN file and the encryption_metadata to read it. The files are under
// core/crypto/tests/vectors; a test target defines VECTORS_DIR to point there.
#pragma once

#include <string>

#include "common/testing/ReadFile.h"

namespace baraza::testing {

/** Vector M1's encryption_metadata object, as the Flows endpoint receives it. */
inline const char* const kM1Metadata =
    R"({"encryption_key":"202pQMDtZoAMwJwZJFVPqQOgdJRBahBmGywwSXz5tAY=",)"
    R"("hmac_key":"A/72TYylRAHTg/CdXpBtC6T6qcJ2C7Cf2qzZ/hqVASM=","iv":"t1MOy02KXLbsH+NYkqkRXQ==",)"
    R"("plaintext_hash":"ZvSgxwXg5fWL7v7ggGHXtMCZYTf/nVFasOdX0p6kiP4=",)"
    R"("encrypted_hash":"pDhRHkyevzgkdg5ObY+MfzW5J6/ObZj/OrmAvyUeYA8="})";

/** The bytes a file of hex digits (one line) spells. */
inline std::string fromHexFile(const std::string& path) {
  const std::string hex = readFile(path);
  std::string out;
  for (size_t i = 0; i + 1 < hex.size() && hex[i] != '\n'; i += 2)
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

}  // namespace baraza::testing
