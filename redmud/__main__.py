"""``python -m redmud``: the command line."""

import sys

from redmud.cli import main

sys.exit(main())
