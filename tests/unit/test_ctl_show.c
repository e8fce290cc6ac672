// SPDX-License-Identifier: GPL-2.0-only
/*
 * energyctl's pure parts: sys's key=value lines, all.json and cgroup.json
 * parsed into snapshots, the power between two snapshots, top's order and
 * text, status's report, the record line between two snapshots, and the
 * parameter messages.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "params.h"
#include "pmsg.h"
#include "rbuf.h"
#include "snap.h"
#include "unit.h"
#include "show.h"

#define COUNTERS(e, cpu, mem)						\
	"\"energy_uj\":" #e ",\"carbon_ng\":0,\"cpu_ns\":" #cpu ",\"mem_bytes\":" #mem \
	",\"instructions\":7,\"wakeups\":3,\"disk_read_bytes\":0,\"disk_write_bytes\":4096," \
	"\"net_rx_packets\":1,\"net_tx_packets\":2,\"net_rx_bytes\":60,\"net_tx_bytes\":80"

#define PROC(pid, start, comm, e, cpu, mem)				\
	"{\"pid\":" #pid ",\"start_ns\":" #start ",\"comm\":\"" comm "\",\"alive\":true," \
	"\"kernel\":false," COUNTERS(e, cpu, mem) ",\"cgroup_id\":42,\"cgroup\":\"/a\"}"

/* An all.json at render time @ts with window at @wt and psys at @psys. */
static char *all_json(unsigned long long ts, unsigned long long wt, unsigned long long psys,
		      const char *sys_counters, const char *procs, const char *cgroups)
{
	char *s = NULL;

	if (asprintf(&s, "{\"schema\":1,\"timestamp_ns\":%llu,\"iterations\":9,"
		     "\"sample_ns\":10000000,\"window_ns\":200000000,\"energy\":{\"source\":\"msr\","
		     "\"basis\":\"psys\",\"measured\":true,\"idle_mw\":3000,\"rapl_uj\":{\"pkg\":5,"
		     "\"psys\":%llu},\"total_uj\":100,\"idle_uj\":10,\"processes_uj\":90,"
		     "\"exited_uj\":0,\"carbon_g_per_kwh\":0,\"carbon_ng\":0,\"idle_carbon_ng\":0,"
		     "\"exited_carbon_ng\":0},\"system\":{%s},\"processes\":[%s],"
		     "\"window\":{\"time_ns\":%llu,\"window_ns\":200000000,\"window_uj\":1000000},"
		     "\"cgroups\":[%s]}\n", ts, psys, sys_counters, procs, wt, cgroups) < 0)
		return NULL;
	return s;
}

static const char *const cg_a =
	"{\"id\":42,\"path\":\"/system.slice/docker-0123456789abcdef0123456789abcdef"
	"0123456789abcdef0123456789abcdef.scope\",\"container\":{\"runtime\":\"docker\","
	"\"id\":\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\","
	"\"pod_uid\":null}," COUNTERS(1000, 5, 6) ",\"procs_alive\":2,\"procs_exited\":1,\"window_uj\":300}";

void test_ctl_snap_kv(void)
{
	const char *sys = "processes_uj=77\nprocesses=12\ncapacity=40960\nversion=0.1\nx=";
	char buf[16];
	__u64 v = 0;

	ASSERT_EQ(snap_kv_u64(sys, "processes", &v), 0, "processes found");
	ASSERT_EQ(v, 12, "processes, not processes_uj");
	ASSERT_EQ(snap_kv_u64(sys, "processes_uj", &v), 0, "processes_uj");
	ASSERT_EQ(v, 77, "processes_uj's value");
	ASSERT_EQ(snap_kv(sys, "version", buf, sizeof(buf)), 0, "version");
	ASSERT_STREQ(buf, "0.1", "version's value");
	ASSERT_EQ(snap_kv(sys, "capacit", buf, sizeof(buf)), -ENOENT, "a prefix is no key");
	ASSERT_EQ(snap_kv(sys, "capacity", buf, 3), -ENOSPC, "too small a buffer");
	ASSERT_EQ(snap_kv_u64(sys, "version", &v), -EINVAL, "not a number");
	ASSERT_EQ(snap_kv_u64(sys, "x", &v), -EINVAL, "an empty value is not a number");
	ASSERT_EQ(snap_kv_u64(sys, "y", &v), -ENOENT, "no such key");
}

