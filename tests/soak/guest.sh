#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=dash disable=SC1091,SC2016,SC2034,SC2153,SC2154 # busybox sh: the guest's files, eval'd conditions and variables
#
# The soak, in the end-to-end guest (tests/soak/run boots it through
# tests/e2e/run --guest-script).  The meter (kmp-sim) is restarted with
# random faults on its replies; then SOAK_SCANS scans, each one read of
# every in_*_raw after the driver's 2 s cache has expired, so that the
# first read of a scan is a fresh GetRegister transaction and every
# outcome reaches the reader:
#   - a value must equal the exact expected one (/e2e/expected, computed
#     on the host from the profile: an independent oracle);
#   - a failed read must be ETIMEDOUT or EBADMSG, the errnos the driver
#     documents for a silent meter and a broken frame; anything else
#     (ENODATA from a late reply taken for ours, EIO, ...) is a failure;
#   - every scan must have reached the meter (its request counter moved):
#     a scan answered from the cache would prove nothing;
#   - the meter must have received nothing but read requests (other=0);
#   - every kind of fault must have happened at least once;
#   - the module unloads; with the debug kernel (--debug) kmemleak finds
#     no leak and KASAN, lockdep, debug objects and UBSAN stay quiet.
# Settings (from /e2e/config, set by tests/soak/run): SOAK_SCANS,
# SOAK_SEED, SOAK_FAULTS (the kmp-sim fault options), SOAK_PLANT (a
# deliberate bug, to prove the soak bites: nofresh, the scans do not wait
# for the cache to expire; wrongvalue, the meter answers from another
# profile, whose energy differs, as a driver delivering a wrong number).
. /e2e/lib.sh

SCANS=${SOAK_SCANS:-100}
SEED=${SOAK_SEED:-1}
FAULTS=${SOAK_FAULTS:---crc-error-rate 0.05 --silent-rate 0.05 --truncate-rate 0.02 --late-rate 0.02}
PROGRESS=${SOAK_PROGRESS:-100}

CHANNELS=$(exp channels)
n=0
for c in $CHANNELS; do
	n=$((n + 1))
	eval "WANT_$n=\$(exp ${c}_raw)"
done
NCHAN=$n
if [ "$NCHAN" = 0 ]; then
	not_ok "soak: the expected values" "/e2e/expected lists no channel"
	summary
	echo "$PASSED passed, $FAILED failed"
	exit 1
fi

rm -f "$SIM_MISSING"
PROFILE=
[ "${SOAK_PLANT:-}" = wrongvalue ] && PROFILE=profile=switch-exponent
# shellcheck disable=SC2086 # the options are words
if ! meter @soak $PROFILE $FAULTS --seed "$SEED"; then
	not_ok "soak: the meter with faults" "$HOST_REPLY"
	summary
	echo "$PASSED passed, $FAILED failed"
	exit 1
fi
# meter restarted: the first scan waits out whatever the boot read cached
LAST_READ_MS=$(now_ms)
if ! sim_stats; then
	not_ok "soak: the simulator's statistics" "cannot be read"
	summary
	echo "$PASSED passed, $FAILED failed"
	exit 1
fi
REQS=$(sim requests)
MEM0=$(sed -n 's/^Slab: *//p' /proc/meminfo)

