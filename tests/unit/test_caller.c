// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include <linux/magic.h>

#include "caller.h"
#include "unit.h"

#define CAP_ROOT	"000001ffffffffff"

/* A status text as the kernel prints it, with the given CapEff and NSpid. */
static void status_text(char *buf, size_t len, const char *cap_eff,
			const char *nspid)
{
	snprintf(buf, len,
		 "Name:\tsleep\nUmask:\t0022\nState:\tS (sleeping)\n"
		 "Tgid:\t4242\nNgid:\t0\nPid:\t4242\nPPid:\t1\nTracerPid:\t0\n"
		 "Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t64\nGroups:\t0 \n"
		 "NStgid:\t%s\nNSpid:\t%s\nNSpgid:\t%s\nNSsid:\t%s\n"
		 "Kthread:\t0\nVmPeak:\t    8272 kB\nThreads:\t1\n"
		 "SigQ:\t0/31711\nSigPnd:\t0000000000000000\n"
		 "CapInh:\t0000000000000000\nCapPrm:\t%s\nCapEff:\t%s\n"
		 "CapBnd:\t000001ffffffffff\nCapAmb:\t0000000000000000\n"
		 "NoNewPrivs:\t0\nSeccomp:\t0\nCpus_allowed_list:\t0-1\n"
		 "voluntary_ctxt_switches:\t2\nnonvoluntary_ctxt_switches:\t0\n",
		 nspid, nspid, nspid, nspid, cap_eff, cap_eff);
}

void test_caller_parse_cap_eff(void)
{
	char text[2048];
	__u64 caps = 7;

	status_text(text, sizeof(text), CAP_ROOT, "4242");
	ASSERT_EQ(caller_parse_cap_eff(text, &caps), 0, "root status");
	ASSERT_EQ(caps, 0x1ffffffffffULL, "root: all 41 capabilities");
	ASSERT_TRUE(caps & (1ULL << CAP_SYS_ADMIN), "root has CAP_SYS_ADMIN");

	status_text(text, sizeof(text), "0000000000000000", "4242");
	ASSERT_EQ(caller_parse_cap_eff(text, &caps), 0, "nobody status");
	ASSERT_EQ(caps, 0, "nobody: none");

	ASSERT_EQ(caller_parse_cap_eff("CapEff:\t0000000000200000", &caps), 0,
		  "no trailing newline");
	ASSERT_EQ(caps, 1ULL << CAP_SYS_ADMIN, "CAP_SYS_ADMIN alone");

	caps = 7;
	ASSERT_EQ(caller_parse_cap_eff("Name:\tx\nCapPrm:\t0\n", &caps),
		  -ENOENT, "no CapEff line");
	ASSERT_EQ(caller_parse_cap_eff("XCapEff:\t1\n", &caps), -ENOENT,
		  "only at the start of a line");
	ASSERT_EQ(caller_parse_cap_eff("", &caps), -ENOENT, "empty text");
	ASSERT_EQ(caller_parse_cap_eff("CapEff:\t\n", &caps), -EINVAL,
		  "empty mask");
	ASSERT_EQ(caller_parse_cap_eff("CapEff:\t00000g0000000000\n", &caps),
		  -EINVAL, "not hex");
	ASSERT_EQ(caller_parse_cap_eff("CapEff:\t-1\n", &caps), -EINVAL,
		  "sign");
	ASSERT_EQ(caller_parse_cap_eff("CapEff:\t1ffffffffffffffff\n", &caps),
		  -EINVAL, "more than 64 bits");
	ASSERT_EQ(caller_parse_cap_eff("CapEff:\t0000 01\n", &caps), -EINVAL,
		  "two words");
	ASSERT_EQ(caps, 7, "untouched on error");
}

void test_caller_parse_nspid(void)
{
	pid_t pids[CALLER_NSPID_MAX] = {};
	char text[2048];

	status_text(text, sizeof(text), CAP_ROOT, "4242");
	ASSERT_EQ(caller_parse_nspid(text, pids, CALLER_NSPID_MAX), 1,
		  "one level");
	ASSERT_EQ(pids[0], 4242, "host pid");

	status_text(text, sizeof(text), CAP_ROOT, "4242\t1");
	ASSERT_EQ(caller_parse_nspid(text, pids, CALLER_NSPID_MAX), 2,
		  "two levels");
	ASSERT_EQ(pids[0], 4242, "outermost first");
	ASSERT_EQ(pids[1], 1, "init of the inner namespace");

	status_text(text, sizeof(text), CAP_ROOT, "123456\t87\t5");
	ASSERT_EQ(caller_parse_nspid(text, pids, CALLER_NSPID_MAX), 3,
		  "three levels");
	ASSERT_EQ(pids[0], 123456, "level 0");
	ASSERT_EQ(pids[1], 87, "level 1");
	ASSERT_EQ(pids[2], 5, "level 2");

	ASSERT_EQ(caller_parse_nspid(text, pids, 2), -E2BIG, "no room");
	ASSERT_EQ(caller_parse_nspid("Pid:\t1\nNStgid:\t1\n", pids, 4),
		  -ENOENT, "no NSpid line");
	ASSERT_EQ(caller_parse_nspid("NSpid:\t\nNSpgid:\t1\n", pids, 4),
		  -EINVAL, "empty list");
	ASSERT_EQ(caller_parse_nspid("NSpid:\t12a\t1\n", pids, 4), -EINVAL,
		  "junk in a pid");
	ASSERT_EQ(caller_parse_nspid("NSpid:\t12\t0\n", pids, 4), -EINVAL,
		  "pid 0");
	ASSERT_EQ(caller_parse_nspid("NSpid:\t-3\n", pids, 4), -EINVAL,
		  "negative pid");
	ASSERT_EQ(caller_parse_nspid("NSpid:\t99999999999\n", pids, 4),
		  -EINVAL, "pid out of range");
}

