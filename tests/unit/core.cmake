# Unit tests of the protocol core: virtqueue, RPMsg, the vuart and sdb services
# (fake port), and the shared-memory address translation (region.h).
amp_add_test(test_vring unit/test_vring.c LABELS unit)
amp_add_test(test_rpmsg unit/test_rpmsg.c LABELS unit)
amp_add_test(test_vuart unit/test_vuart.c LABELS unit)
amp_add_test(test_sdb unit/test_sdb.c LABELS unit)
amp_add_test(test_region unit/test_region.c LABELS unit)
# The resource manager: rproc-srm's wire format and checks, the table's
# grant / refuse / release logic, and the host's config parser.
amp_add_test(test_srm unit/test_srm.c LIBS ampkit_host LABELS unit)
