// SPDX-License-Identifier: GPL-2.0-only
/*
 * kmpctl: KMP spoken directly on a serial port, for USB IR heads (which
 * the kernel driver cannot bind: usb-serial registers no serdev controller).
 *
 * The line is set raw, 8 data bits, no parity, 2 stop bits (8N2), receiver
 * on, modem lines ignored, and read with poll(): VMIN = VTIME = 0.
 *
 * One transaction: flush what the head received so far (a late reply, the
 * echo of the previous request), send the request, then feed what arrives
 * to the core's parser until a frame is complete or the attempt's deadline
 * passes.  The parser discards the optical echo and noise before the
 * reply's start byte.  The deadline is the wire time of the request (its
 * actual length) and of the longest reply at 11 bit times per byte, plus
 * the meter's turnaround budget.
 * A timeout or a bad frame (CRC, framing, a reply that does not answer the
 * request) is retried a bounded number of times.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "kmpctl.h"

struct tty_transport {
	struct kmpctl_transport t;	/* first: container_of by cast */
	const struct kmpctl_opts *opts;
	int fd;
};

static const struct {
	unsigned int baud;
	speed_t speed;
} tty_speeds[] = {
	{ 300, B300 }, { 600, B600 }, { 1200, B1200 }, { 2400, B2400 },
	{ 4800, B4800 }, { 9600, B9600 }, { 19200, B19200 },
	{ 38400, B38400 }, { 57600, B57600 }, { 115200, B115200 },
};

bool kmpctl_tty_baud_ok(unsigned int baud)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(tty_speeds); i++)
		if (tty_speeds[i].baud == baud)
			return true;
	return false;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int tty_setup(int fd, unsigned int baud)
{
	struct termios tio;
	unsigned int i;
	speed_t speed = 0;

	for (i = 0; i < ARRAY_SIZE(tty_speeds); i++)
		if (tty_speeds[i].baud == baud)
			speed = tty_speeds[i].speed;
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
	if (cfsetispeed(&tio, speed) || cfsetospeed(&tio, speed))
		return -errno;
	if (tcsetattr(fd, TCSANOW, &tio))
		return -errno;
	return 0;
}

static int tty_write_all(int fd, const u8 *buf, size_t len, long long deadline)
{
	size_t done = 0;

	while (done < len) {
		ssize_t w = write(fd, buf + done, len - done);

		if (w > 0) {
			done += w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno != EAGAIN)
			return -errno;

		struct pollfd p = { .fd = fd, .events = POLLOUT };
		long long left = deadline - now_ms();

		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&p, 1, left) < 0 && errno != EINTR)
			return -errno;
	}
	return 0;
}

/*
 * Per-attempt timeout: wire time of the request (@len bytes as sent) and of
 * the longest reply for @n registers, plus the turnaround
 */
static long long tty_attempt_ms(const struct tty_transport *tt, size_t len,
				unsigned int n)
{
	const struct kmpctl_opts *o = tt->opts;
	size_t bytes = len + kmp_reply_len_max(n);

	if (o->timeout_ms >= 0)
		return o->timeout_ms;
	return ((long long)bytes * 11 * 1000 + o->baud - 1) / o->baud +
	       o->turnaround_ms;
}

/*
 * One attempt: send @req, wait for a reply frame from our address with
 * @cid.  On success the frame is held by @rx.
 */
static int tty_attempt(struct tty_transport *tt, const u8 *req, size_t len,
		       u8 cid, long long timeout, struct kmp_rx *rx,
		       struct kmp_frame *frame)
{
	const struct kmpctl_opts *o = tt->opts;
	long long deadline, start = now_ms();
	int bad = 0, ret;

	deadline = start + timeout;
	kmp_rx_init(rx, KMP_START_REPLY);
	if (tcflush(tt->fd, TCIFLUSH) && errno != ENOTTY)
		return -errno;
	ret = tty_write_all(tt->fd, req, len, deadline);
	if (ret)
		return ret;

