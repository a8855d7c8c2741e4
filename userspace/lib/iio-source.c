// SPDX-License-Identifier: GPL-2.0-only
/*
 * Devices and channels through libiio (linked), locally or from iiod:
 * kmpctl's driver commands and kmp-mqtt.
 *
 * A channel's value is (raw + offset) * scale in the IIO ABI's unit of its
 * type, computed exactly (struct fx) and converted to SI by type: J, W, °C
 * (K for a difference), l, l/h, V, A, Pa.  The driver's scales are fixed,
 * so reading them never talks to the meter; raw does.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iio-source.h"

#define SYSFS_IIO	"/sys/bus/iio/devices"
#define DRIVER		"kamstrup-kmp"

/* The IIO device's directory is a child of the serdev device's */
static bool bound_to_driver(const char *id)
{
	char path[256], target[256];
	const char *base;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s/../driver", SYSFS_IIO, id);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return false;
	target[n] = 0;
	base = strrchr(target, '/');
	return !strcmp(base ? base + 1 : target, DRIVER);
}

/* The driver's misc device: the one entry of iio:deviceN/misc/ */
static void misc_name(const char *id, char *out, size_t size)
{
	char path[256];
	struct dirent *e;
	DIR *d;

	*out = 0;
	snprintf(path, sizeof(path), "%s/%s/misc", SYSFS_IIO, id);
	d = opendir(path);
	if (!d)
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			snprintf(out, size, "%.*s", (int)size - 1, e->d_name);
			break;
		}
	closedir(d);
}

/* Remotely there is no driver link: a meter has a serial number and energy */
static bool looks_like_meter(struct iio_device *dev)
{
	return iio_device_find_attr(dev, "serialnumber") &&
	       iio_device_find_channel(dev, "energy", false);
}

static int dev_cmp(const void *a, const void *b)
{
	const struct kmpctl_dev *x = a, *y = b;

	return atoi(x->id + 10) - atoi(y->id + 10);
}

int kmpctl_ctx_open(const char *uri, struct kmpctl_ctx *c)
{
	unsigned int i, count;
	int e;

	memset(c, 0, sizeof(*c));
	c->local = uri ? !strcmp(uri, "local:") : !getenv("IIOD_REMOTE");
	c->where = uri ? uri : "local";
	errno = 0;
	c->ctx = uri ? iio_create_context_from_uri(uri) :
		       iio_create_default_context();
	if (!c->ctx) {
		e = errno ? errno : EIO;
		if (c->local && e == ENOENT)
			util_err("%s: no Kamstrup meter found (no IIO devices: is the kamstrup-kmp driver loaded and bound?)",
				 c->where);
		else
			util_err("%s: cannot create the IIO context: %s",
				 c->where, strerror(e));
		return -KMPCTL_EXIT_FAIL;
	}
	count = iio_context_get_devices_count(c->ctx);
	for (i = 0; i < count && c->n < KMPCTL_MAX_DEVS; i++) {
		struct iio_device *dev = iio_context_get_device(c->ctx, i);
		struct kmpctl_dev *d = &c->devs[c->n];
		const char *s;

		if (!dev)
			continue;
		d->dev = dev;
		s = iio_device_get_id(dev);
		snprintf(d->id, sizeof(d->id), "%s", s ? s : "?");
		s = iio_device_get_name(dev);
		snprintf(d->name, sizeof(d->name), "%s", s ? s : "");
		s = iio_device_get_label(dev);
		snprintf(d->label, sizeof(d->label), "%s", s ? s : "");
		d->meter = c->local ? bound_to_driver(d->id) :
			   looks_like_meter(dev);
		if (c->local)
			misc_name(d->id, d->misc, sizeof(d->misc));
		c->n++;
	}
	qsort(c->devs, c->n, sizeof(c->devs[0]), dev_cmp);
	return 0;
}

void kmpctl_ctx_close(struct kmpctl_ctx *c)
{
	if (c->ctx)
		iio_context_destroy(c->ctx);
	c->ctx = NULL;
}

