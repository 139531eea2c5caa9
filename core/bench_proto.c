/*
 * bench_proto.c - the seed benchmark's wire protocol: test headers, the
 * payload pattern, the responder the firmware runs and the ack the host
 * checks.
 *
 * The responder is the seed's VIRT_UART0_RxCpltCallback without its
 * logging (the logging was what the seed really measured), extended so a
 * test can exceed the 16-bit length field.  Everything the peer sends is
 * untrusted: a header is read only from bytes that are there, and a header
 * that cannot describe a real test leaves the responder idle.
 *
 * Fields are assembled byte by byte: messages arrive at any alignment, so
 * unlike the seed the buffer is never cast to a struct.  A zeroed
 * struct amp_bench_resp is an idle responder.
 */
#include <ampkit/bench_proto.h>
#include <ampkit/compiler.h>

/* Offsets inside a header (see bench_proto.h). */
#define HDR_PREAMBLE 0u
#define HDR_LENGTH 2u
#define HDR_CRC 4u
#define HDR_EXT_TOTAL 6u

/*
 * A total that fits the 16-bit field gets the seed's 6-byte header, so an
 * unmodified seed responder can still answer it.  Larger tests put 0 in
 * that field (no seed test can be 0 bytes long: its header alone is 6) and
 * the real total after the CRC.  A total smaller than the header is written
 * as asked; the responder ignores such a header, which lets tests build
 * malformed input with the same function.
 */
uint32_t amp_bench_hdr_write(uint8_t *out, uint32_t total, uint16_t crc)
{
	amp_put_le16(out + HDR_PREAMBLE, AMP_BENCH_PREAMBLE);
	amp_put_le16(out + HDR_CRC, crc);
	if (total <= AMP_BENCH_STD_MAX) {
		amp_put_le16(out + HDR_LENGTH, (uint16_t)total);
		return AMP_BENCH_HDR_SIZE;
	}
	amp_put_le16(out + HDR_LENGTH, 0);
	amp_put_le32(out + HDR_EXT_TOTAL, total);
	return AMP_BENCH_EXT_HDR_SIZE;
}

/* The byte at stream offset i is (i & 0xFF); the uint8_t counter wraps at
 * exactly that point, so no masking per byte. */
void amp_bench_pattern(uint8_t *buf, uint32_t off, uint32_t len)
{
	uint8_t v = (uint8_t)off;

	while (len--)
		*buf++ = v++;
}

/*
 * Latch a test if msg starts with a header that describes one.  The whole
 * header must be inside this message, as it is on every transport the
 * seed used: the sender writes it first, in one piece.  Returns false,
 * leaving r idle, for anything else.
 */
static bool resp_latch(struct amp_bench_resp *r, const uint8_t *m, uint32_t len)
{
	uint32_t total, hdr, ack_size;

	if (len < AMP_BENCH_HDR_SIZE ||
	    amp_get_le16(m + HDR_PREAMBLE) != AMP_BENCH_PREAMBLE)
		return false;

	total = amp_get_le16(m + HDR_LENGTH);
	hdr = AMP_BENCH_HDR_SIZE;
	ack_size = 2;
	if (total == 0) {
		if (len < AMP_BENCH_EXT_HDR_SIZE)
			return false;
		/*
		 * An extended header is answered with a 4-byte ack even when
		 * its total would fit 16 bits: the header's shape, not the
		 * number, tells the sender which ack to wait for.
		 */
		total = amp_get_le32(m + HDR_EXT_TOTAL);
		hdr = AMP_BENCH_EXT_HDR_SIZE;
		ack_size = 4;
	}
	/* The count includes the header, so a shorter test cannot exist. */
	if (total < hdr)
		return false;

	r->expected = total;
	r->count = 0;
	r->ack_size = ack_size;
	return true;
}

/*
 * While a test runs every message counts whole, preamble or not.  The
 * seed re-read the length from any message starting with the preamble;
 * latching only when idle keeps a test's total from changing halfway.  The
 * payload pattern never holds CD AB (consecutive bytes differ by one), so
 * a preamble mid-test is the sender's bug and is simply counted.  Bytes
 * past `expected` in the final message are counted and reported rather
 * than carried into a next test: the ack then shows the sender how much
 * arrived, as far as the ack's width allows.
 */
