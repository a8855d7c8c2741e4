// SPDX-License-Identifier: GPL-2.0-only
/*
 * kmpctl decode: explain KMP frames given as hex bytes.
 *
 *   kmpctl decode 80 3f 10 01 00 3c b2 5f 0d
 *   kmpctl decode 403f10005625024214f569dc0d
 *   kmpctl decode 0x40:0x3f:0x10:...
 *
 * Several frames may be given in a row (e.g. an optical echo followed by
 * the reply); bytes outside frames are skipped and counted.  Unstuffing
 * and the CRC check are the core's parser; the fields are the core's
 * decoders, and for requests the meter side's kmp_decode_request()
 * (drivers/iio/meter/tests/kmp-meter.c).  Decoding is read-only: any CID
 * is shown.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kmp-meter.h"
#include "output.h"

#define DECODE_MAX_BYTES	4096
#define DECODE_MAX_ENTRIES	32	/* a KMP_RX_MAX body holds at most 17 */

static const char *cid_name(u8 cid)
{
	switch (cid) {
	case KMP_CID_GET_TYPE:
		return "GetType";
	case KMP_CID_GET_SERIAL:
		return "GetSerialNo";
	case KMP_CID_GET_REGISTER:
		return "GetRegister";
	default:
		return "unknown";
	}
}

static bool kmp_is_start(u8 b)
{
	return b == KMP_START_REQUEST || b == KMP_START_REPLY || b == KMP_ACK;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int is_sep(int c)
{
	return isspace(c) || c == ':' || c == ',' || c == '-' || c == ';';
}

/*
 * Bytes from hex arguments: separate or run together, with or without
 * spaces, colons or "0x".  A token of odd length is an error, except a
 * lone digit ("6" is 0x06).  Returns the count or -1 (message printed).
 */
static int parse_hex(int argc, char **argv, u8 *out, size_t max)
{
	size_t n = 0;
	int a;

	for (a = 0; a < argc; a++) {
		const char *s = argv[a];

		while (*s) {
			const char *tok;
			size_t len, k;

			while (*s && is_sep((unsigned char)*s))
				s++;
			if (!*s)
				break;
			tok = s;
			while (*s && !is_sep((unsigned char)*s))
				s++;
			len = s - tok;
			if (len >= 2 && tok[0] == '0' &&
			    (tok[1] == 'x' || tok[1] == 'X')) {
				tok += 2;
				len -= 2;
			}
			for (k = 0; k < len; k++) {
				if (hexval((unsigned char)tok[k]) < 0) {
					util_err("decode: '%.*s' is not hex",
						   (int)(s - tok), tok);
					return -1;
				}
			}
			if (!len || (len % 2 && len != 1)) {
				util_err("decode: '%.*s': odd number of hex digits",
					   (int)(s - tok), tok);
				return -1;
			}
			if (len == 1) {
				if (n >= max)
					goto too_long;
				out[n++] = hexval((unsigned char)tok[0]);
				continue;
			}
			for (k = 0; k < len; k += 2) {
				if (n >= max)
					goto too_long;
				out[n++] = hexval((unsigned char)tok[k]) << 4 |
					   hexval((unsigned char)tok[k + 1]);
			}
		}
	}
	return n;
too_long:
	util_err("decode: more than %zu bytes", max);
	return -1;
}

struct decoded_frame {
	size_t offset;		/* of the start byte in the input */
	size_t wire_len;	/* start to stop, inclusive */
	u8 start;
	bool ack;
	const char *error;	/* framing problem, NULL if none */
	bool dropped;		/* broken off by a special byte: not shown */
	int crc_state;		/* 1 ok, 0 bad, -1 not checkable */
	u16 crc_computed, crc_received;
	u8 body[KMP_RX_MAX];	/* unstuffed, address to CRC */
	size_t body_len;
	struct kmp_frame frame;	/* valid when crc_state == 1 */
};

/*
 * Runs the core's parser on the bytes from a start byte on, as the driver
 * and --tty feed it: all but the stop byte first, so that the unstuffed
 * body (and its CRC) can be shown, then the stop byte for the verdict.  A
 * special byte inside the body breaks the frame: the parser resyncs there
 * and d->wire_len ends before it, so that a new frame may start at it.
 * Returns false when no stop byte follows.
 */
static bool parse_frame(const u8 *b, size_t len, struct decoded_frame *d)
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
		/* broke at b[used - 1]: a start, ack or a bad escape */
		d->wire_len = kmp_is_start(b[used - 1]) ? used - 1 : used;
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
	ret = kmp_rx_feed(&rx, b + stop, 1, &used);
	if (ret == KMP_RX_COMPLETE) {
		d->crc_state = 1;
		kmp_rx_frame(&rx, &d->frame);
		return true;
	}
	if (d->body_len < 4) {
		d->error = "frame too short (address, CID and CRC need 4 bytes)";
		return true;
	}
	d->crc_state = 0;
	d->error = "CRC mismatch: the frame is discarded";
	return true;
}

