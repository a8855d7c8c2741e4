// SPDX-License-Identifier: GPL-2.0-only
/*
 * kmpctl watch [CHANNEL...]: the IIO buffer, scan by scan.
 *
 * Enables the buffer (sampling_frequency = 1 / interval) and prints each
 * scan.  A worker thread blocks in iio_buffer_refill(); the main thread
 * waits for SIGINT/SIGTERM/SIGHUP and cancels the buffer with
 * iio_buffer_cancel(), which is thread-safe but not signal-safe.  Either
 * way iio_buffer_destroy() disables the buffer again, which stops the
 * driver's poller.  SIGPIPE is ignored so that a closed pipe also ends in
 * that cleanup rather than leaving the meter being polled.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "output.h"

/* Text columns: at least this wide */
#define SCAN_COL	14
#define SCAN_TIME_COL	30

struct watch {
	const struct kmpctl_opts *opts;
	const char *dev_id;
	struct kmpctl_chan *set;
	unsigned int n;
	struct iio_channel *ts;
	struct iio_buffer *buf;
	unsigned int timeout_s;
	pthread_t main_thread;
	int stop;		/* set by main (atomic), read by the worker */
	int err;		/* the worker's outcome: 0 or -errno */
	unsigned long scans;
};

static void scan_title(const struct kmpctl_chan *c, char *buf, size_t size,
		       const char *sep)
{
	snprintf(buf, size, *c->unit ? "%s%s%s%s" : "%s", c->id, sep, c->unit,
		 *sep == ' ' ? ")" : "");
}

static int scan_col(const struct kmpctl_chan *c)
{
	char t[128];

	scan_title(c, t, sizeof(t), " (");
	return out_width(t) > SCAN_COL ? out_width(t) : SCAN_COL;
}

static void scan_header(FILE *f, enum kmpctl_format fmt,
			const struct kmpctl_chan *ch, unsigned int n)
{
	unsigned int i;
	char t[128];

	if (fmt == KMPCTL_FMT_JSON)
		return;
	if (fmt == KMPCTL_FMT_CSV)
		fputs("timestamp_ns,time", f);
	else
		out_pad(f, "time", SCAN_TIME_COL, 2);
	for (i = 0; i < n; i++) {
		scan_title(&ch[i], t, sizeof(t),
			   fmt == KMPCTL_FMT_CSV ? "_" : " (");
		if (fmt == KMPCTL_FMT_CSV) {
			fputc(',', f);
			out_csv_field(f, t);
		} else if (i + 1 < n) {
			out_pad(f, t, scan_col(&ch[i]), 2);
		} else {
			fputs(t, f);
		}
	}
	fputc('\n', f);
}

/* "2026-01-31T12:00:01.123456789Z" from nanoseconds since the epoch */
static void iso_time(long long ns, char *buf, size_t size)
{
	time_t sec = ns / 1000000000;
	long frac = ns % 1000000000;
	struct tm tm;

	if (frac < 0) {
		frac += 1000000000;
		sec--;
	}
	if (!gmtime_r(&sec, &tm)) {
		snprintf(buf, size, "-");
		return;
	}
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, frac);
}

static void scan_print(FILE *f, const struct watch *w, long long ts_ns)
{
	const struct kmpctl_chan *ch = w->set;
	char when[48] = "-";
	unsigned int i;

	if (w->ts)
		iso_time(ts_ns, when, sizeof(when));
	switch (w->opts->format) {
	case KMPCTL_FMT_JSON:
		fputs("{\"device\": ", f);
		out_json_string(f, w->dev_id);
		fprintf(f, ", \"scan\": %lu", w->scans);
		if (w->ts)
			fprintf(f, ", \"timestamp_ns\": %lld, \"time\": \"%s\"",
				ts_ns, when);
		else
			fputs(", \"timestamp_ns\": null, \"time\": null", f);
		fputs(", \"values\": {", f);
		for (i = 0; i < w->n; i++) {
			fputs(i ? ", " : "", f);
			out_json_string(f, ch[i].id);
			fprintf(f, ": %s", ch[i].value);
		}
		fputs("}}\n", f);
		return;
	case KMPCTL_FMT_CSV:
		if (w->ts)
			fprintf(f, "%lld,%s", ts_ns, when);
		else
			fputs(",", f);
		for (i = 0; i < w->n; i++)
			fprintf(f, ",%s", ch[i].value);
		fputc('\n', f);
		return;
	case KMPCTL_FMT_TEXT:
		break;
	}
	out_pad(f, when, SCAN_TIME_COL, 2);
	for (i = 0; i < w->n; i++) {
		if (i + 1 < w->n)
			out_pad(f, ch[i].value, scan_col(&ch[i]), 2);
		else
			fputs(ch[i].value, f);
	}
	fputc('\n', f);
}

