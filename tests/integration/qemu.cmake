# tests/integration/qemu.cmake - the qemu-m4 platform: the Cortex-M4
# images (built when arm-none-eabi-gcc is installed) under QEMU
# mps2-an386, through amp_rproc and the bench library.
if(NOT AMP_HAVE_M4)
  message(STATUS "qemu-m4 tests not built: no Cortex-M4 firmware "
                 "(apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi)")
  return()
endif()
amp_add_test(test_qemu ${CMAKE_CURRENT_LIST_DIR}/test_qemu.c
             LIBS ampkit_bench ampkit_host LABELS integration)
add_dependencies(test_qemu firmware_m4)