echo "# soak: $SCANS scans of $NCHAN channels ($CHANNELS), meter faults: $FAULTS --seed $SEED${SOAK_PLANT:+; PLANTED BUG: $SOAK_PLANT}"
VALUES=0 GOOD=0 WRONG=0 ETIMEDOUT=0 EBADMSG=0 OTHERERR=0 STALE=0 FAILSCANS=0
T0=$(now_ms)
i=0
while [ $i -lt "$SCANS" ]; do
	i=$((i + 1))
	[ "${SOAK_PLANT:-}" = nofresh ] || fresh
	k=0
	failed=0
	for c in $CHANNELS; do
		k=$((k + 1))
		# One read(): busybox cat tries sendfile() first and read() after
		# it fails, a second transaction that would hide the first's errno
		VAL=$(dd if="$D/${c}_raw" bs=64 count=1 2>/tmp/soak.err)
		RC=$?
		VALUES=$((VALUES + 1))
		if [ "$RC" = 0 ]; then
			eval "want=\$WANT_$k"
			if [ "$VAL" = "$want" ]; then
				GOOD=$((GOOD + 1))
			else
				WRONG=$((WRONG + 1))
				echo "# scan $i: WRONG VALUE ${c}_raw '$VAL', expected '$want'"
			fi
			continue
		fi
		failed=1
		ERR=$(cat /tmp/soak.err)
		case "$ERR" in
		*"Connection timed out"*) ETIMEDOUT=$((ETIMEDOUT + 1)) ;;
		*"Bad message"*) EBADMSG=$((EBADMSG + 1)) ;;
		*)
			OTHERERR=$((OTHERERR + 1))
			echo "# scan $i: ${c}_raw failed with an errno the faults must not cause: $ERR" ;;
		esac
	done
	LAST_READ_MS=$(now_ms)
	FAILSCANS=$((FAILSCANS + failed))
	# the scan went to the meter: a request since the last scan
	if sim_stats; then
		r=$(sim requests)
	else
		r=
	fi
	if [ -z "$r" ] || [ "$r" -le "$REQS" ]; then
		STALE=$((STALE + 1))
		[ "$STALE" -le 3 ] && echo "# scan $i: no request reached the meter (requests ${r:-unreadable}, before $REQS): answered from the cache"
	fi
	REQS=${r:-$REQS}
	if [ $((i % PROGRESS)) = 0 ]; then
		echo "# scan $i/$SCANS at $((($(now_ms) - T0) / 1000)) s: $VALUES values, $GOOD right, $WRONG wrong, ETIMEDOUT $ETIMEDOUT, EBADMSG $EBADMSG, other errnos $OTHERERR, scans not fresh $STALE; meter: requests=$(sim requests) silent=$(sim silent) crc=$(sim crc) truncated=$(sim truncated) late=$(sim late) other=$(sim other)"
	fi
done
T1=$(now_ms)
SECS=$(((T1 - T0) / 1000))

sim_stats
echo "# soak: $SCANS scans in $SECS s ($(((T1 - T0) / (SCANS > 0 ? SCANS : 1))) ms a scan), $FAILSCANS of them with a failed read"
echo "# values: $VALUES read, $GOOD right, $WRONG wrong; errnos: ETIMEDOUT $ETIMEDOUT, EBADMSG $EBADMSG, other $OTHERERR"
echo "# meter: $SIM_STATS"

check "soak: every value read is the exact expected one" \
	"$GOOD of $VALUES values right, $WRONG wrong" \
	'[ "$WRONG" = 0 ] && [ "$GOOD" -gt 0 ]'
check "soak: every failed read is ETIMEDOUT or EBADMSG" \
	"ETIMEDOUT $ETIMEDOUT, EBADMSG $EBADMSG, other errnos $OTHERERR" \
	'[ "$OTHERERR" = 0 ]'
check "soak: every scan reached the meter (none answered from the cache)" \
	"$STALE of $SCANS scans without a request; $(sim requests) requests" \
	'[ "$STALE" = 0 ] && [ "$SCANS" -gt 0 ]'
check "soak: the meter received nothing but read requests" \
	"other=$(sim other), requests=$(sim requests), get_register=$(sim get_register)" \
	'[ "$(sim other)" = 0 ] && [ "$(sim requests)" -gt 0 ]'
check "soak: every kind of fault happened" \
	"silent=$(sim silent) crc=$(sim crc) truncated=$(sim truncated) late=$(sim late)" \
	'[ "$(sim silent)" -gt 0 ] && [ "$(sim crc)" -gt 0 ] && [ "$(sim truncated)" -gt 0 ] && [ "$(sim late)" -gt 0 ]'

# no leak: the module unloads; the debug kernel's kmemleak and checkers judge
rmmod kamstrup_kmp 2>/tmp/rmmod.err
rc=$?
check "soak: the module unloads after the soak" "rmmod exit $rc $(cat /tmp/rmmod.err)" \
	'[ "$rc" = 0 ] && [ ! -e "$D" ]'
MEM1=$(sed -n 's/^Slab: *//p' /proc/meminfo)
echo "# slab: $MEM0 before the soak, $MEM1 after it and rmmod (information only: kmemleak on the debug kernel is the leak verdict)"
if [ "${E2E_DEBUG:-}" = 1 ]; then
	mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
	. /e2e/debug
	debug_verdict
else
	echo "# leaks: not judged on this kernel; tests/soak/run --debug runs the soak on the kernel with kmemleak and KASAN"
fi

summary
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
