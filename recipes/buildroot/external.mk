include $(sort $(wildcard $(BR2_EXTERNAL_{{ name }}_PATH)/package/*/*.mk))
