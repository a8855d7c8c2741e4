#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# kmpctl inside the QEMU arm64 guest, against the real kamstrup-kmp module
# and kmp-sim serving userspace/kmp-sim/multical403.profile on the PL011.
# A busybox sh script: the e2e harness runs it with --guest-script after
# loading the module (the meter is iio:device0, /dev/kmp0).
#
#   sh kmpctl-guest.sh            (KMPCTL=/path/to/kmpctl to use another)
#
# Prints "ok - ..." / "not ok - ..." per check, details as "#   ..." lines,
# and ends with "N passed, N failed"; exit status 0 only if all passed.
#
# JSON: the guest has no python, and kmpctl carries no test code: each
# --json output is printed between "@@json-begin NAME" and "@@json-end NAME"
# lines (JSON Lines for "watch"), and tests/tools/e2e-kmpctl checks every
# block on the host with python's json module, counting each as a check.
#
# Values: the profile's, in SI units, exactly: heat energy 1183.040 GJ =
# 1183040000000 J, power 2.4 kW = 2400 W, temperature 1 12.40 °C,
# temperature 2 -3.25 °C, difference 15.65 K, flow 130 l/h, volume
# 1875.56 m3 = 1875560 l; registers as the meter sends them.  Raw values
# and scales are the driver's fixed ones (J, mW, m°C with scale 1, volume
# in ml with scale 0.001000, flow in l/h).
#
# Volume and flow are the channels volume and volumeflow on a kernel with
# the IIO volume types (the e2e 7.2 guest), the fallback count68 and count74
# without (6.1): /e2e/config says which (E2E_IIO_VOLUME), else the device's
# files do.  The ioctl's bad and good arguments are kmp-ioctl-test's
# (tests/tools/kmp-ioctl-test.c), run here when the guest has it.

K=${KMPCTL:-kmpctl}
DEV=/sys/bus/iio/devices/iio:device0
[ -f /e2e/config ] && . /e2e/config
if [ -z "${E2E_IIO_VOLUME:-}" ]; then
	E2E_IIO_VOLUME=no
	[ -e "$DEV/in_volume_raw" ] && E2E_IIO_VOLUME=yes
fi
if [ "$E2E_IIO_VOLUME" = yes ]; then
	VOL=volume FLOW=volumeflow
else
	VOL=count68 FLOW=count74
fi
T=${TMPDIR:-/tmp}/kmpctl-guest.$$
mkdir -p "$T" || exit 1
trap 'rm -rf "$T"' EXIT

PASSED=0
FAILED=0
OK=1

# run ARGS...: kmpctl's stdout in $T/out (blank runs squeezed in $T/sq),
# stderr in $T/err, exit status in $RC
run() {
	"$K" "$@" >"$T/out" 2>"$T/err"
	RC=$?
	tr -s ' ' <"$T/out" >"$T/sq"
}

bad() {
	OK=0
	echo "#   $*"
}

start() {
	OK=1
	NAME=$1
}

finish() {
	if [ $OK = 1 ]; then
		echo "ok - $NAME"
		PASSED=$((PASSED + 1))
	else
		echo "not ok - $NAME"
		sed 's/^/#   out: /' "$T/out"
		sed 's/^/#   err: /' "$T/err"
		FAILED=$((FAILED + 1))
	fi
}

want_rc() {
	[ "$RC" = "$1" ] || bad "exit status $RC, expected $1"
}

# want_line TEXT: a line of the (squeezed) output is exactly TEXT
want_line() {
	grep -qxF -- "$1" "$T/sq" || bad "no line '$1'"
}

# want_out TEXT: the whole (squeezed) output
want_out() {
	printf '%s\n' "$1" >"$T/want"
	cmp -s "$T/want" "$T/sq" || bad "output differs from: $(tr '\n' '|' <"$T/want")"
}

want_err() {
	grep -qF -- "$1" "$T/err" || bad "stderr lacks '$1'"
}

want_no_err() {
	[ -s "$T/err" ] && bad "unexpected stderr"
	return 0
}

# json NAME [--lines]: $T/out for the host to check (tests/tools/e2e-kmpctl)
json() {
	echo "@@json-begin $1${2:+ $2}"
	cat "$T/out"
	echo "@@json-end $1"
}

STD_READ="energy heat energy 1183040000000 J
power power 2400 W
temp1 temperature 1 12.4 °C
temp2 temperature 2 -3.25 °C
temp1-temp2 temperature difference 15.65 K
$FLOW flow 130 l/h
$VOL volume 1875560 l"

# ---------------------------------------------------------------------------

start "kmpctl runs (--version)"
run --version
want_rc 0
grep -q "^kmpctl " "$T/out" || bad "no version"
finish

