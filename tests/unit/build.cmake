# tests/unit/build.cmake - facts about the build itself, checked by ctest.
#
# core_m4_size: the Cortex-M4 -Os .text of rpmsg + vring must stay within
# 4 KiB (DESIGN.md: smaller than rpmsg-lite's ~3 KB is the goal).  The
# figure comes from core-m4-size.txt, written at build time by
# cmake/m4_size.cmake.  Without the cross compiler the test fails instead
# of passing unchecked, and says what to install.
set(AMP_M4_TEXT_LIMIT 4096)
if(AMP_CORE_M4_DIR)
  add_test(NAME core_m4_size
    COMMAND ${CMAKE_COMMAND} -DSIZE_FILE=${AMP_CORE_M4_DIR}/core-m4-size.txt
            -DLIMIT=${AMP_M4_TEXT_LIMIT}
            -P ${PROJECT_SOURCE_DIR}/cmake/check_m4_size.cmake)
else()
  add_test(NAME core_m4_size
    COMMAND ${CMAKE_COMMAND} -DTOOLCHAIN_MISSING=ON
            -P ${PROJECT_SOURCE_DIR}/cmake/check_m4_size.cmake)
endif()
set_tests_properties(core_m4_size PROPERTIES LABELS unit TIMEOUT 60)
