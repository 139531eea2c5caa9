/*
 * test_proto.c - unit tests for core/crc16.c and core/bench_proto.c: the
 * CRC check values the seed logged, the header bytes on the wire, and the
 * responder fed the way RPMsg delivers a test (496-byte pieces).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <ampkit/bench_proto.h>

/* RPMsg payload per 512-byte buffer: how the seed's tests arrived. */
#define CHUNK 496u

/* The CRC written the slow, obvious way, to check the table against. */
static uint16_t crc16_bitwise(uint16_t crc, const uint8_t *p, size_t len)
{
	while (len--) {
		crc ^= *p++;
		for (int i = 0; i < 8; i++)
			crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0x6001)
					: (uint16_t)(crc >> 1);
	}
	return crc;
}

/* A whole test as the sender puts it on the wire: header, then the
 * pattern from the header's end, with the payload's CRC in the header. */
static uint8_t *make_stream(uint32_t total, uint32_t *hdr_len)
{
	uint8_t *buf = malloc(total + AMP_BENCH_EXT_HDR_SIZE);
	uint32_t hdr = amp_bench_hdr_size(total);
	uint16_t crc;

	assert_non_null(buf);
	amp_bench_pattern(buf + hdr, hdr, total - hdr);
	crc = amp_crc16(0, buf + hdr, total - hdr);
	assert_int_equal(amp_bench_hdr_write(buf, total, crc), hdr);
	if (hdr_len)
		*hdr_len = hdr;
	return buf;
}

/* Feed a test in pieces of `chunk`; every piece but the last must leave
 * the responder waiting.  Returns the ack size. */
static uint32_t feed_test(struct amp_bench_resp *r, uint32_t total,
			  uint32_t chunk, uint8_t ack[4])
{
	uint8_t *buf = make_stream(total, NULL);
	uint32_t off = 0, n, ret = 0;

	while (off < total) {
		n = total - off < chunk ? total - off : chunk;
		ret = amp_bench_resp_feed(r, buf + off, n, ack);
		off += n;
		if (off < total)
			assert_int_equal(ret, 0);
	}
	free(buf);
	return ret;
}

static void crc_check_value(void **state)
{
	(void)state;
	assert_int_equal(amp_crc16(0, "123456789", 9), 0x3D56);
	/* CRC-16/ARC (0xA001) gives 0xBB3D: make sure we are not it. */
	assert_int_not_equal(amp_crc16(0, "123456789", 9), 0xBB3D);
}

static void crc_pattern_32k(void **state)
{
	static uint8_t buf[32768];

	(void)state;
	amp_bench_pattern(buf, 0, sizeof(buf));
	for (uint32_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], i & 0xFF);
	/* The seed's log: "Initialized buffer with CRC16: 0x1818". */
	assert_int_equal(amp_crc16(0, buf, sizeof(buf)), 0x1818);
}

static void crc_table_matches_bitwise(void **state)
{
	uint8_t buf[1000];
	uint32_t x = 12345;

	(void)state;
	for (unsigned n = 0; n < 256; n++) {
		uint8_t b = (uint8_t)n;

		assert_int_equal(amp_crc16(0, &b, 1), crc16_bitwise(0, &b, 1));
	}
	for (size_t i = 0; i < sizeof(buf); i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (uint8_t)(x >> 16);
	}
	assert_int_equal(amp_crc16(0xBEEF, buf, sizeof(buf)),
			 crc16_bitwise(0xBEEF, buf, sizeof(buf)));
}

static void crc_chaining(void **state)
{
	static uint8_t buf[32768];
	const char *s = "123456789";

	(void)state;
	assert_int_equal(amp_crc16(0x1234, NULL, 0), 0x1234);
	for (size_t cut = 0; cut <= 9; cut++)
		assert_int_equal(
			amp_crc16(amp_crc16(0, s, cut), s + cut, 9 - cut),
			0x3D56);

	amp_bench_pattern(buf, 0, sizeof(buf));
	uint16_t crc = 0;
	for (size_t off = 0; off < sizeof(buf); off += CHUNK) {
		size_t n =
			sizeof(buf) - off < CHUNK ? sizeof(buf) - off : CHUNK;

		crc = amp_crc16(crc, buf + off, n);
	}
	assert_int_equal(crc, 0x1818);
}

