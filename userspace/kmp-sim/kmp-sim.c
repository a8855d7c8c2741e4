// SPDX-License-Identifier: GPL-2.0-only
/*
 * kmp-sim: a simulated Kamstrup heat meter (MULTICAL) speaking the Kamstrup
 * Meter Protocol on a pty, a unix socket (QEMU chardev client) or a tty.
 *
 * It answers GetRegister, GetType and GetSerialNo addressed to it, from a
 * profile file (see profile.c), with the timing of a real meter on a
 * 1200 baud 8N2 line: every byte takes 11 bit times both ways, and the
 * reply starts a turnaround time after the request's stop byte.  Faults
 * (silence, CRC errors, echo, noise, truncation, slowness, missing
 * registers, a resolution that changes between replies) are switched on
 * from the command line.  All framing, CRC, stuffing and value coding is
 * done by the protocol core, kmp.c, and its meter side, kmp-meter.c.
 *
 * Copyright (C) 2026 The kamstrup-kmp authors
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "kmp-sim.h"

#define NSEC_PER_SEC	1000000000ULL
#define NSEC_PER_MSEC	1000000ULL
#define BITS_PER_BYTE	11	/* start, 8 data, 2 stop */
#define NOISE_MAX	4096
#define MISSING_MAX	64
/* Stray bytes outside a frame are counted once the line is idle this long */
#define GARBAGE_IDLE_MS	100
/* A request whose bytes stop coming for this long is dropped (and counted) */
#define FRAME_IDLE_MS	500

enum transport { T_NONE, T_PTY, T_LISTEN, T_TTY };

static struct {
	enum transport transport;
	const char *path;		/* --listen PATH or --tty DEV */
	const char *profile_path;
	const char *stats_path;
	unsigned long baud;
	unsigned long turnaround_ms;
	bool turnaround_set;
	bool pace;
	bool silent;
	unsigned long wake_after;
	unsigned long crc_every;
	double crc_rate;
	unsigned long long seed;
	bool seed_set;
	bool echo;
	unsigned long noise_before;
	unsigned long noise_inside;
	long truncate;			/* -1: off */
	unsigned long slow_ms;
	u16 missing[MISSING_MAX];
	unsigned int nmissing;
	bool switch_exponent;
	int reply_addr;			/* -1: the profile's address */
	unsigned long max_requests;	/* 0: no limit */
	int verbose;
} opt = {
	.baud = 1200,
	.turnaround_ms = 40,
	.pace = true,
	.truncate = -1,
	.reply_addr = -1,
};

static struct {
	unsigned long long requests, replies, get_register, get_type,
		get_serial, other, bytes_in, bytes_out, registers, sent;
	unsigned long long f_silent, f_crc, f_echo, f_noise, f_truncated,
		f_slow;
} st;

static struct sim_profile profile;
static volatile sig_atomic_t sig_exit, sig_usr1, sig_usr2;
static sigset_t wait_mask;	/* the mask ppoll() waits with */
static bool want_exit;
static unsigned long long rng_state;
static unsigned long ignored_asleep;

/* Line state of the current connection */
static struct {
	int fd;
	bool line_paces;	/* a real tty: the UART paces the bytes */
	u64 rx_end;		/* when the last received byte had arrived */
	u64 tx_end;		/* when the last sent byte will have arrived */
	struct kmp_rx rx;
	u32 seen_discarded;
	bool garbage;		/* stray bytes not counted yet */
	bool broken;		/* a frame was dropped: stray bytes up to the
				 * next start byte are its rest, not counted
				 * again */
	bool gone;		/* the client went away */
} line;

