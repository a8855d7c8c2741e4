# SPDX-License-Identifier: GPL-2.0-only
#
# kamstrup-kmp: out-of-tree kernel module, userspace tools and tests.
#
#   make                 module for the running kernel (KDIR=... for another)
#   make userspace       kmpctl, kmp-sim and the userspace test binaries
#   make check           every test suite; ends with "N passed, N failed"
#   make demo            the whole thing working, no hardware needed
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

.PHONY: all modules clean userspace check demo fuzz help

all: modules

# include/uapi holds the driver's UAPI header (in a kernel tree: the kernel's)
modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) $(MODULE_CONFIG) \
		KCPPFLAGS="-I$(CURDIR)/include/uapi" modules

help:
	@sed -n '3,11p' Makefile | sed 's/^# \{0,1\}//'

userspace: $(O_USER)/kmpctl $(O_USER)/kmp-sim $(O_USER)/kmp-unit-tests

$(O_USER):
	mkdir -p $@

$(O_USER)/kmpctl: $(KMPCTL_SRC) $(CORE_SRC) $(CORE_HDR) | $(O_USER)
	$(CC_USER) $(USER_CPPFLAGS) $(USER_CFLAGS) -o $@ $(KMPCTL_SRC) $(CORE_SRC)

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

FUZZ_SECONDS ?= 600
fuzz:
	./tests/fuzz/run --seconds $(FUZZ_SECONDS)

clean:
	rm -rf $(O_USER)
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || true