static void hdr_write_standard(void **state)
{
	static const uint8_t want512[] = { 0xCD, 0xAB, 0x00, 0x02, 0x34, 0x12 };
	static const uint8_t want65535[] = {
		0xCD, 0xAB, 0xFF, 0xFF, 0xCD, 0xAB
	};
	static const uint8_t want6[] = { 0xCD, 0xAB, 0x06, 0x00, 0x00, 0x00 };
	uint8_t out[12];

	(void)state;
	memset(out, 0xEE, sizeof(out));
	assert_int_equal(amp_bench_hdr_write(out, 512, 0x1234), 6);
	assert_memory_equal(out, want512, sizeof(want512));
	for (size_t i = sizeof(want512); i < sizeof(out); i++)
		assert_int_equal(out[i], 0xEE);

	assert_int_equal(amp_bench_hdr_write(out, 65535, 0xABCD), 6);
	assert_memory_equal(out, want65535, sizeof(want65535));

	assert_int_equal(amp_bench_hdr_write(out, 6, 0), 6);
	assert_memory_equal(out, want6, sizeof(want6));
}

static void hdr_write_extended(void **state)
{
	static const uint8_t want65536[] = { 0xCD, 0xAB, 0x00, 0x00, 0x34,
					     0x12, 0x00, 0x00, 0x01, 0x00 };
	static const uint8_t want_big[] = { 0xCD, 0xAB, 0x00, 0x00, 0x18,
					    0x18, 0x78, 0x56, 0x34, 0x12 };
	uint8_t out[12];

	(void)state;
	memset(out, 0xEE, sizeof(out));
	assert_int_equal(amp_bench_hdr_write(out, 65536, 0x1234), 10);
	assert_memory_equal(out, want65536, sizeof(want65536));
	assert_int_equal(out[10], 0xEE);

	assert_int_equal(amp_bench_hdr_write(out, 0x12345678, 0x1818), 10);
	assert_memory_equal(out, want_big, sizeof(want_big));
}

static void hdr_and_ack_sizes(void **state)
{
	(void)state;
	assert_int_equal(amp_bench_hdr_size(6), 6);
	assert_int_equal(amp_bench_hdr_size(65535), 6);
	assert_int_equal(amp_bench_hdr_size(65536), 10);
	assert_int_equal(amp_bench_hdr_size(UINT32_MAX), 10);
	assert_int_equal(amp_bench_ack_size(65535), 2);
	assert_int_equal(amp_bench_ack_size(65536), 4);
}

static void pattern_offsets(void **state)
{
	static const uint8_t want[] = { 0xFA, 0xFB, 0xFC, 0xFD, 0xFE,
					0xFF, 0x00, 0x01, 0x02, 0x03 };
	uint8_t buf[12];

	(void)state;
	memset(buf, 0xEE, sizeof(buf));
	amp_bench_pattern(buf, 0x100FA, 10);
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(buf[10], 0xEE);
	amp_bench_pattern(buf, 7, 0);
	assert_int_equal(buf[0], 0xFA);
}

/* The pattern never contains the preamble, so it cannot fake a header. */
static void pattern_has_no_preamble(void **state)
{
	uint8_t buf[257];

	(void)state;
	amp_bench_pattern(buf, 0, sizeof(buf));
	for (size_t i = 0; i + 1 < sizeof(buf); i++)
		assert_false(buf[i] == 0xCD && buf[i + 1] == 0xAB);
}

static void resp_single_message(void **state)
{
	static const uint8_t want[] = { 0x00, 0x02 };
	struct amp_bench_resp r = { 0 };
	uint8_t ack[4] = { 0 };

	(void)state;
	assert_int_equal(feed_test(&r, 512, 512, ack), 2);
	assert_memory_equal(ack, want, sizeof(want));
	assert_int_equal(amp_bench_ack_parse(ack, 2), 512);
	assert_int_equal(r.expected, 0);
}

