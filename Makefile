# SPDX-License-Identifier: GPL-2.0-only
#
# make            build build/energyd and build/energyctl
# make run        install missing build dependencies, build, run energyd (root)
# make check      install missing build dependencies, build, run every test (root)
# make check-kernels  the end-to-end tests on Debian's 6.1 kernel under qemu (root)
# make check-churn    the churn tests at full size: 100,000 cgroups (root)
# make deb        the Debian package, build/deb/energyd_<version>_<arch>.deb
# make check-deb  the package installed, removed and purged on this host (root)
# make install    see below (PREFIX, DESTDIR)
# make check-system   energyd under systemd and Docker in a booted Debian under qemu (root)
# make bench      overhead figures
# make fuzz       every fuzz target for FUZZ_SECONDS (60) each (clang libFuzzer)
# make vmlinux    regenerate include/vmlinux.h from the running kernel's BTF
# make soak       churn for SOAK_MINUTES (10): RSS, log, cpu_ns vs cpu.stat (root)
# make check-valgrind  energyd under valgrind memcheck: start, reads, stop (root)
# V=1             show the commands
# SANITIZE=address,undefined or SANITIZE=thread: every binary built with
#                 those sanitizers into build/san-<names>/ (make check there
#                 runs the suite on them, any report a failure)

comma		:= ,
OUT		:= build$(if $(SANITIZE),/san-$(subst $(comma),-,$(SANITIZE)))
CC		?= cc
CLANG		?= clang
BPFTOOL		?= $(shell command -v bpftool 2>/dev/null || echo /usr/sbin/bpftool)
ARCH		:= $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

CFLAGS		?= -O2 -g
# A sanitizer's report stops the program (no recovery), so no test passes
# over one.
SAN_FLAGS	:= $(if $(SANITIZE),-fsanitize=$(SANITIZE) -fno-sanitize-recover=all \
		   -fno-omit-frame-pointer)
CFLAGS		+= -Wall -Wextra -Werror -std=gnu11 -D_GNU_SOURCE $(SAN_FLAGS)
DEPFLAGS	:= -MMD -MP
BPF_CFLAGS	:= -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
		   -Iinclude -Ibpf
LIBS		:= -lbpf -lelf -lz -lsystemd -lfuse3 -ljson-c -lmicrohttpd -lpthread -lm
# json-c, as its pkg-config file gives it: <json.h> is found only where
# this is on the include path.
JSONC_INC	:= $(shell pkg-config --cflags json-c 2>/dev/null || echo -I/usr/include/json-c)
# The fit's linear algebra (model/), energyctl's and the unit tests'.
GSL_LIBS	:= -lgsl -lgslcblas -lm
# energyctl top's screen.
CURSES_LIBS	:= $(shell pkg-config --libs ncursesw 2>/dev/null || echo -lncursesw)

# Each folder sees only what is below it: a forbidden include is not found
# and fails the build. lib/ is pure logic (no I/O but the log, no libbpf,
# no libfuse); rapl/, fuse/, exporter/ and model/ know lib/; ctl/
# (energyctl) knows lib/ and model/; only daemon/ sees everything.
INC_lib		:= -Iinclude -Ilib
INC_rapl	:= $(INC_lib) -Irapl
INC_fuse	:= $(INC_lib) -Ifuse -I/usr/include/fuse3 $(JSONC_INC)
INC_exporter	:= $(INC_lib) -Iexporter
INC_daemon	:= $(INC_lib) -Irapl -Ifuse -I/usr/include/fuse3 -Iexporter -Idaemon -I$(OUT)
INC_model	:= $(INC_lib)
INC_ctl		:= $(INC_lib) -Imodel -Ictl $(JSONC_INC)
INC_bench	:= -Iinclude -I$(OUT)
INC_fuzz	:= $(INC_lib) -Irapl -Ifuse -Iexporter -Imodel
INC_tests	:= $(INC_lib) -Irapl -Ifuse -Iexporter -Imodel -Ictl -Itests $(JSONC_INC)
# The folder a source lies in: lib/table.c -> lib, tests/unit/x.c -> tests.
folder		= $(firstword $(subst /, ,$(1)))

