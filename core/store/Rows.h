// Small helpers for multi-row statements, reading Poco::Data results and binding binary values.
#pragma once

#include <Poco/Data/LOB.h>
#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Session.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "store/Claims.h"
#include "store/Database.h"
#include "store/Dialect.h"

namespace baraza::store {

/** Rows per multi-row statement: well under every backend's limit on bound values. */
constexpr size_t kRowsPerStatement = 256;

/** Calls `statement(from, count)` for consecutive pieces of [0, total), each at most `rows` long.
 */
template <class F>
void inStatements(size_t total, size_t rows, const F& statement) {
  for (size_t from = 0; from < total; from += rows) statement(from, std::min(rows, total - from));
}

/** Rows per multi-row INSERT whose ids are read back: one unless they are consecutive
 * (insertedIds). */
inline size_t rowsPerInsert(bool consecutiveIds) { return consecutiveIds ? kRowsPerStatement : 1; }

/** `count` copies of `item` joined by `separator`: placeholder lists such as "?, ?, ?". */
inline std::string repeated(const std::string& item, size_t count,
                            const std::string& separator = ", ") {
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
inline std::vector<int64_t> insertedIds(Poco::Data::Session& s, const Dialect& dialect,
                                        size_t count) {
  const int64_t reported = lastInsertId(s, dialect.backend);
  const int64_t first =
      dialect.backend == Backend::kSqlite ? reported - static_cast<int64_t>(count) + 1 : reported;
  std::vector<int64_t> ids(count);
  for (size_t i = 0; i < count; ++i) ids[i] = first + static_cast<int64_t>(i);
  return ids;
}

/**
 * Poco's MySQL connector gives each result column a buffer of the column's declared maximum: a
 * query selecting a MEDIUMTEXT column (declared 16 M characters, 64 MiB in utf8mb4) maps, faults
 * in and zeroes 64 MiB, ~200 ms on a 2-core VM, whatever the rows hold. `textHead(column)`
 * selects two columns instead: at most kTextHeadChars characters of it (LEFT declares no more),
 * and its length in characters; a reader reads the values longer than that again in full (one
 * query for all of them). On SQLite, which has no such cost, the whole column and 0.
 */
constexpr int64_t kTextHeadChars = 16000;

inline std::string textHead(const Dialect& dialect, const std::string& column) {
  if (dialect.backend == Backend::kSqlite) return column + ", 0";
  return "LEFT(" + column + ", " + std::to_string(kTextHeadChars) + "), CHAR_LENGTH(" + column +
         ")";
}

/**
 * The same for a MEDIUMBLOB column (a 16 MiB buffer, allocated and zeroed per query: ~1.6 ms):
 * at most kTextHeadChars bytes of it, and its length in bytes.
 */
inline std::string blobHead(const Dialect& dialect, const std::string& column) {
  if (dialect.backend == Backend::kSqlite) return column + ", 0";
  return "LEFT(" + column + ", " + std::to_string(kTextHeadChars) + "), LENGTH(" + column + ")";
}

/**
 * After a textHead() or blobHead() read: reads `column` of `table` in full for the rows whose ids
 * are the keys of `cut` (values longer than kTextHeadChars), into the strings they point to. One
 * query.
 */
inline void readWhole(Poco::Data::Session& s, const std::string& table, const std::string& column,
                      const std::map<int64_t, std::string*>& cut) {
  if (cut.empty()) return;
  std::vector<int64_t> ids;
  for (const auto& [id, value] : cut) ids.push_back(id);
  std::vector<Poco::Int64> readIds;
  std::vector<std::string> values;
  s << "SELECT id, " + column + " FROM " + table + " WHERE id IN (" + idList(ids) + ")",
      Poco::Data::Keywords::into(readIds), Poco::Data::Keywords::into(values),
      Poco::Data::Keywords::now;
  for (size_t i = 0; i < readIds.size(); ++i) *cut.at(readIds[i]) = std::move(values[i]);
}

/**
 * readWhole() for rows read into `rows` (which no longer grows): the rows at the indices `cut`,
 * whose `value` textHead() or blobHead() read short.
 */
template <class Row>
void readWholeAt(Poco::Data::Session& s, const std::string& table, const std::string& column,
                 std::vector<Row>& rows, const std::vector<size_t>& cut, std::string Row::*value) {
  std::map<int64_t, std::string*> byId;
  for (size_t i : cut) byId.emplace(rows[i].id, &(rows[i].*value));
  readWhole(s, table, column, byId);
}

/**
 * The placeholder for a binary value bound with toBlob(): Poco binds an empty BLOB as NULL (a
 * NOT NULL column refuses it), so an empty value goes in as the empty byte string.
 */
constexpr const char* kBlobParam = "COALESCE(?, X'')";

inline Poco::Data::BLOB toBlob(const std::string& bytes) {
  return Poco::Data::BLOB(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
}

inline std::string fromBlob(const Poco::Data::BLOB& blob) {
  return blob.size() == 0
             ? std::string()
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
