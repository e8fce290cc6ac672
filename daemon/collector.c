// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "collector.h"
#include "shared.h"
#include "energy.skel.h"
#include "hooks.h"
#include "log.h"

#define BPF_FS_MAGIC		0xcafe4a11
#define BPF_FS_DIR		"/sys/fs/bpf"
#define DEFAULT_MAX_PROCS_CAP	32768

/* Maps pinned for bpftool and tests, "cgroups" last: its pin says ready.
 * "slot_index" lists the tracked processes and their slots in "procs";
 * "threads" holds what live threads ran that their slots do not yet,
 * "thread_live" which of its entries are live. */
static const char *const pinned_maps[] = { "procs", "slot_index", "threads",
					   "thread_live", "stats", "cgroups" };

#define FEXIT_PREFIX	"fexit/"

/* A tracepoint exists when the kernel's BTF has its btf_trace_ typedef; a
 * function "fexit/fn" can have a trampoline when the BTF describes fn. */
static bool tp_exists(const char *tp, void *ctx)
{
	char name[128];

	if (!strncmp(tp, FEXIT_PREFIX, strlen(FEXIT_PREFIX)))
		return btf__find_by_name_kind(ctx, tp + strlen(FEXIT_PREFIX),
					      BTF_KIND_FUNC) > 0;
	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	return btf__find_by_name_kind(ctx, name, BTF_KIND_TYPEDEF) > 0;
}

/* kernel.pid_max, at most DEFAULT_MAX_PROCS_CAP, plus a quarter: room for
 * exited processes waiting to be published. */
static __u32 default_max_procs(unsigned long *pid_max)
{
	unsigned long n = 32768;
	FILE *f = fopen("/proc/sys/kernel/pid_max", "r");

	if (f) {
		if (fscanf(f, "%lu", &n) != 1)
			n = 32768;
		fclose(f);
	}
	*pid_max = n;
	if (n > DEFAULT_MAX_PROCS_CAP)
		n = DEFAULT_MAX_PROCS_CAP;
	return n + n / 4;
}

/* The entries of "pidx" and "threads" for @max_procs slots: the power of
 * two at or above it, at least 1024. */
static __u32 index_entries(__u32 max_procs)
{
	__u32 n = 1024;

	while (n < max_procs && n < (1U << 30))
		n <<= 1;
	return n;
}

/* The memory the kernel charges for a map (memlock in its fdinfo), 0 when
 * it does not say. */
static unsigned long long map_memlock(int fd)
{
	unsigned long long v = 0;
	char path[64], line[128];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %llu", &v) == 1)
			break;
	fclose(f);
	return v;
}

/* The capacity, where it comes from, and what the maps cost. */
static void log_capacity(const struct collector *c, unsigned long pid_max)
{
	unsigned long long total = 0, procs = 0;
	struct bpf_map *map;

	bpf_object__for_each_map(map, c->skel->obj) {
		int fd = bpf_map__fd(map);
		unsigned long long v;

		if (fd < 0)
			continue;
		v = map_memlock(fd);
		total += v;
		if (map == c->skel->maps.procs || map == c->skel->maps.procs_ns ||
		    map == c->skel->maps.slot_index ||
		    map == c->skel->maps.slot_spill ||
		    map == c->skel->maps.pidx || map == c->skel->maps.threads ||
		    map == c->skel->maps.thread_live)
			procs += v;
	}
	if (pid_max)
		log_info("capacity: %u processes (kernel.pid_max %lu x 1.25, pid_max counted as at most %u)",
			 c->max_procs, pid_max, DEFAULT_MAX_PROCS_CAP);
	else
		log_info("capacity: %u processes (--max-procs)", c->max_procs);
	log_info("BPF maps: %.1f MiB of locked memory, %.1f MiB of it for the process slots and their indexes (%u threads' states in an array)",
		 total / 1048576.0, procs / 1048576.0, c->nr_index);
}

/* The task iterators: passes the daemon runs, never attached to a hook. */
static bool is_pass(const struct bpf_program *prog)
{
	return bpf_program__type(prog) == BPF_PROG_TYPE_TRACING &&
	       bpf_program__expected_attach_type(prog) == BPF_TRACE_ITER;
}

