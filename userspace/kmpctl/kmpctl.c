// SPDX-License-Identifier: GPL-2.0-only
/*
 * kmpctl: read Kamstrup meters speaking KMP.
 *
 * This file holds the options, the command table and main(); each command
 * is a cmd-*.c (kmpctl.h says who does what).  No test code: the tests
 * have their own programs.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "kmpctl.h"

#define KMPCTL_VERSION "0.2"

static const char usage_text[] =
"usage: kmpctl [OPTIONS] list | read [CHANNEL...] | reg REG... | info\n"
"       kmpctl [OPTIONS] watch [-i SECONDS] [-n COUNT] [CHANNEL...]\n"
"       kmpctl --tty DEV [OPTIONS] read REG... | info\n"
"Through the kamstrup-kmp driver: list the meters; read channels in SI\n"
"units (CHANNEL: energy, temp1, ... or a label); reg: any register (REG:\n"
"0x003c, 60 or heat-energy) through /dev/kmpN; info; watch the IIO buffer.\n"
"--tty DEV (a USB IR head): read registers, info (type, serial number).\n"
"Options (also after the command):\n"
"  -d, --device DEV  the meter: iio:deviceN, N, name, label or /dev/kmpN\n"
"  -u, --uri URI     libiio context: ip:HOST (iiod), local: (default)\n"
"  -i, --interval S  watch: sampling_frequency = 1/S (1..86400)\n"
"  -n, --count N     watch: stop after N scans\n"
"  --json, --csv     JSON (watch: JSON Lines) or CSV output\n"
"  --tty DEV         speak KMP on serial port DEV; with it: --baud N\n"
"                    (1200, 8N2), --addr A (0x3f), --timeout MS (from baud\n"
"                    and length), --turnaround MS (300), --retries N (2)\n"
"  -v, --verbose     retries and dropped frames on stderr\n"
"  -h, --help; -V, --version\n"
"IIOD_REMOTE=HOST in the environment makes the default context remote.\n"
"Exit status: 0 every value read, 1 a value not read, no meter or a bad\n"
"frame, 2 usage error.  See kmpctl(1).\n";

static const struct {
	const char *name;
	int (*fn)(const struct kmpctl_opts *opts, int argc, char **argv);
	bool tty;	/* --tty applies */
	bool iio;	/* -d/-u apply */
	bool watch;	/* -i/-n apply */
} commands[] = {
	{ "list", kmpctl_cmd_list, false, true, false },
	{ "read", kmpctl_cmd_read, true, true, false },
	{ "reg", kmpctl_cmd_reg, true, true, false },
	{ "info", kmpctl_cmd_info, true, true, false },
	{ "watch", kmpctl_cmd_watch, false, true, true },
};

enum {
	OPT_TTY = 0x100, OPT_BAUD, OPT_ADDR, OPT_TIMEOUT, OPT_TURNAROUND,
	OPT_RETRIES, OPT_JSON, OPT_CSV,
};

