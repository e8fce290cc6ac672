// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <string.h>

#include "state.h"
#include "table.h"

static size_t align64(size_t n)
{
	return (n + 63) & ~(size_t)63;
}

void state_layout(struct state_layout *l, size_t cap, size_t keep_bytes)
{
	l->table = align64(sizeof(struct state_head));
	l->keep = l->table + align64(sizeof(struct table));
	l->arrays = l->keep + align64(keep_bytes);
	l->bytes = l->arrays + table_bytes(cap);
}

void state_head_init(struct state_head *h, __u64 tag, size_t cap,
		     size_t keep_bytes)
{
	struct state_layout l;

	state_layout(&l, cap, keep_bytes);
	memset(h, 0, sizeof(*h));
	memcpy(h->magic, STATE_MAGIC, sizeof(h->magic));
	h->version = STATE_VERSION;
	h->head_bytes = sizeof(*h);
	h->tag = tag;
	h->cap = cap;
	h->bytes = l.bytes;
	h->table_bytes = sizeof(struct table);
	h->keep_bytes = keep_bytes;
}

int state_check(const struct state_head *h, size_t len, __u64 tag,
		size_t cap, size_t keep_bytes, const char **why)
{
	struct state_layout l;

	state_layout(&l, cap, keep_bytes);
	if (len < sizeof(*h))
		*why = "shorter than its head";
	else if (memcmp(h->magic, STATE_MAGIC, sizeof(h->magic)))
		*why = "not an energyd state";
	else if (h->version != STATE_VERSION || h->head_bytes != sizeof(*h) ||
		 h->table_bytes != sizeof(struct table) ||
		 h->keep_bytes != keep_bytes)
		*why = "of another version of energyd";
	else if (h->tag != tag)
		*why = "counted by another BPF object or other options";
	else if (h->cap != cap)
		*why = "of another capacity";
	else if (h->bytes != l.bytes || len < l.bytes)
		*why = "of another size";
	else if (h->valid != 1)
		*why = "left before its first sample";
	else
		return 0;
	return -EINVAL;
}
