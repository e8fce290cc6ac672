// SPDX-License-Identifier: GPL-2.0-only
/*
 * make bench, part 5: the Prometheus listener with 10,000 processes in 100
 * cgroups. How long a scrape of /metrics takes and how big it is, next to
 * the same text read from /run/energy/metrics; then scrapes at 10 a second
 * for 30 s against the samples' lateness and the daemon's memory. The
 * series count is compared with an exposition of every process, as
 * per-process exporters have it.
 */
#include <errno.h>
#include <fcntl.h>
#include <mntent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "bench.h"

#define KIDS		10000
#define GROUPS		100
#define PORT		"19102"
#define SCRAPES		20
#define LOAD_SECS	30

static char *body;
static size_t body_len, body_cap;

/* GET @path from 127.0.0.1:PORT into body; the whole answer's length, or
 * -1. */
static long http_get(const char *path)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(atoi(PORT)),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	char req[256];
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), n;
	ssize_t r;

	if (fd < 0)
		return -1;
	n = snprintf(req, sizeof(req),
		     "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", path);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) || write(fd, req, n) != n) {
		close(fd);
		return -1;
	}
	body_len = 0;
	for (;;) {
		if (body_cap - body_len < 65536) {
			char *nb = realloc(body, body_cap + (1 << 20));

			if (!nb)
				break;
			body = nb;
			body_cap += 1 << 20;
		}
		r = read(fd, body + body_len, body_cap - body_len - 1);
		if (r <= 0)
			break;
		body_len += r;
	}
	close(fd);
	body[body_len] = '\0';
	return strncmp(body, "HTTP/1.1 200", 12) ? -1 : (long)body_len;
}

/* Samples (lines that are not comments) in the body after its headers. */
static long series(void)
{
	const char *p = strstr(body, "\r\n\r\n");
	long n = 0;

	for (p = p ? p + 4 : body; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : "")
		n += *p != '#' && *p != '\n';
	return n;
}

/* A figure "key=N" of /run/energy/sys, or 0. */
static unsigned long long sys_u64(const char *key)
{
	char buf[8192], pat[64], *p;
	unsigned long long v = 0;
	int fd = open("/run/energy/sys", O_RDONLY);
	ssize_t r;

	if (fd < 0)
		return 0;
	r = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (r <= 0)
		return 0;
	buf[r] = '\0';
	snprintf(pat, sizeof(pat), "\n%s=", key);
	p = strstr(buf, pat);
	if (p)
		sscanf(p + strlen(pat), "%llu", &v);
	return v;
}

static long rss_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

static const char *cgroup2(void)
{
	static char dir[256];
	struct mntent *m;
	FILE *f = setmntent("/proc/self/mounts", "r");

	while (f && (m = getmntent(f)))
		if (!strcmp(m->mnt_type, "cgroup2")) {
			snprintf(dir, sizeof(dir), "%s", m->mnt_dir);
			endmntent(f);
			return dir;
		}
	if (f)
		endmntent(f);
	return NULL;
}

int bench_scrape(void)
{
	static pid_t kids[KIDS];
	const char *extra[] = { "--listen", "127.0.0.1:" PORT, NULL };
	const char *root = cgroup2();
	double http_ms[SCRAPES], file_ms[SCRAPES], t0, next;
	unsigned long long late0, late1, it0, it1;
	long bytes = 0, fbytes = 0, n_series = 0, rss0, rss_max, rss1;
	char dir[GROUPS][300];
	int n = 0, groups = 0, err = 0, fails = 0, scrapes = 0;
	pid_t d = -1;

	printf("== 5. /metrics over HTTP with %d processes in %d cgroups\n", KIDS, GROUPS);
	if (!root) {
		fprintf(stderr, "bench: no cgroup2 mount\n");
		return -1;
	}
	for (; groups < GROUPS; groups++) {
		snprintf(dir[groups], sizeof(dir[groups]), "%s/energyd-bench-%d-%d",
			 root, getpid(), groups);
		if (mkdir(dir[groups], 0755) && errno != EEXIST)
			break;
	}
	for (; n < KIDS && groups; n++) {
		kids[n] = fork();
		if (kids[n] == 0) {
			char procs[320];
			int fd;

			prctl(PR_SET_PDEATHSIG, SIGKILL);
			snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir[n % groups]);
			fd = open(procs, O_WRONLY);
			if (fd < 0 || write(fd, "0", 1) != 1)
				_exit(1);
			close(fd);
			pause();
			_exit(0);
		}
		if (kids[n] < 0)
			break;
	}
	d = bench_start_energyd("100000000", extra);
	if (d < 0) {
		err = -1;
		goto out;
	}
	sleep(2);	/* a window with every process */
	for (int r = 0; r < SCRAPES; r++) {
		t0 = bench_now_s();
		bytes = http_get("/metrics");
		http_ms[r] = (bench_now_s() - t0) * 1e3;
		t0 = bench_now_s();
		fbytes = bench_read_all("/run/energy/metrics");
		file_ms[r] = (bench_now_s() - t0) * 1e3;
		if (bytes < 0 || fbytes < 0) {
			fprintf(stderr, "bench: scrape failed (see /tmp/energyd-bench.log)\n");
			err = -1;
			goto out;
		}
	}
	n_series = series();
	printf("  %d groups, %d processes; one scrape: %ld bytes, %ld series\n",
	       groups, n, bytes, n_series);
	printf("  median ms: HTTP /metrics %.2f (goal <= 20, <= 2 MB), the metrics file %.2f\n",
	       bench_median(http_ms, SCRAPES), bench_median(file_ms, SCRAPES));
	printf("  a per-process exposition of the same %d families (one series per process and family, as per-process exporters have): %ld series, %.0fx\n",
	       10, (long)n * 10, (double)n * 10 / (n_series ? n_series : 1));

	late0 = sys_u64("late_samples");
	it0 = sys_u64("iterations");
	rss0 = rss_max = rss_kb(d);
	next = bench_now_s();
	for (t0 = next; bench_now_s() - t0 < LOAD_SECS; ) {
		long kb;

		fails += http_get("/metrics") < 0;
		scrapes++;
		kb = rss_kb(d);
		if (kb > rss_max)
			rss_max = kb;
		next += 0.1;
		if (next > bench_now_s())
			usleep((next - bench_now_s()) * 1e6);
	}
	late1 = sys_u64("late_samples");
	it1 = sys_u64("iterations");
	rss1 = rss_kb(d);
	printf("  %d scrapes in %d s (%d failed): %llu samples, %llu late (goal 0); energyd VmRSS %ld kB before, %ld kB at most, %ld kB after\n",
	       scrapes, LOAD_SECS, fails, it1 - it0, late1 - late0, rss0, rss_max, rss1);
out:
	if (d >= 0)
		bench_stop_energyd(d);
	for (int i = 0; i < n; i++)
		kill(kids[i], SIGKILL);
	for (int i = 0; i < n; i++)
		waitpid(kids[i], NULL, 0);
	for (int g = 0; g < groups; g++)
		rmdir(dir[g]);
	free(body);
	body = NULL;
	body_cap = 0;
	return err;
}
