// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kamstrup utility meters (MULTICAL 402/403/603 heat meters and relatives)
 * on an optical head wired to a UART, read with the Kamstrup Meter
 * Protocol (KMP): the IIO device.
 *
 * Each configured register is an IIO channel of the standard type of its
 * quantity.  One read of any channel refreshes all of them in as few
 * GetRegister requests as possible (up to eight registers each) and the
 * result is kept for KMP_CACHE_MS, so reading every channel in turn costs
 * one meter transaction.  Nothing is sent to the meter while nobody reads.
 *
 * A channel's scale is fixed: the meter's value, whatever unit and
 * exponent it comes with, is converted exactly to a whole number of the
 * channel's resolution, or the read fails with -ERANGE.  Reading a scale
 * never talks to the meter and a buffered stream keeps its meaning when
 * the meter changes resolution.
 *
 * In buffered mode a poller reads the meter at sampling_frequency and
 * pushes timestamped scans: a meter read takes about a second, longer
 * than any trigger period would suggest.
 *
 * Copyright (C) 2026 The kamstrup-kmp authors
 */

#include <kunit/visibility.h>
#include <linux/bitops.h>
#include <linux/device.h>
#include <linux/errno.h>
#include <linux/iio/buffer.h>
#include <linux/iio/iio.h>
#include <linux/iio/kfifo_buf.h>
#include <linux/iio/sysfs.h>
#include <linux/jiffies.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/mod_devicetable.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/property.h>
#include <linux/serdev.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/units.h>
#include <linux/workqueue.h>

#include "kamstrup-kmp.h"

/* sampling_frequency: default 1/60 Hz (a read a minute), at most 1 Hz */
#define KMP_DEFAULT_PERIOD_MS	60000
#define KMP_MIN_PERIOD_MS	1000
#define KMP_MAX_PERIOD_MS	(24 * 3600 * 1000)

/**
 * struct kmp_iio_type - how a quantity is an IIO channel
 * @type: the IIO channel type
 * @unit_exp: the IIO ABI's unit for @type is 10^@unit_exp of the protocol
 *	      core's base unit (mW: -3 of W; kPa: 3 of Pa)
 * @res_exp: the channel's fixed resolution, its scale: 10^@res_exp of the
 *	     IIO unit, fine enough for what the meters send
 * @indexed: always numbered (temp1, temp2), even the first of its kind
 */
struct kmp_iio_type {
	enum iio_chan_type type;
	s8 unit_exp;
	s8 res_exp;
	bool indexed;
};

static const struct kmp_iio_type kmp_iio_types[] = {
	[KMP_QTY_ENERGY] = { IIO_ENERGY, 0, 0, false },		/* J */
	[KMP_QTY_POWER] = { IIO_POWER, -3, 0, false },		/* mW */
	[KMP_QTY_TEMPERATURE] = { IIO_TEMP, -3, 0, true },	/* m°C */
	[KMP_QTY_VOLUME] = { IIO_VOLUME, 0, -3, false },	/* l */
	[KMP_QTY_FLOW] = { IIO_VOLUMEFLOW, 0, 0, false },	/* l/h */
	[KMP_QTY_VOLTAGE] = { IIO_VOLTAGE, -3, 0, true },	/* mV */
	[KMP_QTY_CURRENT] = { IIO_CURRENT, -3, 0, true },	/* mA */
	[KMP_QTY_PRESSURE] = { IIO_PRESSURE, 3, -2, true },	/* kPa */
};

/**
 * struct kmp_model - a meter model the driver binds to
 * @name: the IIO device's name
 * @regs: its channels when the devicetree names none
 * @nregs: their number
 * @info_code: it has an info code (register 0x0063): a heat meter
 * @speeds: the baud rates of its optical port, the default first; 0 ends
 */
struct kmp_model {
	const char *name;
	const u16 *regs;
	unsigned int nregs;
	bool info_code;
	u32 speeds[3];
};

/* The seven quantities of the ESPHome kamstrup_kmp component */
static const u16 kmp_heat_meter_regs[] = {
	KMP_REG_HEAT_ENERGY, KMP_REG_POWER, KMP_REG_TEMP1, KMP_REG_TEMP2,
	KMP_REG_TEMP_DIFF, KMP_REG_FLOW, KMP_REG_VOLUME,
};

