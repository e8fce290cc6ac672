/* SPDX-License-Identifier: GPL-2.0-only */
/* Logging: stderr in the foreground, syslog as a daemon. */
#ifndef ENERGY_LOG_H
#define ENERGY_LOG_H

#include <stdbool.h>

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

#define log_err(...)	log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...)	log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif /* ENERGY_LOG_H */
