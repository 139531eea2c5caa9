# The daemon's pty bridge (daemon/ttyport.c) against a remote that breaks
# the vuart protocol: host and remote in one process (pair.h), a real pty.
amp_add_test(test_ttyport unit/test_ttyport.c LIBS ampkit_daemon LABELS unit)
