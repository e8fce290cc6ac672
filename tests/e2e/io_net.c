// SPDX-License-Identifier: GPL-2.0-only
/*
 * Disk, network and wakeups: O_DIRECT and buffered I/O against /proc/PID/io, UDP over
 * loopback against what the workload sent and received, a pipe ping-pong
 * against the voluntary context switches the kernel counted.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <bpf/btf.h>

#include "harness.h"

#define DISK_CHUNK		(1UL << 20)
#define DISK_BYTES		(64UL << 20)
#define UDP_N			1000
#define UDP_SIZE		200
#define PIPE_ROUNDS		1000

/* ---- disk ---- */

/* Exit codes of the disk child, for the failure message. */
enum {
	DISK_EOPEN_W = 2,
	DISK_EALLOC,
	DISK_EWRITE,
	DISK_EFSYNC,
	DISK_EOPEN_R,
	DISK_EREAD,
};

/* Readers at once, each its own part of the file in small reads, so that
 * several requests are in flight together. */
#define DISK_READERS		4
#define DISK_SMALL		(64UL << 10)

struct part_read {
	int fd;
	unsigned long off;
	int err;
};

static void *read_part(void *arg)
{
	struct part_read *p = arg;
	unsigned long end = p->off + DISK_BYTES / DISK_READERS;
	void *buf;

	if (posix_memalign(&buf, 4096, DISK_SMALL)) {
		p->err = DISK_EALLOC;
		return NULL;
	}
	for (unsigned long off = p->off; off < end; off += DISK_SMALL)
		if (pread(p->fd, buf, DISK_SMALL, off) != (ssize_t)DISK_SMALL) {
			p->err = DISK_EREAD;
			break;
		}
	free(buf);
	return NULL;
}

/* The file at @fd read again by DISK_READERS threads at once: 0 or the
 * exit code. */
static int read_parallel(int fd)
{
	struct part_read part[DISK_READERS];
	pthread_t th[DISK_READERS];
	int n = 0, err = 0;

	for (; n < DISK_READERS; n++) {
		part[n] = (struct part_read){ .fd = fd, .off = n * (DISK_BYTES / DISK_READERS) };
		if (pthread_create(&th[n], NULL, read_part, &part[n])) {
			err = DISK_EREAD;
			break;
		}
	}
	while (n--) {
		pthread_join(th[n], NULL);
		if (part[n].err)
			err = part[n].err;
	}
	return err;
}

static int direct_write_read(void *arg)
{
	const char *path = arg;
	void *buf;
	int fd, err;

	if (posix_memalign(&buf, 4096, DISK_CHUNK))
		return DISK_EALLOC;
	memset(buf, 0x5a, DISK_CHUNK);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_DIRECT, 0600);
	if (fd < 0)
		return DISK_EOPEN_W;
	for (unsigned long off = 0; off < DISK_BYTES; off += DISK_CHUNK)
		if (write(fd, buf, DISK_CHUNK) != (ssize_t)DISK_CHUNK)
			return DISK_EWRITE;
	if (fsync(fd))
		return DISK_EFSYNC;
	close(fd);
	fd = open(path, O_RDONLY | O_DIRECT);
	if (fd < 0)
		return DISK_EOPEN_R;
	for (unsigned long off = 0; off < DISK_BYTES; off += DISK_CHUNK)
		if (read(fd, buf, DISK_CHUNK) != (ssize_t)DISK_CHUNK)
			return DISK_EREAD;
	err = read_parallel(fd);
	if (err)
		return err;
	close(fd);
	raise(SIGSTOP);
	return 0;
}

/* A directory on a filesystem backed by a block device, or NULL. */
static const char *disk_dir(void)
{
	const char *dirs[] = {
		getenv("E2E_DISK_DIR"), "/var/tmp", ".", "/tmp",
	};
	struct stat st;

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (dirs[i] && !stat(dirs[i], &st) && S_ISDIR(st.st_mode) &&
		    major(st.st_dev) != 0)
			return dirs[i];
	return NULL;
}