/* ---------------------------------------------------------------- utils */

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static void sleep_until(u64 t)
{
	struct timespec ts = {
		.tv_sec = t / NSEC_PER_SEC,
		.tv_nsec = t % NSEC_PER_SEC,
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* Wire time of @n bytes, exact to the nanosecond so that nothing drifts */
static u64 wire_ns(u64 n)
{
	return n * BITS_PER_BYTE * NSEC_PER_SEC / opt.baud;
}

/* splitmix64: small, and the same sequence for the same --seed everywhere */
static u64 rng(void)
{
	u64 z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static u8 rng_byte_not(u8 avoid)
{
	u8 b;

	do
		b = rng() >> 56;
	while (b == avoid);
	return b;
}

static void vlog(const char *fmt, ...)
{
	va_list ap;

	if (!opt.verbose)
		return;
	fputs("kmp-sim: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void vlog_hex(const char *what, const u8 *b, size_t n)
{
	size_t i;

	if (!opt.verbose)
		return;
	fprintf(stderr, "kmp-sim: %s", what);
	for (i = 0; i < n; i++)
		fprintf(stderr, " %02x", b[i]);
	fputc('\n', stderr);
}

/* ---------------------------------------------------------------- stats */

static int stats_line(char *buf, size_t size)
{
	return snprintf(buf, size,
		"kmp-sim: requests=%llu replies=%llu get_register=%llu get_type=%llu get_serial=%llu other=%llu bytes_in=%llu bytes_out=%llu registers=%llu sent=%llu faults: silent=%llu crc=%llu echo=%llu noise=%llu truncated=%llu slow=%llu\n",
		st.requests, st.replies, st.get_register, st.get_type,
		st.get_serial, st.other, st.bytes_in, st.bytes_out,
		st.registers, st.sent, st.f_silent, st.f_crc, st.f_echo, st.f_noise,
		st.f_truncated, st.f_slow);
}

static void stats_print(void)
{
	char buf[512];

	stats_line(buf, sizeof(buf));
	fputs(buf, stderr);
	fflush(stderr);
}

/* Rewrites --stats FILE atomically: a reader sees the old or the new line */
static void stats_write(void)
{
	char buf[512], tmp[4096];
	int fd, len;

	if (!opt.stats_path)
		return;
	len = stats_line(buf, sizeof(buf));
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", opt.stats_path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "kmp-sim: %s: %s\n", tmp, strerror(errno));
		return;
	}
	if (write(fd, buf, len) != len) {
		fprintf(stderr, "kmp-sim: %s: %s\n", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return;
	}
	close(fd);
	if (rename(tmp, opt.stats_path)) {
		fprintf(stderr, "kmp-sim: %s: %s\n", opt.stats_path,
			strerror(errno));
		unlink(tmp);
	}
}

static void count_other(const char *why)
{
	st.other++;
	vlog("ignored: %s (other=%llu)", why, st.other);
	stats_write();
}

/* ---------------------------------------------------------------- output */

/*
 * Writes @n bytes; the descriptor is non-blocking so that a pty nobody
 * reads cannot hang the meter: after a second without room the rest is
 * dropped.  Return: the number of bytes written; line.gone is set if the
 * client went away.
 */
static size_t out_write(const u8 *b, size_t n)
{
	size_t done = 0;
	ssize_t w;

	while (done < n && !line.gone) {
		w = write(line.fd, b + done, n - done);
		if (w > 0) {
			done += w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			struct pollfd p = { .fd = line.fd, .events = POLLOUT };

			if (poll(&p, 1, 1000) > 0)
				continue;
			vlog("output stalled, %zu bytes dropped", n - done);
			break;
		}
		vlog("write: %s", w < 0 ? strerror(errno) : "nothing written");
		line.gone = true;
	}
	st.bytes_out += done;
	return done;
}

/*
 * Sends @n bytes starting at @start, one byte per 11 bit times.  A byte is
 * handed over when it would have been received in full; on a real tty the
 * UART takes its own wire time, so it is handed over when it starts.
 */
static void out_paced(const u8 *b, size_t n, u64 start)
{
	size_t i;

	if (!opt.pace) {
		if (start > now_ns())
			sleep_until(start);
		out_write(b, n);
		line.tx_end = now_ns();
		return;
	}
	for (i = 0; i < n && !line.gone; i++) {
		sleep_until(start + wire_ns(i + (line.line_paces ? 0 : 1)));
		out_write(&b[i], 1);
	}
	line.tx_end = start + wire_ns(n);
}

/* ---------------------------------------------------------------- faults */

static bool is_special(u8 b)
{
	return b == KMP_START_REQUEST || b == KMP_START_REPLY ||
	       b == KMP_STOP || b == KMP_ACK || b == KMP_ESCAPE;
}

/* Whether a reply parser of the core finds a good frame in @b */
static bool parses_as_frame(const u8 *b, size_t n)
{
	struct kmp_rx rx;
	size_t off = 0, c;

	kmp_rx_init(&rx, KMP_START_REPLY);
	while (off < n) {
		if (kmp_rx_feed(&rx, b + off, n - off, &c) == KMP_RX_COMPLETE)
			return true;
		off += c;
	}
	return false;
}

/*
 * Flips bit 0 of the low CRC byte of the framed reply @f (ending in the
 * stop byte), keeping the stuffing valid; @f has room for one more byte.
 * Return: the new length.
 */
static size_t corrupt_crc(u8 *f, size_t len)
{
	u8 b;

	if (f[len - 3] == KMP_ESCAPE) {
		/* "1b ~c" -> c ^ 1, which is never a special byte */
		f[len - 3] = (f[len - 2] ^ 0xff) ^ 1;
		f[len - 2] = KMP_STOP;
		return len - 1;
	}
	b = f[len - 2] ^ 1;
	if (is_special(b)) {
		f[len - 2] = KMP_ESCAPE;
		f[len - 1] = b ^ 0xff;
		f[len] = KMP_STOP;
		return len + 1;
	}
	f[len - 2] = b;
	return len;
}

/* ---------------------------------------------------------------- meter */

static bool is_missing(u16 reg)
{
	unsigned int i;

	for (i = 0; i < opt.nmissing; i++)
		if (opt.missing[i] == reg)
			return true;
	return false;
}

/*
 * The same value with one more digit: mantissa * 10, exponent - 1
 * (9876543 * 10^-2 becomes 98765430 * 10^-3), as a meter that changes its
 * resolution sends it; unchanged where that does not fit.
 */
static void one_more_digit(struct kmp_value *v)
{
	int e = kmp_value_exponent(v) - 1;

	if (v->mantissa > UINT64_MAX / 10 || e < -KMP_SIEX_EXPONENT)
		return;
	v->mantissa *= 10;
	v->siex = (v->siex & KMP_SIEX_NEG_MANTISSA) |
		  (e < 0 ? KMP_SIEX_NEG_EXPONENT | -e : e);
	while (v->len < KMP_MAX_MANTISSA && v->mantissa >> (8 * v->len))
		v->len++;
}

/* Builds, damages as asked and sends the reply to the request of @f */
static void reply(const struct kmp_frame *f, const u16 *regs,
		  unsigned int nregs, u64 rx_end)
{
	u8 frame[KMP_RX_MAX * 2 + 8 + NOISE_MAX], wire[sizeof(frame) + NOISE_MAX];
	struct kmp_value vals[KMP_MAX_REGS];
	unsigned int i, n = 0;
	size_t len, wlen = 0;
	bool noisy = false;
	static unsigned long long switched;
	u64 start, sent;
	u8 addr = opt.reply_addr >= 0 ? opt.reply_addr : profile.addr;
	int ret;

	switch (f->cid) {
	case KMP_CID_GET_REGISTER:
		for (i = 0; i < nregs; i++) {
			const struct sim_reg *r = sim_profile_find(&profile, regs[i]);

			if (r && !is_missing(regs[i]))
				vals[n++] = r->v;
		}
		/* Every other GetRegister reply one digit finer */
		if (opt.switch_exponent && switched++ % 2)
			for (i = 0; i < n; i++)
				one_more_digit(&vals[i]);
		ret = kmp_build_reply_registers(frame, sizeof(frame),
						addr, vals, n);
		break;
	case KMP_CID_GET_TYPE:
		ret = kmp_build_reply_type(frame, sizeof(frame), addr,
					   &profile.type);
		break;
	default:
		ret = kmp_build_reply_serial(frame, sizeof(frame),
					     addr, profile.serial);
		break;
	}
	if (ret < 0) {
		/* The profile was checked when loaded: cannot happen */
		fprintf(stderr, "kmp-sim: building the reply failed: %s\n",
			strerror(-ret));
		return;
	}
	len = ret;
	st.replies++;
	st.registers += n;

	if ((opt.crc_every && st.replies % opt.crc_every == 0) |
	    (opt.crc_rate > 0 && (rng() >> 11) * 0x1.0p-53 < opt.crc_rate)) {
		len = corrupt_crc(frame, len);
		if (parses_as_frame(frame, len))
			fprintf(stderr, "kmp-sim: BUG: corrupted CRC still checks\n");
		st.f_crc++;
		vlog("fault: CRC corrupted");
	}
	if (opt.noise_inside) {
		u8 copy[sizeof(frame)];
		size_t at = len / 2, k, tries;

		/*
		 * Random bytes in the middle; drawn again in the (2^-16) case
		 * that they happen to make a frame with a good CRC.
		 */
		memcpy(copy, frame, len);
		for (tries = 0; tries < 100; tries++) {
			memcpy(frame, copy, at);
			for (k = 0; k < opt.noise_inside; k++)
				frame[at + k] = rng_byte_not(KMP_START_REPLY);
			memcpy(frame + at + opt.noise_inside, copy + at, len - at);
			if (!parses_as_frame(frame, len + opt.noise_inside))
				break;
		}
		len += opt.noise_inside;
		noisy = true;
	}
	if (opt.truncate >= 0 && (size_t)opt.truncate < len) {
		len = opt.truncate;
		st.f_truncated++;
		vlog("fault: truncated to %zu bytes", len);
	}
	for (i = 0; i < opt.noise_before; i++)
		wire[wlen++] = rng_byte_not(KMP_START_REPLY);
	if (opt.noise_before)
		noisy = true;
	if (noisy) {
		st.f_noise++;
		vlog("fault: noise, %lu bytes before, %lu inside",
		     opt.noise_before, opt.noise_inside);
	}
	memcpy(wire + wlen, frame, len);
	wlen += len;

	if (opt.pace) {
		start = rx_end > line.tx_end ? rx_end : line.tx_end;
	} else {
		start = now_ns();
	}
	start += opt.turnaround_ms * NSEC_PER_MSEC;
	if (opt.slow_ms) {
		start += opt.slow_ms * NSEC_PER_MSEC;
		st.f_slow++;
	}

	/* Counted before sending, so that a reader of --stats who has the
	 * whole reply also sees it counted */
	st.bytes_out += wlen;
	stats_write();
	st.bytes_out -= wlen;

	vlog_hex("out", wire, wlen);
	sent = st.bytes_out;
	out_paced(wire, wlen, start);
	/* sent: replies whose last byte is out (a test may wait for it) */
	if (st.bytes_out - sent == wlen)
		st.sent++;
	stats_write();
}

/* A complete frame with a good CRC: answer it, or count it as other */
static void handle_frame(u64 rx_end)
{
	u16 regs[KMP_MAX_REGS];
	unsigned int n = 0, i;
	struct kmp_frame f;
	char desc[128];
	int pos;

	if (kmp_rx_frame(&line.rx, &f))
		return;
	if (f.addr != profile.addr) {
		snprintf(desc, sizeof(desc), "frame to address 0x%02x, CID 0x%02x",
			 f.addr, f.cid);
		count_other(desc);
		return;
	}
	switch (f.cid) {
	case KMP_CID_GET_REGISTER:
		if (kmp_decode_request(&f, regs, &n)) {
			count_other("malformed GetRegister request");
			return;
		}
		st.get_register++;
		pos = snprintf(desc, sizeof(desc), "GetRegister");
		for (i = 0; i < n; i++)
			pos += snprintf(desc + pos, sizeof(desc) - pos, " 0x%04x",
					regs[i]);
		break;
	case KMP_CID_GET_TYPE:
	case KMP_CID_GET_SERIAL:
		if (f.len) {
			count_other("GetType/GetSerialNo with data");
			return;
		}
		if (f.cid == KMP_CID_GET_TYPE) {
			st.get_type++;
			snprintf(desc, sizeof(desc), "GetType");
		} else {
			st.get_serial++;
			snprintf(desc, sizeof(desc), "GetSerialNo");
		}
		break;
	default:
		snprintf(desc, sizeof(desc), "CID 0x%02x (%zu data bytes)",
			 f.cid, f.len);
		count_other(desc);
		return;
	}
	st.requests++;
	vlog("request %llu: %s", st.requests, desc);

	if (opt.silent) {
		st.f_silent++;
		vlog("fault: silent");
		stats_write();
	} else if (ignored_asleep < opt.wake_after) {
		ignored_asleep++;
		st.f_silent++;
		vlog("fault: asleep (%lu of %lu requests ignored)",
		     ignored_asleep, opt.wake_after);
		stats_write();
	} else {
		reply(&f, regs, n, rx_end);
	}
	if (opt.max_requests && st.requests >= opt.max_requests)
		want_exit = true;
}

/*
 * Stray bytes outside a frame count as one "other" per run, unless they
 * follow a frame already counted as broken.  A run ends at a start byte.
 */
static void check_garbage(int ret, u8 last)
{
	bool ended = ret != KMP_RX_NEED_MORE || line.rx.state != KMP_RX_HUNT;

	if (line.rx.discarded > line.seen_discarded) {
		if (!line.broken)
			line.garbage = true;
		line.seen_discarded = line.rx.discarded;
	}
	if (ended)
		line.broken = false;
	if (line.garbage && ended) {
		line.garbage = false;
		count_other("stray bytes outside a frame");
	}
	/* A frame broken before its stop byte leaves its rest on the line */
	if (ret < 0 && last != KMP_STOP)
		line.broken = true;
}

static void flush_garbage(void)
{
	if (line.garbage) {
		line.garbage = false;
		count_other("stray bytes outside a frame");
	}
}

static bool in_frame(void)
{
	return line.rx.state == KMP_RX_BODY || line.rx.state == KMP_RX_ESCAPED;
}

/* Drops a request cut off by silence or by the client going away */
static void flush_frame(void)
{
	if (in_frame()) {
		count_other("request cut off");
		kmp_rx_init(&line.rx, KMP_START_REQUEST);
		line.seen_discarded = 0;
		line.broken = true;
	}
}

/* Feeds bytes read at @t to the request parser */
static void receive(const u8 *b, size_t n, u64 t)
{
	size_t off = 0, c;
	u64 base;
	int ret;

	/* The bytes arrive back to back, from @t or after the previous ones */
	base = !opt.pace || line.line_paces || t > line.rx_end ? t : line.rx_end;

	while (off < n && !want_exit) {
		ret = kmp_rx_feed(&line.rx, b + off, n - off, &c);
		off += c;
		check_garbage(ret, off ? b[off - 1] : 0);
		if (ret == -EBADMSG) {
			count_other("bad frame (CRC, framing or too short)");
		} else if (ret == -EMSGSIZE) {
			count_other("frame too long");
		} else if (ret == KMP_RX_COMPLETE) {
			u64 end = opt.pace && !line.line_paces ?
				  base + wire_ns(off) : t;

			handle_frame(end);
			kmp_rx_init(&line.rx, KMP_START_REQUEST);
			line.seen_discarded = 0;
		}
	}
	line.rx_end = opt.pace && !line.line_paces ? base + wire_ns(n) : t;
}

/* ---------------------------------------------------------------- serving */

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		sig_usr1 = 1;
	else if (sig == SIGUSR2)
		sig_usr2 = 1;
	else
		sig_exit = 1;
}

static void check_signals(void)
{
	if (sig_usr1) {
		sig_usr1 = 0;
		stats_print();
	}
	if (sig_usr2) {
		sig_usr2 = 0;
		opt.silent = !opt.silent;
		vlog("SIGUSR2: %s", opt.silent ? "silent" : "answering");
	}
	if (sig_exit)
		want_exit = true;
}

/* Waits for @fd to be readable, handling signals.  Return: >0 readable,
 * 0 timeout, <0 exit requested. */
static int wait_readable(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct timespec ts, *tsp = NULL;
	int ret;

	for (;;) {
		check_signals();
		if (want_exit)
			return -1;
		if (timeout_ms >= 0) {
			ts.tv_sec = timeout_ms / 1000;
			ts.tv_nsec = (timeout_ms % 1000) * NSEC_PER_MSEC;
			tsp = &ts;
		}
		ret = ppoll(&p, 1, tsp, &wait_mask);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret < 0) {
			fprintf(stderr, "kmp-sim: poll: %s\n", strerror(errno));
			want_exit = true;
			return -1;
		}
		return ret;
	}
}

/* Serves one client on @fd until it goes away or the simulator exits */
static void serve(int fd, bool line_paces)
{
	u8 buf[512];
	ssize_t n;
	int ret;

	memset(&line, 0, sizeof(line));
	line.fd = fd;
	line.line_paces = line_paces;
	kmp_rx_init(&line.rx, KMP_START_REQUEST);

	while (!want_exit && !line.gone) {
		ret = wait_readable(fd, line.garbage ? GARBAGE_IDLE_MS :
					in_frame() ? FRAME_IDLE_MS : -1);
		if (ret < 0)
			break;
		if (ret == 0) {
			flush_garbage();
			flush_frame();
			continue;
		}
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			if (n < 0 && errno != ECONNRESET && errno != EIO)
				fprintf(stderr, "kmp-sim: read: %s\n",
					strerror(errno));
			line.gone = true;
			break;
		}
		st.bytes_in += n;
		vlog_hex("in ", buf, n);
		if (opt.echo) {
			st.f_echo += out_write(buf, n);
		}
		receive(buf, n, now_ns());
	}
	/* A request cut off by the client going away is malformed too */
	if (line.gone)
		flush_frame();
	flush_garbage();
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static int run_pty(void)
{
	struct termios tio;
	int master, slave;
	char *name;

	master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0 || grantpt(master) || unlockpt(master) ||
	    !(name = ptsname(master))) {
		fprintf(stderr, "kmp-sim: pty: %s\n", strerror(errno));
		return 1;
	}
	/* Held open so that the pty does not hang up between clients */
	slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0 || tcgetattr(slave, &tio)) {
		fprintf(stderr, "kmp-sim: %s: %s\n", name, strerror(errno));
		return 1;
	}
	cfmakeraw(&tio);
	cfsetispeed(&tio, B1200);
	cfsetospeed(&tio, B1200);
	tio.c_cflag |= CSTOPB | CLOCAL | CREAD;
	if (tcsetattr(slave, TCSANOW, &tio)) {
		fprintf(stderr, "kmp-sim: %s: %s\n", name, strerror(errno));
		return 1;
	}
	set_nonblock(master);
	printf("PTY %s\n", name);
	fflush(stdout);
	while (!want_exit) {
		serve(master, false);
		if (line.gone && !want_exit) {
			/* Should not happen with the slave held open */
			struct timespec ts = { 0, 100 * NSEC_PER_MSEC };

			nanosleep(&ts, NULL);
		}
	}
	close(slave);
	close(master);
	return 0;
}

static speed_t baud_to_speed(unsigned long baud)
{
	switch (baud) {
	case 300: return B300;
	case 600: return B600;
	case 1200: return B1200;
	case 2400: return B2400;
	case 4800: return B4800;
	case 9600: return B9600;
	case 19200: return B19200;
	case 38400: return B38400;
	case 57600: return B57600;
	case 115200: return B115200;
	default: return 0;
	}
}

static int run_tty(void)
{
	struct termios tio;
	int fd;

	fd = open(opt.path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || tcgetattr(fd, &tio)) {
		fprintf(stderr, "kmp-sim: %s: %s\n", opt.path, strerror(errno));
		return 1;
	}
	cfmakeraw(&tio);
	cfsetispeed(&tio, baud_to_speed(opt.baud));
	cfsetospeed(&tio, baud_to_speed(opt.baud));
	tio.c_cflag &= ~(CSIZE | PARENB | CRTSCTS);
	tio.c_cflag |= CS8 | CSTOPB | CLOCAL | CREAD;
	tio.c_cc[VMIN] = 1;
	tio.c_cc[VTIME] = 0;
	if (tcsetattr(fd, TCSANOW, &tio)) {
		fprintf(stderr, "kmp-sim: %s: %s\n", opt.path, strerror(errno));
		return 1;
	}
	tcflush(fd, TCIOFLUSH);
	serve(fd, true);
	close(fd);
	if (!want_exit) {
		fprintf(stderr, "kmp-sim: %s: hung up\n", opt.path);
		return 1;
	}
	return 0;
}

static int run_listen(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat sb;
	int ls, fd, ret = 0;

	if (strlen(opt.path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "kmp-sim: %s: path too long\n", opt.path);
		return 2;
	}
	strcpy(sa.sun_path, opt.path);
	if (!lstat(opt.path, &sb)) {
		if (!S_ISSOCK(sb.st_mode)) {
			fprintf(stderr, "kmp-sim: %s: exists and is not a socket\n",
				opt.path);
			return 1;
		}
		unlink(opt.path);
	}
	ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(ls, 4)) {
		fprintf(stderr, "kmp-sim: %s: %s\n", opt.path, strerror(errno));
		return 1;
	}
	vlog("listening on %s", opt.path);
	while (!want_exit) {
		if (wait_readable(ls, -1) <= 0)
			continue;
		fd = accept4(ls, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0) {
			if (errno == EINTR || errno == EAGAIN ||
			    errno == ECONNABORTED)
				continue;
			fprintf(stderr, "kmp-sim: accept: %s\n", strerror(errno));
			ret = 1;
			break;
		}
		vlog("client connected");
		serve(fd, false);
		close(fd);
		vlog("client gone");
	}
	close(ls);
	unlink(opt.path);
	return ret;
}

