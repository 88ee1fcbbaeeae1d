"""Lab c2w3-tf-intro: Introduction to TensorFlow (SIGNS, 3-layer network, Adam, minibatches).

Runs the lab and prints our numbers next to the course's.

Usage: python assignments/c2w3_tensorflow_introduction.py [--quick] [--out DIR]
"""

import sys

from dlspec.cli import main

if __name__ == "__main__":
    sys.exit(main(["run", "c2w3-tf-intro", *sys.argv[1:]]))
