// SPDX-License-Identifier: GPL-2.0-only
/*
 * energyctl get, set and apply: the parameters under params/ of the mount.
 *
 *   energyctl get [-m DIR] PARAM
 *   energyctl set [-m DIR] PARAM VALUE
 *   energyctl apply [-m DIR] WEIGHTS [--persist [--config-file PATH]]
 *
 * energyd checks a value when the file is closed and refuses it with
 * EINVAL; the message names the parameter and its range (pmsg.h). apply
 * writes every value of a weights file and, when energyd refuses one,
 * writes the earlier ones back to what they were.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ctl.h"
#include "io.h"
#include "params.h"
#include "pmsg.h"
#include "rbuf.h"

#define CONFIG_DEFAULT	"/etc/energyd/energyd.conf"
/* Most bytes of a weights file, as energyd --weights. */
#define WEIGHTS_MAX	(1u << 20)

/* The parameter named @name, or -1 with the message out. */
static int param_named(const char *me, const char *name)
{
	int id = param_by_name(name);
	char q[4 * 40 + 8];

	if (id >= 0)
		return id;
	param_quote(q, name, strlen(name));
	fprintf(stderr, "%s: unknown parameter '%s'; parameters:", me, q);
	for (int i = 0; i < P_MAX; i++)
		fprintf(stderr, " %s", param_descs[i].name);
	fprintf(stderr, "\n");
	return -1;
}

/* Every parameter's value in @cur: 0, or 1 with the message out. */
static int read_all(const char *me, const char *mnt, __u64 cur[P_MAX])
{
	for (int i = 0; i < P_MAX; i++) {
		char buf[40];
		int err = io_param_read(mnt, param_descs[i].name, buf, sizeof(buf));

		if (!err && param_parse_u64(buf, strlen(buf), 0, ~0ULL, &cur[i]))
			err = -EINVAL;
		if (err) {
			fprintf(stderr, "%s: %s/params/%s: %s\n", me, mnt,
				param_descs[i].name,
				err == -EINVAL ? "not a number" : strerror(-err));
			return 1;
		}
	}
	return 0;
}

/* The parameter subcommands' options (get and set take -m and -h). */
static const struct option base_opts[] = {
	{ "mountpoint", required_argument, NULL, 'm' },
	{ "help", no_argument, NULL, 'h' },
	{ "persist", no_argument, NULL, 'p' },
	{ "config-file", required_argument, NULL, 'c' },
	{}
};

static void usage_get(FILE *f)
{
	fprintf(f, "Usage: energyctl get [-m DIR] PARAM\n"
		   "Print energyd's parameter PARAM (params/PARAM of the mount).\n\n"
		   "  -m, --mountpoint DIR  energyd's files (default " CTL_MOUNT_DEFAULT ")\n"
		   "  -h, --help            this text\n\nParameters:");
	for (int i = 0; i < P_MAX; i++)
		fprintf(f, " %s", param_descs[i].name);
	fprintf(f, "\n");
}

int ctl_get(int argc, char **argv)
{
	const char *mnt = CTL_MOUNT_DEFAULT;
	char buf[40];
	int c, id, err;

	while ((c = getopt_long(argc, argv, "+m:h", base_opts, NULL)) != -1) {
		if (c == 'm') {
			mnt = optarg;
		} else if (c == 'h') {
			usage_get(stdout);
			return 0;
		} else {
			usage_get(stderr);
			return 2;
		}
	}
	if (argc - optind != 1) {
		usage_get(stderr);
		return 2;
	}
	id = param_named("energyctl get", argv[optind]);
	if (id < 0)
		return 2;
	err = io_param_read(mnt, param_descs[id].name, buf, sizeof(buf));
	if (err) {
		fprintf(stderr, "energyctl get: %s/params/%s: %s\n", mnt,
			param_descs[id].name, strerror(-err));
		return 1;
	}
	printf("%s\n", buf);
	return 0;
}

static void usage_set(FILE *f)
{
	fprintf(f, "Usage: energyctl set [-m DIR] PARAM VALUE\n"
		   "Set energyd's parameter PARAM to VALUE (root); it takes effect at once.\n\n"
		   "  -m, --mountpoint DIR  energyd's files (default " CTL_MOUNT_DEFAULT ")\n"
		   "  -h, --help            this text\n\nParameters and ranges:\n");
	for (int i = 0; i < P_MAX; i++)
		fprintf(f, "  %-20s %llu..%llu %s\n", param_descs[i].name,
			param_descs[i].min, param_descs[i].max, param_descs[i].unit);
}

/* Write @val to parameter @id, the message out when it fails. */
static int write_one(const char *me, const char *mnt, int id, const char *val,
		     const __u64 cur[P_MAX])
{
	int err = io_param_write(mnt, param_descs[id].name, val);
	char msg[400];

	if (err == -EINVAL) {
		pmsg_refused(msg, sizeof(msg), id, val, cur);
		fprintf(stderr, "%s: %s\n", me, msg);
	} else if (err) {
		fprintf(stderr, "%s: %s/params/%s: %s%s\n", me, mnt,
			param_descs[id].name, strerror(-err),
			err == -EACCES || err == -EPERM ?
			" (parameters are written by root)" : "");
	}
	return err;
}

