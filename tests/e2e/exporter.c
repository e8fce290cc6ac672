// SPDX-License-Identifier: GPL-2.0-only
/*
 * The Prometheus listener (--listen): what it answers, checked by promtool
 * and against the kernel's accounting; what bad clients cannot do to it;
 * a real Prometheus server scraping it; --listen's own refusals.
 *
 * Prometheus and promtool are not in the guest of make check-kernels: there
 * (E2E_EMULATED=1) the tests that need them are skipped; on the host a
 * missing binary fails them.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>	/* NAN */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "harness.h"
#include "http.h"

#define CONTENT_METRICS	"text/plain; version=0.0.4; charset=utf-8"

/* ---- helpers ---- */

/* @name as an executable in PATH, its path in @path. */
static bool find_binary(const char *name, char *path, size_t len)
{
	const char *env = getenv("PATH");
	char dirs[4096], *dir, *save;

	snprintf(dirs, sizeof(dirs), "%s", env && *env ? env : "/usr/bin:/bin");
	for (dir = strtok_r(dirs, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		snprintf(path, len, "%s/%s", dir, name);
		if (!access(path, X_OK))
			return true;
	}
	return false;
}

/* A binary the test needs: true when found. Under emulation (the guest has
 * no Prometheus) the test is skipped, naming it; on the host it fails. */
#define need_binary(name, path, len) \
	need__binary((name), (path), (len), __FILE__, __LINE__)
static bool need__binary(const char *name, char *path, size_t len,
			 const char *file, int line)
{
	static char why[128];

	if (find_binary(name, path, len))
		return true;
	snprintf(why, sizeof(why), "%s is not installed here", name);
	if (e2e_emulated()) {
		TEST_SKIP(why);
		return false;
	}
	return test__check(false, file, line, why,
			   "not in PATH (apt-get install prometheus; scripts/install-deps.sh installs it)");
}

/* Runs promtool check metrics on @text (its findings go to stderr); true
 * when it found no problem. */
static bool promtool_ok(const char *promtool, const char *text, size_t len)
{
	char cmd[PATH_MAX + 32];
	FILE *p;
	int status;

	snprintf(cmd, sizeof(cmd), "%s check metrics", promtool);
	p = popen(cmd, "w");
	if (!p) {
		fprintf(stderr, "  %s: %m\n", cmd);
		return false;
	}
	fwrite(text, 1, len, p);
	status = pclose(p);
	return status != -1 && WIFEXITED(status) && !WEXITSTATUS(status);
}

static __u64 rss_kb(pid_t pid)
{
	__u64 kb = 0;

	read_proc_field(pid, "status", "VmRSS:", &kb);
	return kb;
}

/* The shared daemon's HTTP port, asserted. */
#define http_port_ok() \
	({ int __p = e2e_http_port(); \
	   ASSERT_TRUE(__p > 0, "the daemon serves HTTP (--listen 127.0.0.1:0, the port from its log)") ? __p : 0; })

static int burn_then_stop(void *arg)
{
	burn_cpu_ns(*(__u64 *)arg);
	raise(SIGSTOP);
	return 0;
}

/* ---- what it answers ---- */

/*
 * A second of CPU in a test cgroup, read over HTTP: 200, the exposition's
 * content type, the cgroup's CPU seconds within 5 % of its cpu.stat. HEAD
 * likewise without a body; / links to /metrics; other paths 404; other
 * methods 405 with Allow.
 */
void http_metrics(void)
{
	static const char post[] = "POST /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n"
		"Content-Type: text/plain\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello";
	struct e2e_http_reply r = {};
	struct e2e_work w = {};
	struct e2e_child c = {};
	__u64 burn = 1000000000ULL, usec = 0;
	char series[PATH_MAX + 64], hdr[256];
	double got = -1;
	int port, err = -1;

	if (!work_begin(&w, true) || !(port = http_port_ok()))
		goto cleanup;
	if (!work_spawn_stopped(&w, &c, burn_then_stop, &burn, "burner",
				"the burner used its second and stopped"))
		goto cleanup;
	if (!ASSERT_EQ(cg_cpu_usage_usec(&w.cg, &usec), 0, "read cpu.stat"))
		goto cleanup;
	metrics_cgroup_series(series, sizeof(series),
			      "energyd_cgroup_cpu_seconds_total", &w.cg);
	WAIT_UNTIL((e2e_http_free(&r), err = e2e_http(port, "GET", "/metrics", &r),
		    got = !err && r.status == 200 ? metrics_value(r.body, series) : -1,
		    near(got, usec / 1e6, 0.05)), E2E_SETTLE_MS);
	if (!ASSERT_EQ(err, 0, "GET /metrics answered") ||
	    !ASSERT_EQ(r.status, 200, "GET /metrics: 200"))
		goto cleanup;
	fprintf(stderr, "  GET /metrics: %zu bytes, cpu.stat %.6f s, %s %.6f (%+.2f%%)\n",
		r.body_len, usec / 1e6, series, got,
		usec ? 100.0 * (got - usec / 1e6) / (usec / 1e6) : 0.0);
	ASSERT_STREQ(e2e_http_header(&r, "Content-Type", hdr, sizeof(hdr)),
		     CONTENT_METRICS, "GET /metrics: Content-Type");
	ASSERT_TRUE(e2e_http_header(&r, "Content-Length", hdr, sizeof(hdr)) &&
		    strtoull(hdr, NULL, 10) == r.body_len, "GET /metrics: Content-Length is the body's");
	ASSERT_NEAR(got * 1e6, usec, 0.05, "cgroup CPU seconds over HTTP vs cpu.stat (us)");
	ASSERT_TRUE(metrics_value(r.body, "energyd_samples_total") > 0, "samples");

	e2e_http_free(&r);
	ASSERT_EQ(e2e_http(port, "HEAD", "/metrics", &r), 0, "HEAD /metrics answered");
	ASSERT_EQ(r.status, 200, "HEAD /metrics: 200");
	ASSERT_STREQ(e2e_http_header(&r, "Content-Type", hdr, sizeof(hdr)),
		     CONTENT_METRICS, "HEAD /metrics: Content-Type");
	ASSERT_TRUE(e2e_http_header(&r, "Content-Length", hdr, sizeof(hdr)) &&
		    strtoull(hdr, NULL, 10) > 1000, "HEAD /metrics: the length of the exposition");
	ASSERT_EQ(r.body_len, 0, "HEAD /metrics: no body");

	e2e_http_free(&r);
	ASSERT_EQ(e2e_http(port, "GET", "/", &r), 0, "GET / answered");
	ASSERT_EQ(r.status, 200, "GET /: 200");
	ASSERT_TRUE(e2e_http_header(&r, "Content-Type", hdr, sizeof(hdr)) &&
		    !strncmp(hdr, "text/html", 9), "GET /: HTML");
	ASSERT_TRUE(r.body && strstr(r.body, "<a href=\"/metrics\">"), "GET /: links to /metrics");

	e2e_http_free(&r);
	ASSERT_EQ(e2e_http(port, "GET", "/nope", &r), 0, "GET /nope answered");
	ASSERT_EQ(r.status, 404, "GET /nope: 404");
	e2e_http_free(&r);
	ASSERT_EQ(e2e_http(port, "GET", "/metrics/", &r), 0, "GET /metrics/ answered");
	ASSERT_EQ(r.status, 404, "GET /metrics/: 404");

	e2e_http_free(&r);
	ASSERT_EQ(e2e_http_raw("127.0.0.1", port, post, sizeof(post) - 1, 10000, &r),
		  0, "POST /metrics answered");
	ASSERT_EQ(r.status, 405, "POST /metrics: 405");
	ASSERT_STREQ(e2e_http_header(&r, "Allow", hdr, sizeof(hdr)), "GET, HEAD",
		     "POST /metrics: Allow");
	e2e_http_free(&r);
	ASSERT_EQ(e2e_http(port, "DELETE", "/", &r), 0, "DELETE / answered");
	ASSERT_EQ(r.status, 405, "DELETE /: 405");
	ASSERT_STREQ(e2e_http_header(&r, "Allow", hdr, sizeof(hdr)), "GET, HEAD",
		     "DELETE /: Allow");
cleanup:
	e2e_http_free(&r);
	work_end(&w);
}

/* What GET /metrics serves passes promtool check metrics. */
void http_promtool(void)
{
	struct e2e_http_reply r = {};
	char promtool[PATH_MAX];
	int port;

	if (!e2e_begin() || !need_binary("promtool", promtool, sizeof(promtool)) ||
	    !(port = http_port_ok()))
		goto cleanup;
	if (!ASSERT_EQ(e2e_http(port, "GET", "/metrics", &r), 0, "GET /metrics") ||
	    !ASSERT_EQ(r.status, 200, "GET /metrics: 200"))
		goto cleanup;
	fprintf(stderr, "  promtool check metrics on %zu bytes\n", r.body_len);
	ASSERT_TRUE(promtool_ok(promtool, r.body, r.body_len),
		    "promtool check metrics passes on GET /metrics");
cleanup:
	e2e_http_free(&r);
	e2e_end();
}

/* ---- bad clients ---- */

/* One of many connections driven by one poll loop. */
struct flood_conn {
	int fd;
	bool sent, done;
	int err;		/* what ended it, 0: the server closed */
	size_t got;		/* bytes received */
	char head[1024];	/* the first of them */
};

/* What became of a flood. */
struct flood_result {
	int ok;			/* a whole 200 */
	int refused;		/* refused, reset or closed without a reply */
	int other;		/* anything else: a short body, another status */
	int hung;		/* still open at the deadline */
	int peak_fds;		/* the daemon's, at most */
	double last_s;		/* when the last one ended */
};

/* A whole 200 with its Content-Length, refused, or something else. */
static void flood_judge(const struct flood_conn *f, struct flood_result *res)
{
	const char *sep = strstr(f->head, "\r\n\r\n"), *cl;
	int status = 0;

	sscanf(f->head, "HTTP/1.1 %d", &status);
	if (!status && (!f->err || f->err == ECONNREFUSED || f->err == ECONNRESET)) {
		res->refused++;
		return;
	}
	cl = strcasestr(f->head, "\r\nContent-Length:");
	if (status == 200 && !f->err && sep && cl &&
	    strtoull(cl + 17, NULL, 10) == f->got - (sep + 4 - f->head))
		res->ok++;
	else
		res->other++;
}

/* @n connections at once to 127.0.0.1:@port, each a GET /metrics, until
 * each ended or @deadline_ms passed, sampling the daemon's fds. */
static void flood(int port, struct flood_conn *fc, int n, int deadline_ms,
		  struct flood_result *res)
{
	static const char req[] = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct pollfd *pfd = calloc(n, sizeof(*pfd));
	int *idx = calloc(n, sizeof(*idx));
	__u64 t0 = now_ns(), end = t0 + deadline_ms * 1000000ULL, fds_at = 0;
	pid_t daemon = e2e_daemon_pid();
	char buf[65536];
	int left = n;

	memset(res, 0, sizeof(*res));
	for (int i = 0; i < n; i++) {
		struct flood_conn *f = &fc[i];

		memset(f, 0, sizeof(*f));
		f->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (f->fd < 0 || (connect(f->fd, (struct sockaddr *)&sin, sizeof(sin)) &&
				  errno != EINPROGRESS)) {
			f->err = errno;
			f->done = true;
			left--;
		}
	}
	while (left && now_ns() < end && pfd && idx) {
		int m = 0, k;

		for (int i = 0; i < n; i++) {
			if (fc[i].done)
				continue;
			pfd[m] = (struct pollfd){ fc[i].fd, fc[i].sent ? POLLIN : POLLOUT, 0 };
			idx[m++] = i;
		}
		k = poll(pfd, m, 20);
		for (int j = 0; k > 0 && j < m; j++) {
			struct flood_conn *f = &fc[idx[j]];
			socklen_t elen = sizeof(f->err);
			ssize_t got;

			if (!pfd[j].revents)
				continue;
			if (!f->sent) {
				getsockopt(f->fd, SOL_SOCKET, SO_ERROR, &f->err, &elen);
				if (!f->err && send(f->fd, req, sizeof(req) - 1, MSG_NOSIGNAL) < 0)
					f->err = errno;
				f->sent = !f->err;
				f->done = f->err;
			} else {
				got = recv(f->fd, buf, sizeof(buf), 0);
				if (got > 0) {
					if (f->got < sizeof(f->head) - 1)
						memcpy(f->head + f->got, buf,
						       got < (ssize_t)(sizeof(f->head) - 1 - f->got) ?
						       (size_t)got : sizeof(f->head) - 1 - f->got);
					f->got += got;
				} else if (!got || errno != EAGAIN) {
					f->err = got ? errno : 0;
					f->done = true;
				}
			}
			if (f->done) {
				left--;
				res->last_s = (now_ns() - t0) / 1e9;
			}
		}
		if (now_ns() - fds_at > 20000000ULL) {
			int nfd = e2e_count_fds(daemon);

			if (nfd > res->peak_fds)
				res->peak_fds = nfd;
			fds_at = now_ns();
		}
	}
	for (int i = 0; i < n; i++) {
		if (fc[i].done)
			flood_judge(&fc[i], res);
		else
			res->hung++;
		if (fc[i].fd >= 0)
			close(fc[i].fd);
	}
	free(pfd);
	free(idx);
}

/*
 * A 100 kB URL is refused with 414 (the request line does not fit in the
 * connection's HTTP_MEMORY_LIMIT). 500 connections at once, each a GET:
 * each gets its whole 200 or is refused, none is left open, and the
 * daemon holds at most HTTP_CONN_LIMIT of them (the rest wait in the
 * listen backlog). 50 connections that send half a request and stall:
 * meanwhile the samples go on at their rate and a scrape is served; they
 * are dropped at the timeout (HTTP_TIMEOUT_S). After all that, the
 * daemon's descriptors, heap and resident memory are back near where they
 * were, and it still serves.
 */
void http_bad_clients(void)
{
	enum { FLOOD = 500, STALLED = 50 };
	static struct flood_conn fc[FLOOD];
	static const char half[] = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n";
	int slack_ms = e2e_emulated() ? 60000 : 10000;
	struct e2e_http_reply r = {};
	struct flood_result res;
	int st[STALLED], fds0, fds_stalled, fds1, port, closed = 0;
	__u64 heap0 = 0, heap1 = 0, rss0, rss1, a = 0, b = 0, t_stall;
	double last_closed = 0;
	struct rlimit rl;
	pid_t pid;
	char *big = NULL;
	size_t big_len;

	for (int i = 0; i < STALLED; i++)
		st[i] = -1;
	if (!e2e_begin() || !(port = http_port_ok()))
		goto cleanup;
	pid = e2e_daemon_pid();
	/* the test's own descriptors: 500 sockets and a few */
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < 1024) {
		rl.rlim_cur = rl.rlim_max < 1024 ? rl.rlim_max : 1024;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	/* warm up: the first scrapes size the buffers, reads of sys start
	 * the filesystem's threads */
	for (int i = 0; i < 5; i++) {
		e2e_http_free(&r);
		e2e_http(port, "GET", "/metrics", &r);
		e2e_sys_u64("iterations", &a);
	}
	sleep_ms(300);
	/* The fewest of several counts: the sampler holds a file open for a
	 * moment now and then (a 6.1 guest's count caught one). */
	fds0 = e2e_settled_fds(pid);
	rss0 = rss_kb(pid);
	if (!ASSERT_TRUE(e2e_sys_u64("heap_bytes", &heap0), "sys has heap_bytes"))
		goto cleanup;

	/* a 100 kB URL */
	big = malloc(100 * 1000 + 128);
	if (!ASSERT_TRUE(big, "malloc"))
		goto cleanup;
	memcpy(big, "GET /", 5);
	memset(big + 5, 'a', 100 * 1000);
	big_len = 5 + 100 * 1000;
	big_len += snprintf(big + big_len, 128 - 5, " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
	e2e_http_free(&r);
	ASSERT_EQ(e2e_http_raw("127.0.0.1", port, big, big_len, 10000, &r), 0,
		  "a 100 kB URL: answered, the connection closed");
	fprintf(stderr, "  100 kB URL: %s\n", r.head ? strtok(r.head, "\r") : "(nothing)");
	ASSERT_EQ(r.status, 414, "a 100 kB URL: 414 URI Too Long");

	/* 500 at once */
	flood(port, fc, FLOOD, HTTP_TIMEOUT_S * 1000 + slack_ms, &res);
	fprintf(stderr, "  %d connections at once: %d served whole, %d refused or closed, %d otherwise, %d still open; the last ended after %.2f s; daemon fds %d before, %d at most (limit %d connections)\n",
		FLOOD, res.ok, res.refused, res.other, res.hung, res.last_s,
		fds0, res.peak_fds, HTTP_CONN_LIMIT);
	ASSERT_EQ(res.hung, 0, "no connection left open past the timeout");
	ASSERT_EQ(res.other, 0, "each got a whole 200 or was refused/closed");
	ASSERT_TRUE(res.ok > 0, "connections were served");
	ASSERT_TRUE(res.peak_fds <= fds0 + HTTP_CONN_LIMIT + 2,
		    "the daemon holds at most HTTP_CONN_LIMIT connections");

	/* 50 that stall half-way through their request */
	for (int i = 0; i < STALLED; i++) {
		st[i] = e2e_tcp_connect("127.0.0.1", port, 10000);
		if (!ASSERT_TRUE(st[i] >= 0, "connect a staller") ||
		    !ASSERT_EQ(send(st[i], half, sizeof(half) - 1, MSG_NOSIGNAL),
			       sizeof(half) - 1, "half a request sent"))
			goto cleanup;
	}
	t_stall = now_ns();
	sleep_ms(200);
	fds_stalled = e2e_count_fds(pid);
	ASSERT_TRUE(e2e_sys_u64("iterations", &a), "sys");
	sleep_ms(3000);
	ASSERT_TRUE(e2e_sys_u64("iterations", &b), "sys");
	e2e_http_free(&r);
	ASSERT_EQ(e2e_http(port, "GET", "/metrics", &r), 0, "a scrape while they stall");
	ASSERT_EQ(r.status, 200, "a scrape while they stall: 200");
	fprintf(stderr, "  %d stalled: daemon fds %d, %llu samples in 3 s, a scrape of %zu bytes served\n",
		STALLED, fds_stalled, b - a, r.body_len);
	ASSERT_TRUE(fds_stalled >= fds0 + STALLED, "the daemon holds the stalled connections");
	ASSERT_TRUE(near(b - a, 3e9 / E2E_SAMPLE_NS, e2e_emulated() ? 0.5 : 0.2),
		    "samples at their rate while connections stall");
	/* dropped at the timeout: each reads as closed */
	while (closed < STALLED &&
	       now_ns() < t_stall + (HTTP_TIMEOUT_S * 1000ULL + slack_ms) * 1000000ULL) {
		for (int i = 0; i < STALLED; i++) {
			struct pollfd p = { st[i], POLLIN, 0 };
			char c;

			if (st[i] < 0 || poll(&p, 1, 0) != 1)
				continue;
			if (recv(st[i], &c, 1, MSG_DONTWAIT) > 0)
				continue;
			close(st[i]);
			st[i] = -1;
			closed++;
			last_closed = (now_ns() - t_stall) / 1e9;
		}
		sleep_ms(50);
	}
	fprintf(stderr, "  stalled: %d of %d closed by the daemon, the last %.1f s after they stalled (timeout %d s)\n",
		closed, STALLED, last_closed, HTTP_TIMEOUT_S);
	ASSERT_EQ(closed, STALLED, "the stalled connections are dropped at the timeout");

	/* back to where it was */
	sleep_ms(500);
	fds1 = e2e_settled_fds(pid);
	rss1 = rss_kb(pid);
	ASSERT_TRUE(e2e_sys_u64("heap_bytes", &heap1), "sys");
	e2e_http_free(&r);
	ASSERT_EQ(e2e_http(port, "GET", "/metrics", &r), 0, "a scrape after all");
	ASSERT_EQ(r.status, 200, "a scrape after all: 200");
	fprintf(stderr, "  after: daemon fds %d (%d before), heap %llu kB (%llu before), VmRSS %llu kB (%llu before)\n",
		fds1, fds0, heap1 >> 10, heap0 >> 10, rss1, rss0);
	ASSERT_TRUE(fds1 <= fds0 + 1, "the daemon's descriptors back to their count");
	/* One more filesystem thread's request buffer (1 MB, kept while idle)
	 * may come from the reads of sys; what a connection or a response
	 * would keep, 550 times over, is 4 MB or more. */
	ASSERT_TRUE(heap1 <= heap0 + (2 << 20), "the heap within 2 MB of where it was");
	/* Under AddressSanitizer freed memory stays resident a while (its
	 * quarantine): 407 to 424 MB was seen. The heap's bound stays. */
	ASSERT_TRUE(rss1 <= rss0 + (e2e_sanitized() ? 64 : 16) * 1024,
		    "resident memory within 16 MB of where it was (64 MB sanitized)");
cleanup:
	for (int i = 0; i < STALLED; i++)
		if (st[i] >= 0)
			close(st[i]);
	free(big);
	e2e_http_free(&r);
	e2e_end();
}

/* ---- a real Prometheus ---- */

/* The Prometheus server of prometheus_scrape. */
static struct {
	pid_t pid;
	int port;
	char dir[64];		/* its config, data and log */
} prom;

static void prom_log_tail(void)
{
	char path[128], *text;
	size_t len = 0;

	snprintf(path, sizeof(path), "%s/prometheus.log", prom.dir);
	text = e2e_read_file(path, &len);
	if (text)
		fprintf(stderr, "  ---- %s (end) ----\n%s  ---- end ----\n", path,
			len > 4096 ? text + len - 4096 : text);
	free(text);
}

/* SIGTERM, waited for (10 s, then SIGKILL). */
static void prom_stop(void)
{
	int status;

	if (prom.pid <= 0)
		return;
	kill(prom.pid, SIGTERM);
	if (!WAIT_UNTIL(waitpid(prom.pid, &status, WNOHANG) == prom.pid, 10000)) {
		fprintf(stderr, "  prometheus (pid %d) still running 10 s after SIGTERM: killing it\n",
			prom.pid);
		kill(prom.pid, SIGKILL);
		waitpid(prom.pid, &status, 0);
	}
	prom.pid = 0;
}

/* Prometheus on a free port of 127.0.0.1, scraping 127.0.0.1:@target
 * every second, ready (GET /-/ready). True when it is. */
static bool prom_start(const char *bin, int target)
{
	char conf[128], data[128], log[128], web[64], cfg_arg[160], data_arg[160];
	struct e2e_http_reply r = {};
	FILE *f;

	snprintf(prom.dir, sizeof(prom.dir), "/tmp/energyd-e2e-prom-XXXXXX");
	if (!mkdtemp(prom.dir)) {
		fprintf(stderr, "  mkdtemp: %m\n");
		prom.dir[0] = '\0';
		return false;
	}
	snprintf(conf, sizeof(conf), "%s/prometheus.yml", prom.dir);
	snprintf(data, sizeof(data), "%s/data", prom.dir);
	snprintf(log, sizeof(log), "%s/prometheus.log", prom.dir);
	f = fopen(conf, "w");
	if (!f)
		return false;
	fprintf(f, "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
		   "scrape_configs:\n  - job_name: energyd\n    static_configs:\n"
		   "      - targets: ['127.0.0.1:%d']\n", target);
	if (fclose(f))
		return false;
	snprintf(cfg_arg, sizeof(cfg_arg), "--config.file=%s", conf);
	snprintf(data_arg, sizeof(data_arg), "--storage.tsdb.path=%s", data);
	/* a port taken between finding it free and Prometheus binding it:
	 * another one */
	for (int attempt = 0; attempt < 3; attempt++) {
		__u64 end = now_ns() + 60000000000ULL;
		int status;

		prom.port = e2e_free_port();
		if (prom.port <= 0)
			return false;
		snprintf(web, sizeof(web), "--web.listen-address=127.0.0.1:%d", prom.port);
		fflush(NULL);
		prom.pid = fork();
		if (prom.pid < 0)
			return false;
		if (!prom.pid) {
			int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (fd >= 0) {
				dup2(fd, STDOUT_FILENO);
				dup2(fd, STDERR_FILENO);
			}
			execl(bin, bin, cfg_arg, data_arg, web, (char *)NULL);
			_exit(127);
		}
		while (now_ns() < end) {
			if (waitpid(prom.pid, &status, WNOHANG) == prom.pid) {
				prom.pid = 0;
				break;
			}
			if (!e2e_http(prom.port, "GET", "/-/ready", &r) && r.status == 200) {
				e2e_http_free(&r);
				return true;
			}
			e2e_http_free(&r);
			sleep_ms(100);
		}
		if (prom.pid) {
			fprintf(stderr, "  prometheus not ready within 60 s\n");
			return false;
		}
		{
			char *text = e2e_read_file(log, NULL);
			bool taken = text && strstr(text, "address already in use");

			free(text);
			if (!taken)
				break;
		}
	}
	fprintf(stderr, "  prometheus exited before it was ready\n");
	return false;
}

/* @s with every byte but the unreserved ones as %XX. */
static void url_encode(const char *s, char *out, size_t len)
{
	size_t o = 0;

	for (; *s && o + 4 < len; s++) {
		unsigned char c = *s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._~", c))
			out[o++] = c;
		else
			o += snprintf(out + o, len - o, "%%%02X", c);
	}
	out[o] = '\0';
}

/* /api/v1/query of @q at @time (0: now): the JSON answer, to be freed;
 * NULL (printed) unless it succeeded. */
static char *prom_query(const char *q, double time)
{
	char enc[2048], target[2200], *body;
	struct e2e_http_reply r = {};
	int err;

	url_encode(q, enc, sizeof(enc));
	if (time > 0)
		snprintf(target, sizeof(target), "/api/v1/query?query=%s&time=%.3f", enc, time);
	else
		snprintf(target, sizeof(target), "/api/v1/query?query=%s", enc);
	err = e2e_http(prom.port, "GET", target, &r);
	if (err || r.status != 200 || !r.body || !strstr(r.body, "\"status\":\"success\"")) {
		fprintf(stderr, "  query %s: %s, status %d: %.300s\n", q,
			err ? strerror(-err) : "answered", r.status, r.body ? r.body : "");
		e2e_http_free(&r);
		return NULL;
	}
	body = r.body;
	r.body = NULL;
	e2e_http_free(&r);
	return body;
}

/* How many series an answer holds. */
static int prom_series(const char *json)
{
	int n = 0;

	for (const char *p = json; (p = strstr(p, "\"metric\":")); p++)
		n++;
	return n;
}

/* The value of the one sample of an instant vector answer of @q at @time;
 * NAN when there is none or more than one. */
static double prom_value(const char *q, double time)
{
	char *json = prom_query(q, time);
	const char *p = json ? strstr(json, "\"value\":[") : NULL;
	double v = NAN;
	char *e;

	if (p && prom_series(json) == 1) {
		strtod(p + 9, &e);
		p = strchr(e, '"');
		if (p)
			v = strtod(p + 1, NULL);
	}
	free(json);
	return v;
}

/* The samples of the one series of the range vector @q, at most @max:
 * their count (0 with none, or more than one series). */
static int prom_samples(const char *q, double *ts, double *v, int max)
{
	char *json = prom_query(q, 0);
	const char *p = json ? strstr(json, "\"values\":[") : NULL;
	int n = 0;
	char *e;

	if (!p || prom_series(json) != 1) {
		free(json);
		return 0;
	}
	for (p += 10; n < max && *p == '['; n++) {
		ts[n] = strtod(p + 1, &e);
		p = strchr(e, '"');
		if (!p)
			break;
		v[n] = strtod(p + 1, &e);
		p = strchr(e, ']');
		if (!p)
			break;
		p += 1 + (p[1] == ',');
	}
	free(json);
	return n;
}

/* A tenth of a second first: a process shows in its new cgroup once it ran
 * there across a sample. */
static int stop_burn_stop(void *arg)
{
	burn_cpu_ns(100000000ULL);
	raise(SIGSTOP);
	burn_cpu_ns(*(__u64 *)arg);
	raise(SIGSTOP);
	return 0;
}

/*
 * A real Prometheus scrapes the daemon every second while a test cgroup
 * waits, then burns a second of CPU, then waits again. What increase()
 * says the cgroup used agrees with its cpu.stat within 5 %.
 *
 * increase() extrapolates: it scales the difference between the first and
 * last samples in the range by the range over the time those samples span,
 * so at an arbitrary time with a range of N scrapes it overshoots by up to
 * about 1/N (a tenth over 10 s), whatever the series did. The query is
 * made so that there is nothing to extrapolate: evaluated at the last
 * sample's timestamp, over a range reaching 1 ms before the first sample
 * (which is inside it, whether ranges are closed on the left, as in
 * Prometheus 2, or open, as in 3), so the range adds 1 ms to the span of
 * the samples. max_over_time - min_over_time, which does not extrapolate,
 * is asserted alongside; increase() over whole seconds at the present is
 * printed to show the overshoot avoided.
 */
void prometheus_scrape(void)
{
	enum { MAXS = 600 };
	static double ts[MAXS], v[MAXS];
	struct e2e_work w = {};
	struct e2e_child c = {};
	char bin[PATH_MAX], cgname[PATH_MAX], sel[PATH_MAX + 96], q[3 * PATH_MAX];
	__u64 burn = 1100000000ULL, u0 = 0, u1 = 0, end;
	double want, inc, mm, naive, count = NAN;
	long long range_ms;
	int port, n = 0, before = 0, after = 0;

	if (!work_begin(&w, true) || !need_binary("prometheus", bin, sizeof(bin)) ||
	    !(port = http_port_ok()))
		goto cleanup;
	if (!work_spawn_stopped(&w, &c, stop_burn_stop, &burn, "burner",
				"the burner stopped before its second"))
		goto cleanup;
	if (!ASSERT_TRUE(prom_start(bin, port), "prometheus started and ready"))
		goto cleanup;
	snprintf(cgname, sizeof(cgname), "%s", w.cg.path);
	snprintf(sel, sizeof(sel), "energyd_cgroup_cpu_seconds_total{cgroup=~\".*/%s\"}",
		 basename(cgname));

	/* flat before: scrapes of the series while the burner waits */
	snprintf(q, sizeof(q), "count_over_time(%s[5m])", sel);
	end = now_ns() + 30000000000ULL;
	while (now_ns() < end && !((count = prom_value(q, 0)) >= 3))
		sleep_ms(250);
	if (!ASSERT_TRUE(count >= 3, "Prometheus scraped the test cgroup's series 3 times before the burn"))
		goto cleanup;
	if (!ASSERT_EQ(cg_cpu_usage_usec(&w.cg, &u0), 0, "read cpu.stat"))
		goto cleanup;
	kill(c.pid, SIGCONT);
	if (!ASSERT_TRUE(child_wait_stopped(&c, "burner"), "the burner used its second and stopped") ||
	    !ASSERT_EQ(cg_cpu_usage_usec(&w.cg, &u1), 0, "read cpu.stat"))
		goto cleanup;
	want = (u1 - u0) / 1e6;

	/* flat after: three scrapes at the final value */
	snprintf(q, sizeof(q), "%s[5m]", sel);
	end = now_ns() + 30000000000ULL;
	while (now_ns() < end) {
		n = prom_samples(q, ts, v, MAXS);
		if (n >= 6 && v[n - 1] == v[n - 2] && v[n - 1] == v[n - 3] &&
		    v[n - 1] - v[0] > want / 2)
			break;
		n = 0;
		sleep_ms(250);
	}
	if (!ASSERT_TRUE(n >= 6, "Prometheus scraped the series flat at its final value 3 times"))
		goto cleanup;
	while (before < n && v[before] == v[0])
		before++;
	while (after < n && v[n - 1 - after] == v[n - 1])
		after++;
	range_ms = (long long)((ts[n - 1] - ts[0]) * 1000 + 0.5) + 1;

	snprintf(q, sizeof(q), "increase(%s[%lldms])", sel, range_ms);
	inc = prom_value(q, ts[n - 1]);
	snprintf(q, sizeof(q), "max_over_time(%s[%lldms]) - min_over_time(%s[%lldms])",
		 sel, range_ms, sel, range_ms);
	mm = prom_value(q, ts[n - 1]);
	snprintf(q, sizeof(q), "increase(%s[%llds])", sel, range_ms / 1000);
	naive = prom_value(q, 0);
	fprintf(stderr, "  Prometheus: %d scrapes over %.3f s (%d flat before the burn, %d after); cpu.stat %.6f s\n"
		"  increase() at the last scrape over %lld ms %.6f (%+.2f%%); max - min %.6f (%+.2f%%); increase() over %llds now %.6f (%+.2f%%)\n",
		n, ts[n - 1] - ts[0], before, after, want, range_ms,
		inc, 100 * (inc - want) / want, mm, 100 * (mm - want) / want,
		range_ms / 1000, naive, 100 * (naive - want) / want);
	ASSERT_TRUE(before >= 2 && after >= 3, "flat before and after the burn");
	ASSERT_NEAR(inc * 1e6, want * 1e6, 0.05, "increase() vs cpu.stat (us)");
	ASSERT_NEAR(mm * 1e6, want * 1e6, 0.05, "max_over_time - min_over_time vs cpu.stat (us)");
cleanup:
	prom_stop();
	if (test__failures && prom.dir[0])
		prom_log_tail();
	if (prom.dir[0])
		test_rm_tree(prom.dir);
	prom.dir[0] = '\0';
	work_end(&w);
}

/* ---- --listen refused ---- */

/* An energyd of the test's own with @extra: its exit code, -1 when it did
 * not exit within 20 s (killed then). */
static int energyd_exit(const char *log, const char *const *extra)
{
	pid_t pid = e2e_spawn_energyd(log, extra, 0);
	int status = 0;

	if (pid <= 0)
		return -1;
	if (!WAIT_UNTIL(waitpid(pid, &status, WNOHANG) == pid, 20000)) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return -1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static bool log_has(const char *log, const char *text)
{
	char *t = e2e_read_file(log, NULL);
	bool found = t && strstr(t, text);

	free(t);
	return found;
}

/* An energyd serving on [::1]: GET /metrics over IPv6, then SIGTERM. */
static void listen_v6(const char *log)
{
	static const char req[] = "GET /metrics HTTP/1.1\r\nHost: [::1]\r\nConnection: close\r\n\r\n";
	const char *extra[] = { "--no-mount", "--listen", "[::1]:0", NULL };
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct e2e_http_reply r = {};
	int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0), port = -1, status = 0;
	bool v6 = fd >= 0 && !bind(fd, (struct sockaddr *)&s6, sizeof(s6));
	pid_t pid;

	if (fd >= 0)
		close(fd);
	if (!v6) {
		fprintf(stderr, "  no IPv6 loopback here (%m): [::1] not tried\n");
		return;
	}
	pid = e2e_spawn_energyd(log, extra, 0);
	if (!ASSERT_TRUE(pid > 0, "spawn energyd --listen [::1]:0"))
		return;
	WAIT_UNTIL((port = e2e_http_port_logged(log)) > 0 ||
		   waitpid(pid, &status, WNOHANG) == pid, 20000);
	if (ASSERT_TRUE(port > 0, "energyd --listen [::1]:0 logs its port")) {
		ASSERT_TRUE(log_has(log, "metrics at http://[::1]:"), "logged as [::1]:PORT");
		ASSERT_EQ(e2e_http_raw("::1", port, req, sizeof(req) - 1, 10000, &r), 0,
			  "GET /metrics over IPv6");
		ASSERT_EQ(r.status, 200, "GET /metrics over IPv6: 200");
		e2e_http_free(&r);
	}
	kill(pid, SIGTERM);
	if (!WAIT_UNTIL(waitpid(pid, &status, WNOHANG) == pid, 20000)) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status), "exits 0 on SIGTERM");
}