static void print_data_hex(FILE *f, const u8 *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		fprintf(f, "%s%02x", i ? " " : "", p[i]);
}

/* ---- text ------------------------------------------------------------- */

static void text_value(FILE *f, const struct kmp_value *v)
{
	const char *name = kmpctl_reg_name(v->reg);
	char ubuf[16], text[KMP_VALUE_STR_MAX + 32];

	out_value_text(v, text, sizeof(text));
	fprintf(f, "register   0x%04x %s\n", v->reg, name ? name : "-");
	fprintf(f, "  unit       %u (%s)\n", v->unit,
		out_unit_name(v->unit, ubuf, sizeof(ubuf)));
	fprintf(f, "  length     %u\n", v->len);
	fprintf(f, "  SiEx       0x%02x (mantissa %c, exponent %d)\n", v->siex,
		v->siex & KMP_SIEX_NEG_MANTISSA ? '-' : '+',
		kmp_value_exponent(v));
	fprintf(f, "  mantissa   %llu\n", (unsigned long long)v->mantissa);
	fprintf(f, "  value      %s\n", text);
}

/* Returns 0, or -1 if the fields do not decode */
static int text_fields(FILE *f, const struct decoded_frame *d)
{
	const struct kmp_frame *fr = &d->frame;
	bool request = d->start == KMP_START_REQUEST;
	struct kmp_value vals[DECODE_MAX_ENTRIES];
	unsigned int n, i;
	struct kmp_type type;
	char rev[8];
	u16 regs[KMP_MAX_REGS];
	u32 serial;
	int ret;

	switch (fr->cid) {
	case KMP_CID_GET_REGISTER:
		if (request) {
			ret = kmp_decode_request(fr, regs, &n);
			if (ret)
				break;
			fprintf(f, "registers  %u\n", n);
			for (i = 0; i < n; i++) {
				const char *name = kmpctl_reg_name(regs[i]);

				fprintf(f, "register   0x%04x %s\n", regs[i],
					name ? name : "-");
			}
			return 0;
		}
		ret = kmp_decode_registers(fr, vals, DECODE_MAX_ENTRIES, &n);
		if (ret)
			break;
		fprintf(f, "registers  %u%s\n", n,
			n ? "" : " (the meter knows none of those asked for)");
		for (i = 0; i < n; i++)
			text_value(f, &vals[i]);
		return 0;
	case KMP_CID_GET_TYPE:
		if (request) {
			if (fr->len)
				goto unexpected;
			return 0;
		}
		ret = kmp_decode_type(fr, &type);
		if (ret)
			break;
		fprintf(f, "type       0x%04x\n", type.type);
		if (kmp_type_revision(&type, rev, sizeof(rev)) < 0)
			fprintf(f, "revision   invalid (0x%04x)\n", type.revision);
		else
			fprintf(f, "revision   %s\n", *rev ? rev : "none");
		return 0;
	case KMP_CID_GET_SERIAL:
		if (request) {
			if (fr->len)
				goto unexpected;
			return 0;
		}
		ret = kmp_decode_serial(fr, &serial);
		if (ret)
			break;
		fprintf(f, "serial     %u (0x%08x)\n", serial, serial);
		return 0;
	default:
		fprintf(f, "data       ");
		print_data_hex(f, fr->data, fr->len);
		fprintf(f, "%s\n", fr->len ? "" : "(none)");
		return 0;
	}
	fprintf(f, "data       ");
	print_data_hex(f, fr->data, fr->len);
	fprintf(f, "\n");
	util_err("decode: malformed %s %s: %s", cid_name(fr->cid),
		   request ? "request" : "reply", util_strerror(ret));
	return -1;
unexpected:
	fprintf(f, "data       ");
	print_data_hex(f, fr->data, fr->len);
	fprintf(f, "\n");
	util_err("decode: %s request carries %zu data bytes, expected none",
		   cid_name(fr->cid), fr->len);
	return -1;
}

