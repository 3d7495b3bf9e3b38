"""Allow `python -m kdumplayer`."""

import sys

from kdumplayer.cli import main

sys.exit(main())
