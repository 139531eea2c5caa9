# tests/integration/tty.cmake - the daemon's tty channels through their
# ptys: the real daemon (via the CLI) and the real bench firmware, bulk
# echo both ways, a slow reader, the seed protocol past 1 MiB, 1000
# reopens under traffic, crash hangup and recovery, a kill mid-transfer,
# and ST's channel name on a firmware without credits.
find_package(Threads REQUIRED)
amp_add_test(test_tty ${CMAKE_CURRENT_LIST_DIR}/test_tty.c
             LIBS ampkit_client Threads::Threads LABELS integration)
target_compile_definitions(test_tty PRIVATE
  AMPKIT_BIN="$<TARGET_FILE:ampkit>")
add_dependencies(test_tty ampkit ampkit-fw-bench ampkit-fw-bench-st)
