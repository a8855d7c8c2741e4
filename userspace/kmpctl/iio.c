// SPDX-License-Identifier: GPL-2.0-only
/*
 * kmpctl: channels through libiio (read, watch), and devices of a remote
 * libiio context (list, info with -u).
 *
 * libiio is loaded at run time (iio-abi.h says why).  A channel's value is
 * (raw + offset) * scale in the IIO ABI's unit of its type, computed
 * exactly (dec.c) and converted to SI units by type: J, W, °C (K for a
 * temperature difference), l, l/h, V, A, Pa (si_unit()).
 *
 * watch enables the IIO buffer (sampling_frequency = 1 / interval) and
 * prints each scan.  A worker thread blocks in iio_buffer_refill(); the
 * main thread waits for SIGINT/SIGTERM/SIGHUP and cancels the buffer with
 * iio_buffer_cancel(), which is thread-safe but not signal-safe.  Either
 * way iio_buffer_destroy() disables the buffer again, which stops the
 * driver's poller.  SIGPIPE is ignored so that a closed pipe also ends in
 * that cleanup rather than leaving the meter being polled.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dec.h"
#include "iio-abi.h"
#include "kmpctl.h"
#include "output.h"

#define KMPCTL_MAX_CHANS	64

static struct {
	void *handle;
#define X(name, ret, args, required, checked) ret (*name) args;
	KMPCTL_IIO_FUNCS(X)
#undef X
} lib;

static int load_libiio(void)
{
	const char *path = getenv("KMPCTL_LIBIIO");
	unsigned int major = 0, minor = 0;
	char tag[8] = "";

	if (lib.handle)
		return 0;
	if (!path || !*path)
		path = KMPCTL_LIBIIO_SONAME;
	lib.handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!lib.handle) {
		kmpctl_err("cannot load libiio: %s (install it: apt install libiio0)",
			   dlerror());
		return -1;
	}
#define X(name, ret, args, required, checked)				\
	*(void **)&lib.name = dlsym(lib.handle, #name);			\
	if (!lib.name && (required)) {					\
		kmpctl_err("%s: no symbol %s: not libiio 0.x", path, #name); \
		dlclose(lib.handle);					\
		lib.handle = NULL;					\
		return -1;						\
	}
	KMPCTL_IIO_FUNCS(X)
#undef X
	lib.iio_library_get_version(&major, &minor, tag);
	if (major != 0) {
		kmpctl_err("%s: libiio %u.%u, kmpctl needs libiio 0.x",
			   path, major, minor);
		dlclose(lib.handle);
		lib.handle = NULL;
		return -1;
	}
	return 0;
}

struct iioctx {
	struct iio_context *ctx;
	const char *where;	/* "local" or the URI */
	bool local;		/* sysfs of this machine */
	unsigned int n;
	struct kmpctl_dev devs[KMPCTL_MAX_DEVS];
	struct iio_device *handles[KMPCTL_MAX_DEVS];
};

static void trim(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t' ||
		     s[n - 1] == '\r'))
		s[--n] = 0;
}

