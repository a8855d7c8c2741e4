// SPDX-License-Identifier: GPL-2.0-only
/*
 * kmp-sim: the line.  Bytes out paced at the configured baud (11 bit times
 * each); bytes in fed to the core's request parser with their arrival
 * times; the transports: a pty, a unix socket (a QEMU chardev client) or a
 * tty, one client at a time.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
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

/* Stray bytes outside a frame are counted once the line is idle this long */
#define GARBAGE_IDLE_MS	100
/* A request whose bytes stop coming for this long is dropped (and counted) */
#define FRAME_IDLE_MS	500

struct sim_line line;


/*
 * Writes @n bytes; the descriptor is non-blocking so that a pty nobody
 * reads cannot hang the meter: after a second without room the rest is
 * dropped.  Return: the number of bytes written; line.gone is set if the
 * client went away.
 */
size_t out_write(const u8 *b, size_t n)
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
void out_paced(const u8 *b, size_t n, u64 start)
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

void on_signal(int sig)
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

int run_pty(void)
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

speed_t baud_to_speed(unsigned long baud)
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

int run_tty(void)
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

int run_listen(void)
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

