/* SPDX-License-Identifier: GPL-2.0-only */
/* What every fuzz target shares: an invariant check that aborts with the
 * reason (libFuzzer saves the input), and the input as a C string. */
#ifndef ENERGY_FUZZ_H
#define ENERGY_FUZZ_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Abort, naming the broken invariant, unless @cond holds. */
#define FUZZ_ASSERT(cond)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: invariant broken: %s\n",\
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

/* @data of @size bytes as a NUL-terminated copy (cut at its first NUL, as
 * a C string parser sees it); the caller frees it. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif /* ENERGY_FUZZ_H */
