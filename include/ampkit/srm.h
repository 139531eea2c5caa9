/*
 * srm.h - the resource manager: which core owns each peripheral (the
 * STM32MP15's ETZPC), and ST's "rproc-srm" service through which the
 * coprocessor asks the host to configure the clocks and regulators of
 * the peripherals it owns.
 *
 * Three parts, all freestanding (no malloc, no OS calls, no global
 * state; every object lives in memory the caller gives):
 *
 * - the wire format, struct amp_srm_msg, 76 bytes, little-endian, as
 *   ST's rproc_srm_core.h lays it out (REFERENCE §7), with two ampkit
 *   extensions that keep its size (below);
 * - the table (struct amp_res_table): peripherals with their owner and
 *   holder, clocks and regulators each belonging to one peripheral, and
 *   the simulated ETZPC register file; the grant / refuse / release
 *   logic, and amp_srm_serve(), the host's answer to one message;
 * - the remote's client (struct amp_srm_client): send a request on
 *   "rproc-srm", wait for the answer with a deadline.
 *
 * Wire (offsets in bytes):
 *   0  u32 message_type  GETCONFIG 0, SETCONFIG 1, ERROR 0xFF
 *   4  u8  device_id[32] the peripheral the resource belongs to, by its
 *                        table name, NUL-terminated
 *   36 u32 rsc_type      CLOCK 0, REGULATOR 1, PERIPHERAL 0x80 (ampkit)
 *   40 union, 36 bytes:
 *      clock     u32 index; u8 name[16]; u32 rate (Hz);
 *                u32 disabled (ampkit: in ST's union padding, 0 =
 *                enabled, so ST's zero-filled messages mean what they
 *                did); 8 bytes unused
 *      regulator u32 index; u8 name[16]; u32 enable; u32 curr_voltage_mv;
 *                u32 min_voltage_mv; u32 max_voltage_mv
 *      periph    u32 id; u32 held; u32 addr; u32 owner (ampkit)
 * REFERENCE §7 lists a clock `disabled` and no `curr_voltage_mv`; ST's
 * header has no `disabled` and does have `curr_voltage_mv`.  The source
 * wins for the layout (a 36-byte union), and `disabled` lives in the
 * clock's padding.
 *
 * index AMP_SRM_INDEX_ANY (0xFFFFFFFF) looks a resource up by name,
 * any other value by its index among its peripheral's clocks (or
 * regulators), as ST's host does.  SETCONFIG answers with the new
 * configuration (as GETCONFIG would), so the requester sees what was
 * applied; a regulator's answer has curr_voltage_mv set and min/max 0.
 *
 * ERROR (ampkit extension, how a reason travels): the request echoed
 * with message_type 0xFF, as ST's host answers, but device_id replaced
 * by a NUL-terminated reason text from amp_srm_reason_text() ("unknown
 * device", "rate out of range", ...).  A peer that only logs device_id
 * shows the reason; amp_srm_reason_parse() turns it back into the code.
 *
 * Peripherals (ampkit extension, rsc_type PERIPHERAL): ST assigns them
 * at boot and has no message for it.  SETCONFIG with periph.held 1
 * requests the peripheral named by device_id, held 0 releases it;
 * GETCONFIG reads its state.  A request is granted only for a
 * peripheral the ETZPC assigns to the coprocessor and that it does not
 * hold yet; clocks and regulators can be read (GETCONFIG) for an owned
 * peripheral and changed (SETCONFIG) only for a held one.  An ST host
 * answers these with ERROR, which a client reports as refused.
 */
#ifndef AMPKIT_SRM_H
#define AMPKIT_SRM_H

#include <stdbool.h>
#include <stdint.h>

#include "compiler.h"
#include "errno.h"
#include "rpmsg.h"

#define AMP_SRM_CHANNEL "rproc-srm"

#define AMP_SRM_MSG_GETCONFIG 0x00u
#define AMP_SRM_MSG_SETCONFIG 0x01u
#define AMP_SRM_MSG_ERROR 0xFFu

