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

# Cases cut from the firmware this build linked, into the build tree only
# (its bytes vary by compiler, so they cannot be committed).
set(AMP_CORPUS_FW_DIR ${CMAKE_CURRENT_BINARY_DIR}/corpus-fw)
add_custom_command(OUTPUT ${AMP_CORPUS_FW_DIR}/INDEX
  COMMAND ${CMAKE_COMMAND} -E make_directory ${AMP_CORPUS_FW_DIR}
  COMMAND mkcorpus --firmware $<TARGET_FILE:ampkit-fw-bench>
          ${AMP_CORPUS_FW_DIR}
  DEPENDS mkcorpus ampkit-fw-bench
  COMMENT "Cutting malformed firmware from ampkit-fw-bench" VERBATIM)
add_custom_target(corpus_fw ALL DEPENDS ${AMP_CORPUS_FW_DIR}/INDEX)
