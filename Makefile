# SPDX-License-Identifier: GPL-2.0-only
#
# kamstrup-kmp: out-of-tree kernel module, userspace tools and tests.
#
#   make                 module for the running kernel (KDIR=... for another;
#                        the same as make -C KDIR M=$PWD)
#   make userspace       kmpctl, kmp-sim, kmp-decode and the test binaries
#   make check           every test suite; ends with "N passed, N failed"
#   make check-full      and Debian's kernel packages with the DKMS module
#   make patches         the upstream series against Linux 7.2 in
#                        build/patches (scripts/make-patches --out DIR)
#   make demo            the whole thing working, no hardware needed
#                        (METER=603 or METER=382: another simulated meter)
#   make demo-shell      the demo's QEMU guest, at a shell (METER= too)
#   make bench           read times against the line-rate limit
#   make fuzz            the protocol fuzzer (FUZZ_SECONDS=..., corpus kept)
#   make soak SCANS=N    N scans against a meter with random faults (about
#                        3.1 s a scan; SOAK_ARGS=--debug: the debug kernel)
#

KDIR ?= /lib/modules/$(shell uname -r)/build
O_USER ?= build
CC_USER ?= gcc
CLANG ?= clang

# The protocol core, built unchanged in userspace with stand-ins for the
# kernel headers it includes (userspace/include); the meter's side of the
# protocol (reply builders, request decoding) for kmp-sim, kmp-decode,
# the tests and the fuzzer.
CORE_SRC := drivers/iio/meter/kmp.c
CORE_HDR := drivers/iio/meter/kmp.h $(wildcard userspace/include/*/*.h)
METER_SRC := drivers/iio/meter/tests/kmp-meter.c
METER_HDR := drivers/iio/meter/tests/kmp-meter.h
USER_CPPFLAGS := -Iuserspace/include -Idrivers/iio/meter \
	-Idrivers/iio/meter/tests
# (as the kernel's W=1: no missing-field-initializers warnings)
USER_CFLAGS ?= -O2 -g -Wall -Wextra -Wno-sign-compare \
	-Wno-missing-field-initializers -std=gnu11

KMPCTL_SRC := $(wildcard userspace/kmpctl/*.c)
# userspace/lib: what kmpctl, kmp-mqtt and kmp-decode share (messages and
# exact decimals, records and formats, the tty transport, libiio as device
# source), built once into a static archive each program links
LIBKMP_SRC := $(wildcard userspace/lib/*.c)
LIBKMP_HDR := $(wildcard userspace/lib/*.h)
LIBKMP := $(O_USER)/lib/libkmp-user.a
# the archiver of CC_USER's toolchain: aarch64-linux-gnu-gcc-ar for
# aarch64-linux-gnu-gcc (gcc-ar: fine with -flto objects too)
AR_USER ?= $(patsubst %gcc,%gcc-ar,$(filter %gcc,$(firstword $(CC_USER))))
ifeq ($(AR_USER),)
AR_USER := ar
endif
KMPSIM_SRC := $(wildcard userspace/kmp-sim/*.c)
# The core's KUnit suite, run as a program through the KUnit stand-in
UTEST_SRC := $(wildcard tests/userspace/*.c) drivers/iio/meter/tests/kmp-test.c
UTEST_HDR := $(wildcard tests/userspace/*/*.h)
FUZZ_SRC := $(wildcard tests/fuzz/*.c)
UAPI_HDR := include/uapi/linux/kamstrup-kmp.h

.PHONY: all modules clean userspace check check-full patches demo demo-shell bench \
	fuzz soak help

all: modules

# Kbuild sets the options DKMS ships (CONFIG_KAMSTRUP_KMP=m, CHARDEV=y)
modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

help:
	@sed -n '3,17p' Makefile | sed 's/^# \{0,1\}//'
	@echo
	@sed -n '/^#   make dkms-install/,/^#   make build.arm64.kmpctl/p' Makefile | \
		sed 's/^# \{0,1\}//'

userspace: $(O_USER)/kmpctl $(O_USER)/kmp-mqtt $(O_USER)/kmp-sim \
	$(O_USER)/kmp-decode $(O_USER)/kmp-unit-tests $(O_USER)/kmp-ioctl-test

$(O_USER):
	mkdir -p $@

KMPCTL_HDR := $(wildcard userspace/kmpctl/*.h) $(LIBKMP_HDR) $(UAPI_HDR)

# libiio (kmpctl) and libmosquitto (kmp-mqtt) through pkg-config.  A cross
# compiler (CC_USER=aarch64-linux-gnu-gcc) links against Debian's -dev
# packages of its architecture in a private sysroot under KMP_CACHE,
# fetched by userspace/kmpctl/fetch-sysroot without touching apt's sources.
KMP_CACHE ?= $(HOME)/.cache/kamstrup-kmp
USER_TRIPLET := $(shell $(firstword $(CC_USER)) -dumpmachine 2>/dev/null)
ifneq ($(USER_TRIPLET),$(shell gcc -dumpmachine 2>/dev/null))
USER_ARCH := $(shell dpkg-architecture -t$(USER_TRIPLET) -qDEB_HOST_ARCH 2>/dev/null)
USER_SYSROOT := $(KMP_CACHE)/sysroot-$(USER_ARCH)
USER_SYSROOT_DEP := $(USER_SYSROOT)/.done
USER_PC = PKG_CONFIG_SYSROOT_DIR=$(USER_SYSROOT) \
	PKG_CONFIG_LIBDIR=$(USER_SYSROOT)/usr/lib/$(USER_TRIPLET)/pkgconfig \
	pkg-config
USER_LINK := -Wl,-rpath-link,$(USER_SYSROOT)/usr/lib/$(USER_TRIPLET) \
	-Wl,-rpath-link,$(USER_SYSROOT)/lib/$(USER_TRIPLET)
else
USER_PC = pkg-config
endif

$(USER_SYSROOT)/.done: userspace/kmpctl/fetch-sysroot
	userspace/kmpctl/fetch-sysroot $(USER_ARCH) $(USER_SYSROOT)

# The shared library (iio-source.o wants libiio's headers: of the sysroot
# when cross compiling); an archive: kmp-decode takes only what it uses
$(O_USER)/lib/%.o: userspace/lib/%.c $(LIBKMP_HDR) $(CORE_HDR) \
		$(USER_SYSROOT_DEP)
	@mkdir -p $(@D)
	$(CC_USER) $(USER_CPPFLAGS) -Iuserspace/lib $(USER_CFLAGS) \
		$$($(USER_PC) --cflags libiio) -c -o $@ $<

$(LIBKMP): $(patsubst userspace/lib/%.c,$(O_USER)/lib/%.o,$(LIBKMP_SRC))
	rm -f $@
	$(AR_USER) rcs $@ $^

# kmpctl: the core, userspace/lib and libiio; nothing of the tests (not
# kmp-meter.c)
$(O_USER)/kmpctl: $(KMPCTL_SRC) $(KMPCTL_HDR) $(LIBKMP) $(CORE_SRC) \
		$(CORE_HDR) $(USER_SYSROOT_DEP) | $(O_USER)
	$(CC_USER) $(USER_CPPFLAGS) -Iuserspace/lib $(USER_CFLAGS) \
		$$($(USER_PC) --cflags libiio) -o $@ $(KMPCTL_SRC) \
		$(CORE_SRC) $(LIBKMP) $(USER_LINK) \
		$$($(USER_PC) --libs libiio) -pthread

# kmp-decode: KMP frames explained, a developer's tool (not packaged: it
# reads requests with the meter side's kmp_decode_request()); registers
# print through userspace/lib's output.c; it links no libiio
KMPDECODE_SRC := userspace/kmp-decode/kmp-decode.c
$(O_USER)/kmp-decode: $(KMPDECODE_SRC) $(LIBKMP_HDR) $(LIBKMP) $(CORE_SRC) \
		$(CORE_HDR) $(METER_SRC) $(METER_HDR) | $(O_USER)
	$(CC_USER) $(USER_CPPFLAGS) -Iuserspace/lib $(USER_CFLAGS) -o $@ \
		$(KMPDECODE_SRC) $(CORE_SRC) $(METER_SRC) $(LIBKMP)

# kmp-mqtt: the MQTT / Home Assistant bridge, on userspace/lib's tty
# transport and libiio source, and libmosquitto
KMPMQTT_SRC := $(wildcard userspace/kmpctl/mqtt/*.c)
$(O_USER)/kmp-mqtt: $(KMPMQTT_SRC) $(wildcard userspace/kmpctl/mqtt/*.h) \
		$(LIBKMP_HDR) $(LIBKMP) $(CORE_SRC) $(CORE_HDR) \
		$(USER_SYSROOT_DEP) | $(O_USER)
	$(CC_USER) $(USER_CPPFLAGS) -Iuserspace/lib $(USER_CFLAGS) \
		$$($(USER_PC) --cflags libiio libmosquitto) -o $@ \
		$(KMPMQTT_SRC) $(CORE_SRC) $(LIBKMP) $(USER_LINK) \
		$$($(USER_PC) --libs libiio libmosquitto) -pthread

# kmp-sim with no PROFILE serves multical403.profile, compiled in
$(O_USER)/kmp-sim-profile.c: userspace/kmp-sim/multical403.profile | $(O_USER)
	{ echo 'const char sim_builtin_profile[] ='; \
	  sed 's/\\/\\\\/g; s/"/\\"/g; s/.*/"&\\n"/' $<; echo ';'; } >$@

$(O_USER)/kmp-sim: $(KMPSIM_SRC) $(wildcard userspace/kmp-sim/*.h) \
		$(O_USER)/kmp-sim-profile.c $(CORE_SRC) $(CORE_HDR) \
		$(METER_SRC) $(METER_HDR) | $(O_USER)
	$(CC_USER) $(USER_CPPFLAGS) $(USER_CFLAGS) -o $@ $(KMPSIM_SRC) \
		$(O_USER)/kmp-sim-profile.c $(CORE_SRC) $(METER_SRC)

# userspace/lib's fixed-point decimals against the core's formatter
# (tests/tools; util.c compiled here, with the sanitizers)
$(O_USER)/fx-test: tests/tools/fx-test.c userspace/lib/util.c \
		userspace/lib/util.h $(CORE_SRC) $(CORE_HDR) | $(O_USER)
	$(CC_USER) $(USER_CPPFLAGS) -Iuserspace/lib $(USER_CFLAGS) \
		-fsanitize=address,undefined -fno-sanitize-recover=all -o $@ \
		tests/tools/fx-test.c userspace/lib/util.c $(CORE_SRC)

# The KUnit suite of the core, run in userspace through a KUnit stand-in
# (tests/userspace), under AddressSanitizer and UBSan.
$(O_USER)/kmp-unit-tests: $(UTEST_SRC) $(UTEST_HDR) $(CORE_SRC) $(CORE_HDR) \
		$(METER_SRC) $(METER_HDR) | $(O_USER)
	$(CC_USER) -Itests/userspace $(USER_CPPFLAGS) $(USER_CFLAGS) \
		-fsanitize=address,undefined -fno-sanitize-recover=all \
		-o $@ $(UTEST_SRC) $(CORE_SRC) $(METER_SRC)

# The driver's ioctl with bad and good arguments, against a real /dev/kmpN
# (tests/e2e runs it in the guest): kmp-ioctl-test /dev/kmp0
$(O_USER)/kmp-ioctl-test: tests/tools/kmp-ioctl-test.c $(UAPI_HDR) \
		$(CORE_SRC) $(CORE_HDR) | $(O_USER)
	$(CC_USER) $(USER_CPPFLAGS) $(USER_CFLAGS) -o $@ \
		tests/tools/kmp-ioctl-test.c $(CORE_SRC)

# The character device under stress, in the debug kernel's guest (tests/e2e
# run --debug): kmp-stress fuzz|stale ...
$(O_USER)/kmp-stress: tests/debug/kmp-stress.c $(UAPI_HDR) | $(O_USER)
	$(CC_USER) $(USER_CPPFLAGS) $(USER_CFLAGS) -Iinclude/uapi -o $@ \
		tests/debug/kmp-stress.c

$(O_USER)/kmp-fuzz: $(FUZZ_SRC) $(CORE_SRC) $(CORE_HDR) $(METER_SRC) \
		$(METER_HDR) | $(O_USER)
	$(CLANG) $(USER_CPPFLAGS) -O1 -g -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -o $@ $(FUZZ_SRC) $(CORE_SRC) \
		$(METER_SRC)

check:
	./scripts/check

# make check and the slow suites: Debian's own arm64 and armel (Pi Zero)
# kernels booted in QEMU with the module DKMS builds for them
check-full:
	./scripts/check --full

# The upstream series: make patches [PATCHES_OUT=DIR]
PATCHES_OUT ?= $(O_USER)/patches
patches:
	./scripts/make-patches --out $(PATCHES_OUT)

# METER=403 (default), 603 (MULTICAL 603) or 382 (Kamstrup 382)
demo:
	./scripts/demo $(if $(METER),--meter $(METER))

# the demo's guest, left at an interactive shell (exit powers it off)
demo-shell:
	./scripts/demo --shell $(if $(METER),--meter $(METER))

# the driver's read time against the line-rate limit and one-per-request
bench:
	./tests/e2e/bench

FUZZ_SECONDS ?= 600
fuzz:
	./tests/fuzz/run --seconds $(FUZZ_SECONDS)

# The soak (tests/soak/run): N scans in the QEMU guest against kmp-sim with
# 5 % CRC errors, 5 % silence, 2 % truncation and 2 % late replies
SCANS ?= 100
SOAK_ARGS ?=
soak:
	./tests/soak/run --scans $(SCANS) $(SOAK_ARGS)

clean:
	rm -rf $(O_USER)
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || true

# ---- DKMS, Debian packages, Raspberry Pi overlays ------------------------------
#
#   make dkms-install [KVER=...]   module sources to /usr/src/kamstrup-kmp-<version>,
#                                  then dkms add, build and install (root; KVER:
#                                  that kernel instead of the running one)
#   make dkms-remove               dkms remove --all and the /usr/src copy (root)
#   make overlay                   build/overlays/*.dtbo from dts/overlays/
#   make deb                       build/deb/: kamstrup-kmp-dkms (all) and kmpctl
#                                  for DEB_ARCHES (default: amd64 arm64 armhf
#                                  armel; cross)
#   make build/arm64/kmpctl        kmpctl (or kmp-mqtt) for arm64 (CROSS_COMPILE_ARM64)
#
# The version is in VERSION, and only there.

KMP_VERSION := $(shell cat $(CURDIR)/VERSION)
DKMS_NAME := kamstrup-kmp
DKMS_SRC := $(O_USER)/dkms/$(DKMS_NAME)-$(KMP_VERSION)
# The module's sources only: not drivers/iio/meter/tests/ (KUnit, in-tree)
DKMS_FILES = Makefile Kbuild Kconfig VERSION $(wildcard compat/*) \
	drivers/iio/meter/Kconfig drivers/iio/meter/Makefile \
	$(wildcard drivers/iio/meter/*.[ch]) \
	$(wildcard include/uapi/linux/*.h)
DKMS_K = $(if $(KVER),-k $(KVER))
DTC ?= dtc
OVERLAYS = $(patsubst dts/overlays/%-overlay.dts,$(O_USER)/overlays/%.dtbo,\
	$(wildcard dts/overlays/*-overlay.dts))
CROSS_COMPILE_ARM64 ?= aarch64-linux-gnu-
# armhf: Raspberry Pi OS 32-bit; armel: Debian on the Pi Zero and 1
DEB_ARCHES ?= amd64 arm64 armhf armel
DEB_HOST_ARCH = $(shell dpkg --print-architecture 2>/dev/null)
# kmpctl as packaged: Debian's hardening flags for the target architecture
deb_flags = $(shell DEB_BUILD_MAINT_OPTIONS=hardening=+all DEB_HOST_ARCH=$(1) \
	dpkg-buildflags --get $(2))
deb_cc = $(if $(filter $(1),$(DEB_HOST_ARCH)),$(CC_USER),$(shell \
	dpkg-architecture -a$(1) -qDEB_HOST_GNU_TYPE 2>/dev/null)-gcc)

.PHONY: dkms-src dkms-install dkms-remove overlay deb FORCE

# The DKMS source tree: what the module build needs, dkms.conf with the version
dkms-src:
	rm -rf $(DKMS_SRC)
	mkdir -p $(DKMS_SRC)
	cp --parents $(DKMS_FILES) $(DKMS_SRC)/
	sed 's/^PACKAGE_VERSION=.*/PACKAGE_VERSION="$(KMP_VERSION)"/' dkms.conf \
		>$(DKMS_SRC)/dkms.conf

dkms-install: dkms-src
	@[ "$$(id -u)" = 0 ] || { echo "dkms-install: needs root (sudo make dkms-install)"; exit 1; }
	if [ -n "$$(dkms status -m $(DKMS_NAME) -v $(KMP_VERSION))" ]; then \
		dkms remove -m $(DKMS_NAME) -v $(KMP_VERSION) --all; fi
	rm -rf /usr/src/$(DKMS_NAME)-$(KMP_VERSION)
	cp -r $(DKMS_SRC) /usr/src/
	dkms add -m $(DKMS_NAME) -v $(KMP_VERSION)
	dkms build -m $(DKMS_NAME) -v $(KMP_VERSION) $(DKMS_K)
	dkms install -m $(DKMS_NAME) -v $(KMP_VERSION) $(DKMS_K)

dkms-remove:
	@[ "$$(id -u)" = 0 ] || { echo "dkms-remove: needs root (sudo make dkms-remove)"; exit 1; }
	if [ -n "$$(dkms status -m $(DKMS_NAME) -v $(KMP_VERSION))" ]; then \
		dkms remove -m $(DKMS_NAME) -v $(KMP_VERSION) --all; fi
	rm -rf /usr/src/$(DKMS_NAME)-$(KMP_VERSION)

overlay: $(OVERLAYS)

$(O_USER)/overlays/%.dtbo: dts/overlays/%-overlay.dts
	@mkdir -p $(@D)
	$(DTC) -@ -I dts -O dtb -o $@ $<

$(O_USER)/arm64/kmpctl $(O_USER)/arm64/kmp-mqtt: FORCE
	$(MAKE) O_USER=$(O_USER)/arm64 CC_USER=$(CROSS_COMPILE_ARM64)gcc $@

# (the flags ride on CC_USER so that USER_CFLAGS stays the project's)
deb_make = $(MAKE) O_USER=$(O_USER)/deb-$(1) \
	CC_USER="$(call deb_cc,$(1)) $(call deb_flags,$(1),CFLAGS) \
	$(call deb_flags,$(1),CPPFLAGS) $(call deb_flags,$(1),LDFLAGS)" $(2)

$(O_USER)/deb-%/kmpctl: FORCE
	$(call deb_make,$*,$@)

$(O_USER)/deb-%/kmp-mqtt: FORCE
	$(call deb_make,$*,$@)

deb: overlay dkms-src $(foreach a,$(DEB_ARCHES),$(O_USER)/deb-$(a)/kmpctl \
	$(O_USER)/deb-$(a)/kmp-mqtt)
	debian/build-debs --version $(KMP_VERSION) --dkms-src $(DKMS_SRC) \
		--overlays $(O_USER)/overlays --kmpctl-dir $(O_USER) \
		--arches "$(DEB_ARCHES)" --out $(O_USER)/deb

FORCE:
