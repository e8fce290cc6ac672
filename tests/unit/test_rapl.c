// SPDX-License-Identifier: GPL-2.0-only
/*
 * RAPL: the pure helpers, and every source on fixture directories (sparse
 * files standing for /dev/cpu/N/msr, a powercap tree, a perf PMU directory).
 * The log lines of rapl_open and rapl_read are captured and checked
 * (RAPL_TEST_LOG=1 prints them).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <time.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "log.h"
#include "rapl.h"
#include "unit.h"

#define ESU14		0x000A0E03ULL	/* power 1/8 W, energy 2^-14 J, time 2^-10 s */
#define ESU16		0x000A1003ULL
#define MAX_RANGE	262143328850ULL	/* 0xffffffff * 61.035 uJ, as Intel reports it */
#define D(d)		(1U << (d))

/* stderr captured into a file while rapl logs */
struct capture {
	int saved;
	int fd;
};

static bool capture_start(struct capture *c)
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

static void capture_end(struct capture *c, char *log, size_t len)
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

static int lines(const char *log)
{
	int n = 0;

	for (; *log; log++)
		n += *log == '\n';
	return n;
}

/* rapl_open with its log lines in @log (2048 bytes). */
static int t_open(struct rapl **r, const struct rapl_opts *o, char *log)
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

/* rapl_read with its log lines in @log (2048 bytes). */
static int t_read(struct rapl *r, __u64 sum[RAPL_DOMAINS], char *log)
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

/* mkdir -p @root/@rel's directories (and @rel itself when @self). */
static bool mk_dirs(const char *root, const char *rel, bool self)
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

/* Write @text to @root/@rel, creating the directories on the way. */
static bool put_file(const char *root, const char *rel, const char *text)
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

/* Write @v little-endian at offset @addr of @root/msr/@cpu/msr. */
static bool put_msr(const char *root, int cpu, __u64 addr, __u64 v)
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

/* A counter of a fixture: an MSR (zone NULL) or a powercap zone. */
struct fx_ctr {
	enum rapl_domain dom;
	int cpu;		/* msr */
	__u64 addr;		/* msr */
	const char *zone;	/* powercap: the zone directory */
	__u64 max;		/* powercap: max_energy_range_uj */
	__u64 hi;		/* msr: junk in the reserved high bits */
	__u64 val;		/* the counter now */
	__u64 total;		/* counts (uJ for powercap) added since reset */
};

struct fx {
	char dir[32];
	struct fx_ctr c[8];
	int n;
	unsigned int esu;	/* msr energy unit */
	__u64 probe_by;		/* what the probe hook adds to each counter */
};

static bool fx_write(struct fx *fx, int i)
{
	struct fx_ctr *c = &fx->c[i];
	char rel[128], text[32];

	if (!c->zone)
		return put_msr(fx->dir, c->cpu, c->addr, c->hi << 32 | c->val);
	snprintf(rel, sizeof(rel), "pc/%s/energy_uj", c->zone);
	snprintf(text, sizeof(text), "%llu\n", c->val);
	return put_file(fx->dir, rel, text);
}

static int fx_add_msr(struct fx *fx, enum rapl_domain dom, int cpu,
		      __u64 addr, __u64 val)
{
	struct fx_ctr *c = &fx->c[fx->n];

	memset(c, 0, sizeof(*c));
	c->dom = dom;
	c->cpu = cpu;
	c->addr = addr;
	c->val = val;
	return fx_write(fx, fx->n++) ? fx->n - 1 : -1;
}

