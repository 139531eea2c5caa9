# Unit tests of the protocol core: virtqueue and RPMsg (fake port).
amp_add_test(test_vring unit/test_vring.c LABELS unit)
amp_add_test(test_rpmsg unit/test_rpmsg.c LABELS unit)
