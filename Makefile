# SPDX-License-Identifier: GPL-2.0-only
#
# kamstrup-kmp: out-of-tree kernel module, userspace tools and tests.
#
#   make                 module for the running kernel (KDIR=... for another)
#   make userspace       kmpctl, kmp-sim and the userspace test binaries
#   make check           every test suite; ends with "N passed, N failed"
#   make demo            the whole thing working, no hardware needed
#   make demo-shell      the demo's QEMU guest, at a shell
#   make bench           read times against the line-rate limit
#   make fuzz            the protocol fuzzer (FUZZ_SECONDS=..., corpus kept)
#

KDIR ?= /lib/modules/$(shell uname -r)/build
O_USER ?= build
CC_USER ?= gcc
CLANG ?= clang

# Module objects: the kernel build reads these from the kbuild file
# drivers/iio/meter/Makefile through the top-level Kbuild.
MODULE_CONFIG := CONFIG_KAMSTRUP_KMP_CORE=m
ifneq ($(wildcard drivers/iio/meter/kamstrup-kmp.c),)
MODULE_CONFIG += CONFIG_KAMSTRUP_KMP=m
endif

CORE_SRC := drivers/iio/meter/kmp.c
CORE_HDR := drivers/iio/meter/kmp.h userspace/include/kmp-shim.h
USER_CPPFLAGS := -Iuserspace/include -Idrivers/iio/meter
USER_CFLAGS ?= -O2 -g -Wall -Wextra -Wno-sign-compare -std=gnu11

KMPCTL_SRC := $(wildcard userspace/kmpctl/*.c)
KMPSIM_SRC := $(wildcard userspace/kmp-sim/*.c)
UTEST_SRC := $(wildcard tests/userspace/*.c) $(wildcard tests/kunit/kmp_kunit.c)
FUZZ_SRC := $(wildcard tests/fuzz/*.c)

.PHONY: all modules clean userspace check demo demo-shell bench fuzz help

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) $(MODULE_CONFIG) modules

help:
	@sed -n '3,13p' Makefile | sed 's/^# \{0,1\}//'

userspace: $(O_USER)/kmpctl $(O_USER)/kmp-sim $(O_USER)/kmp-unit-tests

$(O_USER):
	mkdir -p $@

KMPCTL_HDR := $(wildcard userspace/kmpctl/*.h) include/uapi/linux/kamstrup-kmp.h
# libiio is dlopen()ed when read or watch need it: kmpctl links libc only
# (-pthread -ldl for glibc before 2.34, e.g. Raspberry Pi OS bullseye)
KMPCTL_LDLIBS ?= -Wl,--as-needed -pthread -ldl

$(O_USER)/kmpctl: $(KMPCTL_SRC) $(KMPCTL_HDR) $(CORE_SRC) $(CORE_HDR) | $(O_USER)
	$(CC_USER) $(USER_CPPFLAGS) $(USER_CFLAGS) -o $@ $(KMPCTL_SRC) \
		$(CORE_SRC) $(KMPCTL_LDLIBS)

$(O_USER)/kmp-sim: $(KMPSIM_SRC) $(CORE_SRC) $(CORE_HDR) | $(O_USER)
	$(CC_USER) $(USER_CPPFLAGS) $(USER_CFLAGS) -o $@ $(KMPSIM_SRC) $(CORE_SRC)

# The KUnit suite of the core, run in userspace through a KUnit shim,
# under AddressSanitizer and UBSan.
$(O_USER)/kmp-unit-tests: $(UTEST_SRC) $(CORE_SRC) $(CORE_HDR) | $(O_USER)
	$(CC_USER) $(USER_CPPFLAGS) -Itests/userspace $(USER_CFLAGS) \
		-fsanitize=address,undefined -fno-sanitize-recover=all \
		-o $@ $(UTEST_SRC) $(CORE_SRC)

$(O_USER)/kmp-fuzz: $(FUZZ_SRC) $(CORE_SRC) $(CORE_HDR) | $(O_USER)
	$(CLANG) $(USER_CPPFLAGS) -O1 -g -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -o $@ $(FUZZ_SRC) $(CORE_SRC)

check:
	./scripts/check

demo:
	./scripts/demo

# the demo's guest, left at an interactive shell (exit powers it off)
demo-shell:
	./scripts/demo --shell

# the driver's read time against the line-rate limit and one-per-request
bench:
	./tests/e2e/bench

FUZZ_SECONDS ?= 600
fuzz:
	./tests/fuzz/run --seconds $(FUZZ_SECONDS)

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
#                                  for DEB_ARCHES (default: amd64 arm64; cross)
#   make build/arm64/kmpctl        kmpctl for arm64 (CROSS_COMPILE_ARM64)
#
# The version is in VERSION, and only there.

KMP_VERSION := $(shell cat $(CURDIR)/VERSION)
DKMS_NAME := kamstrup-kmp
DKMS_SRC := $(O_USER)/dkms/$(DKMS_NAME)-$(KMP_VERSION)
DKMS_FILES = Makefile Kbuild Kconfig VERSION \
	$(wildcard drivers/iio/meter/Makefile drivers/iio/meter/*.[ch]) \
	$(wildcard include/uapi/linux/*.h)
DKMS_K = $(if $(KVER),-k $(KVER))
DTC ?= dtc
OVERLAYS = $(patsubst dts/overlays/%-overlay.dts,$(O_USER)/overlays/%.dtbo,\
	$(wildcard dts/overlays/*-overlay.dts))
CROSS_COMPILE_ARM64 ?= aarch64-linux-gnu-
DEB_ARCHES ?= amd64 arm64
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

$(O_USER)/arm64/kmpctl: FORCE
	$(MAKE) O_USER=$(O_USER)/arm64 CC_USER=$(CROSS_COMPILE_ARM64)gcc \
		PKG_CONFIG=$(CROSS_COMPILE_ARM64)pkg-config $@

# (the flags ride on CC_USER so that USER_CFLAGS stays the project's)
$(O_USER)/deb-%/kmpctl: FORCE
	$(MAKE) O_USER=$(O_USER)/deb-$* \
		PKG_CONFIG=$(if $(filter $*,$(DEB_HOST_ARCH)),pkg-config,$(patsubst %-gcc,%-pkg-config,$(call deb_cc,$*))) \
		CC_USER="$(call deb_cc,$*) $(call deb_flags,$*,CFLAGS) \
		$(call deb_flags,$*,CPPFLAGS) $(call deb_flags,$*,LDFLAGS)" $@

deb: overlay dkms-src $(foreach a,$(DEB_ARCHES),$(O_USER)/deb-$(a)/kmpctl)
	debian/build-debs --version $(KMP_VERSION) --dkms-src $(DKMS_SRC) \
		--overlays $(O_USER)/overlays --kmpctl-dir $(O_USER) \
		--arches "$(DEB_ARCHES)" --out $(O_USER)/deb

FORCE:
