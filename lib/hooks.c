// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>

#include "hooks.h"

#define ALT(l, ...)	{ .label = (l), .tps = { __VA_ARGS__ } }

struct hook hooks[] = {
	{ .metric = "cpu_ns", .alts = { ALT("sched_switch", "sched_switch") } },
	{ .metric = "wakeups",
	  .alts = { ALT("voluntary switches at sched_switch", "sched_switch") } },
	{ .metric = "cgroup moves",
	  .alts = { ALT("cgroup_attach_task", "cgroup_attach_task") },
	  .fallback = "a process's cgroup is read when it runs" },
	{ .metric = "lifecycle",
	  .alts = { ALT("sched_process", "sched_process_fork",
			"sched_process_exec", "sched_process_exit") } },
	{ .metric = "diski",
	  .alts = { ALT("block_io_start", "block_io_start", "block_rq_complete"),
		    ALT("block_rq_insert/issue", "block_rq_insert",
			"block_rq_issue", "block_rq_complete") } },
	{ .metric = "disko",
	  .alts = { ALT("block_bio_queue+writeback_dirty_folio",
			"block_bio_queue", "writeback_dirty_folio"),
		    ALT("block_bio_queue+writeback_dirty_page",
			"block_bio_queue", "writeback_dirty_page") } },
	{ .metric = "tx",
	  .alts = { ALT("net_dev_queue", "net_dev_queue", "softirq_entry",
			"softirq_exit") } },
	{ .metric = "rx",
	  .alts = { ALT("sock_recv_length", "sock_recv_length"),
		    ALT("fexit inet_recvmsg", "fexit/inet_recvmsg",
			"fexit/inet6_recvmsg"),
		    ALT("skb_copy_datagram_iovec", "skb_copy_datagram_iovec") } },
};
const int hooks_len = sizeof(hooks) / sizeof(hooks[0]);

static int alt_count(const struct hook *h)
{
	int n = 0;

	while (n < HOOK_MAX_ALTS && h->alts[n].label)
		n++;
	return n;
}

static bool alt_exists(const struct hook_alt *a,
		       bool (*exists)(const char *tp, void *ctx), void *ctx)
{
	for (int i = 0; i < HOOK_MAX_TPS && a->tps[i]; i++)
		if (!exists(a->tps[i], ctx))
			return false;
	return true;
}

int hooks_choose(struct hook *h, int n, bool legacy,
		 bool (*exists)(const char *tp, void *ctx), void *ctx)
{
	int disabled = 0;

	for (int i = 0; i < n; i++) {
		int alts = alt_count(&h[i]);

		h[i].chosen = -1;
		for (int j = 0; j < alts; j++) {
			int a = legacy ? alts - 1 - j : j;

			if (alt_exists(&h[i].alts[a], exists, ctx)) {
				h[i].chosen = a;
				break;
			}
		}
		if (h[i].chosen < 0)
			disabled++;
	}
	return disabled;
}

bool hooks_uses(const struct hook *h, int n, const char *tp)
{
	for (int i = 0; i < n; i++) {
		const struct hook_alt *a;

		if (h[i].chosen < 0)
			continue;
		a = &h[i].alts[h[i].chosen];
		for (int j = 0; j < HOOK_MAX_TPS && a->tps[j]; j++)
			if (!strcmp(a->tps[j], tp))
				return true;
	}
	return false;
}
