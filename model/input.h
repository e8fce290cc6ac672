/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What training reads, told apart by content: energyd's records (one line
 * per window, written by energyd --record) and the original procpower's
 * energy-logger.sh files (dumps of its sys or all file, each followed by a
 * line of "-------"). Pure: fed line by line, no I/O.
 *
 * A logger block holds timestamp=NS, the RAPL sums (rapl_core_sum_uj,
 * rapl_psys_sum_uj; energyd's sys adds rapl_pkg_sum_uj, rapl_dram_sum_uj
 * and rapl_uncore_sum_uj) and the machine's totals in the pid=0 line,
 * comm=*system*, among lines training does not use (iterations=,
 * sample_ns=, window_ns=, psu_energy_ac_mcp_machine=, the processes of an
 * all dump). Logs come from real machines, where the logger may have read
 * a file while it was being written: a block with a line that is not
 * name=value, a known value that is not a number, a line given twice, a
 * NUL byte, no timestamp or no complete *system* line is skipped and
 * counted, and its line kept for the message. Records, which energyd
 * writes whole, must be complete: the first bad line is an error.
 */
#ifndef ENERGY_INPUT_H
#define ENERGY_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "domain.h"
#include "model.h"

enum input_kind {
	INPUT_NONE,	/* nothing but blank and '#' lines so far */
	INPUT_RECORDS,
	INPUT_LOG,
};

/* What energy the model is fitted to, from a logger's RAPL sums. */
enum train_target {
	TARGET_AUTO,	/* psys where present, else pkg+dram, pkg, core */
	TARGET_PSYS,
	TARGET_PKG_DRAM,
	TARGET_PKG,
	TARGET_CORE,
	TARGETS,
};

/* How many skipped blocks keep their line and reason for the message. */
#define INPUT_BAD_SHOWN	5

struct input_bad {
	size_t line;
	char why[224];
};

/* One well-formed logger block. */
struct log_block {
	size_t line;			/* its first line */
	__u64 ts_ns;
	unsigned int rapl;		/* sums present, bit per enum rapl_domain */
	__u64 rapl_uj[RAPL_DOMAINS];
	__u64 sys[M_METRICS];		/* *system* totals; M_MEM_BYTES: resident bytes */
};

struct input {
	enum input_kind kind;
	size_t line;			/* lines read */
	struct model_record *rec;	/* records */
	size_t nrec, cap_rec;
	struct log_block *blk;		/* well-formed logger blocks */
	size_t nblk, cap_blk;
	size_t separators;
	bool log_like;			/* a separator or a timestamp= line seen */
	size_t malformed;		/* logger blocks skipped */
	struct input_bad bad[INPUT_BAD_SHOWN];
	/* The block being read. */
	struct log_block cur;
	bool cur_lines, cur_ts, cur_sys, cur_bad;
	struct input_bad cur_why;
	char why[160];			/* "line N: ..." when a call fails */
};

/* Start reading a file. */
void input_init(struct input *in);

/*
 * One line of @len bytes, without its newline; @complete: it had one.
 * Returns 0, -EINVAL with "line N: ..." in in->why (a record file's bad
 * line), or -ENOMEM.
 */
int input_line(struct input *in, const char *line, size_t len, bool complete);

/* The end of the file. Returns 0, or -EINVAL with the reason in in->why
 * (an empty file, a file that is neither records nor logger blocks). */
int input_end(struct input *in);

/* All of @text, line by line, then its end. */
int input_text(struct input *in, const char *text);

void input_free(struct input *in);

/* "auto", "psys", "pkg+dram", "pkg", "core" to the target; -EINVAL. */
int target_parse(const char *s, enum train_target *t);

/* The target's name, as target_parse takes it. */
const char *target_name(enum train_target t);

/* The sum (or sums) that @t reads, for messages: "rapl_psys_sum_uj". */
const char *target_sums(enum train_target t);

/*
 * What auto means for the logs @in[0 .. @n - 1]: the first of psys,
 * pkg+dram, pkg and core whose sums are present in their blocks and move
 * between two of them; else the first present; TARGET_AUTO when none is.
 */
enum train_target log_target(const struct input *const *in, size_t n);

struct log_stats {
	size_t windows;		/* made */
	size_t lacking;		/* blocks without the target's sums, skipped */
	size_t lacking_line;	/* the first of them */
	size_t repeated;	/* blocks equal to the one before: no new sample */
	size_t went_back;	/* a time or counter lower than before: skipped or a restart */
	size_t back_line;	/* the first of them */
};

/*
 * The windows between consecutive blocks of one log, energy of target @t
 * (not TARGET_AUTO): time and energy differences, the increase of each
 * *system* counter, memory as the mean of the two levels x time in
 * byte-seconds. A block that goes back in time or in a counter makes no
 * window: where the next block carries on from the one before, it held a
 * value cut short and is skipped; else it is a restart, and windows start
 * anew from it. Appends to
 * *@rows (*@n used of *@cap, grown with realloc). 0, -EINVAL, -ENOMEM.
 */
int log_windows(const struct input *in, enum train_target t,
		struct model_record **rows, size_t *n, size_t *cap,
		struct log_stats *st);

#endif /* ENERGY_INPUT_H */
