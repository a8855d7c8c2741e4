// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for the KMP protocol core (drivers/iio/meter/kmp.c).
 *
 * Input: a 6-byte header, then the payload.
 *   byte 0, 1  chunk sizes: the line bytes are fed to kmp_rx_feed() in
 *              chunks cycling through 4 sizes taken from these nibbles, so
 *              the fuzzer explores how reads split frames
 *   byte 2     which decoded register ids kmp_decode_get_register() is
 *              asked for (bit mask over the reply's entries)
 *   byte 3, 4  one more register id asked for (usually absent)
 *   byte 5     bit 0 clear: the payload is the bytes received on the line.
 *              bit 0 set: the payload is a list of frame bodies, each a
 *              length byte and that many bytes (address, CID, data); the
 *              test frames each with its CRC (kmp_crc16), stuffing, a
 *              start byte (0x40, or 0x80 if bit 1) and the stop byte, so
 *              that mutated bodies reach the decoders with a good CRC; the
 *              parser must then return exactly those bodies.
 *
 * The payload goes through two parsers, hunting 0x40 (as kmpctl and the
 * driver do) and 0x80 (as the simulated meter does), each fed both in
 * chunks and in one piece: both must report the same events at the same
 * offsets.  Every complete frame is run through every decoder; decoded
 * values through the string and base-unit conversions (kmp_value_to_base()
 * at the driver's resolutions and around each value's own), checked
 * against independent decimal arithmetic; decoded frames are rebuilt with
 * the core's request builder or the meter side's reply builders
 * (drivers/iio/meter/tests/kmp-meter.c) and must come back byte-identical.
 * Any mismatch traps.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kmp.h"
#include "kmp-meter.h"

#define CHECK(cond) do { if (!(cond)) { \
		fprintf(stderr, "kmp_fuzz: check failed at line %d: %s\n", \
			__LINE__, #cond); \
		__builtin_trap(); } } while (0)

#define MAX_ENTRIES	32	/* a KMP_RX_MAX body holds at most 17 entries */
#define MAX_EVENTS	512
#define DEC_MAX		160

struct header {
	unsigned int chunk[4];
	u8 mask;
	u16 extra;
	u8 mode;
};

#define MODE_WRAP	0x01	/* payload = bodies to frame */
#define MODE_REQUEST	0x02	/* ... as requests (0x80) */
#define WIRE_MAX	8192

/* ---- independent decimal arithmetic on strings -------------------------- */

/* Canonical decimal: no leading/trailing zeros, no "-0", no lone "." */
static void normalise(const char *in, char *out, size_t size)
{
	char ip[DEC_MAX], fp[DEC_MAX];
	size_t ni = 0, nf = 0, i;
	bool neg = false, frac = false;
	const char *s = in;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	for (; *s; s++) {
		if (*s == '.') {
			CHECK(!frac);
			frac = true;
			continue;
		}
		CHECK(*s >= '0' && *s <= '9');
		if (frac) {
			CHECK(nf < DEC_MAX - 1);
			fp[nf++] = *s;
		} else {
			CHECK(ni < DEC_MAX - 1);
			ip[ni++] = *s;
		}
	}
	while (nf && fp[nf - 1] == '0')
		nf--;
	for (i = 0; i + 1 < ni && ip[i] == '0'; i++)
		;
	memmove(ip, ip + i, ni - i);
	ni -= i;
	if (!ni)
		ip[ni++] = '0';
	if (ni == 1 && ip[0] == '0' && !nf)
		neg = false;
	CHECK(ni + nf + 3 < size);
	snprintf(out, size, "%s%.*s%s%.*s", neg ? "-" : "", (int)ni, ip,
		 nf ? "." : "", (int)nf, fp);
}

