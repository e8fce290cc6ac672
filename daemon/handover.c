// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>

#include "handover.h"
#include "log.h"

#define SD_DEST		"org.freedesktop.systemd1"
#define SD_PATH		"/org/freedesktop/systemd1"
#define SD_PRIVATE	"unix:path=/run/systemd/private"

/* Whether @name is one of a BPF object's. */
static bool bpf_name(const char *name)
{
	return !strncmp(name, COLL_KEEP_MAP, strlen(COLL_KEEP_MAP)) ||
	       !strncmp(name, COLL_KEEP_LINK, strlen(COLL_KEEP_LINK));
}

/* Add @fd named @name to @k: 0 or -ENOMEM. */
static int kept_add(struct coll_kept *k, const char *name, int fd)
{
	const char **names;
	char *dup;
	int *fds;

	names = realloc(k->names, (k->n + 1) * sizeof(*names));
	if (names)
		k->names = names;
	fds = realloc(k->fds, (k->n + 1) * sizeof(*fds));
	if (fds)
		k->fds = fds;
	dup = strdup(name);
	if (!names || !fds || !dup) {
		free(dup);
		return -ENOMEM;
	}
	k->names[k->n] = dup;
	k->fds[k->n++] = fd;
	return 0;
}

void handover_collect(struct handover *h)
{
	char **names = NULL;
	int n;

	h->fuse.dev_fd = h->fuse.init_fd = -1;
	h->state_fd = -1;
	memset(&h->bpf, 0, sizeof(h->bpf));
	n = sd_listen_fds_with_names(1, &names);
	if (n < 0)
		log_warn("LISTEN_FDS: %s", strerror(-n));
	for (int i = 0; i < n; i++) {
		int fd = SD_LISTEN_FDS_START + i, *slot = NULL;
		const char *name = names && names[i] ? names[i] : "";

		if (!strcmp(name, HANDOVER_FUSE))
			slot = &h->fuse.dev_fd;
		else if (!strcmp(name, HANDOVER_FUSE_INIT))
			slot = &h->fuse.init_fd;
		else if (!strcmp(name, HANDOVER_STATE))
			slot = &h->state_fd;
		if (slot && *slot < 0) {
			*slot = fd;
		} else if (!slot && bpf_name(name) && !kept_add(&h->bpf, name, fd)) {
			continue;
		} else {
			log_warn("fd %d named '%s' passed by systemd: not energyd's; closed",
				 fd, name);
			close(fd);
		}
	}
	for (int i = 0; names && names[i]; i++)
		free(names[i]);
	free(names);
	if (h->fuse.dev_fd >= 0)
		log_info("systemd handed over the FUSE connection of the energyd before");
	if (h->bpf.n)
		log_info("systemd handed over %zu BPF maps and links of the energyd before%s",
			 h->bpf.n, h->state_fd >= 0 ? ", and its counts" : "");
}

void handover_fini(struct handover *h)
{
	if (h->fuse.dev_fd >= 0)
		close(h->fuse.dev_fd);
	if (h->fuse.init_fd >= 0)
		close(h->fuse.init_fd);
	if (h->state_fd >= 0)
		close(h->state_fd);
	for (size_t i = 0; i < h->bpf.n; i++) {
		if (h->bpf.fds[i] >= 0)
			close(h->bpf.fds[i]);
		free((char *)h->bpf.names[i]);
	}
	free(h->bpf.names);
	free(h->bpf.fds);
	memset(&h->bpf, 0, sizeof(h->bpf));
	h->fuse.dev_fd = h->fuse.init_fd = h->state_fd = -1;
}

/* Take the fds named @name out of the store. */
static void unstore(const char *name)
{
	char msg[160];

	snprintf(msg, sizeof(msg), "FDSTOREREMOVE=1\nFDNAME=%s", name);
	sd_notify(0, msg);
}

/*
 * Store @fd under @name, an earlier fd of that name removed first. systemd
 * watches a stored fd and drops it at its first EPOLLERR or EPOLLHUP unless
 * told FDPOLL=0: a BPF map's fd shows EPOLLERR at once (only ring buffers
 * poll), so BPF objects go unwatched; the FUSE device shows it when its
 * connection is gone, which is when the store should let it go.
 */
static int store(const char *name, int fd, bool watch)
{
	char msg[160];
	int err;

	unstore(name);
	snprintf(msg, sizeof(msg), "FDSTORE=1\nFDNAME=%s%s", name,
		 watch ? "" : "\nFDPOLL=0");
	err = sd_pid_notify_with_fds(0, 0, msg, &fd, 1);
	if (err < 0) {
		log_warn("cannot store fd '%s' with systemd: %s", name,
			 strerror(-err));
		return err;
	}
	return 0;
}

