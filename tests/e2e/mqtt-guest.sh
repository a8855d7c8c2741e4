#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# kmp-mqtt inside the QEMU arm64 guest, fed by the real kamstrup-kmp module
# (iio:device0, /dev/kmp0, kmp-sim serving the run's profile on the PL011),
# publishing to Debian's mosquitto started here, watched with mosquitto_sub.
# The guest kernel has no IPv4 (no CONFIG_INET: 127.0.0.1 cannot exist), so
# the broker listens on a unix socket (mosquitto's "listener 0 PATH") and
# kmp-mqtt reaches it with -H PATH, the clients with --unix PATH.
# A busybox sh script for the e2e harness:
#
#   tests/e2e/run --guest-script tests/e2e/mqtt-guest.sh
#
# Checks: the retained Home Assistant discovery config of every channel of
# the device (/e2e/expected's "channels"), each channel's state equal to its
# exact expected value (in_X_value, from SI to Home Assistant's units by a
# decimal shift: energy in GJ, W, °C, K, m³, m³/h), the meter and the bridge
# online; the meter restarted silent (the host's "meter --silent") turns the
# sensors unavailable with no number published meanwhile, and back online
# when it answers again; SIGTERM says the bridge is offline and exits 0.
# Waits are for a message, with a deadline.  Prints "ok - ..." /
# "not ok - ..." and ends with "N passed, N failed".

# shellcheck disable=SC1091 # the guest's /e2e/lib.sh (tests/e2e/guest/lib.sh)
. /e2e/lib.sh

T=/tmp/mqtt-guest
rm -rf "$T"
mkdir -p "$T" || exit 1
PIDS=
cleanup() {
	for p in $PIDS; do
		kill "$p" 2>/dev/null
	done
}
trap cleanup EXIT

NODE=kamstrup_$(exp serialnumber)
B=kmp-mqtt

# wait_line FILE REGEX SECONDS: until FILE has a line matching REGEX after
# line ${SKIP:-0}; sets AT to its number
wait_line() {
	local end
	end=$(($(now_ms) + $3 * 1000))
	while :; do
		AT=$(tail -n +$((${SKIP:-0} + 1)) "$1" | grep -nE -m1 -- "$2" | cut -d: -f1)
		if [ -n "$AT" ]; then
			AT=$((AT + ${SKIP:-0}))
			return 0
		fi
		[ "$(now_ms)" -lt "$end" ] || return 1
		usleep 50000
	done
}

# shift10 VALUE N: the exact decimal VALUE / 10^N, no trailing zeros
shift10() {
	echo "$1 $2" | awk '{
		v = $1; n = $2; s = ""
		if (substr(v, 1, 1) == "-") { s = "-"; v = substr(v, 2) }
		while (length(v) <= n) v = "0" v
		i = substr(v, 1, length(v) - n); f = substr(v, length(v) - n + 1)
		sub(/0+$/, "", f)
		print s i (f == "" ? "" : "." f)
	}'
}

# the sensor's expected state, device class and unit: from in_X_value
# "V UNIT" (a temperature difference, in_tempA-tempB, is in K)
state_of() { # CHANNEL (in_energy ...): sets WANT, CLASS and UNIT
	local v u
	v=$(exp "${1}_value")
	u=${v#* }
	v=${v%% *}
	case "$u" in
	J) WANT=$(shift10 "$v" 9) CLASS=energy UNIT=GJ ;;
	mW) WANT=$(shift10 "$v" 3) CLASS=power UNIT=W ;;
	m°C) WANT=$(shift10 "$v" 3) CLASS=temperature UNIT=°C ;;
	l) WANT=$(shift10 "$v" 3) CLASS=volume UNIT=m³ ;;
	l/h) WANT=$(shift10 "$v" 3) CLASS=volume_flow_rate UNIT=m³/h ;;
	*) WANT="?unit $u" CLASS="?" UNIT="?" ;;
	esac
	case "$1" in *-*) UNIT=K ;; esac
}

CHANNELS=$(exp channels)
N=$(echo "$CHANNELS" | wc -w)

# ---- the broker ----------------------------------------------------------------

if ! command -v mosquitto >/dev/null || ! command -v mosquitto_sub >/dev/null ||
   ! command -v $B >/dev/null; then
	not_ok "the guest has mosquitto, mosquitto_sub and kmp-mqtt" \
		"$(command -v mosquitto mosquitto_sub $B | tr '\n' ' ')"
	echo "$PASSED passed, $FAILED failed"
	exit 1
fi

S=$T/broker.sock
printf 'listener 0 %s\nallow_anonymous true\nuser root\npersistence false\n' "$S" \
	>"$T/broker.conf"
mosquitto -c "$T/broker.conf" >"$T/broker.log" 2>&1 &
BROKER=$!
PIDS="$PIDS $BROKER"
# ready when a client can publish
end=$(($(now_ms) + 20000))
while ! mosquitto_pub --unix "$S" -t probe -m x 2>/dev/null; do
	if [ "$(now_ms)" -ge "$end" ] || ! kill -0 $BROKER 2>/dev/null; then
		break
	fi
	usleep 50000
done
if mosquitto_pub --unix "$S" -t probe -m x 2>"$T/pub.err"; then
	ok "mosquitto runs in the guest on a unix socket"
else
	not_ok "mosquitto runs in the guest on a unix socket" \
		"$(cat "$T/pub.err" "$T/broker.log" | tr '\n' ' ')"
	echo "$PASSED passed, $FAILED failed"
	exit 1
fi

