/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kmp-mqtt: Kamstrup meters to MQTT, with Home Assistant discovery.
 *
 * meter.c reads meters (the kernel driver's channels through libiio, or a
 * USB IR head through the tty transport of userspace/lib) into sensors with values in
 * Home Assistant's units; kmp-mqtt.c holds the options, the broker and the
 * loop.
 */
#ifndef _KMP_MQTT_H
#define _KMP_MQTT_H

#include "iio-source.h"
#include "transport.h"
#include "tty.h"
#include "util.h"

#define MQ_MAX_METERS	8
#define MQ_MAX_SENSORS	32

/* A sensor as Home Assistant sees it */
struct mq_sensor {
	char key[48];		/* "heat_energy": topic and unique_id part */
	char name[128];		/* "heat energy" */
	const char *device_class;	/* "energy", ... or NULL */
	const char *state_class;	/* "total_increasing", "measurement" */
	const char *unit;	/* HA's unit: "kWh", "W", "°C", ... or NULL */
	bool known;		/* read at least once: discovery may go out */
	bool ok;		/* the last reading worked: @value holds it */
	char value[64];		/* exact decimal in @unit */
	/* where it comes from */
	u16 reg;			/* --tty */
	struct kmpctl_chan *chan;	/* libiio */
};

struct mq_meter {
	char node[48];		/* "kamstrup_12345678": topic part, HA device id */
	char serial[24];
	char model[64];
	char sw[16];
	bool identified;	/* @node and friends are set */
	bool available;		/* the last read worked at all */
	int last_err;
	unsigned int n;
	struct mq_sensor s[MQ_MAX_SENSORS];
	/*
	 * A heat meter's info code (the driver's info_code, or register
	 * 0x0063 with --tty): a problem binary_sensor and a sensor
	 */
	bool has_info;
	bool info_ok;		/* the last read worked: @info holds it */
	uint32_t info;
	/* source */
	struct kmpctl_transport *tty;
	struct kmpctl_ctx *ctx;
	unsigned int dev;	/* index in @ctx */
	struct kmpctl_chan *chans;
};

struct mq_source {
	const struct tty_line *kopts;	/* --tty and its line options */
	const char *uri;			/* -u */
	const char *device;			/* -d */
	const char *energy_unit;		/* kWh, MJ, GJ */
	u16 regs[KMPCTL_MAX_IDS];		/* --tty: registers to read */
	unsigned int nregs;
	unsigned int n;
	struct mq_meter m[MQ_MAX_METERS];
	struct kmpctl_ctx ctx;
};

/* meter.c: 0 or a negative exit status after a message */
int mq_source_open(struct mq_source *src);
void mq_source_close(struct mq_source *src);
/* Reads a meter: identity first if not known yet; 0 or -errno */
int mq_meter_read(struct mq_source *src, struct mq_meter *m);

#endif /* _KMP_MQTT_H */
