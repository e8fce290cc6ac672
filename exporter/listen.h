/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Where the Prometheus listener binds: "[ADDR:]PORT" with a numeric IPv4
 * address or an IPv6 address in brackets. Names are not resolved (no DNS
 * at start, no surprise about which address a name gave). Pure: no I/O.
 */
#ifndef ENERGY_LISTEN_H
#define ENERGY_LISTEN_H

#include <stddef.h>
#include <sys/socket.h>

/* The address a bare port binds: loopback only. */
#define LISTEN_DEFAULT_ADDR	"127.0.0.1"

/* Longest text of an address and port: "[" INET6_ADDRSTRLEN "]:65535". */
#define LISTEN_NAME_MAX		56

/* An address and port to bind. */
struct listen_addr {
	struct sockaddr_storage ss;	/* sockaddr_in or sockaddr_in6 */
	socklen_t len;			/* 0: no listener */
};

/*
 * Parse @s: "PORT" (LISTEN_DEFAULT_ADDR), "A.B.C.D:PORT" or "[V6]:PORT",
 * PORT decimal 0..65535 (0: the kernel picks one). Returns 0, or -EINVAL
 * with the reason in @why (@out untouched).
 */
int listen_parse(const char *s, struct listen_addr *out, char *why,
		 size_t why_len);

/* "127.0.0.1:9102" or "[::1]:9102" of @sa in @buf (LISTEN_NAME_MAX);
 * returns @buf. */
const char *listen_name(const struct sockaddr *sa, char *buf, size_t len);

#endif /* ENERGY_LISTEN_H */
