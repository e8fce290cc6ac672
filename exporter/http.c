// SPDX-License-Identifier: GPL-2.0-only
/*
 * libmicrohttpd in its epoll mode, with an internal thread pool: each
 * thread accepts from the one listening socket and serves its connections.
 * A request is answered at its first call to the handler (the headers are
 * in): the route decides the status, /metrics is rendered into a buffer
 * whose ownership passes to the response, which frees it once sent.
 *
 * No per-address connection limit: the scraper is one address, a bare port
 * is loopback only, and behind a proxy every client has the proxy's
 * address; the total limit bounds what the daemon holds all the same.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <microhttpd.h>

#include "http.h"
#include "log.h"
#include "metrics.h"
#include "route.h"

#define CONTENT_METRICS	"text/plain; version=0.0.4; charset=utf-8"

static const char index_page[] =
	"<!DOCTYPE html>\n"
	"<html><head><meta charset=\"utf-8\"><title>energyd</title></head>\n"
	"<body><h1>energyd</h1>\n"
	"<p>Per-process energy accounting: <a href=\"/metrics\">metrics</a> (Prometheus text format 0.0.4).</p>\n"
	"</body></html>\n";
static const char not_found[] = "404 not found: energyd serves /metrics\n";
static const char not_allowed[] = "405 method not allowed: " HTTP_ALLOW "\n";
static const char no_memory[] = "500 out of memory\n";

struct http {
	int fd;				/* listening; MHD's once started */
	struct MHD_Daemon *mhd;
	struct view *v;
	char name[LISTEN_NAME_MAX];	/* where it listens */
};

/* What libmicrohttpd reports (a client refused at the connection limit,
 * a connection that timed out...), rate-limited: a flood of clients must
 * not flood the log. */
static struct log_limit mhd_log_limit;

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[256];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	log_limited(&mhd_log_limit, LOG_LVL_WARN, "http: %s", msg);
}

/* A response of static text. */
static struct MHD_Response *text(const char *s, size_t len, const char *type)
{
	struct MHD_Response *r;

	r = MHD_create_response_from_buffer(len, (void *)s, MHD_RESPMEM_PERSISTENT);
	if (r)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	return r;
}

/* The exposition, rendered now; the response owns the buffer. */
static struct MHD_Response *metrics(struct view *v, unsigned int *status)
{
	struct MHD_Response *r;
	struct rbuf b = {};

	metrics_of_view(v, &b);
	if (b.oom) {
		rbuf_free(&b);
		*status = MHD_HTTP_INTERNAL_SERVER_ERROR;
		return text(no_memory, sizeof(no_memory) - 1, "text/plain");
	}
	r = MHD_create_response_from_buffer_with_free_callback(b.len, b.data, free);
	if (!r) {
		rbuf_free(&b);
		return NULL;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, CONTENT_METRICS);
	return r;
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn,
			      const char *url, const char *method,
			      const char *version, const char *upload_data,
			      size_t *upload_data_size, void **con_cls)
{
	struct http *h = cls;
	enum http_page page = http_route(method, url);
	unsigned int status = http_page_status(page);
	struct MHD_Response *r = NULL;
	enum MHD_Result ret;

	(void)version, (void)upload_data, (void)upload_data_size, (void)con_cls;
	switch (page) {
	case HTTP_PAGE_METRICS:
		r = metrics(h->v, &status);
		break;
	case HTTP_PAGE_INDEX:
		r = text(index_page, sizeof(index_page) - 1, "text/html; charset=utf-8");
		break;
	case HTTP_PAGE_NOT_FOUND:
		r = text(not_found, sizeof(not_found) - 1, "text/plain; charset=utf-8");
		break;
	case HTTP_PAGE_NOT_ALLOWED:
		r = text(not_allowed, sizeof(not_allowed) - 1, "text/plain; charset=utf-8");
		if (r)
			MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, HTTP_ALLOW);
		break;
	}
	/* Out of memory: MHD_NO closes the connection. */
	if (!r)
		return MHD_NO;
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

int http_open(struct http **out, const struct listen_addr *a)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct http *h;
	int one = 1, err;

	*out = NULL;
	h = calloc(1, sizeof(*h));
	if (!h) {
		log_err("--listen: out of memory");
		return -ENOMEM;
	}
	listen_name((const struct sockaddr *)&a->ss, h->name, sizeof(h->name));
	h->fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (h->fd < 0) {
		err = -errno;
		log_err("--listen %s: socket: %s", h->name, strerror(-err));
		goto fail;
	}
	/* Restarts find the port in TIME_WAIT; a port another socket listens
	 * on is still refused. */
	setsockopt(h->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(h->fd, (const struct sockaddr *)&a->ss, a->len) ||
	    listen(h->fd, HTTP_BACKLOG)) {
		err = -errno;
		log_err("--listen %s: cannot listen there: %s%s", h->name,
			strerror(-err), err == -EADDRINUSE ?
			" (another program has the port)" : "");
		goto fail;
	}
	/* Port 0: the one the kernel chose. */
	if (!getsockname(h->fd, (struct sockaddr *)&ss, &len))
		listen_name((const struct sockaddr *)&ss, h->name, sizeof(h->name));
	*out = h;
	return 0;
fail:
	if (h->fd >= 0)
		close(h->fd);
	free(h);
	return err;
}

int http_start(struct http *h, struct view *v)
{
	unsigned int flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC |
			     MHD_USE_ERROR_LOG;
	int fd = h->fd;

	h->v = v;
	/* The socket is MHD's from here on, started or not. */
	h->fd = -1;
	h->mhd = MHD_start_daemon(flags, 0, NULL, NULL, answer, h,
				  MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
				  MHD_OPTION_LISTEN_SOCKET, fd,
				  MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)HTTP_THREADS,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned int)HTTP_CONN_LIMIT,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)HTTP_TIMEOUT_S,
				  MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_MEMORY_LIMIT,
				  MHD_OPTION_END);
	if (!h->mhd) {
		log_err("--listen %s: the HTTP server did not start (libmicrohttpd %s)",
			h->name, MHD_get_version());
		return -EIO;
	}
	log_info("serving Prometheus metrics at http://%s/metrics", h->name);
	return 0;
}

void http_stop(struct http *h)
{
	if (!h || !h->mhd)
		return;
	/* Joins the threads, closes the connections and the socket. */
	MHD_stop_daemon(h->mhd);
	h->mhd = NULL;
}

void http_close(struct http *h)
{
	if (!h)
		return;
	http_stop(h);
	if (h->fd >= 0)
		close(h->fd);
	free(h);
}
