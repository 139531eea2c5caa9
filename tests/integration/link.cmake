# tests/integration/link.cmake - the posix platform and the host link:
# the mailbox between two forked processes, and amp_rproc driving the real
# native firmware (AMPKIT_FW_DIR, set by amp_add_test).
amp_add_test(test_posix_port ${CMAKE_CURRENT_LIST_DIR}/test_posix_port.c
             LIBS ampkit_posix LABELS integration)
amp_add_test(test_link ${CMAKE_CURRENT_LIST_DIR}/test_link.c
             LIBS ampkit_host LABELS integration)
# The firmware is a separate executable the test launches.
add_dependencies(test_link ampkit-fw-bench)
