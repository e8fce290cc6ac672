// SPDX-License-Identifier: GPL-2.0-only
/*
 * energyd-train: fit the energy model to windows recorded with
 * `energyd --record FILE` on a machine that measures its energy.
 *
 *   energyd-train FILE... > weights.conf
 *   energyd --weights weights.conf
 *
 * Every line of every file must be a complete record: a truncated or
 * malformed line is an error that names the file and line, and nothing is
 * printed. The result is written in the format of model/weights.conf,
 * checked by the same parser energyd uses.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "params.h"

static int read_records(const char *path, struct model_record **r, size_t *n,
			size_t *cap)
{
	char line[512];
	long no = 0;
	FILE *f;

	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "energyd-train: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	while (fgets(line, sizeof(line), f)) {
		size_t len = strlen(line);

		no++;
		if (!len || line[len - 1] != '\n') {
			fprintf(stderr, "energyd-train: %s: line %ld: %s\n", path, no,
				len == sizeof(line) - 1 ? "too long" : "truncated (no newline)");
			fclose(f);
			return -EINVAL;
		}
		line[len - 1] = '\0';
		if (line[0] == '#')
			continue;	/* where a recording started */
		if (*n == *cap) {
			size_t c = *cap ? *cap * 2 : 256;
			struct model_record *p = realloc(*r, c * sizeof(*p));

			if (!p) {
				fclose(f);
				return -ENOMEM;
			}
			*r = p;
			*cap = c;
		}
		if (model_record_parse(line, &(*r)[*n])) {
			fprintf(stderr, "energyd-train: %s: line %ld: not a record of energyd --record\n",
				path, no);
			fclose(f);
			return -EINVAL;
		}
		(*n)++;
	}
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	static const char *const names[M_METRICS] = {
		"w_cpu_ns", "w_mem_bytes", "w_instructions", "w_wakeups",
		"w_disk_read_bytes", "w_disk_write_bytes", "w_net_rx_packets",
		"w_net_tx_packets",
	};
	struct model_record *r = NULL;
	size_t n = 0, cap = 0;
	struct model_fit fit;
	__u64 p[P_MAX] = { [P_SAMPLE_NS] = SAMPLE_NS_DEFAULT,
			   [P_WINDOW_NS] = WINDOW_NS_DEFAULT };
	bool set[P_MAX] = {};
	char out[2048], why[160];
	int len = 0, err;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fprintf(argc < 2 ? stderr : stdout,
			"Usage: energyd-train FILE...  (records of energyd --record)\n");
		return argc < 2 ? 2 : 0;
	}
	for (int i = 1; i < argc; i++)
		if (read_records(argv[i], &r, &n, &cap))
			goto fail;
	err = model_train(r, n, &fit);
	if (err) {
		fprintf(stderr, "energyd-train: %zu windows: need at least %d\n", n,
			M_METRICS + 1);
		goto fail;
	}
	len += snprintf(out + len, sizeof(out) - len,
			"# Trained by energyd-train on %zu windows, R^2 = %.4f.\n",
			fit.windows, fit.r2);
	for (int k = 0; k < M_METRICS; k++)
		len += snprintf(out + len, sizeof(out) - len, "%s = %.0f\n",
				names[k], fit.w[k]);
	len += snprintf(out + len, sizeof(out) - len, "idle_mw = %.0f\n",
			fit.idle_mw);
	if (params_parse_conf(out, p, set, why, sizeof(why))) {
		fprintf(stderr, "energyd-train: the fit is out of range: %s\n", why);
		goto fail;
	}
	fputs(out, stdout);
	free(r);
	return 0;
fail:
	free(r);
	return 1;
}
