/*
 * test_stm32mp15_fw.c - the stm32mp15 bench firmware as built
 * (ampkit-fw-bench-stm32mp15.elf in AMPKIT_FW_DIR): it passes the checks
 * ampkit's remoteproc applies to any firmware (core/elf.c and
 * core/rsc_table.c, the functions host/rproc.c calls), every loadable
 * segment lands in the M4 memory the DK2 device tree gives the firmware
 * (RETRAM, SRAM1+2) and none in the vdev's SRAM3, its table has the rpmsg
 * vdev with vrings fixed at vdev0vring0/1 and a trace buffer inside the
 * image, the IPCC interrupts are wired in the vector table, and its size
 * fits.  The size is printed, from the segments and from the
 * arm-none-eabi-size line the build kept.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ampkit/config.h"
#include "ampkit/elf.h"
#include "ampkit/rsc_table.h"
#include "ampkit/stm32mp15.h"
#include "ampkit/vring.h"

#define FW_FILE "ampkit-fw-bench-stm32mp15.elf"
#define SIZE_FILE "ampkit-fw-bench-stm32mp15.size"

static uint8_t *img;
static size_t img_size;
static uint8_t retram[AMP_STM32MP15_RETRAM_SIZE];
static uint8_t mcuram2[AMP_STM32MP15_MCURAM2_SIZE];
static uint64_t retram_used, mcuram2_used; /* highest byte loaded + 1 */

static char *fw_path(const char *name)
{
	const char *dir = getenv("AMPKIT_FW_DIR");
	static char path[4096];

	if (!dir)
		fail_msg("AMPKIT_FW_DIR is not set");
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

static uint8_t *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f)
		fail_msg("%s: cannot open (is arm-none-eabi-gcc installed and "
			 "the firmware_stm32mp15 project built?)",
			 path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	buf[n] = 0;
	*size = (size_t)n;
	return buf;
}

static int inside(uint64_t da, uint64_t len, uint64_t base, uint64_t size)
{
	return da >= base && da - base <= size && len <= size - (da - base);
}

/* The firmware's memory, as Linux's stm32 remoteproc maps it. */
static void *dk2_da_to_va(void *ctx, uint64_t da, uint64_t len)
{
	(void)ctx;
	if (inside(da, len, AMP_STM32MP15_RETRAM_DA,
		   AMP_STM32MP15_RETRAM_SIZE)) {
		if (da + len > retram_used)
			retram_used = da + len;
		return retram + (da - AMP_STM32MP15_RETRAM_DA);
	}
	if (inside(da, len, AMP_STM32MP15_MCURAM2_DA,
		   AMP_STM32MP15_MCURAM2_SIZE)) {
		if (da + len - AMP_STM32MP15_MCURAM2_DA > mcuram2_used)
			mcuram2_used = da + len - AMP_STM32MP15_MCURAM2_DA;
		return mcuram2 + (da - AMP_STM32MP15_MCURAM2_DA);
	}
	return NULL;
}

static int setup(void **state)
{
	(void)state;
	img = read_file(fw_path(FW_FILE), &img_size);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(img);
	return 0;
}

/* The table in the file, checked by the core's validator. */
static uint8_t *checked_table(size_t *len)
{
	struct amp_diag d = { 0 };
	size_t off;

	if (amp_elf_check(img, img_size, &d))
		fail_msg("not a valid ELF: %s (offset 0x%x)", d.msg, d.offset);
	if (amp_elf_find_section(img, img_size, AMP_RSC_SECTION, &off, len, &d))
		fail_msg("no usable %s: %s", AMP_RSC_SECTION,
			 d.msg ? d.msg : "absent");
	if (amp_rsc_table_check(img + off, *len, AMP_VQ_MAX_NUM, &d))
		fail_msg("%s refused: %s (offset 0x%x)", AMP_RSC_SECTION, d.msg,
			 d.offset);
	return img + off;
}

static void test_loads_into_dk2_memory(void **state)
{
	const struct amp_elf_mem mem = { .da_to_va = dk2_da_to_va };
	struct amp_elf_seg seg;
	struct amp_diag d = { 0 };
	uint64_t entry, table_da;
	size_t len, off;
	uint8_t *t = checked_table(&len);

	(void)state;
	off = (size_t)(t - img);
	if (amp_elf_load(img, img_size, &mem, &entry, &d))
		fail_msg("load into RETRAM + SRAM1/2 refused: %s", d.msg);
	assert_true(inside(entry, 2, AMP_STM32MP15_RETRAM_DA,
			   AMP_STM32MP15_RETRAM_SIZE));
	/* Nothing is loaded into the vdev's memory: Linux owns it. */
	for (uint32_t i = 0; !amp_elf_segment(img, img_size, i, &seg); i++)
		assert_false(seg.da + seg.memsz > AMP_STM32MP15_SHM_DA &&
			     seg.da < AMP_STM32MP15_SHM_DA +
					      AMP_STM32MP15_SHM_SIZE);
	/* The loaded table is where Linux will look for it, in SRAM1/2. */
	assert_int_equal(
		amp_elf_offset_to_da(img, img_size, off, len, &table_da), 0);
	assert_true(inside(table_da, len, AMP_STM32MP15_MCURAM2_DA,
			   AMP_STM32MP15_MCURAM2_SIZE));
}

