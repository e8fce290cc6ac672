// SPDX-License-Identifier: GPL-2.0-only
#include "format.h"
#include "unit.h"

void test_format_line(void)
{
	struct energy_proc rec = {
		.c = {
			.cpu_ns = 285931257, .instructions = 8952846,
			.wakeups = 14, .disk_read_bytes = 4096,
			.disk_write_bytes = 8192, .rx_packets = 22,
			.tx_packets = 17,
		},
		.mem_bytes = 10485760,
		.comm = "python3",
	};
	char buf[256];
	int n;

	n = format_proc_line(buf, sizeof(buf), 3187, 12457, &rec, NULL);
	ASSERT_STREQ(buf, "pid=3187 energy=12.457 alive=1 kernel=0 cpu_ns=285931257 mem=10485760 instructions=8952846 wakeups=14 diski=4096 disko=8192 rx=22 tx=17 comm=python3\n",
		     "line as the original's");
	ASSERT_EQ(n, strlen(buf), "returned length");

	rec.flags = ENERGY_F_EXITED | ENERGY_F_KTHREAD;
	format_proc_line(buf, sizeof(buf), 7, 0, &rec, NULL);
	ASSERT_TRUE(strstr(buf, " energy=0.000 alive=0 kernel=1 "), "flags");
}

void test_format_comm_control_chars(void)
{
	struct energy_proc rec = {};
	char buf[256];

	/* A full 16-byte comm without terminator, with a newline and tab. */
	memcpy(rec.comm, "ab\ncd\tef0123456", ENERGY_COMM_LEN);
	format_proc_line(buf, sizeof(buf), 1, 0, &rec, NULL);
	ASSERT_TRUE(strstr(buf, " comm=ab?cd?ef0123456\n"), buf);
	ASSERT_TRUE(strchr(buf, '\n') == buf + strlen(buf) - 1, "one line");
}

void test_format_energy_decimals(void)
{
	struct energy_proc rec = {};
	char buf[256];

	format_proc_line(buf, sizeof(buf), 1, 5, &rec, NULL);
	ASSERT_TRUE(strstr(buf, " energy=0.005 "), buf);
	format_proc_line(buf, sizeof(buf), 1, 18446744073709551615ULL, &rec, NULL);
	ASSERT_TRUE(strstr(buf, " energy=18446744073709551.615 "), buf);
}
