/*
 * Automatically generated file; DO NOT EDIT.
 * choice
 */
#define CONFIG_XZ 1
