/*
 * svg.c - the bench plot, written by hand so a run needs no plotting
 * tools: throughput (MB/s, log) against transfer size (bytes, log), one
 * series per transport and buffer size, the seed's STM32MP157 figures and
 * the memcpy floor drawn for scale.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define W 960
#define H 520
#define PL 80 /* plot area */
#define PR 660
#define PT 62
#define PB 450
#define MAX_SERIES 16
#define MAX_POINTS 64

static const char *const colors[MAX_SERIES] = {
	"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf",
	"#8c564b", "#e377c2", "#bcbd22", "#393b79", "#637939", "#8c6d31",
	"#843c39", "#7b4173", "#3182bd", "#31a354",
};

struct point {
	double x, y;
};

struct series {
	char label[64];
	const char *color;
	bool dashed;
	struct point p[MAX_POINTS];
	int n;
};

struct axis {
	double lo, hi; /* decades, log10 */
};

static void esc(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '&')
			fputs("&amp;", f);
		else if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else
			fputc(*s, f);
	}
}

static double px(const struct axis *a, double v)
{
	return PL + (log10(v) - a->lo) / (a->hi - a->lo) * (PR - PL);
}

static double py(const struct axis *a, double v)
{
	return PB - (log10(v) - a->lo) / (a->hi - a->lo) * (PB - PT);
}

static void add_point(struct series *s, double x, double y)
{
	if (s->n < MAX_POINTS && x > 0 && y > 0 && isfinite(y))
		s->p[s->n++] = (struct point){ x, y };
}

static int cmp_point(const void *a, const void *b)
{
	const struct point *p = a, *q = b;

	if (p->x != q->x)
		return p->x < q->x ? -1 : 1;
	return (p->y < q->y) - (p->y > q->y); /* best first */
}

/* The shared-buffer rows and the direct ones beside them stream many
 * transfers: their size is one buffer's (one transfer's), the axis what
 * one hand-over carries. */
static bool per_transfer(const struct amp_bench_result *r)
{
	return !strcmp(r->mode, "sdb") || !strcmp(r->mode, "sdb-daemon") ||
	       !strcmp(r->mode, "copy") || !strcmp(r->mode, "zerocopy");
}

static void series_label(char *buf, size_t len,
			 const struct amp_bench_result *r)
{
	const char *name = strcmp(r->mode, "raw") ? r->mode : "raw RPMsg";
	size_t n = 0;

	/* Rows of another platform are series of their own. */
	if (r->platform && strcmp(r->platform, "posix")) {
		n = (size_t)snprintf(buf, len, "%s: ", r->platform);
		if (n >= len)
			return;
		buf += n;
		len -= n;
	}
	if (per_transfer(r))
		snprintf(buf, len, "%s to %s",
			 !strcmp(r->mode, "sdb")	  ? "shared buffers"
			 : !strcmp(r->mode, "sdb-daemon") ? "daemon's sdb"
			 : !strcmp(r->mode, "copy")	  ? "RPMsg copies"
							  : "RPMsg zero-copy",
			 strcmp(r->matrix, "h2r") ? "host" : "firmware");
	else if (!strcmp(r->mode, "tty"))
		snprintf(buf, len, "tty, one write per block");
	else if (!strcmp(r->mode, "ptypair"))
		snprintf(buf, len, "pty pair (kernel baseline)");
	else if (r->vring_num == 0)
		snprintf(buf, len, "%s, %u B messages", name, r->msg_max);
	else if (r->buf_size % 1024 == 0)
		snprintf(buf, len, "%s, %u KiB buffers", name,
			 r->buf_size / 1024);
	else
		snprintf(buf, len, "%s, %u B buffers", name, r->buf_size);
}

/* Group the throughput rows by what was measured (ping-pong and the life
 * cycle are latencies, not throughput, and stay out). */
