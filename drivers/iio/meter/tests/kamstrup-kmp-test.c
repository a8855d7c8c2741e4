// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the Kamstrup KMP driver, against a fake serdev controller
 * whose write path answers from a scripted meter.
 *
 * The fake meter answers synchronously, from inside the driver's write:
 * when the driver waits for its reply, the reply is already there, so no
 * test depends on timing.  Where the meter stays silent, the driver's own
 * bounded timeout runs (shortened by the test), and where a test must act
 * while a request is in flight, a completion tells it the request arrived.
 *
 * The driver is reached as a user would: through its iio_info callbacks,
 * its attributes and its ioctl; only its state (kamstrup-kmp.h) is read
 * directly, to check what went to the meter and what is cached.
 *
 * Copyright (C) 2026 The kamstrup-kmp authors
 */

#include <kunit/test.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/iio/iio.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/pm_runtime.h>
#include <linux/property.h>
#include <linux/sched/signal.h>
#include <linux/serdev.h>
#include <linux/slab.h>

#include "../kamstrup-kmp.h"
#include "kmp-meter.h"

#if IS_ENABLED(CONFIG_KAMSTRUP_KMP_CHARDEV)
#include <linux/kamstrup-kmp.h>
#endif

/* What the scripted meter does with a request */
enum kmp_fake_action {
	KMP_FAKE_ANSWER,
	KMP_FAKE_SILENT,
	KMP_FAKE_BAD_CRC,
	KMP_FAKE_ECHO_NOISE,
	KMP_FAKE_HOLD,
	KMP_FAKE_TRUNCATED,
	KMP_FAKE_WRONG_ADDR,
	/* Answers, but first, as the request begins, a frame arrives: */
	KMP_FAKE_STALE,		/* a late reply to another request */
	KMP_FAKE_STALE_EMPTY,	/* a late reply without entries */
	KMP_FAKE_DUPLICATE,	/* the previous reply again */
};

struct kmp_fake {
	struct kunit *test;
	struct device *parent;
	struct serdev_controller *ctrl;
	struct serdev_device *serdev;
	struct kmp_meter *m;

	struct kmp_rx req;
	u8 written[4096];
	size_t nwritten;
	unsigned int requests;
	unsigned int get_register;
	unsigned int other;
	unsigned int regs_asked[8];	/* ids per GetRegister request */
	size_t req_begin;		/* where the last request began */
	unsigned long req_jiffies;	/* and when */

	struct kmp_value known[48];
	unsigned int nknown;

	const struct software_node *const *children;
	enum kmp_fake_action script[16];
	unsigned int nscript;
	unsigned int next;
	struct completion held;
	u32 baud;

	u8 last_reply[2 * KMP_RX_MAX + 2];
	int last_len;
	bool fail_writes;		/* the UART takes no byte */
	bool remove_after_escape;	/* unbinding begins after an escape */
};

static void kmp_fake_deliver(struct kmp_fake *f, const u8 *buf, size_t len)
{
	size_t pos;

	/* In small chunks, as a UART's receive path hands them over */
	for (pos = 0; pos < len; pos += 3)
		serdev_controller_receive_buf(f->ctrl, buf + pos,
					      min_t(size_t, 3, len - pos));
}

static void kmp_fake_request(struct kmp_fake *f, const struct kmp_frame *frame)
{
	static const u8 noise[] = { 0x00, 0xff, 0x0d, 0x1b, 0x80, 0x13, 0x0d };
	struct kmp_value vals[KMP_MAX_REGS];
	enum kmp_fake_action action = KMP_FAKE_ANSWER;
	u8 reply[2 * KMP_RX_MAX + 2];
	struct kmp_type type = { .type = 0x0034, .revision = 0x0601 };
	u8 addr = KMP_ADDR_HEAT;
	unsigned int n = 0, i, j;
	u16 regs[KMP_MAX_REGS];
	int len;

	if (f->next < f->nscript)
		action = f->script[f->next++];
	f->requests++;
	if (action == KMP_FAKE_WRONG_ADDR)
		addr = 0x7f;

	switch (frame->cid) {
	case KMP_CID_GET_REGISTER:
		if (kmp_decode_request(frame, regs, &n)) {
			f->other++;
			return;
		}
		if (f->get_register < ARRAY_SIZE(f->regs_asked))
			f->regs_asked[f->get_register] = n;
		f->get_register++;
		/* Unknown registers are left out, as a meter does */
		for (i = 0, j = 0; i < n; i++) {
			unsigned int k;

			for (k = 0; k < f->nknown; k++)
				if (f->known[k].reg == regs[i])
					vals[j++] = f->known[k];
		}
		len = kmp_build_reply_registers(reply, sizeof(reply), addr,
						vals, j);
		break;
	case KMP_CID_GET_TYPE:
		len = kmp_build_reply_type(reply, sizeof(reply), addr, &type);
		break;
	case KMP_CID_GET_SERIAL:
		len = kmp_build_reply_serial(reply, sizeof(reply), addr,
					     12345678);
		break;
	default:
		f->other++;
		return;
	}
	KUNIT_ASSERT_GT(f->test, len, 0);
	memcpy(f->last_reply, reply, len);
	f->last_len = len;

	switch (action) {
	case KMP_FAKE_SILENT:
		return;
	case KMP_FAKE_HOLD:
		complete(&f->held);
		return;
	case KMP_FAKE_TRUNCATED:
		/* The reply breaks off halfway, as when the head slips */
		kmp_fake_deliver(f, reply, len / 2);
		return;
	case KMP_FAKE_BAD_CRC:
		reply[2] ^= 0x01;	/* the command id: CRC no longer matches */
		break;
	case KMP_FAKE_ECHO_NOISE:
		/* The echo of the request as an optical head sends it back */
		KUNIT_ASSERT_GT(f->test, f->nwritten - f->req_begin, 8);
		kmp_fake_deliver(f, f->written + f->req_begin,
				 f->nwritten - f->req_begin);
		kmp_fake_deliver(f, noise, sizeof(noise));
		break;
	default:
		break;
	}
	kmp_fake_deliver(f, reply, len);
}

/* As a request begins: the frame a stale action sends before the reply */
static void kmp_fake_stale(struct kmp_fake *f)
{
	static const struct kmp_value e1_only = {
		.reg = KMP_REG_HEAT_ENERGY, .unit = 8, .len = 1, .present = true,
		.mantissa = 7,
	};
	u8 frame[2 * KMP_RX_MAX + 2];
	int len = 0;

	if (f->next >= f->nscript)
		return;
	switch (f->script[f->next]) {
	case KMP_FAKE_STALE:
		len = kmp_build_reply_registers(frame, sizeof(frame),
						KMP_ADDR_HEAT, &e1_only, 1);
		break;
	case KMP_FAKE_STALE_EMPTY:
		len = kmp_build_reply_registers(frame, sizeof(frame),
						KMP_ADDR_HEAT, NULL, 0);
		break;
	case KMP_FAKE_DUPLICATE:
		KUNIT_ASSERT_GT(f->test, f->last_len, 0);
		memcpy(frame, f->last_reply, f->last_len);
		len = f->last_len;
		break;
	default:
		return;
	}
	KUNIT_ASSERT_GT(f->test, len, 0);
	kmp_fake_deliver(f, frame, len);
}

static ssize_t kmp_fake_write_buf(struct serdev_controller *ctrl,
				  const u8 *data, size_t len)
{
	struct kmp_fake *f = serdev_controller_get_drvdata(ctrl);
	struct kmp_frame frame;
	size_t pos = 0, used;
	int ret;

	if (f->fail_writes)
		return 0;
	if (f->remove_after_escape && len && data[len - 1] == KMP_ESCAPE)
		WRITE_ONCE(f->m->removing, true);
	if (f->req.state == KMP_RX_HUNT && len && data[0] == KMP_START_REQUEST) {
		f->req_jiffies = jiffies;
		kmp_fake_stale(f);
	}
	if (f->nwritten + len <= sizeof(f->written)) {
		memcpy(f->written + f->nwritten, data, len);
		f->nwritten += len;
	}
	while (pos < len) {
		if (f->req.state == KMP_RX_HUNT && data[pos] == KMP_START_REQUEST)
			f->req_begin = f->nwritten - len + pos;
		ret = kmp_rx_feed(&f->req, data + pos, len - pos, &used);
		pos += used;
		if (ret == KMP_RX_COMPLETE) {
			kmp_rx_frame(&f->req, &frame);
			kmp_fake_request(f, &frame);
			kmp_rx_init(&f->req, KMP_START_REQUEST);
		} else if (ret < 0) {
			f->other++;
		} else if (!used) {
			break;
		}
	}
	return len;
}

static int kmp_fake_open(struct serdev_controller *ctrl)
{
	return 0;
}

static void kmp_fake_close(struct serdev_controller *ctrl)
{
}

static unsigned int kmp_fake_set_baudrate(struct serdev_controller *ctrl,
					  unsigned int baud)
{
	struct kmp_fake *f = serdev_controller_get_drvdata(ctrl);

	f->baud = baud;
	return baud;
}

static void kmp_fake_set_flow_control(struct serdev_controller *ctrl, bool on)
{
}

static int kmp_fake_set_parity(struct serdev_controller *ctrl,
			       enum serdev_parity parity)
{
	return parity == SERDEV_PARITY_NONE ? 0 : -EINVAL;
}

static void kmp_fake_wait_until_sent(struct serdev_controller *ctrl,
				     long timeout)
{
}

static const struct serdev_controller_ops kmp_fake_ops = {
	.write_buf = (void *)kmp_fake_write_buf,
	.open = kmp_fake_open,
	.close = kmp_fake_close,
	.set_baudrate = kmp_fake_set_baudrate,
	.set_flow_control = kmp_fake_set_flow_control,
	.set_parity = kmp_fake_set_parity,
	.wait_until_sent = kmp_fake_wait_until_sent,
};

/* The meter of the example profile: heat meter values with their units */
static const struct {
	u16 reg;
	u8 unit;
	const char *value;
} kmp_fake_profile[] = {
	{ KMP_REG_HEAT_ENERGY, 8, "1183.040" },		/* GJ */
	{ KMP_REG_POWER, 22, "2.4" },			/* kW */
	{ KMP_REG_TEMP1, 37, "12.40" },			/* C */
	{ KMP_REG_TEMP2, 37, "-3.25" },			/* C */
	{ KMP_REG_TEMP_DIFF, 38, "15.65" },		/* K */
	{ KMP_REG_FLOW, 41, "130" },			/* l/h */
	{ KMP_REG_VOLUME, 40, "1875.56" },		/* m3 */
	{ KMP_REG_TEMP3, 37, "7.50" },			/* C */
	{ KMP_REG_COOL_ENERGY, 2, "429496729.5" },	/* kWh */
	{ KMP_REG_PRESSURE1, 52, "6.5" },		/* bar */
	{ 0x03ec, 46, "43817" },			/* h: no channel type */
	{ KMP_REG_VOLUME2, 40, "12.5" },		/* m3 */
	{ KMP_REG_FLOW2, 41, "98" },			/* l/h */
	{ 0x010a, 2, "328622.222" },			/* kWh: E1, finer */
	{ KMP_REG_INFO_CODE, 0, "16" },			/* a bit field */
	/* The Kamstrup 382 electricity meter */
	{ KMP_REG_ENERGY_IN, 2, "12345.67" },		/* kWh */
	{ KMP_REG_ENERGY_OUT, 2, "987.6" },		/* kWh */
	{ KMP_REG_POWER_IN, 22, "1.234" },		/* kW */
	{ KMP_REG_POWER_OUT, 22, "0" },			/* kW */
	{ KMP_REG_VOLTAGE_L1, 33, "231" },		/* V */
	{ KMP_REG_VOLTAGE_L2, 33, "229.5" },		/* V */
	{ KMP_REG_VOLTAGE_L3, 35, "0.233" },		/* kV */
	{ KMP_REG_CURRENT_L1, 34, "1.52" },		/* A */
	{ KMP_REG_CURRENT_L2, 34, "2.07" },		/* A */
	{ KMP_REG_CURRENT_L3, 34, "0.9" },		/* A */
	{ KMP_REG_POWER_IN_L1, 22, "0.351" },		/* kW */
	{ KMP_REG_POWER_IN_L2, 21, "475" },		/* W */
	{ KMP_REG_POWER_IN_L3, 22, "0.408" },		/* kW */
	{ 0x000d, 2, "12345.6789" },			/* kWh, finer */
	{ 0x000e, 1, "987600.5" },			/* Wh */
	{ 0x0540, 22, "0.012" },			/* kW */
	{ 0x0541, 22, "0" },				/* kW */
	{ 0x0542, 21, "7" },				/* W */
	{ 0x00ef, 39, "1875560.123" },			/* l: V1, finer */
	{ 0x010b, 8, "1.5" },				/* GJ: E3, finer */
};

