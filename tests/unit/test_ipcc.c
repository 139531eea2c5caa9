/*
 * test_ipcc.c - the STM32MP15 IPCC driver (port/stm32mp15/ipcc.c), built
 * for the host, against the register model in ipcc_model.c: init from
 * HWCFGR, doorbells and the occupied flags, an occupied channel refused
 * (send) or queued until the peer frees it (kick, TX-free interrupt),
 * masks and enables, the RX handler freeing exactly the occupied channels
 * it listens to and coalescing doorbells into one flag, and channels out
 * of range.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "ampkit/errno.h"
#include "ipcc.h"
#include "unit/ipcc_model.h"

#define NCH 6u
#define ALL ((1u << NCH) - 1u)
/* What the M4 listens to: vq0, vq1, shutdown, detach. */
#define M4_RX 0xfu
#define BIT(ch) (1u << (ch))

static struct ipcc_model model;
static struct amp_ipcc m4;

static struct amp_ipcc_proc *c1(void)
{
	return ipcc_model_proc(&model, 1);
}

static struct amp_ipcc_proc *c2(void)
{
	return ipcc_model_proc(&model, 2);
}

/* What Linux does, through the same accessors: ring and free channels. */
static void linux_send(uint32_t ch)
{
	amp_ipcc_wr(&c1()->scr, AMP_IPCC_TX_BIT(ch));
}

static void linux_free(uint32_t ch)
{
	amp_ipcc_wr(&c1()->scr, AMP_IPCC_RX_BIT(ch));
}

/* Linux's side set up to take interrupts for every channel. */
static void linux_listen(void)
{
	amp_ipcc_wr(&c1()->mr, 0);
	amp_ipcc_wr(&c1()->cr, AMP_IPCC_CR_RXOIE | AMP_IPCC_CR_TXFIE);
}

