# SPDX-License-Identifier: GPL-2.0-only
# shellcheck disable=SC2034 # E2E_RC, E2E_RUN_MS, ... are for the scripts sourcing this
# shellcheck shell=bash
#
# Host side of the QEMU end-to-end test, sourced by tests/e2e/run and
# tests/e2e/bench (scripts/demo runs tests/e2e/run).  Builds (and caches) everything the
# guest needs and boots it:
#
#   e2e_prepare VERSION     kernel, module, kmpctl, initramfs, DTB
#   e2e_boot GUEST-SCRIPT   boots the guest against the meter and serves the
#                           guest's requests until it powers off
#
# Layout of the cache, ${KMP_CACHE:-~/.cache/kamstrup-kmp}/e2e/:
#   apt-arm64/        a private apt view of Debian bookworm for arm64 (the
#                     machine's dpkg and sources are not touched: no
#                     `dpkg --add-architecture`)
#   debs/             the arm64 .debs (busybox-static, libiio-utils, and the
#                     shared libraries those need)
#   base-KEY.cpio.gz  busybox, iio_info/iio_attr/iio_readdev and their
#                     libraries, keyed by the .debs' names and the recipe
#   virt-KEY.dtb      QEMU virt's devicetree with the meter under the PL011,
#                     keyed by QEMU's version, the machine options and the node
# (E2E_MACHINE=raspi3b: the kernel is `scripts/kernel-build arm64 VER raspi`
# and the DTB the upstream bcm2837-rpi-3-b.dtb -- tests/overlay's cached one,
# ${KMP_CACHE}/overlay/ -- with disable-bt, kamstrup-kmp and the harness's
# console overlay applied by fdtoverlay, made per run)
# Linux 7.2 guests get the IIO channel types of the upstream series' first
# patch (upstream/0001-iio-add-volume-and-volume-flow-channel-types.patch):
# `scripts/kernel-build --patch` builds them from a patched hardlinked copy
# of the pristine tree, keyed by the patch (E2E_KPATCH=none: the unpatched
# 7.2, whose module falls back to in_count68/in_count74 as on 6.1).
# Per run (temporary): the module built against the kernel, kmpctl for
# arm64, and a second small cpio with them, the guest scripts and the
# expected values; the kernel concatenates the two archives.
#
# The guest talks to the host over a second virtio-serial port (name
# "e2e.ctl", a pair of FIFOs here): one request line, one reply line.
#   meter [@LABEL] [profile=NAME] [KMP-SIM OPTION]...
#                              restart the simulated meter with these faults
#                              (waits until QEMU has reconnected); NAME: a
#                              profile of tests/e2e/profiles/ instead of the
#                              run's (/e2e/expected.NAME in the guest)
#   stats                      the simulator's statistics line, or "none"
#   host-time                  the host's CLOCK_REALTIME in ns
#   mark STAGE                 note the time since QEMU started (boot times)
# The console (hvc0) carries the guest's output; what the guest script
# prints between "@e2e begin" and "@e2e end rc=N" is the result.
#
# raspi3b has no virtio: the console is the mini UART (ttyS1, QEMU's second
# -serial), a pair of FIFOs here too (con.in/con.out), and the same requests
# ride on it: the guest writes "@e2e ctl REQUEST" as a console line (echo off)
# and reads the reply line from the console's input.  The host takes those
# lines out of the log and the payload.

E2E_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
E2E_DIR=$E2E_ROOT/tests/e2e
E2E_CACHE=${KMP_CACHE:-$HOME/.cache/kamstrup-kmp}/e2e
E2E_CROSS=aarch64-linux-gnu-
# Debian's armel rpi kernel (E2E_DISTRO=rpi): an armel userland
if [ "${E2E_DISTRO:-}" = rpi ]; then
	E2E_CROSS=arm-linux-gnueabi- E2E_DEB_ARCH=armel E2E_MULTIARCH=arm-linux-gnueabi
fi
# The machine: identical for dumpdtb and boot, or the DTB would not fit
E2E_QEMU_MACHINE=(-M virt -cpu cortex-a53 -smp 1 -m 256)
E2E_APPEND="console=hvc0 loglevel=4 rdinit=/init"
# E2E_MACHINE: virt (above) or raspi3b (e2e_machine sets the rest)
E2E_MACHINE=${E2E_MACHINE:-virt}
E2E_KPROFILE=
# E2E_DEBUG=1 (tests/e2e/run --debug, virt only): the kernel with KASAN,
# lockdep, kmemleak, debug objects and UBSAN (profile debug), more memory
# for KASAN's shadow, and kmp-stress in the guest
E2E_DEBUG=${E2E_DEBUG:-}
e2e_machine() {
	case "$E2E_MACHINE" in
	virt)
		if [ "$E2E_DEBUG" = 1 ]; then
			E2E_KPROFILE=debug
			E2E_QEMU_MACHINE=(-M virt -cpu cortex-a53 -smp 2 -m 1024)
		fi ;;
	raspi3b)
		# 4 Cortex-A53, 1 GiB (fixed by the machine); serial 0 = PL011
		# (uart0, the meter), serial 1 = mini UART (uart1, the console)
		E2E_QEMU_MACHINE=(-M raspi3b)
		E2E_APPEND="console=ttyS1,115200 loglevel=4 rdinit=/init"
		E2E_KPROFILE=raspi ;;
	raspi0)
		# (E2E_DISTRO=rpi only) ARM1176, 512 MiB; the UARTs as on raspi3b
		E2E_QEMU_BIN=qemu-system-arm
		E2E_QEMU_MACHINE=(-M raspi0)
		E2E_APPEND="console=ttyS1,115200 loglevel=4 rdinit=/init" ;;
	*) e2e_die "unknown machine '$E2E_MACHINE' (virt, raspi3b)" ;;
	esac
}
# Packages of the base initramfs; their shared libraries come along
# (mosquitto and its clients: kmp-mqtt's broker in the guest, mqtt-guest.sh)
E2E_PKGS=(busybox-static libiio-utils mosquitto mosquitto-clients libmosquitto1)
E2E_TOOLS=(usr/bin/iio_info usr/bin/iio_attr usr/bin/iio_readdev usr/bin/iio_writedev
	usr/sbin/mosquitto usr/bin/mosquitto_sub usr/bin/mosquitto_pub)
# apt alternatives not to take (libdbus depends on libsystemd0 | libelogind0)
E2E_PKGS_SKIP=" libelogind0 "
E2E_RECIPE=1	# bump when the base initramfs recipe changes

E2E_VERBOSE=${E2E_VERBOSE:-0}
e2e_log() { echo "e2e: $*" >&2; }
e2e_die() { echo "e2e: error: $*" >&2; exit 1; }
# progress messages for steps that take a while
e2e_step() { printf 'e2e: %s\n' "$*" >&2; }

# ---- packages ----------------------------------------------------------------

