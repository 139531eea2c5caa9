# tests/integration/test_bench_fwtty.cmake - the bench against what the
# bench firmware's tty ports and logging emulation give it, end to end:
#  - `ampkit bench --mode tty --quick` through the daemon's pty: exit 0,
#    the tty and pty-pair rows ok, the tty target computed, and the daemon
#    the bench started is gone afterwards;
#  - `ampkit bench --seed-compare --quick`: the eleven seed rows with the
#    firmware's logging emulated (log_baud, seed_dev_pct) in process and
#    the eleven over the firmware's tty through the daemon's pty, and the
#    eleven without; each emulated row lasts at least the lines it logs
#    (messages + 2 lines of 36 characters at the baud: the emulation was
#    on, whatever the machine's speed); the target is computed; a bad
#    --baud is a usage error.
#
# cmake -DAMPKIT=<ampkit> -DWORK=<dir> -P this
cmake_minimum_required(VERSION 3.20)
include(${CMAKE_CURRENT_LIST_DIR}/cli_lib.cmake)

fresh_work(${WORK})

run(0 bench --mode tty --quick --run-dir ${WORK}/rd --json ${WORK}/tty.json)
expect("${out}" "tty        seed")
expect("${out}" "tty        extended  -        1048576")
expect("${out}" "ptypair    extended")
file(READ ${WORK}/tty.json json)
string(JSON ok GET "${json}" ok)
if(NOT ok)
  message(FATAL_ERROR "tty rows not ok:\n${out}")
endif()
target_type("${json}" tty_vs_ptypair value)
if(NOT value STREQUAL "NUMBER")
  message(FATAL_ERROR "target tty_vs_ptypair = ${value}")
endif()
# It started the daemon, so it ended it.
execute_process(COMMAND ${AMPKIT} state --run-dir ${WORK}/rd
                OUTPUT_VARIABLE state RESULT_VARIABLE rc)
if(NOT state STREQUAL "offline\n" OR EXISTS ${WORK}/rd/ampkit.sock)
  message(FATAL_ERROR "daemon left behind: ${state}")
endif()

run(2 bench --seed-compare --baud 50)
expect("${err}" "--baud: '50' is not a baud")
run(2 bench --baud 9600)
expect("${err}" "--baud needs --seed-compare")

# 460800 baud: lines of 0.78 ms keep the test short; the default 115200
# is what docs/seed.md measures.
run(0 bench --seed-compare --baud 460800 --quick --json ${WORK}/seed.json)
expect("${out}" "logging emulated at 460800 baud")
expect("${out}" "4096 x 1 ")

file(READ ${WORK}/seed.json json)
string(JSON n LENGTH "${json}" results)
set(logged 0)
set(tty_logged 0)
set(plain 0)
math(EXPR last "${n} - 1")
foreach(i RANGE ${last})
  string(JSON mode GET "${json}" results ${i} mode)
  string(JSON ok GET "${json}" results ${i} ok)
  string(JSON msgs GET "${json}" results ${i} msgs)
  string(JSON median GET "${json}" results ${i} median_ns)
  string(JSON baud GET "${json}" results ${i} log_baud)
  string(JSON dev_type TYPE "${json}" results ${i} seed_dev_pct)
  string(JSON baud_type TYPE "${json}" results ${i} log_baud)
  if(NOT ok)
    string(JSON row GET "${json}" results ${i})
    message(FATAL_ERROR "result ${i} not ok: ${row}")
  endif()
  if(mode STREQUAL "raw+log" OR mode STREQUAL "tty+log")
    if(mode STREQUAL "raw+log")
      math(EXPR logged "${logged} + 1")
    else()
      math(EXPR tty_logged "${tty_logged} + 1")
      # a tty row's msgs are its write()s; the firmware gets each block
      # cut at 496 bytes
      string(JSON block GET "${json}" results ${i} block)
      string(JSON blocks GET "${json}" results ${i} blocks)
      math(EXPR msgs "(${block} + 495) / 496 * ${blocks}")
    endif()
    if(NOT baud EQUAL 460800 OR NOT dev_type STREQUAL "NUMBER")
      message(FATAL_ERROR "row ${i}: log_baud ${baud}, seed_dev_pct "
                          "${dev_type}")
    endif()
    # 36 characters x 10 bits / 460800 baud = 781250 ns a line.
    math(EXPR floor "(${msgs} + 2) * 781250")
    if(median LESS floor)
      message(FATAL_ERROR "row ${i}: ${median} ns, less than the "
                          "${floor} ns its ${msgs} + 2 lines take")
    endif()
  elseif(mode STREQUAL "raw")
    math(EXPR plain "${plain} + 1")
    if(NOT baud_type STREQUAL "NULL" OR NOT dev_type STREQUAL "NULL")
      message(FATAL_ERROR "row ${i}: log_baud ${baud} without logging")
    endif()
  endif()
endforeach()
if(NOT logged EQUAL 11 OR NOT tty_logged EQUAL 11 OR NOT plain EQUAL 11)
  message(FATAL_ERROR "${logged} logged, ${tty_logged} logged over the "
                      "tty and ${plain} plain seed rows")
endif()
target_type("${json}" seed_emulation_dev_pct value)
if(NOT value STREQUAL "NUMBER")
  message(FATAL_ERROR "target seed_emulation_dev_pct = ${value}")
endif()
