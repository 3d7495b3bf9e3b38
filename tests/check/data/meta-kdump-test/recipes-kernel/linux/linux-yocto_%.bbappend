FILESEXTRAPATHS:prepend := "${THISDIR}/files:"

# The kdump options, switched on by the distro feature.
require ${@bb.utils.contains('DISTRO_FEATURES', 'kdump', 'linux-yocto-kdump.inc', '', d)}

SRC_URI:append:qemuarm64 = " file://serial.cfg"
# A trap: this override is not in OVERRIDES, so the fragment is never used.
SRC_URI:append:kdump = " file://never.cfg"
KERNEL_FEATURES:append = " features/debug/printk.scc"
