/*
 * app.h - the one function a firmware application provides.
 *
 * Each platform's startup code (port/posix/fw_main.c for the native
 * build, the M4 boards' reset handlers later) brings the RPMsg link up as
 * the remote, then hands it to the application.  From then on the app
 * only runs inside its endpoint callbacks, so the same firmware source
 * builds for every platform.
 */
#ifndef AMPKIT_APP_H
#define AMPKIT_APP_H

#include "rpmsg.h"

/* Called once, after the link is up and before the first message is
 * delivered: create (and so announce) endpoints here.  Return 0, or a
 * negative AMP_E* to stop the firmware. */
int amp_app_init(struct amp_rpmsg_dev *dev);

#endif