static int fx_add_zone(struct fx *fx, enum rapl_domain dom, const char *zone,
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

/* Move counter @i on by @by, wrapping as the hardware does. */
static bool fx_advance(struct fx *fx, int i, __u64 by)
{
	struct fx_ctr *c = &fx->c[i];

	if (c->zone)
		c->val = (c->val + by) % (c->max + 1);
	else
		c->val = (c->val + by) & 0xffffffffULL;
	c->total += by;
	return fx_write(fx, i);
}

static void fx_probe_hook(void *arg)
{
	struct fx *fx = arg;

	for (int i = 0; i < fx->n; i++)
		fx_advance(fx, i, fx->probe_by);
}

static void fx_reset_totals(struct fx *fx)
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

static bool fx_init(struct fx *fx)
{
	memset(fx, 0, sizeof(*fx));
	strcpy(fx->dir, "/tmp/rapl-test-XXXXXX");
	return mkdtemp(fx->dir);
}

/* Options reading only the fixture: perf, powercap and msr under fx->dir. */
static void fx_opts(struct fx *fx, struct rapl_opts *o, enum rapl_source want,
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
	fx->probe_by = 1;
}

/* The sums match the fixture's, domain by domain. */
static bool sums_match(const struct fx *fx, const __u64 sum[RAPL_DOMAINS])
{
	bool ok = true;

	for (int d = 0; d < RAPL_DOMAINS; d++)
		ok &= ASSERT_EQ(sum[d], fx_expect(fx, d), rapl_domain_name(d));
	return ok;
}

/* The Intel fixture of two packages: pkg, core, dram on both, psys on 0;
 * pkg of package 0 close to its wrap with junk in the reserved bits. */
static bool fx_intel(struct fx *fx)
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

void test_rapl_names(void)
{
	static const char *const names[] = {
		"none", "perf", "powercap", "msr", "auto",
	};
	enum rapl_source s = RAPL_SRC_NONE;

	for (int i = 0; i <= RAPL_SRC_AUTO; i++) {
		ASSERT_STREQ(rapl_source_name(i), names[i], "source name");
		ASSERT_EQ(rapl_parse_source(names[i], &s), 0, names[i]);
		ASSERT_EQ(s, i, "parsed back");
	}
	s = RAPL_SRC_MSR;
	ASSERT_EQ(rapl_parse_source("rapl", &s), -EINVAL, "unknown");
	ASSERT_EQ(rapl_parse_source("", &s), -EINVAL, "empty");
	ASSERT_EQ(rapl_parse_source("msr\n", &s), -EINVAL, "newline");
	ASSERT_EQ(rapl_parse_source("MSR", &s), -EINVAL, "case");
	ASSERT_EQ(s, RAPL_SRC_MSR, "untouched on error");
	ASSERT_STREQ(rapl_source_name(7), "?", "out of range");
	ASSERT_STREQ(rapl_domain_name(RAPL_PKG), "pkg", "pkg");
	ASSERT_STREQ(rapl_domain_name(RAPL_CORE), "core", "core");
	ASSERT_STREQ(rapl_domain_name(RAPL_UNCORE), "uncore", "uncore");
	ASSERT_STREQ(rapl_domain_name(RAPL_DRAM), "dram", "dram");
	ASSERT_STREQ(rapl_domain_name(RAPL_PSYS), "psys", "psys");
	ASSERT_STREQ(rapl_domain_name(RAPL_DOMAINS), "?", "out of range");
}

/* The unit in microjoules, as a double, from a decoded unit. */
static double unit_uj(const struct rapl_conv *c)
{
	return (double)c->mul / (double)(1ULL << c->shift);
}

static bool near(double a, double b, double tol)
{
	return a - b <= tol && b - a <= tol;
}

void test_rapl_msr_unit(void)
{
	struct rapl_conv c = { 7, 7 };
	__u64 rem = 0, uj = 0;

	ASSERT_EQ(rapl_msr_unit(ESU14, &c), 0, "ESU 14");
	ASSERT_TRUE(near(unit_uj(&c), 61.035, 0.001), "61.035 uJ");
	ASSERT_EQ(rapl_msr_unit(ESU16, &c), 0, "ESU 16");
	ASSERT_TRUE(near(unit_uj(&c), 15.259, 0.001), "15.259 uJ");
	ASSERT_EQ(rapl_msr_unit(0x1f00, &c), 0, "ESU 31");
	ASSERT_TRUE(near(unit_uj(&c), 0.000466, 0.000001), "ESU 31");
	ASSERT_EQ(rapl_msr_unit(0xA0003, &c), 0, "ESU 0 is valid");
	ASSERT_TRUE(near(unit_uj(&c), 1000000, 0.001), "1 J");
	ASSERT_EQ(rapl_msr_unit(0xffffffffffffe0ffULL, &c), 0, "other bits");
	ASSERT_EQ(c.shift, 0, "only bits 12:8");
	c.shift = 9;
	ASSERT_EQ(rapl_msr_unit(0, &c), -EINVAL, "all zero is bad");
	ASSERT_EQ(c.shift, 9, "untouched on error");

	/* 1 count of 61.035 uJ at a time: the fraction is carried */
	rapl_msr_unit(ESU14, &c);
	for (int i = 0; i < 16384; i++)
		uj += rapl_conv_uj(&c, 1, &rem);
	ASSERT_EQ(uj, 1000000, "16384 counts of 2^-14 J");
	ASSERT_EQ(rem, 0, "nothing left over");
	ASSERT_EQ(rapl_conv_uj(&c, 0xffffffffULL, &rem), 262143999938ULL,
		  "a whole 32-bit counter");
}

void test_rapl_wrap(void)
{
	ASSERT_EQ(rapl_delta32(0xFFFFFF00, 0x100), 0x200, "32-bit wrap");
	ASSERT_EQ(rapl_delta32(0x100, 0x300), 0x200, "no wrap");
	ASSERT_EQ(rapl_delta32(5, 5), 0, "still");
	ASSERT_EQ(rapl_delta32(0xabcd00000010ULL, 0x1234ffffffffULL),
		  0xffffffef, "high bits ignored");
	ASSERT_EQ(rapl_delta32(0xffffffff, 0), 1, "one count over the top");

	ASSERT_EQ(rapl_delta_range(1000, 3000, MAX_RANGE), 2000, "no wrap");
	ASSERT_EQ(rapl_delta_range(MAX_RANGE - 500, 1000, MAX_RANGE), 1501,
		  "wrap: max - prev + 1 + now");
	ASSERT_EQ(rapl_delta_range(MAX_RANGE, 0, MAX_RANGE), 1,
		  "from the top to 0");
	ASSERT_EQ(rapl_delta_range(42, 42, MAX_RANGE), 0, "still");
	ASSERT_EQ(rapl_delta_range(MAX_RANGE + 10, 5, MAX_RANGE), 6,
		  "prev beyond the range");
}

void test_rapl_parse_cpulist(void)
{
	static const char *const bad[] = {
		"", "\n", "a", "-1", "0,", ",0", "0-", "3-1", "0 1", "0,,1",
		"1-2-3", "0\n\n", " 0", "+1", "99999999999",
	};
	int cpus[8] = {}, tiny[2];

	ASSERT_EQ(rapl_parse_cpulist("0", cpus, 8), 1, "one");
	ASSERT_EQ(cpus[0], 0, "cpu 0");
	ASSERT_EQ(rapl_parse_cpulist("0,8\n", cpus, 8), 2, "two");
	ASSERT_TRUE(cpus[0] == 0 && cpus[1] == 8, "0 and 8");
	ASSERT_EQ(rapl_parse_cpulist("0-3,8", cpus, 8), 5, "range");
	ASSERT_TRUE(cpus[0] == 0 && cpus[1] == 1 && cpus[2] == 2 &&
		    cpus[3] == 3 && cpus[4] == 8, "0 1 2 3 8");
	ASSERT_EQ(rapl_parse_cpulist("56-56", cpus, 8), 1, "range of one");
	ASSERT_EQ(cpus[0], 56, "56");
	ASSERT_EQ(rapl_parse_cpulist("0-2", tiny, 2), -E2BIG, "too many");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ASSERT_EQ(rapl_parse_cpulist(bad[i], cpus, 8), -EINVAL, bad[i]);
}

void test_rapl_parse_perf(void)
{
	static const char *const bad_scale[] = {
		"", "abc", "-2.3e-10", "0", "0.0", "inf", "nan", "1e-10x",
		" 1e-10", "2.3e-10\n\n",
	};
	static const char *const bad_event[] = {
		"", "event=", "event=0x", "config=0x02", "event=0x02,umask=1",
		"event=-1", "Event=0x02", "event=0x02\n\n",
	};
	struct rapl_conv c;
	__u64 config = 0, rem = 0, uj = 0;

	ASSERT_EQ(rapl_parse_perf_event("event=0x02\n", &config), 0, "hex");
	ASSERT_EQ(config, 2, "0x02");
	ASSERT_EQ(rapl_parse_perf_event("event=0x05", &config), 0, "psys");
	ASSERT_EQ(config, 5, "0x05");
	ASSERT_EQ(rapl_parse_perf_event("event=3", &config), 0, "decimal");
	ASSERT_EQ(config, 3, "3");
	for (size_t i = 0; i < sizeof(bad_event) / sizeof(bad_event[0]); i++)
		ASSERT_EQ(rapl_parse_perf_event(bad_event[i], &config), -EINVAL,
			  bad_event[i]);
	ASSERT_EQ(config, 3, "untouched on error");

	ASSERT_EQ(rapl_parse_scale("2.3283064365386962890625e-10\n", &c), 0,
		  "the kernel's 2^-32 J");
	ASSERT_EQ(rapl_conv_uj(&c, 1ULL << 32, &rem), 1000000, "2^32 counts");
	ASSERT_EQ(rem, 0, "exactly 1 J");
	ASSERT_EQ(rapl_conv_uj(&c, 1ULL << 52, &rem), 1000000ULL << 20,
		  "2^52 counts, 2^20 J");
	/* 1000 counts (0.233 uJ) at a time: nothing lost */
	for (int i = 0; i < 100000; i++)
		uj += rapl_conv_uj(&c, 1000, &rem);
	ASSERT_EQ(uj, 23283, "1e8 counts of 2^-32 J");
	ASSERT_EQ(rapl_parse_scale("1e-6", &c), 0, "1 uJ");
	ASSERT_TRUE(near(unit_uj(&c), 1, 1e-12), "1 uJ per count");
	ASSERT_EQ(rapl_parse_scale("0.5", &c), 0, "half a joule");
	rem = 0;
	ASSERT_EQ(rapl_conv_uj(&c, 3, &rem), 1500000, "3 counts");
	for (size_t i = 0; i < sizeof(bad_scale) / sizeof(bad_scale[0]); i++)
		ASSERT_EQ(rapl_parse_scale(bad_scale[i], &c), -EINVAL,
			  bad_scale[i]);
	ASSERT_EQ(rapl_parse_scale("1e30", &c), -ERANGE, "too large");
	ASSERT_EQ(rapl_parse_scale("1e-40", &c), -ERANGE, "too small");
}

void test_rapl_msr_intel(void)
{
	char perf[PATH_MAX], pc[PATH_MAX], msr[PATH_MAX], log[2048];
	__u64 sum[RAPL_DOMAINS], before;
	struct rapl_opts o;
	struct rapl *r = NULL;
	struct fx fx;

	if (!ASSERT_TRUE(fx_init(&fx), "mkdtemp"))
		return;
	if (!ASSERT_TRUE(fx_intel(&fx), "fixture"))
		goto cleanup;
	fx_opts(&fx, &o, RAPL_SRC_MSR, perf, pc, msr);
	if (!ASSERT_EQ(t_open(&r, &o, log), 0, "rapl_open"))
		goto cleanup;
	if (!ASSERT_EQ(rapl_source(r), RAPL_SRC_MSR, log))
		goto cleanup;
	ASSERT_EQ(rapl_packages(r), 2, "two packages");
	ASSERT_EQ(rapl_domains(r), D(RAPL_PKG) | D(RAPL_CORE) | D(RAPL_DRAM) |
		  D(RAPL_PSYS), "the domains written");
	ASSERT_TRUE(strstr(log, "rapl: energy from msr, 2 packages, domains pkg core dram psys"),
		    log);

	fx_reset_totals(&fx);
	ASSERT_EQ(t_read(r, sum, log), 0, "first read");
	for (int d = 0; d < RAPL_DOMAINS; d++)
		ASSERT_EQ(sum[d], 0, "nothing since rapl_open");

	/* package 0 wraps; the others move on */
	ASSERT_TRUE(fx_advance(&fx, 0, 0x300) && fx_advance(&fx, 1, 1000) &&
		    fx_advance(&fx, 2, 77) && fx_advance(&fx, 3, 5) &&
		    fx_advance(&fx, 4, 3000) && fx_advance(&fx, 5, 1) &&
		    fx_advance(&fx, 6, 0x80000001ULL), "advance");
	ASSERT_TRUE(fx.c[0].val < 0x300 && fx.c[6].val < 0x10, "wrapped");
	ASSERT_EQ(t_read(r, sum, log), 0, "read");
	sums_match(&fx, sum);
	ASSERT_EQ(sum[RAPL_PKG], (0x300ULL * 1000000 >> 14) +
		  (3000ULL * 1000000 >> 14), "pkg: both packages");
	ASSERT_EQ(sum[RAPL_UNCORE], 0, "no uncore");

	/* one count at a time: the fractions add up */
	before = sum[RAPL_PKG];
	for (int i = 0; i < 100; i++) {
		ASSERT_TRUE(fx_advance(&fx, 4, 1), "advance");
		ASSERT_EQ(t_read(r, sum, log), 0, "read");
	}
	sums_match(&fx, sum);
	ASSERT_EQ(sum[RAPL_PKG] - before, 6103, "100 counts: 6103.5 uJ");
	ASSERT_EQ(t_read(r, sum, log), 0, "read, nothing moved");
	sums_match(&fx, sum);
	ASSERT_EQ(log[0], '\0', "reads log nothing");
cleanup:
	rapl_close(r);
	test_rm_tree(fx.dir);
}

/*
 * AMD's registers are consecutive numbers, and a file's offsets are bytes:
 * 8 bytes read at 0xC001029A (core) overlap those at 0xC0010299 (unit) and
 * 0xC001029B (pkg). A sparse file behaves as a byte-addressed device, so
 * the fixture holds unit byte 0 (0x03), then the ESU byte (0x10) which is
 * also core's low byte, then pkg's 4 bytes, which are also core's bytes
 * 1-3: core = ESU byte | pkg << 8 and moves 256 counts per pkg count.
 */
static __u32 amd_core(__u32 pkg)
{
	return 0x10 | pkg << 8;
}

void test_rapl_msr_amd(void)
{
	char perf[PATH_MAX], pc[PATH_MAX], msr[PATH_MAX], log[2048];
	__u64 sum[RAPL_DOMAINS], core_counts = 0;
	struct rapl_opts o;
	struct rapl *r = NULL;
	__u32 core_prev;
	struct fx fx;

	if (!ASSERT_TRUE(fx_init(&fx), "mkdtemp"))
		return;
	fx.esu = 16;
	/* a sparse file of 3 GiB: 0x606 reads zeros, as a hole */
	if (!ASSERT_TRUE(put_msr(fx.dir, 0, 0xC0010299, ESU16) &&
			 fx_add_msr(&fx, RAPL_PKG, 0, 0xC001029B, 0x00fffff0) >= 0,
			 "fixture"))
		goto cleanup;
	fx_opts(&fx, &o, RAPL_SRC_AUTO, perf, pc, msr);
	if (!ASSERT_EQ(t_open(&r, &o, log), 0, "rapl_open"))
		goto cleanup;
	if (!ASSERT_EQ(rapl_source(r), RAPL_SRC_MSR, log))
		goto cleanup;
	ASSERT_EQ(rapl_packages(r), 1, "one package");
	ASSERT_EQ(rapl_domains(r), D(RAPL_PKG) | D(RAPL_CORE), "pkg and core");
	ASSERT_TRUE(strstr(log, "rapl: energy from msr, 1 package, domains pkg core"),
		    log);
	fx_reset_totals(&fx);
	core_prev = amd_core(fx.c[0].val);

	/* 1 J on pkg; core wraps its 32 bits */
	ASSERT_TRUE(fx_advance(&fx, 0, 65536), "advance");
	core_counts += (__u32)(amd_core(fx.c[0].val) - core_prev);
	core_prev = amd_core(fx.c[0].val);
	ASSERT_TRUE(core_prev < 0x01000000, "core wrapped");
	ASSERT_EQ(t_read(r, sum, log), 0, "read");
	ASSERT_EQ(sum[RAPL_PKG], 1000000, "65536 counts of 2^-16 J: 1 J");
	ASSERT_EQ(sum[RAPL_CORE], 256000000, "256 times as many counts");
	ASSERT_TRUE(fx_advance(&fx, 0, 3), "advance");
	core_counts += (__u32)(amd_core(fx.c[0].val) - core_prev);
	ASSERT_EQ(t_read(r, sum, log), 0, "read");
	ASSERT_EQ(sum[RAPL_PKG], 1000045, "65539 counts");
	ASSERT_EQ(sum[RAPL_CORE], core_counts * 1000000 / 65536, "core");
	ASSERT_EQ(sum[RAPL_CORE], 256011718, "core: 256.0117 J");
cleanup:
	rapl_close(r);
	test_rm_tree(fx.dir);
}

void test_rapl_powercap(void)
{
	char perf[PATH_MAX], pc[PATH_MAX], msr[PATH_MAX], log[2048];
	__u64 sum[RAPL_DOMAINS];
	struct rapl_opts o;
	struct rapl *r = NULL;
	struct fx fx;
	int pkg;

	if (!ASSERT_TRUE(fx_init(&fx), "mkdtemp"))
		return;
	pkg = fx_add_zone(&fx, RAPL_PKG, "intel-rapl:0", "package-0",
			  MAX_RANGE - 1500);
	if (!ASSERT_TRUE(pkg >= 0 &&
			 fx_add_zone(&fx, RAPL_CORE, "intel-rapl:0:0", "core", 10) >= 0 &&
			 fx_add_zone(&fx, RAPL_DRAM, "intel-rapl:0:1", "dram", 20) >= 0 &&
			 fx_add_zone(&fx, RAPL_PSYS, "intel-rapl:1", "psys", 30) >= 0 &&
			 /* the same counter again: never to be added */
			 fx_add_zone(&fx, RAPL_DOMAINS, "intel-rapl-mmio:0", "package-0", 0) >= 0 &&
			 mk_dirs(fx.dir, "pc/intel-rapl", true) &&
			 mk_dirs(fx.dir, "pc/intel-rapl:0:9", true) &&
			 put_file(fx.dir, "pc/intel-rapl:0:9/name", "mystery\n"),
			 "fixture"))
		goto cleanup;
	fx_opts(&fx, &o, RAPL_SRC_AUTO, perf, pc, msr);
	fx.probe_by = 1000;
	if (!ASSERT_EQ(t_open(&r, &o, log), 0, "rapl_open"))
		goto cleanup;
	if (!ASSERT_EQ(rapl_source(r), RAPL_SRC_POWERCAP, log))
		goto cleanup;
	ASSERT_EQ(rapl_packages(r), 1, "one package");
	ASSERT_EQ(rapl_domains(r), D(RAPL_PKG) | D(RAPL_CORE) | D(RAPL_DRAM) |
		  D(RAPL_PSYS), "pkg core dram psys");
	fx_reset_totals(&fx);
	/* the package wraps at max_energy_range_uj */
	for (int i = 0; i < fx.n; i++)
		ASSERT_TRUE(fx_advance(&fx, i, 2000 + i), "advance");
	ASSERT_TRUE(fx.c[pkg].val < 2000, "wrapped");
	ASSERT_EQ(t_read(r, sum, log), 0, "read");
	ASSERT_EQ(sum[RAPL_PKG], 2000, "across the wrap");
	ASSERT_EQ(sum[RAPL_CORE], 2001, "core");
	ASSERT_EQ(sum[RAPL_DRAM], 2002, "dram");
	ASSERT_EQ(sum[RAPL_PSYS], 2003, "psys");
	ASSERT_TRUE(fx_advance(&fx, pkg, MAX_RANGE - 10), "most of a range");
	ASSERT_EQ(t_read(r, sum, log), 0, "read");
	ASSERT_EQ(sum[RAPL_PKG], MAX_RANGE + 1990, "pkg");
	rapl_close(r);
	r = NULL;

	/* no intel-rapl package zone: the mmio one counts */
	test_rm_tree(pc);
	fx.n = 0;
	if (!ASSERT_TRUE(fx_add_zone(&fx, RAPL_PKG, "intel-rapl-mmio:0",
				     "package-0", 5) >= 0, "mmio fixture"))
		goto cleanup;
	if (!ASSERT_EQ(t_open(&r, &o, log), 0, "rapl_open"))
		goto cleanup;
	ASSERT_EQ(rapl_source(r), RAPL_SRC_POWERCAP, log);
	ASSERT_EQ(rapl_domains(r), D(RAPL_PKG), "pkg");
	ASSERT_TRUE(strstr(log, "using intel-rapl-mmio"), log);
cleanup:
	rapl_close(r);
	test_rm_tree(fx.dir);
}

/* A perf PMU directory: @type, @cpumask, and energy-pkg, energy-cores,
 * energy-ram without a scale, energy-psys in Watts. */
static bool put_perf(const char *dir, const char *type, const char *cpumask,
		     const char *pkg_event, const char *pkg_scale,
		     const char *cores_event)
{
	return put_file(dir, "perf/type", type) &&
	       put_file(dir, "perf/cpumask", cpumask) &&
	       put_file(dir, "perf/events/energy-pkg", pkg_event) &&
	       put_file(dir, "perf/events/energy-pkg.scale", pkg_scale) &&
	       put_file(dir, "perf/events/energy-pkg.unit", "Joules\n") &&
	       put_file(dir, "perf/events/energy-cores", cores_event) &&
	       put_file(dir, "perf/events/energy-cores.scale", "2.3283064365386962890625e-10\n") &&
	       put_file(dir, "perf/events/energy-ram", "event=0x03\n") &&
	       put_file(dir, "perf/events/energy-psys", "event=0x05\n") &&
	       put_file(dir, "perf/events/energy-psys.scale", "2.3283064365386962890625e-10\n") &&
	       put_file(dir, "perf/events/energy-psys.unit", "Watts\n");
}

void test_rapl_perf_fixture(void)
{
	char perf[PATH_MAX], pc[PATH_MAX], msr[PATH_MAX], log[2048];
	char path[PATH_MAX + 32];
	struct rapl_perf_info *info = calloc(1, sizeof(*info));
	__u64 sum[RAPL_DOMAINS] = { 1 }, rem = 0;
	struct rapl_opts o;
	struct rapl *r = NULL;
	struct capture cap;
	struct fx fx;

	if (!ASSERT_TRUE(info, "calloc") || !ASSERT_TRUE(fx_init(&fx), "mkdtemp")) {
		free(info);
		return;
	}
	fx_opts(&fx, &o, RAPL_SRC_PERF, perf, pc, msr);
	if (!ASSERT_TRUE(put_perf(fx.dir, "4242\n", "0,8\n", "event=0x02\n",
				  "2.3283064365386962890625e-10\n",
				  "event=0x01\n"), "fixture"))
		goto cleanup;
	if (!ASSERT_EQ(rapl_perf_scan(perf, info), 0, "scan"))
		goto cleanup;
	ASSERT_EQ(info->type, 4242, "type");
	ASSERT_EQ(info->ncpus, 2, "two packages");
	ASSERT_TRUE(info->cpus[0] == 0 && info->cpus[1] == 8, "CPUs 0 and 8");
	ASSERT_EQ(info->domains, D(RAPL_PKG) | D(RAPL_CORE),
		  "no scale, not joules: not counted");
	ASSERT_EQ(info->config[RAPL_PKG], 2, "pkg event");
	ASSERT_EQ(info->config[RAPL_CORE], 1, "cores event");
	ASSERT_EQ(rapl_conv_uj(&info->conv[RAPL_PKG], 1ULL << 32, &rem),
		  1000000, "scale");

	/* no such PMU type: perf_event_open fails, the source is absent */
	if (!ASSERT_EQ(t_open(&r, &o, log), 0, "rapl_open"))
		goto cleanup;
	ASSERT_EQ(rapl_source(r), RAPL_SRC_NONE, log);
	ASSERT_EQ(rapl_domains(r), 0, "no domain");
	ASSERT_EQ(rapl_packages(r), 0, "no package");
	ASSERT_TRUE(strstr(log, "rapl: perf: energy-pkg on CPU 0: "), log);
	ASSERT_EQ(lines(log), 2, log);	/* the cause, then "no energy source" */
	ASSERT_EQ(t_read(r, sum, log), 0, "read with no source");
	ASSERT_TRUE(!sum[0] && !sum[RAPL_PSYS], "zeros");
	rapl_close(r);
	r = NULL;

	/* malformed directories */
	if (!ASSERT_TRUE(capture_start(&cap), "capture"))
		goto cleanup;
	put_file(fx.dir, "perf/type", "power\n");
	ASSERT_EQ(rapl_perf_scan(perf, info), -EINVAL, "type not a number");
	put_file(fx.dir, "perf/type", "4242\n");
	put_file(fx.dir, "perf/cpumask", "\n");
	ASSERT_EQ(rapl_perf_scan(perf, info), -EINVAL, "empty cpumask");
	put_file(fx.dir, "perf/cpumask", "0\n");
	put_file(fx.dir, "perf/events/energy-pkg.scale", "-1\n");
	ASSERT_EQ(rapl_perf_scan(perf, info), -EINVAL, "negative scale");
	put_file(fx.dir, "perf/events/energy-pkg.scale", "2.3283064365386962890625e-10\n");
	put_file(fx.dir, "perf/events/energy-pkg", "event=0x02,umask=0x1\n");
	ASSERT_EQ(rapl_perf_scan(perf, info), -EINVAL, "unknown term");
	snprintf(path, sizeof(path), "%s/events/energy-pkg", perf);
	unlink(path);
	ASSERT_EQ(rapl_perf_scan(perf, info), -ENOENT, "no energy-pkg");
	snprintf(path, sizeof(path), "%s/type", perf);
	unlink(path);
	ASSERT_EQ(rapl_perf_scan(perf, info), -ENOENT, "no type");
	capture_end(&cap, log, sizeof(log));
	ASSERT_EQ(lines(log), 6, log);
	ASSERT_TRUE(strstr(log, "perf/type: No such file or directory"), log);
cleanup:
	rapl_close(r);
	free(info);
	test_rm_tree(fx.dir);
}

/* The whole perf path on a real counter: the software cpu-clock dressed as
 * energy-pkg, 1 ns counting 1 nJ. */
void test_rapl_perf_sw_clock(void)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_SW_CPU_CLOCK,
	};
	char perf[PATH_MAX], pc[PATH_MAX], msr[PATH_MAX], log[2048], type[16];
	struct timespec ts = { 0, 50000000 };
	__u64 sum[RAPL_DOMAINS], before;
	struct rapl_opts o;
	struct rapl *r = NULL;
	struct fx fx;
	int fd;

	fd = syscall(__NR_perf_event_open, &attr, -1, 0, -1, 0);
	if (fd < 0) {
		TEST_SKIP("no CPU-wide perf events here");
		return;
	}
	close(fd);
	if (!ASSERT_TRUE(fx_init(&fx), "mkdtemp"))
		return;
	snprintf(type, sizeof(type), "%d\n", PERF_TYPE_SOFTWARE);
	if (!ASSERT_TRUE(put_perf(fx.dir, type, "0\n", "event=0x0\n", "1e-9\n",
				  "event=0x0\n"), "fixture"))
		goto cleanup;
	fx_opts(&fx, &o, RAPL_SRC_AUTO, perf, pc, msr);
	o.probe_wait = NULL;
	if (!ASSERT_EQ(t_open(&r, &o, log), 0, "rapl_open"))
		goto cleanup;
	if (!ASSERT_EQ(rapl_source(r), RAPL_SRC_PERF, log))
		goto cleanup;
	/* the cores event counts too (2^-32 J per ns), psys in Watts not */
	ASSERT_EQ(rapl_domains(r), D(RAPL_PKG) | D(RAPL_CORE), log);
	ASSERT_EQ(rapl_packages(r), 1, "one CPU in the mask");
	ASSERT_EQ(t_read(r, sum, log), 0, "read");
	before = sum[RAPL_PKG];
	nanosleep(&ts, NULL);
	ASSERT_EQ(t_read(r, sum, log), 0, "read");
	ASSERT_NEAR(sum[RAPL_PKG] - before, 50000, 0.5, "50 ms: 50000 uJ");
