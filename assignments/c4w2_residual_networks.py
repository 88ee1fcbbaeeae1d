"""Lab c4w2-resnet: Residual networks (ResNet-50 on SIGNS, then the BatchNormalization fix).

Runs the lab and prints our numbers next to the course's.

Usage: python assignments/c4w2_residual_networks.py [--quick] [--out DIR]
"""

import sys

from dlspec.cli import main

if __name__ == "__main__":
    sys.exit(main(["run", "c4w2-resnet", *sys.argv[1:]]))