static int setup(void **state)
{
	(void)state;
	ipcc_model_reset(&model, NCH);
	assert_int_equal(amp_ipcc_init(&m4, &model.hw, 2, M4_RX), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	assert_int_equal(model.bad, 0);
	assert_int_equal(model.ro_writes, 0);
	return 0;
}

static void test_init_reads_hwcfgr(void **state)
{
	(void)state;
	assert_int_equal(m4.channels, NCH);
	assert_int_equal(c2()->mr & (ALL | ALL << 16),
			 (ALL & ~M4_RX) | ALL << 16);
	assert_int_equal(c2()->cr, AMP_IPCC_CR_RXOIE | AMP_IPCC_CR_TXFIE);
	/* Linux's block untouched. */
	assert_int_equal(c1()->cr, 0);

	/* The count is HWCFGR's low byte, whatever the rest says. */
	ipcc_model_reset(&model, 0xabcd0104u);
	assert_int_equal(amp_ipcc_init(&m4, &model.hw, 2, 0x3), 0);
	assert_int_equal(m4.channels, 4);
	assert_int_equal(amp_ipcc_send(&m4, 3), 0);
	assert_int_equal(amp_ipcc_send(&m4, 4), -AMP_EINVAL);
}

static void test_init_refuses_bad_blocks(void **state)
{
	(void)state;
	ipcc_model_reset(&model, 0);
	assert_int_equal(amp_ipcc_init(&m4, &model.hw, 2, 1), -AMP_ENODEV);
	ipcc_model_reset(&model, 17);
	assert_int_equal(amp_ipcc_init(&m4, &model.hw, 2, 1), -AMP_ENODEV);
	ipcc_model_reset(&model, NCH);
	assert_int_equal(amp_ipcc_init(&m4, &model.hw, 3, 1), -AMP_EINVAL);
	assert_int_equal(amp_ipcc_init(&m4, &model.hw, 0, 1), -AMP_EINVAL);
	/* A listening channel the block lacks: refused before any write. */
	assert_int_equal(amp_ipcc_init(&m4, &model.hw, 2, BIT(NCH)),
			 -AMP_EINVAL);
	assert_int_equal(model.writes, 0);
	assert_int_equal(c2()->mr, 0xffffffffu);
}

static void test_send_sets_occupied(void **state)
{
	(void)state;
	linux_listen();
	assert_false(ipcc_model_rx_line(&model, 1));
	assert_int_equal(amp_ipcc_send(&m4, 1), 0);
	assert_int_equal(c2()->tosr, BIT(1));
	/* Linux sees channel 1 occupied: its RX line is up. */
	assert_true(ipcc_model_rx_line(&model, 1));
	linux_free(1);
	assert_int_equal(c2()->tosr, 0);
	assert_false(ipcc_model_rx_line(&model, 1));
}

static void test_send_on_occupied_refused(void **state)
{
	uint32_t writes;

	(void)state;
	assert_int_equal(amp_ipcc_send(&m4, 0), 0);
	writes = model.writes;
	assert_int_equal(amp_ipcc_send(&m4, 0), -AMP_EBUSY);
	assert_int_equal(model.writes, writes); /* nothing written */
	assert_int_equal(c2()->tosr, BIT(0));
	/* Another channel is not affected. */
	assert_int_equal(amp_ipcc_send(&m4, 1), 0);
	assert_int_equal(c2()->tosr, BIT(0) | BIT(1));
}

static void test_kick_queues_until_free(void **state)
{
	(void)state;
	assert_int_equal(amp_ipcc_kick(&m4, 1), 0);
	assert_int_equal(c2()->tosr, BIT(1));
	assert_false(ipcc_model_tx_line(&model, 2)); /* TX-free masked */

	/* Occupied: queued, its TX-free interrupt unmasked, still quiet
	 * because the channel is not free yet.  A second kick is the same
	 * doorbell. */
	assert_int_equal(amp_ipcc_kick(&m4, 1), 0);
	assert_int_equal(amp_ipcc_kick(&m4, 1), 0);
	assert_int_equal(m4.tx_queued, BIT(1));
	assert_int_equal(c2()->mr & AMP_IPCC_TX_BIT(1), 0);
	assert_false(ipcc_model_tx_line(&model, 2));

	/* Linux frees it: TX-free rises; the handler rings the queued
	 * doorbell, masks the interrupt again, and the line drops. */
	linux_free(1);
	assert_true(ipcc_model_tx_line(&model, 2));
	assert_int_equal(amp_ipcc_tx_irq(&m4), BIT(1));
	assert_int_equal(c2()->tosr, BIT(1));
	assert_int_equal(m4.tx_queued, 0);
	assert_true(c2()->mr & AMP_IPCC_TX_BIT(1));
	assert_false(ipcc_model_tx_line(&model, 2));
	/* Nothing queued: a spurious call rings nothing. */
	assert_int_equal(amp_ipcc_tx_irq(&m4), 0);
	assert_int_equal(c2()->tosr, BIT(1));
}

static void test_tx_free_needs_enable(void **state)
{
	(void)state;
	assert_int_equal(amp_ipcc_send(&m4, 2), 0);
	assert_int_equal(amp_ipcc_kick(&m4, 2), 0);
	amp_ipcc_wr(&c2()->cr, AMP_IPCC_CR_RXOIE); /* TXFIE off */
	linux_free(2);
	assert_false(ipcc_model_tx_line(&model, 2));
	amp_ipcc_wr(&c2()->cr, AMP_IPCC_CR_RXOIE | AMP_IPCC_CR_TXFIE);
	assert_true(ipcc_model_tx_line(&model, 2));
}

static void test_masks_suppress_rx(void **state)
{
	(void)state;
	/* Channel 4 is not one the M4 listens to: masked, no interrupt. */
	linux_send(4);
	assert_false(ipcc_model_rx_line(&model, 2));
	assert_int_equal(amp_ipcc_rx_irq(&m4), 0);
	assert_int_equal(c1()->tosr, BIT(4)); /* left occupied */

	linux_send(1);
	assert_true(ipcc_model_rx_line(&model, 2));
	/* RXOIE off: occupied and unmasked, but no interrupt. */
	amp_ipcc_wr(&c2()->cr, AMP_IPCC_CR_TXFIE);
	assert_false(ipcc_model_rx_line(&model, 2));
	amp_ipcc_wr(&c2()->cr, AMP_IPCC_CR_RXOIE | AMP_IPCC_CR_TXFIE);
	assert_int_equal(amp_ipcc_rx_irq(&m4), BIT(1));
	assert_int_equal(c1()->tosr, BIT(4));
	assert_false(ipcc_model_rx_line(&model, 2));
}

static void test_rx_frees_exactly_and_coalesces(void **state)
{
	uint32_t writes;

	(void)state;
	linux_listen();
	assert_int_equal(amp_ipcc_send(&m4, 0), 0); /* our own TX flag */
	linux_send(0);
	linux_send(2);
	linux_send(5); /* not listened to */
	writes = model.writes;
	assert_int_equal(amp_ipcc_rx_irq(&m4), BIT(0) | BIT(2));
	assert_int_equal(model.writes, writes + 1); /* one strobe */
	assert_int_equal(c1()->tosr, BIT(5));
	assert_int_equal(c2()->tosr, BIT(0)); /* ours untouched */
	/* Linux sees channels 0 and 2 freed: TX-free for them. */
	assert_true(ipcc_model_tx_line(&model, 1));

	/* Two doorbells on channel 1 between takes: one bit. */
	linux_send(1);
	assert_int_equal(amp_ipcc_rx_irq(&m4), BIT(1));
	linux_send(1);
	assert_int_equal(amp_ipcc_rx_irq(&m4), BIT(1));
	assert_true(amp_ipcc_rang(&m4));
	assert_int_equal(amp_ipcc_take(&m4), BIT(0) | BIT(1) | BIT(2));
	assert_false(amp_ipcc_rang(&m4));
	assert_int_equal(amp_ipcc_take(&m4), 0);
	/* Nothing occupied: the handler writes nothing. */
	writes = model.writes;
	assert_int_equal(amp_ipcc_rx_irq(&m4), 0);
	assert_int_equal(model.writes, writes);
}

static void test_channel_out_of_range(void **state)
{
	uint32_t writes = model.writes;

	(void)state;
	assert_int_equal(amp_ipcc_send(&m4, NCH), -AMP_EINVAL);
	assert_int_equal(amp_ipcc_kick(&m4, NCH), -AMP_EINVAL);
	assert_int_equal(amp_ipcc_send(&m4, 16), -AMP_EINVAL);
	assert_int_equal(amp_ipcc_kick(&m4, 31), -AMP_EINVAL);
	assert_int_equal(amp_ipcc_kick(&m4, UINT32_MAX), -AMP_EINVAL);
	assert_int_equal(model.writes, writes);
	assert_int_equal(c2()->tosr, 0);
	assert_int_equal(m4.tx_queued, 0);
}

static void test_stop_masks_everything(void **state)
{
	(void)state;
	amp_ipcc_stop(&m4);
	linux_send(0);
	assert_false(ipcc_model_rx_line(&model, 2));
	assert_false(ipcc_model_tx_line(&model, 2));
	assert_int_equal(c2()->cr, 0);
	assert_int_equal(c2()->mr & (ALL | ALL << 16), ALL | ALL << 16);
}

/* The same driver on both sides: the M4 rings Linux and back. */
static void test_two_drivers(void **state)
{
	struct amp_ipcc lx;

	(void)state;
	assert_int_equal(amp_ipcc_init(&lx, &model.hw, 1, ALL), 0);
	assert_int_equal(amp_ipcc_kick(&m4, 1), 0);
	assert_true(ipcc_model_rx_line(&model, 1));
	assert_int_equal(amp_ipcc_rx_irq(&lx), BIT(1));
	assert_int_equal(amp_ipcc_take(&lx), BIT(1));
	assert_int_equal(amp_ipcc_kick(&lx, 2), 0); /* shutdown */
	assert_true(ipcc_model_rx_line(&model, 2));
	assert_int_equal(amp_ipcc_rx_irq(&m4), BIT(2));
	assert_int_equal(amp_ipcc_take(&m4), BIT(2));
	assert_int_equal(c1()->tosr | c2()->tosr, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init_reads_hwcfgr, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_init_refuses_bad_blocks,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_sets_occupied, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_send_on_occupied_refused,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_kick_queues_until_free,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_free_needs_enable,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_masks_suppress_rx, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_rx_frees_exactly_and_coalesces, setup, teardown),
		cmocka_unit_test_setup_teardown(test_channel_out_of_range,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_masks_everything,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_drivers, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
