/*
 * rproc.c - the backend-independent remoteproc life cycle: check the
 * firmware image, lay out the shared memory, bring up the host end of
 * RPMsg, and move through Linux's states (offline -> running -> crashed
 * -> offline) while a backend (rproc_process.c) runs the firmware.
 *
 * The host is the virtio driver, as Linux is: it chooses where the vrings
 * and buffers go and writes that into its copy of the resource table, the
 * live table the firmware reads.  Nothing in the image is trusted: the
 * ELF and the table are checked before a byte of them is used, and every
 * failure leaves one line in rp->err naming the file, what and where.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ampkit/elf.h"
#include "ampkit/rsc_table.h"
#include "rproc_internal.h"

#define PAGE AMP_POSIX_PAGE
#define FW_MAX_SIZE (256u << 20) /* larger than any coprocessor image */
/* After the link reports the firmware gone, how long it may take to
 * finish exiting before it is killed. */
#define STOP_REAP_GRACE_NS 500000000ull

static const char *const state_names[] = {
	[AMP_RPROC_OFFLINE] = "offline",
	[AMP_RPROC_RUNNING] = "running",
	[AMP_RPROC_CRASHED] = "crashed",
};

const char *amp_rproc_state_name(enum amp_rproc_state s)
{
	return (unsigned)s < AMP_ARRAY_SIZE(state_names) ? state_names[s]
							 : "unknown";
}

/* The transitions Linux remoteproc makes: start, crash, stop. */
static void set_state(struct amp_rproc *rp, enum amp_rproc_state to)
{
	static const unsigned allowed[] = {
		[AMP_RPROC_OFFLINE] = 1u << AMP_RPROC_RUNNING,
		[AMP_RPROC_RUNNING] =
			1u << AMP_RPROC_OFFLINE | 1u << AMP_RPROC_CRASHED,
		[AMP_RPROC_CRASHED] = 1u << AMP_RPROC_OFFLINE,
	};

	if (!(allowed[rp->state] & 1u << to))
		abort(); /* a bug in this file, not a runtime condition */
	rp->state = to;
}

int amp_rproc_fail(struct amp_rproc *rp, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rp->err, sizeof(rp->err), fmt, ap);
	va_end(ap);
	return err;
}

void amp_rproc_cfg_default(struct amp_rproc_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	amp_rpmsg_cfg_default(&cfg->rpmsg);
	cfg->spin_ns = AMP_SPIN_NS_DEFAULT;
}

struct amp_rproc *amp_rproc_new(const char *name)
{
	struct amp_rproc *rp = calloc(1, sizeof(*rp));

	if (rp) {
		rp->state = AMP_RPROC_OFFLINE;
		rp->ops = &amp_rproc_process_ops;
		snprintf(rp->name, sizeof(rp->name), "%s",
			 name ? name : "remoteproc0");
	}
	return rp;
}

const char *amp_rproc_name(const struct amp_rproc *rp)
{
	return rp->name;
}

void amp_rproc_free(struct amp_rproc *rp)
{
	if (!rp)
		return;
	amp_rproc_stop(rp);
	free(rp);
}

enum amp_rproc_state amp_rproc_state(const struct amp_rproc *rp)
{
	return rp->state;
}

const char *amp_rproc_error(const struct amp_rproc *rp)
{
	return rp->err;
}

struct amp_rpmsg_dev *amp_rproc_rpmsg(struct amp_rproc *rp)
{
	return rp->state == AMP_RPROC_OFFLINE ? NULL : &rp->rpmsg;
}

/* ---- the firmware image ---- */

struct fw_image {
	uint8_t *data;
	size_t size;
	uint8_t *table; /* inside data */
	size_t table_size;
	uint32_t vdev_off; /* rpmsg vdev, from the table start */
};

