"""Lab c1w4-deep-nn-app: Deep neural network for image classification: application.

Runs the lab and prints our numbers next to the course's.

Usage: python assignments/c1w4_deep_nn_application.py [--quick] [--out DIR]
"""

import sys

from dlspec.cli import main

if __name__ == "__main__":
    sys.exit(main(["run", "c1w4-deep-nn-app", *sys.argv[1:]]))
