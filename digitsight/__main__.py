"""Run the command line: ``python -m digitsight --help``."""

import sys

from digitsight.cli import main, quiet_native_stderr

quiet_native_stderr()  # native libraries' log lines off the terminal; DigitSight's messages stay
sys.exit(main())
