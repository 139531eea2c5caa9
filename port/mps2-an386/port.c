/*
 * port.c - what the mps2-an386 board gives the core: SysTick as the
 * clock (port/cortex-m/systick.c), UART1 as the mailbox (one byte per doorbell,
 * both ways), WFI as the wait, and UART0 as the console every log line is
 * mirrored to (from a ring, while idle).
 *
 * The doorbell interrupt only counts bytes (and notes a shutdown
 * request); the core finds the work on the rings itself.  Its handler
 * clears the interrupt before draining the data register: the other
 * order can lose an interrupt that arrives in between, and with it the
 * wake-up (REFERENCE §12).  wait() masks interrupts around its last look
 * and WFI, so a doorbell between the look and the sleep still wakes it.
 */
#include "ampkit/app.h"
#include "ampkit/errno.h"
#include "cmsdk.h"
#include "mps2_port.h"

/* The slowest divisor QEMU's CMSDK UART model accepts as valid. */
#define UART_DIV 16u

static struct amp_mps2_port *the_port;
static uint32_t bells_seen;

void UART1_RX_Handler(void);

void UART1_RX_Handler(void)
{
	UART_INTSTATUS(UART1_BASE) = UART_INT_RX;
	while (UART_STATE(UART1_BASE) & UART_STATE_RXFULL) {
		uint32_t b = UART_DATA(UART1_BASE) & 0xffu;

		if (b == AMP_MPS2_BELL_PING) {
			amp_mps2_bell(AMP_MPS2_BELL_PONG);
			continue;
		}
		if (b == AMP_MPS2_CH_SHUTDOWN && the_port)
			the_port->shutdown = true;
		if (the_port)
			the_port->rang++;
	}
}

uint32_t amp_mps2_ms(void)
{
	return amp_systick_ms();
}

static uint64_t mps2_now_ns(struct amp_port *port)
{
	(void)port;
	return amp_systick_ns();
}

static void uart_putc(uint32_t base, uint8_t c)
{
	while (UART_STATE(base) & UART_STATE_TXFULL)
		;
	UART_DATA(base) = c;
}

void amp_mps2_bell(uint8_t byte)
{
	uart_putc(UART1_BASE, byte);
}

/*
 * The console: lines go into a ring and out of UART0 while the core is
 * idle (wait(), before WFI), never on the message path.  A UART byte is
 * an emulated device access (~1 us under QEMU; 87 us at a real 115200
 * baud): writing a log line synchronously from a receive callback is
 * exactly what made the seed's timings measure its logging.  A line that
 * finds the ring full is dropped and counted; the trace buffer has it.
 */
#define CONSOLE_RING 4096u

static char con_ring[CONSOLE_RING];
static uint32_t con_head, con_tail; /* free-running */
static uint32_t con_dropped;

void amp_app_console(const char *line, uint32_t len)
{
	if (len > CONSOLE_RING - (con_head - con_tail)) {
		con_dropped++;
		return;
	}
	for (uint32_t i = 0; i < len; i++)
		con_ring[con_head++ % CONSOLE_RING] = line[i];
}

/* As much as UART0 takes without waiting (wait == false), or all. */
static void console_out(bool wait)
{
	while (con_tail != con_head) {
		if (UART_STATE(UART0_BASE) & UART_STATE_TXFULL) {
			if (!wait)
				return;
			continue;
		}
		UART_DATA(UART0_BASE) =
			(uint8_t)con_ring[con_tail++ % CONSOLE_RING];
	}
}

void amp_mps2_console_flush(void)
{
	console_out(true);
}

static void mps2_notify(struct amp_port *port, uint32_t ch)
{
	(void)port;
	amp_mps2_bell((uint8_t)ch);
}

void amp_mps2_heartbeat(struct amp_mps2_port *p)
{
	uint32_t now = amp_systick_ms();

	if (!p->beat_ms || (int32_t)(now - p->next_beat) < 0)
		return;
	p->next_beat = now + p->beat_ms;
	AMP_STORE(&amp_mps2_ctrl()->heartbeat,
		  AMP_LOAD(&amp_mps2_ctrl()->heartbeat) + 1);
}

static int mps2_wait(struct amp_port *port, uint64_t deadline)
{
	struct amp_mps2_port *p = (struct amp_mps2_port *)port;
	uint64_t now;

	for (;;) {
		if (p->shutdown)
			return -AMP_EPIPE;
		if (p->rang != bells_seen) {
			bells_seen = p->rang;
			return 0;
		}
		now = mps2_now_ns(port);
		if (now >= deadline)
			return -AMP_ETIMEDOUT;
		amp_mps2_heartbeat(p);
		/* SysTick wakes us every millisecond at the latest, so a
		 * deadline closer than that is waited out awake (an emulated
		 * 3.1 ms UART line would otherwise last 4). */
		if (deadline - now < 1000000u)
			continue;
		console_out(false);
		__asm volatile("cpsid i" ::: "memory");
		if (p->rang == bells_seen && !p->shutdown)
			__asm volatile("wfi");
		__asm volatile("cpsie i" ::: "memory");
	}
}

static const struct amp_port_ops mps2_ops = {
	.notify = mps2_notify,
	.wait = mps2_wait,
	.now_ns = mps2_now_ns,
};

void amp_mps2_port_init(struct amp_mps2_port *p, uint32_t spin_ns)
{
	p->port.ops = &mps2_ops;
	p->port.spin_ns = spin_ns;
	p->rang = 0;
	p->shutdown = false;
	p->beat_ms = AMP_LOAD(&amp_mps2_ctrl()->heartbeat_ms);
	p->next_beat = 0;
	the_port = p;

	amp_systick_init(MPS2_SYSCLK_HZ);

	UART_BAUDDIV(UART0_BASE) = UART_DIV;
	UART_CTRL(UART0_BASE) = UART_CTRL_TXEN;
	UART_BAUDDIV(UART1_BASE) = UART_DIV;
	UART_CTRL(UART1_BASE) =
		UART_CTRL_TXEN | UART_CTRL_RXEN | UART_CTRL_RXINT;
	NVIC_ISER(0) = 1u << IRQ_UART1_RX;
}
