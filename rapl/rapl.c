// SPDX-License-Identifier: GPL-2.0-only
/*
 * RAPL energy counters, from one of three sources, each a driver
 * (driver.h): perf (perf.c), powercap (powercap.c) and msr (msr.c). Here:
 * open (try the sources in turn), probe, read, sum, close, and the helpers
 * the drivers share to hold their counters and read their files.
 *
 * Every counter carries its fraction of a microjoule (rapl_conv_uj), so
 * the sums are the floor of the exact energy of each counter, whatever the
 * sampling period. A domain counts only when it moves during the probe and,
 * for msr and perf, exists on every package; pkg must be among them.
 * A failed read updates nothing of its counter: prev stays, so the next
 * good read counts the gap, and the other counters count on (a gap long enough for a 32-bit counter to wrap twice, minutes at
 * full power, would be counted short).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "driver.h"
#include "log.h"
#include "rapl.h"

#define PROBE_NS	100000000ULL

/* The sources RAPL_SRC_AUTO tries, in turn. */
static const struct rapl_driver *const drivers[] = {
	&rapl_perf_driver,
	&rapl_powercap_driver,
	&rapl_msr_driver,
};

enum rapl_source rapl_source(const struct rapl *r)
{
	return r->drv ? r->drv->src : RAPL_SRC_NONE;
}

unsigned int rapl_domains(const struct rapl *r)
{
	return r->domains;
}

int rapl_packages(const struct rapl *r)
{
	return r->npkg;
}

/* File access */

const char *rapl_why(int err)
{
	if (err == -ENODATA)
		return "short read";
	if (err == -EBADMSG)
		return "not a number";
	return strerror(-err);
}

int rapl_path_fmt(char *buf, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, PATH_MAX, fmt, ap);
	va_end(ap);
	return n < 0 || n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

int rapl_read_text(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0)
		err = -errno;
	else
		buf[n] = '\0';
	close(fd);
	return err;
}

int rapl_read_line_at(const char *dir, const char *name, char *buf,
		      size_t len)
{
	char path[PATH_MAX];
	size_t n;
	int err;

	err = rapl_path_fmt(path, "%s/%s", dir, name);
	if (!err)
		err = rapl_read_text(path, buf, len);
	if (err)
		return err;
	n = strlen(buf);
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return 0;
}

/* Counters */

struct rapl_ctr *rapl_add_ctr(struct rapl *r, int fd, bool own_fd,
			      enum rapl_domain dom, const char *fmt, ...)
{
	struct rapl_ctr *ctr, *c;
	char *what;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&what, fmt, ap);
	va_end(ap);
	if (n < 0)
		goto fail;
	ctr = realloc(r->ctr, (r->nctr + 1) * sizeof(*ctr));
	if (!ctr) {
		free(what);
		goto fail;
	}
	r->ctr = ctr;
	c = &ctr[r->nctr++];
	memset(c, 0, sizeof(*c));
	c->what = what;
	c->fd = fd;
	c->own_fd = own_fd;
	c->dom = dom;
	return c;
fail:
	if (own_fd)
		close(fd);
	return NULL;
}

int rapl_add_fd(struct rapl *r, int fd)
{
	int *fds = realloc(r->fds, (r->nfds + 1) * sizeof(*fds));

	if (!fds) {
		close(fd);
		return -ENOMEM;
	}
	r->fds = fds;
	r->fds[r->nfds++] = fd;
	return 0;
}

void rapl_drop_domains(struct rapl *r, unsigned int mask)
{
	int i, j = 0;

	for (i = 0; i < r->nctr; i++) {
		struct rapl_ctr *c = &r->ctr[i];

		if (!(mask & BIT(c->dom))) {
			r->ctr[j++] = *c;
			continue;
		}
		if (c->own_fd)
			close(c->fd);
		free(c->what);
	}
	r->nctr = j;
}

/* The domains of the counters, with how many counters each has. */
static unsigned int ctr_domains(const struct rapl *r, int count[RAPL_DOMAINS])
{
	unsigned int mask = 0;

	if (count)
		memset(count, 0, RAPL_DOMAINS * sizeof(*count));
	for (int i = 0; i < r->nctr; i++) {
		mask |= BIT(r->ctr[i].dom);
		if (count)
			count[r->ctr[i].dom]++;
	}
	return mask;
}

void rapl_reset(struct rapl *r)
{
	rapl_drop_domains(r, ~0U);
	free(r->ctr);
	for (int i = 0; i < r->nfds; i++)
		close(r->fds[i]);
	free(r->fds);
	free(r->dir);
	*r = (struct rapl){
		.clock_ns = r->clock_ns,
		.clock_arg = r->clock_arg,
	};
}

