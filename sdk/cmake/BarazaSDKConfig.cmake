# find_package(BarazaSDK) for plugins built outside the Baraza tree: provides Baraza::sdk and
# baraza_add_plugin(). Installed beside the SDK headers; in a source checkout point
# BarazaSDK_DIR at sdk/cmake.
if(NOT DEFINED BARAZA_SDK_INCLUDE_DIR)
  foreach(candidate "${CMAKE_CURRENT_LIST_DIR}/../include" "${CMAKE_CURRENT_LIST_DIR}/../../../include")
    if(EXISTS "${candidate}/baraza/abi.h")
      get_filename_component(BARAZA_SDK_INCLUDE_DIR "${candidate}" ABSOLUTE)
      break()
    endif()
  endforeach()
endif()
include("${CMAKE_CURRENT_LIST_DIR}/BarazaPlugin.cmake")
set(BarazaSDK_FOUND TRUE)
