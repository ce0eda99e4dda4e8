// The media_uploads table: which provider media id a file (by its SHA-256) was uploaded as, per
// tenant and sending number, until that id expires.
#pragma once

#include <optional>
#include <string>

#include "store/Database.h"

namespace baraza::store {

class MediaUploads {
 public:
  explicit MediaUploads(const Dialect& dialect) : dialect_(dialect) {}

  /** The provider id the bytes hashing to `sha256` were uploaded as, if it lives past `until`. */
  std::optional<std::string> find(Poco::Data::Session& s, const std::string& tenant,
                                  const std::string& phoneNumberId, const std::string& sha256,
                                  int64_t until) const;
  /** Records (or replaces) an upload. */
  void record(Poco::Data::Session& s, const std::string& tenant, const std::string& phoneNumberId,
              const std::string& sha256, const std::string& providerMediaId,
              const std::string& mimeType, int64_t now, int64_t expiresAt) const;

 private:
  const Dialect& dialect_;
};

}  // namespace baraza::store
