/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A way of reaching a meter's registers, whatever carries them: KMP on a
 * serial tty (tty.h, shared by kmpctl and kmp-mqtt) or the kernel driver's
 * /dev/kmpN (kmpctl's chardev.c).  Includes nothing of any tool.
 */
#ifndef _KMP_TRANSPORT_H
#define _KMP_TRANSPORT_H

#include "kmp.h"

/* Most register ids one command line may ask for */
#define KMPCTL_MAX_IDS		256

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
 * read_registers() fills one result per id (ids are distinct) and returns
 * 0 when the transport could be used at all (individual failures are in
 * the results), or a negative errno.  info is NULL where the transport
 * cannot ask (the ioctl reads registers only; only --tty info uses it).
 */
struct kmpctl_transport {
	const char *name;	/* what error messages are prefixed with */
	int (*read_registers)(struct kmpctl_transport *t, const u16 *ids,
			      unsigned int n, struct kmpctl_result *res);
	void (*info)(struct kmpctl_transport *t, struct kmpctl_info *info);
	void (*close)(struct kmpctl_transport *t);
};

#endif /* _KMP_TRANSPORT_H */
