// SPDX-License-Identifier: GPL-2.0-only
/*
 * Records printed as aligned text, JSON (RFC 8259) or CSV (RFC 4180).
 *
 * Values are exact decimal strings made once by the command: nothing here
 * computes, rounds or uses floating point.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "output.h"

void out_add(struct out_rec *r, const char *key, const char *title,
	     enum out_kind kind, unsigned int show, const char *fmt, ...)
{
	struct out_field *f;
	va_list ap;

	if (r->n == OUT_MAX_FIELDS)
		return;
	f = &r->f[r->n++];
	f->key = key;
	f->title = title ? title : key;
	f->kind = kind;
	f->show = show;
	f->val[0] = 0;
	if (kind == OUT_STR || kind == OUT_NUM) {
		va_start(ap, fmt);
		vsnprintf(f->val, sizeof(f->val), fmt, ap);
		va_end(ap);
	}
}

void out_str_or_null(struct out_rec *r, const char *key, const char *title,
		     unsigned int show, const char *s)
{
	out_add(r, key, title, s && *s ? OUT_STR : OUT_NULL, show, "%s", s);
}

void out_failed(struct out_rec *r, const char *key, const char *title,
		const char *ekey, int err, bool text)
{
	if (text)
		out_add(r, key, title, OUT_STR, OUT_T, "error: %s",
			util_strerror(err));
	out_add(r, key, title, OUT_NULL, text ? OUT_J | OUT_C : OUT_ALL, NULL);
	out_add(r, ekey, NULL, OUT_STR, OUT_J, "%s", util_strerror(err));
}

void out_json_string(FILE *f, const char *s)
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

void out_csv_field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

int out_width(const char *s)
{
	int w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

void out_pad(FILE *f, const char *s, int w, int gap)
{
	int n = w - out_width(s) + gap;

	fputs(s, f);
	while (n-- > 0)
		fputc(' ', f);
}

static const char *text_of(const struct out_field *fl)
{
	return fl->kind == OUT_STR || fl->kind == OUT_NUM ? fl->val : "-";
}

void out_json_rec(FILE *f, const struct out_rec *r)
{
	unsigned int i, k = 0;

	fputc('{', f);
	for (i = 0; i < r->n; i++) {
		const struct out_field *fl = &r->f[i];

		if (!(fl->show & OUT_J) || fl->kind == OUT_NONE)
			continue;
		fputs(k++ ? ", " : "", f);
		out_json_string(f, fl->key);
		fputs(": ", f);
		if (fl->kind == OUT_STR)
			out_json_string(f, fl->val);
		else
			fputs(fl->kind == OUT_NUM ? fl->val : "null", f);
	}
	fputc('}', f);
}

void out_csv_rec(FILE *f, const struct out_rec *r, bool header)
{
	unsigned int i, k = 0;

	for (i = 0; i < r->n; i++) {
		const struct out_field *fl = &r->f[i];

		if (!(fl->show & OUT_C))
			continue;
		fputs(k++ ? "," : "", f);
		out_csv_field(f, header ? fl->key : fl->val);
	}
	fputc('\n', f);
}

void out_table(FILE *f, enum kmpctl_format fmt, const struct out_rec *rows,
	       unsigned int n, bool header)
{
	int w[OUT_MAX_FIELDS] = { 0 };
	unsigned int i, c, last = 0;

	if (fmt == KMPCTL_FMT_JSON) {
		fputc('[', f);
		for (i = 0; i < n; i++) {
			fputs(i ? ",\n " : "", f);
			out_json_rec(f, &rows[i]);
		}
		fputs("]\n", f);
		return;
	}
	for (i = 0; fmt == KMPCTL_FMT_CSV && i < n; i++) {
		if (!i)
			out_csv_rec(f, &rows[0], true);
		out_csv_rec(f, &rows[i], false);
	}
	if (!n || fmt == KMPCTL_FMT_CSV)
		return;
	for (c = 0; c < rows[0].n; c++) {
		if (!(rows[0].f[c].show & OUT_T))
			continue;
		last = c;
		w[c] = header ? out_width(rows[0].f[c].title) : 0;
		for (i = 0; i < n; i++)
			if (out_width(text_of(&rows[i].f[c])) > w[c])
				w[c] = out_width(text_of(&rows[i].f[c]));
	}
	for (i = header ? 0 : 1; i <= n; i++) {
		for (c = 0; c <= last; c++) {
			const struct out_field *fl = &rows[i ? i - 1 : 0].f[c];
			const char *s = i ? text_of(fl) : fl->title;

			if (!(fl->show & OUT_T))
				continue;
			if (c == last)
				fputs(s, f);
			else
				out_pad(f, s, w[c], 2);
		}
		fputc('\n', f);
	}
}

void out_fields(FILE *f, enum kmpctl_format fmt, const struct out_rec *r)
{
	unsigned int i;
	int w = 0;

	if (fmt != KMPCTL_FMT_TEXT) {	/* one object, or a header and a row */
		if (fmt == KMPCTL_FMT_JSON)
			out_json_rec(f, r);
		else
			out_csv_rec(f, r, true);
		fmt == KMPCTL_FMT_JSON ? fputc('\n', f) : out_csv_rec(f, r, false);
		return;
	}
	for (i = 0; i < r->n; i++)
		if (r->f[i].show & OUT_T && out_width(r->f[i].title) > w)
			w = out_width(r->f[i].title);
	for (i = 0; i < r->n; i++) {
		if (r->f[i].show & OUT_T) {
			out_pad(f, r->f[i].title, w, 2);
			fprintf(f, "%s\n", text_of(&r->f[i]));
		}
	}
}

