// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>

#include "route.h"

enum http_page http_route(const char *method, const char *path)
{
	enum http_page page;

	if (!strcmp(path, "/metrics"))
		page = HTTP_PAGE_METRICS;
	else if (!strcmp(path, "/"))
		page = HTTP_PAGE_INDEX;
	else
		return HTTP_PAGE_NOT_FOUND;
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return HTTP_PAGE_NOT_ALLOWED;
	return page;
}

unsigned int http_page_status(enum http_page page)
{
	switch (page) {
	case HTTP_PAGE_METRICS:
	case HTTP_PAGE_INDEX:
		return 200;
	case HTTP_PAGE_NOT_FOUND:
		return 404;
	case HTTP_PAGE_NOT_ALLOWED:
		return 405;
	}
	return 500;
}