uint32_t amp_bench_resp_feed(struct amp_bench_resp *r, const void *msg,
			     uint32_t len, uint8_t ack[4])
{
	uint32_t size, count;

	if (r->expected == 0 && !resp_latch(r, msg, len))
		return 0;

	/* Saturate rather than wrap: a wrapped count could match by chance. */
	r->count = len > UINT32_MAX - r->count ? UINT32_MAX : r->count + len;
	if (r->count < r->expected)
		return 0;

	count = r->count;
	size = r->ack_size;
	if (size == 2)
		amp_put_le16(ack, count > 0xFFFFu ? 0xFFFFu : (uint16_t)count);
	else
		amp_put_le32(ack, count);

	r->expected = 0;
	r->count = 0;
	return size;
}

/* Only the two ack sizes the responder can produce are well formed. */
int64_t amp_bench_ack_parse(const void *ack, uint32_t len)
{
	const uint8_t *p = ack;

	if (!p)
		return -1;
	if (len == 2)
		return amp_get_le16(p);
	if (len == 4)
		return amp_get_le32(p);
	return -1;
}

void amp_bench_buf_fill(uint8_t *buf, uint32_t len, uint32_t off)
{
	uint32_t hdr = amp_bench_hdr_size(len);

	amp_bench_pattern(buf, off, len);
	amp_bench_hdr_write(buf, len, amp_crc16(0, buf + hdr, len - hdr));
}

bool amp_bench_buf_check(const uint8_t *buf, uint32_t len)
{
	uint32_t total, hdr;

	if (len < AMP_BENCH_HDR_SIZE || amp_get_le16(buf) != AMP_BENCH_PREAMBLE)
		return false;
	total = amp_get_le16(buf + 2);
	if (!total && len >= AMP_BENCH_EXT_HDR_SIZE)
		total = amp_get_le32(buf + 6);
	hdr = amp_bench_hdr_size(total);
	return total == len &&
	       amp_crc16(0, buf + hdr, len - hdr) == amp_get_le16(buf + 4);
}

#if defined(__ARM_ARCH_7EM__) && defined(__thumb2__)
/* The Cortex-M4 reads 32 bytes per LDM.  From C the compiler makes an
 * LDRD and two dependent 32-bit adds of every 8 bytes, half again as
 * many instructions, and the emulated M4 (qemu-m4) pays per
 * instruction: its consumers' one pass over the data is what bounds
 * every qemu-m4 throughput row. */
static uint64_t read_blocks(const uint32_t *p, uint32_t blocks)
{
	const uint32_t *end = p + blocks * 8;
	uint32_t a = 0, b = 0;

	while (p < end)
		__asm__ volatile("ldmia %[p]!, {r4-r11}\n\t"
				 "add %[a], r4\n\tadd %[b], r5\n\t"
				 "add %[a], r6\n\tadd %[b], r7\n\t"
				 "add %[a], r8\n\tadd %[b], r9\n\t"
				 "add %[a], r10\n\tadd %[b], r11"
				 : [p] "+r"(p), [a] "+r"(a), [b] "+r"(b)
				 :
				 : "r4", "r5", "r6", "r7", "r8", "r9", "r10",
				   "r11", "memory");
	return (uint64_t)a + b;
}
#endif

uint64_t amp_bench_read_once(const void *data, uint32_t len)
{
	const uint64_t *w = data;
	uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
	uint32_t i = 0, n = len / 8;

#if defined(__ARM_ARCH_7EM__) && defined(__thumb2__)
	s0 = read_blocks(data, len / 32);
	i = len / 32 * 4;
#endif
	for (; i + 4 <= n; i += 4) {
		s0 += w[i];
		s1 += w[i + 1];
		s2 += w[i + 2];
		s3 += w[i + 3];
	}
	for (; i < n; i++)
		s0 += w[i];
	return s0 + s1 + s2 + s3;
}
