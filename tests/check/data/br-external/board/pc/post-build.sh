#!/bin/sh
# Adds the crash kernel reservation to the GRUB configuration.
set -eu
cfg="$BINARIES_DIR/efi-part/EFI/BOOT/grub.cfg"
grep -q 'crashkernel=' "$cfg" || sed -i 's/\(linux .*\)$/\1 crashkernel=256M/' "$cfg"
