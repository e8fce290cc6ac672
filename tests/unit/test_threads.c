// SPDX-License-Identifier: GPL-2.0-only
#include "table.h"
#include "threads.h"
#include "unit.h"

#define SLOTS 4

static void proc(struct energy_proc *live, int slot, __u32 tgid, __u64 cpu,
		 __u64 wakeups)
{
	live[slot] = (struct energy_proc){
		.key = { .tgid = tgid, .start_ns = 1000 + tgid },
		.c = { .cpu_ns = cpu, .wakeups = wakeups },
	};
}

static void thread(struct energy_thread *th, __u64 stack, __u32 slot,
		   __u32 tgid, __u64 rt, __u64 brt, __u64 nv, __u64 bnv)
{
	*th = (struct energy_thread){
		.stack = stack, .canary = 7, .slot = slot, .tgid = tgid,
		.pid = tgid, .runtime = rt, .base_runtime = brt,
		.nvcsw = nv, .base_nvcsw = bnv,
	};
}

void test_threads_gain(void)
{
	struct energy_thread th[2 * ENERGY_THREAD_LIVE_BITS] = {};
	__u64 live[2] = { 0x1ff, 1ULL << 3 };	/* entries 0-8, 67 */
	struct energy_proc snap[SLOTS] = {};
	struct thread_gain gain[SLOTS] = {};
	const size_t n = 2 * ENERGY_THREAD_LIVE_BITS;

	proc(snap, 0, 100, 0, 0);
	proc(snap, 2, 300, 0, 0);
	/* two live threads of 100 (slot 0 is "1"), one seeded */
	thread(&th[0], 0xffff1000, 1, 100, 500, 0, 4, 0);
	thread(&th[1], 0xffff2000, 1, 100, 900, 200, 9, 3);
	/* one of 300, in the second word */
	thread(&th[67], 0xffff3000, 3, 300, 70, 0, 1, 0);
	/* marked but free, busy, no slot yet, none, beyond the slots read,
	 * and a thread whose slot is another process's now */
	thread(&th[3], 0, 1, 100, 1 << 20, 0, 1, 0);
	thread(&th[4], ENERGY_THREAD_BUSY, 1, 100, 1 << 20, 0, 1, 0);
	thread(&th[5], 0xffff6000, 0, 100, 1 << 20, 0, 1, 0);
	thread(&th[6], 0xffff7000, ENERGY_THREAD_NO_SLOT, 100, 1 << 20, 0,
	       1, 0);
	thread(&th[7], 0xffff8000, SLOTS + 1, 100, 1 << 20, 0, 1, 0);
	thread(&th[8], 0xffff9000, 3, 301, 1 << 20, 0, 1, 0);
	/* filled but not marked live (yet): not read */
	thread(&th[20], 0xffffa000, 1, 100, 1 << 20, 0, 1, 0);

	ASSERT_EQ(threads_gain(th, live, n, snap, SLOTS, gain), 3,
		  "live entries of a known slot of their process counted");
	ASSERT_EQ(gain[0].cpu_ns, 500 + 700, "slot 0: runtime since the bases");
	ASSERT_EQ(gain[0].wakeups, 4 + 6, "slot 0: nvcsw since the bases");
	ASSERT_EQ(gain[2].cpu_ns, 70, "slot 2: its one thread");
	ASSERT_EQ(gain[1].cpu_ns + gain[3].cpu_ns, 0, "no other slot gains");
	/* Only the slots read: slot 2 (entry slot 3) is beyond 2 slots. */
	gain[0] = gain[2] = (struct thread_gain){ 0 };
	ASSERT_EQ(threads_gain(th, live, n, snap, 2, gain), 2,
		  "two slots read");
	ASSERT_EQ(gain[2].cpu_ns, 0, "a slot not read gains nothing");
}

void test_table_add_gain(void)
{
	struct energy_proc live[SLOTS] = {};
	struct thread_gain gain[SLOTS] = {};
	struct energy_proc rec;
	struct table t;

	if (!ASSERT_EQ(table_init(&t, SLOTS), 0, "init"))
		return;
	proc(live, 0, 100, 1000, 10);
	proc(live, 1, 200, 50, 1);
	gain[0] = (struct thread_gain){ .cpu_ns = 300, .wakeups = 5 };
	table_sample(&t, live, 2);
	table_add_gain(&t, gain);
	ASSERT_EQ(t.snap[0].c.cpu_ns, 1300, "slot plus its threads' gain");
	ASSERT_EQ(t.snap[0].c.wakeups, 15, "wakeups likewise");
	ASSERT_EQ(t.counted[0].cpu_ns, 1300, "kept for readers");
	ASSERT_EQ(t.snap[1].c.cpu_ns, 50, "no gain: the slot's own");

	/* A thread exits between the two reads: in neither for a sample. */
	gain[0] = (struct thread_gain){ .cpu_ns = 100, .wakeups = 1 };
	table_sample(&t, live, 2);
	table_add_gain(&t, gain);
	ASSERT_EQ(t.snap[0].c.cpu_ns, 1300, "never less than the last sample");
	ASSERT_EQ(t.snap[0].c.wakeups, 15, "wakeups likewise");

	/* Its gain in the slot now: on from there. */
	live[0].c.cpu_ns = 1000 + 350;
	table_sample(&t, live, 2);
	table_add_gain(&t, gain);
	ASSERT_EQ(t.snap[0].c.cpu_ns, 1450, "grows again");

	/* Another process in the slot: no floor from the one before. */
	proc(live, 0, 101, 7, 0);
	table_sample(&t, live, 2);
	table_add_gain(&t, NULL);
	ASSERT_EQ(t.snap[0].c.cpu_ns, 7, "a new process starts from its own");
	ASSERT_EQ(t.counted[0].key.tgid, 101, "counted names it");

	/* A reader of the live slot shows the sample's count for its
	 * process, or the slot's own when larger, and nothing of another. */
	rec = live[0];
	rec.c.cpu_ns = 3;
	counted_apply(&rec, &t.counted[0]);
	ASSERT_EQ(rec.c.cpu_ns, 7, "the sample's count");
	rec.c.cpu_ns = 9;
	counted_apply(&rec, &t.counted[0]);
	ASSERT_EQ(rec.c.cpu_ns, 9, "the slot's, larger");
	rec = live[1];
	counted_apply(&rec, &t.counted[0]);
	ASSERT_EQ(rec.c.cpu_ns, 50, "another process's count not taken");
	table_fini(&t);
}