e2e_deps() {
	local need=()
	command -v qemu-system-aarch64 >/dev/null || need+=(qemu)
	command -v cpio >/dev/null || need+=(qemu)
	command -v ${E2E_CROSS}gcc >/dev/null || need+=(cross)
	[ -e /usr/aarch64-linux-gnu/lib/libc.a ] || need+=(cross)
	command -v dtc >/dev/null || need+=(dt)
	command -v gcc >/dev/null && command -v make >/dev/null || need+=(userspace)
	if [ ${#need[@]} -gt 0 ]; then
		e2e_step "installing packages: scripts/install-deps ${need[*]}"
		"$E2E_ROOT/scripts/install-deps" "${need[@]}" >&2 ||
			e2e_die "scripts/install-deps ${need[*]} failed"
	fi
}

# the guest's Debian architecture and its multiarch triplet (armel for
# Debian's rpi kernel on raspi0: E2E_DISTRO=rpi sets them)
E2E_DEB_ARCH=${E2E_DEB_ARCH:-arm64}
E2E_MULTIARCH=${E2E_MULTIARCH:-aarch64-linux-gnu}
E2E_APT=$E2E_CACHE/apt-$E2E_DEB_ARCH
e2e_apt_opts() {
	printf '%s\n' \
		"-oDir::Etc::SourceList=$E2E_APT/etc/sources.list" \
		"-oDir::Etc::SourceParts=$E2E_APT/etc/empty.d" \
		"-oDir::Etc::Preferences=$E2E_APT/etc/preferences" \
		"-oDir::Etc::PreferencesParts=$E2E_APT/etc/empty.d" \
		"-oDir::State=$E2E_APT/state" \
		"-oDir::State::Lists=$E2E_APT/lists" \
		"-oDir::State::status=$E2E_APT/state/status" \
		"-oDir::Cache=$E2E_APT/cache" \
		"-oAcquire::Languages=none" \
		"-oAPT::Architecture=$E2E_DEB_ARCH" \
		"-oAPT::Architectures::=$E2E_DEB_ARCH" \
		"-oAPT::Sandbox::User=$(id -un)"
}

# A private apt view: bookworm (+updates, +security) main for arm64 only.
e2e_apt_setup() {
	local mirror=${KMP_DEBIAN_MIRROR:-http://deb.debian.org/debian}
	local secmirror=${KMP_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
	local kr=/usr/share/keyrings/debian-archive-keyring.gpg want newest opts
	[ -r "$kr" ] || "$E2E_ROOT/scripts/install-deps" kunit >&2
	mkdir -p "$E2E_APT/etc/empty.d" "$E2E_APT/state" "$E2E_APT/lists/partial" \
		"$E2E_APT/cache/archives/partial"
	: >>"$E2E_APT/state/status"
	want="deb [signed-by=$kr] $mirror bookworm main
deb [signed-by=$kr] $mirror bookworm-updates main
deb [signed-by=$kr] $secmirror bookworm-security main"
	if [ ! -f "$E2E_APT/etc/sources.list" ] || [ "$(cat "$E2E_APT/etc/sources.list")" != "$want" ]; then
		echo "$want" >"$E2E_APT/etc/sources.list"
		rm -f "$E2E_APT/lists/"*_Packages* "$E2E_APT/lists/"*Release* 2>/dev/null || true
	fi
	newest=$(find "$E2E_APT/lists" -maxdepth 1 -type f -name '*_Packages*' -printf '%T@\n' 2>/dev/null |
		sort -n | tail -n1 | cut -d. -f1)
	if [ -z "$newest" ] || [ $(($(date +%s) - newest)) -gt "${KMP_APT_MAX_AGE:-86400}" ]; then
		e2e_step "updating the private $E2E_DEB_ARCH package lists ($E2E_APT)"
		mapfile -t opts < <(e2e_apt_opts)
		if ! apt-get -qq "${opts[@]}" update >&2; then
			[ -n "$newest" ] || e2e_die "apt-get update ($E2E_DEB_ARCH view) failed"
			e2e_log "apt-get update failed; using the lists of $(date -d "@$newest")"
		fi
	fi
}

# Prints the .deb file names (pkg_version_arm64.deb) of the closure of
# E2E_PKGS, downloading the missing ones into $E2E_CACHE/debs.
e2e_debs() {
	local opts pkgs=() p want=() have key list=$E2E_CACHE/debs.list f ok=1
	[ "$E2E_DEB_ARCH" = arm64 ] || list=$E2E_CACHE/debs-$E2E_DEB_ARCH.list
	mapfile -t opts < <(e2e_apt_opts)
	# the resolution holds as long as the package lists do
	key=$( { stat -c '%n %s %Y' "$E2E_APT/lists/"*_Packages* 2>/dev/null
		echo "${E2E_PKGS[*]} $E2E_PKGS_SKIP"; } | sha256sum | cut -c1-16)
	if [ -f "$list" ] && [ "$(head -n1 "$list")" = "$key" ]; then
		for f in $(tail -n +2 "$list"); do
			[ -f "$E2E_CACHE/debs/$f" ] || ok=0
		done
		if [ $ok = 1 ]; then
			tail -n +2 "$list"
			return 0
		fi
	fi
	e2e_debs_resolve >"$list.tmp" || exit 1
	cat "$list.tmp"
	{ echo "$key"; cat "$list.tmp"; } >"$list"
	rm -f "$list.tmp"
}

e2e_debs_resolve() {
	local opts pkgs=() p want=() have
	mapfile -t opts < <(e2e_apt_opts)
	while IFS= read -r p; do
		case "$p" in "<"*|" "*|"") continue ;; esac
		[[ "$E2E_PKGS_SKIP" == *" $p "* ]] && continue
		pkgs+=("$p")
	done < <(apt-cache "${opts[@]}" depends --recurse --no-recommends --no-suggests \
		--no-conflicts --no-breaks --no-replaces --no-enhances "${E2E_PKGS[@]}" | sort -u)
	[ ${#pkgs[@]} -gt 0 ] || e2e_die "cannot resolve ${E2E_PKGS[*]} in the arm64 view"
	mkdir -p "$E2E_CACHE/debs"
	# the names apt-get download gives: PKG_VERSION_ARCH.deb, ':' as %3a
	while read -r p have; do
		[ -f "$E2E_CACHE/debs/$have" ] || want+=("$p")
		echo "$have"
	done < <(apt-cache "${opts[@]}" show --no-all-versions "${pkgs[@]}" 2>/dev/null |
		awk '/^Package: / { p = $2 } /^Version: / { v = $2 } /^Architecture: / { a = $2 }
			/^$/ && p != "" { gsub(/:/, "%3a", v); print p, p "_" v "_" a ".deb"; p = "" }
			END { if (p != "") { gsub(/:/, "%3a", v); print p, p "_" v "_" a ".deb" } }')
	if [ ${#want[@]} -gt 0 ]; then
		e2e_step "downloading ${#want[@]} $E2E_DEB_ARCH packages: ${want[*]}"
		(cd "$E2E_CACHE/debs" && apt-get -qq "${opts[@]}" download "${want[@]}" >&2) ||
			e2e_die "apt-get download failed"
	fi
}

# ---- base initramfs: busybox, libiio tools and their libraries ---------------

# e2e_elf_closure STAGE FILE...: the files (relative to STAGE) the dynamic
# loader needs for FILEs: NEEDED entries followed through the multiarch
# library directories, symlinks and their targets, and the interpreter.
e2e_elf_closure() {
	local stage=$1; shift
	local -A seen=()
	local todo=("$@") f lib d found interp
	while [ ${#todo[@]} -gt 0 ]; do
		f=${todo[0]}; todo=("${todo[@]:1}")
		[ -n "${seen[$f]+x}" ] && continue
		seen[$f]=1
		echo "$f"
		# a symlink brings its target
		if [ -L "$stage/$f" ]; then
			local t
			t=$(readlink "$stage/$f")
			case "$t" in /*) t=${t#/} ;; *) t=$(dirname "$f")/$t ;; esac
			t=$(realpath -m --relative-to="$stage" "$stage/$t")
			todo+=("$t")
			continue
		fi
		interp=$(${E2E_CROSS}readelf -l "$stage/$f" 2>/dev/null |
			sed -n 's/.*Requesting program interpreter: \/\(.*\)]/\1/p')
		[ -n "$interp" ] && todo+=("$interp")
		for lib in $(${E2E_CROSS}readelf -d "$stage/$f" 2>/dev/null |
			sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
			found=
			for d in lib/$E2E_MULTIARCH usr/lib/$E2E_MULTIARCH lib usr/lib; do
				if [ -e "$stage/$d/$lib" ] || [ -L "$stage/$d/$lib" ]; then
					found=$d/$lib
					break
				fi
			done
			[ -n "$found" ] || e2e_die "no $lib (needed by $f) in the $E2E_DEB_ARCH packages"
			todo+=("$found")
		done
	done
}

# Prints the path of the cached base initramfs, building it if needed.
e2e_base_initramfs() {
	local debs key out stage root f
	e2e_apt_setup
	debs=$(e2e_debs | sort) || exit 1
	key=$( { echo "recipe $E2E_RECIPE"; echo "$debs"; echo "${E2E_TOOLS[*]}"; } |
		sha256sum | cut -c1-16)
	out=$E2E_CACHE/base-$key.cpio.gz
	if [ -f "$out" ]; then
		echo "$out"
		return
	fi
	e2e_step "assembling the base initramfs (busybox, libiio tools, libraries)"
	stage=$(mktemp -d "$E2E_CACHE/.stage.XXXXXX")
	root=$stage/root
	mkdir -p "$stage/x" "$root"
	for f in $debs; do
		dpkg-deb -x "$E2E_CACHE/debs/$f" "$stage/x"
	done
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run,etc,root,e2e,lib,usr/lib}
	cp -a "$stage/x/bin/busybox" "$root/bin/busybox"
	(
		cd "$stage/x" || exit 1
		e2e_elf_closure "$stage/x" "${E2E_TOOLS[@]}" | sort -u |
			while IFS= read -r f; do
				mkdir -p "$root/$(dirname "$f")"
				cp -a "$f" "$root/$f"
			done
	) || e2e_die "collecting the libiio tools' libraries failed"
	ln -s busybox "$root/bin/sh"
	printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
	printf 'root:x:0:\n' >"$root/etc/group"
	# the ELF closure as a record of what is in the archive
	(cd "$root" && find . -type f -o -type l | sort) >"$stage/contents"
	(cd "$root" && find . -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc -R 0:0 --quiet) | gzip -9 >"$stage/base.cpio.gz" ||
		e2e_die "cpio failed"
	mv "$stage/base.cpio.gz" "$out"
	cp "$stage/contents" "${out%.cpio.gz}.contents"
	rm -rf "$stage"
	e2e_log "base initramfs: $out ($(du -h "$out" | cut -f1))"
	echo "$out"
}

# ---- devicetree ----------------------------------------------------------------

# The meter (E2E_MODEL, tests/e2e/run --model): its compatible, the
# simulator's profile, the channel@<reg> nodes (none: the model's default
# channels) and the guest's checks
#   403  kam,multical-403 (the binding's, dt-bindings/iio/meter/kam,multical-403.yaml),
#        no channel nodes: the seven standard channels; guest/checks
#   603  kam,multical-603 + kam,multical-403, the seven standard registers
#        and T3, pressure 1 and 2, cooling energy E3, volume V2 as channel
#        nodes; guest/checks-model
#   382  kam,382 (Kamstrup 382 electricity meter), no channel nodes: its
#        13 default channels; its optical port runs at 9600 baud (the
#        node's current-speed, kmp-sim --baud); guest/checks-model
E2E_MODEL=${E2E_MODEL:-403}
E2E_MODEL_REGS=
E2E_SPEED=1200
case "$E2E_MODEL" in
403) E2E_COMPAT='"kam,multical-403"'
     E2E_LABEL="e2e heat meter"
     E2E_MODEL_PROFILE=multical403 ;;
603) E2E_COMPAT='"kam,multical-603", "kam,multical-403"'
     E2E_LABEL="e2e heat meter"
     E2E_MODEL_REGS="0x3c 0x50 0x56 0x57 0x59 0x4a 0x44 0x58 0x5b 0x5c 0x3f 0x45"
     E2E_MODEL_PROFILE=multical603 ;;
382) E2E_COMPAT='"kam,382"'
     E2E_LABEL="e2e electricity meter"
     E2E_SPEED=9600
     E2E_MODEL_PROFILE=kamstrup382 ;;
*) e2e_die "unknown meter model '$E2E_MODEL' (403, 603, 382)" ;;
esac
E2E_PROFILE=${E2E_PROFILE:-$E2E_ROOT/userspace/kmp-sim/$E2E_MODEL_PROFILE.profile}
[ "$E2E_MODEL" = 403 ] || E2E_CHECKS=${E2E_CHECKS:-$E2E_DIR/guest/checks-model}
# the compatible as the guest reads it from of_node/compatible (tr '\0' ' ')
E2E_COMPAT_GUEST="$(echo "$E2E_COMPAT" | sed 's/", "/ /g; s/"//g') "
E2E_METER_NODE='meter {
		compatible = '"$E2E_COMPAT"';
		current-speed = <'"$E2E_SPEED"'>;
		label = "'"$E2E_LABEL"'";'
if [ -n "$E2E_MODEL_REGS" ]; then
	E2E_METER_NODE="$E2E_METER_NODE
		#address-cells = <1>;
		#size-cells = <0>;"
	for _r in $E2E_MODEL_REGS; do
		E2E_METER_NODE="$E2E_METER_NODE
		channel@$(printf %x "$_r") {
			reg = <$_r>;
		};"
	done
fi
E2E_METER_NODE="$E2E_METER_NODE
	};"

# Prints the path of the cached DTB: QEMU's own, with the meter node.
e2e_dtb() {
	local key out tmp
	key=$( { qemu-system-aarch64 --version | head -n1; echo "${E2E_QEMU_MACHINE[*]}";
		echo "$E2E_METER_NODE"; echo 1; } | sha256sum | cut -c1-16)
	out=$E2E_CACHE/virt-$key.dtb
	if [ -f "$out" ]; then
		echo "$out"
		return
	fi
	tmp=$(mktemp -d)
	qemu-system-aarch64 "${E2E_QEMU_MACHINE[@]}" -machine dumpdtb="$tmp/virt.dtb" \
		-nographic -nic none >/dev/null 2>&1
	[ -s "$tmp/virt.dtb" ] || e2e_die "qemu-system-aarch64 dumpdtb produced nothing"
	dtc -q -I dtb -O dts -o "$tmp/virt.dts" "$tmp/virt.dtb" || e2e_die "dtc -I dtb failed"
	grep -q '^	pl011@9000000 {' "$tmp/virt.dts" || e2e_die "no pl011@9000000 in QEMU's DTB"
	# the meter as a child of the PL011 (a serdev device), and no
	# stdout-path to the PL011: the console is hvc0
	awk -v node="$E2E_METER_NODE" '
		/^\tpl011@9000000 \{/ { inpl = 1 }
		inpl && /^\t\};/ { print "\t\t" node; inpl = 0 }
		/^\t\tstdout-path = / { next }
		{ print }' "$tmp/virt.dts" >"$tmp/meter.dts"
	grep -qF "compatible = $E2E_COMPAT;" "$tmp/meter.dts" || e2e_die "could not add the meter node"
	dtc -q -I dts -O dtb -o "$tmp/meter.dtb" "$tmp/meter.dts" || e2e_die "dtc -I dts failed"
	mkdir -p "$E2E_CACHE"
	mv "$tmp/meter.dtb" "$out"
	cp "$tmp/meter.dts" "${out%.dtb}.dts"
	rm -rf "$tmp"
	echo "$out"
}

# The Raspberry Pi 3 B's DTB as tests/overlay/run compiles it (cpp + dtc -@
# from the Linux 6.1 tree), shared with it: ${KMP_CACHE}/overlay/KEY/.
e2e_rpi3_base_dtb() { # [NAME]: another of the tree's Raspberry Pi DTBs
	local tree key out dir=arch/arm/boot/dts name=${1:-bcm2837-rpi-3-b} tmp
	tree=$("$E2E_ROOT/scripts/kernel-tree" 6.1 | tail -n1)
	[ -f "$tree/$dir/$name.dts" ] || e2e_die "no $dir/$name.dts in the Linux 6.1 tree"
	# the key tests/overlay/run uses: the tree's package and version
	# shellcheck disable=SC2002
	key=$(cat "$tree/../.unpacked" 2>/dev/null | md5sum | cut -c1-12)
	out=${KMP_CACHE:-$HOME/.cache/kamstrup-kmp}/overlay/$key/$name.dtb
	if [ ! -s "$out" ]; then
		mkdir -p "$(dirname "$out")"
		tmp=$(mktemp -d)
		# shellcheck disable=SC2015 # the || covers all three steps
		cpp -nostdinc -I "$tree/include" -I "$tree/$dir" -I "$tree/arch/arm/boot/dts" \
			-I "$tree/scripts/dtc/include-prefixes" -undef -D__DTS__ \
			-x assembler-with-cpp -o "$tmp/$name.pre.dts" "$tree/$dir/$name.dts" &&
		dtc -@ -q -I dts -O dtb -b 0 -i "$tree/$dir" -o "$out.tmp" "$tmp/$name.pre.dts" &&
		mv "$out.tmp" "$out" || { rm -rf "$out.tmp" "$tmp"; e2e_die "compiling $name.dts failed"; }
		rm -rf "$tmp"
	fi
	echo "$out"
}

# e2e_raspi_dtb OUTDIR: the guest's DTB for raspi3b, as a Pi 3 would get it
# from config.txt (dtoverlay=disable-bt, dtoverlay=kamstrup-kmp), plus the
# harness's console on the mini UART; prints its path
e2e_raspi_dtb() {
	local o=$1 base=${E2E_RPI_BASE_DTB:-} f
	[ -n "$base" ] || base=$(e2e_rpi3_base_dtb) || exit 1
	command -v fdtoverlay >/dev/null || e2e_die "no fdtoverlay (scripts/install-deps dt)"
	for f in "$E2E_ROOT/tests/overlay/mainline-disable-bt.dts" \
		"$E2E_ROOT/dts/overlays/kamstrup-kmp-overlay.dts" "$E2E_DIR/raspi3b-console.dts"; do
		dtc -@ -q -I dts -O dtb -o "$o/$(basename "${f%.dts}").dtbo" "$f" ||
			e2e_die "dtc $f failed"
	done
	fdtoverlay -i "$base" -o "$o/raspi3b.dtb" "$o/mainline-disable-bt.dtbo" \
		"$o/kamstrup-kmp-overlay.dtbo" "$o/raspi3b-console.dtbo" >&2 ||
		e2e_die "fdtoverlay failed on $base"
	dtc -q -I dtb -O dts -o "$o/raspi3b.dts" "$o/raspi3b.dtb" 2>/dev/null
	echo "$o/raspi3b.dtb"
}

# ---- per-run builds -------------------------------------------------------------

# e2e_modules KBUILD OUTDIR: kamstrup-kmp.ko, built out of tree the
# conventional way (make -C <kernel build dir> M=<module source>, no CONFIG_
# variables: the top-level Kbuild has the defaults DKMS ships) from a copy of
# the sources (the checkout stays clean).  Sets E2E_MODULE_FALLBACK to yes if
# the build used the fallback for kernels without IIO_VOLUME (the compat
# layer's -DKMP_COMPAT_NO_IIO_VOLUME), else no.
e2e_modules() {
	local kbuild=$1 out=$2 src=$2/src f
	mkdir -p "$src"
	for f in Kbuild Makefile Kconfig VERSION drivers include compat; do
		[ -e "$E2E_ROOT/$f" ] && cp -a "$E2E_ROOT/$f" "$src/"
	done
	# no stale objects from a build in the checkout
	find "$src" \( -name '*.o' -o -name '*.ko' -o -name '*.mod*' -o -name '.*.cmd' \
		-o -name 'modules.order' -o -name 'Module.symvers' \) -delete
	if ! make -C "$kbuild" M="$src" ARCH=arm64 CROSS_COMPILE=$E2E_CROSS modules \
		>"$out/modules.log" 2>&1; then
		tail -n 30 "$out/modules.log" >&2
		e2e_die "the module does not build against $kbuild (log: $out/modules.log)"
	fi
	[ -f "$src/drivers/iio/meter/kamstrup-kmp.ko" ] ||
		e2e_die "no kamstrup-kmp.ko after make -C $kbuild M=$src (log: $out/modules.log)"
	cp "$src/drivers/iio/meter/kamstrup-kmp.ko" "$out/"
	f=$(find "$src/drivers/iio/meter" -name '.*.cmd' -exec grep -l -- '-DKMP_COMPAT_NO_IIO_VOLUME' {} + 2>/dev/null | head -n1)
	E2E_MODULE_FALLBACK=$([ -n "$f" ] && echo yes || echo no)
}

# e2e_kmpctl OUTDIR: kmpctl for arm64 with the project's own Makefile rule.
# Linked dynamically: the initramfs carries glibc for the libiio tools
# anyway, and kmpctl dlopen()s libiio, which a static glibc binary cannot
# do reliably.
e2e_kmpctl() {
	local out=$1 lib miss=
	if ! make -s -C "$E2E_ROOT" O_USER="$out/u" CC_USER=${E2E_CROSS}gcc \
		PKG_CONFIG=${E2E_CROSS}pkg-config "$out/u/kmpctl" >"$out/kmpctl.log" 2>&1; then
		grep -E 'error|undefined' "$out/kmpctl.log" | head -n 5 >&2
		e2e_log "warning: kmpctl does not cross-compile for arm64 (log: $out/kmpctl.log); the guest goes without it"
		return 1
	fi
	cp "$out/u/kmpctl" "$out/kmpctl"
	${E2E_CROSS}strip "$out/kmpctl"
	for lib in $(${E2E_CROSS}readelf -d "$out/kmpctl" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		grep -q "/$lib\$" "${E2E_BASE%.cpio.gz}.contents" || miss="$miss $lib"
	done
	[ -z "$miss" ] || e2e_log "warning: the guest lacks kmpctl's libraries:$miss"
	return 0
}

# e2e_cross_tool OUTDIR NAME: the project's Makefile rule for build/NAME,
# built for the guest's architecture into OUTDIR/u and stripped into OUTDIR;
# 1 (with a warning) if it does not build
e2e_cross_tool() {
	local out=$1 name=$2
	if ! make -s -C "$E2E_ROOT" O_USER="$out/u" CC_USER=${E2E_CROSS}gcc \
		"$out/u/$name" >"$out/$name.log" 2>&1; then
		grep -E 'error|undefined' "$out/$name.log" | head -n 5 >&2
		e2e_log "warning: $name does not cross-compile for $E2E_DEB_ARCH (log: $out/$name.log); the guest goes without it"
		return 1
	fi
	cp "$out/u/$name" "$out/$name"
	${E2E_CROSS}strip "$out/$name"
}

# e2e_kmp_mqtt OUTDIR: kmp-mqtt (the MQTT bridge, libiio and libmosquitto
# from the same private sysroot as kmpctl), for mqtt-guest.sh
e2e_kmp_mqtt() {
	e2e_cross_tool "$1" kmp-mqtt
}

# The patches of the guest kernel: the IIO volume types on 7.2 (and kernels
# after it without them), none on 6.1/6.12 (the fallback's kernels);
# E2E_KPATCH=none: none at all; E2E_KPATCH=FILE: that one.
E2E_IIO_PATCH=$E2E_ROOT/upstream/0001-iio-add-volume-and-volume-flow-channel-types.patch
e2e_kpatches() { # e2e_kpatches VERSION: prints --patch options
	case "${E2E_KPATCH:-auto}" in
	none) ;;
	auto)
		case "$1" in
		6.1|6.12) ;;
		*) [ -f "$E2E_IIO_PATCH" ] || e2e_die "no $E2E_IIO_PATCH (the 7.2 guest needs the IIO types)"
		   printf '%s\n' --patch "$E2E_IIO_PATCH" ;;
		esac ;;
	*) printf '%s\n' --patch "$E2E_KPATCH" ;;
	esac
}

# e2e_ioctl_test OUTDIR: tests/tools/kmp-ioctl-test (the ioctl of /dev/kmpN
# with bad and good arguments); with E2E_DEBUG=1 also tests/debug/kmp-stress,
# which the debug checks cannot do without
e2e_ioctl_test() {
	e2e_cross_tool "$1" kmp-ioctl-test || return 1
	[ "$E2E_DEBUG" = 1 ] || return 0
	e2e_cross_tool "$1" kmp-stress || e2e_die "kmp-stress does not cross-compile (--debug needs it)"
}

# e2e_prepare VERSION: sets E2E_KBUILD, E2E_IMAGE, E2E_BASE, E2E_DTB,
# E2E_IIO_VOLUME (yes: the kernel has IIO_VOLUME/IIO_VOLUMEFLOW) and builds
# the module and kmpctl into $E2E_TMP/build
e2e_prepare() {
	local ver=$1 t0=$SECONDS klock kp=() types
	if [ -n "${E2E_DISTRO:-}" ]; then
		e2e_distro_prepare
		return
	fi
	e2e_machine
	e2e_deps
	mkdir -p "$E2E_CACHE"
	[ -x "$E2E_ROOT/scripts/kernel-build" ] ||
		e2e_die "scripts/kernel-build is missing: no arm64 kernel to boot"
	mapfile -t kp < <(e2e_kpatches "$ver")
	E2E_KPATCHES=$(printf '%s\n' "${kp[@]}" | grep -v '^--patch$' | xargs -rn1 basename | paste -sd' ')
	E2E_KBUILD=$("$E2E_ROOT/scripts/kernel-build" "${kp[@]}" arm64 "$ver" $E2E_KPROFILE | tail -n1) ||
		e2e_die "scripts/kernel-build ${kp[*]} arm64 $ver $E2E_KPROFILE failed"
	E2E_IMAGE=$E2E_KBUILD/arch/arm64/boot/Image
	[ -f "$E2E_IMAGE" ] || e2e_die "no $E2E_IMAGE"
	# what the guest must show for volume and flow: the kernel's own types
	# (its uapi header, as the module's build detects it), else the fallback
	types=$E2E_KBUILD/source/include/uapi/linux/iio/types.h
	[ -f "$types" ] || e2e_die "no $types (the kernel build's source link)"
	E2E_IIO_VOLUME=$(grep -qw IIO_VOLUMEFLOW "$types" && echo yes || echo no)
	# keep the kernel build from changing under us (scripts/kernel-build)
	klock=$E2E_KBUILD/../.$(basename "$E2E_KBUILD").lock
	if [ -f "$klock" ]; then
		exec {E2E_KLOCK}<"$klock"
		flock -s "$E2E_KLOCK"
	fi
	exec {E2E_CLOCK}>"$E2E_CACHE/.lock"
	flock "$E2E_CLOCK"
	E2E_BASE=$(e2e_base_initramfs) || exit 1
	mkdir -p "$E2E_TMP/build"
	if [ "$E2E_MACHINE" = raspi3b ]; then
		E2E_DTB=$(e2e_raspi_dtb "$E2E_TMP/build") || exit 1
	else
		E2E_DTB=$(e2e_dtb) || exit 1
	fi
	flock -u "$E2E_CLOCK"
	e2e_step "building the module against Linux $ver (arm64) and kmpctl for arm64"
	e2e_modules "$E2E_KBUILD" "$E2E_TMP/build"
	# the build's detection (compat/kamstrup-kmp-compat.mk) agrees
	if [ "$E2E_MODULE_FALLBACK" = "$E2E_IIO_VOLUME" ]; then
		e2e_die "the module build's fallback ($E2E_MODULE_FALLBACK) disagrees with the kernel's IIO_VOLUMEFLOW ($E2E_IIO_VOLUME, $types)"
	fi
	e2e_kmpctl "$E2E_TMP/build"
	e2e_kmp_mqtt "$E2E_TMP/build"
	e2e_ioctl_test "$E2E_TMP/build"
	make -s -C "$E2E_ROOT" build/kmp-sim >&2 || e2e_die "make build/kmp-sim failed"
	make -s -C "$E2E_ROOT" build/kmpctl >/dev/null 2>&1 ||
		e2e_log "warning: build/kmpctl does not build on the host"
	# shellcheck disable=SC2034 # for the callers
	E2E_PREP_SECONDS=$((SECONDS - t0))
}

# ---- distribution kernels (E2E_DISTRO) ---------------------------------------------
#
# E2E_DISTRO=arm64 (Debian's linux-image-arm64; machines virt, raspi3b) or rpi
# (Debian's armel linux-image-rpi; machine raspi0): the kernel package boots
# instead of a scripts/kernel-build kernel, and the module is the one DKMS
# built for it when our kamstrup-kmp-dkms package was installed with apt in a
# Debian chroot of the kernel's architecture (scripts/distro-kernel --dkms).
# What the guest gets besides (E2E_OVERLAY_EXTRA, tests/distro/guest/):
#   /lib/modules/KREL/*.ko  the kernel package's modules the guest needs, in
#                           /distro/modules in load order (modprobe
#                           --show-depends on the host): IIO, kfifo_buf and
#                           crc-itu-t are =m there; virtio's MMIO transport and
#                           console on virt; the BCM2835 watchdog (power-off)
#                           on the Pis
#   /distro/init            rdinit: loads them, waits for the console, execs /init
#   /e2e/script             tests/distro/guest/checks: the e2e checks
#                           (/distro/e2e-checks), then the taint checks
E2E_DISTRO=${E2E_DISTRO:-}

# e2e_distro_modules KROOT KREL OUTDIR MODULE...: the modules and their
# dependencies, uncompressed, under OUTDIR/lib/modules/KREL/, their names
# in load order in OUTDIR/distro/modules
e2e_distro_modules() {
	local kroot=$1 krel=$2 out=$3 m line f n; shift 3
	local -A seen=()
	mkdir -p "$out/lib/modules/$krel" "$out/distro"
	: >"$out/distro/modules"
	for m in "$@"; do
		while read -r line; do
			case "$line" in insmod\ *) ;; *) continue ;; esac
			f=${line#insmod }
			f=${f%% *}
			n=$(basename "$f")
			n=${n%%.ko*}
			[ -n "${seen[$n]+x}" ] && continue
			seen[$n]=1
			case "$f" in
			*.ko.xz) xz -dc "$f" >"$out/lib/modules/$krel/$n.ko" ;;
			*.ko) cp "$f" "$out/lib/modules/$krel/$n.ko" ;;
			*) e2e_die "module file '$f'?" ;;
			esac
			echo "$n" >>"$out/distro/modules"
		done < <(modprobe -d "$kroot" -S "$krel" --show-depends "$m" 2>&1 ||
			e2e_die "modprobe --show-depends $m in $kroot failed")
		grep -qx "$(echo "$m" | tr - _)" <(tr - _ <"$out/distro/modules") ||
			e2e_die "$m: not a module of $krel"
	done
}

# e2e_distro_symbols DTB REFERENCE-DTB OUT: DTB with a /__symbols__ node
# holding the labels of REFERENCE-DTB (the same upstream .dts compiled with
# dtc -@) whose nodes DTB has.  Debian builds its DTBs without -@: an
# overlay that targets a label (&uart0) cannot be applied to them, neither by
# fdtoverlay nor by the Raspberry Pi firmware's dtoverlay.
e2e_distro_symbols() {
	local dtb=$1 ref=$2 out=$3 label path n=0 next
	cp "$dtb" "$out"
	if fdtget -l "$out" /__symbols__ >/dev/null 2>&1; then return 0; fi
	fdtput -c "$out" /__symbols__ || e2e_die "fdtput -c /__symbols__ failed"
	# a label's node needs a phandle too (an overlay refers to it by one):
	# nodes nothing referred to have none without -@; new ones follow the
	# highest in use
	next=$(dtc -q -I dtb -O dts "$out" | sed -n 's/.*phandle = <0x\([0-9a-f]*\)>;.*/\1/p' |
		while read -r h; do echo $((16#$h)); done | sort -n | tail -n1)
	next=$((${next:-0} + 1))
	for label in $(fdtget -p "$ref" /__symbols__); do
		path=$(fdtget -t s "$ref" /__symbols__ "$label")
		fdtget -l "$out" "$path" >/dev/null 2>&1 || continue
		fdtput -t s "$out" /__symbols__ "$label" "$path" || e2e_die "fdtput $label failed"
		if ! fdtget "$out" "$path" phandle >/dev/null 2>&1; then
			fdtput -t u "$out" "$path" phandle "$next" || e2e_die "fdtput $path phandle failed"
			next=$((next + 1))
		fi
		n=$((n + 1))
	done
	e2e_log "$(basename "$dtb"): no __symbols__ (built without dtc -@); $n labels of the upstream build grafted on"
}

e2e_distro_prepare() {
	local t0=$SECONDS facts k v types extra mods=(industrialio kfifo_buf crc-itu-t) ref
	case "$E2E_DISTRO:$E2E_MACHINE" in
	arm64:virt) mods+=(virtio_mmio virtio_console) ;;
	arm64:raspi3b) mods+=(bcm2835_wdt) ;;
	rpi:raspi0) ;;	# (its watchdog is built in)
	*) e2e_die "distribution kernel '$E2E_DISTRO' on machine '$E2E_MACHINE': arm64 on virt or raspi3b, rpi on raspi0" ;;
	esac
	e2e_machine
	e2e_deps
	mkdir -p "$E2E_CACHE" "$E2E_TMP/build"
	# our DKMS package, as make deb builds it (no kmpctl packages needed here)
	e2e_step "make deb: the kamstrup-kmp-dkms package"
	make -s -C "$E2E_ROOT" O_USER="$E2E_TMP/u" DEB_ARCHES= deb >"$E2E_TMP/deb.log" 2>&1 ||
		{ tail -n 20 "$E2E_TMP/deb.log" >&2; e2e_die "make deb failed"; }
	E2E_DKMS_DEB=$(find "$E2E_TMP/u/deb" -name 'kamstrup-kmp-dkms_*_all.deb' 2>/dev/null | head -n1)
	[ -f "$E2E_DKMS_DEB" ] || e2e_die "make deb made no kamstrup-kmp-dkms package"
	e2e_step "scripts/distro-kernel $E2E_DISTRO --dkms: apt-get install of the package in the kernel's chroot"
	facts=$("$E2E_ROOT/scripts/distro-kernel" "$E2E_DISTRO" --dkms "$E2E_DKMS_DEB" "$E2E_TMP/build/dkms") ||
		e2e_die "scripts/distro-kernel $E2E_DISTRO --dkms failed"
	while IFS='=' read -r k v; do
		case "$k" in KREL|IMAGE_PKG|IMAGE_VER|HEADERS_PKG|KROOT|CHROOT|KO|DKMS_SECONDS) printf -v "E2E_D_$k" '%s' "$v" ;; esac
	done <<<"$facts"
	[ -f "${E2E_D_KO:-}" ] || e2e_die "no module from DKMS"
	cp "$E2E_D_KO" "$E2E_TMP/build/kamstrup-kmp.ko"
	E2E_KVER="$E2E_D_KREL ($E2E_D_IMAGE_PKG $E2E_D_IMAGE_VER)"
	E2E_KPATCHES=
	E2E_IMAGE=$E2E_D_KROOT/boot/vmlinuz-$E2E_D_KREL
	[ -f "$E2E_IMAGE" ] || e2e_die "no $E2E_IMAGE"
	types=$(find "$E2E_D_CHROOT/usr/src" -path "*/linux-headers-${E2E_D_KREL%-*}-common*/include/uapi/linux/iio/types.h" 2>/dev/null | head -n1)
	[ -f "$types" ] || e2e_die "no include/uapi/linux/iio/types.h in the chroot's headers"
	E2E_IIO_VOLUME=$(grep -qw IIO_VOLUMEFLOW "$types" && echo yes || echo no)
	# the guest's extra files
	extra=$E2E_TMP/distro-extra
	e2e_distro_modules "$E2E_D_KROOT" "$E2E_D_KREL" "$extra" "${mods[@]}"
	cp "$E2E_ROOT/tests/distro/guest/init" "$extra/distro/init"
	cp "$E2E_DIR/guest/checks" "$extra/distro/e2e-checks"
	chmod 755 "$extra/distro/init"
	# the ioctl from a 32-bit program on the 64-bit kernel (compat_ioctl):
	# kmp-ioctl-test for armel, static (the initramfs has arm64 libraries)
	if [ "$E2E_DISTRO" = arm64 ]; then
		mkdir -p "$extra/usr/bin"
		make -s -C "$E2E_ROOT" O_USER="$E2E_TMP/u32" CC_USER="arm-linux-gnueabi-gcc -static" \
			"$E2E_TMP/u32/kmp-ioctl-test" >"$E2E_TMP/ioctl-test32.log" 2>&1 &&
			cp "$E2E_TMP/u32/kmp-ioctl-test" "$extra/usr/bin/kmp-ioctl-test32" ||
			e2e_log "warning: kmp-ioctl-test does not build for armel (log: $E2E_TMP/ioctl-test32.log)"
	fi
	E2E_OVERLAY_EXTRA=$extra
	E2E_CHECKS=$E2E_ROOT/tests/distro/guest/checks
	E2E_APPEND="${E2E_APPEND/rdinit=\/init/rdinit=/distro/init}"
	E2E_GUEST_ENV="${E2E_GUEST_ENV:-} E2E_DISTRO E2E_D_KREL E2E_D_IMAGE_PKG E2E_D_IMAGE_VER"
	exec {E2E_CLOCK}>"$E2E_CACHE/.lock"
	flock "$E2E_CLOCK"
	E2E_BASE=$(e2e_base_initramfs) || exit 1
	case "$E2E_MACHINE" in
	virt) E2E_DTB=$(e2e_dtb) || exit 1 ;;
	raspi3b)
		ref=$(e2e_rpi3_base_dtb) || exit 1
		e2e_distro_symbols "$E2E_D_KROOT/usr/lib/linux-image-$E2E_D_KREL/broadcom/bcm2837-rpi-3-b.dtb" \
			"$ref" "$E2E_TMP/build/bcm2837-rpi-3-b.dtb"
		E2E_DTB=$(E2E_RPI_BASE_DTB=$E2E_TMP/build/bcm2837-rpi-3-b.dtb e2e_raspi_dtb "$E2E_TMP/build") || exit 1 ;;
	raspi0)
		# the Pi Zero W's, with the same overlays as the Pi 3's (Bluetooth
		# off the PL011, the meter on it, the console on the mini UART)
		ref=$(e2e_rpi3_base_dtb bcm2835-rpi-zero-w) || exit 1
		e2e_distro_symbols "$E2E_D_KROOT/usr/lib/linux-image-$E2E_D_KREL/bcm2835-rpi-zero-w.dtb" \
			"$ref" "$E2E_TMP/build/bcm2835-rpi-zero-w.dtb"
		# QEMU 7.2 has no ASB (AXI bridge, 0x7e00a000) behind the PM block:
		# give bcm2835-pm only its "pm" range, so that it registers the
		# watchdog (restart, power-off) but not bcm2835-power
		fdtput -t x "$E2E_TMP/build/bcm2835-rpi-zero-w.dtb" /soc/watchdog@7e100000 reg 7e100000 114 &&
			fdtput -t s "$E2E_TMP/build/bcm2835-rpi-zero-w.dtb" /soc/watchdog@7e100000 reg-names pm ||
			e2e_die "fdtput on the watchdog node failed"
		E2E_DTB=$(E2E_RPI_BASE_DTB=$E2E_TMP/build/bcm2835-rpi-zero-w.dtb e2e_raspi_dtb "$E2E_TMP/build") || exit 1 ;;
	esac
	flock -u "$E2E_CLOCK"
	e2e_kmpctl "$E2E_TMP/build"
	e2e_ioctl_test "$E2E_TMP/build"
	make -s -C "$E2E_ROOT" build/kmp-sim >&2 || e2e_die "make build/kmp-sim failed"
	make -s -C "$E2E_ROOT" build/kmpctl >/dev/null 2>&1 ||
		e2e_log "warning: build/kmpctl does not build on the host"
	E2E_PREP_SECONDS=$((SECONDS - t0))
}

# ---- the meter -------------------------------------------------------------------

# E2E_METER_CMD: a user's meter command (the socket path is appended), or
# empty for kmp-sim with E2E_PROFILE at the real 1200 baud pace.
E2E_SIM=$E2E_ROOT/build/kmp-sim
E2E_PROFILE=${E2E_PROFILE:-$E2E_ROOT/userspace/kmp-sim/multical403.profile}
E2E_METER_CMD=${E2E_METER_CMD:-}
E2E_METER_PID=
E2E_METER_N=0
E2E_METER_ARGS=

# e2e_meter_start [KMP-SIM OPTION]...: (re)starts the meter on $E2E_SOCK,
# answering from E2E_METER_PROFILE if set (one start only), else E2E_PROFILE
e2e_meter_start() {
	local _ profile=${E2E_METER_PROFILE:-$E2E_PROFILE}
	E2E_METER_PROFILE=
	e2e_meter_stop
	E2E_METER_N=$((E2E_METER_N + 1))
	E2E_METER_ARGS="$*"
	[ "$profile" = "$E2E_PROFILE" ] || E2E_METER_ARGS="profile=$(basename "$profile" .profile) $*"
	E2E_METER_LOG=$E2E_TMP/meter.$E2E_METER_N.log
	rm -f "$E2E_SOCK" "$E2E_TMP/stats"
	if [ -n "$E2E_METER_CMD" ]; then
		bash -c "$E2E_METER_CMD $(printf '%q' "$E2E_SOCK")" >"$E2E_METER_LOG" 2>&1 &
	else
		# the model's line speed (1200, kmp-sim's default, is not spelt out)
		local baud=()
		[ "$E2E_SPEED" = 1200 ] || baud=(--baud "$E2E_SPEED")
		"$E2E_SIM" --listen "$E2E_SOCK" --stats "$E2E_TMP/stats" -v "${baud[@]}" "$@" "$profile" \
			>"$E2E_METER_LOG" 2>&1 &
	fi
	E2E_METER_PID=$!
	for _ in $(seq 100); do
		[ -S "$E2E_SOCK" ] && return 0
		kill -0 "$E2E_METER_PID" 2>/dev/null || break
		sleep 0.05
	done
	cat "$E2E_METER_LOG" >&2
	return 1
}

# e2e_meter_start_words [@LABEL] [profile=NAME] [OPTION]...: a guest's
# "meter" request; the label names the meter in $E2E_TMP/meters, NAME a
# profile of tests/e2e/profiles/
e2e_meter_start_words() {
	local w args=() label='' profile=''
	for w in "$@"; do
		case "$w" in
		@*) label=${w#@} ;;
		profile=*)
			profile=${w#profile=}
			case "$profile" in
			*[!a-z0-9-]*|"") echo "bad profile name '$profile'" >>"$E2E_METER_LOG"; return 1 ;;
			esac
			profile=$E2E_DIR/profiles/$profile.profile
			[ -f "$profile" ] || { echo "no profile $profile" >>"$E2E_METER_LOG"; return 1; } ;;
		*) args+=("$w") ;;
		esac
	done
	e2e_meter_stop
	E2E_METER_LABEL=$label
	E2E_METER_PROFILE=$profile
	e2e_meter_start "${args[@]}"
}

# Ends the meter; kmp-sim's final statistics go to the list of all meters,
# $E2E_TMP/meters: "LABEL|OPTIONS|STATISTICS" lines
e2e_meter_stop() {
	[ -n "$E2E_METER_PID" ] || return 0
	kill -TERM "$E2E_METER_PID" 2>/dev/null
	wait "$E2E_METER_PID" 2>/dev/null
	if [ -z "$E2E_METER_CMD" ] && [ -f "$E2E_TMP/stats" ]; then
		printf '%s|%s|%s\n' "${E2E_METER_LABEL:-}" "${E2E_METER_ARGS:-(no faults)}" \
			"$(cat "$E2E_TMP/stats")" >>"$E2E_TMP/meters"
	fi
	E2E_METER_PID=
	E2E_METER_LABEL=
}

# Waits until QEMU is connected to the meter (kmp-sim -v logs it)
e2e_meter_wait_client() {
	local _
	[ -n "$E2E_METER_CMD" ] && { sleep 1.5; return 0; }
	for _ in $(seq 100); do
		grep -q 'client connected' "$E2E_METER_LOG" 2>/dev/null && return 0
		kill -0 "$E2E_METER_PID" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# Stops what a run started (for the callers' EXIT traps)
E2E_QEMU_PID=
e2e_stop_all() {
	if [ -n "$E2E_QEMU_PID" ]; then
		kill "$E2E_QEMU_PID" 2>/dev/null
		wait "$E2E_QEMU_PID" 2>/dev/null
		E2E_QEMU_PID=
	fi
	e2e_meter_stop 2>/dev/null
}

# ---- guest requests ------------------------------------------------------------------

e2e_serve() { # e2e_serve LINE: prints the one-line reply
	local line=$1
	case "$line" in
	"meter"|"meter "*)
		# shellcheck disable=SC2086 # the request's words are the options
		if [ -n "$E2E_METER_CMD" ]; then
			echo "err a --meter command runs; the simulator's faults are not available"
		elif ! e2e_meter_start_words ${line#meter}; then
			echo "err kmp-sim did not start: $(tail -n1 "$E2E_METER_LOG")"
		elif ! e2e_meter_wait_client; then
			echo "err QEMU did not reconnect to the meter"
		else
			echo "ok"
		fi ;;
	stats)
		if [ -z "$E2E_METER_CMD" ] && [ -s "$E2E_TMP/stats" ]; then
			cat "$E2E_TMP/stats"
		else
			echo "none"
		fi ;;
	host-time) date +%s%N ;;
	"mark "*)
		# the guest reached a stage: ms since QEMU started
		printf '%s %d\n' "${line#mark }" $((($(date +%s%N) - E2E_T0) / 1000000)) >>"$E2E_TMP/marks"
		echo ok ;;
	*) echo "err unknown request: $line" ;;
	esac
}