static int read_file(struct amp_rproc *rp, const char *path,
		     struct fw_image *img)
{
	struct stat st;
	size_t got = 0;
	int fd, e;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		return amp_rproc_fail(rp, -e, "%s: cannot open: %s", path,
				      strerror(e));
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > FW_MAX_SIZE) {
		close(fd);
		return amp_rproc_fail(rp, -AMP_EINVAL,
				      "%s: not a regular file of at most %u "
				      "MiB",
				      path, FW_MAX_SIZE >> 20);
	}
	img->size = (size_t)st.st_size;
	img->data = malloc(img->size ? img->size : 1);
	if (!img->data) {
		close(fd);
		return amp_rproc_fail(rp, -AMP_ENOMEM, "%s: out of memory",
				      path);
	}
	while (got < img->size) {
		ssize_t n = read(fd, img->data + got, img->size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			e = n < 0 ? errno : EIO;
			close(fd);
			return amp_rproc_fail(rp, -e, "%s: read: %s", path,
					      n < 0 ? strerror(e)
						    : "file shrank");
		}
		got += (size_t)n;
	}
	close(fd);
	return 0;
}

static int check_image(struct amp_rproc *rp, const char *path,
		       struct fw_image *img)
{
	struct amp_diag d = { 0 };
	struct amp_fw_rsc_hdr *h;
	size_t off, len;
	int r;

	r = amp_elf_check(img->data, img->size, &d);
	if (r)
		return amp_rproc_fail(rp, r,
				      "%s: not a valid ELF image: %s "
				      "(offset 0x%x)",
				      path, d.msg ? d.msg : "?", d.offset);
	r = amp_elf_find_section(img->data, img->size, AMP_RSC_SECTION, &off,
				 &len, &d);
	if (r == -AMP_ENOENT)
		return amp_rproc_fail(rp, r, "%s: no %s section", path,
				      AMP_RSC_SECTION);
	if (r)
		return amp_rproc_fail(rp, r, "%s: %s (offset 0x%x)", path,
				      d.msg ? d.msg : "bad section table",
				      d.offset);
	img->table = img->data + off;
	img->table_size = len;
	r = amp_rsc_table_check(img->table, len, AMP_VQ_MAX_NUM, &d);
	if (r)
		return amp_rproc_fail(rp, r, "%s: %s: %s (offset 0x%x)", path,
				      AMP_RSC_SECTION, d.msg ? d.msg : "?",
				      d.offset);
	for (uint32_t n = 0; (h = amp_rsc_find(img->table, AMP_RSC_VDEV, n));
	     n++) {
		struct amp_fw_rsc_vdev *v = (struct amp_fw_rsc_vdev *)h;

		if (v->id != AMP_VIRTIO_ID_RPMSG)
			continue;
		img->vdev_off = (uint32_t)((uint8_t *)h - img->table);
		if (v->num_of_vrings < 2)
			return amp_rproc_fail(
				rp, -AMP_EINVAL,
				"%s: %s: rpmsg vdev has %u vrings, needs 2 "
				"(offset 0x%x)",
				path, AMP_RSC_SECTION, v->num_of_vrings,
				img->vdev_off);
		return 0;
	}
	return amp_rproc_fail(rp, -AMP_ENODEV, "%s: %s: no rpmsg vdev (id %u)",
			      path, AMP_RSC_SECTION, AMP_VIRTIO_ID_RPMSG);
}

/* ---- shared memory layout ---- */

struct layout {
	uint64_t size;
	uint32_t rsc_off;
	uint64_t vring_off[2];
	uint32_t vring_num[2];
	uint64_t pool_off;
	uint32_t buf_count;
};

