# tests/integration/corpus.cmake - every malformed firmware in
# tests/corpus/ (and those cut from this build's firmware) is refused by
# amp_rproc_start with its own message, and the real firmware still
# starts afterwards.  The generator and its
# up-to-date check live with the corpus.
include(${CMAKE_CURRENT_LIST_DIR}/../corpus/corpus.cmake)

amp_add_test(test_corpus ${CMAKE_CURRENT_LIST_DIR}/test_corpus.c
             LIBS ampkit_host LABELS integration)
target_compile_definitions(test_corpus PRIVATE
  AMP_CORPUS_DIR="${PROJECT_SOURCE_DIR}/tests/corpus"
  AMP_CORPUS_FW_DIR="${AMP_CORPUS_FW_DIR}")
add_dependencies(test_corpus ampkit-fw-bench corpus_fw)
