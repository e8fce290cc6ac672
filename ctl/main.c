// SPDX-License-Identifier: GPL-2.0-only
/*
 * energyctl: energyd's command-line tool. This file only dispatches:
 * each subcommand lives in its own file and is listed in the table below.
 */
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "params.h"
#include "version.h"

struct subcommand {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv);
};

static const struct subcommand subcommands[] = {
	{ "status", "energy source, power, processes, health (or the own cgroup's)",
	  ctl_status },
	{ "top", "processes or cgroups by power, live or as text",
	  ctl_top },
	{ "get", "print a parameter", ctl_get },
	{ "set", "set a parameter (root)", ctl_set },
	{ "apply", "write a weights file's values to the parameters (root)",
	  ctl_apply },
	{ "record", "record windows of measured energy for train",
	  ctl_record },
	{ "train", "fit the energy model to recorded windows, write a weights file",
	  ctl_train },
};

#define NSUB	(sizeof(subcommands) / sizeof(subcommands[0]))

static void usage(FILE *f)
{
	fprintf(f, "Usage: energyctl SUBCOMMAND [ARG]...\n"
		   "       energyctl SUBCOMMAND --help\n"
		   "energyd's command-line tool.\n\nSubcommands:\n");
	for (size_t i = 0; i < NSUB; i++)
		fprintf(f, "  %-10s %s\n", subcommands[i].name, subcommands[i].summary);
	fprintf(f, "\n  -h, --help     this text\n"
		   "      --version  energyctl's version\n"
		   "\nSee energyctl(1).\n");
}

int main(int argc, char **argv)
{
	char q[4 * 40 + 8];

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("energyctl %s\n", ENERGYD_VERSION);
		return 0;
	}
	for (size_t i = 0; i < NSUB; i++)
		if (!strcmp(argv[1], subcommands[i].name))
			return subcommands[i].run(argc - 1, argv + 1);
	param_quote(q, argv[1], strlen(argv[1]));
	fprintf(stderr, "energyctl: unknown subcommand '%s' (energyctl --help lists them)\n",
		q);
	return 2;
}
