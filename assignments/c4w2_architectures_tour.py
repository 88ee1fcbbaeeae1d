"""Lab c4w2-architectures: Classic CNN architectures (LeNet-5 to EfficientNet), their cost,
sliding windows and what deep networks learn.

Builds every architecture, prints the parameter/multiplication table and saves the figures.

Usage: python assignments/c4w2_architectures_tour.py [--quick] [--out DIR]
"""

import sys

from dlspec.cli import main

if __name__ == "__main__":
    sys.exit(main(["run", "c4w2-architectures", *sys.argv[1:]]))
