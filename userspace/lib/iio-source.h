/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Meters as a device source: devices and channels through libiio
 * (iio-source.c), locally or from iiod.  kmpctl's driver commands and
 * kmp-mqtt; includes nothing of either.  (Not "iio.h": that is libiio's.)
 */
#ifndef _KMP_IIO_SOURCE_H
#define _KMP_IIO_SOURCE_H

#include <iio.h>
#include <stdbool.h>
#include <stddef.h>

#include "kmp.h"
#include "util.h"

#define KMPCTL_MAX_DEVS		64
#define KMPCTL_MAX_CHANS	64

/* An IIO device; a meter is one bound to kamstrup-kmp */
struct kmpctl_dev {
	struct iio_device *dev;
	char id[32];		/* "iio:device0" */
	char name[64];		/* "multical-403" */
	char label[128];	/* from devicetree, "" if none */
	bool meter;
	char misc[32];		/* its /dev name, "kmp0"; "" if unknown */
};

struct kmpctl_ctx {
	struct iio_context *ctx;
	const char *where;	/* "local" or the URI, for messages */
	bool local;		/* sysfs of this machine */
	unsigned int n;
	struct kmpctl_dev devs[KMPCTL_MAX_DEVS];
};

/* A channel in SI units, and its last reading */
struct kmpctl_chan {
	struct iio_channel *ch;
	char id[48];		/* "temp1-temp2" */
	char label[128];	/* "" if none */
	const char *unit;	/* "J", "W", "°C", "K", "l", "l/h", ... or "" */
	enum kmp_quantity quantity;
	int shift;		/* the IIO ABI's unit to SI: 10^shift */
	struct fx scale, offset;
	char scale_s[48], offset_s[48];	/* "" if the channel has none */
	int err;		/* 0, or the errno of the reading */
	char err_attr[96];	/* the file that failed: "in_power_raw" */
	char raw[48];		/* as read, canonical decimal */
	struct fx si;		/* (raw + offset) * scale in SI units */
	char value[64];		/* @si, exact, or "null" */
};

/* 0, or -(exit status) after a message */
int kmpctl_ctx_open(const char *uri, struct kmpctl_ctx *c);
void kmpctl_ctx_close(struct kmpctl_ctx *c);
/* The device @want names (the only meter for NULL): index or -(exit status) */
int kmpctl_ctx_select(const struct kmpctl_ctx *c, const char *want);
/* The context of @uri (-u) and the meter @device (-d): index, or -(exit status) */
int kmpctl_ctx_meter(const char *uri, const char *device, struct kmpctl_ctx *c);
/* A device attribute, whitespace trimmed: 0 or -errno */
int kmpctl_dev_attr(const struct kmpctl_ctx *c, unsigned int i,
		    const char *attr, char *buf, size_t size);
/*
 * The channels @argv names (ids or labels), or all input channels but the
 * timestamp (scan elements only: @scan_only); their scale and offset
 * read.  Returns the count, or -(exit status) after a message.
 */
int kmpctl_chans_select(struct iio_device *dev, const char *dev_id, int argc,
			char **argv, bool scan_only, struct kmpctl_chan *set);
/* raw through sysfs, or a sample: into ch->raw, ch->si, ch->value */
int kmpctl_chan_read(struct kmpctl_chan *ch, const char *dev_id);
int kmpctl_chan_set(struct kmpctl_chan *ch, const struct fx *raw);
/* scale and offset (read once) */
int kmpctl_chan_prepare(struct kmpctl_chan *ch, const char *dev_id);
const char *kmpctl_errno_hint(int err);

#endif /* _KMP_IIO_SOURCE_H */
