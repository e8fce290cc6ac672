// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"

/* The *system* line's counters, in enum model_metric order. */
static const char *const sys_names[M_METRICS] = {
	"cpu_ns", "mem", "instructions", "wakeups", "diski", "disko", "rx", "tx",
};

void input_init(struct input *in)
{
	memset(in, 0, sizeof(*in));
}

void input_free(struct input *in)
{
	free(in->rec);
	free(in->blk);
	in->rec = NULL;
	in->blk = NULL;
}

static int grow(void **p, size_t *cap, size_t n, size_t size)
{
	size_t c;
	void *q;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 256;
	q = realloc(*p, c * size);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = c;
	return 0;
}

/* Decimal digits, the whole of @s (@len bytes), into @v. */
static int digits(const char *s, size_t len, __u64 *v)
{
	__u64 x = 0;

	if (!len)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9' || x > (~0ULL - (s[i] - '0')) / 10)
			return -EINVAL;
		x = x * 10 + (s[i] - '0');
	}
	*v = x;
	return 0;
}

/* Quote at most 40 bytes of a line for a message. */
static void quote(char *out, size_t size, const char *s, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len && i < 40 && o + 5 < size; i++) {
		unsigned char c = s[i];

		if (c >= 0x20 && c < 0x7f && c != '\'')
			out[o++] = c;
		else
			o += snprintf(out + o, size - o, "\\x%02x", c);
	}
	if (len > 40 && o + 4 < size)
		o += snprintf(out + o, size - o, "...");
	out[o] = '\0';
}

/* The block being read is bad: keep the first reason. */
static void block_bad(struct input *in, size_t lineno, const char *line,
		      size_t len, const char *what)
{
	char q[168];

	if (in->cur_bad)
		return;
	in->cur_bad = true;
	in->cur_why.line = lineno;
	if (line) {
		quote(q, sizeof(q), line, len);
		snprintf(in->cur_why.why, sizeof(in->cur_why.why), "'%s': %s", q, what);
	} else {
		snprintf(in->cur_why.why, sizeof(in->cur_why.why), "%s", what);
	}
}

/* The pid=0 line: every counter once, "comm=*system*" last. */
static int system_line(struct input *in, const char *line, size_t len)
{
	bool seen[M_METRICS] = {};
	const char *p = line, *end = line + len;
	bool comm = false;

	while (p < end) {
		const char *sp = memchr(p, ' ', end - p), *eq;
		size_t tlen = (sp ? sp : end) - p;
		int k;

		if (comm)
			return -EINVAL;	/* something after comm= */
		eq = memchr(p, '=', tlen);
		if (!eq)
			return -EINVAL;
		if ((size_t)(eq - p) == 4 && !strncmp(p, "comm", 4)) {
			if (tlen != 13 || strncmp(eq + 1, "*system*", 8))
				return -EINVAL;
			comm = true;
		}
		for (k = 0; !comm && k < M_METRICS; k++)
			if (strlen(sys_names[k]) == (size_t)(eq - p) &&
			    !strncmp(p, sys_names[k], eq - p))
				break;
		if (!comm && k < M_METRICS) {
			if (seen[k] || digits(eq + 1, p + tlen - eq - 1, &in->cur.sys[k]))
				return -EINVAL;
			seen[k] = true;
		}
		p += tlen + (sp ? 1 : 0);
	}
	for (int k = 0; k < M_METRICS; k++)
		if (!seen[k])
			return -EINVAL;
	return comm ? 0 : -EINVAL;
}

