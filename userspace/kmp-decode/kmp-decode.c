// SPDX-License-Identifier: GPL-2.0-only
/*
 * kmp-decode HEX...: explain KMP frames given as hex bytes, a developer's
 * tool (captured traffic, a frame from a bug report).
 *
 *   kmp-decode 80 3f 10 01 00 3c b2 5f 0d
 *   kmp-decode --json 403f10005625024214f569dc0d
 *
 * The bytes go through the core's receive parser as the driver and --tty
 * feed it: bytes before a start byte are skipped, a frame broken off by a
 * start byte is dropped and the parser resyncs there.  Each frame is
 * decoded once (the core's decoders; for requests the meter side's
 * kmp_decode_request()), then printed as text, JSON or CSV.  Any CID is
 * shown: decoding sends nothing.  Registers print as the records of
 * kmpctl reg (userspace/lib/output.c), so both tools show a value alike.
 *
 * It links the meter's side of the protocol (kmp-meter.c, from the tests)
 * for requests: it is built in the tree and not installed.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "kmp-meter.h"
#include "output.h"

#define EXIT_USAGE		2
#define KMP_DECODE_VERSION	"0.2"

#define DECODE_MAX_BYTES	4096
#define DECODE_MAX_ENTRIES	32	/* a KMP_RX_MAX body holds at most 17 */

struct dframe {
	size_t offset;		/* of the start byte in the input */
	size_t wire_len;	/* start to stop, inclusive */
	u8 start;
	bool request;
	const char *error;	/* framing problem, NULL if none */
	bool dropped;		/* broken off by a special byte: not shown */
	int crc_state;		/* 1 ok, 0 bad, -1 not checkable */
	u16 crc_computed, crc_received;
	u8 body[KMP_RX_MAX];	/* unstuffed, address to CRC */
	size_t body_len;
	struct kmp_frame frame;	/* valid when crc_state == 1 */
	/* the fields, when crc_state == 1 */
	int err;		/* they do not decode: -errno */
	unsigned int n;		/* registers asked for or sent */
	u16 regs[KMP_MAX_REGS];
	struct kmp_value vals[DECODE_MAX_ENTRIES];
	struct kmp_type type;
	char rev[8];		/* "" none, "?" invalid */
	u32 serial;
};

static bool is_start(u8 b)
{
	return b == KMP_START_REQUEST || b == KMP_START_REPLY || b == KMP_ACK;
}

static const char *cid_name(u8 cid)
{
	return cid == KMP_CID_GET_TYPE ? "GetType" :
	       cid == KMP_CID_GET_SERIAL ? "GetSerialNo" :
	       cid == KMP_CID_GET_REGISTER ? "GetRegister" : "unknown";
}

static int hexval(char c)
{
	return isdigit((unsigned char)c) ? c - '0' : tolower(c) - 'a' + 10;
}

/*
 * Bytes from hex arguments: separate or run together, with or without
 * spaces, colons or "0x".  A token of odd length is an error, except a
 * lone digit ("6" is 0x06).  Returns the count or -1 (message printed).
 */
static int parse_hex(int argc, char **argv, u8 *out, size_t max)
{
	static const char sep[] = " \t\n:,-;";
	size_t n = 0, len, k;
	const char *s, *tok;
	int a;

	for (a = 0; a < argc; a++) {
		for (s = argv[a]; *(s += strspn(s, sep)); ) {
			tok = s;
			s += strcspn(s, sep);
			len = s - tok;
			if (len >= 2 && tok[0] == '0' && tolower(tok[1]) == 'x') {
				tok += 2;
				len -= 2;
			}
			if (strspn(tok, "0123456789abcdefABCDEF") < len) {
				util_err("'%.*s' is not hex",
					 (int)(s - tok), tok);
				return -1;
			}
			if (!len || (len % 2 && len != 1)) {
				util_err("'%.*s': odd number of hex digits",
					 (int)(s - tok), tok);
				return -1;
			}
			if (n + (len + 1) / 2 > max) {
				util_err("more than %zu bytes", max);
				return -1;
			}
			for (k = 0; k < len; k += 2)
				out[n++] = len == 1 ? hexval(tok[0]) :
					   hexval(tok[k]) << 4 | hexval(tok[k + 1]);
		}
	}
	return n;
}

