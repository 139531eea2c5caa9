# tests/unit/stm32mp15.cmake - the stm32mp15 port's IPCC driver, built for
# the host against a model of the IPCC block (ipcc_model.c supplies the
# register accessors the driver calls with AMP_IPCC_MMIO_HOOKS).
amp_add_test(test_ipcc unit/test_ipcc.c unit/ipcc_model.c
             ${PROJECT_SOURCE_DIR}/port/stm32mp15/ipcc.c LABELS unit)
target_compile_definitions(test_ipcc PRIVATE AMP_IPCC_MMIO_HOOKS)
target_include_directories(test_ipcc PRIVATE
                           ${PROJECT_SOURCE_DIR}/port/stm32mp15)

# The board's bench firmware as built (firmware_stm32mp15): loads into the
# DK2's M4 memory, its table passes the core's validator and is the DK2
# variant, IPCC vectors wired, size printed.  Without the cross compiler
# it fails and says so (the firmware was not built, so nothing checked).
amp_add_test(test_stm32mp15_fw unit/test_stm32mp15_fw.c LABELS unit)
if(NOT AMP_HAVE_M4)
  set_tests_properties(test_stm32mp15_fw PROPERTIES ENVIRONMENT
    "AMPKIT_FW_DIR=${PROJECT_BINARY_DIR}/firmware-missing-arm-none-eabi-gcc")
endif()
