/*
 * mps2.h - the qemu-m4 platform: a Cortex-M4 in QEMU's mps2-an386 board
 * whose 16 MiB PSRAM window is a host file both sides map, and whose
 * UART1 carries mailbox doorbells, one byte each.
 *
 * This header is the contract between the host's backend
 * (host/rproc_qemu.c) and the coprocessor side (port/mps2-an386/).  The
 * firmware image lives in the window from its start; the host allocates
 * vrings, buffers and carveouts past the image; the window's last page is
 * a control page the host and the boot stub meet in.  docs/qemu-m4.md
 * describes the boot sequence.
 */
#ifndef AMPKIT_MPS2_H
#define AMPKIT_MPS2_H

#include <stdint.h>
#include "compiler.h"

/* Guest address of the window (QEMU's machine->ram on mps2-an386) and its
 * size, which QEMU requires to be exactly 16 MiB. */
#define AMP_MPS2_WINDOW_PA 0x21000000u
#define AMP_MPS2_WINDOW_SIZE 0x01000000u
#define AMP_MPS2_PAGE 4096u
/* The control page, at the window's end; the image and every resource
 * must stay below it. */
#define AMP_MPS2_CTRL_OFF (AMP_MPS2_WINDOW_SIZE - AMP_MPS2_PAGE)
#define AMP_MPS2_CTRL_PA (AMP_MPS2_WINDOW_PA + AMP_MPS2_CTRL_OFF)

#define AMP_MPS2_MAGIC 0x344d5141u /* "AQM4" in memory */
#define AMP_MPS2_VERSION 1u
#define AMP_MPS2_RELEASE 0x474f2121u /* "!!OG": the host's "go" */

/* Doorbell bytes on UART1.  Host -> guest: the mailbox channel (vring
 * notify ids 0 and 1, AMP_MPS2_CH_SHUTDOWN).  Guest -> host: the notify
 * id, AMP_MPS2_BELL_FAULT once the fault record is written, or
 * AMP_MPS2_BELL_EXITED once the firmware has stopped (stage EXITED). */
#define AMP_MPS2_CH_SHUTDOWN 2u
#define AMP_MPS2_BELL_FAULT 0xffu
#define AMP_MPS2_BELL_EXITED 0xfeu
/* The platform's floor: the host sends PING, the guest's UART1 handler
 * answers PONG at once, touching nothing else (no rings, no wake-up of
 * the firmware's loop). */
#define AMP_MPS2_BELL_PING 0x80u
#define AMP_MPS2_BELL_PONG 0x81u

/* What the guest is doing, as it last said (ctrl.stage). */
enum amp_mps2_stage {
	AMP_MPS2_STAGE_NONE = 0,    /* nothing has run yet */
	AMP_MPS2_STAGE_STUB = 1,    /* boot stub waits for the release */
	AMP_MPS2_STAGE_JUMPED = 2,  /* stub jumped to the image */
	AMP_MPS2_STAGE_RUNNING = 3, /* firmware main loop */
	AMP_MPS2_STAGE_FAULT = 4,   /* fault recorded, core halted */
	AMP_MPS2_STAGE_EXITED = 5,  /* firmware left its loop (shutdown) */
};

/* A fault as the handler saw it: the exception frame the core pushed,
 * the fault status registers, and the stack pointer at the fault. */
struct amp_mps2_fault {
	uint32_t exception; /* IPSR: 3 HardFault, 4 MemManage, 5 BusFault,
			       6 UsageFault */
	uint32_t r0, r1, r2, r3, r12, lr, pc, xpsr;
	uint32_t sp;
	uint32_t cfsr, hfsr, mmfar, bfar;
};

/* The control page.  The host writes magic..vtor before the release; the
 * guest writes stage, heartbeat and fault. */
struct amp_mps2_ctrl {
	uint32_t magic;	  /* AMP_MPS2_MAGIC */
	uint32_t version; /* AMP_MPS2_VERSION */
	uint32_t release; /* AMP_MPS2_RELEASE once the image is loaded */
	uint32_t vtor;	  /* the image's vector table (guest address) */
	uint32_t image_pa, image_len; /* what the stub re-touches */
	uint32_t heartbeat_ms;	      /* beat at least this often (0: never) */
	uint32_t stage;		      /* enum amp_mps2_stage */
	uint32_t heartbeat;
	uint32_t reserved[7];
	struct amp_mps2_fault fault; /* valid in stage FAULT */
};

AMP_STATIC_ASSERT(sizeof(struct amp_mps2_fault) == 56, "mps2 fault");
AMP_STATIC_ASSERT(sizeof(struct amp_mps2_ctrl) == 64 + 56, "mps2 ctrl");

#endif