int ctl_set(int argc, char **argv)
{
	const char *mnt = CTL_MOUNT_DEFAULT;
	__u64 cur[P_MAX];
	int c, id;

	while ((c = getopt_long(argc, argv, "+m:h", base_opts, NULL)) != -1) {
		if (c == 'm') {
			mnt = optarg;
		} else if (c == 'h') {
			usage_set(stdout);
			return 0;
		} else {
			usage_set(stderr);
			return 2;
		}
	}
	if (argc - optind != 2) {
		usage_set(stderr);
		return 2;
	}
	id = param_named("energyctl set", argv[optind]);
	if (id < 0)
		return 2;
	if (read_all("energyctl set", mnt, cur))
		return 1;
	return write_one("energyctl set", mnt, id, argv[optind + 1], cur) ? 1 : 0;
}

static void usage_apply(FILE *f)
{
	fprintf(f, "Usage: energyctl apply [-m DIR] WEIGHTS [--persist [--config-file PATH]]\n"
		   "Write every value of WEIGHTS (the format of model/weights.conf) to\n"
		   "energyd's params/ (root). When energyd refuses one, the values already\n"
		   "written are set back to what they were.\n\n"
		   "  -m, --mountpoint DIR    energyd's files (default " CTL_MOUNT_DEFAULT ")\n"
		   "  -p, --persist           also set them in the configuration file, its\n"
		   "                          other lines kept\n"
		   "  -c, --config-file PATH  that file (default " CONFIG_DEFAULT ")\n"
		   "  -h, --help              this text\n");
}

/* Read the weights file @path whole into @text: 0, or 1 with the message
 * out. */
static int read_weights(const char *path, char **text, size_t *len)
{
	struct stat sb;

	if (stat(path, &sb)) {
		fprintf(stderr, "energyctl apply: %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (!S_ISREG(sb.st_mode) || sb.st_size > WEIGHTS_MAX) {
		fprintf(stderr, "energyctl apply: %s: %s\n", path,
			S_ISREG(sb.st_mode) ? "larger than 1 MiB" : "not a regular file");
		return 1;
	}
	*text = io_read("", path, len);
	if (!*text) {
		fprintf(stderr, "energyctl apply: %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (strlen(*text) != *len) {
		fprintf(stderr, "energyctl apply: %s: holds a NUL byte\n", path);
		free(*text);
		return 1;
	}
	return 0;
}

/* Write back the @n parameters of @order already written to @cur. */
static void roll_back(const char *mnt, const int *order, int n, const __u64 cur[P_MAX])
{
	for (int k = n - 1; k >= 0; k--) {
		int id = order[k], err;
		char val[24];

		snprintf(val, sizeof(val), "%llu", cur[id]);
		err = io_param_write(mnt, param_descs[id].name, val);
		if (err)
			fprintf(stderr, "energyctl apply: could not set %s back to %s: %s\n",
				param_descs[id].name, val, strerror(-err));
		else
			fprintf(stderr, "energyctl apply: %s set back to %s\n",
				param_descs[id].name, val);
	}
}

int ctl_apply(int argc, char **argv)
{
	const char *mnt = CTL_MOUNT_DEFAULT, *config = CONFIG_DEFAULT, *path;
	__u64 want[P_MAX] = { [P_SAMPLE_NS] = SAMPLE_NS_DEFAULT,
			      [P_WINDOW_NS] = WINDOW_NS_DEFAULT }, cur[P_MAX], prev[P_MAX];
	bool set[P_MAX] = {}, persist = false;
	int c, n, order[P_MAX], ret = 1;
	char why[200], *text = NULL;
	size_t len;

	while ((c = getopt_long(argc, argv, "m:hpc:", base_opts, NULL)) != -1) {
		switch (c) {
		case 'm': mnt = optarg; break;
		case 'p': persist = true; break;
		case 'c': config = optarg; break;
		case 'h': usage_apply(stdout); return 0;
		default: usage_apply(stderr); return 2;
		}
	}
	if (argc - optind != 1) {
		usage_apply(stderr);
		return 2;
	}
	path = argv[optind];
	if (read_weights(path, &text, &len))
		return 1;
	if (params_parse_conf(text, want, set, why, sizeof(why))) {
		fprintf(stderr, "energyctl apply: %s: %s; nothing changed\n", path, why);
		goto out;
	}
	if (read_all("energyctl apply", mnt, cur))
		goto out;
	memcpy(prev, cur, sizeof(prev));
	n = pmsg_order(set, want, cur, order);
	for (int k = 0; k < n; k++) {
		int id = order[k];
		char val[24];

		snprintf(val, sizeof(val), "%llu", want[id]);
		if (write_one("energyctl apply", mnt, id, val, cur)) {
			if (k)
				roll_back(mnt, order, k, prev);
			fprintf(stderr, "energyctl apply: %s not applied; parameters as before\n",
				path);
			goto out;
		}
		/* The pair's check is against what is in force now. */
		if (id == P_SAMPLE_NS || id == P_WINDOW_NS)
			cur[id] = want[id];
	}
	printf("%s: %d parameter%s applied\n", path, n, n == 1 ? "" : "s");
	if (persist) {
		char *old = io_read("", config, NULL);
		struct rbuf b = {};
		int err;

		/* A file that is not there yet starts empty. */
		if (!old && errno != ENOENT) {
			fprintf(stderr, "energyctl apply: %s: %s (the values are applied, not persisted)\n",
				config, strerror(errno));
			goto out;
		}
		pmsg_persist(old, set, want, path, &b);
		free(old);
		err = b.oom ? -ENOMEM : io_write_atomic(config, b.data ? b.data : "", b.len);
		rbuf_free(&b);
		if (err) {
			fprintf(stderr, "energyctl apply: %s: %s (the values are applied, not persisted)\n",
				config, strerror(-err));
			goto out;
		}
		printf("written to %s\n", config);
	}
	ret = 0;
out:
	free(text);
	return ret;
}
