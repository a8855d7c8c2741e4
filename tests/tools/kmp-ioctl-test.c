// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kamstrup-kmp driver's ioctl, KMP_IOC_READ_REGISTERS on /dev/kmpN
 * (include/uapi/linux/kamstrup-kmp.h), called with bad arguments (each must
 * fail with its errno before anything reaches the meter) and good ones
 * (the answers must be consistent).  A test program, built by `make
 * userspace` as build/kmp-ioctl-test and run by the end-to-end tests in
 * the guest, against the simulated MULTICAL 403 profile:
 *
 *   kmp-ioctl-test /dev/kmp0
 *
 * Prints "ok - ..." / "not ok - ..." per check and ends with "N passed,
 * N failed".  Exit status 0 if all passed, 1 if not, 2 for a bad command
 * line.
 *
 * The ABI checked: the size of struct kmp_ioc_read is in the command
 * (_IOC_SIZE); a smaller one is EINVAL, a larger one is accepted when the
 * bytes beyond the known struct are zero and refused with E2BIG when not.
 * Only @count, @flags (zero) and the first @count register ids are inputs:
 * any other non-zero byte is EINVAL.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <termios.h>
#include <unistd.h>

#include "../../include/uapi/linux/kamstrup-kmp.h"
#include "kmp.h"

/* The command for an argument of @size bytes */
#define KMP_IOC_READ_SIZE(size) \
	_IOC(_IOC_READ | _IOC_WRITE, KMP_IOC_MAGIC, 0x00, (size))

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

/* The call fails with @want */
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

/* The fields agree with each other and with the kernel's string */
static bool ioc_consistent(const struct kmp_ioc_register *r)
{
	char mine[KMP_VALUE_STR_MAX];
	struct kmp_value v;

	memset(&v, 0, sizeof(v));
	v.reg = r->reg;
	v.unit = r->unit;
	v.siex = r->siex;
	v.len = r->len;
	v.present = true;
	v.mantissa = r->mantissa;
	if (kmp_value_to_string(&v, mine, sizeof(mine)) < 0)
		return false;
	return memchr(r->value, 0, sizeof(r->value)) &&
	       !strcmp(mine, r->value) &&
	       kmp_value_exponent(&v) == r->exponent &&
	       kmp_value_negative(&v) == !!r->negative;
}

/* Each output field of regs[0], and bytes beyond @count, must be zero */
static void t_not_inputs(int fd)
{
	static const u16 one[] = { KMP_REG_HEAT_ENERGY };
	static const struct {
		const char *what;
		size_t offset;
		unsigned char byte;
	} fields[] = {
		{ "non-zero reserved (regs[0].reserved[3])",
		  offsetof(struct kmp_ioc_register, reserved) + 3, 1 },
		{ "non-zero regs[0].status",
		  offsetof(struct kmp_ioc_register, status), KMP_IOC_OK + 1 },
		{ "non-zero regs[0].unit",
		  offsetof(struct kmp_ioc_register, unit), 39 },
		{ "non-zero regs[0].error",
		  offsetof(struct kmp_ioc_register, error), 0xff },
		{ "non-zero regs[0].siex",
		  offsetof(struct kmp_ioc_register, siex), 0x42 },
		{ "non-zero regs[0].len",
		  offsetof(struct kmp_ioc_register, len), 4 },
		{ "non-zero regs[0].exponent",
		  offsetof(struct kmp_ioc_register, exponent), 0xfe },
		{ "non-zero regs[0].negative",
		  offsetof(struct kmp_ioc_register, negative), 1 },
		{ "non-zero regs[0].mantissa",
		  offsetof(struct kmp_ioc_register, mantissa) + 7, 0x80 },
		{ "non-zero regs[0].value[0]",
		  offsetof(struct kmp_ioc_register, value), '1' },
		{ "non-zero regs[0].value[95]",
		  offsetof(struct kmp_ioc_register, value) + KMP_IOC_VALUE_LEN - 1,
		  '1' },
	};
	struct kmp_ioc_read req;
	unsigned int i;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		t_req(&req, 1, one);
		((unsigned char *)&req.regs[0])[fields[i].offset] = fields[i].byte;
		t_expect_errno(fd, KMP_IOC_READ_REGISTERS, &req, EINVAL,
			       fields[i].what);
	}
	t_req(&req, 1, one);
	req.regs[1].reg = KMP_REG_POWER;
	t_expect_errno(fd, KMP_IOC_READ_REGISTERS, &req, EINVAL,
		       "register id beyond count (regs[1].reg with count 1)");
	t_req(&req, 1, one);
	req.regs[7].value[KMP_IOC_VALUE_LEN - 1] = 'x';
	t_expect_errno(fd, KMP_IOC_READ_REGISTERS, &req, EINVAL,
		       "non-zero byte in an unused entry (regs[7].value[95])");
}