# everything, from before the bridge starts
mosquitto_sub --unix "$S" -t '#' -v -q 1 >"$T/sub" 2>"$T/sub.err" &
PIDS="$PIDS $!"
i=0
until grep -q "^probe/sub x$" "$T/sub"; do
	mosquitto_pub --unix "$S" -t probe/sub -m x
	i=$((i + 1))
	[ $i -lt 200 ] || break
	usleep 50000
done

# ---- the bridge on the driver ----------------------------------------------------

$B -H "$S" -i 1 --energy-unit GJ >"$T/bridge.out" 2>"$T/bridge.err" &
BRIDGE=$!
PIDS="$PIDS $BRIDGE"

name="kmp-mqtt on iio:device0: the bridge and $NODE online"
if wait_line "$T/sub" "^kamstrup/bridge/availability online$" 60 &&
   wait_line "$T/sub" "^kamstrup/$NODE/availability online$" 60; then
	ok "$name"
else
	not_ok "$name" "$(tr '\n' ' ' <"$T/bridge.err")"
fi

# retained: a subscriber that comes afterwards gets one config per channel
name="discovery: a retained config for each of the $N channels (class, unit, ids, device)"
SKIP=0 wait_line "$T/sub" "^homeassistant/sensor/$NODE/" 30
timeout 30 mosquitto_sub --unix "$S" -t "homeassistant/sensor/$NODE/+/config" -v \
	-C "$N" -W 20 >"$T/disc" 2>"$T/disc.err"
bad=
for ch in $CHANNELS; do
	s=$(echo "${ch#in_}" | tr - _)
	state_of "$ch"
	c=$(grep "^homeassistant/sensor/$NODE/$s/config " "$T/disc")
	[ -n "$c" ] || { bad="$bad [$s: no config]"; continue; }
	for want in "\"unique_id\": \"${NODE}_$s\"" "\"state_topic\": \"kamstrup/$NODE/$s\"" \
		"\"device_class\": \"$CLASS\"" "\"unit_of_measurement\": \"$UNIT\"" \
		"\"label\"" \
		"\"serial_number\": \"$(exp serialnumber)\"" "\"model\": \"$(exp name)\"" \
		"\"manufacturer\": \"Kamstrup\"" "\"kamstrup/$NODE/availability\""; do
		[ "$want" = '"label"' ] && want="\"name\": \"$(exp "${ch}_label")\""
		case "$c" in *"$want"*) ;; *) bad="$bad [$s lacks $want]" ;; esac
	done
done
[ "$(wc -l <"$T/disc")" = "$N" ] || bad="$bad [$(wc -l <"$T/disc") configs]"
if [ -z "$bad" ]; then
	ok "$name" "$CHANNELS"
else
	not_ok "$name" "$bad"
	sed 's/^/#   /' "$T/disc" "$T/disc.err"
fi
grep "/$(echo "${CHANNELS%% *}" | sed 's/^in_//; s/-/_/g')/config " "$T/disc" |
	sed 's/^/# one sensor: /'

for ch in $CHANNELS; do
	s=$(echo "${ch#in_}" | tr - _)
	state_of "$ch"
	name="state of $s is $WANT (${ch}_value $(exp "${ch}_value"))"
	if SKIP=0 wait_line "$T/sub" "^kamstrup/$NODE/$s " 30; then
		got=$(sed -n "${AT}p" "$T/sub")
		if [ "$got" = "kamstrup/$NODE/$s $WANT" ]; then
			ok "$name"
		else
			not_ok "$name" "got '$got'"
		fi
	else
		not_ok "$name" "no state within 30 s"
	fi
done

# ---- a silent meter ----------------------------------------------------------------

name="a silent meter: $NODE unavailable, no number meanwhile; answering: online again"
n0=$(wc -l <"$T/sub")
if ! meter @silent --silent; then
	not_ok "$name" "the host cannot restart the meter: $HOST_REPLY"
elif ! SKIP=$n0 wait_line "$T/sub" "^kamstrup/$NODE/availability offline$" 60; then
	not_ok "$name" "no offline within 60 s: $(tail -n 3 "$T/bridge.err" | tr '\n' ' ')"
else
	off=$AT
	if ! meter @answering; then
		not_ok "$name" "the host cannot restart the meter: $HOST_REPLY"
	elif ! SKIP=$off wait_line "$T/sub" "^kamstrup/$NODE/availability online$" 60; then
		not_ok "$name" "not online again within 60 s"
	else
		on=$AT
		stale=$(sed -n "$((off + 1)),$((on - 1))p" "$T/sub" |
			grep "^kamstrup/$NODE/" | grep -v availability)
		first=$(echo "${CHANNELS##* }" | sed 's/^in_//; s/-/_/g')
		state_of "${CHANNELS##* }"
		if [ -n "$stale" ]; then
			not_ok "$name" "published while unavailable: $(echo "$stale" | tr "\n" " ")"
		elif ! SKIP=$on wait_line "$T/sub" "^kamstrup/$NODE/$first $WANT$" 30; then
			not_ok "$name" "no $first $WANT after coming back"
		else
			ok "$name" "$(grep -c "not answering" "$T/bridge.err") message(s) on stderr"
		fi
	fi
fi

# ---- a clean exit ------------------------------------------------------------------

name="SIGTERM: the bridge says offline and exits 0"
n0=$(wc -l <"$T/sub")
kill -TERM $BRIDGE
wait $BRIDGE
rc=$?
if [ $rc = 0 ] && SKIP=$n0 wait_line "$T/sub" "^kamstrup/bridge/availability offline$" 10; then
	ok "$name"
else
	not_ok "$name" "exit $rc: $(tail -n 3 "$T/bridge.err" | tr '\n' ' ')"
fi
[ "$FAILED" = 0 ] || sed 's/^/#   bridge: /' "$T/bridge.err"

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