/*
 * Run with the shared daemon stopped. A port another socket listens on:
 * energyd names the address and the cause and exits 1 before it loads a
 * program. Names and bad ports: the cause, exit 2 (as any bad option).
 * [::1]: served over IPv6.
 */
void daemon_listen(void)
{
	const char *log = "/tmp/energyd-e2e-listen.log";
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	char addr[64], want[160];
	const char *taken[] = { "--listen", addr, NULL };
	const char *name[] = { "--listen", "localhost:9102", "--no-mount", NULL };
	const char *range[] = { "--listen", "70000", "--no-mount", NULL };
	int fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (!ASSERT_TRUE(fd >= 0 && !bind(fd, (struct sockaddr *)&sin, sizeof(sin)) &&
			 !listen(fd, 1) && !getsockname(fd, (struct sockaddr *)&sin, &len),
			 "a socket listening on 127.0.0.1"))
		goto cleanup;
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", ntohs(sin.sin_port));
	ASSERT_EQ(energyd_exit(log, taken), 1, "port taken: exit 1");
	snprintf(want, sizeof(want), "--listen %s: cannot listen there: Address already in use", addr);
	ASSERT_TRUE(log_has(log, want), "port taken: the address and the cause logged");
	ASSERT_TRUE(!log_has(log, "sched_switch"), "port taken: no program loaded");
	ASSERT_TRUE(access(ENERGY_PIN_DIR, F_OK) && errno == ENOENT, "port taken: nothing pinned");

	ASSERT_EQ(energyd_exit(log, name), 2, "a name: exit 2");
	ASSERT_TRUE(log_has(log, "'localhost' is not a numeric IPv4 address (names are not resolved"),
		    "a name: why");
	ASSERT_EQ(energyd_exit(log, range), 2, "port 70000: exit 2");
	ASSERT_TRUE(log_has(log, "port 70000 is out of range (0..65535)"), "port 70000: why");

	listen_v6(log);
cleanup:
	if (fd >= 0)
		close(fd);
	if (test__failures)
		fprintf(stderr, "  (energyd's output: %s)\n", log);
}
