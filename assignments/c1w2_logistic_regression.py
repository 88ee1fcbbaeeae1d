"""Lab c1w2-logreg: Logistic regression with a neural network mindset.

Runs the lab and prints our numbers next to the course's.

Usage: python assignments/c1w2_logistic_regression.py [--quick] [--out DIR]
"""

import sys

from dlspec.cli import main

if __name__ == "__main__":
    sys.exit(main(["run", "c1w2-logreg", *sys.argv[1:]]))
