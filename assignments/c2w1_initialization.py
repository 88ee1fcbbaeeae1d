"""Lab c2w1-init: Initialization.

Runs the lab and prints our numbers next to the course's.

Usage: python assignments/c2w1_initialization.py [--quick] [--out DIR]
"""

import sys

from dlspec.cli import main

if __name__ == "__main__":
    sys.exit(main(["run", "c2w1-init", *sys.argv[1:]]))
