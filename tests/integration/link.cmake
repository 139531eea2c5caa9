# tests/integration/link.cmake - the posix platform and the host link:
# the mailbox between two forked processes, and amp_rproc driving the real
# native firmware (AMPKIT_FW_DIR, set by amp_add_test).
amp_add_test(test_posix_port ${CMAKE_CURRENT_LIST_DIR}/test_posix_port.c
             LIBS ampkit_posix LABELS integration)
amp_add_test(test_link ${CMAKE_CURRENT_LIST_DIR}/test_link.c
             LIBS ampkit_host LABELS integration)
# The firmware is a separate executable the test launches.
add_dependencies(test_link ampkit-fw-bench)
# The remoteproc life cycle: states, stop, crash and recovery, heartbeat,
# trace, coredump, segment and resource placement, life-cycle timing.
amp_add_test(test_rproc ${CMAKE_CURRENT_LIST_DIR}/test_rproc.c
             LIBS ampkit_host LABELS integration)
add_dependencies(test_rproc ampkit-fw-bench ampkit-fw-carveouts)
# The firmware's tty ports through amp_vuart in process (credits on): the
# seed protocol over tty0, 1 MiB echoed on tty1, the seed's UART logging.
amp_add_test(test_vuart_fw ${CMAKE_CURRENT_LIST_DIR}/test_vuart_fw.c
             LIBS ampkit_host LABELS integration)
add_dependencies(test_vuart_fw ampkit-fw-bench)
# The resource manager with the real firmware: its requests over
# rproc-srm granted, refused and released (posix; qemu-m4 in qemu.cmake).
amp_add_test(test_srm_fw ${CMAKE_CURRENT_LIST_DIR}/test_srm_fw.c
             LIBS ampkit_host LABELS integration)
add_dependencies(test_srm_fw ampkit-fw-bench)
