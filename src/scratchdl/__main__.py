"""``python -m scratchdl`` is the ``scratchdl`` command."""

import sys

from scratchdl.cli import main

sys.exit(main())
