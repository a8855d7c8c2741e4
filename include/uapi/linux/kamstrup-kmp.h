/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * Kamstrup KMP meters: reading any register through /dev/kmpN.
 *
 * Each meter bound to the kamstrup-kmp driver has a character device
 * /dev/kmpN, where iio:deviceN is its IIO device (the misc device is a
 * child of it in sysfs).  Its only ioctl reads 1 to 8 registers of the
 * meter; nothing can be written to a meter through it.
 */
#ifndef _UAPI_LINUX_KAMSTRUP_KMP_H
#define _UAPI_LINUX_KAMSTRUP_KMP_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* Registers one KMP_IOC_READ_REGISTERS call takes */
#define KMP_IOC_MAX_REGS	8
/* Room for the exact decimal value, NUL-terminated */
#define KMP_IOC_VALUE_LEN	96

/* Status of one register */
#define KMP_IOC_OK		0	/* read: the fields below hold its value */
#define KMP_IOC_ABSENT		1	/* the meter does not have it */
#define KMP_IOC_ERROR		2	/* its request failed: see error */

/**
 * struct kmp_ioc_register - one register: id in, value out
 * @reg: in: register id
 * @status: out: KMP_IOC_OK, KMP_IOC_ABSENT or KMP_IOC_ERROR
 * @unit: out: the meter's unit code (0..64 known)
 * @error: out: with KMP_IOC_ERROR, a negative errno: -ETIMEDOUT (the meter
 *	   did not answer), -EBADMSG (corrupt replies), -EINTR
 * @siex: out: the SiEx byte as the meter sent it
 * @len: out: mantissa length in bytes
 * @exponent: out: decimal exponent, -63..63
 * @negative: out: 1 if the value is below zero
 * @reserved: zero
 * @mantissa: out: magnitude of the mantissa
 * @value: out: exact decimal value, e.g. "-12.34", NUL-terminated
 *
 * value = (negative ? -1 : 1) * mantissa * 10^exponent
 *
 * Every field but @reg must be zero on input.
 */
struct kmp_ioc_register {
	__u16 reg;
	__u8 status;
	__u8 unit;
	__s32 error;
	__u8 siex;
	__u8 len;
	__s8 exponent;
	__u8 negative;
	__u8 reserved[4];
	__u64 mantissa;
	char value[KMP_IOC_VALUE_LEN];
};

/**
 * struct kmp_ioc_read - argument of KMP_IOC_READ_REGISTERS
 * @count: in: number of registers, 1..KMP_IOC_MAX_REGS
 * @flags: in: must be zero
 * @regs: the registers; the first @count are used, the others must be zero
 *
 * The layout is the same for 32-bit and 64-bit userspace.  A register id
 * may be repeated: it is read once.  The call fails (and nothing reaches
 * the meter) with EINVAL for a bad @count, @flags, or a non-zero field that
 * is not an input, and EFAULT for a bad pointer.  Otherwise it returns 0
 * and each register's @status tells its outcome; ENODEV if the meter is
 * gone, EINTR if a signal ended the wait.
 *
 * Versions: the size of the structure is part of the command, as _IOC_SIZE.
 * A later version only appends fields, which are zero when unused; the
 * driver takes any size from this one on and refuses (E2BIG) a larger
 * structure whose fields unknown to it are not zero.
 */
struct kmp_ioc_read {
	__u32 count;
	__u32 flags;
	struct kmp_ioc_register regs[KMP_IOC_MAX_REGS];
};

/* Registered in Documentation/userspace-api/ioctl/ioctl-number.rst */
#define KMP_IOC_MAGIC		0xB9
#define KMP_IOC_READ_REGISTERS	_IOWR(KMP_IOC_MAGIC, 0x00, struct kmp_ioc_read)

#endif /* _UAPI_LINUX_KAMSTRUP_KMP_H */