LIB_SRCS	:= $(wildcard lib/*.c)
RAPL_SRCS	:= $(wildcard rapl/*.c)
# The filesystem's pure parts, linked by the unit tests.
FUSE_PURE_SRCS	:= fuse/access.c fuse/caller.c fuse/files.c fuse/render.c fuse/render_json.c
FUSE_SRCS	:= $(FUSE_PURE_SRCS) fuse/fs.c fuse/loop.c fuse/mount.c fuse/refuse.c
# The HTTP listener's pure parts (address, routing), linked by the unit tests.
EXPORTER_PURE_SRCS := exporter/listen.c exporter/route.c
EXPORTER_SRCS	:= $(EXPORTER_PURE_SRCS) exporter/http.c
DAEMON_SRCS	:= $(wildcard daemon/*.c)
UNIT_SRCS	:= $(wildcard tests/unit/*.c) tests/test.c
E2E_SRCS	:= $(wildcard tests/e2e/*.c) tests/test.c
BENCH_SRCS	:= $(wildcard bench/*.c)
# The fit: pure, on arrays (linked by energyctl and the unit tests).
MODEL_SRCS	:= $(wildcard model/*.c)
CTL_SRCS	:= $(wildcard ctl/*.c)
# energyctl's subcommands without its main(), for the unit tests.
CTL_CMD_SRCS	:= $(filter-out ctl/main.c,$(CTL_SRCS))

obj		= $(patsubst %.c,$(OUT)/obj/%.o,$(1))
LIBENERGY	:= $(OUT)/libenergy.a

BPF_OBJS	:= $(OUT)/energy.bpf.o $(OUT)/bench_empty.bpf.o
SKELS		:= $(BPF_OBJS:.bpf.o=.skel.h)

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.DELETE_ON_ERROR:
.SECONDARY: $(BPF_OBJS) $(SKELS)
.PHONY: FORCE all run check check-kernels check-churn check-system unit e2e bench fuzz fuzzers deps vmlinux clean \
	soak check-valgrind \
	install uninstall deb check-deb

all: $(OUT)/energyd $(OUT)/energyctl

$(OUT):
	$(Q)mkdir -p $@

$(OUT)/%.bpf.o: bpf/%.bpf.c include/vmlinux.h include/energy_abi.h $(wildcard bpf/*.h) | $(OUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/%.skel.h: $(OUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

# The default model, built in from model/weights.conf as text.
$(OUT)/default_weights.h: model/weights.conf | $(OUT)
	$(call msg,GEN,$@)
	$(Q)sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $< > $@

# No relative include may reach around the folder rule.
$(OUT)/layering.stamp: $(wildcard */*.c */*.h tests/*/*.c tests/*/*.h) | $(OUT)
	$(call msg,CHECK,include rules)
	$(Q)if grep -n '^#include "\.\./' $^; then \
		echo "include rules: a relative include reaches out of its folder" >&2; exit 1; fi
	$(Q)touch $@

$(OUT)/obj/%.o: %.c | $(SKELS) $(OUT)/default_weights.h $(OUT)/layering.stamp
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(INC_$(call folder,$<)) $(CPPFLAGS) $(CFLAGS) $(DEPFLAGS) -c $< -o $@

$(LIBENERGY): $(call obj,$(LIB_SRCS))
	$(call msg,AR,$@)
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^

$(OUT)/energyd: $(call obj,$(DAEMON_SRCS) $(FUSE_SRCS) $(EXPORTER_SRCS) $(RAPL_SRCS)) $(LIBENERGY)
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LIBS) -o $@

$(OUT)/unit: $(call obj,$(UNIT_SRCS) $(FUSE_PURE_SRCS) $(EXPORTER_PURE_SRCS) $(RAPL_SRCS) $(MODEL_SRCS) $(CTL_CMD_SRCS)) $(LIBENERGY)
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(CFLAGS) $^ -ljson-c $(CURSES_LIBS) $(GSL_LIBS) -o $@

$(OUT)/e2e: $(call obj,$(E2E_SRCS)) $(LIBENERGY)
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(CFLAGS) $^ -lbpf -lelf -lz -lpthread -o $@

$(OUT)/energyctl: $(call obj,$(CTL_SRCS) $(MODEL_SRCS)) $(LIBENERGY)
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ -ljson-c $(CURSES_LIBS) $(GSL_LIBS) -o $@

$(OUT)/bench: $(call obj,$(BENCH_SRCS))
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(CFLAGS) $^ -lbpf -lelf -lz -o $@

# Not into the guests' trees (build/kernels, build/system), full of *.d.
-include $(shell find $(OUT) \( -path $(OUT)/kernels -o -path $(OUT)/system \) -prune \
	-o -name '*.d' -type f -print 2>/dev/null)

# The fuzz targets (fuzz/*.c): clang libFuzzer with ASan and UBSan, over
# the pure parsers of outside input; objects apart in $(OUT)/fuzz.
FUZZ_SECONDS	?= 60
FUZZ_OUT	:= $(OUT)/fuzz
FUZZ_CFLAGS	:= -O1 -g -Wall -Wextra -Werror -std=gnu11 -D_GNU_SOURCE \
		   -fsanitize=fuzzer-no-link,address,undefined \
		   -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_SRCS	:= $(wildcard fuzz/*.c)
FUZZ_PURE_SRCS	:= $(LIB_SRCS) fuse/caller.c $(EXPORTER_PURE_SRCS) rapl/parse.c \
		   model/input.c
FUZZ_BINS	:= $(patsubst fuzz/%.c,$(FUZZ_OUT)/%,$(FUZZ_SRCS))
fuzz_obj	= $(patsubst %.c,$(FUZZ_OUT)/obj/%.o,$(1))

$(FUZZ_OUT)/obj/%.o: %.c | $(OUT)/layering.stamp
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(INC_$(call folder,$<)) $(FUZZ_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(FUZZ_OUT)/libpure.a: $(call fuzz_obj,$(FUZZ_PURE_SRCS))
	$(call msg,AR,$@)
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^

$(FUZZ_OUT)/%: $(FUZZ_OUT)/obj/fuzz/%.o $(FUZZ_OUT)/libpure.a
	$(call msg,FUZZER,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer $^ -lm -o $@

.SECONDARY: $(call fuzz_obj,$(FUZZ_SRCS))

fuzzers: $(FUZZ_BINS)

fuzz: deps
	$(Q)$(MAKE) --no-print-directory fuzzers
	$(Q)scripts/fuzz.sh $(FUZZ_OUT) $(FUZZ_SECONDS)

deps:
	$(Q)scripts/install-deps.sh

run: deps
	$(Q)$(MAKE) --no-print-directory all
	$(OUT)/energyd -f

unit: $(OUT)/unit
	$(OUT)/unit

e2e: $(OUT)/energyd $(OUT)/e2e
	$(OUT)/e2e

# energyd built with AddressSanitizer and UBSan, objects apart.
$(OUT)/asan/energyd: FORCE
	$(Q)$(MAKE) --no-print-directory OUT=$(OUT)/asan SANITIZE=address,undefined $@

# With SANITIZE, everything is built with it and check.sh runs the suite
# on those binaries (SANITIZE=thread: the readers' tests against the
# sampler); the fuzzers, ASan already, and the extra ASan energyd belong
# to the plain run.
check: deps
	$(Q)$(MAKE) --no-print-directory $(OUT)/energyd $(OUT)/energyctl $(OUT)/unit $(OUT)/e2e \
		$(if $(SANITIZE),,$(OUT)/asan/energyd fuzzers) $(OUT)/man.stamp $(OUT)/energyd.service
	$(Q)SANITIZE=$(SANITIZE) scripts/check.sh $(OUT)

check-kernels: deps
	$(Q)$(MAKE) --no-print-directory $(OUT)/energyd $(OUT)/energyctl $(OUT)/e2e
	$(Q)scripts/check-kernels.sh $(OUT)

# The churn tests at their full size (root): 100,000 cgroups created and
# removed, 20,000 short processes against a smaller process map.
check-churn: deps
	$(Q)$(MAKE) --no-print-directory $(OUT)/energyd $(OUT)/e2e
	$(Q)E2E_CHURN_CGROUPS=100000 $(OUT)/e2e cgroup_churn daemon_stop daemon_map_churn

# The guest installs the package when there is a deb target, else make
# install's tree.
check-system: deps
	$(Q)$(MAKE) --no-print-directory $(OUT)/energyd $(OUT)/energyctl
	$(Q)if $(MAKE) -n deb >/dev/null 2>&1; then $(MAKE) --no-print-directory deb; fi
	$(Q)scripts/check-system.sh $(OUT)

bench: deps
	$(Q)$(MAKE) --no-print-directory $(OUT)/energyd $(OUT)/bench
	$(Q)bench/run.sh $(OUT)

# make soak: 1,000 short processes a second for SOAK_MINUTES in a cgroup of
# their own against energyd: RSS, log, cgroup CPU time (tests/e2e/soak.c).
SOAK_MINUTES	?= 10
soak: deps
	$(Q)$(MAKE) --no-print-directory $(OUT)/energyd $(OUT)/e2e
	$(Q)SOAK_MINUTES=$(SOAK_MINUTES) ENERGYD=$(OUT)/energyd $(OUT)/e2e soak_churn

# make check-valgrind: energyd under valgrind memcheck, start to stop
# (scripts/check-valgrind.sh).
check-valgrind: deps
	$(Q)$(MAKE) --no-print-directory $(OUT)/energyd
	$(Q)scripts/check-valgrind.sh $(OUT)

vmlinux:
	$(call msg,GEN,include/vmlinux.h)
	$(Q){ echo "/* Generated by 'make vmlinux' from the BTF of Linux $$(uname -r) ($$(uname -m)). */"; \
	      $(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c; } > include/vmlinux.h

clean:
	$(call msg,CLEAN,$(OUT))
	$(Q)rm -rf $(OUT)

# make install [PREFIX=/usr/local] [DESTDIR=]: binaries, man pages, docs
# under PREFIX, the unit (its ExecStart in PREFIX) and the configuration
# under /etc (kept when it is there); make uninstall takes them away, the
# configuration only when it is as installed.
PREFIX		?= /usr/local
SYSCONFDIR	?= /etc
SBINDIR		:= $(PREFIX)/sbin
BINDIR		:= $(PREFIX)/bin
MANDIR		:= $(PREFIX)/share/man
DOCDIR		:= $(PREFIX)/share/doc/energyd
# Units of a package go to /lib/systemd/system, a local install's to /etc.
UNITDIR		?= $(if $(filter /usr,$(PREFIX)),/lib/systemd/system,$(SYSCONFDIR)/systemd/system)
MANPAGES	:= ctl/energyctl.1 daemon/energyd.8 daemon/energyd.conf.5

# The unit with this PREFIX's paths; rewritten only when they change.
$(OUT)/energyd.service: systemd/energyd.service.in FORCE | $(OUT)
	$(Q)sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@DOCDIR@|$(DOCDIR)|g' $< > $@.tmp
	$(Q)if cmp -s $@.tmp $@; then rm $@.tmp; else mv $@.tmp $@; fi

install: $(OUT)/energyd $(OUT)/energyctl $(OUT)/energyd.service
	install -D -m 0755 $(OUT)/energyd $(DESTDIR)$(SBINDIR)/energyd
	install -D -m 0755 $(OUT)/energyctl $(DESTDIR)$(BINDIR)/energyctl
	install -D -m 0644 ctl/energyctl.1 $(DESTDIR)$(MANDIR)/man1/energyctl.1
	install -D -m 0644 daemon/energyd.8 $(DESTDIR)$(MANDIR)/man8/energyd.8
	install -D -m 0644 daemon/energyd.conf.5 $(DESTDIR)$(MANDIR)/man5/energyd.conf.5
	install -D -m 0644 $(OUT)/energyd.service $(DESTDIR)$(UNITDIR)/energyd.service
	install -D -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md
	install -D -m 0644 model/README.md $(DESTDIR)$(DOCDIR)/model.md
	[ -e $(DESTDIR)$(SYSCONFDIR)/energyd/energyd.conf ] || \
		install -D -m 0644 daemon/energyd.conf $(DESTDIR)$(SYSCONFDIR)/energyd/energyd.conf
	$(if $(DESTDIR),,-systemctl daemon-reload 2>/dev/null)

uninstall:
	$(if $(DESTDIR),,-systemctl disable --now energyd 2>/dev/null)
	rm -f $(DESTDIR)$(SBINDIR)/energyd $(DESTDIR)$(BINDIR)/energyctl \
	      $(DESTDIR)$(MANDIR)/man1/energyctl.1 $(DESTDIR)$(MANDIR)/man8/energyd.8 \
	      $(DESTDIR)$(MANDIR)/man5/energyd.conf.5 \
	      $(DESTDIR)$(UNITDIR)/energyd.service
	rm -rf $(DESTDIR)$(DOCDIR)
	if cmp -s daemon/energyd.conf $(DESTDIR)$(SYSCONFDIR)/energyd/energyd.conf; then \
		rm -f $(DESTDIR)$(SYSCONFDIR)/energyd/energyd.conf; \
		rmdir $(DESTDIR)$(SYSCONFDIR)/energyd 2>/dev/null || true; fi
	$(if $(DESTDIR),,-systemctl daemon-reload 2>/dev/null)

# The Debian package, built with debhelper from a copy of the tracked
# files: build/deb/energyd_<version>_<arch>.deb.
DEB_VERSION	= $(shell dpkg-parsechangelog -l debian/changelog -S Version 2>/dev/null)
DEB_ARCH	= $(shell dpkg --print-architecture 2>/dev/null)
deb: deps
	$(Q)rm -rf $(OUT)/deb && mkdir -p $(OUT)/deb/src
	$(Q)git ls-files -z --cached --others --exclude-standard | \
		xargs -0 cp --parents -t $(OUT)/deb/src
	$(Q)cd $(OUT)/deb/src && dpkg-buildpackage -b -uc -us -j2 >../build.log 2>&1 || \
		{ tail -n 40 ../build.log >&2; exit 1; }
	$(Q)echo "lintian:"; lintian --fail-on error $(OUT)/deb/energyd_$(DEB_VERSION)_$(DEB_ARCH).deb; \
		rc=$$?; echo "lintian: exit $$rc"; exit $$rc
	@echo "$(OUT)/deb/energyd_$(DEB_VERSION)_$(DEB_ARCH).deb"

# make deb, then dpkg -i, -r, -P on this host with the files checked (root).
check-deb: deps
	$(Q)scripts/check-deb.sh $(OUT)

# Manual pages render without a warning.
$(OUT)/man.stamp: $(MANPAGES) | $(OUT)
	$(call msg,CHECK,man pages)
	$(Q)for m in $(MANPAGES); do \
		w=$$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l $$m 2>&1 >/dev/null); \
		[ -z "$$w" ] || { echo "$$m: $$w" >&2; exit 1; }; done
	$(Q)touch $@