static int log_line(struct input *in, const char *line, size_t len)
{
	const char *eq = memchr(line, '=', len);
	size_t klen = eq ? (size_t)(eq - line) : 0;
	char key[32];
	__u64 v;

	in->cur_lines = true;
	for (size_t i = 0; i < klen; i++)
		if (!(line[i] == '_' || (line[i] >= 'a' && line[i] <= 'z') ||
		      (line[i] >= 'A' && line[i] <= 'Z') || (line[i] >= '0' && line[i] <= '9')))
			klen = 0;
	if (!klen) {
		block_bad(in, in->line, line, len, "not a name=value line");
		return 0;
	}
	snprintf(key, sizeof(key), "%.*s", (int)(klen < 31 ? klen : 31), line);
	if (!strcmp(key, "pid")) {
		__u64 pid;
		const char *sp = memchr(eq, ' ', line + len - eq);

		if (digits(eq + 1, (sp ? sp : line + len) - eq - 1, &pid)) {
			block_bad(in, in->line, line, len, "pid is not a number");
		} else if (!pid) {
			if (in->cur_sys)
				block_bad(in, in->line, line, len, "a second *system* line");
			else if (system_line(in, line, len))
				block_bad(in, in->line, line, len, "not a complete *system* line");
			in->cur_sys = true;
		}
		return 0;	/* processes of an all dump: not used */
	}
	if (!strcmp(key, "timestamp")) {
		in->log_like = true;
		if (in->cur_ts)
			block_bad(in, in->line, line, len, "a second timestamp");
		else if (digits(eq + 1, line + len - eq - 1, &in->cur.ts_ns))
			block_bad(in, in->line, line, len, "not a number of nanoseconds");
		in->cur_ts = true;
		return 0;
	}
	for (int d = 0; d < RAPL_DOMAINS; d++) {
		char name[32];

		snprintf(name, sizeof(name), "rapl_%s_sum_uj", rapl_domain_name(d));
		if (strcmp(key, name))
			continue;
		if (in->cur.rapl & (1U << d))
			block_bad(in, in->line, line, len, "given twice");
		else if (digits(eq + 1, line + len - eq - 1, &v))
			block_bad(in, in->line, line, len, "not a number of microjoules");
		else
			in->cur.rapl_uj[d] = v;
		in->cur.rapl |= 1U << d;
		return 0;
	}
	return 0;	/* iterations=, sample_ns=, energy_source=, ...: not used */
}

/* The end of a logger block: keep it, or count it as skipped. */
static int block_end(struct input *in)
{
	int err = 0;

	if (!in->cur_lines)
		goto reset;
	/* Named by the block's first line. */
	if (!in->cur_ts)
		block_bad(in, in->cur.line, NULL, 0, "a block without timestamp=");
	if (!in->cur_sys)
		block_bad(in, in->cur.line, NULL, 0, "a block without the *system* line");
	if (in->cur_bad) {
		if (in->malformed < INPUT_BAD_SHOWN)
			in->bad[in->malformed] = in->cur_why;
		in->malformed++;
		goto reset;
	}
	err = grow((void **)&in->blk, &in->cap_blk, in->nblk, sizeof(*in->blk));
	if (!err)
		in->blk[in->nblk++] = in->cur;
reset:
	memset(&in->cur, 0, sizeof(in->cur));
	in->cur_lines = in->cur_ts = in->cur_sys = in->cur_bad = false;
	return err;
}

/* "-------"; at the end of a file cut short, what is left of one. */
static bool separator(const char *line, size_t len, bool complete)
{
	if (len < (complete ? 3 : 1))
		return false;
	for (size_t i = 0; i < len; i++)
		if (line[i] != '-')
			return false;
	return true;
}

static int record_line(struct input *in, const char *line, size_t len,
		       bool complete)
{
	char *copy;
	int err;

	if (!complete) {
		snprintf(in->why, sizeof(in->why), "line %zu: truncated (no newline)",
			 in->line);
		return -EINVAL;
	}
	if (memchr(line, '\0', len)) {
		snprintf(in->why, sizeof(in->why), "line %zu: a NUL byte", in->line);
		return -EINVAL;
	}
	err = grow((void **)&in->rec, &in->cap_rec, in->nrec, sizeof(*in->rec));
	if (err)
		return err;
	copy = strndup(line, len);
	if (!copy)
		return -ENOMEM;
	err = model_record_parse(copy, &in->rec[in->nrec]);
	free(copy);
	if (err) {
		snprintf(in->why, sizeof(in->why), "line %zu: not a record of energyd --record",
			 in->line);
		return -EINVAL;
	}
	in->nrec++;
	return 0;
}