/* Opens the context and lists its devices; 0 or -(exit status) */
static int ctx_open(const struct kmpctl_opts *o, struct iioctx *c)
{
	unsigned int i, count;
	int e;

	memset(c, 0, sizeof(*c));
	if (load_libiio())
		return -KMPCTL_EXIT_FAIL;
	c->local = o->uri ? !strcmp(o->uri, "local:") : !getenv("IIOD_REMOTE");
	c->where = o->uri ? o->uri : "local";
	errno = 0;
	c->ctx = o->uri ? lib.iio_create_context_from_uri(o->uri) :
			  lib.iio_create_default_context();
	if (!c->ctx) {
		e = errno ? errno : EIO;
		if (c->local && e == ENOENT)
			kmpctl_err("%s: no Kamstrup meter found (no IIO devices: is the kamstrup-kmp driver loaded and bound?)",
				   c->where);
		else
			kmpctl_err("%s: cannot create the IIO context: %s",
				   c->where, strerror(e));
		return -KMPCTL_EXIT_FAIL;
	}
	count = lib.iio_context_get_devices_count(c->ctx);
	for (i = 0; i < count && c->n < KMPCTL_MAX_DEVS; i++) {
		struct iio_device *dev = lib.iio_context_get_device(c->ctx, i);
		struct kmpctl_dev *d = &c->devs[c->n];
		const char *s;

		if (!dev)
			continue;
		memset(d, 0, sizeof(*d));
		s = lib.iio_device_get_id(dev);
		snprintf(d->id, sizeof(d->id), "%s", s ? s : "?");
		s = lib.iio_device_get_name(dev);
		snprintf(d->name, sizeof(d->name), "%s", s ? s : "");
		s = lib.iio_device_get_label ? lib.iio_device_get_label(dev) :
					       NULL;
		snprintf(d->label, sizeof(d->label), "%s", s ? s : "");
		d->meter = kmpctl_is_meter_name(d->name) ||
			   (c->local && kmpctl_sysfs_is_meter(d->id));
		if (c->local) {
			char path[256];

			snprintf(path, sizeof(path), "%s/%s/misc",
				 KMPCTL_SYSFS_IIO, d->id);
			kmpctl_first_entry(path, d->misc, sizeof(d->misc));
		}
		c->handles[c->n++] = dev;
	}
	return 0;
}

static void ctx_close(struct iioctx *c)
{
	if (c->ctx)
		lib.iio_context_destroy(c->ctx);
	c->ctx = NULL;
}

/*
 * The context and the meter chosen with -d: the device's index, or a
 * negative exit status (the context is closed then).
 */
static int ctx_open_device(const struct kmpctl_opts *o, struct iioctx *c)
{
	int ret, idx;

	ret = ctx_open(o, c);
	if (ret)
		return ret;
	idx = kmpctl_select_device(c->devs, c->n, o->device, c->where);
	if (idx < 0)
		ctx_close(c);
	return idx;
}

/* ---- list and info through a (remote) context ---------------------------- */

struct iio_devsrc {
	struct kmpctl_devsrc src;	/* first: container_of by cast */
	struct iioctx c;
};

static int iio_src_attr_read(struct kmpctl_devsrc *src, unsigned int i,
			     const char *attr, char *buf, size_t size)
{
	struct iio_devsrc *s = (struct iio_devsrc *)src;
	ssize_t r;

	if (!strcmp(attr, "label")) {
		/* libiio takes the label out of the attributes */
		snprintf(buf, size, "%s", s->c.devs[i].label);
		return *buf ? 0 : -ENOENT;
	}
	r = lib.iio_device_attr_read(s->c.handles[i], attr, buf, size);
	if (r < 0)
		return r;
	buf[size - 1] = 0;
	trim(buf);
	return 0;
}

static void iio_src_close(struct kmpctl_devsrc *src)
{
	struct iio_devsrc *s = (struct iio_devsrc *)src;

	ctx_close(&s->c);
	free(s);
}

int kmpctl_iio_devsrc_open(const struct kmpctl_opts *opts,
			   struct kmpctl_devsrc **srcp)
{
	struct iio_devsrc *s = calloc(1, sizeof(*s));
	int ret;

	if (!s)
		return -KMPCTL_EXIT_FAIL;
	ret = ctx_open(opts, &s->c);
	if (ret) {
		free(s);
		return ret;
	}
	s->src.name = s->c.where;
	s->src.n = s->c.n;
	memcpy(s->src.devs, s->c.devs, sizeof(s->c.devs));
	s->src.attr_read = iio_src_attr_read;
	s->src.close = iio_src_close;
	*srcp = &s->src;
	return 0;
}

/* ---- channels -------------------------------------------------------------- */

/*
 * The SI unit of each IIO channel type the driver uses (and a few more),
 * from the unit the IIO ABI gives its raw * scale (sysfs-bus-iio).
 */
