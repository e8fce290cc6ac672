// SPDX-License-Identifier: GPL-2.0-only
/*
 * energyctl train: fit the energy model to windows recorded on a machine
 * that measures its energy, and write the weights file.
 *
 *   energyctl train [--folds K] [--ridge L] [--target T] FILE... -o WEIGHTS
 *
 * FILEs are energyd's records (energyd --record) or the original's
 * energy-logger.sh files, told apart by content (model/input.h); the fit,
 * its cross-validation and the choice of metrics are model/fit.h's. Here:
 * options, reading the files, messages, and writing WEIGHTS whole (a
 * temporary file renamed over it) or not at all.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "conf.h"
#include "ctl.h"
#include "fit.h"
#include "input.h"
#include "io.h"
#include "params.h"
#include "rbuf.h"

#define ME	"energyctl train"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: energyctl train [OPTION]... FILE... -o WEIGHTS\n"
		"Fit energy = idle power x time + sum of weight x metric (every weight >= 0)\n"
		"to the windows in FILEs: records of energyd --record, or energy-logger.sh\n"
		"files of the original procpower (blocks of its sys or all file separated by\n"
		"lines of -------), told apart by content. Write WEIGHTS in the format of\n"
		"model/weights.conf, for energyd --weights.\n\n"
		"  -o, --output WEIGHTS  where to write the weights ('-': standard output);\n"
		"                        written whole or not at all\n"
		"  -k, --folds K         K-fold cross-validation over contiguous blocks of\n"
		"                        time (default %d, %d..%d)\n"
		"  -r, --ridge L         ridge strength, unit-free (columns scaled to unit\n"
		"                        root mean square); default: chosen by\n"
		"                        cross-validation from 0, 1e-4, 1e-3, 1e-2, 1e-1\n"
		"  -t, --target T        the energy of logger files: auto (default: psys\n"
		"                        where present, else pkg+dram, pkg, core), psys,\n"
		"                        pkg+dram, pkg or core\n"
		"  -h, --help            this text\n\n"
		"Metrics take part only where they lower the held-out error; the report\n"
		"(per fold and mean R^2, RMSE, MAE, MAPE, median APE, next to constant\n"
		"power's) goes to standard output, or to standard error with -o -.\n",
		FIT_FOLDS_DEFAULT, FIT_FOLDS_MIN, FIT_FOLDS_MAX);
}

struct file {
	const char *path;
	struct input in;
	struct log_stats st;
};

/* Read @f->path line by line into @f->in. 0, or 1 with the message out. */
static int read_file(struct file *f)
{
	char *line = NULL;
	size_t cap = 0;
	struct stat sb;
	ssize_t len;
	FILE *fp;
	int err = 0;

	input_init(&f->in);
	fp = fopen(f->path, "r");
	if (!fp) {
		fprintf(stderr, ME ": %s: %s\n", f->path, strerror(errno));
		return 1;
	}
	if (fstat(fileno(fp), &sb) || S_ISDIR(sb.st_mode)) {
		fprintf(stderr, ME ": %s: %s\n", f->path,
			S_ISDIR(sb.st_mode) ? "is a directory" : strerror(errno));
		fclose(fp);
		return 1;
	}
	errno = 0;
	while ((len = getline(&line, &cap, fp)) > 0) {
		bool nl = line[len - 1] == '\n';

		err = input_line(&f->in, line, len - nl, nl);
		if (err) {
			fprintf(stderr, ME ": %s: %s\n", f->path,
				err == -ENOMEM ? strerror(ENOMEM) : f->in.why);
			err = 1;
			goto cleanup;
		}
		errno = 0;
	}
	if (ferror(fp)) {
		fprintf(stderr, ME ": %s: %s\n", f->path, strerror(errno ? errno : EIO));
		err = 1;
		goto cleanup;
	}
	if (input_end(&f->in)) {
		fprintf(stderr, ME ": %s: %s\n", f->path, f->in.why);
		err = 1;
	}
cleanup:
	free(line);
	fclose(fp);
	return err;
}

/* The malformed blocks of a log, the first few by line. */
static void tell_malformed(const struct file *f)
{
	const struct input *in = &f->in;

	if (!in->malformed)
		return;
	fprintf(stderr, ME ": %s: %zu of %zu blocks malformed (torn by the logger?), skipped:\n",
		f->path, in->malformed, in->malformed + in->nblk);
	for (size_t i = 0; i < in->malformed && i < INPUT_BAD_SHOWN; i++)
		fprintf(stderr, "  %s: line %zu: %s\n", f->path, in->bad[i].line,
			in->bad[i].why);
	if (in->malformed > INPUT_BAD_SHOWN)
		fprintf(stderr, "  and %zu more\n", in->malformed - INPUT_BAD_SHOWN);
}