/* The per-sample pass over the running threads this kernel runs. */
static struct bpf_program *fold_prog(const struct collector *c)
{
	return c->fold_cpus ? c->skel->progs.fold_cpus :
			      c->skel->progs.fold_running;
}

/* Enable <tp>_btf or <tp>_raw for every chosen tracepoint, nothing else. */
static int select_programs(struct collector *c, bool legacy)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	const char *want = legacy ? "_raw" : "_btf";
	struct bpf_program *prog;
	int disabled;

	if (!vmlinux) {
		log_err("cannot read kernel BTF (/sys/kernel/btf/vmlinux): %s; a kernel built with CONFIG_DEBUG_INFO_BTF=y is needed",
			strerror(errno));
		return -ENOENT;
	}
	disabled = hooks_choose(hooks, hooks_len, legacy, tp_exists, vmlinux);
	/* The per-sample pass over the running threads: the thread each CPU
	 * switched in last, where BPF can look a thread up by its pid (the
	 * bpf_task_from_pid kfunc, 6.2 and later), else every thread. */
	c->fold_cpus = btf__find_by_name_kind(vmlinux, "bpf_task_from_pid",
					      BTF_KIND_FUNC) > 0;
	btf__free(vmlinux);
	log_info("running threads: counted every sample %s",
		 c->fold_cpus ? "on each CPU (the thread sched_switch switched in last)" :
				"by the task iterator over every thread");

	for (int i = 0; i < hooks_len; i++) {
		const struct hook_alt *a;
		char names[256] = "";

		if (hooks[i].chosen >= 0) {
			a = &hooks[i].alts[hooks[i].chosen];
			log_info("%s: %s (%s)", hooks[i].metric, a->label,
				 !strncmp(a->tps[0], FEXIT_PREFIX, strlen(FEXIT_PREFIX)) ?
				 "fexit" : legacy ? "raw_tp" : "tp_btf");
			continue;
		}
		for (int j = 0; j < HOOK_MAX_ALTS && hooks[i].alts[j].label; j++)
			snprintf(names + strlen(names), sizeof(names) - strlen(names),
				 "%s%s", j ? " or " : "", hooks[i].alts[j].label);
		if (hooks[i].fallback)
			log_warn("%s: none of %s exists on this kernel; %s",
				 hooks[i].metric, names, hooks[i].fallback);
		else
			log_warn("%s: none of %s exists on this kernel; %s stays 0",
				 hooks[i].metric, names, hooks[i].metric);
	}

	bpf_object__for_each_program(prog, c->skel->obj) {
		const char *name = bpf_program__name(prog);
		size_t len = strlen(name);
		char hook[64];
		bool on;

		if (is_pass(prog))
			continue;	/* the seed, the per-sample pass */
		if (len > 6 && !strcmp(name + len - 6, "_fexit")) {
			/* fn_fexit: the hook "fexit/fn" */
			if (len - 6 + strlen(FEXIT_PREFIX) >= sizeof(hook))
				return -EINVAL;
			snprintf(hook, sizeof(hook), FEXIT_PREFIX "%.*s",
				 (int)(len - 6), name);
			on = hooks_uses(hooks, hooks_len, hook);
		} else {
			if (len < 4 || len - 4 >= sizeof(hook))
				return -EINVAL;
			memcpy(hook, name, len - 4);
			hook[len - 4] = '\0';
			on = !strcmp(name + len - 4, want) &&
			     hooks_uses(hooks, hooks_len, hook);
		}
		bpf_program__set_autoload(prog, on);
	}
	/* fold_running also records each CPU's thread once, at start. */
	bpf_program__set_autoload(c->skel->progs.fold_running, true);
	bpf_program__set_autoload(c->skel->progs.fold_cpus, c->fold_cpus);
	return disabled;
}

/* One pass of the task iterator behind @link. */
static int iter_run(struct bpf_link *link)
{
	char buf[64];
	int fd, err;

	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0)
		return -errno;
	while ((err = read(fd, buf, sizeof(buf))) > 0)
		;
	if (err < 0)
		err = -errno;
	close(fd);
	return err;
}

