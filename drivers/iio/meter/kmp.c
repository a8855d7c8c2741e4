// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kamstrup Meter Protocol (KMP): pure protocol core.
 *
 * Frames: a start byte (0x80 to the meter, 0x40 from it), a body of
 * destination address, command id and data, a CRC-16/ITU-T (polynomial
 * 0x1021, initial value 0, big-endian) over the body, and the stop byte 0x0d.
 * Between start and stop, the bytes 0x80, 0x40, 0x0d, 0x06 and 0x1b are
 * sent as 0x1b followed by the byte's complement.
 *
 * A GetRegister reply carries one entry per register the meter knows:
 * register id (2 bytes), unit code, mantissa length n, SiEx (bit 7: the
 * mantissa is negative, bit 6: the exponent is negative, bits 0-5: the
 * exponent) and an n-byte big-endian mantissa.
 *
 * Copyright (C) 2026 The kamstrup-kmp authors
 */

#include <kunit/visibility.h>
#include <linux/crc-itu-t.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/math64.h>
#include <linux/string.h>

#include "kmp.h"

static bool kmp_is_special(u8 b)
{
	return b == KMP_START_REQUEST || b == KMP_START_REPLY ||
	       b == KMP_STOP || b == KMP_ACK || b == KMP_ESCAPE;
}

/**
 * kmp_crc16() - CRC of a KMP frame body
 * @data: body bytes, from the address byte on
 * @len: number of bytes
 *
 * CRC-16/ITU-T with polynomial 0x1021 and initial value 0.  A body that
 * includes its own (big-endian) CRC yields 0.
 *
 * Return: the CRC.
 */
u16 kmp_crc16(const u8 *data, size_t len)
{
	return crc_itu_t(0, data, len);
}
EXPORT_SYMBOL_IF_KUNIT(kmp_crc16);

/* Appends @b to @buf at *@pos, stuffed if @stuff and it is special. */
static int kmp_put(u8 *buf, size_t size, size_t *pos, u8 b, bool stuff)
{
	if (stuff && kmp_is_special(b)) {
		if (*pos + 2 > size)
			return -ENOSPC;
		buf[(*pos)++] = KMP_ESCAPE;
		buf[(*pos)++] = b ^ 0xff;
		return 0;
	}
	if (*pos + 1 > size)
		return -ENOSPC;
	buf[(*pos)++] = b;
	return 0;
}

/*
 * Frames @body (address, CID and data) with @start, CRC, stuffing and stop.
 * Static on purpose: the exported builders below are the only frames this
 * core produces, and none of them writes to a meter.
 */
static int kmp_frame_body(u8 *buf, size_t size, u8 start, const u8 *body,
			  size_t len)
{
	size_t pos = 0, i;
	u16 crc = kmp_crc16(body, len);
	int ret;

	ret = kmp_put(buf, size, &pos, start, false);
	for (i = 0; !ret && i < len; i++)
		ret = kmp_put(buf, size, &pos, body[i], true);
	if (!ret)
		ret = kmp_put(buf, size, &pos, crc >> 8, true);
	if (!ret)
		ret = kmp_put(buf, size, &pos, crc & 0xff, true);
	if (!ret)
		ret = kmp_put(buf, size, &pos, KMP_STOP, false);

	return ret ? ret : (int)pos;
}

/**
 * kmp_build_get_register() - build a GetRegister request
 * @buf: output buffer, KMP_REQUEST_MAX bytes always suffice
 * @size: size of @buf
 * @addr: meter address, usually KMP_ADDR_HEAT
 * @regs: register ids, all different
 * @n: number of ids, 1..KMP_MAX_REGS
 *
 * Return: the frame length, -EINVAL for a bad @n or a repeated id, or
 * -ENOSPC if @buf is too small.
 */
