// SPDX-License-Identifier: GPL-2.0-only
/*
 * kmpctl: formatting of results as text (aligned columns), JSON or CSV.
 *
 * Values are always printed exactly as the meter sent them (the core's
 * kmp_value_to_string()): no floating point anywhere.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "output.h"

const char *output_unit_name(unsigned int code, char *buf, size_t size)
{
	const struct kmp_unit *u = kmp_unit(code);

	if (u)
		return u->name;
	snprintf(buf, size, "unit %u", code);
	return buf;
}

/*
 * Clock and date registers carry digits packed in a decimal mantissa:
 * 200243 with unit hh:mm:ss is 20:02:43.  Shown as such in text output
 * when the value is a plain non-negative integer; JSON and CSV keep the
 * number.  Returns false if @v is not such a value.
 */
static bool value_as_time(const struct kmp_value *v, char *buf, size_t size)
{
	unsigned long long m = v->mantissa;

	if (kmp_value_exponent(v) || kmp_value_negative(v))
		return false;
	switch (v->unit) {
	case 47:	/* hh:mm:ss */
		if (m > 235959 || m / 100 % 100 > 59 || m % 100 > 59)
			return false;
		snprintf(buf, size, "%02llu:%02llu:%02llu", m / 10000,
			 m / 100 % 100, m % 100);
		return true;
	case 48:	/* yy:mm:dd */
		if (m > 999999)
			return false;
		snprintf(buf, size, "%02llu-%02llu-%02llu", m / 10000,
			 m / 100 % 100, m % 100);
		return true;
	case 49:	/* yyyy:mm:dd */
		if (m > 99999999)
			return false;
		snprintf(buf, size, "%04llu-%02llu-%02llu", m / 10000,
			 m / 100 % 100, m % 100);
		return true;
	case 50:	/* mm:dd */
		if (m > 9999)
			return false;
		snprintf(buf, size, "%02llu-%02llu", m / 100, m % 100);
		return true;
	default:
		return false;
	}
}

/* The exact decimal value: the kernel's string when given, else the core's */
static int value_number(const struct kmp_value *v, const char *given,
			char *num, size_t size)
{
	if (given && *given)
		return snprintf(num, size, "%s", given);
	return kmp_value_to_string(v, num, size);
}

static void value_text(const struct kmp_value *v, const char *given,
		       char *buf, size_t size)
{
	char num[KMP_VALUE_STR_MAX], ubuf[16];
	const char *unit = output_unit_name(v->unit, ubuf, sizeof(ubuf));

	if (value_as_time(v, buf, size))
		return;
	if (value_number(v, given, num, sizeof(num)) < 0)
		snprintf(num, sizeof(num), "?");
	if (*unit)
		snprintf(buf, size, "%s %s", num, unit);
	else
		snprintf(buf, size, "%s", num);
}

void output_value_text(const struct kmp_value *v, char *buf, size_t size)
{
	value_text(v, NULL, buf, size);
}

void output_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void json_value_fields(FILE *f, const struct kmp_value *v,
			      const char *given)
{
	char num[KMP_VALUE_STR_MAX], ubuf[16];

	if (value_number(v, given, num, sizeof(num)) < 0)
		snprintf(num, sizeof(num), "null");
	/* An exact decimal string is a valid JSON number */
	fprintf(f, "\"value\": %s, \"unit\": ", num);
	output_json_string(f, output_unit_name(v->unit, ubuf, sizeof(ubuf)));
	fprintf(f, ", \"unit_code\": %u, \"length\": %u, \"siex\": \"0x%02x\", "
		"\"negative\": %s, \"exponent\": %d, \"mantissa\": %llu",
		v->unit, v->len, v->siex,
		kmp_value_negative(v) ? "true" : "false",
		kmp_value_exponent(v), (unsigned long long)v->mantissa);
}

void output_json_value_fields(FILE *f, const struct kmp_value *v)
{
	json_value_fields(f, v, NULL);
}

static const char *result_status(const struct kmpctl_result *r)
{
	if (!r->err)
		return "ok";
	if (r->err == -ENODATA)
		return "absent";
	return "error";
}