static int text_frame(FILE *f, const struct decoded_frame *d)
{
	bool request = d->start == KMP_START_REQUEST;

	if (d->ack) {
		fprintf(f, "direction  ack (0x06)\n");
		return 0;
	}
	fprintf(f, "direction  %s (0x%02x, %s)\n", request ? "request" : "reply",
		d->start, request ? "to the meter" : "from the meter");
	if (d->body_len >= 2) {
		fprintf(f, "address    0x%02x\n", d->body[0]);
		fprintf(f, "CID        0x%02x %s\n", d->body[1],
			cid_name(d->body[1]));
	}
	if (d->crc_state >= 0)
		fprintf(f, "CRC        %s (computed 0x%04x, received 0x%04x)\n",
			d->crc_state ? "ok" : "bad", d->crc_computed,
			d->crc_received);
	if (d->error) {
		util_err("decode: frame at byte %zu: %s", d->offset, d->error);
		return -1;
	}
	return text_fields(f, d);
}

/* ---- JSON and CSV ------------------------------------------------------ */

static int json_fields(FILE *f, const struct decoded_frame *d)
{
	const struct kmp_frame *fr = &d->frame;
	bool request = d->start == KMP_START_REQUEST;
	struct kmp_value vals[DECODE_MAX_ENTRIES];
	struct kmp_type type;
	unsigned int n, i;
	u16 regs[KMP_MAX_REGS];
	char rev[8];
	u32 serial;
	int ret = 0;

	if (fr->cid == KMP_CID_GET_REGISTER && request) {
		ret = kmp_decode_request(fr, regs, &n);
		if (!ret) {
			fputs(", \"registers\": [", f);
			for (i = 0; i < n; i++)
				fprintf(f, "%s%u", i ? ", " : "", regs[i]);
			fputs("]", f);
		}
	} else if (fr->cid == KMP_CID_GET_REGISTER) {
		ret = kmp_decode_registers(fr, vals, DECODE_MAX_ENTRIES, &n);
		if (!ret) {
			fputs(", \"registers\": [", f);
			for (i = 0; i < n; i++) {
				struct kmpctl_result r = { .reg = vals[i].reg,
							   .val = vals[i] };
				struct out_rec rec;

				out_result(&rec, &r);
				fputs(i ? ", " : "", f);
				out_json_rec(f, &rec);
			}
			fputs("]", f);
		}
	} else if (fr->cid == KMP_CID_GET_TYPE && !request) {
		ret = kmp_decode_type(fr, &type);
		if (!ret) {
			fprintf(f, ", \"type\": \"0x%04x\", \"revision\": ",
				type.type);
			if (kmp_type_revision(&type, rev, sizeof(rev)) > 0)
				out_json_string(f, rev);
			else
				fputs("null", f);
		}
	} else if (fr->cid == KMP_CID_GET_SERIAL && !request) {
		ret = kmp_decode_serial(fr, &serial);
		if (!ret)
			fprintf(f, ", \"serial\": %u", serial);
	} else if (fr->len && (fr->cid == KMP_CID_GET_TYPE ||
			       fr->cid == KMP_CID_GET_SERIAL)) {
		ret = -EBADMSG;
	}
	fputs(", \"data\": \"", f);
	print_data_hex(f, fr->data, fr->len);
	fputs("\"", f);
	if (ret) {
		fputs(", \"error\": ", f);
		out_json_string(f, util_strerror(ret));
		return -1;
	}
	return 0;
}

