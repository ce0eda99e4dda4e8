// libFuzzer target for Flow media (core/flows/FlowMedia). The first input byte picks what the rest
// is:
//   0: an encryption_metadata object (JSON text): it is read or refused as INVALID_ARGUMENT;
//   1: a CDN file checked against fixed keys: it is refused as DATA_LOSS, or (only when every
//      check passes) decrypts to a file whose SHA-256 is plaintext_hash.
// Anything else, or a sanitizer report, is a finding.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "crypto/Crypto.h"
#include "flows/FlowMedia.h"

namespace {

using namespace baraza;

const flows::MediaEncryption& keys() {
  static const flows::MediaEncryption k = [] {
    flows::MediaEncryption out;
    out.encryptionKey = std::string(32, '\x11');
    out.hmacKey = std::string(32, '\x22');
    out.iv = std::string(16, '\x33');
    out.plaintextHash = std::string(32, '\x44');
    out.encryptedHash = std::string(32, '\x55');
    return out;
  }();
  return k;
}

void fail(const char* what) {
  std::fprintf(stderr, "flow_media: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    StatusOr<flows::MediaEncryption> read = flows::MediaEncryption::fromJson(rest);
    if (!read.isOk() && read.status().code() != Code::kInvalidArgument)
      fail("metadata: not INVALID_ARGUMENT");
    if (read.isOk() && (read->encryptionKey.size() != 32 || read->iv.size() != 16)) {
      fail("metadata: a key of the wrong length was accepted");
    }
    return 0;
  }
  // Keys whose encrypted_hash is the input's own, so the later checks are reached too.
  flows::MediaEncryption k = keys();
  const crypto::Digest hash = crypto::sha256(rest);
  k.encryptedHash.assign(reinterpret_cast<const char*>(hash.data()), hash.size());
  StatusOr<std::string> file = flows::decryptMedia(rest, k);
  if (!file.isOk() && file.status().code() != Code::kDataLoss) fail("file: not DATA_LOSS");
  if (file.isOk()) {
    const crypto::Digest plain = crypto::sha256(*file);
    if (std::string(reinterpret_cast<const char*>(plain.data()), plain.size()) != k.plaintextHash) {
      fail("file: accepted with another plaintext hash");
    }
  }
  return 0;
}
