"""Lab c4w4-nst: Art generation with neural style transfer (VGG-19).

Runs the lab; without vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5 it runs the offline
MobileNetV2 backbone and says so.

Usage: python assignments/c4w4_neural_style_transfer.py [--quick] [--out DIR]
       [--content IMG] [--style IMG] [--weights VGG19_NOTOP_H5]
"""

import sys

from dlspec.cli import main

if __name__ == "__main__":
    sys.exit(main(["run", "c4w4-nst", *sys.argv[1:]]))