/* A three-phase electricity meter: energy and power both ways, each phase */
static const u16 kmp_382_regs[] = {
	KMP_REG_ENERGY_IN, KMP_REG_ENERGY_OUT, KMP_REG_POWER_IN,
	KMP_REG_POWER_OUT, KMP_REG_VOLTAGE_L1, KMP_REG_VOLTAGE_L2,
	KMP_REG_VOLTAGE_L3, KMP_REG_CURRENT_L1, KMP_REG_CURRENT_L2,
	KMP_REG_CURRENT_L3, KMP_REG_POWER_IN_L1, KMP_REG_POWER_IN_L2,
	KMP_REG_POWER_IN_L3,
};

static const struct kmp_iio_type *kmp_chan_iio(const struct kmp_channel *c)
{
	return &kmp_iio_types[c->reg->quantity];
}

/* What the meter said (or did not): kept for the cache's lifetime */
static bool kmp_cacheable(int status)
{
	return !status || status == -ENODATA || status == -ETIMEDOUT ||
	       status == -EBADMSG || status == -EOVERFLOW;
}

/* A meter's failure to answer a request: not worth asking again at once */
static bool kmp_meter_failed(int ret)
{
	return ret == -ETIMEDOUT || ret == -EBADMSG;
}

/**
 * kmp_refresh() - bring channel values up to date
 * @m: meter
 * @mask: the channels to read from the meter now, by index; NULL: all of
 *	  them, and only when the cache has expired
 *
 * Reads in as few requests as possible.  Per-channel results are in their
 * status.  Once the meter fails a request, the remaining channels share
 * its error without asking again: a silent meter costs one request's
 * attempts whatever the channel count.
 *
 * Context: holds @m->lock.
 * Return: 0, or -ENODEV, -EINTR or -EIO when the transaction itself could
 * not be done (nothing is cached then).
 */
int kmp_refresh(struct kmp_meter *m, const unsigned long *mask)
{
	struct kmp_value vals[KMP_MAX_REGS];
	unsigned int idx[KMP_MAX_REGS];
	u16 regs[KMP_MAX_REGS];
	unsigned int i = 0, j, n;
	bool keep = true;
	int ret = 0;

	lockdep_assert_held(&m->lock);

	if (!mask && m->cache_valid && time_before(jiffies, m->cache_expires))
		return 0;

	m->cache_valid = false;
	while (i < m->nchans) {
		for (n = 0; i < m->nchans && n < KMP_MAX_REGS; i++) {
			if (mask && !test_bit(i, mask))
				continue;
			idx[n] = i;
			regs[n++] = m->chans[i].reg->id;
		}
		if (!n)
			break;
		if (!kmp_meter_failed(ret))
			ret = kmp_read_registers(m, regs, n, vals);
		if (ret && !kmp_meter_failed(ret))
			return ret;
		for (j = 0; j < n; j++) {
			struct kmp_channel *c = &m->chans[idx[j]];

			if (ret)
				c->status = ret;
			else if (!vals[j].present)
				c->status = vals[j].error ?: -ENODATA;
			else
				c->status = 0;
			if (!c->status)
				c->val = vals[j];
			keep &= kmp_cacheable(c->status);
		}
	}
	if (!mask && keep) {
		m->cache_valid = true;
		m->cache_expires = jiffies + msecs_to_jiffies(KMP_CACHE_MS);
	}
	return 0;
}

/* A channel's value in units of its resolution: raw * scale, exactly */
static int kmp_chan_raw(const struct kmp_channel *c, s64 *raw)
{
	const struct kmp_iio_type *t = kmp_chan_iio(c);
	const struct kmp_unit *u = kmp_unit(c->val.unit);

	if (c->status)
		return c->status;
	/* The meter must send a unit of the register's quantity */
	if (!u || u->quantity != c->reg->quantity)
		return -EPROTO;
	return kmp_value_to_base(&c->val, t->unit_exp + t->res_exp, raw);
}

static int kmp_read_chan_raw(struct kmp_meter *m, unsigned int i, int *val,
			     int *val2)
{
	s64 raw;
	int ret;

	if (mutex_lock_killable(&m->lock))
		return -EINTR;
	ret = kmp_refresh(m, NULL);
	if (!ret)
		ret = kmp_chan_raw(&m->chans[i], &raw);
	mutex_unlock(&m->lock);
	if (ret)
		return ret;
	if (raw >= INT_MIN && raw <= INT_MAX) {
		*val = raw;
		return IIO_VAL_INT;
	}
	*val = lower_32_bits(raw);
	*val2 = upper_32_bits(raw);
	return IIO_VAL_INT_64;
}

