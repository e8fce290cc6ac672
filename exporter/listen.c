// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "listen.h"

#define EXAMPLES	"expected [ADDR:]PORT, e.g. 9102, 0.0.0.0:9102 or [::1]:9102"

/* A decimal port 0..65535 in [@s, @s + @len); false with the reason. */
static bool parse_port(const char *s, size_t len, unsigned int *port,
		       char *why, size_t why_len)
{
	unsigned long v = 0;

	if (!len) {
		snprintf(why, why_len, "no port after the address (%s)", EXAMPLES);
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9') {
			snprintf(why, why_len, "port '%.*s' is not a number (%s)",
				 (int)len, s, EXAMPLES);
			return false;
		}
		if (v <= 65535)
			v = v * 10 + (s[i] - '0');
	}
	if (v > 65535) {
		snprintf(why, why_len, "port %.*s is out of range (0..65535)",
			 (int)len, s);
		return false;
	}
	*port = v;
	return true;
}

/* "[V6]:PORT" */
static int parse_v6(const char *s, struct listen_addr *out, char *why,
		    size_t why_len)
{
	const char *end = strchr(s, ']');
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	char host[INET6_ADDRSTRLEN];
	unsigned int port;

	if (!end) {
		snprintf(why, why_len, "no ']' closes the IPv6 address (%s)", EXAMPLES);
		return -EINVAL;
	}
	if ((size_t)(end - s - 1) >= sizeof(host) || end == s + 1) {
		snprintf(why, why_len, "'%.*s' is not an IPv6 address",
			 (int)(end - s + 1), s);
		return -EINVAL;
	}
	memcpy(host, s + 1, end - s - 1);
	host[end - s - 1] = '\0';
	if (inet_pton(AF_INET6, host, &sin6.sin6_addr) != 1) {
		snprintf(why, why_len, "'%s' is not a numeric IPv6 address%s", host,
			 strchr(host, '%') ? " (zone indexes are not supported)" : "");
		return -EINVAL;
	}
	if (!end[1]) {
		snprintf(why, why_len, "no port after the address (%s)", EXAMPLES);
		return -EINVAL;
	}
	if (end[1] != ':') {
		snprintf(why, why_len, "expected ':' after ']', not '%c' (%s)",
			 end[1], EXAMPLES);
		return -EINVAL;
	}
	if (!parse_port(end + 2, strlen(end + 2), &port, why, why_len))
		return -EINVAL;
	sin6.sin6_port = htons(port);
	memset(out, 0, sizeof(*out));
	memcpy(&out->ss, &sin6, sizeof(sin6));
	out->len = sizeof(sin6);
	return 0;
}

int listen_parse(const char *s, struct listen_addr *out, char *why,
		 size_t why_len)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	const char *colon, *host = LISTEN_DEFAULT_ADDR, *port_s = s;
	char buf[INET_ADDRSTRLEN];
	unsigned int port;

	if (!*s) {
		snprintf(why, why_len, "empty (%s)", EXAMPLES);
		return -EINVAL;
	}
	if (*s == '[')
		return parse_v6(s, out, why, why_len);
	colon = strrchr(s, ':');
	if (colon && strchr(s, ':') != colon) {
		snprintf(why, why_len, "an IPv6 address goes in brackets, as [ADDR]:PORT (%s)",
			 EXAMPLES);
		return -EINVAL;
	}
	if (colon) {
		if (colon == s) {
			snprintf(why, why_len, "no address before ':' (0.0.0.0:PORT or [::]:PORT listen on all addresses, a bare PORT on loopback)");
			return -EINVAL;
		}
		if ((size_t)(colon - s) >= sizeof(buf)) {
			snprintf(why, why_len, "'%.*s' is not a numeric IPv4 address (names are not resolved; IPv6 goes in brackets)",
				 (int)(colon - s), s);
			return -EINVAL;
		}
		memcpy(buf, s, colon - s);
		buf[colon - s] = '\0';
		host = buf;
		port_s = colon + 1;
	} else if (strspn(s, "0123456789") != strlen(s)) {
		snprintf(why, why_len, "'%s' is not a port (0..65535) nor ADDR:PORT (%s)",
			 s, EXAMPLES);
		return -EINVAL;
	}
	if (inet_pton(AF_INET, host, &sin.sin_addr) != 1) {
		snprintf(why, why_len, "'%s' is not a numeric IPv4 address (names are not resolved; IPv6 goes in brackets)",
			 host);
		return -EINVAL;
	}
	if (!parse_port(port_s, strlen(port_s), &port, why, why_len))
		return -EINVAL;
	sin.sin_port = htons(port);
	memset(out, 0, sizeof(*out));
	memcpy(&out->ss, &sin, sizeof(sin));
	out->len = sizeof(sin);
	return 0;
}

const char *listen_name(const struct sockaddr *sa, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";

	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, ntohs(s6->sin6_port));
	} else {
		const struct sockaddr_in *s4 = (const void *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(s4->sin_port));
	}
	return buf;
}
