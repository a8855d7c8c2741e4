// SPDX-License-Identifier: GPL-2.0-only
/*
 * kmpctl list: the meters of a context, one row each: IIO device, name,
 * label, serial number, character device.
 */
#include "kmpctl.h"

int kmpctl_cmd_list(const struct kmpctl_opts *opts, int argc, char **argv)
{
	static struct out_rec rows[KMPCTL_MAX_DEVS];
	static struct kmpctl_ctx c;
	unsigned int i, n = 0;
	int only = -1, errors = 0;

	(void)argv;
	if (argc)
		return util_usage("list: no arguments expected");
	if (kmpctl_ctx_open(opts->uri, &c)) {
		if (opts->format == KMPCTL_FMT_JSON)
			puts("[]");
		return KMPCTL_EXIT_FAIL;
	}
	if (opts->device) {
		only = kmpctl_ctx_select(&c, opts->device);
		if (only < 0) {
			kmpctl_ctx_close(&c);
			return -only;
		}
	}
	for (i = 0; i < c.n; i++) {
		const struct kmpctl_dev *d = &c.devs[i];
		struct out_rec *r = &rows[n];

		if (only >= 0 ? (int)i != only : !d->meter)
			continue;
		r->n = 0;
		out_add(r, "device", "DEVICE", OUT_STR, OUT_ALL, "%s", d->id);
		out_add(r, "name", "NAME", OUT_STR, OUT_ALL, "%s", d->name);
		out_str_or_null(r, "label", "LABEL", OUT_ALL, d->label);
		errors += kmpctl_attr_field(r, &c, i, "serialnumber", "serial",
					    "serial_error", "SERIAL", false, false);
		out_add(r, "chardev", "CHARDEV", *d->misc ? OUT_STR : OUT_NULL,
			OUT_ALL, "/dev/%s", d->misc);
		n++;
	}
	if (n || opts->format == KMPCTL_FMT_JSON)
		out_table(stdout, opts->format, rows, n, true);
	fflush(stdout);
	if (!n) {
		util_err("%s: no Kamstrup meter found (is the kamstrup-kmp driver loaded and bound?)",
			 c.where);
		errors++;
	}
	kmpctl_ctx_close(&c);
	return errors ? KMPCTL_EXIT_FAIL : KMPCTL_EXIT_OK;
}