/* 10^res_exp, fixed for the channel's type: no meter transaction */
static int kmp_read_chan_scale(const struct kmp_channel *c, int *val,
			       int *val2)
{
	int e = kmp_chan_iio(c)->res_exp, p = 1;

	if (e >= 0) {
		while (e--)
			p *= 10;
		*val = p;
		return IIO_VAL_INT;
	}
	for (e += 6; e > 0; e--)
		p *= 10;
	*val = 0;
	*val2 = p;
	return IIO_VAL_INT_PLUS_MICRO;
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
		if (!iio_device_claim_direct(indio_dev))
			return -EBUSY;
		ret = kmp_read_chan_raw(m, chan->scan_index, val, val2);
		iio_device_release_direct(indio_dev);
		return ret;
	case IIO_CHAN_INFO_SCALE:
		return kmp_read_chan_scale(&m->chans[chan->scan_index], val,
					   val2);
	case IIO_CHAN_INFO_SAMP_FREQ:
		mutex_lock(&m->lock);
		uhz = m->freq_uhz;
		mutex_unlock(&m->lock);
		*val = uhz / MICRO;
		*val2 = uhz % MICRO;
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
	u64 uhz, period_ms;

	if (mask != IIO_CHAN_INFO_SAMP_FREQ)
		return -EINVAL;
	if (val < 0 || val2 < 0 || val2 >= MICRO)
		return -EINVAL;
	uhz = (u64)val * MICRO + val2;
	if (!uhz)
		return -EINVAL;
	/* The period is the nearest millisecond, and within the bounds */
	period_ms = DIV64_U64_ROUND_CLOSEST(1000ULL * MICRO, uhz);
	if (period_ms < KMP_MIN_PERIOD_MS || period_ms > KMP_MAX_PERIOD_MS)
		return -EINVAL;

	/* What was written reads back, and counts from now on */
	mutex_lock(&m->lock);
	m->freq_uhz = uhz;
	m->period_ms = period_ms;
	if (m->polling)
		mod_delayed_work(system_long_wq, &m->poll_work,
				 msecs_to_jiffies(period_ms));
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

	return sysfs_emit(label, "%s\n", m->chans[chan->scan_index].label);
}

/* The serial number, asked for once; a failure answers for a while */
static int kmp_get_serial(struct kmp_meter *m)
{
	int ret;

	lockdep_assert_held(&m->lock);
	if (m->serial_read)
		return 0;
	if (m->serial_err && time_before(jiffies, m->serial_expires))
		return m->serial_err;
	ret = kmp_read_serial(m, &m->serial);
	if (!ret) {
		m->serial_read = true;
	} else if (kmp_cacheable(ret)) {
		m->serial_err = ret;
		m->serial_expires = jiffies + msecs_to_jiffies(KMP_CACHE_MS);
	}
	return ret;
}

static ssize_t serialnumber_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	struct kmp_meter *m = iio_priv(dev_to_iio_dev(dev));
	int ret;

	if (mutex_lock_killable(&m->lock))
		return -EINTR;
	ret = kmp_get_serial(m);
	if (!ret)
		ret = sysfs_emit(buf, "%u\n", m->serial);
	mutex_unlock(&m->lock);
	return ret;
}

static DEVICE_ATTR_RO(serialnumber);

/* A heat meter's info code (its fault flags): a whole number, no unit */
static int kmp_info_code_value(const struct kmp_value *val, u32 *code)
{
	const struct kmp_unit *unit = kmp_unit(val->unit);

	if (!val->present)
		return val->error ?: -ENODATA;
	if (!unit || unit->quantity != KMP_QTY_NONE ||
	    kmp_value_negative(val) || kmp_value_exponent(val) ||
	    val->mantissa > U32_MAX)
		return -EBADMSG;
	*code = val->mantissa;
	return 0;
}

/* The info code, asked for when the last answer is older than the cache */
static int kmp_get_info_code(struct kmp_meter *m)
{
	static const u16 reg = KMP_REG_INFO_CODE;
	struct kmp_value val;
	int ret;

	lockdep_assert_held(&m->lock);
	if (m->info_valid && time_before(jiffies, m->info_expires))
		return m->info_err;
	ret = kmp_read_registers(m, &reg, 1, &val);
	if (!ret)
		ret = kmp_info_code_value(&val, &m->info_code);
	if (kmp_cacheable(ret)) {
		m->info_valid = true;
		m->info_err = ret;
		m->info_expires = jiffies + msecs_to_jiffies(KMP_CACHE_MS);
	}
	return ret;
}

