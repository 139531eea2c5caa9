/*
 * bench_proto.h - the seed benchmark's wire protocol and its CRC16.
 *
 * A test sends `total` bytes in one or more messages.  The first message
 * starts with a header; the payload byte at stream offset i is (i & 0xFF),
 * header bytes included in the count.  The responder latches the length
 * when idle and a message starts with the preamble, counts every byte it
 * receives, and when it has them all answers with the count.
 *
 *  standard (total <= 65535), byte-exact with the seed:
 *    u16 preamble 0xABCD | u16 length = total | u16 crc16   -> ack: u16 count
 *  extended (ampkit, total > 65535):
 *    u16 preamble 0xABCD | u16 0 | u16 crc16 | u32 total     -> ack: u32 count
 *  (length 0 cannot be a seed test: the header alone is 6 bytes)
 *
 * crc16 covers the payload after the header (the responder may ignore it).
 * All fields little-endian.
 */
#ifndef AMPKIT_BENCH_PROTO_H
#define AMPKIT_BENCH_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AMP_BENCH_PREAMBLE 0xABCDu
#define AMP_BENCH_HDR_SIZE 6u
#define AMP_BENCH_EXT_HDR_SIZE 10u
#define AMP_BENCH_STD_MAX 65535u

/* CRC16 of the seed: reflected poly 0x6001 (bit-reverse of 0x8006), init
 * 0, no final xor.  "123456789" -> 0x3D56.  Chain calls by passing the
 * previous result as crc. */
uint16_t amp_crc16(uint16_t crc, const void *data, size_t len);

/* Header size for a test of `total` bytes (6 or 10). */
static inline uint32_t amp_bench_hdr_size(uint32_t total)
{
	return total > AMP_BENCH_STD_MAX ? AMP_BENCH_EXT_HDR_SIZE
					 : AMP_BENCH_HDR_SIZE;
}

/* Ack size for a test of `total` bytes (2 or 4). */
static inline uint32_t amp_bench_ack_size(uint32_t total)
{
	return total > AMP_BENCH_STD_MAX ? 4u : 2u;
}

/* Write the header for a test of `total` bytes into out (>= 10 bytes);
 * returns its size. */
uint32_t amp_bench_hdr_write(uint8_t *out, uint32_t total, uint16_t crc);

/* Fill buf with the pattern for stream offsets [off, off+len). */
void amp_bench_pattern(uint8_t *buf, uint32_t off, uint32_t len);

/* A whole test in one buffer (the shared-buffer rows): `len` bytes of the
 * pattern from stream offset `off`, then its header with the CRC16 of the
 * bytes after it; and the check of such a buffer (its header's form and
 * total say len, its CRC16 the rest).  len >= AMP_BENCH_EXT_HDR_SIZE. */
void amp_bench_buf_fill(uint8_t *buf, uint32_t len, uint32_t off);
bool amp_bench_buf_check(const uint8_t *buf, uint32_t len);

/* Read len bytes once, a 64-bit word at a time (len a multiple of 8),
 * as a consumer of shared-buffer data would; returns their sum so the
 * reads cannot be optimised away.  Four sums, so the adds do not wait on
 * each other: it runs at the memory's pace, not one add a cycle. */
uint64_t amp_bench_read_once(const void *data, uint32_t len);

/* The responder, as the seed's firmware runs it (without the logging). */
struct amp_bench_resp {
	uint32_t expected; /* 0: idle, waiting for a header */
	uint32_t count;
	uint32_t ack_size;
};

/* Feed one received message.  Returns the ack size (2 or 4) and writes the
 * ack into ack[] when the test is complete, else 0.  A message arriving
 * while idle without a valid header is ignored (returns 0). */
uint32_t amp_bench_resp_feed(struct amp_bench_resp *r, const void *msg,
			     uint32_t len, uint8_t ack[4]);

/* Parse an ack of `len` bytes; returns the count or -1 if malformed. */
int64_t amp_bench_ack_parse(const void *ack, uint32_t len);

#endif