static void json_result(FILE *f, const struct kmpctl_result *r)
{
	const char *name = kmpctl_reg_name(r->reg);

	fprintf(f, "{\"register\": %u, \"id\": \"0x%04x\", \"name\": ",
		r->reg, r->reg);
	if (name)
		output_json_string(f, name);
	else
		fputs("null", f);
	fprintf(f, ", \"status\": \"%s\"", result_status(r));
	if (!r->err) {
		fputs(", ", f);
		json_value_fields(f, &r->val, r->text);
	} else if (r->err != -ENODATA) {
		fputs(", \"error\": ", f);
		output_json_string(f, kmpctl_strerror(r->err));
	}
	fputc('}', f);
}

static void csv_field(FILE *f, const char *s)
{
	if (strpbrk(s, ",\"\n")) {
		fputc('"', f);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', f);
			fputc(*s, f);
		}
		fputc('"', f);
	} else {
		fputs(s, f);
	}
}

void output_csv_header(FILE *f)
{
	fputs("register,name,status,value,unit,unit_code,mantissa,exponent,"
	      "error\n", f);
}

void output_csv_row(FILE *f, const struct kmpctl_result *r)
{
	const char *name = kmpctl_reg_name(r->reg);
	char num[KMP_VALUE_STR_MAX], ubuf[16];

	fprintf(f, "0x%04x,", r->reg);
	csv_field(f, name ? name : "");
	fprintf(f, ",%s,", result_status(r));
	if (!r->err && value_number(&r->val, r->text, num, sizeof(num)) >= 0) {
		fprintf(f, "%s,", num);
		csv_field(f, output_unit_name(r->val.unit, ubuf, sizeof(ubuf)));
		fprintf(f, ",%u,%s%llu,%d,\n", r->val.unit,
			kmp_value_negative(&r->val) ? "-" : "",
			(unsigned long long)r->val.mantissa,
			kmp_value_exponent(&r->val));
	} else {
		fputs(",,,,,", f);
		if (r->err && r->err != -ENODATA)
			csv_field(f, kmpctl_strerror(r->err));
		fputc('\n', f);
	}
}

void output_registers(FILE *f, enum kmpctl_format fmt,
		      const struct kmpctl_result *res, unsigned int n)
{
	unsigned int i;
	int w = 1;

	switch (fmt) {
	case KMPCTL_FMT_JSON:
		fputs("[", f);
		for (i = 0; i < n; i++) {
			fputs(i ? ",\n " : "", f);
			json_result(f, &res[i]);
		}
		fputs("]\n", f);
		return;
	case KMPCTL_FMT_CSV:
		output_csv_header(f);
		for (i = 0; i < n; i++)
			output_csv_row(f, &res[i]);
		return;
	case KMPCTL_FMT_TEXT:
		break;
	}

	for (i = 0; i < n; i++) {
		const char *name = kmpctl_reg_name(res[i].reg);

		if (name && (int)strlen(name) > w)
			w = strlen(name);
	}
	for (i = 0; i < n; i++) {
		const char *name = kmpctl_reg_name(res[i].reg);
		char text[KMP_VALUE_STR_MAX + 32];

		if (!res[i].err)
			value_text(&res[i].val, res[i].text, text,
				   sizeof(text));
		else if (res[i].err == -ENODATA)
			snprintf(text, sizeof(text), "absent");
		else
			snprintf(text, sizeof(text), "error: %s",
				 kmpctl_strerror(res[i].err));
		fprintf(f, "0x%04x  %-*s  %s\n", res[i].reg, w,
			name ? name : "-", text);
	}
}

