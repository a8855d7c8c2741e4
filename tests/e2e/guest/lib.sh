# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=dash disable=SC1091,SC2034 # sourced: sets variables for its callers
#
# Guest helpers of the end-to-end test (busybox sh); /e2e/lib.sh in the
# guest, sourced by /init and by guest scripts:
#
#   host REQUEST...    ask the host (see tests/e2e/lib.sh): sets HOST_REPLY
#   meter [OPTION]...  restart the simulated meter with kmp-sim options;
#                      returns non-zero (reason in HOST_REPLY) when the host
#                      cannot (a --meter command runs)
#   sim_stats          the simulator's statistics (SIM_STATS), 1 if none
#   sim FIELD          a field of SIM_STATS (requests, get_register, ...)
#   now_ms, now_us     milli-, microseconds (CLOCK_REALTIME, for intervals:
#                      nothing sets the guest's clock)
#   rd FILE            read a sysfs file: VAL (its content), ERR (the
#                      error message), RC; records when the read ended
#   fresh              wait until the driver's 2 s cache has expired since
#                      the last rd
#   exp KEY            an expected value (from tests/e2e/expected)
#   ok / not_ok / skip NAME [DETAIL]   report; `summary` prints the counts
#   check NAME DETAIL 'CONDITION'      ok or not ok
#   report STATUS NAME DETAIL          ok if STATUS is 0

D=/sys/bus/iio/devices/iio:device0
[ -f /e2e/config ] && . /e2e/config
E2E_CACHE_MS=${E2E_CACHE_MS:-2000}
# Added to the bounds of timed checks: the debug kernel (KASAN, lockdep) is
# several times slower; its suite is about what the checkers find
E2E_SLACK_MS=0
[ "${E2E_DEBUG:-}" = 1 ] && E2E_SLACK_MS=2000

# The control port: one opener only, so open it once and pass it on (fd 9).
# E2E_CTL=console (raspi3b, no virtio): the requests go over the console as
# "@e2e ctl REQUEST" lines, the reply comes back as a line of console input
# (echo off, so that it does not show up in the output).
E2E_CTL=${E2E_CTL:-virtio}
if [ "$E2E_CTL" = console ]; then
	[ -n "${E2E_CON_SETUP:-}" ] || stty -F /dev/console -echo 2>/dev/null
	export E2E_CON_SETUP=1
elif [ ! -e /proc/$$/fd/9 ]; then
	for _p in /sys/class/virtio-ports/*; do
		[ "$(cat "$_p/name" 2>/dev/null)" = e2e.ctl ] && exec 9<>"/dev/${_p##*/}"
	done
fi

host() {
	HOST_REPLY=
	case "$E2E_CTL" in
	console)
		echo "@e2e ctl $*" >/dev/console
		IFS= read -r HOST_REPLY </dev/console
		HOST_REPLY=${HOST_REPLY%"$(printf '\r')"} ;;
	none)
		HOST_REPLY="err no control channel (interactive console)"
		return 1 ;;
	*)
		[ -e /proc/$$/fd/9 ] || { HOST_REPLY="err no control port"; return 1; }
		echo "$*" >&9
		IFS= read -r HOST_REPLY <&9 ;;
	esac
	case "$HOST_REPLY" in err*) return 1 ;; esac
	return 0
}

meter() {
	host meter "$@"
}

sim_stats() {
	host stats
	SIM_STATS=$HOST_REPLY
	[ "$SIM_STATS" != none ] && [ -n "$SIM_STATS" ]
}

# A counter missing from the statistics is no 0: it is noted (sim runs in
# $(...), a subshell, so in a file) and summary reports it as a failure.
SIM_MISSING=/tmp/e2e-sim-missing
sim() {
	local v
	v=$(echo " $SIM_STATS" | sed -n "s/.* $1=\([0-9][0-9]*\).*/\1/p")
	[ -n "$v" ] || echo "$1" >>"$SIM_MISSING"
	echo "$v"
}

# busybox date has no %N; adjtimex shows the clock to the microsecond
now_us() {
	adjtimex | awk '/time.tv_sec:/ { s = $2 } /time.tv_usec:/ { u = $2 }
		END { printf "%d%06d\n", s, u }'
}
now_ms() {
	local t
	t=$(now_us)
	echo $((t / 1000))
}

LAST_READ_MS=0
rd() {
	VAL=$(cat "$1" 2>/tmp/rd.err)
	RC=$?
	ERR=$(sed 's/^cat: //; s/^read error: //' /tmp/rd.err)
	LAST_READ_MS=$(now_ms)
}

fresh() {
	local left
	left=$((LAST_READ_MS + E2E_CACHE_MS + 150 - $(now_ms)))
	[ "$left" -gt 0 ] && usleep $((left * 1000))
	return 0
}

exp() {
	sed -n "s/^$1 //p" /e2e/expected | head -n1
}

PASSED=0
FAILED=0
SKIPPED=0
ok() {
	PASSED=$((PASSED + 1))
	echo "ok - $1${2:+: $2}"
}
not_ok() {
	FAILED=$((FAILED + 1))
	echo "not ok - $1${2:+: $2}"
}
skip() {
	SKIPPED=$((SKIPPED + 1))
	echo "skip - $1${2:+: $2}"
}
# check NAME DETAIL CONDITION: ok if the shell condition (a string, for
# eval: '[ "$a" = 1 ] && [ "$b" = 2 ]') holds
check() {
	if eval "$3"; then ok "$1" "$2"; else not_ok "$1" "$2"; fi
}
# report STATUS NAME DETAIL: ok if STATUS is 0
report() {
	if [ "$1" = 0 ]; then ok "$2" "$3"; else not_ok "$2" "$3"; fi
}
summary() {
	local f
	if [ -s "$SIM_MISSING" ]; then
		for f in $(sort -u "$SIM_MISSING"); do
			not_ok "simulator counter $f" "missing from the statistics (${SIM_STATS:-none}): the checks that used it read nothing"
		done
	fi
	echo "guest: $PASSED passed, $FAILED failed, $SKIPPED skipped"
}
