// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kamstrup utility meters (MULTICAL 402/403/603 and relatives) on an
 * optical head wired to a UART, read with the Kamstrup Meter Protocol.
 *
 * Each configured register is an IIO channel.  One read of any channel
 * refreshes all of them in as few GetRegister requests as possible (up to
 * eight registers each) and the result is kept for KMP_CACHE_MS, so reading
 * every channel in turn costs one meter transaction.  Nothing is sent to
 * the meter while nobody reads.  In buffered mode a poller reads the meter
 * at sampling_frequency and pushes timestamped scans.
 *
 * Any register can be read through the misc device /dev/kmpN (N of
 * iio:deviceN), with a read-only ioctl (include/uapi/linux/kamstrup-kmp.h).
 *
 * Only GetRegister, GetType and GetSerialNo are ever sent: the protocol
 * core can build nothing else.
 *
 * Copyright (C) 2026 The kamstrup-kmp authors
 */

#include <linux/bitops.h>
#include <linux/completion.h>
#include <linux/device.h>
#include <linux/errno.h>
#include <linux/iio/buffer.h>
#include <linux/iio/iio.h>
#include <linux/iio/kfifo_buf.h>
#include <linux/iio/sysfs.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/fs.h>
#include <linux/kamstrup-kmp.h>
#include <linux/math64.h>
#include <linux/miscdevice.h>
#include <linux/mod_devicetable.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/property.h>
#include <linux/serdev.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include "kamstrup-kmp-compat.h"
#include "kmp.h"

#define KMP_DEFAULT_BAUD	1200
/* Registers one device can be configured with: four GetRegister frames */
#define KMP_MAX_CHANNELS	32
/* How long one refresh answers channel reads */
#define KMP_CACHE_MS		2000
/* Time a meter may take between our stop byte and its start byte */
#define KMP_TURNAROUND_MS	400
/* Attempts per request: the first and two retries */
#define KMP_ATTEMPTS		3
/* A reply that stops for this many byte times has broken off */
#define KMP_IDLE_BYTES		16
/* sampling_frequency: default 1/60 Hz (a read a minute), at most 1 Hz */
#define KMP_DEFAULT_PERIOD_MS	60000
#define KMP_MIN_PERIOD_MS	1000
#define KMP_MAX_PERIOD_MS	(24 * 3600 * 1000)

/**
 * struct kmp_quantity - a standard quantity of a heat meter
 * @name: its name in the devicetree property kamstrup,quantities
 * @label: the channel's label
 * @reg: its register
 * @type: IIO channel type
 * @channel: channel index, or the first channel of a difference
 * @channel2: second channel of a difference
 * @base: unit raw * scale is in, for the IIO_COUNT channels
 */
struct kmp_quantity {
	const char *name;
	const char *label;
	u16 reg;
	enum iio_chan_type type;
	int channel;
	int channel2;
	const char *base;
};

/*
 * IIO has no channel type for volume or volume flow: those are IIO_COUNT
 * channels indexed by their register, with raw * scale in litres and litres
 * per hour, and labels that say so (Documentation/iio/kamstrup-kmp.rst).
 */
static const struct kmp_quantity kmp_quantities[] = {
	{
		.name = "heat-energy", .label = "heat energy",
		.reg = KMP_REG_HEAT_ENERGY, .type = IIO_ENERGY, .channel = -1,
	}, {
		.name = "power", .label = "power",
		.reg = KMP_REG_POWER, .type = IIO_POWER, .channel = -1,
	}, {
		.name = "temperature-1", .label = "temperature 1",
		.reg = KMP_REG_TEMP1, .type = IIO_TEMP, .channel = 1,
	}, {
		.name = "temperature-2", .label = "temperature 2",
		.reg = KMP_REG_TEMP2, .type = IIO_TEMP, .channel = 2,
	}, {
		.name = "temperature-difference",
		.label = "temperature difference",
		.reg = KMP_REG_TEMP_DIFF, .type = IIO_TEMP,
		.channel = 1, .channel2 = 2,
	}, {
		.name = "flow", .label = "flow (litres per hour)",
		.reg = KMP_REG_FLOW, .type = IIO_COUNT,
		.channel = KMP_REG_FLOW, .base = "l/h",
	}, {
		.name = "volume", .label = "volume (litres)",
		.reg = KMP_REG_VOLUME, .type = IIO_COUNT,
		.channel = KMP_REG_VOLUME, .base = "l",
	},
};