/* The size in the command: smaller EINVAL, larger only with a zero tail */
static void t_sizes(int fd)
{
	static const u16 one[] = { KMP_REG_HEAT_ENERGY };
	unsigned char big[sizeof(struct kmp_ioc_read) + 8];
	struct kmp_ioc_read req, *bp = (struct kmp_ioc_read *)big;
	char detail[128];
	int ret;

	t_req(&req, 1, one);
	t_expect_errno(fd, KMP_IOC_READ_SIZE(sizeof(req) - 1), &req, EINVAL,
		       "size one byte short");
	t_expect_errno(fd, KMP_IOC_READ_SIZE(0), &req, EINVAL, "size 0");
	t_expect_errno(fd, KMP_IOC_READ_SIZE(sizeof(struct kmp_ioc_register)),
		       &req, EINVAL,
		       "same number, other size (struct kmp_ioc_register)");

	memset(big, 0, sizeof(big));
	t_req(bp, 1, one);
	big[sizeof(big) - 1] = 1;
	t_expect_errno(fd, KMP_IOC_READ_SIZE(sizeof(big)), big, E2BIG,
		       "size 8 bytes longer, non-zero tail");

	memset(big, 0, sizeof(big));
	t_req(bp, 1, one);
	ret = ioctl(fd, KMP_IOC_READ_SIZE(sizeof(big)), big);
	snprintf(detail, sizeof(detail), "%s, status %u",
		 ret ? strerror(errno) : "0", bp->regs[0].status);
	t_result(!ret && bp->regs[0].status == KMP_IOC_OK &&
		 ioc_consistent(&bp->regs[0]) &&
		 all_zero(big + sizeof(req), sizeof(big) - sizeof(req)),
		 "size 8 bytes longer, zero tail: read, tail untouched",
		 detail);
}

static void t_bad_pointers(int fd)
{
	long page = sysconf(_SC_PAGESIZE);
	struct kmp_ioc_read *p;
	unsigned char *map;

	t_expect_errno(fd, KMP_IOC_READ_REGISTERS, NULL, EFAULT,
		       "NULL pointer");
	t_expect_errno(fd, KMP_IOC_READ_REGISTERS, (void *)16, EFAULT,
		       "bad pointer");

	/* A struct running off the end of the mapped memory */
	map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED) {
		t_result(false, "mmap", strerror(errno));
		return;
	}
	munmap(map + page, page);
	p = (struct kmp_ioc_read *)(map + page - 64);
	memset(p, 0, 64);
	p->count = 1;
	t_expect_errno(fd, KMP_IOC_READ_REGISTERS, p, EFAULT,
		       "struct crossing into unmapped memory");
	munmap(map, page);
}

static void t_other_commands(int fd)
{
	static const u16 one[] = { KMP_REG_HEAT_ENERGY };
	struct kmp_ioc_read req;

	t_req(&req, 1, one);
	t_expect_errno(fd, _IOWR(KMP_IOC_MAGIC, 0x01, struct kmp_ioc_read),
		       &req, ENOTTY, "unknown ioctl number 0xB9/0x01");
	t_expect_errno(fd, _IOR(KMP_IOC_MAGIC, 0x00, struct kmp_ioc_read),
		       &req, ENOTTY, "same number, other direction (_IOR)");
	t_expect_errno(fd, _IOW(KMP_IOC_MAGIC, 0x00, struct kmp_ioc_read),
		       &req, ENOTTY, "same number, other direction (_IOW)");
	t_expect_errno(fd, TCGETS, &req, ENOTTY, "TCGETS (a tty ioctl)");
}

