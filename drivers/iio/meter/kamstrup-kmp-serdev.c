// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kamstrup KMP meters: the serial transport.
 *
 * One request and its reply at a time, with bounded waits: the meter must
 * start its reply within a turnaround time, and a reply that stops for
 * KMP_IDLE_BYTES byte times has broken off.  The receive path feeds the
 * protocol core's parser under a spinlock and completes the waiter on the
 * stop byte.  The parser is set up anew just before the request's stop byte
 * goes out, after the line was quiet: a frame counts only if it began after
 * our request, so nothing of an earlier (late, duplicated) reply can
 * complete the next one.
 *
 * Copyright (C) 2026 The kamstrup-kmp authors
 */

#include <kunit/visibility.h>
#include <linux/completion.h>
#include <linux/device.h>
#include <linux/errno.h>
#include <linux/jiffies.h>
#include <linux/minmax.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/serdev.h>
#include <linux/spinlock.h>

#include "kamstrup-kmp.h"

/* A reply that stops for this many byte times has broken off */
#define KMP_IDLE_BYTES		16
/*
 * Before a request, the line must have been quiet this many byte times,
 * waiting at most for KMP_QUIET_MAX_BYTES: a half-duplex meter does not
 * listen while it sends.  A longer stream of bytes is noise or a late
 * reply, which cannot complete the request anyway (the receiver is armed
 * only at its stop byte), and is not worth more of the caller's time.
 */
#define KMP_QUIET_BYTES		3
#define KMP_QUIET_MAX_BYTES	(2 * KMP_IDLE_BYTES)

static size_t kmp_receive_buf(struct serdev_device *serdev, const u8 *data,
			      size_t count)
{
	struct kmp_meter *m = serdev_device_get_drvdata(serdev);
	size_t pos = 0, used;
	int ret;

	spin_lock(&m->rx_lock);
	m->rx_last = jiffies;
	while (m->armed && pos < count) {
		ret = kmp_rx_feed(&m->rx, data + pos, count - pos, &used);
		pos += used;
		/*
		 * A complete frame, or one that ended at its stop byte with a
		 * bad CRC, ends the wait: the meter sends nothing more.  Other
		 * errors (a broken start, noise) resync and go on listening.
		 */
		if (ret == KMP_RX_COMPLETE ||
		    (ret == -EBADMSG && used && data[pos - 1] == KMP_STOP)) {
			m->rx_result = ret;
			m->armed = false;
			complete(&m->rx_done);
		} else if (!used) {
			break;
		}
	}
	spin_unlock(&m->rx_lock);

	/* Everything is taken: bytes nobody waits for are dropped */
	return count;
}

static const struct serdev_device_ops kmp_serdev_ops = {
	.receive_buf = kmp_receive_buf,
	.write_wakeup = serdev_device_write_wakeup,
};

/* Jiffies for @bytes bytes on the line (11 bit times each, rounded up) */
static unsigned long kmp_bytes_jiffies(struct kmp_meter *m, size_t bytes)
{
	return usecs_to_jiffies(bytes * 11 * m->bit_us) + 1;
}

/*
 * Sends @len bytes paced for two stop bits: serdev cannot set them, but a
 * byte followed by at least one idle bit time is exactly an 8N2 byte to
 * the receiver.  No signal interrupts a frame, and a removal never cuts
 * between an escape byte and its complement, which would change the
 * meaning of the next request's start byte.  A byte the UART does not take
 * is -EIO: the meter is not to blame.
 */
static int kmp_send(struct kmp_meter *m, const u8 *buf, size_t len)
{
	unsigned long byte_jiffies = kmp_bytes_jiffies(m, 1);
	size_t i;

	for (i = 0; i < len; i++) {
		if ((!i || buf[i - 1] != KMP_ESCAPE) && READ_ONCE(m->removing))
			return -ENODEV;
		if (serdev_device_write_buf(m->serdev, &buf[i], 1) != 1)
			return -EIO;
		serdev_device_wait_until_sent(m->serdev, 4 * byte_jiffies);
		usleep_range(m->bit_us, m->bit_us + m->bit_us / 2 + 1);
	}
	return 0;
}

/*
 * Waits until no byte came for KMP_QUIET_BYTES byte times, at most
 * KMP_QUIET_MAX_BYTES: the tail of a late reply should not run into our
 * request.
 */
static int kmp_wait_quiet(struct kmp_meter *m)
{
	unsigned long quiet = kmp_bytes_jiffies(m, KMP_QUIET_BYTES);
	unsigned long end = jiffies + kmp_bytes_jiffies(m, KMP_QUIET_MAX_BYTES);
	unsigned long last;

	for (;;) {
		spin_lock(&m->rx_lock);
		last = m->rx_last;
		spin_unlock(&m->rx_lock);
		if (!time_before(jiffies, last + quiet) || time_after(jiffies, end))
			return 0;
		if (schedule_timeout_killable(quiet) && fatal_signal_pending(current))
			return -EINTR;
	}
}