int kmp_build_get_register(u8 *buf, size_t size, u8 addr,
			   const u16 *regs, unsigned int n)
{
	u8 body[3 + 2 * KMP_MAX_REGS];
	unsigned int i, j;

	if (n < 1 || n > KMP_MAX_REGS)
		return -EINVAL;

	body[0] = addr;
	body[1] = KMP_CID_GET_REGISTER;
	body[2] = n;
	for (i = 0; i < n; i++) {
		for (j = 0; j < i; j++)
			if (regs[j] == regs[i])
				return -EINVAL;
		body[3 + 2 * i] = regs[i] >> 8;
		body[4 + 2 * i] = regs[i] & 0xff;
	}

	return kmp_frame_body(buf, size, KMP_START_REQUEST, body, 3 + 2 * n);
}
EXPORT_SYMBOL_IF_KUNIT(kmp_build_get_register);

/**
 * kmp_build_get_type() - build a GetType request
 * @buf: output buffer
 * @size: size of @buf
 * @addr: meter address
 *
 * Return: the frame length or -ENOSPC.
 */
int kmp_build_get_type(u8 *buf, size_t size, u8 addr)
{
	u8 body[2] = { addr, KMP_CID_GET_TYPE };

	return kmp_frame_body(buf, size, KMP_START_REQUEST, body, sizeof(body));
}
EXPORT_SYMBOL_IF_KUNIT(kmp_build_get_type);

/**
 * kmp_build_get_serial() - build a GetSerialNo request
 * @buf: output buffer
 * @size: size of @buf
 * @addr: meter address
 *
 * Return: the frame length or -ENOSPC.
 */
int kmp_build_get_serial(u8 *buf, size_t size, u8 addr)
{
	u8 body[2] = { addr, KMP_CID_GET_SERIAL };

	return kmp_frame_body(buf, size, KMP_START_REQUEST, body, sizeof(body));
}
EXPORT_SYMBOL_IF_KUNIT(kmp_build_get_serial);

/**
 * kmp_reply_len_max() - longest GetRegister reply for @n registers
 * @n: number of register ids asked for
 *
 * Assumes KMP_MAX_MANTISSA byte mantissas and every byte stuffed, so that a
 * receive timeout derived from it is never too short for a valid reply.
 *
 * Return: the length in bytes on the wire.
 */
size_t kmp_reply_len_max(unsigned int n)
{
	return 1 + 2 * (2 + n * (5 + KMP_MAX_MANTISSA) + 2) + 1;
}
EXPORT_SYMBOL_IF_KUNIT(kmp_reply_len_max);

/**
 * kmp_rx_init() - reset a receive parser
 * @rx: parser
 * @start: start byte of the frames to receive: KMP_START_REPLY for replies
 *	   from a meter, KMP_START_REQUEST in a simulated meter
 *
 * Call before every transaction, so that nothing of an earlier (late or
 * broken) reply can complete or fill the next one.
 */
void kmp_rx_init(struct kmp_rx *rx, u8 start)
{
	rx->state = KMP_RX_HUNT;
	rx->start = start;
	rx->len = 0;
	rx->discarded = 0;
	rx->errors = 0;
}
EXPORT_SYMBOL_IF_KUNIT(kmp_rx_init);

/* Drops the frame being received; the parser hunts for the next one. */
static int kmp_rx_fail(struct kmp_rx *rx, int err)
{
	rx->errors++;
	rx->state = KMP_RX_HUNT;
	rx->len = 0;
	return err;
}

/**
 * kmp_rx_feed() - feed received bytes to the parser
 * @rx: parser, set up by kmp_rx_init()
 * @data: received bytes
 * @len: number of bytes
 * @consumed: set to the number of bytes of @data the parser took
 *
 * Bytes before a start byte (an optical head's echo of the request, noise)
 * are discarded.  The body is unstuffed into a bounded buffer; on the stop
 * byte its CRC is checked.  After an error the parser has already resynced:
 * feeding the rest of @data (from @consumed on) goes on hunting for the
 * next frame.  Once a frame is complete, further bytes are not taken until
 * kmp_rx_init() is called again.
 *
 * Return: KMP_RX_COMPLETE when a frame with a good CRC is held (get it with
 * kmp_rx_frame()), KMP_RX_NEED_MORE when all of @data was taken and the
 * frame is not complete yet, -EBADMSG for a CRC or framing error (raw
 * special byte or bad escape inside a frame, frame too short) and
 * -EMSGSIZE for a frame longer than KMP_RX_MAX.
 */
