/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kmpctl: formatting of results as text (aligned columns), JSON or CSV.
 */
#ifndef _KMPCTL_OUTPUT_H
#define _KMPCTL_OUTPUT_H

#include "kmpctl.h"

/* Unit name of a code ("" for a plain number, "unit N" beyond the table) */
const char *output_unit_name(unsigned int code, char *buf, size_t size);

/* "1234.567 GJ" (or "1234.567" without a unit) */
void output_value_text(const struct kmp_value *v, char *buf, size_t size);

/* A JSON string literal, quoted and escaped */
void output_json_string(FILE *f, const char *s);

/* The fields of a decoded value, as JSON members (no braces) */
void output_json_value_fields(FILE *f, const struct kmp_value *v);

/* CSV: header and one row per result */
void output_csv_header(FILE *f);
void output_csv_row(FILE *f, const struct kmpctl_result *r);

/* A list of register results in the chosen format */
void output_registers(FILE *f, enum kmpctl_format fmt,
		      const struct kmpctl_result *res, unsigned int n);

/* Meter identity in the chosen format */
void output_info(FILE *f, enum kmpctl_format fmt,
		 const struct kmpctl_info *info);

/* Display width of UTF-8 text (one column per character) */
int output_width(const char *s);

/* A channel read through libiio, in SI units */
struct output_chan {
	char id[48];		/* "temp1-temp2" */
	char label[128];	/* "" if none */
	const char *unit;	/* "J", "W", "°C", "K", "l", "l/h", ... or "" */
	int err;		/* 0, or the errno of the attribute below */
	char err_attr[96];	/* the file that failed: "in_power_raw" */
	char raw[48];		/* as read; canonical decimal */
	char scale[48];		/* "" if the channel has none */
	char offset[48];	/* "" if the channel has none */
	char value[256];	/* (raw + offset) * scale in SI units, exact */
};

void output_channels(FILE *f, enum kmpctl_format fmt, const char *dev_id,
		     const struct output_chan *ch, unsigned int n);

/* watch: a header, then one scan per call */
void output_scan_header(FILE *f, enum kmpctl_format fmt,
			const struct output_chan *ch, unsigned int n);
void output_scan(FILE *f, enum kmpctl_format fmt, const char *dev_id,
		 long long ts_ns, bool have_ts, unsigned long seq,
		 const struct output_chan *ch, unsigned int n);

/* A device attribute, or why it could not be read */
struct output_field {
	const char *key;	/* "serial" */
	const char *title;	/* "serial number" (text output) */
	char val[128];
	int err;		/* 0, or -errno */
	bool number;		/* JSON: a number when it looks like one */
	bool nullable;		/* JSON: null when empty */
};

/* list: one row per meter */
void output_list(FILE *f, enum kmpctl_format fmt,
		 struct output_field (*rows)[5], unsigned int n);
/* info: the fields of one device */
void output_fields(FILE *f, enum kmpctl_format fmt,
		   const struct output_field *fields, unsigned int n);

#endif /* _KMPCTL_OUTPUT_H */