/*
 * One request and its reply.  The receive state is set up anew just before
 * the request's stop byte goes out, so that only a frame that begins after
 * our request can complete it.  The wait is bounded: the meter must start
 * its reply within the turnaround time after our request; once it has
 * started, the reply may take as long as the longest reply to @reply_max
 * bytes needs, but breaks off when no byte comes for KMP_IDLE_BYTES byte
 * times.  Only a fatal signal ends the wait early (-EINTR).
 */
static int kmp_xfer_once(struct kmp_meter *m, const u8 *req, size_t req_len,
			 size_t reply_max, struct kmp_frame *frame)
{
	unsigned long first, deadline, idle, last;
	long left;
	bool started;
	int ret, result;

	lockdep_assert_held(&m->lock);

	if (READ_ONCE(m->removing))
		return -ENODEV;
	ret = kmp_wait_quiet(m);
	if (!ret)
		ret = kmp_send(m, req, req_len - 1);
	if (ret)
		return ret;

	spin_lock(&m->rx_lock);
	if (m->removing) {
		spin_unlock(&m->rx_lock);
		return -ENODEV;
	}
	kmp_rx_init(&m->rx, KMP_START_REPLY);
	m->rx_result = 0;
	m->armed = true;
	reinit_completion(&m->rx_done);
	spin_unlock(&m->rx_lock);

	/* The stop byte: a reply can begin from here on */
	ret = kmp_send(m, req + req_len - 1, 1);
	if (ret)
		goto disarm;

	first = msecs_to_jiffies(m->turnaround_ms) + 1;
	idle = kmp_bytes_jiffies(m, KMP_IDLE_BYTES);
	deadline = jiffies + first + kmp_bytes_jiffies(m, reply_max);
	left = wait_for_completion_killable_timeout(&m->rx_done, first);
	while (!left) {
		spin_lock(&m->rx_lock);
		started = m->rx.state != KMP_RX_HUNT;
		last = m->rx_last;
		spin_unlock(&m->rx_lock);
		if (!started || time_after(jiffies, deadline) ||
		    time_after(jiffies, last + idle))
			break;
		left = wait_for_completion_killable_timeout(&m->rx_done, idle);
	}
	if (left < 0)
		ret = -EINTR;

disarm:
	spin_lock(&m->rx_lock);
	m->armed = false;
	result = m->rx_result;
	if (result == KMP_RX_COMPLETE)
		m->rx_frame = m->rx;
	if (m->removing)
		result = -ENODEV;
	spin_unlock(&m->rx_lock);

	if (result == -ENODEV)
		return -ENODEV;
	if (ret)
		return ret;
	if (result == KMP_RX_COMPLETE) {
		kmp_rx_frame(&m->rx_frame, frame);
		return frame->addr == m->addr ? 0 : -EBADMSG;
	}
	if (result)
		return result;
	/* A reply that began, or broke, is a bad reply; none at all: silence */
	if (m->rx.errors || m->rx.state != KMP_RX_HUNT)
		return -EBADMSG;
	return -ETIMEDOUT;
}

/*
 * A request with up to @attempts tries on a silent meter or a bad reply.
 * @check decodes the reply; a reply it refuses counts as a bad one.
 */
static int kmp_xfer(struct kmp_meter *m, const u8 *req, size_t req_len,
		    size_t reply_max, int attempts,
		    int (*check)(const struct kmp_frame *frame, void *ctx),
		    void *ctx)
{
	struct kmp_frame frame;
	int attempt, ret = -EIO;

	for (attempt = 0; attempt < attempts; attempt++) {
		ret = kmp_xfer_once(m, req, req_len, reply_max, &frame);
		if (!ret)
			ret = check(&frame, ctx);
		if (ret != -ETIMEDOUT && ret != -EBADMSG)
			break;
	}
	if (attempts < KMP_ATTEMPTS)
		return ret;
	if (ret == -ETIMEDOUT)
		dev_warn_ratelimited(&m->serdev->dev,
				     "meter does not answer: press a button on the meter to wake its optical port, and check the head sits on the window (magnets)\n");
	else if (ret == -EBADMSG)
		dev_warn_ratelimited(&m->serdev->dev,
				     "no valid reply after %d attempts (CRC or framing errors): check the optical head's position and shielding from light\n",
				     KMP_ATTEMPTS);
	return ret;
}

struct kmp_get_register_ctx {
	const u16 *regs;
	unsigned int n;
	struct kmp_value *vals;
};

static int kmp_check_get_register(const struct kmp_frame *frame, void *ctx)
{
	struct kmp_get_register_ctx *c = ctx;
	int ret;

	ret = kmp_decode_get_register(frame, c->regs, c->n, c->vals);
	/* A reply the core cannot take is a bad reply: retried */
	return ret ? -EBADMSG : 0;
}