void output_info(FILE *f, enum kmpctl_format fmt,
		 const struct kmpctl_info *info)
{
	char rev[8] = "";
	int rev_ok = !info->type_err &&
		     kmp_type_revision(&info->type, rev, sizeof(rev)) >= 0;

	switch (fmt) {
	case KMPCTL_FMT_JSON:
		fputc('{', f);
		if (!info->type_err) {
			fprintf(f, "\"type\": \"0x%04x\", \"revision\": ",
				info->type.type);
			if (rev_ok && *rev)
				output_json_string(f, rev);
			else
				fputs("null", f);
			fprintf(f, ", \"revision_raw\": \"0x%04x\"",
				info->type.revision);
		} else {
			fputs("\"type\": null, \"type_error\": ", f);
			output_json_string(f, kmpctl_strerror(info->type_err));
		}
		if (!info->serial_err) {
			fprintf(f, ", \"serial\": %u", info->serial);
		} else {
			fputs(", \"serial\": null, \"serial_error\": ", f);
			output_json_string(f, kmpctl_strerror(info->serial_err));
		}
		fputs("}\n", f);
		return;
	case KMPCTL_FMT_CSV:
		fputs("type,revision,serial\n", f);
		if (!info->type_err)
			fprintf(f, "0x%04x,%s,", info->type.type,
				rev_ok ? rev : "");
		else
			fputs(",,", f);
		if (!info->serial_err)
			fprintf(f, "%u", info->serial);
		fputc('\n', f);
		return;
	case KMPCTL_FMT_TEXT:
		break;
	}

	if (!info->type_err) {
		fprintf(f, "type      0x%04x\n", info->type.type);
		if (!rev_ok)
			fprintf(f, "revision  invalid (0x%04x)\n",
				info->type.revision);
		else if (*rev)
			fprintf(f, "revision  %s\n", rev);
		else
			fprintf(f, "revision  none\n");
	} else {
		fprintf(f, "type      error: %s\n",
			kmpctl_strerror(info->type_err));
	}
	if (!info->serial_err)
		fprintf(f, "serial    %u\n", info->serial);
	else
		fprintf(f, "serial    error: %s\n",
			kmpctl_strerror(info->serial_err));
}

/* ---- channels, scans, lists and attributes ------------------------------ */

