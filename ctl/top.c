// SPDX-License-Identifier: GPL-2.0-only
/*
 * energyctl top [-m DIR] [--cgroups] [-n COUNT] [--json]: processes (or
 * cgroups) by power over the last window, from two reads of all.json a
 * window apart, or of cgroup.json where all.json is not the reader's.
 * On a terminal a live ncurses screen; else, or with -n, COUNT blocks of
 * text (or JSON lines). Rows and their text are show.h's.
 */
#include <curses.h>
#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "io.h"
#include "params.h"
#include "snap.h"
#include "show.h"

#define ME	"energyctl top"

static void usage(FILE *f)
{
	fprintf(f, "Usage: energyctl top [-m DIR] [-g] [-n COUNT [--json]]\n"
		   "Processes, or cgroups, by power over the last window (W), refreshed\n"
		   "each window. On a terminal: a live screen; keys p power, c CPU,\n"
		   "m memory, n name sort, g processes/cgroups, q quit. Else, or with\n"
		   "-n, COUNT blocks of text, one per refresh (1 without -n). Where\n"
		   "all.json is not the reader's: its own cgroup's processes.\n\n"
		   "  -m, --mountpoint DIR  energyd's files (default " CTL_MOUNT_DEFAULT ")\n"
		   "  -g, --cgroups         cgroups (with container ids) instead of processes\n"
		   "  -n, --count COUNT     COUNT refreshes as text, then exit\n"
		   "  -s, --sort KEY        power (default), cpu, memory or name\n"
		   "  -j, --json            with -n or off a terminal: one JSON object per refresh\n"
		   "  -h, --help            this text\n");
}

struct top {
	const char *mnt;
	bool host, cgroups;
	enum top_sort key;
	struct snap prev, cur;
};

/* The next snapshot into t->cur, the last one kept in t->prev. */
static int next(struct top *t)
{
	int err;

	snap_free(&t->prev);
	t->prev = t->cur;
	memset(&t->cur, 0, sizeof(t->cur));
	err = ctl_snap_read(ME, t->mnt, t->host, &t->cur);
	if (err < 0)
		fprintf(stderr, ME ": %s/%s: %s\n", t->mnt,
			t->host ? "all.json" : "cgroup.json", strerror(-err));
	return err;
}

/* The time between reads: one window and a little, so one boundary lies
 * between them. */
static __u64 period_ns(const struct top *t)
{
	__u64 w = t->host ? t->cur.window_ns : t->cur.win_len_ns;

	if (!w)
		w = WINDOW_NS_DEFAULT;
	return w + w / 20 + 5000000;
}