/**
 * kmp_read_registers() - read up to eight registers in one request
 * @m: meter
 * @regs: register ids, all different
 * @n: number of ids, 1..KMP_MAX_REGS
 * @vals: values, in the order of @regs; a register the meter does not
 *	  have comes back with @present false
 *
 * Context: holds @m->lock.
 * Return: 0, or the error of the request after KMP_ATTEMPTS attempts:
 * -ETIMEDOUT (silent meter), -EBADMSG (corrupt replies), -ENODEV, -EINTR.
 */
int kmp_read_registers(struct kmp_meter *m, const u16 *regs, unsigned int n,
		       struct kmp_value *vals)
{
	struct kmp_get_register_ctx ctx = { .regs = regs, .n = n, .vals = vals };
	u8 req[KMP_REQUEST_MAX];
	int len;

	lockdep_assert_held(&m->lock);
	len = kmp_build_get_register(req, sizeof(req), m->addr, regs, n);
	if (len < 0)
		return len;
	return kmp_xfer(m, req, len, kmp_reply_len_max(n), KMP_ATTEMPTS,
			kmp_check_get_register, &ctx);
}
EXPORT_SYMBOL_IF_KUNIT(kmp_read_registers);

static int kmp_check_type(const struct kmp_frame *frame, void *ctx)
{
	return kmp_decode_type(frame, ctx) ? -EBADMSG : 0;
}

static int kmp_check_serial(const struct kmp_frame *frame, void *ctx)
{
	return kmp_decode_serial(frame, ctx) ? -EBADMSG : 0;
}

/*
 * An identity request (no arguments) in one attempt, bounded by the
 * turnaround and reply time: a sleeping meter costs one timeout, not three.
 */
static int kmp_ask_once(struct kmp_meter *m,
			int (*build)(u8 *buf, size_t size, u8 addr),
			int (*check)(const struct kmp_frame *frame, void *ctx),
			void *out)
{
	u8 req[KMP_REQUEST_MAX];
	int len;

	len = build(req, sizeof(req), m->addr);
	if (len < 0)
		return len;
	return kmp_xfer(m, req, len, KMP_IDENT_REPLY_MAX, 1, check, out);
}

/**
 * kmp_read_serial() - ask the meter for its serial number, once
 * @m: meter
 * @serial: set to the serial number
 *
 * Context: holds @m->lock.
 * Return: 0 or the error of the request.
 */
int kmp_read_serial(struct kmp_meter *m, u32 *serial)
{
	return kmp_ask_once(m, kmp_build_get_serial, kmp_check_serial, serial);
}

/**
 * kmp_read_type() - ask the meter for its type and software revision, once
 * @m: meter
 * @type: set to what the meter says
 *
 * Context: holds @m->lock.
 * Return: 0 or the error of the request.
 */
int kmp_read_type(struct kmp_meter *m, struct kmp_type *type)
{
	return kmp_ask_once(m, kmp_build_get_type, kmp_check_type, type);
}

/**
 * kmp_serdev_open() - open the UART for KMP
 * @m: meter, with @m->serdev set
 * @baud: line speed
 *
 * Return: 0 or a negative errno, with a message.
 */
int kmp_serdev_open(struct kmp_meter *m, u32 baud)
{
	struct serdev_device *serdev = m->serdev;
	struct device *dev = &serdev->dev;
	int ret;

	spin_lock_init(&m->rx_lock);
	init_completion(&m->rx_done);
	m->bit_us = DIV_ROUND_UP(1000000, baud);
	m->rx_last = jiffies;

	serdev_device_set_drvdata(serdev, m);
	serdev_device_set_client_ops(serdev, &kmp_serdev_ops);
	ret = devm_serdev_device_open(dev, serdev);
	if (ret)
		return dev_err_probe(dev, ret, "cannot open the UART\n");
	ret = serdev_device_set_baudrate(serdev, baud);
	if (ret != baud)
		return dev_err_probe(dev, -EINVAL, "UART cannot do %u baud\n",
				     baud);
	serdev_device_set_flow_control(serdev, false);
	ret = serdev_device_set_parity(serdev, SERDEV_PARITY_NONE);
	if (ret)
		return dev_err_probe(dev, ret, "cannot set no parity\n");
	return 0;
}

/**
 * kmp_serdev_shutdown() - end every transaction, now and for good
 * @m: meter
 *
 * A transaction in flight ends at once with -ENODEV, and so does every
 * later one.  Returns when none is in flight any more.
 */
void kmp_serdev_shutdown(struct kmp_meter *m)
{
	spin_lock(&m->rx_lock);
	m->removing = true;
	m->armed = false;
	m->rx_result = -ENODEV;
	complete_all(&m->rx_done);
	spin_unlock(&m->rx_lock);
	/* Wait for the transaction in flight, which ends now, to leave */
	mutex_lock(&m->lock);
	mutex_unlock(&m->lock);
}
