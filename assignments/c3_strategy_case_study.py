"""Lab c3-case-study: ML strategy case study, diagnosing the Course 1 cat classifier.

Trains the classifier, builds train / train-dev / dev / test splits, diagnoses bias, variance
and data mismatch, runs an error analysis, writes the report, and prints our numbers.

Usage: python assignments/c3_strategy_case_study.py [--quick] [--out DIR]
"""

import sys

from dlspec.cli import main

if __name__ == "__main__":
    sys.exit(main(["run", "c3-case-study", *sys.argv[1:]]))