/* Count every process alive now, with the CPU time it has used so far. */
static int seed(struct collector *c)
{
	struct bpf_link *link;
	int err;

	link = bpf_program__attach_iter(c->skel->progs.seed_tasks, NULL);
	if (!link)
		return -errno;
	err = iter_run(link);
	bpf_link__destroy(link);
	return err;
}

int coll_fold_running(struct collector *c)
{
	return c->fold_link ? iter_run(c->fold_link) : -ENOENT;
}

/*
 * The per-sample pass's iterator: over every thread, or (fold_cpus) over
 * this one, so that the pass runs once per read. With fold_cpus, every
 * thread on a CPU now is recorded first, where no switch has been since
 * the programs were attached (@adopted: the kept programs have recorded
 * them all along). 0 or -errno.
 */
static int attach_fold(struct collector *c, bool adopted)
{
	union bpf_iter_link_info linfo = { .task.tid = getpid() };
	LIBBPF_OPTS(bpf_iter_attach_opts, opts,
		    .link_info = &linfo,
		    .link_info_len = sizeof(linfo));
	struct bpf_link *all;
	int err;

	if (c->fold_cpus && !adopted) {
		all = bpf_program__attach_iter(c->skel->progs.fold_running, NULL);
		if (!all)
			return -errno;
		err = iter_run(all);
		bpf_link__destroy(all);
		if (err)
			return err;
	}
	c->fold_link = bpf_program__attach_iter(fold_prog(c),
						c->fold_cpus ? &opts : NULL);
	return c->fold_link ? 0 : -errno;
}

static int ensure_bpffs(void)
{
	struct statfs st;

	if (!statfs(BPF_FS_DIR, &st) && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", BPF_FS_DIR, "bpf", 0, "mode=0700")) {
		log_err("cannot mount bpffs on %s: %s", BPF_FS_DIR, strerror(errno));
		return -errno;
	}
	log_info("no bpffs on %s: mounted one", BPF_FS_DIR);
	return 0;
}

static void unpin_all(void)
{
	char path[256];

	for (size_t i = 0; i < sizeof(pinned_maps) / sizeof(pinned_maps[0]); i++) {
		snprintf(path, sizeof(path), ENERGY_PIN_DIR "/%s", pinned_maps[i]);
		unlink(path);
	}
	rmdir(ENERGY_PIN_DIR);
}

int coll_pin(struct collector *c)
{
	char path[256];
	int err;

	err = ensure_bpffs();
	if (err)
		return err;
	unpin_all();	/* left by an energyd that did not exit cleanly */
	if (mkdir(ENERGY_PIN_DIR, 0700) && errno != EEXIST) {
		err = -errno;
		log_err("cannot create %s: %s", ENERGY_PIN_DIR, strerror(errno));
		return err;
	}
	for (size_t i = 0; i < sizeof(pinned_maps) / sizeof(pinned_maps[0]); i++) {
		struct bpf_map *map;

		map = bpf_object__find_map_by_name(c->skel->obj, pinned_maps[i]);
		snprintf(path, sizeof(path), ENERGY_PIN_DIR "/%s", pinned_maps[i]);
		err = map ? bpf_map__pin(map, path) : -ENOENT;
		if (err) {
			log_err("cannot pin map %s at %s: %s", pinned_maps[i],
				path, strerror(-err));
			unpin_all();
			return err;
		}
	}
	c->pinned = true;
	return 0;
}

static __u64 monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static size_t array_bytes(size_t n, size_t value_size)
{
	long page = sysconf(_SC_PAGESIZE);

	return (n * value_size + page - 1) / page * page;
}

/* mmap() a BPF_F_MMAPABLE array of @n values; NULL and errno set on
 * failure. */
static void *map_array(struct bpf_map *map, size_t n, size_t value_size,
		       int prot)
{
	void *p = mmap(NULL, array_bytes(n, value_size), prot, MAP_SHARED,
		       bpf_map__fd(map), 0);

	return p == MAP_FAILED ? NULL : p;
}

/* The map operations: libbpf's, on the maps' fds. */
static int bpf_update(void *ctx, enum coll_map m, const void *key,
		      const void *val, __u64 flags)
{
	const struct collector *c = ctx;

	return bpf_map_update_elem(c->map_fd[m], key, val, flags);
}