static int collect(const struct amp_bench_report *r, struct series *s)
{
	char label[64];
	bool seed = false;
	size_t i, k;
	int n = 0, j;

	for (i = 0; i < r->n; i++) {
		const struct amp_bench_result *p = &r->res[i];

		if (!p->ok || !p->st.median_ns || !p->total ||
		    !strcmp(p->matrix, "pingpong"))
			continue;
		seed = seed || !strcmp(p->matrix, "seed");
		series_label(label, sizeof(label), p);
		for (j = 0; j < n && strcmp(s[j].label, label); j++)
			;
		if (j == n) {
			if (n == MAX_SERIES - 1)
				continue;
			memset(&s[n], 0, sizeof(s[n]));
			snprintf(s[n].label, sizeof(s[n].label), "%s", label);
			s[n].color = colors[n];
			n++;
		}
		add_point(&s[j],
			  (double)(per_transfer(p) ? p->block : p->total),
			  p->bytes_per_s / 1e6);
	}
	if (seed) {
		memset(&s[n], 0, sizeof(s[n]));
		snprintf(s[n].label, sizeof(s[n].label),
			 "seed: STM32MP157, tty");
		s[n].color = "#7f7f7f";
		s[n].dashed = true;
		for (k = 512; k <= 4096; k *= 2) {
			uint32_t b;

			for (b = 1; b <= 8; b++) {
				double ms = amp_bench_seed_ms((uint32_t)k, b);

				if (ms > 0)
					add_point(&s[n], (double)k * b,
						  k * b / (ms * 1e-3) / 1e6);
			}
		}
		n++;
	}
	for (j = 0; j < n; j++)
		qsort(s[j].p, (size_t)s[j].n, sizeof(s[j].p[0]), cmp_point);
	return n;
}

static void fmt_bytes(char *buf, size_t len, int decade)
{
	static const char *const unit[] = { "B", "kB", "MB", "GB" };
	int u = decade / 3;

	if (decade < 0 || u > 3)
		snprintf(buf, len, "1e%d", decade);
	else
		snprintf(buf, len, "%.0f %s", pow(10, decade % 3), unit[u]);
}

static void fmt_rate(char *buf, size_t len, int decade)
{
	snprintf(buf, len, "%.*f", decade < 0 ? -decade : 0, pow(10, decade));
}

static void draw_axes(FILE *f, const struct axis *xa, const struct axis *ya)
{
	char label[32];
	double v, x, y;
	int d, m;

	for (d = (int)xa->lo; d <= (int)xa->hi; d++) {
		for (m = 1; m < 10 && d + log10(m) <= xa->hi; m++) {
			x = px(xa, m * pow(10, d));
			fprintf(f,
				"<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" "
				"y2=\"%d\" stroke=\"%s\"/>\n",
				x, PT, x, PB, m == 1 ? "#c8c8c8" : "#eeeeee");
		}
		fmt_bytes(label, sizeof(label), d);
		fprintf(f,
			"<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">"
			"%s</text>\n",
			px(xa, pow(10, d)), PB + 18, label);
	}
	for (d = (int)ya->lo; d <= (int)ya->hi; d++) {
		for (m = 1; m < 10 && d + log10(m) <= ya->hi; m++) {
			v = m * pow(10, d);
			y = py(ya, v);
			fprintf(f,
				"<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" "
				"y2=\"%.1f\" stroke=\"%s\"/>\n",
				PL, y, PR, y, m == 1 ? "#c8c8c8" : "#eeeeee");
		}
		fmt_rate(label, sizeof(label), d);
		fprintf(f,
			"<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s"
			"</text>\n",
			PL - 8, py(ya, pow(10, d)) + 4, label);
	}
	fprintf(f,
		"<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
		"fill=\"none\" stroke=\"#444444\"/>\n",
		PL, PT, PR - PL, PB - PT);
	fprintf(f,
		"<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">transfer size "
		"per test (bytes, log scale)</text>\n",
		(PL + PR) / 2, PB + 42);
	fprintf(f,
		"<text transform=\"translate(24 %d) rotate(-90)\" "
		"text-anchor=\"middle\">throughput (MB/s, log scale)</text>\n",
		(PT + PB) / 2);
}