/*
 * 64 MiB written and read back with O_DIRECT, in 1 MiB requests one at a
 * time, then again by four threads in 64 KiB reads (several requests in
 * flight at once): disk_write_bytes within 1 % and disk_read_bytes within
 * 2 % of write_bytes and read_bytes of /proc/PID/io.
 */
void disk_direct_io(void)
{
	__u64 wbytes = 0, rbytes = 0;
	struct e2e_work w = {};
	struct e2e_child c = {};
	struct energy_proc p;
	struct energy_key key;
	char path[PATH_MAX] = "";
	const char *dir;

	if (!work_begin(&w, false))
		goto cleanup;
	dir = disk_dir();
	if (!dir) {
		/* CI machines have a real disk: there, not finding one is a
		 * failure, not a reason to skip. */
		if (getenv("CI") && !strcmp(getenv("CI"), "true"))
			ASSERT_TRUE(dir, "a directory on a block-device filesystem");
		else
			TEST_SKIP("no directory on a block-device filesystem (st_dev major 0 for $E2E_DISK_DIR, /var/tmp, ., /tmp)");
		goto cleanup;
	}
	snprintf(path, sizeof(path), "%s/energyd-e2e-%d.dat", dir, getpid());
	unlink(path);
	if (!work_spawn_stopped(&w, &c, direct_write_read, path, "disk child",
				"disk child writes 64 MiB with O_DIRECT, reads it twice and stops itself (exit codes: 2 open for write, 3 memory, 4 write, 5 fsync, 6 open for read, 7 read)"))
		goto cleanup;
	if (!ASSERT_EQ(read_proc_field(c.pid, "io", "write_bytes:", &wbytes), 0,
		       "read write_bytes of /proc/PID/io") ||
	    !ASSERT_EQ(read_proc_field(c.pid, "io", "read_bytes:", &rbytes), 0,
		       "read read_bytes of /proc/PID/io"))
		goto cleanup;
	printf("  disk_direct_io: in %s: /proc/PID/io write_bytes %llu read_bytes %llu\n",
	       dir, (unsigned long long)wbytes, (unsigned long long)rbytes);
	ASSERT_GE(wbytes, DISK_BYTES, "the kernel counted the 64 MiB written");
	ASSERT_GE(rbytes, 2 * DISK_BYTES, "the kernel counted the 64 MiB read twice");
	if (work_skip_kernel_only(&w) ||
	    !child_wait_procs(&c, &key, &p, "the disk child is in procs"))
		goto cleanup;
	WAIT_UNTIL(!procs_lookup(&key, &p) &&
		   near(p.c.disk_write_bytes, wbytes, 0.01) &&
		   near(p.c.disk_read_bytes, rbytes, 0.02), E2E_SETTLE_MS);
	printf("  disk_direct_io: energyd disk_write_bytes %llu (%+.2f%%) disk_read_bytes %llu (%+.2f%%)\n",
	       (unsigned long long)p.c.disk_write_bytes,
	       100.0 * ((double)p.c.disk_write_bytes - wbytes) / wbytes,
	       (unsigned long long)p.c.disk_read_bytes,
	       100.0 * ((double)p.c.disk_read_bytes - rbytes) / rbytes);
	ASSERT_NEAR(p.c.disk_write_bytes, wbytes, 0.01,
		    "procs disk_write_bytes vs write_bytes of /proc/PID/io");
	ASSERT_NEAR(p.c.disk_read_bytes, rbytes, 0.02,
		    "procs disk_read_bytes vs read_bytes of /proc/PID/io");
cleanup:
	work_end(&w);
	if (path[0])
		unlink(path);
}

/* A buffered 64 MiB write, then sync(): sync_inodes_sb() hands the
 * writeback to the flusher kworkers and waits for them. */
