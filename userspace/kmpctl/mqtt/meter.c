// SPDX-License-Identifier: GPL-2.0-only
/*
 * kmp-mqtt: meters read into sensors in Home Assistant's units.
 *
 * Through the driver every meter of the libiio context (or the one -d
 * names) is a device and each input channel a sensor, read through sysfs
 * (one read refreshes all channels in the driver's cache window).  With
 * --tty the meter on a USB IR head is read with the tty transport of
 * userspace/lib (kmpctl --tty's too):
 * the registers asked for, 8 per request, named and typed by the core's
 * register and unit tables.  Values stay exact: SI units from the driver
 * or the core's unit factors, then Home Assistant's units by powers of
 * ten; only kWh from joules is rounded, to the watt-hour.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kmp-mqtt.h"

/* Home Assistant's classes and units per quantity */
static void classify(struct mq_sensor *s, enum kmp_quantity q,
		     bool difference, bool hours, const char *energy_unit)
{
	s->state_class = "measurement";
	s->device_class = NULL;
	s->unit = NULL;
	switch (q) {
	case KMP_QTY_ENERGY:
		s->device_class = "energy";
		s->state_class = "total_increasing";
		s->unit = energy_unit;
		break;
	case KMP_QTY_POWER:
		s->device_class = "power";
		s->unit = "W";
		break;
	case KMP_QTY_TEMPERATURE:
		s->device_class = "temperature";
		s->unit = difference ? "K" : "°C";
		break;
	case KMP_QTY_VOLUME:
		s->device_class = "volume";
		s->state_class = "total_increasing";
		s->unit = "m³";
		break;
	case KMP_QTY_FLOW:
		s->device_class = "volume_flow_rate";
		s->unit = "m³/h";
		break;
	case KMP_QTY_VOLTAGE:
		s->device_class = "voltage";
		s->unit = "V";
		break;
	case KMP_QTY_CURRENT:
		s->device_class = "current";
		s->unit = "A";
		break;
	case KMP_QTY_PRESSURE:
		s->device_class = "pressure";
		s->unit = "bar";
		break;
	case KMP_QTY_NONE:
		if (hours) {	/* operating hours */
			s->device_class = "duration";
			s->state_class = "total_increasing";
			s->unit = "h";
		}
		break;
	}
}

/* @si (J, W, °C, l, l/h, Pa, ...) in the sensor's unit, as a string */
static int to_ha(struct mq_sensor *s, enum kmp_quantity q, struct fx *si)
{
	struct fx v = *si;
	int r = 0;

	switch (q) {
	case KMP_QTY_ENERGY:
		if (!strcmp(s->unit, "kWh"))
			r = fx_div_round(si, 3600000, 3, &v);
		else
			v.e -= !strcmp(s->unit, "MJ") ? 6 : 9;
		break;
	case KMP_QTY_VOLUME:
	case KMP_QTY_FLOW:
		v.e -= 3;	/* l -> m³ */
		break;
	case KMP_QTY_PRESSURE:
		v.e -= 5;	/* Pa -> bar */
		break;
	default:
		break;
	}
	if (!r)
		r = fx_format(&v, s->value, sizeof(s->value));
	return r < 0 ? r : 0;
}

