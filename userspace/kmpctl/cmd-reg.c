// SPDX-License-Identifier: GPL-2.0-only
/*
 * kmpctl reg REG...: any registers through the driver's /dev/kmpN, or
 * directly on a serial port with --tty (where `read REG...` is the same).
 */
#include <errno.h>
#include <string.h>

#include "kmpctl.h"

/* Register ids from the command line, each once; 0 or an exit status */
static int parse_registers(const char *cmd, int argc, char **argv, u16 *ids,
			   unsigned int *np)
{
	unsigned int n = 0, i, j;
	int ret;

	if (!argc)
		return util_usage("%s: no register given", cmd);
	for (i = 0; i < (unsigned int)argc; i++) {
		u16 reg;

		ret = util_parse_register(argv[i], &reg);
		if (ret == -ERANGE)
			return util_usage("%s: register '%s' is beyond 0xffff",
					  cmd, argv[i]);
		if (ret)
			return util_usage("%s: '%s' is not a register id (hex 0x003c, decimal or a name)",
					  cmd, argv[i]);
		for (j = 0; j < n && ids[j] != reg; j++)
			;
		if (j == n && n == KMPCTL_MAX_IDS)
			return util_usage("%s: more than %d registers", cmd,
					  KMPCTL_MAX_IDS);
		if (j == n)	/* asked twice: read once */
			ids[n++] = reg;
	}
	*np = n;
	return 0;
}

/* The /dev/kmpN of the meter -d names (or of the only meter) */
static int chardev_path(const struct kmpctl_opts *opts, char *path,
			size_t size)
{
	static struct kmpctl_ctx ctx;
	struct kmpctl_ctx *c = &ctx;
	int idx;

	if (opts->device && opts->device[0] == '/') {
		snprintf(path, size, "%s", opts->device);
		return 0;
	}
	idx = kmpctl_ctx_meter(opts->uri, opts->device, c);
	if (idx >= 0 && !*c->devs[idx].misc) {
		util_err("%s: no character device (misc/kmpN) under it: not a kamstrup-kmp meter?",
			 c->devs[idx].id);
		idx = -KMPCTL_EXIT_FAIL;
	}
	if (idx >= 0)
		snprintf(path, size, "/dev/%s", c->devs[idx].misc);
	kmpctl_ctx_close(c);
	return idx < 0 ? -idx : 0;
}

int kmpctl_cmd_reg(const struct kmpctl_opts *opts, int argc, char **argv)
{
	static u16 ids[KMPCTL_MAX_IDS];
	static struct kmpctl_result res[KMPCTL_MAX_IDS];
	static struct out_rec rows[KMPCTL_MAX_IDS];
	struct kmpctl_transport *t;
	char path[128];
	unsigned int n = 0, i;
	int ret, status = KMPCTL_EXIT_OK;

	ret = parse_registers(opts->line.tty ? "read" : "reg", argc, argv, ids, &n);
	if (ret)
		return ret;
	if (!opts->line.tty) {
		ret = chardev_path(opts, path, sizeof(path));
		if (ret)
			return ret;
	}
	t = opts->line.tty ? kmpctl_tty_open(&opts->line, &ret) :
			kmpctl_chardev_open(path, &ret);
	if (!t) {
		util_err("%s: %s", opts->line.tty ? opts->line.tty : path,
			 util_strerror(ret));
		return KMPCTL_EXIT_FAIL;
	}
	ret = t->read_registers(t, ids, n, res);
	if (ret) {
		util_err("%s: %s", t->name, util_strerror(ret));
		t->close(t);
		return KMPCTL_EXIT_FAIL;
	}
	for (i = 0; i < n; i++)
		out_result(&rows[i], res[i].reg, res[i].err, &res[i].val);
	out_table(stdout, opts->format, rows, n, false);
	fflush(stdout);
	for (i = 0; i < n; i++) {
		if (!res[i].err)
			continue;
		status = KMPCTL_EXIT_FAIL;
		if (res[i].err == -ENODATA)
			util_err("%s: register 0x%04x: no data (absent in meter)",
				 t->name, res[i].reg);
		else
			util_err("%s: register 0x%04x: %s", t->name,
				 res[i].reg, util_strerror(res[i].err));
	}
	t->close(t);
	return status;
}
