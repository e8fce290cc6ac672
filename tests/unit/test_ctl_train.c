// SPDX-License-Identifier: GPL-2.0-only
/*
 * energyctl train as a command: files written in a scratch directory, the
 * subcommand run with its argv, its output and exit status checked, and
 * what it leaves in the directory.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <unistd.h>
#include <sys/stat.h>

#include "ctl.h"
#include "model.h"
#include "params.h"
#include "unit.h"

struct scratch {
	char dir[64];
	char out[1 << 16], err[1 << 16];	/* what the last run printed */
};

static bool scratch_make(struct scratch *s)
{
	snprintf(s->dir, sizeof(s->dir), "/tmp/energyd-unit-train-XXXXXX");
	return mkdtemp(s->dir) != NULL;
}

static void path(const struct scratch *s, const char *name, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s", s->dir, name);
}

static bool put(const struct scratch *s, const char *name, const char *text)
{
	char p[128];
	FILE *f;
	bool ok;

	path(s, name, p, sizeof(p));
	f = fopen(p, "w");
	if (!f)
		return false;
	ok = fputs(text, f) >= 0;
	return !fclose(f) && ok;
}

/* The file's text, or NULL. Free it. */
static char *get(const struct scratch *s, const char *name)
{
	char p[128], *t = NULL;
	size_t n = 0;
	FILE *f;

	path(s, name, p, sizeof(p));
	f = fopen(p, "r");
	if (!f)
		return NULL;
	if (getdelim(&t, &n, '\0', f) < 0) {
		free(t);
		t = NULL;
	}
	fclose(f);
	return t;
}

