// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>

#include "config.h"
#include "log.h"
#include "options.h"
#include "publish.h"
#include "view.h"

/* The largest weights or configuration file read. */
#define TEXT_MAX	(1 << 20)

char *config_read_text(const char *path, const char *what, char *why,
		       size_t why_len)
{
	char *text = NULL, *nul;
	ssize_t len = 0, n;
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		snprintf(why, why_len, "%s", strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode))
			snprintf(why, why_len, "is a directory, not a file of %s", what);
		else
			snprintf(why, why_len, "is not a regular file");
		goto fail;
	}
	text = malloc(TEXT_MAX + 2);
	if (!text) {
		snprintf(why, why_len, "out of memory");
		goto fail;
	}
	while (len <= TEXT_MAX &&
	       (n = read(fd, text + len, TEXT_MAX + 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(why, why_len, "%s", strerror(errno));
			goto fail;
		}
		len += n;
	}
	if (len > TEXT_MAX) {
		snprintf(why, why_len, "is larger than 1 MiB");
		goto fail;
	}
	text[len] = '\0';
	nul = memchr(text, '\0', len);
	if (nul) {
		snprintf(why, why_len, "holds a NUL byte at offset %zd: not a text file",
			 nul - text);
		goto fail;
	}
	close(fd);
	return text;
fail:
	free(text);
	if (fd >= 0)
		close(fd);
	return NULL;
}

/*
 * The parameters of @file (NULL: none) over the built-in model and the
 * weights file, under the options, into @out. Returns 0, or -EINVAL with
 * "FILE:LINE: reason" or "--weights FILE: reason" in @why.
 */
static int compose(const struct config *cfg, const struct conffile *file,
		   __u64 out[P_MAX], char *why, size_t why_len)
{
	const char *weights = cfg->weights;
	bool set[P_MAX] = {};
	char reason[200], *text;
	int line = 0, err;

	err = config_builtin(out, reason, sizeof(reason));
	if (err) {
		snprintf(why, why_len, "built-in model/weights.conf: %s", reason);
		return err;
	}
	if (!cfg->opt_weights && file && file->line[CONF_WEIGHTS]) {
		weights = file->value[CONF_WEIGHTS];
		line = file->line[CONF_WEIGHTS];
	}
	if (weights) {
		text = config_read_text(weights, "weights", reason, sizeof(reason));
		err = text ? params_parse_conf(text, out, set, reason, sizeof(reason))
			   : -EINVAL;
		free(text);
		if (err) {
			if (line)
				snprintf(why, why_len, "%s:%d: weights %s: %s",
					 cfg->config_file, line, weights, reason);
			else
				snprintf(why, why_len, "--weights %s: %s", weights,
					 reason);
			return -EINVAL;
		}
	}
	for (int i = 0; file && i < P_MAX; i++)
		if (file->param_line[i])
			out[i] = file->params[i];
	for (int i = 0; i < P_MAX; i++)
		if (cfg->opt_set[i])
			out[i] = cfg->opt_params[i];
	if (out[P_WINDOW_NS] < out[P_SAMPLE_NS]) {
		snprintf(why, why_len, "window_ns %llu is shorter than sample_ns %llu",
			 out[P_WINDOW_NS], out[P_SAMPLE_NS]);
		return -EINVAL;
	}
	return 0;
}

/* Read and parse the configuration file into a new conffile: 0 with
 * *@out set (NULL when an optional file is absent), or -EINVAL with
 * "FILE:LINE: reason" in @why. */
static int parse_file(const struct config *cfg, struct conffile **out,
		      char *why, size_t why_len)
{
	struct conffile *c;
	char reason[256], *text;
	int line = 0, err;

	*out = NULL;
	if (!cfg->config_required && access(cfg->config_file, F_OK) &&
	    errno == ENOENT)
		return 0;
	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(why, why_len, "%s: out of memory", cfg->config_file);
		return -ENOMEM;
	}
	text = config_read_text(cfg->config_file, "settings", reason,
				sizeof(reason));
	if (!text) {
		snprintf(why, why_len, "%s: %s", cfg->config_file, reason);
		free(c);
		return -EINVAL;
	}
	/* sample_ns against window_ns: against what the options give. */
	err = config_builtin(c->params, reason, sizeof(reason));
	for (int i = 0; i < P_MAX; i++)
		if (cfg->opt_set[i])
			c->params[i] = cfg->opt_params[i];
	if (!err)
		err = conffile_parse(text, c, &line, reason, sizeof(reason));
	free(text);
	if (err) {
		snprintf(why, why_len, "%s:%d: %s", cfg->config_file, line, reason);
		free(c);
		return -EINVAL;
	}
	*out = c;
	return 0;
}