/* (-1)^neg * m * 10^e, computed without the core, canonical */
static void reference_decimal(bool neg, unsigned __int128 m, int e, char *out,
			      size_t size)
{
	char digits[48], tmp[DEC_MAX];
	int nd = 0, point, i, pos = 0;
	unsigned __int128 x = m;

	do {
		digits[nd++] = '0' + (int)(x % 10);
		x /= 10;
	} while (x);
	for (i = 0; i < nd / 2; i++) {
		char c = digits[i];

		digits[i] = digits[nd - 1 - i];
		digits[nd - 1 - i] = c;
	}
	if (neg)
		tmp[pos++] = '-';
	point = nd + e;		/* digits before the point */
	CHECK(point < DEC_MAX - 8 && -point < DEC_MAX - nd - 8);
	if (point <= 0) {
		tmp[pos++] = '0';
		tmp[pos++] = '.';
		for (i = 0; i < -point; i++)
			tmp[pos++] = '0';
		for (i = 0; i < nd; i++)
			tmp[pos++] = digits[i];
	} else {
		for (i = 0; i < point; i++)
			tmp[pos++] = i < nd ? digits[i] : '0';
		if (point < nd) {
			tmp[pos++] = '.';
			for (i = point; i < nd; i++)
				tmp[pos++] = digits[i];
		}
	}
	tmp[pos] = '\0';
	CHECK(pos < DEC_MAX);
	normalise(tmp, out, size);
}

/*
 * kmp_value_to_base(@v, @exp): the value in units of 10^@exp of its
 * quantity's base unit, exact or -ERANGE, computed here without the core:
 * (-1)^neg * m * mult * 10^(e + unit exp - @exp) must be a whole number
 * that fits an s64 (magnitude at most S64_MAX).
 *
 * One known limit of the core is allowed for: it multiplies the mantissa
 * by the unit's factor in 64 bits first, so where m * mult does not fit
 * 64 bits (8-byte mantissas only: real meters send at most 4 bytes) it
 * may refuse with -ERANGE a value that would fit.
 */
static void check_to_base(const struct kmp_value *v, int exp, int *ret_out,
			  s64 *out_out)
{
	static const char s64_max[] = "9223372036854775807";
	const struct kmp_unit *u = kmp_unit(v->unit);
	char want[DEC_MAX], got[DEC_MAX];
	const char *mag;
	unsigned __int128 mm;
	bool fits64, whole, in_range;
	s64 out = 0x5a5a5a5a;
	int ret;

	ret = kmp_value_to_base(v, exp, &out);
	*ret_out = ret;
	*out_out = out;
	if (!u || u->quantity == KMP_QTY_NONE) {
		CHECK(ret == -EINVAL && out == 0x5a5a5a5a);
		return;
	}
	CHECK(u->mult > 0);
	CHECK(ret == 0 || ret == -ERANGE);
	if (ret)
		CHECK(out == 0x5a5a5a5a);	/* untouched on failure */
	mm = (unsigned __int128)v->mantissa * u->mult;
	fits64 = mm <= UINT64_MAX;
	reference_decimal(kmp_value_negative(v), mm,
			  kmp_value_exponent(v) + u->exp - exp, want,
			  sizeof(want));
	whole = !strchr(want, '.');
	/* |value| <= S64_MAX, compared as decimal strings */
	mag = want[0] == '-' ? want + 1 : want;
	in_range = strlen(mag) < strlen(s64_max) ||
		   (strlen(mag) == strlen(s64_max) && strcmp(mag, s64_max) <= 0);
	if (!whole || !in_range) {
		CHECK(ret == -ERANGE);
		return;
	}
	if (ret == -ERANGE && !fits64)
		return;		/* the known limit above */
	CHECK(ret == 0);
	snprintf(got, sizeof(got), "%lld", (long long)out);
	if (strcmp(got, want)) {
		fprintf(stderr, "kmp_fuzz: to_base(exp %d) %s != %s\n", exp, got,
			want);
		CHECK(0);
	}
}

/*
 * The resolutions the driver uses (10^-3, 10^0 and 10^1 of the base unit),
 * the extremes 10^-20 and 10^20, and those around the value's own (where
 * it stops being whole); and the same value sent with one more digit
 * (mantissa * 10, exponent - 1), as a meter that changes resolution does,
 * gives the same result wherever the core computes exactly.
 */
