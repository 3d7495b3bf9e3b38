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
		BB_ENV_PASSTHROUGH_ADDITIONS="LOCPATH BB_NO_NETWORK" \
		LANG=en_US.UTF-8 LC_ALL=en_US.UTF-8 "$@")
}

status=0
for board in "$@"; do
	name=$(basename "$board" .yaml)
	layer="$work/layers/$name"
	cp "$work/bblayers.conf.orig" "$build/conf/bblayers.conf"
	if bb bitbake-layers add-layer "$layer" >"$work/$name.add-layer.log" 2>&1; then
		echo "ok   $name: bitbake-layers add-layer on oe-core alone"
	else
		echo "FAIL $name: bitbake-layers add-layer:"
		grep -E '^ERROR' "$work/$name.add-layer.log" | sed 's/^/       /'
		status=1
	fi
	cp "$work/bblayers.conf.orig" "$build/conf/bblayers.conf"
	if bb yocto-check-layer --no-auto "$layer" >"$work/$name.ycl.log" 2>&1; then
		echo "ok   $name: yocto-check-layer"
	else
		echo "FAIL $name: yocto-check-layer (log: $work/$name.ycl.log)"
		status=1
	fi
	grep -E '^INFO: (Ran|OK|FAILED|.* \.\.\. (PASS|FAIL))' "$work/$name.ycl.log" \
		| sed 's/^/       /' || true
done
exit "$status"
