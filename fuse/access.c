// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

#include "access.h"

int access_open(enum access_rule rule, bool privileged, int flags)
{
	/* O_TRUNC comes with the open (atomic_o_trunc): a write, whatever
	 * the access mode says. */
	bool write = (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC);

	switch (rule) {
	case ACC_PRIVILEGED:
		return !write && privileged ? 0 : -EACCES;
	case ACC_PARAM:
		return !write || privileged ? 0 : -EACCES;
	default:
		return write ? -EACCES : 0;
	}
}

int access_check(enum access_rule rule, mode_t mode, bool privileged,
		 int mask)
{
	if (S_ISDIR(mode))
		return mask & W_OK ? -EACCES : 0;
	if (mask & X_OK)
		return -EACCES;
	if ((mask & R_OK) && access_open(rule, privileged, O_RDONLY))
		return -EACCES;
	if ((mask & W_OK) && access_open(rule, privileged, O_WRONLY))
		return -EACCES;
	return 0;
}
