"""kdumplayer: bring Linux kdump to embedded Linux builds."""

__version__ = "0.1.0"