#define AMP_SRM_RSC_CLOCK 0x00u
#define AMP_SRM_RSC_REGU 0x01u
#define AMP_SRM_RSC_PERIPH 0x80u /* ampkit */

#define AMP_SRM_INDEX_ANY 0xFFFFFFFFu
#define AMP_SRM_DEV_SIZE 32
#define AMP_SRM_NAME_SIZE 16

struct amp_srm_clock {
	uint32_t index;
	uint8_t name[AMP_SRM_NAME_SIZE];
	uint32_t rate;
	uint32_t disabled; /* ampkit, in ST's padding */
} AMP_PACKED;

struct amp_srm_regu {
	uint32_t index;
	uint8_t name[AMP_SRM_NAME_SIZE];
	uint32_t enable;
	uint32_t curr_voltage_mv;
	uint32_t min_voltage_mv;
	uint32_t max_voltage_mv;
} AMP_PACKED;

struct amp_srm_periph {
	uint32_t id;
	uint32_t held; /* SETCONFIG: 1 request, 0 release */
	uint32_t addr;
	uint32_t owner; /* enum amp_res_owner */
} AMP_PACKED;

struct amp_srm_msg {
	uint32_t message_type;
	uint8_t device_id[AMP_SRM_DEV_SIZE];
	uint32_t rsc_type;
	union {
		struct amp_srm_clock clock;
		struct amp_srm_regu regu;
		struct amp_srm_periph periph;
		uint8_t raw[36];
	} AMP_PACKED u;
} AMP_PACKED;

AMP_STATIC_ASSERT(sizeof(struct amp_srm_clock) == 28, "srm clock_cfg");
AMP_STATIC_ASSERT(sizeof(struct amp_srm_regu) == 36, "srm regu_cfg");
AMP_STATIC_ASSERT(sizeof(struct amp_srm_msg) == 76, "rpmsg_srm_msg");
AMP_STATIC_ASSERT(offsetof(struct amp_srm_msg, device_id) == 4, "srm dev");
AMP_STATIC_ASSERT(offsetof(struct amp_srm_msg, rsc_type) == 36, "srm type");
AMP_STATIC_ASSERT(offsetof(struct amp_srm_msg, u) == 40, "srm union");
AMP_STATIC_ASSERT(offsetof(struct amp_srm_clock, rate) == 20, "srm rate");
AMP_STATIC_ASSERT(offsetof(struct amp_srm_regu, max_voltage_mv) == 32,
		  "srm max_voltage_mv");

/* Why a request was refused: a code (the wire carries its text). */
enum amp_srm_reason {
	AMP_SRM_OK = 0,
	AMP_SRM_R_SHORT,	/* shorter than a message */
	AMP_SRM_R_LONG,		/* longer than a message */
	AMP_SRM_R_TYPE,		/* message_type not GET/SETCONFIG */
	AMP_SRM_R_RSC,		/* rsc_type unknown */
	AMP_SRM_R_UNTERMINATED, /* device_id or name without its NUL */
	AMP_SRM_R_NODEV,	/* device_id names no peripheral */
	AMP_SRM_R_NOCLOCK,	/* no such clock on that peripheral */
	AMP_SRM_R_NOREGU,	/* no such regulator on that peripheral */
	AMP_SRM_R_RATE,		/* rate outside the clock's range */
	AMP_SRM_R_VOLTAGE, /* min/max outside the regulator's, or min > max */
	AMP_SRM_R_HOST,	   /* the peripheral is the host's */
	AMP_SRM_R_UNASSIGNED, /* the peripheral is assigned to nobody */
	AMP_SRM_R_NOT_HELD,   /* owned, but not requested (or released) */
	AMP_SRM_R_BUSY,	      /* already held */
	AMP_SRM_R_BADARG,     /* periph.held other than 0 or 1 */
	AMP_SRM_R_COUNT,
};