static int buffered_write_sync(void *arg)
{
	const char *path = arg;
	char *buf;
	int fd;

	buf = malloc(DISK_CHUNK);
	if (!buf)
		return DISK_EALLOC;
	memset(buf, 0x5b, DISK_CHUNK);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return DISK_EOPEN_W;
	for (unsigned long off = 0; off < DISK_BYTES; off += DISK_CHUNK)
		if (write(fd, buf, DISK_CHUNK) != (ssize_t)DISK_CHUNK)
			return DISK_EWRITE;
	sync();
	if (fsync(fd))
		return DISK_EFSYNC;
	close(fd);
	free(buf);
	raise(SIGSTOP);
	return 0;
}

static int sum_kworker_writes(const struct energy_key *key,
			      const struct energy_proc *val, void *arg)
{
	(void)key;
	if ((val->flags & ENERGY_F_KTHREAD) &&
	    !strncmp(val->comm, "kworker", strlen("kworker")))
		*(__u64 *)arg += val->c.disk_write_bytes;
	return 0;
}

/*
 * 64 MiB written through the page cache and written back by the flusher
 * (sync): the writer's disk_write_bytes within 1 % of write_bytes of its
 * /proc/PID/io, which charges the task that dirtied the pages; the
 * kworkers that wrote them back gain less than 1 % of it.
 */
void disk_buffered_write(void)
{
	__u64 wbytes = 0, kw_before = 0, kw_after = 0, kw_delta;
	struct e2e_work w = {};
	struct e2e_child c = {};
	struct energy_proc p;
	struct energy_key key;
	char path[PATH_MAX] = "";
	const char *dir;

	if (!work_begin(&w, false))
		goto cleanup;
	dir = disk_dir();
	if (!dir) {
		if (getenv("CI") && !strcmp(getenv("CI"), "true"))
			ASSERT_TRUE(dir, "a directory on a block-device filesystem");
		else
			TEST_SKIP("no directory on a block-device filesystem (st_dev major 0 for $E2E_DISK_DIR, /var/tmp, ., /tmp)");
		goto cleanup;
	}
	snprintf(path, sizeof(path), "%s/energyd-e2e-buf-%d.dat", dir, getpid());
	unlink(path);
	sync();		/* nothing else of ours left for the flusher */
	if (w.live)
		ASSERT_EQ(procs_foreach(sum_kworker_writes, &kw_before), 0,
			  "sum the kworkers' disk_write_bytes");
	if (!work_spawn_stopped(&w, &c, buffered_write_sync, path, "writer",
				"writer writes 64 MiB through the page cache, syncs and stops itself (exit codes: 2 open, 3 alloc, 4 write, 5 fsync)"))
		goto cleanup;
	if (!ASSERT_EQ(read_proc_field(c.pid, "io", "write_bytes:", &wbytes), 0,
		       "read write_bytes of /proc/PID/io"))
		goto cleanup;
	printf("  disk_buffered_write: in %s: /proc/PID/io write_bytes %llu\n",
	       dir, (unsigned long long)wbytes);
	ASSERT_GE(wbytes, DISK_BYTES, "the kernel counted the 64 MiB dirtied");
	if (work_skip_kernel_only(&w) ||
	    !child_wait_procs(&c, &key, &p, "the writer is in procs"))
		goto cleanup;
	WAIT_UNTIL(!procs_lookup(&key, &p) &&
		   near(p.c.disk_write_bytes, wbytes, 0.01), E2E_SETTLE_MS);
	ASSERT_EQ(procs_foreach(sum_kworker_writes, &kw_after), 0,
		  "sum the kworkers' disk_write_bytes");
	kw_delta = kw_after - kw_before;
	printf("  disk_buffered_write: energyd writer disk_write_bytes %llu (%+.2f%%); kworkers +%llu bytes\n",
	       (unsigned long long)p.c.disk_write_bytes,
	       100.0 * ((double)p.c.disk_write_bytes - wbytes) / wbytes,
	       (unsigned long long)kw_delta);
	ASSERT_NEAR(p.c.disk_write_bytes, wbytes, 0.01,
		    "writer disk_write_bytes vs write_bytes of /proc/PID/io");
	ASSERT_TRUE(kw_delta < DISK_BYTES / 100,
		    "the kworkers that wrote the pages back are not charged for them");
cleanup:
	work_end(&w);
	if (path[0])
		unlink(path);
}

