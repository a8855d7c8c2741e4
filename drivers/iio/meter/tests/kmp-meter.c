// SPDX-License-Identifier: GPL-2.0-only
/*
 * The meter's side of KMP, for the KUnit fake meter, the simulated meter
 * (kmp-sim) and the fuzzer: replies as a meter builds them, requests as a
 * meter reads them, and register values from decimal strings.  None of it
 * belongs in the driver.
 *
 * The reply framing is written here again on purpose, from the protocol
 * description rather than from kmp.c: the driver's parser is tested
 * against frames it did not build itself.
 *
 * Copyright (C) 2026 The kamstrup-kmp authors
 */

#include <kunit/visibility.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/kernel.h>
#include <linux/limits.h>

#include "kmp-meter.h"

/*
 * A reply on the wire: 0x40, then address, CID, data and the CRC-16/ITU-T
 * of those (big-endian), each of 0x06, 0x0d, 0x1b, 0x40 and 0x80 sent as
 * 0x1b and its complement, then 0x0d.
 */
static int kmp_meter_frame(u8 *buf, size_t size, const u8 *body, size_t len)
{
	u8 crc[2];
	size_t pos = 0, i;
	u16 c = kmp_crc16(body, len);

	crc[0] = c >> 8;
	crc[1] = c & 0xff;
	if (size < 1)
		return -ENOSPC;
	buf[pos++] = KMP_START_REPLY;
	for (i = 0; i < len + 2; i++) {
		u8 b = i < len ? body[i] : crc[i - len];
		bool esc = b == 0x06 || b == 0x0d || b == 0x1b || b == 0x40 ||
			   b == 0x80;

		if (pos + 1 + esc > size)
			return -ENOSPC;
		if (esc) {
			buf[pos++] = 0x1b;
			b ^= 0xff;
		}
		buf[pos++] = b;
	}
	if (pos + 1 > size)
		return -ENOSPC;
	buf[pos++] = KMP_STOP;
	return pos;
}

/**
 * kmp_build_reply_registers() - build a GetRegister reply, as a meter would
 * @buf: output buffer
 * @size: size of @buf
 * @addr: the meter's address
 * @vals: entries to send (their @present flag is ignored)
 * @n: number of entries, 0..KMP_MAX_REGS
 *
 * Used by the simulated meter and by tests; a reply frame starts with 0x40
 * and is never a command to a meter.
 *
 * Return: the frame length, -EINVAL for a bad @n, a bad mantissa length or
 * a mantissa that does not fit its length, or -ENOSPC.  Unit codes are not
 * checked: meters send codes beyond the known table too.
 */
int kmp_build_reply_registers(u8 *buf, size_t size, u8 addr,
			      const struct kmp_value *vals, unsigned int n)
{
	u8 body[KMP_RX_MAX - 2];
	size_t pos = 0;
	unsigned int i, b;

	if (n > KMP_MAX_REGS)
		return -EINVAL;

	body[pos++] = addr;
	body[pos++] = KMP_CID_GET_REGISTER;
	for (i = 0; i < n; i++) {
		const struct kmp_value *v = &vals[i];

		if (v->len < 1 || v->len > KMP_MAX_MANTISSA)
			return -EINVAL;
		if (v->len < 8 && v->mantissa >> (8 * v->len))
			return -EINVAL;
		body[pos++] = v->reg >> 8;
		body[pos++] = v->reg & 0xff;
		body[pos++] = v->unit;
		body[pos++] = v->len;
		body[pos++] = v->siex;
		for (b = v->len; b > 0; b--)
			body[pos++] = (v->mantissa >> (8 * (b - 1))) & 0xff;
	}

	return kmp_meter_frame(buf, size, body, pos);
}
EXPORT_SYMBOL_IF_KUNIT(kmp_build_reply_registers);

/**
 * kmp_build_reply_type() - build a GetType reply, as a meter would
 * @buf: output buffer
 * @size: size of @buf
 * @addr: the meter's address
 * @type: meter type and software revision
 *
 * Return: the frame length or -ENOSPC.
 */
int kmp_build_reply_type(u8 *buf, size_t size, u8 addr,
			 const struct kmp_type *type)
{
	u8 body[6] = {
		addr, KMP_CID_GET_TYPE,
		type->type >> 8, type->type & 0xff,
		type->revision >> 8, type->revision & 0xff,
	};

	return kmp_meter_frame(buf, size, body, sizeof(body));
}
EXPORT_SYMBOL_IF_KUNIT(kmp_build_reply_type);

/**
 * kmp_build_reply_serial() - build a GetSerialNo reply, as a meter would
 * @buf: output buffer
 * @size: size of @buf
 * @addr: the meter's address
 * @serial: serial number
 *
 * Return: the frame length or -ENOSPC.
 */
int kmp_build_reply_serial(u8 *buf, size_t size, u8 addr, u32 serial)
{
	u8 body[6] = {
		addr, KMP_CID_GET_SERIAL,
		serial >> 24, (serial >> 16) & 0xff,
		(serial >> 8) & 0xff, serial & 0xff,
	};

	return kmp_meter_frame(buf, size, body, sizeof(body));
}
EXPORT_SYMBOL_IF_KUNIT(kmp_build_reply_serial);

/**
 * kmp_decode_request() - decode a GetRegister request, as a meter would
 * @frame: request frame
 * @regs: KMP_MAX_REGS entries for the register ids
 * @n: set to the number of ids
 *
 * Return: 0, or -EBADMSG if @frame is not a well-formed GetRegister request.
 */
int kmp_decode_request(const struct kmp_frame *frame, u16 *regs,
		       unsigned int *n)
{
	unsigned int i, count;

	*n = 0;
	if (frame->cid != KMP_CID_GET_REGISTER || frame->len < 1)
		return -EBADMSG;
	count = frame->data[0];
	if (count < 1 || count > KMP_MAX_REGS || frame->len != 1 + 2 * count)
		return -EBADMSG;
	for (i = 0; i < count; i++)
		regs[i] = frame->data[1 + 2 * i] << 8 | frame->data[2 + 2 * i];
	*n = count;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(kmp_decode_request);

/**
 * kmp_value_from_string() - parse a decimal string into an entry's value
 * @s: "[-]digits[.digits][e[+|-]digits]", e.g. "-12.34" or "45e3"
 * @v: its mantissa, SiEx and (shortest) mantissa length are set; the other
 *     fields are left alone
 *
 * The inverse of kmp_value_to_string(): the digits given are kept, so
 * "12.30" becomes 1230 * 10^-2.
 *
 * Zeros that would take the mantissa beyond 64 bits are folded into the
 * exponent (before the decimal point) or dropped (after it), so every
 * string kmp_value_to_string() prints parses back to the same number.
 *
 * Return: 0, -EINVAL for a malformed string, -ERANGE if the significant
 * digits do not fit 64 bits or the exponent is beyond +-63.
 */
int kmp_value_from_string(const char *s, struct kmp_value *v)
{
	bool neg = false, point = false, any = false, eneg = false;
	int e = 0, ex = 0;
	u64 m = 0;

	if (*s == '-') {
		neg = true;
		s++;
	}
	for (; *s && *s != 'e' && *s != 'E'; s++) {
		if (*s == '.' && !point) {
			point = true;
			continue;
		}
		if (*s < '0' || *s > '9')
			return -EINVAL;
		any = true;
		if (m > (U64_MAX - (*s - '0')) / 10) {
			/* Zeros beyond 64 bits: 10^n of an integer, or dropped */
			if (*s != '0')
				return -ERANGE;
			if (!point)
				e++;
			continue;
		}
		m = m * 10 + (*s - '0');
		if (point)
			e--;
	}
	if (!any)
		return -EINVAL;
	if (*s) {
		s++;
		if (*s == '-' || *s == '+')
			eneg = *s++ == '-';
		if (!*s)
			return -EINVAL;
		for (; *s; s++) {
			if (*s < '0' || *s > '9')
				return -EINVAL;
			ex = ex * 10 + (*s - '0');
			if (ex > 2 * KMP_SIEX_EXPONENT)
				return -ERANGE;
		}
	}
	e += eneg ? -ex : ex;
	if (e < -KMP_SIEX_EXPONENT || e > KMP_SIEX_EXPONENT)
		return -ERANGE;

	v->mantissa = m;
	v->siex = (neg ? KMP_SIEX_NEG_MANTISSA : 0) |
		  (e < 0 ? KMP_SIEX_NEG_EXPONENT : 0) | (e < 0 ? -e : e);
	for (v->len = 1; v->len < 8 && (m >> (8 * v->len)); v->len++)
		;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(kmp_value_from_string);
