"""Lab c4w2-alpaca: Transfer learning with MobileNetV2 (alpaca / not alpaca).

Runs the lab and prints our numbers next to the course's.

Usage: python assignments/c4w2_transfer_learning_mobilenet.py [--quick] [--out DIR]
"""

import sys

from dlspec.cli import main

if __name__ == "__main__":
    sys.exit(main(["run", "c4w2-alpaca", *sys.argv[1:]]))
