// SPDX-License-Identifier: GPL-2.0-only
#include "unit.h"

TEST_MAIN(
	TEST(test_format_line),
	TEST(test_format_comm_control_chars),
	TEST(test_format_energy_decimals),
	TEST(test_table_sample_copies),
	TEST(test_table_exit_retention),
	TEST(test_table_exit_not_folded_twice),
	TEST(test_table_slot_reuse),
	TEST(test_table_window_limit),
	TEST(test_table_cgroup_totals),
	TEST(test_params_parse),
	TEST(test_hooks_prefer_new),
	TEST(test_hooks_fallback),
	TEST(test_hooks_missing_disables_one_metric),
	TEST(test_hooks_legacy),
)