static const struct option long_opts[] = {
	{ "tty", required_argument, NULL, OPT_TTY },
	{ "baud", required_argument, NULL, OPT_BAUD },
	{ "addr", required_argument, NULL, OPT_ADDR },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "turnaround", required_argument, NULL, OPT_TURNAROUND },
	{ "retries", required_argument, NULL, OPT_RETRIES },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "csv", no_argument, NULL, OPT_CSV },
	{ "uri", required_argument, NULL, 'u' },
	{ "device", required_argument, NULL, 'd' },
	{ "interval", required_argument, NULL, 'i' },
	{ "count", required_argument, NULL, 'n' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* A number option in lo..hi; false after a usage message */
static bool num(const char *opt, unsigned long lo, unsigned long hi,
		const char *what, unsigned long *v)
{
	if (!util_parse_uint(optarg, hi, v) && *v >= lo)
		return true;
	util_usage("%s: '%s' is not %s", opt, optarg, what);
	return false;
}

/* One option: -1 when handled, else an exit status to return at once */
static int handle_opt(int c, char **argv, struct kmpctl_opts *o)
{
	unsigned long v;

	switch (c) {
	case OPT_TTY:
		o->line.tty = optarg;
		return -1;
	case OPT_BAUD:
		if (!num("--baud", 1, 4000000, "a speed", &v))
			return 2;
		if (!kmpctl_tty_baud_ok(v))
			return util_usage("--baud: '%s' is not a standard speed (300, 600, 1200, 2400, ... 115200)", optarg);
		o->line.baud = v;
		return -1;
	case OPT_ADDR:
		return num("--addr", 0, 0xff, "an address 0..0xff", &v) ?
		       (o->line.addr = v, -1) : 2;
	case OPT_TIMEOUT:
		return num("--timeout", 1, 600000, "1..600000 ms", &v) ?
		       (o->line.timeout_ms = v, -1) : 2;
	case OPT_TURNAROUND:
		return num("--turnaround", 0, 600000, "0..600000 ms", &v) ?
		       (o->line.turnaround_ms = v, -1) : 2;
	case OPT_RETRIES:
		return num("--retries", 0, 100, "0..100", &v) ?
		       (o->line.retries = v, -1) : 2;
	case OPT_JSON:
	case OPT_CSV:
		o->format = c == OPT_JSON ? KMPCTL_FMT_JSON : KMPCTL_FMT_CSV;
		return -1;
	case 'u':
	case 'd':
		if (!*optarg)
			return util_usage("-%c: empty", c);
		*(c == 'u' ? &o->uri : &o->device) = optarg;
		return -1;
	case 'i':
		return num("-i", 1, 86400, "1..86400 seconds (the driver reads at most once a second, at least once a day)", &v) ?
		       (o->interval = v, -1) : 2;
	case 'n':
		return num("-n", 1, ~0UL, "a count of 1 or more", &v) ?
		       (o->count = v, -1) : 2;
	case 'v':
		util_verbose++;
		return -1;
	case 'h':
		fputs(usage_text, stdout);
		return KMPCTL_EXIT_OK;
	case 'V':
		printf("kmpctl %s\n", KMPCTL_VERSION);
		return KMPCTL_EXIT_OK;
	case ':':
		return util_usage("option '%s' needs an argument",
				  argv[optind - 1]);
	default:
		return util_usage("unknown option '%s'", argv[optind - 1]);
	}
}

int main(int argc, char **argv)
{
	struct kmpctl_opts o = {
		.line = { .baud = 1200, .addr = KMP_ADDR_HEAT, .timeout_ms = -1,
			  .turnaround_ms = 300, .retries = 2 },
	};
	unsigned int i;
	int c, ret;

	opterr = 0;
	/* Options anywhere, before or after the command */
	while ((c = getopt_long(argc, argv, ":u:d:i:n:vhV", long_opts,
				NULL)) != -1)
		if ((ret = handle_opt(c, argv, &o)) >= 0)
			return ret;
	if (optind >= argc) {
		fputs(usage_text, stderr);
		return KMPCTL_EXIT_USAGE;
	}
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(argv[optind], commands[i].name))
			break;
	if (i == ARRAY_SIZE(commands))
		return util_usage("unknown command '%s'", argv[optind]);
	if (o.line.tty && !commands[i].tty)
		return util_usage("%s: --tty does not apply (it reads registers directly: read, reg, info)",
				  commands[i].name);
	if (o.line.tty && (o.uri || o.device))
		return util_usage("--tty and -u/-d exclude each other");
	if ((o.uri || o.device) && !commands[i].iio)
		return util_usage("%s: -u and -d do not apply", commands[i].name);
	if (o.uri && strcmp(o.uri, "local:") && commands[i].fn == kmpctl_cmd_reg)
		return util_usage("reg: the ioctl needs the local /dev/kmpN; -u is for channels (read, watch) and list, info");
	if ((o.interval || o.count) && !commands[i].watch)
		return util_usage("%s: -i and -n apply to watch only",
				  commands[i].name);
	return commands[i].fn(&o, argc - optind - 1, argv + optind + 1);
}
