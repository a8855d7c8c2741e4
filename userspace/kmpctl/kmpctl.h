/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kmpctl: what the commands share.
 *
 * kmpctl.c parses the command line and calls one command (cmd-*.c).
 * Registers come from a transport (userspace/lib/transport.h): the shared
 * lib/tty.c speaks KMP on a serial port (USB IR heads), kmpctl's own
 * chardev.c asks the kernel driver through the ioctl of /dev/kmpN.
 * Devices and channels come from libiio (lib/iio-source.c), locally or
 * from iiod (-u).  Each command turns what it read into records and
 * lib/output.c prints them as text, JSON or CSV.  Protocol work, register
 * names and units: the core, drivers/iio/meter/kmp.c.  Messages, parsing
 * and exact decimals: lib/util.c.  Nothing in userspace/lib includes this
 * file.
 */
#ifndef _KMPCTL_H
#define _KMPCTL_H

#include <stdio.h>

#include "iio-source.h"
#include "kmp.h"
#include "output.h"
#include "transport.h"
#include "tty.h"
#include "util.h"

struct kmpctl_opts {
	struct tty_line line;		/* --tty DEV and its line options */
	const char *uri;		/* -u URI: libiio context, NULL: default */
	const char *device;		/* -d DEV, NULL: the only meter */
	unsigned int interval;		/* watch -i SECONDS, 0: keep the device's */
	unsigned long count;		/* watch -n COUNT, 0: until interrupted */
	enum kmpctl_format format;	/* --json, --csv */
};

/* chardev.c: the driver's /dev/kmpN */
struct kmpctl_transport *kmpctl_chardev_open(const char *path, int *err);

/* cmd-info.c: a device attribute as a field (list, info); 1 after an error */
int kmpctl_attr_field(struct out_rec *r, const struct kmpctl_ctx *c,
		      unsigned int i, const char *attr, const char *key,
		      const char *ekey, const char *title, bool optional,
		      bool show_error);

/* ---- the commands (cmd-*.c), called by kmpctl.c's main() ------------------ */

int kmpctl_cmd_list(const struct kmpctl_opts *opts, int argc, char **argv);
int kmpctl_cmd_info(const struct kmpctl_opts *opts, int argc, char **argv);
int kmpctl_cmd_read(const struct kmpctl_opts *opts, int argc, char **argv);
int kmpctl_cmd_reg(const struct kmpctl_opts *opts, int argc, char **argv);
int kmpctl_cmd_watch(const struct kmpctl_opts *opts, int argc, char **argv);

#endif /* _KMPCTL_H */
