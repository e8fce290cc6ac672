// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "conffile.h"

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

int conf_line_next(const char **p, struct conf_line *l)
{
	while (**p) {
		const char *s = *p, *end = strchr(s, '\n'), *hash, *eq;
		size_t len = end ? (size_t)(end - s) : strlen(s);

		*p = end ? end + 1 : s + len;
		l->no++;
		hash = memchr(s, '#', len);
		if (hash)
			len = hash - s;
		while (len && blank(*s)) {
			s++;
			len--;
		}
		while (len && blank(s[len - 1]))
			len--;
		if (!len)
			continue;
		eq = memchr(s, '=', len);
		if (!eq)
			return -EINVAL;
		l->key = s;
		l->klen = eq - s;
		while (l->klen && blank(s[l->klen - 1]))
			l->klen--;
		l->val = eq + 1;
		l->vlen = s + len - l->val;
		while (l->vlen && blank(*l->val)) {
			l->val++;
			l->vlen--;
		}
		return 1;
	}
	return 0;
}

const char *const conf_setting_names[CONF_SETTINGS] = {
	[CONF_MOUNTPOINT] = "mountpoint",
	[CONF_ENERGY_SOURCE] = "energy_source",
	[CONF_WEIGHTS] = "weights",
	[CONF_LISTEN] = "listen",
};

static const char *const energy_sources[] = {
	"auto", "perf", "powercap", "msr", "none",
};

static int setting_by_name(const char *k, size_t klen)
{
	for (int i = 0; i < CONF_SETTINGS; i++)
		if (strlen(conf_setting_names[i]) == klen &&
		    !memcmp(conf_setting_names[i], k, klen))
			return i;
	return -1;
}

/* Why value @v of setting @s is refused, or NULL. */
static const char *setting_fault(int s, const char *v, size_t vlen)
{
	size_t i;

	if (vlen >= CONF_VALUE_MAX)
		return "is longer than 1023 bytes";
	for (i = 0; i < vlen; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return "holds a control character";
	switch (s) {
	case CONF_MOUNTPOINT:
		if (vlen == 4 && !memcmp(v, "none", 4))
			return NULL;
		return v[0] == '/' ? NULL : "is neither an absolute path nor none";
	case CONF_WEIGHTS:
		return v[0] == '/' ? NULL : "is not an absolute path";
	case CONF_ENERGY_SOURCE:
		for (i = 0; i < sizeof(energy_sources) / sizeof(energy_sources[0]); i++)
			if (strlen(energy_sources[i]) == vlen &&
			    !memcmp(energy_sources[i], v, vlen))
				return NULL;
		return "is not one of auto, perf, powercap, msr, none";
	case CONF_LISTEN:
		return memchr(v, ' ', vlen) || memchr(v, '\t', vlen) ?
		       "holds a blank: expected [ADDR:]PORT" : NULL;
	}
	return NULL;
}

int conffile_parse(const char *text, struct conffile *c, int *line,
		   char *why, size_t why_len)
{
	struct conffile n = *c;
	struct conf_line l = { .no = 0 };
	const char *p = text;
	char reason[200];
	int rc;

	memset(n.param_line, 0, sizeof(n.param_line));
	memset(n.line, 0, sizeof(n.line));
	while ((rc = conf_line_next(&p, &l)) != 0) {
		const char *fault;
		int id, s, *seen;

		*line = l.no;
		if (rc < 0) {
			snprintf(why, why_len, "expected 'name = value'");
			return -EINVAL;
		}
		s = setting_by_name(l.key, l.klen);
		id = s < 0 ? param_by_name_len(l.key, l.klen) : -1;
		if (s < 0 && id < 0) {
			snprintf(why, why_len, "unknown setting '%.*s'",
				 (int)(l.klen > 40 ? 40 : l.klen), l.key);
			return -EINVAL;
		}
		seen = s >= 0 ? &n.line[s] : &n.param_line[id];
		if (*seen) {
			snprintf(why, why_len, "%.*s set twice (first on line %d)",
				 (int)l.klen, l.key, *seen);
			return -EINVAL;
		}
		if (!l.vlen) {
			snprintf(why, why_len, "%.*s: no value", (int)l.klen, l.key);
			return -EINVAL;
		}
		if (id >= 0) {
			if (param_conf_value(id, l.val, l.vlen, &n.params[id],
					     why, why_len))
				return -EINVAL;
			*seen = l.no;
			continue;
		}
		fault = setting_fault(s, l.val, l.vlen);
		if (fault) {
			param_quote(reason, l.val, l.vlen);
			snprintf(why, why_len, "%s: '%s' %s", conf_setting_names[s],
				 reason, fault);
			return -EINVAL;
		}
		memcpy(n.value[s], l.val, l.vlen);
		n.value[s][l.vlen] = '\0';
		*seen = l.no;
	}
	if (n.params[P_SAMPLE_NS] > n.params[P_WINDOW_NS]) {
		int a = n.param_line[P_SAMPLE_NS], b = n.param_line[P_WINDOW_NS];

		*line = a > b ? a : b;
		snprintf(why, why_len, "sample_ns %llu is longer than window_ns %llu",
			 n.params[P_SAMPLE_NS], n.params[P_WINDOW_NS]);
		return -EINVAL;
	}
	*c = n;
	return 0;
}
