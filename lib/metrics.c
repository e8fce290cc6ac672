// SPDX-License-Identifier: GPL-2.0-only
#include <stdlib.h>
#include <string.h>

#include "container.h"
#include "metrics.h"

/* HELP and TYPE of a family. */
static void family(struct rbuf *b, const char *name, const char *type,
		   const char *help)
{
	rbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A value in base units from an integer count of 10^-@exp of them. */
static void value(struct rbuf *b, __u64 v, unsigned int exp)
{
	static const __u64 pow10[] = { 1, 10, 100, 1000, 10000, 100000,
				       1000000, 10000000, 100000000,
				       1000000000 };

	if (!exp)
		rbuf_printf(b, " %llu\n", v);
	else
		rbuf_printf(b, " %llu.%0*llu\n", v / pow10[exp], (int)exp,
			    v % pow10[exp]);
}

void metrics_label(struct rbuf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '\\' || c == '"')
			rbuf_printf(b, "\\%c", c);
		else if (c == '\n')
			rbuf_printf(b, "\\n");
		else if (c < 0x20 || c == 0x7f)
			rbuf_printf(b, "?");
		else
			rbuf_printf(b, "%c", c);
	}
}

static void node(struct rbuf *b, const struct metrics_in *in)
{
	const struct attrib *at = &in->tot->at;
	const struct window_snap *w = in->win;

	family(b, "energyd_node_energy_joules_total", "counter",
	       "Energy of the node since energyd started, per RAPL domain measured (domains overlap: core and uncore are in pkg), or the model's estimate as domain \"model\".");
	if (!in->measured) {
		rbuf_printf(b, "energyd_node_energy_joules_total{domain=\"model\"}");
		value(b, at->total_uj, 6);
	}
	for (int d = 0; in->measured && d < RAPL_DOMAINS; d++) {
		if (!(in->rapl_domains & (1U << d)))
			continue;
		rbuf_printf(b, "energyd_node_energy_joules_total{domain=\"%s\"}",
			    rapl_domain_name(d));
		value(b, in->tot->rapl_uj[d], 6);
	}
	family(b, "energyd_node_accounted_energy_joules_total", "counter",
	       "Energy handed out to processes and idle: the basis domain's, or the model's.");
	rbuf_printf(b, "energyd_node_accounted_energy_joules_total");
	value(b, at->total_uj, 6);
	family(b, "energyd_node_idle_energy_joules_total", "counter",
	       "Of which idle, given to no process.");
	rbuf_printf(b, "energyd_node_idle_energy_joules_total");
	value(b, at->idle_uj, 6);
	family(b, "energyd_node_idle_power_watts", "gauge",
	       "Idle power in use: configured, else the lowest seen.");
	rbuf_printf(b, "energyd_node_idle_power_watts");
	value(b, in->idle_mw, 3);
	family(b, "energyd_node_power_watts", "gauge",
	       "Power of the node over the last window.");
	rbuf_printf(b, "energyd_node_power_watts");
	value(b, w && w->window_ns ?
	      (__u64)((unsigned __int128)w->window_uj * 1000000000 / w->window_ns) : 0, 6);
	family(b, "energyd_node_carbon_grams_total", "counter",
	       "CO2e of the node's energy at the grid intensity in force when it was used.");
	rbuf_printf(b, "energyd_node_carbon_grams_total");
	value(b, in->tot->carbon_ng, 9);
	family(b, "energyd_node_idle_carbon_grams_total", "counter",
	       "Of which idle.");
	rbuf_printf(b, "energyd_node_idle_carbon_grams_total");
	value(b, in->tot->idle_carbon_ng, 9);
	family(b, "energyd_carbon_intensity_grams_per_kwh", "gauge",
	       "The grid's carbon intensity in force (params/carbon_g_per_kwh), 0: not counted.");
	rbuf_printf(b, "energyd_carbon_intensity_grams_per_kwh %llu\n",
		    in->carbon_g_per_kwh);
	family(b, "energyd_node_energy_measured", "gauge",
	       "1 when energy is measured (RAPL), 0 when it is the model's estimate.");
	rbuf_printf(b, "energyd_node_energy_measured{source=\"%s\",basis=\"%s\"} %d\n",
		    in->source, in->basis, in->measured);
}

