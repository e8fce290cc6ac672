// SPDX-License-Identifier: GPL-2.0-only
/*
 * A small HTTP/1.1 client for the end-to-end tests, see harness.h: one
 * request per connection ("Connection: close"), the reply read until the
 * server closes, chunked bodies (Prometheus's larger answers) undone.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "harness.h"

#define HTTP_TIMEOUT_MS		10000

int e2e_http_port_logged(const char *path)
{
	static const char key[] = "metrics at http://";
	char line[1024];
	int port = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (port < 0 && fgets(line, sizeof(line), f)) {
		char *p = strstr(line, key), *end, *colon;

		if (!p || !(end = strstr(p, "/metrics")))
			continue;
		*end = '\0';
		colon = strrchr(p, ':');
		if (colon)
			port = atoi(colon + 1);
	}
	fclose(f);
	return port;
}

/* Milliseconds left until @end_ns, at least 0. */
static int ms_left(__u64 end_ns)
{
	__u64 now = now_ns();

	return now >= end_ns ? 0 : (int)((end_ns - now + 999999) / 1000000);
}

/* Waits for @events on @fd until @end_ns: 0, or -ETIMEDOUT. */
static int wait_fd(int fd, short events, __u64 end_ns)
{
	struct pollfd p = { .fd = fd, .events = events };
	int n;

	do
		n = poll(&p, 1, ms_left(end_ns));
	while (n < 0 && errno == EINTR);
	return n > 0 ? 0 : n < 0 ? -errno : -ETIMEDOUT;
}

static int connect_until(const char *host, int port, __u64 end_ns)
{
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_port = htons(port) };
	bool v6 = strchr(host, ':');
	socklen_t elen = sizeof(int);
	int fd, err = 0;

	if (v6 ? inet_pton(AF_INET6, host, &s6.sin6_addr) != 1
	       : inet_pton(AF_INET, host, &s4.sin_addr) != 1)
		return -EINVAL;
	fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, v6 ? (struct sockaddr *)&s6 : (struct sockaddr *)&s4,
		    v6 ? sizeof(s6) : sizeof(s4))) {
		err = errno == EINPROGRESS ? wait_fd(fd, POLLOUT, end_ns) : -errno;
		if (!err && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen))
			err = errno;
		if (err > 0)
			err = -err;
	}
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

int e2e_tcp_connect(const char *host, int port, int timeout_ms)
{
	int fd = connect_until(host, port, now_ns() + timeout_ms * 1000000ULL);

	/* blocking from here on */
	if (fd >= 0)
		fcntl(fd, F_SETFL, 0);
	return fd;
}

/* Undoes chunked transfer coding of @r->body in place; false when the
 * body is not well-formed chunks. */
static bool dechunk(struct e2e_http_reply *r)
{
	char *in = r->body, *end = r->body + r->body_len, *out = r->body;

	for (;;) {
		char *eol = memmem(in, end - in, "\r\n", 2);
		unsigned long n;

		if (!eol)
			return false;
		n = strtoul(in, NULL, 16);
		in = eol + 2;
		if (!n)
			break;
		if ((size_t)(end - in) < n + 2)
			return false;
		memmove(out, in, n);
		out += n;
		in += n + 2;
	}
	r->body_len = out - r->body;
	r->body[r->body_len] = '\0';
	return true;
}

/* Splits what came (@buf, @len bytes, NUL-terminated) into @r. */
static void parse_reply(char *buf, size_t len, struct e2e_http_reply *r)
{
	char *sep = strstr(buf, "\r\n\r\n"), te[32];
	size_t hl;

	if (!sep) {
		r->head = buf;
		return;
	}
	hl = sep - buf + 4;
	r->head = strndup(buf, hl - 2);
	r->body_len = len - hl;
	memmove(buf, buf + hl, r->body_len + 1);
	r->body = buf;
	if (r->head && sscanf(r->head, "HTTP/1.%*d %d", &r->status) != 1)
		r->status = 0;
	if (e2e_http_header(r, "Transfer-Encoding", te, sizeof(te)) &&
	    !strcasecmp(te, "chunked") && !dechunk(r))
		fprintf(stderr, "  http: a chunked body that is not well-formed\n");
}

int e2e_http_raw(const char *host, int port, const char *req, size_t len,
		 int timeout_ms, struct e2e_http_reply *r)
{
	__u64 end = now_ns() + timeout_ms * 1000000ULL;
	size_t got = 0, cap = 65536, sent = 0;
	char *buf = NULL;
	int fd, err = 0;
	ssize_t n;

	memset(r, 0, sizeof(*r));
	fd = connect_until(host, port, end);
	if (fd < 0)
		return fd;
	/* A server may answer and close before it read all of @req. */
	while (sent < len && !err) {
		n = send(fd, req + sent, len - sent, MSG_NOSIGNAL);
		if (n > 0)
			sent += n;
		else if (errno == EAGAIN)
			err = wait_fd(fd, POLLOUT, end);
		else if (errno != EINTR)
			break;
	}
	buf = malloc(cap + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (err = 0; !err;) {
		if (got + 4096 > cap) {
			char *p = realloc(buf, cap * 2 + 1);

			if (!p) {
				err = -ENOMEM;
				break;
			}
			buf = p;
			cap *= 2;
		}
		n = recv(fd, buf + got, cap - got, 0);
		if (n > 0)
			got += n;
		else if (!n)
			break;
		else if (errno == EAGAIN)
			err = wait_fd(fd, POLLIN, end);
		else if (errno != EINTR)
			err = -errno;
	}
	close(fd);
	buf[got] = '\0';
	parse_reply(buf, got, r);
	/* A reset after a whole reply is still the reply. */
	return err == -ECONNRESET && r->status ? 0 : err;
}

int e2e_http(int port, const char *method, const char *target,
	     struct e2e_http_reply *r)
{
	char *req = NULL;
	int len, err;

	len = asprintf(&req, "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n\r\n",
		       method, target, port);
	if (len < 0) {
		memset(r, 0, sizeof(*r));
		return -ENOMEM;
	}
	err = e2e_http_raw("127.0.0.1", port, req, len, HTTP_TIMEOUT_MS, r);
	free(req);
	return err;
}

const char *e2e_http_header(const struct e2e_http_reply *r, const char *name,
			    char *buf, size_t len)
{
	size_t n = strlen(name);

	if (!r->head)
		return NULL;
	for (const char *l = strstr(r->head, "\r\n"); l; l = strstr(l, "\r\n")) {
		const char *v, *eol;

		l += 2;
		if (strncasecmp(l, name, n) || l[n] != ':')
			continue;
		v = l + n + 1;
		v += strspn(v, " \t");
		eol = strstr(v, "\r\n");
		if (!eol)
			eol = v + strlen(v);
		snprintf(buf, len, "%.*s", (int)(eol - v), v);
		return buf;
	}
	return NULL;
}

void e2e_http_free(struct e2e_http_reply *r)
{
	if (r->head != r->body)
		free(r->head);
	free(r->body);
	memset(r, 0, sizeof(*r));
}

int e2e_free_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    getsockname(fd, (struct sockaddr *)&sin, &len))
		err = -errno;
	close(fd);
	return err ? err : ntohs(sin.sin_port);
}