static const struct si_unit {
	const char *type;	/* IIO channel type, as in the sysfs name */
	int shift;		/* IIO ABI unit to SI: times 10^shift */
	const char *unit;
	const char *diff_unit;	/* for a differential channel */
	enum kmp_quantity quantity;	/* the core's, for count channels */
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
 * The SI unit of a channel from its id ("temp1-temp2", "volume",
 * "count68").  Nothing here is per channel name: the unit is the IIO
 * type's.  A count channel has none; the kamstrup-kmp driver on kernels
 * without volume channel types (the DKMS fallback) numbers its volume and
 * flow count channels by register id (count68 is register 0x0044), with
 * the scale of a volume or flow channel: the core's register table gives
 * the quantity and so the unit.  Other count channels print no unit.
 */
static const char *si_unit(const char *id, int *shift)
{
	size_t tlen = strspn(id, "abcdefghijklmnopqrstuvwxyz");
	bool diff = strchr(id, '-') != NULL;
	const struct kmp_register *reg = NULL;
	unsigned long index;
	unsigned int i;

	*shift = 0;
	if (tlen == 5 && !strncmp(id, "count", 5)) {
		if (!diff && !kmpctl_parse_uint(id + tlen, 0xffff, &index))
			reg = kmp_register(index);
		if (!reg || reg->quantity == KMP_QTY_NONE)
			return "";
	}
	for (i = 0; i < ARRAY_SIZE(si_units); i++) {
		const struct si_unit *u = &si_units[i];

		if (reg ? u->quantity != reg->quantity :
			  strlen(u->type) != tlen || strncmp(id, u->type, tlen))
			continue;
		*shift = u->shift;
		return diff && u->diff_unit ? u->diff_unit : u->unit;
	}
	return "";
}

static void chan_label(struct iio_channel *ch, char *buf, size_t size)
{
	ssize_t r;

	*buf = 0;
	if (!lib.iio_channel_find_attr(ch, "label"))
		return;
	r = lib.iio_channel_attr_read(ch, "label", buf, size);
	if (r < 0)
		*buf = 0;
	buf[size - 1] = 0;
	trim(buf);
}

/*
 * A CHANNEL argument names a channel by its id ("temp1", "temp1-temp2",
 * "volume"), its label ("temperature 1", "temperature-1") or its label
 * up to " (" ("supply" for a devicetree label "supply (T1)").
 */
static bool chan_matches(const char *id, const char *label, const char *want)
{
	const char *paren;

	if (!strcmp(id, want))
		return true;
	if (!*label)
		return false;
	if (kmpctl_loose_eq(want, label, strlen(label)))
		return true;
	paren = strstr(label, " (");
	return paren && kmpctl_loose_eq(want, label, paren - label);
}

struct chan_set {
	unsigned int n;
	struct iio_channel *ch[KMPCTL_MAX_CHANS];
	struct output_chan out[KMPCTL_MAX_CHANS];
	struct kdec scale[KMPCTL_MAX_CHANS], offset[KMPCTL_MAX_CHANS];
	int shift[KMPCTL_MAX_CHANS];
};

static void list_ids(struct iio_device *dev, char *buf, size_t size)
{
	unsigned int i, count = lib.iio_device_get_channels_count(dev);

	*buf = 0;
	for (i = 0; i < count; i++) {
		struct iio_channel *ch = lib.iio_device_get_channel(dev, i);
		const char *id = ch ? lib.iio_channel_get_id(ch) : NULL;

		if (!id || lib.iio_channel_is_output(ch) ||
		    !strcmp(id, "timestamp"))
			continue;
		if (strlen(buf) + strlen(id) + 3 < size) {
			strcat(buf, *buf ? ", " : "");
			strcat(buf, id);
		}
	}
}

/*
 * The channels asked for (all input channels but the timestamp when none
 * is named), in the order asked.  0, or -(exit status) after a message.
 */
static int chans_select(struct iio_device *dev, const char *dev_id,
			int argc, char **argv, bool scan_only,
			struct chan_set *set)
{
	unsigned int i, j, count = lib.iio_device_get_channels_count(dev);
	int a;

	set->n = 0;
	for (a = 0; a < (argc ? argc : 1); a++) {
		bool found = false;

		for (i = 0; i < count; i++) {
			struct iio_channel *ch = lib.iio_device_get_channel(dev, i);
			const char *id = ch ? lib.iio_channel_get_id(ch) : NULL;
			char label[128];

			if (!id || lib.iio_channel_is_output(ch))
				continue;
			if (!argc && (!strcmp(id, "timestamp") ||
				      (scan_only &&
				       !lib.iio_channel_is_scan_element(ch))))
				continue;
			chan_label(ch, label, sizeof(label));
			if (argc && !chan_matches(id, label, argv[a]))
				continue;
			found = true;
			for (j = 0; j < set->n && set->ch[j] != ch; j++)
				;
			if (j < set->n)
				continue;	/* asked twice */
			if (set->n == KMPCTL_MAX_CHANS)
				break;
			if (scan_only && !lib.iio_channel_is_scan_element(ch)) {
				kmpctl_err("%s: channel %s cannot be captured (not a scan element)",
					   dev_id, id);
				return -KMPCTL_EXIT_USAGE;
			}
			memset(&set->out[set->n], 0, sizeof(set->out[0]));
			snprintf(set->out[set->n].id, sizeof(set->out[0].id),
				 "%s", id);
			snprintf(set->out[set->n].label,
				 sizeof(set->out[0].label), "%s", label);
			set->out[set->n].unit = si_unit(id, &set->shift[set->n]);
			set->ch[set->n++] = ch;
			if (argc)
				break;	/* the first match */
		}
		if (argc && !found) {
			char ids[512];

			list_ids(dev, ids, sizeof(ids));
			kmpctl_err("%s: no channel '%s' (channels: %s)", dev_id,
				   argv[a], ids);
			return -KMPCTL_EXIT_USAGE;
		}
	}
	if (!set->n) {
		kmpctl_err("%s: no input channels", dev_id);
		return -KMPCTL_EXIT_FAIL;
	}
	return 0;
}

static const char *errno_hint(int err)
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
 * A channel attribute, or 1 when the channel does not have it (and
 * @optional), or a negative errno (recorded in @oc, with a message).
 */
/* The sysfs file of a channel attribute: "in_power_raw" */
static void attr_file(struct iio_channel *ch, const char *attr, char *buf,
		      size_t size)
{
	const char *file = lib.iio_channel_find_attr(ch, attr) ?
			   lib.iio_channel_attr_get_filename(ch, attr) : NULL;

	if (file)
		snprintf(buf, size, "%s", file);
	else
		snprintf(buf, size, "%s_%s_%s",
			 lib.iio_channel_is_output(ch) ? "out" : "in",
			 lib.iio_channel_get_id(ch), attr);
}

static int chan_attr(struct iio_channel *ch, const char *dev_id,
		     const char *attr, bool optional, char *buf, size_t size,
		     struct output_chan *oc)
{
	ssize_t r;

	if (!lib.iio_channel_find_attr(ch, attr)) {
		if (optional)
			return 1;
		r = -ENOENT;
	} else {
		r = lib.iio_channel_attr_read(ch, attr, buf, size);
	}
	if (r < 0) {
		oc->err = r;
		attr_file(ch, attr, oc->err_attr, sizeof(oc->err_attr));
		kmpctl_err("%s: %s: %s%s", dev_id, oc->err_attr,
			   kmpctl_strerror(r), errno_hint(r));
		return r;
	}
	buf[size - 1] = 0;
	trim(buf);
	return 0;
}

static int parse_num(const char *dev_id, struct iio_channel *ch,
		     const char *attr, const char *s, struct kdec *x,
		     struct output_chan *oc)
{
	if (!kdec_parse(s, x))
		return 0;
	oc->err = -EINVAL;
	attr_file(ch, attr, oc->err_attr, sizeof(oc->err_attr));
	kmpctl_err("%s: %s: '%s' is not a decimal number", dev_id,
		   oc->err_attr, s);
	return -EINVAL;
}

/* Scale and offset of channel @i into the set; 0 or a negative errno */
static int chan_prepare(struct chan_set *set, unsigned int i,
			const char *dev_id)
{
	struct output_chan *oc = &set->out[i];
	char buf[128];
	int r;

	kdec_parse("1", &set->scale[i]);
	kdec_parse("0", &set->offset[i]);
	r = chan_attr(set->ch[i], dev_id, "scale", true, buf, sizeof(buf), oc);
	if (r < 0)
		return r;
	if (!r) {
		if (parse_num(dev_id, set->ch[i], "scale", buf, &set->scale[i],
			      oc))
			return -EINVAL;
		kdec_format(&set->scale[i], oc->scale, sizeof(oc->scale));
	}
	r = chan_attr(set->ch[i], dev_id, "offset", true, buf, sizeof(buf), oc);
	if (r < 0)
		return r;
	if (!r) {
		if (parse_num(dev_id, set->ch[i], "offset", buf,
			      &set->offset[i], oc))
			return -EINVAL;
		kdec_format(&set->offset[i], oc->offset, sizeof(oc->offset));
	}
	return 0;
}

/* oc->value = (raw + offset) * scale, in SI units */
static int chan_value(struct chan_set *set, unsigned int i,
		      const struct kdec *raw)
{
	struct output_chan *oc = &set->out[i];
	struct kdec sum, v;
	int r;

	kdec_format(raw, oc->raw, sizeof(oc->raw));
	r = kdec_add(raw, &set->offset[i], &sum);
	if (!r)
		r = kdec_mul(&sum, &set->scale[i], &v);
	if (!r) {
		kdec_shift(&v, set->shift[i]);
		r = kdec_format(&v, oc->value, sizeof(oc->value));
	}
	if (r < 0) {
		snprintf(oc->value, sizeof(oc->value), "null");
		return r;
	}
	return 0;
}

int kmpctl_cmd_read_channels(const struct kmpctl_opts *opts, int argc,
			     char **argv)
{
	static struct chan_set set;
	static struct iioctx c;
	struct iio_device *dev;
	const char *dev_id;
	unsigned int i;
	int ret, idx, status = KMPCTL_EXIT_OK;

	idx = ctx_open_device(opts, &c);
	if (idx < 0)
		return -idx;
	dev = c.handles[idx];
	dev_id = c.devs[idx].id;
	ret = chans_select(dev, dev_id, argc, argv, false, &set);
	if (ret) {
		ctx_close(&c);
		return -ret;
	}
	for (i = 0; i < set.n; i++) {
		struct output_chan *oc = &set.out[i];
		struct kdec raw;
		char buf[128];

		/* raw first: where the meter's errors show */
		if (chan_attr(set.ch[i], dev_id, "raw", false, buf, sizeof(buf),
			      oc) ||
		    parse_num(dev_id, set.ch[i], "raw", buf, &raw, oc) ||
		    chan_prepare(&set, i, dev_id)) {
			status = KMPCTL_EXIT_FAIL;
			continue;
		}
		if (chan_value(&set, i, &raw)) {
			oc->err = -ERANGE;
			memcpy(oc->err_attr, oc->id, sizeof(oc->id));
			kmpctl_err("%s: %s: value out of range", dev_id, oc->id);
			status = KMPCTL_EXIT_FAIL;
		}
	}
	output_channels(stdout, opts->format, dev_id, set.out, set.n);
	fflush(stdout);
	ctx_close(&c);
	return status;
}

/* ---- watch ------------------------------------------------------------------ */

struct watch {
	const struct kmpctl_opts *opts;
	const char *dev_id;
	struct chan_set *set;
	struct iio_channel *ts;
	struct iio_buffer *buf;
	unsigned int timeout_s;
	pthread_t main_thread;
	int stop;		/* set by main (atomic), read by the worker */
	int err;		/* the worker's outcome: 0 or -errno */
	unsigned long scans;
};

/* One sample of @ch in the buffer as a decimal string */
static int read_sample(struct iio_channel *ch, struct iio_buffer *buf,
		       long long *sval, struct kdec *out)
{
	const struct kmpctl_iio_data_format *f =
		lib.iio_channel_get_data_format(ch);
	unsigned int bytes = f ? f->length / 8 : 0;
	unsigned char b[8];
	unsigned long long u = 0;
	char s[32];

	if (!bytes || bytes > 8 || (bytes & (bytes - 1)) || f->repeat > 1)
		return -EINVAL;
	memset(b, 0, sizeof(b));
	if (lib.iio_channel_read(ch, buf, b, bytes) < bytes)
		return -EIO;
	switch (bytes) {
	case 1:
		u = b[0];
		break;
	case 2: {
		unsigned short v;

		memcpy(&v, b, 2);
		u = v;
		break;
	}
	case 4: {
		unsigned int v;

		memcpy(&v, b, 4);
		u = v;
		break;
	}
	default:
		memcpy(&u, b, 8);
		break;
	}
	if (f->bits && f->bits < 64)
		u &= (1ULL << f->bits) - 1;
	if (f->is_signed && f->bits && f->bits < 64 &&
	    (u >> (f->bits - 1)) & 1)
		u |= ~0ULL << f->bits;
	if (f->is_signed) {
		*sval = (long long)u;
		snprintf(s, sizeof(s), "%lld", (long long)u);
	} else {
		*sval = (long long)u;
		snprintf(s, sizeof(s), "%llu", u);
	}
	return out ? kdec_parse(s, out) : 0;
}

static void *watch_worker(void *arg)
{
	struct watch *w = arg;
	struct chan_set *set = w->set;
	unsigned int i;

	output_scan_header(stdout, w->opts->format, set->out, set->n);
	fflush(stdout);
	while (!__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE) &&
	       (!w->opts->count || w->scans < w->opts->count)) {
		ssize_t r = lib.iio_buffer_refill(w->buf);
		long long ts = 0, dummy;
		struct kdec raw;

		if (__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE))
			break;
		if (r < 0) {
			w->err = r;
			if (r == -ETIMEDOUT)
				kmpctl_err("%s: no scan within %u s (is the meter answering? see dmesg)",
					   w->dev_id, w->timeout_s);
			else
				kmpctl_err("%s: reading the buffer: %s",
					   w->dev_id, kmpctl_strerror(r));
			break;
		}
		for (i = 0; i < set->n; i++) {
			int e = read_sample(set->ch[i], w->buf, &dummy, &raw);

			if (!e)
				e = chan_value(set, i, &raw);
			if (e) {
				w->err = e;
				kmpctl_err("%s: %s: cannot convert the sample: %s",
					   w->dev_id, set->out[i].id,
					   kmpctl_strerror(e));
				break;
			}
		}
		if (w->err)
			break;
		if (w->ts && read_sample(w->ts, w->buf, &ts, NULL))
			ts = 0;
		w->scans++;
		output_scan(stdout, w->opts->format, w->dev_id, ts, w->ts,
			    w->scans, set->out, set->n);
		if (fflush(stdout) == EOF || ferror(stdout)) {
			w->err = -EPIPE;
			break;
		}
	}
	pthread_kill(w->main_thread, SIGUSR1);
	return NULL;
}