/* "temperature 1" -> "temperature_1" */
static void slug(char *out, size_t size, const char *s)
{
	size_t i;

	for (i = 0; *s && i + 1 < size; s++)
		out[i++] = (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ?
			   *s : *s >= 'A' && *s <= 'Z' ? *s + 32 : '_';
	out[i] = 0;
}

static void set_node(struct mq_meter *m)
{
	snprintf(m->node, sizeof(m->node), "kamstrup_%s", m->serial);
	m->identified = true;
}

/* ---- --tty: registers ------------------------------------------------------- */

static int tty_identify(struct mq_meter *m)
{
	struct kmpctl_info info = { 0 };
	char rev[8] = "";
	int ret;

	m->tty->info(m->tty, &info);
	ret = info.serial_err ?: info.type_err;
	if (ret)
		return ret;
	snprintf(m->serial, sizeof(m->serial), "%u", info.serial);
	snprintf(m->model, sizeof(m->model), "type 0x%04x", info.type.type);
	if (kmp_type_revision(&info.type, rev, sizeof(rev)) > 0)
		snprintf(m->sw, sizeof(m->sw), "%s", rev);
	set_node(m);
	return 0;
}

static int tty_read(struct mq_source *src, struct mq_meter *m)
{
	static struct kmpctl_result res[KMPCTL_MAX_IDS];
	unsigned int i, k = 0, ok = 0;
	int ret, err = 0;

	ret = m->tty->read_registers(m->tty, src->regs, src->nregs, res);
	if (ret)
		return ret;
	for (i = 0; i < src->nregs && k < MQ_MAX_SENSORS; i++) {
		struct mq_sensor *s = &m->s[k];
		const struct kmp_value *v = &res[i].val;
		const struct kmp_unit *u = kmp_unit(v->unit);
		struct fx si, f;

		if (res[i].reg == KMP_REG_INFO_CODE) {	/* no sensor of its own */
			m->info_ok = !res[i].err && !util_info_code(v, &m->info);
			continue;
		}
		k++;
		s->ok = false;
		if (res[i].err) {
			if (res[i].err != -ENODATA)
				err = res[i].err;
			continue;
		}
		if (!u)
			continue;
		if (!s->known) {
			classify(s, u->quantity, v->unit == 38, v->unit == 46,
				 src->energy_unit);
			s->known = true;
		}
		/* ±mantissa * 10^exponent in the meter's unit, then SI */
		fx_from_u64(v->mantissa, kmp_value_negative(v),
			    kmp_value_exponent(v), &si);
		if (u->quantity != KMP_QTY_NONE) {
			fx_from_int(u->mult, &f);
			f.e += u->exp;
			if (fx_mul(&si, &f, &si))
				continue;
		}
		if (!to_ha(s, u->quantity, &si)) {
			s->ok = true;
			ok++;
		}
	}
	/* a meter that answers nothing is not there; absent ones just lack */
	return ok || m->info_ok ? 0 : err ?: -ENODATA;
}

static int tty_open(struct mq_source *src)
{
	struct mq_meter *m = &src->m[0];
	unsigned int i;
	int err;

	m->tty = kmpctl_tty_open(src->kopts, &err);
	if (!m->tty) {
		util_err("%s: %s", src->kopts->tty, util_strerror(err));
		return -KMPCTL_EXIT_FAIL;
	}
	for (i = 0; i < src->nregs && m->n < MQ_MAX_SENSORS; i++) {
		const struct kmp_register *r = kmp_register(src->regs[i]);
		const char *name = r ? r->name : NULL;
		struct mq_sensor *s = &m->s[m->n];

		if (src->regs[i] == KMP_REG_INFO_CODE) {
			m->has_info = true;
			continue;
		}
		m->n++;
		s->reg = src->regs[i];
		if (name)
			snprintf(s->name, sizeof(s->name), "%s", name);
		else
			snprintf(s->name, sizeof(s->name), "register 0x%04x",
				 s->reg);
		slug(s->key, sizeof(s->key), s->name);
	}
	src->n = 1;
	return 0;
}

/* ---- the driver, through libiio ---------------------------------------- */

static int iio_open(struct mq_source *src)
{
	struct kmpctl_ctx *c = &src->ctx;
	unsigned int i, k;
	int ret, only = -1;

	ret = kmpctl_ctx_open(src->uri, c);
	if (ret)
		return ret;
	if (src->device) {
		only = kmpctl_ctx_select(c, src->device);
		if (only < 0)
			return only;
	}
	for (i = 0; i < c->n && src->n < MQ_MAX_METERS; i++) {
		struct mq_meter *m = &src->m[src->n];
		int n;

		if (only >= 0 ? (int)i != only : !c->devs[i].meter)
			continue;
		m->ctx = c;
		m->dev = i;
		m->chans = calloc(KMPCTL_MAX_CHANS, sizeof(*m->chans));
		if (!m->chans)
			return -KMPCTL_EXIT_FAIL;
		n = kmpctl_chans_select(c->devs[i].dev, c->devs[i].id, 0, NULL,
					false, m->chans);
		if (n < 0)
			return n;
		for (k = 0; k < (unsigned int)n && k < MQ_MAX_SENSORS; k++) {
			struct mq_sensor *s = &m->s[k];
			struct kmpctl_chan *ch = &m->chans[k];

			s->chan = ch;
			snprintf(s->name, sizeof(s->name), "%s",
				 *ch->label ? ch->label : ch->id);
			slug(s->key, sizeof(s->key), ch->id);
			classify(s, ch->quantity, !strcmp(ch->unit, "K"), false,
				 src->energy_unit);
			s->known = true;
		}
		m->n = k;
		m->has_info = iio_device_find_attr(c->devs[i].dev, "info_code");
		snprintf(m->model, sizeof(m->model), "%s", c->devs[i].name);
		src->n++;
	}
	if (!src->n) {
		util_err("%s: no Kamstrup meter found (is the kamstrup-kmp driver loaded and bound?)",
			 c->where);
		return -KMPCTL_EXIT_FAIL;
	}
	return 0;
}

static int iio_read(struct mq_meter *m)
{
	const char *id = m->ctx->devs[m->dev].id;
	unsigned int i, ok = 0;
	int err = 0;

	if (!m->identified) {
		err = kmpctl_dev_attr(m->ctx, m->dev, "serialnumber", m->serial,
				      sizeof(m->serial));
		if (err)
			return err;
		set_node(m);
	}
	if (m->has_info) {	/* "0x0010" */
		char buf[32];
		unsigned long v = 0;

		m->info_ok = !kmpctl_dev_attr(m->ctx, m->dev, "info_code", buf,
					      sizeof(buf)) &&
			     !util_parse_uint(buf, UINT32_MAX, &v);
		m->info = v;
	}
	for (i = 0; i < m->n; i++) {
		struct mq_sensor *s = &m->s[i];

		s->ok = !kmpctl_chan_read(s->chan, id) &&
			!to_ha(s, s->chan->quantity, &s->chan->si);
		if (s->ok)
			ok++;
		else if (s->chan->err)
			err = s->chan->err;
	}
	return ok ? 0 : err ?: -EIO;
}

/* ---- both ------------------------------------------------------------------- */

int mq_source_open(struct mq_source *src)
{
	return src->kopts->tty ? tty_open(src) : iio_open(src);
}

void mq_source_close(struct mq_source *src)
{
	unsigned int i;

	for (i = 0; i < src->n; i++) {
		if (src->m[i].tty)
			src->m[i].tty->close(src->m[i].tty);
		free(src->m[i].chans);
	}
	kmpctl_ctx_close(&src->ctx);
}

int mq_meter_read(struct mq_source *src, struct mq_meter *m)
{
	int ret;

	if (m->tty) {
		ret = m->identified ? 0 : tty_identify(m);
		if (!ret)
			ret = tty_read(src, m);
	} else {
		ret = iio_read(m);
	}
	m->available = !ret;
	m->last_err = ret;
	return ret;
}
