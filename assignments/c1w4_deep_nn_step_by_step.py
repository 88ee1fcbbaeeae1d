"""Lab c1w4-deep-nn-step: Building your deep neural network: step by step.

Runs the lab and prints our numbers next to the course's.

Usage: python assignments/c1w4_deep_nn_step_by_step.py [--quick] [--out DIR]
"""

import sys

from dlspec.cli import main

if __name__ == "__main__":
    sys.exit(main(["run", "c1w4-deep-nn-step", *sys.argv[1:]]))