void test_caller_parse_cgroup2_path(void)
{
	const char *hybrid =
		"12:rdma:/\n11:perf_event:/\n10:cpu,cpuacct:/user.slice\n"
		"9:name=systemd:/user.slice/user-0.slice/session-3.scope\n"
		"8:pids:/user.slice/user-0.slice/session-3.scope\n"
		"4:memory:/process_api/1507613137f6c0c44e630d77b6d79033\n"
		"1:net_cls,net_prio:/\n"
		"0::/user.slice/user-0.slice/session-3.scope\n";
	char path[256] = "";

	ASSERT_EQ(caller_parse_cgroup2_path(hybrid, path, sizeof(path)), 0,
		  "hybrid");
	ASSERT_STREQ(path, "/user.slice/user-0.slice/session-3.scope",
		     "the 0:: line, not a v1 one");
	ASSERT_EQ(caller_parse_cgroup2_path("0::/\n", path, sizeof(path)), 0,
		  "unified, root cgroup");
	ASSERT_STREQ(path, "/", "root");
	ASSERT_EQ(caller_parse_cgroup2_path("0::/a:b/c d", path, sizeof(path)),
		  0, "colon and space in the path, no newline");
	ASSERT_STREQ(path, "/a:b/c d", "path kept whole");
	ASSERT_EQ(caller_parse_cgroup2_path("0::/kubepods/pod1\n", path, 8),
		  -ENAMETOOLONG, "too long for the buffer");

	ASSERT_EQ(caller_parse_cgroup2_path("4:memory:/\n1:cpu:/\n", path,
					    sizeof(path)),
		  -ENOENT, "v1 only");
	ASSERT_EQ(caller_parse_cgroup2_path("", path, sizeof(path)), -EINVAL,
		  "empty");
	ASSERT_EQ(caller_parse_cgroup2_path("garbage\n0::/\n", path,
					    sizeof(path)),
		  -EINVAL, "line without colons");
	ASSERT_EQ(caller_parse_cgroup2_path("x:cpu:/\n0::/\n", path,
					    sizeof(path)),
		  -EINVAL, "hierarchy id not a number");
	ASSERT_EQ(caller_parse_cgroup2_path("0::\n", path, sizeof(path)),
		  -EINVAL, "no path");
	ASSERT_EQ(caller_parse_cgroup2_path("0::relative\n", path,
					    sizeof(path)),
		  -EINVAL, "relative path");
	ASSERT_EQ(caller_parse_cgroup2_path("0:cpu:/\n", path, sizeof(path)),
		  -EINVAL, "controllers on hierarchy 0");
	ASSERT_EQ(caller_parse_cgroup2_path("0::/a\n0::/b\n", path,
					    sizeof(path)),
		  -EINVAL, "two 0:: lines");
}

/* The parser as the cgroup2 lookup calls it. */
static int caller_parse_mountinfo_line_cg2(const char *line, char *mnt,
					   size_t len, bool *root)
{
	return caller_parse_mountinfo_line(line, "cgroup2", mnt, len, root);
}

