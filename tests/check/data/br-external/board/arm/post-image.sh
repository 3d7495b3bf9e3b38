#!/bin/sh
# Writes the U-Boot environment; no crash kernel reservation yet.
set -eu
printf 'bootargs=console=ttyS0,115200 root=/dev/mmcblk0p2 rootwait\n' > "$BINARIES_DIR/uEnv.txt"
