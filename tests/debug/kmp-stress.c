// SPDX-License-Identifier: GPL-2.0-only
/*
 * Stress for the kamstrup-kmp character device, run in the end-to-end
 * guest under the debug kernel (tests/e2e/run --debug), where the kernel's
 * own checkers (KASAN, lockdep, kmemleak, debug objects, UBSAN) judge what
 * the driver does.  Two modes:
 *
 *   kmp-stress fuzz DEV SECONDS PROCS
 *	PROCS processes call the ioctl of DEV (/dev/kmpN) with random
 *	arguments for SECONDS seconds: random sizes in the command, random
 *	counts, flags, ids and output fields, unmapped pointers.  Each call
 *	must succeed or fail with an errno the ABI documents; the device may
 *	go away and come back meanwhile (the guest unbinds and binds it), so
 *	a descriptor that fails with ENODEV is reopened.  Seeded by
 *	SEED (environment, default 1) for reproducible runs.
 *
 *   kmp-stress stale DEV UNBIND BIND NAME
 *	Opens DEV, reads one register, unbinds the meter (writes NAME to
 *	UNBIND), then calls the ioctl on the descriptor it still holds (must
 *	be ENODEV), closes it, binds the meter again (NAME to BIND) and reads
 *	through a new descriptor.
 *
 * Prints "ok - ..." / "not ok - ..." per check and ends with "N passed,
 * N failed"; exit status 0 if all passed.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/kamstrup-kmp.h>

static unsigned int passed, failed;

static void result(int good, const char *what, const char *detail)
{
	if (good)
		passed++;
	else
		failed++;
	printf("%s - %s%s%s\n", good ? "ok" : "not ok", what,
	       detail && *detail ? ": " : "", detail ? detail : "");
}

/* xorshift64*: the same sequence for the same seed, on any libc */
static uint64_t rnd_state;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return rnd_state * 0x2545f4914f6cdd1dULL;
}

static unsigned int rnd_below(unsigned int n)
{
	return (unsigned int)(rnd() % n);
}

/* Errnos the ioctl may give (Documentation/iio/kamstrup-kmp.rst) */
static int errno_allowed(int e)
{
	return e == EINVAL || e == E2BIG || e == EFAULT || e == ENOTTY ||
	       e == ENODEV || e == EINTR || e == EIO;
}

static int open_dev(const char *dev)
{
	int fd, i;

	/* While the meter is unbound there is no node: wait for it (bounded) */
	for (i = 0; i < 200; i++) {
		fd = open(dev, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 || (errno != ENOENT && errno != ENODEV && errno != ENXIO))
			return fd;
		usleep(50000);
	}
	return -1;
}

/* One process's share of the fuzzing: 0 if every call behaved */
static int fuzz_one(const char *dev, unsigned int seconds, unsigned int id)
{
	static const uint16_t known[] = { 0x3c, 0x44, 0x4a, 0x50, 0x56, 0x57,
					  0x59, 0x3ec, 0x1234, 0x0000, 0xffff };
	unsigned long calls = 0, ok = 0, bad = 0, reopen = 0;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	unsigned long by_errno[256] = { 0 };
	time_t end = time(NULL) + seconds;
	unsigned char *buf, *unmapped;
	int fd, ret, e;

	buf = malloc(4096);
	unmapped = mmap(NULL, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!buf || unmapped == MAP_FAILED)
		return 1;
	fd = open_dev(dev);
	if (fd < 0) {
		fprintf(stderr, "kmp-stress[%u]: %s: %s\n", id, dev, strerror(errno));
		return 1;
	}
	while (time(NULL) < end) {
		struct kmp_ioc_read *req = (struct kmp_ioc_read *)buf;
		unsigned int size, dir, i;
		unsigned long cmd;
		void *arg = buf;

		memset(buf, 0, 4096);
		/* Mostly the real size; sometimes smaller, larger, or anything */
		switch (rnd_below(8)) {
		case 0:
			size = rnd_below(sizeof(*req));
			break;
		case 1:
			size = sizeof(*req) + rnd_below(4096 - sizeof(*req));
			break;
		case 2:
			size = rnd_below(1 << 14);	/* _IOC_SIZEBITS */
			break;
		default:
			size = sizeof(*req);
		}
		if (size > 4096 && rnd_below(2))
			size = 4096;
		dir = rnd_below(10) ? _IOC_READ | _IOC_WRITE : rnd_below(4);
		cmd = _IOC(dir, KMP_IOC_MAGIC, rnd_below(10) ? 0 : rnd_below(4), size);
		req->count = rnd_below(4) ? 1 + rnd_below(KMP_IOC_MAX_REGS) : (uint32_t)rnd();
		req->flags = rnd_below(10) ? 0 : (uint32_t)rnd();
		for (i = 0; i < KMP_IOC_MAX_REGS; i++)
			req->regs[i].reg = rnd_below(4) ? known[rnd_below(11)] : (uint16_t)rnd();
		/* Garbage in an output field, or beyond the known struct */
		if (!rnd_below(6))
			buf[rnd_below(4096)] = (unsigned char)rnd();
		if (!rnd_below(20))
			arg = unmapped;
		else if (!rnd_below(20))
			arg = NULL;

		ret = ioctl(fd, cmd, arg);
		e = errno;
		calls++;
		if (!ret) {
			ok++;
		} else if (errno_allowed(e)) {
			by_errno[e & 0xff]++;
		} else {
			bad++;
			fprintf(stderr, "kmp-stress[%u]: cmd 0x%lx size %u: %s\n",
				id, cmd, size, strerror(e));
		}
		if (ret && e == ENODEV) {
			close(fd);
			fd = open_dev(dev);
			reopen++;
			if (fd < 0) {
				fprintf(stderr, "kmp-stress[%u]: reopen %s: %s\n",
					id, dev, strerror(errno));
				return 1;
			}
		}
	}
	close(fd);
	printf("# kmp-stress[%u]: %lu calls: %lu succeeded, EINVAL %lu, E2BIG %lu, EFAULT %lu, ENOTTY %lu, ENODEV %lu (reopened %lu), EINTR %lu, EIO %lu, other %lu\n",
	       id, calls, ok, by_errno[EINVAL], by_errno[E2BIG],
	       by_errno[EFAULT], by_errno[ENOTTY], by_errno[ENODEV], reopen,
	       by_errno[EINTR], by_errno[EIO], bad);
	fflush(stdout);
	return bad || !calls;
}