void test_caller_parse_mountinfo(void)
{
	char mnt[256] = "";
	bool root = false;

	ASSERT_EQ(caller_parse_mountinfo_line_cg2(
		  "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n",
		  mnt, sizeof(mnt), &root), 1, "hybrid cgroup2");
	ASSERT_STREQ(mnt, "/sys/fs/cgroup/unified", "mount point");
	ASSERT_TRUE(root, "mounts the root");
	ASSERT_EQ(caller_parse_mountinfo_line_cg2(
		  "35 24 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime "
		  "shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot",
		  mnt, sizeof(mnt), &root), 1, "with an optional field");
	ASSERT_STREQ(mnt, "/sys/fs/cgroup", "unified mount point");
	ASSERT_EQ(caller_parse_mountinfo_line_cg2(
		  "90 80 0:30 /kubepods/pod1 /mnt/my\\040cg\\134x rw master:9 "
		  "- cgroup2 cgroup2 rw\n",
		  mnt, sizeof(mnt), &root), 1, "escaped, not the root");
	ASSERT_STREQ(mnt, "/mnt/my cg\\x", "escapes undone");
	ASSERT_TRUE(!root, "a subtree");
	ASSERT_EQ(caller_parse_mountinfo_line_cg2(
		  "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n",
		  mnt, sizeof(mnt), &root), 0, "cgroup v1");
	ASSERT_EQ(caller_parse_mountinfo_line_cg2(
		  "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n",
		  mnt, sizeof(mnt), &root), 0, "tmpfs");
	ASSERT_EQ(caller_parse_mountinfo_line_cg2(
		  "41 31 0:38 / /sys/fs/cgroup/unified rw cgroup2 cgroup2 rw\n",
		  mnt, sizeof(mnt), &root), -EINVAL, "no separator");
	ASSERT_EQ(caller_parse_mountinfo_line_cg2("41 31 0:38 /\n", mnt,
					      sizeof(mnt), &root),
		  -EINVAL, "short line");
	ASSERT_EQ(caller_parse_mountinfo_line_cg2(
		  "41 31 0:38 / /sys/fs/cgroup/unified rw -\n",
		  mnt, sizeof(mnt), &root), -EINVAL, "no fs type");
	ASSERT_EQ(caller_parse_mountinfo_line_cg2(
		  "41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n",
		  mnt, 8, &root), -ENAMETOOLONG, "mount point too long");
	ASSERT_EQ(caller_parse_mountinfo_line(
		  "612 29 0:61 / /run/energy rw,nosuid,nodev,relatime shared:310 - "
		  "fuse.energyd energyd rw,user_id=0,group_id=0,allow_other\n",
		  "fuse.energyd", mnt, sizeof(mnt), &root), 1, "energyd's mount");
	ASSERT_STREQ(mnt, "/run/energy", "its mount point");
	ASSERT_EQ(caller_parse_mountinfo_line(
		  "41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n",
		  "fuse.energyd", mnt, sizeof(mnt), &root), 0, "not energyd's");
	ASSERT_EQ(caller_parse_mountinfo_line(
		  "612 29 0:61 / /run/energy rw - fuse.energydx energyd rw\n",
		  "fuse.energyd", mnt, sizeof(mnt), &root), 0, "a type name longer");
}

/* Write @text to @root/@rel, creating the directories on the way. */
static bool put_file(const char *root, const char *rel, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (char *p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(path, 0755) && errno != EEXIST)
			return false;
		*p = '/';
	}
	f = fopen(path, "w");
	if (!f)
		return false;
	fputs(text, f);
	return !fclose(f);
}

/* A fake /proc/@pid with the given CapEff, NSpid and cgroup file. */
static bool put_proc(const char *root, int pid, const char *cap_eff,
		     const char *nspid, const char *cgroup)
{
	char rel[64], text[2048];

	status_text(text, sizeof(text), cap_eff, nspid);
	snprintf(rel, sizeof(rel), "proc/%d/status", pid);
	if (!put_file(root, rel, text))
		return false;
	snprintf(rel, sizeof(rel), "proc/%d/cgroup", pid);
	if (!put_file(root, rel, cgroup))
		return false;
	snprintf(rel, sizeof(rel), "proc/%d/ns/user", pid);
	if (!put_file(root, rel, ""))
		return false;
	snprintf(rel, sizeof(rel), "proc/%d/ns/pid", pid);
	return put_file(root, rel, "");
}

static bool stat_at(const char *root, const char *rel, struct stat *st)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	return !stat(path, st);
}

void test_caller_read_file(void)
{
	char dir[] = "/tmp/caller-test-XXXXXX", big[10000];
	char *text = NULL;
	ssize_t len;

	if (!ASSERT_TRUE(mkdtemp(dir), "mkdtemp"))
		return;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	if (!ASSERT_TRUE(put_file(dir, "big", big), "fixture"))
		goto cleanup;
	len = caller_read_file(AT_FDCWD, "/proc/self/status", &text);
	ASSERT_GE(len, 100, "a /proc file");
	ASSERT_TRUE(text && strstr(text, "CapEff:"), "whole status");
	free(text);
	text = NULL;
	len = caller_read_file(AT_FDCWD, "/proc/self/cgroup", &text);
	ASSERT_TRUE(len > 0 && text && strstr(text, "0::/"), "cgroup file");
	free(text);
	text = NULL;
	{
		int fd = open(dir, O_PATH | O_DIRECTORY);

		len = caller_read_file(fd, "big", &text);
		close(fd);
	}
	ASSERT_EQ(len, sizeof(big) - 1, "larger than the first buffer");
	ASSERT_TRUE(text && strlen(text) == sizeof(big) - 1, "terminated");
	free(text);
	text = NULL;
	ASSERT_EQ(caller_read_file(AT_FDCWD, "/nonexistent/x", &text), -ENOENT,
		  "missing file");
	ASSERT_TRUE(!text, "nothing returned");
cleanup:
	test_rm_tree(dir);
}

