/*
 * stm32mp15.h - the stm32mp15 platform (STM32MP157 DK2): the Cortex-M4's
 * memory as the DK2 device tree reserves it, and its IPCC channels.
 *
 * This header is the contract between the board's firmware
 * (port/stm32mp15/: linker script, resource table, port) and what checks
 * it on the host (tests, docs/stm32mp15.md).  Addresses are device
 * addresses, the M4's view, which is what the resource table holds.
 * Sources: Linux arch/arm/boot/dts/stm32mp15xx-dkx.dtsi (reserved-memory
 * and the m4_rproc node) and REFERENCE.md sections 6 and 8.
 */
#ifndef AMPKIT_STM32MP15_H
#define AMPKIT_STM32MP15_H

/* RETRAM: 64 KiB at 0 for the M4, 0x38000000 for the Cortex-A7s
 * ("retram" in the device tree).  Vectors and code. */
#define AMP_STM32MP15_RETRAM_DA 0x00000000u
#define AMP_STM32MP15_RETRAM_PA 0x38000000u
#define AMP_STM32MP15_RETRAM_SIZE 0x00010000u

/* MCUSRAM: SRAM1..4 at 0x10000000 for the M4.  The device tree gives the
 * firmware SRAM1+2 ("mcuram2", 256 KiB) and keeps SRAM3 for the vdev:
 * the vrings and the RPMsg buffers Linux allocates there. */
#define AMP_STM32MP15_MCURAM2_DA 0x10000000u
#define AMP_STM32MP15_MCURAM2_SIZE 0x00040000u
#define AMP_STM32MP15_VRING0_DA 0x10040000u /* "vdev0vring0" */
#define AMP_STM32MP15_VRING1_DA 0x10041000u /* "vdev0vring1" */
#define AMP_STM32MP15_VRING_SIZE 0x00001000u
#define AMP_STM32MP15_VDEVBUF_DA 0x10042000u /* "vdev0buffer" */
#define AMP_STM32MP15_VDEVBUF_SIZE 0x00004000u
/* Everything Linux shares with the core for the vdev, in one window. */
#define AMP_STM32MP15_SHM_DA AMP_STM32MP15_VRING0_DA
#define AMP_STM32MP15_SHM_SIZE                                                 \
	(AMP_STM32MP15_VDEVBUF_DA + AMP_STM32MP15_VDEVBUF_SIZE -               \
	 AMP_STM32MP15_VRING0_DA)

/* The M4's clock in ST's default DK2 configuration (MCU_CK, 209 MHz),
 * which SysTick counts. */
#define AMP_STM32MP15_M4_HZ 209000000u

/* IPCC channels, 0-based hardware indexes as Linux's m4_rproc mboxes
 * name them ("vq0", "vq1", "shutdown", "detach").  ST's HAL numbers them
 * from 1 (IPCC_CHANNEL_1 is index 0). */
#define AMP_STM32MP15_CH_VQ0 0u	     /* vring0: Linux gave buffers back */
#define AMP_STM32MP15_CH_VQ1 1u	     /* vring1: a new message */
#define AMP_STM32MP15_CH_SHUTDOWN 2u /* Linux asks the core to stop */
#define AMP_STM32MP15_CH_DETACH 3u   /* Linux detaches, the core runs on */

/* The M4's IPCC interrupt lines (NVIC numbers). */
#define AMP_STM32MP15_IRQ_IPCC_RX1 103u
#define AMP_STM32MP15_IRQ_IPCC_TX1 104u

#endif
