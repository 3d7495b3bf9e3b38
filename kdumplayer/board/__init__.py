"""The board description: its model, loading and validation, and its kexec-tools compatibility."""