/* A test exactly one header long is complete with its first message. */
static void resp_header_only(void **state)
{
	struct amp_bench_resp r = { 0 };
	uint8_t ack[4] = { 0 };

	(void)state;
	assert_int_equal(feed_test(&r, 6, 6, ack), 2);
	assert_int_equal(amp_bench_ack_parse(ack, 2), 6);
}

static void resp_split(void **state)
{
	static const uint8_t want[] = { 0x00, 0x10 };
	struct amp_bench_resp r = { 0 };
	uint8_t ack[4] = { 0 };

	(void)state;
	/* The seed's largest tty test, as RPMsg cuts it. */
	assert_int_equal(feed_test(&r, 4096, CHUNK, ack), 2);
	assert_memory_equal(ack, want, sizeof(want));

	/* Tiny pieces, the header alone in the first one. */
	assert_int_equal(feed_test(&r, 1000, 6, ack), 2);
	assert_int_equal(amp_bench_ack_parse(ack, 2), 1000);
	assert_int_equal(feed_test(&r, 300, 7, ack), 2);
	assert_int_equal(amp_bench_ack_parse(ack, 2), 300);
}

static void resp_std_max(void **state)
{
	static const uint8_t want[] = { 0xFF, 0xFF };
	struct amp_bench_resp r = { 0 };
	uint8_t ack[4] = { 0xEE, 0xEE, 0xEE, 0xEE };

	(void)state;
	assert_int_equal(feed_test(&r, 65535, CHUNK, ack), 2);
	assert_memory_equal(ack, want, sizeof(want));
	assert_int_equal(ack[2], 0xEE);
	assert_int_equal(amp_bench_ack_parse(ack, 2), 65535);
}

static void resp_extended_min(void **state)
{
	static const uint8_t want[] = { 0x00, 0x00, 0x01, 0x00 };
	struct amp_bench_resp r = { 0 };
	uint8_t ack[4] = { 0 };

	(void)state;
	assert_int_equal(feed_test(&r, 65536, CHUNK, ack), 4);
	assert_memory_equal(ack, want, sizeof(want));
	assert_int_equal(amp_bench_ack_parse(ack, 4), 65536);
	assert_int_equal(r.expected, 0);
}

static void resp_extended_large(void **state)
{
	struct amp_bench_resp r = { 0 };
	uint8_t ack[4] = { 0 };

	(void)state;
	assert_int_equal(feed_test(&r, 1u << 20, 4096, ack), 4);
	assert_int_equal(amp_bench_ack_parse(ack, 4), 1 << 20);
}

/* The header's shape picks the ack, even for a total that fits 16 bits. */
static void resp_extended_small_total(void **state)
{
	static const uint8_t msg[] = { 0xCD, 0xAB, 0x00, 0x00, 0x00,
				       0x00, 0x0C, 0x00, 0x00, 0x00 };
	struct amp_bench_resp r = { 0 };
	uint8_t ack[4] = { 0 }, tail[2] = { 10, 11 };

	(void)state;
	assert_int_equal(amp_bench_resp_feed(&r, msg, sizeof(msg), ack), 0);
	assert_int_equal(amp_bench_resp_feed(&r, tail, 2, ack), 4);
	assert_int_equal(amp_bench_ack_parse(ack, 4), 12);
}

static void resp_idle_without_preamble(void **state)
{
	struct amp_bench_resp r = { 0 };
	uint8_t junk[CHUNK], ack[4] = { 0 };

	(void)state;
	amp_bench_pattern(junk, 0, sizeof(junk));
	assert_int_equal(amp_bench_resp_feed(&r, junk, sizeof(junk), ack), 0);
	/* Preamble bytes in the wrong order (AB CD) are not a preamble. */
	junk[0] = 0xAB;
	junk[1] = 0xCD;
	junk[2] = 0x10;
	assert_int_equal(amp_bench_resp_feed(&r, junk, sizeof(junk), ack), 0);
	assert_int_equal(amp_bench_resp_feed(&r, junk, 0, ack), 0);
	assert_int_equal(r.expected, 0);

	/* Nothing of the junk leaked into the next test's count. */
	assert_int_equal(feed_test(&r, 1024, CHUNK, ack), 2);
	assert_int_equal(amp_bench_ack_parse(ack, 2), 1024);
}

