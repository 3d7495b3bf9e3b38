# Global settings of {{ layer }}: inherited through INHERIT by conf/layer.conf
# only when DISTRO_FEATURES contains kdump.

require conf/kdump/{{ board.ident }}.conf
