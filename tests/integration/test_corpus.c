/*
 * test_corpus.c - the malformed firmware corpus (tests/corpus/, written by
 * mkcorpus.c) against the whole host start path: amp_rproc_start must
 * refuse every file with an error naming what is wrong (the INDEX text),
 * stay offline, release what it opened, and still start the real firmware
 * afterwards.
 *
 * The template the cases are cut from is also checked to pass every core
 * check, posix memory map included, so each case fails for the one thing
 * its generator changed.  The corpus directory is AMP_CORPUS_DIR (compile
 * time) unless AMPKIT_CORPUS_DIR overrides it; AMP_CORPUS_FW_DIR holds the
 * cases the build cut from its own firmware (mkcorpus --firmware); the
 * firmware comes from AMPKIT_FW_DIR.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <cmocka.h>

#include <ampkit/config.h>
#include <ampkit/elf.h>
#include <ampkit/posix.h>
#include <ampkit/rproc.h>
#include <ampkit/rsc_table.h>
#include "integration/proc.h"

struct corpus_entry {
	const char *dir;
	char file[128];
	char expect[160];
};

#define MAX_CASES 256

static struct corpus_entry cases[MAX_CASES];
static int ncases;
static char corpus_dir[512], fw_corpus_dir[512];
static char fw[512];

static void path_of(char *buf, size_t len, const char *dir, const char *file)
{
	int n = snprintf(buf, len, "%s/%s", dir, file);

	assert_true(n > 0 && (size_t)n < len);
}

static uint8_t *read_path(const char *path, size_t *size)
{
	uint8_t *buf;
	FILE *f;
	long n;

	f = fopen(path, "rb");
	if (!f)
		fail_msg("%s: %s", path, strerror(errno));
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	/* Exactly the file's size, so ASan sees any read past its end. */
	buf = malloc(n ? (size_t)n : 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*size = (size_t)n;
	return buf;
}

static uint8_t *read_all(const char *dir, const char *file, size_t *size)
{
	char path[700];

	path_of(path, sizeof(path), dir, file);
	return read_path(path, size);
}

/* INDEX: "FILE<TAB>TEXT" per line; '#' starts a comment line. */
static void read_index(const char *dir)
{
	char path[700], line[512];
	FILE *f;

	path_of(path, sizeof(path), dir, "INDEX");
	f = fopen(path, "r");
	if (!f)
		fail_msg("%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char *tab = strchr(line, '\t'), *nl = strchr(line, '\n');

		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (!tab || !nl || tab == line || nl == tab + 1)
			fail_msg("%s: bad line: %s", path, line);
		*tab = *nl = '\0';
		assert_true(ncases < MAX_CASES);
		assert_true(strlen(line) < sizeof(cases[0].file));
		assert_true(strlen(tab + 1) < sizeof(cases[0].expect));
		cases[ncases].dir = dir;
		strcpy(cases[ncases].file, line);
		strcpy(cases[ncases].expect, tab + 1);
		ncases++;
	}
	fclose(f);
}

/* ---- the posix platform's device memory, as the core sees it ---------- */

/* The natively built firmware runs where exec maps it (-no-pie: from
 * 0x400000) and sees the shared window at AMP_POSIX_PA_BASE; a segment
 * anywhere else has no memory to land in. */
#define IMAGE_BASE 0x400000ull
#define IMAGE_SIZE (256ull << 20)

static int inside(uint64_t da, uint64_t len, uint64_t base, uint64_t size)
{
	return da >= base && da - base <= size && len <= size - (da - base);
}

static void *posix_da_to_va(void *ctx, uint64_t da, uint64_t len)
{
	(void)ctx;
	/* check_only: any non-NULL pointer says "this is device memory". */
	if (inside(da, len, IMAGE_BASE, IMAGE_SIZE) ||
	    inside(da, len, AMP_POSIX_PA_BASE, AMP_POSIX_SHM_MAX))
		return (void *)1;
	return NULL;
}

/*
 * The core checks the host runs on a file, in its order: NULL if all
 * pass, else the first refusal's message.  The section lookup's "not
 * found" is worded as the host words it.
 */
static const char *core_verdict(const uint8_t *img, size_t size)
{
	static const struct amp_elf_mem mem = { .da_to_va = posix_da_to_va,
						.check_only = 1 };
	struct amp_diag d = { 0 };
	size_t off, len;
	int r;

	if (amp_elf_check(img, size, &d))
		return d.msg;
	r = amp_elf_find_section(img, size, AMP_RSC_SECTION, &off, &len, &d);
	if (r == -AMP_ENOENT)
		return "no .resource_table section";
	if (r)
		return d.msg;
	if (amp_elf_load(img, size, &mem, NULL, &d))
		return d.msg;
	if (amp_rsc_table_check(img + off, len, AMP_VQ_MAX_NUM, &d))
		return d.msg;
	return NULL;
}

