/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kamstrup Meter Protocol (KMP): pure protocol core.
 *
 * No I/O, no sleeping, no allocation, no floating point.  The same file
 * builds in the kernel and, with stand-ins for the few kernel headers it
 * includes, in userspace (kmpctl, kmp-sim, the unit tests and the fuzzer).
 *
 * Only read commands can be built: GetRegister, GetType and GetSerialNo.
 */
#ifndef _KAMSTRUP_KMP_CORE_H
#define _KAMSTRUP_KMP_CORE_H

#include <linux/types.h>

/* Frame delimiters and the escape byte */
#define KMP_START_REQUEST	0x80
#define KMP_START_REPLY		0x40
#define KMP_ACK			0x06
#define KMP_STOP		0x0d
#define KMP_ESCAPE		0x1b

/* Destination address of a heat meter; some meters answer on 0x7f */
#define KMP_ADDR_HEAT		0x3f

/* Command ids (CID) of the read-only commands this core can build */
#define KMP_CID_GET_TYPE	0x01
#define KMP_CID_GET_SERIAL	0x02
#define KMP_CID_GET_REGISTER	0x10

/* Registers of a heat meter (MULTICAL 302/402/403/603); see kmp_register() */
#define KMP_REG_HEAT_ENERGY	0x003c
#define KMP_REG_COOL_ENERGY	0x003f
#define KMP_REG_VOLUME		0x0044
#define KMP_REG_VOLUME2		0x0045
#define KMP_REG_FLOW		0x004a
#define KMP_REG_FLOW2		0x004b
#define KMP_REG_POWER		0x0050
#define KMP_REG_TEMP1		0x0056
#define KMP_REG_TEMP2		0x0057
#define KMP_REG_TEMP3		0x0058
#define KMP_REG_TEMP_DIFF	0x0059
#define KMP_REG_PRESSURE1	0x005b
#define KMP_REG_PRESSURE2	0x005c
#define KMP_REG_INFO_CODE	0x0063
#define KMP_REG_HOURS		0x03ec

/* Registers of a Kamstrup 382 electricity meter; see kmp_register() */
#define KMP_REG_ENERGY_IN	0x0001
#define KMP_REG_ENERGY_OUT	0x0002
#define KMP_REG_POWER_IN	0x03ff
#define KMP_REG_POWER_OUT	0x0400
#define KMP_REG_VOLTAGE_L1	0x041e
#define KMP_REG_VOLTAGE_L2	0x041f
#define KMP_REG_VOLTAGE_L3	0x0420
#define KMP_REG_CURRENT_L1	0x0434
#define KMP_REG_CURRENT_L2	0x0435
#define KMP_REG_CURRENT_L3	0x0436
#define KMP_REG_POWER_IN_L1	0x0438
#define KMP_REG_POWER_IN_L2	0x0439
#define KMP_REG_POWER_IN_L3	0x043a

/* At most this many register ids in one GetRegister request */
#define KMP_MAX_REGS		8

/* Longest mantissa accepted in a reply entry (it must fit a u64) */
#define KMP_MAX_MANTISSA	8

/*
 * Longest request on the wire: start, then dst, cid, count, 8 ids and the
 * CRC (21 bytes, each possibly stuffed to 2), then stop.
 */
#define KMP_REQUEST_MAX		(1 + 2 * (3 + 2 * KMP_MAX_REGS + 2) + 1)

/*
 * Longest reply body kept by the receiver, unstuffed, from dst to CRC:
 * dst, cid, 8 entries of at most 5 + KMP_MAX_MANTISSA bytes, and the CRC.
 */
#define KMP_RX_MAX		(2 + KMP_MAX_REGS * (5 + KMP_MAX_MANTISSA) + 2)

/* Longest GetType or GetSerialNo reply on the wire: 4 data bytes, all stuffed */
#define KMP_IDENT_REPLY_MAX	(1 + 2 * (2 + 4 + 2) + 1)

/* Enough for the decimal string of any value: sign, 20 digits, "0." and 63 zeros */
#define KMP_VALUE_STR_MAX	96

/* Unit codes are 0..KMP_UNIT_MAX */
#define KMP_UNIT_MAX		64

/* SiEx byte: sign of the mantissa, sign of the exponent, exponent */
#define KMP_SIEX_NEG_MANTISSA	0x80
#define KMP_SIEX_NEG_EXPONENT	0x40
#define KMP_SIEX_EXPONENT	0x3f

/**
 * struct kmp_value - one register entry of a GetRegister reply
 * @reg: register id
 * @unit: unit code (0..64, see kmp_unit())
 * @siex: the raw SiEx byte as received
 * @len: mantissa length in bytes (1..KMP_MAX_MANTISSA)
 * @present: the entry was found in the reply, with a value
 * @error: an entry found without a value: -EOVERFLOW for a mantissa
 *	   longer than KMP_MAX_MANTISSA bytes; 0 otherwise
 * @mantissa: magnitude of the mantissa
 *
 * The value is (-1)^sign * @mantissa * 10^exponent, with the signs and the
 * exponent taken from @siex; use kmp_value_negative() and
 * kmp_value_exponent() rather than decoding @siex by hand.
 */
struct kmp_value {
	u16 reg;
	u8 unit;
	u8 siex;
	u8 len;
	bool present;
	int error;
	u64 mantissa;
};

/**
 * struct kmp_frame - a received frame, unstuffed and CRC-checked
 * @addr: address byte (the meter's address in a reply)
 * @cid: command id
 * @data: payload between the CID and the CRC
 * @len: length of @data
 */
struct kmp_frame {
	u8 addr;
	u8 cid;
	const u8 *data;
	size_t len;
};