cleanup:
	rapl_close(r);
	test_rm_tree(fx.dir);
}

void test_rapl_probe(void)
{
	char perf[PATH_MAX], pc[PATH_MAX], msr[PATH_MAX], log[2048];
	struct rapl_opts o;
	struct rapl *r = NULL;
	struct fx fx, only;
	int msr_pkg = -1;

	if (!ASSERT_TRUE(fx_init(&fx), "mkdtemp"))
		return;
	fx.esu = 14;
	if (!ASSERT_TRUE(fx_add_zone(&fx, RAPL_PKG, "intel-rapl:0", "package-0", 5) >= 0 &&
			 put_msr(fx.dir, 0, 0x606, ESU14) &&
			 (msr_pkg = fx_add_msr(&fx, RAPL_PKG, 0, 0x611, 1)) >= 0 &&
			 fx_add_msr(&fx, RAPL_DRAM, 0, 0x619, 1) >= 0,
			 "fixture"))
		goto cleanup;

	/* nothing moves over a real (short) wait: nothing is found */
	fx_opts(&fx, &o, RAPL_SRC_AUTO, perf, pc, msr);
	o.probe_wait = NULL;
	if (!ASSERT_EQ(t_open(&r, &o, log), 0, "rapl_open"))
		goto cleanup;
	ASSERT_EQ(rapl_source(r), RAPL_SRC_NONE, log);
	ASSERT_TRUE(strstr(log, "rapl: perf: "), log);
	ASSERT_TRUE(strstr(log, "rapl: powercap: no counter moved in 1 ms"), log);
	ASSERT_TRUE(strstr(log, "rapl: msr: no counter moved in 1 ms"), log);
	ASSERT_TRUE(strstr(log, "rapl: no energy source (auto)"), log);
	ASSERT_EQ(lines(log), 4, log);
	rapl_close(r);
	r = NULL;

	/* powercap still, the msr package moving: auto falls through to
	 * msr and keeps only the domain that moved */
	only = fx;
	only.n = 1;
	only.c[0] = fx.c[msr_pkg];
	only.probe_by = 3;
	o.probe_wait = fx_probe_hook;
	o.probe_arg = &only;
	if (!ASSERT_EQ(t_open(&r, &o, log), 0, "rapl_open"))
		goto cleanup;
	ASSERT_EQ(rapl_source(r), RAPL_SRC_MSR, log);
	ASSERT_EQ(rapl_domains(r), D(RAPL_PKG), "dram did not move");
	ASSERT_TRUE(strstr(log, "rapl: powercap: no counter moved"), log);
	rapl_close(r);
	r = NULL;

	/* only dram moves: no package counter, no source */
	only.c[0] = fx.c[msr_pkg + 1];
	fx_opts(&fx, &o, RAPL_SRC_MSR, perf, pc, msr);
	o.probe_arg = &only;
	if (!ASSERT_EQ(t_open(&r, &o, log), 0, "rapl_open"))
		goto cleanup;
	ASSERT_EQ(rapl_source(r), RAPL_SRC_NONE, log);
	ASSERT_TRUE(strstr(log, "rapl: msr: the package counter did not move"),
		    log);
cleanup:
	rapl_close(r);
	test_rm_tree(fx.dir);
}

