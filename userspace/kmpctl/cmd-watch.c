// SPDX-License-Identifier: GPL-2.0-only
/*
 * kmpctl watch [CHANNEL...]: the IIO buffer, scan by scan.
 *
 * Enables the buffer (sampling_frequency = 1 / interval) and prints each
 * scan.  A worker thread blocks in iio_buffer_refill(); the main thread
 * waits for SIGINT/SIGTERM/SIGHUP and cancels the buffer with
 * iio_buffer_cancel(), which is thread-safe but not signal-safe (libiio
 * retries a poll() a signal interrupts).  Either way iio_buffer_destroy()
 * disables the buffer again, which stops the driver's poller.  SIGPIPE is
 * ignored so that a closed pipe also ends in that cleanup.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kmpctl.h"

#define SCAN_COL	14	/* text columns: at least this wide */
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

/* A column's title: "energy (J)" (CSV: "energy_J"); its text width */
static int title(const struct kmpctl_chan *c, char *buf, size_t size, bool csv)
{
	int w;

	snprintf(buf, size, !*c->unit ? "%s" : csv ? "%s_%s" : "%s (%s)",
		 c->id, c->unit);
	w = out_width(buf);
	return w > SCAN_COL ? w : SCAN_COL;
}

/* The header line (@ts_ns < 0), or one scan */
static void scan_line(FILE *f, const struct watch *w, long long ts_ns)
{
	enum kmpctl_format fmt = w->opts->format;
	bool head = ts_ns < 0, csv = fmt == KMPCTL_FMT_CSV;
	char when[48] = "-", t[128];
	time_t sec = ts_ns / 1000000000;
	unsigned int i;
	struct tm tm;
	int cw;

	if (head && fmt == KMPCTL_FMT_JSON)
		return;
	if (!head && w->ts && gmtime_r(&sec, &tm))
		snprintf(when, sizeof(when), "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
			 tm.tm_min, tm.tm_sec, ts_ns % 1000000000);
	if (fmt == KMPCTL_FMT_JSON) {
		fputs("{\"device\": ", f);
		out_json_string(f, w->dev_id);
		fprintf(f, ", \"scan\": %lu", w->scans);
		if (w->ts)
			fprintf(f, ", \"timestamp_ns\": %lld, \"time\": \"%s\"",
				ts_ns, when);
		else
			fputs(", \"timestamp_ns\": null, \"time\": null", f);
		fputs(", \"values\": {", f);
	} else if (csv && head) {
		fputs("timestamp_ns,time", f);
	} else if (csv && w->ts) {
		fprintf(f, "%lld,%s", ts_ns, when);
	} else if (csv) {
		fputc(',', f);
	} else {
		out_pad(f, head ? "time" : when, SCAN_TIME_COL, 2);
	}
	for (i = 0; i < w->n; i++) {
		const char *v = w->set[i].value;

		cw = title(&w->set[i], t, sizeof(t), csv);
		if (fmt == KMPCTL_FMT_JSON) {
			fputs(i ? ", " : "", f);
			out_json_string(f, w->set[i].id);
			fprintf(f, ": %s", v);
		} else if (csv) {
			fputc(',', f);
			out_csv_field(f, head ? t : v);
		} else {
			out_pad(f, head ? t : v, i + 1 < w->n ? cw : 0,
				i + 1 < w->n ? 2 : 0);
		}
	}
	fputs(fmt == KMPCTL_FMT_JSON ? "}}\n" : "\n", f);
}

/*
 * One sample of @ch in the buffer: iio_channel_read() converts it (host
 * order, shifted, sign-extended or masked to its storage width)
 */
static int read_sample(struct iio_channel *ch, struct iio_buffer *buf,
		       long long *out)
{
	const struct iio_data_format *f = iio_channel_get_data_format(ch);
	unsigned int bytes = f ? f->length / 8 : 0;
	union { s8 b; s16 h; s32 w; s64 d; } v = { .d = 0 };

	if (!bytes || bytes > 8 || (bytes & (bytes - 1)) || f->repeat > 1)
		return -EINVAL;
	if (iio_channel_read(ch, buf, &v, bytes) < bytes)
		return -EIO;
	if (f->is_signed)
		*out = bytes == 1 ? v.b : bytes == 2 ? v.h : bytes == 4 ? v.w : v.d;
	else
		*out = bytes == 1 ? (u8)v.b : bytes == 2 ? (u16)v.h :
		       bytes == 4 ? (u32)v.w : v.d;
	return f->is_signed || *out >= 0 ? 0 : -ERANGE;
}