int input_line(struct input *in, const char *line, size_t len, bool complete)
{
	size_t lineno = ++in->line;

	if (len && line[len - 1] == '\r')
		len--;	/* a file that went through an editor */
	if (in->kind == INPUT_NONE) {
		if (!len || line[0] == '#')
			return 0;
		in->kind = len >= 10 && !strncmp(line, "window_ns=", 10) ?
			   INPUT_RECORDS : INPUT_LOG;
	}
	if (in->kind == INPUT_RECORDS)
		return len && line[0] == '#' && complete ? 0 :
		       record_line(in, line, len, complete);
	if (separator(line, len, complete)) {
		in->separators++;
		in->log_like = true;
		return block_end(in);
	}
	if (!in->cur_lines)
		in->cur.line = lineno;
	if (!complete) {
		in->cur_lines = true;
		block_bad(in, in->line, line, len, "cut short (no newline at the end)");
		return 0;
	}
	if (!len || line[0] == '#')
		return 0;
	if (memchr(line, '\0', len)) {
		in->cur_lines = true;
		block_bad(in, in->line, line, len, "a NUL byte");
		return 0;
	}
	log_line(in, line, len);
	return 0;
}

int input_end(struct input *in)
{
	int err;

	if (in->kind == INPUT_NONE) {
		snprintf(in->why, sizeof(in->why), "empty: neither records of energyd --record nor energy-logger blocks");
		return -EINVAL;
	}
	if (in->kind == INPUT_RECORDS)
		return 0;
	err = block_end(in);
	if (err)
		return err;
	if (!in->log_like) {
		snprintf(in->why, sizeof(in->why), "neither records of energyd --record nor energy-logger blocks (no timestamp= line, no ------- line)");
		return -EINVAL;
	}
	return 0;
}

int input_text(struct input *in, const char *text)
{
	const char *p = text;
	int err;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		err = input_line(in, p, len, nl != NULL);
		if (err)
			return err;
		p += len + (nl ? 1 : 0);
	}
	return input_end(in);
}

static const char *const target_names[TARGETS] = {
	[TARGET_AUTO] = "auto",
	[TARGET_PSYS] = "psys",
	[TARGET_PKG_DRAM] = "pkg+dram",
	[TARGET_PKG] = "pkg",
	[TARGET_CORE] = "core",
};

int target_parse(const char *s, enum train_target *t)
{
	for (int i = 0; i < TARGETS; i++)
		if (!strcmp(s, target_names[i])) {
			*t = i;
			return 0;
		}
	return -EINVAL;
}

const char *target_name(enum train_target t)
{
	return t < TARGETS ? target_names[t] : "?";
}

const char *target_sums(enum train_target t)
{
	switch (t) {
	case TARGET_PSYS:
		return "rapl_psys_sum_uj";
	case TARGET_PKG_DRAM:
		return "rapl_pkg_sum_uj and rapl_dram_sum_uj";
	case TARGET_PKG:
		return "rapl_pkg_sum_uj";
	case TARGET_CORE:
		return "rapl_core_sum_uj";
	default:
		return "rapl_*_sum_uj";
	}
}

static unsigned int target_domains(enum train_target t)
{
	switch (t) {
	case TARGET_PSYS:
		return 1U << RAPL_PSYS;
	case TARGET_PKG_DRAM:
		return 1U << RAPL_PKG | 1U << RAPL_DRAM;
	case TARGET_PKG:
		return 1U << RAPL_PKG;
	case TARGET_CORE:
		return 1U << RAPL_CORE;
	default:
		return 0;
	}
}

