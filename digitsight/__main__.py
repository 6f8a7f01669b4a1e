"""Run the command line: ``python -m digitsight --help``."""

import sys

from digitsight.cli import main

sys.exit(main())
