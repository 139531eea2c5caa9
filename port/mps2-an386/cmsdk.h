/*
 * cmsdk.h - the few Cortex-M4 and mps2-an386 registers the port touches:
 * the CMSDK APB UARTs (UART0 console, UART1 doorbell), SysTick, the NVIC
 * and the System Control Block.  Addresses from QEMU's hw/arm/mps2.c and
 * the ARMv7-M architecture manual.
 */
#ifndef AMPKIT_MPS2_CMSDK_H
#define AMPKIT_MPS2_CMSDK_H

#include <stdint.h>

#define REG32(a) (*(volatile uint32_t *)(uintptr_t)(a))

/* CMSDK APB UART */
#define UART0_BASE 0x40004000u
#define UART1_BASE 0x40005000u
#define UART_DATA(b) REG32((b) + 0x00)
#define UART_STATE(b) REG32((b) + 0x04)
#define UART_CTRL(b) REG32((b) + 0x08)
#define UART_INTSTATUS(b) REG32((b) + 0x0c) /* write 1s to clear */
#define UART_BAUDDIV(b) REG32((b) + 0x10)
#define UART_STATE_TXFULL 1u
#define UART_STATE_RXFULL 2u
#define UART_CTRL_TXEN 1u
#define UART_CTRL_RXEN 2u
#define UART_CTRL_RXINT 8u
#define UART_INT_RX 2u
/* mps2-an386 interrupt lines: UART0 rx 0, UART1 rx 2 */
#define IRQ_UART1_RX 2u

/* SysTick, NVIC, SCB */
#define SYST_CSR REG32(0xe000e010u)
#define SYST_RVR REG32(0xe000e014u)
#define SYST_CVR REG32(0xe000e018u)
#define NVIC_ISER(n) REG32(0xe000e100u + 4u * (n))
#define SCB_VTOR REG32(0xe000ed08u)
#define SCB_SHCSR REG32(0xe000ed24u)
#define SCB_CFSR REG32(0xe000ed28u)
#define SCB_HFSR REG32(0xe000ed2cu)
#define SCB_MMFAR REG32(0xe000ed34u)
#define SCB_BFAR REG32(0xe000ed38u)
#define SCB_CPACR REG32(0xe000ed88u)

/* The board's system clock, which SysTick counts (QEMU: 25 MHz). */
#define MPS2_SYSCLK_HZ 25000000u

#endif
