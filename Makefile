# SPDX-License-Identifier: LGPL-2.1-or-later
#
# textpoke build, kernel style.
#
#   make [ARCH=x86|arm64|riscv] [CROSS_COMPILE=prefix-] [O=dir] [V=1] [LLVM=1]
#   make defconfig | olddefconfig | menuconfig | savedefconfig
#   make check          selftests on every architecture (qemu-user for the
#                       ones the host cannot run), the host tests, the
#                       Debian packages (package-check), one summary line
#   make demo           a live multi-threaded program patched by every backend
#   make bench          benchmarks (not tests) on every arch, and bench/REPORT.md
#   make sites-check    verify the patch sites of everything built (textpoke-sites)
#   make SANITIZE=address,undefined check CHECK_ARCHES=x86   under ASan/UBSan
#   make soak           10^6 toggles per backend (10^5 under qemu), bounded
#   make [SANITIZE=address,undefined] fuzz   the bounded fuzzers, FUZZ_CASES each
#   make install        PREFIX=/usr/local LIBDIR= INCLUDEDIR= BINDIR= MANDIR= DESTDIR=
#   make uninstall      the same variables: removes what install put there
#   make package        Debian packages of the native arch in $(O)/package
#   make package-check  build them, install them into a scratch root, use them
#   make kernel         the in-kernel patch series (kernel/) applied to Debian's
#                       linux-source-6.1, kernels for KERNEL_ARCHES built
#   make kernel-check   boot them under qemu-system, run their selftests
#   make clean | distclean | kernel-clean
#
# Objects, the configuration and the generated header of one architecture
# live in $(O)/$(ARCH); dependencies built from source in $(O)/deps.

VERSION		:= 0.1.0
SOVERSION	:= 0

HOSTARCH := $(shell uname -m | sed -e 's/^x86_64$$/x86/' -e 's/^aarch64$$/arm64/' \
				   -e 's/^riscv64$$/riscv/')
ARCH	?= $(HOSTARCH)
O	?= build
objtree	:= $(O)/$(ARCH)
DEPS	:= $(O)/deps

ifeq ($(filter $(ARCH),x86 arm64 riscv),)
$(error ARCH=$(ARCH) is not supported: use x86, arm64 or riscv)
endif

# The GNU triple of each arch, for cross compilers and clang --target.
triple-x86	:= x86_64-linux-gnu
triple-arm64	:= aarch64-linux-gnu
triple-riscv	:= riscv64-linux-gnu
TRIPLE		:= $(triple-$(ARCH))

ifneq ($(ARCH),$(HOSTARCH))
CROSS_COMPILE	?= $(TRIPLE)-
endif

ifeq ($(LLVM),1)
CC	:= clang $(if $(CROSS_COMPILE),--target=$(TRIPLE))
AR	:= llvm-ar
OBJCOPY	:= llvm-objcopy
# clang 14's riscv assembler cannot resolve "jal x0, . + N" in the
# reference tables; GNU as assembles the .S files there.
ifeq ($(ARCH),riscv)
TP_AFLAGS := -fno-integrated-as
endif
else
OBJCOPY	?= $(CROSS_COMPILE)objcopy
ifeq ($(origin CC),default)
CC	:= $(CROSS_COMPILE)gcc
endif
ifeq ($(origin AR),default)
AR	:= $(CROSS_COMPILE)ar
endif
endif

# qemu-user runs the selftests of an arch the host cannot execute.
# qemu-aarch64 uses / because libc6:arm64 comes from multiarch (newer than
# the cross sysroot's ld.so); riscv64 has only the cross sysroot.
runner-arm64	:= qemu-aarch64 -L /
runner-riscv	:= qemu-riscv64 -L /usr/riscv64-linux-gnu
ifneq ($(ARCH),$(HOSTARCH))
RUNNER		?= $(runner-$(ARCH))
endif

ifeq ($(V),1)
Q	:=
quiet	= @:
else
Q	:= @
quiet	= @printf '  %-8s %s\n'
endif