static const struct property_entry kmp_fake_fast_props[] = {
	PROPERTY_ENTRY_U32("current-speed", 2400),
	{ }
};

static const struct software_node kmp_fake_node = {
	.name = "meter",
	.properties = kmp_fake_fast_props,
};

/*
 * A fake controller with the scripted meter, the driver bound to it with
 * @node's properties (and @children's channel nodes).
 */
static struct kmp_fake *kmp_fake_bind(struct kunit *test,
				      const struct software_node *node,
				      const struct software_node *const *children,
				      bool asleep, int *probe_ret)
{
	struct serdev_controller *ctrl;
	struct device *parent;
	struct kmp_fake *f;
	unsigned int i;
	int ret;

	parent = root_device_register("kmp-kunit");
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(parent));
	ctrl = serdev_controller_alloc(parent, parent, sizeof(*f));
	KUNIT_ASSERT_NOT_NULL(test, ctrl);
	f = serdev_controller_get_drvdata(ctrl);
	f->test = test;
	f->parent = parent;
	f->ctrl = ctrl;
	init_completion(&f->held);
	kmp_rx_init(&f->req, KMP_START_REQUEST);
	KUNIT_ASSERT_LE(test, ARRAY_SIZE(kmp_fake_profile), ARRAY_SIZE(f->known));
	for (i = 0; i < ARRAY_SIZE(kmp_fake_profile); i++) {
		struct kmp_value *v = &f->known[f->nknown++];

		v->reg = kmp_fake_profile[i].reg;
		v->unit = kmp_fake_profile[i].unit;
		KUNIT_ASSERT_EQ(test, kmp_value_from_string(kmp_fake_profile[i].value, v), 0);
		v->len = max_t(u8, v->len, 2);
	}
	ctrl->ops = &kmp_fake_ops;
	/* serdev_controller_add() wants devicetree children: add it by hand */
	ret = device_add(&ctrl->dev);
	KUNIT_ASSERT_EQ(test, ret, 0);
	pm_runtime_enable(&ctrl->dev);

	f->serdev = serdev_device_alloc(ctrl);
	KUNIT_ASSERT_NOT_NULL(test, f->serdev);
	ret = device_add_software_node(&f->serdev->dev, node);
	KUNIT_ASSERT_EQ(test, ret, 0);
	f->children = children;
	for (i = 0; children && children[i]; i++)
		KUNIT_ASSERT_EQ(test, software_node_register(children[i]), 0);
	ret = serdev_device_add(f->serdev);
	KUNIT_ASSERT_EQ(test, ret, 0);
	/* From here on, the suite's exit hook undoes all of this */
	test->priv = f;

	/* A sleeping meter ignores the probe's one attempt at its identity */
	if (asleep)
		f->script[f->nscript++] = KMP_FAKE_SILENT;
	/* Bind the driver as the driver core does for a devicetree match */
	ret = device_driver_attach(&kmp_driver.driver, &f->serdev->dev);
	if (probe_ret) {
		*probe_ret = ret;
		return f;
	}
	KUNIT_ASSERT_EQ(test, ret, 0);
	f->m = serdev_device_get_drvdata(f->serdev);
	KUNIT_ASSERT_NOT_NULL(test, f->m);
	/* The driver's own timeouts, shortened: only silent meters wait */
	f->m->turnaround_ms = 20;
	return f;
}

static struct kmp_fake *kmp_fake_setup_asleep(struct kunit *test,
					      const struct software_node *node,
					      const struct software_node *const *children,
					      bool asleep)
{
	return kmp_fake_bind(test, node, children, asleep, NULL);
}

static struct kmp_fake *kmp_fake_setup(struct kunit *test,
				       const struct software_node *node,
				       const struct software_node *const *children)
{
	return kmp_fake_setup_asleep(test, node, children, false);
}

static void kmp_drv_test_exit(struct kunit *test)
{
	struct kmp_fake *f = test->priv;
	struct serdev_controller *ctrl;
	struct device *parent;
	unsigned int i;

	if (!f)
		return;
	ctrl = f->ctrl;
	parent = f->parent;
	/* Unbinds the driver (remove and devres) and drops the device */
	device_release_driver(&f->serdev->dev);
	for (i = 0; f->children && f->children[i]; i++)
		;
	while (i--)
		software_node_unregister(f->children[i]);
	device_remove_software_node(&f->serdev->dev);
	serdev_device_remove(f->serdev);
	pm_runtime_disable(&ctrl->dev);
	device_del(&ctrl->dev);
	serdev_controller_put(ctrl);
	root_device_unregister(parent);
}

static void kmp_fake_script(struct kmp_fake *f, enum kmp_fake_action action,
			    unsigned int count)
{
	while (count-- && f->nscript < ARRAY_SIZE(f->script))
		f->script[f->nscript++] = action;
}

/* The channel reading @reg, or NULL */
static const struct iio_chan_spec *kmp_fake_chan(struct kmp_fake *f, u16 reg)
{
	unsigned int i;

	for (i = 0; i < f->m->nchans; i++)
		if (f->m->chans[i].reg->id == reg)
			return &f->m->indio_dev->channels[i];
	return NULL;
}

static int kmp_fake_read(struct kmp_fake *f, u16 reg, long mask,
			 int *val, int *val2)
{
	const struct iio_chan_spec *chan = kmp_fake_chan(f, reg);

	KUNIT_ASSERT_NOT_NULL(f->test, chan);
	*val = 0;
	*val2 = 0;
	return f->m->indio_dev->info->read_raw(f->m->indio_dev, chan, val, val2,
					       mask);
}

/* The cache's lifetime ends: as if KMP_CACHE_MS had passed */
static void kmp_fake_expire(struct kmp_fake *f)
{
	mutex_lock(&f->m->lock);
	f->m->cache_expires = jiffies - 1;
	mutex_unlock(&f->m->lock);
}

/* Every byte ever written is part of a read command */
static void kmp_fake_expect_only_reads(struct kunit *test, struct kmp_fake *f)
{
	struct kmp_frame frame;
	struct kmp_rx rx;
	size_t pos = 0, used;
	unsigned int frames = 0;
	int ret;

	kmp_rx_init(&rx, KMP_START_REQUEST);
	while (pos < f->nwritten) {
		ret = kmp_rx_feed(&rx, f->written + pos, f->nwritten - pos, &used);
		pos += used;
		KUNIT_ASSERT_GE(test, ret, 0);
		if (ret != KMP_RX_COMPLETE)
			break;
		kmp_rx_frame(&rx, &frame);
		KUNIT_EXPECT_EQ(test, frame.addr, KMP_ADDR_HEAT);
		KUNIT_EXPECT_TRUE(test, frame.cid == KMP_CID_GET_REGISTER ||
				  frame.cid == KMP_CID_GET_TYPE ||
				  frame.cid == KMP_CID_GET_SERIAL);
		frames++;
		kmp_rx_init(&rx, KMP_START_REQUEST);
	}
	/* Nothing left over: no byte outside a frame */
	KUNIT_EXPECT_EQ(test, rx.discarded, 0u);
	KUNIT_EXPECT_EQ(test, rx.state, KMP_RX_HUNT);
	KUNIT_EXPECT_EQ(test, frames, f->requests);
	KUNIT_EXPECT_EQ(test, f->other, 0u);
}

static void kmp_drv_test_probe(struct kunit *test)
{
	struct kmp_fake *f = kmp_fake_setup(test, &kmp_fake_node, NULL);

	KUNIT_EXPECT_EQ(test, f->baud, 2400u);
	/* The seven standard channels and the timestamp */
	KUNIT_EXPECT_EQ(test, f->m->nchans, 7u);
	KUNIT_EXPECT_EQ(test, f->m->indio_dev->num_channels, 8);
	KUNIT_EXPECT_EQ(test, f->m->indio_dev->channels[0].type, IIO_ENERGY);
	KUNIT_EXPECT_FALSE(test, f->m->indio_dev->channels[0].indexed);
	KUNIT_EXPECT_STREQ(test, f->m->indio_dev->name, "multical-403");
	/* Identity read once at probe: GetSerialNo, and GetType for the log */
	KUNIT_EXPECT_TRUE(test, f->m->serial_read);
	KUNIT_EXPECT_EQ(test, f->m->serial, 12345678u);
	KUNIT_EXPECT_EQ(test, f->requests, 2u);
	/* Nothing else until somebody reads */
	KUNIT_EXPECT_EQ(test, f->get_register, 0u);
	kmp_fake_expect_only_reads(test, f);
}

/* The serialnumber attribute, as sysfs calls it */
static int kmp_fake_serialnumber(struct kmp_fake *f, char *buf)
{
	struct device *dev = &f->m->indio_dev->dev;
	struct attribute *attr = f->m->indio_dev->info->attrs->attrs[0];
	struct device_attribute *da = container_of(attr, struct device_attribute,
						   attr);

	KUNIT_ASSERT_STREQ(f->test, attr->name, "serialnumber");
	return da->show(dev, da, buf);
}

/* A sleeping meter does not fail the probe; its identity comes later */
static void kmp_drv_test_probe_asleep(struct kunit *test)
{
	struct kmp_fake *f = kmp_fake_setup_asleep(test, &kmp_fake_node, NULL, true);
	char *buf = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	/* One GetSerialNo, unanswered, and nothing more at probe */
	KUNIT_EXPECT_EQ(test, f->requests, 1u);
	KUNIT_EXPECT_FALSE(test, f->m->serial_read);
	/* Once the failure's lifetime ends, reading asks again: now awake */
	mutex_lock(&f->m->lock);
	f->m->serial_expires = jiffies - 1;
	mutex_unlock(&f->m->lock);
	KUNIT_EXPECT_EQ(test, kmp_fake_serialnumber(f, buf), 9);
	KUNIT_EXPECT_STREQ(test, buf, "12345678\n");
	KUNIT_EXPECT_EQ(test, f->requests, 2u);
	/* Known from now on: no more requests */
	KUNIT_EXPECT_EQ(test, kmp_fake_serialnumber(f, buf), 9);
	KUNIT_EXPECT_EQ(test, f->requests, 2u);
	kmp_fake_expect_only_reads(test, f);
}

/* A silent meter: one bounded attempt, and its failure answers a while */
static void kmp_drv_test_identity_error_kept(struct kunit *test)
{
	struct kmp_fake *f = kmp_fake_setup_asleep(test, &kmp_fake_node, NULL, true);
	char *buf = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	kmp_fake_script(f, KMP_FAKE_SILENT, KMP_ATTEMPTS);
	/* The probe's failure is still kept: no new attempt */
	KUNIT_EXPECT_EQ(test, kmp_fake_serialnumber(f, buf), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, f->requests, 1u);
	mutex_lock(&f->m->lock);
	f->m->serial_expires = jiffies - 1;
	mutex_unlock(&f->m->lock);
	/* One attempt, not KMP_ATTEMPTS */
	KUNIT_EXPECT_EQ(test, kmp_fake_serialnumber(f, buf), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, f->requests, 2u);
	/* A second read (busybox cat reads twice) does not wait again */
	KUNIT_EXPECT_EQ(test, kmp_fake_serialnumber(f, buf), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, f->requests, 2u);
}