static void tell_windows(const struct file *f, enum train_target t)
{
	const struct log_stats *st = &f->st;

	if (st->lacking)
		fprintf(stderr, ME ": %s: %zu blocks without %s (the first at line %zu), skipped\n",
			f->path, st->lacking, target_sums(t), st->lacking_line);
	if (st->went_back)
		fprintf(stderr, ME ": %s: %zu blocks go back in time or in a counter (a restart? the first at line %zu): no window across them\n",
			f->path, st->went_back, st->back_line);
}

static int parse_folds(const char *s, unsigned int *folds)
{
	__u64 v;

	if (param_parse_u64(s, strlen(s), FIT_FOLDS_MIN, FIT_FOLDS_MAX, &v))
		return -EINVAL;
	*folds = v;
	return 0;
}

static int parse_ridge(const char *s, double *ridge)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (!*s || *end || errno || !isfinite(v) || !(v >= 0))
		return -EINVAL;
	*ridge = v;
	return 0;
}

/* What the fitted energy is, for the weights file's header. */
static const char *energy_of(bool records, bool logs, enum train_target t,
			     char *buf, size_t size)
{
	if (records && logs)
		snprintf(buf, size, "what energyd measured in records, %s in logs",
			 target_name(t));
	else if (records)
		snprintf(buf, size, "what energyd measured, psys or else pkg+dram");
	else
		snprintf(buf, size, "%s", target_name(t));
	return buf;
}

/* One line per file for the weights file's header, control characters of
 * its name shown as '?' so that the line stays a comment. */
