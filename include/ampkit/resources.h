/*
 * resources.h - the host's side of the resource manager: the table of
 * peripherals, clocks and regulators (srm.h) read from a small text file
 * (the format is in docs/resources.md), the built-in default that
 * describes a few STM32MP157C-DK2 peripherals for the bench firmware,
 * and the table printed for people (`ampkit resources`).
 *
 * Host only (libc); the table itself and its logic are the core's.
 */
#ifndef AMPKIT_RESOURCES_H
#define AMPKIT_RESOURCES_H

#include <stddef.h>

#include "srm.h"

/* The built-in table (docs/resources.md shows it). */
extern const char amp_res_default_text[];

/*
 * Parse `len` bytes of config text into *t (initialised first).  0, or
 * -AMP_EINVAL with one line in err naming `src` (a file name, for the
 * message), the line and what was wrong, e.g.
 *   "board.res:3: clock usart3_k: rate 200000000 outside 4000000..104000000"
 */
int amp_res_parse(struct amp_res_table *t, const char *text, size_t len,
		  const char *src, char *err, size_t errlen);
/* The same from a file: also -AMP_ENOENT etc. if it cannot be read. */
int amp_res_load(struct amp_res_table *t, const char *path, char *err,
		 size_t errlen);

/* The table as text: peripherals (id, address, owner, held), clocks
 * (enabled, rate, range), regulators (enabled, voltage, range, the
 * window last asked for) and the ETZPC registers.  Returns the length
 * (cut at cap - 1, always NUL-terminated). */
size_t amp_res_format(const struct amp_res_table *t, char *out, size_t cap);

#endif