void rapl_keep_complete(struct rapl *r, int npkg, const char *src)
{
	int count[RAPL_DOMAINS];
	unsigned int mask = ctr_domains(r, count), drop = 0;

	for (int d = 0; d < RAPL_DOMAINS; d++) {
		if (d == RAPL_PSYS || !(mask & BIT(d)) || count[d] == npkg)
			continue;
		log_info("rapl: %s: %s on %d of %d packages only: not counted",
			 src, rapl_domain_name(d), count[d], npkg);
		drop |= BIT(d);
	}
	rapl_drop_domains(r, drop);
}

/* Probing and reading */

/* Read every counter into its now, its error into err; the first error,
 * whose counter is *@bad. */
static int read_all(struct rapl *r, struct rapl_ctr **bad)
{
	int err = 0;

	*bad = NULL;
	for (int i = 0; i < r->nctr; i++) {
		struct rapl_ctr *c = &r->ctr[i];

		c->err = r->drv->read(c, &c->now);
		if (c->err && !err) {
			err = c->err;
			*bad = c;
		}
	}
	return err;
}

static void wait_ns(__u64 ns)
{
	struct timespec ts = {
		.tv_sec = ns / 1000000000ULL,
		.tv_nsec = ns % 1000000000ULL,
	};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Now, for the power ceiling. */
static __u64 clock_now(const struct rapl *r)
{
	struct timespec ts;

	if (r->clock_ns)
		return r->clock_ns(r->clock_arg);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Keep the domains that move over the probe interval; -ENODEV (logged)
 * when pkg does not. */
static int probe(struct rapl *r, const struct rapl_opts *o)
{
	const char *src = rapl_source_name(rapl_source(r));
	__u64 ns = o->probe_ns ? o->probe_ns : PROBE_NS;
	unsigned int moved = 0, have;
	struct rapl_ctr *bad;
	int err;

	for (int pass = 0; pass < 2; pass++) {
		if (pass && o->probe_wait)
			o->probe_wait(o->probe_arg);
		else if (pass)
			wait_ns(ns);
		err = read_all(r, &bad);
		if (err) {
			log_warn("rapl: %s: %s: %s", src, bad->what,
				 rapl_why(err));
			return -ENODEV;
		}
		if (!pass)
			for (int i = 0; i < r->nctr; i++)
				r->ctr[i].prev = r->ctr[i].now;
	}
	for (int i = 0; i < r->nctr; i++) {
		struct rapl_ctr *c = &r->ctr[i];

		if (c->now != c->prev)
			moved |= BIT(c->dom);
		c->prev = c->now;
	}
	have = ctr_domains(r, NULL);
	for (int d = 0; d < RAPL_DOMAINS; d++)
		if ((have & ~moved) & BIT(d))
			log_debug("rapl: %s: %s did not move, not counted",
				  src, rapl_domain_name(d));
	rapl_drop_domains(r, have & ~moved);
	if (!(moved & BIT(RAPL_PKG))) {
		char when[32];

		if (ns >= 1000000)
			snprintf(when, sizeof(when), "%llu ms", ns / 1000000);
		else
			snprintf(when, sizeof(when), "%llu us", ns / 1000);
		if (moved)
			log_info("rapl: %s: the package counter did not move in %s",
				 src, when);
		else
			log_info("rapl: %s: no counter moved in %s", src, when);
		return -ENODEV;
	}
	r->domains = moved;
	r->measuring = moved;
	r->last_ns = clock_now(r);
	for (int i = 0; i < r->nctr; i++)
		r->ctr[i].prev_ns = r->last_ns;
	return 0;
}

/* Set up the source of @drv and probe it; -ENODEV (logged) when it is
 * absent. */
static int try_source(struct rapl *r, const struct rapl_opts *o,
		      const struct rapl_driver *drv)
{
	int err;

	err = drv->build(r, o);
	r->drv = drv;	/* after the build: a reset on the way clears it */
	if (!err)
		err = probe(r, o);
	return err;
}

int rapl_open(struct rapl **out, const struct rapl_opts *o)
{
	static const struct rapl_opts defaults = { .want = RAPL_SRC_AUTO };
	struct rapl *r;
	int err;

	*out = NULL;
	if (!o)
		o = &defaults;
	if ((unsigned int)o->want > RAPL_SRC_AUTO)
		return -EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->clock_ns = o->clock_ns;
	r->clock_arg = o->probe_arg;
	for (unsigned int i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++) {
		if (o->want != RAPL_SRC_AUTO && o->want != drivers[i]->src)
			continue;
		err = try_source(r, o, drivers[i]);
		if (!err)
			break;
		rapl_reset(r);
		if (err == -ENOMEM)
			goto fail;
	}
	if (r->drv) {
		char doms[64] = "";

		for (int d = 0; d < RAPL_DOMAINS; d++)
			if (r->domains & BIT(d))
				snprintf(doms + strlen(doms),
					 sizeof(doms) - strlen(doms), " %s",
					 rapl_domain_name(d));
		log_info("rapl: energy from %s, %d package%s, domains%s",
			 rapl_source_name(r->drv->src), r->npkg,
			 r->npkg == 1 ? "" : "s", doms);
	} else if (o->want == RAPL_SRC_NONE) {
		log_info("rapl: energy source none, as asked");
	} else if (o->want != RAPL_SRC_AUTO) {
		log_err("rapl: %s was asked for (--energy-source) and cannot be used",
			rapl_source_name(o->want));
		err = -ENODEV;
		goto fail;
	} else {
		log_warn("rapl: no energy source (%s): energy is not measured",
			 rapl_source_name(o->want));
	}
	*out = r;
	return 0;
fail:
	free(r);
	return err;
}

/* Microjoules counter @c moved since its last reading (at c->prev_ns; a
 * counter that failed counts its whole gap), or 0 (counted, logged once
 * until a reading is taken again) when that is more than RAPL_MAX_WATTS
 * over the time. */
static __u64 ctr_uj(struct rapl *r, struct rapl_ctr *c, __u64 now_ns)
{
	__u64 rem = c->rem, uj, elapsed_ns = now_ns - c->prev_ns;

	uj = rapl_conv_uj(&c->conv, r->drv->delta(c), &rem);
	/* µJ / ns = kW: above RAPL_MAX_WATTS / 1000 of the time's µJ. */
	if (uj / RAPL_MAX_WATTS > elapsed_ns / 1000 + 1) {
		r->rejected++;
		if (!c->glitch)
			log_warn("rapl: %s: %s moved %llu uJ in %llu ns, above %d W: not counted",
				 rapl_source_name(r->drv->src), c->what, uj,
				 elapsed_ns, RAPL_MAX_WATTS);
		c->glitch = true;
		return 0;
	}
	c->glitch = false;
	c->rem = rem;
	return uj;
}

/* Failed reads between two tries to move a counter to another CPU. */
#define REBIND_EVERY	100

/* Whether a counter before @i on its descriptor failed in this read (it
 * tried the move for both). */
static bool sibling_failed(const struct rapl *r, int i)
{
	for (int j = 0; j < i; j++)
		if (r->ctr[j].fd == r->ctr[i].fd && r->ctr[j].err)
			return true;
	return false;
}

/* Count the failure of counter @i, log its first, and try a move to
 * another CPU now and then; true when it reads again. */
static bool ctr_failed(struct rapl *r, int i)
{
	const char *src = rapl_source_name(r->drv->src);
	struct rapl_ctr *c = &r->ctr[i];

	if (!c->failing)
		log_warn("rapl: %s: %s: %s", src, c->what, rapl_why(c->err));
	c->failing = true;
	if (!r->drv->rebind || c->fails++ % REBIND_EVERY ||
	    sibling_failed(r, i))
		return false;
	if (r->drv->rebind(r, c, c->fails > 1))
		return false;
	r->rebinds++;
	c->fails = 0;
	c->failing = false;
	return true;
}

int rapl_read(struct rapl *r, __u64 sum_uj[RAPL_DOMAINS])
{
	__u64 now = clock_now(r);
	const char *src = rapl_source_name(r->drv ? r->drv->src : RAPL_SRC_NONE);
	unsigned int failed = 0;
	struct rapl_ctr *bad;
	bool any = false;
	int err = 0;

	if (r->nctr)
		read_all(r, &bad);
	for (int i = 0; i < r->nctr; i++)
		if (r->ctr[i].err)
			r->errors[r->ctr[i].dom]++;
	for (int i = 0; i < r->nctr; i++) {
		struct rapl_ctr *c = &r->ctr[i];

		/* a move re-reads the counters after it: c->err is fresh */
		if (c->err && !ctr_failed(r, i)) {
			failed |= BIT(c->dom);
			if (!err)
				err = c->err;
			continue;
		}
		if (c->failing) {
			log_info("rapl: %s: %s: readable again", src, c->what);
			c->failing = false;
		}
		c->fails = 0;
		any = true;
		r->sum[c->dom] += ctr_uj(r, c, now);
		c->prev = c->now;
		c->prev_ns = now;
	}
	if (r->nctr && !any && !r->lost)
		log_warn("rapl: %s: no counter reads: energy is not measured any more",
			 src);
	else if (any && r->lost)
		log_info("rapl: %s: a counter reads again: energy is measured", src);
	r->lost = r->nctr && !any;
	r->measuring = r->domains & ~failed;
	r->last_ns = now;
	memcpy(sum_uj, r->sum, sizeof(r->sum));
	return err;
}

void rapl_health(const struct rapl *r, struct rapl_health *out)
{
	memcpy(out->errors, r->errors, sizeof(out->errors));
	out->rebinds = r->rebinds;
	out->measuring = r->measuring;
}

__u64 rapl_rejected(const struct rapl *r)
{
	return r->rejected;
}

void rapl_close(struct rapl *r)
{
	if (!r)
		return;
	rapl_reset(r);
	free(r);
}
