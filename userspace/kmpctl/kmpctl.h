/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kmpctl: what the commands share.
 *
 * kmpctl.c parses the command line and calls one command (cmd-*.c).
 * Registers come from a transport (struct kmpctl_transport): tty.c speaks
 * KMP on a serial port (USB IR heads), chardev.c asks the kernel driver
 * through the ioctl of /dev/kmpN.  Devices and channels come from libiio
 * (iio.c), locally or from iiod (-u).  Each command turns what it read
 * into records and output.c prints them as text, JSON or CSV.  Protocol
 * work, register names and units: the core, drivers/iio/meter/kmp.c.
 * Messages, parsing and exact decimals: util.c, which includes none of
 * this.
 */
#ifndef _KMPCTL_H
#define _KMPCTL_H

#include <iio.h>
#include <stdio.h>

#include "kmp.h"
#include "output.h"
#include "util.h"

/* Exit statuses */
#define KMPCTL_EXIT_OK		0	/* every value asked for was read */
#define KMPCTL_EXIT_FAIL	1	/* a value could not be read, bad frame */
#define KMPCTL_EXIT_USAGE	2	/* bad command line */

/* Most register ids one command line may ask for */
#define KMPCTL_MAX_IDS		256

struct kmpctl_opts {
	const char *tty;		/* --tty DEV, NULL if not given */
	const char *uri;		/* -u URI: libiio context, NULL: default */
	const char *device;		/* -d DEV, NULL: the only meter */
	unsigned int interval;		/* watch -i SECONDS, 0: keep the device's */
	unsigned long count;		/* watch -n COUNT, 0: until interrupted */
	unsigned int baud;		/* --baud, default 1200 */
	u8 addr;			/* --addr, default KMP_ADDR_HEAT */
	int timeout_ms;			/* --timeout: per attempt, -1 = derived */
	unsigned int turnaround_ms;	/* --turnaround: meter budget, 300 */
	unsigned int retries;		/* --retries, default 2 */
	enum kmpctl_format format;	/* --json, --csv */
};

/**
 * struct kmpctl_result - the outcome of reading one register
 * @reg: register id
 * @err: 0 when @val holds the value; -ENODATA when the meter does not know
 *	 the register (absent from its reply); another negative errno when
 *	 the transaction failed (-ETIMEDOUT, -EBADMSG, -EIO, ...)
 * @val: the value when @err is 0
 */
struct kmpctl_result {
	u16 reg;
	int err;
	struct kmp_value val;
};

/* Meter identity (GetType, GetSerialNo) */
struct kmpctl_info {
	int type_err;			/* 0 or the GetType errno */
	struct kmp_type type;
	int serial_err;			/* 0 or the GetSerialNo errno */
	u32 serial;
};

/*
 * A way of reaching a meter's registers.  read_registers() fills one
 * result per id (ids are distinct) and returns 0 when the transport could
 * be used at all (individual failures are in the results), or a negative
 * errno.  info is NULL where the transport cannot ask (the ioctl reads
 * registers only; only --tty info uses it).
 */
struct kmpctl_transport {
	const char *name;	/* what error messages are prefixed with */
	int (*read_registers)(struct kmpctl_transport *t, const u16 *ids,
			      unsigned int n, struct kmpctl_result *res);
	void (*info)(struct kmpctl_transport *t, struct kmpctl_info *info);
	void (*close)(struct kmpctl_transport *t);
};

/* tty.c: KMP over a serial port (USB IR head) */
struct kmpctl_transport *kmpctl_tty_open(const struct kmpctl_opts *opts,
					 int *err);
bool kmpctl_tty_baud_ok(unsigned int baud);
/* chardev.c: the driver's /dev/kmpN */
struct kmpctl_transport *kmpctl_chardev_open(const char *path, int *err);

/* ---- iio.c: devices and channels through libiio --------------------------- */

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
/* The device -d names (the only meter without): index or -(exit status) */
int kmpctl_ctx_select(const struct kmpctl_ctx *c, const char *want);
/* The context of -u and the meter of -d: index, or -(exit status) */
int kmpctl_ctx_meter(const struct kmpctl_opts *o, struct kmpctl_ctx *c);
/* A device attribute, whitespace trimmed: 0 or -errno */
int kmpctl_dev_attr(const struct kmpctl_ctx *c, unsigned int i,
		    const char *attr, char *buf, size_t size);
/* ... as a field (list, info, in cmd-info.c); 1 after an error message */
int kmpctl_attr_field(struct out_rec *r, const struct kmpctl_ctx *c,
		      unsigned int i, const char *attr, const char *key,
		      const char *ekey, const char *title, bool optional,
		      bool show_error);
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

/* ---- the commands (cmd-*.c), called by kmpctl.c's main() ------------------ */

int kmpctl_cmd_list(const struct kmpctl_opts *opts, int argc, char **argv);
int kmpctl_cmd_info(const struct kmpctl_opts *opts, int argc, char **argv);
int kmpctl_cmd_read(const struct kmpctl_opts *opts, int argc, char **argv);
int kmpctl_cmd_reg(const struct kmpctl_opts *opts, int argc, char **argv);
int kmpctl_cmd_watch(const struct kmpctl_opts *opts, int argc, char **argv);

#endif /* _KMPCTL_H */