static bool dev_matches(const struct kmpctl_dev *d, const char *want)
{
	const char *base = strrchr(want, '/');

	if (!strcmp(d->id, want) || !strcmp(d->name, want))
		return true;
	if (want[strspn(want, "0123456789")] == 0 && *want &&
	    !strcmp(d->id + 10, want))
		return true;
	if (*d->label && util_loose_eq(want, d->label, strlen(d->label)))
		return true;
	/* /dev/kmp0 or kmp0 */
	return *d->misc && !strcmp(d->misc, base ? base + 1 : want);
}

int kmpctl_ctx_select(const struct kmpctl_ctx *c, const char *want)
{
	char ids[256] = "";
	unsigned int i, found = 0;
	int idx = -1;

	for (i = 0; i < c->n; i++) {
		if (want ? !dev_matches(&c->devs[i], want) : !c->devs[i].meter)
			continue;
		if (!found++)
			idx = i;
		if (strlen(ids) + strlen(c->devs[i].id) + 2 < sizeof(ids)) {
			strcat(ids, *ids ? ", " : "");
			strcat(ids, c->devs[i].id);
		}
	}
	if (found == 1)
		return idx;
	if (!found && want)
		util_err("%s: no IIO device '%s'", c->where, want);
	else if (!found)
		util_err("%s: no Kamstrup meter found (is the kamstrup-kmp driver loaded and bound?)",
			 c->where);
	else
		return -util_usage("%s: several meters (%s): choose one with -d",
				   c->where, ids);
	return -KMPCTL_EXIT_FAIL;
}

int kmpctl_ctx_meter(const char *uri, const char *device, struct kmpctl_ctx *c)
{
	int idx = kmpctl_ctx_open(uri, c) ?: kmpctl_ctx_select(c, device);

	if (idx < 0)
		kmpctl_ctx_close(c);
	return idx;
}

int kmpctl_dev_attr(const struct kmpctl_ctx *c, unsigned int i,
		    const char *attr, char *buf, size_t size)
{
	ssize_t r;

	if (!iio_device_find_attr(c->devs[i].dev, attr))
		return -ENOENT;
	r = iio_device_attr_read(c->devs[i].dev, attr, buf, size);
	if (r < 0)
		return r;
	buf[size - 1] = 0;
	util_trim(buf);
	return 0;
}

/* ---- channels --------------------------------------------------------------- */

/* The SI unit of each IIO channel type, from the unit the IIO ABI gives
 * its raw * scale (sysfs-bus-iio) */
static const struct si_unit {
	const char *type;	/* IIO channel type, as in the sysfs name */
	int shift;		/* IIO ABI unit to SI: times 10^shift */
	const char *unit;
	const char *diff_unit;	/* for a differential channel */
	enum kmp_quantity quantity;
} si_units[] = {
	{ "energy", 0, "J", NULL, KMP_QTY_ENERGY },		/* J */
	{ "power", -3, "W", NULL, KMP_QTY_POWER },		/* mW */
	{ "temp", -3, "°C", "K", KMP_QTY_TEMPERATURE },	/* m°C */
	{ "volume", 0, "l", NULL, KMP_QTY_VOLUME },		/* l */
	{ "volumeflow", 0, "l/h", NULL, KMP_QTY_FLOW },	/* l/h */
	{ "voltage", -3, "V", NULL, KMP_QTY_VOLTAGE },		/* mV */
	{ "current", -3, "A", NULL, KMP_QTY_CURRENT },		/* mA */
	{ "pressure", 3, "Pa", NULL, KMP_QTY_PRESSURE },	/* kPa */
};

/*
 * The unit of a channel from its id ("temp1-temp2", "volume", "count68"):
 * the IIO type's.  Kernels without the volume types (the DKMS fallback)
 * number the volume and flow count channels by register (count68 is
 * register 0x0044) with a volume or flow scale: the core's register table
 * gives the quantity.  Other count channels have no unit.
 */