/* ---- UDP and TCP over loopback ---- */

struct loop_arg {
	int type;		/* SOCK_DGRAM or SOCK_STREAM */
	int sock;		/* receiver: its bound (listening) socket */
	struct sockaddr_in to;	/* sender: where to send */
	int ack[2];		/* receiver writes one byte per message */
};

/* Exit codes of the loopback children. */
enum {
	LOOP_ESOCKET = 2,
	LOOP_ESEND,
	LOOP_EACK,
	LOOP_ERECV,
	LOOP_ESIZE,
};

static int loop_receive(void *arg)
{
	struct loop_arg *u = arg;
	char buf[2048];
	int s = u->sock;
	ssize_t n;

	close(u->ack[0]);
	if (u->type == SOCK_STREAM) {
		s = accept(u->sock, NULL, NULL);
		if (s < 0)
			return LOOP_ERECV;
	}
	for (int i = 0; i < UDP_N; i++) {
		/* TCP: all 200 bytes in one call, from the one segment the
		 * sender has in flight */
		n = recv(s, buf, u->type == SOCK_STREAM ? UDP_SIZE : sizeof(buf),
			 u->type == SOCK_STREAM ? MSG_WAITALL : 0);
		if (n < 0)
			return LOOP_ERECV;
		if (n != UDP_SIZE)
			return LOOP_ESIZE;
		if (write(u->ack[1], "a", 1) != 1)
			return LOOP_EACK;
	}
	raise(SIGSTOP);
	return 0;
}

static int loop_send(void *arg)
{
	struct loop_arg *u = arg;
	char buf[UDP_SIZE], ack;
	int s, one = 1;

	close(u->sock);
	close(u->ack[1]);
	s = socket(AF_INET, u->type | SOCK_CLOEXEC, 0);
	if (s < 0)
		return LOOP_ESOCKET;
	if (u->type == SOCK_STREAM &&
	    (setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) ||
	     connect(s, (struct sockaddr *)&u->to, sizeof(u->to))))
		return LOOP_ESOCKET;
	memset(buf, 'u', sizeof(buf));
	for (int i = 0; i < UDP_N; i++) {
		if (sendto(s, buf, sizeof(buf), 0,
			   u->type == SOCK_STREAM ? NULL : (struct sockaddr *)&u->to,
			   u->type == SOCK_STREAM ? 0 : sizeof(u->to)) !=
		    (ssize_t)sizeof(buf))
			return LOOP_ESEND;
		/* One message in flight at a time: none is dropped or
		 * coalesced. */
		if (read(u->ack[0], &ack, 1) != 1)
			return LOOP_EACK;
	}
	raise(SIGSTOP);
	return 0;
}

/* Whether the running kernel's BTF describes function @fn (so that energyd
 * can hook it with fexit). */
static bool kernel_has_func(const char *fn)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	bool found;

	if (!vmlinux)
		return false;
	found = btf__find_by_name_kind(vmlinux, fn, BTF_KIND_FUNC) > 0;
	btf__free(vmlinux);
	return found;
}

/*
 * 1,000 messages of 200 bytes over loopback, acknowledged over a pipe: the
 * receiver has exactly 1,000 packets and 200,000 bytes received, the sender
 * at least 1,000 packets sent and none received. Where the kernel has no
 * sock:sock_recv_length, rx comes from fexit on inet_recvmsg (exact too);
 * only without that, from skb:skb_copy_datagram_iovec, which sees TCP but
 * not a UDP datagram copied whole (copy_linear_skb): for UDP that last
 * fallback counts nothing, never too much.
 */