/* rapl_open on the fixture at @fx finds nothing, logging @cause. */
static void expect_none(struct fx *fx, enum rapl_source want,
			const char *cause, const char *what)
{
	char perf[PATH_MAX], pc[PATH_MAX], msr[PATH_MAX], log[2048], w[128];
	__u64 sum[RAPL_DOMAINS] = { 9, 9, 9, 9, 9 };
	struct rapl_opts o;
	struct rapl *r = NULL;

	fx_opts(fx, &o, want, perf, pc, msr);
	fx->probe_by = 100;
	snprintf(w, sizeof(w), "%s: rapl_open", what);
	if (!ASSERT_EQ(t_open(&r, &o, log), 0, w))
		return;
	snprintf(w, sizeof(w), "%s: source none", what);
	ASSERT_EQ(rapl_source(r), RAPL_SRC_NONE, w);
	ASSERT_EQ(rapl_domains(r), 0, w);
	ASSERT_EQ(rapl_packages(r), 0, w);
	ASSERT_EQ(rapl_read(r, sum), 0, w);
	for (int d = 0; d < RAPL_DOMAINS; d++)
		ASSERT_EQ(sum[d], 0, w);
	ASSERT_TRUE(strstr(log, cause), log);
	ASSERT_EQ(lines(log), 2, log);	/* the cause, then "no energy source" */
	rapl_close(r);
}