/**
 * struct kmp_meter - driver state
 * @serdev: the serial device
 * @indio_dev: the IIO device
 * @model: meter model, from the compatible
 * @addr: the meter's KMP address
 * @baud: line speed
 * @bit_us: one bit time in microseconds
 * @turnaround_ms: time the meter may take before it replies
 * @lock: one transaction on the wire at a time; protects the cache,
 *	  the identity and @period_ms
 * @rx_lock: protects the receive state below against receive_buf()
 * @rx: receive parser, set up anew for every transaction
 * @rx_frame: copy of the parser holding the last complete reply
 * @rx_result: KMP_RX_COMPLETE, -EBADMSG, -ENODEV, or 0 while waiting
 * @rx_last: when the last byte of the reply came, in jiffies
 * @armed: a transaction waits for a reply; bytes are dropped otherwise
 * @removing: the device goes away; every wait ends with -ENODEV
 * @rx_done: signalled by the receive path when @rx_result is set
 * @nregs: number of configured registers (and channels but the timestamp)
 * @regs: configured registers, in channel order
 * @labels: channel labels
 * @bases: for IIO_COUNT channels of standard quantities, their base unit
 * @vals: last values read, by channel
 * @status: per channel: 0, or why @vals is not valid
 * @last: per channel, the last value read, for its unit and exponent:
 *	  the scale is answered from it without asking the meter again
 * @last_known: @last holds a value
 * @cache_valid: @vals and @status hold the result of a refresh ...
 * @cache_expires: ... until this time, in jiffies
 * @type: meter type and revision, when @identity_read
 * @serial: serial number, when @identity_read
 * @identity_read: @type and @serial hold what the meter said
 * @identity_err: why the last full attempt to read them failed ...
 * @identity_expires: ... which answers until this time, in jiffies
 * @period_ms: poll period in buffered mode
 * @freq_uhz: sampling_frequency as written, in micro-Hertz
 * @poll_work: the buffered-mode poller
 * @scan: one scan for the buffer: a value per channel and the timestamp
 * @misc: the character device for register reads, /dev/kmpN
 * @misc_name: its name
 */
struct kmp_meter {
	struct serdev_device *serdev;
	struct iio_dev *indio_dev;
	const char *model;
	u8 addr;
	u32 baud;
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

	unsigned int nregs;
	u16 regs[KMP_MAX_CHANNELS];
	const char *labels[KMP_MAX_CHANNELS];
	const char *bases[KMP_MAX_CHANNELS];
	struct kmp_value vals[KMP_MAX_CHANNELS];
	int status[KMP_MAX_CHANNELS];
	struct kmp_value last[KMP_MAX_CHANNELS];
	bool last_known[KMP_MAX_CHANNELS];
	bool cache_valid;
	unsigned long cache_expires;

	struct kmp_type type;
	u32 serial;
	bool identity_read;
	int identity_err;
	unsigned long identity_expires;

	unsigned int period_ms;
	unsigned int freq_uhz;
	struct delayed_work poll_work;
	s64 *scan;

	struct miscdevice misc;
	char misc_name[16];
};

