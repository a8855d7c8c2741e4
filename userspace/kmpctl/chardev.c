// SPDX-License-Identifier: GPL-2.0-only
/*
 * kmpctl: any register through the kernel driver's /dev/kmpN.
 *
 * KMP_IOC_READ_REGISTERS (include/uapi/linux/kamstrup-kmp.h) reads 1 to 8
 * registers; more ids take several calls.  The kernel returns each value
 * decoded and as an exact decimal string; kmpctl takes the fields and
 * prints them with the core, as it prints what --tty reads.  Every field
 * that is not an input is zero on the way in: the driver refuses anything
 * else.  The ioctl's bad arguments, and that the kernel's string agrees
 * with its fields, are tested by tests/tools/kmp-ioctl-test.c, not by
 * kmpctl.
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

/* One register of the reply into @o */
static void ioc_result(const struct kmp_ioc_register *r,
		       struct kmpctl_result *o)
{
	o->err = r->reg != o->reg ? -EIO :
		 r->status == KMP_IOC_ABSENT ? -ENODATA :
		 r->status == KMP_IOC_ERROR && r->error < 0 ? r->error :
		 r->status != KMP_IOC_OK ? -EIO : 0;
	if (o->err)
		return;
	o->val = (struct kmp_value){ .reg = r->reg, .unit = r->unit,
				     .siex = r->siex, .len = r->len,
				     .present = true, .mantissa = r->mantissa };
}

static int chardev_read_registers(struct kmpctl_transport *t, const u16 *ids,
				  unsigned int n, struct kmpctl_result *res)
{
	struct chardev_transport *ct = (struct chardev_transport *)t;
	struct kmp_ioc_read req;
	unsigned int done, i, c;

	for (done = 0; done < n; done += c) {
		c = n - done < KMP_IOC_MAX_REGS ? n - done : KMP_IOC_MAX_REGS;
		memset(&req, 0, sizeof(req));
		req.count = c;
		for (i = 0; i < c; i++)
			req.regs[i].reg = ids[done + i];
		if (ioctl(ct->fd, KMP_IOC_READ_REGISTERS, &req))
			return -errno;
		for (i = 0; i < c; i++) {
			memset(&res[done + i], 0, sizeof(res[0]));
			res[done + i].reg = ids[done + i];
			ioc_result(&req.regs[i], &res[done + i]);
		}
	}
	return 0;
}

static void chardev_close(struct kmpctl_transport *t)
{
	close(((struct chardev_transport *)t)->fd);
	free(t);
}

struct kmpctl_transport *kmpctl_chardev_open(const char *path, int *err)
{
	struct chardev_transport *ct;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	ct = fd < 0 ? NULL : calloc(1, sizeof(*ct));
	if (!ct) {
		*err = fd < 0 ? -errno : -ENOMEM;
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	snprintf(ct->path, sizeof(ct->path), "%s", path);
	ct->t.name = ct->path;
	ct->t.read_registers = chardev_read_registers;
	ct->t.close = chardev_close;
	ct->fd = fd;
	return &ct->t;
}
