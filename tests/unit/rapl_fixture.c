// SPDX-License-Identifier: GPL-2.0-only
/* The RAPL tests' fixtures (rapl_fixture.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "rapl.h"
#include "rapl_fixture.h"
#include "unit.h"

bool capture_start(struct capture *c)
{
	char path[] = "/tmp/rapl-log-XXXXXX";

	fflush(stderr);
	c->fd = mkstemp(path);
	if (c->fd < 0)
		return false;
	unlink(path);
	c->saved = dup(2);
	if (c->saved < 0 || dup2(c->fd, 2) < 0) {
		close(c->fd);
		return false;
	}
	return true;
}

void capture_end(struct capture *c, char *log, size_t len)
{
	ssize_t n;

	fflush(stderr);
	dup2(c->saved, 2);
	close(c->saved);
	n = pread(c->fd, log, len - 1, 0);
	log[n > 0 ? n : 0] = '\0';
	close(c->fd);
	if (getenv("RAPL_TEST_LOG"))	/* to read the lines */
		fputs(log, stdout);
}

int lines(const char *log)
{
	int n = 0;

	for (; *log; log++)
		n += *log == '\n';
	return n;
}

int t_open(struct rapl **r, const struct rapl_opts *o, char *log)
{
	struct capture c;
	int err;

	if (!capture_start(&c)) {
		strcpy(log, "(not captured)");
		return rapl_open(r, o);
	}
	err = rapl_open(r, o);
	capture_end(&c, log, 2048);
	return err;
}

int t_read(struct rapl *r, __u64 sum[RAPL_DOMAINS], char *log)
{
	struct capture c;
	int err;

	if (!capture_start(&c)) {
		strcpy(log, "(not captured)");
		return rapl_read(r, sum);
	}
	err = rapl_read(r, sum);
	capture_end(&c, log, 2048);
	return err;
}

bool mk_dirs(const char *root, const char *rel, bool self)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (char *p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(path, 0755) && errno != EEXIST)
			return false;
		*p = '/';
	}
	return !self || !mkdir(path, 0755) || errno == EEXIST;
}

bool put_file(const char *root, const char *rel, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	if (!mk_dirs(root, rel, false))
		return false;
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	if (!f)
		return false;
	fputs(text, f);
	return !fclose(f);
}

bool put_msr(const char *root, int cpu, __u64 addr, __u64 v)
{
	char rel[64], path[PATH_MAX];
	unsigned char b[8];
	ssize_t n;
	int fd;

	snprintf(rel, sizeof(rel), "msr/%d/msr", cpu);
	if (!mk_dirs(root, rel, false))
		return false;
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	if (fd < 0)
		return false;
	for (int i = 0; i < 8; i++)
		b[i] = v >> (8 * i);
	n = pwrite(fd, b, sizeof(b), addr);
	close(fd);
	return n == sizeof(b);
}

bool fx_write(struct fx *fx, int i)
{
	struct fx_ctr *c = &fx->c[i];
	char rel[128], text[32];

	if (!c->zone)
		return put_msr(fx->dir, c->cpu, c->addr, c->hi << 32 | c->val);
	snprintf(rel, sizeof(rel), "pc/%s/energy_uj", c->zone);
	snprintf(text, sizeof(text), "%llu\n", c->val);
	return put_file(fx->dir, rel, text);
}

int fx_add_msr(struct fx *fx, enum rapl_domain dom, int cpu, __u64 addr,
	       __u64 val)
{
	struct fx_ctr *c = &fx->c[fx->n];

	memset(c, 0, sizeof(*c));
	c->dom = dom;
	c->cpu = cpu;
	c->addr = addr;
	c->val = val;
	return fx_write(fx, fx->n++) ? fx->n - 1 : -1;
}

int fx_add_zone(struct fx *fx, enum rapl_domain dom, const char *zone,
		const char *name, __u64 val)
{
	struct fx_ctr *c = &fx->c[fx->n];
	char rel[128], text[32];

	memset(c, 0, sizeof(*c));
	c->dom = dom;
	c->zone = zone;
	c->max = MAX_RANGE;
	c->val = val;
	snprintf(rel, sizeof(rel), "pc/%s/name", zone);
	snprintf(text, sizeof(text), "%s\n", name);
	if (!put_file(fx->dir, rel, text))
		return -1;
	snprintf(rel, sizeof(rel), "pc/%s/max_energy_range_uj", zone);
	snprintf(text, sizeof(text), "%llu\n", c->max);
	if (!put_file(fx->dir, rel, text))
		return -1;
	return fx_write(fx, fx->n++) ? fx->n - 1 : -1;
}