static int fuzz(const char *dev, unsigned int seconds, unsigned int procs)
{
	const char *seed = getenv("SEED");
	unsigned int i, bad = 0;
	char detail[160];
	int status;

	for (i = 0; i < procs; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("kmp-stress: fork");
			return 1;
		}
		if (!pid) {
			rnd_state = (seed ? strtoull(seed, NULL, 0) : 1) * 7919 + i + 1;
			_exit(fuzz_one(dev, seconds, i));
		}
	}
	for (i = 0; i < procs; i++) {
		if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
			bad++;
	}
	snprintf(detail, sizeof(detail), "%u processes for %u s, %u of them saw a call misbehave",
		 procs, seconds, bad);
	result(!bad, "random ioctls succeed or fail with a documented errno", detail);
	return 0;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	if (n < 0)
		n = -errno;
	close(fd);
	return n < 0 ? (int)n : 0;
}

static int read_one(int fd, struct kmp_ioc_read *req)
{
	memset(req, 0, sizeof(*req));
	req->count = 1;
	req->regs[0].reg = 0x3c;
	return ioctl(fd, KMP_IOC_READ_REGISTERS, req) ? -errno : 0;
}

static int stale(const char *dev, const char *unbind, const char *bind,
		 const char *name)
{
	struct kmp_ioc_read req;
	char detail[200];
	int fd, fd2, ret;

	fd = open_dev(dev);
	if (fd < 0) {
		result(0, "open the device", strerror(errno));
		return 1;
	}
	ret = read_one(fd, &req);
	result(!ret && req.regs[0].status == KMP_IOC_OK, "a read before the unbind",
	       ret ? strerror(-ret) : req.regs[0].value);
	ret = write_file(unbind, name);
	result(!ret, "unbind with the device open", ret ? strerror(-ret) : unbind);
	ret = read_one(fd, &req);
	snprintf(detail, sizeof(detail), "%s", ret ? strerror(-ret) : "succeeded");
	result(ret == -ENODEV, "the ioctl on the descriptor held across the unbind: No such device",
	       detail);
	result(!close(fd), "close it", NULL);
	ret = write_file(bind, name);
	result(!ret, "bind again", ret ? strerror(-ret) : bind);
	fd2 = open_dev(dev);
	ret = fd2 < 0 ? -errno : read_one(fd2, &req);
	result(!ret && req.regs[0].status == KMP_IOC_OK, "a read through a new descriptor",
	       ret ? strerror(-ret) : req.regs[0].value);
	if (fd2 >= 0)
		close(fd2);
	return 0;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc == 5 && !strcmp(argv[1], "fuzz"))
		fuzz(argv[2], (unsigned int)atoi(argv[3]), (unsigned int)atoi(argv[4]));
	else if (argc == 6 && !strcmp(argv[1], "stale"))
		stale(argv[2], argv[3], argv[4], argv[5]);
	else {
		fprintf(stderr, "usage: kmp-stress fuzz DEV SECONDS PROCS\n"
				"       kmp-stress stale DEV UNBIND BIND NAME\n");
		return 2;
	}
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