static const u16 kmp_fake_defaults[] = {
	KMP_REG_HEAT_ENERGY, KMP_REG_POWER, KMP_REG_TEMP1, KMP_REG_TEMP2,
	KMP_REG_TEMP_DIFF, KMP_REG_FLOW, KMP_REG_VOLUME,
};

/* Seven channel reads in a row: one transaction of one frame */
static void kmp_drv_test_one_transaction(struct kunit *test)
{
	struct kmp_fake *f = kmp_fake_setup(test, &kmp_fake_node, NULL);
	unsigned int i;
	int val, val2;

	for (i = 0; i < ARRAY_SIZE(kmp_fake_defaults); i++) {
		KUNIT_EXPECT_GE(test, kmp_fake_read(f, kmp_fake_defaults[i],
						    IIO_CHAN_INFO_RAW, &val, &val2), 0);
		KUNIT_EXPECT_GE(test, kmp_fake_read(f, kmp_fake_defaults[i],
						    IIO_CHAN_INFO_SCALE, &val, &val2), 0);
	}
	KUNIT_EXPECT_EQ(test, f->get_register, 1u);
	KUNIT_EXPECT_EQ(test, f->regs_asked[0], 7u);
	/* Scales are fixed: reading them never talks to the meter */
	kmp_fake_expire(f);
	for (i = 0; i < ARRAY_SIZE(kmp_fake_defaults); i++)
		KUNIT_EXPECT_GE(test, kmp_fake_read(f, kmp_fake_defaults[i],
						    IIO_CHAN_INFO_SCALE, &val, &val2), 0);
	KUNIT_EXPECT_EQ(test, f->get_register, 1u);
	kmp_fake_expect_only_reads(test, f);
}

/* After the cache's lifetime, the next read asks the meter again */
static void kmp_drv_test_cache_expiry(struct kunit *test)
{
	struct kmp_fake *f = kmp_fake_setup(test, &kmp_fake_node, NULL);
	int val, val2;

	KUNIT_EXPECT_EQ(test, kmp_fake_read(f, KMP_REG_POWER, IIO_CHAN_INFO_RAW,
					    &val, &val2), IIO_VAL_INT);
	KUNIT_EXPECT_EQ(test, kmp_fake_read(f, KMP_REG_TEMP1, IIO_CHAN_INFO_RAW,
					    &val, &val2), IIO_VAL_INT);
	KUNIT_EXPECT_EQ(test, f->get_register, 1u);
	kmp_fake_expire(f);
	KUNIT_EXPECT_EQ(test, kmp_fake_read(f, KMP_REG_TEMP1, IIO_CHAN_INFO_RAW,
					    &val, &val2), IIO_VAL_INT);
	KUNIT_EXPECT_EQ(test, f->get_register, 2u);
}

/* The values and scales a user reads: raw * scale in the ABI's units */
static void kmp_drv_test_values(struct kunit *test)
{
	static const struct {
		u16 reg;
		s64 raw;
		int scale_type, scale, scale2;
	} want[] = {
		{ KMP_REG_HEAT_ENERGY, 1183040000000LL, IIO_VAL_INT, 1, 0 },	/* J */
		{ KMP_REG_POWER, 2400000, IIO_VAL_INT, 1, 0 },		/* mW */
		{ KMP_REG_TEMP1, 12400, IIO_VAL_INT, 1, 0 },		/* m C */
		{ KMP_REG_TEMP2, -3250, IIO_VAL_INT, 1, 0 },
		{ KMP_REG_TEMP_DIFF, 15650, IIO_VAL_INT, 1, 0 },
		{ KMP_REG_FLOW, 130, IIO_VAL_INT, 1, 0 },		/* l/h */
		{ KMP_REG_VOLUME, 1875560000, IIO_VAL_INT_PLUS_MICRO, 0, 1000 }, /* l */
	};
	struct kmp_fake *f = kmp_fake_setup(test, &kmp_fake_node, NULL);
	unsigned int i;
	int val, val2, ret;

	for (i = 0; i < ARRAY_SIZE(want); i++) {
		ret = kmp_fake_read(f, want[i].reg, IIO_CHAN_INFO_RAW, &val, &val2);
		if (want[i].raw >= INT_MIN && want[i].raw <= INT_MAX) {
			KUNIT_EXPECT_EQ(test, ret, IIO_VAL_INT);
			KUNIT_EXPECT_EQ(test, (s64)val, want[i].raw);
		} else {
			KUNIT_EXPECT_EQ(test, ret, IIO_VAL_INT_64);
			KUNIT_EXPECT_EQ(test, (s64)((u64)(u32)val2 << 32 | (u32)val),
					want[i].raw);
		}
		KUNIT_EXPECT_EQ(test, kmp_fake_read(f, want[i].reg, IIO_CHAN_INFO_SCALE,
						    &val, &val2), want[i].scale_type);
		KUNIT_EXPECT_EQ(test, val, want[i].scale);
		if (want[i].scale_type != IIO_VAL_INT)
			KUNIT_EXPECT_EQ(test, val2, want[i].scale2);
	}
}

/* The raw value of @reg, as an s64 */
static int kmp_fake_raw64(struct kmp_fake *f, u16 reg, s64 *raw)
{
	int val, val2, ret;

	ret = kmp_fake_read(f, reg, IIO_CHAN_INFO_RAW, &val, &val2);
	if (ret == IIO_VAL_INT)
		*raw = val;
	else if (ret == IIO_VAL_INT_64)
		*raw = (s64)((u64)(u32)val2 << 32 | (u32)val);
	return ret < 0 ? ret : 0;
}

static void kmp_fake_set(struct kmp_fake *f, u16 reg, u8 unit, const char *value)
{
	unsigned int k;

	for (k = 0; k < f->nknown; k++) {
		if (f->known[k].reg != reg)
			continue;
		f->known[k].unit = unit;
		KUNIT_ASSERT_EQ(f->test, kmp_value_from_string(value, &f->known[k]), 0);
	}
	kmp_fake_expire(f);
}

/*
 * Whatever unit and resolution the meter sends, raw keeps its meaning:
 * the scale is fixed and raw * scale is the same quantity.
 */
static void kmp_drv_test_unit_scales(struct kunit *test)
{
	static const struct {
		u16 reg;
		u8 unit;
		const char *value;
		int ret;
		s64 raw;
	} cases[] = {
		{ KMP_REG_HEAT_ENERGY, 2, "98765.43", 0, 355555548000LL },	/* kWh */
		{ KMP_REG_HEAT_ENERGY, 2, "98765.430", 0, 355555548000LL },
		{ KMP_REG_HEAT_ENERGY, 3, "98.765430", 0, 355555548000LL },	/* MWh */
		{ KMP_REG_HEAT_ENERGY, 8, "355.555548", 0, 355555548000LL },	/* GJ */
		{ KMP_REG_HEAT_ENERGY, 12, "1.234", 0, 5166511200LL },	/* Gcal */
		{ KMP_REG_HEAT_ENERGY, 5, "0.5", -ERANGE, 0 },	/* finer than 1 J */
		/* Beyond what 64 bits of joules hold */
		{ KMP_REG_HEAT_ENERGY, 2, "4294967295e3", -ERANGE, 0 },
		{ KMP_REG_POWER, 21, "2400", 0, 2400000 },		/* W */
		{ KMP_REG_POWER, 23, "0.0024", 0, 2400000 },		/* MW */
		{ KMP_REG_TEMP1, 37, "12.4", 0, 12400 },
		{ KMP_REG_TEMP1, 37, "12.400", 0, 12400 },
		{ KMP_REG_TEMP1, 37, "12.4001", -ERANGE, 0 },
		{ KMP_REG_VOLUME, 39, "1875560", 0, 1875560000 },	/* l */
		{ KMP_REG_VOLUME, 55, "187.556", 0, 1875560000 },	/* m3 x 10 */
		{ KMP_REG_FLOW, 42, "0.130", 0, 130 },			/* m3/h */
		/* A unit of another quantity is refused */
		{ KMP_REG_HEAT_ENERGY, 37, "1", -EPROTO, 0 },
		{ KMP_REG_FLOW, 40, "1", -EPROTO, 0 },
		{ KMP_REG_VOLUME, 46, "1", -EPROTO, 0 },
	};
	struct kmp_fake *f = kmp_fake_setup(test, &kmp_fake_node, NULL);
	unsigned int i, get_register;
	int val, val2, scale;
	s64 raw;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		kmp_fake_set(f, cases[i].reg, cases[i].unit, cases[i].value);
		/* The scale before and after the read: the same */
		get_register = f->get_register;
		kmp_fake_read(f, cases[i].reg, IIO_CHAN_INFO_SCALE, &scale, &val2);
		KUNIT_EXPECT_EQ(test, f->get_register, get_register);
		raw = 0;
		KUNIT_EXPECT_EQ_MSG(test, kmp_fake_raw64(f, cases[i].reg, &raw),
				    cases[i].ret, "case %u", i);
		if (!cases[i].ret)
			KUNIT_EXPECT_EQ_MSG(test, raw, cases[i].raw, "case %u", i);
		kmp_fake_read(f, cases[i].reg, IIO_CHAN_INFO_SCALE, &val, &val2);
		KUNIT_EXPECT_EQ(test, val, scale);
	}
}

/* Ten registers: two frames, of eight and two */
static const struct property_entry kmp_fake_ten_props[] = {
	PROPERTY_ENTRY_U32("current-speed", 2400),
	PROPERTY_ENTRY_U32("#address-cells", 1),
	PROPERTY_ENTRY_U32("#size-cells", 0),
	{ }
};

static const struct software_node kmp_fake_ten_node = {
	.name = "meter-ten",
	.properties = kmp_fake_ten_props,
};

/* A child node of @_parent: "@_node@@_reg", properties reg and the rest */
#define KMP_FAKE_NODE(_name, _parent, _node, _reg, ...)			\
	static const struct property_entry _name##_props[] = {		\
		PROPERTY_ENTRY_U32("reg", _reg),			\
		__VA_ARGS__,						\
		{ }							\
	};								\
	static const struct software_node _name = {			\
		.name = _node "@" #_reg,				\
		.parent = &(_parent),					\
		.properties = _name##_props,				\
	}
#define KMP_FAKE_CHANNEL(_name, _reg, ...) \
	KMP_FAKE_NODE(_name, kmp_fake_ten_node, "channel", _reg, __VA_ARGS__)

#define KMP_NO_LABEL	{ }
KMP_FAKE_CHANNEL(kmp_fake_ch_e1, 0x3c, KMP_NO_LABEL);
KMP_FAKE_CHANNEL(kmp_fake_ch_e3, 0x3f, PROPERTY_ENTRY_STRING("label", "cooling"));
KMP_FAKE_CHANNEL(kmp_fake_ch_v1, 0x44, KMP_NO_LABEL);
KMP_FAKE_CHANNEL(kmp_fake_ch_flow, 0x4a, KMP_NO_LABEL);
KMP_FAKE_CHANNEL(kmp_fake_ch_power, 0x50, KMP_NO_LABEL);
KMP_FAKE_CHANNEL(kmp_fake_ch_t1, 0x56, KMP_NO_LABEL);
KMP_FAKE_CHANNEL(kmp_fake_ch_t2, 0x57, KMP_NO_LABEL);
KMP_FAKE_CHANNEL(kmp_fake_ch_t3, 0x58, KMP_NO_LABEL);
KMP_FAKE_CHANNEL(kmp_fake_ch_p1, 0x5b, KMP_NO_LABEL);
KMP_FAKE_CHANNEL(kmp_fake_ch_p2, 0x5c, PROPERTY_ENTRY_STRING("label", "not in this meter"));