static void loopback(int type, const char *name)
{
	struct loop_arg u = { .type = type, .sock = -1, .ack = { -1, -1 } };
	struct e2e_child rx = {}, tx = {};
	struct energy_proc prx, ptx;
	struct energy_key krx, ktx;
	socklen_t len = sizeof(u.to);
	struct e2e_work w = {};
	bool exact;

	if (!work_begin(&w, false))
		goto cleanup;
	exact = type == SOCK_STREAM || !e2e_daemon_logged("rx: skb_copy_datagram_iovec");
	/* The last fallback only where neither sock_recv_length nor the
	 * trampolines are there, or when asked for (--legacy-hooks). */
	if (!exact && w.live && !(getenv("E2E_DAEMON_ARGS") &&
				  strstr(getenv("E2E_DAEMON_ARGS"), "--legacy-hooks")))
		ASSERT_TRUE(!kernel_has_func("inet_recvmsg"),
			    "rx falls back to skb_copy_datagram_iovec only where inet_recvmsg cannot be hooked");
	u.sock = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	if (!ASSERT_TRUE(u.sock >= 0, "create the receiving socket"))
		goto cleanup;
	u.to.sin_family = AF_INET;
	u.to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (!ASSERT_EQ(bind(u.sock, (struct sockaddr *)&u.to, sizeof(u.to)), 0,
		       "bind to 127.0.0.1") ||
	    !ASSERT_EQ(getsockname(u.sock, (struct sockaddr *)&u.to, &len), 0,
		       "read the bound port") ||
	    !ASSERT_EQ(type == SOCK_STREAM ? listen(u.sock, 1) : 0, 0, "listen") ||
	    !ASSERT_EQ(pipe2(u.ack, O_CLOEXEC), 0, "create the ack pipe"))
		goto cleanup;
	if (!ASSERT_EQ(work_fork(&w, &rx, loop_receive, &u), 0,
		       "fork the receiver") ||
	    !ASSERT_EQ(work_fork(&w, &tx, loop_send, &u), 0,
		       "fork the sender"))
		goto cleanup;
	close(u.sock);
	close(u.ack[0]);
	close(u.ack[1]);
	u.sock = u.ack[0] = u.ack[1] = -1;
	/* The sender first: it sees the receiver's end of the ack pipe
	 * close if the receiver fails. */
	if (!ASSERT_TRUE(child_wait_stopped(&tx, "sender"),
			 "sender sends 1,000 messages and stops itself (exit codes: 2 socket, 3 send, 4 ack)") ||
	    !ASSERT_TRUE(child_wait_stopped(&rx, "receiver"),
			 "receiver gets 1,000 messages of 200 bytes and stops itself (exit codes: 4 ack, 5 recv, 6 size)"))
		goto cleanup;
	if (!w.live)
		printf("  %s: %d messages of %d bytes received\n", name,
		       UDP_N, UDP_SIZE);
	if (work_skip_kernel_only(&w))
		goto cleanup;
	if (!ASSERT_TRUE(WAIT_UNTIL(!child_find(&rx, &krx, &prx) &&
				    !child_find(&tx, &ktx, &ptx),
				    E2E_SETTLE_MS),
			 "receiver and sender are in procs"))
		goto cleanup;
	WAIT_UNTIL(!procs_lookup(&krx, &prx) && !procs_lookup(&ktx, &ptx) &&
		   (!exact || prx.c.rx_packets >= UDP_N) &&
		   ptx.c.tx_packets >= UDP_N, E2E_SETTLE_MS);
	printf("  %s: receiver rx %llu packets %llu bytes; sender tx %llu packets %llu bytes, rx %llu packets%s\n",
	       name, (unsigned long long)prx.c.rx_packets,
	       (unsigned long long)prx.c.rx_bytes,
	       (unsigned long long)ptx.c.tx_packets,
	       (unsigned long long)ptx.c.tx_bytes,
	       (unsigned long long)ptx.c.rx_packets,
	       exact ? "" : " (rx from skb_copy_datagram_iovec: whole UDP datagrams are not seen)");
	if (exact) {
		ASSERT_EQ(prx.c.rx_packets, UDP_N,
			  "receiver rx_packets == successful recv calls");
		ASSERT_EQ(prx.c.rx_bytes, UDP_N * UDP_SIZE,
			  "receiver rx_bytes == bytes returned by recv");
	} else {
		ASSERT_TRUE(prx.c.rx_packets <= UDP_N,
			    "the fallback never counts more than was received");
		ASSERT_EQ(prx.c.rx_bytes, prx.c.rx_packets * UDP_SIZE,
			  "what the fallback counts is whole datagrams");
	}
	ASSERT_GE(ptx.c.tx_packets, UDP_N,
		  "sender tx_packets >= messages sent");
	ASSERT_GE(ptx.c.tx_bytes, UDP_N * UDP_SIZE,
		  "sender tx_bytes >= payload sent");
	/* TCP's sender receives ACK segments in softirq, never by recvmsg */
	ASSERT_EQ(ptx.c.rx_packets, 0,
		  "sender rx_packets: it never called recvmsg on a socket");
cleanup:
	if (u.sock >= 0)
		close(u.sock);
	if (u.ack[0] >= 0)
		close(u.ack[0]);
	if (u.ack[1] >= 0)
		close(u.ack[1]);
	work_end(&w);
}

