# tests/integration/bench.cmake - the bench library and `ampkit bench`:
# statistics on known arrays, the report writers (JSON and SVG parsed back
# and checked by python3), the client against socketpair peers that lie,
# stall or die, and the command end to end with --quick.
amp_add_test(test_bench_stats ${CMAKE_CURRENT_LIST_DIR}/test_bench_stats.c
             LIBS ampkit_bench LABELS integration)
amp_add_test(test_bench_report ${CMAKE_CURRENT_LIST_DIR}/test_bench_report.c
             LIBS ampkit_bench LABELS integration)
amp_add_test(test_bench_client ${CMAKE_CURRENT_LIST_DIR}/test_bench_client.c
             LIBS ampkit_bench LABELS integration)

# test_bench_report leaves its JSON and SVG in the test directory; a real
# parser must accept them, not only our own strstr checks.
find_program(AMP_PYTHON3 python3)
set_tests_properties(test_bench_report PROPERTIES
  FIXTURES_SETUP bench_report_files)
if(AMP_PYTHON3)
  add_test(NAME bench_report_json_valid
    COMMAND ${AMP_PYTHON3} -m json.tool bench_report_test.json)
  add_test(NAME bench_report_svg_valid
    COMMAND ${AMP_PYTHON3} -c
      "import xml.etree.ElementTree as E; E.parse('bench_report_test.svg')")
  set_tests_properties(bench_report_json_valid bench_report_svg_valid
    PROPERTIES FIXTURES_REQUIRED bench_report_files LABELS integration
    TIMEOUT 60)
endif()

add_test(NAME ampkit_cli
  COMMAND ${CMAKE_COMMAND} -DAMPKIT=$<TARGET_FILE:ampkit>
          -DAMPKIT_SRC=${PROJECT_SOURCE_DIR}/tools/ampkit.c
          -DWORK=${CMAKE_CURRENT_BINARY_DIR}/ampkit_cli
          -DPYTHON3=${AMP_PYTHON3}
          -P ${CMAKE_CURRENT_LIST_DIR}/test_bench_cli.cmake)
set_tests_properties(ampkit_cli PROPERTIES LABELS integration TIMEOUT 300
  ENVIRONMENT "AMPKIT_FW_DIR=${PROJECT_BINARY_DIR}/firmware")

# The bench over a terminal: pty peers forked by the test, and the ampkit
# command run against them.
amp_add_test(test_bench_tty ${CMAKE_CURRENT_LIST_DIR}/test_bench_tty.c
             LIBS ampkit_bench LABELS integration)
target_compile_definitions(test_bench_tty PRIVATE
  AMPKIT_EXE="$<TARGET_FILE:ampkit>")
add_dependencies(test_bench_tty ampkit)

# The firmware's tty port through the daemon's pty, and the firmware's
# emulation of the seed's logging (--seed-compare).
add_test(NAME ampkit_bench_fwtty
  COMMAND ${CMAKE_COMMAND} -DAMPKIT=$<TARGET_FILE:ampkit>
          -DWORK=${CMAKE_CURRENT_BINARY_DIR}/ampkit_bench_fwtty
          -P ${CMAKE_CURRENT_LIST_DIR}/test_bench_fwtty.cmake)
set_tests_properties(ampkit_bench_fwtty PROPERTIES LABELS integration
  TIMEOUT 300 ENVIRONMENT "AMPKIT_FW_DIR=${PROJECT_BINARY_DIR}/firmware")

# The seed's figures reproduced within 10% at 115200 baud over the
# firmware's tty (docs/seed.md).  A figure, so not in the sanitizer tree:
# there a slowed daemon reads a block out of the pty in more pieces, which
# is one more message and one more emulated line (+3 ms on a 19 ms row).
if(NOT AMP_SANITIZE)
  add_test(NAME ampkit_bench_seeddev
    COMMAND ${CMAKE_COMMAND} -DAMPKIT=$<TARGET_FILE:ampkit>
            -DWORK=${CMAKE_CURRENT_BINARY_DIR}/ampkit_bench_seeddev
            -P ${CMAKE_CURRENT_LIST_DIR}/test_bench_seeddev.cmake)
  # Alone: beside a test moving a GiB the daemon reads the pty in more
  # pieces, one more message a row, one more emulated line.
  set_tests_properties(ampkit_bench_seeddev PROPERTIES LABELS integration
    TIMEOUT 300 RUN_SERIAL TRUE
    ENVIRONMENT "AMPKIT_FW_DIR=${PROJECT_BINARY_DIR}/firmware")
endif()
