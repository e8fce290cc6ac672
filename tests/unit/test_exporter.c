// SPDX-License-Identifier: GPL-2.0-only
/* The HTTP listener's pure parts: --listen's address, the routes. */
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "listen.h"
#include "route.h"
#include "unit.h"

/* @s parsed and written back as listen_name() has it. */
static bool parsed_as(const char *s, const char *want, int family)
{
	struct listen_addr a;
	char why[160] = "", name[LISTEN_NAME_MAX];

	if (listen_parse(s, &a, why, sizeof(why))) {
		fprintf(stderr, "  '%s': %s\n", s, why);
		return false;
	}
	listen_name((const struct sockaddr *)&a.ss, name, sizeof(name));
	if (strcmp(name, want) || a.ss.ss_family != family ||
	    a.len != (family == AF_INET ? sizeof(struct sockaddr_in)
					: sizeof(struct sockaddr_in6))) {
		fprintf(stderr, "  '%s': %s (family %d, length %u)\n", s, name,
			a.ss.ss_family, a.len);
		return false;
	}
	return true;
}

void test_listen_parse(void)
{
	struct listen_addr a;
	char why[160];

	ASSERT_TRUE(parsed_as("9102", "127.0.0.1:9102", AF_INET), "a bare port: loopback");
	ASSERT_TRUE(parsed_as("0.0.0.0:9102", "0.0.0.0:9102", AF_INET), "all IPv4");
	ASSERT_TRUE(parsed_as("127.0.0.1:0", "127.0.0.1:0", AF_INET), "port 0");
	ASSERT_TRUE(parsed_as("10.1.2.3:65535", "10.1.2.3:65535", AF_INET), "the top port");
	ASSERT_TRUE(parsed_as("[::1]:9102", "[::1]:9102", AF_INET6), "IPv6 loopback");
	ASSERT_TRUE(parsed_as("[::]:9102", "[::]:9102", AF_INET6), "all IPv6");
	ASSERT_TRUE(parsed_as("[2001:db8::7]:80", "[2001:db8::7]:80", AF_INET6), "an IPv6 address");
	ASSERT_TRUE(parsed_as("[::ffff:10.0.0.1]:80", "[::ffff:10.0.0.1]:80", AF_INET6),
		    "IPv4-mapped");
	ASSERT_EQ(listen_parse("[::1]:9102", &a, why, sizeof(why)), 0, "parse");
	ASSERT_EQ(ntohs(((struct sockaddr_in6 *)&a.ss)->sin6_port), 9102, "port in network order");
	ASSERT_TRUE(!memcmp(&((struct sockaddr_in6 *)&a.ss)->sin6_addr, &in6addr_loopback,
			    sizeof(in6addr_loopback)), "::1");
}

void test_listen_refused(void)
{
	static const struct { const char *in, *why; } bad[] = {
		{ "", "empty" },
		{ "abc", "'abc' is not a port" },
		{ "-1", "'-1' is not a port" },
		{ " 9102", "' 9102' is not a port" },
		{ "70000", "port 70000 is out of range (0..65535)" },
		{ "65536", "port 65536 is out of range" },
		{ "99999999999999999999999", "is out of range" },
		{ "1.2.3.4:", "no port after the address" },
		{ ":", "no address before ':'" },
		{ ":9102", "no address before ':'" },
		{ "[::1]", "no port after the address" },
		{ "[::1]:", "no port after the address" },
		{ "[::1]9102", "expected ':' after ']', not '9'" },
		{ "[::1:9102", "no ']' closes the IPv6 address" },
		{ "[]:80", "'[]' is not an IPv6 address" },
		{ "[1.2.3.4]:80", "'1.2.3.4' is not a numeric IPv6 address" },
		{ "[fe80::1%eth0]:80", "zone indexes are not supported" },
		{ "::1:9102", "an IPv6 address goes in brackets" },
		{ "host.example:80", "'host.example' is not a numeric IPv4 address (names are not resolved" },
		{ "localhost:9102", "'localhost' is not a numeric IPv4 address" },
		{ "1.2.3:80", "'1.2.3' is not a numeric IPv4 address" },
		{ "256.1.1.1:80", "'256.1.1.1' is not a numeric IPv4 address" },
		{ "1.2.3.4:80x", "port '80x' is not a number" },
		{ "1.2.3.4:+80", "port '+80' is not a number" },
		{ "1.2.3.4:70000", "port 70000 is out of range" },
	};
	struct listen_addr a, before;

	memset(&before, 0x5a, sizeof(before));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char why[160] = "";

		a = before;
		ASSERT_EQ(listen_parse(bad[i].in, &a, why, sizeof(why)), -EINVAL, bad[i].in);
		if (!ASSERT_TRUE(strstr(why, bad[i].why), bad[i].in))
			fprintf(stderr, "  why: '%s', expected it to hold '%s'\n", why, bad[i].why);
		ASSERT_TRUE(!memcmp(&a, &before, sizeof(a)), "unchanged on error");
	}
}

void test_http_route(void)
{
	static const struct { const char *method, *path; enum http_page page; unsigned int status; } t[] = {
		{ "GET", "/metrics", HTTP_PAGE_METRICS, 200 },
		{ "HEAD", "/metrics", HTTP_PAGE_METRICS, 200 },
		{ "GET", "/", HTTP_PAGE_INDEX, 200 },
		{ "HEAD", "/", HTTP_PAGE_INDEX, 200 },
		{ "GET", "/nope", HTTP_PAGE_NOT_FOUND, 404 },
		{ "GET", "/metrics/", HTTP_PAGE_NOT_FOUND, 404 },
		{ "GET", "/metricsx", HTTP_PAGE_NOT_FOUND, 404 },
		{ "GET", "//metrics", HTTP_PAGE_NOT_FOUND, 404 },
		{ "GET", "", HTTP_PAGE_NOT_FOUND, 404 },
		{ "POST", "/nope", HTTP_PAGE_NOT_FOUND, 404 },
		{ "POST", "/metrics", HTTP_PAGE_NOT_ALLOWED, 405 },
		{ "PUT", "/metrics", HTTP_PAGE_NOT_ALLOWED, 405 },
		{ "DELETE", "/", HTTP_PAGE_NOT_ALLOWED, 405 },
		{ "OPTIONS", "/metrics", HTTP_PAGE_NOT_ALLOWED, 405 },
		{ "get", "/metrics", HTTP_PAGE_NOT_ALLOWED, 405 },
		{ "GETX", "/metrics", HTTP_PAGE_NOT_ALLOWED, 405 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		enum http_page p = http_route(t[i].method, t[i].path);

		if (!ASSERT_EQ(p, t[i].page, t[i].path) ||
		    !ASSERT_EQ(http_page_status(p), t[i].status, t[i].method))
			fprintf(stderr, "  %s %s\n", t[i].method, t[i].path);
	}
	ASSERT_STREQ(HTTP_ALLOW, "GET, HEAD", "what 405 allows");
}
