/*
 * Automatically generated file; DO NOT EDIT.
 * rules
 */
#define CONFIG_IMPLIED_HIDDEN_MODULE 1
#define CONFIG_ROOT 1
#define CONFIG_MODULES 1
#define CONFIG_IMPLIED_MODULE 1
#define CONFIG_COUNT 
#define CONFIG_PHYS 0x