	for (;;) {
		struct pollfd p = { .fd = tt->fd, .events = POLLIN };
		long long left = deadline - now_ms();
		u8 buf[256];
		size_t off = 0, used;
		ssize_t r;

		if (left <= 0)
			return bad ? bad : -ETIMEDOUT;
		ret = poll(&p, 1, left);
		if (ret < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (!ret)
			continue;
		if (p.revents & (POLLERR | POLLNVAL))
			return -EIO;
		r = read(tt->fd, buf, sizeof(buf));
		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		if (!r) {
			if (p.revents & POLLHUP)
				return -EIO;
			continue;
		}
		while (off < (size_t)r) {
			ret = kmp_rx_feed(rx, buf + off, r - off, &used);
			off += used;
			if (ret == KMP_RX_NEED_MORE)
				break;
			if (ret < 0) {
				/*
				 * The parser dropped a broken frame and hunts
				 * again.  Another frame may still follow
				 * (noise that looked like a start byte); wait
				 * for one at most a turnaround longer.
				 */
				bad = ret == -EMSGSIZE ? -EBADMSG : ret;
				util_dbg("%s: dropped a bad frame: %s",
					       tt->t.name, util_strerror(ret));
				if (deadline > now_ms() + o->turnaround_ms)
					deadline = now_ms() + o->turnaround_ms;
				continue;
			}
			/* Complete */
			kmp_rx_frame(rx, frame);
			if (frame->addr != o->addr || frame->cid != cid) {
				util_dbg("%s: frame from 0x%02x CID 0x%02x is not the reply, ignored",
					       tt->t.name, frame->addr,
					       frame->cid);
				bad = -EBADMSG;
				kmp_rx_init(rx, KMP_START_REPLY);
				continue;
			}
			util_dbg("%s: reply after %lld ms (%u bytes discarded before it)",
				       tt->t.name, now_ms() - start,
				       rx->discarded);
			return 0;
		}
	}
}

/*
 * A transaction with retries.  @check validates the frame (decodes it);
 * a failing check counts as a bad frame when it returns -EBADMSG.
 */
typedef int (*tty_check_fn)(const struct kmp_frame *frame, void *ctx);

static int tty_transaction(struct tty_transport *tt, const u8 *req,
			   size_t len, u8 cid, unsigned int n,
			   tty_check_fn check, void *ctx, const char *what)
{
	const struct kmpctl_opts *o = tt->opts;
	long long timeout = tty_attempt_ms(tt, len, n);
	struct kmp_rx rx;
	struct kmp_frame frame;
	unsigned int attempt;
	int ret = -EIO;

	for (attempt = 0; attempt <= o->retries; attempt++) {
		ret = tty_attempt(tt, req, len, cid, timeout, &rx, &frame);
		if (!ret)
			ret = check(&frame, ctx);
		if (!ret)
			return 0;
		if (ret != -ETIMEDOUT && ret != -EBADMSG)
			return ret;
		if (attempt < o->retries)
			util_dbg("%s: %s: attempt %u of %u: %s, retrying",
				       tt->t.name, what, attempt + 1,
				       o->retries + 1, util_strerror(ret));
	}
	return ret;
}

struct tty_regs_ctx {
	const u16 *ids;
	unsigned int n;
	struct kmp_value vals[KMP_MAX_REGS];
};

static int tty_check_regs(const struct kmp_frame *frame, void *ctx)
{
	struct tty_regs_ctx *c = ctx;

	return kmp_decode_get_register(frame, c->ids, c->n, c->vals);
}

static int tty_read_registers(struct kmpctl_transport *t, const u16 *ids,
			      unsigned int n, struct kmpctl_result *res)
{
	struct tty_transport *tt = (struct tty_transport *)t;
	unsigned int done, i;

	for (done = 0; done < n; done += KMP_MAX_REGS) {
		struct tty_regs_ctx c = {
			.ids = ids + done,
			.n = n - done < KMP_MAX_REGS ? n - done : KMP_MAX_REGS,
		};
		u8 req[KMP_REQUEST_MAX];
		char what[32];
		int len, ret;

		len = kmp_build_get_register(req, sizeof(req), tt->opts->addr,
					     c.ids, c.n);
		if (len < 0)
			return len;
		snprintf(what, sizeof(what), "GetRegister of %u", c.n);
		ret = tty_transaction(tt, req, len, KMP_CID_GET_REGISTER, c.n,
				      tty_check_regs, &c, what);
		for (i = 0; i < c.n; i++) {
			struct kmpctl_result *r = &res[done + i];

			r->reg = c.ids[i];
			if (ret) {
				r->err = ret;
			} else if (!c.vals[i].present) {
				r->err = -ENODATA;
			} else {
				r->err = 0;
				r->val = c.vals[i];
			}
		}
	}
	return 0;
}

static int tty_check_type(const struct kmp_frame *frame, void *ctx)
{
	return kmp_decode_type(frame, ctx);
}

static int tty_check_serial(const struct kmp_frame *frame, void *ctx)
{
	return kmp_decode_serial(frame, ctx);
}

static int tty_info(struct kmpctl_transport *t, struct kmpctl_info *info)
{
	struct tty_transport *tt = (struct tty_transport *)t;
	u8 req[KMP_REQUEST_MAX];
	int len;

	/* GetType and GetSerialNo replies fit the budget of one register */
	len = kmp_build_get_type(req, sizeof(req), tt->opts->addr);
	if (len < 0)
		return len;
	info->type_err = tty_transaction(tt, req, len, KMP_CID_GET_TYPE, 1,
					 tty_check_type, &info->type,
					 "GetType");
	len = kmp_build_get_serial(req, sizeof(req), tt->opts->addr);
	if (len < 0)
		return len;
	info->serial_err = tty_transaction(tt, req, len, KMP_CID_GET_SERIAL,
					   1, tty_check_serial, &info->serial,
					   "GetSerialNo");
	return 0;
}

static void tty_close(struct kmpctl_transport *t)
{
	struct tty_transport *tt = (struct tty_transport *)t;

	close(tt->fd);
	free(tt);
}

struct kmpctl_transport *kmpctl_tty_open(const struct kmpctl_opts *opts,
					 int *err)
{
	struct tty_transport *tt;
	int fd, ret;

	fd = open(opts->tty, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		*err = -errno;
		return NULL;
	}
	if (!isatty(fd)) {
		close(fd);
		*err = -ENOTTY;
		return NULL;
	}
	ret = tty_setup(fd, opts->baud);
	if (ret) {
		close(fd);
		*err = ret;
		return NULL;
	}
	tt = calloc(1, sizeof(*tt));
	if (!tt) {
		close(fd);
		*err = -ENOMEM;
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