int output_width(const char *s)
{
	int w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

/* @s left-aligned in @w columns (UTF-8 aware), then @gap spaces */
static void pad(FILE *f, const char *s, int w, int gap)
{
	int n = w - output_width(s) + gap;

	fputs(s, f);
	while (n-- > 0)
		fputc(' ', f);
}

static void json_num_or_null(FILE *f, const char *key, const char *num)
{
	fprintf(f, ", \"%s\": %s", key, *num ? num : "null");
}

static void json_channel(FILE *f, const struct output_chan *c)
{
	fputs("{\"channel\": ", f);
	output_json_string(f, c->id);
	fputs(", \"label\": ", f);
	if (*c->label)
		output_json_string(f, c->label);
	else
		fputs("null", f);
	if (c->err) {
		fputs(", \"status\": \"error\", \"error\": ", f);
		output_json_string(f, kmpctl_strerror(c->err));
		fputs(", \"file\": ", f);
		output_json_string(f, c->err_attr);
	} else {
		fprintf(f, ", \"status\": \"ok\", \"value\": %s, \"unit\": ",
			c->value);
		if (*c->unit)
			output_json_string(f, c->unit);
		else
			fputs("null", f);
		json_num_or_null(f, "raw", c->raw);
		json_num_or_null(f, "scale", c->scale);
		json_num_or_null(f, "offset", c->offset);
	}
	fputc('}', f);
}

void output_channels(FILE *f, enum kmpctl_format fmt, const char *dev_id,
		     const struct output_chan *ch, unsigned int n)
{
	unsigned int i;
	int wid = 1, wlab = 1;

	switch (fmt) {
	case KMPCTL_FMT_JSON:
		fputs("{\"device\": ", f);
		output_json_string(f, dev_id);
		fputs(", \"channels\": [", f);
		for (i = 0; i < n; i++) {
			fputs(i ? ",\n  " : "\n  ", f);
			json_channel(f, &ch[i]);
		}
		fputs("]}\n", f);
		return;
	case KMPCTL_FMT_CSV:
		fputs("device,channel,label,status,value,unit,raw,scale,offset,error\n",
		      f);
		for (i = 0; i < n; i++) {
			csv_field(f, dev_id);
			fputc(',', f);
			csv_field(f, ch[i].id);
			fputc(',', f);
			csv_field(f, ch[i].label);
			if (ch[i].err) {
				fputs(",error,,,,,,", f);
				csv_field(f, kmpctl_strerror(ch[i].err));
				fputc('\n', f);
				continue;
			}
			fprintf(f, ",ok,%s,", ch[i].value);
			csv_field(f, ch[i].unit);
			fputc(',', f);
			fputs(ch[i].raw, f);
			fputc(',', f);
			fputs(ch[i].scale, f);
			fputc(',', f);
			fputs(ch[i].offset, f);
			fputs(",\n", f);
		}
		return;
	case KMPCTL_FMT_TEXT:
		break;
	}

	for (i = 0; i < n; i++) {
		if (output_width(ch[i].id) > wid)
			wid = output_width(ch[i].id);
		if (output_width(ch[i].label) > wlab)
			wlab = output_width(ch[i].label);
	}
	for (i = 0; i < n; i++) {
		pad(f, ch[i].id, wid, 2);
		pad(f, *ch[i].label ? ch[i].label : "-", wlab, 2);
		if (ch[i].err)
			fprintf(f, "error: %s\n", kmpctl_strerror(ch[i].err));
		else if (*ch[i].unit)
			fprintf(f, "%s %s\n", ch[i].value, ch[i].unit);
		else
			fprintf(f, "%s\n", ch[i].value);
	}
}

/* Text columns of watch: at least this wide */
#define SCAN_COL	14
#define SCAN_TIME_COL	30

static void scan_title(const struct output_chan *c, char *buf, size_t size)
{
	if (*c->unit)
		snprintf(buf, size, "%s (%s)", c->id, c->unit);
	else
		snprintf(buf, size, "%s", c->id);
}

static int scan_col(const struct output_chan *c)
{
	char t[128];

	scan_title(c, t, sizeof(t));
	return output_width(t) > SCAN_COL ? output_width(t) : SCAN_COL;
}

void output_scan_header(FILE *f, enum kmpctl_format fmt,
			const struct output_chan *ch, unsigned int n)
{
	unsigned int i;
	char t[128];

	switch (fmt) {
	case KMPCTL_FMT_JSON:
		return;
	case KMPCTL_FMT_CSV:
		fputs("timestamp_ns,time", f);
		for (i = 0; i < n; i++) {
			fputc(',', f);
			if (*ch[i].unit)
				snprintf(t, sizeof(t), "%s_%s", ch[i].id,
					 ch[i].unit);
			else
				snprintf(t, sizeof(t), "%s", ch[i].id);
			csv_field(f, t);
		}
		fputc('\n', f);
		return;
	case KMPCTL_FMT_TEXT:
		break;
	}
	pad(f, "time", SCAN_TIME_COL, 2);
	for (i = 0; i < n; i++) {
		scan_title(&ch[i], t, sizeof(t));
		if (i + 1 < n)
			pad(f, t, scan_col(&ch[i]), 2);
		else
			fputs(t, f);
	}
	fputc('\n', f);
}

/* "2026-01-31T12:00:01.123456789Z" from nanoseconds since the epoch */
static void iso_time(long long ns, char *buf, size_t size)
{
	time_t sec = ns / 1000000000;
	long frac = ns % 1000000000;
	struct tm tm;

	if (frac < 0) {
		frac += 1000000000;
		sec--;
	}
	if (!gmtime_r(&sec, &tm)) {
		snprintf(buf, size, "-");
		return;
	}
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, frac);
}

void output_scan(FILE *f, enum kmpctl_format fmt, const char *dev_id,
		 long long ts_ns, bool have_ts, unsigned long seq,
		 const struct output_chan *ch, unsigned int n)
{
	char when[48] = "-";
	unsigned int i;

	if (have_ts)
		iso_time(ts_ns, when, sizeof(when));
	switch (fmt) {
	case KMPCTL_FMT_JSON:
		fputs("{\"device\": ", f);
		output_json_string(f, dev_id);
		fprintf(f, ", \"scan\": %lu", seq);
		if (have_ts) {
			fprintf(f, ", \"timestamp_ns\": %lld, \"time\": ", ts_ns);
			output_json_string(f, when);
		} else {
			fputs(", \"timestamp_ns\": null, \"time\": null", f);
		}
		fputs(", \"values\": {", f);
		for (i = 0; i < n; i++) {
			fputs(i ? ", " : "", f);
			output_json_string(f, ch[i].id);
			fprintf(f, ": %s", ch[i].value);
		}
		fputs("}}\n", f);
		return;
	case KMPCTL_FMT_CSV:
		if (have_ts)
			fprintf(f, "%lld,%s", ts_ns, when);
		else
			fputs(",", f);
		for (i = 0; i < n; i++)
			fprintf(f, ",%s", ch[i].value);
		fputc('\n', f);
		return;
	case KMPCTL_FMT_TEXT:
		break;
	}
	pad(f, when, SCAN_TIME_COL, 2);
	for (i = 0; i < n; i++) {
		if (i + 1 < n)
			pad(f, ch[i].value, scan_col(&ch[i]), 2);
		else
			fputs(ch[i].value, f);
	}
	fputc('\n', f);
}

