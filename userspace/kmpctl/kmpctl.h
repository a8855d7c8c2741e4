/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kmpctl: shared declarations of the command-line tool.
 *
 * kmpctl.c parses the command line and dispatches to a command.
 *
 * Registers come from a transport: tty.c speaks KMP directly on a serial
 * port (USB IR heads), chardev.c asks the kernel driver through the ioctl
 * of /dev/kmpN.  Channels (read, watch) come through libiio (iio.c, loaded
 * at run time); the meters and their attributes (list, info) from sysfs
 * (sysfs.c) or, for a remote context (-u), from libiio.  Everything is
 * printed through output.c.  All protocol work is done by the core,
 * drivers/iio/meter/kmp.c.
 */
#ifndef _KMPCTL_H
#define _KMPCTL_H

#include <stdio.h>
#include "kmp.h"

#define KMPCTL_NAME	"kmpctl"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

/* The name of a register the core knows ("heat energy"), or NULL */
static inline const char *kmpctl_reg_name(u16 id)
{
	const struct kmp_register *r = kmp_register(id);

	return r ? r->name : NULL;
}

/* Exit statuses */
#define KMPCTL_EXIT_OK		0	/* every value asked for was read */
#define KMPCTL_EXIT_FAIL	1	/* a value could not be read, bad frame */
#define KMPCTL_EXIT_USAGE	2	/* bad command line */

/* Most register ids one command line may ask for */
#define KMPCTL_MAX_IDS		256

enum kmpctl_format {
	KMPCTL_FMT_TEXT,
	KMPCTL_FMT_JSON,
	KMPCTL_FMT_CSV,
};

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
	int verbose;			/* -v */
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
	char text[KMP_VALUE_STR_MAX];	/* the value as the kernel gave it, or "" */
};

/* Meter identity */
struct kmpctl_info {
	int type_err;			/* 0 or the GetType errno */
	struct kmp_type type;
	int serial_err;			/* 0 or the GetSerialNo errno */
	u32 serial;
};

/*
 * A way of reaching a meter.  read_registers() fills one result per id
 * (ids are distinct) and returns 0 when the transport could be used at all
 * (individual failures are in the results), or a negative errno.
 */
struct kmpctl_transport {
	const char *name;	/* what error messages are prefixed with */
	int (*read_registers)(struct kmpctl_transport *t, const u16 *ids,
			      unsigned int n, struct kmpctl_result *res);
	int (*info)(struct kmpctl_transport *t, struct kmpctl_info *info);
	void (*close)(struct kmpctl_transport *t);
};

/*
 * An IIO device as kmpctl lists it.  A meter is a device of this driver:
 * named multical-402/403/603, or (locally) bound to kamstrup-kmp.
 */
struct kmpctl_dev {
	char id[32];		/* "iio:device0" */
	char name[64];		/* "multical-403" */
	char label[128];	/* from devicetree, "" if none */
	bool meter;
	char misc[32];		/* its /dev name, "kmp0"; "" if unknown */
};

#define KMPCTL_MAX_DEVS		64

/*
 * Where devices and their attributes come from: sysfs for the local
 * machine, libiio for a context given with -u.
 */
struct kmpctl_devsrc {
	const char *name;	/* "local" or the URI, for messages */
	unsigned int n;
	struct kmpctl_dev devs[KMPCTL_MAX_DEVS];
	/* a device attribute, whitespace trimmed; 0 or a negative errno */
	int (*attr_read)(struct kmpctl_devsrc *src, unsigned int i,
			 const char *attr, char *buf, size_t size);
	void (*close)(struct kmpctl_devsrc *src);
};

/* sysfs.c */
#define KMPCTL_SYSFS_IIO	"/sys/bus/iio/devices"
int kmpctl_sysfs_open(struct kmpctl_devsrc **src);
bool kmpctl_is_meter_name(const char *name);
bool kmpctl_sysfs_is_meter(const char *id);
bool kmpctl_loose_eq(const char *a, const char *b, size_t blen);
int kmpctl_select_device(const struct kmpctl_dev *devs, unsigned int n,
			 const char *want, const char *where);
int kmpctl_read_file(const char *path, char *buf, size_t size);
void kmpctl_first_entry(const char *dir, char *out, size_t size);

/* iio.c: libiio, loaded at run time */
int kmpctl_iio_devsrc_open(const struct kmpctl_opts *opts,
			   struct kmpctl_devsrc **src);
int kmpctl_cmd_read_channels(const struct kmpctl_opts *opts, int argc,
			     char **argv);
int kmpctl_cmd_watch(const struct kmpctl_opts *opts, int argc, char **argv);

/* chardev.c: the driver's /dev/kmpN */
struct kmpctl_transport *kmpctl_chardev_open(const char *path, int *err);

/* json.c: strict JSON (RFC 8259) checker, for tests without python */
int kmpctl_json_check_file(const char *path, bool lines);

/* tty.c: KMP over a serial port (USB IR head) */
struct kmpctl_transport *kmpctl_tty_open(const struct kmpctl_opts *opts,
					 int *err);
bool kmpctl_tty_baud_ok(unsigned int baud);

/* decode.c */
int kmpctl_cmd_decode(const struct kmpctl_opts *opts, int argc,
		      char **argv);

/* kmpctl.c: messages on stderr, prefixed with "kmpctl: " */
void kmpctl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kmpctl_verbose(const struct kmpctl_opts *opts, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
const char *kmpctl_strerror(int err);
int kmpctl_usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
int kmpctl_parse_uint(const char *s, unsigned long max, unsigned long *out);
bool kmpctl_name_matches(const char *arg, const char *name);

#endif /* _KMPCTL_H */