static int plan_layout(struct amp_rproc *rp, const struct amp_rproc_cfg *cfg,
		       const struct fw_image *img, struct layout *lay)
{
	const struct amp_fw_rsc_vdev *v =
		(const void *)(img->table + img->vdev_off);
	const uint64_t base = rp->ops->pa_base, max = rp->ops->max_size;
	uint64_t end, fixed_end = 0, pool_size;
	uint32_t bs = cfg->rpmsg.buf_size, nmin;
	const char *fw = cfg->firmware;

	lay->rsc_off = PAGE;
	end = PAGE + AMP_ALIGN_UP((uint64_t)img->table_size, (uint64_t)PAGE);
	if (cfg->vring_num &&
	    (!AMP_IS_POW2(cfg->vring_num) || cfg->vring_num > AMP_VQ_MAX_NUM))
		return amp_rproc_fail(rp, -AMP_EINVAL,
				      "vring_num %u is not a power of two "
				      "<= %u",
				      cfg->vring_num, AMP_VQ_MAX_NUM);
	for (int i = 0; i < 2; i++) {
		const struct amp_fw_rsc_vdev_vring *vr = &v->vring[i];
		uint32_t num = cfg->vring_num ? cfg->vring_num : vr->num;
		uint64_t sz = amp_vring_size(num, vr->align), off;
		uint32_t at =
			img->vdev_off +
			(uint32_t)offsetof(struct amp_fw_rsc_vdev, vring) +
			(uint32_t)(i * sizeof(*vr));

		lay->vring_num[i] = num;
		lay->vring_off[i] = 0;
		if (vr->da == AMP_FW_RSC_ADDR_ANY)
			continue;
		off = (uint64_t)vr->da - base;
		/* A fixed address works only inside the window and clear of
		 * the control page, the table and the other vring. */
		if (vr->da < base || off < end || off + sz > max ||
		    vr->da % vr->align)
			return amp_rproc_fail(
				rp, -AMP_EINVAL,
				"%s: %s: vring %d da 0x%x is not usable on "
				"the %s platform: it must be %u-aligned in "
				"0x%llx..0x%llx (offset 0x%x)",
				fw, AMP_RSC_SECTION, i, vr->da, rp->ops->name,
				vr->align, (unsigned long long)(base + end),
				(unsigned long long)(base + max - 1), at);
		if (i == 1 && lay->vring_off[0] &&
		    off < lay->vring_off[0] +
				    amp_vring_size(lay->vring_num[0],
						   v->vring[0].align) &&
		    lay->vring_off[0] < off + sz)
			return amp_rproc_fail(rp, -AMP_EINVAL,
					      "%s: %s: vring 1 da 0x%x "
					      "overlaps vring 0 (offset 0x%x)",
					      fw, AMP_RSC_SECTION, vr->da, at);
		lay->vring_off[i] = off;
		if (off + sz > fixed_end)
			fixed_end = off + sz;
	}
	if (fixed_end > end)
		end = fixed_end;
	for (int i = 0; i < 2; i++) {
		uint64_t a =
			v->vring[i].align > PAGE ? v->vring[i].align : PAGE;

		if (lay->vring_off[i])
			continue;
		lay->vring_off[i] = AMP_ALIGN_UP(end, a);
		end = lay->vring_off[i] +
		      amp_vring_size(lay->vring_num[i], v->vring[i].align);
	}
	nmin = lay->vring_num[0] < lay->vring_num[1] ? lay->vring_num[0]
						     : lay->vring_num[1];
	lay->buf_count = cfg->rpmsg.buf_count ? cfg->rpmsg.buf_count : nmin;
	if (lay->buf_count > nmin)
		return amp_rproc_fail(rp, -AMP_EINVAL,
				      "rpmsg buf_count %u exceeds the vring "
				      "num %u",
				      lay->buf_count, nmin);
	if (bs <= AMP_RPMSG_HDR_SIZE || bs % 4 ||
	    bs > AMP_RPMSG_HDR_SIZE + AMP_RPMSG_MAX_PAYLOAD + 3)
		return amp_rproc_fail(rp, -AMP_EINVAL,
				      "rpmsg buf_size %u must be a multiple "
				      "of 4 in %u..%u",
				      bs, AMP_RPMSG_HDR_SIZE + 4,
				      AMP_RPMSG_HDR_SIZE +
					      AMP_RPMSG_MAX_PAYLOAD + 3);
	pool_size = 2ull * lay->buf_count * bs;
	lay->pool_off = AMP_ALIGN_UP(end, (uint64_t)PAGE);
	lay->size = AMP_ALIGN_UP(lay->pool_off + pool_size, (uint64_t)PAGE);
	if (lay->size > max)
		return amp_rproc_fail(rp, -AMP_ENOSPC,
				      "shared memory of %llu bytes exceeds the "
				      "%s platform's %llu",
				      (unsigned long long)lay->size,
				      rp->ops->name, (unsigned long long)max);
	return 0;
}

