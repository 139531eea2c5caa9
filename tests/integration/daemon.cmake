# tests/integration/daemon.cmake - `ampkit daemon` and its clients: the
# CLI run as a separate process against a temporary run directory, the
# channel sockets through the client library, crash, two coprocessors,
# and the seed benchmark from another process through the daemon.
amp_add_test(test_daemon ${CMAKE_CURRENT_LIST_DIR}/test_daemon.c
             LIBS ampkit_client LABELS integration)
target_compile_definitions(test_daemon PRIVATE
  AMPKIT_BIN="$<TARGET_FILE:ampkit>"
  AMP_CORPUS_DIR="${PROJECT_SOURCE_DIR}/tests/corpus"
  AMP_CORPUS_FW_DIR="${AMP_CORPUS_FW_DIR}")
add_dependencies(test_daemon ampkit ampkit-fw-bench corpus_fw)
# The CLI's recovery, coredump and trace commands, a crash under a client
# mid-benchmark, the default run directory and the log's timestamps.
amp_add_test(test_daemon_cli ${CMAKE_CURRENT_LIST_DIR}/test_daemon_cli.c
             LIBS ampkit_client LABELS integration)
target_compile_definitions(test_daemon_cli PRIVATE
  AMPKIT_BIN="$<TARGET_FILE:ampkit>")
add_dependencies(test_daemon_cli ampkit ampkit-fw-bench)
# Shared buffers through the daemon: the rpmsg-sdb socket, fd passing,
# 64 MiB each way checked, refused messages, EOF on a crash.
amp_add_test(test_daemon_sdb ${CMAKE_CURRENT_LIST_DIR}/test_daemon_sdb.c
             LIBS ampkit_client LABELS integration)
target_compile_definitions(test_daemon_sdb PRIVATE
  AMPKIT_BIN="$<TARGET_FILE:ampkit>")
add_dependencies(test_daemon_sdb ampkit ampkit-fw-bench)
if(AMP_HAVE_M4)
  add_dependencies(test_daemon_sdb firmware_m4)
  add_test(NAME test_daemon_sdb_qemu COMMAND test_daemon_sdb qemu-m4)
  set_tests_properties(test_daemon_sdb_qemu PROPERTIES LABELS integration
    TIMEOUT 300 ENVIRONMENT "AMPKIT_FW_DIR=${PROJECT_BINARY_DIR}/firmware")
endif()
# The resource manager through the daemon: `ampkit resources` showing
# what the firmware asked for, was refused and gave back on a crash;
# `ampkit start --resources FILE`.
amp_add_test(test_daemon_srm ${CMAKE_CURRENT_LIST_DIR}/test_daemon_srm.c
             LIBS ampkit_client LABELS integration)
target_compile_definitions(test_daemon_srm PRIVATE
  AMPKIT_BIN="$<TARGET_FILE:ampkit>")
add_dependencies(test_daemon_srm ampkit ampkit-fw-bench)
