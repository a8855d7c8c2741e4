/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Records and their formats (kmpctl and kmp-decode).
 *
 * A command turns what it read into records, once: each a list of fields
 * (key, title, value as text, what kind of JSON value it is, and which
 * formats show it).  output.c prints records as aligned text, JSON or CSV
 * and knows nothing of meters but the core's tables (register names,
 * units).  It includes nothing of any tool: only util.h and the core.
 */
#ifndef _KMPCTL_OUTPUT_H
#define _KMPCTL_OUTPUT_H

#include <stdio.h>

#include "kmp.h"
#include "util.h"

enum kmpctl_format {
	KMPCTL_FMT_TEXT,
	KMPCTL_FMT_JSON,
	KMPCTL_FMT_CSV,
};

#define OUT_MAX_FIELDS	20

enum out_kind {
	OUT_STR,	/* a JSON string */
	OUT_NUM,	/* a JSON literal as it is: a number, true, false */
	OUT_NULL,	/* JSON null; text "-", CSV empty */
	OUT_NONE,	/* not there: JSON leaves the key out, CSV empty */
};

/* Which formats show a field */
#define OUT_T	1	/* text */
#define OUT_J	2	/* JSON */
#define OUT_C	4	/* CSV */
#define OUT_ALL	(OUT_T | OUT_J | OUT_C)

struct out_field {
	const char *key;	/* JSON key and CSV column */
	const char *title;	/* text column title */
	enum out_kind kind;
	unsigned int show;	/* OUT_T | OUT_J | OUT_C */
	char val[UTIL_INFO_FLAGS_MAX];	/* an info code's flags fit */
};

struct out_rec {
	unsigned int n;
	struct out_field f[OUT_MAX_FIELDS];
};

/* Adds a field; the value printf-style (ignored for OUT_NULL/OUT_NONE) */
void out_add(struct out_rec *r, const char *key, const char *title,
	     enum out_kind kind, unsigned int show, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* A string field that is null when empty */
void out_str_or_null(struct out_rec *r, const char *key, const char *title,
		     unsigned int show, const char *s);

/* @key failed: null and "@ekey": "message" in JSON, "error: message" in text */
void out_failed(struct out_rec *r, const char *key, const char *title,
		const char *ekey, int err, bool text);

/*
 * Rows: text columns (titles as a first line with @header), a JSON array
 * of objects, CSV with a header line
 */
void out_table(FILE *f, enum kmpctl_format fmt, const struct out_rec *rows,
	       unsigned int n, bool header);
/* One record as "title  value" lines, one JSON object, or CSV */
void out_fields(FILE *f, enum kmpctl_format fmt, const struct out_rec *r);

void out_json_string(FILE *f, const char *s);
/* One record as a CSV line, or the header line of its keys */
void out_csv_rec(FILE *f, const struct out_rec *r, bool header);
/* One record as a JSON object */
void out_json_rec(FILE *f, const struct out_rec *r);
void out_csv_field(FILE *f, const char *s);
/* Display width of UTF-8 text (one column per character) */
int out_width(const char *s);
/* @s, then spaces up to @w columns and @gap more */
void out_pad(FILE *f, const char *s, int w, int gap);

/* A register value as text: "1183.040 GJ", a time "20:02:43", "12345678" */
void out_value_text(const struct kmp_value *v, char *buf, size_t size);
/* A register's name from the core's table, or NULL */
const char *kmpctl_reg_name(u16 id);
/* The unit's name from the core's table; "unit N" beyond it */
const char *out_unit_name(unsigned int code, char *buf, size_t size);
/*
 * A register's outcome as a record (reg, --tty read, kmp-decode): @v when
 * @err is 0, else absent (-ENODATA) or the error
 */
void out_result(struct out_rec *r, u16 reg, int err, const struct kmp_value *v);

#endif /* _KMPCTL_OUTPUT_H */
