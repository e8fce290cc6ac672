/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The Prometheus listener: the exposition of the view over HTTP, served by
 * libmicrohttpd from a small pool of threads of its own that read the view
 * as the filesystem does, so a client never holds up the sampler. Bounded
 * against bad clients: HTTP_THREADS threads, HTTP_CONN_LIMIT connections
 * (those beyond wait in the listen backlog or are closed), at most
 * HTTP_MEMORY_LIMIT of request per connection, a connection idle for
 * HTTP_TIMEOUT_S dropped.
 */
#ifndef ENERGY_HTTP_H
#define ENERGY_HTTP_H

#include "listen.h"
#include "view.h"

#define HTTP_THREADS		2
#define HTTP_CONN_LIMIT		64
#define HTTP_TIMEOUT_S		10
#define HTTP_MEMORY_LIMIT	(16 * 1024)
#define HTTP_BACKLOG		64

struct http;

/*
 * Bind and listen on @a, first thing at start, so that a port taken fails
 * before anything else is started. Returns 0 or -errno, logged with the
 * address.
 */
int http_open(struct http **out, const struct listen_addr *a);

/* Serve @v from the listener's threads; logs where once. Returns 0 or
 * -errno, logged. */
int http_start(struct http *h, struct view *v);

/* Stop serving: the threads are gone on return, so the view may go
 * (NULL, or never started, is fine). */
void http_stop(struct http *h);

/* http_stop(), then close the socket and free (NULL is fine). */
void http_close(struct http *h);

#endif /* ENERGY_HTTP_H */
