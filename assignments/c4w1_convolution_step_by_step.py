"""Lab c4w1-conv-step: Convolutional model, step by step (numpy loops and their vectorised twin).

Runs the lab and prints our numbers next to the course's.

Usage: python assignments/c4w1_convolution_step_by_step.py [--quick] [--out DIR]
"""

import sys

from dlspec.cli import main

if __name__ == "__main__":
    sys.exit(main(["run", "c4w1-conv-step", *sys.argv[1:]]))
