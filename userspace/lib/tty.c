// SPDX-License-Identifier: GPL-2.0-only
/*
 * KMP spoken directly on a serial port, for USB IR heads (which
 * the kernel driver cannot bind: usb-serial registers no serdev controller).
 *
 * The line is raw 8N2, receiver on, modem lines ignored, read with poll().
 * One attempt: flush what the head received so far (a late reply, the echo
 * of the previous request), send the request, then feed what arrives to
 * the core's parser until a frame from the meter's address answers the
 * request or the deadline passes: the wire time of the request and of the
 * longest reply at 11 bit times per byte, plus the meter's turnaround.  The
 * parser discards the optical echo and noise before the reply's start
 * byte.  A timeout or a bad frame (CRC, framing, a frame that does not
 * answer the request) is retried a bounded number of times.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#include "tty.h"
#include "util.h"

struct tty_transport {
	struct kmpctl_transport t;	/* first: container_of by cast */
	const struct tty_line *opts;
	int fd;
};

/* What a transaction decodes its reply into */
struct tty_reply {
	const u16 *ids;		/* GetRegister: the ids asked for */
	unsigned int n;
	struct kmp_value vals[KMP_MAX_REGS];
	struct kmp_type *type;	/* GetType */
	u32 *serial;		/* GetSerialNo */
};

