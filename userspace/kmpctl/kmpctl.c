// SPDX-License-Identifier: GPL-2.0-only
/*
 * kmpctl: read Kamstrup meters speaking KMP.
 *
 * Through the kernel driver (kamstrup-kmp):
 *   kmpctl [OPTIONS] list                     the meters of this machine
 *   kmpctl [OPTIONS] read [CHANNEL...]        channels through libiio, SI units
 *   kmpctl [OPTIONS] reg REG...               any register, through /dev/kmpN
 *   kmpctl [OPTIONS] info                     name, label, serial number
 *   kmpctl [OPTIONS] watch [CHANNEL...]       buffered capture, scan by scan
 * Directly on a serial port (USB IR heads, no driver):
 *   kmpctl --tty DEV [OPTIONS] read REG...    (reg REG... is the same)
 *   kmpctl --tty DEV [OPTIONS] info
 * Offline:
 *   kmpctl [OPTIONS] decode HEX...            explain frames
 *
 * Register ids: hex (0x003c), decimal (60) or a name the core knows
 * ("heat-energy", "temperature_1").
 *
 * Exit status: 0 when every value asked for was read, 1 when one was not
 * (absent in the meter, timeout, bad frames, no meter) or a frame does not
 * decode, 2 for a bad command line.
 *
 * This file holds the options, the command table and main(); each
 * command is a cmd-*.c.  No test code: the tests have their own programs.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "kmpctl.h"

#define KMPCTL_VERSION "0.2"

static const char usage_text[] =
"usage: kmpctl [OPTIONS] list\n"
"       kmpctl [OPTIONS] read [CHANNEL...]\n"
"       kmpctl [OPTIONS] reg REG...\n"
"       kmpctl [OPTIONS] info\n"
"       kmpctl [OPTIONS] watch [-i SECONDS] [-n COUNT] [CHANNEL...]\n"
"       kmpctl --tty DEV [OPTIONS] read REG...\n"
"       kmpctl --tty DEV [OPTIONS] info\n"
"       kmpctl [OPTIONS] decode HEX...\n"
"\n"
"Commands (meters bound to the kamstrup-kmp driver):\n"
"  list            the meters: IIO device, name (the model), label, serial\n"
"                  number and character device (/dev/kmpN)\n"
"  read [CHANNEL...]\n"
"                  channel values through libiio, (raw + offset) * scale in\n"
"                  SI units: J, W, °C, K, l, l/h, Pa; all channels by\n"
"                  default. CHANNEL is an IIO channel (energy, power, temp1,\n"
"                  temp2, temp1-temp2, volume, volumeflow; count68, count74\n"
"                  on kernels without volume channels) or its label\n"
"                  (\"heat energy\", temperature-1, flow)\n"
"  reg REG...      any registers through the driver's ioctl on /dev/kmpN\n"
"                  (8 per call, repeated ids once): status, the meter's unit\n"
"                  and the exact decimal value. REG is hex (0x003c), decimal\n"
"                  (60) or a register name (heat-energy, temperature-1, ...)\n"
"  info            IIO device, name, label, serial number, character device,\n"
"                  sampling frequency\n"
"  watch [CHANNEL...]\n"
"                  enable the IIO buffer and print each scan as the driver\n"
"                  reads the meter, with its timestamp, until Ctrl-C (or\n"
"                  COUNT scans); the buffer is disabled on the way out\n"
"  decode HEX...   explain KMP frames given as hex bytes, separate or in one\n"
"                  string, with or without spaces, colons or 0x\n"
"                  (e.g. 80 3f 10 01 00 3c b2 5f 0d)\n"
"\n"
"With --tty DEV (a USB IR head: KMP spoken directly, no driver):\n"
"  read REG...     read registers (up to 8 per request, repeated ids once);\n"
"                  reg REG... is the same\n"
"  info            meter type, software revision and serial number\n"
"\n"
"Options:\n"
"  -d, --device DEV  the meter: iio:deviceN, N, its name, its label or\n"
"                    /dev/kmpN; needed when there are several\n"
"  -u, --uri URI     libiio context for read, watch, list and info:\n"
"                    ip:HOST (iiod), local: (default)\n"
"  -i, --interval S  watch: read the meter every S seconds (1..86400): sets\n"
"                    the device's sampling_frequency to 1/S; default: as set\n"
"  -n, --count N     watch: stop after N scans\n"
"  --json            JSON output (watch: one JSON object per line)\n"
"  --csv             CSV output\n"
"  --tty DEV         speak KMP directly on serial port DEV (USB IR head)\n"
"  --baud N          --tty line speed, default 1200 (8N2)\n"
"  --addr A          --tty meter address, default 0x3f\n"
"  --timeout MS      --tty time to wait for each reply, default: derived from\n"
"                    the baud rate and frame lengths plus the turnaround\n"
"  --turnaround MS   --tty meter turnaround budget, default 300\n"
"  --retries N       --tty retries after a timeout or a bad frame, default 2\n"
"  -v, --verbose     report retries and dropped frames on stderr\n"
"  -h, --help        this help\n"
"  -V, --version     version\n"
"\n"
"Options may also follow the command (decode: only --json and --csv).\n"
"\n"
"Environment: IIOD_REMOTE=HOST makes the default libiio context a\n"
"network one.\n"
"\n"
"Exit status: 0 every value was read, 1 a value could not be read, no meter\n"
"or a bad frame, 2 usage error.\n";

#define usage_error util_usage
#define parse_uint util_parse_uint

const char *kmpctl_reg_name(u16 id)
{
	const struct kmp_register *r = kmp_register(id);

	return r ? r->name : NULL;
}

static int parse_register(const char *s, u16 *reg)
{
	unsigned long v;
	unsigned int r;
	int ret = parse_uint(s, 0xffff, &v);

	if (!ret) {
		*reg = v;
		return 0;
	}
	if (ret == -EINVAL && ((*s >= 'a' && *s <= 'z') ||
			       (*s >= 'A' && *s <= 'Z'))) {
		for (r = 0; r <= 0xffff; r++) {
			const char *name = kmpctl_reg_name(r);

			if (name && util_loose_eq(s, name, strlen(name))) {
				*reg = r;
				return 0;
			}
		}
	}
	return ret;
}

/* Register ids from the command line, each once; 0 or an exit status */
int kmpctl_parse_registers(const char *cmd, int argc, char **argv, u16 *ids,
			   unsigned int *np)
{
	unsigned int n = 0, i, j;
	int ret;

	if (!argc)
		return usage_error("%s: no register given", cmd);
	for (i = 0; i < (unsigned int)argc; i++) {
		u16 reg;

		ret = parse_register(argv[i], &reg);
		if (ret == -ERANGE)
			return usage_error("%s: register '%s' is beyond 0xffff",
					   cmd, argv[i]);
		if (ret)
			return usage_error("%s: '%s' is not a register id (hex 0x003c, decimal or a name)",
					   cmd, argv[i]);
		for (j = 0; j < n && ids[j] != reg; j++)
			;
		if (j < n)
			continue;	/* asked twice: read once */
		if (n == KMPCTL_MAX_IDS)
			return usage_error("%s: more than %d registers", cmd,
					   KMPCTL_MAX_IDS);
		ids[n++] = reg;
	}
	*np = n;
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(const struct kmpctl_opts *opts, int argc, char **argv);
	bool tty;	/* --tty applies */
	bool iio;	/* -d/-u apply */
	bool watch;	/* -i/-n apply */
} commands[] = {
	{ "decode", kmpctl_cmd_decode, false, false, false },
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

/*
 * One option.  Returns -1 when it was handled, else an exit status to
 * return at once (help, version, usage error).
 */
static int handle_opt(int c, char **argv, struct kmpctl_opts *opts)
{
	unsigned long v;

	switch (c) {
	case OPT_TTY:
		opts->tty = optarg;
		break;
	case OPT_BAUD:
		if (parse_uint(optarg, 4000000, &v) || !kmpctl_tty_baud_ok(v))
			return usage_error("--baud: '%s' is not a standard speed (300, 600, 1200, 2400, ... 115200)", optarg);
		opts->baud = v;
		break;
	case OPT_ADDR:
		if (parse_uint(optarg, 0xff, &v))
			return usage_error("--addr: '%s' is not an address 0..0xff", optarg);
		opts->addr = v;
		break;
	case OPT_TIMEOUT:
		if (parse_uint(optarg, 600000, &v) || !v)
			return usage_error("--timeout: '%s' is not 1..600000 ms", optarg);
		opts->timeout_ms = v;
		break;
	case OPT_TURNAROUND:
		if (parse_uint(optarg, 600000, &v))
			return usage_error("--turnaround: '%s' is not 0..600000 ms", optarg);
		opts->turnaround_ms = v;
		break;
	case OPT_RETRIES:
		if (parse_uint(optarg, 100, &v))
			return usage_error("--retries: '%s' is not 0..100", optarg);
		opts->retries = v;
		break;
	case OPT_JSON:
		opts->format = KMPCTL_FMT_JSON;
		break;
	case OPT_CSV:
		opts->format = KMPCTL_FMT_CSV;
		break;
	case 'u':
		if (!*optarg)
			return usage_error("-u: empty URI");
		opts->uri = optarg;
		break;
	case 'd':
		if (!*optarg)
			return usage_error("-d: empty device");
		opts->device = optarg;
		break;
	case 'i':
		if (parse_uint(optarg, 86400, &v) || !v)
			return usage_error("-i: '%s' is not 1..86400 seconds (the driver reads at most once a second, at least once a day)", optarg);
		opts->interval = v;
		break;
	case 'n':
		if (parse_uint(optarg, ~0UL, &v) || !v)
			return usage_error("-n: '%s' is not a count of 1 or more", optarg);
		opts->count = v;
		break;
	case 'v':
		util_verbose++;
		break;
	case 'h':
		fputs(usage_text, stdout);
		return KMPCTL_EXIT_OK;
	case 'V':
		printf("kmpctl %s\n", KMPCTL_VERSION);
		return KMPCTL_EXIT_OK;
	case ':':
		return usage_error("option '%s' needs an argument",
				   argv[optind - 1]);
	default:
		return usage_error("unknown option '%s'", argv[optind - 1]);
	}
	return -1;
}

#define SHORT_OPTS ":u:d:i:n:vhV"

int main(int argc, char **argv)
{
	struct kmpctl_opts opts = {
		.baud = 1200,
		.addr = KMP_ADDR_HEAT,
		.timeout_ms = -1,
		.turnaround_ms = 300,
		.retries = 2,
		.format = KMPCTL_FMT_TEXT,
	};
	unsigned int i;
	int c, ret;

	opterr = 0;
	/* "+": options end at the command, so hex bytes are never options */
	while ((c = getopt_long(argc, argv, "+" SHORT_OPTS, long_opts,
				NULL)) != -1) {
		ret = handle_opt(c, argv, &opts);
		if (ret >= 0)
			return ret;
	}
	if (optind >= argc) {
		fputs(usage_text, stderr);
		return KMPCTL_EXIT_USAGE;
	}
	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		int cargc = argc - optind;
		char **cargv = argv + optind;

		if (strcmp(argv[optind], commands[i].name))
			continue;

		if (commands[i].fn == kmpctl_cmd_decode) {
			/* Hex bytes are never options: only these two */
			cargc--;
			cargv++;
			while (cargc && (!strcmp(cargv[0], "--json") ||
					 !strcmp(cargv[0], "--csv"))) {
				opts.format = cargv[0][2] == 'j' ?
					      KMPCTL_FMT_JSON : KMPCTL_FMT_CSV;
				cargc--;
				cargv++;
			}
		} else {
			/* Options after the command, anywhere */
			optind = 0;
			while ((c = getopt_long(cargc, cargv, SHORT_OPTS,
						long_opts, NULL)) != -1) {
				ret = handle_opt(c, cargv, &opts);
				if (ret >= 0)
					return ret;
			}
			cargc -= optind;
			cargv += optind;
		}

		if (opts.tty && !commands[i].tty)
			return usage_error("%s: --tty does not apply (it reads registers directly: read, reg, info)",
					   commands[i].name);
		if (opts.tty && (opts.uri || opts.device))
			return usage_error("--tty and -u/-d exclude each other");
		if ((opts.uri || opts.device) && !commands[i].iio)
			return usage_error("%s: -u and -d do not apply",
					   commands[i].name);
		if (opts.uri && strcmp(opts.uri, "local:") &&
		    commands[i].fn == kmpctl_cmd_reg)
			return usage_error("reg: the ioctl needs the local /dev/kmpN; -u is for channels (read, watch) and list, info");
		if ((opts.interval || opts.count) && !commands[i].watch)
			return usage_error("%s: -i and -n apply to watch only",
					   commands[i].name);
		return commands[i].fn(&opts, cargc, cargv);
	}
	return usage_error("unknown command '%s'", argv[optind]);
}