/* Everything read from fixture directories: no root, no namespaces. */
void test_caller_fixture(void)
{
	char dir[] = "/tmp/caller-test-XXXXXX", proc[64], cg[64];
	char from[PATH_MAX], to[PATH_MAX];
	struct caller_env env = {};
	struct caller c, d;
	struct stat st;

	if (!ASSERT_TRUE(mkdtemp(dir), "mkdtemp"))
		return;
	snprintf(proc, sizeof(proc), "%s/proc", dir);
	snprintf(cg, sizeof(cg), "%s/cg", dir);
	/* 42: root at level 1 of a container, in our user namespace */
	if (!ASSERT_TRUE(put_proc(dir, 42, CAP_ROOT, "4200\t7",
				  "4:memory:/x\n0::/pods/a b\n") &&
			 put_file(dir, "cg/pods/a b/cgroup.procs", "") &&
			 /* 43: same pid namespace as 42 (one ns file) */
			 put_proc(dir, 43, CAP_ROOT, "4300\t9", "0::/\n") &&
			 /* 44: root of another user namespace */
			 put_proc(dir, 44, CAP_ROOT, "4400", "0::/gone\n") &&
			 /* 45: host process, cgroup path climbing out */
			 put_proc(dir, 45, "0000000000000000", "4500",
				  "0::/../../etc\n"),
			 "fixture"))
		goto cleanup;
	/* one namespace, one inode: hard links */
	for (int i = 0; i < 2; i++) {
		const char *ns = i ? "user" : "pid";

		snprintf(from, sizeof(from), "%s/42/ns/%s", proc, ns);
		snprintf(to, sizeof(to), "%s/43/ns/%s", proc, ns);
		unlink(to);
		if (!ASSERT_EQ(link(from, to), 0, "link a ns file"))
			goto cleanup;
	}

	env.proc = proc;
	env.cgroup2 = cg;
	if (!ASSERT_TRUE(stat_at(dir, "proc/42/ns/user", &st), "stat"))
		goto cleanup;
	env.own_userns_dev = st.st_dev;
	env.own_userns_ino = st.st_ino;

	ASSERT_EQ(caller_identify(&env, 42, 0, 0, &c), 0, "identify 42");
	ASSERT_TRUE(c.privileged, "root in our user namespace");
	ASSERT_EQ(c.pidns_level, 1, "level from NSpid");
	if (ASSERT_TRUE(stat_at(dir, "cg/pods/a b", &st), "stat cgroup"))
		ASSERT_EQ(c.cgroup_id, st.st_ino, "cgroup id: inode of its dir");
	if (ASSERT_TRUE(stat_at(dir, "proc/42/ns/pid", &st), "stat ns")) {
		ASSERT_EQ(c.pidns_ino, st.st_ino, "pid namespace inode");
		ASSERT_EQ(c.pidns_dev, st.st_dev, "pid namespace dev");
	}
	ASSERT_EQ(c.pid, 42, "pid kept");

	ASSERT_EQ(caller_identify(&env, 43, 1000, 1000, &d), 0, "identify 43");
	ASSERT_EQ(d.uid, 1000, "uid kept");
	ASSERT_EQ(d.gid, 1000, "gid kept");
	if (ASSERT_TRUE(stat(cg, &st) == 0, "stat cgroup root"))
		ASSERT_EQ(d.cgroup_id, st.st_ino, "root cgroup: the mount");

	ASSERT_EQ(caller_identify(&env, 44, 0, 0, &d), 0, "identify 44");
	ASSERT_TRUE(!d.privileged, "root of another user namespace");
	ASSERT_EQ(d.cgroup_id, 0, "removed cgroup: unknown");
	ASSERT_EQ(d.pidns_level, 0, "one NSpid entry");

	ASSERT_EQ(caller_identify(&env, 45, 0, 0, &d), 0, "identify 45");
	ASSERT_TRUE(!d.privileged, "no capabilities");
	ASSERT_EQ(d.cgroup_id, 0, "a path out of the mount: unknown");

	ASSERT_EQ(caller_identify(&env, 46, 0, 0, &d), -ESRCH, "no such pid");
	ASSERT_EQ(caller_identify(&env, -1, 0, 0, &d), -ESRCH, "bad pid");

	/* 43 shares 42's namespace: the fast path, last NSpid entry */
	ASSERT_EQ(caller_pid_in_ns(&env, &c, 43), 9, "same namespace");
	ASSERT_EQ(caller_pid_in_ns(&env, &c, 42), 7, "itself");
	ASSERT_EQ(caller_pid_in_ns(&env, &c, 45), 0, "host process hidden");
	ASSERT_EQ(caller_pid_in_ns(&env, &c, 46), 0, "gone");
	ASSERT_EQ(caller_pid_in_ns(&env, &c, 0), 0, "pid 0");
	/* a caller in the daemon's pid namespace sees host pids */
	env.own_pidns_dev = c.pidns_dev;
	env.own_pidns_ino = c.pidns_ino;
	ASSERT_EQ(caller_pid_in_ns(&env, &c, 45), 45, "own namespace");
	ASSERT_EQ(caller_pid_in_ns(&env, &c, 12345), 12345, "identity");
	caller_env_fini(&env);
	ASSERT_TRUE(env.cgroup2 == cg, "a cgroup2 set by the caller stays");
cleanup:
	test_rm_tree(dir);
}