static const struct software_node *const kmp_fake_ten_children[] = {
	&kmp_fake_ch_e1, &kmp_fake_ch_e3, &kmp_fake_ch_v1, &kmp_fake_ch_flow,
	&kmp_fake_ch_power, &kmp_fake_ch_t1, &kmp_fake_ch_t2, &kmp_fake_ch_t3,
	&kmp_fake_ch_p1, &kmp_fake_ch_p2, NULL
};

static void kmp_drv_test_batching(struct kunit *test)
{
	struct kmp_fake *f = kmp_fake_setup(test, &kmp_fake_ten_node,
					    kmp_fake_ten_children);
	/* sysfs_emit() wants a page, as sysfs gives it */
	char *label = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	int val, val2;

	KUNIT_ASSERT_NOT_NULL(test, label);
	KUNIT_ASSERT_EQ(test, f->m->nchans, 10u);
	KUNIT_EXPECT_EQ(test, kmp_fake_read(f, 0x58, IIO_CHAN_INFO_RAW, &val, &val2),
			IIO_VAL_INT);
	KUNIT_EXPECT_EQ(test, val, 7500);
	KUNIT_EXPECT_EQ(test, f->get_register, 2u);
	KUNIT_EXPECT_EQ(test, f->regs_asked[0], 8u);
	KUNIT_EXPECT_EQ(test, f->regs_asked[1], 2u);

	/* Exactly the channel nodes, of the standard type of each register */
	KUNIT_EXPECT_EQ(test, kmp_fake_chan(f, 0x58)->type, IIO_TEMP);
	KUNIT_EXPECT_EQ(test, kmp_fake_chan(f, 0x58)->channel, 3);
	KUNIT_EXPECT_EQ(test, kmp_fake_chan(f, 0x3f)->type, IIO_ENERGY);
	KUNIT_EXPECT_TRUE(test, kmp_fake_chan(f, 0x3f)->indexed);
	KUNIT_EXPECT_EQ(test, kmp_fake_chan(f, 0x3f)->channel, 3);
	/* With E3 beside it, E1 is numbered too: in_energy1 */
	KUNIT_EXPECT_TRUE(test, kmp_fake_chan(f, 0x3c)->indexed);
	KUNIT_EXPECT_EQ(test, kmp_fake_chan(f, 0x3c)->channel, 1);
	KUNIT_EXPECT_EQ(test, kmp_fake_chan(f, 0x5b)->type, IIO_PRESSURE);
	KUNIT_EXPECT_NULL(test, kmp_fake_chan(f, KMP_REG_TEMP_DIFF));
	f->m->indio_dev->info->read_label(f->m->indio_dev, kmp_fake_chan(f, 0x3f), label);
	KUNIT_EXPECT_STREQ(test, label, "cooling\n");
	f->m->indio_dev->info->read_label(f->m->indio_dev, kmp_fake_chan(f, 0x58), label);
	KUNIT_EXPECT_STREQ(test, label, "temperature 3\n");
	/* Pressure in kPa at 10 Pa resolution: 6.5 bar */
	KUNIT_EXPECT_EQ(test, kmp_fake_read(f, 0x5b, IIO_CHAN_INFO_RAW, &val, &val2),
			IIO_VAL_INT);
	KUNIT_EXPECT_EQ(test, val, 65000);
	KUNIT_EXPECT_EQ(test, kmp_fake_read(f, 0x5b, IIO_CHAN_INFO_SCALE, &val, &val2),
			IIO_VAL_INT_PLUS_MICRO);
	KUNIT_EXPECT_EQ(test, val, 0);
	KUNIT_EXPECT_EQ(test, val2, 10000);

	/* A 4-byte mantissa with an exponent: beyond 32 bits, exactly */
	KUNIT_EXPECT_EQ(test, kmp_fake_read(f, 0x3f, IIO_CHAN_INFO_RAW, &val, &val2),
			IIO_VAL_INT_64);
	KUNIT_EXPECT_EQ(test, (s64)((u64)(u32)val2 << 32 | (u32)val),
			4294967295LL * 360000);

	/* A register the meter lacks: -ENODATA for that channel alone */
	KUNIT_EXPECT_EQ(test, kmp_fake_read(f, 0x5c, IIO_CHAN_INFO_RAW, &val, &val2),
			-ENODATA);
	KUNIT_EXPECT_EQ(test, kmp_fake_read(f, KMP_REG_TEMP2, IIO_CHAN_INFO_RAW,
					    &val, &val2), IIO_VAL_INT);
	KUNIT_EXPECT_EQ(test, val, -3250);
	KUNIT_EXPECT_EQ(test, f->get_register, 2u);
	kmp_fake_expect_only_reads(test, f);
}

/*
 * Bytes on the line (the tail of a late reply, noise) just before a
 * request: the request waits until the line has been quiet for three byte
 * times, as a half-duplex meter does not listen while it sends.
 */
static void kmp_drv_test_quiet_line(struct kunit *test)
{
	static const u8 tail[] = { 0x13, 0x37, 0x42 };
	struct kmp_fake *f = kmp_fake_setup(test, &kmp_fake_node, NULL);
	unsigned long quiet, last;
	int val, val2;

	quiet = usecs_to_jiffies(3 * 11 * f->m->bit_us);
	kmp_fake_deliver(f, tail, sizeof(tail));
	last = f->m->rx_last;
	KUNIT_EXPECT_EQ(test, kmp_fake_read(f, KMP_REG_TEMP1, IIO_CHAN_INFO_RAW,
					    &val, &val2), IIO_VAL_INT);
	KUNIT_EXPECT_EQ(test, val, 12400);
	KUNIT_EXPECT_TRUE_MSG(test, time_after_eq(f->req_jiffies, last + quiet),
			      "request %ld jiffies after the last byte, want >= %lu",
			      (long)(f->req_jiffies - last), quiet);
}

/* A silent meter costs one request's attempts, however many channels */
static void kmp_drv_test_silent_many(struct kunit *test)
{
	struct kmp_fake *f = kmp_fake_setup(test, &kmp_fake_ten_node,
					    kmp_fake_ten_children);
	s64 raw;

	kmp_fake_script(f, KMP_FAKE_SILENT, KMP_ATTEMPTS);
	KUNIT_EXPECT_EQ(test, kmp_fake_raw64(f, 0x5c, &raw), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, kmp_fake_raw64(f, 0x3c, &raw), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, f->get_register, (unsigned int)KMP_ATTEMPTS);
}

static void kmp_drv_test_timeout(struct kunit *test)
{
	struct kmp_fake *f = kmp_fake_setup(test, &kmp_fake_node, NULL);
	int val, val2;

	kmp_fake_script(f, KMP_FAKE_SILENT, KMP_ATTEMPTS);
	KUNIT_EXPECT_EQ(test, kmp_fake_read(f, KMP_REG_POWER, IIO_CHAN_INFO_RAW,
					    &val, &val2), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, f->get_register, (unsigned int)KMP_ATTEMPTS);
	/* The failure is kept briefly too: other channels do not ask again */
	KUNIT_EXPECT_EQ(test, kmp_fake_read(f, KMP_REG_TEMP1, IIO_CHAN_INFO_RAW,
					    &val, &val2), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, f->get_register, (unsigned int)KMP_ATTEMPTS);
	/* The meter wakes: the next refresh reads it */
	kmp_fake_expire(f);
	KUNIT_EXPECT_EQ(test, kmp_fake_read(f, KMP_REG_POWER, IIO_CHAN_INFO_RAW,
					    &val, &val2), IIO_VAL_INT);
	KUNIT_EXPECT_EQ(test, val, 2400000);
	kmp_fake_expect_only_reads(test, f);
}

/* A sleeping meter that answers the second request */
static void kmp_drv_test_wake_up(struct kunit *test)
{
	struct kmp_fake *f = kmp_fake_setup(test, &kmp_fake_node, NULL);
	int val, val2;

	kmp_fake_script(f, KMP_FAKE_SILENT, 1);
	KUNIT_EXPECT_EQ(test, kmp_fake_read(f, KMP_REG_TEMP1, IIO_CHAN_INFO_RAW,
					    &val, &val2), IIO_VAL_INT);
	KUNIT_EXPECT_EQ(test, val, 12400);
	KUNIT_EXPECT_EQ(test, f->get_register, 2u);
}

static void kmp_drv_test_bad_crc(struct kunit *test)
{
	struct kmp_fake *f = kmp_fake_setup(test, &kmp_fake_node, NULL);
	int val, val2;

	/* One bad reply: retried, and the value is the good one */
	kmp_fake_script(f, KMP_FAKE_BAD_CRC, 1);
	KUNIT_EXPECT_EQ(test, kmp_fake_read(f, KMP_REG_TEMP2, IIO_CHAN_INFO_RAW,
					    &val, &val2), IIO_VAL_INT);
	KUNIT_EXPECT_EQ(test, val, -3250);
	KUNIT_EXPECT_EQ(test, f->get_register, 2u);
	/* Bad every time: -EBADMSG after the bounded retries */
	kmp_fake_expire(f);
	kmp_fake_script(f, KMP_FAKE_BAD_CRC, KMP_ATTEMPTS);
	KUNIT_EXPECT_EQ(test, kmp_fake_read(f, KMP_REG_TEMP2, IIO_CHAN_INFO_RAW,
					    &val, &val2), -EBADMSG);
	KUNIT_EXPECT_EQ(test, f->get_register, 2u + KMP_ATTEMPTS);
	kmp_fake_expect_only_reads(test, f);
}

/* A reply that breaks off is a bad reply, not a silent meter */
static void kmp_drv_test_truncated(struct kunit *test)
{
	struct kmp_fake *f = kmp_fake_setup(test, &kmp_fake_node, NULL);
	int val, val2;

	kmp_fake_script(f, KMP_FAKE_TRUNCATED, 1);
	KUNIT_EXPECT_EQ(test, kmp_fake_read(f, KMP_REG_TEMP1, IIO_CHAN_INFO_RAW,
					    &val, &val2), IIO_VAL_INT);
	KUNIT_EXPECT_EQ(test, val, 12400);
	KUNIT_EXPECT_EQ(test, f->get_register, 2u);
	kmp_fake_expire(f);
	kmp_fake_script(f, KMP_FAKE_TRUNCATED, KMP_ATTEMPTS);
	KUNIT_EXPECT_EQ(test, kmp_fake_read(f, KMP_REG_TEMP1, IIO_CHAN_INFO_RAW,
					    &val, &val2), -EBADMSG);
	KUNIT_EXPECT_EQ(test, f->get_register, 2u + KMP_ATTEMPTS);
}

static void kmp_drv_test_echo_noise(struct kunit *test)
{
	struct kmp_fake *f = kmp_fake_setup(test, &kmp_fake_node, NULL);
	int val, val2;

	kmp_fake_script(f, KMP_FAKE_ECHO_NOISE, 1);
	KUNIT_EXPECT_EQ(test, kmp_fake_read(f, KMP_REG_POWER, IIO_CHAN_INFO_RAW,
					    &val, &val2), IIO_VAL_INT);
	KUNIT_EXPECT_EQ(test, val, 2400000);
	KUNIT_EXPECT_EQ(test, f->get_register, 1u);
}

/*
 * A frame that arrives while our request goes out (a late reply to an
 * earlier request, an empty one, the previous reply once more) is not the
 * reply: every channel still gets the meter's true value.
 */