static void chan_unit(struct kmpctl_chan *c)
{
	const char *id = c->id;
	size_t tlen = strspn(id, "abcdefghijklmnopqrstuvwxyz");
	bool diff = strchr(id, '-') != NULL;
	const struct kmp_register *reg = NULL;
	unsigned long index;
	unsigned int i;

	c->unit = "";
	c->shift = 0;
	c->quantity = KMP_QTY_NONE;
	if (tlen == 5 && !strncmp(id, "count", 5)) {
		if (!diff && !util_parse_uint(id + tlen, 0xffff, &index))
			reg = kmp_register(index);
		if (!reg || reg->quantity == KMP_QTY_NONE)
			return;
	}
	for (i = 0; i < ARRAY_SIZE(si_units); i++) {
		const struct si_unit *u = &si_units[i];

		if (reg ? u->quantity != reg->quantity :
			  strlen(u->type) != tlen || strncmp(id, u->type, tlen))
			continue;
		c->shift = u->shift;
		c->quantity = u->quantity;
		c->unit = diff && u->diff_unit ? u->diff_unit : u->unit;
	}
}

static void chan_label(struct iio_channel *ch, char *buf, size_t size)
{
	if (!iio_channel_find_attr(ch, "label") ||
	    iio_channel_attr_read(ch, "label", buf, size) < 0)
		*buf = 0;
	buf[size - 1] = 0;
	util_trim(buf);
}

/*
 * A CHANNEL argument names a channel by its id ("temp1", "temp1-temp2"),
 * its label ("temperature 1", "temperature-1") or its label up to " ("
 */
static bool chan_matches(const char *id, const char *label, const char *want)
{
	const char *paren = strstr(label, " (");

	if (!strcmp(id, want))
		return true;
	if (*label && util_loose_eq(want, label, strlen(label)))
		return true;
	return paren && util_loose_eq(want, label, paren - label);
}

const char *kmpctl_errno_hint(int err)
{
	switch (err < 0 ? -err : err) {
	case ETIMEDOUT:
		return " (the meter did not answer: press its button to wake the optical port)";
	case EBUSY:
		return " (the buffer is enabled: kmpctl watch or iio_readdev running?)";
	default:
		return "";
	}
}

/*
 * A number attribute into @x (its canonical form into @s): 0, or -errno
 * recorded in @c with a message naming the file.  Absent and @optional: 0.
 */
static int chan_num(struct kmpctl_chan *c, const char *dev_id,
		    const char *attr, bool optional, struct fx *x, char *s,
		    size_t size)
{
	const char *file = iio_channel_find_attr(c->ch, attr) ?
			   iio_channel_attr_get_filename(c->ch, attr) : NULL;
	char buf[128];
	ssize_t r = -ENOENT;

	if (!file && optional)
		return 0;
	if (file)
		r = iio_channel_attr_read(c->ch, attr, buf, sizeof(buf));
	if (file)
		snprintf(c->err_attr, sizeof(c->err_attr), "%s", file);
	else
		snprintf(c->err_attr, sizeof(c->err_attr), "in_%s_%s", c->id,
			 attr);
	if (r >= 0) {
		buf[sizeof(buf) - 1] = 0;
		util_trim(buf);
		if (!fx_parse(buf, x))
			return fx_format(x, s, size) < 0 ? -ERANGE : 0;
		util_err("%s: %s: '%s' is not a decimal number", dev_id,
			 c->err_attr, buf);
		return c->err = -EINVAL;
	}
	util_err("%s: %s: %s%s", dev_id, c->err_attr, util_strerror(r),
		 kmpctl_errno_hint(r));
	return c->err = r;
}