/* Write the negotiated table: the host is the virtio driver. */
static struct amp_fw_rsc_vdev *write_table(struct amp_rproc *rp,
					   const struct fw_image *img,
					   const struct layout *lay)
{
	uint8_t *live = rp->shm.va + lay->rsc_off;
	struct amp_fw_rsc_vdev *v;

	memcpy(live, img->table, img->table_size);
	v = (struct amp_fw_rsc_vdev *)(void *)(live + img->vdev_off);
	v->status = 0;
	v->gfeatures = 0;
	for (int i = 0; i < 2; i++) {
		v->vring[i].da =
			(uint32_t)(rp->ops->pa_base + lay->vring_off[i]);
		v->vring[i].num = lay->vring_num[i];
		/* Like Linux, the host assigns notify ids: the mailbox
		 * channel of vring i is i. */
		v->vring[i].notifyid = (uint32_t)i;
	}
	rp->rsc_offset = lay->rsc_off;
	rp->rsc_size = (uint32_t)img->table_size;
	return v;
}

/* ---- announced channels ---- */

static void channels_clear(struct amp_rproc *rp)
{
	while (rp->channels) {
		struct amp_rproc_channel *c = rp->channels;

		rp->channels = c->next;
		free(c);
	}
}

static struct amp_rproc_channel *channel_find(struct amp_rproc *rp,
					      const char *name, size_t n)
{
	for (struct amp_rproc_channel *c = rp->channels; c; c = c->next)
		if (!strncmp(c->name, name, n) && !c->name[n])
			return c;
	return NULL;
}

static void rproc_ns_cb(struct amp_rpmsg_dev *dev, const char *name,
			uint32_t addr, uint32_t flags)
{
	struct amp_rproc *rp = AMP_CONTAINER_OF(dev, struct amp_rproc, rpmsg);
	size_t n = strnlen(name, AMP_RPMSG_NAME_SIZE - 1);
	struct amp_rproc_channel **pp, *c;

	if (flags == AMP_RPMSG_NS_CREATE) {
		c = channel_find(rp, name, n);
		if (!c) {
			c = calloc(1, sizeof(*c));
			if (c) {
				memcpy(c->name, name, n);
				c->next = rp->channels;
				rp->channels = c;
			}
		}
		if (c)
			c->addr = addr; /* re-announced: the newest wins */
	} else if (flags == AMP_RPMSG_NS_DESTROY) {
		for (pp = &rp->channels; (c = *pp); pp = &c->next) {
			if (!strncmp(c->name, name, n) && !c->name[n] &&
			    c->addr == addr) {
				*pp = c->next;
				free(c);
				break;
			}
		}
	}
	if (rp->user_ns_cb)
		rp->user_ns_cb(dev, name, addr, flags);
}

/* ---- life cycle ---- */

static void release(struct amp_rproc *rp)
{
	channels_clear(rp);
	rp->ops->unprepare(rp);
	free(rp->firmware);
	rp->firmware = NULL;
}