/* One sample of @ch in the buffer, sign-extended as its format says */
static int read_sample(struct iio_channel *ch, struct iio_buffer *buf,
		       long long *out)
{
	const struct iio_data_format *f = iio_channel_get_data_format(ch);
	unsigned int bytes = f ? f->length / 8 : 0;
	union { u8 b; u16 h; u32 w; u64 d; } v = { .d = 0 };
	unsigned long long u;

	if (!bytes || bytes > 8 || (bytes & (bytes - 1)) || f->repeat > 1)
		return -EINVAL;
	/* in host order, @bytes bytes */
	if (iio_channel_read(ch, buf, &v, bytes) < bytes)
		return -EIO;
	u = bytes == 1 ? v.b : bytes == 2 ? v.h : bytes == 4 ? v.w : v.d;
	if (f->bits && f->bits < 64)
		u &= (1ULL << f->bits) - 1;
	if (f->is_signed && f->bits && f->bits < 64 &&
	    (u >> (f->bits - 1)) & 1)
		u |= ~0ULL << f->bits;
	*out = (long long)u;
	return f->is_signed || (long long)u >= 0 ? 0 : -ERANGE;
}

static void *watch_worker(void *arg)
{
	struct watch *w = arg;
	unsigned int i;

	scan_header(stdout, w->opts->format, w->set, w->n);
	fflush(stdout);
	while (!__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE) &&
	       (!w->opts->count || w->scans < w->opts->count)) {
		ssize_t r = iio_buffer_refill(w->buf);
		long long ts = 0, v;
		struct fx raw;

		if (__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE))
			break;
		if (r < 0) {
			w->err = r;
			if (r == -ETIMEDOUT)
				util_err("%s: no scan within %u s (is the meter answering? see dmesg)",
					 w->dev_id, w->timeout_s);
			else
				util_err("%s: reading the buffer: %s",
					 w->dev_id, util_strerror(r));
			break;
		}
		for (i = 0; i < w->n && !w->err; i++) {
			w->err = read_sample(w->set[i].ch, w->buf, &v);
			if (!w->err) {
				fx_from_int(v, &raw);
				w->err = kmpctl_chan_set(&w->set[i], &raw);
			}
			if (w->err)
				util_err("%s: %s: cannot convert the sample: %s",
					 w->dev_id, w->set[i].id,
					 util_strerror(w->err));
		}
		if (w->err)
			break;
		if (w->ts && read_sample(w->ts, w->buf, &ts))
			ts = 0;
		w->scans++;
		scan_print(stdout, w, ts);
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

	if (!iio_device_find_attr(dev, "sampling_frequency") ||
	    iio_device_attr_read(dev, "sampling_frequency", buf,
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
	buf = iio_device_create_buffer(dev, 1, false);
	*err = errno ? errno : EIO;
	if (saved >= 0 && null >= 0)
		dup2(saved, STDERR_FILENO);
	if (saved >= 0)
		close(saved);
	if (null >= 0)
		close(null);
	return buf;
}

/* -i: sampling_frequency = 1 / interval, in micro-hertz */
static int set_interval(struct iio_device *dev, const char *dev_id,
			unsigned int interval)
{
	unsigned long uhz = (1000000UL + interval / 2) / interval;
	char v[32];
	ssize_t r = -ENOENT;

	snprintf(v, sizeof(v), "%lu.%06lu", uhz / 1000000, uhz % 1000000);
	if (iio_device_find_attr(dev, "sampling_frequency"))
		r = iio_device_attr_write(dev, "sampling_frequency", v);
	if (r < 0)
		util_err("%s: sampling_frequency: %s", dev_id,
			 util_strerror(r));
	return r < 0;
}

/* Only the channels asked for, and the timestamp, in the scans */
static void enable_channels(struct iio_device *dev, struct watch *w)
{
	unsigned int i, count = iio_device_get_channels_count(dev);

	for (i = 0; i < count; i++) {
		struct iio_channel *ch = iio_device_get_channel(dev, i);
		const char *id = ch ? iio_channel_get_id(ch) : NULL;

		if (!ch || !iio_channel_is_scan_element(ch))
			continue;
		iio_channel_disable(ch);
		if (id && !strcmp(id, "timestamp") &&
		    !iio_channel_is_output(ch))
			w->ts = ch;
	}
	for (i = 0; i < w->n; i++)
		iio_channel_enable(w->set[i].ch);
	if (w->ts)
		iio_channel_enable(w->ts);
}

int kmpctl_cmd_watch(const struct kmpctl_opts *opts, int argc, char **argv)
{
	static struct kmpctl_chan set[KMPCTL_MAX_CHANS];
	static struct kmpctl_ctx c;
	struct watch w = { .opts = opts, .set = set };
	struct iio_device *dev;
	struct sigaction sa;
	sigset_t sigs, old;
	pthread_t worker;
	unsigned int i;
	double period;
	int ret, idx, sig;

	idx = kmpctl_ctx_open(opts->uri, &c) ?: kmpctl_ctx_select(&c, opts->device);
	if (idx < 0) {
		kmpctl_ctx_close(&c);
		return -idx;
	}
	dev = c.devs[idx].dev;
	w.dev_id = c.devs[idx].id;
	ret = kmpctl_chans_select(dev, w.dev_id, argc, argv, true, set);
	if (ret < 0)
		goto out_ctx;
	w.n = ret;
	ret = -KMPCTL_EXIT_FAIL;
	for (i = 0; i < w.n; i++)
		if (kmpctl_chan_prepare(&set[i], w.dev_id))
			goto out_ctx;
	if (opts->interval && set_interval(dev, w.dev_id, opts->interval))
		goto out_ctx;
	/* Wait for a scan twice the period, and 10 s for the meter */
	period = device_period(dev);
	if (period > 0 && period < 10 * 86400) {
		w.timeout_s = (unsigned int)(2 * period + 10.5);
		if (iio_context_set_timeout(c.ctx, w.timeout_s * 1000))
			w.timeout_s = 0;
	}
	enable_channels(dev, &w);

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
		util_err("%s: cannot enable the buffer: %s%s", w.dev_id,
			 strerror(ret), kmpctl_errno_hint(ret));
		ret = -KMPCTL_EXIT_FAIL;
		goto out_sigs;
	}
	w.main_thread = pthread_self();
	ret = pthread_create(&worker, NULL, watch_worker, &w);
	if (ret) {
		util_err("cannot start a thread: %s", strerror(ret));
		iio_buffer_destroy(w.buf);
		ret = -KMPCTL_EXIT_FAIL;
		goto out_sigs;
	}
	while (sigwait(&sigs, &sig))
		;
	if (sig != SIGUSR1) {	/* not the worker: stop it */
		__atomic_store_n(&w.stop, 1, __ATOMIC_RELEASE);
		iio_buffer_cancel(w.buf);
	}
	pthread_join(worker, NULL);
	/* Disables the buffer: the driver stops polling the meter */
	iio_buffer_destroy(w.buf);
	/*
	 * The signals stay blocked: the worker's SIGUSR1 (or a second
	 * Ctrl-C) may be pending, and kmpctl exits next.
	 */
	kmpctl_ctx_close(&c);
	return w.err && !(w.stop && w.err == -EBADF) ? KMPCTL_EXIT_FAIL : 0;
out_sigs:
	pthread_sigmask(SIG_SETMASK, &old, NULL);
out_ctx:
	kmpctl_ctx_close(&c);
	return -ret;
}