void udp_loopback(void)
{
	loopback(SOCK_DGRAM, "udp_loopback");
}

void tcp_loopback(void)
{
	loopback(SOCK_STREAM, "tcp_loopback");
}

/* ---- pipe ping-pong ---- */

struct pong_arg {
	int ping[2];		/* a -> b */
	int pong[2];		/* b -> a */
	bool first;		/* a: writes first */
	volatile pid_t *pids;	/* shared page: a's and b's pids */
};

/* Exit codes of the pipe sides. */
enum {
	PIPE_EWRITE = 2,
	PIPE_EREAD,
	PIPE_EPEER,
};

/*
 * Waits until the peer sleeps in a pipe read, so that every byte written
 * has to wake it: its wchan names the pipe read only once it is off the
 * CPU, waiting.
 */
static int wait_peer_reading(int wchan_fd)
{
	__u64 end = now_ns() + 10000000000ULL;
	char buf[64];
	ssize_t n;

	for (;;) {
		if (lseek(wchan_fd, 0, SEEK_SET) < 0)
			return -errno;
		n = read(wchan_fd, buf, sizeof(buf) - 1);
		if (n < 0)
			return -errno;
		buf[n] = '\0';
		if (strstr(buf, "pipe_read"))	/* anon_pipe_read since 6.15 */
			return 0;
		if (now_ns() > end)
			return -ETIMEDOUT;
		sched_yield();
	}
}

static int pipe_side(void *arg)
{
	struct pong_arg *p = arg;
	int in = p->first ? p->pong[0] : p->ping[0];
	int out = p->first ? p->ping[1] : p->pong[1];
	char b = 'p', path[64];
	pid_t peer;
	int wchan;

	/* Only the ends this side uses, so that the other side's failure
	 * ends this one too. */
	close(p->first ? p->ping[0] : p->ping[1]);
	close(p->first ? p->pong[1] : p->pong[0]);
	while (!p->pids[0] || !p->pids[1])
		usleep(100);
	peer = p->pids[p->first ? 1 : 0];
	snprintf(path, sizeof(path), "/proc/%d/wchan", peer);
	wchan = open(path, O_RDONLY | O_CLOEXEC);
	if (wchan < 0)
		return PIPE_EPEER;

	/* One warm-up round trip, then PIPE_ROUNDS in which each side
	 * writes only to a peer asleep in its read. */
	for (int i = 0; i < PIPE_ROUNDS + 1; i++) {
		if (p->first) {
			if (wait_peer_reading(wchan))
				return PIPE_EPEER;
			if (write(out, &b, 1) != 1)
				return PIPE_EWRITE;
		}
		if (read(in, &b, 1) != 1)
			return PIPE_EREAD;
		if (!p->first) {
			if (wait_peer_reading(wchan))
				return PIPE_EPEER;
			if (write(out, &b, 1) != 1)
				return PIPE_EWRITE;
		}
	}
	raise(SIGSTOP);
	return 0;
}

