# The verified kdump kernel config fragment for {{ board.name }}, only when
# DISTRO_FEATURES contains kdump (adding the layer alone changes nothing).
require ${@bb.utils.contains('DISTRO_FEATURES', 'kdump', 'linux-kdump.inc', '', d)}
