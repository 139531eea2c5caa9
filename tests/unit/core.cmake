# Unit tests of the protocol core: virtqueue, RPMsg and the vuart service
# (fake port).
amp_add_test(test_vring unit/test_vring.c LABELS unit)
amp_add_test(test_rpmsg unit/test_rpmsg.c LABELS unit)
amp_add_test(test_vuart unit/test_vuart.c LABELS unit)
