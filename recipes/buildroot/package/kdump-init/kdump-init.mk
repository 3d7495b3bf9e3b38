################################################################################
#
# kdump-init
#
################################################################################

# The hook and its files live in this directory: nothing is downloaded.
KDUMP_INIT_LICENSE = MIT

define KDUMP_INIT_INSTALL_TARGET_CMDS
{% for f in target_files %}
	$(INSTALL) -D -m {{ "%04o" | format(f.mode) }} $(KDUMP_INIT_PKGDIR)/{{ f.name | sh | make }} \
		$(TARGET_DIR){{ f.install_path | sh | make }}
{% endfor %}
	$(INSTALL) -d -m 0700 $(TARGET_DIR){{ dump_dir | sh | make }}
endef
{% for macro, files in init_macros %}

define KDUMP_INIT_INSTALL_INIT_{{ macro }}
{% for f in files %}
	$(INSTALL) -D -m {{ "%04o" | format(f.mode) }} $(KDUMP_INIT_PKGDIR)/{{ f.name | sh | make }} \
		$(TARGET_DIR){{ f.install_path | sh | make }}
{% endfor %}
endef
{% endfor %}

# Selecting the package is enough: the kernel gets the options kdump needs
# (the same as board/{{ board.name }}/linux-kdump.fragment).
define KDUMP_INIT_LINUX_CONFIG_FIXUPS
{% for call in fixups %}
	$(call {{ call }})
{% endfor %}
endef

$(eval $(generic-package))
