/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kamstrup KMP meters: the state shared by the files of the driver.
 *
 * kmp.c		the protocol: frames, CRC, parser, values (no I/O)
 * kamstrup-kmp-serdev.c	the transport: one request and its reply
 * kamstrup-kmp-iio.c	the IIO device: channels, buffer, probe
 * kamstrup-kmp-cdev.c	/dev/kmpN: read any register (optional)
 */
#ifndef _KAMSTRUP_KMP_H
#define _KAMSTRUP_KMP_H

#include <linux/completion.h>
#include <linux/iio/types.h>
#include <linux/miscdevice.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include "kmp.h"

/* Registers one device can be configured with: four GetRegister frames */
#define KMP_MAX_CHANNELS	32
/* How long one refresh answers channel reads, and errors likewise */
#define KMP_CACHE_MS		2000
/* Time a meter may take between our stop byte and its start byte */
#define KMP_TURNAROUND_MS	400
/* Attempts per request: the first and two retries */
#define KMP_ATTEMPTS		3

struct iio_dev;
struct serdev_device;

/**
 * struct kmp_channel - one configured register, one IIO channel
 * @reg: the register, from the protocol core's table
 * @label: the channel's label
 * @val: the last value read ...
 * @status: ... valid if 0; else why not (-ENODATA, -ETIMEDOUT, ...)
 */
struct kmp_channel {
	const struct kmp_register *reg;
	const char *label;
	struct kmp_value val;
	int status;
};

/**
 * struct kmp_meter - driver state
 * @serdev: the serial device
 * @indio_dev: the IIO device
 * @addr: the meter's KMP address
 * @bit_us: one bit time in microseconds
 * @turnaround_ms: time the meter may take before it replies
 * @lock: one transaction on the wire at a time; protects everything below
 *	  that the receive path does not touch
 * @rx_lock: protects the receive state (@rx to @removing) against
 *	     receive_buf()
 * @rx: receive parser, set up anew for every transaction
 * @rx_frame: copy of the parser holding the last complete reply
 * @rx_result: KMP_RX_COMPLETE, -EBADMSG, -ENODEV, or 0 while waiting
 * @rx_last: when the last byte came (wanted or not), in jiffies
 * @armed: a transaction waits for a reply; bytes are dropped otherwise
 * @removing: the device goes away; every wait ends with -ENODEV
 * @rx_done: signalled by the receive path when @rx_result is set
 * @nchans: number of configured registers (channels but the timestamp)
 * @chans: the configured registers, in channel order
 * @cache_valid: the channels hold the result of a refresh ...
 * @cache_expires: ... until this time, in jiffies
 * @serial: the meter's serial number, when @serial_read
 * @serial_read: @serial holds what the meter said
 * @serial_err: why the last attempt to read it failed ...
 * @serial_expires: ... which answers until this time, in jiffies
 * @has_info_code: the meter has an info code (a heat meter)
 * @info_code: a heat meter's info code, as last read ...
 * @info_err: ... or why that read failed; either answers ...
 * @info_expires: ... until this time, in jiffies ...
 * @info_valid: ... once it has been asked for
 * @period_ms: poll period in buffered mode
 * @polling: the buffer is on: the poller runs and queues itself again
 * @freq_uhz: sampling_frequency as written, in micro-Hertz
 * @poll_work: the buffered-mode poller
 * @scan: one scan for the buffer: a value per channel and the timestamp
 * @ioc_next: when the character device may next ask the meter, in jiffies
 * @misc: the character device /dev/kmpN (CONFIG_KAMSTRUP_KMP_CHARDEV)
 * @misc_name: its name
 */
struct kmp_meter {
	struct serdev_device *serdev;
	struct iio_dev *indio_dev;
	u8 addr;
	unsigned int bit_us;
	unsigned int turnaround_ms;

	struct mutex lock;	/* one transaction at a time, and the cache */
	spinlock_t rx_lock;	/* the receive state, against receive_buf() */
	struct kmp_rx rx;
	struct kmp_rx rx_frame;
	int rx_result;
	unsigned long rx_last;
	bool armed;
	bool removing;
	struct completion rx_done;

	unsigned int nchans;
	struct kmp_channel chans[KMP_MAX_CHANNELS];
	bool cache_valid;
	unsigned long cache_expires;

	u32 serial;
	bool serial_read;
	int serial_err;
	unsigned long serial_expires;

	bool has_info_code;
	u32 info_code;
	int info_err;
	unsigned long info_expires;
	bool info_valid;

	unsigned int period_ms;
	bool polling;
	unsigned int freq_uhz;
	struct delayed_work poll_work;
	s64 *scan;

	unsigned long ioc_next;
	struct miscdevice misc;
	char misc_name[16];
};

#if IS_ENABLED(CONFIG_KUNIT)
struct serdev_device_driver;
extern struct serdev_device_driver kmp_driver;
#endif

int kmp_serdev_open(struct kmp_meter *m, u32 baud);
void kmp_serdev_shutdown(struct kmp_meter *m);
int kmp_read_registers(struct kmp_meter *m, const u16 *regs, unsigned int n,
		       struct kmp_value *vals);
int kmp_read_serial(struct kmp_meter *m, u32 *serial);
int kmp_read_type(struct kmp_meter *m, struct kmp_type *type);
int kmp_refresh(struct kmp_meter *m, const unsigned long *mask);

#if IS_ENABLED(CONFIG_KAMSTRUP_KMP_CHARDEV)
struct kmp_ioc_read;

int kmp_cdev_register(struct kmp_meter *m);
#if IS_ENABLED(CONFIG_KUNIT)
int kmp_ioc_validate(const struct kmp_ioc_read *req);
int kmp_ioc_read_registers(struct kmp_meter *m, struct kmp_ioc_read *req);
#endif
#else
static inline int kmp_cdev_register(struct kmp_meter *m)
{
	return 0;
}
#endif

#endif /* _KAMSTRUP_KMP_H */