static KMP_RECEIVE_RET kmp_receive_buf(struct serdev_device *serdev,
				       const u8 *data, size_t count)
{
	struct kmp_meter *m = serdev_device_get_drvdata(serdev);
	size_t pos = 0, used;
	int ret;

	spin_lock(&m->rx_lock);
	if (m->armed)
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

/*
 * Sends @len bytes paced for two stop bits: serdev cannot set them, but a
 * byte followed by at least one idle bit time is exactly an 8N2 byte to
 * the receiver.
 */
static int kmp_send(struct kmp_meter *m, const u8 *buf, size_t len)
{
	long byte_jiffies = usecs_to_jiffies(11 * m->bit_us) + 1;
	size_t i;
	int ret;

	for (i = 0; i < len; i++) {
		if (READ_ONCE(m->removing))
			return -ENODEV;
		ret = serdev_device_write(m->serdev, &buf[i], 1, 4 * byte_jiffies);
		if (ret < 0)
			return ret;
		if (ret != 1)
			return -EIO;
		serdev_device_wait_until_sent(m->serdev, 4 * byte_jiffies);
		usleep_range(m->bit_us, m->bit_us + m->bit_us / 2 + 1);
	}
	return 0;
}

/*
 * One request and its reply.  The receive state is set up anew before the
 * request goes out, so that nothing of an earlier (late, broken) reply can
 * complete this one.  The wait is bounded: the meter must start its reply
 * within the turnaround time after our request; once it has started, the
 * reply may take as long as the longest reply to @reply_max bytes needs,
 * but breaks off when no byte comes for KMP_IDLE_BYTES byte times.
 */
static int kmp_xfer_once(struct kmp_meter *m, const u8 *req, size_t req_len,
			 size_t reply_max, struct kmp_frame *frame)
{
	unsigned long first, deadline, idle, last;
	long left;
	bool started;
	int ret, result;

	lockdep_assert_held(&m->lock);

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

	ret = kmp_send(m, req, req_len);
	if (ret)
		goto disarm;

	first = msecs_to_jiffies(m->turnaround_ms) + 1;
	idle = usecs_to_jiffies(KMP_IDLE_BYTES * 11 * m->bit_us) + 1;
	deadline = jiffies + first + usecs_to_jiffies(reply_max * 11 * m->bit_us);
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
		ret = left;

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
 * kmp_read_registers() - read registers, in requests of up to eight
 * @m: meter
 * @regs: register ids, all different
 * @n: number of ids
 * @vals: values, in the order of @regs
 * @status: per register: 0, -ENODATA if the meter lacks it, or the error
 *	    of the request that should have read it
 *
 * Context: holds @m->lock.
 */
static void kmp_read_registers(struct kmp_meter *m, const u16 *regs,
			       unsigned int n, struct kmp_value *vals,
			       int *status)
{
	u8 req[KMP_REQUEST_MAX];
	unsigned int i, j, chunk;
	int len, ret;

	for (i = 0; i < n; i += chunk) {
		struct kmp_get_register_ctx ctx;

		chunk = min_t(unsigned int, n - i, KMP_MAX_REGS);
		ctx = (struct kmp_get_register_ctx) {
			.regs = &regs[i], .n = chunk, .vals = &vals[i],
		};
		len = kmp_build_get_register(req, sizeof(req), m->addr,
					     &regs[i], chunk);
		ret = len < 0 ? len :
		      kmp_xfer(m, req, len, kmp_reply_len_max(chunk),
			       KMP_ATTEMPTS, kmp_check_get_register, &ctx);
		for (j = i; j < i + chunk; j++) {
			if (ret)
				status[j] = ret;
			else
				status[j] = vals[j].present ? 0 : -ENODATA;
		}
	}
}

/* Errors worth keeping for the cache's lifetime: what the meter said */
static bool kmp_cacheable(int status)
{
	return !status || status == -ENODATA || status == -ETIMEDOUT ||
	       status == -EBADMSG;
}

/*
 * Brings every channel's value up to date: from the cache while it is
 * valid, else from the meter.  Per-channel results are in @m->status.
 */
static int kmp_refresh(struct kmp_meter *m, bool force)
{
	unsigned int i;
	bool keep = true;

	lockdep_assert_held(&m->lock);

	if (!force && m->cache_valid && time_before(jiffies, m->cache_expires))
		return 0;

	m->cache_valid = false;
	kmp_read_registers(m, m->regs, m->nregs, m->vals, m->status);
	for (i = 0; i < m->nregs; i++) {
		if (m->status[i] == -ENODEV)
			return -ENODEV;
		keep &= kmp_cacheable(m->status[i]);
		if (!m->status[i]) {
			m->last[i] = m->vals[i];
			m->last_known[i] = true;
		}
	}
	if (keep) {
		m->cache_valid = true;
		m->cache_expires = jiffies + msecs_to_jiffies(KMP_CACHE_MS);
	}
	return 0;
}

static int kmp_check_type(const struct kmp_frame *frame, void *ctx)
{
	return kmp_decode_type(frame, ctx) ? -EBADMSG : 0;
}

static int kmp_check_serial(const struct kmp_frame *frame, void *ctx)
{
	return kmp_decode_serial(frame, ctx) ? -EBADMSG : 0;
}

/*
 * Reads type and serial number once; they never change.  @attempts per
 * request: one at probe, where a sleeping meter must not hold things up.
 * Holds m->lock.
 */
static int kmp_read_identity(struct kmp_meter *m, int attempts)
{
	u8 req[KMP_REQUEST_MAX];
	struct kmp_type type;
	u32 serial;
	int len, ret;

	lockdep_assert_held(&m->lock);
	if (m->identity_read)
		return 0;
	/* As for channels, a failure answers for a while: no repeated waits */
	if (m->identity_err && time_before(jiffies, m->identity_expires))
		return m->identity_err;

	len = kmp_build_get_type(req, sizeof(req), m->addr);
	if (len < 0)
		return len;
	ret = kmp_xfer(m, req, len, KMP_IDENT_REPLY_MAX, attempts,
		       kmp_check_type, &type);
	if (!ret) {
		len = kmp_build_get_serial(req, sizeof(req), m->addr);
		if (len < 0)
			return len;
		ret = kmp_xfer(m, req, len, KMP_IDENT_REPLY_MAX, attempts,
			       kmp_check_serial, &serial);
	}
	if (ret) {
		if (attempts == KMP_ATTEMPTS && kmp_cacheable(ret)) {
			m->identity_err = ret;
			m->identity_expires = jiffies +
					      msecs_to_jiffies(KMP_CACHE_MS);
		}
		return ret;
	}

	m->type = type;
	m->serial = serial;
	m->identity_read = true;
	return 0;
}

/* The value of channel @i in the unit its IIO type has in the ABI */
static int kmp_channel_scale(struct kmp_meter *m,
			     const struct iio_chan_spec *chan,
			     int *val, int *val2)
{
	const struct kmp_value *v = &m->last[chan->address];
	const struct kmp_unit *u = kmp_unit(v->unit);
	const char *base = m->bases[chan->address];
	struct kmp_value power;

	if (chan->type != IIO_COUNT) {
		/* The meter must send a unit of the channel's type */
		if (!u || u->iio_type != chan->type)
			return -EPROTO;
		return kmp_value_iio_scale(v, val, val2);
	}
	if (base) {
		/* Volume in litres, flow in litres per hour */
		if (!u || !u->base || strcmp(u->base, base))
			return -EPROTO;
		return kmp_value_iio_scale(v, val, val2);
	}
	/* A devicetree channel: the unit's base, else the meter's own unit */
	if (u && u->mult)
		return kmp_value_iio_scale(v, val, val2);
	power = (struct kmp_value) {
		.siex = v->siex & ~KMP_SIEX_NEG_MANTISSA, .mantissa = 1,
	};
	return kmp_value_iio(&power, val, val2);
}

static int kmp_read_channel(struct kmp_meter *m,
			    const struct iio_chan_spec *chan, long mask,
			    int *val, int *val2)
{
	unsigned int i = chan->address;
	int ret;

	mutex_lock(&m->lock);
	/*
	 * A scale follows the unit and exponent the meter sends, which its
	 * configuration fixes: once known, it is answered without a
	 * transaction (libiio reads every scale when it opens a device).
	 */
	if (mask == IIO_CHAN_INFO_SCALE && m->last_known[i]) {
		ret = kmp_channel_scale(m, chan, val, val2);
		goto out;
	}
	ret = kmp_refresh(m, false);
	if (!ret)
		ret = m->status[i];
	if (!ret && mask == IIO_CHAN_INFO_RAW)
		ret = kmp_value_iio_raw(&m->vals[i], val, val2);
	else if (!ret)
		ret = kmp_channel_scale(m, chan, val, val2);
out:
	mutex_unlock(&m->lock);
	return ret;
}

static int kmp_read_raw(struct iio_dev *indio_dev,
			struct iio_chan_spec const *chan,
			int *val, int *val2, long mask)
{
	struct kmp_meter *m = iio_priv(indio_dev);
	unsigned int uhz;
	int ret;

	switch (mask) {
	case IIO_CHAN_INFO_RAW:
		if (!kmp_claim_direct(indio_dev))
			return -EBUSY;
		ret = kmp_read_channel(m, chan, mask, val, val2);
		kmp_release_direct(indio_dev);
		return ret;
	case IIO_CHAN_INFO_SCALE:
		return kmp_read_channel(m, chan, mask, val, val2);
	case IIO_CHAN_INFO_SAMP_FREQ:
		mutex_lock(&m->lock);
		uhz = m->freq_uhz;
		mutex_unlock(&m->lock);
		*val = uhz / 1000000;
		*val2 = uhz % 1000000;
		return IIO_VAL_INT_PLUS_MICRO;
	default:
		return -EINVAL;
	}
}

static int kmp_write_raw(struct iio_dev *indio_dev,
			 struct iio_chan_spec const *chan,
			 int val, int val2, long mask)
{
	struct kmp_meter *m = iio_priv(indio_dev);
	u64 uhz;

	if (mask != IIO_CHAN_INFO_SAMP_FREQ)
		return -EINVAL;
	if (val < 0 || val2 < 0 || val2 >= 1000000)
		return -EINVAL;
	uhz = (u64)val * 1000000 + val2;
	if (uhz < div_u64(1000000000ULL, KMP_MAX_PERIOD_MS) ||
	    uhz > 1000000000ULL / KMP_MIN_PERIOD_MS)
		return -EINVAL;

	/* What was written reads back; the period is the nearest millisecond */
	mutex_lock(&m->lock);
	m->freq_uhz = uhz;
	m->period_ms = DIV_ROUND_CLOSEST_ULL(1000000000ULL, uhz);
	mutex_unlock(&m->lock);
	return 0;
}

static int kmp_write_raw_get_fmt(struct iio_dev *indio_dev,
				 struct iio_chan_spec const *chan, long mask)
{
	return IIO_VAL_INT_PLUS_MICRO;
}

static int kmp_read_label(struct iio_dev *indio_dev,
			  struct iio_chan_spec const *chan, char *label)
{
	struct kmp_meter *m = iio_priv(indio_dev);

	return sysfs_emit(label, "%s\n", m->labels[chan->address]);
}

static ssize_t kmp_identity_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	struct kmp_meter *m = iio_priv(dev_to_iio_dev(dev));
	struct iio_dev_attr *this = to_iio_dev_attr(attr);
	char rev[8];
	int ret;

	mutex_lock(&m->lock);
	ret = kmp_read_identity(m, KMP_ATTEMPTS);
	if (!ret) {
		switch (this->address) {
		case 0:
			ret = sysfs_emit(buf, "0x%04x\n", m->type.type);
			break;
		case 1:
			ret = kmp_type_revision(&m->type, rev, sizeof(rev));
			if (ret >= 0)
				ret = sysfs_emit(buf, "%s\n", rev);
			break;
		default:
			ret = sysfs_emit(buf, "%u\n", m->serial);
			break;
		}
	}
	mutex_unlock(&m->lock);
	return ret;
}

static IIO_DEVICE_ATTR(meter_type, 0444, kmp_identity_show, NULL, 0);
static IIO_DEVICE_ATTR(meter_revision, 0444, kmp_identity_show, NULL, 1);
static IIO_DEVICE_ATTR(serial_number, 0444, kmp_identity_show, NULL, 2);

static ssize_t meter_model_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	struct kmp_meter *m = iio_priv(dev_to_iio_dev(dev));

	return sysfs_emit(buf, "%s\n", m->model);
}

