"""Lab c2-practical: Practical aspects of deep learning: hyperparameter search,
exponentially weighted averages, gradient health, input normalisation and early stopping.

Runs the lab (--quick runs a small search) and saves the figures.

Usage: python assignments/c2_practical_aspects.py [--quick] [--out DIR]
"""

import sys

from dlspec.cli import main

if __name__ == "__main__":
    sys.exit(main(["run", "c2-practical", *sys.argv[1:]]))
