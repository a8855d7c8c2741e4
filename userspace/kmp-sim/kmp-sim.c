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
 * This file: the options, main(), the clock, logging and statistics;
 * transport.c: the line (pty, unix socket, tty; pacing, receiving);
 * faults.c: what happens to a reply on its way; meter.c and profile.c:
 * the meter, answering from its profile.
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


struct sim_opts opt = {
	.baud = 1200,
	.turnaround_ms = 40,
	.pace = true,
	.truncate = -1,
	.reply_addr = -1,
};

struct sim_stats st;
struct sim_profile profile;
volatile sig_atomic_t sig_exit, sig_usr1, sig_usr2;
sigset_t wait_mask;
bool want_exit;
unsigned long long rng_state;

/* ---------------------------------------------------------------- utils */

u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

void sleep_until(u64 t)
{
	struct timespec ts = {
		.tv_sec = t / NSEC_PER_SEC,
		.tv_nsec = t % NSEC_PER_SEC,
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* Wire time of @n bytes, exact to the nanosecond so that nothing drifts */
u64 wire_ns(u64 n)
{
	return n * BITS_PER_BYTE * NSEC_PER_SEC / opt.baud;
}

/* splitmix64: small, and the same sequence for the same --seed everywhere */
void vlog(const char *fmt, ...)
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

void vlog_hex(const char *what, const u8 *b, size_t n)
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

int stats_line(char *buf, size_t size)
{
	return snprintf(buf, size,
		"kmp-sim: requests=%llu replies=%llu get_register=%llu get_type=%llu get_serial=%llu other=%llu bytes_in=%llu bytes_out=%llu registers=%llu sent=%llu faults: silent=%llu crc=%llu echo=%llu noise=%llu truncated=%llu slow=%llu late=%llu\n",
		st.requests, st.replies, st.get_register, st.get_type,
		st.get_serial, st.other, st.bytes_in, st.bytes_out,
		st.registers, st.sent, st.f_silent, st.f_crc, st.f_echo, st.f_noise,
		st.f_truncated, st.f_slow, st.f_late);
}

void stats_print(void)
{
	char buf[512];

	stats_line(buf, sizeof(buf));
	fputs(buf, stderr);
	fflush(stderr);
}

/* Rewrites --stats FILE atomically: a reader sees the old or the new line */
void stats_write(void)
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

void count_other(const char *why)
{
	st.other++;
	vlog("ignored: %s (other=%llu)", why, st.other);
	stats_write();
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
"  --silent-rate P        ignore a request with probability P\n"
"  --wake-after N         ignore the first N requests (a sleeping meter)\n"
"  --crc-error-every N    corrupt the CRC of every Nth reply\n"
"  --crc-error-rate P     corrupt the CRC of a reply with probability P\n"
"  --seed S               random seed for the --*-rate faults and the\n"
"                         noise: the same requests meet the same faults\n"
"  --echo                 send every received byte straight back\n"
"  --noise-before N       N random bytes (never 0x40) before each reply\n"
"  --noise-inside N       N random bytes (never 0x40) inside each reply\n"
"  --truncate N           send only the first N bytes of each reply\n"
"  --truncate-rate P      with probability P send only a random part of a\n"
"                         reply (1 byte up to all but its stop byte)\n"
"  --slow MS              answer MS milliseconds later than usual\n"
"  --late-rate P          with probability P start a reply 600..900 ms\n"
"                         after the request instead of the turnaround: past\n"
"                         a reader's 400 ms budget, while it retries\n"
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
"  noise=N truncated=N slow=N late=N   (one line)\n"
"Exit status: 0 clean exit, 1 I/O error, 2 bad usage or profile.\n");
}

enum {
	OPT_PTY = 256, OPT_LISTEN, OPT_TTY, OPT_BAUD, OPT_TURNAROUND, OPT_NO_PACE,
	OPT_SILENT, OPT_WAKE_AFTER, OPT_CRC_EVERY, OPT_CRC_RATE, OPT_SEED, OPT_ECHO,
	OPT_NOISE_BEFORE, OPT_NOISE_INSIDE, OPT_TRUNCATE, OPT_SLOW, OPT_MISSING,
	OPT_MAX_REQUESTS, OPT_STATS, OPT_SWITCH_EXPONENT, OPT_REPLY_ADDR,
	OPT_SILENT_RATE, OPT_TRUNCATE_RATE, OPT_LATE_RATE,
};

/* In the order of the enum above: an option's name is long_opts[c - 256] */
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
	{ "max-requests", required_argument, NULL, OPT_MAX_REQUESTS },
	{ "stats", required_argument, NULL, OPT_STATS },
	{ "switch-exponent", no_argument, NULL, OPT_SWITCH_EXPONENT },
	{ "reply-addr", required_argument, NULL, OPT_REPLY_ADDR },
	{ "silent-rate", required_argument, NULL, OPT_SILENT_RATE },
	{ "truncate-rate", required_argument, NULL, OPT_TRUNCATE_RATE },
	{ "late-rate", required_argument, NULL, OPT_LATE_RATE },
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

/* Parses a probability 0..1; on error prints and returns -1 */
static int prob_arg(const char *name, const char *s, double *p)
{
	char *end;

	errno = 0;
	*p = strtod(s, &end);
	if (errno || end == s || *end || !(*p >= 0 && *p <= 1)) {
		bad_usage("--%s: '%s' is not a probability 0..1", name, s);
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
			if (prob_arg(name, optarg, &opt.crc_rate))
				return 2;
			break;
		case OPT_SILENT_RATE:
			if (prob_arg(name, optarg, &opt.silent_rate))
				return 2;
			break;
		case OPT_TRUNCATE_RATE:
			if (prob_arg(name, optarg, &opt.truncate_rate))
				return 2;
			break;
		case OPT_LATE_RATE:
			if (prob_arg(name, optarg, &opt.late_rate))
				return 2;
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

