/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kmpctl: shared declarations of the command-line tool.
 *
 * kmpctl.c parses the command line and dispatches to a command; a command
 * gets its register values from a transport (today: tty.c, KMP spoken
 * directly on a serial port; later: libiio and the driver's ioctl) and
 * prints them through output.c.  All protocol work is done by the core,
 * drivers/iio/meter/kmp.c.
 */
#ifndef _KMPCTL_H
#define _KMPCTL_H

#include <stdio.h>
#include "kmp.h"

#define KMPCTL_NAME	"kmpctl"

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

#endif /* _KMPCTL_H */
