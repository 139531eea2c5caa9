# tests/corpus/corpus.cmake - the malformed firmware corpus: its generator
# (mkcorpus), a target that rewrites the committed files from it
# (`cmake --build build --target corpus`), and a test that the committed
# files are byte for byte what the generator writes today, so the
# generator stays their only source.
add_executable(mkcorpus ${CMAKE_CURRENT_LIST_DIR}/mkcorpus.c)

add_custom_target(corpus
  COMMAND mkcorpus ${CMAKE_CURRENT_LIST_DIR}
  COMMENT "Rewriting tests/corpus/ from mkcorpus.c" VERBATIM)

add_test(NAME corpus_up_to_date
  COMMAND ${CMAKE_COMMAND} -DMKCORPUS=$<TARGET_FILE:mkcorpus>
          -DSRC=${CMAKE_CURRENT_LIST_DIR}
          -DOUT=${CMAKE_CURRENT_BINARY_DIR}/corpus-fresh
          -P ${CMAKE_CURRENT_LIST_DIR}/check.cmake)
set_tests_properties(corpus_up_to_date PROPERTIES LABELS unit TIMEOUT 60)