/* The cgroup id that the kernel reports (what the BPF side records). */
static __u64 kernel_cgroup_id(const char *path)
{
	struct {
		struct file_handle fh;
		__u64 id;
	} h = { .fh.handle_bytes = sizeof(__u64) };
	int mount_id;

	if (name_to_handle_at(AT_FDCWD, path, &h.fh, &mount_id, 0))
		return 0;
	return h.id;
}

void test_caller_self(void)
{
	struct caller_env env = {};
	char *text = NULL, cg[PATH_MAX], full[PATH_MAX];
	struct caller c;
	struct statfs sfs;
	struct stat st;
	const char *v2;
	__u64 caps = 0;
	bool admin;

	if (!ASSERT_EQ(caller_env_init(&env), 0, "env init"))
		return;
	ASSERT_STREQ(env.proc, "/proc", "default proc");
	if (!ASSERT_TRUE(caller_read_file(AT_FDCWD, "/proc/self/status",
					  &text) > 0, "read status"))
		goto cleanup;
	/* CapEff found by hand, not with the parser under test */
	v2 = strstr(text, "\nCapEff:");
	if (!ASSERT_TRUE(v2 && sscanf(v2, "\nCapEff: %llx",
				      (unsigned long long *)&caps) == 1,
			 "CapEff"))
		goto cleanup;
	admin = caps & (1ULL << CAP_SYS_ADMIN);

	if (!ASSERT_EQ(caller_identify(&env, getpid(), getuid(), getgid(), &c),
		       0, "identify self"))
		goto cleanup;
	ASSERT_EQ(c.pid, getpid(), "pid");
	ASSERT_EQ(c.privileged, admin, "privileged iff CAP_SYS_ADMIN");
	if (!stat("/proc/1/ns/user", &st) && st.st_ino == env.own_userns_ino &&
	    !getuid())
		ASSERT_TRUE(c.privileged, "root in the initial namespaces");
	ASSERT_EQ(c.pidns_ino, env.own_pidns_ino, "own pid namespace");
	ASSERT_EQ(caller_pid_in_ns(&env, &c, getpid()), getpid(), "identity");
	ASSERT_EQ(caller_pid_in_ns(&env, &c, getppid()), getppid(),
		  "identity for another");

	if (!env.cgroup2) {
		TEST_SKIP("no cgroup2 mounted");
		goto cleanup;
	}
	if (ASSERT_EQ(statfs(env.cgroup2, &sfs), 0, "statfs cgroup2"))
		ASSERT_EQ(sfs.f_type, CGROUP2_SUPER_MAGIC, "a cgroup2 mount");
	free(text);
	text = NULL;
	if (!ASSERT_TRUE(caller_read_file(AT_FDCWD, "/proc/self/cgroup",
					  &text) > 0, "read cgroup"))
		goto cleanup;
	v2 = text[0] == '0' && text[1] == ':' ? text : strstr(text, "\n0::");
	if (!ASSERT_TRUE(v2 && sscanf(v2 + (*v2 == '\n'), "0::%4095[^\n]",
				      cg) == 1, "0:: line"))
		goto cleanup;
	snprintf(full, sizeof(full), "%s%s", env.cgroup2,
		 strcmp(cg, "/") ? cg : "");
	if (ASSERT_EQ(stat(full, &st), 0, "stat own cgroup"))
		ASSERT_EQ(c.cgroup_id, st.st_ino, "cgroup id");
	ASSERT_EQ(c.cgroup_id, kernel_cgroup_id(full), "the kernel's id");
cleanup:
	free(text);
	caller_env_fini(&env);
	ASSERT_TRUE(!env.cgroup2, "fini");
}

/* Records children send up a pipe. */
enum {
	REC_READY = 1,	/* val: pid */
	REC_ERR,	/* val: errno of a step that should have worked */
	REC_NOSUPP,	/* val: errno of unshare(): the test cannot run */
	REC_GC,		/* val: host pid of a namespace's init */
	REC_GGC,	/* val: host pid of a nested namespace's init */
};

struct rec {
	int tag;
	int val;
};

static void send_rec(int fd, int tag, int val)
{
	struct rec r = { tag, val };

	if (write(fd, &r, sizeof(r)) != sizeof(r))
		_exit(1);
}

static _Noreturn void child_fail(int fd, int err)
{
	send_rec(fd, REC_ERR, err);
	_exit(1);
}

/* unshare(@flags) or report that namespaces cannot be made here. */
static void child_unshare(int fd, int flags)
{
	if (unshare(flags)) {
		send_rec(fd, REC_NOSUPP, errno);
		_exit(1);
	}
}

static _Noreturn void wait_forever(void)
{
	for (;;)
		pause();
}

/* Die with the parent (set before anything else in a child). */
static void die_with_parent(pid_t parent, int fd)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
		child_fail(fd, ESRCH);
}

