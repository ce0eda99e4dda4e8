// Small helpers for multi-row statements, reading Poco::Data results and binding binary values.
#pragma once

#include "store/Database.h"
#include "store/Dialect.h"

#include <Poco/Data/LOB.h>
#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Session.h>

#include <algorithm>
#include <string>
#include <vector>

namespace baraza::store {

/** Rows per multi-row statement: well under every backend's limit on bound values. */
constexpr size_t kRowsPerStatement = 256;

/** Calls `statement(from, count)` for consecutive pieces of [0, total), each at most `rows` long. */
template <class F>
void inStatements(size_t total, size_t rows, const F& statement) {
  for (size_t from = 0; from < total; from += rows) statement(from, std::min(rows, total - from));
}

/** Rows per multi-row INSERT whose ids are read back: one unless they are consecutive (insertedIds). */
inline size_t rowsPerInsert(bool consecutiveIds) { return consecutiveIds ? kRowsPerStatement : 1; }

/** `count` copies of `item` joined by `separator`: placeholder lists such as "?, ?, ?". */
inline std::string repeated(const std::string& item, size_t count, const std::string& separator = ", ") {
  std::string out;
  for (size_t i = 0; i < count; ++i) out += (i ? separator : "") + item;
  return out;
}

/**
 * The ids the multi-row INSERT of `count` rows just run on this connection took, in VALUES order.
 * Valid only where such an INSERT takes consecutive ids (Database::multiRowInsertIdsConsecutive).
 * SQLite reports the last of them, MySQL/MariaDB the first. (MariaDB has INSERT ... RETURNING,
 * but Poco's MySQL connector hangs on the next statement after a prepared one that returned rows.)
 */
inline std::vector<int64_t> insertedIds(Poco::Data::Session& s, const Dialect& dialect, size_t count) {
  const int64_t reported = lastInsertId(s, dialect.backend);
  const int64_t first = dialect.backend == Backend::kSqlite ? reported - static_cast<int64_t>(count) + 1 : reported;
  std::vector<int64_t> ids(count);
  for (size_t i = 0; i < count; ++i) ids[i] = first + static_cast<int64_t>(i);
  return ids;
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
