// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kamstrup KMP meters: /dev/kmpN, reading any register.
 *
 * A meter has many more registers than the channels configured for it, and
 * their units and exponents are the meter's: the IIO ABI cannot carry them
 * and debugfs_reg_access() takes a u32.  The misc device /dev/kmpN (N of
 * iio:deviceN, whose child it is) has one ioctl that reads 1 to 8
 * registers in one request (include/uapi/linux/kamstrup-kmp.h).  Nothing
 * can be written to a meter through it.
 *
 * Copyright (C) 2026 The kamstrup-kmp authors
 */

#include <kunit/visibility.h>
#include <linux/build_bug.h>
#include <linux/fs.h>
#include <linux/iio/iio.h>
#include <linux/kamstrup-kmp.h>
#include <linux/miscdevice.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/serdev.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "kamstrup-kmp.h"

/* Registers that are no channel: one meter transaction a second at most */
#define KMP_IOC_INTERVAL_MS	1000

/*
 * The layout of the ioctl's structs has no implicit padding, so 32-bit
 * userspace on a 64-bit kernel sees the same one: compat_ptr_ioctl suffices.
 */
static_assert(sizeof(struct kmp_ioc_register) == 120);
static_assert(offsetof(struct kmp_ioc_register, mantissa) == 16);
static_assert(sizeof(struct kmp_ioc_read) == 8 + 8 * 120);
static_assert(KMP_IOC_MAX_REGS == KMP_MAX_REGS);
static_assert(KMP_IOC_VALUE_LEN >= KMP_VALUE_STR_MAX);