static void resp_bad_headers(void **state)
{
	/* Each message starts with the preamble but cannot start a test. */
	static const uint8_t too_short[] = { 0xCD, 0xAB, 0x00, 0x02, 0x00 };
	static const uint8_t preamble_only[] = { 0xCD, 0xAB };
	static const uint8_t std_below_hdr[] = { 0xCD, 0xAB, 0x05, 0x00,
						 0x00, 0x00, 0x00, 0x00 };
	static const uint8_t ext_cut[] = { 0xCD, 0xAB, 0x00, 0x00, 0x00,
					   0x00, 0x00, 0x00, 0x01 };
	static const uint8_t ext_below_hdr[] = { 0xCD, 0xAB, 0x00, 0x00, 0x00,
						 0x00, 0x09, 0x00, 0x00, 0x00 };
	static const uint8_t ext_zero[] = { 0xCD, 0xAB, 0x00, 0x00, 0x00,
					    0x00, 0x00, 0x00, 0x00, 0x00 };
	static const struct {
		const uint8_t *msg;
		uint32_t len;
	} bad[] = {
		{ too_short, sizeof(too_short) },
		{ preamble_only, sizeof(preamble_only) },
		{ std_below_hdr, sizeof(std_below_hdr) },
		{ ext_cut, sizeof(ext_cut) },
		{ ext_below_hdr, sizeof(ext_below_hdr) },
		{ ext_zero, sizeof(ext_zero) },
	};
	struct amp_bench_resp r = { 0 };
	uint8_t ack[4] = { 0xEE, 0xEE, 0xEE, 0xEE };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(
			amp_bench_resp_feed(&r, bad[i].msg, bad[i].len, ack),
			0);
		assert_int_equal(r.expected, 0);
		assert_int_equal(ack[0], 0xEE);
	}
	assert_int_equal(feed_test(&r, 512, CHUNK, ack), 2);
	assert_int_equal(amp_bench_ack_parse(ack, 2), 512);
}

/* Mid-test, a message that looks like a header is payload: the test's total
 * cannot change halfway (the seed re-latched here). */
static void resp_preamble_mid_test(void **state)
{
	uint8_t hdr[10], fake[10], ack[4] = { 0 };
	struct amp_bench_resp r = { 0 };

	(void)state;
	assert_int_equal(amp_bench_hdr_write(hdr, 26, 0), 6);
	assert_int_equal(amp_bench_hdr_write(fake, 5000, 0), 6);
	assert_int_equal(amp_bench_resp_feed(&r, hdr, 6, ack), 0);
	assert_int_equal(amp_bench_resp_feed(&r, fake, 10, ack), 0);
	assert_int_equal(amp_bench_resp_feed(&r, fake, 10, ack), 2);
	assert_int_equal(amp_bench_ack_parse(ack, 2), 26);
}

/* A sender that overshoots sees how much arrived, never a wrapped count. */
static void resp_overshoot(void **state)
{
	uint8_t *buf = make_stream(65535, NULL);
	struct amp_bench_resp r = { 0 };
	uint8_t ack[4] = { 0 }, msg[600];

	(void)state;
	amp_bench_pattern(msg, 0, sizeof(msg));
	amp_bench_hdr_write(msg, 512, 0);
	assert_int_equal(amp_bench_resp_feed(&r, msg, sizeof(msg), ack), 2);
	assert_int_equal(amp_bench_ack_parse(ack, 2), 600);

	/* 65535 announced, 65535 + 600 sent: the u16 ack saturates. */
	assert_int_equal(amp_bench_resp_feed(&r, buf, 65535 - 100, ack), 0);
	assert_int_equal(amp_bench_resp_feed(&r, msg, sizeof(msg), ack), 2);
	assert_int_equal(amp_bench_ack_parse(ack, 2), 0xFFFF);
	free(buf);

	/* An extended test can count up to 2^32 - 1, then saturates. */
	amp_bench_hdr_write(msg, UINT32_MAX, 0);
	assert_int_equal(amp_bench_resp_feed(&r, msg, 10, ack), 0);
	r.count = UINT32_MAX - 5;
	assert_int_equal(amp_bench_resp_feed(&r, msg, sizeof(msg), ack), 4);
	assert_true(amp_bench_ack_parse(ack, 4) == (int64_t)UINT32_MAX);
}

