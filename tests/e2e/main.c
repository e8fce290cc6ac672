// SPDX-License-Identifier: GPL-2.0-only
/*
 * energyd end-to-end tests: one daemon for the whole run, workloads forked
 * from this binary into fresh cgroup2 children, every counter compared with
 * the kernel's own accounting.
 *
 *   build/e2e [test names...]
 *
 * Run as root from the repository root. ENERGYD names the daemon binary
 * (default build/energyd); its log goes to /tmp/energyd-e2e.log and is
 * printed when a test fails. E2E_NO_DAEMON=1 runs the workloads and prints
 * the kernel's figures without a daemon (the comparisons are skipped).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

/* Starts energyd (the other tests start it too when run alone). */
void daemon_start(void)
{
	struct stat st;

	if (!e2e_begin()) {
		if (e2e_kernel_only())
			TEST_SKIP("E2E_NO_DAEMON set");
		goto cleanup;
	}
	ASSERT_TRUE(!stat(ENERGY_PIN_DIR "/procs", &st), "procs is pinned");
	ASSERT_TRUE(!stat(ENERGY_PIN_DIR "/slot_index", &st), "slot_index is pinned");
	ASSERT_TRUE(!stat(ENERGY_PIN_DIR "/stats", &st), "stats is pinned");
	ASSERT_TRUE(!stat(ENERGY_PIN_DIR "/cgroups", &st), "cgroups is pinned");
cleanup:
	e2e_end();
}

/* SIGTERM: the daemon exits 0 and takes its pins with it. */
void daemon_stop(void)
{
	char buf[64];
	int status = 0, err;

	if (!e2e_begin()) {
		if (e2e_kernel_only())
			TEST_SKIP("E2E_NO_DAEMON set");
		goto cleanup;
	}
	err = e2e_daemon_stop(&status);
	if (!ASSERT_EQ(err, 0, "energyd stops within 10 s of SIGTERM"))
		goto cleanup;
	if (!ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			 "energyd exits with status 0 on SIGTERM"))
		fprintf(stderr, "  energyd %s\n",
			status_str(status, buf, sizeof(buf)));
	ASSERT_TRUE(access(ENERGY_PIN_DIR "/procs", F_OK) && errno == ENOENT,
		    ENERGY_PIN_DIR "/procs is gone after exit");
	ASSERT_TRUE(access(ENERGY_PIN_DIR, F_OK) && errno == ENOENT,
		    ENERGY_PIN_DIR " is gone after exit");
cleanup:
	if (test__failures && !e2e_kernel_only())
		e2e_dump_log();
}

TEST_MAIN(
	TEST(daemon_start),
	TEST(cpu_vs_schedstat),
	TEST(cpu_across_renice),
	TEST(cpu_exec_from_thread),
	TEST(cpu_never_switches),
	TEST(short_lived_vs_cpu_stat),
	TEST(disk_direct_io),
	TEST(disk_buffered_write),
	TEST(udp_loopback),
	TEST(tcp_loopback),
	TEST(net_ns_tx),
	TEST(pipe_wakeups),
	TEST(thread_wakeups),
	TEST(mem_vs_vmrss),
	TEST(lifecycle),
	TEST(pid_reuse_early),
	TEST(bpftool_dump),
	TEST(fs_all_format),
	TEST(fs_metrics),
	TEST(fs_file_times),
	TEST(fs_all_json),
	TEST(fs_cgroup_json),
	TEST(fs_json_nobody),
	TEST(fs_cgroup_json_totals),
	TEST(fs_json_hostile_comm),
	TEST(fs_nobody),
	TEST(fs_cgroup_privacy),
	TEST(fs_sibling_cgroups),
	TEST(cgroup_churn),
	TEST(cgroup_move_asleep),
	TEST(cgroup_move_busy),
	TEST(fs_container),
	TEST(fs_params),
	TEST(fs_window_boundaries),
	TEST(fs_concurrent_readers),
	TEST(fs_params_in_pieces),
	TEST(fs_params_race),
	TEST(fs_readers_memory),
	TEST(fs_reader_holds_open),
	TEST(fs_readers_killed),
	TEST(fs_unmounted_outside),
	TEST(fs_hostile_ops),
	TEST(ctl_get_set),
	TEST(ctl_apply),
	TEST(ctl_status),
	TEST(ctl_container),
	TEST(ctl_top_text),
	TEST(ctl_top_tmux),
	TEST(ctl_record_refused),
	TEST(http_metrics),
	TEST(http_promtool),
	TEST(http_bad_clients),
	TEST(prometheus_scrape),
	TEST(daemon_stop),
	TEST(fs_after_stop),
	TEST(fs_kill_restart),
	TEST(fs_handover),
	TEST(daemon_not_root),
	TEST(cpu_running_before_start),
	TEST(daemon_map_full),
	TEST(daemon_map_churn),
	TEST(fs_nonempty_mountpoint),
	TEST(energy_model_estimate),
	TEST(energy_measured_split),
	TEST(energy_every_sample),
	TEST(energy_carbon),
	TEST(energy_model_error),
	TEST(energy_bad_fixtures),
	TEST(energy_rapl_faults),
	TEST(fs_params_malformed),
	TEST(daemon_refusals),
	TEST(daemon_no_bpffs),
	TEST(daemon_stop_busy),
	TEST(daemon_sigstop),
	TEST(energy_record_unwritable),
	TEST(energy_ctl_record),
	TEST(daemon_bad_weights),
	TEST(daemon_listen),
	TEST(daemon_config),
	/* make soak */
	TEST_MANUAL(soak_churn),
)