/* Our pid as the host (the /proc mount) sees it, from any pid namespace. */
static int host_pid(void)
{
	char buf[32];
	ssize_t n = readlink("/proc/self", buf, sizeof(buf) - 1);

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return atoi(buf);
}

static bool write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return false;
	ok = write(fd, s, strlen(s)) == (ssize_t)strlen(s);
	close(fd);
	return ok;
}

/* Read one record within 10 s; false on timeout or end of file. */
static bool recv_rec(int fd, struct rec *r)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, 10000) != 1)
		return false;
	return read(fd, r, sizeof(*r)) == sizeof(*r);
}

static void reap(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

void test_caller_userns_root(void)
{
	struct caller_env env = {};
	char *text = NULL, map[64];
	pid_t parent = getpid(), pid = -1;
	int fds[2] = { -1, -1 };
	struct caller c;
	struct rec r;
	__u64 caps = 0;

	if (geteuid()) {
		TEST_SKIP("needs root");
		return;
	}
	if (!ASSERT_EQ(caller_env_init(&env), 0, "env init") ||
	    !ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0, "pipe"))
		goto cleanup;
	pid = fork();
	if (!pid) {
		uid_t uid = geteuid();
		gid_t gid = getegid();

		die_with_parent(parent, fds[1]);
		child_unshare(fds[1], CLONE_NEWUSER);
		/* unmapped until now: the ids outside read as overflow ids */
		snprintf(map, sizeof(map), "0 %d 1", (int)uid);
		if (!write_str("/proc/self/setgroups", "deny") ||
		    !write_str("/proc/self/uid_map", map))
			child_fail(fds[1], errno);
		snprintf(map, sizeof(map), "0 %d 1", (int)gid);
		if (!write_str("/proc/self/gid_map", map))
			child_fail(fds[1], errno);
		if (getuid() != 0)
			child_fail(fds[1], EPERM);
		send_rec(fds[1], REC_READY, getpid());
		wait_forever();
	}
	if (!ASSERT_TRUE(pid > 0, "fork") ||
	    !ASSERT_TRUE(recv_rec(fds[0], &r), "child reports"))
		goto cleanup;
	if (r.tag == REC_NOSUPP) {
		TEST_SKIP("cannot create a user namespace");
		goto cleanup;
	}
	if (!ASSERT_EQ(r.tag, REC_READY, "child set up its namespace"))
		goto cleanup;
	if (!ASSERT_EQ(caller_identify(&env, pid, 0, 0, &c), 0, "identify"))
		goto cleanup;
	/* it does hold CAP_SYS_ADMIN, in its own namespace */
	snprintf(map, sizeof(map), "/proc/%d/status", (int)pid);
	if (ASSERT_TRUE(caller_read_file(AT_FDCWD, map, &text) > 0, "status") &&
	    ASSERT_EQ(caller_parse_cap_eff(text, &caps), 0, "CapEff"))
		ASSERT_TRUE(caps & (1ULL << CAP_SYS_ADMIN),
			    "CAP_SYS_ADMIN in its namespace");
	ASSERT_TRUE(!c.privileged, "root of a user namespace: not privileged");
	ASSERT_EQ(c.pidns_ino, env.own_pidns_ino, "same pid namespace");
	ASSERT_EQ(caller_pid_in_ns(&env, &c, parent), parent,
		  "sees host pids");
cleanup:
	reap(pid);
	if (fds[0] >= 0) {
		close(fds[0]);
		close(fds[1]);
	}
	free(text);
	caller_env_fini(&env);
}

void test_caller_nobody(void)
{
	struct caller_env env = {};
	pid_t parent = getpid(), pid = -1;
	int fds[2] = { -1, -1 };
	struct caller c;
	struct rec r;

	if (geteuid()) {
		TEST_SKIP("needs root");
		return;
	}
	if (!ASSERT_EQ(caller_env_init(&env), 0, "env init") ||
	    !ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0, "pipe"))
		goto cleanup;
	pid = fork();
	if (!pid) {
		die_with_parent(parent, fds[1]);
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			child_fail(fds[1], errno);
		send_rec(fds[1], REC_READY, getpid());
		wait_forever();
	}
	if (!ASSERT_TRUE(pid > 0, "fork") ||
	    !ASSERT_TRUE(recv_rec(fds[0], &r), "child reports") ||
	    !ASSERT_EQ(r.tag, REC_READY, "child became nobody"))
		goto cleanup;
	if (!ASSERT_EQ(caller_identify(&env, pid, 65534, 65534, &c), 0,
		       "identify"))
		goto cleanup;
	ASSERT_TRUE(!c.privileged, "nobody: not privileged");
	ASSERT_EQ(c.uid, 65534, "uid");
	/* root and nobody share the cgroup: same id */
	{
		struct caller me;

		if (ASSERT_EQ(caller_identify(&env, getpid(), 0, 0, &me), 0,
			      "identify self"))
			ASSERT_EQ(c.cgroup_id, me.cgroup_id, "inherited cgroup");
	}
cleanup:
	reap(pid);
	if (fds[0] >= 0) {
		close(fds[0]);
		close(fds[1]);
	}
	caller_env_fini(&env);
}