# ---- the guest ----------------------------------------------------------------------

# e2e_overlay GUEST-SCRIPT: the per-run cpio (modules, kmpctl, guest scripts,
# expected values, the script to run)
e2e_overlay() {
	local script=$1 o=$E2E_TMP/overlay
	rm -rf "$o"
	mkdir -p "$o/e2e"
	cp "$E2E_DIR/guest/init" "$o/init"
	cp "$E2E_DIR/guest/lib.sh" "$o/e2e/lib.sh"
	cp "$E2E_DIR/guest/debug" "$o/e2e/debug"
	# a distribution kernel's modules and its /distro/init (E2E_DISTRO)
	[ -n "${E2E_OVERLAY_EXTRA:-}" ] && cp -a "$E2E_OVERLAY_EXTRA/." "$o/"
	cp "$E2E_TMP/build/kamstrup-kmp.ko" "$o/e2e/"
	mkdir -p "$o/usr/bin"
	[ -f "$E2E_TMP/build/kmpctl" ] && cp "$E2E_TMP/build/kmpctl" "$o/usr/bin/kmpctl"
	[ -f "$E2E_TMP/build/kmp-ioctl-test" ] && cp "$E2E_TMP/build/kmp-ioctl-test" "$o/usr/bin/"
	[ -f "$E2E_TMP/build/kmp-mqtt" ] && cp "$E2E_TMP/build/kmp-mqtt" "$o/usr/bin/"
	[ -f "$E2E_TMP/build/kmp-stress" ] && cp "$E2E_TMP/build/kmp-stress" "$o/usr/bin/"
	# the expected values: volume and flow as the kernel names them
	local fb=() p
	[ "$E2E_IIO_VOLUME" = yes ] || fb=(--fallback)
	"$E2E_DIR/expected" "${fb[@]}" --model "$E2E_MODEL" --regs "$E2E_MODEL_REGS" "$E2E_PROFILE" \
		>"$o/e2e/expected" || e2e_die "bad profile $E2E_PROFILE"
	for p in "$E2E_DIR"/profiles/*.profile; do
		[ -f "$p" ] || continue
		"$E2E_DIR/expected" "${fb[@]}" "$p" >"$o/e2e/expected.$(basename "$p" .profile)" ||
			e2e_die "bad profile $p"
	done
	if [ "$script" = shell ]; then
		: >"$o/e2e/shell"
	else
		cp "$script" "$o/e2e/script"
	fi
	# host-side facts the guest checks use
	{
		echo "E2E_KERNEL='$E2E_KVER'"
		# the kernel's patches, whether it has the IIO volume types (from its
		# uapi header), and the label of the devicetree's meter node
		echo "E2E_KPATCHES='$E2E_KPATCHES'"
		echo "E2E_IIO_VOLUME='$E2E_IIO_VOLUME'"
		[ "$E2E_MACHINE" = virt ] && echo "E2E_LABEL='$E2E_LABEL'"
		# the meter model, its compatible as of_node shows it, its
		# channel nodes (empty: the model's default channels)
		echo "E2E_MODEL='$E2E_MODEL'"
		echo "E2E_COMPAT='$E2E_COMPAT_GUEST'"
		echo "E2E_MODEL_REGS='$E2E_MODEL_REGS'"
		if [ "$E2E_MACHINE" != virt ]; then
			echo "E2E_MACHINE='$E2E_MACHINE'"
			# the requests ride on the console (none for --shell: a person types there)
			echo "E2E_CTL='$([ "$script" = shell ] && echo none || echo console)'"
		fi
		echo "E2E_HOST_METER='$([ -n "$E2E_METER_CMD" ] && echo custom || echo kmp-sim)'"
		echo "E2E_DEBUG='$E2E_DEBUG'"
		for v in ${E2E_GUEST_ENV:-}; do echo "$v='${!v}'"; done
	} >"$o/e2e/config"
	chmod 755 "$o/init" "$o/e2e/script" 2>/dev/null
	(cd "$o" && find . -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc -R 0:0 --quiet) | gzip -1 >"$E2E_TMP/overlay.cpio.gz"
	cat "$E2E_BASE" "$E2E_TMP/overlay.cpio.gz" >"$E2E_TMP/initrd.cpio.gz"
}

# e2e_con_line LINE: a console line (raspi3b): to console.log, and to stdout
# as the virt console's tail shows it (the payload, or all with -v)
E2E_CON_ON=0
e2e_con_line() {
	local l=${1%$'\r'}
	printf '%s\n' "$1" >>"$E2E_TMP/console.log"
	case "$l" in
	*"@e2e ctl "*) return 0 ;;
	*"@e2e begin"*) E2E_CON_ON=1; return 0 ;;
	*"@e2e end rc="*) E2E_CON_ON=0; return 0 ;;
	esac
	if [ "$E2E_CON_ON" = 1 ] || [ "$E2E_VERBOSE" = 1 ]; then
		printf '%s\n' "$l"
	fi
}

# e2e_boot GUEST-SCRIPT|shell: boots, serves the guest until it powers
# off; sets E2E_RC (the script's exit status, or 255 if it did not finish),
# E2E_RUN_MS (whole run); $E2E_TMP/marks holds "STAGE MS" lines: the
# times since QEMU started at which the guest reached its stages.
# The payload lines go to stdout as they come; with E2E_VERBOSE=1 the
# whole console does.
e2e_boot() {
	local script=$1 qpid tpid line buf='' t0 ctl_r ctl_w timeout=${E2E_TIMEOUT:-900}
	local stdio=(-chardev "stdio,id=con,signal=off") oncon=0 con
	e2e_overlay "$script"
	E2E_SOCK=$E2E_TMP/meter.sock
	rm -f "$E2E_TMP/meters"
	e2e_meter_start || e2e_die "the meter did not start"
	rm -f "$E2E_TMP/ctl.in" "$E2E_TMP/ctl.out"
	mkfifo "$E2E_TMP/ctl.in" "$E2E_TMP/ctl.out"
	exec {ctl_r}<>"$E2E_TMP/ctl.out" {ctl_w}<>"$E2E_TMP/ctl.in"
	# shellcheck disable=SC2054 # commas inside QEMU's option values
	local qemu=("${E2E_QEMU_BIN:-qemu-system-aarch64}" "${E2E_QEMU_MACHINE[@]}" -nographic -monitor none
		-nic none -no-reboot
		-kernel "$E2E_IMAGE" -initrd "$E2E_TMP/initrd.cpio.gz" -dtb "$E2E_DTB"
		-append "$E2E_APPEND"
		-chardev "socket,id=meter,path=$E2E_SOCK,reconnect=1" -serial chardev:meter)
	if [ "$E2E_MACHINE" = raspi3b ] || [ "$E2E_MACHINE" = raspi0 ]; then
		# the console on the mini UART (serial 1); the guest's requests
		# come on it: the host reads it from the FIFO ctl.out and
		# answers into ctl.in (the terminal instead for --shell)
		if [ "$script" = shell ]; then
			qemu+=("${stdio[@]}" -serial chardev:con)
		else
			qemu+=(-chardev "pipe,id=con,path=$E2E_TMP/ctl" -serial chardev:con)
			oncon=1
			: >"$E2E_TMP/console.log"
		fi
	else
		# shellcheck disable=SC2054 # commas inside QEMU's option values
		qemu+=(-device virtio-serial-device
			"${stdio[@]}" -device virtconsole,chardev=con
			-chardev "pipe,id=ctl,path=$E2E_TMP/ctl" -device virtserialport,chardev=ctl,name=e2e.ctl)
	fi
	echo "${qemu[*]}" >"$E2E_TMP/qemu.cmd"
	t0=$(date +%s%N)
	E2E_T0=$t0
	rm -f "$E2E_TMP/marks"
	if [ "$script" = shell ]; then
		# interactive: the console is this terminal (a background job
		# of a script would get /dev/null as its input otherwise)
		local in
		exec {in}<&0
		"${qemu[@]}" <&"$in" &
		qpid=$!
		E2E_QEMU_PID=$qpid
	else
		if [ "$oncon" = 1 ]; then
			"${qemu[@]}" </dev/null >"$E2E_TMP/qemu.out" 2>"$E2E_TMP/qemu.err" &
		else
			"${qemu[@]}" </dev/null >"$E2E_TMP/console.log" 2>"$E2E_TMP/qemu.err" &
		fi
		qpid=$!
		E2E_QEMU_PID=$qpid
	fi
	if [ "$script" != shell ] && [ "$oncon" = 0 ]; then
		# the payload, live
		tail -s 0.1 -n +1 -F --pid=$qpid "$E2E_TMP/console.log" 2>/dev/null |
			tr -d '\r' | awk -v all="$E2E_VERBOSE" '
				/@e2e ctl / { next }
				/@e2e begin/ { on = 1; next }
				/@e2e end rc=/ { on = 0; next }
				on || all { print; fflush() }' &
		tpid=$!
	fi
	while kill -0 $qpid 2>/dev/null; do
		if [ $((($(date +%s%N) - t0) / 1000000000)) -gt "$timeout" ]; then
			e2e_log "the guest did not finish within $timeout s: stopping QEMU"
			kill $qpid
			break
		fi
		if IFS= read -r -t 0.2 -u "$ctl_r" line; then
			line=$buf$line
			buf=
			if [ "$oncon" = 1 ]; then
				# a console line: to the log and (payload) stdout; a
				# request is answered
				e2e_con_line "$line"
				con=${line%$'\r'}
				[[ "$con" == *"@e2e ctl "* ]] || continue
				line=${con#*@e2e ctl }
			fi
			[ "$E2E_VERBOSE" = 1 ] && e2e_log "guest asks: $line"
			e2e_serve "$line" >&"$ctl_w"
		elif [ -n "$line" ]; then
			buf+=$line	# a partial line (read timed out within it)
		fi
	done
	wait $qpid 2>/dev/null
	if [ "$oncon" = 1 ]; then
		# what QEMU wrote last (the FIFO stays open here: no EOF)
		while IFS= read -r -t 0.3 -u "$ctl_r" line; do
			e2e_con_line "$buf$line"
			buf=
		done
		[ -n "$buf$line" ] && e2e_con_line "$buf$line"
	fi
	E2E_QEMU_PID=
	E2E_RUN_MS=$((($(date +%s%N) - t0) / 1000000))
	# tail ends by itself once it has read all QEMU wrote
	[ -n "${tpid:-}" ] && wait "$tpid" 2>/dev/null
	exec {ctl_r}<&- {ctl_w}<&-
	e2e_meter_stop
	E2E_RC=255
	if [ -f "$E2E_TMP/console.log" ]; then
		tr -d '\r' <"$E2E_TMP/console.log" >"$E2E_TMP/console.txt"
		line=$(sed -n 's/.*@e2e end rc=\([0-9]*\).*/\1/p' "$E2E_TMP/console.txt" | tail -n1)
		[ -n "$line" ] && E2E_RC=$line
		awk '/@e2e ctl / { next } /@e2e begin/ { on = 1; next } /@e2e end rc=/ { on = 0 } on' \
			"$E2E_TMP/console.txt" >"$E2E_TMP/payload.txt"
	fi
	return 0
}
