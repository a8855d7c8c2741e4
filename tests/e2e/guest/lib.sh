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
# and for the check scripts (tests/e2e/guest/checks, checks-model):
#   si_of C, exact_mul RAW SCALE, strerror ENAME
#   take_s0, delta FIELD               simulator counters since take_s0
#   read_all FILE... / got F / got_ok F   read sysfs files of the device
#   expect_channel C                   a channel against /e2e/expected

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
		# Bounded: a soak once waited 33 min for a reply the control
		# channel had lost; a check fails instead of the run hanging
		IFS= read -r -t 60 HOST_REPLY <&9 ||
			{ HOST_REPLY="err no reply from the host in 60 s to '$*'"; return 1; } ;;
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

# ---- for the check scripts ----------------------------------------------------

# si_of CHANNEL: IIO's unit of raw * scale of a channel, and its factor to
# SI (for the reports); volume and flow also under their fallback names
# (in_count<register>: 68, 69 volume, 74, 75 flow)
si_of() {
	case "$1" in
	in_energy*) echo "J 1" ;;
	in_power*) echo "W 0.001" ;;
	in_temp*-temp*) echo "K 0.001" ;;
	in_temp*) echo "°C 0.001" ;;
	in_volumeflow*|in_count74|in_count75) echo "l/h 1" ;;
	in_volume*|in_count*) echo "l 1" ;;
	in_voltage*) echo "V 0.001" ;;
	in_current*) echo "A 0.001" ;;
	in_pressure*) echo "kPa 1" ;;
	esac
}
# exact_mul RAW SCALE: raw x scale as an exact decimal, shortest form
# (1875560000 x 0.001000 = 1875560): no floating point
exact_mul() {
	awk -v r="$1" -v s="$2" 'BEGIN {
		neg = sub(/^-/, "", r); f = 0
		if (i = index(s, ".")) { f = length(s) - i; s = substr(s, 1, i - 1) substr(s, i + 1) }
		sub(/^0+/, "", s); sub(/^0+/, "", r)
		if (s == "" || r == "") { print "0"; exit }
		# r x s, digit by digit (s is small)
		c = 0; p = ""
		for (i = length(r); i >= 1; i--) {
			x = substr(r, i, 1) * s + c; p = (x % 10) p; c = int(x / 10)
		}
		while (c > 0) { p = (c % 10) p; c = int(c / 10) }
		while (f > 0 && substr(p, length(p)) == "0") { p = substr(p, 1, length(p) - 1); f-- }
		while (length(p) <= f) p = "0" p
		if (f > 0) p = substr(p, 1, length(p) - f) "." substr(p, length(p) - f + 1)
		print (neg ? "-" : "") p
	}'
}
strerror() {
	case "$1" in
	ENODATA) echo "No data available" ;;
	EPROTO) echo "Protocol error" ;;
	ERANGE) echo "Numerical result out of range" ;;
	ETIMEDOUT) echo "Connection timed out" ;;
	EBADMSG) echo "Bad message" ;;
	ENODEV) echo "No such device" ;;
	EINVAL) echo "Invalid argument" ;;
	*) echo "$1" ;;
	esac
}

# stats_delta FIELD: FIELD now minus FIELD in the snapshot S0 (take_s0)
take_s0() { sim_stats; S0=$SIM_STATS; }
delta() {
	local a b
	b=$(sim "$1")
	a=$(SIM_STATS=$S0; sim "$1")
	echo $((b - a))
}

# read_all FILE...: reads them one after the other into /tmp/all
# ("FILE ok VALUE" or "FILE err MESSAGE"); READ_ALL_MS is the time taken
read_all() {
	local t0 f v
	t0=$(now_ms)
	: >/tmp/all
	for f in "$@"; do
		if v=$(cat "$D/$f" 2>/tmp/e); then
			echo "$f ok $v" >>/tmp/all
		else
			echo "$f err $(sed 's/^cat: //; s/^read error: //' /tmp/e)" >>/tmp/all
		fi
	done
	LAST_READ_MS=$(now_ms)
	READ_ALL_MS=$((LAST_READ_MS - t0))
}
got() { sed -n "s/^$1 \(ok\|err\) //p" /tmp/all; }
got_ok() { grep -q "^$1 ok " /tmp/all; }

# expect_channel C: the channel's raw, scale and label in /tmp/all against
# the expected ones, and raw x scale (exact) against the profile's value in
# the channel's IIO unit; sets WHY to what differs, DETAIL to a description
expect_channel() {
	local c=$1 raw scale label er es el ev si prod
	raw=$(got "${c}_raw"); scale=$(got "${c}_scale"); label=$(got "${c}_label")
	er=$(exp "${c}_raw"); es=$(exp "${c}_scale"); el=$(exp "${c}_label")
	ev=$(exp "${c}_value")
	WHY=
	case "$er" in
	E*) got_ok "${c}_raw" && WHY="$WHY raw '$raw', expected $(strerror "$er");"
	    [ "$raw" = "$(strerror "$er")" ] || WHY="$WHY raw error '$raw', expected '$(strerror "$er")';" ;;
	*) { got_ok "${c}_raw" && [ "$raw" = "$er" ]; } || WHY="$WHY raw '$raw', expected '$er';" ;;
	esac
	{ got_ok "${c}_scale" && [ "$scale" = "$es" ]; } || WHY="$WHY scale '$scale', expected '$es';"
	[ "$label" = "$el" ] || WHY="$WHY label '$label', expected '$el';"
	if got_ok "${c}_raw" && got_ok "${c}_scale"; then
		prod=$(exact_mul "$raw" "$scale")
		[ -z "$ev" ] || [ "$prod $(echo "$ev" | cut -d' ' -f2-)" = "$ev" ] ||
			WHY="$WHY raw x scale = $prod, the profile says $ev ($(exp "${c}_meter"));"
		set -- $(si_of "$c")
		si=$(awk -v r="$raw" -v s="$scale" -v f="$2" 'BEGIN { printf "%.10g", r * s * f }')
		DETAIL="raw $raw × scale $scale = $prod $(echo "$ev" | cut -d' ' -f2-) = $si $1, exactly the meter's $(exp "${c}_meter") ($el)"
	else
		DETAIL="raw '$raw', scale '$scale' ($el)"
	fi
	[ -z "$WHY" ]
}
