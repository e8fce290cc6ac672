// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <stdlib.h>

#include "metrics.h"
#include "unit.h"

/* A node measuring pkg and dram, one window with two cgroups. */
static struct window_snap *snap_two(void)
{
	struct window_snap *w = calloc(1, sizeof(*w));
	static struct window_cgroup cg[2] = {
		{ .id = 11, .path = "/system.slice/a\"b\\c\nd.service",
		  .c = { .cpu_ns = 1500000000, .disk_read_bytes = 4096,
			 .disk_write_bytes = 8192, .rx_packets = 3,
			 .tx_packets = 4, .wakeups = 5 },
		  .mem_bytes = 1048576, .energy_uj = 2500001,
		  .procs_alive = 2, .procs_exited = 1 },
		{ .id = 12, .path = NULL, .c = { .cpu_ns = 7 } },
	};

	w->window_ns = 2000000000;
	w->window_uj = 30000000;
	w->ncg = 2;
	w->cg = cg;
	return w;
}

static struct metrics_in in_of(const struct view_totals *tot,
			       const struct window_snap *w)
{
	return (struct metrics_in){
		.tot = tot, .win = w,
		.rapl_domains = 1U << RAPL_PKG | 1U << RAPL_DRAM,
		.source = "msr", .basis = "pkg+dram", .measured = true,
		.idle_mw = 4500, .processes = 9, .capacity = 64,
		.stats = { 1, 2, 3, 4 }, .iterations = 100,
		.sample_cost_ns = 1234567, .version = "0.1",
	};
}

/* Every sample's family was announced with HELP and TYPE before it, names
 * are legal, each line ends in a number. */
static void check_exposition(const char *text)
{
	char fam[128] = "";
	bool help = false;

	for (const char *l = text; *l; ) {
		const char *eol = strchr(l, '\n');
		char name[128];
		size_t n;

		ASSERT_TRUE(eol, "every line ends in a newline");
		if (!eol)
			return;
		if (!strncmp(l, "# HELP ", 7)) {
			sscanf(l + 7, "%127s", fam);
			help = true;
		} else if (!strncmp(l, "# TYPE ", 7)) {
			sscanf(l + 7, "%127s", name);
			ASSERT_TRUE(help && !strcmp(name, fam), "TYPE after its HELP");
		} else {
			n = strspn(l, "abcdefghijklmnopqrstuvwxyz_:0123456789");
			ASSERT_TRUE(n > 0 && n < sizeof(name), "sample name");
			memcpy(name, l, n);
			name[n] = '\0';
			ASSERT_STREQ(name, fam, "sample in the family announced");
			ASSERT_TRUE(strchr("0123456789", eol[-1]), "value last");
			help = false;
		}
		l = eol + 1;
	}
}

void test_metrics_render(void)
{
	struct view_totals tot = {
		.rapl_uj = { [RAPL_PKG] = 40000000, [RAPL_DRAM] = 2000001 },
		.at = { .total_uj = 42000001, .idle_uj = 9000000 },
	};
	struct window_snap *w = snap_two();
	struct metrics_in in = in_of(&tot, w);
	struct rbuf b = {};

	metrics_render(&b, &in);
	ASSERT_TRUE(b.len > 0 && b.data[b.len] == '\0', "rendered");
	check_exposition(b.data);
	ASSERT_TRUE(strstr(b.data, "\nenergyd_node_energy_joules_total{domain=\"pkg\"} 40.000000\n"), "pkg");
	ASSERT_TRUE(strstr(b.data, "\nenergyd_node_energy_joules_total{domain=\"dram\"} 2.000001\n"), "dram");
	ASSERT_TRUE(!strstr(b.data, "domain=\"core\""), "only domains measured");
	ASSERT_TRUE(strstr(b.data, "\nenergyd_node_idle_energy_joules_total 9.000000\n"), "idle");
	ASSERT_TRUE(strstr(b.data, "\nenergyd_node_power_watts 15.000000\n"), "30 J in 2 s");
	ASSERT_TRUE(strstr(b.data, "\nenergyd_node_idle_power_watts 4.500\n"), "idle power");
	ASSERT_TRUE(strstr(b.data, "energyd_node_energy_measured{source=\"msr\",basis=\"pkg+dram\"} 1\n"), "measured");
	ASSERT_TRUE(strstr(b.data, "\nenergyd_cgroup_cpu_seconds_total{cgroup=\"/system.slice/a\\\"b\\\\c\\nd.service\"} 1.500000000\n"),
		    "path escaped as a label value");
	ASSERT_TRUE(strstr(b.data, "\nenergyd_cgroup_energy_joules_total{cgroup=\"/system.slice/a\\\"b\\\\c\\nd.service\"} 2.500001\n"), "energy");
	ASSERT_TRUE(strstr(b.data, "\nenergyd_cgroup_memory_bytes{cgroup=\"/system.slice/a\\\"b\\\\c\\nd.service\"} 1048576\n"), "memory");
	ASSERT_TRUE(strstr(b.data, "\nenergyd_cgroup_cpu_seconds_total{cgroup=\"id:12\"} 0.000000007\n"), "unknown path by id");
	ASSERT_TRUE(strstr(b.data, "\nenergyd_dropped_events_total{kind=\"pmu_read\"} 4\n"), "drops");
	ASSERT_TRUE(strstr(b.data, "\nenergyd_last_sample_duration_seconds 0.001234567\n"), "sample cost");
	ASSERT_TRUE(strstr(b.data, "\nenergyd_build_info{version=\"0.1\"} 1\n"), "build info");
	rbuf_free(&b);
	free(w);
}

