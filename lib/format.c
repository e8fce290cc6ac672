// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>

#include "format.h"

void format_comm(char *out, const char *comm)
{
	size_t i;

	for (i = 0; i < ENERGY_COMM_LEN && comm[i]; i++) {
		unsigned char c = comm[i];

		out[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	out[i] = '\0';
}

int format_proc_line(char *buf, size_t size, __u32 pid, __u64 energy_uj,
		     const struct energy_proc *rec, const __u64 *window_time)
{
	const struct energy_counters *c = &rec->c;
	char comm[ENERGY_COMM_LEN + 1], wt[40] = "";

	format_comm(comm, rec->comm);
	if (window_time)
		snprintf(wt, sizeof(wt), "window_time=%llu ", *window_time);
	return snprintf(buf, size,
			"pid=%u energy=%llu.%03llu alive=%d kernel=%d cpu_ns=%llu mem=%llu instructions=%llu wakeups=%llu diski=%llu disko=%llu rx=%llu tx=%llu %scomm=%s\n",
			pid, energy_uj / 1000, energy_uj % 1000,
			!(rec->flags & ENERGY_F_EXITED),
			!!(rec->flags & ENERGY_F_KTHREAD),
			c->cpu_ns, rec->mem_bytes, c->instructions, c->wakeups,
			c->disk_read_bytes, c->disk_write_bytes, c->rx_packets,
			c->tx_packets, wt, comm);
}
