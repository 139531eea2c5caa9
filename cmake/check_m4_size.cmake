# cmake/check_m4_size.cmake - the core_m4_size test: fail if the Cortex-M4
# .text of rpmsg + vring exceeds LIMIT bytes.
#   cmake -DSIZE_FILE=<build>/core/m4/core-m4-size.txt -DLIMIT=4096 -P this
#   cmake -DTOOLCHAIN_MISSING=ON -P this      (always fails, says why)
# The size file is produced by the core_m4_size build target
# (cmake/m4_size.cmake); this script only judges it.
if(TOOLCHAIN_MISSING)
  message(FATAL_ERROR
    "core_m4_size: arm-none-eabi-gcc not found, so the Cortex-M4 build of "
    "core/ (freestanding proof and size budget) was not checked.  Install "
    "it with: apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi "
    "(then re-run cmake)")
endif()
if(NOT SIZE_FILE OR NOT LIMIT)
  message(FATAL_ERROR
    "core_m4_size: usage: cmake -DSIZE_FILE=<file> -DLIMIT=<bytes> -P "
    "${CMAKE_CURRENT_LIST_FILE}")
endif()
if(NOT EXISTS "${SIZE_FILE}")
  message(FATAL_ERROR
    "core_m4_size: ${SIZE_FILE} does not exist: the Cortex-M4 core build "
    "did not run or failed (build the core_m4_size target and read its "
    "errors)")
endif()
file(READ "${SIZE_FILE}" text)
string(STRIP "${text}" text)
if(NOT text MATCHES "^[0-9]+$")
  message(FATAL_ERROR
    "core_m4_size: ${SIZE_FILE} holds '${text}', not a byte count")
endif()
if(text GREATER LIMIT)
  message(FATAL_ERROR
    "core_m4_size: rpmsg+vring .text is ${text} bytes on Cortex-M4 -Os, "
    "over the ${LIMIT}-byte budget")
endif()
message(STATUS
  "core_m4_size: rpmsg+vring .text ${text} bytes (budget ${LIMIT})")