static void test_table_is_the_dk2_variant(void **state)
{
	size_t len;
	uint8_t *t = checked_table(&len);
	struct amp_fw_rsc_vdev *v;
	struct amp_fw_rsc_trace *tr;
	const uint32_t vring_da[2] = { AMP_STM32MP15_VRING0_DA,
				       AMP_STM32MP15_VRING1_DA };

	(void)state;
	v = (struct amp_fw_rsc_vdev *)amp_rsc_find(t, AMP_RSC_VDEV, 0);
	assert_non_null(v);
	assert_int_equal(v->id, AMP_VIRTIO_ID_RPMSG);
	assert_int_equal(v->num_of_vrings, 2);
	for (uint32_t i = 0; i < 2; i++) {
		const struct amp_fw_rsc_vdev_vring *r = &v->vring[i];

		assert_int_equal(r->da, vring_da[i]);
		assert_int_equal(r->notifyid, i); /* = its IPCC channel */
		assert_true(amp_vring_size(r->num, r->align) <=
			    AMP_STM32MP15_VRING_SIZE);
		/* Linux's buffers, 2 x num of 512 B, fill vdev0buffer. */
		assert_true(2u * r->num * AMP_RPMSG_BUF_SIZE_DEFAULT <=
			    AMP_STM32MP15_VDEVBUF_SIZE);
	}
	/* Linux does not place trace buffers: a fixed da in the image, in
	 * memory the loader zero-fills, clear of the table. */
	tr = (struct amp_fw_rsc_trace *)amp_rsc_find(t, AMP_RSC_TRACE, 0);
	assert_non_null(tr);
	assert_string_equal((const char *)tr->name, "cm4_log");
	assert_int_not_equal(tr->da, AMP_FW_RSC_ADDR_ANY);
	assert_true(inside(tr->da, tr->len, AMP_STM32MP15_MCURAM2_DA,
			   AMP_STM32MP15_SHM_DA - AMP_STM32MP15_MCURAM2_DA));
	/* No 8 MiB pool: the board's SRAM is 384 KiB. */
	assert_null(amp_rsc_find(t, AMP_RSC_CARVEOUT, 0));
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void test_ipcc_vectors_wired(void **state)
{
	const struct amp_elf_mem mem = { .da_to_va = dk2_da_to_va };
	struct amp_diag d = { 0 };
	uint32_t sp, rx, tx;

	(void)state;
	assert_int_equal(amp_elf_load(img, img_size, &mem, NULL, &d), 0);
	/* The vector table at 0 (RETRAM), as the M4 boots. */
	sp = rd32(retram);
	assert_true(inside(sp - 1, 1, AMP_STM32MP15_MCURAM2_DA,
			   AMP_STM32MP15_MCURAM2_SIZE));
	rx = rd32(retram + 4 * (16 + AMP_STM32MP15_IRQ_IPCC_RX1));
	tx = rd32(retram + 4 * (16 + AMP_STM32MP15_IRQ_IPCC_TX1));
	assert_true(rx & 1);
	assert_true(tx & 1); /* Thumb */
	assert_int_not_equal(rx, tx);
	assert_true(rx < retram_used && tx < retram_used);
	/* Its neighbours are not handled. */
	assert_int_equal(rd32(retram + 4 * (16 + 102)), 0);
	assert_int_equal(rd32(retram + 4 * (16 + 105)), 0);
}

static void test_size_reported(void **state)
{
	const struct amp_elf_mem mem = { .da_to_va = dk2_da_to_va };
	struct amp_diag d = { 0 };
	size_t n;
	char *line;

	(void)state;
	retram_used = mcuram2_used = 0;
	assert_int_equal(amp_elf_load(img, img_size, &mem, NULL, &d), 0);
	line = (char *)read_file(fw_path(SIZE_FILE), &n);
	printf("stm32mp15 bench firmware (%s):\n%s", FW_FILE, line);
	printf("loaded: RETRAM %llu of %u bytes, SRAM1+2 %llu of %u bytes "
	       "(table, data, bss, stack)\n",
	       (unsigned long long)retram_used, AMP_STM32MP15_RETRAM_SIZE,
	       (unsigned long long)mcuram2_used, AMP_STM32MP15_MCURAM2_SIZE);
	assert_non_null(strstr(line, "text"));
	assert_non_null(strstr(line, FW_FILE));
	free(line);
	assert_true(retram_used > 0 && mcuram2_used > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loads_into_dk2_memory),
		cmocka_unit_test(test_table_is_the_dk2_variant),
		cmocka_unit_test(test_ipcc_vectors_wired),
		cmocka_unit_test(test_size_reported),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
