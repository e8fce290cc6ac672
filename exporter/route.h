/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the Prometheus listener answers to a request, by its method and
 * path alone. Pure: no I/O.
 */
#ifndef ENERGY_ROUTE_H
#define ENERGY_ROUTE_H

/* The methods the known paths take, as the Allow header says. */
#define HTTP_ALLOW	"GET, HEAD"

/* The answers. */
enum http_page {
	HTTP_PAGE_METRICS,	/* 200, the exposition */
	HTTP_PAGE_INDEX,	/* 200, a page linking to /metrics */
	HTTP_PAGE_NOT_FOUND,	/* 404, any method */
	HTTP_PAGE_NOT_ALLOWED,	/* 405 with Allow: a known path, another method */
};

/* The answer to @method (case-sensitive, as HTTP has it) on @path (the
 * path without its query string). */
enum http_page http_route(const char *method, const char *path);

/* The status code of @page. */
unsigned int http_page_status(enum http_page page);

#endif /* ENERGY_ROUTE_H */
