// SPDX-License-Identifier: GPL-2.0-only
/*
 * kmpctl read [CHANNEL...]: channels through libiio in SI units; with
 * --tty, registers (the same as reg).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kmpctl.h"

/* A channel reading as a record */
static void chan_rec(struct out_rec *r, const char *dev_id,
		     const struct kmpctl_chan *c)
{
	enum out_kind k = c->err ? OUT_NONE : OUT_NUM;

	r->n = 0;
	out_add(r, "device", NULL, OUT_STR, OUT_C, "%s", dev_id);
	out_add(r, "channel", NULL, OUT_STR, OUT_ALL, "%s", c->id);
	out_str_or_null(r, "label", NULL, OUT_ALL, c->label);
	out_add(r, "status", NULL, OUT_STR, OUT_J | OUT_C, "%s",
		c->err ? "error" : "ok");
	if (c->err)
		out_add(r, "text", NULL, OUT_STR, OUT_T, "error: %s",
			util_strerror(c->err));
	else
		out_add(r, "text", NULL, OUT_STR, OUT_T, *c->unit ? "%s %s" :
			"%s", c->value, c->unit);
	out_add(r, "value", NULL, k, OUT_J | OUT_C, "%s", c->value);
	out_add(r, "unit", NULL, c->err ? OUT_NONE : *c->unit ? OUT_STR :
		OUT_NULL, OUT_J | OUT_C, "%s", c->unit);
	out_add(r, "raw", NULL, k, OUT_J | OUT_C, "%s", c->raw);
	out_add(r, "scale", NULL, c->err ? OUT_NONE : *c->scale_s ? OUT_NUM :
		OUT_NULL, OUT_J | OUT_C, "%s", c->scale_s);
	out_add(r, "offset", NULL, c->err ? OUT_NONE : *c->offset_s ? OUT_NUM :
		OUT_NULL, OUT_J | OUT_C, "%s", c->offset_s);
	out_add(r, "error", NULL, c->err ? OUT_STR : OUT_NONE, OUT_J | OUT_C,
		"%s", util_strerror(c->err));
	out_add(r, "file", NULL, c->err ? OUT_STR : OUT_NONE, OUT_J, "%s",
		c->err_attr);
}

int kmpctl_cmd_read(const struct kmpctl_opts *opts, int argc, char **argv)
{
	static struct kmpctl_chan set[KMPCTL_MAX_CHANS];
	static struct out_rec rows[KMPCTL_MAX_CHANS];
	static struct kmpctl_ctx c;
	const char *dev_id;
	unsigned long v;
	int i, n, idx, status = KMPCTL_EXIT_OK;

	if (opts->line.tty)
		return kmpctl_cmd_reg(opts, argc, argv);
	for (i = 0; i < argc; i++)
		if (util_parse_uint(argv[i], ~0UL, &v) != -EINVAL)
			return util_usage("read: '%s' is a register id, not a channel: use 'kmpctl reg %s' (or --tty DEV read)",
					  argv[i], argv[i]);
	if ((idx = kmpctl_ctx_meter(opts->uri, opts->device, &c)) < 0)
		return -idx;
	dev_id = c.devs[idx].id;
	n = kmpctl_chans_select(c.devs[idx].dev, dev_id, argc, argv, false, set);
	if (n < 0) {
		kmpctl_ctx_close(&c);
		return -n;
	}
	for (i = 0; i < n; i++) {
		if (kmpctl_chan_read(&set[i], dev_id))
			status = KMPCTL_EXIT_FAIL;
		chan_rec(&rows[i], dev_id, &set[i]);
	}
	if (opts->format == KMPCTL_FMT_JSON) {
		fputs("{\"device\": ", stdout);
		out_json_string(stdout, dev_id);
		fputs(", \"channels\": [", stdout);
		for (i = 0; i < n; i++) {
			fputs(i ? ",\n  " : "\n  ", stdout);
			out_json_rec(stdout, &rows[i]);
		}
		fputs("]}\n", stdout);
	} else {
		out_table(stdout, opts->format, rows, n, false);
	}
	fflush(stdout);
	kmpctl_ctx_close(&c);
	return status;
}
