// SPDX-License-Identifier: GPL-2.0-only
/*
 * The session's threads, and the connection's life across a restart.
 *
 * The threads read requests through libfuse's custom I/O: a poll on the
 * /dev/fuse fd (non-blocking) and on an eventfd that tells them to stop.
 * A thread stops only between requests, never with one read and
 * unanswered, and the session is never marked exited while a thread may
 * still read: libfuse drops a request read after that mark, and its reader
 * would wait forever. So a stop that keeps the connection (a restart)
 * leaves every request either answered or queued in the kernel for the
 * next energyd.
 *
 * The kernel sends FUSE_INIT once per connection. The first energyd keeps
 * that request; one that takes the connection over replays it to its own
 * session, so that libfuse negotiates what the kernel agreed to, and its
 * reply goes nowhere.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/fuse.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "efs.h"
#include "log.h"

/* The replayed INIT's unique: odd, and far above any the kernel gives
 * (even numbers counting up from 2). */
#define REPLAY_UNIQUE	0x7fffffffffffffffULL
#ifndef FUSE_NOTIFY_RESEND
#define FUSE_NOTIFY_RESEND	7	/* Linux 6.9, protocol 7.40 */
#endif
#define INIT_MAGIC	"energyd-fuse-init-1\n"

static ssize_t loop_read(int fd, void *buf, size_t len, void *userdata)
{
	struct efs *fs = userdata;
	struct pollfd p[2] = {
		{ .fd = fd, .events = POLLIN },
		{ .fd = fs->stop_fd, .events = POLLIN },
	};
	const struct fuse_in_header *in = buf;
	ssize_t n;

	if (poll(p, 2, -1) < 0)
		return -1;
	if (p[1].revents) {
		errno = EAGAIN;		/* the thread stops here */
		return -1;
	}
	n = read(fd, buf, len);
	if (n >= (ssize_t)sizeof(*in) && in->opcode == FUSE_INIT &&
	    !__atomic_load_n(&fs->init_req, __ATOMIC_ACQUIRE)) {
		void *copy = malloc(n);

		if (copy) {
			memcpy(copy, buf, n);
			fs->init_len = n;
			__atomic_store_n(&fs->init_req, copy, __ATOMIC_RELEASE);
		}
	}
	return n;
}

static ssize_t loop_writev(int fd, struct iovec *iov, int count,
			   void *userdata)
{
	const struct fuse_out_header *out = iov[0].iov_base;
	ssize_t len = 0;

	(void)userdata;
	if (iov[0].iov_len >= sizeof(*out) && out->unique == REPLAY_UNIQUE) {
		for (int i = 0; i < count; i++)
			len += iov[i].iov_len;
		return len;	/* the answer to the replayed INIT */
	}
	return writev(fd, iov, count);
}

static const struct fuse_custom_io loop_io = {
	.read = loop_read,
	.writev = loop_writev,
};

int efs_session_io(struct efs *fs, int dev_fd)
{
	int fl = fcntl(dev_fd, F_GETFL);

	if (fl < 0 || fcntl(dev_fd, F_SETFL, fl | O_NONBLOCK))
		return -errno;
	return fuse_session_custom_io(fs->se, &loop_io, dev_fd);
}

static void *worker(void *arg)
{
	struct efs *fs = arg;
	struct fuse_buf buf = { .mem = NULL };
	int res;

	for (;;) {
		res = fuse_session_receive_buf(fs->se, &buf);
		/* EAGAIN: another thread took the request, or a stop (the
		 * eventfd stays readable for every thread). */
		if (res == -EAGAIN || res == -EINTR) {
			if (__atomic_load_n(&fs->stopping, __ATOMIC_ACQUIRE))
				break;
			continue;
		}
		if (res <= 0)
			break;	/* the connection ended */
		fuse_session_process_buf(fs->se, &buf);
	}
	free(buf.mem);
	return NULL;
}

int efs_loop_start(struct efs *fs)
{
	int err;

	fs->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (fs->stop_fd < 0)
		return -errno;
	fs->stopping = false;
	for (fs->nthreads = 0; fs->nthreads < EFS_THREADS; fs->nthreads++) {
		err = -pthread_create(&fs->threads[fs->nthreads], NULL,
				      worker, fs);
		if (err) {
			efs_loop_stop(fs);
			return err;
		}
	}
	return 0;
}

void efs_loop_stop(struct efs *fs)
{
	if (fs->stop_fd < 0)
		return;
	__atomic_store_n(&fs->stopping, true, __ATOMIC_RELEASE);
	eventfd_write(fs->stop_fd, 1);
	for (int i = 0; i < fs->nthreads; i++)
		pthread_join(fs->threads[i], NULL);
	fs->nthreads = 0;
	close(fs->stop_fd);
	fs->stop_fd = -1;
}

int efs_init_save(const struct efs *fs)
{
	size_t mlen = sizeof(INIT_MAGIC) - 1;
	int fd;

	if (!__atomic_load_n(&fs->init_req, __ATOMIC_ACQUIRE))
		return -ENODATA;
	fd = memfd_create("energyd-fuse-init", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	if (write(fd, INIT_MAGIC, mlen) != (ssize_t)mlen ||
	    write(fd, fs->init_req, fs->init_len) != (ssize_t)fs->init_len ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK |
		  F_SEAL_SEAL)) {
		close(fd);
		return -EIO;
	}
	return fd;
}

int efs_init_load(struct efs *fs, int init_fd)
{
	size_t mlen = sizeof(INIT_MAGIC) - 1, len;
	char head[sizeof(INIT_MAGIC) - 1];
	struct fuse_in_header *in;
	struct stat st;
	void *req;

	if (fstat(init_fd, &st) || st.st_size <= (off_t)mlen ||
	    st.st_size > (off_t)(mlen + 4096) ||
	    pread(init_fd, head, mlen, 0) != (ssize_t)mlen ||
	    memcmp(head, INIT_MAGIC, mlen))
		return -EINVAL;
	len = st.st_size - mlen;
	req = malloc(len);
	if (!req)
		return -ENOMEM;
	in = req;
	if (pread(init_fd, req, len, mlen) != (ssize_t)len ||
	    len < sizeof(*in) + sizeof(struct fuse_init_in) ||
	    in->len != len || in->opcode != FUSE_INIT) {
		free(req);
		return -EINVAL;
	}
	fs->init_req = req;
	fs->init_len = len;
	return 0;
}

void efs_init_replay(struct efs *fs)
{
	struct fuse_buf buf = { .size = fs->init_len };
	struct fuse_in_header *in;

	buf.mem = malloc(fs->init_len);
	if (!buf.mem)
		return;
	memcpy(buf.mem, fs->init_req, fs->init_len);
	in = buf.mem;
	in->unique = REPLAY_UNIQUE;
	fuse_session_process_buf(fs->se, &buf);
	free(buf.mem);
}

void efs_resend(const struct efs *fs)
{
	struct fuse_out_header out = {
		.len = sizeof(out),
		.error = FUSE_NOTIFY_RESEND,
	};

	/* Linux 6.9 on: requests the last energyd read and never answered
	 * are queued again. Before, they stay unanswered (a reader then
	 * waits until it is interrupted). */
	if (write(fuse_session_fd(fs->se), &out, sizeof(out)) == sizeof(out))
		log_info("asked the kernel to send again what the last energyd left unanswered");
	else
		log_debug("FUSE_NOTIFY_RESEND: %s (kernels before 6.9)",
			  strerror(errno));
}
