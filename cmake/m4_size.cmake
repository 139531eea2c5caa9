# Print the Cortex-M4 -Os .text of rpmsg + vring, the figure issue #2
# tracks (and the vuart service beside it, never in it), for
# both builds: with both RPMsg roles (all/) and as a firmware links it,
# remote role only (remote/).  The firmware's figure goes to
# core-m4-size.txt, which the core_m4_size test judges.
function(text_of dir out)
  set(total 0)
  set(mods ${ARGN})
  if(NOT mods)
    set(mods vring rpmsg)
  endif()
  foreach(m ${mods})
    execute_process(COMMAND ${SIZE} -A ${dir}/${m}.o OUTPUT_VARIABLE sz)
    string(REGEX MATCHALL "\n\\.text[^\n]*" lines "${sz}")
    foreach(l ${lines})
      string(REGEX MATCH "[ \t]+([0-9]+)[ \t]+" _ "${l}")
      math(EXPR total "${total} + ${CMAKE_MATCH_1}")
    endforeach()
  endforeach()
  set(${out} ${total} PARENT_SCOPE)
endfunction()

text_of(${DIR}/all both)
text_of(${DIR}/remote remote)
text_of(${DIR}/remote vuart_remote vuart)
text_of(${DIR}/all vuart_both vuart)
message(STATUS "Cortex-M4 -Os .text rpmsg+vring: ${remote} bytes as firmware "
               "links it (remote role), ${both} bytes with both roles "
               "(goal <= 4096)")
message(STATUS "Cortex-M4 -Os .text vuart (apart from the figure above): "
               "${vuart_remote} bytes remote role, ${vuart_both} bytes both "
               "roles")
file(WRITE ${DIR}/core-m4-size.txt "${remote}\n")
file(WRITE ${DIR}/core-m4-size-both.txt "${both}\n")