static void t_good_calls(int fd)
{
	static const u16 one[] = { KMP_REG_HEAT_ENERGY };
	static const u16 eight[8] = { 0x3c, 0x50, 0x56, 0x57, 0x59, 0x4a,
				      0x44, 0x3ec };
	static const u16 mixed[] = { KMP_REG_HEAT_ENERGY, 0x1234,
				     KMP_REG_HEAT_ENERGY, KMP_REG_TEMP2 };
	long page = sysconf(_SC_PAGESIZE);
	struct kmp_ioc_read req;
	char detail[256];
	unsigned char *map;
	unsigned int i;
	int ret;

	t_req(&req, 1, one);
	ret = ioctl(fd, KMP_IOC_READ_REGISTERS, &req);
	if (ret) {
		snprintf(detail, sizeof(detail), "%s", strerror(errno));
		t_result(false, "read 0x003c", detail);
	} else {
		const struct kmp_ioc_register *r = &req.regs[0];

		snprintf(detail, sizeof(detail), "status %u, value \"%.32s\"",
			 r->status, r->value);
		t_result(r->status == KMP_IOC_OK && r->reg == one[0] &&
			 ioc_consistent(r) &&
			 all_zero(r->reserved, sizeof(r->reserved)) &&
			 !r->error,
			 "read 0x003c: OK, value consistent with its fields",
			 detail);
		t_result(req.count == 1 && !req.flags &&
			 all_zero(&req.regs[1],
				  sizeof(req.regs) - sizeof(req.regs[0])),
			 "count and flags come back unchanged, unused entries zero",
			 NULL);
	}

	/* Repeated and absent ids in one call */
	t_req(&req, 4, mixed);
	ret = ioctl(fd, KMP_IOC_READ_REGISTERS, &req);
	if (ret) {
		snprintf(detail, sizeof(detail), "%s", strerror(errno));
		t_result(false, "repeated id and absent id in one call", detail);
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
		t_result(all_zero((const unsigned char *)&r[1] + sizeof(r[1].reg) +
				  sizeof(r[1].status),
				  sizeof(r[1]) - sizeof(r[1].reg) -
				  sizeof(r[1].status)),
			 "an absent register's fields are zero", NULL);
		t_result(ioc_consistent(&r[3]) &&
			 r[3].negative == (r[3].value[0] == '-'),
			 "0x0057: sign and value consistent", r[3].value);
	}

	/* Eight registers, the most one call takes */
	t_req(&req, 8, eight);
	ret = ioctl(fd, KMP_IOC_READ_REGISTERS, &req);
	snprintf(detail, sizeof(detail), "%s", ret ? strerror(errno) : "");
	for (i = 0; !ret && i < 8; i++) {
		const struct kmp_ioc_register *r = &req.regs[i];

		if (r->reg != eight[i] || r->status > KMP_IOC_ERROR ||
		    (r->status == KMP_IOC_OK && !ioc_consistent(r)))
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
}

int main(int argc, char **argv)
{
	static const u16 one[] = { KMP_REG_HEAT_ENERGY };
	static const u16 nine[9] = { 0x3c, 0x50, 0x56, 0x57, 0x59, 0x4a,
				     0x44, 0x3ec, 0x63 };
	struct kmp_ioc_read req;
	int fd;

	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: kmp-ioctl-test /dev/kmpN\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "kmp-ioctl-test: %s: %s\n", argv[1],
			strerror(errno));
		return 1;
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
	req.flags = 1;
	t_expect_errno(fd, KMP_IOC_READ_REGISTERS, &req, EINVAL,
		       "non-zero flags");
	t_not_inputs(fd);
	t_sizes(fd);
	t_bad_pointers(fd);
	t_other_commands(fd);

	t_good_calls(fd);

	close(fd);
	printf("%u passed, %u failed\n", t_passed, t_failed);
	return t_failed ? 1 : 0;
}