/* The text sent in an ERROR's device_id (< 32 bytes), "?" if unknown. */
const char *amp_srm_reason_text(enum amp_srm_reason r);
/* The negative AMP_E* a caller gets for it (0 for AMP_SRM_OK). */
int amp_srm_reason_errno(enum amp_srm_reason r);
/* An ERROR's device_id back to its code; AMP_SRM_R_COUNT if it is no
 * known text (an ST host's echo, say). */
enum amp_srm_reason amp_srm_reason_parse(const uint8_t *dev, uint32_t size);

/* Check a message from the peer: length, type, rsc_type, terminated
 * device_id and name.  A valid one is copied to *out.  Nothing else is
 * looked at; the table's checks are amp_srm_serve's. */
enum amp_srm_reason amp_srm_check(const void *data, uint32_t len,
				  struct amp_srm_msg *out);

/* Fill a request (message_type, device_id and the union); names longer
 * than the fields are cut, always NUL-terminated. */
void amp_srm_msg_clock(struct amp_srm_msg *m, uint32_t type, const char *dev,
		       const char *name, uint32_t rate, bool enable);
void amp_srm_msg_regu(struct amp_srm_msg *m, uint32_t type, const char *dev,
		      const char *name, bool enable, uint32_t min_mv,
		      uint32_t max_mv);
void amp_srm_msg_periph(struct amp_srm_msg *m, uint32_t type, const char *dev,
			bool hold);

/* ---- the table (host) ---- */

#define AMP_RES_MAX_PERIPH 32
#define AMP_RES_MAX_CLOCKS 32
#define AMP_RES_MAX_REGUS 16
/* Peripheral ids as the ETZPC numbers them: 0..AMP_RES_MAX_ID. */
#define AMP_RES_MAX_ID 95u
/* DECPROT-like: 2 bits per id, 16 ids per 32-bit register. */
#define AMP_RES_ETZPC_REGS ((AMP_RES_MAX_ID + 16) / 16)

enum amp_res_owner {
	AMP_RES_UNASSIGNED = 0,
	AMP_RES_HOST = 1,
	AMP_RES_COPROC = 2,
};

struct amp_res_periph {
	char name[AMP_SRM_DEV_SIZE];
	uint32_t id;
	uint32_t addr;
	uint8_t held; /* by the coprocessor */
};

struct amp_res_clock {
	char name[AMP_SRM_NAME_SIZE];
	uint8_t dev;   /* index into periph[] */
	uint8_t index; /* among the peripheral's clocks */
	uint8_t enabled, boot_enabled;
	uint32_t rate, boot_rate;
	uint32_t min, max; /* Hz */
};

struct amp_res_regu {
	char name[AMP_SRM_NAME_SIZE];
	uint8_t dev, index;
	uint8_t enabled, boot_enabled;
	uint32_t min_mv, max_mv;   /* what the regulator can do */
	uint32_t mv, boot_mv;	   /* the voltage it gives now */
	uint32_t req_min, req_max; /* the window last asked for (0: none) */
};

struct amp_res_stats {
	uint32_t requests; /* messages served */
	uint32_t errors;   /* answered with ERROR (malformed included) */
	uint32_t bad;	   /* malformed: short, long, bad type, unterminated */
	uint32_t granted, refused, released;
	uint32_t last; /* enum amp_srm_reason of the last ERROR, for logs */
};

struct amp_res_table {
	struct amp_res_periph periph[AMP_RES_MAX_PERIPH];
	struct amp_res_clock clock[AMP_RES_MAX_CLOCKS];
	struct amp_res_regu regu[AMP_RES_MAX_REGUS];
	uint32_t nperiph, nclock, nregu;
	/* The simulated ETZPC: the owner of peripheral id i is bits
	 * 2*(i%16)+1..2*(i%16) of etzpc[i/16] (enum amp_res_owner). */
	uint32_t etzpc[AMP_RES_ETZPC_REGS];
	struct amp_res_stats stats;
};

const char *amp_res_owner_name(enum amp_res_owner o); /* "host", ... */
enum amp_res_owner amp_res_owner(const struct amp_res_table *t, uint32_t p);