static void check_base_units(const struct kmp_value *v)
{
	const struct kmp_unit *u = kmp_unit(v->unit);
	struct kmp_value w = *v;
	int e = kmp_value_exponent(v), k = e + (u ? u->exp : 0), r1, r2;
	const int exps[] = { -20, -3, 0, 1, 20, k - 1, k, k + 1, k + 19 };
	unsigned int i;
	bool finer;
	s64 o1, o2;

	finer = e > -KMP_SIEX_EXPONENT && v->mantissa <= UINT64_MAX / 10 &&
		u && u->mult && (unsigned __int128)v->mantissa * 10 * u->mult <=
				UINT64_MAX;
	if (finer) {
		w.mantissa = v->mantissa * 10;
		if (e - 1 >= 0)
			w.siex = (v->siex & KMP_SIEX_NEG_MANTISSA) | (e - 1);
		else
			w.siex = (v->siex & KMP_SIEX_NEG_MANTISSA) |
				 KMP_SIEX_NEG_EXPONENT | (1 - e);
		w.len = 8;
		CHECK(kmp_value_exponent(&w) == e - 1);
	}
	for (i = 0; i < sizeof(exps) / sizeof(exps[0]); i++) {
		check_to_base(v, exps[i], &r1, &o1);
		if (!finer)
			continue;
		check_to_base(&w, exps[i], &r2, &o2);
		CHECK(r1 == r2 && (r1 || o1 == o2));
	}
}

/* ---- values ------------------------------------------------------------ */

static void check_value(const struct kmp_value *v)
{
	char s[KMP_VALUE_STR_MAX], s2[KMP_VALUE_STR_MAX], small[KMP_VALUE_STR_MAX];
	char norm[DEC_MAX], want[DEC_MAX];
	const struct kmp_register *reg;
	struct kmp_value w;
	bool neg = kmp_value_negative(v);
	int e = kmp_value_exponent(v), len, ret;
	const struct kmp_unit *u;

	CHECK(e >= -63 && e <= 63);
	CHECK(v->len >= 1 && v->len <= KMP_MAX_MANTISSA);
	CHECK(v->len == 8 || !(v->mantissa >> (8 * v->len)));

	/* Exact string, independent of the core's formatting */
	len = kmp_value_to_string(v, s, sizeof(s));
	CHECK(len > 0 && len < KMP_VALUE_STR_MAX && (size_t)len == strlen(s));
	normalise(s, norm, sizeof(norm));
	reference_decimal(neg, v->mantissa, e, want, sizeof(want));
	CHECK(!strcmp(norm, want));
	/* Exactly len + 1 bytes are needed */
	CHECK(kmp_value_to_string(v, small, len) == -ENOSPC);
	CHECK(kmp_value_to_string(v, small, len + 1) == len && !strcmp(small, s));

	/*
	 * Back from the string.  The digits are kept: a negative exponent
	 * comes back as is (to_string prints exactly -e fraction digits); a
	 * positive one is spelled out as zeros and comes back as exponent 0
	 * with the zeros in the mantissa, or, where that would not fit 64
	 * bits, with the zeros beyond 64 bits folded into the exponent.
	 * Either way the same number, and the same string again.
	 */
	memset(&w, 0, sizeof(w));
	ret = kmp_value_from_string(s, &w);
	CHECK(ret == 0);
	if (e > 0 && v->mantissa) {
		unsigned __int128 big = v->mantissa;
		int i;

		for (i = 0; i < e && big <= UINT64_MAX; i++)
			big *= 10;
		if (big <= UINT64_MAX)
			CHECK(w.mantissa == (u64)big && kmp_value_exponent(&w) == 0);
		else
			CHECK(kmp_value_exponent(&w) > 0 &&
			      kmp_value_exponent(&w) <= e);
	} else {
		CHECK(w.mantissa == v->mantissa);
		CHECK(kmp_value_exponent(&w) == (v->mantissa || e < 0 ? e : 0));
	}
	reference_decimal(kmp_value_negative(&w), w.mantissa,
			  kmp_value_exponent(&w), norm, sizeof(norm));
	CHECK(!strcmp(norm, want));
	CHECK(kmp_value_negative(&w) == neg);
	CHECK(w.len >= 1 && w.len <= 8 &&
	      (w.len == 8 || !(w.mantissa >> (8 * w.len))) &&
	      (w.len == 1 || (w.mantissa >> (8 * (w.len - 1)))));
	CHECK(kmp_value_to_string(&w, s2, sizeof(s2)) > 0);
	CHECK(!strcmp(s, s2));

	/* Unit table and base units */
	u = kmp_unit(v->unit);
	CHECK(!u == (v->unit > KMP_UNIT_MAX));
	if (u)
		CHECK(u->name && (u->quantity == KMP_QTY_NONE) == !u->mult);
	check_base_units(v);

	/* A known register: its name; a number where it has a quantity */
	reg = kmp_register(v->reg);
	if (reg)
		CHECK(reg->id == v->reg && reg->name && *reg->name &&
		      (reg->quantity == KMP_QTY_NONE) == !reg->index);
}

/* ---- frames ------------------------------------------------------------ */

static void reparse(const u8 *wire, int len, u8 start, const u8 *body,
		    size_t body_len)
{
	static struct kmp_rx rx;
	size_t used;
	int ret;

	CHECK(len > 0 && len <= 2 + 2 * KMP_RX_MAX);
	CHECK(wire[0] == start && wire[len - 1] == KMP_STOP);
	kmp_rx_init(&rx, start);
	ret = kmp_rx_feed(&rx, wire, len, &used);
	CHECK(ret == KMP_RX_COMPLETE && used == (size_t)len);
	CHECK(rx.len == body_len && !memcmp(rx.buf, body, body_len));
}

static void check_registers(const struct kmp_frame *f, const struct kmp_rx *rx,
			    const struct header *h)
{
	static struct kmp_value vals[MAX_ENTRIES], got[KMP_MAX_REGS];
	u8 wire[2 + 2 * KMP_RX_MAX];
	u16 regs[KMP_MAX_REGS];
	unsigned int count, n = 0, i, j;
	bool unique = true, subset = true, oversize = false;
	int ret;

	ret = kmp_decode_registers(f, vals, MAX_ENTRIES, &count);
	if (f->cid != KMP_CID_GET_REGISTER) {
		CHECK(ret == -EBADMSG && count == 0);
	} else {
		CHECK(ret == 0 || ret == -EBADMSG);
		CHECK(ret != -EMSGSIZE);	/* 32 always suffice */
	}
	if (ret) {
		CHECK(count == 0);
		count = 0;
	}
	CHECK(count <= (KMP_RX_MAX - 4) / 6);
	for (i = 0; i < count; i++) {
		/* A value, or (a mantissa beyond 8 bytes) none and why */
		CHECK(vals[i].present == !vals[i].error);
		CHECK(vals[i].present || vals[i].error == -EOVERFLOW);
		if (vals[i].present)
			check_value(&vals[i]);
		else
			oversize = true;
	}

	/* Rebuild the reply: the same body, byte for byte */
	if (!ret && !oversize) {
		ret = kmp_build_reply_registers(wire, sizeof(wire), f->addr,
						vals, count);
		if (count > KMP_MAX_REGS) {
			CHECK(ret == -EINVAL);
		} else {
			reparse(wire, ret, KMP_START_REPLY, rx->buf, rx->len);
			CHECK(ret <= (int)kmp_reply_len_max(count));
		}
		/* Too small a buffer never overruns */
		if (count <= KMP_MAX_REGS && ret > 1)
			CHECK(kmp_build_reply_registers(wire, ret - 1, f->addr,
							vals, count) == -ENOSPC);
	}

	/* Ask for a selection of the entries plus one more register */
	for (i = 0; i < count && n < KMP_MAX_REGS; i++) {
		if (!(h->mask & (1u << (i % 8))))
			continue;
		for (j = 0; j < n && regs[j] != vals[i].reg; j++)
			;
		if (j == n)
			regs[n++] = vals[i].reg;
	}
	for (j = 0; j < n && regs[j] != h->extra; j++)
		;
	if (j == n && n < KMP_MAX_REGS)
		regs[n++] = h->extra;

	for (i = 0; i < count; i++) {
		for (j = 0; j < i; j++)
			if (vals[j].reg == vals[i].reg)
				unique = false;
		for (j = 0; j < n && regs[j] != vals[i].reg; j++)
			;
		if (j == n)
			subset = false;
	}

	ret = kmp_decode_get_register(f, regs, n, got);
	for (i = 0; i < n; i++)
		CHECK(got[i].reg == regs[i]);
	if (f->cid != KMP_CID_GET_REGISTER) {
		CHECK(ret == -EBADMSG);
	} else if (count || !f->len) {
		/* The frame decodes: the verdict follows from the ids */
		CHECK((ret == 0) == (unique && subset));
		if (!ret) {
			for (i = 0; i < n; i++) {
				bool found = false;

				for (j = 0; j < count; j++) {
					if (vals[j].reg != regs[i])
						continue;
					found = true;
					CHECK(got[i].present == vals[j].present &&
					      got[i].error == vals[j].error &&
					      got[i].unit == vals[j].unit &&
					      got[i].siex == vals[j].siex &&
					      got[i].len == vals[j].len &&
					      got[i].mantissa == vals[j].mantissa);
				}
				CHECK(found == (got[i].present || got[i].error));
			}
		}
	} else {
		CHECK(ret < 0);
	}
	CHECK(kmp_decode_get_register(f, regs, 0, got) == -EINVAL);
	CHECK(kmp_decode_get_register(f, regs, KMP_MAX_REGS + 1, got) == -EINVAL);
}

