// SPDX-License-Identifier: GPL-2.0-only
#include "unit.h"

TEST_MAIN(
	TEST(test_format_line),
	TEST(test_format_comm_control_chars),
	TEST(test_format_energy_decimals),
	TEST(test_table_upsert_find),
	TEST(test_table_grow_and_remove),
	TEST(test_table_exit_retention),
	TEST(test_table_pid_reuse),
	TEST(test_table_end_sample_drops_vanished),
	TEST(test_table_cgroup_totals),
	TEST(test_params_parse),
	TEST(test_hooks_prefer_new),
	TEST(test_hooks_fallback),
	TEST(test_hooks_missing_disables_one_metric),
	TEST(test_hooks_legacy),
)