static ssize_t info_code_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	struct kmp_meter *m = iio_priv(dev_to_iio_dev(dev));
	int ret;

	if (mutex_lock_killable(&m->lock))
		return -EINTR;
	ret = kmp_get_info_code(m);
	if (!ret)
		ret = sysfs_emit(buf, "0x%04x\n", m->info_code);
	mutex_unlock(&m->lock);
	return ret;
}

static DEVICE_ATTR_RO(info_code);

static struct attribute *kmp_attrs[] = {
	&dev_attr_serialnumber.attr,
	&dev_attr_info_code.attr,
	NULL
};

/* Only heat meters have an info code */
static umode_t kmp_attr_visible(struct kobject *kobj, struct attribute *attr,
				int n)
{
	struct kmp_meter *m = iio_priv(dev_to_iio_dev(kobj_to_dev(kobj)));

	if (attr == &dev_attr_info_code.attr && !m->has_info_code)
		return 0;
	return attr->mode;
}

static const struct attribute_group kmp_attr_group = {
	.attrs = kmp_attrs,
	.is_visible = kmp_attr_visible,
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
	unsigned long start = jiffies;
	unsigned int bit, n = 0;
	s64 ts;
	int ret;

	mutex_lock(&m->lock);
	/* The enabled channels only, stamped when the meter has answered */
	ret = kmp_refresh(m, indio_dev->active_scan_mask);
	ts = iio_get_time_ns(indio_dev);
	iio_for_each_active_channel(indio_dev, bit) {
		if (ret || bit >= m->nchans)
			break;
		ret = kmp_chan_raw(&m->chans[bit], &m->scan[n++]);
	}
	if (ret == -ENODEV) {
		mutex_unlock(&m->lock);
		return;
	}
	if (ret)
		dev_warn_ratelimited(&m->serdev->dev,
				     "scan skipped: a channel could not be read (%d)\n",
				     ret);
	else
		iio_push_to_buffers_with_ts(indio_dev, m->scan,
					    (KMP_MAX_CHANNELS + 1) *
					    sizeof(*m->scan), ts);
	/* A period from the start of this scan; a transaction takes seconds */
	if (m->polling)
		queue_delayed_work(system_long_wq, &m->poll_work,
				   max_t(long, start + msecs_to_jiffies(m->period_ms) - jiffies,
					 0));
	mutex_unlock(&m->lock);
}

static int kmp_buffer_postenable(struct iio_dev *indio_dev)
{
	struct kmp_meter *m = iio_priv(indio_dev);

	mutex_lock(&m->lock);
	m->polling = true;
	queue_delayed_work(system_long_wq, &m->poll_work, 0);
	mutex_unlock(&m->lock);
	return 0;
}

static int kmp_buffer_predisable(struct iio_dev *indio_dev)
{
	struct kmp_meter *m = iio_priv(indio_dev);

	mutex_lock(&m->lock);
	m->polling = false;
	mutex_unlock(&m->lock);
	/* A scan in progress finishes; none is queued after it */
	cancel_delayed_work_sync(&m->poll_work);
	return 0;
}

static const struct iio_buffer_setup_ops kmp_buffer_ops = {
	.postenable = kmp_buffer_postenable,
	.predisable = kmp_buffer_predisable,
};