static void json_field(FILE *f, const struct output_field *fl)
{
	output_json_string(f, fl->key);
	fputs(": ", f);
	if (fl->err || (fl->nullable && !*fl->val))
		fputs("null", f);
	else if (fl->number)
		fputs(fl->val, f);
	else
		output_json_string(f, fl->val);
	if (fl->err) {
		fputs(", ", f);
		fprintf(f, "\"%s_error\": ", fl->key);
		output_json_string(f, kmpctl_strerror(fl->err));
	}
}

static const char *field_text(const struct output_field *fl)
{
	if (fl->err)
		return "-";
	return *fl->val ? fl->val : "-";
}

void output_list(FILE *f, enum kmpctl_format fmt,
		 struct output_field (*rows)[5], unsigned int n)
{
	static const char *const titles[5] = {
		"DEVICE", "NAME", "LABEL", "SERIAL", "CHARDEV",
	};
	int w[5];
	unsigned int i, c;

	switch (fmt) {
	case KMPCTL_FMT_JSON:
		fputc('[', f);
		for (i = 0; i < n; i++) {
			fputs(i ? ",\n " : "", f);
			fputc('{', f);
			for (c = 0; c < 5; c++) {
				fputs(c ? ", " : "", f);
				json_field(f, &rows[i][c]);
			}
			fputc('}', f);
		}
		fputs("]\n", f);
		return;
	case KMPCTL_FMT_CSV:
		fputs("device,name,label,serial,chardev\n", f);
		for (i = 0; i < n; i++) {
			for (c = 0; c < 5; c++) {
				fputs(c ? "," : "", f);
				if (!rows[i][c].err)
					csv_field(f, rows[i][c].val);
			}
			fputc('\n', f);
		}
		return;
	case KMPCTL_FMT_TEXT:
		break;
	}
	for (c = 0; c < 5; c++) {
		w[c] = output_width(titles[c]);
		for (i = 0; i < n; i++)
			if (output_width(field_text(&rows[i][c])) > w[c])
				w[c] = output_width(field_text(&rows[i][c]));
	}
	for (c = 0; c < 5; c++) {
		if (c < 4)
			pad(f, titles[c], w[c], 2);
		else
			fputs(titles[c], f);
	}
	fputc('\n', f);
	for (i = 0; i < n; i++) {
		for (c = 0; c < 5; c++) {
			if (c < 4)
				pad(f, field_text(&rows[i][c]), w[c], 2);
			else
				fputs(field_text(&rows[i][c]), f);
		}
		fputc('\n', f);
	}
}

void output_fields(FILE *f, enum kmpctl_format fmt,
		   const struct output_field *fields, unsigned int n)
{
	unsigned int i;
	int w = 1;

	switch (fmt) {
	case KMPCTL_FMT_JSON:
		fputc('{', f);
		for (i = 0; i < n; i++) {
			fputs(i ? ", " : "", f);
			json_field(f, &fields[i]);
		}
		fputs("}\n", f);
		return;
	case KMPCTL_FMT_CSV:
		for (i = 0; i < n; i++) {
			fputs(i ? "," : "", f);
			fputs(fields[i].key, f);
		}
		fputc('\n', f);
		for (i = 0; i < n; i++) {
			fputs(i ? "," : "", f);
			if (!fields[i].err)
				csv_field(f, fields[i].val);
		}
		fputc('\n', f);
		return;
	case KMPCTL_FMT_TEXT:
		break;
	}
	for (i = 0; i < n; i++)
		if (output_width(fields[i].title) > w)
			w = output_width(fields[i].title);
	for (i = 0; i < n; i++) {
		pad(f, fields[i].title, w, 2);
		if (fields[i].err)
			fprintf(f, "error: %s\n", kmpctl_strerror(fields[i].err));
		else
			fprintf(f, "%s\n", *fields[i].val ? fields[i].val : "-");
	}
}
