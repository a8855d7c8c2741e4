// SPDX-License-Identifier: GPL-2.0-only
/*
 * kmpctl: read Kamstrup meters speaking KMP.
 *
 *   kmpctl [OPTIONS] decode HEX...            explain frames
 *   kmpctl --tty DEV [OPTIONS] read REG...    read registers over a serial port
 *   kmpctl --tty DEV [OPTIONS] info           meter type and serial number
 *
 * Register ids: hex (0x003c), decimal (60) or a name the core knows
 * ("heat-energy", "temperature_1").
 *
 * Exit status: 0 when every value asked for was read, 1 when one was not
 * (absent in the meter, timeout, bad frames) or a frame does not decode,
 * 2 for a bad command line.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "kmpctl.h"
#include "output.h"

#define KMPCTL_VERSION "0.1"

static const char usage_text[] =
"usage: kmpctl [OPTIONS] decode HEX...\n"
"       kmpctl --tty DEV [OPTIONS] read REG...\n"
"       kmpctl --tty DEV [OPTIONS] info\n"
"\n"
"Commands:\n"
"  decode HEX...   explain KMP frames given as hex bytes, separate or in one\n"
"                  string, with or without spaces, colons or 0x\n"
"                  (e.g. 80 3f 10 01 00 3c b2 5f 0d)\n"
"  read REG...     read registers (up to 8 per request, repeated ids once);\n"
"                  REG is hex (0x003c), decimal (60) or a register name\n"
"                  (heat-energy, power, temperature-1, ...)\n"
"  info            meter type, software revision and serial number\n"
"\n"
"Options:\n"
"  --tty DEV        speak KMP directly on serial port DEV (USB IR head)\n"
"  --baud N         line speed, default 1200 (8N2)\n"
"  --addr A         meter address, default 0x3f\n"
"  --timeout MS     time to wait for each reply, default: derived from the\n"
"                   baud rate and frame lengths plus the turnaround\n"
"  --turnaround MS  meter turnaround budget added to the wire time, default 300\n"
"  --retries N      retries after a timeout or a bad frame, default 2\n"
"  --json           JSON output\n"
"  --csv            CSV output\n"
"  -v, --verbose    report retries and dropped frames on stderr\n"
"  -h, --help       this help\n"
"  -V, --version    version\n"
"\n"
"Exit status: 0 every value was read, 1 a value could not be read or a frame\n"
"is bad, 2 usage error.\n";

void kmpctl_err(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs(KMPCTL_NAME ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void kmpctl_verbose(const struct kmpctl_opts *opts, const char *fmt, ...)
{
	va_list ap;

	if (!opts->verbose)
		return;
	fputs(KMPCTL_NAME ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

const char *kmpctl_strerror(int err)
{
	return strerror(err < 0 ? -err : err);
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs(KMPCTL_NAME ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'kmpctl --help'.\n", stderr);
	return KMPCTL_EXIT_USAGE;
}

/* Unsigned number, hex with 0x, else decimal; the whole string */
static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	int base = 10;
	char *end;
	unsigned long v;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, base);
	if (errno || *end)
		return -EINVAL;
	if (v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

/* "heat-energy" matches "heat energy" */
static bool name_matches(const char *arg, const char *name)
{
	for (; *arg && *name; arg++, name++) {
		char a = *arg == '-' || *arg == '_' ? ' ' : *arg;

		if (a != *name && !(a >= 'A' && a <= 'Z' && a + 32 == *name))
			return false;
	}
	return !*arg && !*name;
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
			const char *name = kmp_register_name(r);

			if (name && name_matches(s, name)) {
				*reg = r;
				return 0;
			}
		}
	}
	return ret;
}

static int cmd_read(const struct kmpctl_opts *opts, int argc, char **argv)
{
	static u16 ids[KMPCTL_MAX_IDS];
	static struct kmpctl_result res[KMPCTL_MAX_IDS];
	struct kmpctl_transport *t;
	unsigned int n = 0, i, j;
	int ret, status = KMPCTL_EXIT_OK;

	if (!argc)
		return usage_error("read: no register given");
	for (i = 0; i < (unsigned int)argc; i++) {
		u16 reg;

		ret = parse_register(argv[i], &reg);
		if (ret == -ERANGE)
			return usage_error("read: register '%s' is beyond 0xffff",
					   argv[i]);
		if (ret)
			return usage_error("read: '%s' is not a register id (hex 0x003c, decimal or a name)",
					   argv[i]);
		for (j = 0; j < n && ids[j] != reg; j++)
			;
		if (j < n)
			continue;	/* asked twice: read once */
		if (n == KMPCTL_MAX_IDS)
			return usage_error("read: more than %d registers",
					   KMPCTL_MAX_IDS);
		ids[n++] = reg;
	}
	if (!opts->tty)
		return usage_error("read: no meter given: use --tty DEV (reading through the kernel driver is not available in this build)");

	t = kmpctl_tty_open(opts, &ret);
	if (!t) {
		kmpctl_err("%s: %s", opts->tty, kmpctl_strerror(ret));
		return KMPCTL_EXIT_FAIL;
	}
	ret = t->read_registers(t, ids, n, res);
	if (ret) {
		kmpctl_err("%s: %s", t->name, kmpctl_strerror(ret));
		t->close(t);
		return KMPCTL_EXIT_FAIL;
	}
	output_registers(stdout, opts->format, res, n);
	fflush(stdout);
	for (i = 0; i < n; i++) {
		if (!res[i].err)
			continue;
		status = KMPCTL_EXIT_FAIL;
		if (res[i].err == -ENODATA)
			kmpctl_err("%s: register 0x%04x: no data (absent in meter)",
				   t->name, res[i].reg);
		else
			kmpctl_err("%s: register 0x%04x: %s", t->name,
				   res[i].reg, kmpctl_strerror(res[i].err));
	}
	t->close(t);
	return status;
}

