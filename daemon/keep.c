// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "keep.h"
#include "log.h"

__u64 keep_peek_tag(int fd)
{
	struct state_head h;

	if (fd < 0 || pread(fd, &h, sizeof(h), 0) != sizeof(h) ||
	    memcmp(h.magic, STATE_MAGIC, sizeof(h.magic)))
		return 0;
	return h.tag;
}

/* Map @fd's @bytes into @kp, laid out as @l says. */
static int map(struct keep *kp, int fd, size_t bytes,
	       const struct state_layout *l)
{
	void *mem = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (mem == MAP_FAILED)
		return -errno;
	kp->fd = fd;
	kp->mem = mem;
	kp->bytes = bytes;
	kp->head = mem;
	kp->t = (struct table *)((char *)mem + l->table);
	kp->k = (struct sampler_keep *)((char *)mem + l->keep);
	return 0;
}

/* The state in @fd, when it is one of @tag and @cap: 0 or -errno. */
static int take_up(struct keep *kp, int fd, __u64 tag, size_t cap)
{
	struct state_layout l;
	const char *why = NULL;
	struct stat st;
	int err;

	if (fstat(fd, &st))
		return -errno;
	state_layout(&l, cap, sizeof(struct sampler_keep));
	if ((size_t)st.st_size < sizeof(struct state_head)) {
		log_warn("the state of the energyd before is %lld bytes: starting afresh",
			 (long long)st.st_size);
		return -EINVAL;
	}
	err = map(kp, fd, st.st_size, &l);
	if (err)
		return err;
	err = state_check(kp->head, st.st_size, tag, cap,
			  sizeof(struct sampler_keep), &why);
	if (!err)
		err = table_init_at(kp->t, cap, (char *)kp->mem + l.arrays, true);
	if (err) {
		log_warn("the state of the energyd before is %s: starting afresh",
			 why ? why : "not of a table of this capacity");
		munmap(kp->mem, kp->bytes);
		kp->mem = NULL;
		kp->fd = -1;
		return err;
	}
	kp->resumed = true;
	return 0;
}

int keep_open(struct keep *kp, int fd, bool usable, __u64 tag, size_t cap)
{
	struct state_layout l;
	struct state_head h;
	int err;

	memset(kp, 0, sizeof(*kp));
	kp->fd = -1;
	if (fd >= 0 && usable && !take_up(kp, fd, tag, cap)) {
		log_info("took over the counts of the energyd before");
		return 0;
	}
	if (fd >= 0)
		close(fd);
	state_layout(&l, cap, sizeof(struct sampler_keep));
	fd = memfd_create("energyd-state", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, l.bytes)) {
		err = -errno;
		goto fail;
	}
	/* The head first: map() finds the layout there. */
	state_head_init(&h, tag, cap, sizeof(struct sampler_keep));
	if (pwrite(fd, &h, sizeof(h), 0) != sizeof(h)) {
		err = errno ? -errno : -EIO;
		goto fail;
	}
	err = map(kp, fd, l.bytes, &l);
	if (err)
		goto fail;
	table_init_at(kp->t, cap, (char *)kp->mem + l.arrays, false);
	return 0;
fail:
	log_err("cannot set up the counting state (%zu bytes, memfd): %s",
		l.bytes, strerror(-err));
	if (fd >= 0)
		close(fd);
	kp->fd = -1;
	return err;
}

void keep_valid(struct keep *kp)
{
	__atomic_store_n(&kp->head->valid, 1, __ATOMIC_RELEASE);
}

void keep_close(struct keep *kp)
{
	if (kp->mem)
		munmap(kp->mem, kp->bytes);
	if (kp->fd >= 0)
		close(kp->fd);
	memset(kp, 0, sizeof(*kp));
	kp->fd = -1;
}
