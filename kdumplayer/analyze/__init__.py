"""`kdumplayer analyze`: from a dump to a diagnosis (dump facts without debug info,
the crashed task's stack through drgn with it)."""