/* ---------------------------------------------------------------- main */

static void usage(FILE *f)
{
	fprintf(f,
"Usage: kmp-sim (--pty | --listen PATH | --tty DEV) [OPTION]... [PROFILE]\n"
"A simulated Kamstrup heat meter answering KMP GetRegister, GetType and\n"
"GetSerialNo from the register PROFILE file (default: a built-in MULTICAL\n"
"403, multical403.profile), with real 8N2 line timing.\n"
"\n"
"Transport (exactly one):\n"
"  --pty                  a new pseudo-terminal; prints 'PTY /dev/pts/N'\n"
"  --listen PATH          a unix stream socket; one client at a time\n"
"                         (e.g. QEMU -chardev socket,path=PATH)\n"
"  --tty DEV              a serial device, raw 8N2 at --baud\n"
"Timing:\n"
"  --baud N               line speed for pacing (default 1200); a byte\n"
"                         takes 11 bit times both ways\n"
"  --turnaround MS        meter turnaround after a request (default 40;\n"
"                         0 with --no-pace)\n"
"  --no-pace              no byte pacing: replies at once, in one write\n"
"Faults (combinable):\n"
"  --silent               never answer\n"
"  --wake-after N         ignore the first N requests (a sleeping meter)\n"
"  --crc-error-every N    corrupt the CRC of every Nth reply\n"
"  --crc-error-rate P     corrupt the CRC of a reply with probability P\n"
"  --seed S               random seed for faults (deterministic runs)\n"
"  --echo                 send every received byte straight back\n"
"  --noise-before N       N random bytes (never 0x40) before each reply\n"
"  --noise-inside N       N random bytes (never 0x40) inside each reply\n"
"  --truncate N           send only the first N bytes of each reply\n"
"  --slow MS              answer MS milliseconds later than usual\n"
"  --missing REG          act as if the profile lacked REG (repeatable)\n"
"  --reply-addr A         replies come from address A, not the profile's\n"
"  --switch-exponent      every other GetRegister reply sends each value\n"
"                         with one more digit, mantissa * 10 and exponent\n"
"                         - 1 (9876543e-2 then 98765430e-3): a meter that\n"
"                         changes resolution\n"
"Other:\n"
"  --max-requests N       exit after N requests were handled\n"
"  --stats FILE           rewrite the statistics line in FILE after every\n"
"                         request (atomically)\n"
"  -v, --verbose          log requests and replies in hex to stderr\n"
"  -h, --help             this help\n"
"\n"
"On exit (SIGINT, SIGTERM, --max-requests) and on SIGUSR1 the statistics\n"
"line is printed to stderr; SIGUSR2 turns --silent on and off:\n"
"  kmp-sim: requests=N replies=N get_register=N get_type=N get_serial=N\n"
"  other=N bytes_in=N bytes_out=N registers=N sent=N faults: silent=N\n"
"  crc=N echo=N\n"
"  noise=N truncated=N slow=N   (one line)\n"
"Exit status: 0 clean exit, 1 I/O error, 2 bad usage or profile.\n");
}

