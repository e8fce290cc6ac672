// SPDX-License-Identifier: GPL-2.0-only
/*
 * Container and pod identity from a cgroup2 path: the path is walked one
 * name at a time, outermost first, and each name is matched against the
 * shapes the runtimes and the kubelet create (see container.h). Nothing is
 * guessed from a name that merely looks like an id: a bare id counts only
 * where a runtime puts one (docker/<id>, a cgroupfs pod's <id>).
 */
#include <stdio.h>
#include <string.h>

#include "container.h"

#define ID_LEN		64	/* docker, containerd (CRI, nerdctl), CRI-O, podman */
#define UUID_LEN	36	/* 8-4-4-4-12 */
#define HASH_LEN	32	/* a static pod's UID: the kubelet's config hash */

/* One name of the path, not NUL-terminated. */
struct seg {
	const char *s;
	size_t len;
};

/* Container cgroups named <prefix><id><suffix>. A conmon scope
 * (crio-conmon-<id>.scope, libpod-conmon-<id>.scope) matches none: what
 * follows the prefix is not an id. */
static const struct {
	const char *prefix, *suffix, *runtime;
} shapes[] = {
	{ "docker-",		".scope",	"docker" },
	{ "cri-containerd-",	".scope",	"containerd" },
	{ "nerdctl-",		".scope",	"containerd" },
	{ "crio-",		".scope",	"crio" },
	{ "crio-",		"",		"crio" },
	{ "libpod-",		".scope",	"podman" },
	{ "libpod-",		"",		"podman" },
	{ "libpod-payload-",	"",		"podman" },
};

static bool is_lhex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static bool all_lhex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_lhex(s[i]))
			return false;
	return true;
}

static bool seg_is(struct seg g, const char *lit)
{
	size_t n = strlen(lit);

	return g.len == n && !memcmp(g.s, lit, n);
}

static bool seg_ends(struct seg g, const char *lit)
{
	size_t n = strlen(lit);

	return g.len >= n && !memcmp(g.s + g.len - n, lit, n);
}

/* The runtime of the container cgroup @g, its id copied to @id; NULL when
 * @g is not one. */
static const char *container_seg(struct seg g, char id[ID_LEN + 1])
{
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		size_t p = strlen(shapes[i].prefix);

		if (g.len != p + ID_LEN + strlen(shapes[i].suffix) ||
		    memcmp(g.s, shapes[i].prefix, p) ||
		    !seg_ends(g, shapes[i].suffix) || !all_lhex(g.s + p, ID_LEN))
			continue;
		memcpy(id, g.s + p, ID_LEN);
		id[ID_LEN] = '\0';
		return shapes[i].runtime;
	}
	return NULL;
}

/* Whether @g is a bare id (cgroupfs drivers), copied to @id. */
static bool bare_id(struct seg g, char id[ID_LEN + 1])
{
	if (g.len != ID_LEN || !all_lhex(g.s, ID_LEN))
		return false;
	memcpy(id, g.s, ID_LEN);
	id[ID_LEN] = '\0';
	return true;
}

/* A pod UID of @n bytes at @s: a UUID whose dashes are @sep, written to
 * @uid dashed, or a static pod's 32-hex hash, written as is. */
static bool parse_uid(const char *s, size_t n, char sep, char uid[UUID_LEN + 1])
{
	if (n == HASH_LEN && all_lhex(s, n)) {
		memcpy(uid, s, n);
		uid[n] = '\0';
		return true;
	}
	if (n != UUID_LEN)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != sep)
				return false;
			uid[i] = '-';
		} else if (is_lhex(s[i])) {
			uid[i] = s[i];
		} else {
			return false;
		}
	}
	uid[n] = '\0';
	return true;
}

/* Whether the dash-separated name @s of @n bytes has the part @part. */
static bool has_part(const char *s, size_t n, const char *part)
{
	size_t k = strlen(part);

	for (size_t i = 0; i < n; ) {
		const char *d = memchr(s + i, '-', n - i);
		size_t len = d ? (size_t)(d - (s + i)) : n - i;

		if (len == k && !memcmp(s + i, part, k))
			return true;
		i += len + 1;
	}
	return false;
}

/* The systemd driver's pod slice, <prefix>-pod<uid>.slice with the UID's
 * dashes as underscores (systemd reads a dash as a level) and kubepods
 * among the prefix's parts: kubepods-pod<uid>.slice (guaranteed),
 * kubepods-burstable-pod<uid>.slice, kubelet-kubepods-besteffort-pod...
 * (KinD). */
static bool pod_slice(struct seg g, char uid[UUID_LEN + 1])
{
	size_t n, plen;
	const char *dash, *p;

	if (!seg_ends(g, ".slice"))
		return false;
	n = g.len - strlen(".slice");
	dash = memrchr(g.s, '-', n);
	if (!dash)
		return false;
	p = dash + 1;
	plen = (size_t)(g.s + n - p);
	if (plen < 3 || memcmp(p, "pod", 3) ||
	    !has_part(g.s, (size_t)(dash - g.s), "kubepods"))
		return false;
	return parse_uid(p + 3, plen - 3, '_', uid);
}

/* The cgroupfs driver's pod directory, pod<uid> with the UID dashed. */
static bool pod_dir(struct seg g, char uid[UUID_LEN + 1])
{
	return g.len > 3 && !memcmp(g.s, "pod", 3) &&
	       parse_uid(g.s + 3, g.len - 3, '-', uid);
}

bool container_from_cgroup(const char *path, struct container_ident *out)
{
	struct container_ident c;
	/* Whether a kubepods ancestor was seen, or may lie above the root of
	 * the cgroup namespace the path was read in ("..", hidden). */
	bool kube = false;
	bool parent_docker = false, parent_pod = false;
	const char *p = path;

	memset(out, 0, sizeof(*out));
	if (!path)
		return false;
	memset(&c, 0, sizeof(c));
	while (*p) {
		char id[ID_LEN + 1], uid[UUID_LEN + 1];
		const char *rt = NULL;
		bool is_pod_dir = false;
		struct seg g;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		g.s = p;
		g.len = strcspn(p, "/");
		p += g.len;

		if (pod_slice(g, uid) || (kube && (is_pod_dir = pod_dir(g, uid)))) {
			/* A pod inside a container is not that container's. */
			memcpy(c.pod_uid, uid, sizeof(uid));
			c.runtime[0] = c.id[0] = '\0';
		} else if ((rt = container_seg(g, id)) ||
			   ((parent_docker || parent_pod) && bare_id(g, id))) {
			/* The innermost container wins; its pod stays. */
			snprintf(c.runtime, sizeof(c.runtime), "%s",
				 rt ? rt : parent_docker ? "docker" : "");
			memcpy(c.id, id, sizeof(id));
		}
		kube = kube || seg_is(g, "kubepods") || seg_is(g, "..");
		parent_docker = seg_is(g, "docker");
		parent_pod = is_pod_dir;
	}
	if (!c.id[0] && !c.pod_uid[0])
		return false;
	*out = c;
	return true;
}