/* Building a table (the host's config parser): each returns the new
 * entry's index, or -AMP_EEXIST (name, id or address taken: a
 * conflicting assignment), -AMP_ENOSPC (table full), -AMP_EINVAL (a
 * range that is empty or does not hold the boot value, an id past
 * AMP_RES_MAX_ID, a dev that is no peripheral, an empty or too long
 * name). */
void amp_res_init(struct amp_res_table *t);
int amp_res_add_periph(struct amp_res_table *t, const char *name, uint32_t id,
		       uint32_t addr, enum amp_res_owner owner);
int amp_res_add_clock(struct amp_res_table *t, const char *name, uint32_t dev,
		      uint32_t rate, uint32_t min, uint32_t max, bool enabled);
int amp_res_add_regu(struct amp_res_table *t, const char *name, uint32_t dev,
		     uint32_t min_mv, uint32_t max_mv, uint32_t mv,
		     bool enabled);
/* The peripheral named `name` (index), or -AMP_ENOENT. */
int amp_res_find(const struct amp_res_table *t, const char *name);

/* The host changes an assignment: refused with -AMP_EBUSY while the
 * coprocessor holds it and `owner` is not the coprocessor. */
int amp_res_assign(struct amp_res_table *t, uint32_t p,
		   enum amp_res_owner owner);
/* The coprocessor asks for / gives back peripheral p. */
enum amp_srm_reason amp_res_request(struct amp_res_table *t, uint32_t p);
enum amp_srm_reason amp_res_release(struct amp_res_table *t, uint32_t p);
/* The coprocessor stopped or crashed: every peripheral it held is
 * released, and every clock and regulator of a peripheral it owns is
 * back at its boot configuration.  Returns how many were held. */
uint32_t amp_res_release_all(struct amp_res_table *t);

/* The host's answer to one message from the coprocessor, in *reply
 * (always a whole message, ERROR with its reason if refused).  Nothing
 * is applied unless the whole request is valid.  Returns the reason
 * (AMP_SRM_OK when applied or read). */
enum amp_srm_reason amp_srm_serve(struct amp_res_table *t, const void *data,
				  uint32_t len, struct amp_srm_msg *reply);

/* ---- the client (remote) ---- */

struct amp_srm_client {
	struct amp_rpmsg_ept ept;
	struct amp_srm_msg reply;
	uint8_t pending; /* a request is out, its answer not in */
	uint8_t got;	 /* an answer is in `reply` */
	uint32_t bad;	 /* answers that were no message, or unasked */
};

/* Create and announce the "rproc-srm" endpoint at src (ANY: allocate).
 * The host's end announces itself back; that binds the channel. */
int amp_srm_client_open(struct amp_srm_client *c, struct amp_rpmsg_dev *dev,
			uint32_t src);
void amp_srm_client_close(struct amp_srm_client *c);

/* Send `len` bytes as a request (a whole amp_srm_msg, or anything, for
 * tests), waiting until the channel is bound and a buffer is free, up
 * to `deadline`.  One request at a time: -AMP_EBUSY while one is
 * pending.  -AMP_ENOTCONN if the host never bound the channel. */
int amp_srm_send(struct amp_srm_client *c, const void *data, uint32_t len,
		 uint64_t deadline);
/* Wait for the pending request's answer until `deadline`, delivering
 * messages meanwhile; the answer is copied to *out.  0 when it is the
 * configuration asked for, the reason's -AMP_E* for an ERROR (the text
 * stays in out->device_id), -AMP_ETIMEDOUT (still pending: wait again),
 * -AMP_EBUSY when called from a callback (it cannot wait there). */
int amp_srm_wait(struct amp_srm_client *c, struct amp_srm_msg *out,
		 uint64_t deadline);
/* amp_srm_send of a whole message, then amp_srm_wait; *m is replaced by
 * the answer. */
int amp_srm_call(struct amp_srm_client *c, struct amp_srm_msg *m,
		 uint64_t deadline);

#endif
