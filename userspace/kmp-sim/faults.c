// SPDX-License-Identifier: GPL-2.0-only
/*
 * kmp-sim: faults on demand.  A reply can get its CRC corrupted (a frame
 * that is well formed but fails the check), random bytes inside it or
 * before it (never the reply start byte, and never so that a damaged
 * reply passes a CRC check), or lose its tail, each always or with a
 * probability (--*-rate); the random numbers are seeded (--seed) for
 * reproducible runs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "kmp-sim.h"

u64 rng(void)
{
	u64 z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

u8 rng_byte_not(u8 avoid)
{
	u8 b;

	do
		b = rng() >> 56;
	while (b == avoid);
	return b;
}

/* True with probability @p; draws nothing when @p is 0, so that a fault
 * left off does not change the sequence the others see */
bool rng_hit(double p)
{
	return p > 0 && (rng() >> 11) * 0x1.0p-53 < p;
}

static bool is_special(u8 b)
{
	return b == KMP_START_REQUEST || b == KMP_START_REPLY ||
	       b == KMP_STOP || b == KMP_ACK || b == KMP_ESCAPE;
}

/* Whether a reply parser of the core finds a good frame in @b */
bool parses_as_frame(const u8 *b, size_t n)
{
	struct kmp_rx rx;
	size_t off = 0, c;

	kmp_rx_init(&rx, KMP_START_REPLY);
	while (off < n) {
		if (kmp_rx_feed(&rx, b + off, n - off, &c) == KMP_RX_COMPLETE)
			return true;
		off += c;
	}
	return false;
}

/*
 * Flips bit 0 of the low CRC byte of the framed reply @f (ending in the
 * stop byte), keeping the stuffing valid; @f has room for one more byte.
 * Return: the new length.
 */
size_t corrupt_crc(u8 *f, size_t len)
{
	u8 b;

	if (f[len - 3] == KMP_ESCAPE) {
		/* "1b ~c" -> c ^ 1, which is never a special byte */
		f[len - 3] = (f[len - 2] ^ 0xff) ^ 1;
		f[len - 2] = KMP_STOP;
		return len - 1;
	}
	b = f[len - 2] ^ 1;
	if (is_special(b)) {
		f[len - 2] = KMP_ESCAPE;
		f[len - 1] = b ^ 0xff;
		f[len] = KMP_STOP;
		return len + 1;
	}
	f[len - 2] = b;
	return len;
}


/*
 * The faults a reply meets on its way out, in this order: CRC, noise
 * inside, truncation, noise before.  @frame (@len bytes, with room for
 * the noise) becomes @wire; returns the bytes to send.
 */
size_t sim_faults(u8 *frame, size_t len, u8 *wire)
{
	size_t wlen = 0, i;
	bool noisy = false;

	if ((opt.crc_every && st.replies % opt.crc_every == 0) |
	    rng_hit(opt.crc_rate)) {
		len = corrupt_crc(frame, len);
		if (parses_as_frame(frame, len))
			fprintf(stderr, "kmp-sim: BUG: corrupted CRC still checks\n");
		st.f_crc++;
		vlog("fault: CRC corrupted");
	}
	if (opt.noise_inside) {
		u8 copy[SIM_FRAME_MAX];
		size_t at = len / 2, k, tries;

		/*
		 * Random bytes in the middle; drawn again in the (2^-16) case
		 * that they happen to make a frame with a good CRC.
		 */
		memcpy(copy, frame, len);
		for (tries = 0; tries < 100; tries++) {
			memcpy(frame, copy, at);
			for (k = 0; k < opt.noise_inside; k++)
				frame[at + k] = rng_byte_not(KMP_START_REPLY);
			memcpy(frame + at + opt.noise_inside, copy + at, len - at);
			if (!parses_as_frame(frame, len + opt.noise_inside))
				break;
		}
		len += opt.noise_inside;
		noisy = true;
	}
	if (opt.truncate >= 0 && (size_t)opt.truncate < len) {
		len = opt.truncate;
		st.f_truncated++;
		vlog("fault: truncated to %zu bytes", len);
	} else if (rng_hit(opt.truncate_rate)) {
		/* 1 .. len - 1 bytes: at least the stop byte is lost */
		len = 1 + rng() % (len - 1);
		st.f_truncated++;
		vlog("fault: truncated to %zu bytes (random)", len);
	}
	for (i = 0; i < opt.noise_before; i++)
		wire[wlen++] = rng_byte_not(KMP_START_REPLY);
	if (opt.noise_before)
		noisy = true;
	if (noisy) {
		st.f_noise++;
		vlog("fault: noise, %lu bytes before, %lu inside",
		     opt.noise_before, opt.noise_inside);
	}
	memcpy(wire + wlen, frame, len);
	return wlen + len;
}
