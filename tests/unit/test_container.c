// SPDX-License-Identifier: GPL-2.0-only
/*
 * Container and pod identity over the cgroup2 paths the runtimes and the
 * kubelet really create (their shapes as docker, containerd, CRI-O, podman
 * and the kubelet's two cgroup drivers write them), and over paths that
 * must name nothing.
 */
#include "container.h"
#include "unit.h"

#define ID1	"2b724db583be899c97982355826975ce27ea29d0998874a4100ba1ec1c298ed0"
#define ID2	"b3d19e0acbff1643765fbdd9af8dbb8682857aa29b6f7b9d4e9d740657149599"
#define ID3	"9ccc74fe3601cfa122b293fbfc3a37e4fc1c47cd4201dae77f6767383c3bd075"
#define ID4	"e52234837fcfe6f11d733ffde1d07add1a3b30953548cda671e2313903aeb1b1"
/* Pod UIDs as the API server gives them, and as systemd slice names. */
#define UID1	"bb15cccc-6f6a-41f6-9713-e9da0b77f606"
#define UID1_	"bb15cccc_6f6a_41f6_9713_e9da0b77f606"
#define UID2	"db661ef9-200a-47be-8c1d-b7b84416a705"
#define UID2_	"db661ef9_200a_47be_8c1d_b7b84416a705"
#define UID3	"e890fd97-930d-4ba7-ab32-8f67387d4843"
#define UID3_	"e890fd97_930d_4ba7_ab32_8f67387d4843"
/* A static pod: the kubelet's config hash, no dashes. */
#define HASH	"019f5603fba39fe18457154b91d38f31"

#define KUBE_BU	"/kubepods.slice/kubepods-burstable.slice/"
#define KUBE_BE	"/kubepods.slice/kubepods-besteffort.slice/"
#define USER	"/user.slice/user-1000.slice/user@1000.service"

struct row {
	const char *path;
	const char *runtime, *id, *pod_uid;
};