int amp_rproc_start(struct amp_rproc *rp, const struct amp_rproc_cfg *cfg)
{
	struct fw_image img = { 0 };
	struct amp_rpmsg_cfg rcfg;
	struct amp_fw_rsc_vdev *vdev;
	struct layout lay = { 0 };
	int r;

	rp->err[0] = '\0';
	if (rp->state != AMP_RPROC_OFFLINE)
		return amp_rproc_fail(
			rp, -AMP_EBUSY, "%s: cannot start: already %s",
			rp->firmware, amp_rproc_state_name(rp->state));
	if (!cfg || !cfg->firmware || !*cfg->firmware)
		return amp_rproc_fail(rp, -AMP_EINVAL,
				      "no firmware path given");
	rp->firmware = strdup(cfg->firmware);
	if (!rp->firmware)
		return amp_rproc_fail(rp, -AMP_ENOMEM, "out of memory");
	rp->spin_ns = cfg->spin_ns ? cfg->spin_ns : AMP_SPIN_NS_DEFAULT;
	rp->exit_msg[0] = '\0';

	r = read_file(rp, cfg->firmware, &img);
	if (!r)
		r = check_image(rp, cfg->firmware, &img);
	if (!r)
		r = plan_layout(rp, cfg, &img, &lay);
	if (!r)
		r = rp->ops->prepare(rp, lay.size);
	if (r)
		goto fail;

	vdev = write_table(rp, &img, &lay);
	rcfg = cfg->rpmsg;
	rcfg.pool_pa = rp->ops->pa_base + lay.pool_off;
	rcfg.buf_count = lay.buf_count;
	rcfg.ns_cb = rproc_ns_cb;
	rp->user_ns_cb = cfg->rpmsg.ns_cb;
	r = amp_rpmsg_init(&rp->rpmsg, AMP_RPMSG_HOST, vdev, &rp->shm, rp->port,
			   &rcfg);
	if (r) {
		amp_rproc_fail(rp, r, "%s: rpmsg host init failed (error %d)",
			       cfg->firmware, -r);
		goto fail;
	}
	/* Rings and DRIVER_OK are in place; the doorbell is latched until
	 * the firmware first looks. */
	rp->port->ops->notify(rp->port, 0);
	r = rp->ops->start(rp);
	if (r)
		goto fail;
	free(img.data);
	set_state(rp, AMP_RPROC_RUNNING);
	return 0;
fail:
	free(img.data);
	release(rp);
	return r;
}

/* The link says the firmware is gone: reap it and say how it ended. */
static void crashed(struct amp_rproc *rp)
{
	if (rp->state != AMP_RPROC_RUNNING)
		return;
	rp->ops->stop(rp, STOP_REAP_GRACE_NS);
	set_state(rp, AMP_RPROC_CRASHED);
	amp_rproc_fail(rp, -AMP_EPIPE, "%s: %s", rp->firmware, rp->exit_msg);
}

int amp_rproc_stop(struct amp_rproc *rp)
{
	if (rp->state == AMP_RPROC_OFFLINE)
		return 0;
	rp->ops->stop(rp, 0);
	release(rp);
	set_state(rp, AMP_RPROC_OFFLINE);
	return 0;
}

int amp_rproc_wait_channel(struct amp_rproc *rp, const char *name,
			   uint32_t *addr, uint64_t timeout_ns)
{
	size_t n = strnlen(name, AMP_RPMSG_NAME_SIZE);
	uint64_t deadline;
	int r;

	if (n >= AMP_RPMSG_NAME_SIZE)
		return amp_rproc_fail(rp, -AMP_EINVAL,
				      "channel name longer than %d bytes",
				      AMP_RPMSG_NAME_SIZE - 1);
	if (rp->state == AMP_RPROC_CRASHED)
		return -AMP_EPIPE;
	if (rp->state != AMP_RPROC_RUNNING)
		return amp_rproc_fail(rp, -AMP_ENOTCONN,
				      "waiting for channel %s: not running",
				      name);
	deadline = amp_port_deadline(rp->port, timeout_ns);
	for (;;) {
		struct amp_rproc_channel *c = channel_find(rp, name, n);

		if (c) {
			if (addr)
				*addr = c->addr;
			return 0;
		}
		r = amp_rpmsg_wait(&rp->rpmsg, deadline);
		/* A firmware that lost its end of the liveness pipe (say, to
		 * a child of its own) is only seen dead by the backend. */
		if (r == -AMP_ETIMEDOUT && !rp->ops->is_alive(rp))
			r = -AMP_EPIPE;
		if (r == -AMP_ETIMEDOUT && !channel_find(rp, name, n))
			break;
		if (r == -AMP_EPIPE) {
			crashed(rp);
			return r;
		}
		if (r < 0)
			return amp_rproc_fail(rp, r,
					      "%s: waiting for channel %s: "
					      "error %d",
					      rp->firmware, name, -r);
	}
	return amp_rproc_fail(rp, -AMP_ETIMEDOUT,
			      "%s: channel %s not announced within %llu ms",
			      rp->firmware, name,
			      (unsigned long long)(timeout_ns / 1000000));
}
