// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the KMP protocol core.
 *
 * Frames marked "real" were captured from heat meters and published; the
 * others come from the protocol's published examples or are built here.
 * The same file runs in userspace through tests/userspace/kunit/test.h.
 * The meter's side of the protocol (replies) comes from kmp-meter.c.
 *
 * Copyright (C) 2026 The kamstrup-kmp authors
 */

#include <kunit/test.h>
#include <linux/module.h>

#include "../kmp.h"
#include "kmp-meter.h"

/* Parses "40 3f 10 ..." into @out; returns the number of bytes. */
static size_t kmp_test_hex(const char *s, u8 *out, size_t size)
{
	size_t n = 0;
	int hi = -1;

	for (; *s; s++) {
		int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			continue;
		if (hi < 0) {
			hi = d;
		} else {
			if (n < size)
				out[n] = hi << 4 | d;
			n++;
			hi = -1;
		}
	}
	return n;
}

/* Feeds @data until a frame or an error; returns that result. */
static int kmp_test_parse(struct kmp_rx *rx, const u8 *data, size_t len,
			  struct kmp_frame *frame)
{
	size_t used, pos = 0;
	int ret = KMP_RX_NEED_MORE;

	kmp_rx_init(rx, KMP_START_REPLY);
	while (pos < len) {
		ret = kmp_rx_feed(rx, data + pos, len - pos, &used);
		pos += used;
		if (ret != KMP_RX_NEED_MORE || used == 0)
			break;
	}
	if (ret == KMP_RX_COMPLETE)
		kmp_rx_frame(rx, frame);
	return ret;
}

static int kmp_test_parse_hex(struct kmp_rx *rx, const char *hex,
			      struct kmp_frame *frame)
{
	u8 buf[512];
	size_t len = kmp_test_hex(hex, buf, sizeof(buf));

	return kmp_test_parse(rx, buf, len, frame);
}

static void kmp_test_crc_vectors(struct kunit *test)
{
	static const u8 check[] = "123456789";
	u8 b[32];
	size_t n;

	KUNIT_EXPECT_EQ(test, kmp_crc16(check, 9), 0x31c3);
	n = kmp_test_hex("3f 01", b, sizeof(b));
	KUNIT_EXPECT_EQ(test, kmp_crc16(b, n), 0x058a);
	n = kmp_test_hex("3f 02", b, sizeof(b));
	KUNIT_EXPECT_EQ(test, kmp_crc16(b, n), 0x35e9);
	n = kmp_test_hex("3f 10 01 00 80", b, sizeof(b));
	KUNIT_EXPECT_EQ(test, kmp_crc16(b, n), 0xd408);
	/* A body followed by its own CRC checks to zero */
	n = kmp_test_hex("3f 01 00 04 06 01 26 99", b, sizeof(b));
	KUNIT_EXPECT_EQ(test, kmp_crc16(b, n), 0);
	n = kmp_test_hex("3f 02 01 23 45 67 e9 56", b, sizeof(b));
	KUNIT_EXPECT_EQ(test, kmp_crc16(b, n), 0);
	n = kmp_test_hex("3f 10 00 80 16 04 11 01 2a f0 24 63 03", b, sizeof(b));
	KUNIT_EXPECT_EQ(test, kmp_crc16(b, n), 0);
}

static void kmp_test_expect_frame(struct kunit *test, const u8 *got, int len,
				  const char *hex)
{
	u8 want[KMP_REQUEST_MAX + 8];
	size_t n = kmp_test_hex(hex, want, sizeof(want));

	KUNIT_ASSERT_EQ(test, len, (int)n);
	KUNIT_EXPECT_EQ(test, memcmp(got, want, n), 0);
}

static void kmp_test_build_requests(struct kunit *test)
{
	static const u16 seven[] = { 0x3c, 0x50, 0x56, 0x57, 0x59, 0x4a, 0x44 };
	u8 buf[KMP_REQUEST_MAX];
	u16 reg;
	int len;

	reg = 0x003c;
	len = kmp_build_get_register(buf, sizeof(buf), KMP_ADDR_HEAT, &reg, 1);
	kmp_test_expect_frame(test, buf, len, "80 3f 10 01 00 3c b2 5f 0d");

	/* 0x80 in a register id is stuffed */
	reg = 0x0080;
	len = kmp_build_get_register(buf, sizeof(buf), KMP_ADDR_HEAT, &reg, 1);
	kmp_test_expect_frame(test, buf, len, "80 3f 10 01 00 1b 7f d4 08 0d");

	len = kmp_build_get_register(buf, sizeof(buf), KMP_ADDR_HEAT, seven, 7);
	kmp_test_expect_frame(test, buf, len,
			      "80 3f 10 07 00 3c 00 50 00 56 00 57 00 59 00 4a 00 44 62 fd 0d");

	len = kmp_build_get_type(buf, sizeof(buf), KMP_ADDR_HEAT);
	kmp_test_expect_frame(test, buf, len, "80 3f 01 05 8a 0d");
	len = kmp_build_get_serial(buf, sizeof(buf), KMP_ADDR_HEAT);
	kmp_test_expect_frame(test, buf, len, "80 3f 02 35 e9 0d");
	len = kmp_build_get_type(buf, sizeof(buf), 0x3a);
	kmp_test_expect_frame(test, buf, len, "80 3a 01 fa 7f 0d");
}