static IIO_DEVICE_ATTR_RO(meter_model, 0);

static struct attribute *kmp_attrs[] = {
	&iio_dev_attr_meter_model.dev_attr.attr,
	&iio_dev_attr_meter_type.dev_attr.attr,
	&iio_dev_attr_meter_revision.dev_attr.attr,
	&iio_dev_attr_serial_number.dev_attr.attr,
	NULL
};

static const struct attribute_group kmp_attr_group = {
	.attrs = kmp_attrs,
};

static const struct iio_info kmp_info = {
	.read_raw = kmp_read_raw,
	.write_raw = kmp_write_raw,
	.write_raw_get_fmt = kmp_write_raw_get_fmt,
	.read_label = kmp_read_label,
	.attrs = &kmp_attr_group,
};

/* Buffered mode: a scan every period_ms, for as long as the buffer is on */
static void kmp_poll(struct work_struct *work)
{
	struct kmp_meter *m = container_of(to_delayed_work(work),
					   struct kmp_meter, poll_work);
	struct iio_dev *indio_dev = m->indio_dev;
	unsigned long start = jiffies, period;
	unsigned int bit, n = 0;
	s64 ts = iio_get_time_ns(indio_dev);
	int val, val2, ret;

	mutex_lock(&m->lock);
	ret = kmp_refresh(m, true);
	for_each_set_bit(bit, indio_dev->active_scan_mask,
			 kmp_masklength(indio_dev)) {
		if (ret || bit >= m->nregs)
			break;
		ret = m->status[bit];
		if (!ret)
			ret = kmp_value_iio_raw(&m->vals[bit], &val, &val2);
		if (ret == IIO_VAL_INT) {
			m->scan[n++] = val;
			ret = 0;
		} else if (ret == IIO_VAL_INT_64) {
			m->scan[n++] = (s64)((u64)(u32)val2 << 32 | (u32)val);
			ret = 0;
		}
	}
	period = msecs_to_jiffies(m->period_ms);
	mutex_unlock(&m->lock);

	if (ret == -ENODEV)
		return;
	if (ret)
		dev_warn_ratelimited(&m->serdev->dev,
				     "scan skipped: a channel could not be read (%d)\n",
				     ret);
	else
		kmp_push_with_ts(indio_dev, m->scan,
				 (KMP_MAX_CHANNELS + 1) * sizeof(*m->scan), ts);

	if (!READ_ONCE(m->removing)) {
		long wait = (long)(start + period - jiffies);

		queue_delayed_work(system_wq, &m->poll_work, max(wait, 0L));
	}
}

