#!/bin/sh
# yocto-check-layer, offline, for the generated layer of every example board
# (`make yocto-check-layer OECORE=DIR BITBAKE=DIR`): openembedded-core and
# bitbake checkouts of one release (e.g. wrynose and bitbake 2.18), oe-core
# alone in the build, BB_NO_NETWORK=1. Also `bitbake-layers add-layer` of each
# layer. Not part of `make test` (CI cannot fetch those repositories).
#
# usage: ci/yocto-check-layer.sh OECORE BITBAKE WORKDIR [BOARD.yaml...]
# bitbake refuses to run as root: as root, it runs bitbake as nobody (setpriv),
# in WORKDIR owned by nobody. It needs the en_US.UTF-8 locale; when the system
# has none it is compiled into WORKDIR/locale (LOCPATH).
set -eu

[ "$#" -ge 3 ] || { echo "usage: $0 OECORE BITBAKE WORKDIR [BOARD.yaml...]" >&2; exit 2; }
oecore=$(cd "$1" && pwd)
bitbake=$(cd "$2" && pwd)
mkdir -p "$3"
work=$(cd "$3" && pwd)
shift 3
[ "$#" -gt 0 ] || set -- board-configs/*.yaml
kdumplayer=${KDUMPLAYER:-.venv/bin/kdumplayer}

build="$work/build"  # kept between runs: bitbake's parse cache in tmp/cache
rm -rf "$work/layers"
mkdir -p "$build/conf" "$work/layers" "$work/home"
cat > "$build/conf/bblayers.conf" <<EOF
BBPATH = "\${TOPDIR}"
BBFILES ?= ""
BBLAYERS ?= "$oecore/meta"
EOF
cat > "$build/conf/local.conf" <<EOF
MACHINE ?= "qemux86-64"
DISTRO ?= "nodistro"
BB_NO_NETWORK = "1"
CONF_VERSION = "2"
EOF
cp "$build/conf/bblayers.conf" "$work/bblayers.conf.orig"

locpath=
if ! locale -a 2>/dev/null | grep -qix 'en_US.utf8'; then
	locpath="$work/locale"
	mkdir -p "$locpath"
	[ -d "$locpath/en_US.UTF-8" ] || localedef -i en_US -f UTF-8 "$locpath/en_US.UTF-8"
fi

for board in "$@"; do
	name=$(basename "$board" .yaml)
	"$kdumplayer" generate yocto "$board" -o "$work/layers/$name" >/dev/null
done

as=
if [ "$(id -u)" = 0 ]; then
	chown -R 65534:65534 "$work"
	as="setpriv --reuid=65534 --regid=65534 --clear-groups"
fi

bb() {
	# shellcheck disable=SC2086 # $as is a command prefix or nothing
	(cd "$build" && $as env -i HOME="$work/home" \
		PATH="$bitbake/bin:$oecore/scripts:/usr/local/bin:/usr/bin:/bin" \
		BBPATH="$build" BUILDDIR="$build" BB_NO_NETWORK=1 LOCPATH="$locpath" \
		BB_ENV_PASSTHROUGH_ADDITIONS="LOCPATH BB_NO_NETWORK $passthrough" \
		LANG=en_US.UTF-8 LC_ALL=en_US.UTF-8 $settings "$@")
}

# yocto-check-layer parses oe-core (with the layer) under three configurations:
# `bitbake -p` with the release's default signature handler, its world
# signatures with BB_SIGNATURE_HANDLER=OEBasicHash, and test_world_inherit_class
# with INHERIT=yocto-check-layer as well. bitbake's parse cache is keyed by the
# whole configuration, so each is a full parse of oe-core (8 to 10 min on two
# shared cores). Every bitbake it runs gets the settings of its last test from
# the environment, exactly as those tests set them, so one parse serves them
# all, and the parse of oe-core alone (the reference signatures) is made once
# for all boards. The tests are the script's own: bitbake -p then also runs the
# class's per-recipe checks, which add no task signature (an anonymous function).
# `bitbake -p` caches no signature data, and its test comes before the
# signature tests: so the layer's configuration is parsed once beforehand
# (bblayers.conf as yocto-check-layer writes it, `bitbake -S none` of one small
# target), and every test of yocto-check-layer then loads that cache.
ycl_settings="BB_SIGNATURE_HANDLER=OEBasicHash INHERIT=yocto-check-layer"
ycl_passthrough="BB_SIGNATURE_HANDLER INHERIT"

status=0
for board in "$@"; do
	name=$(basename "$board" .yaml)
	layer="$work/layers/$name"
	cp "$work/bblayers.conf.orig" "$build/conf/bblayers.conf"
	settings='' passthrough=''
	if bb bitbake-layers add-layer "$layer" >"$work/$name.add-layer.log" 2>&1; then
		echo "ok   $name: bitbake-layers add-layer on oe-core alone"
	else
		echo "FAIL $name: bitbake-layers add-layer:"
		grep -E '^ERROR' "$work/$name.add-layer.log" | sed 's/^/       /'
		status=1
	fi
	cp "$work/bblayers.conf.orig" "$build/conf/bblayers.conf"
	settings=$ycl_settings passthrough=$ycl_passthrough
	start=$(date +%s)
	printf '\nBBLAYERS += "%s"\n' "$layer" >>"$build/conf/bblayers.conf"
	bb bitbake -S none quilt-native >"$work/$name.parse.log" 2>&1 || true
	cp "$work/bblayers.conf.orig" "$build/conf/bblayers.conf"
	parsed=$(date +%s)
	if bb yocto-check-layer --no-auto "$layer" >"$work/$name.ycl.log" 2>&1; then
		result=ok
	else
		result=FAIL
		status=1
	fi
	took=$(($(date +%s) - start)) parse=$((parsed - start))
	printf '%-4s %s: yocto-check-layer, %d min %02d s (parse %d min %02d s; log: %s)\n' \
		"$result" "$name" $((took / 60)) $((took % 60)) $((parse / 60)) $((parse % 60)) \
		"$work/$name.ycl.log"
	grep -E '^INFO: (Ran|OK|FAILED|.* \.\.\. (PASS|FAIL))' "$work/$name.ycl.log" \
		| sed 's/^/       /' || true
done
exit "$status"
