// SPDX-License-Identifier: GPL-2.0-only
/*
 * kmpctl info: a meter's IIO device, name, label, serial number, character
 * device, sampling frequency and a heat meter's info code; with --tty, the meter's type, software
 * revision and serial number as it answers GetType and GetSerialNo.
 */
#include <errno.h>
#include <string.h>

#include "kmpctl.h"

int kmpctl_attr_field(struct out_rec *r, const struct kmpctl_ctx *c,
		      unsigned int i, const char *attr, const char *key,
		      const char *ekey, const char *title, bool optional,
		      bool show_error)
{
	char val[128], num[64];
	int ret = kmpctl_dev_attr(c, i, attr, val, sizeof(val));
	struct fx x;

	if (ret == -ENOENT && optional) {
		out_add(r, key, title, OUT_NULL, OUT_ALL, NULL);
		return 0;
	}
	if (!ret) {	/* a decimal number in its shortest form: a JSON number */
		if (!fx_parse(val, &x) && fx_format(&x, num, sizeof(num)) >= 0)
			out_add(r, key, title, OUT_NUM, OUT_ALL, "%s", num);
		else
			out_add(r, key, title, OUT_STR, OUT_ALL, "%s", val);
		out_add(r, ekey, NULL, OUT_NONE, OUT_J, NULL);
		return 0;
	}
	util_err("%s: %s: %s%s", c->devs[i].id, attr, util_strerror(ret),
		 kmpctl_errno_hint(ret));
	out_failed(r, key, title, ekey, ret, show_error);
	return 1;
}

/*
 * A heat meter's info_code (0x0010): text "0x0010: <flags>", JSON the
 * number and its flags; absent on other meters, "absent" on a meter
 * without the register.  1 after an error message.
 */
static int info_code_field(struct out_rec *r, const struct kmpctl_ctx *c,
			   unsigned int i)
{
	char val[64], flags[UTIL_INFO_FLAGS_MAX] = "", text[UTIL_INFO_FLAGS_MAX] = "";
	unsigned long code = 0;
	int ret = kmpctl_dev_attr(c, i, "info_code", val, sizeof(val));

	if (ret == -ENOENT)
		return 0;
	if (!ret && util_parse_uint(val, UINT32_MAX, &code))
		ret = -EBADMSG;
	if (ret == -ENODATA) {
		out_add(r, "info_code", "info code", OUT_STR, OUT_T, "absent");
	} else if (ret) {
		util_err("%s: info_code: %s%s", c->devs[i].id,
			 util_strerror(ret), kmpctl_errno_hint(ret));
		out_failed(r, "info_code", "info code", "info_code_error", ret,
			   true);
		return 1;
	} else {
		util_info_flags(code, ", ", text, sizeof(text));
		out_add(r, "info_code", "info code", OUT_STR, OUT_T, "0x%04lx%s%s",
			code, *text ? ": " : "", text);
		util_info_flags(code, "\", \"", flags, sizeof(flags));
	}
	out_add(r, "info_code", NULL, ret ? OUT_NULL : OUT_NUM, OUT_J | OUT_C,
		"%lu", code);
	out_add(r, "info_flags", NULL, ret ? OUT_NULL : OUT_NUM, OUT_J,
		*flags ? "[\"%s\"]" : "[]", flags);
	out_add(r, "info_flags", NULL, ret ? OUT_NULL : OUT_STR, OUT_C, "%s",
		text);
	return 0;
}

static int tty_info(const struct kmpctl_opts *opts)
{
	struct kmpctl_transport *t;
	struct kmpctl_info info = { 0 };
	struct out_rec r = { 0 };
	char rev[8] = "";
	int ret;

	t = kmpctl_tty_open(&opts->line, &ret);
	if (!t) {
		util_err("%s: %s", opts->line.tty, util_strerror(ret));
		return KMPCTL_EXIT_FAIL;
	}
	t->info(t, &info);
	if (!info.type_err) {
		out_add(&r, "type", NULL, OUT_STR, OUT_ALL, "0x%04x",
			info.type.type);
		if (kmp_type_revision(&info.type, rev, sizeof(rev)) < 0)
			out_add(&r, "revision", NULL, OUT_STR, OUT_T,
				"invalid (0x%04x)", info.type.revision);
		out_add(&r, "revision", NULL, *rev ? OUT_STR : OUT_NULL,
			*rev ? OUT_ALL : OUT_J | OUT_C, "%s", rev);
		if (!*rev)
			out_add(&r, "revision", NULL, OUT_STR, OUT_T, "none");
		out_add(&r, "revision_raw", NULL, OUT_STR, OUT_J, "0x%04x",
			info.type.revision);
	} else {
		out_failed(&r, "type", NULL, "type_error", info.type_err, true);
		out_add(&r, "revision", NULL, OUT_NONE, OUT_C, NULL);
		util_err("%s: GetType: %s", t->name,
			 util_strerror(info.type_err));
	}
	if (!info.serial_err) {
		out_add(&r, "serial", NULL, OUT_NUM, OUT_ALL, "%u", info.serial);
	} else {
		out_failed(&r, "serial", NULL, "serial_error", info.serial_err,
			   true);
		util_err("%s: GetSerialNo: %s", t->name,
			 util_strerror(info.serial_err));
	}
	out_fields(stdout, opts->format, &r);
	fflush(stdout);
	t->close(t);
	return info.type_err || info.serial_err ? KMPCTL_EXIT_FAIL : 0;
}

int kmpctl_cmd_info(const struct kmpctl_opts *opts, int argc, char **argv)
{
	static struct kmpctl_ctx c;
	struct out_rec r = { 0 };
	const struct kmpctl_dev *d;
	int idx, errors = 0;

	(void)argv;
	if (argc)
		return util_usage("info: no arguments expected");
	if (opts->line.tty)
		return tty_info(opts);
	if ((idx = kmpctl_ctx_meter(opts->uri, opts->device, &c)) < 0)
		return -idx;
	/*
	 * The driver logs the meter's type and revision at probe; it keeps
	 * no attribute for them (kmpctl --tty DEV info asks the meter)
	 */
	d = &c.devs[idx];
	out_add(&r, "device", "IIO device", OUT_STR, OUT_ALL, "%s", d->id);
	out_add(&r, "name", NULL, OUT_STR, OUT_ALL, "%s", d->name);
	out_str_or_null(&r, "label", NULL, OUT_ALL, d->label);
	errors += kmpctl_attr_field(&r, &c, idx, "serialnumber", "serial",
				    "serial_error", "serial number", false, true);
	out_add(&r, "chardev", "char device", *d->misc ? OUT_STR : OUT_NULL,
		OUT_ALL, "/dev/%s", d->misc);
	errors += kmpctl_attr_field(&r, &c, idx, "sampling_frequency",
				    "sampling_frequency",
				    "sampling_frequency_error", "sampling freq. (Hz)",
				    true, true);
	errors += info_code_field(&r, &c, idx);
	out_fields(stdout, opts->format, &r);
	fflush(stdout);
	kmpctl_ctx_close(&c);
	return errors ? KMPCTL_EXIT_FAIL : KMPCTL_EXIT_OK;
}