void test_ctl_snap_parse(void)
{
	char *t = all_json(5000000000ULL, 4900000000ULL, 123456, COUNTERS(777, 999, 4096),
			   PROC(10, 1, "caf\\u00e9", 50, 60, 70) "," PROC(11, 2, "b", 1, 2, 3),
			   cg_a);
	char why[200] = "";
	struct snap s;
	__u64 uj = 0;

	ASSERT_TRUE(t, "fixture");
	if (!ASSERT_EQ(snap_parse(t, true, &s, why, sizeof(why)), 0, why))
		goto out;
	ASSERT_EQ(s.timestamp_ns, 5000000000ULL, "timestamp_ns");
	ASSERT_STREQ(s.source, "msr", "source");
	ASSERT_STREQ(s.basis, "psys", "basis");
	ASSERT_TRUE(s.measured, "measured");
	ASSERT_EQ(s.idle_mw, 3000, "idle_mw");
	ASSERT_TRUE(s.rapl_has[0] && !s.rapl_has[1] && s.rapl_has[4], "domains pkg and psys");
	ASSERT_TRUE(snap_measured_uj(&s, &uj), "measured energy");
	ASSERT_EQ(uj, 123456, "psys is the basis");
	ASSERT_EQ(s.system.energy_uj, 777, "system energy");
	ASSERT_EQ(s.system.disk_write_bytes, 4096, "system disko");
	ASSERT_EQ(s.nprocs, 2, "two processes");
	ASSERT_STREQ(s.procs[0].comm, "caf\xc3\xa9", "comm unescaped to UTF-8");
	ASSERT_EQ(s.procs[1].c.mem_bytes, 3, "second process's memory");
	ASSERT_TRUE(s.have_window && s.win_uj == 1000000, "window");
	ASSERT_EQ(s.ncgroups, 1, "one cgroup");
	ASSERT_STREQ(s.cgroups[0].container, "docker:0123456789ab", "container id, shortened");
	snap_free(&s);
	free(t);

	/* A member missing is named; a schema not 1 is refused. */
	t = strdup("{\"schema\":2,\"window\":null,\"cgroup\":null}");
	ASSERT_EQ(snap_parse(t, false, &s, why, sizeof(why)), -EINVAL, "no processes");
	ASSERT_STREQ(why, "processes: missing", "named");
	free(t);
	t = strdup("{\"schema\":1,\"window\":null,\"cgroup\":null,\"processes\":[]}");
	ASSERT_EQ(snap_parse(t, false, &s, why, sizeof(why)), -EINVAL, "cgroup.json of schema 1");
	ASSERT_STREQ(why, "schema: is not 2", "schema named");
	free(t);
	t = strdup("{\"schema\":2,\"window\":null,\"cgroup\":null,\"processes\":[{\"pid\":\"x\"}]}");
	ASSERT_EQ(snap_parse(t, false, &s, why, sizeof(why)), -EINVAL, "pid a string");
	ASSERT_STREQ(why, "pid: has the wrong type", "type named");
	free(t);
	t = strdup("{\"schema\":1,");
	ASSERT_EQ(snap_parse(t, false, &s, why, sizeof(why)), -EINVAL, "torn JSON");
	ASSERT_TRUE(!strncmp(why, "not a JSON object", 17), why);
	free(t);
	/* Before the first window: no window, no own cgroup, no error. */
	t = strdup("{\"schema\":2,\"window\":null,\"cgroup\":null,\"processes\":[]}");
	ASSERT_EQ(snap_parse(t, false, &s, why, sizeof(why)), 0, "empty cgroup.json");
	ASSERT_TRUE(!s.have_window && !s.have_own && !s.nprocs, "nothing yet");
	snap_free(&s);
out:
	free(t);
}