void test_rapl_bad_fixtures(void)
{
	char path[PATH_MAX], cause[PATH_MAX + 256];
	struct fx fx;

	if (!ASSERT_TRUE(fx_init(&fx), "mkdtemp"))
		return;

	/* a file ending before the package register */
	if (!ASSERT_TRUE(put_msr(fx.dir, 0, 0x606, ESU14), "fixture"))
		goto cleanup;
	snprintf(cause, sizeof(cause),
		 "rapl: msr: %s/msr/0/msr: package energy (0x611): short read",
		 fx.dir);
	expect_none(&fx, RAPL_SRC_MSR, cause, "truncated");

	/* zero unit */
	if (!ASSERT_TRUE(put_msr(fx.dir, 0, 0x606, 0) &&
			 fx_add_msr(&fx, RAPL_PKG, 0, 0x611, 1) >= 0, "fixture"))
		goto cleanup;
	snprintf(cause, sizeof(cause),
		 "rapl: msr: %s/msr/0/msr: unit register reads 0", fx.dir);
	expect_none(&fx, RAPL_SRC_MSR, cause, "zero unit");

	/* a second package whose file cannot be read */
	if (!ASSERT_TRUE(put_msr(fx.dir, 0, 0x606, ESU14), "fixture"))
		goto cleanup;
	snprintf(path, sizeof(path), "%s/msr/1/msr", fx.dir);
	if (geteuid()) {
		if (!ASSERT_TRUE(put_msr(fx.dir, 1, 0x611, 1) &&
				 !chmod(path, 0), "chmod"))
			goto cleanup;
		snprintf(cause, sizeof(cause), "rapl: msr: %s: Permission denied",
			 path);
	} else {
		/* root reads anything: a directory fails at pread */
		if (!ASSERT_TRUE(mk_dirs(fx.dir, "msr/1/msr", true), "mkdir"))
			goto cleanup;
		snprintf(cause, sizeof(cause),
			 "rapl: msr: %s: no RAPL unit register (0x606: Is a directory, 0xc0010299: Is a directory)",
			 path);
	}
	expect_none(&fx, RAPL_SRC_MSR, cause, "unreadable");
	test_rm_tree(fx.dir);

	/* powercap: a zone without max_energy_range_uj drops the source */
	if (!ASSERT_TRUE(!mkdir(fx.dir, 0700), "mkdir"))
		return;
	fx.n = 0;
	if (!ASSERT_TRUE(fx_add_zone(&fx, RAPL_PKG, "intel-rapl:0", "package-0", 1) >= 0 &&
			 fx_add_zone(&fx, RAPL_DRAM, "intel-rapl:0:0", "dram", 1) >= 0,
			 "fixture"))
		goto cleanup;
	snprintf(path, sizeof(path), "%s/pc/intel-rapl:0:0/max_energy_range_uj",
		 fx.dir);
	unlink(path);
	expect_none(&fx, RAPL_SRC_POWERCAP,
		    "rapl: powercap: intel-rapl:0:0: no max_energy_range_uj (No such file or directory)",
		    "no max range");
	put_file(fx.dir, "pc/intel-rapl:0:0/max_energy_range_uj", "0\n");
	expect_none(&fx, RAPL_SRC_POWERCAP,
		    "rapl: powercap: intel-rapl:0:0: max_energy_range_uj '0' is not a range",
		    "zero max range");
	put_file(fx.dir, "pc/intel-rapl:0:0/max_energy_range_uj", "1000\n");
	put_file(fx.dir, "pc/intel-rapl:0/energy_uj", "12ab\n");
	snprintf(cause, sizeof(cause),
		 "rapl: powercap: %s/pc/intel-rapl:0/energy_uj: not a number",
		 fx.dir);
	expect_none(&fx, RAPL_SRC_POWERCAP, cause, "not a number");
	snprintf(path, sizeof(path), "%s/pc/intel-rapl:0/energy_uj", fx.dir);
	unlink(path);
	mk_dirs(fx.dir, "pc/intel-rapl:0/energy_uj", true);
	snprintf(cause, sizeof(cause), "rapl: powercap: %s: Is a directory",
		 path);
	expect_none(&fx, RAPL_SRC_POWERCAP, cause, "energy_uj unreadable");
	test_rm_tree(path);
	put_file(fx.dir, "pc/intel-rapl:0/energy_uj", "");
	snprintf(cause, sizeof(cause), "rapl: powercap: %s: short read", path);
	expect_none(&fx, RAPL_SRC_POWERCAP, cause, "empty energy_uj");
cleanup:
	test_rm_tree(fx.dir);
}