/* How many entries the directory holds. */
static int entries(const struct scratch *s)
{
	DIR *d = opendir(s->dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

static void slurp(int fd, char *buf, size_t size)
{
	ssize_t n = pread(fd, buf, size - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
}

/* Run "energyctl train ARGS..." (NULL-terminated, "@x" for the scratch
 * path of x); its stdout and stderr go to s->out and s->err. */
static int run(struct scratch *s, ...)
{
	char *argv[16], store[16][128];
	int argc = 0, ret, fo, fe, so, se;
	const char *a;
	va_list ap;

	argv[argc++] = "train";
	va_start(ap, s);
	while ((a = va_arg(ap, const char *)) && argc < 15) {
		if (a[0] == '@')
			path(s, a + 1, store[argc], sizeof(store[argc]));
		else
			snprintf(store[argc], sizeof(store[argc]), "%s", a);
		argv[argc] = store[argc];
		argc++;
	}
	va_end(ap);
	argv[argc] = NULL;

	fflush(stdout);
	fflush(stderr);
	fo = open(s->dir, O_TMPFILE | O_RDWR, 0600);
	fe = open(s->dir, O_TMPFILE | O_RDWR, 0600);
	so = dup(STDOUT_FILENO);
	se = dup(STDERR_FILENO);
	if (fo < 0 || fe < 0 || so < 0 || se < 0)
		return -1;
	dup2(fo, STDOUT_FILENO);
	dup2(fe, STDERR_FILENO);
	ret = ctl_train(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(so, STDOUT_FILENO);
	dup2(se, STDERR_FILENO);
	close(so);
	close(se);
	slurp(fo, s->out, sizeof(s->out));
	slurp(fe, s->err, sizeof(s->err));
	close(fo);
	close(fe);
	return ret;
}

/* The original's sys dump, @n blocks 0.1 s apart: 2 W idle and 5 nJ per
 * ns of CPU time on rapl_core_sum_uj (psys there, but 0), the block at
 * @torn (if any) cut in its *system* line as a torn read leaves it. */
static char *make_log(int n, int torn, bool moving)
{
	__u64 ts = 50000000000ULL, cpu = 1000000000, core = 12345678, wak = 100;
	__u64 s = 5;
	size_t len = 0, cap = n * 400 + 64;
	char *t = malloc(cap);

	if (!t)
		return NULL;
	for (int i = 0; i < n; i++) {
		__u64 dt = 100000000 + i % 7 * 3000000, dcpu;

		s = s * 6364136223846793005ULL + 1442695040888963407ULL;
		dcpu = (s >> 33) % 150000000;
		ts += dt;
		cpu += dcpu;
		wak += (s >> 20) % 50;
		if (moving)
			core += (2000 * dt + 5000 * dcpu) / 1000000;
		len += snprintf(t + len, cap - len,
				"timestamp=%llu\niterations=%d\nsample_ns=100000000\nwindow_ns=1000000000\n"
				"rapl_core_sum_uj=%llu\nrapl_psys_sum_uj=0\n", ts, i, core);
		if (i == torn)
			len += snprintf(t + len, cap - len,
					"pid=0 energy=12.000 alive=1 kernel=1 cpu_ns=%llu mem=2000\n", cpu);
		else
			len += snprintf(t + len, cap - len,
					"pid=0 energy=12.000 alive=1 kernel=1 cpu_ns=%llu mem=2000000 instructions=0 wakeups=%llu diski=0 disko=0 rx=0 tx=0 comm=*system*\n",
					cpu, wak);
		len += snprintf(t + len, cap - len, "psu_energy_ac_mcp_machine=0\n-------\n");
	}
	return t;
}

/* A log made here, with a torn line in it, trains: the weights file is
 * written whole, energyd's parser takes it, and it holds the truth. */
void test_ctl_train_log(void)
{
	__u64 p[P_MAX] = { [P_SAMPLE_NS] = SAMPLE_NS_DEFAULT,
			   [P_WINDOW_NS] = WINDOW_NS_DEFAULT };
	struct scratch *s = calloc(1, sizeof(*s));
	char *log = make_log(200, 57, true), *conf = NULL, why[160];
	bool set[P_MAX] = {};

	if (!ASSERT_TRUE(s && log && scratch_make(s) && put(s, "energy.log", log), "fixture"))
		goto out;
	if (!ASSERT_EQ(run(s, "@energy.log", "-o", "@weights.conf", NULL), 0, s->err))
		goto out;
	/* block 58 (0-based 57) is lines 514-522: its *system* line is 520 */
	ASSERT_TRUE(strstr(s->err, "1 of 200 blocks malformed"), s->err);
	ASSERT_TRUE(strstr(s->err, "energy.log: line 520: 'pid=0 energy=12.000"), s->err);
	ASSERT_TRUE(strstr(s->out, "constant power:") && strstr(s->out, "wrote "), s->out);
	if (strstr(s->out, "\nmean\n"))
		fprintf(stderr, "%s", strstr(s->out, "\nmean\n") + 1);
	conf = get(s, "weights.conf");
	if (!ASSERT_TRUE(conf, "weights written"))
		goto out;
	ASSERT_TRUE(strstr(conf, "# Trained by energyctl train on 198 windows (energy: core)"),
		    "the header says what it was trained on");
	ASSERT_TRUE(strstr(conf, "(1 malformed, skipped)"), "and what was skipped");
	ASSERT_TRUE(strstr(conf, "cross-validation") && strstr(conf, "constant power: R^2"),
		    "and its figures");
	if (!ASSERT_EQ(params_parse_conf(conf, p, set, why, sizeof(why)), 0, why))
		goto out;
	ASSERT_NEAR(p[P_W_CPU_NS], 5000, 0.02, "w_cpu_ns");
	ASSERT_NEAR(p[P_IDLE_MW], 2000, 0.02, "idle_mw");
	ASSERT_EQ(p[P_W_WAKEUPS], 0, "wakeups cost nothing here");
	ASSERT_TRUE(set[P_IDLE_MW] && set[P_W_NET_TX_PACKETS], "every weight in the file");
	ASSERT_EQ(entries(s), 2, "no temporary file left");

	/* -o -: the weights on standard output, the report on stderr */
	free(conf);
	conf = NULL;
	if (ASSERT_EQ(run(s, "--folds", "4", "--ridge", "0", "@energy.log", "-o", "-", NULL),
		      0, s->err)) {
		ASSERT_TRUE(!strncmp(s->out, "# Trained by energyctl train", 28), s->out);
		ASSERT_TRUE(strstr(s->out, "\nidle_mw = "), "the weights");
		ASSERT_TRUE(strstr(s->err, "4-fold cross-validation") &&
			    strstr(s->err, "fold 4:") && !strstr(s->err, "fold 5:"),
			    "the report, four folds");
	}
out:
	if (s)
		test_rm_tree(s->dir);
	free(conf);
	free(log);
	free(s);
}

/* A refusal: the status, the reason on stderr, and nothing written. */
static void refused(struct scratch *s, int status, int want, const char *reason,
		    const char *what)
{
	char *w = get(s, "weights.conf");

	if (!ASSERT_EQ(status, want, what) || !ASSERT_TRUE(strstr(s->err, reason), s->err))
		fprintf(stderr, "  (%s)\n", what);
	ASSERT_TRUE(w && !strcmp(w, "kept\n"), "the old weights untouched");
	free(w);
}

void test_ctl_train_refusals(void)
{
	struct scratch *s = calloc(1, sizeof(*s));
	char *flat = make_log(100, -1, false), *few = make_log(15, -1, true);
	char *good = make_log(100, -1, true);
	char rec[512];
	int n;

	if (!ASSERT_TRUE(s && flat && few && good && scratch_make(s), "fixture"))
		goto out;
	n = model_record_format(rec, sizeof(rec), &(struct model_record){
		.window_ns = 1000000000, .energy_uj = 3000000, .x = { 1 } });
	if (!ASSERT_TRUE(n > 0 && put(s, "weights.conf", "kept\n") &&
			 put(s, "flat.log", flat) && put(s, "few.log", few) &&
			 put(s, "good.log", good) && put(s, "rec", rec) &&
			 put(s, "garbage", "hello\nworld\n") &&
			 put(s, "cut.rec", "window_ns=1000000000 energy_uj=30"), "files"))
		goto out;

	refused(s, run(s, "@missing", "-o", "@weights.conf", NULL), 1,
		"missing: No such file or directory", "a file that is not there");
	refused(s, run(s, "/tmp", "-o", "@weights.conf", NULL), 1,
		"/tmp: is a directory", "a directory");
	refused(s, run(s, "@garbage", "-o", "@weights.conf", NULL), 1,
		"garbage: neither records of energyd --record nor energy-logger blocks",
		"neither kind");
	refused(s, run(s, "@cut.rec", "-o", "@weights.conf", NULL), 1,
		"cut.rec: line 1: truncated (no newline)", "a record cut short");
	refused(s, run(s, "@flat.log", "-o", "@weights.conf", NULL), 1,
		"the measured energy never moves", "target never moves");
	refused(s, run(s, "--target", "psys", "@good.log", "-o", "@weights.conf", NULL), 1,
		"the measured energy never moves", "psys is there but 0");
	refused(s, run(s, "--target", "pkg", "@good.log", "-o", "@weights.conf", NULL), 1,
		"100 blocks without rapl_pkg_sum_uj (the first at line 1)", "pkg is not there");
	refused(s, run(s, "@few.log", "-o", "@weights.conf", NULL), 1,
		"14 windows for 4 weights (idle and 3 metrics that move): need at least 10 per weight, 40",
		"too few windows");
	refused(s, run(s, "--ridge", "inf", "@good.log", "-o", "@weights.conf", NULL), 2,
		"--ridge: 'inf' is not a finite number >= 0", "ridge inf");
	refused(s, run(s, "--ridge", "nan", "@good.log", "-o", "@weights.conf", NULL), 2,
		"--ridge: 'nan' is not a finite number >= 0", "ridge nan");
	refused(s, run(s, "--folds", "2", "@good.log", "-o", "@weights.conf", NULL), 2,
		"--folds: '2' is not a number of folds in 3..20", "2 folds");
	refused(s, run(s, "--target", "gpu", "@good.log", "-o", "@weights.conf", NULL), 2,
		"--target: 'gpu' is not auto, psys, pkg+dram, pkg or core", "no such target");
	refused(s, run(s, "--target", "core", "@rec", "-o", "@weights.conf", NULL), 1,
		"--target is for energy-logger files", "--target on records");
	refused(s, run(s, "@good.log", NULL), 2, "no -o WEIGHTS", "no output");
	refused(s, run(s, "-o", "@weights.conf", NULL), 2, "no FILE to train on", "no input");
	/* the fit succeeds but the file cannot be written: nothing is */
	refused(s, run(s, "@good.log", "-o", "@nodir/weights.conf", NULL), 1,
		"nodir/weights.conf: No such file or directory; nothing written",
		"an output that cannot be written");
	ASSERT_EQ(entries(s), 7, "no temporary file left");
	/* and the same file trains */
	ASSERT_EQ(run(s, "@good.log", "-o", "@weights.conf", NULL), 0, s->err);
out:
	if (s)
		test_rm_tree(s->dir);
	free(flat);
	free(few);
	free(good);
	free(s);
}
