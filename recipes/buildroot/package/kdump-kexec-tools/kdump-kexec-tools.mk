################################################################################
#
# kdump-kexec-tools
#
################################################################################

KDUMP_KEXEC_TOOLS_VERSION = {{ version }}
KDUMP_KEXEC_TOOLS_SOURCE = {{ release.source }}
KDUMP_KEXEC_TOOLS_SITE = {{ release.site }}
KDUMP_KEXEC_TOOLS_LICENSE = GPL-2.0
{% if release.license_hash %}
KDUMP_KEXEC_TOOLS_LICENSE_FILES = COPYING
{% endif %}
KDUMP_KEXEC_TOOLS_CPE_ID_PRODUCT = kexec-tools
KDUMP_KEXEC_TOOLS_CPE_ID_VENDOR = kexec-tools_project

# Makefile expects $STRIP -o to work, so needed for !BR2_STRIP_strip
KDUMP_KEXEC_TOOLS_MAKE_OPTS = STRIP="$(TARGET_CROSS)strip"
KDUMP_KEXEC_TOOLS_CONF_OPTS = --without-zlib --without-lzma

define KDUMP_KEXEC_TOOLS_REMOVE_LIB_TOOLS
	rm -rf $(TARGET_DIR)/usr/lib/kexec-tools
endef

KDUMP_KEXEC_TOOLS_POST_INSTALL_TARGET_HOOKS += KDUMP_KEXEC_TOOLS_REMOVE_LIB_TOOLS

$(eval $(autotools-package))
