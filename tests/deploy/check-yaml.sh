#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The Kubernetes manifest parses as YAML and holds what energyd needs on a
# node: a DaemonSet, host pids, privilege, the bpf filesystem, cgroup2 and
# BTF from the host, /run/energy shared back to the host, /dev/fuse, the
# scrape annotations, the command line, limits, the probe, tolerations.
# Uses Debian's python3-yaml through /usr/bin/python3 (no root needed).
# Usage: check-yaml.sh [MANIFEST]; prints "ok   name" or "FAIL name" per
# check, then "N passed, M failed"; exits 1 when any failed.
set -u
manifest=${1:-$(dirname "$0")/../../deploy/energyd-daemonset.yaml}
py=/usr/bin/python3

if ! [ -x "$py" ] || ! "$py" -c 'import yaml' 2>/dev/null; then
	echo "check-yaml: $py with the yaml module is needed (apt-get install python3 python3-yaml)" >&2
	echo "FAIL python3-yaml"
	echo "0 passed, 1 failed"
	exit 1
fi
if ! [ -r "$manifest" ]; then
	echo "check-yaml: $manifest: cannot read it" >&2
	echo "FAIL readable"
	echo "0 passed, 1 failed"
	exit 1
fi

exec "$py" - "$manifest" <<'EOF'
import sys
import yaml

path = sys.argv[1]
docs, parse_error = [], None
try:
    with open(path) as f:
        docs = [d for d in yaml.safe_load_all(f) if d is not None]
except yaml.YAMLError as e:
    parse_error = e

def daemonset():
    sets = [d for d in docs if isinstance(d, dict) and d.get("kind") == "DaemonSet"]
    assert len(sets) == 1, "%d DaemonSet documents" % len(sets)
    return sets[0]

def pod():
    return daemonset()["spec"]["template"]

def container():
    cs = pod()["spec"]["containers"]
    es = [c for c in cs if c.get("name") == "energyd"]
    assert len(es) == 1, "no container named energyd"
    return es[0]

def mount_of(host_path):
    """The container's mount of the hostPath volume @host_path."""
    vols = [v["name"] for v in pod()["spec"].get("volumes", [])
            if (v.get("hostPath") or {}).get("path") == host_path]
    assert len(vols) == 1, "%d hostPath volumes of %s" % (len(vols), host_path)
    ms = [m for m in container().get("volumeMounts", []) if m["name"] == vols[0]]
    assert len(ms) == 1, "volume %s mounted %d times" % (vols[0], len(ms))
    return ms[0]

def parses():
    assert parse_error is None, str(parse_error).replace("\n", " ")
    assert docs, "no documents"
    assert all(isinstance(d, dict) and d.get("apiVersion") and d.get("kind")
               for d in docs), "a document without apiVersion or kind"

def kind_daemonset():
    d = daemonset()
    assert d["apiVersion"] == "apps/v1", d["apiVersion"]
    sel = d["spec"]["selector"]["matchLabels"]
    labels = pod()["metadata"]["labels"]
    assert all(labels.get(k) == v for k, v in sel.items()), "selector does not match the pod's labels"

def host_pid():
    assert pod()["spec"].get("hostPID") is True, "hostPID is %r" % pod()["spec"].get("hostPID")

def privileged():
    sc = container().get("securityContext") or {}
    assert sc.get("privileged") is True, "privileged is %r" % sc.get("privileged")

def run_energy_bidirectional():
    m = mount_of("/run/energy")
    assert m["mountPath"] == "/run/energy", m["mountPath"]
    assert m.get("mountPropagation") == "Bidirectional", \
        "mountPropagation is %r" % m.get("mountPropagation")
    assert not m.get("readOnly"), "mounted read-only"

def bpffs_hostpath():
    m = mount_of("/sys/fs/bpf")
    assert m["mountPath"] == "/sys/fs/bpf", m["mountPath"]
    assert not m.get("readOnly"), "mounted read-only: pins cannot be made"

def cgroup_btf_read_only():
    for p in ("/sys/fs/cgroup", "/sys/kernel/btf"):
        m = mount_of(p)
        assert m["mountPath"] == p, m["mountPath"]
        assert m.get("readOnly") is True, "%s is not read-only" % p

def dev_fuse():
    m = mount_of("/dev/fuse")
    assert m["mountPath"] == "/dev/fuse", m["mountPath"]

def scrape_annotations():
    a = pod()["metadata"].get("annotations") or {}
    want = {"prometheus.io/scrape": "true", "prometheus.io/port": "9102",
            "prometheus.io/path": "/metrics"}
    for k, v in want.items():
        # Annotation values must be strings: a bare true or 9102 is refused.
        assert a.get(k) == v and isinstance(a.get(k), str), \
            "%s is %r, not the string %r" % (k, a.get(k), v)

def command_line():
    argv = (container().get("command") or []) + (container().get("args") or [])
    assert argv and argv[0].split("/")[-1] == "energyd", "runs %r" % argv[:1]
    assert "--foreground" in argv or "-f" in argv, "not in the foreground: %r" % argv
    i = argv.index("--listen") if "--listen" in argv else -1
    assert i > 0 and argv[i + 1:i + 2] == ["0.0.0.0:9102"], "no --listen 0.0.0.0:9102: %r" % argv
    ports = [p.get("containerPort") for p in container().get("ports", [])]
    assert 9102 in ports, "containerPort 9102 not declared: %r" % ports

def resources():
    r = container().get("resources") or {}
    for part in ("requests", "limits"):
        for res in ("cpu", "memory"):
            assert (r.get(part) or {}).get(res), "no %s.%s" % (part, res)

def liveness_probe():
    h = (container().get("livenessProbe") or {}).get("httpGet") or {}
    assert h.get("path") == "/metrics" and h.get("port") in (9102, "metrics"), \
        "livenessProbe httpGet is %r" % h

def tolerations_every_node():
    t = pod()["spec"].get("tolerations") or []
    assert any(x.get("operator") == "Exists" and not x.get("key") and not x.get("effect")
               for x in t), "no toleration of every taint: %r" % t

def image_named():
    assert container().get("image"), "no image"

checks = [parses, kind_daemonset, host_pid, privileged, run_energy_bidirectional,
          bpffs_hostpath, cgroup_btf_read_only, dev_fuse, scrape_annotations,
          command_line, resources, liveness_probe, tolerations_every_node,
          image_named]
passed = failed = 0
for c in checks:
    try:
        c()
    except (AssertionError, KeyError, TypeError, IndexError, AttributeError, ValueError) as e:
        failed += 1
        why = "%s: %s" % (type(e).__name__, e) if not isinstance(e, AssertionError) else str(e)
        print("FAIL %s: %s" % (c.__name__, why))
        continue
    passed += 1
    print("ok   %s" % c.__name__)
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
EOF