static void *watch_worker(void *arg)
{
	struct watch *w = arg;
	long long ts, v;
	struct fx raw;
	unsigned int i;
	ssize_t r;

	scan_line(stdout, w, -1);
	fflush(stdout);
	while (!w->err && !__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE) &&
	       (!w->opts->count || w->scans < w->opts->count)) {
		r = iio_buffer_refill(w->buf);
		if (__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE))
			break;
		if (r < 0 && r == -ETIMEDOUT)
			util_err("%s: no scan within %u s (is the meter answering? see dmesg)",
				 w->dev_id, w->timeout_s);
		else if (r < 0)
			util_err("%s: reading the buffer: %s", w->dev_id,
				 util_strerror(r));
		w->err = r < 0 ? r : 0;
		for (i = 0; i < w->n && !w->err; i++) {
			w->err = read_sample(w->set[i].ch, w->buf, &v);
			fx_from_int(v, &raw);
			w->err = w->err ?: kmpctl_chan_set(&w->set[i], &raw);
			if (w->err)
				util_err("%s: %s: cannot convert the sample: %s",
					 w->dev_id, w->set[i].id,
					 util_strerror(w->err));
		}
		if (w->err)
			break;
		if (!w->ts || read_sample(w->ts, w->buf, &ts))
			ts = 0;
		w->scans++;
		scan_line(stdout, w, ts);
		if (fflush(stdout) == EOF || ferror(stdout))
			w->err = -EPIPE;
	}
	pthread_kill(w->main_thread, SIGUSR1);
	return NULL;
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

/* -i: sampling_frequency = 1 / interval; then the wait for a scan */
static int set_timing(struct iio_context *ctx, struct iio_device *dev,
		      struct watch *w)
{
	unsigned int s = w->opts->interval;
	unsigned long uhz = s ? (1000000UL + s / 2) / s : 0;
	char v[64];
	ssize_t r = -ENOENT;
	double hz = 0;

	snprintf(v, sizeof(v), "%lu.%06lu", uhz / 1000000, uhz % 1000000);
	if (iio_device_find_attr(dev, "sampling_frequency"))
		r = s ? iio_device_attr_write(dev, "sampling_frequency", v) : 0;
	if (r < 0 && s) {
		util_err("%s: sampling_frequency: %s", w->dev_id,
			 util_strerror(r));
		return -1;
	}
	if (!r && iio_device_attr_read(dev, "sampling_frequency", v,
				       sizeof(v)) > 0)
		hz = strtod(v, NULL);
	/* twice the period, and 10 s for the meter */
	if (hz > 0 && 1 / hz < 10 * 86400) {
		w->timeout_s = (unsigned int)(2 / hz + 10.5);
		if (iio_context_set_timeout(ctx, w->timeout_s * 1000))
			w->timeout_s = 0;
	}
	return 0;
}

int kmpctl_cmd_watch(const struct kmpctl_opts *opts, int argc, char **argv)
{
	static struct kmpctl_chan set[KMPCTL_MAX_CHANS];
	static struct kmpctl_ctx c;
	struct watch w = { .opts = opts, .set = set };
	struct iio_device *dev;
	struct iio_channel *ch;
	struct sigaction sa;
	sigset_t sigs, old;
	pthread_t worker;
	unsigned int i;
	int ret, idx, sig;

	if ((idx = kmpctl_ctx_meter(opts->uri, opts->device, &c)) < 0)
		return -idx;
	dev = c.devs[idx].dev;
	w.dev_id = c.devs[idx].id;
	ret = kmpctl_chans_select(dev, w.dev_id, argc, argv, true, set);
	w.n = ret > 0 ? ret : 0;
	for (i = 0; i < w.n && ret > 0; i++)
		if (kmpctl_chan_prepare(&set[i], w.dev_id))
			ret = -KMPCTL_EXIT_FAIL;
	if (ret < 0 || set_timing(c.ctx, dev, &w)) {
		kmpctl_ctx_close(&c);
		return ret < 0 ? -ret : KMPCTL_EXIT_FAIL;
	}
	/* Only the channels asked for, and the timestamp, in the scans */
	for (i = 0; i < iio_device_get_channels_count(dev); i++) {
		ch = iio_device_get_channel(dev, i);
		if (!iio_channel_is_scan_element(ch))
			continue;
		iio_channel_disable(ch);
		if (!strcmp(iio_channel_get_id(ch), "timestamp") &&
		    !iio_channel_is_output(ch))
			w.ts = ch;
	}
	for (i = 0; i < w.n; i++)
		iio_channel_enable(set[i].ch);
	if (w.ts)
		iio_channel_enable(w.ts);

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

	w.main_thread = pthread_self();
	w.buf = create_buffer(dev, &ret);
	if (!w.buf)
		util_err("%s: cannot enable the buffer: %s%s", w.dev_id,
			 strerror(ret), kmpctl_errno_hint(ret));
	else if ((ret = pthread_create(&worker, NULL, watch_worker, &w)))
		util_err("cannot start a thread: %s", strerror(ret));
	if (!w.buf || ret) {
		if (w.buf)
			iio_buffer_destroy(w.buf);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		kmpctl_ctx_close(&c);
		return KMPCTL_EXIT_FAIL;
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
}
