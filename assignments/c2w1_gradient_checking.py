"""Lab c2w1-gradient-checking: Gradient checking.

Runs the lab and prints our numbers next to the course's.

Usage: python assignments/c2w1_gradient_checking.py [--quick] [--out DIR]
"""

import sys

from dlspec.cli import main

if __name__ == "__main__":
    sys.exit(main(["run", "c2w1-gradient-checking", *sys.argv[1:]]))
