/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kmpctl: the part of libiio's ABI (libiio.so.0, v0.x) that kmpctl uses.
 *
 * kmpctl loads libiio at run time with dlopen("libiio.so.0") instead of
 * linking it: the binary then needs nothing but libc to build (natively or
 * for arm64, without a libiio sysroot), decode, --tty, list, info and reg
 * work where libiio is not installed, and read and watch say plainly when
 * it is missing.  libiio 1.x has another soname and API and is not loaded.
 *
 * The prototypes below are those of libiio 0.24's <iio.h>; tests/tools
 * compiles tests/tools/iio-abi-check.c against the installed <iio.h> to
 * check that they still are.  Each entry: name, return type, parameters,
 * required (0: optional, may be missing from an older libiio), checked
 * (0: a kmpctl type stands in for a libiio one and is checked separately).
 */
#ifndef _KMPCTL_IIO_ABI_H
#define _KMPCTL_IIO_ABI_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct iio_context;
struct iio_device;
struct iio_channel;
struct iio_buffer;

/* struct iio_data_format of libiio 0.x */
struct kmpctl_iio_data_format {
	unsigned int length;
	unsigned int bits;
	unsigned int shift;
	bool is_signed;
	bool is_fully_defined;
	bool is_be;
	bool with_scale;
	double scale;
	unsigned int repeat;
};

#define KMPCTL_LIBIIO_SONAME	"libiio.so.0"

#define KMPCTL_IIO_FUNCS(X)						\
	X(iio_library_get_version, void,				\
	  (unsigned int *major, unsigned int *minor, char git_tag[8]), 1, 1) \
	X(iio_create_default_context, struct iio_context *, (void), 1, 1) \
	X(iio_create_context_from_uri, struct iio_context *,		\
	  (const char *uri), 1, 1)					\
	X(iio_context_destroy, void, (struct iio_context *ctx), 1, 1)	\
	X(iio_context_set_timeout, int,					\
	  (struct iio_context *ctx, unsigned int timeout_ms), 1, 1)	\
	X(iio_context_get_devices_count, unsigned int,			\
	  (const struct iio_context *ctx), 1, 1)			\
	X(iio_context_get_device, struct iio_device *,			\
	  (const struct iio_context *ctx, unsigned int index), 1, 1)	\
	X(iio_device_get_id, const char *, (const struct iio_device *dev), 1, 1) \
	X(iio_device_get_name, const char *,				\
	  (const struct iio_device *dev), 1, 1)				\
	X(iio_device_get_label, const char *,				\
	  (const struct iio_device *dev), 0, 1)				\
	X(iio_device_get_channels_count, unsigned int,			\
	  (const struct iio_device *dev), 1, 1)				\
	X(iio_device_get_channel, struct iio_channel *,			\
	  (const struct iio_device *dev, unsigned int index), 1, 1)	\
	X(iio_device_find_attr, const char *,				\
	  (const struct iio_device *dev, const char *name), 1, 1)	\
	X(iio_device_attr_read, ssize_t,				\
	  (const struct iio_device *dev, const char *attr, char *dst,	\
	   size_t len), 1, 1)						\
	X(iio_device_attr_write, ssize_t,				\
	  (const struct iio_device *dev, const char *attr,		\
	   const char *src), 1, 1)					\
	X(iio_device_create_buffer, struct iio_buffer *,		\
	  (const struct iio_device *dev, size_t samples_count,		\
	   bool cyclic), 1, 1)						\
	X(iio_channel_get_id, const char *,				\
	  (const struct iio_channel *chn), 1, 1)			\
	X(iio_channel_is_output, bool, (const struct iio_channel *chn), 1, 1) \
	X(iio_channel_is_scan_element, bool,				\
	  (const struct iio_channel *chn), 1, 1)			\
	X(iio_channel_get_index, long, (const struct iio_channel *chn), 1, 1) \
	X(iio_channel_find_attr, const char *,				\
	  (const struct iio_channel *chn, const char *name), 1, 1)	\
	X(iio_channel_attr_get_filename, const char *,			\
	  (const struct iio_channel *chn, const char *attr), 1, 1)	\
	X(iio_channel_attr_read, ssize_t,				\
	  (const struct iio_channel *chn, const char *attr, char *dst,	\
	   size_t len), 1, 1)						\
	X(iio_channel_enable, void, (struct iio_channel *chn), 1, 1)	\
	X(iio_channel_disable, void, (struct iio_channel *chn), 1, 1)	\
	X(iio_channel_get_data_format, const struct kmpctl_iio_data_format *, \
	  (const struct iio_channel *chn), 1, 0)			\
	X(iio_channel_read, size_t,					\
	  (const struct iio_channel *chn, struct iio_buffer *buffer,	\
	   void *dst, size_t len), 1, 1)				\
	X(iio_buffer_refill, ssize_t, (struct iio_buffer *buf), 1, 1)	\
	X(iio_buffer_cancel, void, (struct iio_buffer *buf), 1, 1)	\
	X(iio_buffer_destroy, void, (struct iio_buffer *buf), 1, 1)

#endif /* _KMPCTL_IIO_ABI_H */