bool fx_advance(struct fx *fx, int i, __u64 by)
{
	struct fx_ctr *c = &fx->c[i];

	if (c->zone)
		c->val = (c->val + by) % (c->max + 1);
	else
		c->val = (c->val + by) & 0xffffffffULL;
	c->total += by;
	return fx_write(fx, i);
}

void fx_probe_hook(void *arg)
{
	struct fx *fx = arg;

	for (int i = 0; i < fx->n; i++)
		fx_advance(fx, i, fx->probe_by);
}

__u64 fx_clock(void *arg)
{
	struct fx *fx = arg;

	return fx->clock_ns += fx->tick_ns;
}

void fx_reset_totals(struct fx *fx)
{
	for (int i = 0; i < fx->n; i++)
		fx->c[i].total = 0;
}

/* The sum rapl should report for @dom: per counter, the floor of its exact
 * energy (fractions are carried per counter). */
static __u64 fx_expect(const struct fx *fx, enum rapl_domain dom)
{
	__u64 sum = 0;

	for (int i = 0; i < fx->n; i++) {
		const struct fx_ctr *c = &fx->c[i];

		if (c->dom != dom)
			continue;
		sum += c->zone ? c->total : c->total * 1000000 >> fx->esu;
	}
	return sum;
}

bool fx_init(struct fx *fx)
{
	memset(fx, 0, sizeof(*fx));
	strcpy(fx->dir, "/tmp/rapl-test-XXXXXX");
	return mkdtemp(fx->dir);
}

void fx_opts(struct fx *fx, struct rapl_opts *o, enum rapl_source want,
	     char *perf, char *pc, char *msr)
{
	snprintf(perf, PATH_MAX, "%s/perf", fx->dir);
	snprintf(pc, PATH_MAX, "%s/pc", fx->dir);
	snprintf(msr, PATH_MAX, "%s/msr", fx->dir);
	memset(o, 0, sizeof(*o));
	o->want = want;
	o->perf_dir = perf;
	o->powercap_dir = pc;
	o->msr_dir = msr;
	o->probe_ns = 1000000;
	o->probe_wait = fx_probe_hook;
	o->probe_arg = fx;
	o->clock_ns = fx_clock;
	fx->probe_by = 1;
	fx->tick_ns = 3600000000000ULL;
}

bool sums_match(const struct fx *fx, const __u64 sum[RAPL_DOMAINS])
{
	bool ok = true;

	for (int d = 0; d < RAPL_DOMAINS; d++)
		ok &= ASSERT_EQ(sum[d], fx_expect(fx, d), rapl_domain_name(d));
	return ok;
}

bool fx_intel(struct fx *fx)
{
	int pkg0;

	fx->esu = 14;
	if (!put_msr(fx->dir, 0, 0x606, ESU14) ||
	    !put_msr(fx->dir, 1, 0x606, ESU14))
		return false;
	pkg0 = fx_add_msr(fx, RAPL_PKG, 0, 0x611, 0xfffffe00);
	if (pkg0 < 0)
		return false;
	fx->c[pkg0].hi = 0xabcd;
	return fx_write(fx, pkg0) &&
	       fx_add_msr(fx, RAPL_CORE, 0, 0x639, 5000) >= 0 &&
	       fx_add_msr(fx, RAPL_DRAM, 0, 0x619, 70000) >= 0 &&
	       fx_add_msr(fx, RAPL_PSYS, 0, 0x64D, 123) >= 0 &&
	       fx_add_msr(fx, RAPL_PKG, 1, 0x611, 1000000) >= 0 &&
	       fx_add_msr(fx, RAPL_CORE, 1, 0x639, 7) >= 0 &&
	       fx_add_msr(fx, RAPL_DRAM, 1, 0x619, 0x7fffffff) >= 0;
}
