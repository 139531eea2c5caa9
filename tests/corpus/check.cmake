# tests/corpus/check.cmake - ctest corpus_up_to_date: run the generator
# into a fresh directory and compare with the committed corpus.  Fails on a
# file that differs, one the generator no longer writes (stale), or one it
# writes that is not committed, and says how to fix it.
#
#   cmake -DMKCORPUS=path/to/mkcorpus -DSRC=tests/corpus -DOUT=dir -P check.cmake
file(REMOVE_RECURSE ${OUT})
file(MAKE_DIRECTORY ${OUT})
execute_process(COMMAND ${MKCORPUS} ${OUT} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "mkcorpus failed (${rc})")
endif()

file(GLOB fresh RELATIVE ${OUT} ${OUT}/*)
file(GLOB committed RELATIVE ${SRC} ${SRC}/*.elf)
list(APPEND committed INDEX)
set(bad)
foreach(f IN LISTS fresh)
  if(NOT EXISTS ${SRC}/${f})
    list(APPEND bad "${f} (not committed)")
  else()
    file(SHA256 ${OUT}/${f} a)
    file(SHA256 ${SRC}/${f} b)
    if(NOT a STREQUAL b)
      list(APPEND bad "${f} (differs)")
    endif()
  endif()
endforeach()
foreach(f IN LISTS committed)
  if(NOT EXISTS ${OUT}/${f})
    list(APPEND bad "${f} (stale: no longer generated)")
  endif()
endforeach()
list(LENGTH fresh n)
if(bad)
  string(REPLACE ";" "\n  " bad "${bad}")
  message(FATAL_ERROR "tests/corpus/ is not what mkcorpus writes:\n  ${bad}\n"
    "Regenerate with `cmake --build build --target corpus` and commit, "
    "removing stale files.")
endif()
message(STATUS "corpus: ${n} files match mkcorpus output")
