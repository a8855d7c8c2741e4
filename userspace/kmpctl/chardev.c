// SPDX-License-Identifier: GPL-2.0-only
/*
 * kmpctl: any register through the kernel driver's /dev/kmpN.
 *
 * KMP_IOC_READ_REGISTERS (include/uapi/linux/kamstrup-kmp.h) reads 1 to 8
 * registers; more ids take several calls.  The kernel returns each value
 * decoded and as an exact decimal string, which kmpctl checks against the
 * core's decoding of the same fields.  Every field that
 * is not an input is zero on the way in: the driver refuses anything else.
 *
 * The ioctl's handling of bad arguments is tested by tests/tools/
 * kmp-ioctl-test.c, a test program, not by kmpctl.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../../include/uapi/linux/kamstrup-kmp.h"
#include "kmpctl.h"

struct chardev_transport {
	struct kmpctl_transport t;	/* first: container_of by cast */
	int fd;
	char path[128];
};

/* The kmp_value the ioctl's fields describe */
static void ioc_to_value(const struct kmp_ioc_register *r, struct kmp_value *v)
{
	memset(v, 0, sizeof(*v));
	v->reg = r->reg;
	v->unit = r->unit;
	v->siex = r->siex;
	v->len = r->len;
	v->present = true;
	v->mantissa = r->mantissa;
}

/* The fields agree with each other and with the kernel's string */
static bool ioc_consistent(const struct kmp_ioc_register *r, char *mine,
			   size_t size)
{
	struct kmp_value v;

	ioc_to_value(r, &v);
	if (kmp_value_to_string(&v, mine, size) < 0)
		return false;
	return !strcmp(mine, r->value) &&
	       kmp_value_exponent(&v) == r->exponent &&
	       kmp_value_negative(&v) == !!r->negative &&
	       memchr(r->value, 0, sizeof(r->value));
}

static int chardev_read_registers(struct kmpctl_transport *t, const u16 *ids,
				  unsigned int n, struct kmpctl_result *res)
{
	struct chardev_transport *ct = (struct chardev_transport *)t;
	unsigned int done, i;

	for (done = 0; done < n; done += KMP_IOC_MAX_REGS) {
		struct kmp_ioc_read req;
		unsigned int c = n - done < KMP_IOC_MAX_REGS ?
				 n - done : KMP_IOC_MAX_REGS;

		memset(&req, 0, sizeof(req));
		req.count = c;
		for (i = 0; i < c; i++)
			req.regs[i].reg = ids[done + i];
		if (ioctl(ct->fd, KMP_IOC_READ_REGISTERS, &req))
			return -errno;
		for (i = 0; i < c; i++) {
			const struct kmp_ioc_register *r = &req.regs[i];
			struct kmpctl_result *o = &res[done + i];
			char mine[KMP_VALUE_STR_MAX];

			memset(o, 0, sizeof(*o));
			o->reg = ids[done + i];
			if (r->reg != o->reg) {
				o->err = -EIO;
				continue;
			}
			switch (r->status) {
			case KMP_IOC_OK:
				ioc_to_value(r, &o->val);
				if (!ioc_consistent(r, mine, sizeof(mine)))
					util_err("%s: register 0x%04x: the kernel's value \"%.*s\" does not match its fields (%s)",
						 t->name, o->reg,
						 (int)sizeof(r->value) - 1,
						 r->value, mine);
				break;
			case KMP_IOC_ABSENT:
				o->err = -ENODATA;
				break;
			case KMP_IOC_ERROR:
				o->err = r->error < 0 ? r->error : -EIO;
				break;
			default:
				o->err = -EIO;
				break;
			}
		}
	}
	return 0;
}

static int chardev_info(struct kmpctl_transport *t, struct kmpctl_info *info)
{
	(void)t;
	(void)info;
	return -EOPNOTSUPP;
}

static void chardev_close(struct kmpctl_transport *t)
{
	struct chardev_transport *ct = (struct chardev_transport *)t;

	close(ct->fd);
	free(ct);
}

struct kmpctl_transport *kmpctl_chardev_open(const char *path, int *err)
{
	struct chardev_transport *ct;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		*err = -errno;
		return NULL;
	}
	ct = calloc(1, sizeof(*ct));
	if (!ct) {
		close(fd);
		*err = -ENOMEM;
		return NULL;
	}
	snprintf(ct->path, sizeof(ct->path), "%s", path);
	ct->t.name = ct->path;
	ct->t.read_registers = chardev_read_registers;
	ct->t.info = chardev_info;
	ct->t.close = chardev_close;
	ct->fd = fd;
	return &ct->t;
}