static int bpf_lookup(void *ctx, enum coll_map m, const void *key, void *val)
{
	const struct collector *c = ctx;

	return bpf_map_lookup_elem(c->map_fd[m], key, val);
}

static int bpf_delete(void *ctx, enum coll_map m, const void *key)
{
	const struct collector *c = ctx;

	return bpf_map_delete_elem(c->map_fd[m], key);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	if (level == LIBBPF_DEBUG && !log_enabled(LOG_LVL_DEBUG))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* FNV-1a, 64 bits, over @len bytes at @p, from @h. */
static __u64 fnv1a(__u64 h, const void *p, size_t len)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < len; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

/* What the programs that count are: the object's bytes, the capacity,
 * the read-only settings and which programs load. Two energyds of one tag
 * can run each other's programs on each other's maps. */
static __u64 object_tag(const struct collector *c)
{
	struct bpf_program *prog;
	__u64 h = 0xcbf29ce484222325ULL;
	const void *elf;
	size_t sz;

	elf = energy_bpf__elf_bytes(&sz);
	h = fnv1a(h, elf, sz);
	h = fnv1a(h, &c->max_procs, sizeof(c->max_procs));
	h = fnv1a(h, (const void *)c->skel->rodata, sizeof(*c->skel->rodata));
	bpf_object__for_each_program(prog, c->skel->obj) {
		bool on = bpf_program__autoload(prog);

		h = fnv1a(h, bpf_program__name(prog),
			  strlen(bpf_program__name(prog)));
		h = fnv1a(h, &on, sizeof(on));
	}
	return h;
}

static int kept_find(const struct coll_kept *k, const char *prefix,
		     const char *name)
{
	size_t len = strlen(prefix);

	for (size_t i = 0; i < k->n; i++)
		if (k->fds[i] >= 0 && !strncmp(k->names[i], prefix, len) &&
		    !strcmp(k->names[i] + len, name))
			return i;
	return -1;
}

/*
 * Load the object on @k's maps, every one of them found there, with no
 * program but the sampler's iterator; take @k's links. 0, -ENOENT when a
 * map is missing (nothing changed), else -errno with the skeleton spoiled.
 */
static int adopt(struct collector *c, struct coll_kept *k)
{
	struct bpf_program *prog;
	struct bpf_map *map;
	size_t nlinks = 0;
	int err;

	bpf_object__for_each_map(map, c->skel->obj) {
		if (kept_find(k, COLL_KEEP_MAP, bpf_map__name(map)) < 0) {
			log_warn("the BPF state of the energyd before has no map %s: starting afresh",
				 bpf_map__name(map));
			return -ENOENT;
		}
	}
	/* Of one tag, the same programs load: each must have its link. */
	bpf_object__for_each_program(prog, c->skel->obj) {
		if (!bpf_program__autoload(prog) || is_pass(prog))
			continue;
		if (kept_find(k, COLL_KEEP_LINK, bpf_program__name(prog)) < 0) {
			log_warn("the BPF state of the energyd before has no link for %s: starting afresh",
				 bpf_program__name(prog));
			return -ENOENT;
		}
		nlinks++;
	}
	c->kept_links = calloc(nlinks, sizeof(*c->kept_links));
	c->kept_names = calloc(nlinks, sizeof(*c->kept_names));
	if (!c->kept_links || !c->kept_names)
		return -ENOMEM;
	bpf_object__for_each_map(map, c->skel->obj) {
		int i = kept_find(k, COLL_KEEP_MAP, bpf_map__name(map));

		err = bpf_map__reuse_fd(map, k->fds[i]);
		if (err) {
			log_err("cannot take over map %s: %s", bpf_map__name(map),
				strerror(-err));
			return err;
		}
		close(k->fds[i]);
		k->fds[i] = -1;
	}
	bpf_object__for_each_program(prog, c->skel->obj)
		bpf_program__set_autoload(prog, prog == fold_prog(c));
	err = energy_bpf__load(c->skel);
	if (err) {
		log_err("cannot load the BPF programs on the kept maps: %s",
			strerror(-err));
		return err;
	}
	for (size_t i = 0; i < k->n && c->nkept_links < nlinks; i++) {
		if (k->fds[i] < 0 || strncmp(k->names[i], COLL_KEEP_LINK,
					     strlen(COLL_KEEP_LINK)))
			continue;
		c->kept_names[c->nkept_links] = strdup(k->names[i]);
		if (!c->kept_names[c->nkept_links])
			return -ENOMEM;
		c->kept_links[c->nkept_links++] = k->fds[i];
		k->fds[i] = -1;
	}
	c->adopted = true;
	log_info("took over the BPF maps and %zu attached programs of the energyd before: counting went on meanwhile",
		 c->nkept_links);
	return 0;
}

/*
 * The skeleton opened and set up for @o: programs chosen, capacity, the
 * PMU. @pid_max is where the capacity came from (0: --max-procs).
 */
static int prepare(struct collector *c, const struct coll_opts *o,
		   unsigned long *pid_max)
{
	int ncpus, err;

	c->skel = energy_bpf__open();
	if (!c->skel) {
		err = -errno;
		log_err("cannot open the BPF object: %s", strerror(errno));
		return err;
	}
	err = select_programs(c, o->legacy_hooks);
	if (err < 0)
		return err;

	c->max_procs = o->max_procs ? o->max_procs : default_max_procs(pid_max);
	c->skel->rodata->max_slots = c->max_procs;
	bpf_map__set_max_entries(c->skel->maps.procs, c->max_procs);
	bpf_map__set_max_entries(c->skel->maps.procs_ns, c->max_procs);
	bpf_map__set_max_entries(c->skel->maps.slot_index, c->max_procs);
	bpf_map__set_max_entries(c->skel->maps.slot_spill, c->max_procs);
	bpf_map__set_max_entries(c->skel->maps.free_slots, c->max_procs);
	/* The indexes by tgid and by thread: a power of two, the slots'
	 * number or more, so that where kernel.pid_max is within the
	 * capacity every tgid has its own pidx entry. */
	c->nr_index = index_entries(c->max_procs);
	bpf_map__set_max_entries(c->skel->maps.pidx, c->nr_index);
	bpf_map__set_max_entries(c->skel->maps.threads, c->nr_index);
	bpf_map__set_max_entries(c->skel->maps.thread_live,
				 c->nr_index / ENERGY_THREAD_LIVE_BITS);
	c->skel->rodata->pidx_mask = c->nr_index - 1;
	c->skel->rodata->thread_mask = c->nr_index - 1;
	c->skel->rodata->page_size = sysconf(_SC_PAGESIZE);

	ncpus = libbpf_num_possible_cpus();
	if (ncpus < 0)
		return ncpus;
	c->skel->rodata->track_curr = c->fold_cpus;
	c->skel->rodata->nr_cpus = ncpus;
	c->nr_cpus = ncpus;
	bpf_map__set_max_entries(c->skel->maps.slot_rings, ncpus);
	bpf_map__set_max_entries(c->skel->maps.pmu, ncpus);
	err = pmu_open(&c->pmu, ncpus);
	if (err) {
		log_info("no hardware PMU (instructions counter: %s): instructions=0",
			 strerror(-err));
	} else {
		c->pmu_on = true;
		c->skel->rodata->pmu_enabled = true;
	}
	c->tag = object_tag(c);
	return 0;
}

/* The PMU counters into the pmu map (their fds stay with the map). */
static int pmu_insert(struct collector *c)
{
	int err;

	for (int cpu = 0; c->pmu_on && cpu < c->pmu.ncpus; cpu++) {
		if (c->pmu.fds[cpu] < 0)
			continue;
		err = bpf_map_update_elem(bpf_map__fd(c->skel->maps.pmu), &cpu,
					  &c->pmu.fds[cpu], BPF_ANY);
		if (err) {
			log_err("cannot add the PMU counter of CPU %d: %s", cpu,
				strerror(-err));
			return err;
		}
	}
	return 0;
}

int coll_init(struct collector *c, const struct coll_opts *o,
	      struct coll_kept *kept)
{
	unsigned long pid_max = 0;
	int err;

	memset(c, 0, sizeof(*c));
	c->pmu.fds = NULL;
	libbpf_set_print(libbpf_print);

	err = prepare(c, o, &pid_max);
	if (err < 0)
		goto fail;
	if (kept && kept->n && kept->tag != c->tag)
		log_warn("the BPF state of the energyd before comes from another object or other options: starting afresh");
	else if (kept && kept->n) {
		err = adopt(c, kept);
		if (err && err != -ENOENT) {
			/* Spoiled by the attempt: a fresh skeleton. */
			log_warn("cannot take over the BPF state of the energyd before (%s): starting afresh",
				 strerror(-err));
			coll_fini(c);
			err = prepare(c, o, &pid_max);
			if (err < 0)
				goto fail;
		}
		err = 0;
	}
	if (!c->adopted) {
		err = energy_bpf__load(c->skel);
		if (err) {
			log_err("cannot load the BPF programs: %s%s", strerror(-err),
				err == -EPERM ? " (energyd needs root: CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN)" : "");
			goto fail;
		}
		err = pmu_insert(c);
		if (err)
			goto fail;
	}
	/* A taken-over pmu map holds the counters of the energyd before. */
	if (c->adopted)
		pmu_close(&c->pmu);
	log_capacity(c, pid_max);

	c->slots = map_array(c->skel->maps.procs, c->max_procs,
			     sizeof(*c->slots), PROT_READ | PROT_WRITE);
	c->pidns = map_array(c->skel->maps.procs_ns, c->max_procs,
			     sizeof(*c->pidns), PROT_READ);
	c->pidx = map_array(c->skel->maps.pidx, c->nr_index, sizeof(*c->pidx),
			    PROT_READ | PROT_WRITE);
	c->threads = map_array(c->skel->maps.threads, c->nr_index,
			       sizeof(*c->threads), PROT_READ);
	c->thread_live = map_array(c->skel->maps.thread_live,
				   c->nr_index / ENERGY_THREAD_LIVE_BITS,
				   sizeof(*c->thread_live), PROT_READ);
	c->rings = map_array(c->skel->maps.slot_rings, c->nr_cpus,
			     sizeof(*c->rings), PROT_READ | PROT_WRITE);
	if (!c->slots || !c->pidns || !c->pidx || !c->threads ||
	    !c->thread_live || !c->rings) {
		err = -errno;
		log_err("cannot map the procs arrays: %s", strerror(-err));
		goto fail;
	}
	c->gain = calloc(c->max_procs, sizeof(*c->gain));
	if (!c->gain) {
		err = -ENOMEM;
		log_err("cannot allocate the threads' gains: %s", strerror(-err));
		goto fail;
	}
	err = slot_return_init(&c->ret, c->max_procs, c->pidx,
			       c->nr_index - 1);
	if (!err)
		err = ring_feed_init(&c->feed, c->rings, c->nr_cpus);
	if (err) {
		log_err("cannot allocate the slot list: %s", strerror(-err));
		goto fail;
	}
	c->ret.feed = &c->feed;
	c->ret.queued = &c->skel->bss->free_queued;

	if (!c->adopted) {
		c->skel->bss->seed_ns = monotonic_ns();
		err = seed(c);
		if (err)
			log_warn("cannot count the processes already running (task iterator: %s); they start from 0",
				 strerror(-err));
		err = energy_bpf__attach(c->skel);
		if (err) {
			log_err("cannot attach the BPF programs: %s",
				strerror(-err));
			goto fail;
		}
	}
	err = attach_fold(c, c->adopted);
	if (err) {
		log_err("cannot attach the running tasks' iterator: %s",
			strerror(-err));
		goto fail;
	}

	c->next_slot = &c->skel->bss->next_slot;
	c->map_fd[CM_CGROUPS] = bpf_map__fd(c->skel->maps.cgroups);
	c->map_fd[CM_STATS] = bpf_map__fd(c->skel->maps.stats);
	c->map_fd[CM_SLOT_INDEX] = bpf_map__fd(c->skel->maps.slot_index);
	c->map_fd[CM_SLOT_SPILL] = bpf_map__fd(c->skel->maps.slot_spill);
	c->map_fd[CM_FREE_SLOTS] = bpf_map__fd(c->skel->maps.free_slots);
	c->ops = (struct map_ops){
		.update = bpf_update,
		.lookup = bpf_lookup,
		.delete = bpf_delete,
		.ctx = c,
	};
	return 0;
fail:
	coll_fini(c);
	return err;
}

void coll_fini(struct collector *c)
{
	if (c->pinned)
		unpin_all();
	bpf_link__destroy(c->fold_link);
	if (c->slots)
		munmap(c->slots, array_bytes(c->max_procs, sizeof(*c->slots)));
	if (c->pidns)
		munmap((void *)c->pidns,
		       array_bytes(c->max_procs, sizeof(*c->pidns)));
	if (c->pidx)
		munmap(c->pidx, array_bytes(c->nr_index, sizeof(*c->pidx)));
	if (c->threads)
		munmap((void *)c->threads,
		       array_bytes(c->nr_index, sizeof(*c->threads)));
	if (c->thread_live)
		munmap((void *)c->thread_live,
		       array_bytes(c->nr_index / ENERGY_THREAD_LIVE_BITS,
				   sizeof(*c->thread_live)));
	if (c->rings)
		munmap(c->rings, array_bytes(c->nr_cpus, sizeof(*c->rings)));
	ring_feed_fini(&c->feed);
	free(c->gain);
	energy_bpf__destroy(c->skel);
	for (size_t i = 0; i < c->nkept_links; i++) {
		close(c->kept_links[i]);
		free(c->kept_names[i]);
	}
	free(c->kept_links);
	free(c->kept_names);
	pmu_close(&c->pmu);
	slot_return_fini(&c->ret);
	memset(c, 0, sizeof(*c));
}

int coll_for_each_kept(const struct collector *c,
		       int (*fn)(void *arg, const char *name, int fd),
		       void *arg)
{
	const struct bpf_object_skeleton *s = c->skel->skeleton;
	char name[128];
	struct bpf_map *map;
	int err;

	bpf_object__for_each_map(map, c->skel->obj) {
		snprintf(name, sizeof(name), COLL_KEEP_MAP "%s",
			 bpf_map__name(map));
		err = fn(arg, name, bpf_map__fd(map));
		if (err)
			return err;
	}
	for (int i = 0; i < s->prog_cnt; i++) {
		struct bpf_link *l = *s->progs[i].link;

		if (!l || is_pass(*s->progs[i].prog))
			continue;
		snprintf(name, sizeof(name), COLL_KEEP_LINK "%s",
			 s->progs[i].name);
		err = fn(arg, name, bpf_link__fd(l));
		if (err)
			return err;
	}
	/* Taken over: the links of the energyd before, under their names. */
	for (size_t i = 0; i < c->nkept_links; i++) {
		err = fn(arg, c->kept_names[i], c->kept_links[i]);
		if (err)
			return err;
	}
	return 0;
}

size_t coll_slots_used(const struct collector *c)
{
	__u64 used = __atomic_load_n(c->next_slot, __ATOMIC_ACQUIRE);

	return used < c->max_procs ? used : c->max_procs;
}

void coll_new_sample(struct collector *c)
{
	__atomic_add_fetch(&c->skel->data->refresh_gen, 1, __ATOMIC_RELAXED);
}

/* The slots first, then the threads' entries (threads_gain()). */
int coll_read(struct collector *c, struct table *t)
{
	table_sample(t, c->slots, coll_slots_used(c));
	memset(c->gain, 0, t->len * sizeof(*c->gain));
	threads_gain(c->threads, c->thread_live, c->nr_index, t->snap, t->len,
		     c->gain);
	table_add_gain(t, c->gain);
	return slots_index(&c->ops, &c->ret, t->snap, t->len);
}

int coll_free(struct collector *c, const struct table_freed *freed, size_t n)
{
	int err = slots_return(&c->ops, &c->ret, c->slots, freed, n);

	/* Allocation may try again: the queue has what was handed back. */
	__atomic_store_n(&c->skel->bss->slots_exhausted, 0, __ATOMIC_RELEASE);
	return err;
}

int coll_publish_cgroups(struct collector *c, const struct cgroup_total *ct,
			 long n, long *failed)
{
	return cgroups_publish(&c->ops, ct, n, failed);
}

int coll_unpublish_cgroups(struct collector *c, const __u64 *ids, size_t n,
			   long *failed)
{
	return cgroups_unpublish(&c->ops, ids, n, failed);
}

int coll_stats(struct collector *c, __u64 out[ENERGY_STAT_MAX])
{
	return stats_read(&c->ops, out);
}
