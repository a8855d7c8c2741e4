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

void output_value_text(const struct kmp_value *v, char *buf, size_t size)
{
	char num[KMP_VALUE_STR_MAX], ubuf[16];
	const char *unit = output_unit_name(v->unit, ubuf, sizeof(ubuf));

	if (value_as_time(v, buf, size))
		return;
	if (kmp_value_to_string(v, num, sizeof(num)) < 0)
		snprintf(num, sizeof(num), "?");
	if (*unit)
		snprintf(buf, size, "%s %s", num, unit);
	else
		snprintf(buf, size, "%s", num);
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

void output_json_value_fields(FILE *f, const struct kmp_value *v)
{
	char num[KMP_VALUE_STR_MAX], ubuf[16];

	if (kmp_value_to_string(v, num, sizeof(num)) < 0)
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
	const char *name = kmp_register_name(r->reg);

	fprintf(f, "{\"register\": %u, \"id\": \"0x%04x\", \"name\": ",
		r->reg, r->reg);
	if (name)
		output_json_string(f, name);
	else
		fputs("null", f);
	fprintf(f, ", \"status\": \"%s\"", result_status(r));
	if (!r->err) {
		fputs(", ", f);
		output_json_value_fields(f, &r->val);
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
	const char *name = kmp_register_name(r->reg);
	char num[KMP_VALUE_STR_MAX], ubuf[16];

	fprintf(f, "0x%04x,", r->reg);
	csv_field(f, name ? name : "");
	fprintf(f, ",%s,", result_status(r));
	if (!r->err && kmp_value_to_string(&r->val, num, sizeof(num)) >= 0) {
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
		const char *name = kmp_register_name(res[i].reg);

		if (name && (int)strlen(name) > w)
			w = strlen(name);
	}
	for (i = 0; i < n; i++) {
		const char *name = kmp_register_name(res[i].reg);
		char text[KMP_VALUE_STR_MAX + 32];

		if (!res[i].err)
			output_value_text(&res[i].val, text, sizeof(text));
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
