# tests/integration/test_qemu_cli.cmake - the qemu-m4 platform from the
# command line, end to end:
#  - `ampkit start --platform qemu-m4 FW.elf --wait rpmsg-raw`: running,
#    the channels listed with their ptys, the platform kept, stop;
#  - `ampkit bench --platform qemu-m4 --mode tty`: the seed matrix over the
#    Cortex-M4 firmware's tty port through the daemon's pty, every ack
#    right, the rows marked qemu-m4;
#  - `ampkit bench --platform all`: the seed matrix on both platforms, the
#    side-by-side block and the qemu-m4 targets computed;
#  - bad --platform values and combinations are usage errors (exit 2).
#
# cmake -DAMPKIT=<ampkit> -DFW=<dir of the firmware> -DWORK=<dir> -P this
cmake_minimum_required(VERSION 3.20)
include(${CMAKE_CURRENT_LIST_DIR}/cli_lib.cmake)

fresh_work(${WORK})
set(M4 ${FW}/ampkit-fw-bench-m4.elf)

# ttyRPMSG1 is announced last.
run(0 start --platform qemu-m4 ${M4} --wait ttyRPMSG1 --run-dir ${WORK}/rd)
run(0 state --run-dir ${WORK}/rd)
expect("${out}" "^running\n$")
run(0 channels --run-dir ${WORK}/rd)
expect("${out}" "rpmsg-raw")
expect("${out}" "ttyRPMSG0 -> /dev/pts/")
run(0 trace --run-dir ${WORK}/rd)
expect("${out}" "cortex-m4 up, image 0x21000000")
run(2 start --platform qemu-m3 --run-dir ${WORK}/rd)
expect("${err}" "not posix or qemu-m4")
run(0 stop --run-dir ${WORK}/rd)
run(0 state --run-dir ${WORK}/rd)
expect("${out}" "^offline\n$")
# The platform stays for the next start, as the firmware does.
run(0 start --wait ampkit-ctl --run-dir ${WORK}/rd)
run(0 trace --run-dir ${WORK}/rd)
expect("${out}" "cortex-m4 up")
run(0 shutdown --run-dir ${WORK}/rd)
file(READ ${WORK}/rd/ampkitd.log log)
expect("${log}" "started .*ampkit-fw-bench-m4.elf on qemu-m4")
expect("${log}" "console: firmware: cortex-m4 up")

run(0 bench --platform qemu-m4 --mode tty --matrix seed --quick
    --run-dir ${WORK}/rd2 --json ${WORK}/tty.json)
expect("${out}" "qemu-m4  tty        seed      -          4096")
file(READ ${WORK}/tty.json json)
string(JSON ok GET "${json}" ok)
string(JSON n LENGTH "${json}" results)
if(NOT ok OR n LESS 11)
  message(FATAL_ERROR "tty over qemu-m4: ok ${ok}, ${n} rows\n${out}")
endif()

run(0 bench --platform all --mode pingpong --quick --json ${WORK}/all.json)
run(0 bench --platform all --mode raw --matrix seed --quick
    --json ${WORK}/all.json)
expect("${out}" "the seed matrix on both platforms")
expect("${out}" "4096 x 1 .* us .* us")
file(READ ${WORK}/all.json json)
string(JSON n LENGTH "${json}" results)
set(posix 0)
set(m4 0)
math(EXPR last "${n} - 1")
foreach(i RANGE ${last})
  string(JSON p GET "${json}" results ${i} platform)
  string(JSON ok GET "${json}" results ${i} ok)
  if(NOT ok)
    message(FATAL_ERROR "row ${i} on ${p} not ok\n${out}")
  endif()
  if(p STREQUAL "posix")
    math(EXPR posix "${posix} + 1")
  elseif(p STREQUAL "qemu-m4")
    math(EXPR m4 "${m4} + 1")
  endif()
endforeach()
if(NOT posix EQUAL 11 OR NOT m4 EQUAL 11)
  message(FATAL_ERROR "${posix} posix and ${m4} qemu-m4 seed rows")
endif()

run(2 bench --platform m4)
expect("${err}" "not posix, qemu-m4 or all")
run(2 bench --platform all --firmware ${M4})
expect("${err}" "no --firmware")
run(2 bench --platform all --via daemon)
expect("${err}" "no daemon path")