void test_ctl_top_rows(void)
{
	/* 200 ms of windows between the reads: process 10 got 400000 µJ
	 * (2 W) and 100 ms of CPU over 250 ms of render time (40 %);
	 * process 11 got 100000 µJ (0.5 W) and 200 ms (80 %); process 12 is
	 * new with 20000 µJ (0.1 W); the machine 600000 µJ (3 W). */
	char *a = all_json(1000000000ULL, 900000000ULL, 0, COUNTERS(1000000, 0, 0),
			   PROC(10, 1, "ten", 100000, 0, 5) "," PROC(11, 2, "eleven", 0, 0, 9),
			   cg_a);
	char *b = all_json(1250000000ULL, 1100000000ULL, 0, COUNTERS(1600000, 0, 0),
			   PROC(10, 1, "ten", 500000, 100000000, 5) ","
			   PROC(11, 2, "eleven", 100000, 200000000, 9) ","
			   PROC(12, 3, "alpha", 20000, 0, 1), cg_a);
	struct snap s0, s1;
	struct top_head h;
	struct top_row *r = NULL;
	struct rbuf txt = {};
	char why[200];

	if (!ASSERT_EQ(snap_parse(a, true, &s0, why, sizeof(why)), 0, why) ||
	    !ASSERT_EQ(snap_parse(b, true, &s1, why, sizeof(why)), 0, why))
		goto out;
	r = view_top_rows(&s0, &s1, false, &h);
	if (!ASSERT_TRUE(r, "rows"))
		goto out;
	ASSERT_EQ(h.n, 3, "three processes");
	ASSERT_EQ(h.mw, 3000, "machine 3 W");
	ASSERT_EQ(h.idle_mw, 3000, "idle");
	view_top_sort(r, h.n, SORT_POWER);
	ASSERT_EQ(r[0].pid, 10, "ten first by power");
	ASSERT_EQ(r[0].mw, 2000, "ten: 2 W");
	ASSERT_EQ(r[0].cpu_permille, 400, "ten: 40 % CPU");
	ASSERT_EQ(r[1].mw, 500, "eleven: 0.5 W");
	ASSERT_EQ(r[2].mw, 100, "a new process counts from 0");
	view_top_sort(r, h.n, SORT_CPU);
	ASSERT_EQ(r[0].pid, 11, "eleven first by CPU");
	ASSERT_EQ(r[0].cpu_permille, 800, "eleven: 80 %");
	view_top_sort(r, h.n, SORT_MEM);
	ASSERT_EQ(r[0].pid, 11, "eleven first by memory");
	view_top_sort(r, h.n, SORT_NAME);
	ASSERT_STREQ(r[0].name, "alpha", "alpha first by name");
	view_top_header(&txt, &h, false, SORT_NAME);
	view_top_lines(&txt, r, h.n, false, 2, 0);
	ASSERT_TRUE(strstr(txt.data, "machine 3.000 W, idle 3.000 W, measured (msr)"), txt.data);
	ASSERT_TRUE(strstr(txt.data, "sorted by name"), "sort named");
	ASSERT_TRUE(strstr(txt.data, "      12      0.100    0.0          0  alpha\n"), txt.data);
	ASSERT_TRUE(!strstr(txt.data, "ten\n"), "at most 2 rows");
	free(r);
	rbuf_free(&txt);

	r = view_top_rows(&s0, &s1, true, &h);
	if (!ASSERT_TRUE(r, "cgroup rows"))
		goto out;
	ASSERT_EQ(h.n, 1, "one cgroup");
	ASSERT_EQ(r[0].mw, 0, "its energy did not move");
	ASSERT_STREQ(r[0].container, "docker:0123456789ab", "its container");
	view_top_json(&txt, &h, r, h.n, true);
	ASSERT_TRUE(strstr(txt.data, "\"container\":\"docker:0123456789ab\""), txt.data);
	ASSERT_TRUE(strstr(txt.data, "\"power_mw\":3000"), "machine power in the JSON");
out:
	free(r);
	rbuf_free(&txt);
	snap_free(&s0);
	snap_free(&s1);
	free(a);
	free(b);
}

