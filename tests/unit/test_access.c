// SPDX-License-Identifier: GPL-2.0-only
/* Who may open and access(2) what in the mount (fuse/access.c). */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

#include "access.h"
#include "unit.h"

void test_access_rules(void)
{
	const mode_t file = S_IFREG | 0444, dir = S_IFDIR | 0555;

	/* open */
	ASSERT_EQ(access_open(ACC_ANYONE, false, O_RDONLY), 0, "cgroup: anyone reads");
	ASSERT_EQ(access_open(ACC_ANYONE, true, O_WRONLY), -EACCES, "cgroup: no one writes");
	ASSERT_EQ(access_open(ACC_ANYONE, true, O_RDWR), -EACCES, "cgroup: nor O_RDWR");
	ASSERT_EQ(access_open(ACC_ANYONE, true, O_RDONLY | O_TRUNC), -EACCES,
		  "cgroup: nor O_RDONLY | O_TRUNC");
	ASSERT_EQ(access_open(ACC_PRIVILEGED, true, O_RDONLY | O_TRUNC), -EACCES,
		  "all: O_TRUNC is a write");
	ASSERT_EQ(access_open(ACC_PARAM, true, O_WRONLY | O_TRUNC), 0,
		  "params: echo v > params/x");
	ASSERT_EQ(access_open(ACC_PARAM, false, O_RDONLY | O_TRUNC), -EACCES,
		  "params: others do not truncate");
	ASSERT_EQ(access_open(ACC_PRIVILEGED, false, O_RDONLY), -EACCES, "all: not for others");
	ASSERT_EQ(access_open(ACC_PRIVILEGED, true, O_RDONLY), 0, "all: the privileged read");
	ASSERT_EQ(access_open(ACC_PRIVILEGED, true, O_WRONLY), -EACCES, "all: no one writes");
	ASSERT_EQ(access_open(ACC_PARAM, false, O_RDONLY), 0, "params: anyone reads");
	ASSERT_EQ(access_open(ACC_PARAM, false, O_WRONLY), -EACCES, "params: others do not write");
	ASSERT_EQ(access_open(ACC_PARAM, true, O_RDWR), 0, "params: the privileged write");

	/* access(2) */
	ASSERT_EQ(access_check(ACC_ANYONE, file, false, F_OK), 0, "F_OK");
	ASSERT_EQ(access_check(ACC_ANYONE, file, false, R_OK), 0, "cgroup R_OK");
	ASSERT_EQ(access_check(ACC_ANYONE, file, true, W_OK), -EACCES, "cgroup W_OK, even privileged");
	ASSERT_EQ(access_check(ACC_ANYONE, file, true, X_OK), -EACCES, "no file runs");
	ASSERT_EQ(access_check(ACC_PRIVILEGED, S_IFREG | 0400, false, R_OK), -EACCES,
		  "sys R_OK for others");
	ASSERT_EQ(access_check(ACC_PRIVILEGED, S_IFREG | 0400, true, R_OK), 0,
		  "sys R_OK privileged");
	ASSERT_EQ(access_check(ACC_PARAM, S_IFREG | 0644, false, W_OK), -EACCES,
		  "params W_OK for others");
	ASSERT_EQ(access_check(ACC_PARAM, S_IFREG | 0644, false, R_OK | W_OK), -EACCES,
		  "params R_OK|W_OK for others");
	ASSERT_EQ(access_check(ACC_PARAM, S_IFREG | 0644, true, R_OK | W_OK), 0,
		  "params R_OK|W_OK privileged");
	ASSERT_EQ(access_check(ACC_ANYONE, dir, false, R_OK | X_OK), 0, "a directory is searched");
	ASSERT_EQ(access_check(ACC_ANYONE, dir, true, W_OK), -EACCES, "and never written");
}