void test_metrics_model_no_window(void)
{
	struct view_totals tot = { .at = { .total_uj = 5 } };
	struct metrics_in in = in_of(&tot, NULL);
	struct rbuf b = {};

	in.measured = false;
	in.rapl_domains = 0;
	in.source = "model";
	in.basis = "none";
	metrics_render(&b, &in);
	check_exposition(b.data);
	ASSERT_TRUE(strstr(b.data, "\nenergyd_node_energy_joules_total{domain=\"model\"} 0.000005\n"), "model");
	ASSERT_TRUE(strstr(b.data, "\nenergyd_node_power_watts 0\n") ||
		    strstr(b.data, "\nenergyd_node_power_watts 0.000000\n"), "no window yet");
	ASSERT_TRUE(!strstr(b.data, "energyd_cgroup_cpu_seconds_total{"), "no cgroup yet");
	ASSERT_TRUE(strstr(b.data, "# TYPE energyd_cgroup_cpu_seconds_total counter\n"), "families still announced");
	rbuf_free(&b);
}

void test_metrics_label(void)
{
	struct rbuf b = {};

	metrics_label(&b, "a\"\\\n\t\x7f" "b");
	ASSERT_STREQ(b.data, "a\\\"\\\\\\n??b", "escaped");
	rbuf_free(&b);
}

void test_window_cgroup_of(void)
{
	struct window_cgroup cg[] = { { .id = 3 }, { .id = 8 }, { .id = 20 } };
	struct window_snap w = { .ncg = 3, .cg = cg };

	ASSERT_TRUE(window_cgroup_of(&w, 3) == &cg[0], "first");
	ASSERT_TRUE(window_cgroup_of(&w, 8) == &cg[1], "middle");
	ASSERT_TRUE(window_cgroup_of(&w, 20) == &cg[2], "last");
	ASSERT_TRUE(!window_cgroup_of(&w, 5) && !window_cgroup_of(&w, 21) &&
		    !window_cgroup_of(&w, 0), "absent");
	ASSERT_TRUE(!window_cgroup_of(NULL, 3), "no window");
}

/* A cgroup's energy in a window: since the window before; all of it for
 * a new one or the first window; never below 0 (a total that fell). */
void test_window_cgroups_since(void)
{
	struct window_cgroup was[] = { { .id = 3, .energy_uj = 100 },
				       { .id = 8, .energy_uj = 900 } };
	struct window_cgroup now[] = { { .id = 3, .energy_uj = 130 },
				       { .id = 5, .energy_uj = 40 },
				       { .id = 8, .energy_uj = 800 } };
	struct window_snap prev = { .ncg = 2, .cg = was }, w = { .ncg = 3, .cg = now };

	window_cgroups_since(&w, &prev);
	ASSERT_EQ(now[0].window_uj, 30, "130 - 100");
	ASSERT_EQ(now[1].window_uj, 40, "new: all of it");
	ASSERT_EQ(now[2].window_uj, 0, "a total that fell: 0");
	window_cgroups_since(&w, NULL);
	ASSERT_EQ(now[0].window_uj, 130, "first window: all of it");
}

