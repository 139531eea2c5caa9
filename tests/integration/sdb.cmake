# tests/integration/sdb.cmake - the shared-buffer service (rpmsg-sdb)
# against the real bench firmware, in process through amp_rproc: on
# posix, and (with the Cortex-M4 images) on qemu-m4, the same test with
# a smaller pool and 64 MiB each way.
amp_add_test(test_sdb_fw ${CMAKE_CURRENT_LIST_DIR}/test_sdb_fw.c
             LIBS ampkit_host LABELS integration)
add_dependencies(test_sdb_fw ampkit-fw-bench)
if(AMP_HAVE_M4)
  add_dependencies(test_sdb_fw firmware_m4)
  add_test(NAME test_sdb_fw_qemu COMMAND test_sdb_fw qemu-m4)
  set_tests_properties(test_sdb_fw_qemu PROPERTIES LABELS integration
    TIMEOUT 300 ENVIRONMENT "AMPKIT_FW_DIR=${PROJECT_BINARY_DIR}/firmware")
endif()
