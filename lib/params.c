// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "carbon.h"
#include "conffile.h"
#include "params.h"

int param_parse_u64(const char *s, size_t len, __u64 min, __u64 max,
		    __u64 *out)
{
	__u64 v = 0;
	size_t i;

	if (len && s[len - 1] == '\n')
		len--;
	if (!len)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		unsigned int d;

		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		d = s[i] - '0';
		if (v > (~0ULL - d) / 10) {
			/* keep scanning: junk after an overflow is -EINVAL */
			for (; i < len; i++)
				if (s[i] < '0' || s[i] > '9')
					return -EINVAL;
			return -ERANGE;
		}
		v = v * 10 + d;
	}
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

/* Weights are integers with three implied decimals; 10^15 leaves room for
 * any metric's value times the weight in 64 bits per window. */
#define WEIGHT_MAX	1000000000000000ULL

const struct param_desc param_descs[P_MAX] = {
	[P_SAMPLE_NS] = { "sample_ns", "nanoseconds", SAMPLE_NS_MIN, SAMPLE_NS_MAX },
	[P_WINDOW_NS] = { "window_ns", "nanoseconds", SAMPLE_NS_MIN, WINDOW_NS_MAX },
	[P_W_CPU_NS] = { "w_cpu_ns", "weight units", 0, WEIGHT_MAX },
	[P_W_MEM_BYTES] = { "w_mem_bytes", "weight units", 0, WEIGHT_MAX },
	[P_W_INSTRUCTIONS] = { "w_instructions", "weight units", 0, WEIGHT_MAX },
	[P_W_WAKEUPS] = { "w_wakeups", "weight units", 0, WEIGHT_MAX },
	[P_W_DISK_READ_BYTES] = { "w_disk_read_bytes", "weight units", 0, WEIGHT_MAX },
	[P_W_DISK_WRITE_BYTES] = { "w_disk_write_bytes", "weight units", 0, WEIGHT_MAX },
	[P_W_NET_RX_PACKETS] = { "w_net_rx_packets", "weight units", 0, WEIGHT_MAX },
	[P_W_NET_TX_PACKETS] = { "w_net_tx_packets", "weight units", 0, WEIGHT_MAX },
	[P_IDLE_MW] = { "idle_mw", "milliwatts", 0, 10000000 },
	[P_CARBON_G_PER_KWH] = { "carbon_g_per_kwh", "grams CO2e per kWh", 0,
				 CARBON_G_PER_KWH_MAX },
};

int param_by_name(const char *name)
{
	return param_by_name_len(name, strlen(name));
}

int param_by_name_len(const char *name, size_t len)
{
	for (int i = 0; i < P_MAX; i++)
		if (strlen(param_descs[i].name) == len &&
		    !memcmp(param_descs[i].name, name, len))
			return i;
	return -1;
}

int param_check(enum param_id id, const char *s, size_t len,
		const __u64 current[P_MAX], __u64 *out, char *why,
		size_t why_len)
{
	const struct param_desc *d = &param_descs[id];
	__u64 v;
	int err;

	err = param_parse_u64(s, len, d->min, d->max, &v);
	if (err == -EINVAL) {
		snprintf(why, why_len, "is not a number of %s", d->unit);
		return -EINVAL;
	}
	if (err) {
		snprintf(why, why_len, "is out of range (%llu..%llu)", d->min,
			 d->max);
		return -EINVAL;
	}
	if (id == P_SAMPLE_NS && v > current[P_WINDOW_NS]) {
		snprintf(why, why_len, "is longer than window_ns (%llu)",
			 current[P_WINDOW_NS]);
		return -EINVAL;
	}
	if (id == P_WINDOW_NS && v < current[P_SAMPLE_NS]) {
		snprintf(why, why_len, "is shorter than sample_ns (%llu)",
			 current[P_SAMPLE_NS]);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

int param_check_partial(enum param_id id, const char *s, size_t len,
			const __u64 current[P_MAX], char *why,
			size_t why_len)
{
	const struct param_desc *d = &param_descs[id];
	__u64 v = 0;
	size_t i;

	if (len && s[len - 1] == '\n')
		return param_check(id, s, len, current, &v, why, why_len);
	if (len > PARAM_WRITE_MAX) {
		snprintf(why, why_len, "is longer than %d bytes", PARAM_WRITE_MAX);
		return -EINVAL;
	}
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9') {
			snprintf(why, why_len, "is not a number of %s", d->unit);
			return -EINVAL;
		}
		/* More digits only make it larger. */
		if (v > (d->max - (s[i] - '0')) / 10) {
			snprintf(why, why_len, "is out of range (%llu..%llu)",
				 d->min, d->max);
			return -EINVAL;
		}
		v = v * 10 + (s[i] - '0');
	}
	return 0;
}

int param_conf_value(enum param_id id, const char *v, size_t vlen,
		     __u64 *out, char *why, size_t why_len)
{
	const struct param_desc *d = &param_descs[id];
	char reason[200];

	if (!param_parse_u64(v, vlen, d->min, d->max, out))
		return 0;
	param_quote(reason, v, vlen);
	snprintf(why, why_len, "%s: '%s' is not a number of %s in %llu..%llu",
		 d->name, reason, d->unit, d->min, d->max);
	return -EINVAL;
}

int params_parse_conf(const char *text, __u64 out[P_MAX], bool set[P_MAX],
		      char *why, size_t why_len)
{
	struct conf_line l = { .no = 0 };
	bool seen[P_MAX] = {};
	const char *p = text;
	char reason[200];
	__u64 vals[P_MAX];
	int id, rc;

	memcpy(vals, out, sizeof(vals));
	while ((rc = conf_line_next(&p, &l)) != 0) {
		if (rc < 0) {
			snprintf(why, why_len, "line %d: expected 'name = value'", l.no);
			return -EINVAL;
		}
		id = param_by_name_len(l.key, l.klen);
		if (id < 0) {
			snprintf(why, why_len, "line %d: unknown parameter '%.*s'",
				 l.no, (int)(l.klen > 40 ? 40 : l.klen), l.key);
			return -EINVAL;
		}
		if (seen[id]) {
			snprintf(why, why_len, "line %d: %s set twice", l.no,
				 param_descs[id].name);
			return -EINVAL;
		}
		if (param_conf_value(id, l.val, l.vlen, &vals[id], reason,
				     sizeof(reason))) {
			snprintf(why, why_len, "line %d: %s", l.no, reason);
			return -EINVAL;
		}
		seen[id] = true;
	}
	if (seen[P_SAMPLE_NS] || seen[P_WINDOW_NS]) {
		if (vals[P_SAMPLE_NS] > vals[P_WINDOW_NS]) {
			snprintf(why, why_len, "sample_ns %llu is longer than window_ns %llu",
				 vals[P_SAMPLE_NS], vals[P_WINDOW_NS]);
			return -EINVAL;
		}
	}
	memcpy(out, vals, sizeof(vals));
	for (int i = 0; i < P_MAX; i++)
		set[i] = set[i] || seen[i];
	return 0;
}

void param_quote(char *out, const char *s, size_t len)
{
	size_t n, o = 0;

	if (len && s[len - 1] == '\n')
		len--;	/* echo's newline is not part of the value */
	n = len > 40 ? 40 : len;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c >= 0x20 && c < 0x7f && c != '\\' && c != '\'')
			out[o++] = c;
		else
			o += sprintf(out + o, "\\x%02x", c);
	}
	if (len > n)
		o += sprintf(out + o, "...");
	out[o] = '\0';
}
