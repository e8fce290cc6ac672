// SPDX-License-Identifier: GPL-2.0-only
#include <systemd/sd-daemon.h>

#include "notify.h"
#include "shared.h"

void notify_status(struct view *v)
{
	static unsigned long long last = ~0ULL;
	unsigned long long n = 0;
	size_t rows = view_rows_used(v);

	for (size_t i = 0; i < rows; i++)
		n += slot_used(&v->rows[i]);
	if (n == last)
		return;
	last = n;
	sd_notifyf(0, "STATUS=%llu processes tracked", n);
}

void notify_stopping(const char *why)
{
	sd_notifyf(0, "STOPPING=1\nSTATUS=stopping: %s", why);
}
