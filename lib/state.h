/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The layout of the state one energyd leaves the next across a restart: a
 * head that names what it holds, the table, the sampler's figures, the
 * table's arrays, one after another in one region (daemon/keep.c keeps it
 * in a memfd). Pure: the layout and the checks, no I/O.
 */
#ifndef ENERGY_STATE_H
#define ENERGY_STATE_H

#include <stddef.h>
#include <linux/types.h>

#define STATE_MAGIC	"energyd"
/* Raised whenever a struct kept in the region changes. */
#define STATE_VERSION	2

struct state_head {
	char magic[8];		/* STATE_MAGIC */
	__u32 version;		/* STATE_VERSION */
	__u32 head_bytes;	/* sizeof(struct state_head) */
	__u64 tag;		/* of the BPF object and options counted with */
	__u64 cap;		/* the table's slots */
	__u64 bytes;		/* the whole region */
	__u64 table_bytes;	/* sizeof(struct table) */
	__u64 keep_bytes;	/* the sampler's part */
	__u64 valid;		/* 1 once the first sample is in */
};

/* Where each part lies, in bytes from the region's start. */
struct state_layout {
	size_t table, keep, arrays, bytes;
};

/* The layout of a region for a table of @cap slots and a sampler's part
 * of @keep_bytes. */
void state_layout(struct state_layout *l, size_t cap, size_t keep_bytes);

/* A head for that region, not valid yet. */
void state_head_init(struct state_head *h, __u64 tag, size_t cap,
		     size_t keep_bytes);

/*
 * Whether the region of @len bytes that @h starts is a valid state of
 * @tag, @cap slots and a sampler's part of @keep_bytes: 0, or -EINVAL with
 * *@why saying what differs.
 */
int state_check(const struct state_head *h, size_t len, __u64 tag,
		size_t cap, size_t keep_bytes, const char **why);

#endif /* ENERGY_STATE_H */
