#!/bin/sh
# Stand-in of Buildroot's board/qemu/post-image.sh: writes start-qemu.sh from
# the -append line of the board's readme.txt.
set -eu
printf 'exec qemu-system-x86_64 -M pc -kernel bzImage -append "rootwait root=/dev/vda console=ttyS0"\n' > "$BINARIES_DIR/start-qemu.sh"