int handover_store_fuse(const struct efs *fs)
{
	struct efs_conn c;
	int err;

	if (!getenv("NOTIFY_SOCKET"))
		return 0;
	err = efs_handover(fs, &c);
	if (err) {
		log_warn("the FUSE connection cannot be kept for a restart: %s",
			 strerror(-err));
		return err;
	}
	err = store(HANDOVER_FUSE_INIT, c.init_fd, true) ?:
	      store(HANDOVER_FUSE, c.dev_fd, true);
	close(c.init_fd);
	return err;
}

static int store_cb(void *arg, const char *name, int fd)
{
	(void)arg;
	return store(name, fd, false);
}

static int unstore_cb(void *arg, const char *name, int fd)
{
	(void)arg;
	(void)fd;
	unstore(name);
	return 0;
}

/* Whether @c holds an object named @name (coll_for_each_kept). */
struct holds {
	const char *name;
	bool found;
};

static int holds_cb(void *arg, const char *name, int fd)
{
	struct holds *w = arg;

	(void)fd;
	if (!strcmp(name, w->name))
		w->found = true;
	return w->found;
}

int handover_store_counts(const struct handover *h, const struct collector *c,
			  const struct keep *kp)
{
	int err = 0;

	if (!getenv("NOTIFY_SOCKET"))
		return 0;
	/* What was received and not taken counts for no one: its programs
	 * would stay attached as long as the store holds them. */
	for (size_t i = 0; i < h->bpf.n; i++) {
		struct holds w = { h->bpf.names[i], false };

		if (c->adopted)
			coll_for_each_kept(c, holds_cb, &w);
		if (!w.found)
			unstore(h->bpf.names[i]);
	}
	if (!c->adopted)
		err = coll_for_each_kept(c, store_cb, NULL);
	if (!err && !kp->resumed)
		err = store(HANDOVER_STATE, kp->fd, false);
	return err;
}

void handover_forget(const struct handover *h, const struct collector *c)
{
	if (!getenv("NOTIFY_SOCKET"))
		return;
	unstore(HANDOVER_FUSE);
	unstore(HANDOVER_FUSE_INIT);
	unstore(HANDOVER_STATE);
	for (size_t i = 0; i < h->bpf.n; i++)
		unstore(h->bpf.names[i]);
	if (c)
		coll_for_each_kept(c, unstore_cb, NULL);
}

/* systemd's own socket when it can be reached (no D-Bus daemon needed),
 * else the system bus. */
static int bus_open(sd_bus **bus)
{
	int err = sd_bus_new(bus);

	if (err < 0)
		return err;
	err = sd_bus_set_address(*bus, SD_PRIVATE);
	if (err >= 0)
		err = sd_bus_start(*bus);
	if (err >= 0)
		return 0;
	*bus = sd_bus_unref(*bus);
	return sd_bus_open_system(bus);
}

bool handover_restart_pending(void)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *m = NULL;
	const char *unit, *job;
	char *type = NULL;
	bool restart = false;
	sd_bus *bus = NULL;
	uint32_t id;
	int err;

	if (!getenv("NOTIFY_SOCKET"))
		return false;
	err = bus_open(&bus);
	if (err < 0)
		goto out;
	err = sd_bus_call_method(bus, SD_DEST, SD_PATH,
				 SD_DEST ".Manager", "GetUnitByPID", &e, &m,
				 "u", (uint32_t)getpid());
	if (err < 0 || (err = sd_bus_message_read(m, "o", &unit)) < 0)
		goto out;
	unit = strdupa(unit);
	m = sd_bus_message_unref(m);
	err = sd_bus_get_property(bus, SD_DEST, unit, SD_DEST ".Unit", "Job",
				  &e, &m, "(uo)");
	if (err < 0 || (err = sd_bus_message_read(m, "(uo)", &id, &job)) < 0)
		goto out;
	if (id == 0) {
		log_info("no job queued for energyd's unit: a stop, the mount goes");
		goto out;
	}
	err = sd_bus_get_property_string(bus, SD_DEST, job, SD_DEST ".Job",
					 "JobType", &e, &type);
	if (err < 0)
		goto out;
	restart = !strcmp(type, "restart") || !strcmp(type, "try-restart");
	log_info("systemd's job for energyd's unit: %s: %s", type,
		 restart ? "the mount stays for the next energyd" :
		 "the mount goes");
out:
	if (err < 0)
		log_warn("cannot ask systemd whether a restart follows (%s): the mount goes",
			 e.message ? e.message : strerror(-err));
	free(type);
	sd_bus_error_free(&e);
	sd_bus_message_unref(m);
	sd_bus_flush_close_unref(bus);
	return restart;
}