static void kmp_drv_test_late_replies(struct kunit *test)
{
	static const enum kmp_fake_action late[] = {
		KMP_FAKE_STALE, KMP_FAKE_STALE_EMPTY, KMP_FAKE_DUPLICATE,
	};
	struct kmp_fake *f = kmp_fake_setup(test, &kmp_fake_node, NULL);
	unsigned int i;
	s64 raw;

	for (i = 0; i < ARRAY_SIZE(late); i++) {
		kmp_fake_expire(f);
		kmp_fake_script(f, late[i], 1);
		KUNIT_EXPECT_EQ_MSG(test, kmp_fake_raw64(f, KMP_REG_TEMP2, &raw), 0,
				    "case %u", i);
		KUNIT_EXPECT_EQ_MSG(test, raw, -3250, "case %u", i);
		KUNIT_EXPECT_EQ_MSG(test, kmp_fake_raw64(f, KMP_REG_HEAT_ENERGY, &raw),
				    0, "case %u", i);
		KUNIT_EXPECT_EQ_MSG(test, raw, 1183040000000LL, "case %u", i);
		/* One request each: the stale frame was not taken as a reply */
		KUNIT_EXPECT_EQ_MSG(test, f->get_register, i + 1, "case %u", i);
	}
}

/* A reply from another address is not the meter's: retried, then -EBADMSG */
static void kmp_drv_test_wrong_address(struct kunit *test)
{
	struct kmp_fake *f = kmp_fake_setup(test, &kmp_fake_node, NULL);
	s64 raw;

	kmp_fake_script(f, KMP_FAKE_WRONG_ADDR, KMP_ATTEMPTS);
	KUNIT_EXPECT_EQ(test, kmp_fake_raw64(f, KMP_REG_POWER, &raw), -EBADMSG);
	KUNIT_EXPECT_EQ(test, f->get_register, (unsigned int)KMP_ATTEMPTS);
}

/* The UART takes no byte: -EIO at once, not a meter to wake */
static void kmp_drv_test_write_fails(struct kunit *test)
{
	struct kmp_fake *f = kmp_fake_setup(test, &kmp_fake_node, NULL);
	size_t written = f->nwritten;
	s64 raw;

	f->fail_writes = true;
	KUNIT_EXPECT_EQ(test, kmp_fake_raw64(f, KMP_REG_POWER, &raw), -EIO);
	KUNIT_EXPECT_EQ(test, f->nwritten, written);
	/* Not cached as the meter's answer: the next read tries again */
	f->fail_writes = false;
	KUNIT_EXPECT_EQ(test, kmp_fake_raw64(f, KMP_REG_POWER, &raw), 0);
	KUNIT_EXPECT_EQ(test, raw, 2400000);
}

/* Unbinding during a request never cuts between an escape and its byte */
static void kmp_drv_test_escape_kept(struct kunit *test)
{
	struct kmp_fake *f = kmp_fake_setup(test, &kmp_fake_node, NULL);
	static const u16 reg = 0x001b;	/* sent as 1b e4 */
	unsigned int requests = f->requests;
	struct kmp_value v;
	int ret;

	f->remove_after_escape = true;
	mutex_lock(&f->m->lock);
	ret = kmp_read_registers(f->m, &reg, 1, &v);
	mutex_unlock(&f->m->lock);
	KUNIT_EXPECT_EQ(test, ret, -ENODEV);
	KUNIT_ASSERT_GT(test, f->nwritten, 1);
	KUNIT_EXPECT_NE(test, f->written[f->nwritten - 1], KMP_ESCAPE);
	KUNIT_EXPECT_EQ(test, f->written[f->nwritten - 2], KMP_ESCAPE);
	KUNIT_EXPECT_EQ(test, f->requests, requests);
}

/* A Kamstrup 382, named by its compatible as devicetree would */
static const struct property_entry kmp_fake_382_props[] = {
	PROPERTY_ENTRY_STRING("compatible", "kam,382"),
	{ }
};

static const struct software_node kmp_fake_382_node = {
	.name = "meter-382",
	.properties = kmp_fake_382_props,
};

/* The attribute @name of the IIO device, or NULL if it has none shown */
static struct device_attribute *kmp_fake_attr(struct kmp_fake *f,
					      const char *name)
{
	const struct attribute_group *grp = f->m->indio_dev->info->attrs;
	struct kobject *kobj = &f->m->indio_dev->dev.kobj;
	int n;

	for (n = 0; grp->attrs[n]; n++) {
		if (strcmp(grp->attrs[n]->name, name))
			continue;
		if (grp->is_visible && !grp->is_visible(kobj, grp->attrs[n], n))
			return NULL;
		return container_of(grp->attrs[n], struct device_attribute, attr);
	}
	return NULL;
}

/**
 * struct kmp_want_chan - what the numbered channel of a register must be
 * @reg: the register
 * @type: its IIO type
 * @channel: its number
 * @label: its label
 * @raw: its raw value, exactly
 */
struct kmp_want_chan {
	u16 reg;
	enum iio_chan_type type;
	int channel;
	const char *label;
	s64 raw;
};

static void kmp_fake_expect_chan(struct kmp_fake *f,
				 const struct kmp_want_chan *w)
{
	const struct iio_chan_spec *chan = kmp_fake_chan(f, w->reg);
	char *label = kunit_kzalloc(f->test, PAGE_SIZE, GFP_KERNEL);
	struct kunit *test = f->test;
	s64 raw;

	KUNIT_ASSERT_NOT_NULL(test, label);
	KUNIT_ASSERT_NOT_NULL_MSG(test, chan, "reg %#x", w->reg);
	KUNIT_EXPECT_EQ_MSG(test, chan->type, w->type, "reg %#x", w->reg);
	KUNIT_EXPECT_TRUE_MSG(test, chan->indexed, "reg %#x", w->reg);
	KUNIT_EXPECT_EQ_MSG(test, chan->channel, w->channel, "reg %#x", w->reg);
	KUNIT_EXPECT_FALSE(test, chan->differential);
	f->m->indio_dev->info->read_label(f->m->indio_dev, chan, label);
	KUNIT_EXPECT_STREQ(test, strim(label), w->label);
	KUNIT_EXPECT_EQ_MSG(test, kmp_fake_raw64(f, w->reg, &raw), 0, "reg %#x",
			    w->reg);
	KUNIT_EXPECT_EQ_MSG(test, raw, w->raw, "reg %#x", w->reg);
}

/*
 * An electricity meter's default channels: energy and power told apart by
 * direction, voltage, current and power by phase, each in its IIO unit.
 */
static void kmp_drv_test_electricity(struct kunit *test)
{
	static const struct kmp_want_chan want[] = {
		{ KMP_REG_ENERGY_IN, IIO_ENERGY, 1, "energy in", 44444412000LL }, /* J */
		{ KMP_REG_ENERGY_OUT, IIO_ENERGY, 2, "energy out", 3555360000LL },
		{ KMP_REG_POWER_IN, IIO_POWER, 1, "power in", 1234000 },
		{ KMP_REG_POWER_OUT, IIO_POWER, 2, "power out", 0 },
		{ KMP_REG_VOLTAGE_L1, IIO_VOLTAGE, 1, "voltage L1", 231000 },
		{ KMP_REG_VOLTAGE_L2, IIO_VOLTAGE, 2, "voltage L2", 229500 },
		{ KMP_REG_VOLTAGE_L3, IIO_VOLTAGE, 3, "voltage L3", 233000 },
		{ KMP_REG_CURRENT_L1, IIO_CURRENT, 1, "current L1", 1520 },
		{ KMP_REG_CURRENT_L2, IIO_CURRENT, 2, "current L2", 2070 },
		{ KMP_REG_CURRENT_L3, IIO_CURRENT, 3, "current L3", 900 },
		{ KMP_REG_POWER_IN_L1, IIO_POWER, 11, "power in L1", 351000 },
		{ KMP_REG_POWER_IN_L2, IIO_POWER, 12, "power in L2", 475000 },
		{ KMP_REG_POWER_IN_L3, IIO_POWER, 13, "power in L3", 408000 },
	};
	struct kmp_fake *f = kmp_fake_setup(test, &kmp_fake_382_node, NULL);
	int val, val2;
	unsigned int i;

	KUNIT_EXPECT_STREQ(test, f->m->indio_dev->name, "kamstrup-382");
	/* Its optical port's speed, not a heat meter's */
	KUNIT_EXPECT_EQ(test, f->baud, 9600u);
	KUNIT_ASSERT_EQ(test, f->m->nchans, ARRAY_SIZE(want));
	for (i = 0; i < ARRAY_SIZE(want); i++) {
		/* In this order */
		KUNIT_EXPECT_EQ_MSG(test, f->m->indio_dev->channels[i].address,
				    want[i].reg, "channel %u", i);
		kmp_fake_expect_chan(f, &want[i]);
		/* mV, mA, mW and J: a scale of 1 */
		KUNIT_EXPECT_EQ(test, kmp_fake_read(f, want[i].reg, IIO_CHAN_INFO_SCALE,
						    &val, &val2), IIO_VAL_INT);
		KUNIT_EXPECT_EQ(test, val, 1);
	}
	/* Thirteen registers: two frames, one transaction */
	KUNIT_EXPECT_EQ(test, f->get_register, 2u);
	KUNIT_EXPECT_EQ(test, f->regs_asked[0], 8u);
	KUNIT_EXPECT_EQ(test, f->regs_asked[1], 5u);
	/* No heat meter's info code on an electricity meter */
	KUNIT_EXPECT_NOT_NULL(test, kmp_fake_attr(f, "serialnumber"));
	KUNIT_EXPECT_NULL(test, kmp_fake_attr(f, "info_code"));
	kmp_fake_expect_only_reads(test, f);
}

/* The 382's registers a channel node can add: finer energy, power out */
static const struct software_node kmp_fake_382more_node = {
	.name = "meter-382-more",
	.properties = kmp_fake_382_props,
};

KMP_FAKE_NODE(kmp_fake_382_ein, kmp_fake_382more_node, "channel", 0x0d, KMP_NO_LABEL);
KMP_FAKE_NODE(kmp_fake_382_eout, kmp_fake_382more_node, "channel", 0x0e, KMP_NO_LABEL);
KMP_FAKE_NODE(kmp_fake_382_p1, kmp_fake_382more_node, "channel", 0x540, KMP_NO_LABEL);
KMP_FAKE_NODE(kmp_fake_382_p2, kmp_fake_382more_node, "channel", 0x541, KMP_NO_LABEL);
KMP_FAKE_NODE(kmp_fake_382_p3, kmp_fake_382more_node, "channel", 0x542, KMP_NO_LABEL);

static const struct software_node *const kmp_fake_382more_children[] = {
	&kmp_fake_382_ein, &kmp_fake_382_eout, &kmp_fake_382_p1,
	&kmp_fake_382_p2, &kmp_fake_382_p3, NULL
};

static void kmp_drv_test_electricity_more(struct kunit *test)
{
	static const struct kmp_want_chan want[] = {
		{ 0x000d, IIO_ENERGY, 1, "energy in (high resolution)",
		  44444444040LL },				/* J */
		{ 0x000e, IIO_ENERGY, 2, "energy out (high resolution)",
		  3555361800LL },
		{ 0x0540, IIO_POWER, 21, "power out L1", 12000 },	/* mW */
		{ 0x0541, IIO_POWER, 22, "power out L2", 0 },
		{ 0x0542, IIO_POWER, 23, "power out L3", 7000 },
	};
	struct kmp_fake *f = kmp_fake_setup(test, &kmp_fake_382more_node,
					    kmp_fake_382more_children);
	unsigned int i;

	KUNIT_ASSERT_EQ(test, f->m->nchans, ARRAY_SIZE(want));
	for (i = 0; i < ARRAY_SIZE(want); i++)
		kmp_fake_expect_chan(f, &want[i]);
}

/* A heat meter's other quantities, each its standard channel */
static const struct software_node kmp_fake_more_node = {
	.name = "meter-more",
	.properties = kmp_fake_ten_props,
};

KMP_FAKE_NODE(kmp_fake_more_v2, kmp_fake_more_node, "channel", 0x45, KMP_NO_LABEL);
KMP_FAKE_NODE(kmp_fake_more_f2, kmp_fake_more_node, "channel", 0x4b, KMP_NO_LABEL);
KMP_FAKE_NODE(kmp_fake_more_e1hr, kmp_fake_more_node, "channel", 0x10a, KMP_NO_LABEL);
KMP_FAKE_NODE(kmp_fake_more_e3, kmp_fake_more_node, "channel", 0x3f, KMP_NO_LABEL);
KMP_FAKE_NODE(kmp_fake_more_v1, kmp_fake_more_node, "channel", 0x44, KMP_NO_LABEL);
KMP_FAKE_NODE(kmp_fake_more_f1, kmp_fake_more_node, "channel", 0x4a, KMP_NO_LABEL);

