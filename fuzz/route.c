// SPDX-License-Identifier: GPL-2.0-only
/*
 * An HTTP method and path (split at the first NUL) for http_route: always
 * one of the pages, with its status; a method other than GET and HEAD
 * never gets a page with content.
 */
#include "fuzz.h"
#include "route.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *method = malloc(size + 2);
	const char *path;
	enum http_page page;
	unsigned int status;
	size_t m;

	FUZZ_ASSERT(method);
	memcpy(method, data, size);
	method[size] = method[size + 1] = '\0';
	m = strlen(method);
	path = method + m + 1;
	if (m == size)
		path = method + size;	/* no NUL: an empty path */
	page = http_route(method, path);
	status = http_page_status(page);
	switch (page) {
	case HTTP_PAGE_METRICS:
	case HTTP_PAGE_INDEX:
		FUZZ_ASSERT(status == 200);
		FUZZ_ASSERT(!strcmp(method, "GET") || !strcmp(method, "HEAD"));
		break;
	case HTTP_PAGE_NOT_FOUND:
		FUZZ_ASSERT(status == 404);
		break;
	case HTTP_PAGE_NOT_ALLOWED:
		FUZZ_ASSERT(status == 405);
		FUZZ_ASSERT(strcmp(method, "GET") && strcmp(method, "HEAD"));
		break;
	default:
		FUZZ_ASSERT(!"an answer that is not a page");
	}
	free(method);
	return 0;
}
