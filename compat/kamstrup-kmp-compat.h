/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The out-of-tree (DKMS) layer: the kernel API of the newest kernel, for
 * the driver to build unchanged on older ones (6.1 and 6.12: Debian
 * bookworm, Raspberry Pi OS).  Force-included by
 * compat/kamstrup-kmp-compat.mk, which detects each difference from the
 * kernel's headers and defines the KMP_COMPAT_* switches.  Never part of
 * the upstream series.
 */
#ifndef _KAMSTRUP_KMP_COMPAT_H
#define _KAMSTRUP_KMP_COMPAT_H

#include <linux/bitops.h>
#include <linux/compiler.h>
#include <linux/iio/buffer.h>
#include <linux/iio/iio.h>
#include <linux/module.h>
#include <linux/property.h>
#include <linux/serdev.h>
#include <linux/slab.h>
#include <linux/string.h>

#ifdef KMP_COMPAT_NO_IIO_VOLUME
/*
 * No volume and volume flow channel types: the documented fallback.  Those
 * channels become IIO_COUNT channels numbered by their register, which the
 * driver keeps in chan->address: in_count68_raw is volume V1 (0x44) in
 * litres, in_count74_raw flow (0x4a) in litres per hour, with raw, scale
 * and label as on newer kernels (Documentation/iio/kamstrup-kmp.rst).
 */
#define IIO_VOLUME	((enum iio_chan_type)0x7f00)
#define IIO_VOLUMEFLOW	((enum iio_chan_type)0x7f01)

static inline int kmp_compat_register(struct device *dev,
				      struct iio_dev *indio_dev,
				      struct module *owner)
{
	/* The driver allocates its channels: they may be written here */
	struct iio_chan_spec *chan = (struct iio_chan_spec *)indio_dev->channels;
	int i;

	for (i = 0; i < indio_dev->num_channels; i++) {
		if (chan[i].type != IIO_VOLUME && chan[i].type != IIO_VOLUMEFLOW)
			continue;
		chan[i].type = IIO_COUNT;
		chan[i].indexed = 1;
		chan[i].channel = chan[i].address;
	}
	return __devm_iio_device_register(dev, indio_dev, owner);
}

#undef devm_iio_device_register
#define devm_iio_device_register(dev, indio_dev) \
	kmp_compat_register((dev), (indio_dev), THIS_MODULE)
#endif

#ifdef KMP_COMPAT_RECEIVE_BUF_INT
/* The driver's ops have the newer receive_buf(); an adapter passes them on */
struct kmp_compat_serdev_ops {
	size_t (*receive_buf)(struct serdev_device *serdev, const u8 *data,
			      size_t count);
	void (*write_wakeup)(struct serdev_device *serdev);
};

static const struct kmp_compat_serdev_ops *kmp_compat_ops;

static int __maybe_unused kmp_compat_receive_buf(struct serdev_device *serdev,
						 const unsigned char *data,
						 size_t count)
{
	return kmp_compat_ops->receive_buf(serdev, data, count);
}

static void __maybe_unused kmp_compat_write_wakeup(struct serdev_device *serdev)
{
	kmp_compat_ops->write_wakeup(serdev);
}

static const struct serdev_device_ops kmp_compat_adapter __maybe_unused = {
	.receive_buf = kmp_compat_receive_buf,
	.write_wakeup = kmp_compat_write_wakeup,
};

static inline void
kmp_compat_set_client_ops(struct serdev_device *serdev,
			  const struct kmp_compat_serdev_ops *ops)
{
	kmp_compat_ops = ops;
	serdev_device_set_client_ops(serdev, &kmp_compat_adapter);
}

#define serdev_device_ops kmp_compat_serdev_ops
#define serdev_device_set_client_ops kmp_compat_set_client_ops
#endif

#ifdef KMP_COMPAT_NO_CLAIM_DIRECT
static inline bool kmp_compat_claim_direct(struct iio_dev *indio_dev)
{
	return !iio_device_claim_direct_mode(indio_dev);
}

#define iio_device_claim_direct kmp_compat_claim_direct
#define iio_device_release_direct iio_device_release_direct_mode
#endif

#ifdef KMP_COMPAT_NO_PUSH_WITH_TS
static inline int kmp_compat_push_with_ts(struct iio_dev *indio_dev,
					  void *data, size_t len, s64 ts)
{
	return iio_push_to_buffers_with_timestamp(indio_dev, data, ts);
}

#define iio_push_to_buffers_with_ts kmp_compat_push_with_ts
#endif

#ifdef KMP_COMPAT_NO_DEVICE_IS_COMPATIBLE
static inline bool kmp_compat_device_is_compatible(const struct device *dev,
						   const char *compat)
{
	return fwnode_property_match_string(dev_fwnode(dev), "compatible",
					    compat) >= 0;
}

#define device_is_compatible kmp_compat_device_is_compatible
#endif

/* Typed allocation (7.0): a macro where it exists */
#ifndef kzalloc_obj
#define kzalloc_obj(p, gfp) kzalloc(sizeof(p), gfp)
#endif

/* A macro where it exists (6.12) */
#ifndef iio_for_each_active_channel
#define iio_for_each_active_channel(indio_dev, chan) \
	for_each_set_bit(chan, (indio_dev)->active_scan_mask, \
			 (indio_dev)->masklength)
#endif

#ifdef KMP_COMPAT_NO_FWNODE_NAME_EQ
/* The node's name up to its unit address is @name */
static inline bool kmp_compat_fwnode_name_eq(const struct fwnode_handle *fwnode,
					     const char *name)
{
	const char *node_name = fwnode_get_name(fwnode);
	size_t len = strlen(name);

	return node_name && !strncmp(node_name, name, len) &&
	       (node_name[len] == '\0' || node_name[len] == '@');
}

#define fwnode_name_eq kmp_compat_fwnode_name_eq
#endif

#ifdef KMP_COMPAT_SERDEV_ALLOC_NO_HOST
#define serdev_controller_alloc(host, parent, size) \
	serdev_controller_alloc(parent, size)
#endif

#ifdef KMP_COMPAT_IMPORT_NS_IDENT
#undef MODULE_IMPORT_NS
#define MODULE_IMPORT_NS(ns) MODULE_INFO(import_ns, ns)
#endif

#if defined(KMP_COMPAT_NO_KUNIT_CASE_SLOW) && IS_ENABLED(CONFIG_KUNIT)
/* Without the attribute: a slow case is a case */
#include <kunit/test.h>
#define KUNIT_CASE_SLOW(test_name) KUNIT_CASE(test_name)
#endif

#endif /* _KAMSTRUP_KMP_COMPAT_H */
