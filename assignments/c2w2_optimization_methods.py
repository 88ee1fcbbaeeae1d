"""Lab c2w2-optimization: Optimization methods.

Runs the lab and prints our numbers next to the course's.

Usage: python assignments/c2w2_optimization_methods.py [--quick] [--out DIR]
"""

import sys

from dlspec.cli import main

if __name__ == "__main__":
    sys.exit(main(["run", "c2w2-optimization", *sys.argv[1:]]))