/* Input checks: nothing reaches the meter unless they all pass */
VISIBLE_IF_KUNIT int kmp_ioc_validate(const struct kmp_ioc_read *req)
{
	unsigned int i;

	if (req->flags || req->count < 1 || req->count > KMP_IOC_MAX_REGS)
		return -EINVAL;
	for (i = 0; i < KMP_IOC_MAX_REGS; i++) {
		const struct kmp_ioc_register *r = &req->regs[i];
		size_t from = i < req->count ? sizeof(r->reg) : 0;

		/* Only the ids asked for are inputs */
		if (memchr_inv((const u8 *)r + from, 0, sizeof(*r) - from))
			return -EINVAL;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(kmp_ioc_validate);

/* The register of a configured channel, served from the channels' cache */
static struct kmp_channel *kmp_ioc_channel(struct kmp_meter *m, u16 reg)
{
	unsigned int i;

	for (i = 0; i < m->nchans; i++)
		if (m->chans[i].reg->id == reg)
			return &m->chans[i];
	return NULL;
}

/*
 * Locks @m for a request that must ask the meter: not before its turn, at
 * most one such request every KMP_IOC_INTERVAL_MS per meter, so that
 * whoever holds the node open cannot keep the meter's optical port (and
 * battery) busy.  Return: 0 with @m->lock held, or -EINTR without.
 */
static int kmp_ioc_lock_turn(struct kmp_meter *m)
{
	long wait;

	for (;;) {
		if (mutex_lock_killable(&m->lock))
			return -EINTR;
		wait = (long)(m->ioc_next - jiffies);
		if (wait <= 0)
			return 0;
		mutex_unlock(&m->lock);
		schedule_timeout_killable(wait);
		if (fatal_signal_pending(current))
			return -EINTR;
	}
}

static void kmp_ioc_result(struct kmp_ioc_register *r,
			   const struct kmp_value *v, int status)
{
	if (status == -ENODATA) {
		r->status = KMP_IOC_ABSENT;
	} else if (status) {
		r->status = KMP_IOC_ERROR;
		r->error = status;
	} else {
		r->status = KMP_IOC_OK;
		r->unit = v->unit;
		r->siex = v->siex;
		r->len = v->len;
		r->exponent = kmp_value_exponent(v);
		r->negative = kmp_value_negative(v);
		r->mantissa = v->mantissa;
		kmp_value_to_string(v, r->value, sizeof(r->value));
	}
}

/*
 * Reads the registers of a validated request into it.  Registers that are
 * channels come from the channels' cache (one refresh serves sysfs and
 * this call alike); the others are read in one request, rate limited.
 */
VISIBLE_IF_KUNIT int kmp_ioc_read_registers(struct kmp_meter *m,
					    struct kmp_ioc_read *req)
{
	struct kmp_value vals[KMP_MAX_REGS];
	u16 regs[KMP_MAX_REGS];
	unsigned int i, j, n = 0;
	bool cached = false;
	int ret = 0;

	/* Each id once: a repeated one is answered from the same read */
	for (i = 0; i < req->count; i++) {
		u16 reg = req->regs[i].reg;

		if (kmp_ioc_channel(m, reg)) {
			cached = true;
			continue;
		}
		for (j = 0; j < n && regs[j] != reg; j++)
			;
		if (j == n)
			regs[n++] = reg;
	}

	if (n)
		ret = kmp_ioc_lock_turn(m);
	else if (mutex_lock_killable(&m->lock))
		ret = -EINTR;
	if (ret)
		return ret;
	/* Unbound: not even the cache answers any more */
	if (READ_ONCE(m->removing)) {
		mutex_unlock(&m->lock);
		return -ENODEV;
	}
	if (cached)
		ret = kmp_refresh(m, NULL);
	/* A meter that failed the refresh is not asked again at once */
	if (!ret && n && cached && m->cache_valid) {
		for (i = 0; i < m->nchans; i++)
			if (m->chans[i].status == -ETIMEDOUT ||
			    m->chans[i].status == -EBADMSG)
				ret = m->chans[i].status;
	}
	if (!ret && n) {
		ret = kmp_read_registers(m, regs, n, vals);
		m->ioc_next = jiffies + msecs_to_jiffies(KMP_IOC_INTERVAL_MS);
	}
	for (i = 0; i < req->count; i++) {
		struct kmp_ioc_register *r = &req->regs[i];
		const struct kmp_channel *c = kmp_ioc_channel(m, r->reg);

		if (c) {
			kmp_ioc_result(r, &c->val, c->status);
			continue;
		}
		for (j = 0; regs[j] != r->reg; j++)
			;
		if (!ret && !vals[j].present)
			kmp_ioc_result(r, &vals[j], vals[j].error ?: -ENODATA);
		else
			kmp_ioc_result(r, &vals[j], ret);
	}
	mutex_unlock(&m->lock);
	/* The call fails as a whole when the transaction could not be done */
	if (ret == -ENODEV || ret == -EINTR || ret == -EIO)
		return ret;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(kmp_ioc_read_registers);

static long kmp_cdev_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	struct kmp_meter *m = container_of(file->private_data,
					   struct kmp_meter, misc);
	void __user *uarg = (void __user *)arg;
	size_t usize = _IOC_SIZE(cmd);
	struct kmp_ioc_read *req;
	long ret;

	/* Any size from the first version on: see struct kmp_ioc_read */
	if (_IOC_TYPE(cmd) != _IOC_TYPE(KMP_IOC_READ_REGISTERS) ||
	    _IOC_NR(cmd) != _IOC_NR(KMP_IOC_READ_REGISTERS) ||
	    _IOC_DIR(cmd) != _IOC_DIR(KMP_IOC_READ_REGISTERS))
		return -ENOTTY;
	if (usize < sizeof(*req))
		return -EINVAL;

	req = kzalloc_obj(*req, GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	ret = copy_struct_from_user(req, sizeof(*req), uarg, usize);
	if (!ret)
		ret = kmp_ioc_validate(req);
	if (!ret)
		ret = kmp_ioc_read_registers(m, req);
	if (!ret && copy_to_user(uarg, req, sizeof(*req)))
		ret = -EFAULT;
	kfree(req);
	return ret;
}

static int kmp_cdev_open(struct inode *inode, struct file *file)
{
	struct kmp_meter *m = container_of(file->private_data,
					   struct kmp_meter, misc);

	/* Keeps the meter's state alive until release, even after unbind */
	iio_device_get(m->indio_dev);
	return nonseekable_open(inode, file);
}

static int kmp_cdev_release(struct inode *inode, struct file *file)
{
	struct kmp_meter *m = container_of(file->private_data,
					   struct kmp_meter, misc);

	iio_device_put(m->indio_dev);
	return 0;
}

static const struct file_operations kmp_cdev_fops = {
	.owner = THIS_MODULE,
	.open = kmp_cdev_open,
	.release = kmp_cdev_release,
	.unlocked_ioctl = kmp_cdev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static void kmp_cdev_deregister(void *data)
{
	misc_deregister(data);
}

/**
 * kmp_cdev_register() - create /dev/kmpN for iio:deviceN
 * @m: meter, whose IIO device is registered
 *
 * Return: 0 or a negative errno, with a message.
 */
int kmp_cdev_register(struct kmp_meter *m)
{
	struct device *dev = &m->serdev->dev;
	int ret;

	m->ioc_next = jiffies;
	snprintf(m->misc_name, sizeof(m->misc_name), "kmp%d",
		 iio_device_id(m->indio_dev));
	m->misc.minor = MISC_DYNAMIC_MINOR;
	m->misc.name = m->misc_name;
	m->misc.fops = &kmp_cdev_fops;
	m->misc.parent = &m->indio_dev->dev;
	ret = misc_register(&m->misc);
	if (ret)
		return dev_err_probe(dev, ret, "cannot register /dev/%s\n",
				     m->misc_name);
	return devm_add_action_or_reset(dev, kmp_cdev_deregister, &m->misc);
}