static const struct software_node *const kmp_fake_more_children[] = {
	&kmp_fake_more_v2, &kmp_fake_more_f2, &kmp_fake_more_e1hr,
	&kmp_fake_more_e3, &kmp_fake_more_v1, &kmp_fake_more_f1, NULL
};

static void kmp_drv_test_heat_quantities(struct kunit *test)
{
	struct kmp_fake *f = kmp_fake_setup(test, &kmp_fake_more_node,
					    kmp_fake_more_children);
	const struct iio_chan_spec *chan;
	s64 raw;

	KUNIT_ASSERT_EQ(test, f->m->nchans, 6u);
	/*
	 * Volume V2 and flow V2: of the type of V1 and its flow, numbered
	 * apart from them (on kernels without volume types both are count
	 * channels numbered by register, which the fallback layer sets)
	 */
	chan = kmp_fake_chan(f, KMP_REG_VOLUME2);
	KUNIT_EXPECT_EQ(test, chan->type, kmp_fake_chan(f, KMP_REG_VOLUME)->type);
	KUNIT_EXPECT_TRUE(test, chan->indexed);
	KUNIT_EXPECT_NE(test, chan->channel, kmp_fake_chan(f, KMP_REG_VOLUME)->channel);
	KUNIT_EXPECT_EQ(test, kmp_fake_raw64(f, KMP_REG_VOLUME2, &raw), 0);
	KUNIT_EXPECT_EQ(test, raw, 12500000);			/* ml */
	chan = kmp_fake_chan(f, KMP_REG_FLOW2);
	KUNIT_EXPECT_EQ(test, chan->type, kmp_fake_chan(f, KMP_REG_FLOW)->type);
	KUNIT_EXPECT_TRUE(test, chan->indexed);
	KUNIT_EXPECT_NE(test, chan->channel, kmp_fake_chan(f, KMP_REG_FLOW)->channel);
	KUNIT_EXPECT_EQ(test, kmp_fake_raw64(f, KMP_REG_FLOW2, &raw), 0);
	KUNIT_EXPECT_EQ(test, raw, 98);
	/* E1 in high resolution is E1: in_energy1 beside E3, in joules */
	chan = kmp_fake_chan(f, 0x10a);
	KUNIT_EXPECT_EQ(test, chan->type, IIO_ENERGY);
	KUNIT_EXPECT_TRUE(test, chan->indexed);
	KUNIT_EXPECT_EQ(test, chan->channel, 1);
	KUNIT_EXPECT_EQ(test, kmp_fake_raw64(f, 0x10a, &raw), 0);
	KUNIT_EXPECT_EQ(test, raw, 1183039999200LL);
	KUNIT_EXPECT_EQ(test, kmp_fake_chan(f, 0x3f)->channel, 3);
	KUNIT_EXPECT_EQ(test, f->get_register, 1u);
}

/* V1 and E3 in high resolution: on V1's and E3's channels */
static const struct software_node kmp_fake_fine_node = {
	.name = "meter-fine",
	.properties = kmp_fake_ten_props,
};

KMP_FAKE_NODE(kmp_fake_fine_v1, kmp_fake_fine_node, "channel", 0xef, KMP_NO_LABEL);
KMP_FAKE_NODE(kmp_fake_fine_e3, kmp_fake_fine_node, "channel", 0x10b, KMP_NO_LABEL);

static const struct software_node *const kmp_fake_fine_children[] = {
	&kmp_fake_fine_v1, &kmp_fake_fine_e3, NULL
};

static void kmp_drv_test_heat_fine(struct kunit *test)
{
	struct kmp_fake *f = kmp_fake_setup(test, &kmp_fake_fine_node,
					    kmp_fake_fine_children);
	s64 raw;

	KUNIT_ASSERT_EQ(test, f->m->nchans, 2u);
	/*
	 * A volume (a count channel where the kernel lacks the volume
	 * types), and E3's energy channel, number 3
	 */
	KUNIT_EXPECT_TRUE(test, kmp_fake_chan(f, 0xef)->type == IIO_VOLUME ||
			  kmp_fake_chan(f, 0xef)->type == IIO_COUNT);
	KUNIT_EXPECT_EQ(test, kmp_fake_chan(f, 0x10b)->type, IIO_ENERGY);
	KUNIT_EXPECT_EQ(test, kmp_fake_chan(f, 0x10b)->channel, 3);
	KUNIT_EXPECT_EQ(test, kmp_fake_raw64(f, 0xef, &raw), 0);
	KUNIT_EXPECT_EQ(test, raw, 1875560123);			/* ml */
	KUNIT_EXPECT_EQ(test, kmp_fake_raw64(f, 0x10b, &raw), 0);
	KUNIT_EXPECT_EQ(test, raw, 1500000000);			/* J */
}

/* The info code: read on demand, kept as long as channel values */
static void kmp_drv_test_info_code(struct kunit *test)
{
	struct kmp_fake *f = kmp_fake_setup(test, &kmp_fake_node, NULL);
	struct device *dev = &f->m->indio_dev->dev;
	char *buf = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	struct device_attribute *attr = kmp_fake_attr(f, "info_code");

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_NOT_NULL(test, attr);
	KUNIT_EXPECT_EQ(test, attr->show(dev, attr, buf), 7);
	KUNIT_EXPECT_STREQ(test, buf, "0x0010\n");
	KUNIT_EXPECT_EQ(test, f->get_register, 1u);
	KUNIT_EXPECT_EQ(test, f->regs_asked[0], 1u);
	/* Asked again only when the last answer is older than the cache */
	kmp_fake_set(f, KMP_REG_INFO_CODE, 0, "2048");
	KUNIT_EXPECT_EQ(test, attr->show(dev, attr, buf), 7);
	KUNIT_EXPECT_STREQ(test, buf, "0x0010\n");
	KUNIT_EXPECT_EQ(test, f->get_register, 1u);
	f->m->info_expires = jiffies - 1;
	KUNIT_EXPECT_EQ(test, attr->show(dev, attr, buf), 7);
	KUNIT_EXPECT_STREQ(test, buf, "0x0800\n");
	/* A value with a unit or a fraction is no bit field */
	kmp_fake_set(f, KMP_REG_INFO_CODE, 37, "16");
	f->m->info_expires = jiffies - 1;
	KUNIT_EXPECT_EQ(test, attr->show(dev, attr, buf), -EBADMSG);
	kmp_fake_set(f, KMP_REG_INFO_CODE, 0, "1.5");
	f->m->info_expires = jiffies - 1;
	KUNIT_EXPECT_EQ(test, attr->show(dev, attr, buf), -EBADMSG);
	kmp_fake_set(f, KMP_REG_INFO_CODE, 0, "-1");
	f->m->info_expires = jiffies - 1;
	KUNIT_EXPECT_EQ(test, attr->show(dev, attr, buf), -EBADMSG);
	/* A silent meter: the errno, kept for the cache's lifetime too */
	kmp_fake_script(f, KMP_FAKE_SILENT, KMP_ATTEMPTS);
	f->m->info_expires = jiffies - 1;
	KUNIT_EXPECT_EQ(test, attr->show(dev, attr, buf), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, attr->show(dev, attr, buf), -ETIMEDOUT);
	kmp_fake_expect_only_reads(test, f);
}

/* Probes that must fail, each with the node that makes it fail */
static const struct property_entry kmp_fake_slow_props[] = {
	PROPERTY_ENTRY_U32("current-speed", 9600),
	{ }
};

static const struct software_node kmp_fake_slow_node = {
	.name = "meter-9600",
	.properties = kmp_fake_slow_props,
};

static const struct property_entry kmp_fake_word_props[] = {
	PROPERTY_ENTRY_STRING("current-speed", "2400"),
	{ }
};

static const struct software_node kmp_fake_word_node = {
	.name = "meter-word",
	.properties = kmp_fake_word_props,
};

/* A heat meter's speed is no 382's */
static const struct property_entry kmp_fake_382_slow_props[] = {
	PROPERTY_ENTRY_STRING("compatible", "kam,382"),
	PROPERTY_ENTRY_U32("current-speed", 1200),
	{ }
};

static const struct software_node kmp_fake_382_slow_node = {
	.name = "meter-382-1200",
	.properties = kmp_fake_382_slow_props,
};

static const struct software_node kmp_fake_bad_node = {
	.name = "meter-bad",
	.properties = kmp_fake_ten_props,
};

/* 0x3ec (operating hours) has no IIO channel type */
KMP_FAKE_NODE(kmp_fake_bad_hours, kmp_fake_bad_node, "channel", 0x3ec, KMP_NO_LABEL);
KMP_FAKE_NODE(kmp_fake_bad_stray, kmp_fake_bad_node, "display", 0x3c, KMP_NO_LABEL);
KMP_FAKE_NODE(kmp_fake_bad_t1, kmp_fake_bad_node, "channel", 0x56, KMP_NO_LABEL);
/* Another node name, the same register */
static const struct software_node kmp_fake_bad_t1_again = {
	.name = "channel@0056",
	.parent = &kmp_fake_bad_node,
	.properties = kmp_fake_bad_t1_props,
};

/* A channel node without reg */
static const struct property_entry kmp_fake_bad_noreg_props[] = {
	PROPERTY_ENTRY_STRING("label", "which?"),
	{ }
};

static const struct software_node kmp_fake_bad_noreg = {
	.name = "channel",
	.parent = &kmp_fake_bad_node,
	.properties = kmp_fake_bad_noreg_props,
};

static const struct software_node *const kmp_fake_bad_noreg_children[] = {
	&kmp_fake_bad_noreg, NULL
};

static const struct software_node *const kmp_fake_bad_hours_children[] = {
	&kmp_fake_bad_t1, &kmp_fake_bad_hours, NULL
};

static const struct software_node *const kmp_fake_bad_stray_children[] = {
	&kmp_fake_bad_t1, &kmp_fake_bad_stray, NULL
};

static const struct software_node *const kmp_fake_bad_twice_children[] = {
	&kmp_fake_bad_t1, &kmp_fake_bad_t1_again, NULL
};

/* E1 and E1 in high resolution: one quantity, two registers */
KMP_FAKE_NODE(kmp_fake_bad_e1, kmp_fake_bad_node, "channel", 0x3c, KMP_NO_LABEL);
KMP_FAKE_NODE(kmp_fake_bad_e1hr, kmp_fake_bad_node, "channel", 0x10a, KMP_NO_LABEL);

static const struct software_node *const kmp_fake_bad_twin_children[] = {
	&kmp_fake_bad_e1, &kmp_fake_bad_e1hr, NULL
};

static void kmp_drv_test_probe_fails(struct kunit *test)
{
	static const struct {
		const struct software_node *node;
		const struct software_node *const *children;
	} cases[] = {
		/* The optical port runs at 1200 or 2400 baud only */
		{ &kmp_fake_slow_node, NULL },
		/* ... and an electricity meter's at 9600 only */
		{ &kmp_fake_382_slow_node, NULL },
		/* A speed that is no number is no default speed */
		{ &kmp_fake_word_node, NULL },
		/* A channel must say its register */
		{ &kmp_fake_bad_node, kmp_fake_bad_noreg_children },
		/* A register with no channel type: the register device reads it */
		{ &kmp_fake_bad_node, kmp_fake_bad_hours_children },
		/* A child node that is no channel */
		{ &kmp_fake_bad_node, kmp_fake_bad_stray_children },
		/* The same register twice */
		{ &kmp_fake_bad_node, kmp_fake_bad_twice_children },
		/* The same quantity twice: a register and its finer twin */
		{ &kmp_fake_bad_node, kmp_fake_bad_twin_children },
	};
	struct kmp_fake *f;
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		f = kmp_fake_bind(test, cases[i].node, cases[i].children, false,
				  &ret);
		KUNIT_EXPECT_EQ_MSG(test, ret, -EINVAL, "case %u", i);
		KUNIT_EXPECT_NULL_MSG(test, f->serdev->dev.driver, "case %u", i);
		/* Refused before a byte went to the meter */
		KUNIT_EXPECT_EQ_MSG(test, f->nwritten, 0, "case %u", i);
		kmp_drv_test_exit(test);
		test->priv = NULL;
	}
}