/* Adds the channel for register @id, labelled @label or by its name */
static int kmp_add_channel(struct kmp_meter *m, struct iio_chan_spec *chan,
			   u32 id, const char *label)
{
	struct device *dev = &m->serdev->dev;
	const struct kmp_iio_type *t;
	const struct kmp_register *reg;
	unsigned int i;

	reg = id <= U16_MAX ? kmp_register(id) : NULL;
	if (!reg || reg->quantity == KMP_QTY_NONE)
		return dev_err_probe(dev, -EINVAL,
				     "register 0x%04x has no channel type (read it through the register device)\n",
				     id);
	for (i = 0; i < m->nchans; i++) {
		const struct kmp_register *r = m->chans[i].reg;

		if (r == reg)
			return dev_err_probe(dev, -EINVAL,
					     "register 0x%04x configured twice\n",
					     id);
		/* A register and its high-resolution twin: one channel */
		if (r->quantity == reg->quantity && r->index == reg->index &&
		    r->index2 == reg->index2)
			return dev_err_probe(dev, -EINVAL,
					     "registers 0x%04x and 0x%04x are the same quantity (%s): configure one\n",
					     r->id, id, reg->name);
	}
	if (m->nchans == KMP_MAX_CHANNELS)
		return dev_err_probe(dev, -EINVAL, "more than %d channels\n",
				     KMP_MAX_CHANNELS);

	t = &kmp_iio_types[reg->quantity];
	i = m->nchans;
	m->chans[i].reg = reg;
	m->chans[i].label = label ?: reg->name;
	*chan = (struct iio_chan_spec) {
		.type = t->type,
		.address = reg->id,
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
	/* Unnumbered: the first of its kind; see also kmp_parse_channels() */
	if (t->indexed || reg->index != 1) {
		chan->indexed = 1;
		chan->channel = reg->index;
	}
	if (reg->index2) {
		chan->differential = 1;
		chan->channel2 = reg->index2;
	}
	m->nchans++;
	return 0;
}

static const struct iio_chan_spec kmp_timestamp_chan =
	IIO_CHAN_SOFT_TIMESTAMP(0);

/* The channel@<register> nodes, or the model's channels if there are none */
static int kmp_parse_channels(struct kmp_meter *m,
			      const struct kmp_model *model,
			      struct iio_chan_spec **channels)
{
	struct device *dev = &m->serdev->dev;
	struct iio_chan_spec *chans;
	const char *label;
	unsigned int i;
	int ret;
	u32 reg;

	chans = devm_kcalloc(dev, KMP_MAX_CHANNELS + 1, sizeof(*chans),
			     GFP_KERNEL);
	if (!chans)
		return -ENOMEM;

	/* No channel nodes: the model's channels */
	if (!device_get_child_node_count(dev)) {
		for (i = 0; i < model->nregs; i++) {
			ret = kmp_add_channel(m, &chans[i], model->regs[i], NULL);
			if (ret)
				return ret;
		}
	}
	device_for_each_child_node_scoped(dev, child) {
		if (!fwnode_name_eq(child, "channel"))
			return dev_err_probe(dev, -EINVAL,
					     "unexpected child node %pfwP\n",
					     child);
		ret = fwnode_property_read_u32(child, "reg", &reg);
		if (ret)
			return dev_err_probe(dev, ret, "%pfwP: bad reg\n",
					     child);
		label = NULL;
		fwnode_property_read_string(child, "label", &label);
		ret = kmp_add_channel(m, &chans[m->nchans], reg, label);
		if (ret)
			return ret;
	}

	/*
	 * A type with more than one channel numbers all of them: in_energy_*
	 * beside in_energy3_* would read as attributes shared by type.
	 */
	for (i = 0; i < m->nchans; i++) {
		unsigned int j;

		for (j = 0; j < m->nchans && !chans[i].indexed; j++) {
			if (j == i || chans[j].type != chans[i].type)
				continue;
			chans[i].indexed = 1;
			chans[i].channel = m->chans[i].reg->index;
		}
	}

	chans[m->nchans] = kmp_timestamp_chan;
	chans[m->nchans].scan_index = m->nchans;
	*channels = chans;
	return 0;
}

static void kmp_shutdown(void *data)
{
	struct kmp_meter *m = data;

	kmp_serdev_shutdown(m);
	cancel_delayed_work_sync(&m->poll_work);
}

/* Says who the meter is, if it answers; a sleeping meter is asked later */
static void kmp_hello(struct kmp_meter *m)
{
	struct device *dev = &m->serdev->dev;
	struct kmp_type type;
	char rev[8] = "";

	mutex_lock(&m->lock);
	if (kmp_get_serial(m)) {
		dev_info(dev, "meter did not answer; it is asked again when read\n");
	} else if (!kmp_read_type(m, &type)) {
		kmp_type_revision(&type, rev, sizeof(rev));
		dev_info(dev, "meter type 0x%04x revision %s serial %u\n",
			 type.type, rev, m->serial);
	}
	mutex_unlock(&m->lock);
}

static const struct kmp_model kmp_multical_403;
static const struct of_device_id kmp_of_match[];

/*
 * The model of the devicetree match; a firmware node without match data (a
 * software node) names it by its compatible property, or is a MULTICAL 403.
 */
static const struct kmp_model *kmp_get_model(struct device *dev)
{
	const struct kmp_model *model = device_get_match_data(dev);
	const struct of_device_id *id;

	if (model)
		return model;
	for (id = kmp_of_match; id->compatible[0]; id++)
		if (device_is_compatible(dev, id->compatible))
			return id->data;
	return &kmp_multical_403;
}

static int kmp_probe(struct serdev_device *serdev)
{
	struct device *dev = &serdev->dev;
	const struct kmp_model *model;
	struct iio_chan_spec *channels;
	struct iio_dev *indio_dev;
	struct kmp_meter *m;
	unsigned int i;
	u32 baud;
	int ret;

	model = kmp_get_model(dev);
	indio_dev = devm_iio_device_alloc(dev, sizeof(*m));
	if (!indio_dev)
		return -ENOMEM;
	m = iio_priv(indio_dev);
	m->serdev = serdev;
	m->indio_dev = indio_dev;
	m->addr = KMP_ADDR_HEAT;
	m->has_info_code = model->info_code;
	m->turnaround_ms = KMP_TURNAROUND_MS;
	m->period_ms = KMP_DEFAULT_PERIOD_MS;
	m->freq_uhz = DIV_ROUND_CLOSEST(1000U * MICRO, KMP_DEFAULT_PERIOD_MS);
	mutex_init(&m->lock);
	INIT_DELAYED_WORK(&m->poll_work, kmp_poll);

	baud = model->speeds[0];
	if (device_property_present(dev, "current-speed")) {
		ret = device_property_read_u32(dev, "current-speed", &baud);
		if (ret)
			return dev_err_probe(dev, ret, "bad current-speed\n");
	}
	for (i = 0; i < ARRAY_SIZE(model->speeds) && model->speeds[i]; i++)
		if (baud == model->speeds[i])
			break;
	if (i == ARRAY_SIZE(model->speeds) || !model->speeds[i])
		return dev_err_probe(dev, -EINVAL,
				     "current-speed %u: not a speed of the %s's optical port\n",
				     baud, model->name);

	ret = kmp_parse_channels(m, model, &channels);
	if (ret)
		return ret;
	m->scan = devm_kcalloc(dev, KMP_MAX_CHANNELS + 1, sizeof(*m->scan),
			       GFP_KERNEL);
	if (!m->scan)
		return -ENOMEM;

	ret = kmp_serdev_open(m, baud);
	if (ret)
		return ret;

	indio_dev->name = model->name;
	indio_dev->info = &kmp_info;
	indio_dev->modes = INDIO_DIRECT_MODE;
	indio_dev->channels = channels;
	indio_dev->num_channels = m->nchans + 1;
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
	ret = kmp_cdev_register(m);
	if (ret)
		return ret;

	kmp_hello(m);
	return 0;
}

static const struct kmp_model kmp_multical_402 = {
	.name = "multical-402",
	.regs = kmp_heat_meter_regs,
	.nregs = ARRAY_SIZE(kmp_heat_meter_regs),
	.info_code = true,
	.speeds = { 1200, 2400 },
};

static const struct kmp_model kmp_multical_403 = {
	.name = "multical-403",
	.regs = kmp_heat_meter_regs,
	.nregs = ARRAY_SIZE(kmp_heat_meter_regs),
	.info_code = true,
	.speeds = { 1200, 2400 },
};

static const struct kmp_model kmp_multical_603 = {
	.name = "multical-603",
	.regs = kmp_heat_meter_regs,
	.nregs = ARRAY_SIZE(kmp_heat_meter_regs),
	.info_code = true,
	.speeds = { 1200, 2400 },
};

/* Every open KMP reader of the 382 runs its optical port at 9600 baud */
static const struct kmp_model kmp_382 = {
	.name = "kamstrup-382",
	.regs = kmp_382_regs,
	.nregs = ARRAY_SIZE(kmp_382_regs),
	.speeds = { 9600 },
};

static const struct of_device_id kmp_of_match[] = {
	{ .compatible = "kam,382", .data = &kmp_382 },
	{ .compatible = "kam,multical-402", .data = &kmp_multical_402 },
	{ .compatible = "kam,multical-403", .data = &kmp_multical_403 },
	{ .compatible = "kam,multical-603", .data = &kmp_multical_603 },
	{ }
};
MODULE_DEVICE_TABLE(of, kmp_of_match);

VISIBLE_IF_KUNIT struct serdev_device_driver kmp_driver = {
	.driver = {
		.name = "kamstrup-kmp",
		.of_match_table = kmp_of_match,
	},
	.probe = kmp_probe,
};
EXPORT_SYMBOL_IF_KUNIT(kmp_driver);
module_serdev_device_driver(kmp_driver);

MODULE_AUTHOR("Jonas Nielsen <jonas.nielsen@kamstrup-kmp.org>");
MODULE_DESCRIPTION("Kamstrup Meter Protocol (KMP) meters on a serial line");
MODULE_LICENSE("GPL");
