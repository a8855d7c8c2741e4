/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel API differences between Linux 6.1 and 7.2 that the Kamstrup
 * KMP driver meets, in one place.  Upstream, this header goes away and the
 * newest form of each call stays; until then it is the one file allowed
 * to test LINUX_VERSION_CODE (tests/style/run tells checkpatch so).
 */
#ifndef _KAMSTRUP_KMP_COMPAT_H
#define _KAMSTRUP_KMP_COMPAT_H

#include <linux/iio/buffer.h>
#include <linux/iio/iio.h>
#include <linux/serdev.h>
#include <linux/version.h>

/* serdev receive_buf(): int and unsigned char before 6.8, size_t and u8 since */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
#define KMP_RECEIVE_RET size_t
#else
#define KMP_RECEIVE_RET int
#endif

/* iio_device_claim_direct() returns bool since 6.15; before, an errno */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 15, 0)
static inline bool kmp_claim_direct(struct iio_dev *indio_dev)
{
	return iio_device_claim_direct(indio_dev);
}

static inline void kmp_release_direct(struct iio_dev *indio_dev)
{
	iio_device_release_direct(indio_dev);
}
#else
static inline bool kmp_claim_direct(struct iio_dev *indio_dev)
{
	return !iio_device_claim_direct_mode(indio_dev);
}

static inline void kmp_release_direct(struct iio_dev *indio_dev)
{
	iio_device_release_direct_mode(indio_dev);
}
#endif

/* iio_push_to_buffers_with_ts() takes the scan's size since 6.15 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 15, 0)
static inline int kmp_push_with_ts(struct iio_dev *indio_dev, void *scan,
				   size_t size, s64 ts)
{
	return iio_push_to_buffers_with_ts(indio_dev, scan, size, ts);
}
#else
static inline int kmp_push_with_ts(struct iio_dev *indio_dev, void *scan,
				   size_t size, s64 ts)
{
	return iio_push_to_buffers_with_timestamp(indio_dev, scan, ts);
}
#endif

/* The scan mask's length is private to the IIO core since 6.12 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#define kmp_masklength(indio_dev) iio_get_masklength(indio_dev)
#else
#define kmp_masklength(indio_dev) ((indio_dev)->masklength)
#endif

/* serdev_controller_alloc() takes the host device since 6.10 (tests only) */
static inline struct serdev_controller *
kmp_serdev_controller_alloc(struct device *host, struct device *parent,
			    size_t size)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
	return serdev_controller_alloc(host, parent, size);
#else
	return serdev_controller_alloc(parent, size);
#endif
}

#endif /* _KAMSTRUP_KMP_COMPAT_H */
