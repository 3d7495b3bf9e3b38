"""Generators: each turns a Board into a Tree (relative path -> GeneratedFile), in memory.

registry.GENERATORS lists them, typed; the CLI decides where a tree goes and
whether it is written or checked against the disk.
"""
