/* SPDX-License-Identifier: GPL-2.0-only */
/* The text formats of the original /proc/energy files. Pure: no I/O. */
#ifndef ENERGY_FORMAT_H
#define ENERGY_FORMAT_H

#include <stddef.h>
#include <linux/types.h>

#include "energy_abi.h"

/*
 * One process line, newline-terminated:
 * pid=%u energy=%llu.%03llu alive=%d kernel=%d cpu_ns=%llu mem=%llu
 * instructions=%llu wakeups=%llu diski=%llu disko=%llu rx=%llu tx=%llu
 * comm=%s
 * @energy_uj is cumulative energy in microjoules, printed as millijoules
 * with three decimals. With @window_time, "window_time=%llu " comes before
 * comm, as in the original's cgroup file. Control characters in comm become
 * '?', so a line is always one line. Returns the length snprintf would have
 * written.
 */
int format_proc_line(char *buf, size_t size, __u32 pid, __u64 energy_uj,
		     const struct energy_proc *rec, const __u64 *window_time);

/* Copy @comm (up to ENERGY_COMM_LEN, maybe unterminated) into @out
 * (ENERGY_COMM_LEN + 1 bytes) with control characters replaced. */
void format_comm(char *out, const char *comm);

#endif /* ENERGY_FORMAT_H */
