"""Lab c1w3-planar: Planar data classification with one hidden layer.

Runs the lab and prints our numbers next to the course's.

Usage: python assignments/c1w3_planar.py [--quick] [--out DIR]
"""

import sys

from dlspec.cli import main

if __name__ == "__main__":
    sys.exit(main(["run", "c1w3-planar", *sys.argv[1:]]))