/*
 * The core's parser from a start byte on: all but the stop byte first, so
 * that the unstuffed body (and its CRC) can be shown, then the stop byte
 * for the verdict.  A special byte inside the body breaks the frame where
 * the parser breaks it: d->wire_len ends before a start byte, so that a
 * new frame may begin there.  Returns false when no stop byte follows.
 */
static bool parse_frame(const u8 *b, size_t len, struct dframe *d)
{
	static struct kmp_rx rx;	/* d->frame points into it */
	size_t used, stop;
	int ret;

	for (stop = 1; stop < len && b[stop] != KMP_STOP; stop++)
		;
	if (stop == len)
		return false;
	d->crc_state = -1;
	kmp_rx_init(&rx, d->start);
	ret = kmp_rx_feed(&rx, b, stop, &used);
	if (ret < 0) {
		d->wire_len = is_start(b[used - 1]) ? used - 1 : used;
		d->error = ret == -EMSGSIZE ?
			"frame longer than the receiver accepts (KMP_RX_MAX)" :
			"framing error: a raw special byte or a bad escape inside the frame";
		d->dropped = true;
		return true;
	}
	d->wire_len = stop + 1;
	d->body_len = rx.len;
	memcpy(d->body, rx.buf, rx.len);
	if (rx.state == KMP_RX_ESCAPED) {
		d->error = "framing error: escape byte right before the stop byte";
		return true;
	}
	if (rx.len >= 4) {
		d->crc_computed = kmp_crc16(rx.buf, rx.len - 2);
		d->crc_received = rx.buf[rx.len - 2] << 8 | rx.buf[rx.len - 1];
	}
	if (kmp_rx_feed(&rx, b + stop, 1, &used) == KMP_RX_COMPLETE) {
		d->crc_state = 1;
		kmp_rx_frame(&rx, &d->frame);
	} else if (d->body_len < 4) {
		d->error = "frame too short (address, CID and CRC need 4 bytes)";
	} else {
		d->crc_state = 0;
		d->error = "CRC mismatch: the frame is discarded";
	}
	return true;
}

/* The fields of a good frame, once, for every format */
static void decode_fields(struct dframe *d)
{
	const struct kmp_frame *fr = &d->frame;

	switch (fr->cid) {
	case KMP_CID_GET_REGISTER:
		d->err = d->request ? kmp_decode_request(fr, d->regs, &d->n) :
			 kmp_decode_registers(fr, d->vals, DECODE_MAX_ENTRIES,
					      &d->n);
		break;
	case KMP_CID_GET_TYPE:
	case KMP_CID_GET_SERIAL:
		if (d->request)
			d->err = fr->len ? -EBADMSG : 0;
		else if (fr->cid == KMP_CID_GET_SERIAL)
			d->err = kmp_decode_serial(fr, &d->serial);
		else if (!(d->err = kmp_decode_type(fr, &d->type)) &&
			 kmp_type_revision(&d->type, d->rev, sizeof(d->rev)) < 0)
			strcpy(d->rev, "?");
		break;
	}
	if (d->err && d->request && fr->cid != KMP_CID_GET_REGISTER)
		util_err("%s request carries %zu data bytes, expected none",
			 cid_name(fr->cid), fr->len);
	else if (d->err)
		util_err("malformed %s %s: %s", cid_name(fr->cid),
			 d->request ? "request" : "reply", util_strerror(d->err));
}

static void data_hex(FILE *f, const struct kmp_frame *fr)
{
	size_t i;

	for (i = 0; i < fr->len; i++)
		fprintf(f, "%s%02x", i ? " " : "", fr->data[i]);
}

