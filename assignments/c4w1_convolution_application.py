"""Lab c4w1-conv-app: Convolution model application (happyModel, convolutional_model on SIGNS).

Runs the lab and prints our numbers next to the course's.

Usage: python assignments/c4w1_convolution_application.py [--quick] [--out DIR]
"""

import sys

from dlspec.cli import main

if __name__ == "__main__":
    sys.exit(main(["run", "c4w1-conv-app", *sys.argv[1:]]))