static int cmd_info(const struct kmpctl_opts *opts, int argc, char **argv)
{
	struct kmpctl_transport *t;
	struct kmpctl_info info;
	int ret;

	(void)argv;
	if (argc)
		return usage_error("info: no arguments expected");
	if (!opts->tty)
		return usage_error("info: no meter given: use --tty DEV");
	t = kmpctl_tty_open(opts, &ret);
	if (!t) {
		kmpctl_err("%s: %s", opts->tty, kmpctl_strerror(ret));
		return KMPCTL_EXIT_FAIL;
	}
	memset(&info, 0, sizeof(info));
	ret = t->info(t, &info);
	if (ret) {
		kmpctl_err("%s: %s", t->name, kmpctl_strerror(ret));
		t->close(t);
		return KMPCTL_EXIT_FAIL;
	}
	output_info(stdout, opts->format, &info);
	fflush(stdout);
	if (info.type_err)
		kmpctl_err("%s: GetType: %s", t->name,
			   kmpctl_strerror(info.type_err));
	if (info.serial_err)
		kmpctl_err("%s: GetSerialNo: %s", t->name,
			   kmpctl_strerror(info.serial_err));
	t->close(t);
	return info.type_err || info.serial_err ? KMPCTL_EXIT_FAIL :
						  KMPCTL_EXIT_OK;
}

static const struct {
	const char *name;
	int (*fn)(const struct kmpctl_opts *opts, int argc, char **argv);
} commands[] = {
	{ "decode", kmpctl_cmd_decode },
	{ "read", cmd_read },
	{ "info", cmd_info },
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
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

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
	unsigned long v;
	unsigned int i;
	int c;

	opterr = 0;
	/* "+": options end at the command, so hex bytes are never options */
	while ((c = getopt_long(argc, argv, "+:vhV", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_TTY:
			opts.tty = optarg;
			break;
		case OPT_BAUD:
			if (parse_uint(optarg, 4000000, &v) ||
			    !kmpctl_tty_baud_ok(v))
				return usage_error("--baud: '%s' is not a standard speed (300, 600, 1200, 2400, ... 115200)", optarg);
			opts.baud = v;
			break;
		case OPT_ADDR:
			if (parse_uint(optarg, 0xff, &v))
				return usage_error("--addr: '%s' is not an address 0..0xff", optarg);
			opts.addr = v;
			break;
		case OPT_TIMEOUT:
			if (parse_uint(optarg, 600000, &v) || !v)
				return usage_error("--timeout: '%s' is not 1..600000 ms", optarg);
			opts.timeout_ms = v;
			break;
		case OPT_TURNAROUND:
			if (parse_uint(optarg, 600000, &v))
				return usage_error("--turnaround: '%s' is not 0..600000 ms", optarg);
			opts.turnaround_ms = v;
			break;
		case OPT_RETRIES:
			if (parse_uint(optarg, 100, &v))
				return usage_error("--retries: '%s' is not 0..100", optarg);
			opts.retries = v;
			break;
		case OPT_JSON:
			opts.format = KMPCTL_FMT_JSON;
			break;
		case OPT_CSV:
			opts.format = KMPCTL_FMT_CSV;
			break;
		case 'v':
			opts.verbose++;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return KMPCTL_EXIT_OK;
		case 'V':
			printf("kmpctl %s\n", KMPCTL_VERSION);
			return KMPCTL_EXIT_OK;
		case ':':
			return usage_error("option '%s' needs an argument", argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc) {
		fputs(usage_text, stderr);
		return KMPCTL_EXIT_USAGE;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (!strcmp(argv[optind], commands[i].name)) {
			int cargc = argc - optind - 1;
			char **cargv = argv + optind + 1;

			/* Allow output options after the command name */
			while (cargc && (!strcmp(cargv[0], "--json") ||
					 !strcmp(cargv[0], "--csv"))) {
				opts.format = cargv[0][2] == 'j' ?
					      KMPCTL_FMT_JSON : KMPCTL_FMT_CSV;
				cargc--;
				cargv++;
			}
			return commands[i].fn(&opts, cargc, cargv);
		}
	}
	return usage_error("unknown command '%s'", argv[optind]);
}
