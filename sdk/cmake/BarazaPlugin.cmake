# baraza_add_plugin(): builds a Baraza plugin the way the host expects it.
#
#   baraza_add_plugin(<name>
#     ID <reverse-dns id> VERSION <x.y.z> KINDS <kind>...
#     SOURCES <file>...
#     [SCHEMA <config schema .json>] [DESCRIPTION <text>]
#     [LIBRARIES <target>...] [ABI_MINOR <n>] [NO_INSTALL])
#
# The result is a folder <name>/ holding lib<name>.so and plugin.json, in the build tree under
# BARAZA_PLUGIN_OUTPUT_DIR and installed under BARAZA_PLUGIN_INSTALL_DIR. The library is built
# with hidden visibility, no undefined symbols, no STB_GNU_UNIQUE symbols (so it can be
# unloaded) and a version script, so it exports exactly the three entry points of abi.h.
# ABI_MINOR builds against an older minor of the ABI so the plugin also loads on older hosts.
include_guard(GLOBAL)

set(_BARAZA_SDK_CMAKE_DIR "${CMAKE_CURRENT_LIST_DIR}")
if(NOT DEFINED BARAZA_SDK_INCLUDE_DIR)
  get_filename_component(BARAZA_SDK_INCLUDE_DIR "${CMAKE_CURRENT_LIST_DIR}/../include" ABSOLUTE)
endif()
if(NOT DEFINED BARAZA_PLUGIN_OUTPUT_DIR)
  set(BARAZA_PLUGIN_OUTPUT_DIR "${CMAKE_BINARY_DIR}/lib/baraza/plugins")
endif()
if(NOT DEFINED BARAZA_PLUGIN_INSTALL_DIR)
  set(BARAZA_PLUGIN_INSTALL_DIR "lib/baraza/plugins")
endif()

file(STRINGS "${BARAZA_SDK_INCLUDE_DIR}/baraza/abi.h" _baraza_major
     REGEX "^#define BARAZA_ABI_VERSION_MAJOR [0-9]+")
file(STRINGS "${BARAZA_SDK_INCLUDE_DIR}/baraza/abi.h" _baraza_minor
     REGEX "^#define BARAZA_ABI_LATEST_MINOR [0-9]+")
string(REGEX REPLACE ".* ([0-9]+)$" "\\1" BARAZA_ABI_MAJOR "${_baraza_major}")
string(REGEX REPLACE ".* ([0-9]+)$" "\\1" BARAZA_ABI_MINOR "${_baraza_minor}")

if(NOT TARGET Baraza::sdk)
  add_library(baraza_sdk INTERFACE)
  add_library(Baraza::sdk ALIAS baraza_sdk)
  target_include_directories(baraza_sdk INTERFACE "${BARAZA_SDK_INCLUDE_DIR}")
  target_compile_features(baraza_sdk INTERFACE cxx_std_17)
endif()

# Written through configure_file, which leaves an unchanged file alone: a new timestamp would
# relink every plugin at every configure.
set(_baraza_version_script "${CMAKE_BINARY_DIR}/baraza-plugin.map")
file(WRITE "${_baraza_version_script}.in"
     "{\n  global: baraza_plugin_abi_version; baraza_plugin_init; baraza_plugin_shutdown;\n  local: *;\n};\n")
configure_file("${_baraza_version_script}.in" "${_baraza_version_script}" COPYONLY)

function(baraza_add_plugin name)
  cmake_parse_arguments(P "NO_INSTALL" "ID;VERSION;SCHEMA;DESCRIPTION;ABI_MINOR" "KINDS;SOURCES;LIBRARIES" ${ARGN})
  foreach(required ID VERSION KINDS SOURCES)
    if(NOT P_${required})
      message(FATAL_ERROR "baraza_add_plugin(${name}): ${required} is required")
    endif()
  endforeach()
  if(NOT P_ID MATCHES "^[a-z0-9]+(\\.[a-z0-9_-]+)+$")
    message(FATAL_ERROR "baraza_add_plugin(${name}): ID '${P_ID}' is not a reverse-DNS name")
  endif()
  set(valid_kinds channel flow intent verifier media conversation)
  foreach(kind ${P_KINDS})
    if(NOT kind IN_LIST valid_kinds)
      message(FATAL_ERROR "baraza_add_plugin(${name}): unknown kind '${kind}' (${valid_kinds})")
    endif()
  endforeach()
  set(abi_minor ${BARAZA_ABI_MINOR})
  if(DEFINED P_ABI_MINOR)
    set(abi_minor ${P_ABI_MINOR})
  endif()

  add_library(${name} MODULE ${P_SOURCES})
  target_link_libraries(${name} PRIVATE Baraza::sdk ${P_LIBRARIES})
  # The id and version are declared here once: BARAZA_PLUGIN(BARAZA_PLUGIN_ID,
  # BARAZA_PLUGIN_VERSION, Class) in the source matches plugin.json by construction.
  target_compile_definitions(${name} PRIVATE BARAZA_ABI_TARGET_MINOR=${abi_minor}
                             "BARAZA_PLUGIN_ID=\"${P_ID}\"" "BARAZA_PLUGIN_VERSION=\"${P_VERSION}\"")
  target_compile_options(${name} PRIVATE -fvisibility=hidden -fno-gnu-unique
                         $<$<COMPILE_LANGUAGE:CXX>:-fvisibility-inlines-hidden>)
  target_link_options(${name} PRIVATE -Wl,-z,defs -Wl,-z,now
                      "-Wl,--version-script=${_baraza_version_script}")
  set(out_dir "${BARAZA_PLUGIN_OUTPUT_DIR}/${name}")
  set_target_properties(${name} PROPERTIES
    PREFIX "lib" OUTPUT_NAME "${name}"
    LIBRARY_OUTPUT_DIRECTORY "${out_dir}"
    LINK_DEPENDS "${_baraza_version_script}")
  # The host refuses plugin files writable by group or others, whatever the umask was.
  add_custom_command(TARGET ${name} POST_BUILD COMMAND chmod go-w "$<TARGET_FILE:${name}>")

  set(schema "{\"type\": \"object\", \"properties\": {}, \"additionalProperties\": false}")
  if(P_SCHEMA)
    get_filename_component(schema_path "${P_SCHEMA}" ABSOLUTE)
    file(READ "${schema_path}" schema)
    string(STRIP "${schema}" schema)
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${schema_path}")
  endif()
  set(kinds_json "")
  foreach(kind ${P_KINDS})
    if(kinds_json)
      string(APPEND kinds_json ", ")
    endif()
    string(APPEND kinds_json "\"${kind}\"")
  endforeach()
  string(REPLACE "\"" "\\\"" description "${P_DESCRIPTION}")
  set(manifest "{
  \"id\": \"${P_ID}\",
  \"version\": \"${P_VERSION}\",
  \"description\": \"${description}\",
  \"kinds\": [${kinds_json}],
  \"abi\": \"${BARAZA_ABI_MAJOR}.${abi_minor}\",
  \"library\": \"$<TARGET_FILE_NAME:${name}>\",
  \"config_schema\": ${schema}
}
")
  file(GENERATE OUTPUT "${out_dir}/plugin.json" CONTENT "${manifest}"
       FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

  if(P_NO_INSTALL)
    return()
  endif()
  install(TARGETS ${name} LIBRARY DESTINATION "${BARAZA_PLUGIN_INSTALL_DIR}/${name}"
          PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
  install(FILES "${out_dir}/plugin.json" DESTINATION "${BARAZA_PLUGIN_INSTALL_DIR}/${name}"
          PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
endfunction()
