// SPDX-License-Identifier: GPL-2.0-only
/*
 * kmp-sim: the meter.  A complete request to the profile's address is
 * answered from the profile (profile.c) with the meter side's reply
 * builders (kmp-meter.c): GetRegister with the registers it has (in the
 * order asked), GetType, GetSerialNo; anything else is counted as other.
 * Silence and sleep are decided here; the reply then meets its faults
 * (faults.c) and the line (transport.c).
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

static unsigned long ignored_asleep;


static bool is_missing(u16 reg)
{
	unsigned int i;

	for (i = 0; i < opt.nmissing; i++)
		if (opt.missing[i] == reg)
			return true;
	return false;
}

/*
 * The same value with one more digit: mantissa * 10, exponent - 1
 * (9876543 * 10^-2 becomes 98765430 * 10^-3), as a meter that changes its
 * resolution sends it; unchanged where that does not fit.
 */
static void one_more_digit(struct kmp_value *v)
{
	int e = kmp_value_exponent(v) - 1;

	if (v->mantissa > UINT64_MAX / 10 || e < -KMP_SIEX_EXPONENT)
		return;
	v->mantissa *= 10;
	v->siex = (v->siex & KMP_SIEX_NEG_MANTISSA) |
		  (e < 0 ? KMP_SIEX_NEG_EXPONENT | -e : e);
	while (v->len < KMP_MAX_MANTISSA && v->mantissa >> (8 * v->len))
		v->len++;
}

/* Builds the reply to the request of @f; its faults; sends it */
static void reply(const struct kmp_frame *f, const u16 *regs,
		  unsigned int nregs, u64 rx_end)
{
	u8 frame[SIM_FRAME_MAX], wire[SIM_FRAME_MAX + NOISE_MAX];
	struct kmp_value vals[KMP_MAX_REGS];
	unsigned int i, n = 0;
	size_t len, wlen;
	static unsigned long long switched;
	u64 start, sent;
	u8 addr = opt.reply_addr >= 0 ? opt.reply_addr : profile.addr;
	int ret;

	switch (f->cid) {
	case KMP_CID_GET_REGISTER:
		for (i = 0; i < nregs; i++) {
			const struct sim_reg *r = sim_profile_find(&profile, regs[i]);

			if (r && !is_missing(regs[i]))
				vals[n++] = r->v;
		}
		/* Every other GetRegister reply one digit finer */
		if (opt.switch_exponent && switched++ % 2)
			for (i = 0; i < n; i++)
				one_more_digit(&vals[i]);
		ret = kmp_build_reply_registers(frame, sizeof(frame),
						addr, vals, n);
		break;
	case KMP_CID_GET_TYPE:
		ret = kmp_build_reply_type(frame, sizeof(frame), addr,
					   &profile.type);
		break;
	default:
		ret = kmp_build_reply_serial(frame, sizeof(frame),
					     addr, profile.serial);
		break;
	}
	if (ret < 0) {
		/* The profile was checked when loaded: cannot happen */
		fprintf(stderr, "kmp-sim: building the reply failed: %s\n",
			strerror(-ret));
		return;
	}
	len = ret;
	st.replies++;
	st.registers += n;

	wlen = sim_faults(frame, len, wire);

	if (opt.pace) {
		start = rx_end > line.tx_end ? rx_end : line.tx_end;
	} else {
		start = now_ns();
	}
	if (rng_hit(opt.late_rate)) {
		/* LATE_MIN_MS..LATE_MAX_MS after the request, not turnaround */
		unsigned long late = LATE_MIN_MS +
				     rng() % (LATE_MAX_MS - LATE_MIN_MS + 1);

		start += late * NSEC_PER_MSEC;
		st.f_late++;
		vlog("fault: late, starts %lu ms after the request", late);
	} else {
		start += opt.turnaround_ms * NSEC_PER_MSEC;
	}
	if (opt.slow_ms) {
		start += opt.slow_ms * NSEC_PER_MSEC;
		st.f_slow++;
	}

	/* Counted before sending, so that a reader of --stats who has the
	 * whole reply also sees it counted */
	st.bytes_out += wlen;
	stats_write();
	st.bytes_out -= wlen;

	vlog_hex("out", wire, wlen);
	sent = st.bytes_out;
	out_paced(wire, wlen, start);
	/* sent: replies whose last byte is out (a test may wait for it) */
	if (st.bytes_out - sent == wlen)
		st.sent++;
	stats_write();
}

/* A complete frame with a good CRC: answer it, or count it as other */
void handle_frame(u64 rx_end)
{
	u16 regs[KMP_MAX_REGS];
	unsigned int n = 0, i;
	struct kmp_frame f;
	char desc[128];
	int pos;

	if (kmp_rx_frame(&line.rx, &f))
		return;
	if (f.addr != profile.addr) {
		snprintf(desc, sizeof(desc), "frame to address 0x%02x, CID 0x%02x",
			 f.addr, f.cid);
		count_other(desc);
		return;
	}
	switch (f.cid) {
	case KMP_CID_GET_REGISTER:
		if (kmp_decode_request(&f, regs, &n)) {
			count_other("malformed GetRegister request");
			return;
		}
		st.get_register++;
		pos = snprintf(desc, sizeof(desc), "GetRegister");
		for (i = 0; i < n; i++)
			pos += snprintf(desc + pos, sizeof(desc) - pos, " 0x%04x",
					regs[i]);
		break;
	case KMP_CID_GET_TYPE:
	case KMP_CID_GET_SERIAL:
		if (f.len) {
			count_other("GetType/GetSerialNo with data");
			return;
		}
		if (f.cid == KMP_CID_GET_TYPE) {
			st.get_type++;
			snprintf(desc, sizeof(desc), "GetType");
		} else {
			st.get_serial++;
			snprintf(desc, sizeof(desc), "GetSerialNo");
		}
		break;
	default:
		snprintf(desc, sizeof(desc), "CID 0x%02x (%zu data bytes)",
			 f.cid, f.len);
		count_other(desc);
		return;
	}
	st.requests++;
	vlog("request %llu: %s", st.requests, desc);

	if (opt.silent || rng_hit(opt.silent_rate)) {
		st.f_silent++;
		vlog("fault: silent");
		stats_write();
	} else if (ignored_asleep < opt.wake_after) {
		ignored_asleep++;
		st.f_silent++;
		vlog("fault: asleep (%lu of %lu requests ignored)",
		     ignored_asleep, opt.wake_after);
		stats_write();
	} else {
		reply(&f, regs, n, rx_end);
	}
	if (opt.max_requests && st.requests >= opt.max_requests)
		want_exit = true;
}

