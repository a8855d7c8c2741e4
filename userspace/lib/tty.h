/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * KMP spoken directly on a serial tty (USB IR heads, which the kernel
 * driver cannot bind): a struct kmpctl_transport.  kmpctl --tty and
 * kmp-mqtt --tty; includes nothing of either.
 */
#ifndef _KMP_TTY_H
#define _KMP_TTY_H

#include <stdbool.h>

#include "transport.h"

/* The line and the meter on it (--tty, --baud, --addr, ...) */
struct tty_line {
	const char *tty;		/* --tty DEV, NULL if not given */
	unsigned int baud;		/* --baud, default 1200 */
	u8 addr;			/* --addr, default KMP_ADDR_HEAT */
	int timeout_ms;			/* --timeout: per attempt, -1 = derived */
	unsigned int turnaround_ms;	/* --turnaround: meter budget, 300 */
	unsigned int retries;		/* --retries, default 2 */
};

/* Opens @line->tty (kept: @line must outlive the transport); NULL, *err */
struct kmpctl_transport *kmpctl_tty_open(const struct tty_line *line,
					 int *err);
bool kmpctl_tty_baud_ok(unsigned int baud);

#endif /* _KMP_TTY_H */