/**
 * enum kmp_rx_state - where the receive parser stands
 * @KMP_RX_HUNT: discarding bytes until a reply start byte
 * @KMP_RX_BODY: collecting a frame body
 * @KMP_RX_ESCAPED: the previous byte was the escape byte
 * @KMP_RX_DONE: a complete, CRC-checked frame is held
 */
enum kmp_rx_state {
	KMP_RX_HUNT,
	KMP_RX_BODY,
	KMP_RX_ESCAPED,
	KMP_RX_DONE,
};

/* kmp_rx_feed() results besides negative error codes */
#define KMP_RX_NEED_MORE	0
#define KMP_RX_COMPLETE		1

/**
 * struct kmp_rx - incremental receive parser
 * @state: parser state
 * @start: the start byte hunted for (KMP_START_REPLY, or KMP_START_REQUEST
 *	   in a simulated meter)
 * @len: bytes of unstuffed body held in @buf
 * @discarded: bytes dropped while hunting for a start byte (echo, noise)
 * @errors: frames dropped for CRC, framing or size errors
 * @buf: unstuffed body, from the address byte to the CRC
 */
struct kmp_rx {
	enum kmp_rx_state state;
	u8 start;
	size_t len;
	u32 discarded;
	u32 errors;
	u8 buf[KMP_RX_MAX];
};

/**
 * struct kmp_type - decoded GetType reply
 * @type: meter type code
 * @revision: software revision: a letter (1 = 'A' .. 26 = 'Z') in the high
 *	      byte and a number in the low byte; 0 if the meter gives none
 */
struct kmp_type {
	u16 type;
	u16 revision;
};

/**
 * enum kmp_quantity - the physical quantity of a unit or register
 * @KMP_QTY_NONE: none this core converts (dates, counts, reactive power...)
 * @KMP_QTY_ENERGY: energy; base unit J
 * @KMP_QTY_POWER: power; base unit W
 * @KMP_QTY_TEMPERATURE: temperature or temperature difference; base unit
 *			 degree Celsius (a difference in K is the same number)
 * @KMP_QTY_VOLUME: volume; base unit l
 * @KMP_QTY_FLOW: volume flow; base unit l/h
 * @KMP_QTY_VOLTAGE: voltage; base unit V
 * @KMP_QTY_CURRENT: current; base unit A
 * @KMP_QTY_PRESSURE: pressure; base unit Pa
 */
enum kmp_quantity {
	KMP_QTY_NONE,
	KMP_QTY_ENERGY,
	KMP_QTY_POWER,
	KMP_QTY_TEMPERATURE,
	KMP_QTY_VOLUME,
	KMP_QTY_FLOW,
	KMP_QTY_VOLTAGE,
	KMP_QTY_CURRENT,
	KMP_QTY_PRESSURE,
};

/**
 * struct kmp_unit - a unit code and its conversion to its quantity's base unit
 * @name: the unit as the meter means it, e.g. "GJ"
 * @quantity: what it measures; KMP_QTY_NONE if this core has no conversion
 * @mult: multiplier to the base unit of @quantity ...
 * @exp: ... times 10^@exp: value_in_base = value * @mult * 10^@exp
 */
struct kmp_unit {
	const char *name;
	enum kmp_quantity quantity;
	u32 mult;
	s8 exp;
};

/**
 * struct kmp_register - a register whose meaning is known
 * @id: register id
 * @name: short lowercase name, e.g. "temperature 1"
 * @quantity: what it measures
 * @index: the meter's number for it (1 for T1, 3 for E3, 2 for V2); on an
 *	   electricity meter the direction (1 in, 2 out) of an energy or a
 *	   total power, the phase (1..3) of a voltage or a current, and
 *	   10 * direction + phase of a phase's power; 0 if none.  Registers
 *	   of one quantity and number are the same measurement (a register
 *	   and its high-resolution twin)
 * @index2: for a difference (T1 - T2), the number of the subtrahend; else 0
 */
struct kmp_register {
	u16 id;
	const char *name;
	enum kmp_quantity quantity;
	u8 index;
	u8 index2;
};

u16 kmp_crc16(const u8 *data, size_t len);

int kmp_build_get_register(u8 *buf, size_t size, u8 addr,
			   const u16 *regs, unsigned int n);
int kmp_build_get_type(u8 *buf, size_t size, u8 addr);
int kmp_build_get_serial(u8 *buf, size_t size, u8 addr);
size_t kmp_reply_len_max(unsigned int n);

void kmp_rx_init(struct kmp_rx *rx, u8 start);
int kmp_rx_feed(struct kmp_rx *rx, const u8 *data, size_t len,
		size_t *consumed);
int kmp_rx_frame(const struct kmp_rx *rx, struct kmp_frame *frame);

int kmp_decode_registers(const struct kmp_frame *frame,
			 struct kmp_value *vals, unsigned int max,
			 unsigned int *count);
int kmp_decode_get_register(const struct kmp_frame *frame,
			    const u16 *regs, unsigned int n,
			    struct kmp_value *vals);
int kmp_decode_type(const struct kmp_frame *frame, struct kmp_type *type);
int kmp_type_revision(const struct kmp_type *type, char *buf, size_t size);
int kmp_decode_serial(const struct kmp_frame *frame, u32 *serial);

bool kmp_value_negative(const struct kmp_value *v);
int kmp_value_exponent(const struct kmp_value *v);
int kmp_value_to_string(const struct kmp_value *v, char *buf, size_t size);
int kmp_value_to_base(const struct kmp_value *v, int exp, s64 *out);

const struct kmp_unit *kmp_unit(unsigned int code);
const struct kmp_register *kmp_register(u16 id);

#endif /* _KAMSTRUP_KMP_CORE_H */
