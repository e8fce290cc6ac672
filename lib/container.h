/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The container and Kubernetes pod a cgroup2 path names. Pure: the caller
 * passes the path (from the cgroup2 mount, or a namespace's view of it).
 *
 * Recognised, innermost first when nested:
 *   docker      docker-<id>.scope (systemd driver), docker/<id> (cgroupfs)
 *   containerd  cri-containerd-<id>.scope (CRI, systemd driver),
 *               nerdctl-<id>.scope
 *   crio        crio-<id>.scope, crio-<id> (cgroupfs)
 *   podman      libpod-<id>.scope (and its "container" child made by crun),
 *               libpod-<id> (cgroupfs, under libpod_parent),
 *               libpod-payload-<id> (--cgroups=split, as quadlets run)
 *   pods        ...kubepods-[<qos>-]pod<uid_with_underscores>.slice (systemd
 *               driver, any prefix ending in kubepods such as KinD's
 *               kubelet-kubepods), kubepods/[<qos>/]pod<uid> (cgroupfs); a
 *               bare <id> directly in a cgroupfs pod is its container, of a
 *               runtime the path does not say ("").
 * <id> is 64 lower-case hex digits. A pod UID is the API server's dashed
 * UUID or, for static pods, the kubelet's 32-hex config hash, kept as is.
 * Nesting: the innermost container wins (docker in docker), and keeps the
 * pod it lies in; a pod inside a container (KinD's nodes) drops the outer
 * container, whose id says nothing about the pod's.
 * Conmon's own scopes (crio-conmon-<id>.scope, libpod-conmon-<id>.scope,
 * podman's "runtime" sibling) are not the container: they name no id, only
 * the pod they lie in, if any.
 */
#ifndef ENERGY_CONTAINER_H
#define ENERGY_CONTAINER_H

#include <stdbool.h>

/* What a cgroup path says about the container and pod it belongs to. */
struct container_ident {
	char runtime[16];	/* "docker", "containerd", "crio", "podman", "" when none */
	char id[65];		/* container id (lower-case hex, 64 max), "" when none */
	char pod_uid[37];	/* Kubernetes pod UID, dashed form (8-4-4-4-12), "" when none */
};

/* Fill @out from the cgroup2 path @path ("/system.slice/docker-<id>.scope",
 * "/kubepods/besteffort/pod<uid>/<id>", ...). Returns true when the path
 * names a container or a pod, false (and @out zeroed) otherwise. */
bool container_from_cgroup(const char *path, struct container_ident *out);

#endif /* ENERGY_CONTAINER_H */