static __u64 target_uj(const struct log_block *b, unsigned int domains)
{
	__u64 s = 0;

	for (int d = 0; d < RAPL_DOMAINS; d++)
		if (domains & (1U << d))
			s += b->rapl_uj[d];
	return s;
}

enum train_target log_target(const struct input *const *in, size_t n)
{
	enum train_target present = TARGET_AUTO;

	for (int t = TARGET_PSYS; t < TARGETS; t++) {
		unsigned int dom = target_domains(t);

		for (size_t f = 0; f < n; f++) {
			const struct log_block *prev = NULL;

			for (size_t i = 0; i < in[f]->nblk; i++) {
				const struct log_block *b = &in[f]->blk[i];

				if ((b->rapl & dom) != dom)
					continue;
				if (present == TARGET_AUTO)
					present = t;
				if (prev && target_uj(prev, dom) != target_uj(b, dom))
					return t;
				prev = b;
			}
		}
	}
	return present;
}

/* Whether @b has a time, energy or counter lower than @a's. */
static bool goes_back(const struct log_block *a, const struct log_block *b,
		      unsigned int dom)
{
	if (b->ts_ns < a->ts_ns || target_uj(b, dom) < target_uj(a, dom))
		return true;
	for (int k = 0; k < M_METRICS; k++)
		if (k != M_MEM_BYTES && b->sys[k] < a->sys[k])
			return true;
	return false;
}

/* The next block after @i with the sums of @dom, or NULL. */
static const struct log_block *next_with(const struct input *in, size_t i,
					 unsigned int dom)
{
	for (i++; i < in->nblk; i++)
		if ((in->blk[i].rapl & dom) == dom)
			return &in->blk[i];
	return NULL;
}

int log_windows(const struct input *in, enum train_target t,
		struct model_record **rows, size_t *n, size_t *cap,
		struct log_stats *st)
{
	unsigned int dom = target_domains(t);
	const struct log_block *prev = NULL;
	int err;

	if (!dom)
		return -EINVAL;
	for (size_t i = 0; i < in->nblk; i++) {
		const struct log_block *b = &in->blk[i];
		struct model_record *r;
		bool back, same = true;
		__u64 dt;

		if ((b->rapl & dom) != dom) {
			if (!st->lacking++)
				st->lacking_line = b->line;
			continue;
		}
		if (!prev) {
			prev = b;
			continue;
		}
		back = goes_back(prev, b, dom);
		for (int k = 0; k < M_METRICS; k++)
			if (b->sys[k] != prev->sys[k])
				same = false;
		if (b->ts_ns == prev->ts_ns && same &&
		    target_uj(b, dom) == target_uj(prev, dom)) {
			st->repeated++;
			continue;
		}
		if (back || b->ts_ns == prev->ts_ns) {
			const struct log_block *next = next_with(in, i, dom);

			if (!st->went_back++)
				st->back_line = b->line;
			/* A value cut short, when the next block carries on
			 * from the one before: skip this one. Else a restart. */
			if (!next || goes_back(prev, next, dom))
				prev = b;
			continue;
		}
		err = grow((void **)rows, cap, *n, sizeof(**rows));
		if (err)
			return err;
		r = &(*rows)[(*n)++];
		dt = b->ts_ns - prev->ts_ns;
		r->window_ns = dt;
		r->energy_uj = target_uj(b, dom) - target_uj(prev, dom);
		for (int k = 0; k < M_METRICS; k++)
			r->x[k] = b->sys[k] - prev->sys[k];
		r->x[M_MEM_BYTES] = ((unsigned __int128)prev->sys[M_MEM_BYTES] +
				     b->sys[M_MEM_BYTES]) * dt / 2 / 1000000000ULL;
		st->windows++;
		prev = b;
	}
	return 0;
}