void test_rapl_read_error(void)
{
	char perf[PATH_MAX], pc[PATH_MAX], msr[PATH_MAX], log[2048], path[PATH_MAX];
	__u64 sum[RAPL_DOMAINS], kept[RAPL_DOMAINS];
	struct rapl_opts o;
	struct rapl *r = NULL;
	struct fx fx;

	if (!ASSERT_TRUE(fx_init(&fx), "mkdtemp"))
		return;
	if (!ASSERT_TRUE(fx_intel(&fx), "fixture"))
		goto cleanup;
	fx_opts(&fx, &o, RAPL_SRC_MSR, perf, pc, msr);
	if (!ASSERT_EQ(t_open(&r, &o, log), 0, "rapl_open") ||
	    !ASSERT_EQ(rapl_source(r), RAPL_SRC_MSR, log))
		goto cleanup;
	fx_reset_totals(&fx);
	for (int i = 0; i < fx.n; i++)
		ASSERT_TRUE(fx_advance(&fx, i, 1000 + i), "advance");
	ASSERT_EQ(t_read(r, kept, log), 0, "read");
	sums_match(&fx, kept);

	/* package 0's file loses its registers; package 1 moves on */
	snprintf(path, sizeof(path), "%s/msr/0/msr", fx.dir);
	if (!ASSERT_EQ(truncate(path, 0x610), 0, "truncate"))
		goto cleanup;
	ASSERT_TRUE(fx_advance(&fx, 4, 500), "advance");
	memset(sum, 0xff, sizeof(sum));
	ASSERT_EQ(t_read(r, sum, log), -ENODATA, "short read");
	ASSERT_TRUE(!memcmp(sum, kept, sizeof(sum)), "sums unchanged");
	ASSERT_TRUE(strstr(log, "/msr/0/msr pkg (0x611): short read"), log);
	ASSERT_EQ(lines(log), 4, log);	/* pkg, core, dram, psys of package 0 */
	ASSERT_EQ(t_read(r, sum, log), -ENODATA, "still short");
	ASSERT_EQ(log[0], '\0', "logged once");
	ASSERT_TRUE(!memcmp(sum, kept, sizeof(sum)), "sums unchanged");

	/* the file comes back, moved on: the gap is counted, nothing lost */
	for (int i = 0; i < fx.n; i++)
		ASSERT_TRUE(fx_advance(&fx, i, 7), "restore");
	ASSERT_EQ(t_read(r, sum, log), 0, "read again");
	sums_match(&fx, sum);
	ASSERT_TRUE(strstr(log, "readable again"), log);
	for (int i = 0; i < fx.n; i++)
		ASSERT_TRUE(fx_advance(&fx, i, 1), "advance");
	ASSERT_EQ(t_read(r, sum, log), 0, "read");
	sums_match(&fx, sum);
cleanup:
	rapl_close(r);
	test_rm_tree(fx.dir);
}

