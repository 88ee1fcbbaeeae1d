"""Lab c4w3-unet: Image segmentation with U-Net (CARLA frames).

Trains the course's U-Net and prints held-out pixel accuracy and per-class IoU.

Usage: python assignments/c4w3_unet_segmentation.py [--quick] [--out DIR] [--data DIR]
"""

import sys

from dlspec.cli import main

if __name__ == "__main__":
    sys.exit(main(["run", "c4w3-unet", *sys.argv[1:]]))