/* The poll period the device reports, in seconds (0 if unknown) */
static double device_period(struct iio_device *dev)
{
	char buf[64];
	double hz;

	if (!lib.iio_device_find_attr(dev, "sampling_frequency") ||
	    lib.iio_device_attr_read(dev, "sampling_frequency", buf,
				     sizeof(buf)) < 0)
		return 0;
	buf[sizeof(buf) - 1] = 0;
	hz = strtod(buf, NULL);
	return hz > 0 ? 1 / hz : 0;
}

/*
 * The buffer, one scan deep.  libiio warns on stderr that the "high-speed"
 * (mmap block) interface is not there, which a kfifo buffer never has:
 * that warning is silenced; errors come back through errno.
 */
static struct iio_buffer *create_buffer(struct iio_device *dev, int *err)
{
	struct iio_buffer *buf;
	int saved = dup(STDERR_FILENO), null = open("/dev/null", O_WRONLY);

	fflush(stderr);
	if (saved >= 0 && null >= 0)
		dup2(null, STDERR_FILENO);
	errno = 0;
	buf = lib.iio_device_create_buffer(dev, 1, false);
	*err = errno ? errno : EIO;
	if (saved >= 0 && null >= 0) {
		fflush(stderr);
		dup2(saved, STDERR_FILENO);
	}
	if (saved >= 0)
		close(saved);
	if (null >= 0)
		close(null);
	return buf;
}

