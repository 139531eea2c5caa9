# cmake/m4_board.cmake - what the Cortex-M4 board projects share
# (port/mps2-an386, port/stm32mp15, each built as its own CMake project
# with cmake/arm-none-eabi.cmake): C11 at -Os, warnings as errors, the
# core as a firmware links it (remote role only), and
#
#   amp_m4_firmware(NAME LDSCRIPT SOURCES...)
#
# an app for the board: SOURCES plus the shared Cortex-M pieces
# (port/cortex-m: reset and fault handlers, main loop, SysTick clock) and
# the trace writer, linked with LDSCRIPT; its arm-none-eabi-size line is
# printed when it links and kept in NAME's stem + .size.
set(CMAKE_C_STANDARD 11)
set(CMAKE_C_STANDARD_REQUIRED ON)
set(CMAKE_C_EXTENSIONS OFF)
set(CMAKE_BUILD_TYPE MinSizeRel CACHE STRING "" FORCE)
set(top ${CMAKE_CURRENT_LIST_DIR}/..)

add_compile_options(-Wall -Wextra -Wshadow -Wstrict-prototypes -Werror
                    -ffreestanding -g)
include_directories(${top}/include ${CMAKE_CURRENT_SOURCE_DIR}
                    ${top}/port/cortex-m)

add_library(ampkit_core_m4 STATIC
  ${top}/core/vring.c ${top}/core/rpmsg.c ${top}/core/rsc_table.c
  ${top}/core/crc16.c ${top}/core/bench_proto.c ${top}/core/vuart.c
  ${top}/core/sdb.c ${top}/core/srm.c)
target_compile_definitions(ampkit_core_m4 PUBLIC AMP_RPMSG_ROLES=2)

function(amp_m4_firmware name ldscript)
  add_executable(${name} ${ARGN} ${top}/port/cortex-m/crt.c
                 ${top}/port/cortex-m/fw_run.c ${top}/port/cortex-m/systick.c
                 ${top}/firmware/app_log.c)
  target_link_libraries(${name} PRIVATE ampkit_core_m4)
  target_link_options(${name} PRIVATE -T${ldscript} -Wl,-Map=${name}.map)
  set_target_properties(${name} PROPERTIES LINK_DEPENDS ${ldscript})
  string(REGEX REPLACE "\\.elf$" ".size" size_file ${name})
  add_custom_command(TARGET ${name} POST_BUILD
    COMMAND ${CMAKE_SIZE} ${name}
    COMMAND ${CMAKE_SIZE} ${name} > ${size_file}
    VERBATIM)
endfunction()
