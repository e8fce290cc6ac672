// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <string.h>

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
};

int param_by_name(const char *name)
{
	for (int i = 0; i < P_MAX; i++)
		if (!strcmp(param_descs[i].name, name))
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