static int json_frame(FILE *f, const struct decoded_frame *d)
{
	int ret = 0;

	fprintf(f, "{\"offset\": %zu, ", d->offset);
	if (d->ack) {
		fputs("\"direction\": \"ack\"}", f);
		return 0;
	}
	fprintf(f, "\"direction\": \"%s\"",
		d->start == KMP_START_REQUEST ? "request" : "reply");
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
		util_err("decode: frame at byte %zu: %s", d->offset, d->error);
		ret = -1;
	} else {
		ret = json_fields(f, d);
	}
	fputs("}", f);
	return ret;
}

static int csv_frame(FILE *f, const struct decoded_frame *d)
{
	struct kmp_value vals[DECODE_MAX_ENTRIES];
	unsigned int n, i;
	int ret;

	if (d->ack)
		return 0;
	if (d->error) {
		util_err("decode: frame at byte %zu: %s", d->offset, d->error);
		return -1;
	}
	if (d->start != KMP_START_REPLY || d->frame.cid != KMP_CID_GET_REGISTER)
		return 0;	/* CSV holds register values only */
	ret = kmp_decode_registers(&d->frame, vals, DECODE_MAX_ENTRIES, &n);
	if (ret) {
		util_err("decode: malformed GetRegister reply: %s",
			   util_strerror(ret));
		return -1;
	}
	for (i = 0; i < n; i++) {
		struct kmpctl_result r = { .reg = vals[i].reg, .val = vals[i] };
		struct out_rec rec;

		out_result(&rec, &r);
		out_csv_rec(f, &rec, false);
	}
	return 0;
}

int kmpctl_cmd_decode(const struct kmpctl_opts *opts, int argc, char **argv)
{
	static u8 bytes[DECODE_MAX_BYTES];
	static struct decoded_frame d;
	size_t i = 0, skipped = 0;
	int n, bad = 0, frames = 0, good = 0, lost = 0;

	n = parse_hex(argc, argv, bytes, sizeof(bytes));
	if (n < 0)
		return KMPCTL_EXIT_USAGE;
	if (!n) {
		util_err("decode: no bytes given");
		return KMPCTL_EXIT_USAGE;
	}

	if (opts->format == KMPCTL_FMT_JSON)
		fputs("[", stdout);
	else if (opts->format == KMPCTL_FMT_CSV)
		fputs("register,name,status,value,unit,unit_code,mantissa,exponent,error\n",
		      stdout);

	while (i < (size_t)n) {
		int ret;

		if (!kmp_is_start(bytes[i])) {
			skipped++;
			i++;
			continue;
		}
		memset(&d, 0, sizeof(d));
		d.offset = i;
		d.start = bytes[i];
		if (bytes[i] == KMP_ACK) {
			d.ack = true;
			d.wire_len = 1;
		} else if (!parse_frame(bytes + i, n - i, &d)) {
			util_err("decode: frame at byte %zu: incomplete, no stop byte 0x0d",
				   i);
			lost++;
			break;
		}
		if (d.dropped) {
			/* as the parser does: noise, resync at the next start */
			util_err("decode: bytes %zu..%zu dropped: %s", i,
				   i + d.wire_len - 1, d.error);
			lost++;
			i += d.wire_len;
			continue;
		}

		if (frames && opts->format == KMPCTL_FMT_TEXT)
			fputc('\n', stdout);
		if (opts->format == KMPCTL_FMT_JSON && frames)
			fputs(",\n ", stdout);
		if (opts->format == KMPCTL_FMT_JSON)
			ret = json_frame(stdout, &d);
		else if (opts->format == KMPCTL_FMT_CSV)
			ret = csv_frame(stdout, &d);
		else
			ret = text_frame(stdout, &d);
		if (d.error)
			lost++;
		else if (ret)
			bad = 1;	/* a good frame whose fields do not decode */
		else
			good++;
		frames++;
		i += d.wire_len;
	}
	if (opts->format == KMPCTL_FMT_JSON)
		fputs("]\n", stdout);
	if (skipped)
		util_err("decode: %zu byte%s outside frames skipped", skipped,
			   skipped == 1 ? "" : "s");
	if (!frames && !lost)
		util_err("decode: no frame found (no start byte 0x80, 0x40 or 0x06)");
	/* What the parser recovers counts; dropped noise alone does not */
	return bad || !good ? KMPCTL_EXIT_FAIL : KMPCTL_EXIT_OK;
}
