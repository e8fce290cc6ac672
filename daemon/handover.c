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

void handover_collect(struct handover *h)
{
	char **names = NULL;
	int n;

	h->fuse.dev_fd = h->fuse.init_fd = -1;
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
		if (slot && *slot < 0) {
			*slot = fd;
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
}

void handover_fini(struct handover *h)
{
	if (h->fuse.dev_fd >= 0)
		close(h->fuse.dev_fd);
	if (h->fuse.init_fd >= 0)
		close(h->fuse.init_fd);
	h->fuse.dev_fd = h->fuse.init_fd = -1;
}

/* Store @fd under @name, an earlier fd of that name removed first. */
static int store(const char *name, int fd)
{
	char msg[96];
	int err;

	snprintf(msg, sizeof(msg), "FDSTOREREMOVE=1\nFDNAME=%s", name);
	sd_notify(0, msg);
	snprintf(msg, sizeof(msg), "FDSTORE=1\nFDNAME=%s", name);
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
	err = store(HANDOVER_FUSE_INIT, c.init_fd) ?:
	      store(HANDOVER_FUSE, c.dev_fd);
	close(c.init_fd);
	return err;
}

void handover_forget(void)
{
	if (!getenv("NOTIFY_SOCKET"))
		return;
	sd_notify(0, "FDSTOREREMOVE=1\nFDNAME=" HANDOVER_FUSE);
	sd_notify(0, "FDSTOREREMOVE=1\nFDNAME=" HANDOVER_FUSE_INIT);
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