/* Buffered capture: a scan of every channel's raw value, timestamped */
static void kmp_drv_test_buffer_scan(struct kunit *test)
{
	struct kmp_fake *f = kmp_fake_setup(test, &kmp_fake_node, NULL);
	struct iio_dev *indio_dev = f->m->indio_dev;
	unsigned long *mask;

	mask = kunit_kzalloc(test, BITS_TO_LONGS(KMP_MAX_CHANNELS + 1) *
			     sizeof(long), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, mask);
	bitmap_set(mask, 0, 7);
	/* What the poller does with an active scan mask, once */
	indio_dev->active_scan_mask = mask;
	f->m->period_ms = (24 * 3600 * 1000);
	f->m->poll_work.work.func(&f->m->poll_work.work);
	cancel_delayed_work_sync(&f->m->poll_work);
	KUNIT_EXPECT_EQ(test, f->get_register, 1u);
	KUNIT_EXPECT_EQ(test, f->m->scan[0], 1183040000000LL);
	KUNIT_EXPECT_EQ(test, f->m->scan[1], 2400000LL);
	KUNIT_EXPECT_EQ(test, f->m->scan[2], 12400LL);
	KUNIT_EXPECT_EQ(test, f->m->scan[3], -3250LL);
	KUNIT_EXPECT_EQ(test, f->m->scan[4], 15650LL);
	KUNIT_EXPECT_EQ(test, f->m->scan[5], 130LL);
	KUNIT_EXPECT_EQ(test, f->m->scan[6], 1875560000LL);

	/* The meter changes resolution: the next scan means the same */
	kmp_fake_set(f, KMP_REG_HEAT_ENERGY, 8, "1183.0400");
	kmp_fake_set(f, KMP_REG_VOLUME, 40, "1875.560");
	memset(f->m->scan, 0, sizeof(s64) * 7);
	f->m->poll_work.work.func(&f->m->poll_work.work);
	cancel_delayed_work_sync(&f->m->poll_work);
	KUNIT_EXPECT_EQ(test, f->m->scan[0], 1183040000000LL);
	KUNIT_EXPECT_EQ(test, f->m->scan[6], 1875560000LL);

	/* Two channels enabled: only their registers are asked for */
	bitmap_zero(mask, KMP_MAX_CHANNELS + 1);
	set_bit(2, mask);
	set_bit(6, mask);
	memset(f->m->scan, 0, sizeof(s64) * 7);
	f->m->poll_work.work.func(&f->m->poll_work.work);
	cancel_delayed_work_sync(&f->m->poll_work);
	KUNIT_EXPECT_EQ(test, f->get_register, 3u);
	KUNIT_EXPECT_EQ(test, f->regs_asked[2], 2u);
	KUNIT_EXPECT_EQ(test, f->m->scan[0], 12400LL);
	KUNIT_EXPECT_EQ(test, f->m->scan[1], 1875560000LL);
	indio_dev->active_scan_mask = NULL;
}

static int kmp_info_read(struct iio_dev *indio_dev,
			 const struct iio_chan_spec *chan, int *val, int *val2,
			 long mask)
{
	return indio_dev->info->read_raw(indio_dev, chan, val, val2, mask);
}

static int kmp_info_write(struct iio_dev *indio_dev,
			  const struct iio_chan_spec *chan, int val, int val2,
			  long mask)
{
	return indio_dev->info->write_raw(indio_dev, chan, val, val2, mask);
}

static void kmp_drv_test_sampling_frequency(struct kunit *test)
{
	struct kmp_fake *f = kmp_fake_setup(test, &kmp_fake_node, NULL);
	struct iio_dev *indio_dev = f->m->indio_dev;
	const struct iio_chan_spec *chan = &indio_dev->channels[0];
	int val, val2;

	/* Default: the seed's update interval, 60 s */
	KUNIT_EXPECT_EQ(test, kmp_info_read(indio_dev, chan, &val, &val2,
					    IIO_CHAN_INFO_SAMP_FREQ),
			IIO_VAL_INT_PLUS_MICRO);
	KUNIT_EXPECT_EQ(test, val, 0);
	KUNIT_EXPECT_EQ(test, val2, 16667);
	KUNIT_EXPECT_EQ(test, f->m->period_ms, 60000u);
	KUNIT_EXPECT_EQ(test, kmp_info_write(indio_dev, chan, 1, 0,
					     IIO_CHAN_INFO_SAMP_FREQ), 0);
	KUNIT_EXPECT_EQ(test, f->m->period_ms, 1000u);
	KUNIT_EXPECT_EQ(test, kmp_info_write(indio_dev, chan, 0, 100000,
					     IIO_CHAN_INFO_SAMP_FREQ), 0);
	KUNIT_EXPECT_EQ(test, f->m->period_ms, 10000u);
	KUNIT_EXPECT_EQ(test, kmp_info_read(indio_dev, chan, &val, &val2,
					    IIO_CHAN_INFO_SAMP_FREQ),
			IIO_VAL_INT_PLUS_MICRO);
	KUNIT_EXPECT_EQ(test, val2, 100000);
	/* What is read can be written back unchanged */
	KUNIT_EXPECT_EQ(test, kmp_info_write(indio_dev, chan, 0, 16667,
					     IIO_CHAN_INFO_SAMP_FREQ), 0);
	KUNIT_EXPECT_EQ(test, kmp_info_read(indio_dev, chan, &val, &val2,
					    IIO_CHAN_INFO_SAMP_FREQ),
			IIO_VAL_INT_PLUS_MICRO);
	KUNIT_EXPECT_EQ(test, val2, 16667);
	KUNIT_EXPECT_EQ(test, f->m->period_ms, 59999u);
	KUNIT_EXPECT_EQ(test, kmp_info_write(indio_dev, chan, 0, 100000,
					     IIO_CHAN_INFO_SAMP_FREQ), 0);
	/* 0, negative, faster than 1 Hz or slower than once a day: refused */
	KUNIT_EXPECT_EQ(test, kmp_info_write(indio_dev, chan, 0, 0,
					     IIO_CHAN_INFO_SAMP_FREQ), -EINVAL);
	KUNIT_EXPECT_EQ(test, kmp_info_write(indio_dev, chan, -1, 0,
					     IIO_CHAN_INFO_SAMP_FREQ), -EINVAL);
	KUNIT_EXPECT_EQ(test, kmp_info_write(indio_dev, chan, 2, 0,
					     IIO_CHAN_INFO_SAMP_FREQ), -EINVAL);
	KUNIT_EXPECT_EQ(test, kmp_info_write(indio_dev, chan, 0, 1,
					     IIO_CHAN_INFO_SAMP_FREQ), -EINVAL);
	/* 11 uHz is a period of 25 h: beyond a day */
	KUNIT_EXPECT_EQ(test, kmp_info_write(indio_dev, chan, 0, 11,
					     IIO_CHAN_INFO_SAMP_FREQ), -EINVAL);
	KUNIT_EXPECT_EQ(test, f->m->period_ms, 10000u);
	KUNIT_EXPECT_EQ(test, kmp_info_write(indio_dev, chan, 0, 12,
					     IIO_CHAN_INFO_SAMP_FREQ), 0);
	KUNIT_EXPECT_EQ(test, f->m->period_ms, 83333333u);

	/* While polling, a new period counts from now, not after the old one */
	mutex_lock(&f->m->lock);
	f->m->polling = true;
	queue_delayed_work(system_long_wq, &f->m->poll_work,
			   msecs_to_jiffies(f->m->period_ms));
	mutex_unlock(&f->m->lock);
	KUNIT_EXPECT_EQ(test, kmp_info_write(indio_dev, chan, 1, 0,
					     IIO_CHAN_INFO_SAMP_FREQ), 0);
	KUNIT_EXPECT_TRUE(test, time_before_eq(f->m->poll_work.timer.expires,
					       jiffies + msecs_to_jiffies(1000) + 1));
	mutex_lock(&f->m->lock);
	f->m->polling = false;
	mutex_unlock(&f->m->lock);
	cancel_delayed_work_sync(&f->m->poll_work);
	/* None of that talked to the meter */
	KUNIT_EXPECT_EQ(test, f->get_register, 0u);
}

struct kmp_reader {
	struct kmp_fake *f;
	int ret;
	struct completion done;
};

static int kmp_reader_thread(void *data)
{
	struct kmp_reader *r = data;
	int val, val2;

	/* As a user process: a fatal signal reaches it */
	allow_signal(SIGKILL);
	r->ret = kmp_fake_read(r->f, KMP_REG_POWER, IIO_CHAN_INFO_RAW, &val, &val2);
	complete(&r->done);
	return 0;
}

/*
 * Starts a reader thread whose request reaches the meter, which keeps its
 * reply: with a turnaround this long, only the test can end the wait.
 */
static struct task_struct *kmp_reader_held(struct kunit *test,
					   struct kmp_reader *r,
					   const char *name)
{
	struct task_struct *task;

	init_completion(&r->done);
	r->f->m->turnaround_ms = 60000;
	kmp_fake_script(r->f, KMP_FAKE_HOLD, 1);
	task = kthread_run(kmp_reader_thread, r, name);
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	KUNIT_ASSERT_GT(test, wait_for_completion_timeout(&r->f->held, 10 * HZ),
			0UL);
	return task;
}

/* A reader killed during a refresh of two requests: the second is not sent */
static void kmp_drv_test_killed_read(struct kunit *test)
{
	struct kmp_fake *f = kmp_fake_setup(test, &kmp_fake_ten_node,
					    kmp_fake_ten_children);
	struct kmp_reader r = { .f = f };

	send_sig(SIGKILL, kmp_reader_held(test, &r, "kmp-kunit-killed"), 1);
	KUNIT_ASSERT_GT(test, wait_for_completion_timeout(&r.done, 10 * HZ), 0UL);
	KUNIT_EXPECT_EQ(test, r.ret, -EINTR);
	KUNIT_EXPECT_EQ(test, f->get_register, 1u);
	/* Nothing was cached: the next read asks the meter */
	f->m->turnaround_ms = 20;
	KUNIT_EXPECT_EQ(test, kmp_fake_read(f, KMP_REG_POWER, IIO_CHAN_INFO_RAW,
					    &r.ret, &r.ret), IIO_VAL_INT);
	KUNIT_EXPECT_EQ(test, f->get_register, 3u);
}

/* Unbinding while a read waits for the meter: it ends with -ENODEV */
static void kmp_drv_test_remove_during_read(struct kunit *test)
{
	struct kmp_fake *f = kmp_fake_setup(test, &kmp_fake_node, NULL);
	struct kmp_reader r = { .f = f };

	/* Only the removal can end the wait */
	kmp_reader_held(test, &r, "kmp-kunit-reader");
	device_release_driver(&f->serdev->dev);
	KUNIT_ASSERT_GT(test, wait_for_completion_timeout(&r.done, 10 * HZ), 0UL);
	KUNIT_EXPECT_EQ(test, r.ret, -ENODEV);
	KUNIT_EXPECT_EQ(test, f->get_register, 1u);
}

#if IS_ENABLED(CONFIG_KAMSTRUP_KMP_CHARDEV)
static void kmp_ioc_prepare(struct kmp_ioc_read *req, const u16 *regs,
			    unsigned int n)
{
	unsigned int i;

	memset(req, 0, sizeof(*req));
	req->count = n;
	for (i = 0; i < n; i++)
		req->regs[i].reg = regs[i];
}

