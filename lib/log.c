// SPDX-License-Identifier: GPL-2.0-only
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

static bool log_syslog;
static enum log_level log_max = LOG_LVL_INFO;

void log_init(bool to_syslog, enum log_level max)
{
	log_syslog = to_syslog;
	log_max = max;
	if (to_syslog)
		openlog("energyd", LOG_PID, LOG_DAEMON);
}

bool log_enabled(enum log_level level)
{
	return level <= log_max;
}

void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	static const int prio[] = {
		[LOG_LVL_ERR] = LOG_ERR,
		[LOG_LVL_WARN] = LOG_WARNING,
		[LOG_LVL_INFO] = LOG_INFO,
		[LOG_LVL_DEBUG] = LOG_DEBUG,
	};
	char line[1024];
	int n;

	if (!log_enabled(level))
		return;
	if (log_syslog) {
		vsyslog(prio[level], fmt, ap);
		return;
	}
	/* One write per line, so lines of several threads never mix. */
	n = snprintf(line, sizeof(line), "energyd: ");
	n += vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	fwrite(line, 1, n, stderr);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

bool log_limit_pass(struct log_limit *l, __u64 now_ns, __u64 *suppressed)
{
	if (!l->armed || now_ns - l->period_ns >= LOG_LIMIT_NS) {
		l->armed = true;
		l->period_ns = now_ns;
		l->passed = 0;
	}
	if (l->passed == LOG_LIMIT_BURST) {
		l->suppressed++;
		return false;
	}
	l->passed++;
	*suppressed = l->suppressed;
	l->suppressed = 0;
	return true;
}

void log_limited(struct log_limit *l, enum log_level level,
		 const char *fmt, ...)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	struct timespec ts;
	__u64 held;
	va_list ap;
	bool pass;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	pthread_mutex_lock(&lock);
	pass = log_limit_pass(l, ts.tv_sec * 1000000000ULL + ts.tv_nsec, &held);
	pthread_mutex_unlock(&lock);
	if (!pass)
		return;
	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
	if (held)
		log_msg(level, "(%llu similar messages held back before this one)",
			held);
}