/* The labels of cgroup @g: its path, and its container and pod where the
 * path names them. */
static void cg_labels(struct rbuf *b, const struct window_cgroup *g)
{
	struct container_ident ci;

	rbuf_printf(b, "cgroup=\"");
	if (g->path)
		metrics_label(b, g->path);
	else
		rbuf_printf(b, "id:%llu", g->id);
	rbuf_printf(b, "\"");
	if (!g->path || !container_from_cgroup(g->path, &ci))
		return;
	if (ci.id[0])
		rbuf_printf(b, ",container_id=\"%s\"", ci.id);
	if (ci.pod_uid[0]) {
		rbuf_printf(b, ",pod_uid=\"");
		metrics_label(b, ci.pod_uid);
		rbuf_printf(b, "\"");
	}
}

/* The per-cgroup families: name, type, help, and the value of a cgroup. */
static const struct cg_family {
	const char *name, *type, *help;
	unsigned int exp;
	__u64 (*of)(const struct window_cgroup *g);
} cg_families[];

static __u64 cg_energy(const struct window_cgroup *g) { return g->energy_uj; }
static __u64 cg_carbon(const struct window_cgroup *g) { return g->carbon_ng; }
static __u64 cg_cpu(const struct window_cgroup *g) { return g->c.cpu_ns; }
static __u64 cg_mem(const struct window_cgroup *g) { return g->mem_bytes; }
static __u64 cg_diski(const struct window_cgroup *g) { return g->c.disk_read_bytes; }
static __u64 cg_disko(const struct window_cgroup *g) { return g->c.disk_write_bytes; }
static __u64 cg_rx(const struct window_cgroup *g) { return g->c.rx_packets; }
static __u64 cg_tx(const struct window_cgroup *g) { return g->c.tx_packets; }
static __u64 cg_wakeups(const struct window_cgroup *g) { return g->c.wakeups; }
static __u64 cg_procs(const struct window_cgroup *g) { return g->procs_alive; }

static const struct cg_family cg_families[] = {
	{ "energyd_cgroup_energy_joules_total", "counter",
	  "Energy of the cgroup's processes, exited ones included.", 6, cg_energy },
	{ "energyd_cgroup_carbon_grams_total", "counter",
	  "CO2e of the cgroup's energy at the intensity in force when it was used.", 9, cg_carbon },
	{ "energyd_cgroup_cpu_seconds_total", "counter",
	  "CPU time of the cgroup's processes.", 9, cg_cpu },
	{ "energyd_cgroup_memory_bytes", "gauge",
	  "Resident memory of the cgroup's live processes.", 0, cg_mem },
	{ "energyd_cgroup_disk_read_bytes_total", "counter",
	  "Bytes read from block devices by the cgroup's processes.", 0, cg_diski },
	{ "energyd_cgroup_disk_written_bytes_total", "counter",
	  "Bytes written to block devices by the cgroup's processes.", 0, cg_disko },
	{ "energyd_cgroup_network_receive_packets_total", "counter",
	  "IP packets received by the cgroup's processes.", 0, cg_rx },
	{ "energyd_cgroup_network_transmit_packets_total", "counter",
	  "IP packets sent by the cgroup's processes.", 0, cg_tx },
	{ "energyd_cgroup_wakeups_total", "counter",
	  "Times a thread of the cgroup was woken.", 0, cg_wakeups },
	{ "energyd_cgroup_processes", "gauge",
	  "Live processes in the cgroup.", 0, cg_procs },
};