start "/dev/kmp0 is a character device, the misc child of iio:device0"
: >"$T/out"
: >"$T/err"
[ -c /dev/kmp0 ] || bad "/dev/kmp0 is not a character device"
[ -e "$DEV/misc/kmp0" ] || bad "no $DEV/misc/kmp0"
finish

LABEL=$(cat "$DEV/label" 2>/dev/null)

start "list: iio:device0 multical-403 ${LABEL:-(no label)} 12345678 /dev/kmp0"
run list
want_rc 0
want_no_err
grep -q "^iio:device0 multical-403 ${LABEL:--} 12345678 /dev/kmp0$" "$T/sq" ||
	bad "no meter line"
[ "$(wc -l <"$T/sq")" = 2 ] || bad "expected a header and one meter"
run list --csv
want_rc 0
grep -q "^iio:device0,multical-403,$LABEL,12345678,/dev/kmp0$" "$T/out" ||
	bad "CSV"
finish

start "list --json is valid JSON"
run --json list
want_rc 0
json list
grep -qF '"device": "iio:device0", "name": "multical-403"' "$T/out" ||
	bad "device and name"
grep -qE '"serial": "?12345678"?, "chardev": "/dev/kmp0"}]' "$T/out" ||
	bad "serial and chardev"
finish

start "read: the profile's values in SI units"
run read
want_rc 0
want_out "$STD_READ"
want_no_err
finish

start "read --csv: exact values, raw and the fixed scales"
run read --csv
want_rc 0
want_line "iio:device0,energy,heat energy,ok,1183040000000,J,1183040000000,1,,"
want_line "iio:device0,power,power,ok,2400,W,2400000,1,,"
want_line "iio:device0,temp1,temperature 1,ok,12.4,°C,12400,1,,"
want_line "iio:device0,temp2,temperature 2,ok,-3.25,°C,-3250,1,,"
want_line "iio:device0,temp1-temp2,temperature difference,ok,15.65,K,15650,1,,"
want_line "iio:device0,$FLOW,flow,ok,130,l/h,130,1,,"
want_line "iio:device0,$VOL,volume,ok,1875560,l,1875560000,0.001,,"
finish

start "read --json is valid JSON with the values"
run read --json
want_rc 0
json read
for v in '"channel": "energy", "label": "heat energy", "status": "ok", "value": 1183040000000, "unit": "J"' \
	 '"value": 2400, "unit": "W"' '"value": 12.4, "unit": "°C"' \
	 '"value": -3.25, "unit": "°C"' '"value": 15.65, "unit": "K"' \
	 '"value": 130, "unit": "l/h"' '"value": 1875560, "unit": "l"'; do
	grep -qF -- "$v" "$T/out" || bad "JSON lacks $v"
done
finish

start "read CHANNEL... by id and label, -d by name and /dev/kmp0"
run read temp1-temp2 "heat energy" volume temperature-2
want_rc 0
want_out "temp1-temp2 temperature difference 15.65 K
energy heat energy 1183040000000 J
$VOL volume 1875560 l
temp2 temperature 2 -3.25 °C"
run -d multical-403 read power
want_rc 0
want_out "power power 2400 W"
run read -d /dev/kmp0 flow
want_rc 0
want_out "$FLOW flow 130 l/h"
finish

start "read: an unknown channel is a usage error (exit 2)"
run read bogus
want_rc 2
want_err "kmpctl: iio:device0: no channel 'bogus'"
finish

start "reg 0x3c 0x3ec 0x1234: present, present, absent (exit 1)"
run reg 0x3c 0x3ec 0x1234
want_rc 1
want_out "0x003c heat energy 1183.040 GJ
0x03ec hour counter 43817 h
0x1234 - absent"
want_err "kmpctl: /dev/kmp0: register 0x1234: no data (absent in meter)"
finish

start "reg: all 11 registers of the profile (two ioctl calls), exact"
run reg 0x3c 0x50 0x56 0x57 0x59 0x4a 0x44 0x3ec 0x63 0x3e9 0x3ea heat-energy
want_rc 0
want_out "0x003c heat energy 1183.040 GJ
0x0050 power 2.4 kW
0x0056 temperature 1 12.40 C
0x0057 temperature 2 -3.25 C
0x0059 temperature difference 15.65 K
0x004a flow 130 l/h
0x0044 volume 1875.56 m3
0x03ec hour counter 43817 h
0x0063 info code 0
0x03e9 - 12345678
0x03ea clock 20:02:43"
want_no_err
finish

start "reg --json and --csv"
run reg --json 0x57 0x1234
want_rc 1
json reg
grep -qF '"id": "0x0057", "name": "temperature 2", "status": "ok", "value": -3.25, "unit": "C", "unit_code": 37' "$T/out" ||
	bad "0x0057 in JSON"