void test_ctl_status_report(void)
{
	const char *sys = "processes=12\ncapacity=40960\ndropped_procs=3\nlate_samples=4\n"
			  "model_error_pct=12.34\nmodel_error_windows=64\nversion=0.1\n";
	char *a = all_json(1, 1, 5, COUNTERS(1, 1, 1), "", "");
	const char *cg = "{\"schema\":2,\"window\":{\"time_ns\":5,\"window_ns\":200000000},"
		"\"cgroup\":{\"id\":7,\"path\":\"/c\",\"container\":null,"
		COUNTERS(2500000, 1500000000, 0) ",\"procs_alive\":1,\"procs_exited\":2,"
		"\"window_uj\":400000},"
		"\"processes\":[" PROC(1, 1, "init", 2500000, 1500000000, 0) "],"
		"\"others\":{\"processes\":3," COUNTERS(700000, 2000000000, 0) "}}";
	struct status_in in = { .sys = sys, .have_uptime = true, .uptime_s = 3723 };
	struct rbuf b = {};
	struct snap s;
	char why[200];

	if (!ASSERT_EQ(snap_parse(a, true, &s, why, sizeof(why)), 0, why))
		goto out;
	in.s = &s;
	view_status(&b, &in, false);
	ASSERT_TRUE(strstr(b.data, "energy:       msr, measured (psys)\n"), b.data);
	ASSERT_TRUE(strstr(b.data, "domains:      pkg psys\n"), "domains");
	ASSERT_TRUE(strstr(b.data, "power:        5.000 W over the last window\n"), "1 J in 200 ms");
	ASSERT_TRUE(strstr(b.data, "idle:         3.000 W\n"), "idle");
	ASSERT_TRUE(strstr(b.data, "processes:    12 tracked, 40960 slots\n"), "tracked");
	ASSERT_TRUE(strstr(b.data, "dropped:      3 processes"), "dropped");
	ASSERT_TRUE(strstr(b.data, "late samples: 4\n"), "late");
	ASSERT_TRUE(strstr(b.data, "model error:  12.34 % over the last 64 windows\n"),
		    "the model's error");
	ASSERT_TRUE(strstr(b.data, "uptime:       1h02m03s\n"), "uptime");
	rbuf_free(&b);
	view_status(&b, &in, true);
	ASSERT_TRUE(strstr(b.data, "\"power_mw\":5000"), b.data);
	ASSERT_TRUE(strstr(b.data, "\"domains\":[\"pkg\",\"psys\"]"), "domains in JSON");
	ASSERT_TRUE(strstr(b.data, "\"uptime_s\":3723"), "uptime in JSON");
	ASSERT_TRUE(strstr(b.data, "\"model_error_pct\":12.34,"), b.data);
	rbuf_free(&b);
	snap_free(&s);

	if (!ASSERT_EQ(snap_parse(cg, false, &s, why, sizeof(why)), 0, why))
		goto out;
	in.sys = NULL;
	view_status(&b, &in, false);
	ASSERT_TRUE(strstr(b.data, "cgroup:       /c\n"), b.data);
	ASSERT_TRUE(strstr(b.data, "energy:       2.500000 J in total\n"), "own energy");
	ASSERT_TRUE(strstr(b.data, "processes:    1 alive, 2 exited\n"), "own processes");
	ASSERT_TRUE(strstr(b.data, "       1       2.500000        1.500  init\n"), "a process");
	ASSERT_TRUE(strstr(b.data, "       -       0.700000        2.000  *others* (3 of other users)\n"),
		    "the others, summed");
	ASSERT_TRUE(strstr(b.data, "power:        2.000 W over the last window\n"),
		    "its own power: 0.4 J in 200 ms");
	ASSERT_TRUE(!strstr(b.data, "idle") && !strstr(b.data, "domains"), "no host data");
	rbuf_free(&b);
	view_status(&b, &in, true);
	ASSERT_TRUE(strstr(b.data, "\"view\":\"cgroup\""), b.data);
	ASSERT_TRUE(strstr(b.data, "\"power_mw\":2000"), "its own power in the JSON");
	ASSERT_TRUE(strstr(b.data, "\"others\":{\"processes\":3,\"energy_uj\":700000,"), b.data);
	snap_free(&s);
out:
	rbuf_free(&b);
	free(a);
}