static void cgroups(struct rbuf *b, const struct window_snap *w)
{
	size_t ncg = w ? w->ncg : 0, *at = calloc(ncg + 1, sizeof(*at));
	struct rbuf lab = {};

	/* Each cgroup's labels once, for all its series. */
	for (size_t i = 0; at && i < ncg; i++) {
		at[i] = lab.len;
		cg_labels(&lab, &w->cg[i]);
		rbuf_printf(&lab, "%c", '\0');
	}
	if (!at || lab.oom) {
		b->oom = true;
		ncg = 0;
	}
	for (size_t f = 0; f < sizeof(cg_families) / sizeof(cg_families[0]); f++) {
		const struct cg_family *cf = &cg_families[f];

		family(b, cf->name, cf->type, cf->help);
		for (size_t i = 0; i < ncg; i++) {
			rbuf_printf(b, "%s{%s}", cf->name, lab.data + at[i]);
			value(b, cf->of(&w->cg[i]), cf->exp);
		}
	}
	rbuf_free(&lab);
	free(at);
}

/* Sift entry @i down the min-heap (by energy) @h of @len entries. */
static void heap_down(const struct window_entry **h, size_t len, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		const struct window_entry *t;

		if (l < len && h[l]->energy_uj < h[m]->energy_uj)
			m = l;
		if (l + 1 < len && h[l + 1]->energy_uj < h[m]->energy_uj)
			m = l + 1;
		if (m == i)
			return;
		t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

/* The @n entries of @w highest by energy in @top, highest first; returns
 * how many. A min-heap of @n over the window: O(entries log n). */
static size_t top_entries(const struct window_snap *w, size_t n,
			  const struct window_entry **top)
{
	size_t len = 0;

	for (size_t i = 0; i < w->n; i++) {
		const struct window_entry *e = &w->e[i];

		if (len < n) {
			top[len++] = e;
			if (len == n)
				for (size_t k = n / 2; k-- > 0; )
					heap_down(top, len, k);
		} else if (n && e->energy_uj > top[0]->energy_uj) {
			top[0] = e;
			heap_down(top, len, 0);
		}
	}
	if (len < n)
		for (size_t k = len / 2; k-- > 0; )
			heap_down(top, len, k);
	/* heap order to highest first */
	for (size_t end = len; end > 1; end--) {
		const struct window_entry *t = top[0];

		top[0] = top[end - 1];
		top[end - 1] = t;
		heap_down(top, end - 1, 0);
	}
	return len;
}

/* name{pid="..",comm="..",cgroup=".."} for a window entry */
static void proc_series(struct rbuf *b, const char *name,
			const struct window_snap *w,
			const struct window_entry *e)
{
	const struct window_cgroup *g = window_cgroup_of(w, e->rec.cgroup_id);
	char comm[ENERGY_COMM_LEN + 1];

	memcpy(comm, e->rec.comm, ENERGY_COMM_LEN);
	comm[ENERGY_COMM_LEN] = '\0';
	rbuf_printf(b, "%s{pid=\"%u\",comm=\"", name, e->rec.key.tgid);
	metrics_label(b, comm);
	rbuf_printf(b, "\",cgroup=\"");
	if (g && g->path)
		metrics_label(b, g->path);
	else
		rbuf_printf(b, "id:%llu", e->rec.cgroup_id);
	rbuf_printf(b, "\"}");
}

static const struct proc_family {
	const char *name, *type, *help, *rest, *rest_help;
	unsigned int exp;
	__u64 (*of)(const struct window_entry *e);
} proc_families[];

static __u64 pe_energy(const struct window_entry *e) { return e->energy_uj; }
static __u64 pe_carbon(const struct window_entry *e) { return e->carbon_ng; }
static __u64 pe_cpu(const struct window_entry *e) { return e->rec.c.cpu_ns; }
static __u64 pe_mem(const struct window_entry *e)
{
	return e->rec.flags & ENERGY_F_EXITED ? 0 : e->rec.mem_bytes;
}

static const struct proc_family proc_families[] = {
	{ "energyd_process_energy_joules_total", "counter",
	  "Energy of a process among the highest (--metrics-processes).",
	  "energyd_processes_rest_energy_joules",
	  "Energy of the processes not among the highest, summed (a gauge: processes enter and leave the highest).",
	  6, pe_energy },
	{ "energyd_process_cpu_seconds_total", "counter",
	  "CPU time of a process among the highest by energy.",
	  "energyd_processes_rest_cpu_seconds",
	  "CPU time of the processes not among the highest, summed.", 9, pe_cpu },
	{ "energyd_process_carbon_grams_total", "counter",
	  "CO2e of a process among the highest by energy.",
	  "energyd_processes_rest_carbon_grams",
	  "CO2e of the processes not among the highest, summed.", 9, pe_carbon },
	{ "energyd_process_memory_bytes", "gauge",
	  "Resident memory of a process among the highest by energy.",
	  "energyd_processes_rest_memory_bytes",
	  "Resident memory of the processes not among the highest, summed.", 0, pe_mem },
};

/* --metrics-processes: the processes of the last window highest by
 * energy, and the window's other processes summed. */
static void processes(struct rbuf *b, const struct metrics_in *in)
{
	const struct window_snap *w = in->win;
	const struct window_entry **top;
	size_t n = 0, max = in->top_processes;

	if (!max || !w)
		return;
	if (max > w->n)
		max = w->n;
	top = malloc((max ? max : 1) * sizeof(*top));
	if (!top) {
		b->oom = true;
		return;
	}
	n = top_entries(w, max, top);
	for (size_t f = 0; f < sizeof(proc_families) / sizeof(proc_families[0]); f++) {
		const struct proc_family *pf = &proc_families[f];
		__u64 rest = 0;

		family(b, pf->name, pf->type, pf->help);
		for (size_t i = 0; i < n; i++) {
			proc_series(b, pf->name, w, top[i]);
			value(b, pf->of(top[i]), pf->exp);
		}
		for (size_t i = 0; i < w->n; i++)
			rest += pf->of(&w->e[i]);
		for (size_t i = 0; i < n; i++)
			rest -= pf->of(top[i]);
		family(b, pf->rest, "gauge", pf->rest_help);
		rbuf_printf(b, "%s", pf->rest);
		value(b, rest, pf->exp);
	}
	free(top);
}

static void daemon_self(struct rbuf *b, const struct metrics_in *in)
{
	static const char *const drops[ENERGY_STAT_MAX] = {
		[ENERGY_STAT_PROCS_FULL] = "process_no_slot",
		[ENERGY_STAT_REQS_FULL] = "block_request",
		[ENERGY_STAT_TASK_STORAGE] = "task_storage",
		[ENERGY_STAT_PMU_READ] = "pmu_read",
	};

	family(b, "energyd_build_info", "gauge", "energyd's version.");
	rbuf_printf(b, "energyd_build_info{version=\"");
	metrics_label(b, in->version);
	rbuf_printf(b, "\"} 1\n");
	family(b, "energyd_processes_tracked", "gauge", "Processes in the table.");
	rbuf_printf(b, "energyd_processes_tracked %llu\n", in->processes);
	family(b, "energyd_process_slots", "gauge", "Capacity of the process table.");
	rbuf_printf(b, "energyd_process_slots %llu\n", in->capacity);
	family(b, "energyd_dropped_events_total", "counter",
	       "Events the BPF programs could not account, by kind.");
	for (int i = 0; i < ENERGY_STAT_MAX; i++)
		rbuf_printf(b, "energyd_dropped_events_total{kind=\"%s\"} %llu\n",
			    drops[i], in->stats[i]);
	family(b, "energyd_rapl_rejected_total", "counter",
	       "RAPL readings refused as above the power ceiling.");
	rbuf_printf(b, "energyd_rapl_rejected_total %llu\n", in->rapl_rejected);
	family(b, "energyd_samples_total", "counter", "Samples taken.");
	rbuf_printf(b, "energyd_samples_total %llu\n", in->iterations);
	family(b, "energyd_late_samples_total", "counter",
	       "Samples more than three periods late.");
	rbuf_printf(b, "energyd_late_samples_total %llu\n", in->late_samples);
	family(b, "energyd_last_sample_duration_seconds", "gauge",
	       "How long the last sample took.");
	rbuf_printf(b, "energyd_last_sample_duration_seconds");
	value(b, in->sample_cost_ns, 9);
}

void metrics_render(struct rbuf *b, const struct metrics_in *in)
{
	node(b, in);
	cgroups(b, in->win);
	processes(b, in);
	daemon_self(b, in);
}
