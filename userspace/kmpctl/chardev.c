// SPDX-License-Identifier: GPL-2.0-only
/*
 * kmpctl: any register through the kernel driver's /dev/kmpN.
 *
 * KMP_IOC_READ_REGISTERS (include/uapi/linux/kamstrup-kmp.h) reads 1 to 8
 * registers; more ids take several calls.  The kernel returns each value
 * decoded and as an exact decimal string, which kmpctl prints as given (and
 * checks against its own decoding of the same fields).
 *
 * `kmpctl ioctl-test /dev/kmpN` (not in --help: a test of the driver, for
 * the end-to-end tests) calls the ioctl with bad arguments and checks each
 * errno, then with good ones and checks the answers' consistency.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <termios.h>
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
		req.size = sizeof(req);
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
				snprintf(o->text, sizeof(o->text), "%.*s",
					 (int)sizeof(r->value) - 1, r->value);
				if (!ioc_consistent(r, mine, sizeof(mine)))
					kmpctl_err("%s: register 0x%04x: the kernel's value \"%s\" does not match its fields (%s)",
						   t->name, o->reg, o->text,
						   mine);
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

/* ---- ioctl-test ---------------------------------------------------------- */

static unsigned int t_passed, t_failed;

static void t_result(bool ok, const char *what, const char *detail)
{
	printf("%s - %s%s%s\n", ok ? "ok" : "not ok", what,
	       detail && *detail ? ": " : "", detail ? detail : "");
	if (ok)
		t_passed++;
	else
		t_failed++;
}

/* The call fails with @want, and the meter is not asked */
static void t_expect_errno(int fd, unsigned long cmd, void *arg, int want,
			   const char *what)
{
	char detail[96];
	int ret = ioctl(fd, cmd, arg);
	int e = errno;

	if (ret == 0)
		snprintf(detail, sizeof(detail), "succeeded, expected %s",
			 strerror(want));
	else if (e != want)
		snprintf(detail, sizeof(detail), "%s, expected %s",
			 strerror(e), strerror(want));
	else
		snprintf(detail, sizeof(detail), "%s", strerror(e));
	t_result(ret == -1 && e == want, what, detail);
}

static void t_req(struct kmp_ioc_read *req, unsigned int count,
		  const u16 *regs)
{
	unsigned int i;

	memset(req, 0, sizeof(*req));
	req->size = sizeof(*req);
	req->count = count;
	for (i = 0; i < count && i < KMP_IOC_MAX_REGS; i++)
		req->regs[i].reg = regs[i];
}

static bool all_zero(const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n--)
		if (*c++)
			return false;
	return true;
}