static void resp_back_to_back(void **state)
{
	struct amp_bench_resp r = { 0 };
	uint8_t ack[4] = { 0 };

	(void)state;
	assert_int_equal(feed_test(&r, 512, CHUNK, ack), 2);
	assert_int_equal(amp_bench_ack_parse(ack, 2), 512);
	assert_int_equal(feed_test(&r, 2048, CHUNK, ack), 2);
	assert_int_equal(amp_bench_ack_parse(ack, 2), 2048);
	assert_int_equal(feed_test(&r, 70000, CHUNK, ack), 4);
	assert_int_equal(amp_bench_ack_parse(ack, 4), 70000);
	assert_int_equal(feed_test(&r, 1024, CHUNK, ack), 2);
	assert_int_equal(amp_bench_ack_parse(ack, 2), 1024);
}

/* The seed's whole matrix through one responder, as the tty test runs it:
 * each block of a test is sent whole, the ack arrives after the last. */
static void resp_seed_matrix(void **state)
{
	static const uint32_t matrix[][2] = {
		{ 512, 1 },  { 512, 2 },  { 512, 4 },  { 512, 8 },
		{ 1024, 1 }, { 1024, 2 }, { 1024, 4 }, { 1024, 5 },
		{ 2048, 1 }, { 2048, 2 }, { 4096, 1 },
	};
	struct amp_bench_resp r = { 0 };
	uint8_t ack[4] = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(matrix) / sizeof(matrix[0]); i++) {
		uint32_t total = matrix[i][0] * matrix[i][1];

		assert_int_equal(feed_test(&r, total, matrix[i][0], ack), 2);
		assert_int_equal(amp_bench_ack_parse(ack, 2), total);
	}
}

static void ack_parse_lengths(void **state)
{
	static const uint8_t ack[5] = { 0x78, 0x56, 0x34, 0x12, 0x99 };
	static const uint8_t max[4] = { 0xFF, 0xFF, 0xFF, 0xFF };

	(void)state;
	assert_int_equal(amp_bench_ack_parse(ack, 2), 0x5678);
	assert_int_equal(amp_bench_ack_parse(ack, 4), 0x12345678);
	assert_true(amp_bench_ack_parse(max, 4) == 0xFFFFFFFFll);
	assert_int_equal(amp_bench_ack_parse(max, 2), 0xFFFF);
	for (uint32_t len = 0; len <= 5; len++)
		if (len != 2 && len != 4)
			assert_true(amp_bench_ack_parse(ack, len) == -1);
	assert_true(amp_bench_ack_parse(ack, 0x10002) == -1);
	assert_true(amp_bench_ack_parse(NULL, 2) == -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(crc_check_value),
		cmocka_unit_test(crc_pattern_32k),
		cmocka_unit_test(crc_table_matches_bitwise),
		cmocka_unit_test(crc_chaining),
		cmocka_unit_test(hdr_write_standard),
		cmocka_unit_test(hdr_write_extended),
		cmocka_unit_test(hdr_and_ack_sizes),
		cmocka_unit_test(pattern_offsets),
		cmocka_unit_test(pattern_has_no_preamble),
		cmocka_unit_test(resp_single_message),
		cmocka_unit_test(resp_header_only),
		cmocka_unit_test(resp_split),
		cmocka_unit_test(resp_std_max),
		cmocka_unit_test(resp_extended_min),
		cmocka_unit_test(resp_extended_large),
		cmocka_unit_test(resp_extended_small_total),
		cmocka_unit_test(resp_idle_without_preamble),
		cmocka_unit_test(resp_bad_headers),
		cmocka_unit_test(resp_preamble_mid_test),
		cmocka_unit_test(resp_overshoot),
		cmocka_unit_test(resp_back_to_back),
		cmocka_unit_test(resp_seed_matrix),
		cmocka_unit_test(ack_parse_lengths),
	};

	return cmocka_run_group_tests_name("proto", tests, NULL, NULL);
}