static int kmp_buffer_postenable(struct iio_dev *indio_dev)
{
	struct kmp_meter *m = iio_priv(indio_dev);

	queue_delayed_work(system_wq, &m->poll_work, 0);
	return 0;
}

static int kmp_buffer_predisable(struct iio_dev *indio_dev)
{
	struct kmp_meter *m = iio_priv(indio_dev);

	cancel_delayed_work_sync(&m->poll_work);
	return 0;
}

static const struct iio_buffer_setup_ops kmp_buffer_ops = {
	.postenable = kmp_buffer_postenable,
	.predisable = kmp_buffer_predisable,
};

/*
 * The layout of the ioctl's structs has no implicit padding, so 32-bit
 * userspace on a 64-bit kernel sees the same one: compat_ptr_ioctl suffices.
 */
static_assert(sizeof(struct kmp_ioc_register) == 120);
static_assert(offsetof(struct kmp_ioc_register, mantissa) == 16);
static_assert(sizeof(struct kmp_ioc_read) == 16 + 8 * 120);
static_assert(KMP_IOC_MAX_REGS == KMP_MAX_REGS);
static_assert(KMP_IOC_VALUE_LEN >= KMP_VALUE_STR_MAX);

/* Input checks: nothing reaches the meter unless they all pass */
static int kmp_ioc_validate(const struct kmp_ioc_read *req)
{
	unsigned int i, b;

	if (req->size != sizeof(*req) || req->flags || req->reserved)
		return -EINVAL;
	if (req->count < 1 || req->count > KMP_IOC_MAX_REGS)
		return -EINVAL;
	for (i = 0; i < req->count; i++)
		for (b = 0; b < sizeof(req->regs[i].reserved); b++)
			if (req->regs[i].reserved[b])
				return -EINVAL;
	return 0;
}

