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

# The same from the command line (start, channels, trace, the daemon's log,
# the tty bench, --platform all).
add_test(NAME ampkit_qemu_cli
  COMMAND ${CMAKE_COMMAND} -DAMPKIT=$<TARGET_FILE:ampkit>
          -DFW=${PROJECT_BINARY_DIR}/firmware
          -DWORK=${CMAKE_CURRENT_BINARY_DIR}/ampkit_qemu_cli
          -P ${CMAKE_CURRENT_LIST_DIR}/test_qemu_cli.cmake)
set_tests_properties(ampkit_qemu_cli PROPERTIES LABELS integration
  TIMEOUT 300)

# The resource manager on the emulated Cortex-M4 (test_srm_fw, link.cmake).
add_dependencies(test_srm_fw firmware_m4)
add_test(NAME test_srm_fw_qemu COMMAND test_srm_fw qemu-m4)
set_tests_properties(test_srm_fw_qemu PROPERTIES LABELS integration
  TIMEOUT 300 ENVIRONMENT "AMPKIT_FW_DIR=${PROJECT_BINARY_DIR}/firmware")