static const struct row found[] = {
	/* Docker, systemd driver and cgroupfs driver. */
	{ "/system.slice/docker-" ID1 ".scope", "docker", ID1, "" },
	{ "/docker/" ID1, "docker", ID1, "" },
	/* systemd running inside the container, its own cgroups below. */
	{ "/system.slice/docker-" ID1 ".scope/init.scope", "docker", ID1, "" },
	{ "/system.slice/docker-" ID1 ".scope/system.slice/cron.service",
	  "docker", ID1, "" },
	/* Docker in docker: the innermost container. */
	{ "/docker/" ID1 "/docker/" ID2, "docker", ID2, "" },
	{ "/system.slice/docker-" ID1 ".scope/docker/" ID2, "docker", ID2, "" },
	/* Rootless docker (systemd driver, user manager). */
	{ USER "/user.slice/docker-" ID3 ".scope", "docker", ID3, "" },
	/* containerd: nerdctl's scope. */
	{ "/system.slice/nerdctl-" ID2 ".scope", "containerd", ID2, "" },
	/* Podman: systemd manager, crun's "container" child, cgroupfs. */
	{ "/machine.slice/libpod-" ID3 ".scope", "podman", ID3, "" },
	{ "/machine.slice/libpod-" ID3 ".scope/container", "podman", ID3, "" },
	{ "/libpod_parent/libpod-" ID3, "podman", ID3, "" },
	/* Podman pods' slices carry podman's pod id, not a Kubernetes UID. */
	{ "/machine.slice/machine-libpod_pod_" ID4 ".slice/libpod-" ID3 ".scope",
	  "podman", ID3, "" },
	/* Rootless podman, and a quadlet's --cgroups=split payload. */
	{ USER "/user.slice/libpod-" ID4 ".scope/container", "podman", ID4, "" },
	{ USER "/app.slice/redis.service/libpod-payload-" ID4, "podman", ID4, "" },
	{ "/system.slice/nginx.service/libpod-payload-" ID1, "podman", ID1, "" },
	/* Kubernetes, systemd driver: burstable, besteffort, guaranteed. */
	{ KUBE_BU "kubepods-burstable-pod" UID1_ ".slice/cri-containerd-" ID1
	  ".scope", "containerd", ID1, UID1 },
	{ KUBE_BE "kubepods-besteffort-pod" UID2_ ".slice/crio-" ID2 ".scope",
	  "crio", ID2, UID2 },
	{ "/kubepods.slice/kubepods-pod" UID3_ ".slice/cri-containerd-" ID3
	  ".scope", "containerd", ID3, UID3 },
	/* cri-dockerd: docker scopes in the pod slice. */
	{ KUBE_BU "kubepods-burstable-pod" UID1_ ".slice/docker-" ID4 ".scope",
	  "docker", ID4, UID1 },
	/* A static pod (kube-apiserver and the like). */
	{ KUBE_BU "kubepods-burstable-pod" HASH ".slice/cri-containerd-" ID2
	  ".scope", "containerd", ID2, HASH },
	/* The pod's own slice, and CRI-O's conmon in it: the pod only. */
	{ KUBE_BU "kubepods-burstable-pod" UID1_ ".slice", "", "", UID1 },
	{ KUBE_BU "kubepods-burstable-pod" UID1_ ".slice/crio-conmon-" ID2
	  ".scope", "", "", UID1 },
	/* Kubernetes, cgroupfs driver: the runtime is not in the path. */
	{ "/kubepods/besteffort/pod" UID2 "/" ID1, "", ID1, UID2 },
	{ "/kubepods/burstable/pod" UID3 "/" ID2, "", ID2, UID3 },
	{ "/kubepods/pod" UID1 "/" ID3, "", ID3, UID1 },
	{ "/kubepods/burstable/pod" UID3 "/crio-" ID4, "crio", ID4, UID3 },
	{ "/kubepods/burstable/pod" UID3 "/crio-conmon-" ID4, "", "", UID3 },
	{ "/kubepods/besteffort/pod" UID2, "", "", UID2 },
	/* Docker Desktop's doubled kubepods, and kubelet under Mesos. */
	{ "/kubepods/kubepods/besteffort/pod" UID2 "/" ID4, "", ID4, UID2 },
	{ "/mesos/" UID3 "/kubepods/besteffort/pod" UID1 "/" ID2, "", ID2, UID1 },
	/* KinD on podman: the pod inside the node container wins, its
	 * container innermost; the pod's slice alone drops the node. */
	{ "/machine.slice/libpod-" ID1 ".scope/container/kubelet.slice/"
	  "kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/"
	  "kubelet-kubepods-besteffort-pod" UID2_ ".slice/cri-containerd-" ID3
	  ".scope", "containerd", ID3, UID2 },
	{ "/machine.slice/libpod-" ID1 ".scope/container/kubelet.slice/"
	  "kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/"
	  "kubelet-kubepods-besteffort-pod" UID2_ ".slice", "", "", UID2 },
	/* Docker inside a pod's container: the inner container, same pod. */
	{ "/kubepods/besteffort/pod" UID2 "/" ID1 "/docker/" ID2, "docker", ID2,
	  UID2 },
	/* Read in a cgroup namespace: relative to its root, above it "..". */
	{ "/../../kubepods-besteffort-pod" UID2_ ".slice/cri-containerd-" ID1
	  ".scope", "containerd", ID1, UID2 },
	{ "/../../pod" UID2 "/" ID1, "", ID1, UID2 },
	{ "/../cri-containerd-" ID4 ".scope", "containerd", ID4, "" },
	/* No leading slash, a trailing one, doubled ones. */
	{ "system.slice/docker-" ID1 ".scope/", "docker", ID1, "" },
	{ "//kubepods//pod" UID1 "//" ID3, "", ID3, UID1 },
};

