/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Userspace stand-in for the kernel's <linux/crc-itu-t.h>: CRC-16/ITU-T
 * (polynomial 0x1021, MSB first), computed as lib/crc-itu-t.c does.
 */
#ifndef _KMP_USER_LINUX_CRC_ITU_T_H
#define _KMP_USER_LINUX_CRC_ITU_T_H

#include <linux/types.h>

static inline u16 crc_itu_t(u16 crc, const u8 *buffer, size_t len)
{
	while (len--) {
		int i;

		crc ^= (u16)(*buffer++ << 8);
		for (i = 0; i < 8; i++)
			crc = (crc & 0x8000) ? (u16)((crc << 1) ^ 0x1021) :
					       (u16)(crc << 1);
	}
	return crc;
}

#endif /* _KMP_USER_LINUX_CRC_ITU_T_H */