/* Reads the registers of a validated request into it */
static int kmp_ioc_read_registers(struct kmp_meter *m, struct kmp_ioc_read *req)
{
	struct kmp_value vals[KMP_MAX_REGS];
	int status[KMP_MAX_REGS];
	u16 regs[KMP_MAX_REGS];
	unsigned int i, j, n = 0;

	/* Each id once: a repeated one is answered from the same read */
	for (i = 0; i < req->count; i++) {
		for (j = 0; j < n; j++)
			if (regs[j] == req->regs[i].reg)
				break;
		if (j == n)
			regs[n++] = req->regs[i].reg;
	}

	mutex_lock(&m->lock);
	if (m->removing) {
		mutex_unlock(&m->lock);
		return -ENODEV;
	}
	kmp_read_registers(m, regs, n, vals, status);
	mutex_unlock(&m->lock);

	for (i = 0; i < req->count; i++) {
		struct kmp_ioc_register *r = &req->regs[i];
		u16 reg = r->reg;

		for (j = 0; regs[j] != reg; j++)
			;
		if (status[j] == -ENODEV)
			return -ENODEV;
		memset(r, 0, sizeof(*r));
		r->reg = reg;
		if (status[j] == -ENODATA) {
			r->status = KMP_IOC_ABSENT;
		} else if (status[j]) {
			r->status = KMP_IOC_ERROR;
			r->error = status[j];
		} else {
			r->status = KMP_IOC_OK;
			r->unit = vals[j].unit;
			r->siex = vals[j].siex;
			r->len = vals[j].len;
			r->exponent = kmp_value_exponent(&vals[j]);
			r->negative = kmp_value_negative(&vals[j]);
			r->mantissa = vals[j].mantissa;
			kmp_value_to_string(&vals[j], r->value, sizeof(r->value));
		}
	}
	return 0;
}

static long kmp_misc_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	struct kmp_meter *m = container_of(file->private_data,
					   struct kmp_meter, misc);
	void __user *uarg = (void __user *)arg;
	struct kmp_ioc_read *req;
	long ret;

	if (cmd != KMP_IOC_READ_REGISTERS)
		return -ENOTTY;

	req = memdup_user(uarg, sizeof(*req));
	if (IS_ERR(req))
		return PTR_ERR(req);
	ret = kmp_ioc_validate(req);
	if (!ret)
		ret = kmp_ioc_read_registers(m, req);
	if (!ret && copy_to_user(uarg, req, sizeof(*req)))
		ret = -EFAULT;
	kfree(req);
	return ret;
}

static int kmp_misc_open(struct inode *inode, struct file *file)
{
	struct kmp_meter *m = container_of(file->private_data,
					   struct kmp_meter, misc);

	/* Keeps the meter's state alive until release, even after unbind */
	iio_device_get(m->indio_dev);
	return nonseekable_open(inode, file);
}

static int kmp_misc_release(struct inode *inode, struct file *file)
{
	struct kmp_meter *m = container_of(file->private_data,
					   struct kmp_meter, misc);

	iio_device_put(m->indio_dev);
	return 0;
}