/* The window of snap_two() with five processes in cgroup 11. */
static struct window_snap *snap_procs(void)
{
	static const __u64 uj[5] = { 300, 5000000, 20, 1000000, 4000 };
	struct window_snap *w = snap_two();

	w = realloc(w, sizeof(*w) + 5 * sizeof(w->e[0]));
	w->n = 5;
	for (int i = 0; i < 5; i++) {
		w->e[i] = (struct window_entry){
			.rec = { .key = { .tgid = 100 + i }, .cgroup_id = 11,
				 .c.cpu_ns = 1000000000ULL * (i + 1),
				 .mem_bytes = 4096 },
			.energy_uj = uj[i],
		};
		snprintf(w->e[i].rec.comm, ENERGY_COMM_LEN, "p%d", i);
	}
	memcpy(w->e[2].rec.comm, "0123456789abcdef", ENERGY_COMM_LEN);
	w->e[4].rec.flags = ENERGY_F_EXITED;
	return w;
}

void test_metrics_top_processes(void)
{
	struct view_totals tot = {};
	struct window_snap *w = snap_procs();
	struct metrics_in in = in_of(&tot, w);
	struct rbuf b = {};
	const char *a, *c;

	metrics_render(&b, &in);
	ASSERT_TRUE(!strstr(b.data, "energyd_process_energy") && !strstr(b.data, "rest"), "none unless asked");
	rbuf_free(&b);

	in.top_processes = 3;
	metrics_render(&b, &in);
	check_exposition(b.data);
	a = strstr(b.data, "\nenergyd_process_energy_joules_total{pid=\"101\",comm=\"p1\",cgroup=\"/system.slice/a\\\"b\\\\c\\nd.service\"} 5.000000\n");
	c = strstr(b.data, "\nenergyd_process_energy_joules_total{pid=\"103\",comm=\"p3\",");
	ASSERT_TRUE(a && c && a < c, "the highest first");
	ASSERT_TRUE(strstr(b.data, "\nenergyd_process_energy_joules_total{pid=\"104\",comm=\"p4\","), "third");
	ASSERT_TRUE(!strstr(b.data, "pid=\"100\"") && !strstr(b.data, "pid=\"102\""), "only three");
	ASSERT_TRUE(strstr(b.data, "\nenergyd_processes_rest_energy_joules 0.000320\n"), "the rest summed");
	ASSERT_TRUE(strstr(b.data, "\nenergyd_processes_rest_cpu_seconds 4.000000000\n"), "their CPU");
	ASSERT_TRUE(strstr(b.data, "\nenergyd_process_memory_bytes{pid=\"104\",comm=\"p4\",cgroup=\"/system.slice/a\\\"b\\\\c\\nd.service\"} 0\n"),
		    "an exited process holds no memory");
	rbuf_free(&b);

	in.top_processes = 10;
	metrics_render(&b, &in);
	check_exposition(b.data);
	ASSERT_TRUE(strstr(b.data, "pid=\"102\",comm=\"0123456789abcdef\",cgroup="), "a full comm");
	ASSERT_TRUE(strstr(b.data, "\nenergyd_processes_rest_energy_joules 0.000000\n"), "no rest");
	rbuf_free(&b);
	free(w);
}

void test_metrics_container_labels(void)
{
	static struct window_cgroup cg[] = {
		{ .id = 1, .path = "/system.slice/docker-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope",
		  .c.cpu_ns = 1 },
		{ .id = 2, .path = "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1b2c3d4e_5f60_4a7b_8c9d_0e1f2a3b4c5d.slice/cri-containerd-fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210.scope",
		  .c.cpu_ns = 2 },
		{ .id = 3, .path = "/user.slice", .c.cpu_ns = 3 },
	};
	struct window_snap w = { .ncg = 3, .cg = cg };
	struct view_totals tot = {};
	struct metrics_in in = in_of(&tot, &w);
	struct rbuf b = {};

	metrics_render(&b, &in);
	check_exposition(b.data);
	ASSERT_TRUE(strstr(b.data, "docker-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope\",container_id=\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"} 0.000000001\n"),
		    "docker container id");
	ASSERT_TRUE(strstr(b.data, ".scope\",container_id=\"fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210\",pod_uid=\"1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d\"} 0.000000002\n"),
		    "pod and container");
	ASSERT_TRUE(strstr(b.data, "\nenergyd_cgroup_cpu_seconds_total{cgroup=\"/user.slice\"} 0.000000003\n"),
		    "no container, no label");
	rbuf_free(&b);
}
