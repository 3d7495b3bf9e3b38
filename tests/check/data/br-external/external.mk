include $(sort $(wildcard $(BR2_EXTERNAL_KDUMP_TEST_PATH)/package/*/*.mk))