static void kmp_test_build_limits(struct kunit *test)
{
	static const u16 worst[KMP_MAX_REGS] = {
		0x8040, 0x400d, 0x0d06, 0x061b, 0x1b80, 0x8080, 0x4040, 0x0d0d,
	};
	u16 regs[KMP_MAX_REGS + 1] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	u8 buf[KMP_REQUEST_MAX];
	int len;

	KUNIT_EXPECT_EQ(test, kmp_build_get_register(buf, sizeof(buf), 0x3f, regs, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, kmp_build_get_register(buf, sizeof(buf), 0x3f, regs, 9),
			-EINVAL);
	KUNIT_EXPECT_GT(test, kmp_build_get_register(buf, sizeof(buf), 0x3f, regs, 8), 0);
	regs[1] = regs[0];
	KUNIT_EXPECT_EQ(test, kmp_build_get_register(buf, sizeof(buf), 0x3f, regs, 2),
			-EINVAL);
	/* Too small a buffer is refused, never overrun */
	KUNIT_EXPECT_EQ(test, kmp_build_get_register(buf, 8, 0x3f, regs, 1), -ENOSPC);
	KUNIT_EXPECT_EQ(test, kmp_build_get_type(buf, 5, 0x3f), -ENOSPC);

	/* Eight ids made of special bytes only fit KMP_REQUEST_MAX */
	len = kmp_build_get_register(buf, sizeof(buf), 0x80, worst, KMP_MAX_REGS);
	KUNIT_EXPECT_GT(test, len, 0);
	KUNIT_EXPECT_LE(test, len, KMP_REQUEST_MAX);
}

/* No raw special byte between start and stop, and it parses back */
static void kmp_test_check_stuffed(struct kunit *test, const u8 *frame,
				   int len)
{
	int i;

	KUNIT_ASSERT_GT(test, len, 2);
	for (i = 1; i < len - 1; i++) {
		u8 b = frame[i];

		KUNIT_EXPECT_TRUE(test, b != 0x80 && b != 0x40 && b != 0x0d &&
				  b != 0x06);
		if (b == KMP_ESCAPE) {
			KUNIT_ASSERT_LT(test, i + 1, len - 1);
			i++;
		}
	}
}

/*
 * Each of the five special bytes in every position of a reply body: the
 * address, the CID, each byte of an entry, and both CRC bytes.
 */
static void kmp_test_stuffing_every_position(struct kunit *test)
{
	static const u8 specials[] = { 0x80, 0x40, 0x0d, 0x06, 0x1b };
	u8 buf[2 * KMP_RX_MAX + 2];
	struct kmp_frame f;
	struct kmp_rx rx;
	unsigned int s, pos;

	for (s = 0; s < ARRAY_SIZE(specials); s++) {
		u8 sp = specials[s];

		/* Body: addr cid reg_hi reg_lo unit len siex m3 m2 m1 m0 */
		for (pos = 0; pos < 11; pos++) {
			u8 body[11] = { 0x3f, 0x10, 0x00, 0x3c, 0x08, 0x04,
					0x43, 0x12, 0x34, 0x56, 0x78 };
			u8 wire[40];
			u16 crc;
			int len, i, stuffed = 0;

			/* The length field must stay valid: vary the siex instead */
			if (pos == 5)
				continue;
			body[pos] = sp;
			crc = kmp_crc16(body, sizeof(body));
			len = 0;
			wire[len++] = 0x40;
			for (i = 0; i < 13; i++) {
				u8 b = i < 11 ? body[i] :
				       i == 11 ? crc >> 8 : crc & 0xff;

				if (b == 0x80 || b == 0x40 || b == 0x0d ||
				    b == 0x06 || b == 0x1b) {
					wire[len++] = 0x1b;
					wire[len++] = b ^ 0xff;
					stuffed++;
				} else {
					wire[len++] = b;
				}
			}
			wire[len++] = 0x0d;
			KUNIT_EXPECT_GE(test, stuffed, 1);
			kmp_test_check_stuffed(test, wire, len);
			KUNIT_ASSERT_EQ(test, kmp_test_parse(&rx, wire, len, &f),
					KMP_RX_COMPLETE);
			KUNIT_EXPECT_EQ(test, rx.len, (size_t)13);
			KUNIT_EXPECT_EQ(test, memcmp(rx.buf, body, 11), 0);
		}

		/* CRC high byte, then CRC low byte, equal to the special byte */
		for (pos = 0; pos < 2; pos++) {
			struct kmp_value v = {
				.reg = 0x3c, .unit = 8, .len = 4, .siex = 0x43,
			};
			struct kmp_value out[1];
			unsigned int count;
			u32 m;
			int len = -1;

			for (m = 0; m < 0x100000; m++) {
				u8 body[11] = { 0x3f, 0x10, 0x00, 0x3c, 0x08, 0x04,
						0x43, 0, m >> 16, m >> 8, m };
				u16 crc = kmp_crc16(body, sizeof(body));

				if ((pos ? crc & 0xff : crc >> 8) == sp)
					break;
			}
			KUNIT_ASSERT_LT(test, m, 0x100000u);
			v.mantissa = m;
			len = kmp_build_reply_registers(buf, sizeof(buf), 0x3f, &v, 1);
			kmp_test_check_stuffed(test, buf, len);
			KUNIT_ASSERT_EQ(test, kmp_test_parse(&rx, buf, len, &f),
					KMP_RX_COMPLETE);
			KUNIT_EXPECT_EQ(test, rx.buf[pos ? 12 : 11], sp);
			KUNIT_ASSERT_EQ(test, kmp_decode_registers(&f, out, 1, &count), 0);
			KUNIT_EXPECT_EQ(test, count, 1u);
			KUNIT_EXPECT_EQ(test, out[0].mantissa, (u64)m);
		}
	}
}

/* A 0x0d (the stop byte) inside a value is stuffed and does not end the frame */
static void kmp_test_stop_byte_in_value(struct kunit *test)
{
	struct kmp_value v = { .reg = 0x56, .unit = 37, .len = 2, .siex = 0x42,
			       .mantissa = 0x0d0d };
	struct kmp_value out;
	u8 buf[64], one;
	struct kmp_frame f;
	struct kmp_rx rx;
	size_t used;
	int len, i, ret = 0;
	char s[KMP_VALUE_STR_MAX];

	len = kmp_build_reply_registers(buf, sizeof(buf), 0x3f, &v, 1);
	kmp_test_check_stuffed(test, buf, len);
	/* Byte by byte: incomplete until the very last byte */
	kmp_rx_init(&rx, KMP_START_REPLY);
	for (i = 0; i < len; i++) {
		one = buf[i];
		ret = kmp_rx_feed(&rx, &one, 1, &used);
		KUNIT_EXPECT_EQ(test, used, (size_t)1);
		if (i < len - 1)
			KUNIT_EXPECT_EQ(test, ret, KMP_RX_NEED_MORE);
	}
	KUNIT_ASSERT_EQ(test, ret, KMP_RX_COMPLETE);
	KUNIT_ASSERT_EQ(test, kmp_rx_frame(&rx, &f), 0);
	KUNIT_ASSERT_EQ(test, kmp_decode_get_register(&f, &v.reg, 1, &out), 0);
	KUNIT_EXPECT_TRUE(test, out.present);
	KUNIT_EXPECT_EQ(test, out.mantissa, (u64)0x0d0d);
	kmp_value_to_string(&out, s, sizeof(s));
	KUNIT_EXPECT_STREQ(test, s, "33.41");
}

static void kmp_test_value_str(struct kunit *test, u8 siex, u64 m,
			       const char *want)
{
	struct kmp_value v = { .siex = siex, .mantissa = m, .len = 8 };
	char s[KMP_VALUE_STR_MAX];

	KUNIT_EXPECT_EQ(test, kmp_value_to_string(&v, s, sizeof(s)),
			(int)strlen(want));
	KUNIT_EXPECT_STREQ(test, s, want);
}

static void kmp_test_value_strings(struct kunit *test)
{
	/* Published examples */
	kmp_test_value_str(test, 0xc2, 12345, "-123.45");
	kmp_test_value_str(test, 0x03, 87654321, "87654321000");
	kmp_test_value_str(test, 0x03, 255, "255000");
	kmp_test_value_str(test, 0x43, 251, "0.251");
	kmp_test_value_str(test, 0x42, 0x18c8, "63.44");
	kmp_test_value_str(test, 0x11, 19591204, "1959120400000000000000000");
	/* The four sign combinations */
	kmp_test_value_str(test, 0x02, 1234, "123400");
	kmp_test_value_str(test, 0x42, 1234, "12.34");
	kmp_test_value_str(test, 0x82, 1234, "-123400");
	kmp_test_value_str(test, 0xc2, 1234, "-12.34");
	/* Leading zeros after the point, trailing zeros kept */
	kmp_test_value_str(test, 0x46, 123, "0.000123");
	kmp_test_value_str(test, 0x42, 1230, "12.30");
	kmp_test_value_str(test, 0x43, 123, "0.123");
	kmp_test_value_str(test, 0xc4, 123, "-0.0123");
	/* Zero has no sign and no exponent digits */
	kmp_test_value_str(test, 0x80, 0, "0");
	kmp_test_value_str(test, 0x05, 0, "0");
	kmp_test_value_str(test, 0x42, 0, "0.00");
	/* A negative exponent of 0 is 10^0 */
	kmp_test_value_str(test, 0x40, 7, "7");
	/* Limits of the mantissa */
	kmp_test_value_str(test, 0x00, 0xffffffffULL, "4294967295");
	kmp_test_value_str(test, 0x80, U64_MAX, "-18446744073709551615");
	kmp_test_value_str(test, 0x4a, 0xffffffffULL, "0.4294967295");
}

/* Every SiEx byte: sign, exponent and a string that parses back the same */
static void kmp_test_every_siex(struct kunit *test)
{
	static const u64 mantissas[] = { 0, 1, 10, 12345, 0xffffffffULL, U64_MAX };
	unsigned int siex, i;

	for (siex = 0; siex < 256; siex++) {
		for (i = 0; i < ARRAY_SIZE(mantissas); i++) {
			struct kmp_value v = { .siex = siex, .mantissa = mantissas[i] };
			struct kmp_value back = { 0 };
			char s[KMP_VALUE_STR_MAX];
			int e = siex & 0x3f;
			int len;

			if (siex & 0x40)
				e = -e;
			KUNIT_EXPECT_EQ(test, kmp_value_exponent(&v), e);
			KUNIT_EXPECT_EQ(test, kmp_value_negative(&v),
					(siex & 0x80) && mantissas[i]);
			len = kmp_value_to_string(&v, s, sizeof(s));
			KUNIT_ASSERT_GT(test, len, 0);
			KUNIT_EXPECT_LT(test, len, KMP_VALUE_STR_MAX);
			KUNIT_EXPECT_EQ(test, s[0] == '-', kmp_value_negative(&v));
			KUNIT_ASSERT_EQ(test, kmp_value_from_string(s, &back), 0);
			if (!mantissas[i] || !(siex & 0x40)) {
				/* "0" and integers: compare the numbers */
				char s2[KMP_VALUE_STR_MAX];

				kmp_value_to_string(&back, s2, sizeof(s2));
				KUNIT_EXPECT_STREQ(test, s2, s);
			} else {
				KUNIT_EXPECT_EQ(test, back.mantissa, v.mantissa);
				KUNIT_EXPECT_EQ(test, kmp_value_exponent(&back), e);
				KUNIT_EXPECT_EQ(test, kmp_value_negative(&back),
						kmp_value_negative(&v));
			}
		}
	}
}

static void kmp_test_string_limits(struct kunit *test)
{
	struct kmp_value v = { .siex = 0x3f, .mantissa = U64_MAX };
	char s[KMP_VALUE_STR_MAX];

	/* The longest strings fit KMP_VALUE_STR_MAX */
	v.siex = 0xbf;
	KUNIT_EXPECT_EQ(test, kmp_value_to_string(&v, s, sizeof(s)), 1 + 20 + 63);
	v.siex = 0xff;
	KUNIT_EXPECT_EQ(test, kmp_value_to_string(&v, s, sizeof(s)), 1 + 2 + 63);
	/* Too small a buffer is an error, and the buffer is not overrun */
	v.siex = 0x42;
	v.mantissa = 1234;
	KUNIT_EXPECT_EQ(test, kmp_value_to_string(&v, s, 5), -ENOSPC);
	KUNIT_EXPECT_EQ(test, kmp_value_to_string(&v, s, 6), 5);

	KUNIT_EXPECT_EQ(test, kmp_value_from_string("", &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, kmp_value_from_string("-", &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, kmp_value_from_string("1.2.3", &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, kmp_value_from_string("12a", &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, kmp_value_from_string("1e", &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, kmp_value_from_string("18446744073709551616", &v),
			-ERANGE);
	KUNIT_EXPECT_EQ(test, kmp_value_from_string("1e64", &v), -ERANGE);
	KUNIT_ASSERT_EQ(test, kmp_value_from_string("45e3", &v), 0);
	KUNIT_EXPECT_EQ(test, v.mantissa, 45ULL);
	KUNIT_EXPECT_EQ(test, kmp_value_exponent(&v), 3);
	KUNIT_ASSERT_EQ(test, kmp_value_from_string("-0.0500", &v), 0);
	KUNIT_EXPECT_EQ(test, v.mantissa, 500ULL);
	KUNIT_EXPECT_EQ(test, v.siex, 0xc4);
	KUNIT_EXPECT_EQ(test, v.len, 2);
	KUNIT_ASSERT_EQ(test, kmp_value_from_string("4294967296", &v), 0);
	KUNIT_EXPECT_EQ(test, v.len, 5);
}

static void kmp_test_base(struct kunit *test, u8 unit, u8 siex, u64 m,
			  int exp, int want_ret, s64 want)
{
	struct kmp_value v = { .unit = unit, .siex = siex, .mantissa = m };
	s64 out = 0x5a5a5a5a;
	int ret;

	ret = kmp_value_to_base(&v, exp, &out);
	KUNIT_EXPECT_EQ_MSG(test, ret, want_ret, "unit %u siex 0x%02x m %llu exp %d",
			    unit, siex, (unsigned long long)m, exp);
	if (!ret && !want_ret)
		KUNIT_EXPECT_EQ_MSG(test, out, want, "unit %u siex 0x%02x m %llu exp %d",
				    unit, siex, (unsigned long long)m, exp);
	if (ret)
		KUNIT_EXPECT_EQ(test, out, 0x5a5a5a5aLL);
}

/* Exact conversion to a fixed resolution of the quantity's base unit */
static void kmp_test_to_base(struct kunit *test)
{
	/* The same energy at two resolutions is the same number of joules */
	kmp_test_base(test, 2, 0x42, 9876543, 0, 0, 9876543LL * 36000);
	kmp_test_base(test, 2, 0x43, 98765430, 0, 0, 9876543LL * 36000);
	kmp_test_base(test, 8, 0x42, 123456, 0, 0, 1234560000000LL);	/* GJ e-2 */
	kmp_test_base(test, 3, 0x43, 1, 0, 0, 3600000);			/* MWh e-3 */
	kmp_test_base(test, 1, 0x41, 1, 0, 0, 360);			/* Wh e-1 */
	kmp_test_base(test, 12, 0x43, 1, 0, 0, 4186800);		/* Gcal e-3 */
	kmp_test_base(test, 57, 0x00, 7, 0, 0, 70000000000LL);		/* GJ x 10 */
	/* Power in mW, temperatures in m°C, signs kept */
	kmp_test_base(test, 22, 0x41, 24, -3, 0, 2400000);		/* kW e-1 */
	kmp_test_base(test, 21, 0x00, 5, -3, 0, 5000);			/* W */
	kmp_test_base(test, 37, 0xc2, 325, -3, 0, -3250);		/* -3.25 C */
	kmp_test_base(test, 38, 0x42, 1565, -3, 0, 15650);		/* K e-2 */
	kmp_test_base(test, 37, 0xc2, 0, -3, 0, 0);			/* -0 */
	/* Volume in ml, flow in l/h, pressure in 10 Pa */
	kmp_test_base(test, 40, 0x42, 187556, -3, 0, 1875560000);	/* m3 e-2 */
	kmp_test_base(test, 39, 0x00, 3, -3, 0, 3000);			/* l */
	kmp_test_base(test, 41, 0x00, 130, 0, 0, 130);			/* l/h */
	kmp_test_base(test, 42, 0x43, 130, 0, 0, 130);			/* m3/h e-3 */
	kmp_test_base(test, 52, 0x42, 123, 1, 0, 12300);		/* bar e-2 */
	/* Finer than the resolution: refused, never rounded */
	kmp_test_base(test, 42, 0x44, 1301, 0, -ERANGE, 0);		/* 0.1 l/h */
	kmp_test_base(test, 42, 0x44, 1300, 0, 0, 130);			/* ... unless 0 */
	kmp_test_base(test, 10, 0x00, 1, 0, -ERANGE, 0);		/* 4186.8 J */
	kmp_test_base(test, 10, 0x01, 1, 0, 0, 41868);			/* kCal e1 */
	/* Beyond s64, either way */
	kmp_test_base(test, 4, 0x00, 0xffffffffULL, 0, -ERANGE, 0);
	kmp_test_base(test, 5, 0x00, (u64)S64_MAX, 0, 0, S64_MAX);
	kmp_test_base(test, 5, 0x80, (u64)S64_MAX, 0, 0, -S64_MAX);
	kmp_test_base(test, 5, 0x00, (u64)S64_MAX + 1, 0, -ERANGE, 0);
	kmp_test_base(test, 5, 0x01, (u64)S64_MAX / 10 + 1, 0, -ERANGE, 0);
	kmp_test_base(test, 9, 0x00, U64_MAX, -4, -ERANGE, 0);		/* mult */
	/* 10^18 * 10^-15 kWh: the mantissa's zeros go before the factor */
	kmp_test_base(test, 2, 0x4f, 1000000000000000000ULL, 0, 0, 3600000000LL);
	kmp_test_base(test, 2, 0x4f, 999999999999999999ULL, 0, -ERANGE, 0);
	/* Zero is exact whatever the exponent */
	kmp_test_base(test, 5, 0x3f, 0, 0, 0, 0);
	kmp_test_base(test, 5, 0x7f, 0, 0, 0, 0);
	/* No conversion: no quantity, or beyond the table */
	kmp_test_base(test, 0, 0x00, 1, 0, -EINVAL, 0);
	kmp_test_base(test, 46, 0x00, 1, 0, -EINVAL, 0);
	kmp_test_base(test, 65, 0x00, 1, 0, -EINVAL, 0);
	kmp_test_base(test, 255, 0x00, 1, 0, -EINVAL, 0);
}

static void kmp_test_unit_table(struct kunit *test)
{
	unsigned int code, converted = 0;

	for (code = 0; code <= KMP_UNIT_MAX; code++) {
		const struct kmp_unit *u = kmp_unit(code);

		KUNIT_ASSERT_NOT_NULL(test, u);
		KUNIT_EXPECT_NOT_NULL(test, u->name);
		/* A conversion, exactly where there is a quantity */
		KUNIT_EXPECT_EQ(test, u->quantity != KMP_QTY_NONE, u->mult != 0);
		converted += u->quantity != KMP_QTY_NONE;
	}
	KUNIT_EXPECT_NULL(test, kmp_unit(KMP_UNIT_MAX + 1));
	KUNIT_EXPECT_EQ(test, converted, 29u);
	KUNIT_EXPECT_STREQ(test, kmp_unit(8)->name, "GJ");
	KUNIT_EXPECT_EQ(test, kmp_unit(8)->quantity, KMP_QTY_ENERGY);
	KUNIT_EXPECT_STREQ(test, kmp_unit(22)->name, "kW");
	KUNIT_EXPECT_EQ(test, kmp_unit(22)->quantity, KMP_QTY_POWER);
	KUNIT_EXPECT_STREQ(test, kmp_unit(37)->name, "C");
	KUNIT_EXPECT_EQ(test, kmp_unit(38)->quantity, KMP_QTY_TEMPERATURE);
	KUNIT_EXPECT_STREQ(test, kmp_unit(40)->name, "m3");
	KUNIT_EXPECT_EQ(test, kmp_unit(40)->quantity, KMP_QTY_VOLUME);
	KUNIT_EXPECT_EQ(test, kmp_unit(42)->quantity, KMP_QTY_FLOW);
	KUNIT_EXPECT_EQ(test, kmp_unit(52)->quantity, KMP_QTY_PRESSURE);
	KUNIT_EXPECT_EQ(test, kmp_unit(46)->quantity, KMP_QTY_NONE);
	KUNIT_EXPECT_STREQ(test, kmp_unit(64)->name, "Datetime");
}

/* Real replies of a heat meter, one register each */
static void kmp_test_real_replies(struct kunit *test)
{
	static const struct {
		u16 reg;
		const char *hex;
		u8 unit;
		const char *value;
	} real[] = {
		{ 0x3c, "40 3f 10 00 3c 03 04 43 00 00 d6 de 03 22 0d", 3, "55.006" },
		{ 0x50, "40 3f 10 00 50 16 02 41 00 00 2f 5c 0d", 22, "0.0" },
		{ 0x56, "40 3f 10 00 56 25 02 42 14 f5 69 dc 0d", 37, "53.65" },
		{ 0x57, "40 3f 10 00 57 25 02 42 11 e3 a1 7e 0d", 37, "45.79" },
		{ 0x59, "40 3f 10 00 59 26 02 42 03 12 55 20 0d", 38, "7.86" },
		{ 0x4a, "40 3f 10 00 4a 29 02 00 00 00 f0 50 0d", 41, "0" },
		{ 0x44, "40 3f 10 00 44 28 04 42 00 02 dc a4 7c 0a 0d", 40, "1875.56" },
		{ 0x3ea, "40 3f 10 03 ea 2f 04 00 00 03 0e 33 b2 32 0d", 47, "200243" },
		{ 0x80, "40 3f 10 00 1b 7f 16 04 11 01 2a f0 24 63 03 0d", 22,
		  "1959120400000000000000000" },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(real); i++) {
		char s[KMP_VALUE_STR_MAX];
		struct kmp_value v;
		struct kmp_frame f;
		struct kmp_rx rx;

		KUNIT_ASSERT_EQ(test, kmp_test_parse_hex(&rx, real[i].hex, &f),
				KMP_RX_COMPLETE);
		KUNIT_EXPECT_EQ(test, f.addr, 0x3f);
		KUNIT_ASSERT_EQ(test, kmp_decode_get_register(&f, &real[i].reg, 1, &v), 0);
		KUNIT_ASSERT_TRUE(test, v.present);
		KUNIT_EXPECT_EQ(test, v.unit, real[i].unit);
		kmp_value_to_string(&v, s, sizeof(s));
		KUNIT_EXPECT_STREQ(test, s, real[i].value);
	}
}

static void kmp_test_identity(struct kunit *test)
{
	struct kmp_type type = { 0 };
	struct kmp_frame f;
	struct kmp_rx rx;
	char rev[8];
	u8 buf[32];
	u32 serial = 0;
	int len;

	KUNIT_ASSERT_EQ(test, kmp_test_parse_hex(&rx, "40 3f 02 01 23 45 67 e9 56 0d", &f),
			KMP_RX_COMPLETE);
	KUNIT_ASSERT_EQ(test, kmp_decode_serial(&f, &serial), 0);
	KUNIT_EXPECT_EQ(test, serial, 19088743u);
	KUNIT_EXPECT_EQ(test, kmp_decode_type(&f, &type), -EBADMSG);

	KUNIT_ASSERT_EQ(test, kmp_test_parse_hex(&rx, "40 3a 02 00 12 d6 87 9e e0 0d", &f),
			KMP_RX_COMPLETE);
	KUNIT_EXPECT_EQ(test, f.addr, 0x3a);
	KUNIT_ASSERT_EQ(test, kmp_decode_serial(&f, &serial), 0);
	KUNIT_EXPECT_EQ(test, serial, 1234567u);

	/* 0x06 in the revision is stuffed */
	KUNIT_ASSERT_EQ(test, kmp_test_parse_hex(&rx, "40 3f 01 00 04 1b f9 01 26 99 0d", &f),
			KMP_RX_COMPLETE);
	KUNIT_ASSERT_EQ(test, kmp_decode_type(&f, &type), 0);
	KUNIT_EXPECT_EQ(test, type.type, 4);
	KUNIT_EXPECT_EQ(test, kmp_type_revision(&type, rev, sizeof(rev)), 2);
	KUNIT_EXPECT_STREQ(test, rev, "F1");
	KUNIT_EXPECT_EQ(test, kmp_decode_serial(&f, &serial), -EBADMSG);

	type.revision = 0x1aff;
	KUNIT_EXPECT_EQ(test, kmp_type_revision(&type, rev, sizeof(rev)), 4);
	KUNIT_EXPECT_STREQ(test, rev, "Z255");
	type.revision = 0;
	KUNIT_EXPECT_EQ(test, kmp_type_revision(&type, rev, sizeof(rev)), 0);
	KUNIT_EXPECT_STREQ(test, rev, "");
	type.revision = 0x1b01;
	KUNIT_EXPECT_EQ(test, kmp_type_revision(&type, rev, sizeof(rev)), -EINVAL);

	/* The builders a simulated meter uses give back what was decoded */
	type.type = 0x0034;
	type.revision = 0x0602;
	len = kmp_build_reply_type(buf, sizeof(buf), 0x3f, &type);
	KUNIT_ASSERT_EQ(test, kmp_test_parse(&rx, buf, len, &f), KMP_RX_COMPLETE);
	type.type = 0;
	KUNIT_ASSERT_EQ(test, kmp_decode_type(&f, &type), 0);
	KUNIT_EXPECT_EQ(test, type.type, 0x34);
	KUNIT_EXPECT_EQ(test, type.revision, 0x0602);
	len = kmp_build_reply_serial(buf, sizeof(buf), 0x3f, 0x0d400680);
	KUNIT_ASSERT_EQ(test, kmp_test_parse(&rx, buf, len, &f), KMP_RX_COMPLETE);
	KUNIT_ASSERT_EQ(test, kmp_decode_serial(&f, &serial), 0);
	KUNIT_EXPECT_EQ(test, serial, 0x0d400680u);
}

static void kmp_test_fill(struct kmp_value *v, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		v[i] = (struct kmp_value) {
			.reg = 0x3c + i, .unit = 37, .len = 1 + i % 4,
			.siex = i & 1 ? 0xc2 : 0x42, .mantissa = 100 + i,
		};
	}
}

/* Replies of 1, 7 and 8 entries, matched by id, in any order */
static void kmp_test_multi_register(struct kunit *test)
{
	static const unsigned int sizes[] = { 1, 7, 8 };
	struct kmp_value sent[KMP_MAX_REGS], got[KMP_MAX_REGS];
	u16 regs[KMP_MAX_REGS];
	u8 buf[2 * KMP_RX_MAX + 2];
	unsigned int s, i, n, count;
	struct kmp_frame f;
	struct kmp_rx rx;
	int len;

	for (s = 0; s < ARRAY_SIZE(sizes); s++) {
		n = sizes[s];
		kmp_test_fill(sent, n);
		/* Ask in reverse order: the reply is matched by id */
		for (i = 0; i < n; i++)
			regs[i] = sent[n - 1 - i].reg;
		len = kmp_build_reply_registers(buf, sizeof(buf), 0x3f, sent, n);
		KUNIT_ASSERT_GT(test, len, 0);
		KUNIT_EXPECT_LE(test, len, (int)kmp_reply_len_max(n));
		KUNIT_ASSERT_EQ(test, kmp_test_parse(&rx, buf, len, &f), KMP_RX_COMPLETE);
		KUNIT_ASSERT_EQ(test, kmp_decode_registers(&f, got, n, &count), 0);
		KUNIT_EXPECT_EQ(test, count, n);
		if (n > 1)
			KUNIT_EXPECT_EQ(test, kmp_decode_registers(&f, got, n - 1, &count),
					-EMSGSIZE);
		KUNIT_ASSERT_EQ(test, kmp_decode_get_register(&f, regs, n, got), 0);
		for (i = 0; i < n; i++) {
			const struct kmp_value *want = &sent[n - 1 - i];

			KUNIT_EXPECT_TRUE(test, got[i].present);
			KUNIT_EXPECT_EQ(test, got[i].reg, want->reg);
			KUNIT_EXPECT_EQ(test, got[i].unit, want->unit);
			KUNIT_EXPECT_EQ(test, got[i].len, want->len);
			KUNIT_EXPECT_EQ(test, got[i].siex, want->siex);
			KUNIT_EXPECT_EQ(test, got[i].mantissa, want->mantissa);
		}
	}
}

static void kmp_test_absent_and_foreign(struct kunit *test)
{
	struct kmp_value sent[3], got[KMP_MAX_REGS];
	u16 regs[4] = { 0x3c, 0x1234, 0x3e, 0x3d };
	u8 buf[2 * KMP_RX_MAX + 2];
	struct kmp_frame f;
	struct kmp_rx rx;
	int len;

	kmp_test_fill(sent, 3);		/* 0x3c, 0x3d, 0x3e */
	len = kmp_build_reply_registers(buf, sizeof(buf), 0x3f, sent, 3);
	KUNIT_ASSERT_EQ(test, kmp_test_parse(&rx, buf, len, &f), KMP_RX_COMPLETE);
	/* Asked for 0x1234, which the meter left out */
	KUNIT_ASSERT_EQ(test, kmp_decode_get_register(&f, regs, 4, got), 0);
	KUNIT_EXPECT_TRUE(test, got[0].present);
	KUNIT_EXPECT_FALSE(test, got[1].present);
	KUNIT_EXPECT_EQ(test, got[1].reg, 0x1234);
	KUNIT_EXPECT_TRUE(test, got[2].present);
	KUNIT_EXPECT_EQ(test, got[2].mantissa, 102ULL);
	KUNIT_EXPECT_TRUE(test, got[3].present);
	KUNIT_EXPECT_EQ(test, got[3].mantissa, 101ULL);
	/* A reply carrying a register not asked for is not our reply */
	KUNIT_EXPECT_EQ(test, kmp_decode_get_register(&f, regs, 2, got), -EBADMSG);
	/* Nor is one carrying a register twice */
	sent[1].reg = sent[0].reg;
	len = kmp_build_reply_registers(buf, sizeof(buf), 0x3f, sent, 3);
	KUNIT_ASSERT_EQ(test, kmp_test_parse(&rx, buf, len, &f), KMP_RX_COMPLETE);
	KUNIT_EXPECT_EQ(test, kmp_decode_get_register(&f, regs, 4, got), -EBADMSG);
	/* An empty reply: the meter knows none of them */
	len = kmp_build_reply_registers(buf, sizeof(buf), 0x3f, sent, 0);
	KUNIT_ASSERT_EQ(test, kmp_test_parse(&rx, buf, len, &f), KMP_RX_COMPLETE);
	KUNIT_ASSERT_EQ(test, kmp_decode_get_register(&f, regs, 4, got), 0);
	KUNIT_EXPECT_FALSE(test, got[0].present || got[1].present ||
			   got[2].present || got[3].present);
	/* A frame of another command is not a GetRegister reply */
	KUNIT_ASSERT_EQ(test, kmp_test_parse_hex(&rx, "40 3f 02 01 23 45 67 e9 56 0d", &f),
			KMP_RX_COMPLETE);
	KUNIT_EXPECT_EQ(test, kmp_decode_get_register(&f, regs, 1, got), -EBADMSG);
	KUNIT_EXPECT_EQ(test, kmp_decode_get_register(&f, regs, 0, got), -EINVAL);
}

static const u8 kmp_test_long_entries[] = {
	0x40, 0x3f, 0x10,
	0x00, 0x3c, 0x08, 0x08, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0x00, 0x44, 0x28, 0x09, 0x00, 1, 2, 3, 4, 5, 0x1b, 0xf9, 7, 8, 9,
	0x00, 0x56, 0x25, 0x02, 0x42, 0x04, 0xd8,
	0x25, 0xee, 0x0d,
};

/* Entries cut short or with mantissas longer than 8 bytes */
static void kmp_test_bad_entries(struct kunit *test)
{
	static const u8 bodies[][16] = {
		/* len = 0 */
		{ 0x3f, 0x10, 0x00, 0x3c, 0x08, 0x00, 0x00 },
		/* 4-byte mantissa with 3 bytes present */
		{ 0x3f, 0x10, 0x00, 0x3c, 0x08, 0x04, 0x00, 1, 2, 3 },
		/* header cut after the unit */
		{ 0x3f, 0x10, 0x00, 0x3c, 0x08 },
		/* 9-byte mantissa */
		{ 0x3f, 0x10, 0x00, 0x3c, 0x08, 0x09, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9 },
	};
	static const size_t lens[] = { 7, 10, 5, 16 };
	static const int want[] = { -EBADMSG, -EBADMSG, -EBADMSG, 0 };
	struct kmp_value got[KMP_MAX_REGS];
	unsigned int i, count;
	u16 reg = 0x3c;
	struct kmp_frame f;
	struct kmp_rx rx;

	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		struct kmp_frame f = {
			.addr = 0x3f, .cid = 0x10,
			.data = &bodies[i][2], .len = lens[i] - 2,
		};

		KUNIT_EXPECT_EQ(test, kmp_decode_registers(&f, got, 8, &count), want[i]);
		KUNIT_EXPECT_EQ(test, kmp_decode_get_register(&f, &reg, 1, got), want[i]);
	}
	/* The 9-byte mantissa: that entry alone has no value */
	KUNIT_EXPECT_FALSE(test, got[0].present);
	KUNIT_EXPECT_EQ(test, got[0].error, -EOVERFLOW);

	/* E1 (8-byte mantissa), V1 (9 bytes), T1: two values and an error */
	KUNIT_ASSERT_EQ(test, kmp_test_parse(&rx, kmp_test_long_entries,
					     sizeof(kmp_test_long_entries), &f),
			KMP_RX_COMPLETE);
	{
		static const u16 three[] = { 0x56, 0x44, 0x3c };

		KUNIT_ASSERT_EQ(test, kmp_decode_get_register(&f, three, 3, got), 0);
		KUNIT_EXPECT_TRUE(test, got[0].present);
		KUNIT_EXPECT_EQ(test, got[0].mantissa, 1240ULL);
		KUNIT_EXPECT_FALSE(test, got[1].present);
		KUNIT_EXPECT_EQ(test, got[1].error, -EOVERFLOW);
		KUNIT_EXPECT_TRUE(test, got[2].present);
		KUNIT_EXPECT_EQ(test, got[2].error, 0);
		KUNIT_EXPECT_EQ(test, got[2].mantissa, U64_MAX);
		KUNIT_EXPECT_EQ(test, got[2].len, 8);
	}
}

/* An optical head echoes the request before the meter's reply */
static void kmp_test_echo_and_noise(struct kunit *test)
{
	static const char reply[] = "40 3f 10 00 56 25 02 42 14 f5 69 dc 0d";
	static const char *const before[] = {
		"",
		"80 3f 10 01 00 56 7f b3 0d",			/* echo */
		"80 3f 10 07 00 3c 00 50 00 56 00 57 00 59 00 4a 00 44 62 fd 0d",
		"00 ff 0d 0d 1b 80 06 13 37",			/* noise */
		"80 3f 10 01 00 1b 7f d4 08 0d ff 00",		/* echo, noise */
	};
	char hex[256];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(before); i++) {
		struct kmp_value v;
		struct kmp_frame f;
		struct kmp_rx rx;
		u16 reg = 0x56;
		u8 buf[128];
		size_t len, j, used;
		int ret = 0;

		snprintf(hex, sizeof(hex), "%s %s", before[i], reply);
		len = kmp_test_hex(hex, buf, sizeof(buf));
		/* All at once */
		KUNIT_ASSERT_EQ(test, kmp_test_parse(&rx, buf, len, &f), KMP_RX_COMPLETE);
		KUNIT_EXPECT_EQ(test, rx.discarded, (u32)(len - 13));
		KUNIT_EXPECT_EQ(test, rx.errors, 0u);
		KUNIT_ASSERT_EQ(test, kmp_decode_get_register(&f, &reg, 1, &v), 0);
		KUNIT_EXPECT_EQ(test, v.mantissa, 0x14f5ULL);
		/* And one byte at a time */
		kmp_rx_init(&rx, KMP_START_REPLY);
		for (j = 0; j < len; j++) {
			ret = kmp_rx_feed(&rx, &buf[j], 1, &used);
			if (j < len - 1)
				KUNIT_EXPECT_EQ(test, ret, KMP_RX_NEED_MORE);
		}
		KUNIT_EXPECT_EQ(test, ret, KMP_RX_COMPLETE);
	}
}

/* A false start (noise holding 0x40) ends in an error, then the real frame */
static void kmp_test_false_start(struct kunit *test)
{
	u8 buf[64];
	size_t len = kmp_test_hex("40 12 34 40 3f 10 00 56 25 02 42 14 f5 69 dc 0d",
				  buf, sizeof(buf));
	struct kmp_frame f;
	struct kmp_rx rx;
	size_t used;

	kmp_rx_init(&rx, KMP_START_REPLY);
	KUNIT_EXPECT_EQ(test, kmp_rx_feed(&rx, buf, len, &used), -EBADMSG);
	KUNIT_EXPECT_EQ(test, used, (size_t)4);
	KUNIT_EXPECT_EQ(test, rx.errors, 1u);
	KUNIT_EXPECT_EQ(test, kmp_rx_frame(&rx, &f), -EAGAIN);
	KUNIT_EXPECT_EQ(test, kmp_rx_feed(&rx, buf + used, len - used, &used),
			KMP_RX_COMPLETE);
	KUNIT_EXPECT_EQ(test, used, len - 4);
	KUNIT_ASSERT_EQ(test, kmp_rx_frame(&rx, &f), 0);
	KUNIT_EXPECT_EQ(test, f.len, (size_t)7);
}

static void kmp_test_truncated(struct kunit *test)
{
	u8 buf[64];
	size_t len = kmp_test_hex("40 3f 10 00 56 25 02 42 14 f5 69 dc 0d", buf,
				  sizeof(buf));
	struct kmp_frame f;
	struct kmp_rx rx;
	size_t cut, used;

	/* Every prefix of a reply is incomplete, never a frame */
	for (cut = 0; cut < len; cut++) {
		kmp_rx_init(&rx, KMP_START_REPLY);
		KUNIT_EXPECT_EQ(test, kmp_rx_feed(&rx, buf, cut, &used), KMP_RX_NEED_MORE);
		KUNIT_EXPECT_EQ(test, kmp_rx_frame(&rx, &f), -EAGAIN);
	}
	/* A reply cut before its CRC: the stop byte comes too early */
	buf[9] = 0x0d;
	KUNIT_EXPECT_EQ(test, kmp_test_parse(&rx, buf, 10, &f), -EBADMSG);
	/* Too short to hold address, CID and CRC */
	len = kmp_test_hex("40 3f 10 0d", buf, sizeof(buf));
	KUNIT_EXPECT_EQ(test, kmp_test_parse(&rx, buf, len, &f), -EBADMSG);
	len = kmp_test_hex("40 0d", buf, sizeof(buf));
	KUNIT_EXPECT_EQ(test, kmp_test_parse(&rx, buf, len, &f), -EBADMSG);
}

static void kmp_test_bad_crc(struct kunit *test)
{
	u8 good[32], bad[32];
	size_t len = kmp_test_hex("40 3f 10 00 56 25 02 42 14 f5 69 dc 0d", good,
				  sizeof(good));
	struct kmp_frame f;
	struct kmp_rx rx;
	size_t i, used;
	int bit;

	/* Any single bit flipped in the body is caught */
	for (i = 1; i < len - 1; i++) {
		for (bit = 0; bit < 8; bit++) {
			u8 b = good[i] ^ (1 << bit);
			int ret;

			if (b == 0x80 || b == 0x40 || b == 0x0d || b == 0x06 ||
			    b == 0x1b)
				continue;	/* framing errors: tested elsewhere */
			memcpy(bad, good, len);
			bad[i] = b;
			ret = kmp_test_parse(&rx, bad, len, &f);
			KUNIT_EXPECT_EQ(test, ret, -EBADMSG);
		}
	}
	/* After a bad frame, the next good one is received */
	memcpy(bad, good, len);
	bad[5] ^= 1;
	memcpy(bad + len, good, len);
	kmp_rx_init(&rx, KMP_START_REPLY);
	KUNIT_EXPECT_EQ(test, kmp_rx_feed(&rx, bad, 2 * len, &used), -EBADMSG);
	KUNIT_EXPECT_EQ(test, used, len);
	KUNIT_EXPECT_EQ(test, kmp_rx_feed(&rx, bad + used, len, &used),
			KMP_RX_COMPLETE);
	KUNIT_EXPECT_EQ(test, rx.errors, 1u);
	/* Bad escapes: an escaped byte that is not special, escape at the end */
	len = kmp_test_hex("40 3f 1b 00 0d", bad, sizeof(bad));
	KUNIT_EXPECT_EQ(test, kmp_test_parse(&rx, bad, len, &f), -EBADMSG);
	len = kmp_test_hex("40 3f 10 1b 0d", bad, sizeof(bad));
	KUNIT_EXPECT_EQ(test, kmp_test_parse(&rx, bad, len, &f), -EBADMSG);
}

static void kmp_test_oversize(struct kunit *test)
{
	u8 buf[KMP_RX_MAX + 16];
	struct kmp_frame f;
	struct kmp_rx rx;
	size_t used;

	memset(buf, 0x55, sizeof(buf));
	buf[0] = 0x40;
	kmp_rx_init(&rx, KMP_START_REPLY);
	KUNIT_EXPECT_EQ(test, kmp_rx_feed(&rx, buf, sizeof(buf), &used), -EMSGSIZE);
	KUNIT_EXPECT_EQ(test, used, (size_t)KMP_RX_MAX + 2);
	KUNIT_EXPECT_EQ(test, rx.len, (size_t)0);
	KUNIT_EXPECT_EQ(test, rx.state, KMP_RX_HUNT);
	/* The rest is discarded until a start byte */
	KUNIT_EXPECT_EQ(test, kmp_rx_feed(&rx, buf + used, sizeof(buf) - used, &used),
			KMP_RX_NEED_MORE);
	KUNIT_EXPECT_EQ(test, kmp_rx_frame(&rx, &f), -EAGAIN);
	/* Exactly KMP_RX_MAX bytes still fit */
	memset(buf, 0x55, sizeof(buf));
	buf[0] = 0x40;
	kmp_rx_init(&rx, KMP_START_REPLY);
	KUNIT_EXPECT_EQ(test, kmp_rx_feed(&rx, buf, KMP_RX_MAX + 1, &used),
			KMP_RX_NEED_MORE);
	KUNIT_EXPECT_EQ(test, rx.len, (size_t)KMP_RX_MAX);
}

/* A complete frame is held until the parser is set up again */
static void kmp_test_rx_reinit(struct kunit *test)
{
	u8 buf[64];
	size_t len = kmp_test_hex("40 3f 10 00 56 25 02 42 14 f5 69 dc 0d", buf,
				  sizeof(buf));
	struct kmp_frame f;
	struct kmp_rx rx;
	size_t used;

	KUNIT_ASSERT_EQ(test, kmp_test_parse(&rx, buf, len, &f), KMP_RX_COMPLETE);
	KUNIT_EXPECT_EQ(test, kmp_rx_feed(&rx, buf, len, &used), KMP_RX_COMPLETE);
	KUNIT_EXPECT_EQ(test, used, (size_t)0);
	kmp_rx_init(&rx, KMP_START_REPLY);
	KUNIT_EXPECT_EQ(test, kmp_rx_frame(&rx, &f), -EAGAIN);
	/* A request parser ignores replies and takes requests */
	kmp_rx_init(&rx, KMP_START_REQUEST);
	KUNIT_EXPECT_EQ(test, kmp_rx_feed(&rx, buf, len, &used), KMP_RX_NEED_MORE);
	KUNIT_EXPECT_EQ(test, rx.discarded, (u32)len);
}

/* What a simulated meter sees: every request this core builds decodes back */
static void kmp_test_requests_decode(struct kunit *test)
{
	u16 regs[KMP_MAX_REGS] = { 0x3c, 0x80, 0x40, 0x0d0d, 0x1b06, 0xffff, 0, 0x44 };
	u16 got[KMP_MAX_REGS];
	u8 buf[KMP_REQUEST_MAX];
	unsigned int n, count, i;
	struct kmp_frame f;
	struct kmp_rx rx;
	size_t used;
	int len;

	for (n = 1; n <= KMP_MAX_REGS; n++) {
		len = kmp_build_get_register(buf, sizeof(buf), 0x3f, regs, n);
		KUNIT_ASSERT_GT(test, len, 0);
		kmp_rx_init(&rx, KMP_START_REQUEST);
		KUNIT_ASSERT_EQ(test, kmp_rx_feed(&rx, buf, len, &used), KMP_RX_COMPLETE);
		KUNIT_ASSERT_EQ(test, kmp_rx_frame(&rx, &f), 0);
		KUNIT_EXPECT_EQ(test, f.cid, KMP_CID_GET_REGISTER);
		KUNIT_ASSERT_EQ(test, kmp_decode_request(&f, got, &count), 0);
		KUNIT_ASSERT_EQ(test, count, n);
		for (i = 0; i < n; i++)
			KUNIT_EXPECT_EQ(test, got[i], regs[i]);
	}
	len = kmp_build_get_type(buf, sizeof(buf), 0x3f);
	kmp_rx_init(&rx, KMP_START_REQUEST);
	KUNIT_ASSERT_EQ(test, kmp_rx_feed(&rx, buf, len, &used), KMP_RX_COMPLETE);
	KUNIT_ASSERT_EQ(test, kmp_rx_frame(&rx, &f), 0);
	KUNIT_EXPECT_EQ(test, f.cid, KMP_CID_GET_TYPE);
	KUNIT_EXPECT_EQ(test, kmp_decode_request(&f, got, &count), -EBADMSG);

	/* The count must match the ids exactly: no byte more or less */
	{
		static const u8 bodies[][4] = {
			{ 1, 0x00, 0x3c, 0xff },	/* a trailing byte */
			{ 2, 0x00, 0x3c },		/* an id short */
			{ 0 },				/* no id */
			{ 9, 0x00, 0x3c },		/* more than 8 */
		};
		static const size_t lens[] = { 4, 3, 1, 3 };

		for (i = 0; i < ARRAY_SIZE(lens); i++) {
			f.cid = KMP_CID_GET_REGISTER;
			f.data = bodies[i];
			f.len = lens[i];
			KUNIT_EXPECT_EQ_MSG(test, kmp_decode_request(&f, got, &count),
					    -EBADMSG, "body %u", i);
			KUNIT_EXPECT_EQ(test, count, 0u);
		}
	}
}

static void kmp_test_register_table(struct kunit *test)
{
	static const u16 heat[] = {
		0x003c, 0x003f, 0x0044, 0x004a, 0x0050, 0x0056, 0x0057, 0x0058,
		0x0059, 0x005b, 0x005c,
	};
	const struct kmp_register *r;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(heat); i++) {
		r = kmp_register(heat[i]);
		KUNIT_ASSERT_NOT_NULL(test, r);
		KUNIT_EXPECT_EQ(test, r->id, heat[i]);
		KUNIT_EXPECT_NOT_NULL(test, r->name);
		KUNIT_EXPECT_NE(test, r->quantity, KMP_QTY_NONE);
		KUNIT_EXPECT_GT(test, r->index, 0);
	}
	r = kmp_register(KMP_REG_HEAT_ENERGY);
	KUNIT_EXPECT_STREQ(test, r->name, "heat energy");
	KUNIT_EXPECT_EQ(test, r->quantity, KMP_QTY_ENERGY);
	KUNIT_EXPECT_STREQ(test, kmp_register(0x0044)->name, "volume");
	KUNIT_EXPECT_EQ(test, kmp_register(0x0044)->quantity, KMP_QTY_VOLUME);
	KUNIT_EXPECT_STREQ(test, kmp_register(0x004a)->name, "flow");
	KUNIT_EXPECT_EQ(test, kmp_register(0x004a)->quantity, KMP_QTY_FLOW);
	KUNIT_EXPECT_STREQ(test, kmp_register(0x0050)->name, "power");
	KUNIT_EXPECT_STREQ(test, kmp_register(0x0056)->name, "temperature 1");
	KUNIT_EXPECT_EQ(test, kmp_register(0x0057)->index, 2);
	r = kmp_register(KMP_REG_TEMP_DIFF);
	KUNIT_EXPECT_STREQ(test, r->name, "temperature difference");
	KUNIT_EXPECT_EQ(test, r->index, 1);
	KUNIT_EXPECT_EQ(test, r->index2, 2);
	KUNIT_EXPECT_EQ(test, kmp_register(0x005b)->quantity, KMP_QTY_PRESSURE);
	KUNIT_EXPECT_NULL(test, kmp_register(0x1234));
	KUNIT_EXPECT_NULL(test, kmp_register(0x0000));

	/* Named, with no conversion: counts, dates, bit fields */
	KUNIT_EXPECT_STREQ(test, kmp_register(KMP_REG_HOURS)->name, "hour counter");
	KUNIT_EXPECT_EQ(test, kmp_register(KMP_REG_HOURS)->quantity, KMP_QTY_NONE);
	KUNIT_EXPECT_STREQ(test, kmp_register(KMP_REG_INFO_CODE)->name, "info code");
	KUNIT_EXPECT_EQ(test, kmp_register(KMP_REG_INFO_CODE)->quantity, KMP_QTY_NONE);
	/* A high-resolution twin is the same quantity and number */
	KUNIT_EXPECT_EQ(test, kmp_register(0x010a)->quantity, KMP_QTY_ENERGY);
	KUNIT_EXPECT_EQ(test, kmp_register(0x010a)->index, 1);
	KUNIT_EXPECT_EQ(test, kmp_register(0x000e)->index,
			kmp_register(KMP_REG_ENERGY_OUT)->index);
	/* Electricity: direction, phase, or both */
	KUNIT_EXPECT_EQ(test, kmp_register(KMP_REG_POWER_OUT)->quantity, KMP_QTY_POWER);
	KUNIT_EXPECT_EQ(test, kmp_register(KMP_REG_POWER_OUT)->index, 2);
	KUNIT_EXPECT_EQ(test, kmp_register(KMP_REG_VOLTAGE_L3)->quantity,
			KMP_QTY_VOLTAGE);
	KUNIT_EXPECT_EQ(test, kmp_register(KMP_REG_VOLTAGE_L3)->index, 3);
	KUNIT_EXPECT_EQ(test, kmp_register(KMP_REG_CURRENT_L2)->quantity,
			KMP_QTY_CURRENT);
	KUNIT_EXPECT_EQ(test, kmp_register(KMP_REG_POWER_IN_L2)->index, 12);
	KUNIT_EXPECT_STREQ(test, kmp_register(0x0541)->name, "power out L2");
	KUNIT_EXPECT_EQ(test, kmp_register(0x0541)->index, 22);
}

static struct kunit_case kmp_core_test_cases[] = {
	KUNIT_CASE(kmp_test_crc_vectors),
	KUNIT_CASE(kmp_test_build_requests),
	KUNIT_CASE(kmp_test_build_limits),
	KUNIT_CASE(kmp_test_stuffing_every_position),
	KUNIT_CASE(kmp_test_stop_byte_in_value),
	KUNIT_CASE(kmp_test_value_strings),
	KUNIT_CASE(kmp_test_every_siex),
	KUNIT_CASE(kmp_test_string_limits),
	KUNIT_CASE(kmp_test_to_base),
	KUNIT_CASE(kmp_test_unit_table),
	KUNIT_CASE(kmp_test_real_replies),
	KUNIT_CASE(kmp_test_identity),
	KUNIT_CASE(kmp_test_multi_register),
	KUNIT_CASE(kmp_test_absent_and_foreign),
	KUNIT_CASE(kmp_test_bad_entries),
	KUNIT_CASE(kmp_test_echo_and_noise),
	KUNIT_CASE(kmp_test_false_start),
	KUNIT_CASE(kmp_test_truncated),
	KUNIT_CASE(kmp_test_bad_crc),
	KUNIT_CASE(kmp_test_oversize),
	KUNIT_CASE(kmp_test_rx_reinit),
	KUNIT_CASE(kmp_test_requests_decode),
	KUNIT_CASE(kmp_test_register_table),
	{}
};

static struct kunit_suite kmp_core_test_suite = {
	.name = "kamstrup-kmp-protocol",
	.test_cases = kmp_core_test_cases,
};

kunit_test_suite(kmp_core_test_suite);

MODULE_DESCRIPTION("KUnit tests for the Kamstrup KMP driver");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");