enum {
	OPT_PTY = 256, OPT_LISTEN, OPT_TTY, OPT_BAUD, OPT_TURNAROUND, OPT_NO_PACE,
	OPT_SILENT, OPT_WAKE_AFTER, OPT_CRC_EVERY, OPT_CRC_RATE, OPT_SEED, OPT_ECHO,
	OPT_NOISE_BEFORE, OPT_NOISE_INSIDE, OPT_TRUNCATE, OPT_SLOW, OPT_MISSING,
	OPT_MAX_REQUESTS, OPT_STATS, OPT_SWITCH_EXPONENT, OPT_REPLY_ADDR,
};

static const struct option long_opts[] = {
	{ "pty", no_argument, NULL, OPT_PTY },
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "tty", required_argument, NULL, OPT_TTY },
	{ "baud", required_argument, NULL, OPT_BAUD },
	{ "turnaround", required_argument, NULL, OPT_TURNAROUND },
	{ "no-pace", no_argument, NULL, OPT_NO_PACE },
	{ "silent", no_argument, NULL, OPT_SILENT },
	{ "wake-after", required_argument, NULL, OPT_WAKE_AFTER },
	{ "crc-error-every", required_argument, NULL, OPT_CRC_EVERY },
	{ "crc-error-rate", required_argument, NULL, OPT_CRC_RATE },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "echo", no_argument, NULL, OPT_ECHO },
	{ "noise-before", required_argument, NULL, OPT_NOISE_BEFORE },
	{ "noise-inside", required_argument, NULL, OPT_NOISE_INSIDE },
	{ "truncate", required_argument, NULL, OPT_TRUNCATE },
	{ "slow", required_argument, NULL, OPT_SLOW },
	{ "missing", required_argument, NULL, OPT_MISSING },
	{ "switch-exponent", no_argument, NULL, OPT_SWITCH_EXPONENT },
	{ "reply-addr", required_argument, NULL, OPT_REPLY_ADDR },
	{ "max-requests", required_argument, NULL, OPT_MAX_REQUESTS },
	{ "stats", required_argument, NULL, OPT_STATS },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int bad_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("kmp-sim: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'kmp-sim --help'.\n", stderr);
	return 2;
}