static const struct file_operations kmp_misc_fops = {
	.owner = THIS_MODULE,
	.open = kmp_misc_open,
	.release = kmp_misc_release,
	.unlocked_ioctl = kmp_misc_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static void kmp_misc_deregister(void *data)
{
	misc_deregister(data);
}

/* /dev/kmpN for iio:deviceN, a child of the IIO device in sysfs */
static int kmp_misc_register(struct kmp_meter *m)
{
	struct device *dev = &m->serdev->dev;
	int ret;

	snprintf(m->misc_name, sizeof(m->misc_name), "kmp%d",
		 iio_device_id(m->indio_dev));
	m->misc.minor = MISC_DYNAMIC_MINOR;
	m->misc.name = m->misc_name;
	m->misc.fops = &kmp_misc_fops;
	m->misc.parent = &m->indio_dev->dev;
	ret = misc_register(&m->misc);
	if (ret)
		return dev_err_probe(dev, ret, "cannot register /dev/%s\n",
				     m->misc_name);
	return devm_add_action_or_reset(dev, kmp_misc_deregister, &m->misc);
}

static int kmp_add_register(struct kmp_meter *m, u16 reg, const char *label,
			    const char *base)
{
	unsigned int i;

	for (i = 0; i < m->nregs; i++)
		if (m->regs[i] == reg)
			return dev_err_probe(&m->serdev->dev, -EINVAL,
					     "register 0x%04x configured twice\n",
					     reg);
	if (m->nregs == KMP_MAX_CHANNELS)
		return dev_err_probe(&m->serdev->dev, -EINVAL,
				     "more than %d registers\n",
				     KMP_MAX_CHANNELS);
	m->regs[m->nregs] = reg;
	m->labels[m->nregs] = label;
	m->bases[m->nregs] = base;
	m->nregs++;
	return 0;
}

static void kmp_fill_channel(struct iio_chan_spec *chan, unsigned int i,
			     enum iio_chan_type type, int channel, int channel2)
{
	*chan = (struct iio_chan_spec) {
		.type = type,
		.address = i,
		.scan_index = i,
		.scan_type = {
			.sign = 's',
			.realbits = 64,
			.storagebits = 64,
			.endianness = IIO_CPU,
		},
		.info_mask_separate = BIT(IIO_CHAN_INFO_RAW) |
				      BIT(IIO_CHAN_INFO_SCALE),
		.info_mask_shared_by_all = BIT(IIO_CHAN_INFO_SAMP_FREQ),
	};
	if (channel >= 0) {
		chan->indexed = 1;
		chan->channel = channel;
	}
	if (channel2) {
		chan->differential = 1;
		chan->channel2 = channel2;
	}
}

static const struct iio_chan_spec kmp_timestamp_channel =
	IIO_CHAN_SOFT_TIMESTAMP(0);

/* Channels from the standard quantities chosen and the channel@ nodes */
static int kmp_parse_channels(struct kmp_meter *m,
			      struct iio_chan_spec **channels)
{
	struct device *dev = &m->serdev->dev;
	const char *names[ARRAY_SIZE(kmp_quantities)];
	struct fwnode_handle *child;
	struct iio_chan_spec *chans;
	int nnames, i, q, ret;
	u32 reg;

	nnames = device_property_string_array_count(dev, "kamstrup,quantities");
	if (nnames == -EINVAL) {
		/* Property absent: every standard quantity */
		for (i = 0; i < ARRAY_SIZE(kmp_quantities); i++)
			names[i] = kmp_quantities[i].name;
		nnames = ARRAY_SIZE(kmp_quantities);
	} else if (nnames < 0 || nnames > ARRAY_SIZE(kmp_quantities)) {
		return dev_err_probe(dev, -EINVAL,
				     "bad kamstrup,quantities\n");
	} else {
		ret = device_property_read_string_array(dev, "kamstrup,quantities",
							names, nnames);
		if (ret < 0)
			return ret;
	}

	chans = devm_kcalloc(dev, KMP_MAX_CHANNELS + 1, sizeof(*chans),
			     GFP_KERNEL);
	if (!chans)
		return -ENOMEM;

	for (i = 0; i < nnames; i++) {
		const struct kmp_quantity *kq = NULL;

		for (q = 0; q < ARRAY_SIZE(kmp_quantities); q++)
			if (!strcmp(names[i], kmp_quantities[q].name))
				kq = &kmp_quantities[q];
		if (!kq)
			return dev_err_probe(dev, -EINVAL,
					     "unknown quantity \"%s\"\n",
					     names[i]);
		kmp_fill_channel(&chans[m->nregs], m->nregs, kq->type,
				 kq->channel, kq->channel2);
		ret = kmp_add_register(m, kq->reg, kq->label, kq->base);
		if (ret)
			return ret;
	}

	device_for_each_child_node(dev, child) {
		const char *label, *name = fwnode_get_name(child);

		/* Only channel@<register> nodes */
		if (!name || strncmp(name, "channel", 7) ||
		    (name[7] && name[7] != '@'))
			continue;
		ret = fwnode_property_read_u32(child, "reg", &reg);
		if (!ret && reg > 0xffff)
			ret = -EINVAL;
		if (ret) {
			fwnode_handle_put(child);
			return dev_err_probe(dev, ret, "bad channel reg\n");
		}
		if (fwnode_property_read_string(child, "label", &label))
			label = devm_kasprintf(dev, GFP_KERNEL,
					       "register 0x%04x", reg);
		if (!label) {
			fwnode_handle_put(child);
			return -ENOMEM;
		}
		kmp_fill_channel(&chans[m->nregs], m->nregs, IIO_COUNT, reg, 0);
		ret = kmp_add_register(m, reg, label, NULL);
		if (ret) {
			fwnode_handle_put(child);
			return ret;
		}
	}

	if (!m->nregs)
		return dev_err_probe(dev, -EINVAL, "no channels configured\n");

	chans[m->nregs] = kmp_timestamp_channel;
	chans[m->nregs].scan_index = m->nregs;
	*channels = chans;
	return 0;
}

static void kmp_shutdown(void *data)
{
	struct kmp_meter *m = data;

	/* Every transaction in flight ends now with -ENODEV */
	spin_lock(&m->rx_lock);
	m->removing = true;
	m->armed = false;
	m->rx_result = -ENODEV;
	complete_all(&m->rx_done);
	spin_unlock(&m->rx_lock);
	cancel_delayed_work_sync(&m->poll_work);
	/* Wait for the transaction in flight, which ends now, to leave */
	mutex_lock(&m->lock);
	mutex_unlock(&m->lock);
}

static int kmp_probe(struct serdev_device *serdev)
{
	struct device *dev = &serdev->dev;
	struct iio_chan_spec *channels;
	struct iio_dev *indio_dev;
	struct kmp_meter *m;
	u32 addr = KMP_ADDR_HEAT;
	int ret;

	indio_dev = devm_iio_device_alloc(dev, sizeof(*m));
	if (!indio_dev)
		return -ENOMEM;
	m = iio_priv(indio_dev);
	m->serdev = serdev;
	m->indio_dev = indio_dev;
	m->model = device_get_match_data(dev);
	if (!m->model)
		m->model = "kmp";
	mutex_init(&m->lock);
	spin_lock_init(&m->rx_lock);
	init_completion(&m->rx_done);
	INIT_DELAYED_WORK(&m->poll_work, kmp_poll);
	m->turnaround_ms = KMP_TURNAROUND_MS;
	m->period_ms = KMP_DEFAULT_PERIOD_MS;
	m->freq_uhz = DIV_ROUND_CLOSEST(1000000000U, KMP_DEFAULT_PERIOD_MS);

	m->baud = KMP_DEFAULT_BAUD;
	device_property_read_u32(dev, "current-speed", &m->baud);
	if (!m->baud || m->baud > 115200)
		return dev_err_probe(dev, -EINVAL, "bad current-speed %u\n",
				     m->baud);
	m->bit_us = DIV_ROUND_UP(1000000, m->baud);
	device_property_read_u32(dev, "kamstrup,meter-address", &addr);
	if (addr > 0xff)
		return dev_err_probe(dev, -EINVAL, "bad meter address %u\n",
				     addr);
	m->addr = addr;

	ret = kmp_parse_channels(m, &channels);
	if (ret)
		return ret;
	m->scan = devm_kcalloc(dev, KMP_MAX_CHANNELS + 1, sizeof(*m->scan),
			       GFP_KERNEL);
	if (!m->scan)
		return -ENOMEM;

	serdev_device_set_drvdata(serdev, m);
	serdev_device_set_client_ops(serdev, &kmp_serdev_ops);
	ret = devm_serdev_device_open(dev, serdev);
	if (ret)
		return dev_err_probe(dev, ret, "cannot open the UART\n");
	ret = serdev_device_set_baudrate(serdev, m->baud);
	if (ret != m->baud)
		return dev_err_probe(dev, -EINVAL, "UART cannot do %u baud\n",
				     m->baud);
	serdev_device_set_flow_control(serdev, false);
	ret = serdev_device_set_parity(serdev, SERDEV_PARITY_NONE);
	if (ret)
		return dev_err_probe(dev, ret, "cannot set no parity\n");

	indio_dev->name = m->model;
	indio_dev->info = &kmp_info;
	indio_dev->modes = INDIO_DIRECT_MODE;
	indio_dev->channels = channels;
	indio_dev->num_channels = m->nregs + 1;
	ret = devm_iio_kfifo_buffer_setup(dev, indio_dev, &kmp_buffer_ops);
	if (ret)
		return ret;

	ret = devm_iio_device_register(dev, indio_dev);
	if (ret)
		return ret;

	/*
	 * Released before the IIO device is unregistered, which waits for
	 * its readers: a read waiting for the meter ends at once with -ENODEV.
	 */
	ret = devm_add_action_or_reset(dev, kmp_shutdown, m);
	if (ret)
		return ret;

	/* Released first: no new ioctl after this, those running end */
	ret = kmp_misc_register(m);
	if (ret)
		return ret;

	/* The meter may be asleep: then its identity is read when asked */
	mutex_lock(&m->lock);
	if (kmp_read_identity(m, 1))
		dev_info(dev, "meter did not answer at probe; will ask again when read\n");
	mutex_unlock(&m->lock);
	return 0;
}

static const struct of_device_id kmp_of_match[] = {
	{ .compatible = "kamstrup,multical-402", .data = "multical-402" },
	{ .compatible = "kamstrup,multical-403", .data = "multical-403" },
	{ .compatible = "kamstrup,multical-603", .data = "multical-603" },
	{ .compatible = "kamstrup,kmp", .data = "kmp" },
	{ }
};
MODULE_DEVICE_TABLE(of, kmp_of_match);

static struct serdev_device_driver kmp_driver = {
	.driver = {
		.name = "kamstrup-kmp",
		.of_match_table = kmp_of_match,
	},
	.probe = kmp_probe,
};
module_serdev_device_driver(kmp_driver);

#if IS_ENABLED(CONFIG_KAMSTRUP_KMP_KUNIT_TEST)
#include "kamstrup_kmp_kunit.c"
#endif

MODULE_AUTHOR("The kamstrup-kmp authors");
MODULE_DESCRIPTION("Kamstrup Meter Protocol (KMP) meters on a serial line");
MODULE_LICENSE("GPL");
#ifdef KMP_VERSION
MODULE_VERSION(KMP_VERSION);
#endif
