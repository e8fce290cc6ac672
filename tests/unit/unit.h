/* SPDX-License-Identifier: GPL-2.0-only */
/* The unit tests: pure logic, no root. */
#ifndef ENERGY_UNIT_H
#define ENERGY_UNIT_H

#include "test.h"

void test_format_line(void);
void test_format_comm_control_chars(void);
void test_format_energy_decimals(void);
void test_table_sample_copies(void);
void test_table_exit_retention(void);
void test_table_exit_not_folded_twice(void);
void test_table_slot_reuse(void);
void test_table_window_limit(void);
void test_table_cgroup_totals(void);
void test_params_parse(void);
void test_params_check_partial(void);
void test_hooks_prefer_new(void);
void test_hooks_fallback(void);
void test_hooks_missing_disables_one_metric(void);
void test_hooks_legacy(void);
void test_domain_basis(void);
void test_files_handles(void);
void test_files_many(void);
void test_log_limit(void);
void test_caller_parse_cap_eff(void);
void test_caller_parse_nspid(void);
void test_caller_parse_cgroup2_path(void);
void test_caller_parse_mountinfo(void);
void test_caller_read_file(void);
void test_caller_fixture(void);
void test_caller_self(void);
void test_caller_userns_root(void);
void test_caller_nobody(void);
void test_caller_pidns(void);
void test_caller_cgroup_child(void);
void test_render_all(void);
void test_render_cgroup_filters_and_translates(void);
void test_render_large(void);
void test_params_check(void);
void test_model_score(void);
void test_attrib_conservation(void);
void test_attrib_zero_scores_and_idle(void);
void test_attrib_model_mode(void);
void test_table_energy_window(void);
void test_params_conf(void);
void test_rapl_names(void);
void test_rapl_msr_unit(void);
void test_rapl_wrap(void);
void test_rapl_parse_cpulist(void);
void test_rapl_parse_perf(void);
void test_rapl_msr_intel(void);
void test_rapl_msr_amd(void);
void test_rapl_powercap(void);
void test_rapl_perf_fixture(void);
void test_rapl_perf_sw_clock(void);
void test_rapl_probe(void);
void test_rapl_bad_fixtures(void);
void test_rapl_read_error(void);
void test_rapl_forced_absent(void);
void test_rapl_power_ceiling(void);
void test_model_record_roundtrip(void);
void test_model_train(void);

#endif /* ENERGY_UNIT_H */
