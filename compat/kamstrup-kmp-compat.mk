# SPDX-License-Identifier: GPL-2.0-only
#
# The out-of-tree (DKMS) layer: how the driver, written against the newest
# kernel API, builds on older kernels.  Each difference is detected from the
# kernel's own headers ($(srctree)), never from its version number, and
# bridged by compat/kamstrup-kmp-compat.h, which is force-included into
# every file of the driver.  drivers/ itself never sees any of this.
#
# Include with kmp-compat-h set to the header's absolute path; adds to
# subdir-ccflags-y.

# $(call kmp-has,FILE,REGEX): y if the kernel's FILE matches (no , or ( in REGEX)
kmp-has = $(shell grep -sqE '$(2)' $(srctree)/$(1) && echo y)

kmp-compat-flags := -include $(kmp-compat-h)
# Volume and volume flow channel types (the upstream series' first patch)
ifneq ($(call kmp-has,include/uapi/linux/iio/types.h,\<IIO_VOLUMEFLOW\>),y)
kmp-compat-flags += -DKMP_COMPAT_NO_IIO_VOLUME
endif
# serdev receive_buf() returned int and took unsigned char before 6.8
ifeq ($(call kmp-has,include/linux/serdev.h,int .\*receive_buf.),y)
kmp-compat-flags += -DKMP_COMPAT_RECEIVE_BUF_INT
endif
# iio_device_claim_direct() returning bool (6.15); before, _mode and an errno
ifneq ($(call kmp-has,include/linux/iio/iio.h,bool iio_device_claim_direct.struct),y)
kmp-compat-flags += -DKMP_COMPAT_NO_CLAIM_DIRECT
endif
# iio_push_to_buffers_with_ts() with the scan's size (6.15)
ifneq ($(call kmp-has,include/linux/iio/buffer.h,int iio_push_to_buffers_with_ts.struct),y)
kmp-compat-flags += -DKMP_COMPAT_NO_PUSH_WITH_TS
endif
# fwnode_name_eq() (6.2)
ifneq ($(call kmp-has,include/linux/property.h,bool fwnode_name_eq.const),y)
kmp-compat-flags += -DKMP_COMPAT_NO_FWNODE_NAME_EQ
endif
# device_is_compatible() (6.2)
ifneq ($(call kmp-has,include/linux/property.h,bool device_is_compatible.const),y)
kmp-compat-flags += -DKMP_COMPAT_NO_DEVICE_IS_COMPATIBLE
endif
# serdev_controller_alloc() with the host device (6.10; KUnit tests only)
ifneq ($(call kmp-has,include/linux/serdev.h,serdev_controller_alloc.struct device .host),y)
kmp-compat-flags += -DKMP_COMPAT_SERDEV_ALLOC_NO_HOST
endif
# MODULE_IMPORT_NS() takes a string since 6.13 (KUnit tests only)
ifeq ($(call kmp-has,include/linux/module.h,import_ns. __stringify.ns),y)
kmp-compat-flags += -DKMP_COMPAT_IMPORT_NS_IDENT
endif

# KUNIT_CASE_SLOW() (6.5; KUnit tests only)
ifneq ($(call kmp-has,include/kunit/test.h,define KUNIT_CASE_SLOW),y)
kmp-compat-flags += -DKMP_COMPAT_NO_KUNIT_CASE_SLOW
endif

subdir-ccflags-y += $(kmp-compat-flags)