void test_ctl_record_line(void)
{
	char *a = all_json(1000000000ULL, 1, 1000, COUNTERS(0, 100, 2000000000), "", "");
	char *b = all_json(1500000000ULL, 1, 3500, COUNTERS(0, 400, 2000000000), "", "");
	struct model_record r, back;
	struct snap s0, s1;
	char why[200], line[512];
	int n;

	if (!ASSERT_EQ(snap_parse(a, true, &s0, why, sizeof(why)), 0, why) ||
	    !ASSERT_EQ(snap_parse(b, true, &s1, why, sizeof(why)), 0, why))
		goto out;
	ASSERT_EQ(snap_record(&s0, &s1, &r), 0, "a record");
	ASSERT_EQ(r.window_ns, 500000000, "500 ms");
	ASSERT_EQ(r.energy_uj, 2500, "psys moved 2500 µJ");
	ASSERT_EQ(r.x[M_CPU_NS], 300, "cpu increase");
	ASSERT_EQ(r.x[M_MEM_BYTES], 1000000000, "2 GB for half a second");
	ASSERT_EQ(r.x[M_DISK_WRITE_BYTES], 0, "disko did not move");
	n = model_record_format(line, sizeof(line), &r);
	ASSERT_TRUE(n > 0 && line[n - 1] == '\n', "a line");
	line[n - 1] = '\0';
	ASSERT_EQ(model_record_parse(line, &back), 0, "energyctl train's parser takes it");
	ASSERT_EQ(back.energy_uj, 2500, "read back");
	ASSERT_EQ(snap_record(&s1, &s0, &r), -EINVAL, "time going back");
	s1.measured = false;
	ASSERT_EQ(snap_record(&s0, &s1, &r), -EINVAL, "not measured");
out:
	snap_free(&s0);
	snap_free(&s1);
	free(a);
	free(b);
}

void test_ctl_param_messages(void)
{
	__u64 cur[P_MAX] = { [P_SAMPLE_NS] = 10000000, [P_WINDOW_NS] = 200000000 };
	__u64 want[P_MAX] = {};
	bool set[P_MAX] = {};
	int order[P_MAX];
	char m[400];

	pmsg_refused(m, sizeof(m), P_W_CPU_NS, "abc", cur);
	ASSERT_STREQ(m, "w_cpu_ns: 'abc' is not a number of weight units; allowed: 0..1000000000000000 weight units",
		     "not a number, with the range");
	pmsg_refused(m, sizeof(m), P_IDLE_MW, "10000001", cur);
	ASSERT_STREQ(m, "idle_mw: '10000001' is out of range (0..10000000); allowed: 0..10000000 milliwatts",
		     "out of range");
	pmsg_refused(m, sizeof(m), P_SAMPLE_NS, "300000000", cur);
	ASSERT_TRUE(strstr(m, "longer than window_ns (200000000)"), m);

	set[P_SAMPLE_NS] = set[P_WINDOW_NS] = set[P_W_CPU_NS] = true;
	want[P_SAMPLE_NS] = 300000000;
	want[P_WINDOW_NS] = 400000000;
	ASSERT_EQ(pmsg_order(set, want, cur, order), 3, "three");
	ASSERT_EQ(order[0], P_W_CPU_NS, "the weight first");
	ASSERT_EQ(order[1], P_WINDOW_NS, "a growing window before sample_ns");
	ASSERT_EQ(order[2], P_SAMPLE_NS, "then sample_ns");
	want[P_SAMPLE_NS] = 1000000;
	want[P_WINDOW_NS] = 2000000;
	ASSERT_EQ(pmsg_order(set, want, cur, order), 3, "three");
	ASSERT_EQ(order[1], P_SAMPLE_NS, "a shrinking window after sample_ns");
	ASSERT_EQ(order[2], P_WINDOW_NS, "window last");
}

/* apply --persist: the configuration's other lines kept as they are, a
 * parameter's line rewritten in place and its repeat dropped, the ones the
 * file lacked added at its end; a file not there yet gets them alone. */
void test_ctl_persist(void)
{
	const char *old = "# site\nmountpoint = /run/energy\n  w_cpu_ns=1 # old\n"
			  "listen = 9101\nw_cpu_ns = 2\nidle_mw_x = 3\n";
	__u64 want[P_MAX] = { [P_W_CPU_NS] = 5000, [P_IDLE_MW] = 1500 };
	bool set[P_MAX] = { [P_W_CPU_NS] = true, [P_IDLE_MW] = true };
	struct rbuf b = {};

	pmsg_persist(old, set, want, "w.conf", &b);
	ASSERT_STREQ(b.data, "# site\nmountpoint = /run/energy\nw_cpu_ns = 5000\n"
		     "listen = 9101\nidle_mw_x = 3\n\n# energyctl apply w.conf\nidle_mw = 1500\n",
		     "merged");
	rbuf_free(&b);
	pmsg_persist(NULL, set, want, "w.conf", &b);
	ASSERT_STREQ(b.data, "# energyctl apply w.conf\nw_cpu_ns = 5000\nidle_mw = 1500\n",
		     "a new file");
	rbuf_free(&b);
}
