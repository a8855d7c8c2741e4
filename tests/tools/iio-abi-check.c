// SPDX-License-Identifier: GPL-2.0-only
/*
 * Compile-time check: the libiio prototypes and struct kmpctl uses through
 * dlopen (userspace/kmpctl/iio-abi.h) match the installed <iio.h>.
 * Built (not run) by tests/tools/run: `cc -fsyntax-only`.
 */
#include <stddef.h>
#include <iio.h>
#include "iio-abi.h"

#define CHECK_FN(name, ret, args, required, checked)			\
	_Static_assert(!(checked) ||					\
		       __builtin_types_compatible_p(__typeof__(&name),	\
						    ret (*) args),	\
		       "prototype of " #name " differs from <iio.h>");
KMPCTL_IIO_FUNCS(CHECK_FN)

/* Declared __attribute__((const)) in <iio.h>: compare the call's type */
_Static_assert(__builtin_types_compatible_p(
	__typeof__(iio_channel_get_data_format((const struct iio_channel *)0)),
	const struct iio_data_format *),
	"return type of iio_channel_get_data_format differs from <iio.h>");

#define SAME_FIELD(f)							\
	_Static_assert(offsetof(struct iio_data_format, f) ==		\
		       offsetof(struct kmpctl_iio_data_format, f) &&	\
		       sizeof(((struct iio_data_format *)0)->f) ==	\
		       sizeof(((struct kmpctl_iio_data_format *)0)->f),	\
		       "struct iio_data_format field " #f " differs");
SAME_FIELD(length)
SAME_FIELD(bits)
SAME_FIELD(shift)
SAME_FIELD(is_signed)
SAME_FIELD(is_fully_defined)
SAME_FIELD(is_be)
SAME_FIELD(with_scale)
SAME_FIELD(scale)
SAME_FIELD(repeat)
_Static_assert(sizeof(struct iio_data_format) ==
	       sizeof(struct kmpctl_iio_data_format),
	       "struct iio_data_format size differs");
