// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "state.h"
#include "table.h"
#include "unit.h"

#define SLOTS	8
#define KEEP	40	/* a sampler's part of this size */
#define TAG	0x5eedULL

/* A region as a new energyd would set it up, its first sample in. */
static char *region(struct state_layout *l)
{
	char *mem;

	state_layout(l, SLOTS, KEEP);
	mem = calloc(1, l->bytes);
	if (!mem)
		return NULL;
	state_head_init((struct state_head *)mem, TAG, SLOTS, KEEP);
	return mem;
}

void test_state_check(void)
{
	struct state_layout l;
	const char *why = NULL;
	struct state_head *h;
	char *mem = region(&l);

	if (!ASSERT_TRUE(mem != NULL, "region"))
		return;
	h = (struct state_head *)mem;
	ASSERT_TRUE(l.table >= sizeof(*h) && l.keep > l.table &&
		    l.arrays >= l.keep + KEEP && l.bytes == l.arrays + table_bytes(SLOTS),
		    "head, table, sampler's part and arrays one after another");
	ASSERT_EQ(state_check(h, l.bytes, TAG, SLOTS, KEEP, &why), -EINVAL,
		  "refused before the first sample");
	ASSERT_STREQ(why, "left before its first sample", "and says so");
	h->valid = 1;
	ASSERT_EQ(state_check(h, l.bytes, TAG, SLOTS, KEEP, &why), 0, "valid");

	ASSERT_EQ(state_check(h, sizeof(*h) - 1, TAG, SLOTS, KEEP, &why), -EINVAL,
		  "shorter than a head");
	ASSERT_EQ(state_check(h, l.bytes - 1, TAG, SLOTS, KEEP, &why), -EINVAL,
		  "shorter than its layout");
	ASSERT_STREQ(why, "of another size", "size named");
	ASSERT_EQ(state_check(h, l.bytes, TAG + 1, SLOTS, KEEP, &why), -EINVAL,
		  "another tag");
	ASSERT_STREQ(why, "counted by another BPF object or other options", "tag named");
	ASSERT_EQ(state_check(h, l.bytes, TAG, SLOTS + 1, KEEP, &why), -EINVAL,
		  "another capacity");
	ASSERT_EQ(state_check(h, l.bytes, TAG, SLOTS, KEEP + 8, &why), -EINVAL,
		  "another sampler's part");
	ASSERT_STREQ(why, "of another version of energyd", "version named");
	h->version++;
	ASSERT_EQ(state_check(h, l.bytes, TAG, SLOTS, KEEP, &why), -EINVAL,
		  "another version");
	h->version--;
	h->magic[0] = 'x';
	ASSERT_EQ(state_check(h, l.bytes, TAG, SLOTS, KEEP, &why), -EINVAL,
		  "not a state");
	ASSERT_STREQ(why, "not an energyd state", "magic named");
	free(mem);
}

/* A table set up in a region, copied elsewhere (the next energyd's
 * mapping) and taken up there: its counts and totals are the same, its
 * arrays those of the copy. */
void test_state_table_taken_up(void)
{
	struct energy_proc live[SLOTS] = {};
	struct table_freed freed[SLOTS];
	struct cgroup_total *ct = NULL;
	struct state_layout l;
	struct table *t, *u;
	char *mem = region(&l), *copy = NULL;
	long n;

	if (!ASSERT_TRUE(mem != NULL, "region"))
		return;
	t = (struct table *)(mem + l.table);
	ASSERT_EQ(table_init_at(t, SLOTS, mem + l.arrays, false), 0, "set up");
	live[0] = (struct energy_proc){ .key = { 10, 1 }, .c = { .cpu_ns = 100 },
					.cgroup_id = 7 };
	live[1] = (struct energy_proc){ .key = { 11, 2 }, .c = { .cpu_ns = 50 },
					.cgroup_id = 7, .flags = ENERGY_F_EXITED };
	table_sample(t, live, 2);
	table_window(t, freed, SLOTS);
	table_sample(t, live, 2);
	ASSERT_EQ(table_window(t, freed, SLOTS), 1, "the exited one folded");

	copy = malloc(l.bytes);
	if (!ASSERT_TRUE(copy != NULL, "copy"))
		goto out;
	memcpy(copy, mem, l.bytes);
	memset(mem, 0xa5, l.bytes);	/* the old mapping is gone */
	u = (struct table *)(copy + l.table);
	ASSERT_EQ(table_init_at(u, SLOTS + 1, copy + l.arrays, true), -EINVAL,
		  "a table of another capacity is refused");
	ASSERT_EQ(table_init_at(u, SLOTS, copy + l.arrays, true), 0, "taken up");
	ASSERT_TRUE((char *)u->snap >= copy && (char *)u->folded < copy + l.bytes,
		    "its arrays are the copy's");
	ASSERT_EQ(u->window, 2, "windows kept");
	ASSERT_EQ(u->snap[0].c.cpu_ns, 100, "the live process kept");
	ASSERT_EQ(u->exited_c.cpu_ns, 50, "the exited one's fold kept");
	n = table_cgroup_totals(u, &ct);
	if (ASSERT_EQ(n, 1, "one cgroup")) {
		ASSERT_EQ(ct[0].c.cpu_ns, 150, "its totals: live and folded");
		ASSERT_EQ(ct[0].procs_exited, 1, "one exited");
	}
	free(ct);
	table_sample(u, live, 1);
	ASSERT_EQ(table_window(u, freed, SLOTS), 0, "it goes on");
out:
	free(copy);
	free(mem);
}
