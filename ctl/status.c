// SPDX-License-Identifier: GPL-2.0-only
/*
 * energyctl status [-m DIR] [--json]: energyd's state from sys and
 * all.json, or, where those are not the reader's (a container, a user
 * other than root), its own cgroup's from cgroup.json. The report itself
 * is show.h's.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "io.h"
#include "snap.h"
#include "show.h"

#define ME	"energyctl status"

static void usage(FILE *f)
{
	fprintf(f, "Usage: energyctl status [-m DIR] [--json]\n"
		   "energyd's state: energy source and domains, measured or estimated,\n"
		   "sample and window, power over the last window, idle power, processes\n"
		   "tracked and slots, dropped events, late samples, uptime. Where the\n"
		   "host's files are not readable (a container, a user other than root):\n"
		   "the reader's own cgroup and its processes.\n\n"
		   "  -m, --mountpoint DIR  energyd's files (default " CTL_MOUNT_DEFAULT ")\n"
		   "  -j, --json            one JSON object\n"
		   "  -h, --help            this text\n");
}

/* Read and parse @name of @mnt into @s: 0, -errno of the read (message
 * left to the caller), or 1 with the message out. */
int ctl_snap_read(const char *me, const char *mnt, bool host, struct snap *s)
{
	const char *name = host ? "all.json" : "cgroup.json";
	char why[200], *text = io_read(mnt, name, NULL);
	int err;

	if (!text)
		return -errno;
	err = snap_parse(text, host, s, why, sizeof(why));
	free(text);
	if (err) {
		fprintf(stderr, "%s: %s/%s: %s\n", me, mnt, name, why);
		return 1;
	}
	return 0;
}

/* Whether a read failed because the file is not the reader's. */
bool ctl_denied(int err)
{
	return err == -EACCES || err == -EPERM;
}

int ctl_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mountpoint", required_argument, NULL, 'm' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *mnt = CTL_MOUNT_DEFAULT;
	struct status_in in = {};
	struct rbuf b = {};
	struct snap s = {};
	bool json = false;
	char *sys = NULL;
	int c, err, ret = 1;
	long long start;

	while ((c = getopt_long(argc, argv, "m:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'm': mnt = optarg; break;
		case 'j': json = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	sys = io_read(mnt, "sys", NULL);
	err = sys ? 0 : -errno;
	if (sys)
		err = ctl_snap_read(ME, mnt, true, &s);
	else if (ctl_denied(err))
		err = ctl_snap_read(ME, mnt, false, &s);
	if (err < 0)
		fprintf(stderr, ME ": %s/%s: %s%s\n", mnt, sys ? "all.json" :
			ctl_denied(err) ? "cgroup.json" : "sys", strerror(-err),
			err == -ENOENT || err == -ENOTCONN ? " (is energyd running?)" : "");
	if (err)
		goto out;
	in.sys = sys;
	in.s = &s;
	if (sys && !io_mtime(mnt, "", &start)) {
		in.have_uptime = true;
		in.uptime_s = (long long)time(NULL) - start;
	}
	view_status(&b, &in, json);
	if (b.oom) {
		fprintf(stderr, ME ": out of memory\n");
		goto out;
	}
	fputs(b.data, stdout);
	ret = 0;
out:
	rbuf_free(&b);
	snap_free(&s);
	free(sys);
	return ret;
}