static void text_frame(FILE *f, const struct dframe *d)
{
	const struct kmp_frame *fr = &d->frame;
	char ub[16], text[KMP_VALUE_STR_MAX + 32];
	unsigned int i;

	fprintf(f, "direction  %s (0x%02x, %s)\n", d->request ? "request" : "reply",
		d->start, d->request ? "to the meter" : "from the meter");
	if (d->body_len >= 2)
		fprintf(f, "address    0x%02x\nCID        0x%02x %s\n",
			d->body[0], d->body[1], cid_name(d->body[1]));
	if (d->crc_state >= 0)
		fprintf(f, "CRC        %s (computed 0x%04x, received 0x%04x)\n",
			d->crc_state ? "ok" : "bad", d->crc_computed,
			d->crc_received);
	if (d->error)
		return;
	if (d->err || (fr->cid != KMP_CID_GET_REGISTER &&
		       fr->cid != KMP_CID_GET_TYPE &&
		       fr->cid != KMP_CID_GET_SERIAL)) {
		fputs("data       ", f);
		data_hex(f, fr);
		fputs(fr->len || d->err ? "\n" : "(none)\n", f);
		return;
	}
	if (fr->cid == KMP_CID_GET_REGISTER) {
		fprintf(f, "registers  %u%s\n", d->n, d->n || d->request ? "" :
			" (the meter knows none of those asked for)");
		for (i = 0; i < d->n; i++) {
			const struct kmp_value *v = &d->vals[i];
			u16 reg = d->request ? d->regs[i] : v->reg;
			const char *name = kmpctl_reg_name(reg);

			fprintf(f, "register   0x%04x %s\n", reg, name ?: "-");
			if (d->request)
				continue;
			out_value_text(v, text, sizeof(text));
			fprintf(f, "  unit       %u (%s)\n  length     %u\n"
				"  SiEx       0x%02x (mantissa %c, exponent %d)\n"
				"  mantissa   %llu\n  value      %s\n", v->unit,
				out_unit_name(v->unit, ub, sizeof(ub)), v->len,
				v->siex, kmp_value_negative(v) ? '-' : '+',
				kmp_value_exponent(v),
				(unsigned long long)v->mantissa, text);
		}
	} else if (d->request) {
		return;
	} else if (fr->cid == KMP_CID_GET_TYPE) {
		fprintf(f, "type       0x%04x\n", d->type.type);
		if (*d->rev == '?')
			fprintf(f, "revision   invalid (0x%04x)\n", d->type.revision);
		else
			fprintf(f, "revision   %s\n", *d->rev ? d->rev : "none");
	} else {
		fprintf(f, "serial     %u (0x%08x)\n", d->serial, d->serial);
	}
}

static void json_frame(FILE *f, const struct dframe *d)
{
	const struct kmp_frame *fr = &d->frame;
	struct out_rec rec;
	unsigned int i;

	fprintf(f, "{\"offset\": %zu, \"direction\": \"%s\"", d->offset,
		d->request ? "request" : "reply");
	if (d->body_len >= 2)
		fprintf(f, ", \"address\": %u, \"cid\": %u, \"cid_name\": \"%s\"",
			d->body[0], d->body[1], cid_name(d->body[1]));
	if (d->crc_state >= 0)
		fprintf(f, ", \"crc_ok\": %s, \"crc_computed\": \"0x%04x\", \"crc_received\": \"0x%04x\"",
			d->crc_state ? "true" : "false", d->crc_computed,
			d->crc_received);
	if (d->error) {
		fputs(", \"error\": ", f);
		out_json_string(f, d->error);
		fputs("}", f);
		return;
	}
	if (!d->err && fr->cid == KMP_CID_GET_REGISTER) {
		fputs(", \"registers\": [", f);
		for (i = 0; i < d->n; i++) {
			fputs(i ? ", " : "", f);
			if (d->request) {
				fprintf(f, "%u", d->regs[i]);
				continue;
			}
			out_result(&rec, d->vals[i].reg, 0, &d->vals[i]);
			out_json_rec(f, &rec);
		}
		fputs("]", f);
	} else if (!d->err && !d->request && fr->cid == KMP_CID_GET_TYPE) {
		fprintf(f, ", \"type\": \"0x%04x\", \"revision\": ", d->type.type);
		if (*d->rev && *d->rev != '?')
			out_json_string(f, d->rev);
		else
			fputs("null", f);
	} else if (!d->err && !d->request && fr->cid == KMP_CID_GET_SERIAL) {
		fprintf(f, ", \"serial\": %u", d->serial);
	}
	fputs(", \"data\": \"", f);
	data_hex(f, fr);
	fputs("\"", f);
	if (d->err) {
		fputs(", \"error\": ", f);
		out_json_string(f, util_strerror(d->err));
	}
	fputs("}", f);
}

/* CSV holds register values only */
static void csv_frame(FILE *f, const struct dframe *d)
{
	struct out_rec rec;
	unsigned int i;

	if (d->error || d->err || d->request ||
	    d->frame.cid != KMP_CID_GET_REGISTER)
		return;
	for (i = 0; i < d->n; i++) {
		out_result(&rec, d->vals[i].reg, 0, &d->vals[i]);
		out_csv_rec(f, &rec, false);
	}
}

