/*
 * cmsdk.h - the few Cortex-M4 and mps2-an386 registers the port touches:
 * the CMSDK APB UARTs (UART0 console, UART1 doorbell) and the system
 * clock, from QEMU's hw/arm/mps2.c (the core's own registers are in
 * port/cortex-m/armv7m.h).
 */
#ifndef AMPKIT_MPS2_CMSDK_H
#define AMPKIT_MPS2_CMSDK_H

#include <stdint.h>

#include "armv7m.h"

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

/* The board's system clock, which SysTick counts (QEMU: 25 MHz). */
#define MPS2_SYSCLK_HZ 25000000u

#endif