const char *kmpctl_reg_name(u16 id)
{
	const struct kmp_register *r = kmp_register(id);

	return r ? r->name : NULL;
}

const char *out_unit_name(unsigned int code, char *buf, size_t size)
{
	const struct kmp_unit *u = kmp_unit(code);

	if (u)
		return u->name;
	snprintf(buf, size, "unit %u", code);
	return buf;
}

/*
 * Clock and date registers carry digits packed in a decimal mantissa:
 * 200243 with unit hh:mm:ss is 20:02:43.  Shown as such in text when the
 * value is a plain non-negative integer; JSON and CSV keep the number.
 */
static bool value_as_time(const struct kmp_value *v, char *buf, size_t size)
{
	unsigned long long m = v->mantissa;
	static const struct {
		u8 unit;
		unsigned long long max;
		const char *fmt;
	} t[] = {
		{ 47, 235959, "%02llu:%02llu:%02llu" },		/* hh:mm:ss */
		{ 48, 999999, "%02llu-%02llu-%02llu" },		/* yy:mm:dd */
		{ 49, 99999999, "%04llu-%02llu-%02llu" },	/* yyyy:mm:dd */
		{ 50, 9999, "%.0llu%02llu-%02llu" },		/* mm:dd */
	};
	unsigned int i;

	if (kmp_value_exponent(v) || kmp_value_negative(v))
		return false;
	for (i = 0; i < ARRAY_SIZE(t); i++) {
		if (t[i].unit != v->unit || m > t[i].max)
			continue;
		if (v->unit == 47 && (m / 100 % 100 > 59 || m % 100 > 59))
			return false;
		snprintf(buf, size, t[i].fmt, m / 10000, m / 100 % 100,
			 m % 100);
		return true;
	}
	return false;
}

void out_value_text(const struct kmp_value *v, char *buf, size_t size)
{
	char num[KMP_VALUE_STR_MAX], ubuf[16];
	const char *unit = out_unit_name(v->unit, ubuf, sizeof(ubuf));

	if (value_as_time(v, buf, size))
		return;
	if (kmp_value_to_string(v, num, sizeof(num)) < 0)
		snprintf(num, sizeof(num), "?");
	snprintf(buf, size, *unit ? "%s %s" : "%s", num, unit);
}

void out_result(struct out_rec *r, u16 reg, int err, const struct kmp_value *v)
{
	const char *name = kmpctl_reg_name(reg);
	const char *status = !err ? "ok" : err == -ENODATA ? "absent" : "error";
	char num[KMP_VALUE_STR_MAX], ubuf[16], flags[UTIL_INFO_FLAGS_MAX] = "";
	char text[KMP_VALUE_STR_MAX + UTIL_INFO_FLAGS_MAX];
	enum out_kind k = err ? OUT_NONE : OUT_NUM;
	enum out_kind ks = err ? OUT_NONE : OUT_STR;
	uint32_t code;
	size_t n;

	if (err || kmp_value_to_string(v, num, sizeof(num)) < 0)
		num[0] = 0;
	if (!err)
		out_value_text(v, text, sizeof(text));
	else if (err == -ENODATA)
		snprintf(text, sizeof(text), "absent");
	else
		snprintf(text, sizeof(text), "error: %s", util_strerror(err));
	/* the info code's flags after its number, and as a JSON array */
	if (!err && reg == KMP_REG_INFO_CODE && !util_info_code(v, &code) &&
	    code) {
		util_info_flags(code, "\", \"", flags, sizeof(flags));
		n = strlen(text) + snprintf(strchr(text, 0), 3, ": ");
		util_info_flags(code, ", ", text + n, sizeof(text) - n);
	}
	r->n = 0;
	out_add(r, "register", NULL, OUT_NUM, OUT_J, "%u", reg);
	out_add(r, "id", NULL, OUT_STR, OUT_J | OUT_T, "0x%04x", reg);
	out_add(r, "register", NULL, OUT_STR, OUT_C, "0x%04x", reg);
	out_add(r, "name", NULL, name ? OUT_STR : OUT_NULL, OUT_ALL, "%s", name);
	out_add(r, "status", NULL, OUT_STR, OUT_J | OUT_C, "%s", status);
	out_add(r, "text", NULL, OUT_STR, OUT_T, "%s", text);
	out_add(r, "value", NULL, k, OUT_J | OUT_C, "%s", num);
	out_add(r, "unit", NULL, ks, OUT_J | OUT_C, "%s",
		out_unit_name(v->unit, ubuf, sizeof(ubuf)));
	out_add(r, "unit_code", NULL, k, OUT_J | OUT_C, "%u", v->unit);
	out_add(r, "length", NULL, k, OUT_J, "%u", v->len);
	out_add(r, "siex", NULL, ks, OUT_J, "0x%02x", v->siex);
	out_add(r, "negative", NULL, k, OUT_J, "%s",
		kmp_value_negative(v) ? "true" : "false");
	out_add(r, "mantissa", NULL, k, OUT_C, "%s%llu",
		kmp_value_negative(v) ? "-" : "",
		(unsigned long long)v->mantissa);
	out_add(r, "exponent", NULL, k, OUT_J | OUT_C, "%d",
		kmp_value_exponent(v));
	out_add(r, "mantissa", NULL, k, OUT_J, "%llu",
		(unsigned long long)v->mantissa);
	out_add(r, "flags", NULL, *flags ? OUT_NUM : OUT_NONE, OUT_J, "[\"%s\"]",
		flags);
	out_add(r, "error", NULL, err && err != -ENODATA ?
		OUT_STR : OUT_NONE, OUT_J | OUT_C, "%s",
		util_strerror(err));
}