static int decode(enum kmpctl_format fmt, int argc, char **argv)
{
	static u8 bytes[DECODE_MAX_BYTES];
	static struct dframe d;
	size_t i = 0, skipped = 0;
	int n, bad = 0, frames = 0, good = 0, lost = 0;

	n = parse_hex(argc, argv, bytes, sizeof(bytes));
	if (!n)
		return util_usage("no bytes given");
	if (n < 0)
		return EXIT_USAGE;
	if (fmt == KMPCTL_FMT_JSON)
		fputs("[", stdout);
	else if (fmt == KMPCTL_FMT_CSV)
		fputs("register,name,status,value,unit,unit_code,mantissa,exponent,error\n",
		      stdout);

	for (; i < (size_t)n; i += d.wire_len) {
		memset(&d, 0, sizeof(d));
		d.wire_len = 1;
		if (!is_start(bytes[i])) {
			skipped++;
			continue;
		}
		d.offset = i;
		d.start = bytes[i];
		d.request = d.start == KMP_START_REQUEST;
		if (d.start != KMP_ACK && !parse_frame(bytes + i, n - i, &d)) {
			util_err("frame at byte %zu: incomplete, no stop byte 0x0d",
				 i);
			lost++;
			break;
		}
		if (d.dropped) {
			/* as the parser does: noise, resync at the next start */
			util_err("bytes %zu..%zu dropped: %s", i,
				 i + d.wire_len - 1, d.error);
			lost++;
			continue;
		}
		if (d.error)
			util_err("frame at byte %zu: %s", i, d.error);
		else if (d.start != KMP_ACK)
			decode_fields(&d);
		if (frames++)
			fputs(fmt == KMPCTL_FMT_JSON ? ",\n " :
			      fmt == KMPCTL_FMT_TEXT ? "\n" : "", stdout);
		if (d.start == KMP_ACK && fmt == KMPCTL_FMT_JSON)
			fprintf(stdout, "{\"offset\": %zu, \"direction\": \"ack\"}", i);
		else if (d.start == KMP_ACK && fmt == KMPCTL_FMT_TEXT)
			fputs("direction  ack (0x06)\n", stdout);
		else if (fmt == KMPCTL_FMT_JSON)
			json_frame(stdout, &d);
		else if (fmt == KMPCTL_FMT_CSV)
			csv_frame(stdout, &d);
		else
			text_frame(stdout, &d);
		lost += !!d.error;
		bad |= !!d.err;		/* a good frame whose fields do not decode */
		good += !d.error && !d.err;
	}
	if (fmt == KMPCTL_FMT_JSON)
		fputs("]\n", stdout);
	if (skipped)
		util_err("%zu byte%s outside frames skipped", skipped,
			 skipped == 1 ? "" : "s");
	if (!frames && !lost)
		util_err("no frame found (no start byte 0x80, 0x40 or 0x06)");
	/* What the parser recovers counts; dropped noise alone does not */
	return bad || !good ? EXIT_FAILURE : EXIT_SUCCESS;
}

static const char usage_text[] =
"usage: kmp-decode [--json|--csv] HEX...\n"
"Explains KMP frames given as hex bytes, separate or in one string, with or\n"
"without spaces, colons or 0x (e.g. 80 3f 10 01 00 3c b2 5f 0d): direction,\n"
"address, command, CRC, registers, units and values.  Options come before\n"
"the bytes: --json, --csv (register values only), -h, --help; -V, --version.\n"
"Exit status: 0 a frame decoded, 1 none or a malformed one, 2 usage error.\n"
"See kmp-decode(1).\n";

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "csv", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	enum kmpctl_format fmt = KMPCTL_FMT_TEXT;
	int c;

	util_prog = "kmp-decode";
	opterr = 0;
	/* "+": options end at the first byte, so bytes are never options */
	while ((c = getopt_long(argc, argv, "+hV", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
		case 'c':
			fmt = c == 'j' ? KMPCTL_FMT_JSON : KMPCTL_FMT_CSV;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return EXIT_SUCCESS;
		case 'V':
			puts("kmp-decode " KMP_DECODE_VERSION);
			return EXIT_SUCCESS;
		default:
			return util_usage("unknown option '%s'", argv[optind - 1]);
		}
	}
	return decode(fmt, argc - optind, argv + optind);
}
