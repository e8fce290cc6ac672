/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The energy model and the attribution of energy to processes, per
 * sample (the idle power learned per window). Pure arithmetic: no I/O.
 *
 * A weight is picojoules per unit of its metric's increase in the window
 * (shown as nanojoules with three decimals, the original's fixed point);
 * memory is a level, so w_mem_bytes is per byte-second of residency.
 *
 * With a measured source, a window's energy E is split: idle (idle_mw x
 * window, or the lowest power seen in low-activity windows) is reported on
 * its own; the rest goes to processes in proportion to their scores, in
 * whole microjoules, the remainder carried to the next window. Without
 * one, each process gets its score, sub-microjoule remainders carried per
 * process.
 */
#ifndef ENERGY_MODEL_H
#define ENERGY_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "energy_abi.h"

enum model_metric {
	M_CPU_NS,
	M_MEM_BYTES,
	M_INSTRUCTIONS,
	M_WAKEUPS,
	M_DISK_READ_BYTES,
	M_DISK_WRITE_BYTES,
	M_NET_RX_PACKETS,
	M_NET_TX_PACKETS,
	M_METRICS,
};

/* Picojoules a process's window earns: sum of weight x increase, memory as
 * bytes x window seconds. Saturates instead of wrapping. */
__u64 model_score_pj(const __u64 w[M_METRICS],
		     const struct energy_counters *delta, __u64 mem_bytes,
		     __u64 window_ns);

/* Windows remembered to learn the idle power from. */
#define IDLE_HISTORY	64

/* The power of the last windows of one kind, a ring. */
struct idle_history {
	__u64 mw[IDLE_HISTORY];
	unsigned int n, next;
};

/* Windows the model's error is judged on. */
#define ERROR_HISTORY	64

/* The model's estimate and the measurement of the last windows with
 * measured energy, a ring. */
struct error_history {
	__u64 estimate_uj[ERROR_HISTORY];
	__u64 measured_uj[ERROR_HISTORY];
	unsigned int n, next;
};

/* State carried from window to window. */
struct attrib {
	__u64 carry_uj;		/* measured energy not handed out yet */
	struct idle_history low;	/* low-activity windows */
	struct idle_history any;	/* every window with energy */
	struct error_history error;	/* estimate vs measurement */
	__u64 window_estimate_uj;	/* of the window's samples so far */
	__u64 total_uj;		/* energy of all windows (measured or model) */
	__u64 idle_uj;		/* of which idle */
	__u64 procs_uj;		/* of which handed to processes */
};

struct attrib_in {
	bool measured;		/* e_uj is a measurement */
	__u64 e_uj;		/* the window's measured energy */
	__u64 window_ns;
	__u64 idle_mw;		/* configured idle power; 0: learn it */
	bool low_activity;	/* little CPU use: a candidate for idle */
	bool part;		/* a sample within a window: split, learn
				 * nothing (attrib_learn() at its end) */
};

/* A whole window of @e_uj measured over @window_ns, @low_activity or not:
 * what the idle power is learned from. A window without energy teaches
 * nothing. */
void attrib_learn(struct attrib *a, __u64 e_uj, __u64 window_ns,
		  bool low_activity);

/* The idle power used now, in mW: configured, else learned (the tenth
 * percentile of the power of the last IDLE_HISTORY low-activity windows,
 * else of the last windows of any kind), else 0. Windows without energy
 * (no counter moved, every read failed) teach nothing. */
__u64 attrib_idle_mw(const struct attrib *a, __u64 configured_mw);

/*
 * The model's error on the last ERROR_HISTORY windows with measured
 * energy: sum of |estimate - measured| over sum of measured, in hundredths
 * of a percent, where the estimate is the idle power used times the window
 * plus the processes' scores. -ENODATA before such a window; @windows gets
 * how many were judged.
 */
long attrib_model_error(const struct attrib *a, unsigned int *windows);

/*
 * One window, or one sample of it (in->part): @n processes with @scores
 * (pJ). Adds each one's energy to
 * @energy_uj[i]; @carry_pj[i] keeps the sub-microjoule rest of a modelled
 * process. Returns the window's idle energy (µJ).
 */
__u64 attrib_window(struct attrib *a, const struct attrib_in *in,
		    const __u64 *scores, size_t n, __u64 *energy_uj,
		    __u64 *carry_pj);

/*
 * One recorded window (energyd --record): its length, its measured energy
 * and the machine-wide increase of each metric (memory in byte-seconds),
 * what training fits the weights to.
 */
struct model_record {
	__u64 window_ns;
	__u64 energy_uj;
	__u64 x[M_METRICS];
};

/* The record line, newline-terminated:
 * window_ns= energy_uj= cpu_ns= mem_byte_s= instructions= wakeups= diski=
 * disko= rx= tx=. Returns what snprintf returns. */
int model_record_format(char *buf, size_t size, const struct model_record *r);

/* Parse a record line (without its newline): every field, in order, and
 * nothing else. 0, or -EINVAL. */
int model_record_parse(const char *line, struct model_record *r);

#endif /* ENERGY_MODEL_H */