grep -qF '"id": "0x1234", "name": null, "status": "absent"' "$T/out" ||
	bad "0x1234 in JSON"
run reg --csv 0x44
want_rc 0
want_out "register,name,status,value,unit,unit_code,mantissa,exponent,error
0x0044,volume,ok,1875.56,m3,40,187556,-2,"
finish

start "reg: an id above 0xffff is a usage error (exit 2)"
run reg 0x3c 0x10000
want_rc 2
want_err "register '0x10000' is beyond 0xffff"
run reg 65536
want_rc 2
finish

start "info: name, label, serial number, char device"
run info
want_rc 0
want_line "IIO device iio:device0"
want_line "name multical-403"
want_line "label ${LABEL:--}"
want_line "serial number 12345678"
want_line "char device /dev/kmp0"
run info --json
want_rc 0
json info
grep -qE '"device": "iio:device0", "name": "multical-403", "label": ("'"$LABEL"'"|null), "serial": "?12345678"?, "chardev": "/dev/kmp0"' "$T/out" ||
	bad "info JSON"
finish

start "watch -i 1 -n 2: two scans, then the buffer is off"
run watch -i 1 -n 2
want_rc 0
want_no_err
[ "$(wc -l <"$T/out")" = 3 ] || bad "expected a header and 2 scans"
n=$(grep -c " 1183040000000 2400 12.4 -3.25 15.65 130 1875560$" "$T/sq")
[ "$n" = 2 ] || bad "$n scans with the profile's values, expected 2"
[ "$(cat "$DEV/buffer/enable")" = 0 ] || bad "buffer left enabled"
[ "$(cat "$DEV/sampling_frequency")" = 1.000000 ] ||
	bad "sampling_frequency $(cat "$DEV/sampling_frequency"), expected 1.000000"
finish

start "watch --json: JSON Lines, one per scan, with timestamps"
run watch --json -n 2 energy temp2
want_rc 0
json watch --lines
[ "$(wc -l <"$T/out")" = 2 ] || bad "expected 2 lines"
grep -c '"timestamp_ns": [0-9]*, "time": "[0-9-]*T[0-9:.]*Z", "values": {"energy": 1183040000000, "temp2": -3.25}}$' "$T/out" |
	grep -qx 2 || bad "scan contents"
[ "$(cat "$DEV/buffer/enable")" = 0 ] || bad "buffer left enabled"
finish

start "watch: SIGINT stops it cleanly; raw reads are busy meanwhile"
: >"$T/watch"
: >"$T/watch.err"
# -n 60: ends by itself should SIGINT not work
"$K" watch -i 1 -n 60 >"$T/watch" 2>"$T/watch.err" &
pid=$!
i=0
# a scan is out: the buffer is enabled and the signals are kmpctl's
while [ "$(wc -l <"$T/watch")" -lt 2 ] && [ $i -lt 150 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ "$(wc -l <"$T/watch")" -ge 2 ] || bad "no scan within 15 s"
run read energy
want_rc 1
want_err "kmpctl: iio:device0: in_energy_raw: Device or resource busy"
kill -INT $pid
i=0
while kill -0 $pid 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
if kill -0 $pid 2>/dev/null; then
	bad "still running 10 s after SIGINT"
	kill -KILL $pid
	echo 0 >"$DEV/buffer/enable"
fi
wait $pid
rc=$?
[ $rc = 0 ] || bad "watch exit status $rc after SIGINT"
[ "$(wc -l <"$T/watch")" -ge 2 ] || bad "no scan before SIGINT"
[ -s "$T/watch.err" ] && bad "watch stderr: $(cat "$T/watch.err")"
[ "$(cat "$DEV/buffer/enable")" = 0 ] || bad "buffer left enabled"
for f in "$DEV"/scan_elements/*_en; do
	[ "$(cat "$f")" = 0 ] || bad "$f left enabled"
done
run read energy
want_rc 0
want_out "energy heat energy 1183040000000 J"
finish

start "kmp-ioctl-test /dev/kmp0: bad arguments get their errno, good ones read"
if command -v kmp-ioctl-test >/dev/null; then
	kmp-ioctl-test /dev/kmp0 >"$T/out" 2>"$T/err"
	RC=$?
	want_rc 0
	for c in "count 0" "count 9" "non-zero flags" "size 0" \
		 "repeated id and absent id in one call"; do
		grep -q "^ok - $c" "$T/out" || bad "no 'ok - $c'"
	done
	grep -q "^[0-9]* passed, 0 failed$" "$T/out" || bad "kmp-ioctl-test failures"
	sed 's/^/#   kmp-ioctl-test: /' "$T/out"
else
	: >"$T/out"
	: >"$T/err"
	bad "no kmp-ioctl-test in the guest"
fi
finish

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