static speed_t tty_speed(unsigned int baud)
{
	static const struct {
		unsigned int baud;
		speed_t speed;
	} s[] = {
		{ 300, B300 }, { 600, B600 }, { 1200, B1200 }, { 2400, B2400 },
		{ 4800, B4800 }, { 9600, B9600 }, { 19200, B19200 },
		{ 38400, B38400 }, { 57600, B57600 }, { 115200, B115200 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(s); i++)
		if (s[i].baud == baud)
			return s[i].speed;
	return 0;
}

bool kmpctl_tty_baud_ok(unsigned int baud)
{
	return tty_speed(baud) != 0;
}

static int tty_setup(int fd, unsigned int baud)
{
	speed_t speed = tty_speed(baud);
	struct termios tio;

	if (!speed)
		return -EINVAL;
	if (tcgetattr(fd, &tio))
		return -errno;
	cfmakeraw(&tio);
	tio.c_cflag &= ~(CSIZE | PARENB | CRTSCTS);
	tio.c_cflag |= CS8 | CSTOPB | CLOCAL | CREAD;
	tio.c_iflag &= ~(IXON | IXOFF | IXANY);
	tio.c_cc[VMIN] = 0;
	tio.c_cc[VTIME] = 0;
	if (cfsetispeed(&tio, speed) || cfsetospeed(&tio, speed) ||
	    tcsetattr(fd, TCSANOW, &tio))
		return -errno;
	return 0;
}

/* poll() one event until @deadline: 1 ready, 0 timed out, or -errno */
static int tty_wait(int fd, short ev, long long deadline, short *revents)
{
	struct pollfd p = { .fd = fd, .events = ev };
	long long left;
	int r;

	do {
		left = deadline - util_now_ms();
		if (left <= 0)
			return 0;
		r = poll(&p, 1, left);
	} while (r < 0 && errno == EINTR);
	*revents = p.revents;
	return r < 0 ? -errno : r;
}

static int tty_send(int fd, const u8 *buf, size_t len, long long deadline)
{
	size_t done = 0;
	ssize_t w;
	short rev;
	int r;

	while (done < len) {
		w = write(fd, buf + done, len - done);
		if (w > 0) {
			done += w;
		} else if (w < 0 && errno != EINTR && errno != EAGAIN) {
			return -errno;
		} else if (w < 0 && errno == EAGAIN) {
			r = tty_wait(fd, POLLOUT, deadline, &rev);
			if (r <= 0)
				return r ?: -ETIMEDOUT;
		}
	}
	return 0;
}

/* The frame held by @rx answers the request: decode it into @rep */
static int tty_decode(const struct kmp_frame *f, struct tty_reply *rep)
{
	if (rep->type)
		return kmp_decode_type(f, rep->type);
	if (rep->serial)
		return kmp_decode_serial(f, rep->serial);
	return kmp_decode_get_register(f, rep->ids, rep->n, rep->vals);
}

/* One attempt: send @req, take the frame from our address with @cid */
static int tty_attempt(struct tty_transport *tt, const u8 *req, size_t len,
		       u8 cid, long long timeout, struct tty_reply *rep)
{
	const struct tty_line *o = tt->opts;
	long long start = util_now_ms(), deadline = start + timeout;
	struct kmp_frame frame;
	struct kmp_rx rx;
	int bad = 0, ret;
	short rev;

	kmp_rx_init(&rx, KMP_START_REPLY);
	if (tcflush(tt->fd, TCIFLUSH) && errno != ENOTTY)
		return -errno;
	ret = tty_send(tt->fd, req, len, deadline);
	while (!ret) {
		u8 buf[256];
		size_t off = 0, used;
		ssize_t r;

		ret = tty_wait(tt->fd, POLLIN, deadline, &rev);
		if (ret <= 0)
			return ret ?: bad ?: -ETIMEDOUT;
		if (rev & (POLLERR | POLLNVAL))
			return -EIO;
		r = read(tt->fd, buf, sizeof(buf));
		if (r < 0 && errno != EINTR && errno != EAGAIN)
			return -errno;
		if (!r && (rev & POLLHUP))
			return -EIO;
		while (r > 0 && off < (size_t)r) {
			ret = kmp_rx_feed(&rx, buf + off, r - off, &used);
			off += used;
			if (ret < 0) {
				/*
				 * The parser dropped a broken frame and hunts
				 * again; another frame (noise looked like a
				 * start byte) may follow within a turnaround
				 */
				bad = -EBADMSG;
				util_dbg("%s: dropped a bad frame: %s",
					 tt->t.name, util_strerror(ret));
				if (deadline > util_now_ms() + o->turnaround_ms)
					deadline = util_now_ms() + o->turnaround_ms;
			} else if (ret == KMP_RX_COMPLETE) {
				kmp_rx_frame(&rx, &frame);
				if (frame.addr == o->addr && frame.cid == cid) {
					util_dbg("%s: reply after %lld ms (%u bytes discarded before it)",
						 tt->t.name, util_now_ms() - start,
						 rx.discarded);
					return tty_decode(&frame, rep);
				}
				util_dbg("%s: frame from 0x%02x CID 0x%02x is not the reply, ignored",
					 tt->t.name, frame.addr, frame.cid);
				bad = -EBADMSG;
				kmp_rx_init(&rx, KMP_START_REPLY);
			}
		}
		ret = 0;
	}
	return ret;
}

/* A request of @len bytes, answered for @n registers, with retries */
static int tty_transaction(struct tty_transport *tt, const u8 *req, int len,
			   u8 cid, unsigned int n, struct tty_reply *rep,
			   const char *what)
{
	const struct tty_line *o = tt->opts;
	long long bytes = len + kmp_reply_len_max(n), timeout;
	unsigned int attempt;
	int ret = len;

	timeout = o->timeout_ms >= 0 ? o->timeout_ms :
		  (bytes * 11 * 1000 + o->baud - 1) / o->baud + o->turnaround_ms;
	for (attempt = 0; len >= 0 && attempt <= o->retries; attempt++) {
		ret = tty_attempt(tt, req, len, cid, timeout, rep);
		if (ret != -ETIMEDOUT && ret != -EBADMSG)
			return ret;
		if (attempt < o->retries)
			util_dbg("%s: %s: attempt %u of %u: %s, retrying",
				 tt->t.name, what, attempt + 1, o->retries + 1,
				 util_strerror(ret));
	}
	return ret;
}

static int tty_read_registers(struct kmpctl_transport *t, const u16 *ids,
			      unsigned int n, struct kmpctl_result *res)
{
	struct tty_transport *tt = (struct tty_transport *)t;
	unsigned int done, i;

	for (done = 0; done < n; done += KMP_MAX_REGS) {
		struct tty_reply rep = {
			.ids = ids + done,
			.n = n - done < KMP_MAX_REGS ? n - done : KMP_MAX_REGS,
		};
		u8 req[KMP_REQUEST_MAX];
		char what[32];
		int ret;

		snprintf(what, sizeof(what), "GetRegister of %u", rep.n);
		ret = tty_transaction(tt, req,
				      kmp_build_get_register(req, sizeof(req),
							     tt->opts->addr,
							     rep.ids, rep.n),
				      KMP_CID_GET_REGISTER, rep.n, &rep, what);
		for (i = 0; i < rep.n; i++) {
			struct kmpctl_result *r = &res[done + i];

			r->reg = rep.ids[i];
			r->err = ret ?: rep.vals[i].present ? 0 : -ENODATA;
			r->val = rep.vals[i];
		}
	}
	return 0;
}

static void tty_info(struct kmpctl_transport *t, struct kmpctl_info *info)
{
	struct tty_transport *tt = (struct tty_transport *)t;
	struct tty_reply type = { .type = &info->type };
	struct tty_reply serial = { .serial = &info->serial };
	u8 req[KMP_REQUEST_MAX];

	/* GetType and GetSerialNo replies fit the budget of one register */
	info->type_err = tty_transaction(tt, req,
		kmp_build_get_type(req, sizeof(req), tt->opts->addr),
		KMP_CID_GET_TYPE, 1, &type, "GetType");
	info->serial_err = tty_transaction(tt, req,
		kmp_build_get_serial(req, sizeof(req), tt->opts->addr),
		KMP_CID_GET_SERIAL, 1, &serial, "GetSerialNo");
}

static void tty_close(struct kmpctl_transport *t)
{
	struct tty_transport *tt = (struct tty_transport *)t;

	close(tt->fd);
	free(tt);
}

struct kmpctl_transport *kmpctl_tty_open(const struct tty_line *opts,
					 int *err)
{
	struct tty_transport *tt = NULL;
	int fd;

	fd = open(opts->tty, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	*err = fd < 0 ? -errno : !isatty(fd) ? -ENOTTY : tty_setup(fd, opts->baud);
	if (!*err) {
		tt = calloc(1, sizeof(*tt));
		*err = tt ? 0 : -ENOMEM;
	}
	if (*err) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	tt->t.name = opts->tty;
	tt->t.read_registers = tty_read_registers;
	tt->t.info = tty_info;
	tt->t.close = tty_close;
	tt->opts = opts;
	tt->fd = fd;
	return &tt->t;
}