PYTHON3		:= /usr/bin/python3
PKG_CONFIG	?= pkg-config
BOOTSTRAP	:= scripts/bootstrap.sh --deps $(DEPS)
# NO_BOOTSTRAP=1: install nothing, whatever is missing (the Debian package
# build, whose Build-Depends bring what it needs).
ifeq ($(NO_BOOTSTRAP),1)
bootstrap-packages := :
else
bootstrap-packages := bash $(BOOTSTRAP) packages
endif
KCONFIG_CONFIG	:= $(objtree)/.config
AUTOCONF	:= $(objtree)/include/generated/autoconf.h
export KCONFIG_CONFIG ARCH

# --- configuration ------------------------------------------------------

config-targets	:= defconfig olddefconfig menuconfig savedefconfig
no-config-targets := $(config-targets) clean distclean help check bootstrap \
		     tools sites-check run-host-selftests bench uninstall package \
		     package-check

ifneq ($(filter-out $(no-config-targets),$(or $(MAKECMDGOALS),all)),)
include $(KCONFIG_CONFIG)
include scripts/config-check.mk
endif

kconfig = $(PYTHON3) -m $(1) Kconfig

.PHONY: $(config-targets) bootstrap
bootstrap:
	$(Q)bash $(BOOTSTRAP) all

defconfig: | $(objtree)/
	$(Q)$(bootstrap-packages)
	$(Q)$(call kconfig,alldefconfig)

olddefconfig: | $(objtree)/
	$(Q)$(bootstrap-packages)
	$(Q)$(call kconfig,olddefconfig)

menuconfig: | $(objtree)/
	$(Q)$(bootstrap-packages)
	$(Q)$(call kconfig,menuconfig)

savedefconfig: | $(objtree)/
	$(Q)$(PYTHON3) -m savedefconfig --kconfig Kconfig --out $(objtree)/defconfig

# No configuration yet: start from the defaults, as `make defconfig` would.
# A Kconfig newer than the configuration: keep its choices and take the
# defaults of the new options, as the kernel's build does.
$(KCONFIG_CONFIG): Kconfig | $(objtree)/
	$(Q)$(bootstrap-packages)
	$(Q)if [ -f $@ ]; then \
		printf '  %-8s %s\n' KCONFIG "$@ (new options: defaults)"; \
		$(call kconfig,olddefconfig) >/dev/null && touch $@; \
	else \
		printf '  %-8s %s\n' KCONFIG "$@ (defaults; change with make menuconfig)"; \
		$(call kconfig,alldefconfig) >/dev/null; \
	fi

# genconfig leaves a header that would not change as it is: touched, so
# that a Kconfig edit that changes nothing here is not redone every make.
$(AUTOCONF): $(KCONFIG_CONFIG) Kconfig | $(objtree)/include/generated/
	$(quiet) GEN $@
	$(Q)$(call kconfig,genconfig) --header-path $@ && touch $@

# --- flags ----------------------------------------------------------------

CFLAGS		?= -O2 -g
# Unwind tables: callbacks may take a backtrace through the library's
# frames (riscv's gcc leaves them out by default; the others do not).
TP_CFLAGS	:= -std=gnu11 -Wall -Wextra -Werror -fPIC -fvisibility=hidden \
		   -fno-strict-aliasing -fasynchronous-unwind-tables
TP_CPPFLAGS	:= -D_GNU_SOURCE -Iinclude -Iarch/$(ARCH)/include \
		   -I$(objtree)/include -include $(AUTOCONF)
LDLIBS_URCU	:= -lurcu-cds -lurcu-bp -lpthread -ldl

# make SANITIZE=address,undefined: the library, tests and demo built with
# the sanitizers (native builds).  Every report ends the program, so that
# a test cannot pass with undefined behaviour reported in its log.
ifneq ($(SANITIZE),)
TP_CFLAGS	+= -fsanitize=$(SANITIZE) -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS		+= -fsanitize=$(SANITIZE)
endif

# Debian ships no riscv64 liburcu for bookworm: it is built from the source
# package into $(DEPS)/riscv64 and linked statically.
ifeq ($(ARCH),riscv)
URCU_STAMP	:= $(DEPS)/riscv64/.built-pic
TP_CPPFLAGS	+= -I$(DEPS)/riscv64/include
LDFLAGS_URCU	:= -L$(DEPS)/riscv64/lib
endif

# --- the library ------------------------------------------------------------