static const char *const not_found[] = {
	"", "/", "/..", "/../..",
	"/init.scope",
	"/system.slice/ssh.service",
	"/system.slice/docker.service",
	"/system.slice/containerd.service",
	"/system.slice/crio.service",
	"/user.slice/user-1000.slice/session-3.scope",
	USER "/app.slice/redis.service/runtime",
	"/user.slice/user-1000.slice/user@1000.service/init.scope",
	/* Prefixes of container paths. */
	"/docker", "/docker/", "/system.slice", "/machine.slice",
	"/kubepods", "/kubepods/besteffort", "/kubepods.slice",
	KUBE_BU, "/libpod_parent",
	/* Conmon outside a pod; podman's own pod slice. */
	"/machine.slice/libpod-conmon-" ID1 ".scope",
	"/system.slice/crio-conmon-" ID1 ".scope",
	"/machine.slice/machine-libpod_pod_" ID4 ".slice",
	/* Ids of the wrong length, not hex, upper case. */
	"/system.slice/docker-" "abc" ".scope",
	"/system.slice/docker-" "2b724db583be899c97982355826975ce27ea29d0998874a4100ba1ec1c298ed" ".scope",
	"/system.slice/docker-" ID1 "0.scope",
	"/system.slice/docker-" "2b724db583be899c97982355826975ce27ea29d0998874a4100ba1ec1c298edg" ".scope",
	"/system.slice/docker-" "2B724DB583BE899C97982355826975CE27EA29D0998874A4100BA1EC1C298ED0" ".scope",
	"/docker/" "2b724db583be899c97982355826975ce27ea29d0998874a4100ba1ec1c298ed",
	"/docker/" "2B724DB583BE899C97982355826975CE27EA29D0998874A4100BA1EC1C298ED0",
	"/docker/2b724db583be",
	/* A shape's prefix or suffix missing or wrong. */
	"/system.slice/docker-" ID1,
	"/system.slice/docker-" ID1 ".scopex",
	"/system.slice/docker-" ID1 ".service",
	"/system.slice/cri-containerd-" ID1 ".slice",
	"/system.slice/xdocker-" ID1 ".scope",
	/* Units that merely hold an id in their name. */
	"/system.slice/var-lib-docker-containers-" ID1 "-mounts-shm.mount",
	"/system.slice/run-containerd-runc-k8s.io-" ID1 "-runc.abc123.mount",
	/* A bare id where no runtime puts one. */
	"/" ID1, "/default/" ID1, "/system.slice/" ID1,
	/* Pod UIDs malformed, or a pod outside kubepods. */
	KUBE_BU "kubepods-burstable-pod" UID1 ".slice",
	KUBE_BU "kubepods-burstable-podBB15CCCC_6F6A_41F6_9713_E9DA0B77F606.slice",
	KUBE_BU "kubepods-burstable-podbb15cccc_6f6a_41f6_9713_e9da0b77f60.slice",
	KUBE_BU "kubepods-burstable-podbb15cccc6f6a_41f6_9713_e9da0b77f6060.slice",
	KUBE_BU "kubepods-burstable-pod.slice",
	KUBE_BU "kubepods-burstable-pod" UID1_ ".scope",
	"/system.slice/myapp-pod" UID1_ ".slice",
	"/kubepods/besteffort/pod" UID1_ "/" ID1,
	"/kubepods/besteffort/pod" "bb15cccc-6f6a-41f6-9713-e9da0b77f6" "/" ID1,
	"/pod" UID1 "/" ID1,
	"/system.slice/pod" UID1,
};

static bool ident_is(const struct container_ident *c, const char *rt,
		     const char *id, const char *uid, const char *what)
{
	bool ok = true;

	ok &= ASSERT_STREQ(c->runtime, rt, what);
	ok &= ASSERT_STREQ(c->id, id, what);
	ok &= ASSERT_STREQ(c->pod_uid, uid, what);
	return ok;
}

void test_container_paths(void)
{
	int n = sizeof(found) / sizeof(found[0]);

	ASSERT_GE(n, 20, "rows");
	for (int i = 0; i < n; i++) {
		const struct row *r = &found[i];
		struct container_ident c;
		char what[600];

		snprintf(what, sizeof(what), "row %d %s", i, r->path);
		memset(&c, 'x', sizeof(c));
		if (!ASSERT_TRUE(container_from_cgroup(r->path, &c), what))
			continue;
		ident_is(&c, r->runtime, r->id, r->pod_uid, what);
	}
	printf("  %d paths that name a container or a pod\n", n);
}

void test_container_rejects(void)
{
	static const struct container_ident zero;
	int n = sizeof(not_found) / sizeof(not_found[0]);
	struct container_ident c;

	for (int i = 0; i < n; i++) {
		char what[600];

		snprintf(what, sizeof(what), "row %d %s", i, not_found[i]);
		memset(&c, 'x', sizeof(c));
		ASSERT_TRUE(!container_from_cgroup(not_found[i], &c), what);
		ASSERT_TRUE(!memcmp(&c, &zero, sizeof(c)), what);
	}
	memset(&c, 'x', sizeof(c));
	ASSERT_TRUE(!container_from_cgroup(NULL, &c), "NULL path");
	ASSERT_TRUE(!memcmp(&c, &zero, sizeof(c)), "NULL path: zeroed");
	printf("  %d paths that name nothing\n", n + 1);
}
