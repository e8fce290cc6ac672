// SPDX-License-Identifier: GPL-2.0-only
/*
 * energyctl record [-m DIR] [-d SECONDS] [-i INTERVAL] -o FILE: windows
 * for energyctl train from the running daemon's all.json, without
 * restarting it: one line per interval in energyd --record's format
 * (model_record_format), after the same "# energyd --record" line. Each
 * line is written whole, so SIGINT or the end of the duration leaves a
 * complete file.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "io.h"
#include "model.h"
#include "snap.h"

#define ME		"energyctl record"
/* The line energyd --record starts a recording with. */
#define RECORD_HEADER	"# energyd --record: one line per window\n"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: energyctl record [-m DIR] [-d SECONDS] [-i INTERVAL] -o FILE\n"
		   "Record the machine's measured energy and metrics every INTERVAL into\n"
		   "FILE, one line per interval in the format of energyd --record, for\n"
		   "energyctl train. Needs a daemon that measures energy, and root.\n\n"
		   "  -m, --mountpoint DIR   energyd's files (default " CTL_MOUNT_DEFAULT ")\n"
		   "  -d, --duration SECONDS stop after SECONDS (default: at Ctrl-C)\n"
		   "  -i, --interval SECONDS between lines (default 1, 0.01..3600)\n"
		   "  -o, --output FILE      where to write (replaced)\n"
		   "  -h, --help             this text\n");
}

static int parse_secs(const char *opt, const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < min || v > max) {
		fprintf(stderr, ME ": %s '%.40s': not a number of seconds in %g..%g\n",
			opt, s, min, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* all.json into @s, refusing, with the reason, where energy is not
 * measured. 0 or 1. */
static int read_measured(const char *mnt, struct snap *s)
{
	__u64 uj;
	int err = ctl_snap_read(ME, mnt, true, s);

	if (err < 0)
		fprintf(stderr, ME ": %s/all.json: %s%s\n", mnt, strerror(-err),
			ctl_denied(err) ? " (recording reads the host's files: root)" : "");
	if (err)
		return 1;
	if (!snap_measured_uj(s, &uj)) {
		fprintf(stderr, ME ": energy is not measured here (energy source %s): "
			"records would hold the model's own estimate, nothing to train on\n",
			s->source);
		snap_free(s);
		return 1;
	}
	return 0;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		buf += n;
		len -= n;
	}
	return 0;
}

int ctl_record(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mountpoint", required_argument, NULL, 'm' },
		{ "duration", required_argument, NULL, 'd' },
		{ "interval", required_argument, NULL, 'i' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *mnt = CTL_MOUNT_DEFAULT, *out = NULL;
	double dur = 0, ival = 1, t0, next;
	struct sigaction sa = { .sa_handler = on_signal };
	struct snap prev = {}, cur = {};
	bool tty = isatty(STDERR_FILENO);
	unsigned long lines = 0;
	size_t bytes = 0;
	int c, fd, err, ret = 1;

	while ((c = getopt_long(argc, argv, "m:d:i:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'm': mnt = optarg; break;
		case 'o': out = optarg; break;
		case 'd':
			if (parse_secs("-d", optarg, 0.01, 1e7, &dur))
				return 2;
			break;
		case 'i':
			if (parse_secs("-i", optarg, 0.01, 3600, &ival))
				return 2;
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || !out) {
		if (!out)
			fprintf(stderr, ME ": -o FILE is needed\n");
		usage(stderr);
		return 2;
	}
	if (read_measured(mnt, &prev))
		return 1;
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, ME ": %s: %s\n", out, strerror(errno));
		goto out_snap;
	}
	err = write_all(fd, RECORD_HEADER, strlen(RECORD_HEADER));
	if (err)
		goto write_failed;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	t0 = now_s();
	next = t0 + ival;
	while (!stop && (!dur || next <= t0 + dur + 1e-6)) {
		struct model_record r;
		char line[512];
		double wait = next - now_s();
		int n;

		if (wait > 0) {
			struct timespec ts = { (time_t)wait, (long)((wait - (time_t)wait) * 1e9) };

			if (nanosleep(&ts, NULL) && stop)
				break;
		}
		next += ival;
		if (read_measured(mnt, &cur))
			goto out_fd;
		err = snap_record(&prev, &cur, &r);
		snap_free(&prev);
		prev = cur;
		memset(&cur, 0, sizeof(cur));
		if (err == -ERANGE) {
			fprintf(stderr, ME ": a counter went back (energyd restarted?); interval skipped\n");
			continue;
		}
		if (err)
			continue;
		n = model_record_format(line, sizeof(line), &r);
		if (n < 0 || (size_t)n >= sizeof(line)) {
			err = -EOVERFLOW;
			goto write_failed;
		}
		err = write_all(fd, line, n);
		if (err)
			goto write_failed;
		lines++;
		bytes += n;
		if (tty)
			fprintf(stderr, "\r" ME ": %lu samples, %.1f s, %zu bytes ", lines,
				now_s() - t0, bytes + strlen(RECORD_HEADER));
	}
	if (tty)
		fputc('\n', stderr);
	if (fsync(fd) && errno != EINVAL) {
		err = -errno;
		goto write_failed;
	}
	printf("%s: %lu windows recorded\n", out, lines);
	ret = 0;
	goto out_fd;
write_failed:
	fprintf(stderr, ME ": %s: %s\n", out, strerror(-err));
out_fd:
	if (close(fd) && !ret) {
		fprintf(stderr, ME ": %s: %s\n", out, strerror(errno));
		ret = 1;
	}
out_snap:
	snap_free(&prev);
	snap_free(&cur);
	return ret;
}
