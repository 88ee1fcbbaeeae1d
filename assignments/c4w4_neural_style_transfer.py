"""Lab c4w4-nst: Art generation with neural style transfer (VGG-19).

Runs the lab; without VGG-19 ImageNet weights it says what it used instead.

Usage: python assignments/c4w4_neural_style_transfer.py [--quick] [--out DIR]
"""

import sys

from dlspec.cli import main

if __name__ == "__main__":
    sys.exit(main(["run", "c4w4-nst", *sys.argv[1:]]))
