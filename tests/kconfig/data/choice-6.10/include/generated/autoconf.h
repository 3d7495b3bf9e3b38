/*
 * Automatically generated file; DO NOT EDIT.
 * choice
 */
#define CONFIG_GZIP 1
