/* SPDX-License-Identifier: GPL-2.0-only */
/* What systemd is told besides readiness: STATUS= and STOPPING=1. */
#ifndef ENERGY_NOTIFY_H
#define ENERGY_NOTIFY_H

#include "view.h"

/* STATUS= with the processes tracked, when their number changed since
 * the last call (once per window). */
void notify_status(struct view *v);

/* STOPPING=1, with the reason in STATUS=. */
void notify_stopping(const char *why);

#endif /* ENERGY_NOTIFY_H */
