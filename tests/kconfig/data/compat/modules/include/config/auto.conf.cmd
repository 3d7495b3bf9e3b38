autoconfig := include/config/auto.conf

deps_config := \
	Kconfig \
	kernel/module/Kconfig \

$(autoconfig): $(deps_config)
$(deps_config): ;
