"""Lab c1w2-numpy-basics: Python basics with numpy.

Runs the lab and prints our numbers next to the course's.

Usage: python assignments/c1w2_numpy_basics.py [--quick] [--out DIR]
"""

import sys

from dlspec.cli import main

if __name__ == "__main__":
    sys.exit(main(["run", "c1w2-numpy-basics", *sys.argv[1:]]))