/* ---- tests -------------------------------------------------------------- */

static void test_index_is_whole(void **state)
{
	(void)state;
	/* Issue 3 asks for at least 25 malformed files. */
	assert_true(ncases >= 30);
	for (int i = 0; i < ncases; i++) {
		size_t size;
		uint8_t *img = read_all(cases[i].dir, cases[i].file, &size);

		free(img);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(cases[i].file, cases[j].file);
	}
}

static void test_template_is_valid(void **state)
{
	size_t size;
	uint8_t *img = read_all(corpus_dir, "template.elf", &size);
	const char *why = core_verdict(img, size);

	(void)state;
	if (why)
		fail_msg("template.elf is refused: %s", why);
	free(img);
}

/* The real firmware passes the same core checks, on the same memory map,
 * so the cases cut from it fail for what mkcorpus changed. */
static void real_firmware_fits(void)
{
	size_t size;
	uint8_t *img = read_path(fw, &size);
	const char *why = core_verdict(img, size);

	if (why)
		fail_msg("%s is refused: %s", fw, why);
	free(img);
}

/* Whatever core/ refuses, it refuses with the INDEX text; what it accepts
 * is left to the host's own checks (rpmsg vdev, platform addresses). */
static void test_core_refusals(void **state)
{
	int refused = 0;

	(void)state;
	real_firmware_fits();
	for (int i = 0; i < ncases; i++) {
		size_t size;
		uint8_t *img;
		const char *why;

		img = read_all(cases[i].dir, cases[i].file, &size);
		why = core_verdict(img, size);
		if (!why) {
			printf("[ NOTE     ] %s: passes core/, host checks "
			       "\"%s\"\n",
			       cases[i].file, cases[i].expect);
		} else if (!strstr(why, cases[i].expect)) {
			fail_msg("%s: core says \"%s\", expected \"%s\"",
				 cases[i].file, why, cases[i].expect);
		} else {
			refused++;
		}
		free(img);
	}
	assert_true(refused >= 30);
}

static void test_rproc_refuses_corpus(void **state)
{
	struct amp_rproc *rp = amp_rproc_new(NULL);
	struct amp_rproc_cfg cfg;
	int fds = count_fds();
	char path[700];

	(void)state;
	assert_non_null(rp);
	for (int i = 0; i < ncases; i++) {
		const char *err;
		int r;

		path_of(path, sizeof(path), cases[i].dir, cases[i].file);
		amp_rproc_cfg_default(&cfg);
		cfg.firmware = path;
		r = amp_rproc_start(rp, &cfg);
		err = amp_rproc_error(rp);
		if (r == 0) {
			amp_rproc_stop(rp);
			fail_msg("%s: started; expected \"%s\"", cases[i].file,
				 cases[i].expect);
		}
		if (!err || !strstr(err, cases[i].expect))
			fail_msg("%s: error %d \"%s\", expected \"%s\"",
				 cases[i].file, r, err ? err : "(none)",
				 cases[i].expect);
		/* The message names the file, for the daemon's log. */
		assert_non_null(strstr(err, cases[i].file));
		assert_int_equal(amp_rproc_state(rp), AMP_RPROC_OFFLINE);
		assert_null(amp_rproc_rpmsg(rp));
	}
	/* Refusals leave nothing open and no child behind. */
	assert_int_equal(count_fds(), fds);
	errno = 0;
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);

	/* The same rproc still starts real firmware. */
	amp_rproc_cfg_default(&cfg);
	cfg.firmware = fw;
	if (amp_rproc_start(rp, &cfg))
		fail_msg("real firmware after the corpus: %s",
			 amp_rproc_error(rp));
	assert_int_equal(amp_rproc_state(rp), AMP_RPROC_RUNNING);
	assert_int_equal(amp_rproc_stop(rp), 0);
	assert_int_equal(amp_rproc_state(rp), AMP_RPROC_OFFLINE);
	amp_rproc_free(rp);
}

static int group_setup(void **state)
{
	const char *dir = getenv("AMPKIT_CORPUS_DIR");
	const char *fw_dir = getenv("AMPKIT_FW_DIR");

	(void)state;
	if (!fw_dir) {
		fprintf(stderr, "AMPKIT_FW_DIR is not set\n");
		return -1;
	}
	snprintf(corpus_dir, sizeof(corpus_dir), "%s",
		 dir ? dir : AMP_CORPUS_DIR);
	snprintf(fw, sizeof(fw), "%s/ampkit-fw-bench", fw_dir);
	snprintf(fw_corpus_dir, sizeof(fw_corpus_dir), "%s", AMP_CORPUS_FW_DIR);
	ncases = 0;
	read_index(corpus_dir);
	read_index(fw_corpus_dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_index_is_whole),
		cmocka_unit_test(test_template_is_valid),
		cmocka_unit_test(test_core_refusals),
		cmocka_unit_test(test_rproc_refuses_corpus),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
