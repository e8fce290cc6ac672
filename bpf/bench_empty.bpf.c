// SPDX-License-Identifier: GPL-2.0-only
/* The floor for `make bench`: a sched_switch program that does nothing. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch_empty, bool preempt, struct task_struct *prev)
{
	return 0;
}