# The engine (textpoke/), its event sinks (textpoke/events/) and its
# clients (textpoke/tracing/: static keys, function tracing).  A feature
# Kconfig leaves out is a set of files left out here; textpoke/stubs.c
# gives their functions in built-out form (the only way a feature is
# built out).
lib-y				:= textpoke/strerror.c textpoke/poke.c textpoke/maps.c textpoke/encode.c
lib-y				+= textpoke/io.c textpoke/stubs.c textpoke/test_support.c
lib-y				+= textpoke/text.c textpoke/words.c textpoke/cpusync.c textpoke/inflight.c
lib-y				+= textpoke/trap.c textpoke/stop_machine.c textpoke/tasks.c
lib-y				+= textpoke/chain.c textpoke/park_signal.c textpoke/toggle.c
lib-$(CONFIG_BACKEND_BREAKPOINT)	+= textpoke/bp.c
lib-$(CONFIG_BACKEND_NOSYNC)		+= textpoke/nosync.c
lib-y				+= $(filter-out arch/$(ARCH)/ftrace%,$(wildcard arch/$(ARCH)/*.c arch/$(ARCH)/*.S))
# PRE/POST events and their sinks.
lib-y				+= textpoke/events/events.c textpoke/events/perf_file.c
lib-$(CONFIG_PERF_DATA_WRITER)	+= textpoke/events/perf_data_writer.c textpoke/events/perf_data_file.c
lib-$(CONFIG_TRACEEVENT_FORMATS)	+= textpoke/events/event_format.c
# The clients.
lib-$(CONFIG_STATIC_KEYS)		+= textpoke/tracing/jump_label.c
lib-$(CONFIG_FTRACE)		+= $(addprefix textpoke/tracing/,ftrace.c ftrace_objects.c \
				   ftrace_dispatch.c ftrace_fast.c ftrace_elf.c ftrace_apply.c ftrace_glob.c ftrace_direct.c \
				   ftrace_graph.c ftrace_record.c)
lib-$(CONFIG_FTRACE)		+= arch/$(ARCH)/ftrace.c arch/$(ARCH)/ftrace_entry.S

lib-objs	:= $(patsubst %,$(objtree)/%.o,$(basename $(lib-y)))

# The library's own code is never patched: the trap and park handlers run
# it.  Its objects' text goes to one section, textpoke_text, whose bounds
# (__start_/__stop_textpoke_text) the engine refuses to touch, whether the
# library is linked statically or as a shared object.  gcc must not split
# functions into .text.unlikely / .text.startup for that.
cc-option = $(shell $(CC) -Werror $(1) -x c -c /dev/null -o /dev/null 2>/dev/null && echo $(1))
$(lib-objs): EXTRA_CFLAGS += $(call cc-option,-fno-reorder-functions) \
			     $(call cc-option,-fno-reorder-blocks-and-partition) \
			     -Wmissing-prototypes -Wstrict-prototypes
$(lib-objs): OWN_TEXT = $(OBJCOPY) $(foreach s,.text .text.unlikely .text.hot .text.startup \
	.text.exit,--rename-section $(s)=textpoke_text,alloc,load,readonly,code,contents) $@
# The dispatcher runs on every traced call: initial-exec TLS (its own
# thread words and urcu-bp's, one thread-pointer-relative access each),
# and, where the compiler can promise it, the integer registers only: the
# light trampolines call it with the traced function's vector arguments
# still live (riscv64's compilers use no floating-point register for
# integer code).
dispatch-regs-x86	:= -mgeneral-regs-only
dispatch-regs-arm64	:= -mgeneral-regs-only
$(objtree)/textpoke/tracing/ftrace_dispatch.o $(objtree)/textpoke/tracing/ftrace_fast.o: \
	EXTRA_CFLAGS += -ftls-model=initial-exec $(dispatch-regs-$(ARCH))
$(objtree)/textpoke/tracing/ftrace_graph.o: EXTRA_CFLAGS += -ftls-model=initial-exec
# Their inlined urcu-bp read side reaches the thread's reader where
# liburcu-bp's registry put it, which is not the 128 bytes (a cache line)
# its type declares: word-sized accesses on word-aligned addresses, which
# UBSan's alignment check would still report.
ifneq ($(SANITIZE),)
$(objtree)/textpoke/tracing/ftrace_dispatch.o $(objtree)/textpoke/tracing/ftrace_fast.o \
	$(objtree)/textpoke/tracing/ftrace_graph.o: EXTRA_CFLAGS += -fno-sanitize=alignment
endif
LIB_A		:= $(objtree)/libtextpoke.a
LIB_SO		:= $(objtree)/libtextpoke.so
LIB_SO_REAL	:= $(LIB_SO).$(VERSION)
# The objects as compiled, every internal symbol still global: only for
# the white-box tests and benchmarks of internals (arch code, events).
LIB_INTERNAL	:= $(objtree)/textpoke/built-in.a
# The API: the TP_EXPORT functions of include/textpoke/, the only symbols
# libtextpoke.so exports and libtextpoke.a keeps global (with the
# test-support counters, textpoke/test_support.h, in the archive only).
LIB_EXPORTS	:= $(objtree)/textpoke/exports.map

.DEFAULT_GOAL := all
.PHONY: all libs tools
all: libs tools $(if $(CONFIG_SELFTESTS),selftests)
libs: $(LIB_A) $(LIB_SO)

$(LIB_INTERNAL): $(lib-objs)
	$(quiet) AR $@
	$(Q)rm -f $@ && $(AR) rcs $@ $^

# One relocatable object whose hidden symbols are made local: a program
# may define text_write() or stop_machine() itself and link the archive.
$(objtree)/textpoke/textpoke.o: $(lib-objs)
	$(quiet) LD $@
	$(Q)$(CC) -r -nostdlib -o $@.tmp $^
	$(Q)$(OBJCOPY) --localize-hidden $@.tmp $@ && rm -f $@.tmp

$(LIB_A): $(objtree)/textpoke/textpoke.o
	$(quiet) AR $@
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(LIB_EXPORTS): scripts/exports.sh $(wildcard include/textpoke/*.h) | $(objtree)/textpoke/
	$(quiet) GEN $@
	$(Q)scripts/exports.sh --version-script include/textpoke/*.h > $@

$(LIB_SO_REAL): $(lib-objs) $(LIB_EXPORTS)
	$(quiet) LD $@
	$(Q)$(CC) -shared -Wl,-soname,libtextpoke.so.$(SOVERSION) -Wl,-z,noexecstack \
		-Wl,--version-script,$(LIB_EXPORTS) \
		-o $@ $(lib-objs) $(LDFLAGS) $(LDFLAGS_URCU) $(LDLIBS_URCU)

$(LIB_SO): $(LIB_SO_REAL)
	$(Q)ln -sf $(notdir $<) $@.$(SOVERSION) && ln -sf $(notdir $<) $@

# The flags that give code patchable function entries (Kconfig
# FTRACE_CFLAGS, one default per arch; docs/ftrace.md says why).
FTRACE_CFLAGS	:= $(subst ",,$(CONFIG_FTRACE_CFLAGS))

# The library's version in every command's --version.
TP_VERSION_FLAGS := -DTP_VERSION='"$(VERSION)"'

# --- the decoding library and the host tools -----------------------------

include perf-glue/Makefile.inc
include tools/textpoke-ctl/Makefile.inc
include tools/agent/Makefile.inc
include tools/tp-perf/Makefile.inc
include tools/tp-decode/Makefile.inc
tools: $(tools)

# --- objects ----------------------------------------------------------------

$(objtree)/%.o: %.c $(AUTOCONF) | deps
	$(quiet) CC $@
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(TP_CPPFLAGS) $(CPPFLAGS) $(TP_CFLAGS) $(CFLAGS) $(EXTRA_CFLAGS) \
		-MMD -MP -c $< -o $@
	$(Q)$(OWN_TEXT)

$(objtree)/%.o: %.S $(AUTOCONF) | deps
	$(quiet) AS $@
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(TP_CPPFLAGS) $(CPPFLAGS) $(TP_CFLAGS) $(TP_AFLAGS) $(CFLAGS) $(EXTRA_CFLAGS) \
		-MMD -MP -c $< -o $@
	$(Q)$(OWN_TEXT)

# What the objects need before they compile: the Debian packages, and on
# riscv the liburcu built from source.
.PHONY: deps
deps: $(URCU_STAMP)
	$(Q)$(bootstrap-packages)

$(DEPS)/riscv64/.built-pic:
	$(Q)bash $(BOOTSTRAP) riscv-urcu

$(DEPS)/include/kselftest_harness.h:
	$(Q)bash $(BOOTSTRAP) kselftest

%/:
	$(Q)mkdir -p $@

# --- selftests --------------------------------------------------------------

include examples/Makefile.inc
include selftests/Makefile.inc

# --- host tools -------------------------------------------------------------

include tools/textpoke-sites/Makefile.inc
include tools/tp-graph/Makefile.inc
include tools/tp-record/Makefile.inc
include tools/textpoke/Makefile.inc
include selftests/sites/Makefile.inc
include selftests/record/Makefile.inc
include fuzz/Makefile.inc

# --- demo -------------------------------------------------------------------

# The request functions are built as a user builds traceable code, with
# the ftrace flags; the demo prints its call graph with tp-graph's printer.
# Natively, perf itself then reads the PRE/POST events the demo wrote.
DEMO		:= $(objtree)/demo/textpoke-demo
demo-objs	:= $(objtree)/demo/textpoke-demo.o $(objtree)/demo/sites_$(ARCH).o \
		   $(objtree)/demo/tracing.o $(objtree)/demo/requests.o \
		   $(objtree)/tools/tp-graph/replay.o
$(objtree)/demo/requests.o: EXTRA_CFLAGS += $(FTRACE_CFLAGS)

$(DEMO): $(demo-objs) $(LIB_A)
	$(quiet) LD $@
	$(Q)$(CC) -o $@ $^ $(LDFLAGS) $(LDFLAGS_URCU) $(LDLIBS_URCU) -lstdc++

DEMO_PERF_DATA	:= $(objtree)/demo/textpoke-demo.perf.data
.PHONY: demo
demo: $(DEMO)
	$(Q)$(RUNNER) $(DEMO) $(objtree)/demo
ifeq ($(ARCH),$(HOSTARCH))
	@echo "perf script --show-text-poke-events -i $(DEMO_PERF_DATA) (first lines):"
	$(Q)perf script -f --show-text-poke-events -i $(DEMO_PERF_DATA) 2>&1 | head -n 8
	@echo "... $$(perf script -f --show-text-poke-events -i $(DEMO_PERF_DATA) 2>/dev/null | wc -l) PRE and POST events in all"
endif

-include $(demo-objs:.o=.d)

# --- bench (not a test: numbers, no verdict) ---------------------------------

include bench/Makefile.inc

# --- soak and fuzz (not in check: they take minutes) -------------------------

# The engine's toggle tests with 10^6 toggles per backend (10^5 under
# qemu) and their 4 workers, every toggle required, within a time budget
# so that the run stops by itself; the other engine tests run as usual.
SOAK_TOGGLES	?= $(if $(RUNNER),100000,1000000)
SOAK_SECONDS	?= 600

.PHONY: soak
soak: $(objtree)/selftests/engine/engine_test
	$(Q)TP_TOGGLES=$(SOAK_TOGGLES) TP_MIN_TOGGLES=$(SOAK_TOGGLES) \
		TP_TOGGLE_SECONDS=$(SOAK_SECONDS) SELFTEST_TIMEOUT=7200 \
		scripts/run-selftests.sh --arch $(ARCH) --summary $(objtree)/selftests/soak-summary \
		$(if $(RUNNER),--runner "$(RUNNER)") $<

# The bounded fuzzers with FUZZ_CASES mutated inputs each: the arch's
# instruction decoder (selftests/insn), tp-perf's perf.data reader
# (selftests/events), jump tables built at run time (selftests/static_key),
# tp-decode's ETMv4 and Intel PT trace paths (selftests/decode and
# selftests/pt, where tp-decode is built) and
# textpoke-sites' ELF reader (selftests/sites, a host tool); then the
# libFuzzer targets of fuzz/, FUZZ_RUNS runs each.
FUZZ_CASES	?= 1000000

.PHONY: fuzz
fuzz: $(objtree)/selftests/insn/insn_test $(objtree)/selftests/events/events_test \
		$(if $(CONFIG_STATIC_KEYS),$(objtree)/selftests/static_key/static_key_test) \
		$(if $(filter decode,$(selftests)),$(objtree)/selftests/decode/decode_test) \
		$(if $(filter pt,$(selftests)),$(objtree)/selftests/pt/pt_test)
	$(Q)TP_FUZZ_CASES=$(FUZZ_CASES) scripts/run-selftests.sh --arch $(ARCH) \
		--summary $(objtree)/selftests/fuzz-summary $(if $(RUNNER),--runner "$(RUNNER)") $^
	$(Q)TP_FUZZ_CASES=$(FUZZ_CASES) $(MAKE) --no-print-directory O=$(O) run-host-selftests
	$(Q)$(MAKE) --no-print-directory O=$(O) FUZZ_RUNS=$(FUZZ_RUNS) run-libfuzzer

# --- check: every architecture ---------------------------------------------

CHECK_ARCHES	?= x86 arm64 riscv

.PHONY: check
check:
	$(Q)rm -f $(foreach a,$(CHECK_ARCHES),$(O)/$(a)/selftests/summary)
	$(Q)rm -f $(O)/host/selftests/summary $(O)/host/sites-check/summary $(O)/package/summary
	$(Q)for a in $(CHECK_ARCHES); do \
		$(MAKE) --no-print-directory ARCH=$$a O=$(O) run-selftests || true; \
	done
	$(Q)$(MAKE) --no-print-directory O=$(O) run-host-selftests || true
	$(Q)$(MAKE) --no-print-directory O=$(O) CHECK_ARCHES="$(CHECK_ARCHES)" sites-check || true
	$(Q)$(MAKE) --no-print-directory O=$(O) package-check || true
	$(Q)scripts/check-summary.sh $(foreach a,$(CHECK_ARCHES),$(a):$(O)/$(a)/selftests/summary) \
		host:$(O)/host/selftests/summary sites:$(O)/host/sites-check/summary \
		package:$(O)/package/summary

# --- kernel: the in-kernel series, booted under qemu-system ---------------
#
# Not part of check: building the kernels takes minutes of both cores.
# kernel/scripts/kernel.sh does the work; docs/kernel.md explains it.

KERNEL_ARCHES	?= x86_64 arm64 riscv64

.PHONY: kernel kernel-check kernel-clean
kernel:
	$(Q)bash $(BOOTSTRAP) kernel
	$(Q)KBUILD_DIR=$(abspath $(O))/kernel kernel/scripts/kernel.sh build $(KERNEL_ARCHES)

kernel-check:
	$(Q)KBUILD_DIR=$(abspath $(O))/kernel kernel/scripts/kernel.sh check $(KERNEL_ARCHES)

kernel-clean:
	$(Q)rm -rf $(O)/kernel

# --- install, clean -------------------------------------------------------

# Where install puts things, read when it runs (the .pc file is written
# then, with these values).  INCDIR is the older name of INCLUDEDIR.  The
# arch's asm headers go to ARCHINCLUDEDIR: Debian gives it the multiarch
# include directory, so that the development packages of several arches
# can be installed together.
PREFIX		?= /usr/local
BINDIR		?= $(PREFIX)/bin
LIBDIR		?= $(PREFIX)/lib
INCDIR		?= $(PREFIX)/include
INCLUDEDIR	?= $(INCDIR)
ARCHINCLUDEDIR	?= $(INCLUDEDIR)
MANDIR		?= $(PREFIX)/share/man
PKGCONFIGDIR	?= $(LIBDIR)/pkgconfig
# The tracing agent is preloaded by path, never found by the dynamic
# loader's search, so it lives in a directory of its own, not among the
# shared libraries (the commands look for it at ../lib[/TRIPLE]/textpoke
# beside their own bin/).
AGENTDIR	?= $(LIBDIR)/textpoke

# Every command has its man page, docs/NAME.1: the list of the commands
# make uninstall removes, whichever this configuration builds.
all-commands	:= $(basename $(notdir $(wildcard docs/*.1)))
inst-commands	= $(notdir $(TP_CLI) $(cli-tools))
inst-headers	:= $(wildcard include/textpoke/*.h)
inst-asm	:= $(wildcard arch/$(ARCH)/include/textpoke/asm/*.h)
# A directory in the .pc file relative to ${prefix} where it is one.
pc-dir		= $(patsubst $(PREFIX)/%,$${prefix}/%,$(1))

.PHONY: install uninstall
install: libs tools
	install -d $(DESTDIR)$(INCLUDEDIR)/textpoke $(DESTDIR)$(ARCHINCLUDEDIR)/textpoke/asm \
		$(DESTDIR)$(LIBDIR) $(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(BINDIR) \
		$(DESTDIR)$(MANDIR)/man1
	install -m 0755 $(TP_CLI) $(cli-tools) $(DESTDIR)$(BINDIR)/
	install -m 0644 $(patsubst %,docs/%.1,$(inst-commands)) $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 $(inst-headers) $(DESTDIR)$(INCLUDEDIR)/textpoke/
	install -m 0644 $(inst-asm) $(DESTDIR)$(ARCHINCLUDEDIR)/textpoke/asm/
	install -m 0644 $(LIB_A) $(DESTDIR)$(LIBDIR)/
	install -m 0755 $(LIB_SO_REAL) $(DESTDIR)$(LIBDIR)/
	install -d $(DESTDIR)$(AGENTDIR)
	install -m 0755 $(AGENT) $(DESTDIR)$(AGENTDIR)/
	ln -sf $(notdir $(LIB_SO_REAL)) $(DESTDIR)$(LIBDIR)/libtextpoke.so.$(SOVERSION)
	ln -sf $(notdir $(LIB_SO_REAL)) $(DESTDIR)$(LIBDIR)/libtextpoke.so
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(call pc-dir,$(LIBDIR))|' \
		-e 's|@INCLUDEDIR@|$(call pc-dir,$(INCLUDEDIR))|' \
		-e 's|@ARCHINCLUDEDIR@|$(call pc-dir,$(ARCHINCLUDEDIR))|' \
		-e 's|@VERSION@|$(VERSION)|' -e 's|@FTRACE_CFLAGS@|$(FTRACE_CFLAGS)|' \
		textpoke.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/textpoke.pc
	chmod 0644 $(DESTDIR)$(PKGCONFIGDIR)/textpoke.pc

# Exactly what install puts there, and the directories of textpoke's own
# that are left empty; no configuration needed.
uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(all-commands)) \
		$(patsubst %,$(DESTDIR)$(MANDIR)/man1/%.1,$(all-commands)) \
		$(addprefix $(DESTDIR)$(INCLUDEDIR)/textpoke/,$(notdir $(inst-headers))) \
		$(addprefix $(DESTDIR)$(ARCHINCLUDEDIR)/textpoke/asm/,$(notdir $(inst-asm))) \
		$(addprefix $(DESTDIR)$(LIBDIR)/,libtextpoke.a libtextpoke.so \
			libtextpoke.so.$(SOVERSION) libtextpoke.so.$(VERSION)) \
		$(DESTDIR)$(AGENTDIR)/libtextpoke-agent.so \
		$(DESTDIR)$(PKGCONFIGDIR)/textpoke.pc
	rmdir $(DESTDIR)$(AGENTDIR) $(DESTDIR)$(ARCHINCLUDEDIR)/textpoke/asm $(DESTDIR)$(ARCHINCLUDEDIR)/textpoke \
		$(DESTDIR)$(INCLUDEDIR)/textpoke 2>/dev/null || true

# --- Debian packages ----------------------------------------------------------

# debian/ builds the native arch's packages with dpkg-buildpackage from a
# copy of the tree in $(O)/package; package-check installs them into a
# scratch root (dpkg -x) and builds and runs a program against them with
# their pkg-config file alone, then runs every command's --help and
# --version there.  About half a minute with lintian: make check runs it.
# DEB_ARCH=arm64 (or riscv64): the packages of another arch, cross-built
# (package only: package-check runs what it built).
DEB_ARCH	?=
.PHONY: package package-check
package:
	$(Q)bash $(BOOTSTRAP) package $(DEB_ARCH)
	$(Q)scripts/package.sh build --out $(O)/package $(if $(DEB_ARCH),--arch $(DEB_ARCH))
package-check: package
	$(Q)scripts/package.sh check --out $(O)/package

.PHONY: clean distclean help
clean:
	$(Q)rm -rf $(filter-out $(O)/deps $(O)/kernel,$(wildcard $(O)/*))

distclean:
	$(Q)rm -rf $(O)

help:
	@sed -n '3,23s/^# \{0,1\}//p' Makefile

-include $(lib-objs:.o=.d)
