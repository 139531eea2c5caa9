/*
 * app_log.c - amp_app_log(): a small printf into the trace buffer, the
 * coprocessor's only console when no UART is wired (REFERENCE §2,
 * "cm4_log").
 *
 * Freestanding on purpose: the same object goes into the native and the
 * Cortex-M4 firmware, so no libc formatting, no heap, no locks (one
 * writer: the firmware's single thread).  The ring format is in app.h;
 * the host's reader is amp_rproc_trace().  A platform with a console
 * (the M4 boards' UART0) defines amp_app_console() and sees every line
 * too, before a trace buffer is attached and when there is none.
 */
#include <stdarg.h>
#include <stddef.h>

#include "ampkit/app.h"
#include "ampkit/compiler.h"

struct trace_hdr {
	uint32_t pos;
	uint32_t wrapped;
};

static struct trace_hdr *trace;
static uint8_t *text;
static uint32_t cap;

void amp_app_trace_attach(void *buf, uint32_t len)
{
	trace = NULL;
	if (!buf || len <= AMP_APP_TRACE_HDR)
		return;
	text = (uint8_t *)buf + AMP_APP_TRACE_HDR;
	cap = len - AMP_APP_TRACE_HDR;
	trace = buf;
	AMP_STORE(&trace->wrapped, 0);
	AMP_STORE_RELEASE(&trace->pos, 0);
}

/* One line is built here first, then copied into the ring at once, so
 * the published pos always ends a whole line. */
#define LINE_MAX 160u

struct line {
	char buf[LINE_MAX];
	uint32_t n;
};

static void put(struct line *l, char c)
{
	if (l->n < LINE_MAX - 1) /* keep room for the newline */
		l->buf[l->n++] = c;
}

static void put_num(struct line *l, unsigned long long v, unsigned base,
		    int upper, int neg, unsigned width, char pad, int left)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	unsigned n = 0, len;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	len = n + (neg ? 1u : 0u);
	if (neg && pad == '0')
		put(l, '-');
	while (!left && width > len) {
		put(l, pad);
		width--;
	}
	if (neg && pad != '0')
		put(l, '-');
	while (n)
		put(l, tmp[--n]);
	while (left && width-- > len)
		put(l, ' ');
}

static void format(struct line *l, const char *f, va_list ap)
{
	for (; *f; f++) {
		unsigned width = 0, lng = 0;
		int left = 0;
		char pad = ' ';
		unsigned long long u;
		long long s;

		if (*f != '%') {
			put(l, *f);
			continue;
		}
		if (*++f == '-') {
			left = 1;
			f++;
		}
		if (*f == '0') {
			pad = '0';
			f++;
		}
		while (*f >= '0' && *f <= '9')
			width = width * 10 + (unsigned)(*f++ - '0');
		while (*f == 'l' || *f == 'z') {
			lng += *f == 'z' ? 2 : 1;
			f++;
		}
		switch (*f) {
		case 'd':
		case 'i':
			s = lng >= 2 ? va_arg(ap, long long)
			    : lng    ? va_arg(ap, long)
				     : va_arg(ap, int);
			u = s < 0 ? 0ull - (unsigned long long)s
				  : (unsigned long long)s;
			put_num(l, u, 10, 0, s < 0, width, pad, left);
			break;
		case 'u':
		case 'x':
		case 'X':
			u = lng >= 2 ? va_arg(ap, unsigned long long)
			    : lng    ? va_arg(ap, unsigned long)
				     : va_arg(ap, unsigned int);
			put_num(l, u, *f == 'u' ? 10 : 16, *f == 'X', 0, width,
				pad, left);
			break;
		case 'p':
			put(l, '0');
			put(l, 'x');
			put_num(l, (uintptr_t)va_arg(ap, void *), 16, 0, 0,
				width, pad, left);
			break;
		case 'c':
			put(l, (char)va_arg(ap, int));
			break;
		case 's': {
			const char *str = va_arg(ap, const char *);
			unsigned n = 0;

			if (!str)
				str = "(null)";
			while (str[n])
				n++;
			while (!left && width > n && width--)
				put(l, ' ');
			for (unsigned i = 0; i < n; i++)
				put(l, str[i]);
			while (left && width > n && width--)
				put(l, ' ');
			break;
		}
		case '%':
			put(l, '%');
			break;
		case '\0':
			return;
		default: /* unknown: show it rather than guess */
			put(l, '%');
			put(l, *f);
			break;
		}
	}
}

void amp_app_log(const char *fmt, ...)
{
	struct line l;
	uint32_t pos;
	va_list ap;

	if (!trace && !amp_app_console)
		return;
	l.n = 0;
	va_start(ap, fmt);
	format(&l, fmt, ap);
	va_end(ap);
	if (!l.n || l.buf[l.n - 1] != '\n')
		l.buf[l.n++] = '\n';
	if (amp_app_console)
		amp_app_console(l.buf, l.n);
	if (!trace)
		return;
	pos = AMP_LOAD(&trace->pos);
	if (pos >= cap) /* the host may scribble; never write outside */
		pos = 0;
	for (uint32_t i = 0; i < l.n; i++) {
		text[pos++] = (uint8_t)l.buf[i];
		if (pos == cap) {
			pos = 0;
			AMP_STORE(&trace->wrapped, 1);
		}
	}
	AMP_STORE_RELEASE(&trace->pos, pos);
}
