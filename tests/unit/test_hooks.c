// SPDX-License-Identifier: GPL-2.0-only
#include "hooks.h"
#include "unit.h"

/* ctx: NULL-terminated list of tracepoints that do NOT exist. */
static bool exists_except(const char *tp, void *ctx)
{
	for (const char **m = ctx; *m; m++)
		if (!strcmp(*m, tp))
			return false;
	return true;
}

static const struct hook *metric(const char *name)
{
	for (int i = 0; i < hooks_len; i++)
		if (!strcmp(hooks[i].metric, name))
			return &hooks[i];
	return NULL;
}

static const char *chosen(const char *name)
{
	const struct hook *h = metric(name);

	return h && h->chosen >= 0 ? h->alts[h->chosen].label : "(disabled)";
}

void test_hooks_prefer_new(void)
{
	const char *none[] = { NULL };

	ASSERT_EQ(hooks_choose(hooks, hooks_len, false, exists_except, none), 0,
		  "nothing disabled");
	ASSERT_STREQ(chosen("diski"), "block_io_start", "disk");
	ASSERT_STREQ(chosen("disko"), "block_bio_queue+writeback_dirty_folio",
		     "disko");
	ASSERT_STREQ(chosen("rx"), "sock_recv_length", "rx");
	ASSERT_TRUE(!hooks_uses(hooks, hooks_len, "fexit/inet_recvmsg"),
		    "no trampoline where the tracepoint exists");
	ASSERT_STREQ(chosen("tx"), "net_dev_queue", "tx before the qdisc");
	ASSERT_TRUE(hooks_uses(hooks, hooks_len, "softirq_entry"),
		    "with the softirq flag");
	ASSERT_TRUE(hooks_uses(hooks, hooks_len, "block_rq_complete"), "complete");
	ASSERT_TRUE(!hooks_uses(hooks, hooks_len, "block_rq_issue"), "no issue");
}

void test_hooks_fallback(void)
{
	/* Debian 12's 6.1: no block_io_start/done, no sock_recv_length. */
	const char *missing[] = { "block_io_start", "sock_recv_length", NULL };

	ASSERT_EQ(hooks_choose(hooks, hooks_len, false, exists_except, missing),
		  0, "nothing disabled");
	ASSERT_STREQ(chosen("diski"), "block_rq_insert/issue", "disk");
	ASSERT_STREQ(chosen("rx"), "fexit inet_recvmsg", "rx");
	ASSERT_TRUE(hooks_uses(hooks, hooks_len, "fexit/inet_recvmsg"), "v4");
	ASSERT_TRUE(hooks_uses(hooks, hooks_len, "fexit/inet6_recvmsg"), "v6");
	ASSERT_TRUE(hooks_uses(hooks, hooks_len, "block_rq_issue"), "issue used");
	ASSERT_TRUE(!hooks_uses(hooks, hooks_len, "block_io_start"), "start unused");
}

void test_hooks_no_trampoline(void)
{
	/* No sock_recv_length, and inet6_recvmsg not described (IPv6 a
	 * module without BTF): the whole fexit alternative gives way. */
	const char *missing[] = { "sock_recv_length", "fexit/inet6_recvmsg",
				  "writeback_dirty_folio", NULL };

	ASSERT_EQ(hooks_choose(hooks, hooks_len, false, exists_except, missing),
		  0, "nothing disabled");
	ASSERT_STREQ(chosen("rx"), "skb_copy_datagram_iovec", "rx");
	ASSERT_TRUE(!hooks_uses(hooks, hooks_len, "fexit/inet_recvmsg"),
		    "no half of the fexit pair");
	ASSERT_STREQ(chosen("disko"), "block_bio_queue+writeback_dirty_page",
		     "before 5.16: pages");
}

void test_hooks_missing_disables_one_metric(void)
{
	const char *missing[] = { "sock_recv_length", "fexit/inet_recvmsg",
				  "skb_copy_datagram_iovec",
				  NULL };

	ASSERT_EQ(hooks_choose(hooks, hooks_len, false, exists_except, missing),
		  1, "one metric disabled");
	ASSERT_STREQ(chosen("rx"), "(disabled)", "rx");
	ASSERT_STREQ(chosen("tx"), "net_dev_queue", "tx unaffected");
	ASSERT_STREQ(chosen("cpu_ns"), "sched_switch", "cpu unaffected");
}

void test_hooks_legacy(void)
{
	const char *none[] = { NULL };

	hooks_choose(hooks, hooks_len, true, exists_except, none);
	ASSERT_STREQ(chosen("diski"), "block_rq_insert/issue", "disk");
	ASSERT_STREQ(chosen("tx"), "net_dev_queue", "tx: one way only");
	ASSERT_STREQ(chosen("rx"), "skb_copy_datagram_iovec", "rx");
	ASSERT_STREQ(chosen("cpu_ns"), "sched_switch", "single alternative");
}

void test_hooks_cgroup_moves(void)
{
	const char *none[] = { NULL };
	const char *missing[] = { "cgroup_attach_task", NULL };

	hooks_choose(hooks, hooks_len, false, exists_except, none);
	ASSERT_STREQ(chosen("cgroup moves"), "cgroup_attach_task", "tracked when they happen");
	ASSERT_EQ(hooks_choose(hooks, hooks_len, false, exists_except, missing),
		  1, "missing: one hook off");
	ASSERT_STREQ(chosen("cgroup moves"), "(disabled)", "cgroup moves");
	ASSERT_TRUE(metric("cgroup moves")->fallback != NULL,
		    "with a fallback named, not a metric at 0");
	ASSERT_TRUE(!metric("cpu_ns")->fallback, "cpu_ns has none");
}