static void draw_series(FILE *f, const struct series *s, int idx,
			const struct axis *xa, const struct axis *ya)
{
	double last = -1;
	int i, ly = PT + 10 + idx * 22;

	/* The line joins the best point of each size; every measured
	 * point still gets its marker. */
	fprintf(f,
		"<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s "
		"points=\"",
		s->color, s->dashed ? " stroke-dasharray=\"6 4\"" : "");
	for (i = 0; i < s->n; i++) {
		if (s->p[i].x == last)
			continue;
		last = s->p[i].x;
		fprintf(f, "%s%.1f,%.1f", i ? " " : "", px(xa, s->p[i].x),
			py(ya, s->p[i].y));
	}
	fprintf(f, "\"/>\n");
	for (i = 0; i < s->n; i++)
		fprintf(f,
			"<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" "
			"fill=\"%s\"/>\n",
			px(xa, s->p[i].x), py(ya, s->p[i].y), s->color);

	fprintf(f,
		"<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
		"stroke-width=\"2\"%s/>\n"
		"<circle cx=\"%d\" cy=\"%d\" r=\"3.5\" fill=\"%s\"/>\n",
		PR + 16, ly, PR + 40, ly, s->color,
		s->dashed ? " stroke-dasharray=\"6 4\"" : "", PR + 28, ly,
		s->color);
	fprintf(f, "<text x=\"%d\" y=\"%d\">", PR + 48, ly + 4);
	esc(f, s->label);
	fprintf(f, "</text>\n");
}

int amp_bench_write_svg(FILE *f, const struct amp_bench_report *r)
{
	struct series *s;
	struct axis xa = { 1e300, -1e300 }, ya = { 1e300, -1e300 };
	double memcpy_mbs = r->have_floors ? r->floors.memcpy_gbps * 1e3 : 0;
	int n, i, j;

	s = calloc(MAX_SERIES, sizeof(*s));
	if (!s)
		return -1;
	n = collect(r, s);
	for (i = 0; i < n; i++) {
		for (j = 0; j < s[i].n; j++) {
			xa.lo = fmin(xa.lo, log10(s[i].p[j].x));
			xa.hi = fmax(xa.hi, log10(s[i].p[j].x));
			ya.lo = fmin(ya.lo, log10(s[i].p[j].y));
			ya.hi = fmax(ya.hi, log10(s[i].p[j].y));
		}
	}
	if (memcpy_mbs > 0) {
		ya.lo = fmin(ya.lo, log10(memcpy_mbs));
		ya.hi = fmax(ya.hi, log10(memcpy_mbs));
	}
	if (xa.lo > xa.hi) { /* nothing to plot: an empty, labelled frame */
		xa = (struct axis){ 2, 7 };
		ya = (struct axis){ -2, 4 };
	}
	xa.lo = floor(xa.lo);
	xa.hi = fmax(ceil(xa.hi), xa.lo + 1);
	/* Headroom, so a point or the memcpy line never sits on the frame. */
	ya.lo = floor(ya.lo - 0.1);
	ya.hi = fmax(ceil(ya.hi + 0.1), ya.lo + 1);

	fprintf(f,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
		"height=\"%d\" viewBox=\"0 0 %d %d\" "
		"font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" "
		"font-size=\"12\">\n"
		"<title>ampkit bench: throughput vs transfer size</title>\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
		"<text x=\"%d\" y=\"26\" font-size=\"17\" "
		"font-weight=\"bold\">ampkit bench: throughput vs transfer "
		"size</text>\n<text x=\"%d\" y=\"46\" fill=\"#555555\">",
		W, H, W, H, PL, PL);
	esc(f, r->machine.cpu);
	fprintf(f, ", %ld cpus; median of repetitions</text>\n",
		r->machine.cpus);
	draw_axes(f, &xa, &ya);
	if (memcpy_mbs > 0) {
		fprintf(f,
			"<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
			"stroke=\"#b22222\" stroke-dasharray=\"2 3\"/>\n"
			"<text x=\"%d\" y=\"%.1f\" "
			"fill=\"#b22222\">memcpy %.1f GB/s (floor)</text>\n",
			PL, py(&ya, memcpy_mbs), PR, py(&ya, memcpy_mbs),
			PL + 6, py(&ya, memcpy_mbs) - 5, r->floors.memcpy_gbps);
	}
	for (i = 0; i < n; i++)
		draw_series(f, &s[i], i, &xa, &ya);
	fprintf(f, "</svg>\n");
	free(s);
	return ferror(f) ? -1 : 0;
}