static void check_request(const struct kmp_frame *f, const struct kmp_rx *rx)
{
	u8 wire[KMP_REQUEST_MAX];
	u16 regs[KMP_MAX_REGS];
	unsigned int n, i, j;
	bool dup = false;
	int ret;

	ret = kmp_decode_request(f, regs, &n);
	if (ret) {
		CHECK(ret == -EBADMSG && n == 0);
		return;
	}
	CHECK(f->cid == KMP_CID_GET_REGISTER);
	CHECK(n >= 1 && n <= KMP_MAX_REGS && f->len == 1 + 2 * n);
	for (i = 0; i < n; i++)
		for (j = 0; j < i; j++)
			if (regs[i] == regs[j])
				dup = true;
	ret = kmp_build_get_register(wire, sizeof(wire), f->addr, regs, n);
	if (dup) {
		CHECK(ret == -EINVAL);
		return;
	}
	CHECK(ret > 0 && ret <= KMP_REQUEST_MAX);
	reparse(wire, ret, KMP_START_REQUEST, rx->buf, rx->len);
}

static void check_identity(const struct kmp_frame *f, const struct kmp_rx *rx)
{
	u8 wire[2 + 2 * KMP_RX_MAX];
	struct kmp_type type;
	char rev[8], small[8];
	u32 serial;
	int ret, len;
	size_t sz;

	ret = kmp_decode_type(f, &type);
	CHECK(ret == 0 || ret == -EBADMSG);
	if (!ret) {
		CHECK(f->cid == KMP_CID_GET_TYPE && f->len == 4);
		len = kmp_type_revision(&type, rev, sizeof(rev));
		if ((type.revision >> 8) > 26 ||
		    (type.revision && !(type.revision >> 8))) {
			CHECK(len == -EINVAL);
		} else if (!type.revision) {
			CHECK(len == 0 && !rev[0]);
		} else {
			CHECK(len >= 2 && len <= 4 && (size_t)len == strlen(rev));
			CHECK(rev[0] == 'A' + (type.revision >> 8) - 1);
			CHECK((unsigned int)atoi(rev + 1) == (type.revision & 0xff));
			for (sz = 0; sz <= (size_t)len; sz++)
				CHECK(kmp_type_revision(&type, small, sz) == -ENOSPC);
		}
		ret = kmp_build_reply_type(wire, sizeof(wire), f->addr, &type);
		reparse(wire, ret, KMP_START_REPLY, rx->buf, rx->len);
	}

	ret = kmp_decode_serial(f, &serial);
	CHECK(ret == 0 || ret == -EBADMSG);
	if (!ret) {
		CHECK(f->cid == KMP_CID_GET_SERIAL && f->len == 4);
		ret = kmp_build_reply_serial(wire, sizeof(wire), f->addr, serial);
		reparse(wire, ret, KMP_START_REPLY, rx->buf, rx->len);
	}
}

