// Small helpers for reading Poco::Data results and binding binary values.
#pragma once

#include <Poco/Data/LOB.h>
#include <Poco/Data/RecordSet.h>

#include <string>

namespace baraza::store {

/** Rows per multi-row statement: well under every backend's limit on bound values. */
constexpr size_t kRowsPerStatement = 256;

/** `count` copies of `item` joined by `separator`: placeholder lists such as "?, ?, ?". */
inline std::string repeated(const std::string& item, size_t count, const std::string& separator = ", ") {
  std::string out;
  for (size_t i = 0; i < count; ++i) out += (i ? separator : "") + item;
  return out;
}

inline Poco::Data::BLOB toBlob(const std::string& bytes) {
  return Poco::Data::BLOB(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
}

inline std::string fromBlob(const Poco::Data::BLOB& blob) {
  return blob.size() == 0 ? std::string()
                          : std::string(reinterpret_cast<const char*>(blob.rawContent()), blob.size());
}

/** Column `c` of the current row as text ("" for NULL); BLOB columns as their raw bytes. */
inline std::string text(Poco::Data::RecordSet& rows, size_t c) {
  const Poco::Dynamic::Var v = rows.nvl<std::string>(c, std::string());
  if (v.type() == typeid(Poco::Data::BLOB)) return fromBlob(v.extract<Poco::Data::BLOB>());
  return v.convert<std::string>();
}

inline int64_t integer(Poco::Data::RecordSet& rows, size_t c) {
  return rows.nvl<Poco::Int64>(c, 0).convert<Poco::Int64>();
}

}  // namespace baraza::store