int kmp_rx_feed(struct kmp_rx *rx, const u8 *data, size_t len,
		size_t *consumed)
{
	size_t i = 0;
	int ret = KMP_RX_NEED_MORE;

	while (i < len && rx->state != KMP_RX_DONE) {
		u8 b = data[i++];

		switch (rx->state) {
		case KMP_RX_HUNT:
			if (b == rx->start) {
				rx->state = KMP_RX_BODY;
				rx->len = 0;
			} else {
				rx->discarded++;
			}
			continue;
		case KMP_RX_ESCAPED:
			b ^= 0xff;
			if (!kmp_is_special(b)) {
				ret = kmp_rx_fail(rx, -EBADMSG);
				goto out;
			}
			rx->state = KMP_RX_BODY;
			break;
		case KMP_RX_BODY:
			if (b == KMP_ESCAPE) {
				rx->state = KMP_RX_ESCAPED;
				continue;
			}
			if (b == KMP_STOP) {
				if (rx->len < 4 || kmp_crc16(rx->buf, rx->len)) {
					ret = kmp_rx_fail(rx, -EBADMSG);
					goto out;
				}
				rx->state = KMP_RX_DONE;
				ret = KMP_RX_COMPLETE;
				goto out;
			}
			if (kmp_is_special(b)) {
				/* A new frame starts here: the old one broke */
				ret = kmp_rx_fail(rx, -EBADMSG);
				if (b == rx->start)
					rx->state = KMP_RX_BODY;
				goto out;
			}
			break;
		default:
			break;
		}

		if (rx->len >= sizeof(rx->buf)) {
			ret = kmp_rx_fail(rx, -EMSGSIZE);
			goto out;
		}
		rx->buf[rx->len++] = b;
	}
	if (rx->state == KMP_RX_DONE)
		ret = KMP_RX_COMPLETE;
out:
	*consumed = i;
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(kmp_rx_feed);

/**
 * kmp_rx_frame() - the frame a parser holds
 * @rx: parser whose last kmp_rx_feed() returned KMP_RX_COMPLETE
 * @frame: set to the frame; its data points into @rx
 *
 * Return: 0, or -EAGAIN if no complete frame is held.
 */
int kmp_rx_frame(const struct kmp_rx *rx, struct kmp_frame *frame)
{
	if (rx->state != KMP_RX_DONE)
		return -EAGAIN;

	frame->addr = rx->buf[0];
	frame->cid = rx->buf[1];
	frame->data = &rx->buf[2];
	frame->len = rx->len - 4;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(kmp_rx_frame);

/* Parses the register entry at data[*pos], advancing *pos past it. */
static int kmp_parse_entry(const u8 *data, size_t len, size_t *pos,
			   struct kmp_value *v)
{
	size_t p = *pos;
	unsigned int b;

	if (len - p < 5)
		return -EBADMSG;
	v->reg = data[p] << 8 | data[p + 1];
	v->unit = data[p + 2];
	v->len = data[p + 3];
	v->siex = data[p + 4];
	p += 5;
	if (v->len < 1 || len - p < v->len)
		return -EBADMSG;
	v->mantissa = 0;
	*pos = p + v->len;
	/* Too long for a u64: this entry alone has no value */
	if (v->len > KMP_MAX_MANTISSA) {
		v->present = false;
		v->error = -EOVERFLOW;
		return 0;
	}
	for (b = 0; b < v->len; b++)
		v->mantissa = v->mantissa << 8 | data[p + b];
	v->present = true;
	v->error = 0;
	return 0;
}

/**
 * kmp_decode_registers() - decode every entry of a GetRegister reply
 * @frame: reply frame
 * @vals: output entries
 * @max: room in @vals
 * @count: set to the number of entries decoded
 *
 * An entry whose mantissa is longer than KMP_MAX_MANTISSA bytes is decoded
 * without its value: @present false, @error -EOVERFLOW.  The other entries
 * of the frame keep theirs.
 *
 * Return: 0; -EBADMSG if @frame is not a GetRegister reply or an entry is
 * truncated or has an empty mantissa; -EMSGSIZE if there are more than @max
 * entries.
 */
int kmp_decode_registers(const struct kmp_frame *frame,
			 struct kmp_value *vals, unsigned int max,
			 unsigned int *count)
{
	size_t pos = 0;
	unsigned int n = 0;
	int ret;

	*count = 0;
	if (frame->cid != KMP_CID_GET_REGISTER)
		return -EBADMSG;

	while (pos < frame->len) {
		if (n >= max)
			return -EMSGSIZE;
		ret = kmp_parse_entry(frame->data, frame->len, &pos, &vals[n]);
		if (ret)
			return ret;
		n++;
	}
	*count = n;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(kmp_decode_registers);

/**
 * kmp_decode_get_register() - decode the reply to a GetRegister request
 * @frame: reply frame
 * @regs: the register ids that were asked for
 * @n: number of ids, 1..KMP_MAX_REGS
 * @vals: @n entries, in the order of @regs
 *
 * Entries are matched by register id, never by position.  A register the
 * meter left out is returned with @present false and @error 0: the meter
 * does not know it.  One with too long a mantissa has @error -EOVERFLOW.
 * An entry for a register that was not asked for, or asked for once
 * and answered twice, means the frame is not the reply to this request.
 *
 * Return: 0 or an error of kmp_decode_registers(); -EBADMSG also for an
 * unexpected or repeated register; -EINVAL for a bad @n.
 */
int kmp_decode_get_register(const struct kmp_frame *frame,
			    const u16 *regs, unsigned int n,
			    struct kmp_value *vals)
{
	struct kmp_value got[KMP_MAX_REGS];
	unsigned int i, k, count;
	int ret;

	if (n < 1 || n > KMP_MAX_REGS)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		memset(&vals[i], 0, sizeof(vals[i]));
		vals[i].reg = regs[i];
	}
	ret = kmp_decode_registers(frame, got, n, &count);
	if (ret == -EMSGSIZE)
		return -EBADMSG;
	if (ret)
		return ret;
	for (k = 0; k < count; k++) {
		for (i = 0; i < n; i++)
			if (regs[i] == got[k].reg && !vals[i].present &&
			    !vals[i].error)
				break;
		if (i == n)
			return -EBADMSG;
		vals[i] = got[k];
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(kmp_decode_get_register);

/**
 * kmp_decode_type() - decode a GetType reply
 * @frame: reply frame
 * @type: set to the meter type and software revision
 *
 * Return: 0, or -EBADMSG if @frame is not a 4-byte GetType reply.
 */
int kmp_decode_type(const struct kmp_frame *frame, struct kmp_type *type)
{
	const u8 *d = frame->data;

	if (frame->cid != KMP_CID_GET_TYPE || frame->len != 4)
		return -EBADMSG;

	type->type = d[0] << 8 | d[1];
	type->revision = d[2] << 8 | d[3];
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(kmp_decode_type);

/**
 * kmp_type_revision() - software revision as the meter's display shows it
 * @type: decoded GetType reply
 * @buf: output, NUL-terminated; 5 bytes always suffice
 * @size: size of @buf
 *
 * Return: the length of the string, e.g. "F1" for 0x0601, or "" when the
 * meter gives no revision; -EINVAL for a letter beyond 'Z'; -ENOSPC.
 */
int kmp_type_revision(const struct kmp_type *type, char *buf, size_t size)
{
	unsigned int letter = type->revision >> 8;
	unsigned int number = type->revision & 0xff;
	size_t len, pos;

	if (letter > 26)
		return -EINVAL;
	if (size < 1)
		return -ENOSPC;
	if (!type->revision) {
		buf[0] = '\0';
		return 0;
	}
	if (!letter)
		return -EINVAL;
	len = 2 + (number >= 10) + (number >= 100);
	if (size < len + 1)
		return -ENOSPC;
	buf[0] = 'A' + letter - 1;
	buf[len] = '\0';
	pos = len;
	do {
		buf[--pos] = '0' + number % 10;
		number /= 10;
	} while (number);
	return len;
}
EXPORT_SYMBOL_IF_KUNIT(kmp_type_revision);

/**
 * kmp_decode_serial() - decode a GetSerialNo reply
 * @frame: reply frame
 * @serial: set to the serial number
 *
 * Return: 0, or -EBADMSG if @frame is not a 4-byte GetSerialNo reply.
 */
int kmp_decode_serial(const struct kmp_frame *frame, u32 *serial)
{
	const u8 *d = frame->data;

	if (frame->cid != KMP_CID_GET_SERIAL || frame->len != 4)
		return -EBADMSG;

	*serial = (u32)d[0] << 24 | (u32)d[1] << 16 | (u32)d[2] << 8 | d[3];
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(kmp_decode_serial);

/**
 * kmp_value_negative() - whether an entry's value is below zero
 * @v: entry
 *
 * Return: true if the mantissa sign bit is set and the mantissa is not 0.
 */
bool kmp_value_negative(const struct kmp_value *v)
{
	return (v->siex & KMP_SIEX_NEG_MANTISSA) && v->mantissa;
}
EXPORT_SYMBOL_IF_KUNIT(kmp_value_negative);

/**
 * kmp_value_exponent() - an entry's decimal exponent
 * @v: entry
 *
 * Return: the signed exponent, -63..63.
 */
int kmp_value_exponent(const struct kmp_value *v)
{
	int e = v->siex & KMP_SIEX_EXPONENT;

	return (v->siex & KMP_SIEX_NEG_EXPONENT) ? -e : e;
}
EXPORT_SYMBOL_IF_KUNIT(kmp_value_exponent);

/**
 * kmp_value_to_string() - exact decimal string of an entry's value
 * @v: entry
 * @buf: output, NUL-terminated; KMP_VALUE_STR_MAX bytes always suffice
 * @size: size of @buf
 *
 * The digits the meter sent are kept, including trailing zeros after the
 * decimal point: 1230 * 10^-2 is "12.30", 123456789 * 10^3 is
 * "123456789000", 123 * 10^-6 is "0.000123".
 *
 * Return: the string length, or -ENOSPC if @buf is too small.
 */
int kmp_value_to_string(const struct kmp_value *v, char *buf, size_t size)
{
	char digits[20], out[KMP_VALUE_STR_MAX];
	int nd = 0, e = kmp_value_exponent(v), i;
	size_t pos = 0;
	u64 m = v->mantissa;
	u32 rem;

	do {
		m = div_u64_rem(m, 10, &rem);
		digits[nd++] = '0' + rem;
	} while (m);

	/* At most 1 + 20 + 63 characters: out[] always has room */
	if (kmp_value_negative(v))
		out[pos++] = '-';
	if (e >= 0) {
		for (i = nd - 1; i >= 0; i--)
			out[pos++] = digits[i];
		if (v->mantissa)
			for (i = 0; i < e; i++)
				out[pos++] = '0';
	} else {
		int point = nd + e;	/* digits before the decimal point */

		if (point <= 0) {
			out[pos++] = '0';
			out[pos++] = '.';
			for (i = 0; i < -point; i++)
				out[pos++] = '0';
		}
		for (i = nd - 1; i >= 0; i--) {
			out[pos++] = digits[i];
			if (i == -e && point > 0)
				out[pos++] = '.';
		}
	}

	if (pos + 1 > size)
		return -ENOSPC;
	memcpy(buf, out, pos);
	buf[pos] = '\0';
	return pos;
}
EXPORT_SYMBOL_IF_KUNIT(kmp_value_to_string);

/**
 * kmp_value_to_base() - an entry's value as a whole number of base units
 * @v: entry
 * @exp: the unit of @out: 10^@exp of the base unit of the entry's quantity
 *	 (see enum kmp_quantity), e.g. -3 for mW when the base unit is W
 * @out: the value in units of 10^@exp base units
 *
 * The conversion is exact or fails: nothing is rounded.  With a fixed @exp
 * the result keeps its meaning whatever resolution (exponent) the meter
 * sends, so that 9876543 * 10^-2 kWh and 98765430 * 10^-3 kWh give the
 * same number.
 *
 * Return: 0; -EINVAL if the unit code has no conversion; -ERANGE if the
 * value is not a whole number of 10^@exp base units or does not fit an s64,
 * or (only above 10^14 with decimals left after the trailing zeros) if the
 * mantissa times the unit's factor does not fit 64 bits.
 */
int kmp_value_to_base(const struct kmp_value *v, int exp, s64 *out)
{
	const struct kmp_unit *u = kmp_unit(v->unit);
	u64 m = v->mantissa, q;
	u32 rem;
	int e;

	if (!u || u->quantity == KMP_QTY_NONE)
		return -EINVAL;
	/* The value is m * mult * 10^e units of 10^exp base units */
	e = kmp_value_exponent(v) + u->exp - exp;
	/* Trailing zeros first: an 8-byte mantissa may need the room */
	while (e < 0 && m) {
		q = div_u64_rem(m, 10, &rem);
		if (rem)
			break;
		m = q;
		e++;
	}
	if (m && u->mult > U64_MAX / m)
		return -ERANGE;
	m *= u->mult;
	for (; e < 0 && m; e++) {
		m = div_u64_rem(m, 10, &rem);
		if (rem)
			return -ERANGE;
	}
	for (; e > 0 && m; e--) {
		if (m > (u64)S64_MAX / 10)
			return -ERANGE;
		m *= 10;
	}
	if (m > (u64)S64_MAX)
		return -ERANGE;
	*out = kmp_value_negative(v) ? -(s64)m : (s64)m;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(kmp_value_to_base);
#define KMP_UNIT(n, q, m, e) \
	{ .name = n, .quantity = KMP_QTY_##q, .mult = m, .exp = e }
#define KMP_UNIT_NONE(n)	KMP_UNIT(n, NONE, 0, 0)

/*
 * Unit codes 0..64 and their conversion to the base unit of their quantity
 * (enum kmp_quantity): 1 Wh = 3600 J; calories are International Table
 * calories, 4.1868 J; K is a temperature difference on these meters, the
 * same number as in degrees Celsius.  Reactive and apparent energy and
 * power, mass, time and dates have no conversion.
 *
 * Public tables disagree on codes 21 and 25: some give "kW" and "kvar"
 * (a duplicate of 22 and 26), others "W" and "var".  The regular prefix
 * pattern of the table (W kW MW GW, var kvar Mvar Gvar) is followed here.
 */
static const struct kmp_unit kmp_units[KMP_UNIT_MAX + 1] = {
	[0] = KMP_UNIT_NONE(""),
	[1] = KMP_UNIT("Wh", ENERGY, 36, 2),
	[2] = KMP_UNIT("kWh", ENERGY, 36, 5),
	[3] = KMP_UNIT("MWh", ENERGY, 36, 8),
	[4] = KMP_UNIT("GWh", ENERGY, 36, 11),
	[5] = KMP_UNIT("J", ENERGY, 1, 0),
	[6] = KMP_UNIT("kJ", ENERGY, 1, 3),
	[7] = KMP_UNIT("MJ", ENERGY, 1, 6),
	[8] = KMP_UNIT("GJ", ENERGY, 1, 9),
	[9] = KMP_UNIT("Cal", ENERGY, 41868, -4),
	[10] = KMP_UNIT("kCal", ENERGY, 41868, -1),
	[11] = KMP_UNIT("Mcal", ENERGY, 41868, 2),
	[12] = KMP_UNIT("Gcal", ENERGY, 41868, 5),
	[13] = KMP_UNIT_NONE("varh"),
	[14] = KMP_UNIT_NONE("kvarh"),
	[15] = KMP_UNIT_NONE("Mvarh"),
	[16] = KMP_UNIT_NONE("Gvarh"),
	[17] = KMP_UNIT_NONE("VAh"),
	[18] = KMP_UNIT_NONE("kVAh"),
	[19] = KMP_UNIT_NONE("MVAh"),
	[20] = KMP_UNIT_NONE("GVAh"),
	[21] = KMP_UNIT("W", POWER, 1, 0),
	[22] = KMP_UNIT("kW", POWER, 1, 3),
	[23] = KMP_UNIT("MW", POWER, 1, 6),
	[24] = KMP_UNIT("GW", POWER, 1, 9),
	[25] = KMP_UNIT_NONE("var"),
	[26] = KMP_UNIT_NONE("kvar"),
	[27] = KMP_UNIT_NONE("Mvar"),
	[28] = KMP_UNIT_NONE("Gvar"),
	[29] = KMP_UNIT_NONE("VA"),
	[30] = KMP_UNIT_NONE("kVA"),
	[31] = KMP_UNIT_NONE("MVA"),
	[32] = KMP_UNIT_NONE("GVA"),
	[33] = KMP_UNIT("V", VOLTAGE, 1, 0),
	[34] = KMP_UNIT("A", CURRENT, 1, 0),
	[35] = KMP_UNIT("kV", VOLTAGE, 1, 3),
	[36] = KMP_UNIT("kA", CURRENT, 1, 3),
	[37] = KMP_UNIT("C", TEMPERATURE, 1, 0),
	[38] = KMP_UNIT("K", TEMPERATURE, 1, 0),
	[39] = KMP_UNIT("l", VOLUME, 1, 0),
	[40] = KMP_UNIT("m3", VOLUME, 1, 3),
	[41] = KMP_UNIT("l/h", FLOW, 1, 0),
	[42] = KMP_UNIT("m3/h", FLOW, 1, 3),
	[43] = KMP_UNIT_NONE("m3xC"),
	[44] = KMP_UNIT_NONE("ton"),
	[45] = KMP_UNIT_NONE("ton/h"),
	[46] = KMP_UNIT_NONE("h"),
	[47] = KMP_UNIT_NONE("hh:mm:ss"),
	[48] = KMP_UNIT_NONE("yy:mm:dd"),
	[49] = KMP_UNIT_NONE("yyyy:mm:dd"),
	[50] = KMP_UNIT_NONE("mm:dd"),
	[51] = KMP_UNIT_NONE(""),
	[52] = KMP_UNIT("bar", PRESSURE, 1, 5),
	[53] = KMP_UNIT_NONE("RTC"),
	[54] = KMP_UNIT_NONE("ASCII"),
	[55] = KMP_UNIT("m3 x 10", VOLUME, 1, 4),
	[56] = KMP_UNIT_NONE("ton x 10"),
	[57] = KMP_UNIT("GJ x 10", ENERGY, 1, 10),
	[58] = KMP_UNIT_NONE("minutes"),
	[59] = KMP_UNIT_NONE("Bitfield"),
	[60] = KMP_UNIT_NONE("s"),
	[61] = KMP_UNIT_NONE("ms"),
	[62] = KMP_UNIT_NONE("days"),
	[63] = KMP_UNIT_NONE("RTC-Q"),
	[64] = KMP_UNIT_NONE("Datetime"),
};

/**
 * kmp_unit() - look up a unit code
 * @code: unit code from a register entry
 *
 * Return: the unit's name and conversion, or NULL for a code above
 * KMP_UNIT_MAX.
 */
const struct kmp_unit *kmp_unit(unsigned int code)
{
	if (code > KMP_UNIT_MAX)
		return NULL;
	return &kmp_units[code];
}
EXPORT_SYMBOL_IF_KUNIT(kmp_unit);

/*
 * Registers whose meaning is known: the one table of them, for the driver,
 * kmpctl, kmp-sim and the docs (Documentation/kmp-protocol.rst gives the
 * source of each).  A quantity of KMP_QTY_NONE is a register with a name
 * but no conversion (a count, a date, a bit field).
 */
static const struct kmp_register kmp_registers[] = {
	/* MULTICAL 302/402/403/603 heat meters */
	{ KMP_REG_HEAT_ENERGY, "heat energy", KMP_QTY_ENERGY, 1 },
	{ KMP_REG_COOL_ENERGY, "cooling energy", KMP_QTY_ENERGY, 3 },
	{ KMP_REG_VOLUME, "volume", KMP_QTY_VOLUME, 1 },
	{ KMP_REG_VOLUME2, "volume 2", KMP_QTY_VOLUME, 2 },
	{ KMP_REG_FLOW, "flow", KMP_QTY_FLOW, 1 },
	{ KMP_REG_FLOW2, "flow 2", KMP_QTY_FLOW, 2 },
	{ KMP_REG_POWER, "power", KMP_QTY_POWER, 1 },
	{ KMP_REG_TEMP1, "temperature 1", KMP_QTY_TEMPERATURE, 1 },
	{ KMP_REG_TEMP2, "temperature 2", KMP_QTY_TEMPERATURE, 2 },
	{ KMP_REG_TEMP3, "temperature 3", KMP_QTY_TEMPERATURE, 3 },
	{ KMP_REG_TEMP_DIFF, "temperature difference", KMP_QTY_TEMPERATURE,
	  1, 2 },
	{ KMP_REG_PRESSURE1, "pressure 1", KMP_QTY_PRESSURE, 1 },
	{ KMP_REG_PRESSURE2, "pressure 2", KMP_QTY_PRESSURE, 2 },
	{ 0x0061, "E8 (m3 x T1)", KMP_QTY_NONE },
	{ KMP_REG_INFO_CODE, "info code", KMP_QTY_NONE },
	{ 0x006e, "E9 (m3 x T2)", KMP_QTY_NONE },
	{ 0x0071, "info event counter", KMP_QTY_NONE },
	{ 0x00ef, "volume (high resolution)", KMP_QTY_VOLUME, 1 },
	{ 0x010a, "heat energy (high resolution)", KMP_QTY_ENERGY, 1 },
	{ 0x010b, "cooling energy (high resolution)", KMP_QTY_ENERGY, 3 },
	{ 0x03ea, "clock", KMP_QTY_NONE },
	{ 0x03eb, "date", KMP_QTY_NONE },
	{ KMP_REG_HOURS, "hour counter", KMP_QTY_NONE },

	/* Kamstrup 382 electricity meter */
	{ KMP_REG_ENERGY_IN, "energy in", KMP_QTY_ENERGY, 1 },
	{ KMP_REG_ENERGY_OUT, "energy out", KMP_QTY_ENERGY, 2 },
	{ 0x000d, "energy in (high resolution)", KMP_QTY_ENERGY, 1 },
	{ 0x000e, "energy out (high resolution)", KMP_QTY_ENERGY, 2 },
	{ KMP_REG_POWER_IN, "power in", KMP_QTY_POWER, 1 },
	{ KMP_REG_POWER_OUT, "power out", KMP_QTY_POWER, 2 },
	{ KMP_REG_VOLTAGE_L1, "voltage L1", KMP_QTY_VOLTAGE, 1 },
	{ KMP_REG_VOLTAGE_L2, "voltage L2", KMP_QTY_VOLTAGE, 2 },
	{ KMP_REG_VOLTAGE_L3, "voltage L3", KMP_QTY_VOLTAGE, 3 },
	{ KMP_REG_CURRENT_L1, "current L1", KMP_QTY_CURRENT, 1 },
	{ KMP_REG_CURRENT_L2, "current L2", KMP_QTY_CURRENT, 2 },
	{ KMP_REG_CURRENT_L3, "current L3", KMP_QTY_CURRENT, 3 },
	{ KMP_REG_POWER_IN_L1, "power in L1", KMP_QTY_POWER, 11 },
	{ KMP_REG_POWER_IN_L2, "power in L2", KMP_QTY_POWER, 12 },
	{ KMP_REG_POWER_IN_L3, "power in L3", KMP_QTY_POWER, 13 },
	{ 0x0540, "power out L1", KMP_QTY_POWER, 21 },
	{ 0x0541, "power out L2", KMP_QTY_POWER, 22 },
	{ 0x0542, "power out L3", KMP_QTY_POWER, 23 },
};

/**
 * kmp_register() - look up a register whose meaning is known
 * @id: register id
 *
 * Return: its name, quantity and number, or NULL for a register this core
 * does not know.
 */
const struct kmp_register *kmp_register(u16 id)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kmp_registers); i++)
		if (kmp_registers[i].id == id)
			return &kmp_registers[i];
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(kmp_register);