static void check_frame(struct kmp_rx *rx, const struct header *h)
{
	struct kmp_frame f;
	size_t used;

	CHECK(rx->state == KMP_RX_DONE);
	CHECK(rx->len >= 4 && rx->len <= KMP_RX_MAX);
	CHECK(kmp_crc16(rx->buf, rx->len) == 0);
	CHECK(kmp_rx_frame(rx, &f) == 0);
	CHECK(f.addr == rx->buf[0] && f.cid == rx->buf[1] &&
	      f.data == rx->buf + 2 && f.len == rx->len - 4);
	/* A held frame takes no more bytes */
	CHECK(kmp_rx_feed(rx, rx->buf, 1, &used) == KMP_RX_COMPLETE && !used);

	check_registers(&f, rx, h);
	check_request(&f, rx);
	check_identity(&f, rx);
}

/* ---- the parser, chunked and whole -------------------------------------- */

struct events {
	unsigned int n;
	struct {
		int ret;
		size_t offset;
		u16 crc_of_body;
		size_t body_len;
	} e[MAX_EVENTS];
};

static void record(struct events *ev, int ret, size_t offset,
		   const struct kmp_rx *rx)
{
	if (ev->n >= MAX_EVENTS)
		return;
	ev->e[ev->n].ret = ret;
	ev->e[ev->n].offset = offset;
	ev->e[ev->n].body_len = ret == KMP_RX_COMPLETE ? rx->len : 0;
	ev->e[ev->n].crc_of_body = ret == KMP_RX_COMPLETE ?
		kmp_crc16(rx->buf, rx->len - 2) : 0;
	ev->n++;
}

static void run_parser(const u8 *p, size_t len, u8 start,
		       const struct header *h, bool chunked, struct events *ev)
{
	static struct kmp_rx rx;
	size_t pos = 0;
	unsigned int k = 0;

	ev->n = 0;
	kmp_rx_init(&rx, start);
	CHECK(rx.state == KMP_RX_HUNT && rx.len == 0 && rx.start == start);
	while (pos < len) {
		size_t chunk = chunked ? h->chunk[k++ % 4] : len;
		size_t end = pos + chunk < len ? pos + chunk : len;

		while (pos < end) {
			size_t used = SIZE_MAX;
			int ret = kmp_rx_feed(&rx, p + pos, end - pos, &used);

			CHECK(used <= end - pos);
			CHECK(rx.len <= KMP_RX_MAX);
			pos += used;
			if (ret == KMP_RX_NEED_MORE) {
				CHECK(pos == end);
				CHECK(rx.state != KMP_RX_DONE);
				break;
			}
			CHECK(used > 0);	/* progress on every event */
			record(ev, ret, pos, &rx);
			if (ret == KMP_RX_COMPLETE) {
				if (!chunked)
					check_frame(&rx, h);
				kmp_rx_init(&rx, start);
				continue;
			}
			CHECK(ret == -EBADMSG || ret == -EMSGSIZE);
			CHECK(rx.state == KMP_RX_HUNT || rx.state == KMP_RX_BODY);
			CHECK(rx.len == 0);
		}
	}
}

/*
 * Frames bodies the way a sender does: a test-side encoder, independent of
 * the core's (static) framer, used only to produce good CRCs for the
 * fuzzer.  Fills @exp with the events a parser must report.
 */
static size_t wrap_bodies(const u8 *p, size_t len, u8 start, u8 *wire,
			  struct events *exp)
{
	size_t pos = 0, w = 0, i;

