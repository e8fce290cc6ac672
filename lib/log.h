/* SPDX-License-Identifier: GPL-2.0-only */
/* Logging: stderr in the foreground, syslog as a daemon. */
#ifndef ENERGY_LOG_H
#define ENERGY_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <linux/types.h>

enum log_level {
	LOG_LVL_ERR,
	LOG_LVL_WARN,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
};

/* Choose the destination and the most verbose level printed. */
void log_init(bool to_syslog, enum log_level max);

/* Whether messages of @level are printed. */
bool log_enabled(enum log_level level);

/* Print one line, prefixed with "energyd: " on stderr. */
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Print one line from a va_list. */
void log_vmsg(enum log_level level, const char *fmt, va_list ap);

/* How many of a repeating message are let through per period. */
#define LOG_LIMIT_BURST	10
#define LOG_LIMIT_NS	60000000000ULL

/* One repeating message's limiter: zero it to start. */
struct log_limit {
	bool armed;		/* a period has started */
	__u64 period_ns;	/* when the current period started */
	unsigned int passed;	/* messages let through in it */
	__u64 suppressed;	/* messages held back since the last one */
};

/*
 * Whether a message at @now_ns passes @l: LOG_LIMIT_BURST per period of
 * LOG_LIMIT_NS. A message that passes gets in *@suppressed the number held
 * back before it. Pure; not thread-safe (log_limited locks).
 */
bool log_limit_pass(struct log_limit *l, __u64 now_ns, __u64 *suppressed);

/* log_msg through limiter @l, saying how many similar messages it held
 * back. Thread-safe. */
void log_limited(struct log_limit *l, enum log_level level,
		 const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define log_err(...)	log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...)	log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif /* ENERGY_LOG_H */
