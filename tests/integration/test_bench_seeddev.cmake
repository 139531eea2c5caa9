# tests/integration/test_bench_seeddev.cmake - the seed's table
# reproduced: `ampkit bench --seed-compare --quick` at the seed's own
# 115200 baud, every logged row ok, and on the rows REFERENCE 9's model
# fits within 1% (512x2, 512x8, 1024x4, 1024x5, 2048x2) the figure over
# the firmware's tty through the daemon's pty (tty+log, the seed's own
# transport, which the target is computed from) within 10% of the seed's.
# Those figures are emulated debug-UART lines of 3.125 ms that the
# firmware waits out without needing a core, so a loaded machine hardly
# moves them (0.5 ms of a 19 ms row with four spinning processes on two
# vCPUs): this checks the emulation and the message cutting (one line per
# 496-byte message), not speed.
#
# cmake -DAMPKIT=<ampkit> -DWORK=<dir> -P this
cmake_minimum_required(VERSION 3.20)
include(${CMAKE_CURRENT_LIST_DIR}/cli_lib.cmake)

fresh_work(${WORK})
# Five repetitions, not --quick's three: the median then stands one more
# repetition that a loaded machine cut into an extra message.
execute_process(COMMAND ${AMPKIT} bench --seed-compare --quick --reps 5
                        --json ${WORK}/seed.json
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "ampkit bench --seed-compare: exit ${rc}\n${out}\n"
                      "${err}")
endif()

set(rows "512 2" "512 8" "1024 4" "1024 5" "2048 2")
file(READ ${WORK}/seed.json json)
string(JSON n LENGTH "${json}" results)
math(EXPR last "${n} - 1")
set(checked 0)
foreach(i RANGE ${last})
  string(JSON mode GET "${json}" results ${i} mode)
  if(NOT mode STREQUAL "raw+log" AND NOT mode STREQUAL "tty+log")
    continue()
  endif()
  string(JSON block GET "${json}" results ${i} block)
  string(JSON blocks GET "${json}" results ${i} blocks)
  string(JSON ok GET "${json}" results ${i} ok)
  string(JSON baud GET "${json}" results ${i} log_baud)
  if(NOT ok OR NOT baud EQUAL 115200)
    string(JSON row GET "${json}" results ${i})
    message(FATAL_ERROR "row ${i} not ok at 115200 baud: ${row}")
  endif()
  list(FIND rows "${block} ${blocks}" at)
  if(at LESS 0 OR NOT mode STREQUAL "tty+log")
    continue()
  endif()
  string(JSON dev GET "${json}" results ${i} seed_dev_pct)
  if(dev GREATER 10 OR dev LESS -10)
    message(FATAL_ERROR "${mode} ${block} x ${blocks}: ${dev}% from the "
                        "seed's figure, over 10%\n${out}")
  endif()
  message(STATUS "${mode} ${block} x ${blocks}: ${dev}% from the seed")
  math(EXPR checked "${checked} + 1")
endforeach()
if(NOT checked EQUAL 5)
  message(FATAL_ERROR "${checked} of the 5 rows checked\n${out}")
endif()

target_type("${json}" seed_emulation_dev_pct value)
target_get("${json}" seed_emulation_dev_pct basis basis)
if(NOT value STREQUAL "NUMBER" OR NOT basis MATCHES "tty\\+log")
  message(FATAL_ERROR "target seed_emulation_dev_pct = ${value} (${basis})")
endif()