	exp->n = 0;
	while (pos < len && w + 2 + 2 * 258 < WIRE_MAX) {
		size_t blen = p[pos++];
		u8 body[258];
		u16 crc;

		if (blen > len - pos)
			blen = len - pos;
		memcpy(body, p + pos, blen);
		pos += blen;
		crc = kmp_crc16(body, blen);
		body[blen] = crc >> 8;
		body[blen + 1] = crc & 0xff;
		wire[w++] = start;
		for (i = 0; i < blen + 2; i++) {
			u8 b = body[i];

			if (b == KMP_START_REQUEST || b == KMP_START_REPLY ||
			    b == KMP_STOP || b == KMP_ACK || b == KMP_ESCAPE) {
				wire[w++] = KMP_ESCAPE;
				b ^= 0xff;
			}
			wire[w++] = b;
		}
		wire[w++] = KMP_STOP;
		if (exp->n < MAX_EVENTS) {
			exp->e[exp->n].offset = w;
			if (blen + 2 < 4) {
				exp->e[exp->n].ret = -EBADMSG;
				exp->e[exp->n].body_len = 0;
				exp->e[exp->n].crc_of_body = 0;
			} else if (blen + 2 > KMP_RX_MAX) {
				exp->e[exp->n].ret = -EMSGSIZE;
				exp->e[exp->n].body_len = 0;
				exp->e[exp->n].crc_of_body = 0;
			} else {
				exp->e[exp->n].ret = KMP_RX_COMPLETE;
				exp->e[exp->n].body_len = blen + 2;
				exp->e[exp->n].crc_of_body = crc;
			}
			exp->n++;
		}
	}
	return w;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct events whole, chunked, expected;
	static u8 wire[WIRE_MAX];
	struct header h;
	unsigned int i, k;
	static const u8 starts[2] = { KMP_START_REPLY, KMP_START_REQUEST };
	u8 wrap_start;

	if (size < 6)
		return 0;
	h.chunk[0] = (data[0] & 0x0f) + 1;
	h.chunk[1] = (data[0] >> 4) + 1;
	h.chunk[2] = (data[1] & 0x0f) + 1;
	h.chunk[3] = (data[1] >> 4) * 4 + 1;
	h.mask = data[2];
	h.extra = data[3] << 8 | data[4];
	h.mode = data[5];
	data += 6;
	size -= 6;

	if (h.mode & MODE_WRAP) {
		wrap_start = h.mode & MODE_REQUEST ? KMP_START_REQUEST :
						     KMP_START_REPLY;
		size = wrap_bodies(data, size, wrap_start, wire, &expected);
		data = wire;
		run_parser(data, size, wrap_start, &h, false, &whole);
		/*
		 * A frame that is too long fails when the buffer overflows,
		 * before its stop byte: compare the frames that fit.
		 */
		for (i = 0, k = 0; i < expected.n && k < whole.n; i++) {
			if (expected.e[i].ret == -EMSGSIZE) {
				CHECK(whole.e[k].ret == -EMSGSIZE);
				k++;
				continue;
			}
			CHECK(whole.e[k].ret == expected.e[i].ret &&
			      whole.e[k].offset == expected.e[i].offset &&
			      whole.e[k].body_len == expected.e[i].body_len &&
			      whole.e[k].crc_of_body == expected.e[i].crc_of_body);
			k++;
		}
		CHECK(k == whole.n && (i == expected.n || expected.n == MAX_EVENTS));
	}

	for (i = 0; i < 2; i++) {
		run_parser(data, size, starts[i], &h, false, &whole);
		run_parser(data, size, starts[i], &h, true, &chunked);
		CHECK(whole.n == chunked.n);
		for (k = 0; k < whole.n; k++)
			CHECK(whole.e[k].ret == chunked.e[k].ret &&
			      whole.e[k].offset == chunked.e[k].offset &&
			      whole.e[k].body_len == chunked.e[k].body_len &&
			      whole.e[k].crc_of_body == chunked.e[k].crc_of_body);
	}
	return 0;
}
