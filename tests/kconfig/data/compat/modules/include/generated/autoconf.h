/*
 * Automatically generated file; DO NOT EDIT.
 * modules keyword
 */
#define CONFIG_MODULES 1
#define CONFIG_DRIVER_MODULE 1
