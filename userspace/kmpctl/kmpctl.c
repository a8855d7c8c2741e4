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
 * Not in --help (test helpers): `kmpctl --selftest-json FILE` and
 * `--selftest-json-lines FILE` check that FILE is strict JSON.  (The
 * ioctl's test is a test program: tests/tools/kmp-ioctl-test.c.)
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "kmpctl.h"
#include "output.h"

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
"Environment: KMPCTL_LIBIIO the libiio to load (default libiio.so.0);\n"
"IIOD_REMOTE=HOST makes the default libiio context a network one.\n"
"\n"
"Exit status: 0 every value was read, 1 a value could not be read, no meter\n"
"or a bad frame, 2 usage error.\n";

/* "kmpctl: " and the message, on stderr after what stdout holds */
static void kmpctl_vmsg(const char *fmt, va_list ap)
{
	fflush(stdout);
	fputs(KMPCTL_NAME ": ", stderr);
	vfprintf(stderr, fmt, ap);
}

void kmpctl_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kmpctl_vmsg(fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void kmpctl_verbose(const struct kmpctl_opts *opts, const char *fmt, ...)
{
	va_list ap;

	if (!opts->verbose)
		return;
	va_start(ap, fmt);
	kmpctl_vmsg(fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

const char *kmpctl_strerror(int err)
{
	return strerror(err < 0 ? -err : err);
}

int kmpctl_usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kmpctl_vmsg(fmt, ap);
	va_end(ap);
	fputs("\nTry 'kmpctl --help'.\n", stderr);
	return KMPCTL_EXIT_USAGE;
}

#define usage_error kmpctl_usage_error

/* Unsigned number, hex with 0x, else decimal; the whole string */
int kmpctl_parse_uint(const char *s, unsigned long max, unsigned long *out)
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
	if (errno == ERANGE)
		return -ERANGE;
	if (errno || *end)
		return -EINVAL;
	if (v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

#define parse_uint kmpctl_parse_uint

/* "heat-energy" matches "heat energy" */
bool kmpctl_name_matches(const char *arg, const char *name)
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
			const char *name = kmpctl_reg_name(r);

			if (name && kmpctl_name_matches(s, name)) {
				*reg = r;
				return 0;
			}
		}
	}
	return ret;
}

/* Register ids from the command line, each once; 0 or an exit status */
static int parse_register_args(const char *cmd, int argc, char **argv,
			       u16 *ids, unsigned int *np)
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

/* Devices and attributes: sysfs here, libiio for a remote context */
static int open_devsrc(const struct kmpctl_opts *opts,
		       struct kmpctl_devsrc **src)
{
	int ret;

	if (opts->uri && strcmp(opts->uri, "local:"))
		return kmpctl_iio_devsrc_open(opts, src);
	ret = kmpctl_sysfs_open(src);
	if (ret) {
		kmpctl_err("%s: %s", KMPCTL_SYSFS_IIO, kmpctl_strerror(ret));
		return -KMPCTL_EXIT_FAIL;
	}
	return 0;
}

/* The /dev/kmpN of the meter -d names (or of the only meter) */
static int chardev_path(const struct kmpctl_opts *opts, char *path,
			size_t size)
{
	struct kmpctl_devsrc *src;
	int idx, ret;

	if (opts->device && opts->device[0] == '/') {
		snprintf(path, size, "%s", opts->device);
		return 0;
	}
	ret = open_devsrc(opts, &src);
	if (ret)
		return -ret;
	idx = kmpctl_select_device(src->devs, src->n, opts->device,
				   src->name);
	if (idx < 0) {
		src->close(src);
		return -idx;
	}
	if (!*src->devs[idx].misc) {
		kmpctl_err("%s: no character device (misc/kmpN) under it: not a kamstrup-kmp meter?",
			   src->devs[idx].id);
		src->close(src);
		return KMPCTL_EXIT_FAIL;
	}
	snprintf(path, size, "/dev/%s", src->devs[idx].misc);
	src->close(src);
	return 0;
}

/* Registers through --tty or /dev/kmpN */
static int cmd_registers(const struct kmpctl_opts *opts, const char *cmd,
			 int argc, char **argv)
{
	static u16 ids[KMPCTL_MAX_IDS];
	static struct kmpctl_result res[KMPCTL_MAX_IDS];
	struct kmpctl_transport *t;
	char path[128];
	unsigned int n = 0, i;
	int ret, status = KMPCTL_EXIT_OK;

	ret = parse_register_args(cmd, argc, argv, ids, &n);
	if (ret)
		return ret;
	if (opts->tty) {
		t = kmpctl_tty_open(opts, &ret);
		if (!t) {
			kmpctl_err("%s: %s", opts->tty, kmpctl_strerror(ret));
			return KMPCTL_EXIT_FAIL;
		}
	} else {
		ret = chardev_path(opts, path, sizeof(path));
		if (ret)
			return ret;
		t = kmpctl_chardev_open(path, &ret);
		if (!t) {
			kmpctl_err("%s: %s", path, kmpctl_strerror(ret));
			return KMPCTL_EXIT_FAIL;
		}
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

static int cmd_reg(const struct kmpctl_opts *opts, int argc, char **argv)
{
	return cmd_registers(opts, "reg", argc, argv);
}

static int cmd_read(const struct kmpctl_opts *opts, int argc, char **argv)
{
	unsigned long v;
	int i;

	if (opts->tty)
		return cmd_registers(opts, "read", argc, argv);
	for (i = 0; i < argc; i++)
		if (parse_uint(argv[i], ~0UL, &v) != -EINVAL)
			return usage_error("read: '%s' is a register id, not a channel: use 'kmpctl reg %s' (or --tty DEV read)",
					   argv[i], argv[i]);
	return kmpctl_cmd_read_channels(opts, argc, argv);
}

static int cmd_tty_info(const struct kmpctl_opts *opts)
{
	struct kmpctl_transport *t;
	struct kmpctl_info info;
	int ret;

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

/* A JSON number as RFC 8259 writes it: -?(0|[1-9][0-9]*)(.[0-9]+)? */
static bool json_number(const char *s)
{
	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		while (*s >= '0' && *s <= '9')
			s++;
	else
		return false;
	if (*s == '.') {
		if (!(*++s >= '0' && *s <= '9'))
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return !*s;
}

static const char *attr_hint(int err)
{
	return err == -ETIMEDOUT ?
	       " (the meter did not answer: press its button to wake the optical port)" :
	       "";
}

/*
 * A device attribute into @f.  Absent attributes are "-" and no error when
 * @optional.  Returns 0 or 1 (an error, reported).
 */
static int read_field(struct kmpctl_devsrc *src, unsigned int i,
		      const char *attr, bool optional, struct output_field *f)
{
	int ret = src->attr_read(src, i, attr, f->val, sizeof(f->val));

	if (ret == -ENOENT && optional) {
		*f->val = 0;
		return 0;
	}
	if (ret) {
		f->err = ret;
		kmpctl_err("%s: %s: %s%s", src->devs[i].id, attr,
			   kmpctl_strerror(ret), attr_hint(ret));
		return 1;
	}
	f->number = json_number(f->val);
	return 0;
}

static void set_field(struct output_field *f, const char *key,
		      const char *title, const char *val)
{
	memset(f, 0, sizeof(*f));
	f->key = key;
	f->title = title;
	snprintf(f->val, sizeof(f->val), "%s", val);
}

static int cmd_info(const struct kmpctl_opts *opts, int argc, char **argv)
{
	struct output_field fl[6];
	struct kmpctl_devsrc *src;
	const struct kmpctl_dev *d;
	char chardev[64] = "";
	int idx, ret, errors = 0;

	(void)argv;
	if (argc)
		return usage_error("info: no arguments expected");
	if (opts->tty)
		return cmd_tty_info(opts);

	ret = open_devsrc(opts, &src);
	if (ret)
		return -ret;
	idx = kmpctl_select_device(src->devs, src->n, opts->device,
				   src->name);
	if (idx < 0) {
		src->close(src);
		return -idx;
	}
	d = &src->devs[idx];
	if (*d->misc)
		snprintf(chardev, sizeof(chardev), "/dev/%s", d->misc);
	/*
	 * The driver logs the meter's type and revision at probe; it keeps
	 * no attribute for them (kmpctl --tty DEV info asks the meter)
	 */
	set_field(&fl[0], "device", "IIO device", d->id);
	set_field(&fl[1], "name", "name", d->name);
	set_field(&fl[2], "label", "label", d->label);
	fl[2].nullable = true;
	set_field(&fl[3], "serial", "serial number", "");
	errors += read_field(src, idx, "serialnumber", false, &fl[3]);
	set_field(&fl[4], "chardev", "char device", chardev);
	fl[4].nullable = true;
	set_field(&fl[5], "sampling_frequency", "sampling freq. (Hz)", "");
	errors += read_field(src, idx, "sampling_frequency", true, &fl[5]);
	output_fields(stdout, opts->format, fl, ARRAY_SIZE(fl));
	fflush(stdout);
	src->close(src);
	return errors ? KMPCTL_EXIT_FAIL : KMPCTL_EXIT_OK;
}

static int cmd_list(const struct kmpctl_opts *opts, int argc, char **argv)
{
	static struct output_field rows[KMPCTL_MAX_DEVS][5];
	struct kmpctl_devsrc *src;
	unsigned int i, n = 0;
	int ret, only = -1, errors = 0;

	(void)argv;
	if (argc)
		return usage_error("list: no arguments expected");
	ret = open_devsrc(opts, &src);
	if (ret)
		return -ret;
	if (opts->device) {
		only = kmpctl_select_device(src->devs, src->n, opts->device,
					    src->name);
		if (only < 0) {
			src->close(src);
			return -only;
		}
	}
	for (i = 0; i < src->n; i++) {
		const struct kmpctl_dev *d = &src->devs[i];
		struct output_field *r = rows[n];
		char chardev[64] = "";

		if (only >= 0 ? (int)i != only : !d->meter)
			continue;
		if (*d->misc)
			snprintf(chardev, sizeof(chardev), "/dev/%s", d->misc);
		set_field(&r[0], "device", "DEVICE", d->id);
		set_field(&r[1], "name", "NAME", d->name);
		set_field(&r[2], "label", "LABEL", d->label);
		r[2].nullable = true;
		set_field(&r[3], "serial", "SERIAL", "");
		errors += read_field(src, i, "serialnumber", false, &r[3]);
		set_field(&r[4], "chardev", "CHARDEV", chardev);
		r[4].nullable = true;
		n++;
	}
	if (n || opts->format != KMPCTL_FMT_TEXT)
		output_list(stdout, opts->format, rows, n);
	fflush(stdout);
	if (!n) {
		kmpctl_err("%s: no Kamstrup meter found (is the kamstrup-kmp driver loaded and bound?)",
			   src->name);
		errors++;
	}
	src->close(src);
	return errors ? KMPCTL_EXIT_FAIL : KMPCTL_EXIT_OK;
}

static const struct {
	const char *name;
	int (*fn)(const struct kmpctl_opts *opts, int argc, char **argv);
	bool tty;	/* --tty applies */
	bool iio;	/* -d/-u apply */
	bool watch;	/* -i/-n apply */
} commands[] = {
	{ "decode", kmpctl_cmd_decode, false, false, false },
	{ "list", cmd_list, false, true, false },
	{ "read", cmd_read, true, true, false },
	{ "reg", cmd_reg, true, true, false },
	{ "info", cmd_info, true, true, false },
	{ "watch", kmpctl_cmd_watch, false, true, true },
};

enum {
	OPT_TTY = 0x100, OPT_BAUD, OPT_ADDR, OPT_TIMEOUT, OPT_TURNAROUND,
	OPT_RETRIES, OPT_JSON, OPT_CSV, OPT_SELFTEST_JSON,
	OPT_SELFTEST_JSON_LINES,
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
	{ "selftest-json", required_argument, NULL, OPT_SELFTEST_JSON },
	{ "selftest-json-lines", required_argument, NULL,
	  OPT_SELFTEST_JSON_LINES },
	{ NULL, 0, NULL, 0 },
};

/*
 * One option.  Returns -1 when it was handled, else an exit status to
 * return at once (help, version, usage error, JSON self-test).
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
		opts->verbose++;
		break;
	case 'h':
		fputs(usage_text, stdout);
		return KMPCTL_EXIT_OK;
	case 'V':
		printf("kmpctl %s\n", KMPCTL_VERSION);
		return KMPCTL_EXIT_OK;
	case OPT_SELFTEST_JSON:
		return kmpctl_json_check_file(optarg, false);
	case OPT_SELFTEST_JSON_LINES:
		return kmpctl_json_check_file(optarg, true);
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
		    commands[i].fn == cmd_reg)
			return usage_error("reg: the ioctl needs the local /dev/kmpN; -u is for channels (read, watch) and list, info");
		if ((opts.interval || opts.count) && !commands[i].watch)
			return usage_error("%s: -i and -n apply to watch only",
					   commands[i].name);
		return commands[i].fn(&opts, cargc, cargv);
	}
	return usage_error("unknown command '%s'", argv[optind]);
}
