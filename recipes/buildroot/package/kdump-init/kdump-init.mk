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
{% if ssh_key %}

# The dump target's private key: provisioned per device unless the
# configuration names one (the same on every device then).
KDUMP_INIT_SSH_KEY = $(call qstrip,$(BR2_PACKAGE_KDUMP_INIT_SSH_KEY))
ifneq ($(KDUMP_INIT_SSH_KEY),)
define KDUMP_INIT_INSTALL_SSH_KEY
	$(INSTALL) -D -m 0600 $(KDUMP_INIT_SSH_KEY) $(TARGET_DIR){{ ssh_key | sh | make }}
endef
KDUMP_INIT_POST_INSTALL_TARGET_HOOKS += KDUMP_INIT_INSTALL_SSH_KEY
endif
{% endif %}
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