int kmpctl_cmd_watch(const struct kmpctl_opts *opts, int argc, char **argv)
{
	static struct chan_set set;
	static struct iioctx c;
	struct watch w = { .opts = opts, .set = &set };
	struct iio_device *dev;
	struct sigaction sa;
	sigset_t sigs, old;
	pthread_t worker;
	unsigned int i, count;
	double period;
	int ret, idx, sig;

	idx = ctx_open_device(opts, &c);
	if (idx < 0)
		return -idx;
	dev = c.handles[idx];
	w.dev_id = c.devs[idx].id;
	ret = chans_select(dev, w.dev_id, argc, argv, true, &set);
	if (ret)
		goto out_ctx;
	for (i = 0; i < set.n; i++) {
		if (chan_prepare(&set, i, w.dev_id)) {
			ret = -KMPCTL_EXIT_FAIL;
			goto out_ctx;
		}
	}

	if (opts->interval) {
		unsigned long uhz = (1000000UL + opts->interval / 2) /
				    opts->interval;
		char v[32];
		ssize_t r;

		snprintf(v, sizeof(v), "%lu.%06lu", uhz / 1000000,
			 uhz % 1000000);
		r = lib.iio_device_find_attr(dev, "sampling_frequency") ?
		    lib.iio_device_attr_write(dev, "sampling_frequency", v) :
		    -ENOENT;
		if (r < 0) {
			kmpctl_err("%s: sampling_frequency: %s", w.dev_id,
				   kmpctl_strerror(r));
			ret = -KMPCTL_EXIT_FAIL;
			goto out_ctx;
		}
	}
	/* Wait for a scan twice the period, and 10 s for the meter */
	period = device_period(dev);
	if (period > 0 && period < 10 * 86400) {
		w.timeout_s = (unsigned int)(2 * period + 10.5);
		if (lib.iio_context_set_timeout(c.ctx, w.timeout_s * 1000))
			w.timeout_s = 0;
	}

	count = lib.iio_device_get_channels_count(dev);
	for (i = 0; i < count; i++) {
		struct iio_channel *ch = lib.iio_device_get_channel(dev, i);
		const char *id = ch ? lib.iio_channel_get_id(ch) : NULL;

		if (!ch || !lib.iio_channel_is_scan_element(ch))
			continue;
		lib.iio_channel_disable(ch);
		if (id && !strcmp(id, "timestamp") &&
		    !lib.iio_channel_is_output(ch))
			w.ts = ch;
	}
	for (i = 0; i < set.n; i++)
		lib.iio_channel_enable(set.ch[i]);
	if (w.ts)
		lib.iio_channel_enable(w.ts);

	/* Signals go to the main thread's sigwait(), never to a handler */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGUSR1);
	/* Under nohup, a hangup is not a reason to stop */
	if (sigaction(SIGHUP, NULL, &sa) || sa.sa_handler != SIG_IGN)
		sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, &old);

	w.buf = create_buffer(dev, &ret);
	if (!w.buf) {
		kmpctl_err("%s: cannot enable the buffer: %s%s", w.dev_id,
			   strerror(ret), errno_hint(ret));
		ret = -KMPCTL_EXIT_FAIL;
		goto out_sigs;
	}
	w.main_thread = pthread_self();
	ret = pthread_create(&worker, NULL, watch_worker, &w);
	if (ret) {
		kmpctl_err("cannot start a thread: %s", strerror(ret));
		lib.iio_buffer_destroy(w.buf);
		ret = -KMPCTL_EXIT_FAIL;
		goto out_sigs;
	}
	for (;;) {
		if (sigwait(&sigs, &sig))
			continue;
		if (sig == SIGUSR1)
			break;	/* the worker is done */
		__atomic_store_n(&w.stop, 1, __ATOMIC_RELEASE);
		lib.iio_buffer_cancel(w.buf);
		break;
	}
	pthread_join(worker, NULL);
	/* Disables the buffer: the driver stops polling the meter */
	lib.iio_buffer_destroy(w.buf);
	ret = w.err && !(w.stop && w.err == -EBADF) ? -KMPCTL_EXIT_FAIL : 0;
	/*
	 * The signals stay blocked: the worker's SIGUSR1 (or a second
	 * Ctrl-C) may be pending, and kmpctl exits next.
	 */
	ctx_close(&c);
	return -ret;
out_sigs:
	pthread_sigmask(SIG_SETMASK, &old, NULL);
out_ctx:
	ctx_close(&c);
	return -ret;
}