void test_rapl_forced_absent(void)
{
	char perf[PATH_MAX], pc[PATH_MAX], msr[PATH_MAX], log[2048];
	struct rapl_opts o;
	struct rapl *r = NULL;
	struct fx fx;

	if (!ASSERT_TRUE(fx_init(&fx), "mkdtemp"))
		return;
	if (!ASSERT_TRUE(mk_dirs(fx.dir, "msr", true), "empty msr dir"))
		goto cleanup;
	expect_none(&fx, RAPL_SRC_MSR, "/msr: no CPU with an msr device",
		    "empty msr dir");
	expect_none(&fx, RAPL_SRC_POWERCAP, "/pc: No such file or directory",
		    "no powercap dir");
	expect_none(&fx, RAPL_SRC_PERF, "/perf/type: No such file or directory",
		    "no perf dir");

	/* a good msr fixture, but not the source asked for */
	if (!ASSERT_TRUE(put_msr(fx.dir, 0, 0x606, ESU14) &&
			 fx_add_msr(&fx, RAPL_PKG, 0, 0x611, 1) >= 0, "fixture"))
		goto cleanup;
	expect_none(&fx, RAPL_SRC_POWERCAP, "/pc: No such file or directory",
		    "powercap asked");
	fx_opts(&fx, &o, RAPL_SRC_NONE, perf, pc, msr);
	if (!ASSERT_EQ(t_open(&r, &o, log), 0, "none asked"))
		goto cleanup;
	ASSERT_EQ(rapl_source(r), RAPL_SRC_NONE, log);
	ASSERT_TRUE(strstr(log, "energy source none, as asked"), log);
	rapl_close(r);
	r = NULL;
	fx_opts(&fx, &o, RAPL_SRC_MSR, perf, pc, msr);
	if (!ASSERT_EQ(t_open(&r, &o, log), 0, "msr asked"))
		goto cleanup;
	ASSERT_EQ(rapl_source(r), RAPL_SRC_MSR, log);
	rapl_close(r);
	r = NULL;
	o.want = 42;
	ASSERT_EQ(rapl_open(&r, &o), -EINVAL, "bad want");
	ASSERT_TRUE(!r, "nothing returned");
cleanup:
	rapl_close(r);
	test_rm_tree(fx.dir);
}