/*
 * A child C that makes a pid namespace ns1 whose init GC (pid 1) makes a
 * nested ns2 whose init GGC is pid 2 in ns1 and 1 in ns2. GC and GGC send
 * their host pids up @fd. Returns C's pid, or -errno.
 */
static pid_t spawn_pidns_tree(int fd)
{
	pid_t parent = getpid(), pid, gc;

	pid = fork();
	if (pid)
		return pid < 0 ? -errno : pid;
	die_with_parent(parent, fd);
	child_unshare(fd, CLONE_NEWPID);
	gc = fork();
	if (gc < 0)
		child_fail(fd, errno);
	if (gc) {
		waitpid(gc, NULL, 0);
		_exit(0);
	}
	/* its parent is outside its namespace: getppid() reads 0 */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL))
		child_fail(fd, errno);
	send_rec(fd, REC_GC, host_pid());
	child_unshare(fd, CLONE_NEWPID);
	gc = fork();
	if (gc < 0)
		child_fail(fd, errno);
	if (!gc) {
		send_rec(fd, REC_GGC, host_pid());
		wait_forever();
	}
	wait_forever();
}

/*
 * Kill a tree from its namespace's init @gc, which takes the namespaces down
 * and lets C reap it, then reap C. Without @gc, kill C: GC dies of its death
 * signal, and whoever adopted it reaps it.
 */
static void reap_tree(pid_t c, pid_t gc)
{
	if (c <= 0)
		return;
	if (gc > 0)
		kill(gc, SIGKILL);
	else
		kill(c, SIGKILL);
	waitpid(c, NULL, 0);
}

/* The host pids of a tree's GC and GGC; false and a skip reason if not. */
static bool tree_pids(int fd, pid_t *gc, pid_t *ggc, const char **skip)
{
	struct rec r;

	*gc = *ggc = 0;
	while (!*gc || !*ggc) {
		if (!recv_rec(fd, &r))
			return false;
		if (r.tag == REC_NOSUPP) {
			*skip = "cannot create a pid namespace";
			return false;
		}
		if (r.tag == REC_ERR)
			return false;
		if (r.tag == REC_GC)
			*gc = r.val;
		else if (r.tag == REC_GGC)
			*ggc = r.val;
	}
	return *gc > 0 && *ggc > 0;
}

void test_caller_pidns(void)
{
	struct caller_env env = {};
	pid_t c1 = -1, c2 = -1, gc1 = 0, ggc1, gc2 = 0, ggc2, me = getpid();
	const char *skip = NULL;
	int fds[2] = { -1, -1 };
	struct caller self, g, gg;

#ifdef __SANITIZE_THREAD__
	/* its runtime's thread in each namespace's init takes a pid */
	TEST_SKIP("pids in a namespace counted under ThreadSanitizer");
	return;
#endif
	if (geteuid()) {
		TEST_SKIP("needs root");
		return;
	}
	if (!ASSERT_EQ(caller_env_init(&env), 0, "env init") ||
	    !ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0, "pipe") ||
	    !ASSERT_EQ(caller_identify(&env, me, 0, 0, &self), 0, "self"))
		goto cleanup;
	c1 = spawn_pidns_tree(fds[1]);
	if (!ASSERT_TRUE(c1 > 0, "fork"))
		goto cleanup;
	if (!tree_pids(fds[0], &gc1, &ggc1, &skip)) {
		if (skip)
			TEST_SKIP(skip);
		else
			ASSERT_TRUE(false, "first tree reports");
		goto cleanup;
	}
	c2 = spawn_pidns_tree(fds[1]);
	if (!ASSERT_TRUE(c2 > 0, "fork") ||
	    !ASSERT_TRUE(tree_pids(fds[0], &gc2, &ggc2, &skip),
			 "second tree reports"))
		goto cleanup;

	if (!ASSERT_EQ(caller_identify(&env, gc1, 0, 0, &g), 0, "identify gc"))
		goto cleanup;
	ASSERT_EQ(g.pidns_level, self.pidns_level + 1, "one level down");
	ASSERT_TRUE(g.pidns_ino != self.pidns_ino, "its own namespace");
	ASSERT_TRUE(g.privileged, "root in our user namespace");
	ASSERT_EQ(caller_pid_in_ns(&env, &g, gc1), 1, "itself: init");
	ASSERT_EQ(caller_pid_in_ns(&env, &g, me), 0, "test process hidden");
	ASSERT_EQ(caller_pid_in_ns(&env, &g, c1), 0, "its parent hidden");
	ASSERT_EQ(caller_pid_in_ns(&env, &g, ggc1), 2,
		  "nested namespace: one NS_GET_PARENT up");
	ASSERT_EQ(caller_pid_in_ns(&env, &g, gc2), 0, "sibling namespace");
	ASSERT_EQ(caller_pid_in_ns(&env, &g, ggc2), 0,
		  "nested in a sibling namespace");

	if (!ASSERT_EQ(caller_identify(&env, ggc1, 0, 0, &gg), 0,
		       "identify ggc"))
		goto cleanup;
	ASSERT_EQ(gg.pidns_level, self.pidns_level + 2, "two levels down");
	ASSERT_EQ(caller_pid_in_ns(&env, &gg, ggc1), 1, "itself: init");
	ASSERT_EQ(caller_pid_in_ns(&env, &gg, gc1), 0, "its parent hidden");
	ASSERT_EQ(caller_pid_in_ns(&env, &gg, me), 0, "test process hidden");
	ASSERT_EQ(caller_pid_in_ns(&env, &gg, ggc2), 0, "cousin hidden");

	/* a host caller sees everything as is */
	ASSERT_EQ(caller_pid_in_ns(&env, &self, ggc1), ggc1, "host view");