/* The settings that only a start applies, from @c unless an option set
 * them. Returns 0, or -EINVAL with FILE:LINE: reason in @why. */
static int apply_settings(struct config *cfg, const struct conffile *c,
			  char *why, size_t why_len)
{
	const char *v;
	char reason[160];

	if (!cfg->opt_mountpoint && c->line[CONF_MOUNTPOINT]) {
		v = c->value[CONF_MOUNTPOINT];
		free(cfg->mountpoint_owned);
		cfg->mountpoint_owned = strcmp(v, "none") ? strdup(v) : NULL;
		if (strcmp(v, "none") && !cfg->mountpoint_owned) {
			snprintf(why, why_len, "out of memory");
			return -ENOMEM;
		}
		cfg->mountpoint = cfg->mountpoint_owned;
	}
	if (!cfg->opt_source && c->line[CONF_ENERGY_SOURCE] &&
	    rapl_parse_source(c->value[CONF_ENERGY_SOURCE], &cfg->rapl.want)) {
		snprintf(why, why_len, "%s:%d: energy_source: '%s' is not known",
			 cfg->config_file, c->line[CONF_ENERGY_SOURCE],
			 c->value[CONF_ENERGY_SOURCE]);
		return -EINVAL;
	}
	if (!cfg->opt_listen && c->line[CONF_LISTEN] &&
	    listen_parse(c->value[CONF_LISTEN], &cfg->listen, reason,
			 sizeof(reason))) {
		snprintf(why, why_len, "%s:%d: listen '%s': %s", cfg->config_file,
			 c->line[CONF_LISTEN], c->value[CONF_LISTEN], reason);
		return -EINVAL;
	}
	return 0;
}

int config_load(struct config *cfg)
{
	struct conffile *c;
	char why[1400];
	int err;

	err = parse_file(cfg, &c, why, sizeof(why));
	if (!err && c)
		err = apply_settings(cfg, c, why, sizeof(why));
	if (!err)
		err = compose(cfg, c, cfg->params, why, sizeof(why));
	if (err) {
		fprintf(stderr, "energyd: %s\n", why);
		free(c);
		return -EINVAL;
	}
	cfg->file = c;
	return 0;
}

/* Log each start-only setting that the new file changes. */
static void settings_changed(const struct config *cfg,
			     const struct conffile *now)
{
	for (int i = 0; i < CONF_SETTINGS; i++) {
		const char *was = cfg->file && cfg->file->line[i] ?
				  cfg->file->value[i] : "";
		const char *is = now && now->line[i] ? now->value[i] : "";

		if (i != CONF_WEIGHTS && strcmp(was, is))
			log_warn("%s: %s changed: it takes effect at the next start",
				 cfg->config_file, conf_setting_names[i]);
	}
}

/* Every parameter to @p, those that change stamped now; the sampler is
 * woken when sample_ns changes. Returns how many changed. */
static int params_replace(struct view *v, const __u64 p[P_MAX])
{
	__u64 one = 1, now = real_ns();
	bool wake = false;
	int n = 0;

	pthread_mutex_lock(&v->params_lock);
	for (int i = 0; i < P_MAX; i++) {
		if (view_param(v, i) == p[i])
			continue;
		wake |= i == P_SAMPLE_NS;
		__atomic_store_n(&v->params[i], p[i], __ATOMIC_RELAXED);
		__atomic_store_n(&v->param_time[i], now, __ATOMIC_RELAXED);
		n++;
	}
	pthread_mutex_unlock(&v->params_lock);
	if (wake && write(v->wake_fd, &one, sizeof(one)) < 0)
		log_warn("cannot wake the sampler: %s", strerror(errno));
	return n;
}

int config_reload(struct config *cfg, struct view *v)
{
	struct conffile *c;
	struct timespec ts;
	__u64 p[P_MAX];
	char why[1400];
	int err, n;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	/* MONOTONIC_USEC: what Type=notify-reload (systemd 253) asks for;
	 * older managers ignore it. */
	sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu",
		   (unsigned long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
	err = parse_file(cfg, &c, why, sizeof(why));
	if (!err)
		err = compose(cfg, c, p, why, sizeof(why));
	if (err) {
		log_err("%s; configuration not reloaded, the running one kept", why);
		goto out;
	}
	settings_changed(cfg, c);
	n = params_replace(v, p);
	free(cfg->file);
	cfg->file = c;
	log_info("%s: reloaded, %d parameter%s changed", cfg->config_file, n,
		 n == 1 ? "" : "s");
out:
	sd_notify(0, "READY=1");
	return err;
}