static void sleep_ns(__u64 ns)
{
	struct timespec ts = { ns / 1000000000, ns % 1000000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* One block of @t's rows into @b. */
static int render(struct top *t, struct rbuf *b, bool json, size_t max, size_t width)
{
	struct top_head h;
	struct top_row *rows = view_top_rows(&t->prev, &t->cur, t->cgroups, &h);

	if (!rows)
		return -ENOMEM;
	view_top_sort(rows, h.n, t->key);
	if (json) {
		view_top_json(b, &h, rows, h.n, t->cgroups);
	} else {
		view_top_header(b, &h, t->cgroups, t->key);
		view_top_lines(b, rows, h.n, t->cgroups, max, width);
	}
	free(rows);
	return b->oom ? -ENOMEM : 0;
}

static int run_text(struct top *t, long count, bool json)
{
	for (long i = 0; i < count; i++) {
		struct rbuf b = {};

		sleep_ns(period_ns(t));
		if (next(t))
			return 1;
		if (render(t, &b, json, 0, 0)) {
			rbuf_free(&b);
			fprintf(stderr, ME ": out of memory\n");
			return 1;
		}
		if (!json && i)
			fputc('\n', stdout);
		fputs(b.data, stdout);
		fflush(stdout);
		rbuf_free(&b);
	}
	return 0;
}

static void draw(struct top *t)
{
	struct rbuf b = {};
	int y = 0;

	erase();
	if (render(t, &b, false, LINES > 3 ? LINES - 3 : 1, COLS)) {
		mvaddstr(0, 0, "out of memory");
	} else {
		for (char *l = b.data, *nl; l && *l && y < LINES - 1; l = nl ? nl + 1 : NULL, y++) {
			nl = strchr(l, '\n');
			mvaddnstr(y, 0, l, nl ? (int)(nl - l) : -1);
		}
		mvaddstr(LINES - 1, 0, "p power  c cpu  m memory  n name  g cgroups  q quit");
	}
	rbuf_free(&b);
	refresh();
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int run_screen(struct top *t)
{
	__u64 due;
	int ret = 0;

	setlocale(LC_ALL, "");
	if (!initscr()) {
		fprintf(stderr, ME ": cannot start the screen\n");
		return 1;
	}
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	due = now_ns() + period_ns(t);
	mvaddstr(0, 0, "energyd top: reading the first window...");
	refresh();
	for (;;) {
		__u64 now = now_ns();
		int ch;

		if (now >= due) {
			if (next(t)) {
				ret = 1;
				break;
			}
			draw(t);
			due = now_ns() + period_ns(t);
			continue;
		}
		timeout((int)((due - now) / 1000000) + 1);
		ch = getch();
		if (ch == ERR)
			continue;
		switch (ch) {
		case 'q': case 'Q': goto out;
		case 'p': t->key = SORT_POWER; break;
		case 'c': t->key = SORT_CPU; break;
		case 'm': t->key = SORT_MEM; break;
		case 'n': t->key = SORT_NAME; break;
		case 'g': t->cgroups = t->host && !t->cgroups; break;
		case KEY_RESIZE: break;
		default: continue;
		}
		if (t->prev.timestamp_ns || t->prev.have_window)
			draw(t);
	}
out:
	endwin();
	return ret;
}

static int parse_sort(const char *s, enum top_sort *key)
{
	static const char *const names[] = { "power", "cpu", "memory", "name" };

	for (int i = 0; i < 4; i++)
		if (!strcmp(s, names[i])) {
			*key = i;
			return 0;
		}
	return -EINVAL;
}

int ctl_top(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mountpoint", required_argument, NULL, 'm' },
		{ "cgroups", no_argument, NULL, 'g' },
		{ "count", required_argument, NULL, 'n' },
		{ "sort", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct top t = { .mnt = CTL_MOUNT_DEFAULT, .host = true };
	bool json = false;
	long count = -1;
	int c, err, ret;
	char *end;

	while ((c = getopt_long(argc, argv, "m:gn:s:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'm': t.mnt = optarg; break;
		case 'g': t.cgroups = true; break;
		case 'j': json = true; break;
		case 'n':
			errno = 0;
			count = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || count < 1 || count > 1000000) {
				fprintf(stderr, ME ": -n '%.40s': not a count of 1..1000000\n", optarg);
				return 2;
			}
			break;
		case 's':
			if (parse_sort(optarg, &t.key)) {
				fprintf(stderr, ME ": --sort '%.40s': power, cpu, memory or name\n",
					optarg);
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	err = ctl_snap_read(ME, t.mnt, true, &t.cur);
	if (ctl_denied(err)) {
		t.host = false;
		if (t.cgroups) {
			fprintf(stderr, ME ": --cgroups: all.json is root's; showing this cgroup's processes\n");
			t.cgroups = false;
		}
		err = ctl_snap_read(ME, t.mnt, false, &t.cur);
	}
	if (err < 0)
		fprintf(stderr, ME ": %s/%s: %s\n", t.mnt, t.host ? "all.json" : "cgroup.json",
			strerror(-err));
	if (err)
		return 1;
	if (count < 0 && isatty(STDOUT_FILENO) && isatty(STDIN_FILENO) && !json)
		ret = run_screen(&t);
	else
		ret = run_text(&t, count < 0 ? 1 : count, json);
	snap_free(&t.prev);
	snap_free(&t.cur);
	return ret;
}
