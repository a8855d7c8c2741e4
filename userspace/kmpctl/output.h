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

#endif /* _KMPCTL_OUTPUT_H */
