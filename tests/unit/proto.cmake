# tests/unit/proto.cmake - unit tests for the seed benchmark's CRC16 and wire
# protocol (core/crc16.c, core/bench_proto.c).
amp_add_test(test_proto ${CMAKE_CURRENT_LIST_DIR}/test_proto.c LABELS unit)
