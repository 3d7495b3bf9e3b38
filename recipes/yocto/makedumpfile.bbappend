# {{ board.dump.compression }} compression for makedumpfile {{ compression_flag }}, only when DISTRO_FEATURES
# contains kdump (adding the layer alone changes nothing).
require ${@bb.utils.contains('DISTRO_FEATURES', 'kdump', 'makedumpfile-kdump.inc', '', d)}