int kmpctl_chans_select(struct iio_device *dev, const char *dev_id, int argc,
			char **argv, bool scan_only, struct kmpctl_chan *set)
{
	unsigned int i, j, n = 0, count = iio_device_get_channels_count(dev);
	char ids[512] = "";
	int a;

	for (a = 0; a < (argc ? argc : 1); a++) {
		bool found = false;

		for (i = 0; i < count && n < KMPCTL_MAX_CHANS; i++) {
			struct iio_channel *ch = iio_device_get_channel(dev, i);
			const char *id = ch ? iio_channel_get_id(ch) : NULL;
			struct kmpctl_chan *c = &set[n];

			if (!id || iio_channel_is_output(ch) ||
			    (!argc && (!strcmp(id, "timestamp") ||
				       (scan_only &&
					!iio_channel_is_scan_element(ch)))))
				continue;
			memset(c, 0, sizeof(*c));
			chan_label(ch, c->label, sizeof(c->label));
			if (argc && !chan_matches(id, c->label, argv[a]))
				continue;
			found = true;
			for (j = 0; j < n && set[j].ch != ch; j++)
				;
			if (j < n)
				break;	/* asked twice */
			if (scan_only && !iio_channel_is_scan_element(ch)) {
				util_err("%s: channel %s cannot be captured (not a scan element)",
					 dev_id, id);
				return -KMPCTL_EXIT_USAGE;
			}
			c->ch = ch;
			snprintf(c->id, sizeof(c->id), "%s", id);
			chan_unit(c);
			fx_from_int(1, &c->scale);
			fx_from_int(0, &c->offset);
			n++;
			if (argc)
				break;	/* the first match */
		}
		for (i = 0; argc && !found && i < count; i++) {
			struct iio_channel *ch = iio_device_get_channel(dev, i);
			const char *id = ch ? iio_channel_get_id(ch) : NULL;

			if (id && !iio_channel_is_output(ch) &&
			    strcmp(id, "timestamp") &&
			    strlen(ids) + strlen(id) + 3 < sizeof(ids))
				strcat(strcat(ids, *ids ? ", " : ""), id);
		}
		if (argc && !found) {
			util_err("%s: no channel '%s' (channels: %s)", dev_id,
				 argv[a], ids);
			return -KMPCTL_EXIT_USAGE;
		}
	}
	if (!n) {
		util_err("%s: no input channels", dev_id);
		return -KMPCTL_EXIT_FAIL;
	}
	return n;
}

/* Scale and offset, read once: fixed while the driver is bound */
int kmpctl_chan_prepare(struct kmpctl_chan *c, const char *dev_id)
{
	if (c->scale_s[0] || c->offset_s[0])
		return 0;
	return chan_num(c, dev_id, "scale", true, &c->scale, c->scale_s,
			sizeof(c->scale_s)) ?:
	       chan_num(c, dev_id, "offset", true, &c->offset, c->offset_s,
			sizeof(c->offset_s));
}

int kmpctl_chan_set(struct kmpctl_chan *c, const struct fx *raw)
{
	struct fx sum;
	int r;

	fx_format(raw, c->raw, sizeof(c->raw));
	r = fx_add(raw, &c->offset, &sum) ?: fx_mul(&sum, &c->scale, &c->si);
	c->si.e += c->shift;
	if (!r)
		r = fx_format(&c->si, c->value, sizeof(c->value));
	if (r < 0) {
		snprintf(c->value, sizeof(c->value), "null");
		return -ERANGE;
	}
	return 0;
}

int kmpctl_chan_read(struct kmpctl_chan *c, const char *dev_id)
{
	struct fx raw;
	int r;

	c->err = 0;
	/* raw first: where the meter's errors show */
	r = chan_num(c, dev_id, "raw", false, &raw, c->raw, sizeof(c->raw));
	if (!r)
		r = kmpctl_chan_prepare(c, dev_id);
	if (r)
		return r;
	if (kmpctl_chan_set(c, &raw)) {
		c->err = -ERANGE;
		snprintf(c->err_attr, sizeof(c->err_attr), "%s", c->id);
		util_err("%s: %s: value out of range", dev_id, c->id);
		return -ERANGE;
	}
	return 0;
}
