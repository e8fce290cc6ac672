/* SPDX-License-Identifier: GPL-2.0-only */
/* A growable text buffer for the files and pages energyd serves. */
#ifndef ENERGY_RBUF_H
#define ENERGY_RBUF_H

#include <stdbool.h>
#include <stddef.h>

/* A growable text buffer; on allocation failure it keeps what it has and
 * sets oom. */
struct rbuf {
	char *data;
	size_t len, cap;
	bool oom;
};

/* Make room for @more bytes and a NUL; false (oom set) when out of
 * memory. */
bool rbuf_reserve(struct rbuf *b, size_t more);

/* Append formatted text. */
void rbuf_printf(struct rbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Release the buffer. */
void rbuf_free(struct rbuf *b);

#endif /* ENERGY_RBUF_H */