/*
 * Whether the wakeups of @c's process (key @k) come to its leader's
 * voluntary switches by /proc (one thread each here), both read again
 * until they do: the parent of a child that stops itself may look before
 * the child's last switch, which both count. The figures in @nvcsw, @e.
 */
static bool wakeups_meet(const struct e2e_child *c, const struct energy_key *k,
			 __u64 *nvcsw, struct energy_proc *e)
{
	return WAIT_UNTIL(!read_proc_field(c->pid, "status",
					   "voluntary_ctxt_switches:", nvcsw) &&
			  !procs_lookup(k, e) && e->c.wakeups == *nvcsw,
			  E2E_SETTLE_MS);
}

/*
 * 1,000 round trips of one byte over two pipes, each byte written to a side
 * asleep in its read: each side was woken at least 1,000 times, and its
 * wakeups are the kernel's count of its voluntary context switches
 * (/proc/PID/status, one thread each), the final stop included.
 */
void pipe_wakeups(void)
{
	struct pong_arg pa = { .ping = { -1, -1 }, .pong = { -1, -1 } };
	struct pong_arg pb;
	pid_t *pids = MAP_FAILED;
	struct e2e_child a = {}, b = {};
	struct energy_proc ea, eb;
	struct energy_key ka, kb;
	__u64 nvcsw_a = 0, nvcsw_b = 0;
	struct e2e_work w = {};

	if (!work_begin(&w, false))
		goto cleanup;
	if (!ASSERT_EQ(pipe2(pa.ping, O_CLOEXEC), 0, "create a pipe") ||
	    !ASSERT_EQ(pipe2(pa.pong, O_CLOEXEC), 0, "create a pipe"))
		goto cleanup;
	pids = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!ASSERT_TRUE(pids != MAP_FAILED, "map a shared page"))
		goto cleanup;
	pa.pids = pids;
	pa.first = true;
	pb = pa;
	pb.first = false;
	if (!ASSERT_EQ(work_fork(&w, &a, pipe_side, &pa), 0, "fork side a") ||
	    !ASSERT_EQ(work_fork(&w, &b, pipe_side, &pb), 0, "fork side b"))
		goto cleanup;
	pids[1] = b.pid;
	pids[0] = a.pid;
	for (int i = 0; i < 2; i++) {
		close(pa.ping[i]);
		close(pa.pong[i]);
		pa.ping[i] = pa.pong[i] = -1;
	}
	if (!ASSERT_TRUE(child_wait_stopped(&a, "pipe side a"),
			 "side a completes 1,000 round trips and stops itself (exit codes: 2 write, 3 read, 4 peer's wchan)") ||
	    !ASSERT_TRUE(child_wait_stopped(&b, "pipe side b"),
			 "side b completes 1,000 round trips and stops itself (exit codes: 2 write, 3 read, 4 peer's wchan)"))
		goto cleanup;
	if (!ASSERT_EQ(read_proc_field(a.pid, "status",
				       "voluntary_ctxt_switches:", &nvcsw_a), 0,
		       "read voluntary_ctxt_switches of side a") ||
	    !ASSERT_EQ(read_proc_field(b.pid, "status",
				       "voluntary_ctxt_switches:", &nvcsw_b), 0,
		       "read voluntary_ctxt_switches of side b"))
		goto cleanup;
	printf("  pipe_wakeups: voluntary context switches: a %llu, b %llu\n",
	       (unsigned long long)nvcsw_a, (unsigned long long)nvcsw_b);
	if (work_skip_kernel_only(&w))
		goto cleanup;
	if (!ASSERT_TRUE(WAIT_UNTIL(!child_find(&a, &ka, &ea) &&
				    !child_find(&b, &kb, &eb), E2E_SETTLE_MS),
			 "both sides are in procs"))
		goto cleanup;
	ASSERT_TRUE(wakeups_meet(&a, &ka, &nvcsw_a, &ea),
		    "side a wakeups = its voluntary context switches");
	ASSERT_TRUE(wakeups_meet(&b, &kb, &nvcsw_b, &eb),
		    "side b wakeups = its voluntary context switches");
	printf("  pipe_wakeups: energyd wakeups: a %llu, b %llu (voluntary switches then %llu, %llu)\n",
	       (unsigned long long)ea.c.wakeups, (unsigned long long)eb.c.wakeups,
	       (unsigned long long)nvcsw_a, (unsigned long long)nvcsw_b);
	ASSERT_GE(ea.c.wakeups, PIPE_ROUNDS, "side a wakeups >= round trips");
	ASSERT_GE(eb.c.wakeups, PIPE_ROUNDS, "side b wakeups >= round trips");
