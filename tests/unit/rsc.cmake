# tests/unit/rsc.cmake - unit tests for the firmware-facing formats: the
# resource table (core/rsc_table.c), ELF images and their segment loading
# (core/elf.c: test_elf, test_loader), and the byte-exact wire layout the
# headers promise (Linux/OpenAMP compatibility).
amp_add_test(test_rsc_table ${CMAKE_CURRENT_LIST_DIR}/test_rsc_table.c
             LABELS unit)
amp_add_test(test_elf ${CMAKE_CURRENT_LIST_DIR}/test_elf.c LABELS unit)
amp_add_test(test_wire ${CMAKE_CURRENT_LIST_DIR}/test_wire.c LABELS unit)
amp_add_test(test_loader ${CMAKE_CURRENT_LIST_DIR}/test_loader.c LABELS unit)