int kmpctl_cmd_ioctl_test(const struct kmpctl_opts *opts, int argc,
			  char **argv)
{
	static const u16 one[] = { KMP_REG_HEAT_ENERGY };
	static const u16 nine[9] = { 0x3c, 0x50, 0x56, 0x57, 0x59, 0x4a,
				     0x44, 0x3ec, 0x63 };
	const u16 mixed[] = { KMP_REG_HEAT_ENERGY, 0x1234,
			      KMP_REG_HEAT_ENERGY, KMP_REG_TEMP2 };
	struct kmp_ioc_read req, *p;
	char detail[256], mine[KMP_VALUE_STR_MAX];
	long page = sysconf(_SC_PAGESIZE);
	unsigned char *map;
	unsigned int i;
	int fd, ret;

	(void)opts;
	if (argc != 1)
		return kmpctl_usage_error("ioctl-test: give the character device, e.g. /dev/kmp0");
	fd = open(argv[0], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		kmpctl_err("%s: %s", argv[0], strerror(errno));
		return KMPCTL_EXIT_FAIL;
	}

	/* Bad arguments: EINVAL, EFAULT, ENOTTY, before anything is sent */
	t_req(&req, 0, one);
	t_expect_errno(fd, KMP_IOC_READ_REGISTERS, &req, EINVAL, "count 0");
	t_req(&req, 9, nine);
	t_expect_errno(fd, KMP_IOC_READ_REGISTERS, &req, EINVAL, "count 9");
	t_req(&req, 1, one);
	req.count = 0xffffffff;
	t_expect_errno(fd, KMP_IOC_READ_REGISTERS, &req, EINVAL,
		       "count 0xffffffff");
	t_req(&req, 1, one);
	req.size = sizeof(req) - 1;
	t_expect_errno(fd, KMP_IOC_READ_REGISTERS, &req, EINVAL,
		       "size one byte short");
	t_req(&req, 1, one);
	req.size = sizeof(req) + 8;
	t_expect_errno(fd, KMP_IOC_READ_REGISTERS, &req, EINVAL,
		       "size 8 bytes long");
	t_req(&req, 1, one);
	req.size = 0;
	t_expect_errno(fd, KMP_IOC_READ_REGISTERS, &req, EINVAL, "size 0");
	t_req(&req, 1, one);
	req.flags = 1;
	t_expect_errno(fd, KMP_IOC_READ_REGISTERS, &req, EINVAL,
		       "non-zero flags");
	t_req(&req, 1, one);
	req.reserved = 0x80000000;
	t_expect_errno(fd, KMP_IOC_READ_REGISTERS, &req, EINVAL,
		       "non-zero reserved");
	t_req(&req, 1, one);
	req.regs[0].reserved[3] = 1;
	t_expect_errno(fd, KMP_IOC_READ_REGISTERS, &req, EINVAL,
		       "non-zero regs[0].reserved");
	t_req(&req, 8, nine);
	req.regs[7].reserved[0] = 0xff;
	t_expect_errno(fd, KMP_IOC_READ_REGISTERS, &req, EINVAL,
		       "non-zero regs[7].reserved");
	t_expect_errno(fd, KMP_IOC_READ_REGISTERS, NULL, EFAULT,
		       "NULL pointer");
	t_expect_errno(fd, KMP_IOC_READ_REGISTERS, (void *)16, EFAULT,
		       "bad pointer");

	/* A struct running off the end of the mapped memory */
	map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED) {
		t_result(false, "mmap", strerror(errno));
	} else {
		munmap(map + page, page);
		p = (struct kmp_ioc_read *)(map + page - 64);
		memset(p, 0, 64);
		p->size = sizeof(*p);
		p->count = 1;
		t_expect_errno(fd, KMP_IOC_READ_REGISTERS, p, EFAULT,
			       "struct crossing into unmapped memory");
		munmap(map, page);
	}

	/* Other ioctl numbers */
	t_req(&req, 1, one);
	t_expect_errno(fd, _IOWR(KMP_IOC_MAGIC, 0x01, struct kmp_ioc_read),
		       &req, ENOTTY, "unknown ioctl number 0xB9/0x01");
	t_expect_errno(fd, _IOR(KMP_IOC_MAGIC, 0x00, struct kmp_ioc_read),
		       &req, ENOTTY, "same number, other direction (_IOR)");
	t_expect_errno(fd, _IOWR(KMP_IOC_MAGIC, 0x00, struct kmp_ioc_register),
		       &req, ENOTTY, "same number, other size");
	t_expect_errno(fd, TCGETS, &req, ENOTTY, "TCGETS (a tty ioctl)");

	/* Good calls */
	t_req(&req, 1, one);
	for (i = 1; i < KMP_IOC_MAX_REGS; i++)
		req.regs[i].reg = 0xa5a5;
	ret = ioctl(fd, KMP_IOC_READ_REGISTERS, &req);
	if (ret) {
		snprintf(detail, sizeof(detail), "%s", strerror(errno));
		t_result(false, "read 0x003c", detail);
	} else {
		const struct kmp_ioc_register *r = &req.regs[0];

		snprintf(detail, sizeof(detail), "status %u, value \"%.32s\"",
			 r->status, r->value);
		t_result(r->status == KMP_IOC_OK && r->reg == one[0] &&
			 ioc_consistent(r, mine, sizeof(mine)) &&
			 all_zero(r->reserved, sizeof(r->reserved)) &&
			 !r->error,
			 "read 0x003c: OK, value consistent with its fields",
			 detail);
		t_result(req.size == sizeof(req) && req.count == 1 &&
			 !req.flags && !req.reserved &&
			 req.regs[1].reg == 0xa5a5 && req.regs[7].reg == 0xa5a5,
			 "header and unused entries come back unchanged", NULL);
	}

	/* Repeated and absent ids in one call */
	t_req(&req, 4, mixed);
	ret = ioctl(fd, KMP_IOC_READ_REGISTERS, &req);
	if (ret) {
		snprintf(detail, sizeof(detail), "%s", strerror(errno));
		t_result(false, "read 0x003c 0x1234 0x003c 0x0057", detail);
	} else {
		const struct kmp_ioc_register *r = req.regs;

		snprintf(detail, sizeof(detail),
			 "statuses %u %u %u %u, ids 0x%04x 0x%04x 0x%04x 0x%04x",
			 r[0].status, r[1].status, r[2].status, r[3].status,
			 r[0].reg, r[1].reg, r[2].reg, r[3].reg);
		t_result(r[0].status == KMP_IOC_OK &&
			 r[1].status == KMP_IOC_ABSENT &&
			 r[2].status == KMP_IOC_OK &&
			 r[3].status == KMP_IOC_OK &&
			 r[0].reg == mixed[0] && r[1].reg == mixed[1] &&
			 r[2].reg == mixed[2] && r[3].reg == mixed[3],
			 "repeated id and absent id in one call", detail);
		t_result(!strcmp(r[0].value, r[2].value) &&
			 r[0].mantissa == r[2].mantissa &&
			 r[0].unit == r[2].unit,
			 "a repeated id gets the same value", NULL);
		t_result(!r[1].unit && !r[1].mantissa && !r[1].len &&
			 !r[1].value[0] && !r[1].error,
			 "an absent register's fields are zero", NULL);
		t_result(ioc_consistent(&r[3], mine, sizeof(mine)) &&
			 r[3].negative == (r[3].value[0] == '-'),
			 "0x0057: sign and value consistent", r[3].value);
	}

	/* Eight registers, the most one call takes */
	t_req(&req, 8, nine);
	ret = ioctl(fd, KMP_IOC_READ_REGISTERS, &req);
	snprintf(detail, sizeof(detail), "%s", ret ? strerror(errno) : "");
	if (!ret) {
		for (i = 0; i < 8; i++)
			if (req.regs[i].reg != nine[i] ||
			    req.regs[i].status > KMP_IOC_ERROR)
				ret = -1;
	}
	t_result(!ret, "count 8", detail);

	/* A read-only argument: the answer cannot be copied back */
	map = mmap(NULL, page > (long)sizeof(req) ? page : 2 * page,
		   PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED) {
		t_result(false, "mmap", strerror(errno));
	} else {
		t_req((struct kmp_ioc_read *)map, 1, one);
		mprotect(map, page, PROT_READ);
		t_expect_errno(fd, KMP_IOC_READ_REGISTERS, map, EFAULT,
			       "read-only argument");
		munmap(map, page);
	}

	close(fd);
	printf("%u passed, %u failed\n", t_passed, t_failed);
	return t_failed ? KMPCTL_EXIT_FAIL : KMPCTL_EXIT_OK;
}
