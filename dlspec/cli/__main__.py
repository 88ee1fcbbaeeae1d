"""``python -m dlspec.cli``: the ``dlspec`` command."""

import sys

from dlspec.cli import main

sys.exit(main())
