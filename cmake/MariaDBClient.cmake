# Debian's PocoDataMySQL config links a MySQL::client target that nothing defines; provide it from
# libmariadb-dev.
if(NOT TARGET MySQL::client)
  find_library(MARIADB_CLIENT_LIBRARY NAMES mariadb mysqlclient REQUIRED)
  find_path(MARIADB_INCLUDE_DIR mysql.h PATH_SUFFIXES mariadb mysql REQUIRED)
  add_library(MySQL::client UNKNOWN IMPORTED)
  set_target_properties(MySQL::client PROPERTIES
    IMPORTED_LOCATION "${MARIADB_CLIENT_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${MARIADB_INCLUDE_DIR}")
endif()