cleanup:
	for (int i = 0; i < 2; i++) {
		if (pa.ping[i] >= 0)
			close(pa.ping[i]);
		if (pa.pong[i] >= 0)
			close(pa.pong[i]);
	}
	if (pids != MAP_FAILED)
		munmap(pids, 4096);
	work_end(&w);
}

#define THREAD_SLEEPS	20

static void *sleeper_thread(void *arg)
{
	(void)arg;
	for (int i = 0; i < THREAD_SLEEPS; i++)
		usleep(2000);
	return NULL;
}

/* Three threads that sleep and exit, the leader sleeping too; then the
 * process's own count of its voluntary switches (getrusage: the exited
 * threads' included) into @arg, and a stop. */
static int threads_side(void *arg)
{
	volatile long *nvcsw = arg;
	pthread_t th[3];
	struct rusage ru;

	for (int i = 0; i < 3; i++)
		if (pthread_create(&th[i], NULL, sleeper_thread, NULL))
			return 2;
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	sleeper_thread(NULL);
	if (getrusage(RUSAGE_SELF, &ru))
		return 3;
	*nvcsw = ru.ru_nvcsw;
	raise(SIGSTOP);
	return 0;
}

/*
 * A process whose threads sleep and exit: its wakeups are the kernel's
 * count of its voluntary switches, getrusage()'s, which keeps those of
 * exited threads, plus the stop after it was read.
 */
void thread_wakeups(void)
{
	volatile long *nvcsw = MAP_FAILED;
	struct e2e_child c = {};
	struct energy_proc e;
	struct energy_key k;
	struct e2e_work w = {};

	if (!work_begin(&w, true))
		goto cleanup;
	nvcsw = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!ASSERT_TRUE(nvcsw != MAP_FAILED, "map a shared page"))
		goto cleanup;
	if (!work_spawn_stopped(&w, &c, threads_side, (void *)nvcsw, "threads",
				"3 threads sleep 20 times each and exit, the leader sleeps and stops"))
		goto cleanup;
	if (!child_wait_procs(&c, &k, &e, "the process is in procs"))
		goto cleanup;
	/* Its stop may come to its switch after the parent saw it stopped. */
	WAIT_UNTIL(!procs_lookup(&k, &e) && e.c.wakeups == (__u64)*nvcsw + 1,
		   E2E_SETTLE_MS);
	printf("  thread_wakeups: getrusage ru_nvcsw %ld (+1 the stop); energyd wakeups %llu\n",
	       *nvcsw, (unsigned long long)e.c.wakeups);
	ASSERT_GE(*nvcsw, 4 * THREAD_SLEEPS, "every sleep a voluntary switch");
	ASSERT_EQ(e.c.wakeups, (__u64)*nvcsw + 1,
		  "wakeups = the process's voluntary switches, exited threads' included");
cleanup:
	if (nvcsw != MAP_FAILED)
		munmap((void *)nvcsw, 4096);
	work_end(&w);
}