cleanup:
	reap_tree(c1, gc1);
	reap_tree(c2, gc2);
	if (fds[0] >= 0) {
		close(fds[0]);
		close(fds[1]);
	}
	caller_env_fini(&env);
}

/* A process in a cgroup of its own: the id matches the kernel's. */
void test_caller_cgroup_child(void)
{
	struct caller_env env = {};
	pid_t parent = getpid(), pid = -1;
	char dir[PATH_MAX] = "", procs[PATH_MAX + 16], num[16];
	int fds[2] = { -1, -1 };
	struct caller c, me;
	struct stat st;
	struct rec r;

	if (geteuid()) {
		TEST_SKIP("needs root");
		return;
	}
	if (!ASSERT_EQ(caller_env_init(&env), 0, "env init"))
		return;
	if (!env.cgroup2) {
		TEST_SKIP("no cgroup2 mounted");
		goto cleanup;
	}
	snprintf(dir, sizeof(dir), "%s/energyd-test-%d", env.cgroup2,
		 (int)parent);
	if (mkdir(dir, 0755)) {
		dir[0] = '\0';
		TEST_SKIP("cannot create a cgroup");
		goto cleanup;
	}
	if (!ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0, "pipe"))
		goto cleanup;
	pid = fork();
	if (!pid) {
		die_with_parent(parent, fds[1]);
		send_rec(fds[1], REC_READY, getpid());
		wait_forever();
	}
	if (!ASSERT_TRUE(pid > 0, "fork") ||
	    !ASSERT_TRUE(recv_rec(fds[0], &r), "child reports"))
		goto cleanup;
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	snprintf(num, sizeof(num), "%d", (int)pid);
	if (!ASSERT_TRUE(write_str(procs, num), "move the child"))
		goto cleanup;
	if (!ASSERT_EQ(caller_identify(&env, pid, 0, 0, &c), 0, "identify") ||
	    !ASSERT_EQ(caller_identify(&env, parent, 0, 0, &me), 0, "self") ||
	    !ASSERT_EQ(stat(dir, &st), 0, "stat"))
		goto cleanup;
	ASSERT_EQ(c.cgroup_id, st.st_ino, "inode of its cgroup");
	ASSERT_EQ(c.cgroup_id, kernel_cgroup_id(dir), "the kernel's id");
	ASSERT_TRUE(c.cgroup_id != me.cgroup_id, "not the parent's");
cleanup:
	reap(pid);
	if (fds[0] >= 0) {
		close(fds[0]);
		close(fds[1]);
	}
	for (int i = 0; dir[0] && rmdir(dir) && errno == EBUSY && i < 100; i++)
		usleep(10000);
	caller_env_fini(&env);
}

void test_caller_parse_ids(void)
{
	unsigned int ids[4] = { 9, 9, 9, 9 };

	ASSERT_EQ(caller_parse_ids("Name:\tx\nUid:\t1000\t1001\t1002\t1003\nGid:\t5\t6\t7\t8\n", "Uid", ids), 0, "Uid");
	ASSERT_TRUE(ids[0] == 1000 && ids[1] == 1001 && ids[2] == 1002 && ids[3] == 1003, "four ids");
	ASSERT_EQ(caller_parse_ids("Uid:\t1\t2\t3\t4\nGid:\t5\t6\t7\t8", "Gid", ids), 0, "Gid, last line");
	ASSERT_TRUE(ids[0] == 5 && ids[3] == 8, "gids");
	ASSERT_EQ(caller_parse_ids("Gid:\t5\t6\t7\t8\n", "Uid", ids), -ENOENT, "no line");
	ASSERT_EQ(caller_parse_ids("Uid:\t1\t2\t3\n", "Uid", ids), -EINVAL, "three ids");
	ASSERT_EQ(caller_parse_ids("Uid:\t1\t2\t3\t4\t5\n", "Uid", ids), -EINVAL, "five ids");
	ASSERT_EQ(caller_parse_ids("Uid:\t1\t-2\t3\t4\n", "Uid", ids), -EINVAL, "a sign");
	ASSERT_EQ(caller_parse_ids("Uid:\t1\t2\t3\t4294967296\n", "Uid", ids), -EINVAL, "above 32 bits");
	ASSERT_TRUE(ids[0] == 5, "untouched on error");
}
