// SPDX-License-Identifier: GPL-2.0-only
/*
 * kmpctl: the meters of this machine, from sysfs.
 *
 * /sys/bus/iio/devices/iio:deviceN is an IIO device; it is a meter when its
 * name is a model the kamstrup-kmp driver binds to (multical-402,
 * multical-403, multical-603) or when its parent device is bound to that
 * driver.  Its character device for register reads is the misc device that
 * is its child in sysfs, /sys/bus/iio/devices/iio:deviceN/misc/kmpN, i.e.
 * /dev/kmpN.
 *
 * list, info and reg use sysfs rather than libiio on the local machine:
 * they work without libiio, and the only attribute they read that may
 * talk to the meter is serialnumber (one bounded transaction, once).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kmpctl.h"

static const char *const meter_names[] = {
	"multical-402", "multical-403", "multical-603",
};

/* The driver's name, as its parent device's driver link shows it */
#define KMPCTL_DRIVER	"kamstrup-kmp"

bool kmpctl_is_meter_name(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(meter_names); i++)
		if (!strcmp(name, meter_names[i]))
			return true;
	return false;
}

/* The IIO device @id (iio:deviceN) of this machine is the driver's */
bool kmpctl_sysfs_is_meter(const char *id)
{
	char path[256], target[256];
	const char *base;
	ssize_t n;

	/* The IIO device's directory is a child of the serdev device's */
	snprintf(path, sizeof(path), "%s/%s/../driver", KMPCTL_SYSFS_IIO, id);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return false;
	target[n] = 0;
	base = strrchr(target, '/');
	return !strcmp(base ? base + 1 : target, KMPCTL_DRIVER);
}

/* The content of a (sysfs) file, trailing whitespace removed; 0 or -errno */
int kmpctl_read_file(const char *path, char *buf, size_t size)
{
	ssize_t r;
	size_t len;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	do {
		r = read(fd, buf, size - 1);
	} while (r < 0 && errno == EINTR);
	if (r < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	close(fd);
	len = r;
	buf[len] = 0;
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == ' ' ||
		       buf[len - 1] == '\t' || buf[len - 1] == '\r'))
		buf[--len] = 0;
	return 0;
}

/* The first entry of @dir not starting with '.', or "" */
void kmpctl_first_entry(const char *dir, char *out, size_t size)
{
	struct dirent *e;
	DIR *d = opendir(dir);

	*out = 0;
	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(out, size, "%s", e->d_name);
		break;
	}
	closedir(d);
}

static int dev_number(const char *id)
{
	return atoi(id + strlen("iio:device"));
}

static int cmp_dev(const void *a, const void *b)
{
	return dev_number(((const struct kmpctl_dev *)a)->id) -
	       dev_number(((const struct kmpctl_dev *)b)->id);
}

static int sysfs_attr_read(struct kmpctl_devsrc *src, unsigned int i,
			   const char *attr, char *buf, size_t size)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s/%s", KMPCTL_SYSFS_IIO,
		 src->devs[i].id, attr);
	return kmpctl_read_file(path, buf, size);
}

static void sysfs_close(struct kmpctl_devsrc *src)
{
	free(src);
}

int kmpctl_sysfs_open(struct kmpctl_devsrc **srcp)
{
	struct kmpctl_devsrc *src = calloc(1, sizeof(*src));
	struct dirent *e;
	DIR *d;

	if (!src)
		return -ENOMEM;
	src->name = "local";
	src->attr_read = sysfs_attr_read;
	src->close = sysfs_close;
	d = opendir(KMPCTL_SYSFS_IIO);
	if (!d) {
		/* No IIO in this kernel (yet): no devices */
		*srcp = src;
		return 0;
	}
	while ((e = readdir(d)) && src->n < KMPCTL_MAX_DEVS) {
		struct kmpctl_dev *dev = &src->devs[src->n];
		char path[256];

		if (strncmp(e->d_name, "iio:device", 10) ||
		    strlen(e->d_name) >= sizeof(dev->id))
			continue;
		memset(dev, 0, sizeof(*dev));
		snprintf(dev->id, sizeof(dev->id), "%.31s", e->d_name);
		src->n++;
		if (sysfs_attr_read(src, src->n - 1, "name", dev->name,
				    sizeof(dev->name)))
			dev->name[0] = 0;
		if (sysfs_attr_read(src, src->n - 1, "label", dev->label,
				    sizeof(dev->label)))
			dev->label[0] = 0;
		dev->meter = kmpctl_is_meter_name(dev->name) ||
			     kmpctl_sysfs_is_meter(dev->id);
		snprintf(path, sizeof(path), "%s/%s/misc", KMPCTL_SYSFS_IIO,
			 dev->id);
		kmpctl_first_entry(path, dev->misc, sizeof(dev->misc));
	}
	closedir(d);
	qsort(src->devs, src->n, sizeof(src->devs[0]), cmp_dev);
	*srcp = src;
	return 0;
}

/* @a equals the first @blen bytes of @b: ASCII case, '-', '_' and ' ' alike */
bool kmpctl_loose_eq(const char *a, const char *b, size_t blen)
{
	size_t i;

	for (i = 0; i < blen; i++, a++) {
		char x = *a, y = b[i];

		if (!x)
			return false;
		if (x == '-' || x == '_')
			x = ' ';
		if (y == '-' || y == '_')
			y = ' ';
		if (x >= 'A' && x <= 'Z')
			x += 32;
		if (y >= 'A' && y <= 'Z')
			y += 32;
		if (x != y)
			return false;
	}
	return !*a;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static bool dev_matches(const struct kmpctl_dev *d, const char *want)
{
	const char *base = strrchr(want, '/');

	if (!strcmp(d->id, want) || !strcmp(d->name, want))
		return true;
	if (all_digits(want) && !strcmp(d->id + 10, want))
		return true;
	if (*d->label && kmpctl_loose_eq(want, d->label, strlen(d->label)))
		return true;
	/* /dev/kmp0 or kmp0 */
	if (*d->misc && !strcmp(d->misc, base ? base + 1 : want))
		return true;
	return false;
}

/*
 * The device -d @want names (its id, number, name, label or /dev/kmpN),
 * or without -d the only meter.  Returns its index, or after a message
 * -KMPCTL_EXIT_FAIL (none) or -KMPCTL_EXIT_USAGE (ambiguous).
 */
int kmpctl_select_device(const struct kmpctl_dev *devs, unsigned int n,
			 const char *want, const char *where)
{
	char ids[256] = "";
	unsigned int i, found = 0;
	int idx = -1;

	for (i = 0; i < n; i++) {
		if (want ? !dev_matches(&devs[i], want) : !devs[i].meter)
			continue;
		if (!found++)
			idx = i;
		if (strlen(ids) + strlen(devs[i].id) + 2 < sizeof(ids)) {
			strcat(ids, *ids ? ", " : "");
			strcat(ids, devs[i].id);
		}
	}
	if (found == 1)
		return idx;
	if (!found && want) {
		kmpctl_err("%s: no IIO device '%s'", where, want);
		return -KMPCTL_EXIT_FAIL;
	}
	if (!found) {
		kmpctl_err("%s: no Kamstrup meter found (is the kamstrup-kmp driver loaded and bound?)",
			   where);
		return -KMPCTL_EXIT_FAIL;
	}
	if (want)
		kmpctl_err("%s: '%s' names several devices (%s): give the iio:deviceN",
			   where, want, ids);
	else
		kmpctl_err("%s: several meters (%s): choose one with -d",
			   where, ids);
	return -KMPCTL_EXIT_USAGE;
}