/* Bad input is refused before anything reaches the meter */
static void kmp_drv_test_ioctl_validation(struct kunit *test)
{
	struct kmp_fake *f = kmp_fake_setup(test, &kmp_fake_node, NULL);
	static const u16 regs[] = { 0x3c };
	struct kmp_ioc_read *req;
	struct file file = { .private_data = &f->m->misc };
	long (*ioctl)(struct file *file, unsigned int cmd, unsigned long arg) =
		f->m->misc.fops->unlocked_ioctl;
	unsigned int requests = f->requests;

	req = kunit_kzalloc(test, sizeof(*req), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, req);

	kmp_ioc_prepare(req, regs, 1);
	KUNIT_EXPECT_EQ(test, kmp_ioc_validate(req), 0);
	req->count = 0;
	KUNIT_EXPECT_EQ(test, kmp_ioc_validate(req), -EINVAL);
	req->count = KMP_IOC_MAX_REGS + 1;
	KUNIT_EXPECT_EQ(test, kmp_ioc_validate(req), -EINVAL);
	/* Output fields are not inputs: they must be zero */
	kmp_ioc_prepare(req, regs, 1);
	req->regs[0].status = 1;
	KUNIT_EXPECT_EQ(test, kmp_ioc_validate(req), -EINVAL);
	kmp_ioc_prepare(req, regs, 1);
	req->regs[0].value[95] = 'x';
	KUNIT_EXPECT_EQ(test, kmp_ioc_validate(req), -EINVAL);
	kmp_ioc_prepare(req, regs, 1);
	req->flags = 1;
	KUNIT_EXPECT_EQ(test, kmp_ioc_validate(req), -EINVAL);
	kmp_ioc_prepare(req, regs, 1);
	req->regs[0].reserved[3] = 1;
	KUNIT_EXPECT_EQ(test, kmp_ioc_validate(req), -EINVAL);
	/* Entries beyond count are not inputs either */
	kmp_ioc_prepare(req, regs, 1);
	req->regs[1].reg = 0x3c;
	KUNIT_EXPECT_EQ(test, kmp_ioc_validate(req), -EINVAL);

	/* Other ioctl numbers are not ours; the old size of ours neither */
	KUNIT_EXPECT_EQ(test, ioctl(&file, _IO(KMP_IOC_MAGIC, 1), 0),
			-ENOTTY);
	KUNIT_EXPECT_EQ(test, ioctl(&file, _IOR(KMP_IOC_MAGIC, 0, u32), 0),
			-ENOTTY);
	/* Ours, but smaller than the first version: refused before any copy */
	KUNIT_EXPECT_EQ(test, ioctl(&file, _IOWR(KMP_IOC_MAGIC, 0, u32), 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, f->requests, requests);
}

static void kmp_drv_test_ioctl_results(struct kunit *test)
{
	struct kmp_fake *f = kmp_fake_setup(test, &kmp_fake_node, NULL);
	static const u16 regs[] = { 0x3c, 0x1234, 0x57, 0x3c, 0x3f, 0x3ec };
	struct kmp_ioc_read *req;
	struct kmp_ioc_register *r;

	req = kunit_kzalloc(test, sizeof(*req), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, req);
	kmp_ioc_prepare(req, regs, ARRAY_SIZE(regs));
	KUNIT_ASSERT_EQ(test, kmp_ioc_validate(req), 0);
	KUNIT_ASSERT_EQ(test, kmp_ioc_read_registers(f->m, req), 0);
	/* The channels' registers by the channels' refresh, the rest at once */
	KUNIT_EXPECT_EQ(test, f->get_register, 2u);
	KUNIT_EXPECT_EQ(test, f->regs_asked[0], 7u);
	KUNIT_EXPECT_EQ(test, f->regs_asked[1], 3u);

	r = &req->regs[0];
	KUNIT_EXPECT_EQ(test, r->reg, 0x3c);
	KUNIT_EXPECT_EQ(test, r->status, KMP_IOC_OK);
	KUNIT_EXPECT_EQ(test, r->unit, 8);
	KUNIT_EXPECT_EQ(test, r->mantissa, 1183040ULL);
	KUNIT_EXPECT_EQ(test, r->exponent, -3);
	KUNIT_EXPECT_EQ(test, r->negative, 0);
	KUNIT_EXPECT_STREQ(test, r->value, "1183.040");
	KUNIT_EXPECT_EQ(test, req->regs[1].status, KMP_IOC_ABSENT);
	KUNIT_EXPECT_EQ(test, req->regs[1].reg, 0x1234);
	KUNIT_EXPECT_STREQ(test, req->regs[1].value, "");
	r = &req->regs[2];
	KUNIT_EXPECT_EQ(test, r->status, KMP_IOC_OK);
	KUNIT_EXPECT_EQ(test, r->negative, 1);
	KUNIT_EXPECT_EQ(test, r->siex, 0xc2);
	KUNIT_EXPECT_STREQ(test, r->value, "-3.25");
	/* The repeated id has the same answer */
	KUNIT_EXPECT_STREQ(test, req->regs[3].value, "1183.040");
	KUNIT_EXPECT_STREQ(test, req->regs[4].value, "429496729.5");
	KUNIT_EXPECT_EQ(test, req->regs[4].len, 4);
	KUNIT_EXPECT_STREQ(test, req->regs[5].value, "43817");
	KUNIT_EXPECT_EQ(test, req->regs[5].unit, 46);

	/* Within the cache's lifetime: channels' registers cost nothing */
	kmp_ioc_prepare(req, regs + 2, 2);
	KUNIT_ASSERT_EQ(test, kmp_ioc_read_registers(f->m, req), 0);
	KUNIT_EXPECT_STREQ(test, req->regs[1].value, "1183.040");
	KUNIT_EXPECT_EQ(test, f->get_register, 2u);

	/* A silent meter: an error per register, the call itself succeeds */
	kmp_fake_expire(f);
	f->m->ioc_next = jiffies;
	kmp_fake_script(f, KMP_FAKE_SILENT, KMP_ATTEMPTS);
	kmp_ioc_prepare(req, regs, 2);
	KUNIT_ASSERT_EQ(test, kmp_ioc_read_registers(f->m, req), 0);
	KUNIT_EXPECT_EQ(test, req->regs[0].status, KMP_IOC_ERROR);
	KUNIT_EXPECT_EQ(test, req->regs[0].error, -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, req->regs[1].status, KMP_IOC_ERROR);
	KUNIT_EXPECT_EQ(test, req->regs[1].error, -ETIMEDOUT);
	/* ... after one request's attempts, not two */
	KUNIT_EXPECT_EQ(test, f->get_register, 2u + KMP_ATTEMPTS);
	kmp_fake_expect_only_reads(test, f);
}

/* Registers that are no channel: one transaction a second, callers wait */
static void kmp_drv_test_ioctl_rate(struct kunit *test)
{
	struct kmp_fake *f = kmp_fake_setup(test, &kmp_fake_node, NULL);
	static const u16 regs[] = { 0x3ec };
	struct kmp_ioc_read *req;
	unsigned long turn;

	req = kunit_kzalloc(test, sizeof(*req), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, req);
	kmp_ioc_prepare(req, regs, 1);
	KUNIT_ASSERT_EQ(test, kmp_ioc_read_registers(f->m, req), 0);
	KUNIT_EXPECT_EQ(test, f->get_register, 1u);
	/* The next one may ask only at its turn: it waits for it */
	turn = f->m->ioc_next;
	KUNIT_EXPECT_TRUE(test, time_after(turn, jiffies));
	kmp_ioc_prepare(req, regs, 1);
	KUNIT_ASSERT_EQ(test, kmp_ioc_read_registers(f->m, req), 0);
	KUNIT_EXPECT_EQ(test, f->get_register, 2u);
	KUNIT_EXPECT_FALSE(test, time_before(jiffies, turn));
	KUNIT_EXPECT_STREQ(test, req->regs[0].value, "43817");
}

/* A descriptor held across unbind: ENODEV, even with values in the cache */
static void kmp_drv_test_ioctl_unbound(struct kunit *test)
{
	struct kmp_fake *f = kmp_fake_setup(test, &kmp_fake_node, NULL);
	static const u16 regs[] = { KMP_REG_HEAT_ENERGY };
	struct iio_dev *indio_dev = f->m->indio_dev;
	struct kmp_ioc_read *req;

	req = kunit_kzalloc(test, sizeof(*req), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, req);
	kmp_ioc_prepare(req, regs, 1);
	KUNIT_ASSERT_EQ(test, kmp_ioc_read_registers(f->m, req), 0);
	KUNIT_EXPECT_EQ(test, req->regs[0].status, KMP_IOC_OK);
	/* What an open descriptor holds: the IIO device, and the state in it */
	iio_device_get(indio_dev);
	device_release_driver(&f->serdev->dev);
	kmp_ioc_prepare(req, regs, 1);
	KUNIT_EXPECT_EQ(test, kmp_ioc_read_registers(f->m, req), -ENODEV);
	KUNIT_EXPECT_EQ(test, f->get_register, 1u);
	iio_device_put(indio_dev);
}
#endif /* CONFIG_KAMSTRUP_KMP_CHARDEV */

static struct kunit_case kmp_driver_test_cases[] = {
	KUNIT_CASE(kmp_drv_test_probe),
	KUNIT_CASE(kmp_drv_test_probe_asleep),
	KUNIT_CASE(kmp_drv_test_probe_fails),
	KUNIT_CASE(kmp_drv_test_identity_error_kept),
	KUNIT_CASE(kmp_drv_test_one_transaction),
	KUNIT_CASE(kmp_drv_test_cache_expiry),
	KUNIT_CASE(kmp_drv_test_values),
	KUNIT_CASE(kmp_drv_test_unit_scales),
	KUNIT_CASE(kmp_drv_test_batching),
	KUNIT_CASE(kmp_drv_test_electricity),
	KUNIT_CASE(kmp_drv_test_electricity_more),
	KUNIT_CASE(kmp_drv_test_heat_fine),
	KUNIT_CASE(kmp_drv_test_heat_quantities),
	KUNIT_CASE(kmp_drv_test_info_code),
	KUNIT_CASE(kmp_drv_test_timeout),
	KUNIT_CASE(kmp_drv_test_quiet_line),
	KUNIT_CASE(kmp_drv_test_wake_up),
	KUNIT_CASE(kmp_drv_test_bad_crc),
	KUNIT_CASE(kmp_drv_test_truncated),
	KUNIT_CASE(kmp_drv_test_echo_noise),
	KUNIT_CASE(kmp_drv_test_late_replies),
	KUNIT_CASE(kmp_drv_test_wrong_address),
	KUNIT_CASE(kmp_drv_test_silent_many),
	KUNIT_CASE(kmp_drv_test_write_fails),
	KUNIT_CASE(kmp_drv_test_escape_kept),
	KUNIT_CASE(kmp_drv_test_buffer_scan),
	KUNIT_CASE(kmp_drv_test_sampling_frequency),
	KUNIT_CASE(kmp_drv_test_remove_during_read),
	KUNIT_CASE(kmp_drv_test_killed_read),
#if IS_ENABLED(CONFIG_KAMSTRUP_KMP_CHARDEV)
	KUNIT_CASE(kmp_drv_test_ioctl_validation),
	KUNIT_CASE(kmp_drv_test_ioctl_results),
	KUNIT_CASE_SLOW(kmp_drv_test_ioctl_rate),
	KUNIT_CASE(kmp_drv_test_ioctl_unbound),
#endif
	{}
};

static struct kunit_suite kmp_driver_test_suite = {
	.name = "kamstrup-kmp-driver",
	.exit = kmp_drv_test_exit,
	.test_cases = kmp_driver_test_cases,
};

kunit_test_suite(kmp_driver_test_suite);
