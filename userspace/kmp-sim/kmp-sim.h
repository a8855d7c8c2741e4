/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kmp-sim: a simulated Kamstrup heat meter speaking KMP.
 *
 * Copyright (C) 2026 The kamstrup-kmp authors
 */
#ifndef _KMP_SIM_H
#define _KMP_SIM_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <termios.h>

#include "kmp.h"
#include "kmp-meter.h"	/* replies as a meter builds them */

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

/* Default mantissa length of a register entry, as real meters send */
#define SIM_DEFAULT_LEN	4

/**
 * struct sim_reg - one register of the simulated meter
 * @v: the entry as it is sent (reg, unit, siex, len, mantissa)
 * @line: line of the profile it comes from
 */
struct sim_reg {
	struct kmp_value v;
	int line;
};

/**
 * struct sim_profile - what the simulated meter knows
 * @addr: the meter's address (requests to another address are ignored)
 * @type: GetType answer
 * @serial: GetSerialNo answer
 * @regs: registers, in profile order
 * @nregs: number of registers
 */
struct sim_profile {
	u8 addr;
	struct kmp_type type;
	u32 serial;
	struct sim_reg *regs;
	size_t nregs;
};

/* userspace/kmp-sim/multical403.profile, as a string (generated at build) */
extern const char sim_builtin_profile[];

int sim_profile_load(const char *path, struct sim_profile *p);
void sim_profile_free(struct sim_profile *p);
const struct sim_reg *sim_profile_find(const struct sim_profile *p, u16 reg);

int sim_parse_uint(const char *s, unsigned long long max,
		   unsigned long long *out);
int sim_parse_unit(const char *s, unsigned int *code);

/* ---- shared by kmp-sim.c (options, main), transport.c, faults.c, meter.c */

#define NSEC_PER_SEC	1000000000ULL
#define NSEC_PER_MSEC	1000000ULL
#define BITS_PER_BYTE	11	/* start, 8 data, 2 stop */
#define NOISE_MAX	4096
#define MISSING_MAX	64
/* --late-rate: a late reply starts this long after the request's stop
 * byte, past the driver's 400 ms turnaround budget, so that it arrives
 * while the driver retries */
#define LATE_MIN_MS	600
#define LATE_MAX_MS	900
/* A reply as built, with room for the noise put inside it */
#define SIM_FRAME_MAX	(KMP_RX_MAX * 2 + 8 + NOISE_MAX)

enum transport { T_NONE, T_PTY, T_LISTEN, T_TTY };

/* The command line */
struct sim_opts {
	enum transport transport;
	const char *path;		/* --listen PATH or --tty DEV */
	const char *profile_path;
	const char *stats_path;
	unsigned long baud;
	unsigned long turnaround_ms;
	bool turnaround_set;
	bool pace;
	bool silent;
	unsigned long wake_after;
	unsigned long crc_every;
	double crc_rate;
	unsigned long long seed;
	bool seed_set;
	bool echo;
	unsigned long noise_before;
	unsigned long noise_inside;
	long truncate;			/* -1: off */
	unsigned long slow_ms;
	double silent_rate;		/* per request: no answer */
	double truncate_rate;		/* per reply: a random part of it */
	double late_rate;		/* per reply: starts LATE_MIN..MAX_MS late */
	u16 missing[MISSING_MAX];
	unsigned int nmissing;
	bool switch_exponent;
	int reply_addr;			/* -1: the profile's address */
	unsigned long max_requests;	/* 0: no limit */
	int verbose;
};

/* The statistics (--stats) */
struct sim_stats {
	unsigned long long requests, replies, get_register, get_type,
		get_serial, other, bytes_in, bytes_out, registers, sent;
	unsigned long long f_silent, f_crc, f_echo, f_noise, f_truncated,
		f_slow, f_late;
};

/* Line state of the current connection */
struct sim_line {
	int fd;
	bool line_paces;	/* a real tty: the UART paces the bytes */
	u64 rx_end;		/* when the last received byte had arrived */
	u64 tx_end;		/* when the last sent byte will have arrived */
	struct kmp_rx rx;
	u32 seen_discarded;
	bool garbage;		/* stray bytes not counted yet */
	bool broken;		/* a frame was dropped: stray bytes up to the
				 * next start byte are its rest, not counted
				 * again */
	bool gone;		/* the client went away */
};

extern struct sim_opts opt;
extern struct sim_stats st;
extern struct sim_line line;
extern struct sim_profile profile;
extern volatile sig_atomic_t sig_exit, sig_usr1, sig_usr2;
extern sigset_t wait_mask;	/* the mask ppoll() waits with */
extern bool want_exit;
extern unsigned long long rng_state;

/* kmp-sim.c */
u64 now_ns(void);
void sleep_until(u64 t);
u64 wire_ns(u64 n);
void vlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vlog_hex(const char *what, const u8 *b, size_t n);
void stats_print(void);
void stats_write(void);
void count_other(const char *why);

/* transport.c: the line (pacing, receiving) and the transports */
size_t out_write(const u8 *b, size_t n);
void out_paced(const u8 *b, size_t n, u64 start);
void on_signal(int sig);
int run_pty(void);
int run_tty(void);
int run_listen(void);
speed_t baud_to_speed(unsigned long baud);

/* faults.c */
u64 rng(void);
u8 rng_byte_not(u8 avoid);
bool rng_hit(double p);
size_t corrupt_crc(u8 *f, size_t len);
bool parses_as_frame(const u8 *b, size_t n);
size_t sim_faults(u8 *frame, size_t len, u8 *wire);

/* meter.c: a request answered as the profile says */
void handle_frame(u64 rx_end);

#endif /* _KMP_SIM_H */