static int describe_files(const struct file *files, int nfiles, char **sources)
{
	for (int i = 0; i < nfiles; i++) {
		const struct file *f = &files[i];
		int n;

		if (f->in.kind == INPUT_RECORDS)
			n = asprintf(&sources[i], "%s: %zu records of energyd --record",
				     f->path, f->in.nrec);
		else
			n = asprintf(&sources[i], "%s: energy-logger, %zu blocks (%zu malformed, skipped), %zu windows",
				     f->path, f->in.nblk + f->in.malformed,
				     f->in.malformed, f->st.windows);
		if (n < 0) {
			sources[i] = NULL;
			return -ENOMEM;
		}
		for (char *c = sources[i]; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				*c = '?';
	}
	return 0;
}

/* Fit the rows and write the weights; 0 or 1, with the messages out. */
static int fit_and_write(const struct file *files, int nfiles, const struct model_record *rows,
			 size_t nrows, const struct fit_opts *o, const char *energy,
			 const char *out)
{
	__u64 p[P_MAX] = { [P_SAMPLE_NS] = SAMPLE_NS_DEFAULT,
			   [P_WINDOW_NS] = WINDOW_NS_DEFAULT };
	struct rbuf conf = {}, report = {};
	struct fit_result *res;
	bool set[P_MAX] = {};
	char **sources, why[256];
	int ret = 1, err;

	res = malloc(sizeof(*res));
	sources = calloc(nfiles, sizeof(*sources));
	if (!res || !sources) {
		fprintf(stderr, ME ": %s\n", strerror(ENOMEM));
		goto cleanup;
	}
	err = fit_train(rows, nrows, o, res, why, sizeof(why));
	if (err) {
		fprintf(stderr, ME ": %s; nothing written\n",
			err == -ENOMEM ? strerror(ENOMEM) : why);
		goto cleanup;
	}
	if (describe_files(files, nfiles, sources)) {
		fprintf(stderr, ME ": %s\n", strerror(ENOMEM));
		goto cleanup;
	}
	conf_format(&conf, res, (const char *const *)sources, nfiles, energy);
	conf_report(&report, res);
	if (conf.oom || report.oom) {
		fprintf(stderr, ME ": %s\n", strerror(ENOMEM));
		goto cleanup;
	}
	/* What energyd will read: checked by the parser it uses. */
	if (params_parse_conf(conf.data, p, set, why, sizeof(why))) {
		fprintf(stderr, ME ": the fit is out of range for energyd: %s; nothing written\n",
			why);
		goto cleanup;
	}
	fputs(report.data, strcmp(out, "-") ? stdout : stderr);
	if (!strcmp(out, "-")) {
		fputs(conf.data, stdout);
		ret = fflush(stdout) ? 1 : 0;
		if (ret)
			fprintf(stderr, ME ": standard output: %s\n", strerror(errno));
		goto cleanup;
	}
	err = io_write_atomic(out, conf.data, conf.len);
	if (err) {
		fprintf(stderr, ME ": %s: %s; nothing written\n", out, strerror(-err));
		goto cleanup;
	}
	printf("wrote %s\n", out);
	ret = 0;
cleanup:
	for (int i = 0; sources && i < nfiles; i++)
		free(sources[i]);
	free(sources);
	free(res);
	rbuf_free(&conf);
	rbuf_free(&report);
	return ret;
}

/* The windows of every file, in order. 0 or 1, with the messages out. */
static int collect(struct file *files, int nfiles, enum train_target *target,
		   struct model_record **rows, size_t *nrows, bool *records,
		   bool *logs)
{
	const struct input **in;
	size_t nlogs = 0, cap = 0;
	int ret = 1;

	in = calloc(nfiles, sizeof(*in));
	if (!in) {
		fprintf(stderr, ME ": %s\n", strerror(ENOMEM));
		return 1;
	}
	for (int i = 0; i < nfiles; i++) {
		if (files[i].in.kind == INPUT_RECORDS) {
			if (*target != TARGET_AUTO) {
				fprintf(stderr, ME ": --target %s: %s holds records of energyd --record, whose energy is what energyd measured; --target is for energy-logger files\n",
					target_name(*target), files[i].path);
				goto cleanup;
			}
			*records = true;
		} else {
			in[nlogs++] = &files[i].in;
			tell_malformed(&files[i]);
		}
	}
	*logs = nlogs > 0;
	if (nlogs && *target == TARGET_AUTO) {
		*target = log_target(in, nlogs);
		if (*target == TARGET_AUTO) {
			fprintf(stderr, ME ": no well-formed energy-logger block has a rapl_*_sum_uj line: no energy to fit; nothing written\n");
			goto cleanup;
		}
	}
	for (int i = 0; i < nfiles; i++) {
		struct file *f = &files[i];
		int err = 0;

		if (f->in.kind == INPUT_RECORDS) {
			for (size_t r = 0; !err && r < f->in.nrec; r++) {
				if (*nrows == cap) {
					size_t c = cap ? cap * 2 : 256;
					struct model_record *p = realloc(*rows, c * sizeof(*p));

					if (!p) {
						err = -ENOMEM;
						break;
					}
					*rows = p;
					cap = c;
				}
				(*rows)[(*nrows)++] = f->in.rec[r];
			}
		} else {
			err = log_windows(&f->in, *target, rows, nrows, &cap, &f->st);
			tell_windows(f, *target);
		}
		if (err) {
			fprintf(stderr, ME ": %s: %s\n", f->path, strerror(-err));
			goto cleanup;
		}
	}
	ret = 0;
cleanup:
	free(in);
	return ret;
}

int ctl_train(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "folds", required_argument, NULL, 'k' },
		{ "ridge", required_argument, NULL, 'r' },
		{ "target", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct fit_opts o = { .folds = FIT_FOLDS_DEFAULT };
	enum train_target target = TARGET_AUTO;
	struct model_record *rows = NULL;
	bool records = false, logs = false;
	struct file *files = NULL;
	const char *out = NULL;
	size_t nrows = 0;
	int c, nfiles, ret = 1;
	char energy[128];

	optind = 0;	/* getopt afresh: the caller may have used it */
	while ((c = getopt_long(argc, argv, "o:k:r:t:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'k':
			if (parse_folds(optarg, &o.folds)) {
				fprintf(stderr, ME ": --folds: '%s' is not a number of folds in %d..%d\n",
					optarg, FIT_FOLDS_MIN, FIT_FOLDS_MAX);
				return 2;
			}
			break;
		case 'r':
			if (parse_ridge(optarg, &o.ridge)) {
				fprintf(stderr, ME ": --ridge: '%s' is not a finite number >= 0\n",
					optarg);
				return 2;
			}
			o.ridge_given = true;
			break;
		case 't':
			if (target_parse(optarg, &target)) {
				fprintf(stderr, ME ": --target: '%s' is not auto, psys, pkg+dram, pkg or core\n",
					optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	nfiles = argc - optind;
	if (!out || !nfiles) {
		fprintf(stderr, ME ": %s\n", !nfiles ? "no FILE to train on" :
			"no -o WEIGHTS: where should the weights go? ('-o -': standard output)");
		usage(stderr);
		return 2;
	}
	files = calloc(nfiles, sizeof(*files));
	if (!files) {
		fprintf(stderr, ME ": %s\n", strerror(ENOMEM));
		return 1;
	}
	for (int i = 0; i < nfiles; i++) {
		files[i].path = argv[optind + i];
		if (read_file(&files[i]))
			goto cleanup;
	}
	if (collect(files, nfiles, &target, &rows, &nrows, &records, &logs))
		goto cleanup;
	ret = fit_and_write(files, nfiles, rows, nrows, &o,
			    energy_of(records, logs, target, energy, sizeof(energy)),
			    out);
cleanup:
	for (int i = 0; i < nfiles; i++)
		input_free(&files[i].in);
	free(files);
	free(rows);
	return ret;
}