/* Parses a number option; on error prints and returns -1 */
static int num_arg(const char *name, const char *s, unsigned long long min,
		   unsigned long long max, unsigned long long *v)
{
	if (sim_parse_uint(s, max, v) || *v < min) {
		bad_usage("--%s: '%s' is not a number in %llu..%llu", name, s,
			  min, max);
		return -1;
	}
	return 0;
}

static int set_transport(enum transport t, const char *path)
{
	if (opt.transport != T_NONE) {
		bad_usage("only one of --pty, --listen, --tty");
		return -1;
	}
	opt.transport = t;
	opt.path = path;
	return 0;
}

static int parse_args(int argc, char **argv)
{
	unsigned long long v;
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "vh", long_opts, NULL)) != -1) {
		const char *name = c >= 256 ? long_opts[c - 256].name : "";

		switch (c) {
		case OPT_PTY:
			if (set_transport(T_PTY, NULL))
				return 2;
			break;
		case OPT_LISTEN:
			if (set_transport(T_LISTEN, optarg))
				return 2;
			break;
		case OPT_TTY:
			if (set_transport(T_TTY, optarg))
				return 2;
			break;
		case OPT_BAUD:
			if (num_arg(name, optarg, 50, 4000000, &v))
				return 2;
			opt.baud = v;
			break;
		case OPT_TURNAROUND:
			if (num_arg(name, optarg, 0, 600000, &v))
				return 2;
			opt.turnaround_ms = v;
			opt.turnaround_set = true;
			break;
		case OPT_NO_PACE:
			opt.pace = false;
			break;
		case OPT_SILENT:
			opt.silent = true;
			break;
		case OPT_WAKE_AFTER:
			if (num_arg(name, optarg, 0, 1000000000, &v))
				return 2;
			opt.wake_after = v;
			break;
		case OPT_CRC_EVERY:
			if (num_arg(name, optarg, 1, 1000000000, &v))
				return 2;
			opt.crc_every = v;
			break;
		case OPT_CRC_RATE:
			errno = 0;
			opt.crc_rate = strtod(optarg, &end);
			if (errno || end == optarg || *end ||
			    !(opt.crc_rate >= 0 && opt.crc_rate <= 1))
				return bad_usage("--%s: '%s' is not a probability 0..1",
						 name, optarg);
			break;
		case OPT_SEED:
			if (num_arg(name, optarg, 0, ~0ULL, &v))
				return 2;
			opt.seed = v;
			opt.seed_set = true;
			break;
		case OPT_ECHO:
			opt.echo = true;
			break;
		case OPT_NOISE_BEFORE:
			if (num_arg(name, optarg, 0, NOISE_MAX, &v))
				return 2;
			opt.noise_before = v;
			break;
		case OPT_NOISE_INSIDE:
			if (num_arg(name, optarg, 0, NOISE_MAX, &v))
				return 2;
			opt.noise_inside = v;
			break;
		case OPT_TRUNCATE:
			if (num_arg(name, optarg, 0, 100000, &v))
				return 2;
			opt.truncate = v;
			break;
		case OPT_SLOW:
			if (num_arg(name, optarg, 0, 600000, &v))
				return 2;
			opt.slow_ms = v;
			break;
		case OPT_MISSING:
			if (num_arg(name, optarg, 0, 0xffff, &v))
				return 2;
			if (opt.nmissing == MISSING_MAX)
				return bad_usage("--missing: at most %d registers",
						 MISSING_MAX);
			opt.missing[opt.nmissing++] = v;
			break;
		case OPT_SWITCH_EXPONENT:
			opt.switch_exponent = true;
			break;
		case OPT_REPLY_ADDR:
			if (num_arg(name, optarg, 0, 0xff, &v))
				return 2;
			opt.reply_addr = v;
			break;
		case OPT_MAX_REQUESTS:
			if (num_arg(name, optarg, 1, ~0ULL, &v))
				return 2;
			opt.max_requests = v;
			break;
		case OPT_STATS:
			opt.stats_path = optarg;
			break;
		case 'v':
			opt.verbose++;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			fputs("Try 'kmp-sim --help'.\n", stderr);
			return 2;
		}
	}
	if (opt.transport == T_NONE)
		return bad_usage("one of --pty, --listen PATH, --tty DEV is needed");
	if (optind < argc - 1)
		return bad_usage("only one PROFILE");
	/* none: the built-in MULTICAL 403 */
	opt.profile_path = optind < argc ? argv[optind] : NULL;
	if (opt.transport == T_TTY && !baud_to_speed(opt.baud))
		return bad_usage("--baud %lu is not a standard tty speed",
				 opt.baud);
	if (!opt.pace && !opt.turnaround_set)
		opt.turnaround_ms = 0;
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block;
	int ret;

	ret = parse_args(argc, argv);
	if (ret)
		return ret;
	if (sim_profile_load(opt.profile_path, &profile))
		return 2;
	rng_state = opt.seed_set ? opt.seed : (u64)now_ns() ^ (u64)getpid() << 32;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGUSR2);
	/* Signals are taken only while waiting, never mid-reply */
	sigprocmask(SIG_BLOCK, &block, &wait_mask);
	sigdelset(&wait_mask, SIGINT);
	sigdelset(&wait_mask, SIGTERM);
	sigdelset(&wait_mask, SIGUSR1);
	sigdelset(&wait_mask, SIGUSR2);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);

	vlog("profile %s: address 0x%02x, %zu registers",
	     opt.profile_path ? opt.profile_path : "(built-in)",
	     profile.addr, profile.nregs);
	stats_write();

	switch (opt.transport) {
	case T_PTY:
		ret = run_pty();
		break;
	case T_LISTEN:
		ret = run_listen();
		break;
	default:
		ret = run_tty();
		break;
	}
	stats_write();
	stats_print();
	sim_profile_free(&profile);
	return ret;
}
